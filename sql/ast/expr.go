package ast

import "github.com/nodedb-go/nodedb/sql/types"

// Literal is a constant: NULL (Value nil), TRUE/FALSE (bool), an integer
// (int64), a decimal or float literal (string in Text, Kind "number"), or a
// string ('...', E'...', $$...$$). Numbers keep their text so the planner can
// choose int, numeric or float as PostgreSQL does.
type Literal struct {
	Pos   int
	Value types.Value // nil, bool, int64, or string for string literals
	Kind  string      // "null", "bool", "int", "number", "string"
	Text  string      // original text for numbers
}

// ColumnRef is a (possibly qualified or dotted) column reference:
// `a`, `t.a`, `addr.city`, `t.addr.city`. Parts are lower-cased unless quoted.
// Whether the first part is a table is decided by the planner.
type ColumnRef struct {
	Pos   int
	Parts []string
	// WholeRow is t.* inside an expression: the row value of FROM entry
	// t (Parts holds t alone).
	WholeRow bool
}

// Param is $n (1-based).
type Param struct {
	Pos int
	N   int
}

// Unary is a prefix operator: "-", "+", "NOT", "~".
type Unary struct {
	Pos int
	Op  string
	X   Expr
}

// Binary is an infix operator. Op is one of: OR AND = <> < <= > >= + - * / %
// ^ || LIKE ILIKE NOT LIKE NOT ILIKE -> ->> @> <@ ? IS DISTINCT FROM
// IS NOT DISTINCT FROM, & | # << >> ~ !~ ~* !~* (regex).
type Binary struct {
	Pos int
	Op  string
	L   Expr
	R   Expr
}

// IsNull is `x IS [NOT] NULL` (also ISNULL / NOTNULL).
type IsNull struct {
	Pos int
	X   Expr
	Not bool
}

// IsBool is `x IS [NOT] TRUE|FALSE|UNKNOWN`.
type IsBool struct {
	Pos  int
	X    Expr
	Not  bool
	What string // "TRUE", "FALSE", "UNKNOWN"
}

// Between is `x [NOT] BETWEEN [SYMMETRIC] lo AND hi`.
type Between struct {
	Pos       int
	X, Lo, Hi Expr
	Not       bool
	Symmetric bool
}

// InList is `x [NOT] IN (a, b, ...)`.
type InList struct {
	Pos  int
	X    Expr
	List []Expr
	Not  bool
}

// InSubquery is `x [NOT] IN (SELECT ...)`.
type InSubquery struct {
	Pos   int
	X     Expr
	Query *Select
	Not   bool
}

// Exists is `[NOT] EXISTS (SELECT ...)`.
type Exists struct {
	Pos   int
	Query *Select
	Not   bool
}

// SubqueryExpr is a scalar subquery `(SELECT ...)`.
type SubqueryExpr struct {
	Pos   int
	Query *Select
}

// MultiAssignRef is one column's value in SET (a, b, ...) = (SELECT ...):
// output column Col (from 0) of the one row the sub-SELECT gives, which
// has N columns, one per column assigned. The assignments of one such
// item share Query (it runs once per row written).
type MultiAssignRef struct {
	Pos   int
	Query *Select
	Col   int
	N     int
}

// Quantified is `x op ANY|SOME|ALL (subquery or array)`.
type Quantified struct {
	Pos   int
	X     Expr
	Op    string
	Quant string // "ANY", "ALL"
	Query *Select
	Array Expr
}

// FuncCall is f(args), f(*), f(DISTINCT args), with optional FILTER and OVER.
// Name is lower-cased; a schema qualifier such as pg_catalog. is kept in Name.
type FuncCall struct {
	Pos      int
	Name     string
	Args     []Expr
	Star     bool
	Distinct bool
	OrderBy  []OrderItem // string_agg(x, ',' ORDER BY y)
	Filter   Expr
	Over     *WindowDef
	Named    map[string]Expr // name => value arguments (KV_INCR(..., TTL => 5))
}

// Cast is CAST(x AS type) and x::type.
type Cast struct {
	Pos      int
	X        Expr
	Type     types.T
	TypeName string
	TypeMod  int
	Array    bool // type[]
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE] END.
type Case struct {
	Pos     int
	Operand Expr
	Whens   []When
	Else    Expr
}

// When is one WHEN cond THEN result arm.
type When struct {
	Cond   Expr
	Result Expr
}

// ArrayLit is ARRAY[a, b] or a bracketed list [a, b] in an object literal.
type ArrayLit struct {
	Pos   int
	Elems []Expr
}

// ObjectLit is an object literal { key: value, ... }. Keys keep their order.
type ObjectLit struct {
	Pos    int
	Keys   []string
	Values []Expr
}

// Subscript is x[i] (arrays, 1-based as in PostgreSQL) or x['key'].
type Subscript struct {
	Pos   int
	X     Expr
	Index Expr
}

// FieldSelect is (x).field: a field of a row value (composite).
type FieldSelect struct {
	Pos   int
	X     Expr
	Field string
}

// Excluded is EXCLUDED.col inside ON CONFLICT DO UPDATE; it is parsed as a
// ColumnRef with Parts[0] == "excluded" and needs no node of its own.

// TypedString is a type-prefixed literal: DATE '2024-01-01',
// TIMESTAMP '...', INTERVAL '1 day'.
type TypedString struct {
	Pos      int
	TypeName string // lower-cased: "date", "timestamp", "timestamptz", "interval", ...
	Value    string
}

// DefaultExpr is the DEFAULT keyword used as a value: only in INSERT ...
// VALUES rows and UPDATE/ON CONFLICT SET assignments, meaning the column's
// default.
type DefaultExpr struct {
	Pos int
}

func (*Literal) expr()      {}
func (*ColumnRef) expr()    {}
func (*Param) expr()        {}
func (*Unary) expr()        {}
func (*Binary) expr()       {}
func (*IsNull) expr()       {}
func (*IsBool) expr()       {}
func (*Between) expr()      {}
func (*InList) expr()       {}
func (*InSubquery) expr()   {}
func (*Exists) expr()       {}
func (*SubqueryExpr) expr() {}
func (*Quantified) expr()   {}
func (*FuncCall) expr()     {}
func (*Cast) expr()         {}
func (*Case) expr()         {}
func (*ArrayLit) expr()     {}
func (*ObjectLit) expr()    {}
func (*Subscript) expr()    {}
func (*FieldSelect) expr()  {}
func (*TypedString) expr()  {}
func (*DefaultExpr) expr()  {}

// Position implementations.
func (e *Literal) Position() int      { return e.Pos }
func (e *DefaultExpr) Position() int  { return e.Pos }
func (e *ColumnRef) Position() int    { return e.Pos }
func (e *Param) Position() int        { return e.Pos }
func (e *Unary) Position() int        { return e.Pos }
func (e *Binary) Position() int       { return e.Pos }
func (e *IsNull) Position() int       { return e.Pos }
func (e *IsBool) Position() int       { return e.Pos }
func (e *Between) Position() int      { return e.Pos }
func (e *InList) Position() int       { return e.Pos }
func (e *InSubquery) Position() int   { return e.Pos }
func (e *Exists) Position() int       { return e.Pos }
func (e *SubqueryExpr) Position() int { return e.Pos }
func (e *Quantified) Position() int   { return e.Pos }
func (e *FuncCall) Position() int     { return e.Pos }
func (e *Cast) Position() int         { return e.Pos }
func (e *Case) Position() int         { return e.Pos }
func (e *ArrayLit) Position() int     { return e.Pos }
func (e *ObjectLit) Position() int    { return e.Pos }
func (e *Subscript) Position() int    { return e.Pos }
func (e *FieldSelect) Position() int  { return e.Pos }
func (e *TypedString) Position() int  { return e.Pos }

func (*MultiAssignRef) expr() {}

// Position implementation.
func (e *MultiAssignRef) Position() int { return e.Pos }
