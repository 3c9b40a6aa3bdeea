package session

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/plan"
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
			st.s.deferred = append(st.s.deferred, deferredFire{trig: t, coll: coll, op: op, new: map[string]any{}, old: map[string]any{}, depth: st.depth})
			continue
		}
		if _, err := st.s.runTriggerBody(env.Ctx, env.Txn, t, op, map[string]any{}, map[string]any{}, st.depth); err != nil {
			return err
		}
	}
	return nil
}

// deferredFire is a DEFERRED trigger waiting for its transaction's commit.
type deferredFire struct {
	trig     *catalog.Trigger
	coll     *catalog.Collection
	op       string
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
			if _, err := s.runTriggerBody(ctx, s.tx, d.trig, d.op, d.new, d.old, d.depth); err != nil {
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
// to the session. The body runs as the session's user, or as the
// trigger's owner when it is SECURITY DEFINER. It returns the procedural
// environment (for NEW and RETURN NULL) and whether the body ran.
func (s *Session) runTriggerBody(ctx context.Context, tx *txn.Txn, t *catalog.Trigger, op string, newDoc, oldDoc map[string]any, depth int) (*procEnv, error) {
	blk, err := parseBlock(t.Body)
	if err != nil {
		return nil, err
	}
	db := s.mgr.db
	user := s.user
	if t.Definer {
		user = t.Owner
	}
	inner := db.triggers.mgr.internalSession(user)
	inner.tx, inner.explicit, inner.held, inner.trigDepth = tx, true, s.held, depth+1
	pe := newProcEnv(ctx, inner)
	pe.recs["new"], pe.recs["old"] = newDoc, oldDoc
	pe.triggerVars(t, op)
	run := true
	if t.When != "" {
		run, err = pe.cond(t.When)
	}
	if err == nil && run {
		_, err = pe.run(blk)
	}
	pe.ran = err == nil && run
	if err == nil {
		err = s.adoptDeferredFK(ctx, inner)
	}
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
			st.s.deferred = append(st.s.deferred, deferredFire{trig: t, coll: coll, op: op, new: rowDoc(coll, new), old: rowDoc(coll, old), depth: st.depth})
			continue
		}
		pe, err := st.s.runTriggerBody(env.Ctx, env.Txn, t, op, rowDoc(coll, new), rowDoc(coll, old), st.depth)
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

// insteadTarget reports, for an INSERT, UPDATE or DELETE on a view with
// INSTEAD OF triggers for that operation, the view and the operation.
func insteadTarget(db *DB, st ast.Statement) (*catalog.View, string, bool) {
	var table, op string
	switch st := st.(type) {
	case *ast.Insert:
		table, op = st.Table, "INSERT"
	case *ast.Update:
		table, op = st.Table, "UPDATE"
	case *ast.Delete:
		table, op = st.Table, "DELETE"
	default:
		return nil, "", false
	}
	v, ok := db.cat.View(table)
	if !ok || len(insteadOf(db, v, op)) == 0 {
		return nil, "", false
	}
	return v, op, true
}

// insteadQuery is the query whose rows an INSTEAD OF statement hands to
// the triggers: an INSERT's VALUES or SELECT; for UPDATE, the view's
// matching rows followed by the new values of the SET columns; for
// DELETE, the view's matching rows.
func insteadQuery(st ast.Statement) (*ast.Select, error) {
	from := func(table, alias string) []ast.TableExpr {
		return []ast.TableExpr{&ast.TableName{Name: table, Alias: alias}}
	}
	if with := ast.WithOf(st); with != nil {
		return nil, errs.New(errs.FeatureNotSupported, "a write to a view with INSTEAD OF triggers does not take WITH yet").WithPosition(with.Pos)
	}
	switch st := st.(type) {
	case *ast.Insert:
		if st.OnConflict != nil || len(st.Returning) > 0 || st.Upsert || len(st.Docs) > 0 {
			return nil, errs.New(errs.FeatureNotSupported, "INSERT into a view with INSTEAD OF triggers takes VALUES or SELECT, without ON CONFLICT or RETURNING")
		}
		if st.Select != nil {
			return st.Select, nil
		}
		return &ast.Select{Pos: st.Pos, Body: &ast.ValuesClause{Pos: st.Pos, Rows: st.Rows}}, nil
	case *ast.Update:
		if len(st.Returning) > 0 {
			return nil, errs.New(errs.FeatureNotSupported, "UPDATE of a view with INSTEAD OF triggers does not take RETURNING")
		}
		items := []ast.SelectItem{{Star: true}}
		for _, a := range st.Set {
			if strings.Contains(a.Column, ".") {
				return nil, errs.Errorf(errs.FeatureNotSupported, "UPDATE of a view sets whole columns, not the path %q", a.Column).WithPosition(a.Pos)
			}
			if m, ok := a.Value.(*ast.MultiAssignRef); ok {
				return nil, errs.New(errs.FeatureNotSupported, "UPDATE of a view with INSTEAD OF triggers does not take SET (columns) = (sub-SELECT) yet").WithPosition(m.Pos)
			}
			items = append(items, ast.SelectItem{Pos: a.Pos, Expr: a.Value})
		}
		return &ast.Select{Pos: st.Pos, Body: &ast.SelectCore{Pos: st.Pos, Items: items, From: from(st.Table, st.Alias), Where: st.Where}}, nil
	case *ast.Delete:
		if len(st.Returning) > 0 {
			return nil, errs.New(errs.FeatureNotSupported, "DELETE from a view with INSTEAD OF triggers does not take RETURNING")
		}
		return &ast.Select{Pos: st.Pos, Body: &ast.SelectCore{Pos: st.Pos, Items: []ast.SelectItem{{Star: true}},
			From: from(st.Table, st.Alias), Where: st.Where}}, nil
	}
	return nil, errs.New(errs.InternalError, "INSTEAD OF: not a write statement")
}

// insteadParamTypes types the bare parameters of an INSERT ... VALUES
// into a view by the view's columns they fill, as PostgreSQL does.
func insteadParamTypes(b *plan.Builder, ins *ast.Insert) error {
	view := &plan.Builder{Cat: b.Cat, Sys: b.Sys}
	n, err := view.BuildSelect(&ast.Select{Body: &ast.SelectCore{Items: []ast.SelectItem{{Star: true}},
		From: []ast.TableExpr{&ast.TableName{Name: ins.Table}}}})
	if err != nil {
		return err
	}
	colType := map[string]types.T{}
	var order []string
	for _, c := range n.Columns() {
		colType[c.Name] = c.T
		order = append(order, c.Name)
	}
	target := ins.Columns
	if len(target) == 0 {
		target = order
	}
	for _, row := range ins.Rows {
		for i, e := range row {
			p, ok := e.(*ast.Param)
			if !ok || i >= len(target) || p.N < 1 {
				continue
			}
			for len(b.Params) < p.N {
				b.Params = append(b.Params, types.Unknown)
			}
			if t, ok := colType[target[i]]; ok && b.Params[p.N-1] == types.Unknown {
				b.Params[p.N-1] = t
			}
		}
	}
	return nil
}

// runInsteadOf runs a view's INSTEAD OF triggers for each row an INSERT,
// UPDATE or DELETE on the view would touch (NEW and OLD are rows by the
// view's column names), all in the session's transaction (or one of its
// own), so a failing row fails the whole statement. The count in the tag
// leaves out rows a trigger skipped with RETURN NULL.
func (s *Session) runInsteadOf(ctx context.Context, p *Prepared, params []types.Value) (*Result, error) {
	db := s.mgr.db
	st := p.prep.ast
	v, op, ok := insteadTarget(db, st)
	if !ok {
		return nil, errs.New(errs.ObjectNotInState, "the view's INSTEAD OF triggers changed; run the statement again")
	}
	trigs := insteadOf(db, v, op)
	q, err := insteadQuery(st)
	if err != nil {
		return nil, err
	}
	// The view's column names.
	vr, err := s.internalExec(ctx, "SELECT * FROM "+ast.QuoteIdent(v.Name)+" LIMIT 0")
	if err != nil {
		return nil, err
	}
	viewCols := make([]string, len(vr.Columns))
	for i, c := range vr.Columns {
		viewCols[i] = c.Name
	}
	// The rows, read with the statement's parameters.
	src := &Prepared{SQL: p.SQL, ParamTypes: p.ParamTypes, prep: &prepared{ast: q}}
	var n int64 // rows no trigger skipped
	err = s.atomically(func() error {
		if s.tx == nil {
			s.tx = db.txm.Begin()
		}
		rows, err := s.run(ctx, src, params)
		if err != nil {
			return err
		}
		for _, row := range rows.Rows {
			newDoc, oldDoc, err := insteadRow(st, viewCols, row)
			if err != nil {
				return err
			}
			skipped := false
			for _, t := range trigs {
				pe, err := s.runTriggerBody(ctx, s.tx, t, op, newDoc, oldDoc, s.trigDepth)
				if err != nil {
					return err
				}
				if pe.ran && pe.returnedNull {
					skipped = true
					break
				}
			}
			if !skipped {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tag := fmt.Sprintf("%s %d", op, n)
	if op == "INSERT" {
		tag = fmt.Sprintf("INSERT 0 %d", n)
	}
	return &Result{Tag: tag, RowsAffected: n}, nil
}

// insteadRow builds NEW and OLD for one row of insteadQuery's result.
func insteadRow(st ast.Statement, viewCols []string, row types.Row) (newDoc, oldDoc map[string]any, err error) {
	byName := func(vals types.Row) map[string]any {
		m := make(map[string]any, len(viewCols))
		for i, c := range viewCols {
			m[c] = vals[i]
		}
		return m
	}
	switch st := st.(type) {
	case *ast.Insert:
		cols := st.Columns
		if len(cols) == 0 {
			cols = viewCols
		}
		if len(row) != len(cols) {
			return nil, nil, errs.Errorf(errs.SyntaxError, "INSERT has %d expressions but %d target columns", len(row), len(cols))
		}
		newDoc = make(map[string]any, len(viewCols))
		for _, c := range viewCols {
			newDoc[c] = nil
		}
		for i, c := range cols {
			if !slices.Contains(viewCols, c) {
				return nil, nil, errs.Errorf(errs.UndefinedColumn, "column %q of relation does not exist", c)
			}
			newDoc[c] = row[i]
		}
		return newDoc, map[string]any{}, nil
	case *ast.Update:
		n := len(viewCols)
		oldDoc, newDoc = byName(row[:n]), byName(row[:n])
		for i, a := range st.Set {
			if !slices.Contains(viewCols, a.Column) {
				return nil, nil, errs.Errorf(errs.UndefinedColumn, "column %q of relation does not exist", a.Column).WithPosition(a.Pos)
			}
			newDoc[a.Column] = row[n+i]
		}
		return newDoc, oldDoc, nil
	default:
		return map[string]any{}, byName(row), nil
	}
}
