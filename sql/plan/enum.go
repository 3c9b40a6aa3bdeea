package plan

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Enum values are their labels at run time (strings); which enum type an
// expression has is known while planning, from the column or cast it
// comes from (the type's OID is its type modifier). Comparisons and sorts
// go by the labels' order, so the planner puts the label's position in
// place of the value there; text that is not a label of the type is
// PostgreSQL's 22P02.

// EnumCatalog is implemented by catalogs that hold enum types.
type EnumCatalog interface {
	Enum(name string) (*catalog.EnumType, bool)
	EnumByOID(oid uint32) (*catalog.EnumType, bool)
}

// enumNamed resolves a type name that is no built-in type.
func (b *Builder) enumNamed(name string, pos int) (*catalog.EnumType, error) {
	if ec, ok := b.Cat.(EnumCatalog); ok {
		if e, ok := ec.Enum(name); ok {
			return e, nil
		}
	}
	return nil, errAt(errs.UndefinedObject, pos, "type %q does not exist", name)
}

// enumByMod is the enum type whose OID is mod, or nil.
func (b *Builder) enumByMod(mod int) *catalog.EnumType {
	if mod <= 0 {
		return nil
	}
	if ec, ok := b.Cat.(EnumCatalog); ok {
		if e, ok := ec.EnumByOID(uint32(mod)); ok {
			return e
		}
	}
	return nil
}

// enumOf is the enum type of e, or nil when e is not an enum or its type
// is not known here.
func (bd *binder) enumOf(e Expr) *catalog.EnumType {
	if e == nil || e.Type() != types.Enum {
		return nil
	}
	if cr, ok := e.(*ColRef); ok && bd.agg != nil {
		// Over an aggregate's output: a group key's type is its
		// expression's (min and max of enums are casts, below).
		if cr.Idx < len(bd.agg.groupBy) {
			return (&binder{b: bd.b, sc: bd.agg.in}).enumOf(bd.agg.groupBy[cr.Idx])
		}
		return nil
	}
	return bd.b.enumByMod(exprTypeMod(e, bd.sc))
}

// exprTypeMod is the type modifier of e where it is known (a column, a
// cast, an assignment), else -1.
func exprTypeMod(e Expr, sc *scope) int {
	switch x := e.(type) {
	case *CastTo:
		return x.TypeMod
	case *Coerce:
		return x.TypeMod
	case *ColRef:
		if sc != nil && x.Idx < len(sc.cols) {
			return int(sc.cols[x.Idx].TypeMod)
		}
	case *OuterRef:
		s := sc
		for d := 0; d < x.Depth && s != nil; d++ {
			s = s.outer
		}
		if s != nil && x.Idx < len(s.cols) {
			return int(s.cols[x.Idx].TypeMod)
		}
	}
	return -1
}

// enumLabel checks that x is a label of e and gives it type e: a cast to
// the type, or with col an assignment to column col of it.
func enumLabel(x Expr, e *catalog.EnumType, col string) Expr {
	from := x.Type()
	f := &funcs.Func{Name: "enum_in", MinArgs: 1, MaxArgs: 1, Strict: true,
		Type: func([]types.T) (types.T, error) { return types.Enum, nil },
		Eval: func(_ *funcs.Context, a []types.Value) (types.Value, error) {
			s, ok := a[0].(string)
			if !ok {
				if col != "" {
					return nil, errs.Errorf(errs.DatatypeMismatch, "column %q is of type %s but expression is of type %s", col, e.Name, staticOr(from, a[0])).
						WithHint("You will need to rewrite or cast the expression.")
				}
				return nil, errs.Errorf(errs.CannotCoerce, "cannot cast type %s to %s", staticOr(from, a[0]), e.Name)
			}
			return s, e.CheckLabel(s)
		}}
	return &CastTo{X: &Call{F: f, Args: []Expr{x}, T: types.Enum}, T: types.Enum, TypeMod: int(e.OID())}
}

// enumAt is the label at position x of e (min and max of enums compute
// positions).
func enumAt(x Expr, e *catalog.EnumType) Expr {
	f := &funcs.Func{Name: "enum_at", MinArgs: 1, MaxArgs: 1, Strict: true,
		Type: func([]types.T) (types.T, error) { return types.Enum, nil },
		Eval: func(_ *funcs.Context, a []types.Value) (types.Value, error) {
			i, ok := a[0].(int64)
			if !ok || i < 0 || int(i) >= len(e.Labels) {
				return nil, errs.Errorf(errs.InternalError, "enum %s has no label at %v", e.Name, a[0])
			}
			return e.Labels[i], nil
		}}
	return &CastTo{X: &Call{F: f, Args: []Expr{x}, T: types.Enum}, T: types.Enum, TypeMod: int(e.OID())}
}

// enumPosition is x's place in e's order, what enums compare and sort by.
func enumPosition(x Expr, e *catalog.EnumType) Expr {
	f := &funcs.Func{Name: "enum_position", MinArgs: 1, MaxArgs: 1, Strict: true,
		Type: func([]types.T) (types.T, error) { return types.Int4, nil },
		Eval: func(_ *funcs.Context, a []types.Value) (types.Value, error) {
			s, ok := a[0].(string)
			if !ok {
				return nil, errs.Errorf(errs.CannotCoerce, "cannot cast type %s to %s", types.TypeOf(a[0]), e.Name)
			}
			i, ok := e.Position(s)
			if !ok {
				return nil, e.CheckLabel(s)
			}
			return int64(i), nil
		}}
	return &Call{F: f, Args: []Expr{x}, T: types.Int4}
}

// enumSortKey is what a sort orders e by: its position when e is of an
// enum type, else e.
func (bd *binder) enumSortKey(e Expr) (Expr, error) {
	if e.Type() != types.Enum {
		return e, nil
	}
	et := bd.enumOf(e)
	if et == nil {
		return nil, errs.New(errs.FeatureNotSupported, "cannot order enum values here: their type is not known").
			WithHint("Order by the column itself, or cast it to its type (col::type).")
	}
	return enumPosition(e, et), nil
}

// enumCompare binds a comparison with an enum operand: both sides must be
// of the one type (an untyped literal or parameter becomes a label of it,
// checked); equality compares labels, order comparisons their positions.
// ok is false when neither side is an enum.
func (bd *binder) enumCompare(op string, l, r Expr, pos int) (Expr, bool, error) {
	if l.Type() != types.Enum && r.Type() != types.Enum {
		return nil, false, nil
	}
	le, re := bd.enumOf(l), bd.enumOf(r)
	e := le
	if e == nil {
		e = re
	}
	switch op {
	case "=", "<>", "<", "<=", ">", ">=":
	default:
		return nil, false, nil
	}
	if e == nil {
		return nil, true, errAt(errs.FeatureNotSupported, pos, "cannot compare enum values here: their type is not known")
	}
	if le != nil && re != nil && le.ID != re.ID {
		return nil, true, noOperator(pos, le.Name, op, re.Name)
	}
	side := func(x Expr, xe *catalog.EnumType) (Expr, error) {
		if xe != nil {
			return x, nil
		}
		switch x.Type() {
		case types.Enum, types.Unknown, types.Text:
		default:
			return nil, noOperator(pos, e.Name, op, x.Type().String())
		}
		return enumLabel(x, e, ""), nil
	}
	var err error
	if l, err = side(l, le); err != nil {
		return nil, true, err
	}
	if r, err = side(r, re); err != nil {
		return nil, true, err
	}
	if op == "=" || op == "<>" {
		return &BinOp{Op: op, L: l, R: r, T: types.Bool}, true, nil // labels are equal when their values are
	}
	return &BinOp{Op: op, L: enumPosition(l, e), R: enumPosition(r, e), T: types.Bool}, true, nil
}

// noOperator is PostgreSQL's 42883 for an operator with no match.
func noOperator(pos int, l, op, r string) error {
	return errs.Errorf(errs.UndefinedFunction, "operator does not exist: %s %s %s", l, op, r).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.").WithPosition(pos)
}

// staticOr names an expression's type: its static one when known, else
// its value's.
func staticOr(t types.T, v types.Value) types.T {
	if t != types.Unknown && t != types.Doc {
		return t
	}
	return types.TypeOf(v)
}

// SetInput replaces the value an assignment converts (COPY puts its
// decoded values into a planned VALUES row), keeping an enum column's
// label check.
func (e *Coerce) SetInput(v Expr) {
	if c, ok := e.X.(*CastTo); ok && c.T == types.Enum {
		if call, ok := c.X.(*Call); ok && call.F.Name == "enum_in" && len(call.Args) == 1 {
			call.Args[0] = v
			return
		}
	}
	e.X = v
}
