package plan

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// LockRows locks, for each row it passes on, the row of each target
// collection the row was read from: SELECT ... FOR UPDATE / FOR SHARE. It
// sits under LIMIT and over ORDER BY, as PostgreSQL's does, so that a
// LIMIT counts only rows locked and SKIP LOCKED passes over rows another
// transaction holds before the LIMIT counts them.
type LockRows struct {
	Input   Node
	Targets []LockTarget
}

// LockTarget is one collection a LockRows locks rows of: Key are the
// input columns holding the row's primary-key values, in key order.
type LockTarget struct {
	Coll      *catalog.Collection
	Key       []int
	Exclusive bool   // FOR UPDATE, FOR NO KEY UPDATE (else FOR SHARE, FOR KEY SHARE)
	Wait      string // "", "NOWAIT", "SKIP LOCKED"
}

func (n *LockRows) Columns() []Column { return n.Input.Columns() }

// lockRows checks a query's locking clauses and returns its LockRows
// (Input unset) with the expressions of the key columns to project for
// it, in the order of its targets' Key; the caller sets the Key indexes.
func lockRows(sel *ast.Select, core *ast.SelectCore, sc *scope, grouped, windows, srfs bool) (*LockRows, [][]Expr, error) {
	first := sel.Locking[0]
	what := "FOR " + first.Strength
	refuse := func(format string, args ...any) error {
		return errAt(errs.FeatureNotSupported, first.Pos, "%s "+format, append([]any{what}, args...)...)
	}
	switch {
	case len(core.GroupBy) > 0:
		return nil, nil, refuse("is not allowed with GROUP BY clause")
	case core.Having != nil:
		return nil, nil, refuse("is not allowed with HAVING clause")
	case grouped:
		return nil, nil, refuse("is not allowed with aggregate functions")
	case core.Distinct || len(core.DistinctOn) > 0:
		return nil, nil, refuse("is not allowed with DISTINCT clause")
	case windows:
		return nil, nil, refuse("is not allowed with window functions")
	case srfs:
		return nil, nil, refuse("is not allowed with set-returning functions in the target list")
	}
	kinds := map[string]string{} // FROM entry → "table", "subquery", "function", "stream"
	nullable := map[string]bool{}
	for _, te := range core.From {
		fromKinds(te, false, kinds, nullable)
	}
	type want struct {
		exclusive bool
		wait      string
	}
	wants := map[*rel]*want{}
	var order []*rel
	add := func(r *rel, l ast.LockClause, explicit bool, pos int) error {
		kind := kinds[r.ref()]
		switch {
		case r.coll == nil && kind == "function" && !explicit:
			return nil // as PostgreSQL: a function's rows have nothing to lock
		case r.coll == nil && kind == "function":
			return errAt(errs.FeatureNotSupported, pos, "%s cannot be applied to a function", what)
		case r.coll == nil && kind == "stream":
			return errAt(errs.FeatureNotSupported, pos, "%s cannot be applied to a change stream or topic read", what)
		case r.coll == nil:
			return errs.Errorf(errs.FeatureNotSupported, "%s of a subquery, view or WITH query in FROM is not supported yet", what).
				WithPosition(pos).WithHint("Name the tables to lock with " + what + " OF, or lock inside the subquery.")
		case nullable[r.ref()]:
			return errAt(errs.FeatureNotSupported, pos, "%s cannot be applied to the nullable side of an outer join", what)
		}
		w := wants[r]
		if w == nil {
			w = &want{}
			wants[r] = w
			order = append(order, r)
		}
		w.exclusive = w.exclusive || l.Strength == "UPDATE" || l.Strength == "NO KEY UPDATE"
		// NOWAIT wins over SKIP LOCKED, which wins over waiting.
		if l.Wait == "NOWAIT" || (l.Wait == "SKIP LOCKED" && w.wait == "") {
			w.wait = l.Wait
		}
		return nil
	}
	for _, l := range sel.Locking {
		if len(l.Of) == 0 {
			for _, r := range sc.rels {
				if err := add(r, l, false, l.Pos); err != nil {
					return nil, nil, err
				}
			}
			continue
		}
		for i, name := range l.Of {
			var found *rel
			for _, r := range sc.rels {
				if r.ref() == name {
					found = r
				}
			}
			if found == nil {
				return nil, nil, errAt(errs.UndefinedTable, l.OfPos[i], "relation %q in %s clause not found in FROM clause", name, what)
			}
			if err := add(found, l, true, l.OfPos[i]); err != nil {
				return nil, nil, err
			}
		}
	}
	lr := &LockRows{}
	var keys [][]Expr
	for _, r := range order {
		var key []Expr
		for _, name := range r.coll.PK {
			e, ok := inRel(r, []string{name}, 0)
			if !ok {
				return nil, nil, errs.Errorf(errs.InternalError, "%s: key column %q of %q not found", what, name, r.coll.Name)
			}
			key = append(key, e)
		}
		keys = append(keys, key)
		lr.Targets = append(lr.Targets, LockTarget{Coll: r.coll, Exclusive: wants[r].exclusive, Wait: wants[r].wait})
	}
	return lr, keys, nil
}

// fromKinds records what each FROM entry under te is, and which are on
// the nullable side of an outer join.
func fromKinds(te ast.TableExpr, null bool, kinds map[string]string, nullable map[string]bool) {
	name := func(alias, n string) string {
		if alias != "" {
			return alias
		}
		return n
	}
	switch x := te.(type) {
	case *ast.TableName:
		ref := name(x.Alias, x.Name)
		kinds[ref], nullable[ref] = "table", null
	case *ast.Subquery:
		kinds[x.Alias], nullable[x.Alias] = "subquery", null
	case *ast.FuncTable:
		ref := name(x.Alias, x.Func.Name)
		kinds[ref], nullable[ref] = "function", null
	case *ast.StreamSource:
		kinds[name(x.Alias, x.Name)] = "stream"
	case *ast.Join:
		fromKinds(x.Left, null || x.Kind == "RIGHT" || x.Kind == "FULL", kinds, nullable)
		fromKinds(x.Right, null || x.Kind == "LEFT" || x.Kind == "FULL", kinds, nullable)
	}
}
