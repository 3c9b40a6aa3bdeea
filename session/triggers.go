package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/txn"
)

// Triggers. ASYNC triggers (the default for AFTER) run after commit from
// the durable change log, in commit order: FOR EACH ROW once per change,
// FOR EACH STATEMENT once per (statement, op) that changed rows (on the
// statement's first change; see txn.Change.StmtCont). The body's writes
// and the trigger's position in the log are committed together, so each
// fires exactly once on success, across crashes. A failing body is
// retried (100 ms doubling, 5 attempts), then the event becomes a durable
// dead letter and the trigger moves on; the original write is never
// affected. BEFORE, SYNC, DEFERRED and INSTEAD OF triggers run inside the
// writing transaction (synctrig.go).

// Trigger retry policy.
const (
	triggerAttempts = 5
	triggerBatch    = 100
	// MaxTriggerDepth bounds cascades: a change made by a trigger at this
	// depth does not fire further triggers (it is dead-lettered with
	// 54001).
	MaxTriggerDepth = 16
)

// triggerTarget resolves a trigger's collection, or the view of an
// INSTEAD OF trigger, as a collection-shaped (id, name) pair.
func triggerTarget(cat *catalog.Catalog, name string) (*catalog.Collection, error) {
	if v, ok := cat.View(name); ok {
		return &catalog.Collection{ID: v.ID, Name: v.Name}, nil
	}
	return cat.MustGet(name)
}

func (s *Session) createTrigger(st *ast.CreateTrigger) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	if tt, ok := s.names().GetTemp(st.Collection); ok {
		return nil, refuseTemp(tt, "CREATE TRIGGER")
	}
	coll, err := triggerTarget(cat, st.Collection)
	if err != nil {
		return nil, err
	}
	_, isView := cat.View(st.Collection)
	if isView != (st.Timing == "INSTEAD OF") {
		if isView {
			return nil, errs.Errorf(errs.WrongObjectType, "%q is a view: only INSTEAD OF triggers can be created on it", st.Collection)
		}
		return nil, errs.Errorf(errs.WrongObjectType, "%q is a collection: INSTEAD OF triggers are for views", st.Collection)
	}
	execution := ""
	for _, o := range st.With {
		if o.Key != "execution" {
			return nil, errs.Errorf(errs.SyntaxError, "unknown trigger option %q", o.Key).WithPosition(o.Pos).
				WithHint("Supported options: EXECUTION.")
		}
		v, err := optionText(o)
		if err != nil {
			return nil, err
		}
		execution = strings.ToUpper(v)
		if execution != "ASYNC" && execution != "SYNC" && execution != "DEFERRED" {
			return nil, errs.Errorf(errs.InvalidParameterValue, "EXECUTION must be ASYNC, SYNC or DEFERRED, not %q", v)
		}
	}
	if st.Mode != "" {
		if execution != "" && execution != st.Mode {
			return nil, errs.Errorf(errs.InvalidParameterValue, "CREATE %s TRIGGER conflicts with EXECUTION = %s", st.Mode, execution)
		}
		execution = st.Mode
	}
	if execution == "" {
		execution = "ASYNC"
		if st.Timing != "AFTER" {
			execution = "SYNC"
		}
	}
	if st.Timing == "INSTEAD OF" {
		execution = "SYNC"
		if st.ForEach != "ROW" {
			return nil, errs.New(errs.InvalidObjectDefinition, "INSTEAD OF triggers must be FOR EACH ROW")
		}
	}
	switch {
	case execution == "DEFERRED" && st.Timing != "AFTER":
		return nil, errs.New(errs.InvalidParameterValue, "DEFERRED triggers are AFTER triggers")
	case st.Timing == "BEFORE" && execution != "SYNC":
		return nil, errs.New(errs.InvalidParameterValue, "BEFORE triggers run inside the write: EXECUTION must be SYNC")
	}
	if err := checkBlock(st.Block, "trigger"); err != nil {
		return nil, err
	}
	err = cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, exists := cat.TriggerOn(coll.ID, st.Name)
		if exists && !st.OrReplace {
			return errs.Errorf(errs.DuplicateObject, "trigger \"%s\" for relation \"%s\" already exists", st.Name, coll.Name)
		}
		t := &catalog.Trigger{ID: tx.NewID(), Name: st.Name, Collection: coll.Name, CollectionID: coll.ID,
			Timing: st.Timing, Events: st.Events, ForEach: st.ForEach, Execution: execution, When: st.When,
			Body: st.Body, Priority: st.Priority, Definer: st.Definer, Enabled: true, StartLSN: tx.SnapshotLSN(), Owner: s.user,
			Created: time.Now().UTC()}
		t.GroupID = tx.NewID()
		if exists {
			// A replaced trigger keeps its identity and position.
			t.ID, t.GroupID, t.StartLSN, t.Created, t.Enabled = cur.ID, cur.GroupID, cur.StartLSN, cur.Created, cur.Enabled
		}
		return tx.PutTrigger(t)
	})
	if err != nil {
		return nil, err
	}
	db.triggers.Reconcile()
	return &Result{Tag: "CREATE TRIGGER"}, nil
}

func (s *Session) dropTrigger(st *ast.DropTrigger) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	// Stop the runner first so its commits do not race the drop.
	if coll, err := triggerTarget(cat, st.Collection); err == nil {
		if t, ok := cat.TriggerOn(coll.ID, st.Name); ok {
			db.triggers.stop(t.ID)
		}
	}
	defer db.triggers.Reconcile()
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		coll, err := triggerTarget(cat, st.Collection)
		if err != nil {
			return err
		}
		t, ok := cat.TriggerOn(coll.ID, st.Name)
		if !ok {
			if st.IfExists {
				return nil
			}
			return errs.Errorf(errs.UndefinedObject, "trigger \"%s\" for table \"%s\" does not exist", st.Name, coll.Name)
		}
		return tx.RemoveTrigger(t)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP TRIGGER"}, nil
}

func (s *Session) alterTrigger(st *ast.AlterTrigger) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		coll, err := triggerTarget(cat, st.Collection)
		if err != nil {
			return err
		}
		cur, err := cat.MustTriggerOn(coll, st.Name)
		if err != nil {
			return err
		}
		if cur.Enabled == st.Enable {
			return nil
		}
		next := *cur
		next.Enabled = st.Enable
		if st.Enable {
			// Changes made while the trigger was disabled do not fire it.
			event.SetFloor(tx.Txn, next.GroupID, tx.SnapshotLSN())
		}
		return tx.PutTrigger(&next)
	})
	if err != nil {
		return nil, err
	}
	db.triggers.Reconcile()
	return &Result{Tag: "ALTER TRIGGER"}, nil
}

func triggerColumns() []Column {
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	return []Column{col("name", types.Text), col("collection", types.Text), col("timing", types.Text),
		col("events", types.Text), col("for_each", types.Text), col("execution", types.Text),
		col("enabled", types.Bool), col("priority", types.Int4), col("when", types.Text),
		col("fired", types.Int8), col("failed", types.Int8), col("owner", types.Text), col("created_at", types.Timestamptz)}
}

func (s *Session) showTriggers(st *ast.ShowTriggers) (*Result, error) {
	db := s.mgr.db
	var collID uint32
	if st.Collection != "" {
		coll, err := db.cat.MustGet(st.Collection)
		if err != nil {
			return nil, err
		}
		collID = coll.ID
	}
	res := &Result{Columns: triggerColumns()}
	for _, t := range db.cat.Triggers() {
		if collID != 0 && t.CollectionID != collID {
			continue
		}
		var when any
		if t.When != "" {
			when = t.When
		}
		fired, failed := db.triggers.counts(t.ID)
		res.Rows = append(res.Rows, types.Row{t.Name, t.Collection, t.Timing, strings.Join(t.Events, " OR "), t.ForEach,
			t.Execution, t.Enabled, int64(t.Priority), when, int64(fired), int64(failed), t.Owner, t.Created})
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}

func triggerDeadLetterColumns() []Column {
	cols := deadLetterColumns()
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	return append([]Column{col("trigger", types.Text), col("collection", types.Text)}, cols...)
}

func (s *Session) triggerDeadLetters(ctx context.Context, st *ast.TriggerDeadLetters) (*Result, error) {
	db := s.mgr.db
	trigs := db.cat.Triggers()
	if st.Name != "" {
		coll, err := db.cat.MustGet(st.Collection)
		if err != nil {
			return nil, err
		}
		t, err := db.cat.MustTriggerOn(coll, st.Name)
		if err != nil {
			return nil, err
		}
		trigs = []*catalog.Trigger{t}
	}
	switch st.Action {
	case "replay":
		return s.replayTriggerDeadLetters(ctx, trigs)
	case "purge":
		total := 0
		for _, t := range trigs {
			var n int
			var err error
			for attempt := 1; ; attempt++ {
				n, err = purgeDeadLetters(db, t.ID)
				if e, ok := errs.As(err); ok && e.Code == errs.SerializationFailure && attempt < 5 {
					time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
					continue
				}
				break
			}
			if err != nil {
				return nil, err
			}
			total += n
		}
		return &Result{Tag: fmt.Sprintf("PURGE %d", total)}, nil
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	res := &Result{Columns: triggerDeadLetterColumns()}
	for _, t := range trigs {
		letters, err := event.DeadLetters(tx, t.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range letters {
			ev, err := types.ParseJSON(string(d.Event))
			if err != nil {
				ev = string(d.Event)
			}
			res.Rows = append(res.Rows, types.Row{t.Name, t.Collection, int64(d.LSN), int64(d.Partition), ev, d.Error,
				int64(d.Attempts), time.UnixMilli(d.FirstMs).UTC(), time.UnixMilli(d.LastMs).UTC()})
		}
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}

// triggerRunners runs every enabled ASYNC trigger.
type triggerRunners struct {
	db  *DB
	mgr *Manager // internal sessions run the bodies
	log *slog.Logger

	workers *event.Workers[*catalog.Trigger]

	mu    sync.Mutex
	stats map[uint32]*[2]uint64 // fired, failed (since start)
}

func newTriggerRunners(db *DB) *triggerRunners {
	tr := &triggerRunners{db: db, mgr: NewManager(db), log: db.log, stats: map[uint32]*[2]uint64{}}
	tr.workers = event.NewWorkers(func(ctx context.Context, t *catalog.Trigger) {
		(&triggerRunner{tr: tr, trig: t, ctx: ctx}).run()
	})
	return tr
}

func (tr *triggerRunners) counts(id uint32) (fired, failed uint64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if st := tr.stats[id]; st != nil {
		return st[0], st[1]
	}
	return 0, 0
}

func (tr *triggerRunners) count(id uint32, ok bool) {
	if ok {
		tr.add(id, 1, 0)
	} else {
		tr.add(id, 0, 1)
	}
}

func (tr *triggerRunners) add(id uint32, fired, failed uint64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	st := tr.stats[id]
	if st == nil {
		st = &[2]uint64{}
		tr.stats[id] = st
	}
	st[0] += fired
	st[1] += failed
}

// Reconcile starts, restarts (after a change) and stops runners to match
// the catalog.
func (tr *triggerRunners) Reconcile() {
	want := map[uint32]*catalog.Trigger{}
	for _, t := range tr.db.cat.Triggers() {
		if t.Enabled && t.Execution == "ASYNC" {
			want[t.ID] = t
		}
	}
	tr.workers.Reconcile(want)
}

// stop stops one trigger's runner until the next Reconcile.
func (tr *triggerRunners) stop(id uint32) { tr.workers.Stop(id) }

// Close stops every runner.
func (tr *triggerRunners) Close() { tr.workers.Close() }

// triggerRunner is one run of an ASYNC trigger's worker (ctx ends it).
type triggerRunner struct {
	tr   *triggerRunners
	trig *catalog.Trigger
	ctx  context.Context
}

// stream is the change-log view the trigger reads.
func (r *triggerRunner) stream() *catalog.Stream {
	t := r.trig
	return &catalog.Stream{ID: t.ID, Name: "trigger " + t.Name, Collection: t.Collection, CollectionID: t.CollectionID,
		Include: t.Events, StartLSN: t.StartLSN}
}

func (r *triggerRunner) run() {
	db := r.tr.db
	st := r.stream()
	sess := r.tr.mgr.internalSession(r.trig.Owner)
	defer sess.Close()
	var cursor uint64 // scanned through here without events to fire
	failures := 0
	for r.ctx.Err() == nil {
		tx := db.txm.Begin()
		off, err := event.LoadOffsets(tx, r.trig.GroupID)
		var evs []event.Event
		if err == nil {
			off.Floor = max(off.Floor, cursor)
			evs, err = event.Read(tx, db.cat, db.events, st, off, event.ReadOptions{Partition: -1, Limit: triggerBatch})
		}
		if err == nil {
			err = tx.WaitVisibleDurable(r.ctx)
		}
		snap := tx.SnapshotLSN()
		tx.Rollback()
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Code == errs.ObjectNotInState {
				err = r.skipLost(err)
			}
			if err != nil {
				failures++
				r.tr.log.Warn("trigger: read change log", "trigger", r.trig.Name, "err", err)
				if sleepCtx(r.ctx, event.Backoff(failures)) != nil {
					return
				}
			}
			continue
		}
		failures = 0
		// Fire the batch in one transaction; if anything in it fails (or a
		// change is past the cascade limit), fall back to one change at a
		// time, which retries and dead-letters precisely.
		if !r.fireBatch(sess, evs) {
			for _, e := range evs {
				if !r.fireWithRetries(sess, e) {
					return // stopping
				}
			}
		}
		if len(evs) == triggerBatch {
			continue
		}
		cursor = max(cursor, snap)
		wctx, cancel := context.WithTimeout(r.ctx, time.Second)
		db.notify.Wait(wctx, cursor)
		cancel()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// skipLost moves the trigger past events retention removed before it
// fired for them; they cannot fire any more.
func (r *triggerRunner) skipLost(cause error) error {
	db := r.tr.db
	oldest := db.events.OldestAvailable(r.stream())
	r.tr.log.Error("trigger: events removed by retention before the trigger fired; skipping them",
		"trigger", r.trig.Name, "err", cause)
	tx := db.txm.Begin()
	defer tx.Rollback()
	if err := event.CommitFloor(tx, r.trig.GroupID, oldest-1); err != nil {
		return err
	}
	_, err := tx.Commit()
	return err
}

// fireBatch fires the trigger for several events in one transaction with
// the trigger's position moved past the last; it reports false (having
// changed nothing) when that is not possible.
func (r *triggerRunner) fireBatch(sess *Session, evs []event.Event) bool {
	if len(evs) < 2 {
		return false
	}
	for _, e := range evs {
		if int(e.Depth) >= MaxTriggerDepth {
			return false
		}
	}
	last := evs[len(evs)-1].LSN
	ran, err := fireEvents(r.ctx, r.trig, sess, evs, func(tx *txn.Txn) error {
		return event.CommitFloor(tx, r.trig.GroupID, last)
	})
	if err != nil {
		return false
	}
	r.tr.add(r.trig.ID, uint64(ran), 0)
	return true
}

// fireWithRetries fires the trigger for one event until it succeeds or
// its attempts are used up (then the event is dead-lettered). It returns
// false only when the runner is stopping.
func (r *triggerRunner) fireWithRetries(sess *Session, e event.Event) bool {
	first := time.Now()
	if int(e.Depth) >= MaxTriggerDepth {
		err := errs.Errorf(errs.StatementTooComplex, "trigger cascade too deep: the change at LSN %d was made %d trigger levels down (the limit is %d)",
			e.LSN, e.Depth, MaxTriggerDepth)
		r.tr.count(r.trig.ID, false)
		r.tr.log.Warn("trigger: cascade limit; event dead-lettered", "trigger", r.trig.Name, "lsn", e.LSN, "depth", e.Depth)
		for {
			derr := r.deadLetterAttempts(e, err, first, 0)
			if derr == nil {
				return true
			}
			if sleepCtx(r.ctx, time.Second) != nil {
				return false
			}
		}
	}
	var err error
	for attempt := 1; attempt <= triggerAttempts; attempt++ {
		var ran bool
		if ran, err = r.fire(sess, e); err == nil {
			if ran {
				r.tr.count(r.trig.ID, true)
			}
			return true
		}
		if r.ctx.Err() != nil {
			return false
		}
		if attempt < triggerAttempts {
			if sleepCtx(r.ctx, event.Backoff(attempt)) != nil {
				return false
			}
		}
	}
	r.tr.count(r.trig.ID, false)
	r.tr.log.Warn("trigger: body failed; event dead-lettered", "trigger", r.trig.Name, "lsn", e.LSN, "err", err)
	for {
		derr := r.deadLetter(e, err, first)
		if derr == nil {
			return true
		}
		r.tr.log.Error("trigger: write dead letter", "trigger", r.trig.Name, "err", derr)
		if sleepCtx(r.ctx, time.Second) != nil {
			return false
		}
	}
}

func (r *triggerRunner) deadLetter(e event.Event, cause error, first time.Time) error {
	return r.deadLetterAttempts(e, cause, first, triggerAttempts)
}

func (r *triggerRunner) deadLetterAttempts(e event.Event, cause error, first time.Time, attempts int) error {
	db := r.tr.db
	body, err := encodeEvent(e)
	if err != nil {
		body = []byte("null")
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	d := &event.DeadLetter{StreamID: r.trig.ID, LSN: e.LSN, Partition: e.Partition, Event: body, Error: cause.Error(),
		Attempts: attempts, FirstMs: first.UnixMilli(), LastMs: time.Now().UnixMilli()}
	if err := event.PutDeadLetter(tx, d); err != nil {
		return err
	}
	if err := event.CommitFloor(tx, r.trig.GroupID, e.LSN); err != nil {
		return err
	}
	_, err = tx.Commit()
	return err
}

// fire runs the WHEN condition and the body for one event in one
// transaction that also moves the trigger's position past the event.
func (r *triggerRunner) fire(sess *Session, e event.Event) (ran bool, err error) {
	return fireTrigger(r.ctx, r.trig, sess, e, func(tx *txn.Txn) error {
		return event.CommitFloor(tx, r.trig.GroupID, e.LSN)
	})
}

// fireTrigger runs a trigger's WHEN condition and body for one event in a
// transaction of sess; finish adds its own writes (the trigger's position,
// or the removal of a replayed dead letter) before the commit, so both
// happen exactly together. It reports whether the body ran.
func fireTrigger(ctx context.Context, trig *catalog.Trigger, sess *Session, e event.Event, finish func(*txn.Txn) error) (ran bool, err error) {
	n, err := fireEvents(ctx, trig, sess, []event.Event{e}, finish)
	return n > 0, err
}

// fireEvents is fireTrigger for several events in one transaction: all of
// them fire, or (on any error) none. It returns how many ran the body.
func fireEvents(ctx context.Context, trig *catalog.Trigger, sess *Session, evs []event.Event, finish func(*txn.Txn) error) (ran int, err error) {
	exec := func(sql string) (*Result, error) {
		ps, err := sess.PrepareMulti(sql)
		if err != nil {
			return nil, err
		}
		var last *Result
		for _, p := range ps {
			if last, err = sess.Execute(ctx, p, nil); err != nil {
				return nil, err
			}
		}
		return last, nil
	}
	blk, err := parseBlock(trig.Body)
	if err != nil {
		return 0, err
	}
	if _, err := exec("BEGIN"); err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = exec("ROLLBACK")
		}
	}()
	for i := range evs {
		e := &evs[i]
		if sess.tx == nil {
			return 0, errs.New(errs.InternalError, "trigger: the body ended the transaction")
		}
		statement := trig.ForEach == "STATEMENT"
		if statement && e.StmtCont {
			continue // the statement fired on its first change
		}
		sess.tx.SetDepth(e.Depth + 1)
		env := newProcEnv(ctx, sess)
		env.recs["new"], env.recs["old"] = e.New, e.Old
		if statement {
			env.recs["new"], env.recs["old"] = nil, nil
		}
		env.triggerVars(trig, e.Op)
		if env.recs["new"] == nil {
			env.recs["new"] = map[string]any{}
		}
		if env.recs["old"] == nil {
			env.recs["old"] = map[string]any{}
		}
		if trig.When != "" {
			ok, err := env.cond(trig.When)
			if err != nil {
				return 0, fmt.Errorf("WHEN: %w", err)
			}
			if !ok {
				continue
			}
		}
		if _, err := env.run(blk); err != nil {
			return 0, err
		}
		ran++
	}
	if sess.tx == nil {
		return 0, errs.New(errs.InternalError, "trigger: the body ended the transaction")
	}
	if err := finish(sess.tx); err != nil {
		return 0, err
	}
	if _, err := exec("COMMIT"); err != nil {
		return 0, err
	}
	committed = true
	return ran, nil
}

// replayTriggerDeadLetters fires triggers again for their dead letters,
// once each; a letter whose body succeeds is removed in the same commit,
// one that fails again is kept with its attempt count raised.
func (s *Session) replayTriggerDeadLetters(ctx context.Context, trigs []*catalog.Trigger) (*Result, error) {
	db := s.mgr.db
	delivered, failed := 0, 0
	for _, t := range trigs {
		tx := db.txm.Begin()
		letters, err := event.DeadLetters(tx, t.ID, 0)
		tx.Rollback()
		if err != nil {
			return nil, err
		}
		if len(letters) == 0 {
			continue
		}
		sess := db.triggers.mgr.internalSession(t.Owner)
		for _, d := range letters {
			e, err := letterEvent(d)
			if err == nil {
				_, err = fireTrigger(ctx, t, sess, e, func(tx *txn.Txn) error {
					event.DeleteDeadLetter(tx, t.ID, d.LSN)
					return nil
				})
			}
			if ctx.Err() != nil {
				sess.Close()
				return nil, errs.New(errs.QueryCanceled, "canceling statement due to user request")
			}
			if err == nil {
				delivered++
				continue
			}
			failed++
			d.Attempts++
			d.Error = err.Error()
			d.LastMs = time.Now().UnixMilli()
			utx := db.txm.Begin()
			perr := event.PutDeadLetter(utx, d)
			if perr == nil {
				_, perr = utx.Commit()
			}
			utx.Rollback()
			if perr != nil {
				sess.Close()
				return nil, perr
			}
		}
		sess.Close()
	}
	res := &Result{Tag: fmt.Sprintf("REPLAY %d", delivered)}
	if failed > 0 {
		res.Notices = append(res.Notices, Notice{Severity: "WARNING", Code: "01000",
			Message: fmt.Sprintf("%d dead letters failed again and were kept", failed)})
	}
	return res, nil
}

// letterEvent rebuilds the event of a dead letter from its JSON.
func letterEvent(d *event.DeadLetter) (event.Event, error) {
	var se struct {
		Op        string         `json:"op"`
		RowID     string         `json:"row_id"`
		Partition int            `json:"partition"`
		LSN       uint64         `json:"lsn"`
		EventTime int64          `json:"event_time"`
		New       map[string]any `json:"new_value"`
		Old       map[string]any `json:"old_value"`
	}
	dec := json.NewDecoder(strings.NewReader(string(d.Event)))
	dec.UseNumber()
	if err := dec.Decode(&se); err != nil {
		return event.Event{}, fmt.Errorf("dead letter %d: %w", d.LSN, err)
	}
	return event.Event{LSN: d.LSN, Partition: d.Partition, Op: se.Op, RowID: se.RowID, TimeMs: se.EventTime,
		New: se.New, Old: se.Old}, nil
}

// sqlLiteral renders a row value as a SQL literal for a trigger body.
func sqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case bool:
		if x {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ast.QuoteString(strconv.FormatFloat(x, 'g', -1, 64)) + "::float8"
		}
		return strconv.FormatFloat(x, 'g', -1, 64) + "::float8"
	case string:
		return ast.QuoteString(x)
	case json.Number:
		return x.String()
	case time.Time:
		return ast.QuoteString(x.UTC().Format(time.RFC3339Nano)) + "::timestamptz"
	case []byte:
		return ast.QuoteString(`\x`+fmt.Sprintf("%x", x)) + "::bytea"
	case map[string]any, []any:
		b, err := json.Marshal(types.ToJSON(x))
		if err != nil {
			return "NULL"
		}
		return ast.QuoteString(string(b)) + "::jsonb"
	}
	return ast.QuoteString(types.FormatText(v))
}
