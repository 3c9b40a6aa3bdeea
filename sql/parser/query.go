package parser

import (
	"strings"

	"github.com/nodedb-go/nodedb/sql/ast"
)

// query parses a full query: [WITH ...] body [ORDER BY] [LIMIT] [OFFSET]
// [FETCH FIRST n ROWS ONLY].
func (p *parser) query() *ast.Select {
	p.enter()
	defer p.leave()
	s := &ast.Select{Pos: p.peek().pos}
	if p.isKw("with") {
		s.With = p.with()
	}
	body, inner := p.setExpr(0)
	s.Body = body
	if p.acceptKws("order", "by") {
		s.OrderBy = p.orderList()
	}
	p.limitOffset(s)
	if p.isKw("for") {
		s.Locking = p.lockClauses()
		if s.Limit == nil && s.Offset == nil {
			p.limitOffset(s) // FOR UPDATE may come first
		}
	}
	if p.isKw("into") {
		p.notYet(p.peek(), "SELECT INTO")
	}
	// A lone parenthesized query with its own clauses is the query itself.
	if inner != nil && s.With == nil && s.OrderBy == nil && s.Limit == nil && s.Offset == nil && s.Locking == nil {
		inner.Pos = s.Pos
		return inner
	}
	return s
}

// lockClauses parses FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE
// [OF t, ...] [NOWAIT | SKIP LOCKED], one or more.
func (p *parser) lockClauses() []ast.LockClause {
	var out []ast.LockClause
	for p.isKw("for") {
		l := ast.LockClause{Pos: p.next().pos}
		switch {
		case p.acceptKw("update"):
			l.Strength = "UPDATE"
		case p.acceptKws("no", "key", "update"):
			l.Strength = "NO KEY UPDATE"
		case p.acceptKw("share"):
			l.Strength = "SHARE"
		case p.acceptKws("key", "share"):
			l.Strength = "KEY SHARE"
		default:
			p.fail(p.peek())
		}
		if p.acceptKw("of") {
			for {
				l.OfPos = append(l.OfPos, p.peek().pos)
				l.Of = append(l.Of, p.name())
				if !p.acceptOp(",") {
					break
				}
			}
		}
		switch {
		case p.acceptKw("nowait"):
			l.Wait = "NOWAIT"
		case p.acceptKws("skip", "locked"):
			l.Wait = "SKIP LOCKED"
		}
		out = append(out, l)
	}
	return out
}

// limitOffset parses LIMIT / OFFSET / FETCH in any order, each at most once.
func (p *parser) limitOffset(s *ast.Select) {
	seenLimit, seenOffset := false, false
	for {
		t := p.peek()
		switch {
		case isKw(t, "limit") && !seenLimit:
			p.i++
			seenLimit = true
			if !p.acceptKw("all") {
				s.Limit = p.expr(0)
			}
		case isKw(t, "fetch") && !seenLimit:
			p.i++
			seenLimit = true
			if !p.acceptKw("first") {
				p.expectKw("next")
			}
			if p.isKw("row") || p.isKw("rows") {
				s.Limit = &ast.Literal{Pos: p.peek().pos, Kind: "int", Value: int64(1), Text: "1"}
			} else {
				s.Limit = p.expr(precAdd)
			}
			if !p.acceptKw("rows") {
				p.expectKw("row")
			}
			p.expectKw("only")
		case isKw(t, "offset") && !seenOffset:
			p.i++
			seenOffset = true
			s.Offset = p.expr(precAdd)
			if !p.acceptKw("rows") {
				p.acceptKw("row")
			}
		default:
			return
		}
	}
}

func (p *parser) with() *ast.With {
	w := &ast.With{Pos: p.expectKw("with").pos}
	w.Recursive = p.acceptKw("recursive")
	for {
		c := ast.CTE{Pos: p.peek().pos, Name: p.name()}
		if p.isOp("(") {
			c.Columns = p.parenNames(false)
		}
		p.expectKw("as")
		if p.acceptKw("materialized") {
		} else {
			p.acceptKws("not", "materialized")
		}
		p.expectOp("(")
		if dml := p.dmlStatement(); dml != nil {
			c.DML = dml
		} else {
			c.Query = p.query()
		}
		p.expectOp(")")
		w.CTEs = append(w.CTEs, c)
		if !p.acceptOp(",") {
			return w
		}
	}
}

// dmlStatement parses INSERT, UPSERT, UPDATE or DELETE when one starts
// here (nil otherwise).
func (p *parser) dmlStatement() ast.Statement {
	switch t := p.peek(); {
	case isKw(t, "insert"):
		return p.insert(false)
	case isKw(t, "upsert"):
		return p.insert(true)
	case isKw(t, "update"):
		return p.update()
	case isKw(t, "delete"):
		return p.deleteStmt()
	}
	return nil
}

// withStatement parses a statement that starts with WITH: a query, or
// INSERT, UPDATE or DELETE reading the WITH queries.
func (p *parser) withStatement() ast.Statement {
	start := p.i
	w := p.with()
	switch st := p.dmlStatement().(type) {
	case *ast.Insert:
		st.With = w
		return st
	case *ast.Update:
		st.With = w
		return st
	case *ast.Delete:
		st.With = w
		return st
	}
	p.i = start // a query: parsed again whole
	return p.selectInto(p.query())
}

// setExpr parses set operations; INTERSECT (level 2) binds tighter than
// UNION/EXCEPT (level 1), both left-associative. inner is non-nil when the
// whole expression is one parenthesized query that carries its own WITH,
// ORDER BY or LIMIT.
func (p *parser) setExpr(min int) (ast.SelectBody, *ast.Select) {
	p.enter()
	defer p.leave()
	left, inner := p.setPrimary()
	for {
		t := p.peek()
		level := 0
		switch {
		case isKw(t, "union") || isKw(t, "except"):
			level = 1
		case isKw(t, "intersect"):
			level = 2
		}
		if level == 0 || level <= min {
			return left, inner
		}
		inner = nil
		p.i++
		op := &ast.SetOp{Pos: t.pos, Op: strings.ToUpper(t.val), Left: left}
		if p.acceptKw("all") {
			op.All = true
		} else {
			p.acceptKw("distinct")
		}
		op.Right, _ = p.setExpr(level)
		left = op
	}
}

// setPrimary parses a SELECT core, VALUES, or a parenthesized query.
func (p *parser) setPrimary() (ast.SelectBody, *ast.Select) {
	t := p.peek()
	switch {
	case isKw(t, "select"):
		return p.selectCore(), nil
	case isKw(t, "values"):
		return p.values(), nil
	case isKw(t, "table") && p.peekN(1).kind == tIdent:
		// TABLE t is SELECT * FROM t.
		p.i++
		n := p.peek()
		return &ast.SelectCore{Pos: t.pos, Items: []ast.SelectItem{{Pos: t.pos, Star: true}},
			From: []ast.TableExpr{&ast.TableName{Pos: n.pos, Name: p.relName()}}}, nil
	case isOp(t, "("):
		p.i++
		q := p.query()
		p.expectOp(")")
		if q.With == nil && q.OrderBy == nil && q.Limit == nil && q.Offset == nil {
			return q.Body, nil
		}
		// Keep the inner clauses by reading it as SELECT * FROM (query).
		core := &ast.SelectCore{Pos: t.pos,
			Items: []ast.SelectItem{{Pos: t.pos, Star: true}},
			From:  []ast.TableExpr{&ast.Subquery{Pos: t.pos, Query: q}}}
		return core, q
	}
	p.fail(t)
	return nil, nil
}

func (p *parser) values() *ast.ValuesClause {
	v := &ast.ValuesClause{Pos: p.expectKw("values").pos}
	v.Rows = p.valueRows(false)
	return v
}

// valueRows parses (a, b), (c, d) and checks that the rows have one length.
// With allowDefault (INSERT), DEFAULT may stand for a value.
func (p *parser) valueRows(allowDefault bool) [][]ast.Expr {
	var rows [][]ast.Expr
	for {
		t := p.expectOp("(")
		var row []ast.Expr
		for {
			if allowDefault {
				row = append(row, p.valueOrDefault())
			} else {
				row = append(row, p.expr(0))
			}
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		if len(rows) > 0 && len(row) != len(rows[0]) {
			p.failf(t, "VALUES lists must all be the same length")
		}
		rows = append(rows, row)
		if !p.acceptOp(",") {
			return rows
		}
	}
}

// valueOrDefault parses an expression or a bare DEFAULT.
func (p *parser) valueOrDefault() ast.Expr {
	t := p.peek()
	if isKw(t, "default") {
		n := p.peekN(1)
		if isOp(n, ",") || isOp(n, ")") || isOp(n, ";") || n.kind == tEOF || isKw(n, "where") ||
			isKw(n, "returning") {
			p.i++
			return &ast.DefaultExpr{Pos: t.pos}
		}
	}
	return p.expr(0)
}

func (p *parser) selectCore() *ast.SelectCore {
	c := &ast.SelectCore{Pos: p.expectKw("select").pos}
	if p.acceptKw("distinct") {
		if p.acceptKw("on") {
			p.expectOp("(")
			c.DistinctOn = p.exprList()
			p.expectOp(")")
		} else {
			c.Distinct = true
		}
	} else {
		p.acceptKw("all")
	}
	c.Items = p.selectItems()
	if p.acceptKw("into") {
		if p.isKw("unlogged") {
			p.notYet(p.peek(), "SELECT INTO "+strings.ToUpper(p.peek().val))
		}
		tempKw := false
		if p.isKw("local") || p.isKw("global") {
			if n := p.peekN(1); isKw(n, "temp") || isKw(n, "temporary") {
				p.i++
			}
		}
		if p.acceptKw("temp") || p.acceptKw("temporary") {
			tempKw = true
		}
		p.acceptKw("table")
		c.Into, c.IntoTemp = p.newTableName(tempKw)
	}
	if p.acceptKw("from") {
		c.From = p.fromList()
	}
	if p.acceptKw("where") {
		c.Where = p.expr(0)
	}
	if p.acceptKws("group", "by") {
		p.acceptKw("all")
		c.GroupBy = p.exprList()
	}
	if p.acceptKw("having") {
		c.Having = p.expr(0)
	}
	if p.acceptKw("window") {
		for {
			pos := p.peek().pos
			name := p.name()
			p.expectKw("as")
			w := p.windowSpec()
			w.Pos, w.Name = pos, name
			c.Windows = append(c.Windows, *w)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	return c
}

// selectItems parses the projection list (also used by RETURNING).
func (p *parser) selectItems() []ast.SelectItem {
	var out []ast.SelectItem
	for {
		t := p.peek()
		it := ast.SelectItem{Pos: t.pos}
		if p.acceptOp("*") {
			it.Star = true
		} else if tbl, ok := p.starRef(); ok {
			it.Star, it.StarTable = true, tbl
		} else {
			it.Expr = p.expr(0)
			it.Alias = p.alias()
		}
		out = append(out, it)
		if !p.acceptOp(",") {
			return out
		}
	}
}

// starRef consumes `name[.name].*` and returns the qualifier.
func (p *parser) starRef() (string, bool) {
	j := 0
	var parts []string
	for {
		t := p.peekN(j)
		if !isName(t) || !isOp(p.peekN(j+1), ".") {
			return "", false
		}
		parts = append(parts, t.val)
		j += 2
		if isOp(p.peekN(j), "*") {
			p.i += j + 1
			return strings.Join(parts, "."), true
		}
	}
}

// fromList parses comma-separated table references, each with its joins.
func (p *parser) fromList() []ast.TableExpr {
	var out []ast.TableExpr
	for {
		out = append(out, p.tableRef())
		if !p.acceptOp(",") {
			return out
		}
	}
}

// tableRef parses a table primary followed by any number of joins.
func (p *parser) tableRef() ast.TableExpr {
	p.enter()
	defer p.leave()
	left := p.tablePrimary()
	for {
		t := p.peek()
		j := &ast.Join{Pos: t.pos, Left: left}
		if p.acceptKw("natural") {
			j.Natural = true
		}
		switch {
		case p.acceptKw("join"):
			j.Kind = "INNER"
		case p.acceptKws("inner", "join"):
			j.Kind = "INNER"
		case p.acceptKws("left", "join"), p.acceptKws("left", "outer", "join"):
			j.Kind = "LEFT"
		case p.acceptKws("right", "join"), p.acceptKws("right", "outer", "join"):
			j.Kind = "RIGHT"
		case p.acceptKws("full", "join"), p.acceptKws("full", "outer", "join"):
			j.Kind = "FULL"
		case !j.Natural && p.acceptKws("cross", "join"):
			j.Kind = "CROSS"
		default:
			if j.Natural {
				p.fail(p.peek())
			}
			return left
		}
		j.Right = p.tablePrimary()
		if j.Kind != "CROSS" && !j.Natural {
			switch {
			case p.acceptKw("on"):
				j.On = p.expr(0)
			case p.acceptKw("using"):
				j.Using = p.parenNames(false)
			default:
				p.fail(p.peek())
			}
		}
		left = j
	}
}

func (p *parser) tablePrimary() ast.TableExpr {
	t := p.peek()
	if isOp(t, "(") {
		if p.startsQuery() {
			p.i++
			sq := &ast.Subquery{Pos: t.pos, Query: p.query()}
			p.expectOp(")")
			sq.Alias = p.alias()
			if sq.Alias != "" && p.isOp("(") {
				sq.Columns = p.parenNames(false)
			}
			return sq
		}
		p.i++
		te := p.tableRef()
		p.expectOp(")")
		if j, ok := te.(*ast.Join); ok && j.Alias == "" {
			if j.Alias = p.alias(); j.Alias != "" && p.isOp("(") {
				j.Columns = p.parenNames(false)
			}
		}
		return te
	}
	if isKw(t, "lateral") {
		// LATERAL (SELECT ...) reads the entries before it; a table
		// function does so without the keyword.
		p.i++
		if isOp(p.peek(), "(") && p.startsQuery() {
			sq := p.tablePrimary().(*ast.Subquery)
			sq.Lateral = true
			return sq
		}
		if isOp(p.peek(), "(") || !isName(p.peek()) || !isOp(p.peekN(1), "(") {
			p.fail(p.peek())
		}
		return p.tablePrimary()
	}
	n1, n2 := p.peekN(1), p.peekN(2)
	if (isKw(t, "stream") || isKw(t, "topic")) && isName(n1) &&
		(isKw(n2, "partition") || isKw(n2, "consumer")) {
		return p.streamSource()
	}
	if isKw(t, "rows") && isKw(n1, "from") && isOp(n2, "(") {
		return p.rowsFrom()
	}
	p.acceptKw("only")
	name := p.qualifiedName()
	if p.isOp("(") {
		f := p.funcCall(t.pos, name).(*ast.FuncCall)
		if f.Over != nil || f.Filter != nil {
			p.fail(t)
		}
		ft := &ast.FuncTable{Pos: t.pos, Func: f}
		ft.Ordinality = p.acceptKws("with", "ordinality")
		ft.Alias = p.alias()
		if ft.Alias != "" && p.isOp("(") {
			ft.Columns = p.parenNames(false)
		}
		return ft
	}
	tn := &ast.TableName{Pos: t.pos, Name: name, Alias: p.alias()}
	if tn.Alias != "" && p.isOp("(") {
		tn.Columns = p.parenNames(false)
	}
	return tn
}

// rowsFrom parses ROWS FROM (f(...), ...) [WITH ORDINALITY] [[AS] x[(a, ...)]].
func (p *parser) rowsFrom() ast.TableExpr {
	t := p.next()
	p.next()
	p.expectOp("(")
	ft := &ast.FuncTable{Pos: t.pos, RowsFrom: true}
	for {
		ft2 := p.peek()
		name := p.qualifiedName()
		if !p.isOp("(") {
			p.fail(p.peek())
		}
		f := p.funcCall(ft2.pos, name).(*ast.FuncCall)
		if f.Over != nil || f.Filter != nil {
			p.fail(ft2)
		}
		if ft.Func == nil {
			ft.Func = f
		} else {
			ft.More = append(ft.More, f)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	ft.Ordinality = p.acceptKws("with", "ordinality")
	ft.Alias = p.alias()
	if ft.Alias != "" && p.isOp("(") {
		ft.Columns = p.parenNames(false)
	}
	return ft
}

// streamSource parses STREAM s [PARTITION p] CONSUMER GROUP g [CONSUMER 'c']
// and TOPIC t CONSUMER GROUP g, each with an optional alias.
func (p *parser) streamSource() ast.TableExpr {
	t := p.next()
	s := &ast.StreamSource{Pos: t.pos, Topic: t.val == "topic", Name: p.name()}
	if !s.Topic && p.acceptKw("partition") {
		s.Partition = p.expr(precAdd)
	}
	p.expectKw("consumer", "group")
	s.Group = p.name()
	if p.isKw("consumer") && p.peekN(1).kind == tString {
		p.i++
		s.Consumer = p.next().val
	}
	s.Alias = p.alias()
	return s
}
