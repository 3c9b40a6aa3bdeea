package parser

import (
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// ParseBlock parses a procedural body: [DECLARE ...] BEGIN ... END [;], or
// bare statements.
func ParseBlock(src string) (b *ast.Block, err error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	defer p.recover(&err)
	if p.isKw("declare") || p.isKw("begin") {
		b = p.procBlock()
		for p.acceptOp(";") {
		}
		if p.peek().kind != tEOF {
			p.fail(p.peek())
		}
		return b, nil
	}
	b = &ast.Block{}
	b.Body = p.procStmts(func() bool { return p.peek().kind == tEOF })
	return b, nil
}

// blockSource parses a block at the current token and returns its source
// text and parse.
func (p *parser) blockSource() (string, *ast.Block) {
	start := p.peek()
	b := p.procBlock()
	return p.src[start.pos-1 : p.toks[p.i-1].end], b
}

// procBlock parses [DECLARE decl; ...] BEGIN stmts END.
func (p *parser) procBlock() *ast.Block {
	b := &ast.Block{}
	if p.acceptKw("declare") {
		for !p.isKw("begin") {
			if p.peek().kind == tEOF {
				p.throw(p.syntaxErr(p.peek()).WithHint("Expected BEGIN after the declarations."))
			}
			b.Decls = append(b.Decls, p.procDecl())
		}
	}
	p.expectKw("begin")
	p.blockBody(b)
	return b
}

// blockBody parses a block's statements, its EXCEPTION handlers if any,
// and the END.
func (p *parser) blockBody(b *ast.Block) {
	b.Body = p.procStmts(func() bool { return p.atBlockEnd() || p.isKw("exception") })
	if p.acceptKw("exception") {
		if !p.isKw("when") {
			p.throw(p.syntaxErr(p.peek()).WithHint("EXCEPTION is followed by WHEN condition THEN statements."))
		}
		for p.isKw("when") {
			h := ast.ProcHandler{Pos: p.next().pos}
			for {
				t := p.next()
				switch {
				case isKw(t, "sqlstate"):
					c := p.next()
					if c.kind != tString || len(c.val) != 5 {
						p.throw(p.syntaxErr(c).WithHint("SQLSTATE takes a five-character code: WHEN SQLSTATE '23505' THEN"))
					}
					h.Conds = append(h.Conds, "sqlstate:"+strings.ToUpper(c.val))
				case t.kind == tIdent:
					h.Conds = append(h.Conds, t.val)
				default:
					p.throw(p.syntaxErr(t).WithHint("Expected a condition name (unique_violation, others, ...) or SQLSTATE 'code'."))
				}
				if !p.acceptKw("or") {
					break
				}
			}
			p.expectKw("then")
			h.Body = p.procStmts(func() bool { return p.atBlockEnd() || p.isKw("when") })
			b.Handlers = append(b.Handlers, h)
		}
	}
	p.expectKw("end")
}

// atBlockEnd reports whether the current token is a block's END (not END
// IF, END LOOP or END CASE).
func (p *parser) atBlockEnd() bool {
	n := p.peekN(1)
	return p.isKw("end") && !isKw(n, "if") && !isKw(n, "loop") && !isKw(n, "case")
}

// procDecl parses name type [:= expr | DEFAULT expr] ;
func (p *parser) procDecl() ast.ProcDecl {
	t := p.peek()
	d := ast.ProcDecl{Pos: t.pos, Name: p.name()}
	start := p.i
	for !p.isOp(":=") && !p.isOp("=") && !p.isKw("default") && !p.isOp(";") && p.peek().kind != tEOF {
		p.i++
	}
	if p.i == start {
		p.throw(p.syntaxErr(p.peek()).WithHint("A declaration needs a type: name TYPE [:= value];"))
	}
	d.Type = p.text(start, p.i-1)
	if p.acceptOp(":=") || p.acceptOp("=") || p.acceptKw("default") {
		d.Default = p.exprUntil(func() bool { return p.isOp(";") })
	}
	p.expectOp(";")
	return d
}

// text returns the source of tokens i..j.
func (p *parser) text(i, j int) string {
	return strings.TrimSpace(p.src[p.toks[i].pos-1 : p.toks[j].end])
}

// exprUntil consumes tokens up to (not including) the first one, at
// nesting depth 0, for which stop reports true, and returns their source.
// Parentheses, brackets and CASE ... END nest.
func (p *parser) exprUntil(stop func() bool) string {
	start, depth := p.i, 0
	for {
		t := p.peek()
		if t.kind == tEOF {
			if depth > 0 {
				p.fail(t) // an unclosed parenthesis, bracket or CASE
			}
			break
		}
		if depth == 0 && stop() {
			break
		}
		switch {
		case isOp(t, "("), isOp(t, "["), isKw(t, "case"):
			depth++
		case isOp(t, ")"), isOp(t, "]"), isKw(t, "end"):
			if depth == 0 {
				p.fail(t) // closes nothing
			}
			depth--
		}
		p.i++
	}
	if p.i == start {
		p.throw(p.syntaxErr(p.peek()).WithHint("Expected an expression."))
	}
	return p.text(start, p.i-1)
}

// procStmts parses statements until end reports true.
func (p *parser) procStmts(end func() bool) []ast.ProcStmt {
	var out []ast.ProcStmt
	for {
		for p.acceptOp(";") {
		}
		if end() {
			return out
		}
		if p.peek().kind == tEOF {
			p.throw(p.syntaxErr(p.peek()).WithHint("The block needs END."))
		}
		out = append(out, p.procStmt())
	}
}

func (p *parser) procStmt() ast.ProcStmt {
	t := p.peek()
	semi := func() bool { return p.isOp(";") }
	switch {
	case isKw(t, "begin"):
		return &ast.ProcBlock{Pos: t.pos, Block: p.procBlock()}
	case isKw(t, "declare"):
		// DECLARE ... BEGIN ... END is a nested block; DECLARE decl; followed
		// by a statement declares in the enclosing block.
		p.i++
		var decls []ast.ProcDecl
		for {
			decls = append(decls, p.procDecl())
			if p.isKw("begin") {
				b := &ast.Block{Decls: decls}
				p.i++
				p.blockBody(b)
				return &ast.ProcBlock{Pos: t.pos, Block: b}
			}
			if p.startsProcStmt() {
				return &ast.ProcDeclare{Pos: t.pos, Decls: decls}
			}
		}
	case isKw(t, "if"):
		p.i++
		s := &ast.ProcIf{Pos: t.pos}
		for {
			s.Conds = append(s.Conds, p.exprUntil(func() bool { return p.isKw("then") }))
			p.expectKw("then")
			s.Then = append(s.Then, p.procStmts(func() bool {
				return p.isKw("elsif") || p.isKw("elseif") || p.isKw("else") || (p.isKw("end") && isKw(p.peekN(1), "if"))
			}))
			if p.acceptKw("elsif") || p.acceptKw("elseif") {
				continue
			}
			break
		}
		if p.acceptKw("else") {
			s.Else = p.procStmts(func() bool { return p.isKw("end") && isKw(p.peekN(1), "if") })
		}
		p.expectKw("end", "if")
		return s
	case isKw(t, "case"):
		// CASE [subject] WHEN v THEN ... [ELSE ...] END CASE, as IF/ELSIF.
		p.i++
		subject := ""
		if !p.isKw("when") {
			subject = p.exprUntil(func() bool { return p.isKw("when") })
		}
		s := &ast.ProcIf{Pos: t.pos}
		endCase := func() bool { return p.isKw("end") && isKw(p.peekN(1), "case") }
		for p.acceptKw("when") {
			c := p.exprUntil(func() bool { return p.isKw("then") })
			if subject != "" {
				c = "(" + subject + ") = (" + c + ")"
			}
			p.expectKw("then")
			s.Conds = append(s.Conds, c)
			s.Then = append(s.Then, p.procStmts(func() bool { return p.isKw("when") || p.isKw("else") || endCase() }))
		}
		if len(s.Conds) == 0 {
			p.throw(p.syntaxErr(p.peek()).WithHint("CASE needs WHEN ... THEN ..."))
		}
		if p.acceptKw("else") {
			s.Else = p.procStmts(endCase)
		} else {
			// No branch matched and no ELSE: an error, as in PL/pgSQL.
			s.Else = []ast.ProcStmt{&ast.ProcRaise{Pos: t.pos, Level: "EXCEPTION", Format: "case not found", Code: "20000"}}
		}
		p.expectKw("end", "case")
		return s
	case isKw(t, "while"):
		p.i++
		s := &ast.ProcLoop{Pos: t.pos, Cond: p.exprUntil(func() bool { return p.isKw("loop") })}
		s.Body = p.loopBody()
		return s
	case isKw(t, "loop"):
		return &ast.ProcLoop{Pos: t.pos, Body: p.loopBody()}
	case isKw(t, "for"):
		p.i++
		v := p.name()
		p.expectKw("in")
		if p.isKw("select") || p.isKw("with") || p.isKw("values") {
			s := &ast.ProcForQuery{Pos: t.pos, Var: v, Query: p.exprUntil(func() bool { return p.isKw("loop") })}
			if _, err := Parse(s.Query); err != nil {
				p.throw(errs.Errorf(errs.SyntaxError, "in the FOR query: %v", err).WithPosition(t.pos))
			}
			s.Body = p.loopBody()
			return s
		}
		s := &ast.ProcForRange{Pos: t.pos, Var: v}
		s.Reverse = p.acceptKw("reverse")
		rng := p.exprUntil(func() bool { return p.isKw("loop") })
		lo, hi, ok := strings.Cut(rng, "..")
		if !ok {
			p.throw(errs.Errorf(errs.SyntaxError, "FOR %s IN needs a range lo..hi or a query", v).WithPosition(t.pos))
		}
		s.Lo, s.Hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
		s.Body = p.loopBody()
		return s
	case isKw(t, "exit"), isKw(t, "continue"):
		p.i++
		s := &ast.ProcExit{Pos: t.pos, Continue: isKw(t, "continue")}
		if p.acceptKw("when") {
			s.When = p.exprUntil(semi)
		}
		return s
	case isKw(t, "raise"):
		p.i++
		s := &ast.ProcRaise{Pos: t.pos, Level: "EXCEPTION"}
		if p.isOp(";") {
			s.Reraise = true // RAISE; in a handler: the error it caught
			return s
		}
		if l := p.peek(); l.kind == tIdent && !l.quoted {
			switch l.val {
			case "exception", "warning", "notice", "info", "log", "debug":
				p.i++
				s.Level = strings.ToUpper(l.val)
			}
		}
		f := p.next()
		if f.kind != tString {
			p.throw(p.syntaxErr(f).WithHint("RAISE needs a message: RAISE EXCEPTION 'text %', value;"))
		}
		s.Format = f.val
		for p.acceptOp(",") {
			s.Args = append(s.Args, p.exprUntil(func() bool { return p.isOp(",") || p.isOp(";") || p.isKw("using") }))
		}
		if p.acceptKw("using") {
			p.expectKw("errcode")
			if !p.acceptOp("=") {
				p.expectOp(":=")
			}
			c := p.next()
			if c.kind != tString || len(c.val) != 5 {
				p.throw(p.syntaxErr(c).WithHint("ERRCODE needs a five-character SQLSTATE such as '23514'."))
			}
			s.Code = c.val
		}
		return s
	case isKw(t, "return"):
		p.i++
		s := &ast.ProcReturn{Pos: t.pos}
		if !p.isOp(";") && !p.isKw("end") {
			s.Expr = p.exprUntil(semi)
		}
		return s
	case isKw(t, "null") && isOp(p.peekN(1), ";"):
		p.i++
		return &ast.ProcBlock{Pos: t.pos, Block: &ast.Block{}} // a statement that does nothing
	case isKw(t, "perform"):
		// PERFORM expr runs a query for its effects: SELECT expr.
		p.i++
		q := "SELECT " + p.exprUntil(semi)
		if _, err := Parse(q); err != nil {
			p.throw(errs.Errorf(errs.SyntaxError, "in PERFORM: %v", err).WithPosition(t.pos))
		}
		return &ast.ProcSQL{Pos: t.pos, SQL: q}
	case isKw(t, "commit"), isKw(t, "rollback"), isKw(t, "savepoint"), isKw(t, "start"):
		p.throw(errs.Errorf(errs.SyntaxError, "transaction control is not allowed in a procedural body").WithPosition(t.pos))
	case t.kind == tIdent && isOp(p.peekN(1), ":="):
		p.i += 2
		return &ast.ProcAssign{Pos: t.pos, Name: t.val, Expr: p.exprUntil(semi)}
	case t.kind == tIdent && isOp(p.peekN(1), ".") && p.peekN(2).kind == tIdent && isOp(p.peekN(3), ":="):
		f := p.peekN(2)
		p.i += 4
		return &ast.ProcAssign{Pos: t.pos, Name: t.val, Field: f.val, Expr: p.exprUntil(semi)}
	}
	return p.procSQL()
}

// startsProcStmt reports whether the current token starts a statement
// (so it cannot be one more declaration after DECLARE).
func (p *parser) startsProcStmt() bool {
	t := p.peek()
	if t.kind != tIdent || t.quoted {
		return true
	}
	switch t.val {
	case "if", "case", "while", "loop", "for", "exit", "continue", "raise", "return", "select", "insert", "update",
		"delete", "with", "values", "notify", "publish", "declare", "end", "upsert", "null", "perform":
		return true
	}
	return isOp(p.peekN(1), ":=") || (isOp(p.peekN(1), ".") && isOp(p.peekN(3), ":="))
}

// loopBody parses LOOP stmts END LOOP.
func (p *parser) loopBody() []ast.ProcStmt {
	p.expectKw("loop")
	body := p.procStmts(func() bool { return p.isKw("end") && isKw(p.peekN(1), "loop") })
	p.expectKw("end", "loop")
	return body
}

// procSQL takes an SQL statement up to ';' (or the block's END), taking
// SELECT ... INTO vars apart, and checks that it parses.
func (p *parser) procSQL() ast.ProcStmt {
	t := p.peek()
	if isKw(t, "end") {
		// END ends a block; as a statement (COMMIT's other name) it
		// would read back as one, so a body says COMMIT (as PL/pgSQL,
		// which has no END statement, requires).
		p.fail(t)
	}
	start := p.i
	depth := 0
	intoAt, intoEnd := -1, -1
	var into []string
	for {
		c := p.peek()
		if c.kind == tEOF && depth > 0 {
			p.fail(c) // an unclosed parenthesis, bracket or CASE
		}
		if c.kind == tEOF || (depth == 0 && (isOp(c, ";") || (p.atBlockEnd() && p.i > start))) {
			break
		}
		switch {
		case isOp(c, "("), isOp(c, "["), isKw(c, "case"):
			depth++
		case isOp(c, ")"), isOp(c, "]"), isKw(c, "end"):
			if depth == 0 {
				p.fail(c) // closes nothing
			}
			depth--
		}
		if depth == 0 && isKw(c, "into") && intoAt < 0 && (isKw(t, "select") || isKw(t, "with")) {
			intoAt = p.i
			p.i++
			for {
				v := p.next()
				if v.kind != tIdent {
					p.throw(p.syntaxErr(v).WithHint("SELECT ... INTO needs variable names."))
				}
				into = append(into, v.val)
				if !p.acceptOp(",") {
					break
				}
			}
			intoEnd = p.i
			continue
		}
		p.i++
	}
	if p.i == start {
		p.fail(p.peek())
	}
	end := p.i - 1
	var sql string
	switch {
	case intoAt >= 0 && intoEnd > end:
		sql = p.text(start, intoAt-1)
	case intoAt >= 0:
		sql = strings.TrimSpace(p.src[p.toks[start].pos-1:p.toks[intoAt].pos-1]) + " " +
			strings.TrimSpace(p.src[p.toks[intoEnd].pos-1:p.toks[end].end])
	default:
		sql = p.text(start, end)
	}
	stmts, err := Parse(sql)
	if err != nil {
		e, _ := errs.As(err)
		if e != nil {
			p.throw(errs.Errorf(e.Code, "in the body: %s", e.Message).WithPosition(t.pos))
		}
		p.throw(errs.Errorf(errs.SyntaxError, "in the body: %v", err).WithPosition(t.pos))
	}
	if len(stmts) != 1 {
		p.throw(errs.New(errs.SyntaxError, "expected one statement").WithPosition(t.pos))
	}
	return &ast.ProcSQL{Pos: t.pos, SQL: sql, Into: into}
}

// SubstituteVars rewrites, in one statement's or expression's source,
// identifiers that name variables (not followed by "(" or preceded by
// ".") and rec.field references (rec a record variable) with what repl
// returns; repl reports false to leave a name alone.
func SubstituteVars(src string, repl func(name, field string, hasField bool) (string, bool)) (string, error) {
	toks, err := lex(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(toks); i++ {
		r := toks[i]
		if r.kind != tIdent || r.quoted {
			continue
		}
		if i > 0 && isOp(toks[i-1], ".") && toks[i-1].end == r.pos-1 {
			continue // the field part of a qualified name
		}
		if i+2 < len(toks) && isOp(toks[i+1], ".") && toks[i+2].kind == tIdent &&
			toks[i+1].pos-1 == r.end && toks[i+2].pos-1 == toks[i+1].end {
			if text, ok := repl(r.val, toks[i+2].val, true); ok {
				b.WriteString(src[last : r.pos-1])
				b.WriteString(text)
				last = toks[i+2].end
				i += 2
			}
			continue
		}
		if i+1 < len(toks) && (isOp(toks[i+1], "(") || isOp(toks[i+1], ".")) {
			continue
		}
		if text, ok := repl(r.val, "", false); ok {
			b.WriteString(src[last : r.pos-1])
			b.WriteString(text)
			last = r.end
		}
	}
	b.WriteString(src[last:])
	return b.String(), nil
}

// createProcedure parses, after CREATE [OR REPLACE], PROCEDURE name(params)
// [WITH (...)] [SECURITY DEFINER | INVOKER] [LANGUAGE x] body.
func (p *parser) createProcedure(start token, orReplace bool) ast.Statement {
	p.expectKw("procedure")
	c := &ast.CreateProcedure{Pos: start.pos, OrReplace: orReplace, Name: p.name()}
	p.expectOp("(")
	for !p.isOp(")") {
		prm := ast.ProcParam{Name: p.name()}
		prm.Type = p.exprUntil(func() bool { return p.isOp(",") || p.isOp(")") })
		c.Params = append(c.Params, prm)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	for {
		switch {
		case p.acceptKw("with"):
			c.With = p.uniqueOptions()
			continue
		case p.acceptKws("security", "definer"):
			c.Definer = true
			continue
		case p.acceptKws("security", "invoker"):
			continue
		case p.acceptKw("language"):
			p.name()
			continue
		}
		break
	}
	p.acceptKw("as")
	c.Body, c.Block = p.procBody()
	if p.acceptKw("language") {
		p.name()
	}
	return c
}

// call parses CALL name(args).
func (p *parser) call(start token) ast.Statement {
	p.expectKw("call")
	c := &ast.Call{Pos: start.pos, Name: p.name()}
	p.expectOp("(")
	for !p.isOp(")") {
		c.Args = append(c.Args, p.exprUntil(func() bool { return p.isOp(",") || p.isOp(")") }))
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	for _, a := range c.Args {
		if _, err := ParseExpr(a); err != nil {
			p.throw(errs.Errorf(errs.SyntaxError, "in the CALL argument %q: %v", a, err).WithPosition(start.pos))
		}
	}
	return c
}

// createFunction parses, after CREATE [OR REPLACE], FUNCTION name(params)
// RETURNS type [LANGUAGE x] [volatility ...] AS 'body' [LANGUAGE x].
func (p *parser) createFunction(start token, orReplace bool) ast.Statement {
	p.expectKw("function")
	c := &ast.CreateFunction{Pos: start.pos, OrReplace: orReplace, Name: p.name()}
	p.expectOp("(")
	for !p.isOp(")") {
		prm := ast.ProcParam{Name: p.name()}
		prm.Type = p.exprUntil(func() bool { return p.isOp(",") || p.isOp(")") })
		c.Params = append(c.Params, prm)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	p.expectKw("returns")
	attr := func() bool {
		t := p.peek()
		return t.kind == tString || isKw(t, "as") || isKw(t, "language") || isKw(t, "immutable") || isKw(t, "stable") ||
			isKw(t, "volatile") || isKw(t, "strict") || isKw(t, "parallel") || isKw(t, "returns")
	}
	c.Returns = p.exprUntil(attr)
	for {
		switch {
		case p.acceptKw("language"):
			p.name()
			continue
		case p.acceptKw("immutable"), p.acceptKw("stable"), p.acceptKw("volatile"), p.acceptKw("strict"):
			continue
		case p.acceptKw("parallel"):
			p.name()
			continue
		case p.acceptKw("as"):
			t := p.next()
			if t.kind != tString {
				p.throw(p.syntaxErr(t).WithHint("The body is a string: AS $$ SELECT ... $$."))
			}
			c.Body = strings.TrimSpace(t.val)
			continue
		}
		break
	}
	if c.Body == "" {
		p.throw(p.syntaxErr(p.peek()).WithHint("Expected AS $$ body $$."))
	}
	return c
}
