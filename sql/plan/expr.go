package plan

import (
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Expr is a bound, typed scalar expression evaluated by sql/exec against
// one input row.
type Expr interface {
	Type() types.T
}

// Const is a constant value.
type Const struct {
	V types.Value
	T types.T
}

// ColRef reads column Idx of the input row. Fields are a row value's
// fields (type Record), when known.
type ColRef struct {
	Idx    int
	T      types.T
	Name   string
	Fields []Column
}

// FieldRef reads a (nested) field of a document-valued expression; a
// missing field reads as NULL.
type FieldRef struct {
	X    Expr
	Path []string
	T    types.T
}

// Param is the value of $N (1-based).
type Param struct {
	N int
	T types.T
}

// BinOp is an operator evaluated by funcs.Binary.
type BinOp struct {
	Op   string
	L, R Expr
	T    types.T
}

// Logic is AND / OR with three-valued logic.
type Logic struct {
	And  bool
	L, R Expr
}

// Not is logical negation.
type Not struct{ X Expr }

// Neg is unary minus.
type Neg struct {
	X Expr
	T types.T
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// IsBool is X IS [NOT] TRUE/FALSE/UNKNOWN.
type IsBool struct {
	X    Expr
	Not  bool
	What string
}

// InList is X [NOT] IN (list).
type InList struct {
	X    Expr
	List []Expr
	Not  bool
}

// Call is a scalar function call.
type Call struct {
	F    *funcs.Func
	Args []Expr
	T    types.T
}

// CastTo converts X to T.
type CastTo struct {
	X       Expr
	T       types.T
	TypeMod int
	// Elem, with ToArray, is the element type of a cast to an array
	// (T is then Doc): text input '{1,2}' is parsed, and each element is
	// cast to Elem.
	ToArray bool
	Elem    types.T
}

// CaseWhen is a searched CASE (simple CASE is rewritten to searched).
type CaseWhen struct {
	Whens []WhenThen
	Else  Expr
	T     types.T
}

// WhenThen is one arm of CaseWhen.
type WhenThen struct{ Cond, Result Expr }

// Object builds a document object or, with Record, a row value
// (*types.Composite, type Record): a whole-row reference or ROW(...).
// NullIfAllNull makes a row value whose fields are all NULL the NULL
// value: a whole-row reference to a table, whose rows always have a key,
// is then the null-extended side of an outer join, as in PostgreSQL.
type Object struct {
	Keys          []string
	Values        []Expr
	Record        bool
	NullIfAllNull bool
}

// Array builds a document array.
type Array struct{ Elems []Expr }

// Subscript indexes an array (1-based) or object.
type Subscript struct {
	X, Index Expr
}

// Type implementations.
func (e *Const) Type() types.T    { return e.T }
func (e *ColRef) Type() types.T   { return e.T }
func (e *FieldRef) Type() types.T { return e.T }
func (e *Param) Type() types.T    { return e.T }
func (e *BinOp) Type() types.T    { return e.T }
func (e *Logic) Type() types.T    { return types.Bool }
func (e *Not) Type() types.T      { return types.Bool }
func (e *Neg) Type() types.T      { return e.T }
func (e *IsNull) Type() types.T   { return types.Bool }
func (e *IsBool) Type() types.T   { return types.Bool }
func (e *InList) Type() types.T   { return types.Bool }
func (e *Call) Type() types.T     { return e.T }
func (e *CastTo) Type() types.T   { return e.T }
func (e *CaseWhen) Type() types.T { return e.T }
func (e *Object) Type() types.T {
	if e.Record {
		return types.Record
	}
	return types.Doc
}
func (e *Array) Type() types.T     { return types.Doc }
func (e *Subscript) Type() types.T { return types.Doc }

// OuterRef reads column Idx of an enclosing query's current row (a
// correlated reference); Depth 1 is the nearest enclosing query.
type OuterRef struct {
	Depth  int
	Idx    int
	T      types.T
	Fields []Column // as ColRef's
}

// RecordField reads field Idx of a row value: (x).name.
type RecordField struct {
	X    Expr
	Idx  int
	Name string
	T    types.T
}

func (e *RecordField) Type() types.T { return e.T }

// recordFields returns the fields of a row-valued expression, when they
// are known (a whole-row reference, ROW(...), a set-returning function's
// row, or a column of a subquery holding one).
func recordFields(e Expr) []Column {
	switch x := e.(type) {
	case *ColRef:
		return x.Fields
	case *OuterRef:
		return x.Fields
	case *srfRef:
		return x.Fields
	case *RecordField:
		if fs := recordFields(x.X); x.Idx < len(fs) {
			return fs[x.Idx].Fields
		}
	case *Object:
		if !x.Record {
			return nil
		}
		out := make([]Column, len(x.Keys))
		for i, k := range x.Keys {
			out[i] = Column{Name: k, T: x.Values[i].Type(), TypeMod: -1, Fields: recordFields(x.Values[i])}
		}
		return out
	}
	return nil
}

// SubKind is the shape of a subquery expression.
type SubKind int

// Subquery kinds.
const (
	SubScalar SubKind = iota // (SELECT x): one value or NULL; >1 row is 21000
	SubExists                // EXISTS (SELECT ...)
	SubIn                    // x IN (SELECT ...)
	SubArray                 // ARRAY(SELECT ...): the column's values as an array
	// SubRow is the source of SET (a, b) = (SELECT ...): its row, all
	// NULL for no row; >1 row is 21000. It is run by the write (see
	// Update.Sources), never evaluated as a value.
	SubRow
)

// Subquery evaluates a nested query. Uncorrelated subqueries run once per
// statement; correlated ones run per outer row.
type Subquery struct {
	Kind       SubKind
	Plan       Node
	X          Expr // for SubIn
	Not        bool
	Correlated bool
	T          types.T
}

// Type implementations.
func (e *OuterRef) Type() types.T { return e.T }

// Type implementations.
func (e *Subquery) Type() types.T { return e.T }

// Quantified is `X op ANY|ALL (list)`, the list coming from a subquery
// (Sub, of kind SubArray) or an array expression (Array).
type Quantified struct {
	X     Expr
	Op    string
	All   bool
	Sub   *Subquery
	Array Expr
}

// Type implementations.
func (e *Quantified) Type() types.T { return types.Bool }
