package exec

import (
	"context"
	"fmt"
	"github.com/cockroachdb/apd/v3"
	"strings"
	"unicode/utf8"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Eval evaluates a bound expression over one input row.
func (env *Env) Eval(e plan.Expr, row types.Row) (types.Value, error) {
	switch x := e.(type) {
	case *plan.Const:
		return x.V, nil
	case *plan.ColRef:
		if x.Idx >= len(row) {
			return nil, errs.Errorf(errs.InternalError, "column %d out of range", x.Idx)
		}
		return row[x.Idx], nil
	case *plan.FieldRef:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		return fieldOf(v, x.Path), nil
	case *plan.RecordField:
		v, err := env.Eval(x.X, row)
		if err != nil || v == nil {
			return nil, err
		}
		c, ok := v.(*types.Composite)
		if !ok || x.Idx >= len(c.Vals) {
			return nil, errs.Errorf(errs.InternalError, "field %s of a %T", x.Name, v)
		}
		return c.Vals[x.Idx], nil
	case *plan.OuterRef:
		i := len(env.outer) - x.Depth
		if i < 0 || x.Idx >= len(env.outer[i]) {
			return nil, errs.New(errs.InternalError, "outer reference out of range")
		}
		return env.outer[i][x.Idx], nil
	case *plan.Subquery:
		return env.evalSubquery(x, row)
	case *plan.Quantified:
		return env.evalQuantified(x, row)
	case *slotRef:
		return env.slots[x.idx], nil
	case *plan.Param:
		if x.N > len(env.Params) {
			return nil, errs.Errorf(errs.UndefinedParameter, "there is no parameter $%d", x.N)
		}
		return env.Params[x.N-1], nil
	case *plan.BinOp:
		l, err := env.Eval(x.L, row)
		if err != nil {
			return nil, err
		}
		r, err := env.Eval(x.R, row)
		if err != nil {
			return nil, err
		}
		if lt, rt := x.L.Type(), x.R.Type(); (lt == types.Bpchar || rt == types.Bpchar) && bpcharOps[x.Op] {
			l, r = bpcharText(l, lt), bpcharText(r, rt)
		}
		return funcs.BinaryIn(&env.decs, x.Op, l, r, x.T)
	case *plan.Logic:
		l, err := env.Eval(x.L, row)
		if err != nil {
			return nil, err
		}
		if x.And {
			if l == false {
				return false, nil
			}
		} else if l == true {
			return true, nil
		}
		r, err := env.Eval(x.R, row)
		if err != nil {
			return nil, err
		}
		lb, lok := l.(bool)
		rb, rok := r.(bool)
		if x.And {
			switch {
			case rok && !rb:
				return false, nil
			case lok && rok:
				return lb && rb, nil
			}
			return nil, nil
		}
		switch {
		case rok && rb:
			return true, nil
		case lok && rok:
			return lb || rb, nil
		}
		return nil, nil
	case *plan.Not:
		v, err := env.Eval(x.X, row)
		if err != nil || v == nil {
			return nil, err
		}
		b, ok := v.(bool)
		if !ok {
			return nil, errs.New(errs.DatatypeMismatch, "argument of NOT must be type boolean")
		}
		return !b, nil
	case *plan.Neg:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		return funcs.UnaryMinus(v, x.T)
	case *plan.IsNull:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		if c, ok := v.(*types.Composite); ok {
			// A row value IS NULL when all its fields are, IS NOT
			// NULL when none is (so both can be false).
			if x.Not {
				return types.RecordNoneNull(c), nil
			}
			return types.RecordAllNull(c), nil
		}
		return (v == nil) != x.Not, nil
	case *plan.IsBool:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		var r bool
		switch x.What {
		case "TRUE":
			r = v == true
		case "FALSE":
			r = v == false
		default:
			r = v == nil
		}
		return r != x.Not, nil
	case *plan.InList:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		v = bpcharText(v, x.X.Type())
		sawNull := false
		for _, le := range x.List {
			lv, err := env.Eval(le, row)
			if err != nil {
				return nil, err
			}
			if lv == nil {
				sawNull = true
				continue
			}
			lv = bpcharText(lv, le.Type())
			eq, err := funcs.Binary("=", v, lv, types.Bool)
			if err != nil {
				return nil, err
			}
			if eq == true {
				return !x.Not, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return x.Not, nil
	case *plan.Call:
		args := make([]types.Value, len(x.Args))
		for i, a := range x.Args {
			v, err := env.Eval(a, row)
			if err != nil {
				return nil, err
			}
			if v == nil && x.F.Strict {
				return nil, nil
			}
			args[i] = v
		}
		if x.F.EvalTyped != nil && x.F.StaticTypes {
			ts := make([]types.T, len(x.Args))
			for i, a := range x.Args {
				ts[i] = a.Type()
			}
			return x.F.EvalTyped(env.Fn, args, ts)
		}
		return x.F.Eval(env.Fn, args)
	case *plan.CastTo:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		if x.ToArray {
			return castArray(v, x.Elem)
		}
		out, err := funcs.CastTyped(env.Fn, v, x.X.Type(), x.T)
		if err != nil {
			return nil, err
		}
		return applyTypeMod(out, x.T, x.TypeMod, true, "")
	case *plan.Coerce:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		if x.T == types.JSONB && x.X.Type() == types.JSONB {
			// Already jsonb: a string is a JSON string, not text to parse.
			return v, nil
		}
		out, err := types.Coerce(v, x.T)
		if err != nil {
			if e, ok := errs.As(err); ok && e.Code == errs.DatatypeMismatch {
				return nil, errs.Errorf(errs.DatatypeMismatch, "column %q is of type %s but expression is of type %s",
					x.Col, x.T, types.TypeOf(v)).WithHint("You will need to rewrite or cast the expression.")
			}
			return nil, err
		}
		return applyTypeMod(out, x.T, x.TypeMod, false, x.Col)
	case *plan.GenID:
		if x.T == types.Int8 {
			return env.IDs.RowID(), nil
		}
		return env.IDs.DocID(), nil
	case *plan.CaseWhen:
		for _, w := range x.Whens {
			c, err := env.Eval(w.Cond, row)
			if err != nil {
				return nil, err
			}
			if c == true {
				return env.Eval(w.Result, row)
			}
		}
		if x.Else != nil {
			return env.Eval(x.Else, row)
		}
		return nil, nil
	case *plan.Object:
		if x.Record {
			return env.record(x, row)
		}
		m := make(map[string]any, len(x.Keys))
		for i, k := range x.Keys {
			v, err := env.Eval(x.Values[i], row)
			if err != nil {
				return nil, err
			}
			setPath(m, strings.Split(k, "."), v)
		}
		return m, nil
	case *plan.Array:
		a := make([]any, len(x.Elems))
		for i, el := range x.Elems {
			v, err := env.Eval(el, row)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case *plan.Subscript:
		v, err := env.Eval(x.X, row)
		if err != nil {
			return nil, err
		}
		ix, err := env.Eval(x.Index, row)
		if err != nil {
			return nil, err
		}
		switch c := v.(type) {
		case []any:
			if i, ok := ix.(int64); ok && i >= 1 && int(i) <= len(c) {
				return c[i-1], nil
			}
		case string:
			// A catalog array (int2vector, oidvector: from 0; text[] and
			// the like: from 1).
			elems, err := asList(c)
			if err != nil {
				return nil, err
			}
			lo := int64(lowerBound(x.X.Type()))
			if i, ok := ix.(int64); ok && i >= lo && i-lo < int64(len(elems)) {
				return elems[i-lo], nil
			}
		case map[string]any:
			if k, ok := ix.(string); ok {
				return c[k], nil
			}
		}
		return nil, nil
	}
	return nil, errs.Errorf(errs.InternalError, "cannot evaluate %T", e)
}

// bpcharOps are the operators that see a character(n) value without its
// padding, as PostgreSQL compares, matches and concatenates bpchar: its
// trailing blanks are insignificant.
var bpcharOps = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true,
	"IS DISTINCT FROM": true, "IS NOT DISTINCT FROM": true,
	"LIKE": true, "NOT LIKE": true, "ILIKE": true, "NOT ILIKE": true, "||": true}

// bpcharText strips the trailing blanks of a character(n) value (static
// type t); other values are returned as they are.
func bpcharText(v types.Value, t types.T) types.Value {
	if t != types.Bpchar {
		return v
	}
	if s, ok := v.(string); ok {
		return strings.TrimRight(s, " ")
	}
	return v
}

// applyTypeMod enforces varchar(n)/char(n) lengths (an explicit cast
// truncates, an assignment fails with 22001) and numeric(p,s): the value
// is rounded to s decimals, half away from zero, and must then have at
// most p-s digits before the point (22003), as PostgreSQL's.
func applyTypeMod(v types.Value, t types.T, mod int, explicit bool, col string) (types.Value, error) {
	if t == types.Numeric {
		return numericTypeMod(v, mod)
	}
	s, ok := v.(string)
	if !ok || mod <= 0 || (t != types.Varchar && t != types.Bpchar) {
		return v, nil
	}
	n := utf8.RuneCountInString(s)
	if n > mod {
		trimmed := strings.TrimRight(s, " ")
		if explicit {
			r := []rune(s)
			return string(r[:mod]), nil
		}
		if utf8.RuneCountInString(trimmed) > mod {
			return nil, errs.Errorf(errs.StringTooLong, "value too long for type %s(%d)", typeWord(t), mod)
		}
		s = trimmed
		n = utf8.RuneCountInString(s)
	}
	if t == types.Bpchar && n < mod {
		s += strings.Repeat(" ", mod-n)
	}
	return s, nil
}

// numericTypeMod rounds a numeric to its column's scale and checks its
// precision; mod is PostgreSQL's encoding (types.NumericTypmod).
func numericTypeMod(v types.Value, mod int) (types.Value, error) {
	d, ok := v.(*apd.Decimal)
	p, sc, hasMod := types.NumericPrecScale(mod)
	if !ok || !hasMod {
		return v, nil
	}
	prec, scale := int64(p), int64(sc)
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return v, nil
	case apd.Infinite:
		return nil, errs.New(errs.NumericOutOfRange, "numeric field overflow").
			WithDetail(fmt.Sprintf("A field with precision %d, scale %d cannot hold an infinite value.", prec, scale))
	}
	overflow := func(x *apd.Decimal) error {
		if x.IsZero() || x.NumDigits()+int64(x.Exponent) <= prec-scale {
			return nil
		}
		return errs.New(errs.NumericOutOfRange, "numeric field overflow").
			WithDetail(fmt.Sprintf("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", prec, scale, prec-scale))
	}
	if err := overflow(d); err != nil {
		return nil, err // rounding cannot bring it under the limit
	}
	if int64(d.Exponent) == -scale {
		return v, nil // already at the scale
	}
	// Quantize rounds, or pads with zeros (0.5 in numeric(5,3) is 0.500,
	// as PostgreSQL shows it), to exactly scale decimals: at most prec
	// digits, one more when rounding carries.
	ctx := apd.BaseContext.WithPrecision(uint32(max(prec, scale) + 2))
	ctx.Rounding = apd.RoundHalfUp
	r := new(apd.Decimal)
	if _, err := ctx.Quantize(r, d, -int32(scale)); err != nil {
		return nil, errs.Errorf(errs.NumericOutOfRange, "numeric field overflow: %w", err)
	}
	if err := overflow(r); err != nil {
		return nil, err // 999.995 in numeric(5,2) rounds up to 1000.00
	}
	return r, nil
}

func typeWord(t types.T) string {
	if t == types.Bpchar {
		return "character"
	}
	return "character varying"
}

// fieldOf reads a dotted path inside a document value; missing is NULL.
func fieldOf(v types.Value, path []string) types.Value {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// setPath sets a dotted path inside a document, creating objects.
func setPath(m map[string]any, path []string, v types.Value) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// Truthy evaluates a predicate: only TRUE passes.
func (env *Env) Truthy(e plan.Expr, row types.Row) (bool, error) {
	if e == nil {
		return true, nil
	}
	v, err := env.Eval(e, row)
	if err != nil {
		return false, err
	}
	return v == true, nil
}

func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errs.New(errs.QueryCanceled, "canceling statement due to user request")
	}
	return nil
}

// castArray casts a value to an array of elem: array text ('{1,"a b",NULL}')
// is parsed first; each non-NULL element is cast to elem.
func castArray(v types.Value, elem types.T) (types.Value, error) {
	var in []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		var err error
		if in, err = types.ParseArrayText(x); err != nil {
			return nil, err
		}
	case []any:
		in = x
	default:
		return nil, errs.Errorf("42846", "cannot cast type %s to %s[]", types.TypeOf(v), elem)
	}
	out := make([]any, len(in))
	for i, e := range in {
		if e == nil || elem == types.Doc {
			out[i] = e
			continue
		}
		c, err := types.Cast(e, elem)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// record evaluates a row value: a whole-row reference or ROW(...).
func (env *Env) record(x *plan.Object, row types.Row) (types.Value, error) {
	c := &types.Composite{Names: x.Keys, Types: make([]types.T, len(x.Values)), Vals: make([]types.Value, len(x.Values))}
	allNull := true
	for i, e := range x.Values {
		v, err := env.Eval(e, row)
		if err != nil {
			return nil, err
		}
		c.Types[i], c.Vals[i] = e.Type(), v
		allNull = allNull && v == nil
	}
	if allNull && x.NullIfAllNull {
		return nil, nil
	}
	return c, nil
}
