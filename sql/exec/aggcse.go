package exec

import (
	"fmt"
	"strings"

	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Aggregate arguments often repeat a computation: TPC-H's Q1 sums
// l_extendedprice * (1 - l_discount) alone and inside
// l_extendedprice * (1 - l_discount) * (1 + l_tax). aggSlots finds the
// subexpressions that occur more than once among the arguments of an
// aggregate's calls, computes each once per row into a slot, and rewrites
// the arguments to read the slots (slotRef).
//
// Only deterministic arithmetic over columns, constants and parameters is
// shared (operators, negation, casts), and only among the calls without a
// FILTER: their arguments are evaluated for every row anyway, so computing
// a shared part for every row raises no error the plain evaluation would
// not.

// slotRef reads slot idx of the row's shared subexpressions.
type slotRef struct {
	idx int
	t   types.T
}

// Type implements plan.Expr.
func (s *slotRef) Type() types.T { return s.t }

// sharedArgs is what aggregateRows works out once per aggregate: aggSlots'
// result and whether the rows' decimals may be reused (recyclesDecimals).
type sharedArgs struct {
	args    [][]plan.Expr
	slots   []plan.Expr
	recycle bool
}

// aggSlotsOf is aggSlots for x, worked out once per Env (an aggregate in
// a correlated subquery runs once per outer row).
func (env *Env) aggSlotsOf(x *plan.Aggregate) *sharedArgs {
	if sa := env.aggPlans[x]; sa != nil {
		return sa
	}
	args, slots := aggSlots(x.Aggs)
	sa := &sharedArgs{args: args, slots: slots, recycle: recyclesDecimals(x)}
	if env.aggPlans == nil {
		env.aggPlans = map[*plan.Aggregate]*sharedArgs{}
	}
	env.aggPlans[x] = sa
	return sa
}

// aggSlots returns the calls' arguments rewritten over slots, and the
// slots' expressions, larger ones first: a slot reads only slots after it,
// so they are computed from the last to the first. With nothing shared it
// returns the arguments as they are and no slots.
func aggSlots(aggs []plan.AggCall) (args [][]plan.Expr, slots []plan.Expr) {
	args = make([][]plan.Expr, len(aggs))
	for i, a := range aggs {
		args[i] = a.Args
	}
	var created []plan.Expr // the slots, the larger ones first
	for {
		// Count the shareable subexpressions of the current arguments
		// and slots; take the largest that occurs twice or more.
		counts := map[string]int{}
		repr := map[string]plan.Expr{}
		visit := func(e plan.Expr) {
			walkShareable(e, func(k string, x plan.Expr) {
				counts[k]++
				repr[k] = x
			})
		}
		for i, a := range aggs {
			if a.Filter == nil {
				for _, e := range args[i] {
					visit(e)
				}
			}
		}
		for _, e := range created {
			visit(e)
		}
		best := ""
		for k, n := range counts {
			if n >= 2 && (len(k) > len(best) || len(k) == len(best) && k < best) {
				best = k
			}
		}
		if best == "" {
			break
		}
		ref := &slotRef{idx: len(created), t: repr[best].Type()}
		replace := func(e plan.Expr) plan.Expr { return replaceShared(e, best, ref) }
		for i, a := range aggs {
			if a.Filter == nil {
				rewritten := make([]plan.Expr, len(args[i]))
				for j, e := range args[i] {
					rewritten[j] = replace(e)
				}
				args[i] = rewritten
			}
		}
		for j, e := range created {
			created[j] = replace(e)
		}
		created = append(created, repr[best])
	}
	return args, created
}

// shareKey is a key that two expressions share exactly when they compute
// the same value from the same row, or "" when e is not shareable.
func shareKey(e plan.Expr) string {
	var b strings.Builder
	if !appendShareKey(&b, e) {
		return ""
	}
	return b.String()
}

func appendShareKey(b *strings.Builder, e plan.Expr) bool {
	switch x := e.(type) {
	case *plan.ColRef:
		fmt.Fprintf(b, "c%d:%d", x.Idx, x.T)
	case *plan.Const:
		fmt.Fprintf(b, "k%d:%T:%v", x.T, x.V, x.V)
	case *plan.Param:
		fmt.Fprintf(b, "p%d:%d", x.N, x.T)
	case *slotRef:
		fmt.Fprintf(b, "s%d", x.idx)
	case *plan.BinOp:
		fmt.Fprintf(b, "(%s:%d ", x.Op, x.T)
		if !appendShareKey(b, x.L) {
			return false
		}
		b.WriteByte(' ')
		if !appendShareKey(b, x.R) {
			return false
		}
		b.WriteByte(')')
	case *plan.Neg:
		fmt.Fprintf(b, "(neg:%d ", x.T)
		if !appendShareKey(b, x.X) {
			return false
		}
		b.WriteByte(')')
	case *plan.CastTo:
		fmt.Fprintf(b, "(cast:%d:%d ", x.T, x.TypeMod)
		if !appendShareKey(b, x.X) {
			return false
		}
		b.WriteByte(')')
	default:
		return false
	}
	return true
}

// walkShareable calls fn with the key of every shareable operator,
// negation or cast in e (leaves are not worth a slot).
func walkShareable(e plan.Expr, fn func(key string, x plan.Expr)) {
	switch x := e.(type) {
	case *plan.BinOp:
		walkShareable(x.L, fn)
		walkShareable(x.R, fn)
	case *plan.Neg:
		walkShareable(x.X, fn)
	case *plan.CastTo:
		walkShareable(x.X, fn)
	default:
		return
	}
	if k := shareKey(e); k != "" {
		fn(k, e)
	}
}

// replaceShared returns e with every subexpression whose key is key
// replaced by ref (e itself when none is). Unlike plan's mapExpr it copies
// only the nodes on the way to a replacement: the others, subqueries
// included, keep their identity (env.subCache is keyed by it).
func replaceShared(e plan.Expr, key string, ref *slotRef) plan.Expr {
	switch x := e.(type) {
	case *plan.BinOp, *plan.Neg, *plan.CastTo:
		if shareKey(e) == key {
			return ref
		}
		switch x := x.(type) {
		case *plan.BinOp:
			l, r := replaceShared(x.L, key, ref), replaceShared(x.R, key, ref)
			if l != x.L || r != x.R {
				n := *x
				n.L, n.R = l, r
				return &n
			}
		case *plan.Neg:
			if in := replaceShared(x.X, key, ref); in != x.X {
				return &plan.Neg{X: in, T: x.T}
			}
		case *plan.CastTo:
			if in := replaceShared(x.X, key, ref); in != x.X {
				n := *x
				n.X = in
				return &n
			}
		}
	}
	return e
}
