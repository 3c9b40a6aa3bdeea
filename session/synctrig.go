package session

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/txn"
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
	// byColl caches each collection's triggers for the statement (Has and
	// Fire run for every row written).
	byColl map[uint32][]*catalog.Trigger
}

func (st *syncTriggers) matching(coll *catalog.Collection, timing, op string) []*catalog.Trigger {
	return st.match(coll, timing, op, "ROW")
}

func (st *syncTriggers) match(coll *catalog.Collection, timing, op, forEach string) []*catalog.Trigger {
	trigs, ok := st.byColl[coll.ID]
	if !ok {
		trigs = st.s.mgr.db.cat.TriggersOn(coll.ID)
		if st.byColl == nil {
			st.byColl = map[uint32][]*catalog.Trigger{}
		}
		st.byColl[coll.ID] = trigs
	}
	var out []*catalog.Trigger
	for _, t := range trigs {
		if t.Enabled && (t.Execution == "SYNC" || t.Execution == "DEFERRED") && t.ForEach == forEach &&
			t.Timing == timing && t.Fires(op) {
			out = append(out, t)
		}
	}
	return out
}

// FireStatement implements exec.RowTriggers: statement triggers see no
// NEW or OLD row.
func (st *syncTriggers) FireStatement(env *exec.Env, coll *catalog.Collection, timing, op string) error {
	trigs := st.match(coll, timing, op, "STATEMENT")
	if len(trigs) == 0 {
		return nil
	}
	if st.depth >= MaxTriggerDepth {
		return errs.Errorf(errs.StatementTooComplex, "trigger cascade too deep: more than %d levels of triggers", MaxTriggerDepth)
	}
	for _, t := range trigs {
		if t.Execution == "DEFERRED" {
			st.s.deferred = append(st.s.deferred, deferredFire{trig: t, coll: coll, new: map[string]any{}, old: map[string]any{}, depth: st.depth})
			continue
		}
		if _, err := st.s.runTriggerBody(env.Ctx, env.Txn, t, map[string]any{}, map[string]any{}, st.depth); err != nil {
			return err
		}
	}
	return nil
}

// deferredFire is a DEFERRED trigger waiting for its transaction's commit.
type deferredFire struct {
	trig     *catalog.Trigger
	coll     *catalog.Collection
	new, old map[string]any
	depth    int
}

// runDeferred fires the DEFERRED triggers queued in the session's
// transaction, just before it commits (and those their writes queue in
// turn). An error fails the commit.
func (s *Session) runDeferred(ctx context.Context) error {
	for len(s.deferred) > 0 {
		if s.tx == nil {
			s.deferred = nil
			return nil
		}
		q := s.deferred
		s.deferred = nil
		for _, d := range q {
			if d.depth >= MaxTriggerDepth {
				return errs.Errorf(errs.StatementTooComplex, "trigger cascade too deep: more than %d levels of triggers", MaxTriggerDepth)
			}
			if _, err := s.runTriggerBody(ctx, s.tx, d.trig, d.new, d.old, d.depth); err != nil {
				s.deferred = nil
				return err
			}
		}
	}
	return nil
}

// runTriggerBody runs one trigger's WHEN and body for a row in an
// internal session sharing tx and the session's locks; what the body
// leaves for commit (observed fields, NOTIFYs, deferred triggers) moves
// to the session. It returns the procedural environment (for NEW and
// RETURN NULL) and whether the body ran.
func (s *Session) runTriggerBody(ctx context.Context, tx *txn.Txn, t *catalog.Trigger, newDoc, oldDoc map[string]any, depth int) (*procEnv, error) {
	blk, err := parseBlock(t.Body)
	if err != nil {
		return nil, err
	}
	db := s.mgr.db
	inner := db.triggers.mgr.NewSession(t.Owner, "nodedb")
	inner.tx, inner.explicit, inner.held, inner.trigDepth = tx, true, s.held, depth+1
	pe := newProcEnv(ctx, inner)
	pe.recs["new"], pe.recs["old"] = newDoc, oldDoc
	run := true
	if t.When != "" {
		run, err = pe.cond(t.When)
	}
	if err == nil && run {
		_, err = pe.run(blk)
	}
	pe.ran = err == nil && run
	s.fields = append(s.fields, inner.fields...)
	s.pendingNotify = append(s.pendingNotify, inner.pendingNotify...)
	s.deferred = append(s.deferred, inner.deferred...)
	inner.tx, inner.explicit, inner.fields, inner.pendingNotify, inner.deferred = nil, false, nil, nil, nil
	inner.held = map[uint32]*sync.RWMutex{}
	inner.Close()
	return pe, err
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
	for _, t := range trigs {
		if t.Execution == "DEFERRED" {
			st.s.deferred = append(st.s.deferred, deferredFire{trig: t, coll: coll, new: rowDoc(coll, new), old: rowDoc(coll, old), depth: st.depth})
			continue
		}
		pe, err := st.s.runTriggerBody(env.Ctx, env.Txn, t, rowDoc(coll, new), rowDoc(coll, old), st.depth)
		if err != nil {
			return nil, false, err
		}
		if pe.ran && timing == "BEFORE" {
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
	if !coll.Tuple() {
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
	if !coll.Tuple() {
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

// insteadOf lists a view's enabled INSTEAD OF triggers for an operation.
func insteadOf(db *DB, v *catalog.View, op string) []*catalog.Trigger {
	var out []*catalog.Trigger
	for _, t := range db.cat.TriggersOn(v.ID) {
		if t.Enabled && t.Timing == "INSTEAD OF" && t.Fires(op) {
			out = append(out, t)
		}
	}
	return out
}

// insteadOfInsert runs a view's INSTEAD OF INSERT triggers for each row
// an INSERT into the view would add (NEW is the row, by the view's column
// names), in the session's transaction (or one of its own).
func (s *Session) insteadOfInsert(ctx context.Context, st *ast.Insert) (*Result, error) {
	db := s.mgr.db
	v, ok := db.cat.View(st.Table)
	if !ok {
		return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", st.Table)
	}
	trigs := insteadOf(db, v, "INSERT")
	if st.OnConflict != nil || len(st.Returning) > 0 || st.Upsert || len(st.Docs) > 0 {
		return nil, errs.New(errs.FeatureNotSupported, "INSERT into a view with INSTEAD OF triggers takes VALUES or SELECT, without ON CONFLICT or RETURNING")
	}
	// The view's column names.
	vr, err := s.internalQuery(ctx, "SELECT * FROM "+ast.QuoteIdent(v.Name)+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	viewCols := make([]string, len(vr.Columns))
	for i, c := range vr.Columns {
		viewCols[i] = c.Name
	}
	cols := st.Columns
	if len(cols) == 0 {
		cols = viewCols
	}
	// The rows.
	var src string
	if st.Select != nil {
		src = ast.Format(st.Select)
	} else {
		var vals []string
		for _, row := range st.Rows {
			var cells []string
			for _, e := range row {
				cells = append(cells, ast.Format(e))
			}
			vals = append(vals, "("+strings.Join(cells, ", ")+")")
		}
		src = "VALUES " + strings.Join(vals, ", ")
	}
	rows, err := s.internalQuery(ctx, src)
	if err != nil {
		return nil, err
	}
	err = s.atomically(func() error {
		if s.tx == nil {
			s.tx = db.txm.Begin()
		}
		for _, row := range rows.Rows {
			if len(row) != len(cols) {
				return errs.Errorf(errs.SyntaxError, "INSERT has %d expressions but %d target columns", len(row), len(cols))
			}
			newDoc := map[string]any{}
			for _, c := range viewCols {
				newDoc[c] = nil
			}
			for i, c := range cols {
				newDoc[c] = row[i]
			}
			for _, t := range trigs {
				if _, err := s.runTriggerBody(ctx, s.tx, t, newDoc, map[string]any{}, s.trigDepth); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("INSERT 0 %d", len(rows.Rows))}, nil
}

// internalQuery runs a query in the session and returns its rows.
func (s *Session) internalQuery(ctx context.Context, sql string) (*Result, error) {
	return s.internalExec(ctx, sql)
}

// isInsteadInsert reports whether a statement is an INSERT into a view
// with INSTEAD OF INSERT triggers.
func isInsteadInsert(db *DB, st ast.Statement) bool {
	ins, ok := st.(*ast.Insert)
	if !ok {
		return false
	}
	v, ok := db.cat.View(ins.Table)
	return ok && len(insteadOf(db, v, "INSERT")) > 0
}
