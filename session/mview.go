package session

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Materialized views keep their rows in a schemaless collection of the
// same name, so SELECT works on them like on any collection. A plain view
// is recomputed by REFRESH in one transaction. A streaming view reads a
// change stream through its own consumer group and folds each batch of
// events into per-group state documents (id: the group key) in the same
// transaction that commits the group's offsets, so after any crash the
// view equals a recomputation over the events it has consumed.

// createMView creates a materialized view: its collection, (streaming) its
// consumer group, then the view itself.
func (s *Session) createMView(ctx context.Context, st *ast.CreateMaterializedView) (*Result, error) {
	db := s.mgr.db
	if _, ok := db.cat.MView(st.Name); ok {
		if st.IfNotExists {
			return &Result{Tag: "CREATE MATERIALIZED VIEW", Notices: []Notice{{Severity: "NOTICE", Code: errs.DuplicateObject,
				Message: fmt.Sprintf("materialized view %q already exists, skipping", st.Name)}}}, nil
		}
		return nil, errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
	}
	mv := &catalog.MView{Name: st.Name, Streaming: st.Streaming, Query: st.Query, Owner: s.user, Created: time.Now().UTC()}
	if st.Streaming {
		if err := decomposeStreaming(db, st, mv); err != nil {
			return nil, err
		}
	}
	if s.explicit {
		return nil, errs.New(errs.ActiveSQLTransaction, "CREATE MATERIALIZED VIEW cannot run inside a transaction block")
	}
	// The backing collection, then (streaming) the group, then the view.
	if _, err := s.internalExec(ctx, "CREATE COLLECTION "+ast.QuoteIdent(st.Name)); err != nil {
		return nil, err
	}
	if st.Streaming {
		mv.GroupName = "__mv_" + st.Name
		if _, err := s.internalExec(ctx, "CREATE CONSUMER GROUP "+ast.QuoteIdent(mv.GroupName)+" ON "+ast.QuoteIdent(mv.Stream)); err != nil {
			_, _ = s.internalExec(ctx, "DROP COLLECTION "+ast.QuoteIdent(st.Name)+" PURGE")
			return nil, err
		}
	}
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		mv.ID = tx.NewID()
		return tx.PutMView(mv)
	})
	if err != nil {
		return nil, err
	}
	if !st.Streaming {
		if err := s.refreshMView(ctx, mv); err != nil {
			return nil, err
		}
	}
	db.mviews.Reconcile()
	return &Result{Tag: "CREATE MATERIALIZED VIEW"}, nil
}

// internalExec runs one statement in the session outside any block.
func (s *Session) internalExec(ctx context.Context, sql string) (*Result, error) {
	ps, err := s.PrepareMulti(sql)
	if err != nil {
		return nil, err
	}
	var last *Result
	for _, p := range ps {
		if last, err = s.execute(ctx, p, nil); err != nil {
			return nil, err
		}
	}
	return last, nil
}

var mviewAggs = map[string]bool{"count": true, "sum": true, "min": true, "max": true, "avg": true}

// decomposeStreaming checks a streaming view's query and splits it into
// group keys and aggregates.
func decomposeStreaming(db *DB, st *ast.CreateMaterializedView, mv *catalog.MView) error {
	core, ok := st.Select.Body.(*ast.SelectCore)
	if !ok || st.Select.With != nil || len(st.Select.OrderBy) > 0 || st.Select.Limit != nil || core.Having != nil || core.Distinct {
		return errs.New(errs.FeatureNotSupported, "a streaming view is SELECT <group keys>, <aggregates> FROM <change stream> [WHERE ...] GROUP BY ...")
	}
	if len(core.From) != 1 {
		return errs.New(errs.FeatureNotSupported, "a streaming view reads exactly one change stream")
	}
	tn, ok := core.From[0].(*ast.TableName)
	if !ok {
		return errs.New(errs.FeatureNotSupported, "a streaming view reads exactly one change stream")
	}
	if _, ok := db.cat.Stream(tn.Name); !ok {
		return errs.Errorf(errs.UndefinedObject, "change stream '%s' does not exist", tn.Name).
			WithHint("A streaming view's FROM names a change stream (CREATE CHANGE STREAM).")
	}
	mv.Stream = tn.Name
	if core.Where != nil {
		mv.Where = ast.Format(core.Where)
	}
	keys := 0
	used := map[string]bool{}
	for i, it := range core.Items {
		if it.Star {
			return errs.New(errs.FeatureNotSupported, "a streaming view lists its columns (no *)")
		}
		col := catalog.MViewColumn{Name: it.Alias}
		if fc, ok := it.Expr.(*ast.FuncCall); ok && mviewAggs[strings.ToLower(fc.Name)] {
			if fc.Distinct || fc.Filter != nil || fc.Over != nil || len(fc.OrderBy) > 0 || len(fc.Args) > 1 {
				return errs.Errorf(errs.FeatureNotSupported, "%s in a streaming view takes one plain argument", fc.Name)
			}
			col.Agg = strings.ToLower(fc.Name)
			if !fc.Star && len(fc.Args) == 1 {
				col.Expr = ast.Format(fc.Args[0])
			} else if col.Agg != "count" {
				return errs.Errorf(errs.SyntaxError, "%s needs an argument", fc.Name)
			}
			if col.Name == "" {
				col.Name = col.Agg
			}
		} else {
			keys++
			col.Expr = ast.Format(it.Expr)
			if col.Name == "" {
				if cr, ok := it.Expr.(*ast.ColumnRef); ok {
					col.Name = cr.Parts[len(cr.Parts)-1]
				} else {
					col.Name = fmt.Sprintf("key%d", i+1)
				}
			}
		}
		if col.Name == "id" || col.Name == "_state" || used[col.Name] {
			return errs.Errorf(errs.DuplicateColumn, "column %q of a streaming view must be unique and not id or _state", col.Name)
		}
		used[col.Name] = true
		mv.Columns = append(mv.Columns, col)
	}
	if keys != len(core.GroupBy) {
		return errs.New(errs.GroupingError, "a streaming view's GROUP BY lists exactly its non-aggregate columns")
	}
	return nil
}

func (s *Session) dropMView(ctx context.Context, st *ast.DropMaterializedView) (*Result, error) {
	db := s.mgr.db
	mv, ok := db.cat.MView(st.Name)
	if !ok {
		if st.IfExists {
			return &Result{Tag: "DROP MATERIALIZED VIEW", Notices: []Notice{{Severity: "NOTICE", Code: errs.UndefinedTable,
				Message: fmt.Sprintf("materialized view %q does not exist, skipping", st.Name)}}}, nil
		}
		return nil, errs.Errorf(errs.UndefinedTable, "materialized view %q does not exist", st.Name)
	}
	if err := db.cat.DDL(func(tx *catalog.DDLTxn) error { tx.RemoveMView(mv); return nil }); err != nil {
		return nil, err
	}
	db.mviews.Reconcile()
	if mv.GroupName != "" {
		_, _ = s.internalExec(ctx, "DROP CONSUMER GROUP IF EXISTS "+ast.QuoteIdent(mv.GroupName)+" ON "+ast.QuoteIdent(mv.Stream))
	}
	if _, err := s.internalExec(ctx, "DROP COLLECTION IF EXISTS "+ast.QuoteIdent(mv.Name)+" PURGE"); err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP MATERIALIZED VIEW"}, nil
}

// refreshMView recomputes a plain view in one transaction.
func (s *Session) refreshMView(ctx context.Context, mv *catalog.MView) error {
	db := s.mgr.db
	coll, err := db.cat.MustGet(mv.Name)
	if err != nil {
		return err
	}
	sess := db.mviews.mgr.internalSession(mv.Owner)
	defer sess.Close()
	if _, err := sess.internalExec(ctx, "BEGIN"); err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_, _ = sess.internalExec(ctx, "ROLLBACK")
		}
	}()
	res, err := sess.internalExec(ctx, mv.Query)
	if err != nil {
		return err
	}
	if _, err := sess.internalExec(ctx, "DELETE FROM "+ast.QuoteIdent(mv.Name)); err != nil {
		return err
	}
	docs := make([]map[string]any, 0, len(res.Rows))
	for i, row := range res.Rows {
		d := map[string]any{"id": int64(i + 1)}
		for j, c := range res.Columns {
			d[c.Name] = row[j]
		}
		docs = append(docs, d)
	}
	sess.lockForWrite(coll.ID)
	env := &exec.Env{Ctx: ctx, Txn: sess.tx, IDs: db.ids, Refs: db.cat}
	if err := env.InsertDocs(coll, docs); err != nil {
		return err
	}
	sess.fields = append(sess.fields, env.Fields...)
	if _, err := sess.internalExec(ctx, "COMMIT"); err != nil {
		return err
	}
	ok = true
	return nil
}

func (s *Session) refreshMViewStmt(ctx context.Context, st *ast.RefreshMaterializedView) (*Result, error) {
	mv, ok := s.mgr.db.cat.MView(st.Name)
	if !ok {
		return nil, errs.Errorf(errs.UndefinedTable, "materialized view %q does not exist", st.Name)
	}
	if mv.Streaming {
		return nil, errs.Errorf(errs.WrongObjectType, "%q is a streaming view: it is always up to date", st.Name)
	}
	if err := s.refreshMView(ctx, mv); err != nil {
		return nil, err
	}
	return &Result{Tag: "REFRESH MATERIALIZED VIEW"}, nil
}

// mviewRunners keeps the streaming views up to date.
type mviewRunners struct {
	db      *DB
	mgr     *Manager
	workers *event.Workers[*catalog.MView]
}

func newMViewRunners(db *DB) *mviewRunners {
	mr := &mviewRunners{db: db, mgr: NewManager(db)}
	mr.workers = event.NewWorkers(mr.run)
	return mr
}

// Reconcile runs one runner per streaming view.
func (mr *mviewRunners) Reconcile() {
	want := map[uint32]*catalog.MView{}
	for _, v := range mr.db.cat.MViews() {
		if v.Streaming {
			want[v.ID] = v
		}
	}
	mr.workers.Reconcile(want)
}

// Close stops every runner.
func (mr *mviewRunners) Close() { mr.workers.Close() }

// run folds the stream into the view until stopped.
func (mr *mviewRunners) run(ctx context.Context, mv *catalog.MView) {
	db := mr.db
	sess := mr.mgr.internalSession(mv.Owner)
	defer sess.Close()
	failures := 0
	var last uint64
	for ctx.Err() == nil {
		n, err := mr.step(ctx, sess, mv)
		if err != nil {
			failures++
			db.log.Warn("materialized view: update", "view", mv.Name, "err", err)
			if sleepCtx(ctx, event.Backoff(failures)) != nil {
				return
			}
			continue
		}
		failures = 0
		if n > 0 {
			continue
		}
		last = max(last, db.txm.LastLSN())
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		db.notify.Wait(wctx, last)
		cancel()
		last = db.txm.LastLSN()
	}
}

// mviewBatch is the read size of one step.
const mviewBatch = 1000

// step reads one batch of events, folds it into the view's rows and
// commits the rows and the group's offsets together. It returns how many
// events it read.
func (mr *mviewRunners) step(ctx context.Context, sess *Session, mv *catalog.MView) (int, error) {
	db := mr.db
	coll, err := db.cat.MustGet(mv.Name)
	if err != nil {
		return 0, err
	}
	var sel []string
	for _, c := range mv.Columns {
		switch {
		case c.Agg == "":
			sel = append(sel, c.Expr)
		case c.Expr == "":
			sel = append(sel, "1")
		default:
			sel = append(sel, c.Expr)
		}
	}
	q := "SELECT " + strings.Join(sel, ", ") + ", lsn FROM STREAM " + ast.QuoteIdent(mv.Stream) +
		" CONSUMER GROUP " + ast.QuoteIdent(mv.GroupName)
	if mv.Where != "" {
		q += " WHERE " + mv.Where
	}
	q += " LIMIT " + strconv.Itoa(mviewBatch)
	if _, err := sess.internalExec(ctx, "BEGIN"); err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			_, _ = sess.internalExec(ctx, "ROLLBACK")
		}
	}()
	res, err := sess.internalExec(ctx, q)
	if err != nil {
		return 0, err
	}
	d := sess.delivered.Get(mustGroupID(db, mv))
	if len(res.Rows) == 0 && len(d.Part) == 0 {
		// Nothing read (a floor that moved over other collections' changes
		// is not worth a commit).
		ok = true
		_, err := sess.internalExec(ctx, "ROLLBACK")
		return 0, err
	}
	// Fold the batch per group, then into the stored rows.
	type acc struct {
		keys []any
		vals []any
	}
	groups := map[string]*acc{}
	var order []string
	for _, row := range res.Rows {
		var keys []any
		for i, c := range mv.Columns {
			if c.Agg == "" {
				keys = append(keys, row[i])
			}
		}
		kb, _ := json.Marshal(types.ToJSON(keys))
		k := string(kb)
		a := groups[k]
		if a == nil {
			a = &acc{keys: keys, vals: make([]any, len(mv.Columns))}
			groups[k] = a
			order = append(order, k)
		}
		for i, c := range mv.Columns {
			if c.Agg != "" {
				a.vals[i] = fold(c.Agg, a.vals[i], row[i])
			}
		}
	}
	sess.lockForWrite(coll.ID)
	env := &exec.Env{Ctx: ctx, Txn: sess.tx, IDs: db.ids, Refs: db.cat}
	docs := make([]map[string]any, 0, len(order))
	for _, k := range order {
		a := groups[k]
		doc, _, err := env.GetDoc(coll, k)
		if err != nil {
			return 0, err
		}
		state, _ := doc["_state"].(map[string]any)
		next := map[string]any{"id": k}
		nstate := map[string]any{}
		ki := 0
		for i, c := range mv.Columns {
			if c.Agg == "" {
				next[c.Name] = a.keys[ki]
				ki++
				continue
			}
			prev := state[c.Name]
			merged := merge(c.Agg, prev, a.vals[i])
			nstate[c.Name] = merged
			next[c.Name] = output(c.Agg, merged)
		}
		next["_state"] = nstate
		docs = append(docs, next)
	}
	if err := env.UpsertDocs(coll, docs); err != nil {
		return 0, err
	}
	sess.fields = append(sess.fields, env.Fields...)
	if _, err := sess.internalExec(ctx, "COMMIT OFFSETS ON "+ast.QuoteIdent(mv.Stream)+" CONSUMER GROUP "+ast.QuoteIdent(mv.GroupName)); err != nil {
		return 0, err
	}
	if _, err := sess.internalExec(ctx, "COMMIT"); err != nil {
		return 0, err
	}
	ok = true
	sess.delivered.Forget(mustGroupID(db, mv))
	return len(res.Rows), nil
}

func mustGroupID(db *DB, mv *catalog.MView) uint32 {
	st, err := db.cat.StreamOrTopic(mv.Stream)
	if err != nil {
		return 0
	}
	g, err := db.cat.MustGroup(st, mv.GroupName)
	if err != nil {
		return 0
	}
	return g.ID
}

// num converts a value to a number for aggregation: int64 when it is an
// integer, else float64; ok is false for NULL or non-numbers.
func num(v any) (i int64, f float64, isInt, ok bool) {
	switch x := v.(type) {
	case int64:
		return x, float64(x), true, true
	case int32:
		return int64(x), float64(x), true, true
	case int:
		return int64(x), float64(x), true, true
	case float64:
		return 0, x, false, true
	case float32:
		return 0, float64(x), false, true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, float64(n), true, true
		}
		f, err := x.Float64()
		return 0, f, false, err == nil
	case nil:
		return 0, 0, false, false
	}
	f, err := strconv.ParseFloat(types.FormatText(v), 64)
	return 0, f, false, err == nil && !math.IsNaN(f)
}

func add(a, b any) any {
	ai, af, aint, aok := num(a)
	bi, bf, bint, bok := num(b)
	switch {
	case !aok:
		return b
	case !bok:
		return a
	case aint && bint:
		return ai + bi
	}
	return af + bf
}

func less(a, b any) bool {
	ai, af, aint, aok := num(a)
	bi, bf, bint, bok := num(b)
	if aok && bok {
		if aint && bint {
			return ai < bi
		}
		return af < bf
	}
	return types.FormatText(a) < types.FormatText(b)
}

// fold adds one event's value to a batch accumulator. avg keeps
// [sum, count].
func fold(agg string, acc, v any) any {
	switch agg {
	case "count":
		if v == nil {
			return acc
		}
		return add(acc, int64(1))
	case "sum":
		return add(acc, v)
	case "min", "max":
		if v == nil {
			return acc
		}
		if acc == nil || (agg == "min" && less(v, acc)) || (agg == "max" && less(acc, v)) {
			return v
		}
		return acc
	case "avg":
		pair, _ := acc.([]any)
		if pair == nil {
			pair = []any{nil, int64(0)}
		}
		if v == nil {
			return pair
		}
		return []any{add(pair[0], v), add(pair[1], int64(1))}
	}
	return acc
}

// merge combines a stored state with a batch accumulator.
func merge(agg string, prev, batch any) any {
	switch agg {
	case "count", "sum":
		return add(prev, batch)
	case "min", "max":
		if prev == nil {
			return batch
		}
		if batch == nil {
			return prev
		}
		if (agg == "min" && less(batch, prev)) || (agg == "max" && less(prev, batch)) {
			return batch
		}
		return prev
	case "avg":
		p, _ := prev.([]any)
		b, _ := batch.([]any)
		if len(p) != 2 {
			return b
		}
		if len(b) != 2 {
			return p
		}
		return []any{add(p[0], b[0]), add(p[1], b[1])}
	}
	return batch
}

// output is the visible value of a state.
func output(agg string, state any) any {
	switch agg {
	case "count":
		if state == nil {
			return int64(0)
		}
		return state
	case "avg":
		p, _ := state.([]any)
		if len(p) != 2 {
			return nil
		}
		_, sf, _, sok := num(p[0])
		_, cf, _, cok := num(p[1])
		if !sok || !cok || cf == 0 {
			return nil
		}
		return sf / cf
	}
	return state
}
