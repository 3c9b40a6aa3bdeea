package plan

import (
	"reflect"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// SQLSTATEs of window errors (not in errs).
const (
	codeWindowing       = "42P20" // windowing_error
	codeWrongObjectType = "42809" // wrong_object_type
)

// FrameBound is one end of a window frame. Kind is "UNBOUNDED PRECEDING",
// "PRECEDING", "CURRENT ROW", "FOLLOWING" or "UNBOUNDED FOLLOWING"; Offset
// (for PRECEDING/FOLLOWING) references no columns.
type FrameBound struct {
	Kind   string
	Offset Expr
}

// Frame is a window frame: Mode is "ROWS", "RANGE" or "GROUPS". The default
// is RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (the whole
// partition when there is no ORDER BY, since every row is then a peer).
type Frame struct {
	Mode       string
	Start, End FrameBound
}

// WindowCall is one window function call: a ranking or value function
// (Agg nil) or an aggregate over the frame. Args, Filter, PartitionBy and
// OrderBy are bound over the Window's input row.
type WindowCall struct {
	Name        string
	Agg         *funcs.Agg
	Args        []Expr
	Filter      Expr
	PartitionBy []Expr
	OrderBy     []SortKey
	Frame       Frame
	T           types.T
}

// Window computes window functions. Its output row is the input row
// followed by one column per call, in Funcs order.
type Window struct {
	Input Node
	Funcs []WindowCall
	Cols  []Column
}

// Columns returns the input columns and the window results.
func (n *Window) Columns() []Column { return n.Cols }

// exprs lists every expression of a call (for plan walks).
func (c *WindowCall) exprs() []Expr {
	out := append([]Expr(nil), c.Args...)
	out = append(out, c.Filter, c.Frame.Start.Offset, c.Frame.End.Offset)
	out = append(out, c.PartitionBy...)
	for _, k := range c.OrderBy {
		out = append(out, k.X)
	}
	return out
}

// winRef stands for the result of window call I while a select list is
// bound; attach turns it into a ColRef once the Window's input width is
// known (aggregates found later may still widen it).
type winRef struct {
	I    int
	T    types.T
	Name string
}

func (e *winRef) Type() types.T { return e.T }

// winCtx collects the window calls of one query level.
type winCtx struct {
	defs  map[string]*ast.WindowDef
	calls []WindowCall
	// forbid names the clause being bound where window functions are not
	// allowed (HAVING); nested marks a window function's own arguments.
	forbid string
	nested bool
}

func newWinCtx(defs []ast.WindowDef) (*winCtx, error) {
	wc := &winCtx{defs: map[string]*ast.WindowDef{}}
	for i := range defs {
		d := &defs[i]
		if _, dup := wc.defs[d.Name]; dup {
			return nil, errAt(codeWindowing, d.Pos, "window %q is already defined", d.Name)
		}
		wc.defs[d.Name] = d
	}
	return wc, nil
}

// windowOnly are the functions that exist only as window functions.
var windowOnly = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "lag": true, "lead": true, "first_value": true, "last_value": true, "nth_value": true,
}

// isWindowCall reports whether a call must be bound by bindWindow.
func isWindowCall(x *ast.FuncCall, name string) bool { return x.Over != nil || windowOnly[name] }

// resolveDef expands a window reference (OVER w, OVER (w ORDER BY ...))
// into a full definition, as PostgreSQL copies named windows.
func (wc *winCtx) resolveDef(d *ast.WindowDef, depth int) (*ast.WindowDef, error) {
	if d.Ref == "" {
		return d, nil
	}
	base, ok := wc.defs[d.Ref]
	if !ok || depth > len(wc.defs) {
		return nil, errAt(errs.UndefinedObject, d.Pos, "window %q does not exist", d.Ref)
	}
	b, err := wc.resolveDef(base, depth+1)
	if err != nil {
		return nil, err
	}
	out := *b
	out.Pos, out.Name, out.Ref = d.Pos, "", ""
	if len(d.PartitionBy) > 0 {
		return nil, errAt(codeWindowing, d.Pos, "cannot override PARTITION BY clause of window %q", d.Ref)
	}
	if len(d.OrderBy) > 0 {
		if len(b.OrderBy) > 0 {
			return nil, errAt(codeWindowing, d.Pos, "cannot override ORDER BY clause of window %q", d.Ref)
		}
		out.OrderBy = d.OrderBy
	}
	if d.Frame != nil {
		if b.Frame != nil {
			return nil, errAt(codeWindowing, d.Pos, "cannot copy window %q because it has a frame clause", d.Ref)
		}
		out.Frame = d.Frame
	}
	return &out, nil
}

// bindWindow binds a window function call to a reference to its result.
func (bd *binder) bindWindow(x *ast.FuncCall, name string) (Expr, error) {
	if x.Over == nil {
		return nil, errAt(codeWrongObjectType, x.Pos, "window function %s requires an OVER clause", name)
	}
	wc := bd.win
	switch {
	case wc != nil && wc.nested:
		return nil, errAt(codeWindowing, x.Pos, "window function calls cannot be nested")
	case wc != nil && wc.forbid != "":
		return nil, errAt(codeWindowing, x.Pos, "window functions are not allowed in %s", wc.forbid)
	case wc == nil && bd.noAgg == "aggregate function calls":
		return nil, errAt(errs.GroupingError, x.Pos, "aggregate function calls cannot contain window function calls")
	case wc == nil:
		where := bd.noAgg
		if where == "" || where == "grouping" {
			where = "this context"
		}
		return nil, errAt(codeWindowing, x.Pos, "window functions are not allowed in %s", where)
	}
	if x.Distinct {
		return nil, errAt(errs.FeatureNotSupported, x.Pos, "DISTINCT is not implemented for window functions")
	}
	if len(x.OrderBy) > 0 {
		return nil, errAt(errs.FeatureNotSupported, x.Pos, "aggregate ORDER BY is not implemented for window functions")
	}
	def, err := wc.resolveDef(x.Over, 0)
	if err != nil {
		return nil, err
	}
	// Arguments and keys read the Window's input: the FROM row, or the
	// groups and aggregates when the query aggregates.
	in := &binder{b: bd.b, sc: bd.sc, agg: bd.agg, win: &winCtx{nested: true}}
	call := WindowCall{Name: name}
	nargs := len(x.Args)
	arity := func(lo, hi int) error {
		if nargs < lo || nargs > hi {
			return errAt(errs.UndefinedFunction, x.Pos, "function %s with %d arguments does not exist", name, nargs)
		}
		return nil
	}
	bindArg := func(i int, hint types.T) (Expr, error) { return in.bind(x.Args[i], hint) }
	if x.Filter != nil && windowOnly[name] {
		return nil, errAt(errs.FeatureNotSupported, x.Pos, "FILTER is not implemented for non-aggregate window functions")
	}
	switch name {
	case "row_number", "rank", "dense_rank":
		err, call.T = arity(0, 0), types.Int8
	case "percent_rank", "cume_dist":
		err, call.T = arity(0, 0), types.Float8
	case "ntile":
		if err = arity(1, 1); err == nil {
			var a Expr
			if a, err = bindArg(0, types.Int4); err == nil {
				call.Args, call.T = []Expr{a}, types.Int4
			}
		}
	case "first_value", "last_value", "nth_value", "lag", "lead":
		lo, hi := 1, 1
		switch name {
		case "nth_value":
			lo, hi = 2, 2
		case "lag", "lead":
			hi = 3
		}
		if err = arity(lo, hi); err != nil {
			return nil, err
		}
		v, err := bindArg(0, types.Unknown)
		if err != nil {
			return nil, err
		}
		call.Args, call.T = []Expr{v}, v.Type()
		if nargs >= 2 {
			n, err := bindArg(1, types.Int4)
			if err != nil {
				return nil, err
			}
			call.Args = append(call.Args, n)
		}
		if nargs == 3 {
			def, err := bindArg(2, v.Type())
			if err != nil {
				return nil, err
			}
			if def.Type() != v.Type() && def.Type() != types.Unknown && v.Type() != types.Unknown {
				t, err := funcs.CommonType([]types.T{v.Type(), def.Type()})
				if err != nil {
					return nil, withPos(err, x.Pos)
				}
				if t != v.Type() {
					call.Args[0] = &CastTo{X: v, T: t, TypeMod: -1}
				}
				if t != def.Type() {
					def = &CastTo{X: def, T: t, TypeMod: -1}
				}
				call.T = t
			} else if v.Type() == types.Unknown {
				call.T = def.Type()
			}
			call.Args = append(call.Args, def)
		}
	default:
		agg, ok := funcs.LookupAgg(name)
		if !ok {
			if _, isFunc := funcs.Lookup(name); isFunc {
				return nil, errAt(codeWrongObjectType, x.Pos, "OVER specified, but %s is not a window function nor an aggregate function", name)
			}
			return nil, errAt(errs.UndefinedFunction, x.Pos, "function %s does not exist", name)
		}
		call.Agg = agg
		var argTypes []types.T
		if !x.Star {
			for i := range x.Args {
				a, err := bindArg(i, types.Unknown)
				if err != nil {
					return nil, err
				}
				call.Args = append(call.Args, a)
				argTypes = append(argTypes, a.Type())
			}
		}
		if x.Filter != nil {
			if call.Filter, err = in.bind(x.Filter, types.Bool); err != nil {
				return nil, err
			}
		}
		if call.T, err = agg.Type(argTypes); err != nil {
			return nil, withPos(err, x.Pos)
		}
	}
	if err != nil {
		return nil, err
	}
	// Keys may not hold window calls either.
	in.win = &winCtx{forbid: "window definitions"}
	for _, p := range def.PartitionBy {
		e, err := in.bind(p, types.Unknown)
		if err != nil {
			return nil, err
		}
		call.PartitionBy = append(call.PartitionBy, e)
	}
	if call.OrderBy, err = in.sortKeys(def.OrderBy); err != nil {
		return nil, err
	}
	if call.Frame, err = bd.bindFrame(def, call.OrderBy); err != nil {
		return nil, err
	}
	for i, have := range wc.calls {
		if reflect.DeepEqual(have, call) {
			return &winRef{I: i, T: call.T, Name: name}, nil
		}
	}
	wc.calls = append(wc.calls, call)
	return &winRef{I: len(wc.calls) - 1, T: call.T, Name: name}, nil
}

// bindFrame checks a frame clause and binds its offsets.
func (bd *binder) bindFrame(def *ast.WindowDef, order []SortKey) (Frame, error) {
	f := Frame{Mode: "RANGE", Start: FrameBound{Kind: "UNBOUNDED PRECEDING"}, End: FrameBound{Kind: "CURRENT ROW"}}
	af := def.Frame
	if af == nil {
		return f, nil
	}
	pos := def.Pos
	f.Mode = af.Mode
	s, e := af.Start.Kind, af.End.Kind
	switch {
	case s == "UNBOUNDED FOLLOWING":
		return f, errAt(codeWindowing, pos, "frame start cannot be UNBOUNDED FOLLOWING")
	case e == "UNBOUNDED PRECEDING":
		return f, errAt(codeWindowing, pos, "frame end cannot be UNBOUNDED PRECEDING")
	case s == "CURRENT ROW" && e == "PRECEDING":
		return f, errAt(codeWindowing, pos, "frame starting from current row cannot have preceding rows")
	case s == "FOLLOWING" && (e == "PRECEDING" || e == "CURRENT ROW"):
		return f, errAt(codeWindowing, pos, "frame starting from following row cannot have preceding rows")
	}
	hasOffset := af.Start.Offset != nil || af.End.Offset != nil
	if f.Mode == "GROUPS" && len(order) == 0 {
		return f, errAt(codeWindowing, pos, "GROUPS mode requires an ORDER BY clause")
	}
	if f.Mode == "RANGE" && hasOffset && len(order) != 1 {
		return f, errAt(codeWindowing, pos, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	hint := types.Int8
	if f.Mode == "RANGE" && hasOffset {
		hint = order[0].X.Type()
		if !hint.IsNumeric() {
			hint = types.Unknown // an interval for dates and times
		}
	}
	ob := &binder{b: bd.b, sc: &scope{}, noAgg: "window definitions"}
	bindBound := func(fb ast.FrameBound) (FrameBound, error) {
		out := FrameBound{Kind: fb.Kind}
		if fb.Offset == nil {
			return out, nil
		}
		o, err := ob.bind(fb.Offset, hint)
		if err != nil {
			if e, ok := errs.As(err); ok && e.Code == errs.UndefinedColumn {
				return out, errAt(errs.InvalidColumnReference, e.Position, "argument of %s must not contain variables", f.Mode)
			}
			return out, err
		}
		out.Offset = o
		return out, nil
	}
	var err error
	if f.Start, err = bindBound(af.Start); err != nil {
		return f, err
	}
	if f.End, err = bindBound(af.End); err != nil {
		return f, err
	}
	return f, nil
}

// attach puts a Window over input when the query has window calls and
// rewrites the placeholders in exprs into references to its columns.
func (wc *winCtx) attach(input Node, exprs []Expr) (Node, []Expr) {
	if wc == nil || len(wc.calls) == 0 {
		return input, exprs
	}
	base := len(input.Columns())
	cols := append([]Column(nil), input.Columns()...)
	for _, c := range wc.calls {
		cols = append(cols, Column{Name: c.Name, T: c.T, TypeMod: -1})
	}
	return &Window{Input: input, Funcs: wc.calls, Cols: cols}, mapExprs(exprs, func(x Expr) Expr {
		if r, ok := x.(*winRef); ok {
			return &ColRef{Idx: base + r.I, T: r.T, Name: r.Name}
		}
		return x
	})
}

// windowsHaveAgg reports whether a window's PARTITION BY or ORDER BY (in
// the select list, ORDER BY or WINDOW clause) calls an aggregate, which
// makes the query an aggregate query.
func windowsHaveAgg(core *ast.SelectCore, order []ast.OrderItem) bool {
	defHas := func(d *ast.WindowDef) bool {
		for _, p := range d.PartitionBy {
			if hasAgg(p) {
				return true
			}
		}
		for _, o := range d.OrderBy {
			if hasAgg(o.Expr) {
				return true
			}
		}
		return false
	}
	found := false
	check := func(e ast.Expr) {
		walk(e, func(x ast.Expr) bool {
			if f, ok := x.(*ast.FuncCall); ok && f.Over != nil && defHas(f.Over) {
				found = true
			}
			return !found
		})
	}
	for _, it := range core.Items {
		check(it.Expr)
	}
	for _, o := range order {
		check(o.Expr)
	}
	for i := range core.Windows {
		found = found || defHas(&core.Windows[i])
	}
	return found
}
