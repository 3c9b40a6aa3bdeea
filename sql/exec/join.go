package exec

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// runJoin materializes both inputs and joins them: a hash join on the
// equi-join keys when there are any, else a nested loop. The ON condition
// is always re-checked on candidate pairs.
func (env *Env) runJoin(x *plan.Join) ([]types.Row, error) {
	left, err := env.Query(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := env.Query(x.Right)
	if err != nil {
		return nil, err
	}
	lw, rw := len(x.Left.Columns()), len(x.Right.Columns())
	var out []types.Row
	rightMatched := make([]bool, len(right))
	combine := func(l, r types.Row) types.Row {
		row := make(types.Row, 0, lw+rw)
		if l == nil {
			l = make(types.Row, lw)
		}
		if r == nil {
			r = make(types.Row, rw)
		}
		return append(append(row, l...), r...)
	}
	var buckets map[string][]int
	if len(x.EqLeft) > 0 {
		buckets = make(map[string][]int, len(right))
		for i, r := range right {
			k, ok, err := env.joinKey(x.EqRight, r)
			if err != nil {
				return nil, err
			}
			if ok {
				buckets[k] = append(buckets[k], i)
			}
		}
	}
	n := 0
	for _, l := range left {
		matched := false
		try := func(i int) error {
			if n++; n%4096 == 0 {
				if err := checkCtx(env.Ctx); err != nil {
					return err
				}
			}
			row := combine(l, right[i])
			pass, err := env.Truthy(x.On, row)
			if err != nil {
				return err
			}
			if pass {
				matched = true
				rightMatched[i] = true
				out = append(out, row)
			}
			return nil
		}
		if buckets != nil {
			k, ok, err := env.joinKey(x.EqLeft, l)
			if err != nil {
				return nil, err
			}
			if ok {
				for _, i := range buckets[k] {
					if err := try(i); err != nil {
						return nil, err
					}
				}
			}
		} else {
			for i := range right {
				if err := try(i); err != nil {
					return nil, err
				}
			}
		}
		if !matched && (x.Kind == "LEFT" || x.Kind == "FULL") {
			out = append(out, combine(l, nil))
		}
	}
	if x.Kind == "RIGHT" || x.Kind == "FULL" {
		for i, r := range right {
			if !rightMatched[i] {
				out = append(out, combine(nil, r))
			}
		}
	}
	return out, nil
}

// joinKey computes a hash key; rows with a NULL key never match.
func (env *Env) joinKey(exprs []plan.Expr, row types.Row) (string, bool, error) {
	vals := make([]types.Value, len(exprs))
	for i, e := range exprs {
		v, err := env.Eval(e, row)
		if err != nil {
			return "", false, err
		}
		if v == nil {
			return "", false, nil
		}
		vals[i] = v
	}
	return rowKey(vals), true, nil
}

// runSetOp evaluates UNION / INTERSECT / EXCEPT [ALL].
func (env *Env) runSetOp(x *plan.SetOp) ([]types.Row, error) {
	left, err := env.Query(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := env.Query(x.Right)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "UNION":
		all := append(left, right...)
		if x.All {
			return all, nil
		}
		return distinctRows(all), nil
	case "INTERSECT", "EXCEPT":
		counts := map[string]int{}
		for _, r := range right {
			counts[rowKey(r)]++
		}
		var out []types.Row
		seen := map[string]bool{}
		for _, r := range left {
			k := rowKey(r)
			in := counts[k] > 0
			keep := in == (x.Op == "INTERSECT")
			if x.All {
				if in {
					counts[k]--
				}
			} else {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			if keep {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "set operation %s", x.Op)
}

func distinctRows(rows []types.Row) []types.Row {
	seen := make(map[string]bool, len(rows))
	out := rows[:0:0]
	for _, r := range rows {
		k := rowKey(r)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// evalSubquery evaluates a subquery expression for the current row.
func (env *Env) evalSubquery(x *plan.Subquery, row types.Row) (types.Value, error) {
	var rows []types.Row
	if !x.Correlated {
		if env.subCache == nil {
			env.subCache = map[*plan.Subquery][]types.Row{}
		}
		cached, ok := env.subCache[x]
		if !ok {
			r, err := env.Query(x.Plan)
			if err != nil {
				return nil, err
			}
			env.subCache[x] = r
			cached = r
		}
		rows = cached
	} else {
		env.outer = append(env.outer, row)
		r, err := env.Query(x.Plan)
		env.outer = env.outer[:len(env.outer)-1]
		if err != nil {
			return nil, err
		}
		rows = r
	}
	switch x.Kind {
	case plan.SubScalar:
		switch len(rows) {
		case 0:
			return nil, nil
		case 1:
			return rows[0][0], nil
		}
		return nil, errs.New(errs.CardinalityViolation, "more than one row returned by a subquery used as an expression")
	case plan.SubExists:
		return (len(rows) > 0) != x.Not, nil
	}
	// IN
	v, err := env.Eval(x.X, row)
	if err != nil {
		return nil, err
	}
	if v == nil {
		if len(rows) == 0 {
			return x.Not, nil
		}
		return nil, nil
	}
	sawNull := false
	for _, r := range rows {
		if r[0] == nil {
			sawNull = true
			continue
		}
		if types.Compare(v, r[0]) == 0 {
			return !x.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return x.Not, nil
}
