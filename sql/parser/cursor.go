package parser

import "github.com/nodedb-go/nodedb/sql/ast"

// declareCursor parses DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE]
// [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query.
func (p *parser) declareCursor() ast.Statement {
	start := p.expectKw("declare")
	d := &ast.DeclareCursor{Pos: start.pos, Name: p.name()}
	for {
		switch {
		case p.acceptKw("binary"):
			d.Binary = true
		case p.acceptKw("asensitive"), p.acceptKw("insensitive"):
		case p.acceptKw("scroll"):
			d.Scroll = 1
		case p.acceptKws("no", "scroll"):
			d.Scroll = -1
		default:
			p.expectKw("cursor")
			switch {
			case p.acceptKws("with", "hold"):
				d.Hold = true
			case p.acceptKws("without", "hold"):
			}
			p.expectKw("for")
			if !p.isKw("select") && !p.isKw("with") && !p.isKw("values") && !p.isOp("(") {
				p.fail(p.peek())
			}
			d.Query = p.query()
			return d
		}
	}
}

// fetch parses FETCH | MOVE [direction] [FROM | IN] name: NEXT, PRIOR,
// FIRST, LAST, ABSOLUTE n, RELATIVE n, n, ALL, FORWARD [n | ALL],
// BACKWARD [n | ALL].
func (p *parser) fetch() ast.Statement {
	t := p.next()
	f := &ast.Fetch{Pos: t.pos, Move: t.val == "move", Dir: "FORWARD", Count: 1}
	count := func() int64 {
		neg := p.acceptOp("-")
		n := p.next()
		if n.kind != tInt {
			p.fail(n)
		}
		if neg {
			return -n.ival
		}
		return n.ival
	}
	isCount := func() bool { return p.peek().kind == tInt || (p.isOp("-") && p.peekN(1).kind == tInt) }
	switch {
	case p.acceptKw("next"):
	case p.acceptKw("prior"):
		f.Dir = "BACKWARD"
	case p.acceptKw("first"):
		f.Dir = "ABSOLUTE"
	case p.acceptKw("last"):
		f.Dir, f.Count = "ABSOLUTE", -1
	case p.acceptKw("absolute"):
		f.Dir, f.Count = "ABSOLUTE", count()
	case p.acceptKw("relative"):
		f.Dir, f.Count = "RELATIVE", count()
	case p.acceptKw("all"):
		f.All = true
	case p.acceptKw("forward"), p.acceptKw("backward"):
		if isKw(p.toks[p.i-1], "backward") {
			f.Dir = "BACKWARD"
		}
		switch {
		case p.acceptKw("all"):
			f.All = true
		case isCount():
			f.Count = count()
		}
	case isCount():
		f.Count = count()
	}
	if !p.acceptKw("from") {
		p.acceptKw("in")
	}
	f.Name = p.name()
	return f
}
