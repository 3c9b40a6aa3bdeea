package parser

import "github.com/nodedb-go/nodedb/sql/ast"

// createMaterializedView parses, after CREATE, MATERIALIZED VIEW [IF NOT
// EXISTS] name [STREAMING] AS query.
func (p *parser) createMaterializedView(start token) ast.Statement {
	p.expectKw("materialized", "view")
	c := &ast.CreateMaterializedView{Pos: start.pos}
	c.IfNotExists = p.ifNotExists()
	c.Name = p.name()
	c.Streaming = p.acceptKw("streaming")
	p.expectKw("as")
	qs := p.peek()
	c.Select = p.query()
	c.Query = p.src[qs.pos-1 : p.toks[p.i-1].end]
	return c
}
