package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Stmt is one parsed statement with its own text.
type Stmt struct {
	AST ast.Statement
	SQL string // the statement's text, trimmed, without the trailing ';'
	Pos int    // 1-based byte offset of the statement in the input
}

// MaxDepth bounds the nesting of expressions and queries; deeper input fails
// with 54001 "statement too complex" instead of exhausting the stack.
const MaxDepth = 1000

// codeTooComplex is PostgreSQL's statement_too_complex.
const codeTooComplex = "54001"

// Parse parses zero or more statements separated by ';'. Empty input or only
// comments and semicolons gives no statements. Errors are *errs.Error with a
// 1-based Position into sql.
func Parse(sql string) (stmts []Stmt, err error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{src: sql, toks: toks}
	defer p.recover(&err)
	for {
		for p.isOp(";") {
			p.i++
		}
		if p.peek().kind == tEOF {
			break
		}
		start := p.peek()
		st := p.statement()
		if !p.isOp(";") && p.peek().kind != tEOF {
			p.fail(p.peek())
		}
		end := p.toks[p.i-1].end
		stmts = append(stmts, Stmt{
			AST: st,
			SQL: strings.TrimSpace(sql[start.pos-1 : end]),
			Pos: start.pos,
		})
	}
	return stmts, nil
}

// ParseExpr parses a single scalar expression (used for DEFAULT expressions
// stored as text).
func ParseExpr(sql string) (e ast.Expr, err error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{src: sql, toks: toks}
	defer p.recover(&err)
	e = p.expr(0)
	if p.peek().kind != tEOF {
		p.fail(p.peek())
	}
	return e, nil
}

// parser is a recursive-descent parser over a token slice. Syntax errors are
// raised with panic(*bailout) and turned into return values by recover; any
// other panic is a bug and propagates.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

type bailout struct{ err *errs.Error }

func (p *parser) recover(err *error) {
	if r := recover(); r != nil {
		b, ok := r.(bailout)
		if !ok {
			panic(r)
		}
		*err = b.err
	}
}

func (p *parser) throw(e *errs.Error) {
	panic(bailout{e})
}

// fail raises `syntax error at or near "tok"` (or at end of input).
func (p *parser) fail(t token) {
	p.throw(p.syntaxErr(t))
}

func (p *parser) syntaxErr(t token) *errs.Error {
	if t.kind == tEOF {
		return errs.New(errs.SyntaxError, "syntax error at end of input").WithPosition(t.pos)
	}
	return errs.Errorf(errs.SyntaxError, "syntax error at or near \"%s\"", p.raw(t)).WithPosition(t.pos)
}

// failf raises a 42601 error with a custom message at t.
func (p *parser) failf(t token, format string, args ...any) {
	p.throw(errs.Errorf(errs.SyntaxError, format, args...).WithPosition(t.pos))
}

// raw is the token's text as written.
func (p *parser) raw(t token) string {
	if t.kind == tEOF {
		return ""
	}
	return p.src[t.pos-1 : t.end]
}

// enter and leave bound the recursion depth.
func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.throw(errs.New(codeTooComplex, "statement too complex").
			WithHint(fmt.Sprintf("Nesting is limited to %d levels.", MaxDepth)).WithPosition(p.peek().pos))
	}
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------- tokens

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool {
	return t.kind == tIdent && !t.quoted && t.val == kw
}

func isOp(t token, op string) bool { return t.kind == tOp && t.val == op }

// isKw reports whether the next token is the keyword kw (lower case).
func (p *parser) isKw(kw string) bool { return isKw(p.peek(), kw) }

func (p *parser) isOp(op string) bool { return isOp(p.peek(), op) }

// acceptKw consumes the keyword if it is next.
func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

// acceptKws consumes the keyword sequence if all of it is next.
func (p *parser) acceptKws(kws ...string) bool {
	for j, kw := range kws {
		if !isKw(p.peekN(j), kw) {
			return false
		}
	}
	p.i += len(kws)
	return true
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kws ...string) token {
	first := p.peek()
	for _, kw := range kws {
		if !p.isKw(kw) {
			p.fail(p.peek())
		}
		p.i++
	}
	return first
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		p.fail(p.peek())
	}
	return p.next()
}

// ---------------------------------------------------------------- names

// reserved words cannot be used as unquoted column, table or function names,
// nor as bare aliases (they still may follow AS). The list is PostgreSQL's
// reserved keywords.
var reserved = setOf(
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
	"both", "case", "cast", "check", "collate", "column", "constraint", "create",
	"current_catalog", "current_date", "current_role", "current_time",
	"current_timestamp", "current_user", "default", "deferrable", "desc", "distinct",
	"do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant",
	"group", "having", "in", "initially", "intersect", "into", "lateral", "leading",
	"limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or",
	"order", "placing", "primary", "references", "returning", "select", "session_user",
	"some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique",
	"user", "using", "variadic", "when", "where", "window", "with",
)

// noBareAlias words are not reserved but cannot be an alias without AS,
// because they continue the clause (joins, postfix operators).
var noBareAlias = setOf(
	"join", "inner", "left", "right", "full", "outer", "cross", "natural",
	"is", "isnull", "notnull", "like", "ilike", "between", "similar", "escape",
	"overlaps", "at", "set",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// isName reports whether t can be an unquoted-or-quoted name (not reserved).
func isName(t token) bool {
	return t.kind == tIdent && (t.quoted || !reserved[t.val])
}

// isBareAlias reports whether t can be an alias without AS.
func isBareAlias(t token) bool {
	return isName(t) && (t.quoted || !noBareAlias[t.val])
}

// name consumes a non-reserved identifier.
func (p *parser) name() string {
	t := p.peek()
	if !isName(t) {
		p.fail(t)
	}
	p.i++
	return t.val
}

// label consumes any identifier, reserved or not (after AS, option keys).
func (p *parser) label() string {
	t := p.peek()
	if t.kind != tIdent {
		p.fail(t)
	}
	p.i++
	return t.val
}

// qualifiedName reads name[.name...] joined with dots.
func (p *parser) qualifiedName() string {
	n := p.name()
	for p.isOp(".") && p.peekN(1).kind == tIdent {
		p.i++
		n += "." + p.label()
	}
	return n
}

// relName reads the name of a relation a statement changes or writes:
// [public.]name. Every relation is in the public schema: another
// schema's name is kept whole, which names no relation (42P01).
func (p *parser) relName() string {
	schema, n := p.schemaName()
	if schema != "" && schema != "public" {
		return schema + "." + n
	}
	return n
}

// newRelName reads the name of a relation a statement creates:
// [public.]name; another schema is 3F000.
func (p *parser) newRelName() string {
	t := p.peek()
	schema, n := p.schemaName()
	if schema != "" && schema != "public" {
		p.throw(errs.Errorf(errs.InvalidSchemaName, "schema \"%s\" does not exist", schema).WithPosition(t.pos))
	}
	return n
}

// schemaName reads [schema.]name.
func (p *parser) schemaName() (schema, name string) {
	n := p.name()
	if !p.isOp(".") || p.peekN(1).kind != tIdent {
		return "", n
	}
	p.i++
	return n, p.label()
}

// relList reads relName[, relName...].
func (p *parser) relList() []string {
	var out []string
	for {
		out = append(out, p.relName())
		if !p.acceptOp(",") {
			return out
		}
	}
}

// nameList reads name[, name...].
func (p *parser) nameList(qualified bool) []string {
	var out []string
	for {
		if qualified {
			out = append(out, p.qualifiedName())
		} else {
			out = append(out, p.name())
		}
		if !p.acceptOp(",") {
			return out
		}
	}
}

// parenNames reads (name, ...).
func (p *parser) parenNames(qualified bool) []string {
	p.expectOp("(")
	out := p.nameList(qualified)
	p.expectOp(")")
	return out
}

// alias reads an optional [AS] alias.
func (p *parser) alias() string {
	if p.acceptKw("as") {
		return p.label()
	}
	if isBareAlias(p.peek()) {
		return p.next().val
	}
	return ""
}

// ---------------------------------------------------------------- dispatch

// statement parses one statement starting at the current token. Each leading
// keyword maps to one function; statements that are planned but not yet in
// the AST fail through notYet with a 42601 naming them.
func (p *parser) statement() ast.Statement {
	t := p.peek()
	if t.kind == tOp && t.val == "(" {
		return p.selectInto(p.query())
	}
	if t.kind != tIdent || t.quoted {
		p.fail(t)
	}
	switch t.val {
	case "with":
		return p.withStatement()
	case "select", "values":
		return p.selectInto(p.query())
	case "table":
		if p.peekN(1).kind == tIdent {
			return p.query()
		}
	case "prepare":
		p.i++
		ps := &ast.PrepareStmt{Pos: t.pos, Name: p.name()}
		if p.acceptOp("(") {
			for {
				ts := p.typeName()
				if ts.t == types.Enum || ts.array {
					p.notYet(p.peek(), "PREPARE with an enum or array parameter type")
				}
				ps.TypeNames, ps.Types = append(ps.TypeNames, ts.name), append(ps.Types, ts.t)
				if !p.acceptOp(",") {
					break
				}
			}
			p.expectOp(")")
		}
		p.expectKw("as")
		if p.isKw("prepare") || p.isKw("execute") || p.isKw("deallocate") {
			p.fail(p.peek())
		}
		ps.Stmt = p.statement()
		return ps
	case "execute":
		p.i++
		es := &ast.ExecuteStmt{Pos: t.pos, Name: p.name()}
		if p.acceptOp("(") {
			es.Args = p.exprList()
			p.expectOp(")")
		}
		return es
	case "deallocate":
		p.i++
		p.acceptKw("prepare")
		if p.acceptKw("all") {
			return &ast.Deallocate{Pos: t.pos}
		}
		return &ast.Deallocate{Pos: t.pos, Name: p.name()}
	case "insert":
		return p.insert(false)
	case "upsert":
		return p.insert(true)
	case "update":
		return p.update()
	case "delete":
		return p.deleteStmt()
	case "truncate":
		return p.truncate()
	case "copy":
		return p.copyStmt()
	case "create":
		return p.create()
	case "drop":
		return p.drop()
	case "undrop":
		return p.undrop()
	case "alter":
		return p.alter()
	case "comment":
		return p.comment()
	case "declare":
		return p.declareCursor()
	case "fetch", "move":
		return p.fetch()
	case "close":
		p.i++
		if p.acceptKw("all") {
			return &ast.CloseCursor{Pos: t.pos, All: true}
		}
		return &ast.CloseCursor{Pos: t.pos, Name: p.name()}
	case "show":
		return p.show()
	case "describe":
		return p.describe()
	case "explain":
		return p.explain()
	case "analyze", "analyse":
		return p.analyze()
	case "vacuum":
		return p.vacuum()
	case "begin", "start":
		return p.begin()
	case "commit", "end":
		return p.commit()
	case "rollback", "abort":
		return p.rollback()
	case "savepoint":
		return p.savepoint()
	case "release":
		return p.release()
	case "set":
		return p.set()
	case "reset":
		return p.reset()
	case "discard":
		return p.discard()
	case "checkpoint":
		p.i++
		return &ast.Checkpoint{Pos: t.pos}
	case "lock":
		return p.lockTable()
	case "live":
		p.i++
		if !p.isKw("select") {
			p.fail(p.peek())
		}
		return &ast.LiveSelect{Pos: t.pos, Query: p.query()}
	case "cancel":
		p.i++
		p.expectKw("live", "select")
		id := p.next()
		switch id.kind {
		case tString, tIdent:
			return &ast.CancelLive{Pos: t.pos, ID: id.val}
		case tInt:
			return &ast.CancelLive{Pos: t.pos, ID: strconv.FormatInt(id.ival, 10)}
		}
		p.fail(id)
	case "listen":
		p.i++
		return &ast.Listen{Pos: t.pos, Channel: p.name()}
	case "unlisten":
		p.i++
		if p.acceptOp("*") {
			return &ast.Unlisten{Pos: t.pos, Channel: "*"}
		}
		return &ast.Unlisten{Pos: t.pos, Channel: p.name()}
	case "notify":
		p.i++
		n := &ast.Notify{Pos: t.pos, Channel: p.name()}
		if p.acceptOp(",") {
			pt := p.next()
			if pt.kind != tString {
				p.fail(pt)
			}
			n.Payload = pt.val
		}
		return n
	case "publish":
		p.i++
		p.expectKw("to")
		pub := &ast.Publish{Pos: t.pos, Topic: p.name()}
		pt := p.next()
		switch {
		case pt.kind == tParam && pt.ival >= 1:
			pub.Param = int(pt.ival)
		case pt.kind == tString:
			pub.Payload = pt.val
		default:
			p.fail(pt)
		}
		return pub
	case "call":
		return p.call(t)
	case "refresh":
		p.i++
		p.expectKw("materialized", "view")
		return &ast.RefreshMaterializedView{Pos: t.pos, Name: p.name()}
	case "do":
		p.i++
		d := &ast.Do{Pos: t.pos}
		if p.acceptKw("language") {
			p.name()
		}
		d.Body, d.Block = p.procBody()
		if p.acceptKw("language") {
			p.name()
		}
		return d
	case "replay", "purge":
		p.i++
		if p.isKw("trigger") {
			return p.triggerDeadLetters(t, t.val)
		}
		return p.deadLetters(t, t.val)
	case "graph", "match", "search",
		"grant", "revoke",
		"merge", "import", "export", "backup", "restore", "kill":
		p.notYet(t, strings.ToUpper(t.val))
	}
	p.fail(t)
	return nil
}

// notYet raises a 42601 for a statement the grammar reserves room for but
// the AST does not have yet.
func (p *parser) notYet(t token, what string) {
	p.throw(p.syntaxErr(t).WithHint(what + " is not supported yet."))
}

// selectInto makes SELECT ... INTO t (a statement's own SELECT, or the
// first of its UNION/INTERSECT/EXCEPT) the CREATE TABLE t AS it means.
func (p *parser) selectInto(q *ast.Select) ast.Statement {
	first := q.Body
	for {
		so, ok := first.(*ast.SetOp)
		if !ok {
			break
		}
		if pos := intoAt(so.Right); pos > 0 {
			p.throw(errs.New(errs.SyntaxError, "INTO is only allowed on first SELECT of UNION/INTERSECT/EXCEPT").WithPosition(pos))
		}
		first = so.Left
	}
	c, ok := first.(*ast.SelectCore)
	if !ok || c.Into == "" {
		return q
	}
	name, temp := c.Into, c.IntoTemp
	c.Into, c.IntoTemp = "", false
	return &ast.CreateTableAs{Pos: q.Pos, Name: name, Query: q, Temp: temp}
}

// intoAt is the position of a SELECT ... INTO in a set operation's
// operand, or 0.
func intoAt(b ast.SelectBody) int {
	switch x := b.(type) {
	case *ast.SelectCore:
		if x.Into != "" {
			return x.Pos
		}
	case *ast.SetOp:
		return max(intoAt(x.Left), intoAt(x.Right))
	}
	return 0
}
