package exec

import (
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
