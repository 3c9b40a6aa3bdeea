package parser

import (
	"strings"

	"github.com/nodedb-go/nodedb/sql/ast"
)

// begin parses BEGIN [TRANSACTION|WORK] [modes] and START TRANSACTION [modes].
func (p *parser) begin() ast.Statement {
	t := p.next()
	b := &ast.Begin{Pos: t.pos}
	if t.val == "start" {
		p.expectKw("transaction")
	} else if !p.acceptKw("transaction") {
		p.acceptKw("work")
	}
	iso, ro, ok := p.txnModes()
	if !ok && t.val == "begin" && p.peek().kind != tEOF && !p.isOp(";") {
		p.fail(p.peek())
	}
	b.Isolation, b.ReadOnly = iso, ro
	return b
}

// txnModes parses [ISOLATION LEVEL x] [READ ONLY|READ WRITE] [[NOT]
// DEFERRABLE], comma separated or not.
func (p *parser) txnModes() (iso string, readOnly bool, any bool) {
	for {
		switch {
		case p.acceptKws("isolation", "level"):
			switch {
			case p.acceptKw("serializable"):
				iso = "SERIALIZABLE"
			case p.acceptKws("repeatable", "read"):
				iso = "REPEATABLE READ"
			case p.acceptKws("read", "committed"):
				iso = "READ COMMITTED"
			case p.acceptKws("read", "uncommitted"):
				iso = "READ UNCOMMITTED"
			case p.acceptKw("snapshot"):
				iso = "SNAPSHOT"
			default:
				p.fail(p.peek())
			}
		case p.acceptKws("read", "only"):
			readOnly = true
		case p.acceptKws("read", "write"):
			readOnly = false
		case p.acceptKw("deferrable"), p.acceptKws("not", "deferrable"):
		default:
			return iso, readOnly, any
		}
		any = true
		p.acceptOp(",")
	}
}

func (p *parser) txnNoise() {
	if !p.acceptKw("transaction") {
		p.acceptKw("work")
	}
}

func (p *parser) commit() ast.Statement {
	t := p.next()
	if t.val == "commit" && (p.isKw("offset") || p.isKw("offsets")) {
		return p.commitOffset(t)
	}
	if t.val == "commit" && p.isKw("prepared") {
		p.notYet(p.peek(), "COMMIT PREPARED")
	}
	p.txnNoise()
	p.acceptKws("and", "no", "chain")
	return &ast.Commit{Pos: t.pos}
}

func (p *parser) rollback() ast.Statement {
	t := p.next()
	p.txnNoise()
	if t.val == "rollback" && p.acceptKw("to") {
		p.acceptKw("savepoint")
		return &ast.RollbackTo{Pos: t.pos, Name: p.name()}
	}
	if t.val == "rollback" && p.isKw("prepared") {
		p.notYet(p.peek(), "ROLLBACK PREPARED")
	}
	p.acceptKws("and", "no", "chain")
	return &ast.Rollback{Pos: t.pos}
}

func (p *parser) savepoint() ast.Statement {
	t := p.expectKw("savepoint")
	return &ast.Savepoint{Pos: t.pos, Name: p.name()}
}

func (p *parser) release() ast.Statement {
	t := p.expectKw("release")
	p.acceptKw("savepoint")
	return &ast.ReleaseSavepoint{Pos: t.pos, Name: p.name()}
}

// set parses SET [SESSION|LOCAL] name {=|TO} value[, ...], SET TIME ZONE x,
// SET NAMES x and SET [SESSION CHARACTERISTICS AS] TRANSACTION modes.
func (p *parser) set() ast.Statement {
	s := &ast.Set{Pos: p.expectKw("set").pos}
	if p.acceptKw("constraints") {
		sc := &ast.SetConstraints{Pos: s.Pos}
		if !p.acceptKw("all") {
			sc.Names = p.nameList(false)
		}
		if p.acceptKw("deferred") {
			sc.Deferred = true
		} else {
			p.expectKw("immediate")
		}
		return sc
	}
	if p.acceptKw("local") {
		s.Local = true
	} else if p.isKw("session") && !isOp(p.peekN(1), "=") && !isKw(p.peekN(1), "to") {
		p.i++
	}
	switch {
	case p.acceptKws("characteristics", "as", "transaction"), p.acceptKw("transaction"):
		t := p.peek()
		iso, ro, ok := p.txnModes()
		if !ok {
			p.fail(t)
		}
		if iso != "" {
			s.Name, s.Values = "transaction_isolation", []string{strings.ToLower(iso)}
		} else {
			s.Name, s.Values = "transaction_read_only", []string{map[bool]string{true: "on", false: "off"}[ro]}
		}
		return s
	case p.acceptKws("time", "zone"):
		s.Name = "timezone"
		if p.acceptKw("local") || p.acceptKw("default") {
			s.Reset = true
			return s
		}
		s.Values = []string{p.setValue()}
		return s
	case p.acceptKw("names"):
		s.Name = "client_encoding"
		if p.acceptKw("default") {
			s.Reset = true
			return s
		}
		s.Values = []string{p.setValue()}
		return s
	}
	s.Name = p.varName()
	if !p.acceptOp("=") {
		p.expectKw("to")
	}
	if p.acceptKw("default") {
		s.Reset = true
		return s
	}
	for {
		s.Values = append(s.Values, p.setValue())
		if !p.acceptOp(",") {
			return s
		}
	}
}

// varName reads a configuration parameter name, possibly dotted.
func (p *parser) varName() string {
	n := p.label()
	for p.isOp(".") && p.peekN(1).kind == tIdent {
		p.i++
		n += "." + p.label()
	}
	return n
}

// setValue reads one SET value as text: an identifier, string or number.
func (p *parser) setValue() string {
	t := p.next()
	switch t.kind {
	case tIdent, tString, tInt, tNumber:
		return t.val
	case tOp:
		if t.val == "-" || t.val == "+" {
			n := p.next()
			if n.kind == tInt || n.kind == tNumber {
				if t.val == "-" {
					return "-" + n.val
				}
				return n.val
			}
			p.fail(n)
		}
	}
	p.fail(t)
	return ""
}

func (p *parser) reset() ast.Statement {
	t := p.expectKw("reset")
	if p.acceptKw("all") {
		return &ast.Set{Pos: t.pos, Name: "all", Reset: true}
	}
	if p.acceptKws("time", "zone") {
		return &ast.Set{Pos: t.pos, Name: "timezone", Reset: true}
	}
	return &ast.Set{Pos: t.pos, Name: p.varName(), Reset: true}
}

func (p *parser) discard() ast.Statement {
	t := p.expectKw("discard")
	w := p.peek()
	switch {
	case isKw(w, "all"), isKw(w, "plans"), isKw(w, "sequences"), isKw(w, "temp"):
		p.i++
		return &ast.Discard{Pos: t.pos, What: strings.ToUpper(w.val)}
	case isKw(w, "temporary"):
		p.i++
		return &ast.Discard{Pos: t.pos, What: "TEMP"}
	}
	p.fail(w)
	return nil
}
