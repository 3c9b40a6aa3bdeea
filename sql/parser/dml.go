package parser

import (
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// insert parses INSERT|UPSERT INTO t [AS alias] [(cols)] VALUES ... | { ... }
// | [ ... ] | $n | query, then ON CONFLICT and RETURNING.
func (p *parser) insert(upsert bool) ast.Statement {
	ins := &ast.Insert{Pos: p.next().pos, Upsert: upsert}
	p.expectKw("into")
	ins.Table = p.relName()
	if p.acceptKw("as") {
		ins.Alias = p.name()
	}
	if p.isOp("(") && !p.startsQuery() {
		ins.Columns = p.parenNames(true)
	}
	if p.acceptKw("overriding") {
		if p.isKw("user") {
			p.notYet(p.peek(), "OVERRIDING USER VALUE")
		}
		p.expectKw("system", "value")
		ins.OverridingSystem = true
	}
	t := p.peek()
	switch {
	case len(ins.Columns) == 0 && p.acceptKws("default", "values"):
		ins.DefaultValues = true
		ins.Rows = [][]ast.Expr{{}}
	case isKw(t, "values"):
		p.i++
		ins.Rows = p.valueRows(true)
		if len(ins.Columns) > 0 && len(ins.Rows[0]) > len(ins.Columns) {
			p.failf(t, "INSERT has more expressions than target columns")
		}
	case isOp(t, "{") || t.kind == tParam:
		if len(ins.Columns) > 0 {
			p.fail(t)
		}
		ins.Docs = []ast.Expr{p.doc()}
	case isOp(t, "["):
		if len(ins.Columns) > 0 {
			p.fail(t)
		}
		p.i++
		for {
			ins.Docs = append(ins.Docs, p.doc())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp("]")
	case p.startsQuery():
		ins.Select = p.query()
	default:
		p.fail(t)
	}
	if p.isKw("on") && isKw(p.peekN(1), "conflict") {
		ins.OnConflict = p.onConflict()
	}
	if p.acceptKw("returning") {
		ins.Returning = p.selectItems()
	}
	return ins
}

// doc parses one document of an object-literal insert: { ... } or $n.
func (p *parser) doc() ast.Expr {
	t := p.peek()
	if t.kind == tParam {
		p.i++
		return &ast.Param{Pos: t.pos, N: int(t.ival)}
	}
	if !isOp(t, "{") {
		p.fail(t)
	}
	return p.object()
}

func (p *parser) onConflict() *ast.OnConflict {
	oc := &ast.OnConflict{Pos: p.expectKw("on", "conflict").pos}
	if p.isOp("(") {
		// The target is written as an index's keys: columns or
		// expressions, and the predicate of a partial index.
		ci := &ast.CreateIndex{}
		p.indexElems(ci)
		oc.Target, oc.TargetExprs = ci.Columns, ci.Exprs
		if p.acceptKw("where") {
			oc.TargetWhere = p.expr(0)
		}
	} else if p.acceptKws("on", "constraint") {
		oc.Constraint = p.name()
	}
	p.expectKw("do")
	if p.acceptKw("nothing") {
		oc.DoNothing = true
		return oc
	}
	p.expectKw("update", "set")
	oc.Set = p.assignments()
	if p.acceptKw("where") {
		oc.Where = p.expr(0)
	}
	return oc
}

// assignments parses col = expr, ... where col may be a dotted path, and
// (col, ...) = [ROW] (expr, ...), which is one assignment per column.
func (p *parser) assignments() []ast.Assignment {
	var out []ast.Assignment
	for {
		t := p.peek()
		if isOp(t, "(") {
			out = append(out, p.multiAssignment()...)
			if !p.acceptOp(",") {
				return out
			}
			continue
		}
		a := ast.Assignment{Pos: t.pos, Column: p.qualifiedName()}
		p.expectOp("=")
		a.Value = p.valueOrDefault()
		out = append(out, a)
		if !p.acceptOp(",") {
			return out
		}
	}
}

// tableAlias reads an optional [AS] alias that is not the keyword stop.
func (p *parser) tableAlias(stop string) string {
	if p.acceptKw("as") {
		return p.name()
	}
	if isBareAlias(p.peek()) && !p.isKw(stop) {
		return p.next().val
	}
	return ""
}

func (p *parser) update() ast.Statement {
	u := &ast.Update{Pos: p.expectKw("update").pos}
	p.acceptKw("only")
	u.Table = p.relName()
	u.Alias = p.tableAlias("set")
	p.expectKw("set")
	u.Set = p.assignments()
	if p.acceptKw("from") {
		u.From = p.fromList()
	}
	if p.acceptKw("where") {
		u.Where = p.expr(0)
	}
	if p.acceptKw("returning") {
		u.Returning = p.selectItems()
	}
	return u
}

func (p *parser) deleteStmt() ast.Statement {
	d := &ast.Delete{Pos: p.expectKw("delete").pos}
	p.expectKw("from")
	p.acceptKw("only")
	d.Table = p.relName()
	d.Alias = p.tableAlias("where")
	if p.acceptKw("using") {
		d.Using = p.fromList()
	}
	if p.acceptKw("where") {
		d.Where = p.expr(0)
	}
	if p.acceptKw("returning") {
		d.Returning = p.selectItems()
	}
	return d
}

func (p *parser) truncate() ast.Statement {
	tr := &ast.Truncate{Pos: p.expectKw("truncate").pos}
	p.acceptKw("table")
	p.acceptKw("only")
	tr.Tables = p.relList()
	if p.acceptKws("restart", "identity") {
		tr.RestartIdentity = true
	} else {
		p.acceptKws("continue", "identity")
	}
	if p.acceptKw("cascade") {
		tr.Cascade = true
	} else {
		p.acceptKw("restrict")
	}
	return tr
}

// lockModes are LOCK's lock modes, each as its words.
var lockModes = [][]string{
	{"access", "share"}, {"row", "share"}, {"row", "exclusive"}, {"share", "update", "exclusive"},
	{"share", "row", "exclusive"}, {"share"}, {"exclusive"}, {"access", "exclusive"},
}

// lockTable parses LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE]
// [NOWAIT].
func (p *parser) lockTable() ast.Statement {
	l := &ast.LockTable{Pos: p.expectKw("lock").pos, Mode: "ACCESS EXCLUSIVE"}
	p.acceptKw("table")
	for {
		p.acceptKw("only")
		l.Names = append(l.Names, p.relName())
		p.acceptOp("*")
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("in") {
		found := false
		for _, m := range lockModes {
			if p.acceptKws(m...) {
				l.Mode, found = strings.ToUpper(strings.Join(m, " ")), true
				break
			}
		}
		if !found {
			p.fail(p.peek())
		}
		p.expectKw("mode")
	}
	l.NoWait = p.acceptKw("nowait")
	return l
}

// copyStmt parses COPY t [(cols)] FROM STDIN with new-style (...) options or
// old-style [WITH] [BINARY] [CSV] [HEADER] [DELIMITER [AS] 'x'] [NULL [AS] 'x'].
func (p *parser) copyStmt() ast.Statement {
	c := &ast.CopyFrom{Pos: p.expectKw("copy").pos, Format: "text"}
	var query *ast.Select
	if p.acceptOp("(") {
		query = p.query()
		p.expectOp(")")
	} else {
		c.Table = p.relName()
		if p.isOp("(") {
			c.Columns = p.parenNames(true)
		}
	}
	if p.acceptKw("to") {
		if !p.acceptKw("stdout") {
			p.notYet(p.peek(), "COPY ... TO a file or program (use TO STDOUT, as psql's \\copy does)")
		}
		p.copyOptions(c)
		return &ast.CopyTo{Pos: c.Pos, Table: c.Table, Columns: c.Columns, Query: query, Format: c.Format,
			Delimiter: c.Delimiter, Null: c.Null, NullSet: c.NullSet, Header: c.Header}
	}
	if query != nil {
		p.expectKw("to") // COPY (query) only goes TO
	}
	p.expectKw("from")
	if !p.acceptKw("stdin") {
		p.fail(p.peek())
	}
	p.copyOptions(c)
	return c
}

// copyOptions parses COPY's options after FROM STDIN or TO STDOUT: WITH
// (FORMAT f, DELIMITER 'd', NULL 'n', HEADER [b]) or the old unparenthesized
// BINARY, CSV, HEADER, DELIMITER [AS] 'd', NULL [AS] 'n'.
func (p *parser) copyOptions(c *ast.CopyFrom) {
	var delimTok token
	p.acceptKw("with")
	if p.isOp("(") {
		p.i++
		seen := map[string]bool{}
		for {
			t := p.peek()
			key := p.label()
			if seen[key] {
				p.failf(t, "conflicting or redundant options")
			}
			seen[key] = true
			switch key {
			case "format":
				f := p.next()
				if f.kind != tIdent && f.kind != tString {
					p.fail(f)
				}
				switch strings.ToLower(f.val) {
				case "csv", "text", "binary":
					c.Format = strings.ToLower(f.val)
				default:
					p.failf(f, "COPY format \"%s\" not recognized", f.val)
				}
			case "delimiter":
				delimTok = p.peek()
				c.Delimiter = p.stringTok()
			case "null":
				c.Null, c.NullSet = p.stringTok(), true
			case "header":
				c.Header = true
				if !p.isOp(",") && !p.isOp(")") {
					c.Header = p.boolOpt()
				}
			default:
				p.failf(t, "option \"%s\" not recognized", key)
			}
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	} else {
		for {
			switch {
			case p.acceptKw("binary"):
				c.Format = "binary"
			case p.acceptKw("csv"):
				c.Format = "csv"
			case p.acceptKw("header"):
				c.Header = true
			case p.acceptKw("delimiter"):
				p.acceptKw("as")
				delimTok = p.peek()
				c.Delimiter = p.stringTok()
			case p.acceptKw("null"):
				p.acceptKw("as")
				c.Null, c.NullSet = p.stringTok(), true
			default:
				if c.Delimiter != "" && len(c.Delimiter) != 1 {
					p.failf(delimTok, "COPY delimiter must be a single one-byte character")
				}
				return
			}
		}
	}
	if c.Delimiter != "" && len(c.Delimiter) != 1 {
		p.failf(delimTok, "COPY delimiter must be a single one-byte character")
	}
}

// stringTok consumes a string literal and returns its value.
func (p *parser) stringTok() string {
	t := p.peek()
	if t.kind != tString {
		p.fail(t)
	}
	p.i++
	return t.val
}

// boolOpt reads true/false/on/off/1/0 as an option value.
func (p *parser) boolOpt() bool {
	t := p.next()
	v := strings.ToLower(t.val)
	switch {
	case t.kind == tIdent || t.kind == tString:
		switch v {
		case "true", "on", "yes":
			return true
		case "false", "off", "no":
			return false
		}
	case t.kind == tInt:
		if t.ival == 1 {
			return true
		}
		if t.ival == 0 {
			return false
		}
	}
	p.fail(t)
	return false
}

// multiAssignment parses (col, ...) = [ROW] (expr | DEFAULT, ...) and
// (col, ...) = (SELECT ...).
func (p *parser) multiAssignment() []ast.Assignment {
	p.expectOp("(")
	var cols []ast.Assignment
	for {
		c := p.peek()
		cols = append(cols, ast.Assignment{Pos: c.pos, Column: p.qualifiedName()})
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	p.expectOp("=")
	src := p.peek()
	row := p.acceptKw("row")
	v := p.peek()
	p.expectOp("(")
	var vals []ast.Expr
	if !row && p.startsQueryHere() {
		vals = append(vals, &ast.SubqueryExpr{Pos: v.pos, Query: p.query()})
	} else {
		for {
			vals = append(vals, p.valueOrDefault())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	p.expectOp(")")
	if p.infixPrec() != precNone {
		// (...) + 1 is an expression: neither a sub-SELECT nor a row.
		p.exprFrom(vals[0], 0)
		p.throw(errs.New(errs.FeatureNotSupported, "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression").WithPosition(src.pos))
	}
	if sq, ok := vals[0].(*ast.SubqueryExpr); ok && len(vals) == 1 && !row {
		// (SELECT ...), also ((SELECT ...)): each column takes its
		// output column of the sub-SELECT's row; the planner checks
		// their number.
		for i := range cols {
			cols[i].Value = &ast.MultiAssignRef{Pos: sq.Pos, Query: sq.Query, Col: i, N: len(cols)}
		}
		return cols
	}
	switch {
	case len(vals) == 1 && !row:
		// (x) alone is a parenthesized value, not a row, for one
		// column too.
		p.throw(errs.New(errs.FeatureNotSupported, "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression").WithPosition(vals[0].Position()))
	case len(vals) != len(cols):
		p.throw(errs.New(errs.SyntaxError, "number of columns does not match number of values").WithPosition(v.pos))
	}
	for i := range cols {
		cols[i].Value = vals[i]
	}
	return cols
}
