package parser

import (
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Binding powers, lowest first, following PostgreSQL's precedence table.
const (
	precNone    = iota
	precOr      // OR
	precAnd     // AND
	precNot     // NOT (prefix)
	precIs      // IS, ISNULL, NOTNULL
	precCmp     // = <> != < > <= >=
	precLike    // [NOT] BETWEEN IN LIKE ILIKE
	precOp      // || -> ->> @> <@ ~ and other operators
	precAdd     // + -
	precMul     // * / %
	precExp     // ^
	precAt      // AT TIME ZONE
	precCollate // COLLATE
	precUnary   // unary minus
	precPostfix // x[i]
	precCast    // ::
)

var cmpOps = setOf("=", "<>", "!=", "<", ">", "<=", ">=")

var otherOps = setOf("||", "->", "->>", "@>", "<@", "~", "!~", "~*", "!~*", "?", "?|", "?&",
	"&", "|", "#", "<<", ">>", "#>", "#>>", "#-", "&&")

// infixPrec returns the binding power of the infix or postfix construct that
// starts at the current token, or precNone.
func (p *parser) infixPrec() int {
	t := p.peek()
	switch t.kind {
	case tOp:
		switch {
		case t.val == "::":
			return precCast
		case t.val == "[":
			return precPostfix
		case t.val == "^":
			return precExp
		case t.val == "*" || t.val == "/" || t.val == "%":
			return precMul
		case t.val == "+" || t.val == "-":
			return precAdd
		case cmpOps[t.val]:
			return precCmp
		case otherOps[t.val]:
			return precOp
		}
	case tIdent:
		if t.quoted {
			return precNone
		}
		switch t.val {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "is", "isnull", "notnull":
			return precIs
		case "between", "in", "like", "ilike":
			return precLike
		case "not":
			n := p.peekN(1)
			if isKw(n, "between") || isKw(n, "in") || isKw(n, "like") || isKw(n, "ilike") {
				return precLike
			}
		case "operator":
			if isOp(p.peekN(1), "(") {
				return precOp
			}
		case "collate":
			return precCollate
		case "at":
			if isKw(p.peekN(1), "time") && isKw(p.peekN(2), "zone") {
				return precAt
			}
		}
	}
	return precNone
}

// expr parses an expression whose operators all bind at least as tightly as
// minPrec (Pratt parsing).
func (p *parser) expr(minPrec int) ast.Expr {
	p.enter()
	defer p.leave()
	return p.exprFrom(p.prefix(), minPrec)
}

// exprFrom continues an expression whose first operand is already parsed.
// Comparisons, IS and BETWEEN/IN/LIKE are non-associative, as in
// PostgreSQL: a = b = c is a syntax error.
func (p *parser) exprFrom(left ast.Expr, minPrec int) ast.Expr {
	prev := precNone
	for {
		prec := p.infixPrec()
		if prec == precNone || prec < minPrec {
			return left
		}
		if prec == prev {
			p.fail(p.peek())
		}
		left = p.infix(left, prec)
		prev = precNone
		if prec == precIs || prec == precCmp || prec == precLike {
			prev = prec
		}
	}
}

// exprList parses expr[, expr...].
func (p *parser) exprList() []ast.Expr {
	var out []ast.Expr
	for {
		out = append(out, p.expr(0))
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *parser) infix(left ast.Expr, prec int) ast.Expr {
	t := p.next()
	pos := left.Position()
	if t.kind == tOp {
		switch t.val {
		case "::":
			c := p.typeName()
			return &ast.Cast{Pos: t.pos, X: left, Type: c.t, TypeName: c.name, TypeMod: c.mod, Array: c.array}
		case "[":
			idx := p.expr(0)
			p.expectOp("]")
			return &ast.Subscript{Pos: pos, X: left, Index: idx}
		}
		op := t.val
		if op == "!=" {
			op = "<>"
		}
		if prec == precCmp {
			if q := p.quantified(left, op, pos); q != nil {
				return q
			}
		}
		return &ast.Binary{Pos: pos, Op: op, L: left, R: p.expr(prec + 1)}
	}
	switch t.val {
	case "or", "and":
		return &ast.Binary{Pos: pos, Op: strings.ToUpper(t.val), L: left, R: p.expr(prec + 1)}
	case "isnull":
		return &ast.IsNull{Pos: pos, X: left}
	case "notnull":
		return &ast.IsNull{Pos: pos, X: left, Not: true}
	case "is":
		not := p.acceptKw("not")
		switch {
		case p.acceptKw("null"):
			return &ast.IsNull{Pos: pos, X: left, Not: not}
		case p.acceptKw("true"):
			return &ast.IsBool{Pos: pos, X: left, Not: not, What: "TRUE"}
		case p.acceptKw("false"):
			return &ast.IsBool{Pos: pos, X: left, Not: not, What: "FALSE"}
		case p.acceptKw("unknown"):
			return &ast.IsBool{Pos: pos, X: left, Not: not, What: "UNKNOWN"}
		case p.acceptKws("distinct", "from"):
			op := "IS DISTINCT FROM"
			if not {
				op = "IS NOT DISTINCT FROM"
			}
			return &ast.Binary{Pos: pos, Op: op, L: left, R: p.expr(precIs + 1)}
		}
		p.fail(p.peek())
	case "not", "between", "in", "like", "ilike":
		not := false
		if t.val == "not" {
			not = true
			t = p.next()
		}
		switch t.val {
		case "between":
			sym := p.acceptKw("symmetric")
			if !sym {
				p.acceptKw("asymmetric")
			}
			lo := p.expr(precLike + 1)
			p.expectKw("and")
			hi := p.expr(precLike + 1)
			return &ast.Between{Pos: pos, X: left, Lo: lo, Hi: hi, Not: not, Symmetric: sym}
		case "in":
			p.expectOp("(")
			if p.startsQueryHere() {
				q := p.query()
				p.expectOp(")")
				return &ast.InSubquery{Pos: pos, X: left, Query: q, Not: not}
			}
			list := p.exprList()
			p.expectOp(")")
			return &ast.InList{Pos: pos, X: left, List: list, Not: not}
		default: // like, ilike
			op := strings.ToUpper(t.val)
			if not {
				op = "NOT " + op
			}
			r := p.expr(precLike + 1)
			if p.isKw("escape") {
				p.notYet(p.peek(), "LIKE ... ESCAPE")
			}
			return &ast.Binary{Pos: pos, Op: op, L: left, R: r}
		}
	case "operator":
		op := p.operatorName()
		if cmpOps[op] {
			if op == "!=" {
				op = "<>"
			}
			if q := p.quantified(left, op, pos); q != nil {
				return q
			}
		}
		return &ast.Binary{Pos: pos, Op: op, L: left, R: p.expr(prec + 1)}
	case "collate":
		p.qualifiedLabelOrString()
		return left
	case "at":
		p.expectKw("time", "zone")
		zone := p.expr(precAt + 1)
		return &ast.FuncCall{Pos: pos, Name: "timezone", Args: []ast.Expr{zone, left}}
	}
	p.fail(t)
	return nil
}

// operatorName reads (schema.op) after OPERATOR and returns op.
func (p *parser) operatorName() string {
	p.expectOp("(")
	for p.peek().kind == tIdent && isOp(p.peekN(1), ".") {
		p.i += 2
	}
	t := p.next()
	if t.kind != tOp || !(cmpOps[t.val] || otherOps[t.val] || strings.Contains("+-*/%^", t.val)) {
		p.fail(t)
	}
	p.expectOp(")")
	return t.val
}

// qualifiedLabelOrString consumes a collation name.
func (p *parser) qualifiedLabelOrString() string {
	if t := p.peek(); t.kind == tString {
		p.i++
		return t.val
	}
	n := p.label()
	for p.acceptOp(".") {
		n = p.label()
	}
	return n
}

// quantified parses `ANY|SOME|ALL (subquery | array)` after a comparison, or
// returns nil when no quantifier follows.
func (p *parser) quantified(left ast.Expr, op string, pos int) ast.Expr {
	t := p.peek()
	if !(isKw(t, "any") || isKw(t, "some") || isKw(t, "all")) || !isOp(p.peekN(1), "(") {
		return nil
	}
	p.i += 2
	quant := strings.ToUpper(t.val)
	if quant == "SOME" {
		quant = "ANY"
	}
	q := &ast.Quantified{Pos: pos, X: left, Op: op, Quant: quant}
	if p.startsQueryHere() {
		q.Query = p.query()
	} else {
		q.Array = p.expr(0)
	}
	p.expectOp(")")
	return q
}

// startsQuery reports whether a query starts at the current token, looking
// through any number of opening parentheses.
func (p *parser) startsQuery() bool {
	for j := 0; ; j++ {
		t := p.peekN(j)
		if isOp(t, "(") {
			continue
		}
		return isKw(t, "select") || isKw(t, "with") || isKw(t, "values")
	}
}

// startsQueryHere reports whether a query keyword is the current token. In
// expression position a parenthesis after "(" starts an expression, so
// ((SELECT 1) + 1) parses; ((SELECT 1)) is then a parenthesized subquery.
func (p *parser) startsQueryHere() bool {
	t := p.peek()
	return isKw(t, "select") || isKw(t, "with") || isKw(t, "values")
}

// noParenFuncs are SQL keywords that call a function without parentheses.
var noParenFuncs = setOf("current_timestamp", "current_date", "current_time", "localtime",
	"localtimestamp", "current_user", "session_user", "user", "current_role",
	"current_catalog", "current_schema")

// intervalUnits may follow INTERVAL 'n'.
var intervalUnits = setOf("year", "years", "month", "months", "week", "weeks", "day", "days",
	"hour", "hours", "minute", "minutes", "second", "seconds")

// typedStringTypes may prefix a string literal: DATE '2024-01-01'.
var typedStringTypes = setOf("date", "time", "timetz", "timestamp", "timestamptz", "interval")

func (p *parser) prefix() ast.Expr {
	t := p.peek()
	switch t.kind {
	case tInt:
		p.i++
		return &ast.Literal{Pos: t.pos, Kind: "int", Value: t.ival, Text: t.val}
	case tNumber:
		p.i++
		return &ast.Literal{Pos: t.pos, Kind: "number", Text: t.val}
	case tString:
		p.i++
		return &ast.Literal{Pos: t.pos, Kind: "string", Value: t.val}
	case tParam:
		p.i++
		return &ast.Param{Pos: t.pos, N: int(t.ival)}
	case tOp:
		return p.prefixOp(t)
	case tIdent:
		return p.prefixIdent(t)
	}
	p.fail(t)
	return nil
}

func (p *parser) prefixOp(t token) ast.Expr {
	switch t.val {
	case "(":
		p.i++
		if p.startsQueryHere() {
			q := p.query()
			p.expectOp(")")
			return &ast.SubqueryExpr{Pos: t.pos, Query: q}
		}
		e := p.expr(0)
		if p.isOp(",") {
			// (a, b, ...) is a row constructor, ROW(a, b, ...).
			args := []ast.Expr{e}
			for p.acceptOp(",") {
				args = append(args, p.expr(0))
			}
			e = &ast.FuncCall{Pos: t.pos, Name: "row", Args: args}
		}
		p.expectOp(")")
		// (x).field selects a field of a row value; (x).a.b nests.
		for p.isOp(".") && p.peekN(1).kind == tIdent {
			p.i++
			e = &ast.FieldSelect{Pos: t.pos, X: e, Field: p.next().val}
		}
		return e
	case "-", "+":
		p.i++
		num := p.peek()
		x := p.expr(precUnary)
		if lit, ok := x.(*ast.Literal); ok && (num.kind == tInt || num.kind == tNumber) && lit.Pos == num.pos {
			if t.val == "+" {
				lit.Pos = t.pos
				return lit
			}
			return negate(lit, t.pos)
		}
		if t.val == "+" {
			return &ast.Unary{Pos: t.pos, Op: "+", X: x}
		}
		return &ast.Unary{Pos: t.pos, Op: "-", X: x}
	case "~":
		p.i++
		return &ast.Unary{Pos: t.pos, Op: "~", X: p.expr(precUnary)}
	case "[":
		p.i++
		return &ast.ArrayLit{Pos: t.pos, Elems: p.bracketElems()}
	case "{":
		return p.object()
	}
	p.fail(t)
	return nil
}

// negate folds a minus sign into a numeric literal, as PostgreSQL does.
func negate(lit *ast.Literal, pos int) *ast.Literal {
	if lit.Kind == "int" {
		n := lit.Value.(int64)
		return &ast.Literal{Pos: pos, Kind: "int", Value: -n, Text: "-" + lit.Text}
	}
	text := "-" + lit.Text
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return &ast.Literal{Pos: pos, Kind: "int", Value: n, Text: text}
	}
	return &ast.Literal{Pos: pos, Kind: "number", Text: text}
}

// bracketElems reads the elements of [a, b] after the '['.
func (p *parser) bracketElems() []ast.Expr {
	p.enter()
	defer p.leave()
	if p.acceptOp("]") {
		return nil
	}
	elems := p.exprList()
	p.expectOp("]")
	return elems
}

// object parses { key: value, ... }.
func (p *parser) object() *ast.ObjectLit {
	p.enter()
	defer p.leave()
	o := &ast.ObjectLit{Pos: p.expectOp("{").pos}
	if p.acceptOp("}") {
		return o
	}
	seen := map[string]bool{}
	for {
		k := p.peek()
		if k.kind != tIdent && k.kind != tString {
			p.fail(k)
		}
		p.i++
		if seen[k.val] {
			p.failf(k, "duplicate key \"%s\" in object literal", k.val)
		}
		seen[k.val] = true
		p.expectOp(":")
		o.Keys = append(o.Keys, k.val)
		o.Values = append(o.Values, p.expr(0))
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp("}")
	return o
}

func (p *parser) prefixIdent(t token) ast.Expr {
	if t.quoted {
		return p.nameExpr()
	}
	n1 := p.peekN(1)
	switch t.val {
	case "null":
		p.i++
		return &ast.Literal{Pos: t.pos, Kind: "null"}
	case "true", "false":
		p.i++
		return &ast.Literal{Pos: t.pos, Kind: "bool", Value: t.val == "true"}
	case "not":
		p.i++
		x := p.expr(precNot)
		if ex, ok := x.(*ast.Exists); ok && !ex.Not {
			ex.Not = true
			ex.Pos = t.pos
			return ex
		}
		return &ast.Unary{Pos: t.pos, Op: "NOT", X: x}
	case "case":
		return p.caseExpr()
	case "cast":
		p.i++
		p.expectOp("(")
		x := p.expr(0)
		p.expectKw("as")
		c := p.typeName()
		p.expectOp(")")
		return &ast.Cast{Pos: t.pos, X: x, Type: c.t, TypeName: c.name, TypeMod: c.mod, Array: c.array}
	case "exists":
		if isOp(n1, "(") {
			p.i += 2
			q := p.query()
			p.expectOp(")")
			return &ast.Exists{Pos: t.pos, Query: q}
		}
	case "array":
		p.i++
		if p.acceptOp("[") {
			return &ast.ArrayLit{Pos: t.pos, Elems: p.bracketElems()}
		}
		p.expectOp("(")
		sp := p.peek().pos
		q := p.query()
		p.expectOp(")")
		return &ast.FuncCall{Pos: t.pos, Name: "array", Args: []ast.Expr{&ast.SubqueryExpr{Pos: sp, Query: q}}}
	case "extract":
		if isOp(n1, "(") && (p.peekN(2).kind == tIdent || p.peekN(2).kind == tString) && isKw(p.peekN(3), "from") {
			p.i += 2
			f := p.next()
			p.i++ // FROM
			x := p.expr(0)
			p.expectOp(")")
			field := &ast.Literal{Pos: f.pos, Kind: "string", Value: strings.ToLower(f.val)}
			return &ast.FuncCall{Pos: t.pos, Name: "extract", Args: []ast.Expr{field, x}}
		}
	case "position":
		if isOp(n1, "(") {
			p.i += 2
			a := p.expr(precLike + 1)
			if p.acceptKw("in") {
				b := p.expr(0)
				p.expectOp(")")
				// POSITION(sub IN s) is position(s, sub), as in PostgreSQL.
				return &ast.FuncCall{Pos: t.pos, Name: "position", Args: []ast.Expr{b, a}}
			}
			return p.plainCallRest(t.pos, "position", p.exprFrom(a, 0))
		}
	case "substring":
		if isOp(n1, "(") {
			p.i += 2
			x := p.expr(0)
			if p.isKw("from") || p.isKw("for") {
				args := []ast.Expr{x}
				if p.acceptKw("from") {
					args = append(args, p.expr(0))
				} else {
					args = append(args, &ast.Literal{Pos: p.peek().pos, Kind: "int", Value: int64(1), Text: "1"})
				}
				if p.acceptKw("for") {
					args = append(args, p.expr(0))
				}
				p.expectOp(")")
				return &ast.FuncCall{Pos: t.pos, Name: "substring", Args: args}
			}
			return p.plainCallRest(t.pos, "substring", x)
		}
	case "trim":
		if isOp(n1, "(") {
			return p.trim(t)
		}
	}
	if noParenFuncs[t.val] {
		p.i++
		f := &ast.FuncCall{Pos: t.pos, Name: t.val}
		if p.isOp("(") && p.peekN(1).kind == tInt && isOp(p.peekN(2), ")") && t.val != "current_schema" {
			p.i += 3 // precision, ignored
		} else if t.val == "current_schema" && p.isOp("(") && isOp(p.peekN(1), ")") {
			p.i += 2
		}
		return f
	}
	if n1.kind == tString && typedStringTypes[t.val] {
		p.i += 2
		ts := &ast.TypedString{Pos: t.pos, TypeName: t.val, Value: n1.val}
		if t.val == "interval" && intervalUnits[p.peek().val] && p.peek().kind == tIdent && !p.peek().quoted {
			// INTERVAL '1' DAY is INTERVAL '1 day'
			ts.Value += " " + p.next().val
		}
		return ts
	}
	if n1.kind == tString {
		if ty, ok := types.ParseTypeName(t.val); ok && !reserved[t.val] {
			p.i += 2
			return &ast.Cast{Pos: t.pos, X: &ast.Literal{Pos: n1.pos, Kind: "string", Value: n1.val},
				Type: ty, TypeName: t.val, TypeMod: -1}
		}
	}
	if t.val == "timestamp" && (isKw(n1, "with") || isKw(n1, "without")) &&
		isKw(p.peekN(2), "time") && isKw(p.peekN(3), "zone") && p.peekN(4).kind == tString {
		s := p.peekN(4)
		p.i += 5
		name := "timestamptz"
		if n1.val == "without" {
			name = "timestamp"
		}
		return &ast.TypedString{Pos: t.pos, TypeName: name, Value: s.val}
	}
	if reserved[t.val] {
		p.fail(t)
	}
	return p.nameExpr()
}

// nameExpr parses a column reference a.b.c or a function call f(...) / s.f(...).
func (p *parser) nameExpr() ast.Expr {
	first := p.next()
	parts := []string{first.val}
	for p.isOp(".") && p.peekN(1).kind == tIdent {
		p.i++
		parts = append(parts, p.next().val)
	}
	if p.isOp("(") {
		return p.funcCall(first.pos, strings.Join(parts, "."))
	}
	if len(parts) == 1 && p.isOp(".") && p.peekN(1).kind == tOp && p.peekN(1).val == "*" {
		// t.* in an expression (row_to_json(t.*)): t's whole row.
		p.i += 2
		return &ast.ColumnRef{Pos: first.pos, Parts: parts, WholeRow: true}
	}
	return &ast.ColumnRef{Pos: first.pos, Parts: parts}
}

// funcCall parses the argument list and trailing FILTER/OVER of a call.
func (p *parser) funcCall(pos int, name string) ast.Expr {
	p.enter()
	defer p.leave()
	p.expectOp("(")
	f := &ast.FuncCall{Pos: pos, Name: name}
	switch {
	case p.isOp("*") && isOp(p.peekN(1), ")"):
		p.i++
		f.Star = true
	case p.isOp(")"):
	default:
		if p.acceptKw("distinct") {
			f.Distinct = true
		} else {
			p.acceptKw("all")
		}
		for {
			if p.peek().kind == tIdent && (isOp(p.peekN(1), "=>") || isOp(p.peekN(1), ":=")) {
				k := p.next()
				p.i++
				if f.Named == nil {
					f.Named = map[string]ast.Expr{}
				}
				if _, dup := f.Named[k.val]; dup {
					p.failf(k, "argument name \"%s\" used more than once", k.val)
				}
				f.Named[k.val] = p.expr(0)
			} else {
				if f.Named != nil {
					p.failf(p.peek(), "positional argument cannot follow named argument")
				}
				f.Args = append(f.Args, p.expr(0))
			}
			if !p.acceptOp(",") {
				break
			}
		}
		if p.acceptKws("order", "by") {
			f.OrderBy = p.orderList()
		}
	}
	p.expectOp(")")
	if p.isKw("within") {
		p.notYet(p.peek(), "WITHIN GROUP")
	}
	if p.isKw("filter") && isOp(p.peekN(1), "(") {
		p.i += 2
		p.expectKw("where")
		f.Filter = p.expr(0)
		p.expectOp(")")
	}
	if p.isKw("over") {
		t := p.next()
		if p.isOp("(") {
			f.Over = p.windowSpec()
		} else {
			f.Over = &ast.WindowDef{Pos: t.pos, Ref: p.name()}
		}
	}
	return f
}

// plainCallRest finishes name(first, ...) after its first argument.
func (p *parser) plainCallRest(pos int, name string, first ast.Expr) ast.Expr {
	args := []ast.Expr{first}
	if p.acceptOp(",") {
		args = append(args, p.exprList()...)
	}
	p.expectOp(")")
	return &ast.FuncCall{Pos: pos, Name: name, Args: args}
}

// trim parses TRIM([LEADING|TRAILING|BOTH] [chars] FROM x) and TRIM(x[, chars]).
func (p *parser) trim(t token) ast.Expr {
	p.i += 2
	name := "btrim"
	switch {
	case p.acceptKw("leading"):
		name = "ltrim"
	case p.acceptKw("trailing"):
		name = "rtrim"
	case p.acceptKw("both"):
	}
	if p.acceptKw("from") {
		args := p.exprList()
		p.expectOp(")")
		return &ast.FuncCall{Pos: t.pos, Name: name, Args: args}
	}
	first := p.expr(0)
	if p.acceptKw("from") {
		x := p.expr(0)
		p.expectOp(")")
		return &ast.FuncCall{Pos: t.pos, Name: name, Args: []ast.Expr{x, first}}
	}
	args := []ast.Expr{first}
	if p.acceptOp(",") {
		args = append(args, p.exprList()...)
	}
	p.expectOp(")")
	return &ast.FuncCall{Pos: t.pos, Name: name, Args: args}
}

func (p *parser) caseExpr() ast.Expr {
	t := p.next()
	c := &ast.Case{Pos: t.pos}
	if !p.isKw("when") {
		c.Operand = p.expr(0)
	}
	for p.acceptKw("when") {
		cond := p.expr(0)
		p.expectKw("then")
		c.Whens = append(c.Whens, ast.When{Cond: cond, Result: p.expr(0)})
	}
	if len(c.Whens) == 0 {
		p.fail(p.peek())
	}
	if p.acceptKw("else") {
		c.Else = p.expr(0)
	}
	p.expectKw("end")
	return c
}

// windowSpec parses ( [base] [PARTITION BY ...] [ORDER BY ...] [frame] ).
func (p *parser) windowSpec() *ast.WindowDef {
	p.enter()
	defer p.leave()
	w := &ast.WindowDef{Pos: p.expectOp("(").pos}
	if isName(p.peek()) && !p.isKw("partition") && !p.isKw("order") && !p.isKw("rows") &&
		!p.isKw("range") && !p.isKw("groups") {
		w.Ref = p.name()
	}
	if p.acceptKws("partition", "by") {
		w.PartitionBy = p.exprList()
	}
	if p.acceptKws("order", "by") {
		w.OrderBy = p.orderList()
	}
	if p.isKw("rows") || p.isKw("range") || p.isKw("groups") {
		f := &ast.Frame{Mode: strings.ToUpper(p.next().val)}
		if p.acceptKw("between") {
			f.Start = p.frameBound()
			p.expectKw("and")
			f.End = p.frameBound()
		} else {
			f.Start = p.frameBound()
			f.End = ast.FrameBound{Kind: "CURRENT ROW"}
		}
		if p.isKw("exclude") {
			p.notYet(p.peek(), "frame EXCLUDE")
		}
		w.Frame = f
	}
	p.expectOp(")")
	return w
}

func (p *parser) frameBound() ast.FrameBound {
	switch {
	case p.acceptKws("unbounded", "preceding"):
		return ast.FrameBound{Kind: "UNBOUNDED PRECEDING"}
	case p.acceptKws("unbounded", "following"):
		return ast.FrameBound{Kind: "UNBOUNDED FOLLOWING"}
	case p.acceptKws("current", "row"):
		return ast.FrameBound{Kind: "CURRENT ROW"}
	}
	off := p.expr(precAdd)
	switch {
	case p.acceptKw("preceding"):
		return ast.FrameBound{Kind: "PRECEDING", Offset: off}
	case p.acceptKw("following"):
		return ast.FrameBound{Kind: "FOLLOWING", Offset: off}
	}
	p.fail(p.peek())
	return ast.FrameBound{}
}

// orderList parses expr [ASC|DESC] [NULLS FIRST|LAST], ...
func (p *parser) orderList() []ast.OrderItem {
	var out []ast.OrderItem
	for {
		pos := p.peek().pos
		it := ast.OrderItem{Pos: pos, Expr: p.expr(0)}
		if p.acceptKw("desc") {
			it.Desc = true
		} else {
			p.acceptKw("asc")
		}
		if p.acceptKws("nulls", "first") {
			b := true
			it.NullsFirst = &b
		} else if p.acceptKws("nulls", "last") {
			b := false
			it.NullsFirst = &b
		}
		out = append(out, it)
		if !p.acceptOp(",") {
			return out
		}
	}
}

// typeSpec is a parsed type name.
type typeSpec struct {
	t     types.T
	name  string
	mod   int
	array bool
}

// typeName parses a SQL type: multi-word names, (n[, s]) modifiers and [].
// Unknown names fail with 42704.
func (p *parser) typeName() typeSpec {
	t := p.peek()
	if t.kind != tIdent {
		p.fail(t)
	}
	p.i++
	words := []string{t.val}
	base := t.val
	switch t.val {
	case "double":
		if p.acceptKw("precision") {
			words = append(words, "precision")
		}
	case "character", "char":
		if p.acceptKw("varying") {
			words = append(words, "varying")
		}
	}
	spec := typeSpec{mod: -1}
	full := strings.Join(words, " ")
	if isOp(p.peek(), ".") && p.peekN(1).kind == tIdent && !t.quoted && (t.val == "pg_catalog" || t.val == "public") {
		p.i++
		return p.typeName()
	}
	mods := ""
	if p.acceptOp("(") {
		var nums []string
		for {
			n := p.peek()
			if n.kind != tInt {
				p.fail(n)
			}
			p.i++
			nums = append(nums, n.val)
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
		mods = "(" + strings.Join(nums, ",") + ")"
		switch full {
		case "varchar", "character varying", "char", "character":
			if len(nums) != 1 {
				p.fail(t)
			}
			n, _ := strconv.Atoi(nums[0])
			if n < 1 || n > 10485760 {
				p.throw(errs.Errorf(errs.InvalidParameterValue, "length for type %s must be between 1 and 10485760", full).WithPosition(t.pos))
			}
			spec.mod = n
		case "numeric", "decimal":
			if len(nums) > 2 {
				p.fail(t)
			}
			prec, _ := strconv.Atoi(nums[0])
			scale := 0
			if len(nums) == 2 {
				scale, _ = strconv.Atoi(nums[1])
			}
			if prec < 1 || prec > 1000 {
				p.throw(errs.Errorf(errs.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", prec).WithPosition(t.pos))
			}
			if scale < -1000 || scale > 1000 {
				p.throw(errs.Errorf(errs.InvalidParameterValue, "NUMERIC scale %d must be between -1000 and 1000", scale).WithPosition(t.pos))
			}
			if scale < 0 {
				p.throw(errs.Errorf(errs.FeatureNotSupported, "a negative NUMERIC scale is not supported yet").WithPosition(t.pos))
			}
			spec.mod = types.NumericTypmod(prec, scale)
		case "timestamp", "timestamptz", "float", "time":
			if len(nums) != 1 {
				p.fail(t)
			}
		default:
			p.failf(t, "type modifier is not allowed for type \"%s\"", full)
		}
	}
	if base == "timestamp" || base == "time" {
		if p.acceptKws("with", "time", "zone") {
			full += " with time zone"
		} else if p.acceptKws("without", "time", "zone") {
			full += " without time zone"
		}
	}
	ty, ok := types.ParseTypeName(full)
	if !ok && (mods != "" || len(words) > 1 || !t.quoted && reserved[t.val]) {
		p.throw(errs.Errorf(errs.UndefinedObject, "type \"%s\" does not exist", full).WithPosition(t.pos))
	}
	if !ok {
		// A name of no built-in type: a user type (an enum), looked up
		// when the statement is planned, which fails there (42704) if
		// there is none.
		ty = types.Enum
	}
	spec.t = ty
	spec.name = full + mods
	if strings.HasSuffix(full, "time zone") && mods != "" {
		spec.name = base + mods + strings.TrimPrefix(full, base)
	}
	if p.isOp("[") && isOp(p.peekN(1), "]") {
		p.i += 2
		spec.array = true
	} else if p.acceptKw("array") {
		spec.array = true
	}
	return spec
}
