package parser

import (
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// createTrigger parses CREATE [OR REPLACE] [SYNC | DEFERRED] TRIGGER ...;
// CREATE has been consumed.
func (p *parser) createTrigger(start token) ast.Statement {
	c := &ast.CreateTrigger{Pos: start.pos}
	if p.acceptKws("or", "replace") {
		c.OrReplace = true
	}
	switch {
	case p.acceptKw("sync"):
		c.Mode = "SYNC"
	case p.acceptKw("deferred"):
		c.Mode = "DEFERRED"
	}
	p.expectKw("trigger")
	c.Name = p.name()
	switch t := p.peek(); {
	case isKw(t, "before"), isKw(t, "after"):
		p.i++
		c.Timing = strings.ToUpper(t.val)
	case isKw(t, "instead"):
		p.expectKw("instead", "of")
		c.Timing = "INSTEAD OF"
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected BEFORE, AFTER or INSTEAD OF."))
	}
	for {
		t := p.next()
		switch {
		case isKw(t, "insert"), isKw(t, "update"), isKw(t, "delete"):
			c.Events = append(c.Events, strings.ToUpper(t.val))
		default:
			p.throw(p.syntaxErr(t).WithHint("Expected INSERT, UPDATE or DELETE."))
		}
		if !p.acceptKw("or") {
			break
		}
	}
	p.expectKw("on")
	c.Collection = p.name()
	p.expectKw("for")
	p.acceptKw("each")
	switch t := p.next(); {
	case isKw(t, "row"), isKw(t, "statement"):
		c.ForEach = strings.ToUpper(t.val)
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected ROW or STATEMENT."))
	}
	for {
		switch {
		case p.isKw("when"):
			p.i++
			open := p.expectOp("(")
			p.expr(0)
			end := p.toks[p.i-1].end
			p.expectOp(")")
			c.When = strings.TrimSpace(p.src[open.end:end])
			continue
		case p.acceptKw("priority"):
			t := p.next()
			if t.kind != tInt {
				p.throw(p.syntaxErr(t).WithHint("PRIORITY needs an integer."))
			}
			c.Priority = int(t.ival)
			continue
		case p.acceptKws("security", "definer"):
			c.Definer = true
			continue
		case p.acceptKw("with"):
			c.With = p.uniqueOptions()
			continue
		}
		break
	}
	p.acceptKw("as")
	c.Body, c.Block = p.procBody()
	return c
}

// procBody parses a body: a block ([DECLARE ...] BEGIN ... END) or, after
// AS, a $$ string holding a block or bare statements. It returns the body
// as block source (bare statements are wrapped in BEGIN ... END) and its
// parse.
func (p *parser) procBody() (string, *ast.Block) {
	if t := p.peek(); t.kind == tString {
		p.i++
		src := strings.TrimSpace(t.val)
		b, err := ParseBlock(src)
		if err != nil {
			e, ok := errs.As(err)
			if !ok {
				p.throw(errs.Errorf(errs.SyntaxError, "in the body: %v", err).WithPosition(t.pos))
			}
			p.throw(errs.Errorf(e.Code, "in the body: %s", e.Message).WithPosition(t.pos))
		}
		if toks, _ := lex(src); len(toks) > 0 && !isKw(toks[0], "begin") && !isKw(toks[0], "declare") {
			src = wrapBody(src, toks)
		}
		return strings.TrimSuffix(strings.TrimSpace(src), ";"), b
	}
	if !p.isKw("begin") && !p.isKw("declare") {
		p.throw(p.syntaxErr(p.peek()).WithHint("Expected the body: BEGIN ... END, or AS $$ ... $$."))
	}
	return p.blockSource()
}

// dropTrigger parses, after DROP, TRIGGER [IF EXISTS] name ON collection.
func (p *parser) dropTrigger(start token) ast.Statement {
	p.expectKw("trigger")
	d := &ast.DropTrigger{Pos: start.pos}
	d.IfExists = p.ifExists()
	d.Name = p.name()
	p.expectKw("on")
	d.Collection = p.name()
	return d
}

// alterTrigger parses, after ALTER, TRIGGER name ON collection ENABLE |
// DISABLE.
func (p *parser) alterTrigger(start token) ast.Statement {
	p.expectKw("trigger")
	a := &ast.AlterTrigger{Pos: start.pos, Name: p.name()}
	p.expectKw("on")
	a.Collection = p.name()
	switch t := p.next(); {
	case isKw(t, "enable"):
		a.Enable = true
	case isKw(t, "disable"):
	default:
		p.throw(p.syntaxErr(t).WithHint("Expected ENABLE or DISABLE."))
	}
	return a
}

// showTriggers parses, after SHOW, TRIGGERS [ON collection] and TRIGGER
// DEAD LETTERS [FOR name ON collection].
func (p *parser) showTriggers(start token) ast.Statement {
	if p.acceptKw("triggers") {
		s := &ast.ShowTriggers{Pos: start.pos}
		if p.acceptKw("on") {
			s.Collection = p.name()
		}
		return s
	}
	return p.triggerDeadLetters(start, "show")
}

// triggerDeadLetters parses TRIGGER DEAD LETTERS [FOR name ON collection]
// after SHOW, REPLAY or PURGE.
func (p *parser) triggerDeadLetters(start token, action string) ast.Statement {
	p.expectKw("trigger", "dead", "letters")
	s := &ast.TriggerDeadLetters{Pos: start.pos, Action: action}
	if p.acceptKw("for") {
		s.Name = p.name()
		p.expectKw("on")
		s.Collection = p.name()
	}
	return s
}

// ReplaceRowRefs rewrites NEW.field and OLD.field references in one
// statement's source (outside string literals) with what repl returns for
// them; repl reports false to leave a reference alone.
func ReplaceRowRefs(sql string, repl func(row, field string) (string, bool)) (string, error) {
	toks, err := lex(sql)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	for i := 0; i+2 < len(toks); i++ {
		r, dot, f := toks[i], toks[i+1], toks[i+2]
		if r.kind != tIdent || r.quoted || (r.val != "new" && r.val != "old") || !isOp(dot, ".") || f.kind != tIdent {
			continue
		}
		if dot.pos-1 != r.end || f.pos-1 != dot.end {
			continue // NEW . x with spaces is not a row reference
		}
		text, ok := repl(r.val, f.val)
		if !ok {
			continue
		}
		b.WriteString(sql[last : r.pos-1])
		b.WriteString(text)
		last = f.end
		i += 2
	}
	b.WriteString(sql[last:])
	return b.String(), nil
}

// wrapBody puts statements written without BEGIN ... END (the last one
// perhaps without its ';') into a block that parses again: a ';' after
// the last statement, and a line break before what follows when a --
// comment ends the text.
func wrapBody(src string, toks []token) string {
	var last *token
	for i := range toks {
		if toks[i].kind != tEOF {
			last = &toks[i]
		}
	}
	sep := " "
	if last == nil || last.end < len(src) {
		sep = "\n" // a comment after the last token
	}
	if last == nil || isOp(*last, ";") {
		return "BEGIN " + src + sep + "END"
	}
	return "BEGIN " + src + sep + "; END"
}
