package session

import (
	"maps"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
)

// syncTriggers runs BEFORE and SYNC AFTER row triggers inside the
// writing transaction: a BEFORE trigger can change NEW (NEW.field := ...),
// skip the row (RETURN NULL) or reject the write (RAISE EXCEPTION); an
// AFTER SYNC trigger's failure fails the write. Bodies run in an internal
// session that shares the writer's transaction and collection locks;
// writes they make fire triggers in turn, up to MaxTriggerDepth levels.
type syncTriggers struct {
	s     *Session
	depth int
}

func (st *syncTriggers) matching(coll *catalog.Collection, timing, op string) []*catalog.Trigger {
	var out []*catalog.Trigger
	for _, t := range st.s.mgr.db.cat.TriggersOn(coll.ID) {
		if t.Enabled && t.Execution == "SYNC" && t.ForEach == "ROW" && t.Timing == timing && t.Fires(op) {
			out = append(out, t)
		}
	}
	return out
}

// Has implements exec.RowTriggers.
func (st *syncTriggers) Has(coll *catalog.Collection, timing, op string) bool {
	return len(st.matching(coll, timing, op)) > 0
}

// Fire implements exec.RowTriggers.
func (st *syncTriggers) Fire(env *exec.Env, coll *catalog.Collection, timing, op string, old, new types.Row) (types.Row, bool, error) {
	trigs := st.matching(coll, timing, op)
	if len(trigs) == 0 {
		return new, false, nil
	}
	if st.depth >= MaxTriggerDepth {
		return nil, false, errs.Errorf(errs.StatementTooComplex, "trigger cascade too deep: more than %d levels of triggers", MaxTriggerDepth)
	}
	db := st.s.mgr.db
	for _, t := range trigs {
		blk, err := parseBlock(t.Body)
		if err != nil {
			return nil, false, err
		}
		inner := db.triggers.mgr.NewSession(t.Owner, "nodedb")
		inner.tx, inner.explicit, inner.held, inner.trigDepth = env.Txn, true, st.s.held, st.depth+1
		pe := newProcEnv(env.Ctx, inner)
		pe.recs["new"], pe.recs["old"] = rowDoc(coll, new), rowDoc(coll, old)
		run := true
		if t.When != "" {
			run, err = pe.cond(t.When)
		}
		if err == nil && run {
			_, err = pe.run(blk)
		}
		// Hand what the body's statements left for commit to the writer,
		// and detach the shared transaction before closing.
		st.s.fields = append(st.s.fields, inner.fields...)
		st.s.pendingNotify = append(st.s.pendingNotify, inner.pendingNotify...)
		inner.tx, inner.explicit, inner.fields, inner.pendingNotify = nil, false, nil, nil
		inner.held = map[uint32]*sync.RWMutex{}
		inner.Close()
		if err != nil {
			return nil, false, err
		}
		if run && timing == "BEFORE" {
			if pe.returnedNull {
				return nil, true, nil
			}
			if new != nil {
				new = docRow(coll, pe.recs["new"], new)
			}
		}
	}
	return new, false, nil
}

// rowDoc turns a row in the collection's layout into a document.
func rowDoc(coll *catalog.Collection, row types.Row) map[string]any {
	if row == nil {
		return map[string]any{}
	}
	if coll.Kind != catalog.Strict {
		if m, ok := row[0].(map[string]any); ok {
			return maps.Clone(m)
		}
		return map[string]any{}
	}
	m := make(map[string]any, len(coll.Columns))
	for i, c := range coll.Columns {
		if !c.Hidden && i < len(row) {
			m[c.Name] = row[i]
		}
	}
	return m
}

// docRow writes a (possibly changed) document back into a row of the
// collection's layout.
func docRow(coll *catalog.Collection, m map[string]any, row types.Row) types.Row {
	if coll.Kind != catalog.Strict {
		return types.Row{m}
	}
	out := append(types.Row(nil), row...)
	for i, c := range coll.Columns {
		if v, ok := m[c.Name]; ok && !c.Hidden && i < len(out) {
			out[i] = v
		}
	}
	return out
}
