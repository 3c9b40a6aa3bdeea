package exec

import (
	"slices"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// maxCTERows bounds what one recursive CTE may produce.
const maxCTERows = 10_000_000

// runCTE returns a WITH query's rows, computing them once per statement.
func (env *Env) runCTE(x *plan.CTEScan) ([]types.Row, error) {
	if rows, ok := env.cteRows[x.Def]; ok {
		return rows, nil
	}
	if x.Def.Writes {
		if err := env.runWrites([]*plan.CTEDef{x.Def}); err != nil {
			return nil, err
		}
		return env.cteRows[x.Def], nil
	}
	rows, err := env.Query(x.Def.Plan)
	if err != nil {
		return nil, err
	}
	if env.cteRows == nil {
		env.cteRows = map[*plan.CTEDef][]types.Row{}
	}
	env.cteRows[x.Def] = rows
	return rows, nil
}

// runWrites runs a statement's data-modifying WITH queries that have not
// run yet, in order, keeping their RETURNING rows for the CTE scans.
func (env *Env) runWrites(defs []*plan.CTEDef) error {
	for _, d := range defs {
		if _, done := env.cteRows[d]; done {
			continue
		}
		var wr *WriteResult
		var err error
		switch x := d.Plan.(type) {
		case *plan.Insert:
			wr, err = env.Insert(x)
		case *plan.Update:
			wr, err = env.Update(x)
		case *plan.Delete:
			wr, err = env.Delete(x)
		default:
			err = errs.Errorf(errs.InternalError, "WITH query %q: unexpected plan %T", d.Name, d.Plan)
		}
		if err != nil {
			return err
		}
		if env.cteRows == nil {
			env.cteRows = map[*plan.CTEDef][]types.Row{}
		}
		env.cteRows[d] = wr.Rows
	}
	return nil
}

// withWriteQueries runs a statement (main) that has data-modifying WITH
// queries (defs) as PostgreSQL does: under one statement view, so that
// every part reads the tables as the statement found them (hidden) and
// passes over rows another part already changed; the queries the
// statement reads run first, the others after it, last one first (as
// PostgreSQL finishes its unread ones when the statement is done).
func withWriteQueries[R any](env *Env, defs []*plan.CTEDef, main func() (R, error)) (R, error) {
	if len(defs) == 0 {
		return main()
	}
	var none R
	env.Txn.BeginStatementView()
	defer env.Txn.EndStatementView()
	prev := env.writingWith
	env.writingWith = true
	defer func() { env.writingWith = prev }()
	var read, unread []*plan.CTEDef
	for _, d := range defs {
		if d.Read {
			read = append(read, d)
		} else {
			unread = append(unread, d)
		}
	}
	slices.Reverse(unread) // PostgreSQL finishes them last one first
	if err := env.runWrites(read); err != nil {
		return none, err
	}
	r, err := main()
	if err != nil {
		return none, err
	}
	if err := env.runWrites(unread); err != nil {
		return none, err
	}
	return r, nil
}

// withWrites runs a SELECT with data-modifying WITH queries: it reads the
// tables as they were before them.
func (env *Env) withWrites(x *plan.WithWrites) ([]types.Row, error) {
	return withWriteQueries(env, x.Writes, func() ([]types.Row, error) {
		prev := env.Txn.HideStatementWrites(true)
		defer env.Txn.HideStatementWrites(prev)
		return env.Query(x.Input)
	})
}

// runRecursive evaluates WITH RECURSIVE by iterating its step over the
// previous round's rows until a round adds none.
func (env *Env) runRecursive(x *plan.RecursiveCTE) ([]types.Row, error) {
	base, err := env.Query(x.Base)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	keep := func(rows []types.Row) []types.Row {
		if x.All {
			return rows
		}
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
	result := keep(base)
	work := result
	if env.work == nil {
		env.work = map[*plan.WorkTable][]types.Row{}
	}
	defer delete(env.work, x.Work)
	for round := 0; len(work) > 0; round++ {
		if round >= plan.MaxRecursion || len(result) > maxCTERows {
			return nil, errs.Errorf(errs.ProgramLimitExceeded,
				"recursive query exceeded %d rounds or %d rows; check its termination condition", plan.MaxRecursion, maxCTERows)
		}
		if err := checkCtx(env.Ctx); err != nil {
			return nil, err
		}
		env.work[x.Work] = work
		next, err := env.Query(x.Step)
		if err != nil {
			return nil, err
		}
		work = keep(next)
		result = append(result, work...)
	}
	return result, nil
}
