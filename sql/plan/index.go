package plan

import (
	"reflect"
	"slices"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// BoundIndex is an index's expressions bound over its collection's rows
// (the layout ScanColumns gives, as CHECK constraints are).
type BoundIndex struct {
	// Elems holds each key element's expression; nil for a column.
	Elems []Expr
	// Where is a partial index's predicate; nil: every row has an entry.
	Where Expr
}

// boundIndexes caches IndexBindings per collection descriptor
// (descriptors are immutable; DDL publishes new ones).
var boundIndexes sync.Map // *catalog.Collection -> []BoundIndex

// IndexBindings returns the bound key expressions and predicate of each
// of coll's indexes, in coll.Indexes' order, or nil when no index has
// either.
func IndexBindings(coll *catalog.Collection) ([]BoundIndex, error) {
	if v, ok := boundIndexes.Load(coll); ok {
		return v.([]BoundIndex), nil
	}
	var out []BoundIndex
	for i := range coll.Indexes {
		ix := &coll.Indexes[i]
		if ix.Where == "" && !ix.HasExprs() {
			continue
		}
		if out == nil {
			out = make([]BoundIndex, len(coll.Indexes))
		}
		b := &out[i]
		if ix.HasExprs() {
			b.Elems = make([]Expr, len(ix.Columns))
			for j, text := range ix.Exprs {
				if text == "" {
					continue
				}
				e, err := parser.ParseExpr(text)
				if err != nil {
					return nil, err
				}
				if b.Elems[j], err = BindIndexExpr(coll, e); err != nil {
					return nil, err
				}
			}
		}
		if ix.Where != "" {
			e, err := parser.ParseExpr(ix.Where)
			if err != nil {
				return nil, err
			}
			if b.Where, err = BindIndexPred(coll, e); err != nil {
				return nil, err
			}
		}
	}
	boundIndexes.Store(coll, out)
	return out, nil
}

// BindIndexExpr binds a key expression of an index over coll's rows,
// refusing what PostgreSQL refuses there: subqueries (0A000), aggregates
// (42803), set-returning and volatile functions (42P17).
func BindIndexExpr(coll *catalog.Collection, e ast.Expr) (Expr, error) {
	return bindIndexPart(coll, e, "index expression")
}

// BindIndexPred binds a partial index's predicate over coll's rows: a
// boolean (42804), under BindIndexExpr's rules.
func BindIndexPred(coll *catalog.Collection, e ast.Expr) (Expr, error) {
	x, err := bindIndexPart(coll, e, "index predicate")
	if err != nil {
		return nil, err
	}
	if t := x.Type(); t != types.Bool && t != types.Unknown {
		return nil, errAt(errs.DatatypeMismatch, e.Position(), "argument of WHERE must be type boolean, not type %s", t)
	}
	return x, nil
}

func bindIndexPart(coll *catalog.Collection, e ast.Expr, what string) (Expr, error) {
	if err := noSubquery(e, what); err != nil {
		return nil, err
	}
	bd := &binder{b: &Builder{}, sc: newScope(coll, ""), noAgg: what + "s"}
	x, err := bd.bind(e, types.Unknown)
	if err != nil {
		return nil, err
	}
	volatile := false
	WalkExpr(x, func(n Expr) {
		if c, ok := n.(*Call); ok && c.F.Volatile {
			volatile = true
		}
	})
	if volatile {
		return nil, errs.Errorf(errs.InvalidObjectDefinition, "functions in %s must be marked IMMUTABLE", what)
	}
	return x, nil
}

// SameExpr reports whether a and b are certainly the same expression
// over the same row: an index's key expression and a query's term are
// compared with it. false may still mean equivalent.
func SameExpr(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case *ColRef:
		y, ok := b.(*ColRef)
		return ok && x.Idx == y.Idx
	case *Const:
		y, ok := b.(*Const)
		return ok && x.T == y.T && reflect.DeepEqual(x.V, y.V)
	case *FieldRef:
		y, ok := b.(*FieldRef)
		return ok && reflect.DeepEqual(x.Path, y.Path) && SameExpr(x.X, y.X)
	case *BinOp:
		y, ok := b.(*BinOp)
		return ok && x.Op == y.Op && x.T == y.T && SameExpr(x.L, y.L) && SameExpr(x.R, y.R)
	case *Logic:
		y, ok := b.(*Logic)
		return ok && x.And == y.And && SameExpr(x.L, y.L) && SameExpr(x.R, y.R)
	case *Not:
		y, ok := b.(*Not)
		return ok && SameExpr(x.X, y.X)
	case *Neg:
		y, ok := b.(*Neg)
		return ok && SameExpr(x.X, y.X)
	case *IsNull:
		y, ok := b.(*IsNull)
		return ok && x.Not == y.Not && SameExpr(x.X, y.X)
	case *IsBool:
		y, ok := b.(*IsBool)
		return ok && x.Not == y.Not && x.What == y.What && SameExpr(x.X, y.X)
	case *Call:
		y, ok := b.(*Call)
		return ok && x.F == y.F && x.T == y.T && sameExprs(x.Args, y.Args)
	case *CastTo:
		y, ok := b.(*CastTo)
		return ok && x.T == y.T && x.TypeMod == y.TypeMod && x.ToArray == y.ToArray && x.Elem == y.Elem && SameExpr(x.X, y.X)
	case *InList:
		y, ok := b.(*InList)
		return ok && x.Not == y.Not && SameExpr(x.X, y.X) && sameExprs(x.List, y.List)
	}
	return false
}

func sameExprs(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SameExpr(a[i], b[i]) {
			return false
		}
	}
	return true
}

// predImplied reports whether a query's terms (an AND's conjuncts) imply
// a partial index's predicate, so every row the query wants has an entry:
// each of the predicate's terms is one of the query's, or is x IS NOT
// NULL where the query compares x with a constant or parameter.
func predImplied(pred Expr, conj []Expr) bool {
	for _, p := range conjuncts(pred, nil) {
		if !termImplied(p, conj) {
			return false
		}
	}
	return true
}

func termImplied(p Expr, conj []Expr) bool {
	for _, c := range conj {
		if SameExpr(p, c) {
			return true
		}
	}
	nn, ok := p.(*IsNull)
	if !ok || !nn.Not {
		return false
	}
	for _, c := range conj {
		bo, ok := c.(*BinOp)
		if !ok {
			continue
		}
		switch bo.Op {
		case "=", "<", "<=", ">", ">=":
		default:
			continue
		}
		if (SameExpr(bo.L, nn.X) && isConstOrParam(bo.R)) || (SameExpr(bo.R, nn.X) && isConstOrParam(bo.L)) {
			return true
		}
	}
	return false
}

// keyElem is one key element of an index as the planner matches it: a
// column (or field path) by name, or a bound expression.
type keyElem struct {
	name string
	expr Expr
}

// matches reports whether e reads the element's value.
func (k keyElem) matches(e Expr, coll *catalog.Collection) bool {
	if k.expr != nil {
		return SameExpr(k.expr, e)
	}
	return isKeyRef(e, coll, k.name)
}

// indexElems returns an index's key elements and its predicate (nil:
// none), bound; ok is false when they cannot be bound (the index is then
// not used).
func indexElems(coll *catalog.Collection, i int) (elems []keyElem, where Expr, ok bool) {
	ix := &coll.Indexes[i]
	elems = make([]keyElem, len(ix.Columns))
	for j, c := range ix.Columns {
		elems[j].name = c
	}
	if ix.Where == "" && !ix.HasExprs() {
		return elems, nil, true
	}
	bound, err := IndexBindings(coll)
	if err != nil || bound == nil {
		return nil, nil, false
	}
	for j := range elems {
		if j < len(bound[i].Elems) && bound[i].Elems[j] != nil {
			elems[j].expr = bound[i].Elems[j]
		}
	}
	return elems, bound[i].Where, true
}

// inferArbiter finds the unique key ON CONFLICT's target names when it
// has expressions or a WHERE, as PostgreSQL infers an arbiter index: one
// whose key elements are the target's (columns by name, expressions as
// bound over the row, in any order) and whose predicate, if it has one,
// the target's WHERE implies. A plain unique index gives its columns, an
// expression or partial one its position; the primary key gives neither.
func inferArbiter(coll *catalog.Collection, oc *ast.OnConflict) ([]string, int, error) {
	target := make([]keyElem, len(oc.Target))
	for i, c := range oc.Target {
		if i < len(oc.TargetExprs) && oc.TargetExprs[i] != nil {
			e, err := BindIndexExpr(coll, oc.TargetExprs[i])
			if err != nil {
				return nil, -1, err
			}
			target[i].expr = e
			continue
		}
		if coll.ColumnIndex(c) < 0 {
			return nil, -1, errAt(errs.UndefinedColumn, oc.Pos, "column %q does not exist", c)
		}
		target[i].name = c
	}
	var conj []Expr
	if oc.TargetWhere != nil {
		w, err := BindIndexPred(coll, oc.TargetWhere)
		if err != nil {
			return nil, -1, err
		}
		conj = Conjuncts(w)
	}
	same := func(elems []keyElem) bool {
		if len(elems) != len(target) {
			return false
		}
		for _, t := range target {
			found := false
			for _, k := range elems {
				if (t.expr == nil && k.expr == nil && t.name == k.name) || (t.expr != nil && k.expr != nil && SameExpr(t.expr, k.expr)) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	pk := make([]keyElem, len(coll.PK))
	for i, c := range coll.PK {
		pk[i].name = c
	}
	hiddenKey := slices.ContainsFunc(coll.Columns, func(c catalog.Column) bool { return c.Hidden && slices.Contains(coll.PK, c.Name) })
	if !hiddenKey && len(pk) > 0 && same(pk) {
		return nil, -1, nil
	}
	for i := range coll.Indexes {
		ix := &coll.Indexes[i]
		if !ix.Unique || ix.Sorted {
			continue
		}
		elems, where, ok := indexElems(coll, i)
		if !ok || !same(elems) || (where != nil && !predImplied(where, conj)) {
			continue
		}
		if ix.Plain() {
			return ix.Columns, -1, nil
		}
		return nil, i, nil
	}
	return nil, -1, errAt(errs.InvalidColumnReference, oc.Pos, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
}
