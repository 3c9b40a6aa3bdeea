package exec

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/engine/columnar"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Aggregates over a column copy. When an aggregation reads a column-
// cached scan directly, groups by columns and computes only count(*),
// count(column), and sum and avg of numeric arithmetic (+, -, *) over
// columns and constants, it reads the copy's vectors itself: a compact
// decimal is its coefficient and exponent (columnar.Vector.ScaledAt),
// arithmetic on small operands runs on the int64 pairs BinaryIn's fast
// path uses (funcs.FastPair) and sums take the pairs
// (funcs.ScaledAdder), so no decimal is made, stored or read back per
// row. Anything off that path (a zero operand, an overflow, a large
// value) is computed by BinaryIn on the values Env.Eval would see, so
// the results are the same, digit for digit. TPC-H's Q1 (eight
// aggregates of 590,000 rows) spends most of its time there.

// colAgg is an aggregation computed from a copy's vectors.
type colAgg struct {
	keys []int          // group-by columns
	args []colExpr      // per aggregate: its argument (nil: count(*))
	cnt  []bool         // per aggregate: a count, for which only NULL matters
	add  []bool         // per aggregate: its accumulator takes pairs
	one  [1]types.Value // argument buffer
}

// sval is a numeric computed from vectors: small (c × 10^e; an int64 c
// when isInt), else v (a general value); null: NULL.
type sval struct {
	c     int64
	e     int32
	v     types.Value
	small bool
	isInt bool
	null  bool
}

// value is s as Env.Eval would have it: int64, *apd.Decimal (from env's
// slabs) or the general value.
func (s sval) value(env *Env) types.Value {
	switch {
	case s.null:
		return nil
	case !s.small:
		return s.v
	case s.isInt:
		return s.c
	}
	return env.decs.New(s.c, s.e)
}

// svalOf is the sval of a value Eval or BinaryIn computed.
func svalOf(v types.Value) sval {
	switch x := v.(type) {
	case nil:
		return sval{null: true}
	case int64:
		return sval{c: x, small: true, isInt: true}
	case *apd.Decimal:
		if c, e, ok := funcs.SmallDec(x); ok {
			return sval{c: c, e: e, small: true}
		}
	}
	return sval{v: v}
}

// colExpr computes an expression over row r of a segment.
type colExpr func(env *Env, g *columnar.Segment, r int) (sval, error)

func isIntType(t types.T) bool { return t == types.Int2 || t == types.Int4 || t == types.Int8 }

// compileColExpr compiles numeric arithmetic over columns and constants.
func compileColExpr(e plan.Expr) (colExpr, bool) {
	switch x := e.(type) {
	case *plan.ColRef:
		if x.T != types.Numeric && !isIntType(x.T) {
			return nil, false
		}
		c := x.Idx
		return func(env *Env, g *columnar.Segment, r int) (sval, error) {
			v := g.Cols[c]
			if v.Null(r) {
				return sval{null: true}, nil
			}
			if sc, ex, ok := v.ScaledAt(r); ok {
				return sval{c: sc, e: ex, small: true, isInt: v.Kind() == columnar.KindInt}, nil
			}
			return svalOf(v.Get(r)), nil
		}, true
	case *plan.Const:
		if x.T != types.Numeric && !isIntType(x.T) {
			return nil, false
		}
		s := svalOf(x.V)
		if !s.small {
			s.v = x.V
		}
		return func(*Env, *columnar.Segment, int) (sval, error) { return s, nil }, true
	case *plan.BinOp:
		if x.T != types.Numeric || (x.Op != "+" && x.Op != "-" && x.Op != "*") {
			return nil, false
		}
		l, ok := compileColExpr(x.L)
		if !ok {
			return nil, false
		}
		r, ok := compileColExpr(x.R)
		if !ok {
			return nil, false
		}
		op, rt := x.Op, x.T
		return func(env *Env, g *columnar.Segment, row int) (sval, error) {
			a, err := l(env, g, row)
			if err != nil || a.null {
				return a, err
			}
			b, err := r(env, g, row)
			if err != nil || b.null {
				return b, err
			}
			if a.small && b.small {
				if c, e, ok := funcs.FastPair(op, a.c, a.e, b.c, b.e); ok {
					return sval{c: c, e: e, small: true}, nil
				}
			}
			v, err := funcs.BinaryIn(&env.decs, op, a.value(env), b.value(env), rt)
			if err != nil {
				return sval{}, err
			}
			return svalOf(v), nil
		}, true
	}
	return nil, false
}

// colAggregate reports whether x over a column-cached scan is computed
// from the vectors, and how.
func colAggregate(x *plan.Aggregate) (*colAgg, bool) {
	ca := &colAgg{args: make([]colExpr, len(x.Aggs)), cnt: make([]bool, len(x.Aggs)), add: make([]bool, len(x.Aggs))}
	for _, k := range x.GroupBy {
		c, ok := k.(*plan.ColRef)
		if !ok {
			return nil, false
		}
		ca.keys = append(ca.keys, c.Idx)
	}
	for i, a := range x.Aggs {
		if a.Filter != nil || len(a.OrderBy) > 0 || a.Distinct {
			return nil, false
		}
		switch a.Agg.Name {
		case "count":
			ca.cnt[i] = true
			switch len(a.Args) {
			case 0:
				continue
			case 1:
				c, ok := a.Args[0].(*plan.ColRef)
				if !ok {
					return nil, false
				}
				col := c.Idx
				ca.args[i] = func(_ *Env, g *columnar.Segment, r int) (sval, error) {
					return sval{null: g.Cols[col].Null(r)}, nil
				}
				continue
			}
			return nil, false
		case "sum", "avg":
			if len(a.Args) != 1 || a.Args[0].Type() != types.Numeric {
				return nil, false
			}
			f, ok := compileColExpr(a.Args[0])
			if !ok {
				return nil, false
			}
			_, ca.add[i] = a.Agg.New().(funcs.ScaledAdder)
			ca.args[i] = f
		default:
			return nil, false
		}
	}
	return ca, true
}

// aggregateColumns is aggregateRows over a column-cached scan, reading
// its vectors (see colAgg).
func (env *Env) aggregateColumns(x *plan.Aggregate, si *scanIter, ca *colAgg, recycle bool) (groups map[string]*group, order []*group, err error) {
	groups = map[string]*group{}
	keys := make([]types.Value, len(ca.keys))
	var kb []byte
	if recycle {
		env.decs.Fresh()
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := checkCtx(env.Ctx); err != nil {
				return nil, nil, err
			}
		}
		seg, r, ok, err := si.col.nextIndex(si)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		kb = kb[:0]
		for i, c := range ca.keys {
			keys[i] = seg.Cols[c].Get(r)
			kb = appendGroupKey(kb, keys[i])
		}
		g := groups[string(kb)]
		if g == nil {
			g = newGroup(x, append([]types.Value(nil), keys...))
			groups[string(kb)] = g
			order = append(order, g)
		}
		for i, f := range ca.args {
			acc := g.accs[i]
			if f == nil { // count(*)
				if err := acc.Add(nil); err != nil {
					return nil, nil, err
				}
				continue
			}
			v, err := f(env, seg, r)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case v.null:
				continue
			case ca.cnt[i]:
				ca.one[0] = true
			case ca.add[i] && v.small && !v.isInt:
				if err := acc.(funcs.ScaledAdder).AddScaled(v.c, v.e); err != nil {
					return nil, nil, err
				}
				continue
			default:
				ca.one[0] = v.value(env)
			}
			if err := acc.Add(ca.one[:]); err != nil {
				return nil, nil, err
			}
		}
		if recycle {
			env.decs.Recycle()
		}
	}
	return groups, order, nil
}
