package session

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Schedules run SQL bodies on cron schedules (UTC) through the normal SQL
// path, each run in one transaction, as the schedule's owner. The time of
// the last scheduled occurrence is durable, so after downtime MISSED
// decides: SKIP (default) drops occurrences that passed while the server
// was down (an occurrence less than scheduleGrace late still runs);
// CATCH_UP runs once for them. ALLOW_OVERLAP = false (default) skips an
// occurrence while the previous run is still going.

const (
	scheduleGrace   = time.Minute
	scheduleHistory = 100 // runs kept per schedule
	scheduleTick    = time.Second
)

// scheduleState is a schedule's durable run state.
type scheduleState struct {
	LastScheduledMs int64  `json:"last_scheduled_ms"` // the occurrence last handled (run or skipped)
	LastRunMs       int64  `json:"last_run_ms,omitempty"`
	LastStatus      string `json:"last_status,omitempty"` // ok, error, skipped
	LastError       string `json:"last_error,omitempty"`
}

// scheduleRun is one entry of a schedule's history.
type scheduleRun struct {
	ScheduledMs int64  `json:"scheduled_ms"`
	StartedMs   int64  `json:"started_ms"`
	FinishedMs  int64  `json:"finished_ms"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
}

func scheduleStateKey(id uint32) []byte { return append(storage.ScheduleStatePrefix(id), 's') }

func scheduleHistoryKey(id uint32, startMs int64, seq uint32) []byte {
	k := append(storage.ScheduleStatePrefix(id), 'h')
	k = binary.BigEndian.AppendUint64(k, uint64(startMs))
	return binary.BigEndian.AppendUint32(k, seq)
}

func loadScheduleState(tx *txn.Txn, id uint32) (scheduleState, error) {
	var st scheduleState
	v, ok, err := tx.Get(scheduleStateKey(id))
	if err != nil || !ok {
		return st, err
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return st, errs.Errorf(errs.DataCorrupted, "schedule state: %w", err)
	}
	return st, nil
}

func putScheduleState(tx *txn.Txn, id uint32, st scheduleState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("schedule state: %w", err)
	}
	tx.Set(scheduleStateKey(id), b)
	return nil
}

// scheduleOptions reads ALLOW_OVERLAP and MISSED.
func scheduleOptions(opts []ast.Option) (allowOverlap bool, missed string, err error) {
	missed = "SKIP"
	for _, o := range opts {
		v, err := optionText(o)
		if err != nil {
			return false, "", err
		}
		switch o.Key {
		case "allow_overlap":
			switch strings.ToLower(v) {
			case "true", "on", "1":
				allowOverlap = true
			case "false", "off", "0":
				allowOverlap = false
			default:
				return false, "", errs.Errorf(errs.InvalidParameterValue, "ALLOW_OVERLAP must be true or false, not %q", v)
			}
		case "missed":
			missed = strings.ToUpper(v)
			if missed != "SKIP" && missed != "CATCH_UP" {
				return false, "", errs.Errorf(errs.InvalidParameterValue, "MISSED must be SKIP or CATCH_UP, not %q", v)
			}
		default:
			return false, "", errs.Errorf(errs.SyntaxError, "unknown schedule option %q", o.Key).WithPosition(o.Pos).
				WithHint("Supported options: ALLOW_OVERLAP, MISSED.")
		}
	}
	return allowOverlap, missed, nil
}

// checkBody accepts the statements a job or trigger body may hold.
func checkBody(stmts []ast.Statement, what string) error {
	for _, b := range stmts {
		switch b.(type) {
		case *ast.Insert, *ast.Update, *ast.Delete, *ast.Notify, *ast.Publish, *ast.Select:
		default:
			return errs.Errorf(errs.FeatureNotSupported, "a %s body may hold INSERT, UPDATE, DELETE, SELECT, NOTIFY and PUBLISH statements; not %s",
				what, strings.SplitN(strings.TrimSpace(ast.Format(b)), " ", 2)[0]).
				WithHint("The procedural language (IF, loops, DECLARE) is not supported yet.")
		}
	}
	return nil
}

func parseCron(expr string) (*event.Cron, error) {
	c, err := event.ParseCron(expr)
	if err != nil {
		return nil, errs.Errorf(errs.InvalidParameterValue, "%v", err).
			WithHint("Five fields, UTC: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'.")
	}
	return c, nil
}

func (s *Session) createSchedule(st *ast.CreateSchedule) (*Result, error) {
	db := s.mgr.db
	if _, err := parseCron(st.Cron); err != nil {
		return nil, err
	}
	overlap, missed, err := scheduleOptions(st.With)
	if err != nil {
		return nil, err
	}
	if err := checkBlock(st.Block, "schedule"); err != nil {
		return nil, err
	}
	var notices []Notice
	err = db.cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := db.cat.Schedule(st.Name); ok {
			if st.IfNotExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateObject,
					Message: fmt.Sprintf("schedule '%s' already exists, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.DuplicateObject, "schedule '%s' already exists", st.Name)
		}
		sc := &catalog.Schedule{ID: tx.NewID(), Name: st.Name, Cron: st.Cron, Body: st.Body, AllowOverlap: overlap,
			Missed: missed, Enabled: true, Owner: s.user, Created: time.Now().UTC()}
		// The first run is the first occurrence after now.
		if err := putScheduleState(tx.Txn, sc.ID, scheduleState{LastScheduledMs: db.sched.now().UnixMilli()}); err != nil {
			return err
		}
		return tx.PutSchedule(sc)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE SCHEDULE", Notices: notices}, nil
}

func (s *Session) alterSchedule(st *ast.AlterSchedule) (*Result, error) {
	db := s.mgr.db
	if st.Action == "cron" {
		if _, err := parseCron(st.Cron); err != nil {
			return nil, err
		}
	}
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, err := db.cat.MustSchedule(st.Name)
		if err != nil {
			return err
		}
		next := *cur
		switch st.Action {
		case "enable":
			next.Enabled = true
		case "disable":
			next.Enabled = false
		case "cron":
			next.Cron = st.Cron
		}
		if st.Action != "disable" {
			// Occurrences from before (while disabled, or of the old
			// expression) are not runs to catch up.
			state, err := loadScheduleState(tx.Txn, cur.ID)
			if err != nil {
				return err
			}
			if st.Action == "cron" || !cur.Enabled {
				state.LastScheduledMs = db.sched.now().UnixMilli()
			}
			if err := putScheduleState(tx.Txn, cur.ID, state); err != nil {
				return err
			}
		}
		return tx.PutSchedule(&next)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "ALTER SCHEDULE"}, nil
}

func (s *Session) dropSchedule(st *ast.DropSchedule) (*Result, error) {
	db := s.mgr.db
	var notices []Notice
	err := db.cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, ok := db.cat.Schedule(st.Name)
		if !ok {
			if st.IfExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.UndefinedObject,
					Message: fmt.Sprintf("schedule '%s' does not exist, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.UndefinedObject, "schedule '%s' does not exist", st.Name)
		}
		return tx.RemoveSchedule(cur)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP SCHEDULE", Notices: notices}, nil
}

func scheduleColumns(st *ast.ShowSchedules) []Column {
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	if st.History != "" {
		return []Column{col("scheduled_at", types.Timestamptz), col("started_at", types.Timestamptz),
			col("finished_at", types.Timestamptz), col("status", types.Text), col("error", types.Text)}
	}
	return []Column{col("name", types.Text), col("cron", types.Text), col("enabled", types.Bool),
		col("allow_overlap", types.Bool), col("missed", types.Text), col("next_run", types.Timestamptz),
		col("last_run", types.Timestamptz), col("last_status", types.Text), col("last_error", types.Text),
		col("owner", types.Text), col("created_at", types.Timestamptz)}
}

func msTime(ms int64) any {
	if ms == 0 {
		return nil
	}
	return time.UnixMilli(ms).UTC()
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Session) showSchedules(st *ast.ShowSchedules) (*Result, error) {
	db := s.mgr.db
	res := &Result{Columns: scheduleColumns(st)}
	tx := db.txm.Begin()
	defer tx.Rollback()
	if st.History != "" {
		sc, err := db.cat.MustSchedule(st.History)
		if err != nil {
			return nil, err
		}
		runs, err := scheduleRuns(tx, sc.ID)
		if err != nil {
			return nil, err
		}
		for i := len(runs) - 1; i >= 0; i-- {
			r := runs[i]
			res.Rows = append(res.Rows, types.Row{msTime(r.ScheduledMs), msTime(r.StartedMs), msTime(r.FinishedMs),
				r.Status, nullText(r.Error)})
		}
	} else {
		for _, sc := range db.cat.Schedules() {
			state, err := loadScheduleState(tx, sc.ID)
			if err != nil {
				return nil, err
			}
			var next any
			if c, err := event.ParseCron(sc.Cron); err == nil && sc.Enabled {
				after := time.UnixMilli(state.LastScheduledMs)
				if now := db.sched.now(); after.Before(now.Add(-scheduleGrace)) && sc.Missed == "SKIP" {
					after = now.Add(-scheduleGrace)
				}
				if n := c.Next(after); !n.IsZero() {
					next = n
				}
			}
			res.Rows = append(res.Rows, types.Row{sc.Name, sc.Cron, sc.Enabled, sc.AllowOverlap, sc.Missed, next,
				msTime(state.LastRunMs), nullText(state.LastStatus), nullText(state.LastError), sc.Owner, sc.Created})
		}
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}

// scheduleRuns returns a schedule's history, oldest first.
func scheduleRuns(tx *txn.Txn, id uint32) ([]scheduleRun, error) {
	lo := append(storage.ScheduleStatePrefix(id), 'h')
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []scheduleRun
	for ; it.Valid(); it.Next() {
		var r scheduleRun
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, errs.Errorf(errs.DataCorrupted, "schedule history: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// scheduler runs due schedules.
type scheduler struct {
	db  *DB
	mgr *Manager
	now func() time.Time

	mu      sync.Mutex
	started bool
	running map[uint32]bool
	seq     uint32
	wg      sync.WaitGroup // runs
	stop    chan struct{}
	done    chan struct{}
	tickMu  sync.Mutex // one tick at a time
}

func newScheduler(db *DB, now func() time.Time) *scheduler {
	if now == nil {
		now = time.Now
	}
	return &scheduler{db: db, mgr: NewManager(db), now: func() time.Time { return now().UTC() },
		running: map[uint32]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// start runs the scheduler every scheduleTick until close.
func (sc *scheduler) start() {
	sc.mu.Lock()
	sc.started = true
	sc.mu.Unlock()
	go func() {
		defer close(sc.done)
		t := time.NewTicker(scheduleTick)
		defer t.Stop()
		for {
			select {
			case <-sc.stop:
				return
			case <-t.C:
				sc.tick()
			}
		}
	}()
}

func (sc *scheduler) close() {
	sc.mu.Lock()
	started := sc.started
	sc.mu.Unlock()
	select {
	case <-sc.stop:
	default:
		close(sc.stop)
	}
	if started {
		<-sc.done
	}
	sc.wg.Wait()
}

// tick starts the runs that are due now.
func (sc *scheduler) tick() {
	sc.tickMu.Lock()
	defer sc.tickMu.Unlock()
	db := sc.db
	now := sc.now()
	for _, s := range db.cat.Schedules() {
		if !s.Enabled {
			continue
		}
		c, err := event.ParseCron(s.Cron)
		if err != nil {
			continue
		}
		if err := sc.consider(s, c, now); err != nil {
			db.log.Warn("schedule: start run", "schedule", s.Name, "err", err)
		}
	}
}

// consider handles one schedule at now: it records the occurrence it
// handles before running it, so a crash never runs it twice.
func (sc *scheduler) consider(s *catalog.Schedule, c *event.Cron, now time.Time) error {
	db := sc.db
	tx := db.txm.Begin()
	defer tx.Rollback()
	state, err := loadScheduleState(tx, s.ID)
	if err != nil {
		return err
	}
	next := c.Next(time.UnixMilli(state.LastScheduledMs))
	if next.IsZero() || next.After(now) {
		return nil
	}
	latest, count := next, 1
	for count < 1_000_000 {
		n := c.Next(latest)
		if n.IsZero() || n.After(now) {
			break
		}
		latest, count = n, count+1
	}
	onTime := !latest.Before(now.Add(-scheduleGrace))
	state.LastScheduledMs = latest.UnixMilli()
	run, skipped := true, 0
	switch {
	case s.Missed == "CATCH_UP":
		// One run stands for every occurrence missed.
	case onTime:
		skipped = count - 1
	default:
		run, skipped = false, count
	}
	if skipped > 0 {
		msg := fmt.Sprintf("%d occurrence(s) missed while the server was down (MISSED = SKIP)", skipped)
		state.LastStatus, state.LastError = "skipped", msg
		if err := sc.putRun(tx, s.ID, scheduleRun{ScheduledMs: next.UnixMilli(), StartedMs: now.UnixMilli(),
			FinishedMs: now.UnixMilli(), Status: "skipped", Error: msg}); err != nil {
			return err
		}
	}
	if run && !s.AllowOverlap && sc.isRunning(s.ID) {
		run = false
		msg := "the previous run is still going (ALLOW_OVERLAP = false)"
		state.LastStatus, state.LastError = "skipped", msg
		if err := sc.putRun(tx, s.ID, scheduleRun{ScheduledMs: latest.UnixMilli(), StartedMs: now.UnixMilli(),
			FinishedMs: now.UnixMilli(), Status: "skipped", Error: msg}); err != nil {
			return err
		}
	}
	if !run {
		if err := putScheduleState(tx, s.ID, state); err != nil {
			return err
		}
		_, err := tx.Commit()
		return err
	}
	if err := putScheduleState(tx, s.ID, state); err != nil {
		return err
	}
	if _, err := tx.Commit(); err != nil {
		return err
	}
	sc.mu.Lock()
	sc.running[s.ID] = true
	sc.mu.Unlock()
	sc.wg.Add(1)
	go sc.run(s, latest)
	return nil
}

func (sc *scheduler) isRunning(id uint32) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.running[id]
}

// putRun appends a history entry and trims the history.
func (sc *scheduler) putRun(tx *txn.Txn, id uint32, r scheduleRun) error {
	sc.mu.Lock()
	sc.seq++
	seq := sc.seq
	sc.mu.Unlock()
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tx.Set(scheduleHistoryKey(id, r.StartedMs, seq), b)
	lo := append(storage.ScheduleStatePrefix(id), 'h')
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return err
	}
	var keys [][]byte
	for ; it.Valid(); it.Next() {
		keys = append(keys, append([]byte(nil), it.Key()...))
	}
	if err := it.Close(); err != nil {
		return err
	}
	for i := 0; i < len(keys)-scheduleHistory; i++ {
		tx.Delete(keys[i])
	}
	return nil
}

// run executes one occurrence's body in one transaction and records the
// outcome.
func (sc *scheduler) run(s *catalog.Schedule, scheduled time.Time) {
	defer sc.wg.Done()
	defer func() {
		sc.mu.Lock()
		delete(sc.running, s.ID)
		sc.mu.Unlock()
	}()
	db := sc.db
	started := sc.now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-sc.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := sc.exec(ctx, s)
	finished := sc.now()
	r := scheduleRun{ScheduledMs: scheduled.UnixMilli(), StartedMs: started.UnixMilli(), FinishedMs: finished.UnixMilli(), Status: "ok"}
	if err != nil {
		r.Status, r.Error = "error", err.Error()
		db.log.Warn("schedule: run failed", "schedule", s.Name, "err", err)
	}
	for attempt := 1; attempt <= 5; attempt++ {
		tx := db.txm.Begin()
		state, lerr := loadScheduleState(tx, s.ID)
		if lerr == nil {
			state.LastRunMs, state.LastStatus, state.LastError = started.UnixMilli(), r.Status, r.Error
			lerr = putScheduleState(tx, s.ID, state)
		}
		if lerr == nil {
			lerr = sc.putRun(tx, s.ID, r)
		}
		if lerr == nil {
			_, lerr = tx.Commit()
		}
		tx.Rollback()
		if lerr == nil {
			return
		}
		if sleepCtx(ctx, time.Duration(attempt)*10*time.Millisecond) != nil {
			return
		}
	}
}

func (sc *scheduler) exec(ctx context.Context, s *catalog.Schedule) error {
	sess := sc.mgr.internalSession(s.Owner)
	defer sess.Close()
	blk, err := parseBlock(s.Body)
	if err != nil {
		return err
	}
	run := func(sql string) error {
		ps, err := sess.PrepareMulti(sql)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if _, err := sess.Execute(ctx, p, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if err := run("BEGIN"); err != nil {
		return err
	}
	if _, err := newProcEnv(ctx, sess).run(blk); err != nil {
		_ = run("ROLLBACK")
		return err
	}
	return run("COMMIT")
}
