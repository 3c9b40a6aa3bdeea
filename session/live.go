package session

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// liveSub is one LIVE SELECT: a goroutine owned by the session that reads
// the durable change log after the subscription's start, keeps the changes
// whose old or new row matches the predicate, and pushes the projection to
// the session's mailbox as notifications on the subscription's channel.
type liveSub struct {
	id      string
	head    string // the payloads' start: {"subscription_id":"<id>"
	channel string
	coll    *catalog.Collection
	pred    plan.Expr // over the collection's scan row; nil matches all
	proj    []plan.Expr
	cols    []plan.Column
	cancel  context.CancelFunc
	done    chan struct{}

	sess *Session
	env  *exec.Env
	from uint64 // the last LSN delivered (or skipped); later events only
	// shape identifies what the subscription computes from an event: the
	// query, the collection's descriptor version and who runs it. The
	// tailer evaluates each shape once per event and shares the result
	// among the subscriptions that have it (dashboards open the same
	// LIVE SELECT many times).
	shape  string
	params []types.Value // the statement's parameter values
	// detached is how the tailer gives the subscription back to its own
	// goroutine (runLive): to catch up from a position when the session's
	// mailbox was full (it then reads the log at its subscriber's pace;
	// see liveTail), or to end it with an error its subscriber is told.
	// At most one is pending: the tailer lets go of the subscription as
	// it sends.
	detached chan handBack
}

// handBack is a subscription the tailer let go of: catch up after from,
// or, when err is set, tell the subscriber err and end.
type handBack struct {
	from uint64
	err  error
}

// paramsKey renders parameter values for a shape: subscriptions of one
// query with other values do not share outcomes.
func paramsKey(params []types.Value) string {
	var b strings.Builder
	for _, p := range params {
		fmt.Fprintf(&b, "%T:%v\x00", p, p)
	}
	return b.String()
}

// liveShared is one shape's outcome for one event: whether it matched
// and the payload after its subscription_id, or the error evaluating it.
type liveShared struct {
	matched bool
	tail    []byte
	err     error
}

type liveState struct {
	mu   sync.Mutex
	subs map[string]*liveSub
	next int
}

func (s *Session) liveSelect(ctx context.Context, st *ast.LiveSelect, params []types.Value) (*Result, error) {
	return s.liveSelectFrom(st, s.mgr.db.txm.LastLSN(), params)
}

// LiveFrom starts a LIVE SELECT (sql is the SELECT) that first replays the
// committed matching changes after since, then continues live, with no gap
// and no duplicate (both come from the same ordered change log). It
// returns the subscription id; notifications arrive on Notifications().
func (s *Session) LiveFrom(sql string, since uint64, params []types.Value) (string, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return "", err
	}
	q, ok := stmts[0].AST.(*ast.Select)
	if len(stmts) != 1 || !ok {
		return "", errs.New(errs.SyntaxError, "live needs exactly one SELECT")
	}
	res, err := s.liveSelectFrom(&ast.LiveSelect{Query: q}, since, params)
	if err != nil {
		return "", err
	}
	return res.Rows[0][0].(string), nil
}

// liveSelectFrom starts a subscription replaying from start; params are
// the statement's parameter values ($1 ...), fixed for its life.
func (s *Session) liveSelectFrom(st *ast.LiveSelect, start uint64, params []types.Value) (*Result, error) {
	db := s.mgr.db
	b := &plan.Builder{Cat: s.planCatalog()}
	node, err := b.BuildSelect(st.Query)
	if err != nil {
		return nil, err
	}
	if len(b.Params) > len(params) {
		return nil, errs.Errorf(errs.UndefinedParameter, "there is no parameter $%d", len(params)+1)
	}
	proj, ok := node.(*plan.Project)
	var scan *plan.Scan
	if ok {
		scan, ok = proj.Input.(*plan.Scan)
	}
	if !ok {
		return nil, errs.New(errs.FeatureNotSupported,
			"LIVE SELECT supports a projection of one collection with an optional WHERE (no joins, grouping, ordering or limits)")
	}
	if plan.HasSubquery(node) {
		return nil, errs.New(errs.FeatureNotSupported, "LIVE SELECT does not support subqueries yet")
	}
	if err := refuseTemp(scan.Coll, "LIVE SELECT"); err != nil {
		return nil, err
	}
	s.live.mu.Lock()
	if s.live.subs == nil {
		s.live.subs = map[string]*liveSub{}
	}
	s.live.next++
	id := fmt.Sprintf("live_%d_%d", s.id, s.live.next)
	s.live.mu.Unlock()
	subCtx, cancel := context.WithCancel(context.Background())
	sub := &liveSub{id: id, head: string(types.AppendJSONString([]byte(`{"subscription_id":`), id)), channel: id, coll: scan.Coll, pred: scan.Filter, proj: proj.Exprs, cols: proj.Cols,
		cancel: cancel, done: make(chan struct{}), detached: make(chan handBack, 1), params: params,
		shape: fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s\x00%s", s.user, s.database, scan.Coll.ID, scan.Coll.Version, ast.Format(st.Query), paramsKey(params))}
	s.live.mu.Lock()
	s.live.subs[id] = sub
	s.live.mu.Unlock()
	db.tail.active.Add(1)
	go s.runLive(subCtx, sub, start)
	col := func(n string) Column { return Column{Name: n, Type: types.Text, TypeMod: -1} }
	return &Result{
		Columns: []Column{col("subscription_id"), col("channel"), col("collection"), col("status")},
		Rows:    []types.Row{{id, id, scan.Coll.Name, "active"}},
		Tag:     "SELECT 1",
	}, nil
}

func (s *Session) cancelLive(st *ast.CancelLive) (*Result, error) {
	s.live.mu.Lock()
	sub, ok := s.live.subs[st.ID]
	delete(s.live.subs, st.ID)
	s.live.mu.Unlock()
	if !ok {
		return nil, errs.Errorf(errs.UndefinedObject, "live subscription %q does not exist in this session", st.ID)
	}
	sub.cancel()
	<-sub.done
	return &Result{Tag: "CANCEL LIVE SELECT"}, nil
}

// stopLive ends every subscription of the session (at Close).
func (s *Session) stopLive() {
	s.live.mu.Lock()
	subs := s.live.subs
	s.live.subs = nil
	s.live.mu.Unlock()
	for _, sub := range subs {
		sub.cancel()
		<-sub.done
	}
}

// livePayload is the JSON a LIVE SELECT subscriber receives.
type livePayload struct {
	SubscriptionID string      `json:"subscription_id"`
	Op             string      `json:"op"`
	Transition     string      `json:"transition,omitempty"` // UPDATE: entered, changed or left
	RowID          string      `json:"row_id"`
	LSN            uint64      `json:"lsn"`
	Row            []liveField `json:"-"` // the select list's columns, in order; nil: none
}

// liveField is one column of a LIVE SELECT payload's row.
type liveField struct {
	Name  string
	Value any // converted by types.JSONTyped
}

func (s *Session) runLive(ctx context.Context, sub *liveSub, from uint64) {
	defer close(sub.done)
	db := s.mgr.db
	defer db.tail.active.Add(-1) // added as it was started
	defer func() {
		// A subscription must never take the server down, nor stop
		// without its subscriber hearing why.
		if r := recover(); r != nil {
			db.tail.leave(sub)
			err := sub.crashed(db, r)
			db.hub.DeliverWait(ctx, s.listener, sub.failure(sub.from, err))
		}
	}()
	sub.sess = s
	sub.env = &exec.Env{Ctx: ctx, IDs: db.ids, Fn: &funcs.Context{User: s.user, Database: s.database}, Params: sub.params}
	// Catch up on our own until the shared tailer's position, then let it
	// deliver: one read of the log per commit serves every subscription.
	// When the subscriber does not keep up, the tailer hands the
	// subscription back here, to catch up again from where it stopped.
	view := &catalog.Stream{Name: sub.id, CollectionID: sub.coll.ID, Include: []string{"INSERT", "UPDATE", "DELETE"}}
	for {
		if !s.catchUp(ctx, sub, view, from) {
			return
		}
		select {
		case <-ctx.Done():
			db.tail.leave(sub)
			return
		case hb := <-sub.detached:
			if hb.err != nil {
				db.hub.DeliverWait(ctx, s.listener, sub.failure(hb.from, hb.err))
				return
			}
			from = hb.from
		}
	}
}

// catchUp delivers the subscription's changes after from, reading the
// change log itself, until it joins the tailer (true) or ends (false: ctx
// done, or the log cannot be read, which the subscriber is told).
//
// It waits for room in the session's mailbox rather than dropping: it
// reads at its subscriber's pace (a replay from since_lsn, or a backlog
// the subscriber fell behind on, can be longer than any mailbox), and
// nobody waits for it. Nothing is lost while the change log keeps the
// events; a subscriber that falls behind its retention gets an error
// notification naming the last LSN it was given, and the subscription
// ends.
func (s *Session) catchUp(ctx context.Context, sub *liveSub, view *catalog.Stream, from uint64) bool {
	db := s.mgr.db
	for {
		sub.from = max(sub.from, from) // what a failure names as delivered
		if err := sub.collectionGone(db); err != nil {
			db.hub.DeliverWait(ctx, s.listener, sub.failure(sub.from, err))
			return false
		}
		if db.tail.join(sub, from) {
			return true
		}
		evs, head, ok, err := db.readChanges(ctx, view, from, db.events)
		if !ok {
			return false
		}
		if err != nil {
			db.log.Warn("live select stopped", "subscription", sub.id, "err", err)
			if errs.Is(err, errs.ObjectNotInState) {
				err = errs.Errorf(errs.ObjectNotInState,
					"LIVE SELECT %s fell behind the change log's retention: changes of %s after LSN %d are no longer available",
					sub.id, sub.coll.Name, from).WithHint("Start a new LIVE SELECT; SHOW CHANGES lists what the log still holds.")
			}
			db.hub.DeliverWait(ctx, s.listener, sub.failure(from, err))
			return false
		}
		for _, e := range evs {
			n, ok, err := sub.deliver(e, nil)
			if err != nil {
				db.hub.DeliverWait(ctx, s.listener, sub.failure(sub.from, err))
				return false
			}
			if ok && !db.hub.DeliverWait(ctx, s.listener, n) {
				return false
			}
			from = e.LSN
		}
		if len(evs) == 0 {
			from = max(from, head)
		}
	}
}

// collectionGone returns the error that ends a subscription whose
// collection was dropped (42P01), nil while it exists.
func (sub *liveSub) collectionGone(db *DB) error {
	if c, ok := db.cat.ByID(sub.coll.ID); ok && !c.Dropped {
		return nil
	}
	return errs.Errorf(errs.UndefinedTable, "LIVE SELECT %s ended: collection %s was dropped", sub.id, sub.coll.Name).
		WithHint("After UNDROP COLLECTION, a new LIVE SELECT with since_lsn set to last_lsn resumes.")
}

// crashed logs a panic met while computing the subscription's
// notifications and returns the error its subscriber is told (XX000).
func (sub *liveSub) crashed(db *DB, r any) error {
	db.log.Error("live select failed; subscription stopped", "subscription", sub.id,
		"last_lsn", sub.from, "panic", r, "stack", string(debug.Stack()))
	return errs.Errorf(errs.InternalError,
		"LIVE SELECT %s stopped: internal error computing the change of %s after LSN %d (the server log has the details)",
		sub.id, sub.coll.Name, sub.from).WithHint("Start a new LIVE SELECT with since_lsn to resume after the last LSN delivered.")
}

// failure is the notification that ends a subscription which could not go
// on: {"subscription_id", "error": {"code", "message"}, "last_lsn"}, on its
// channel, last_lsn being the last change it was given (or skipped).
func (sub *liveSub) failure(last uint64, err error) event.Notification {
	sub.sess.mgr.db.tail.failures.Add(1)
	code := errs.Code(err)
	b := append([]byte(sub.head), `,"error":{"code":`...)
	b = types.AppendJSONString(b, code)
	b = append(b, `,"message":`...)
	b = types.AppendJSONString(b, err.Error())
	b = append(b, `},"last_lsn":`...)
	b = strconv.AppendUint(b, last, 10)
	b = append(b, '}')
	return event.Notification{Channel: sub.channel, Payload: string(b), PID: sub.sess.id, Sub: sub.id, LSN: last, Err: err}
}

// readChanges returns up to 1,000 change-log events of view after LSN from
// and the LSN of the snapshot they were read at, once every commit that
// snapshot may show is durable. ok is false when the caller should stop
// (ctx done or the database closing).
//
// With lost set, a read that would skip events retention removed fails
// with 55000 instead (a subscription catching up); the tailer, which reads
// what was just committed, passes nil.
func (db *DB) readChanges(ctx context.Context, view *catalog.Stream, from uint64, lost *event.Log) (evs []event.Event, head uint64, ok bool, err error) {
	view.StartLSN = from
	tx := db.txm.Begin()
	defer tx.Rollback()
	evs, err = event.Read(tx, db.cat, lost, view, event.Offsets{Any: lost != nil}, event.ReadOptions{Partition: -1, Limit: 1000})
	head = tx.SnapshotLSN()
	if tx.WaitVisibleDurable(ctx) != nil {
		return nil, head, false, nil
	}
	return evs, head, true, err
}

// deliver returns the notification of one event for the subscription's
// session, if the event matches and is new to it. shared, when not nil,
// holds the outcomes of shapes already evaluated for this event. An error
// (the query cannot be evaluated on the event's row) ends the
// subscription; its position is then left at the change before.
func (sub *liveSub) deliver(e event.Event, shared map[string]*liveShared) (event.Notification, bool, error) {
	if e.LSN <= sub.from {
		return event.Notification{}, false, nil
	}
	if k := sub.sess.mgr.db.knobs.liveEvent; k != nil {
		k(sub, e)
	}
	r := shared[sub.shape]
	if r == nil {
		sub.env.Fn.Now = time.Now().UTC()
		p, ok, err := sub.sess.liveMatch(sub.env, sub, e)
		r = &liveShared{matched: ok, err: err}
		if ok {
			r.tail = p.appendTail(nil)
		}
		if shared != nil {
			shared[sub.shape] = r
		}
	}
	// Only now: a panic or an error above leaves the subscription's
	// position at the last change it was given.
	if r.err != nil {
		return event.Notification{}, false, errs.Errorf(errs.Code(r.err), "LIVE SELECT %s stopped at the change of %s at LSN %d: %w",
			sub.id, sub.coll.Name, e.LSN, r.err).WithHint("The same SELECT fails on this row; start a new LIVE SELECT once the query or the row is fixed.")
	}
	sub.from = e.LSN
	if !r.matched {
		return event.Notification{}, false, nil
	}
	// One allocation: the builder's bytes become the payload string.
	var b strings.Builder
	b.Grow(len(sub.head) + len(r.tail))
	b.WriteString(sub.head)
	b.Write(r.tail)
	return event.Notification{Channel: sub.channel, Payload: b.String(), PID: sub.sess.id, Sub: sub.id, LSN: e.LSN}, true, nil
}

// liveTail reads the change log once per commit for every joined LIVE
// SELECT subscription and dispatches each event to those it concerns. It
// runs while subscriptions exist; DB.Close stops it.
type liveTail struct {
	db *DB

	mu      sync.Mutex
	subs    map[*liveSub]bool
	pos     uint64 // every event at or below it has been dispatched
	running bool
	stop    chan struct{}
	wg      sync.WaitGroup

	catchUps atomic.Uint64 // subscriptions handed back (Stats.LiveCatchUps)
	active   atomic.Int64  // subscriptions whose goroutine runs (Stats.LiveSubscriptions)
	failures atomic.Uint64 // subscriptions ended on an error (Stats.LiveFailures)
}

// join adds a subscription that has delivered everything up to from. It
// fails while the tailer has already dispatched past from, or, when no
// tailer runs, while from is behind the last durable commit: the caller
// then reads the log itself further and tries again. (The tailer reads
// what was just committed, without checking for events retention
// removed; started at an old position it could skip some silently.)
func (t *liveTail) join(sub *liveSub, from uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.running && from < t.db.txm.LastLSN() {
		return false
	}
	if !t.running {
		if t.stop == nil {
			t.stop = make(chan struct{})
		}
		select {
		case <-t.stop:
			return false // the database is closing
		default:
		}
		t.pos = from
		t.running = true
		t.subs = map[*liveSub]bool{}
		t.wg.Add(1)
		go t.run()
	}
	if from < t.pos {
		return false // events between from and pos were dispatched already
	}
	if sub.collectionGone(t.db) != nil {
		return false // dropped: the caller tells its subscriber (see dropped)
	}
	sub.from = from
	t.subs[sub] = true
	return true
}

// dropped ends the joined subscriptions of a collection just dropped:
// each is handed back to its goroutine with the error to tell its
// subscriber. (One catching up finds the collection gone itself; join
// refuses it once the catalog says so.)
func (t *liveTail) dropped(collID uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for sub := range t.subs {
		if sub.coll.ID == collID {
			delete(t.subs, sub)
			sub.detached <- handBack{from: sub.from, err: sub.collectionGone(t.db)} // never blocks: it left the tailer
		}
	}
}

func (t *liveTail) leave(sub *liveSub) {
	t.mu.Lock()
	delete(t.subs, sub)
	t.mu.Unlock()
}

// close stops the tailer (at DB.Close).
func (t *liveTail) close() {
	t.mu.Lock()
	if t.stop == nil {
		t.stop = make(chan struct{})
	}
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	t.mu.Unlock()
	t.wg.Wait()
}

func (t *liveTail) run() {
	defer t.wg.Done()
	db := t.db
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-t.stop:
			cancel()
		case <-ctx.Done(): // run returned
		}
	}()
	all := &catalog.Stream{Name: "live", Include: []string{"INSERT", "UPDATE", "DELETE"}}
	for {
		t.mu.Lock()
		pos := t.pos
		t.mu.Unlock()
		if !db.notify.Wait(ctx, pos) {
			return
		}
		evs, head, ok, err := db.readChanges(ctx, all, pos, nil)
		if !ok {
			return
		}
		if err != nil {
			db.log.Warn("live select tailer: read failed; retrying", "err", err)
			continue
		}
		t.mu.Lock()
		// Subscription by subscription, each gets all of the read's events
		// back to back: its connection, woken by the first, then finds the
		// rest queued and writes them together (one syscall, not one per
		// event). Shapes are still evaluated once per event.
		shared := make([]map[string]*liveShared, len(evs))
		for i := range shared {
			shared[i] = map[string]*liveShared{}
		}
		for sub := range t.subs {
			for i, e := range evs {
				if sub.coll.ID == e.CollID && !t.deliverSafely(sub, e, shared[i]) {
					break // dropped, or handed back to catch up
				}
			}
		}
		if len(evs) > 0 {
			t.pos = evs[len(evs)-1].LSN
		}
		if len(evs) == 0 {
			t.pos = max(t.pos, head)
		}
		if len(t.subs) == 0 {
			// Nobody listens: stop reading the log (join restarts).
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

// deliverSafely keeps one subscription's failure from stopping the others;
// it reports false when the subscription failed (a query that cannot be
// evaluated on the event, or a panic: its goroutine is handed the error to
// tell its subscriber, and ends it), or left the tailer to catch up on its
// own because its session's mailbox was full. The tailer never waits for a subscriber and never drops a change:
// a subscriber that does not keep up reads the durable log at its own
// pace from the change it could not take (runLive), then joins again.
// t.mu is held.
func (t *liveTail) deliverSafely(sub *liveSub, e event.Event, shared map[string]*liveShared) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			delete(t.subs, sub)
			sub.detached <- handBack{from: sub.from, err: sub.crashed(t.db, r)} // never blocks, as below
			ok = false
		}
	}()
	n, matched, err := sub.deliver(e, shared)
	if err != nil {
		delete(t.subs, sub)
		sub.detached <- handBack{from: sub.from, err: err} // never blocks, as below
		return false
	}
	if matched && !t.db.hub.Offer(sub.sess.listener, n) {
		delete(t.subs, sub)
		t.catchUps.Add(1)
		sub.from = e.LSN - 1                      // e goes out again, from the log
		sub.detached <- handBack{from: e.LSN - 1} // never blocks: one hand-back per join
		return false
	}
	return true
}

// liveMatch decides whether an event concerns the subscription and builds
// its payload.
//
// An error evaluating the WHERE clause or the select list (division by
// zero, a failed cast) is returned: the same SELECT would fail on that
// row, and skipping the change, or sending it without the value, would
// leave the subscriber a result the query does not define.
func (s *Session) liveMatch(env *exec.Env, sub *liveSub, e event.Event) (livePayload, bool, error) {
	row := func(m map[string]any) types.Row {
		if m == nil {
			return nil
		}
		if !sub.coll.Tuple() {
			return types.Row{m}
		}
		r := make(types.Row, len(sub.coll.Columns))
		for i, c := range sub.coll.Columns {
			r[i] = m[c.Name]
		}
		return r
	}
	matches := func(r types.Row) (bool, error) {
		if r == nil {
			return false, nil
		}
		return env.Truthy(sub.pred, r)
	}
	oldRow, newRow := row(e.Old), row(e.New)
	oldIn, err := matches(oldRow)
	if err != nil {
		return livePayload{}, false, err
	}
	newIn, err := matches(newRow)
	if err != nil {
		return livePayload{}, false, err
	}
	p := livePayload{SubscriptionID: sub.id, Op: e.Op, RowID: e.RowID, LSN: e.LSN}
	var out types.Row
	switch {
	case e.Op == "INSERT" && newIn:
		out = newRow
	case e.Op == "DELETE" && oldIn:
		out = oldRow
	case e.Op == "UPDATE" && newIn && oldIn:
		p.Transition, out = "changed", newRow
	case e.Op == "UPDATE" && newIn:
		p.Transition, out = "entered", newRow
	case e.Op == "UPDATE" && oldIn:
		p.Transition, out = "left", oldRow
	default:
		return p, false, nil
	}
	p.Row = make([]liveField, len(sub.proj))
	for i, x := range sub.proj {
		v, err := env.Eval(x, out)
		if err != nil {
			return livePayload{}, false, err
		}
		p.Row[i] = liveField{Name: sub.cols[i].Name, Value: types.JSONTyped(v, sub.cols[i].T)}
	}
	return p, true, nil
}

// AppendJSON appends the payload's JSON (HTML characters not escaped),
// the row's columns in the select list's order: every matching change of
// every subscriber is encoded, so without reflection.
func (p *livePayload) AppendJSON(b []byte) []byte {
	b = append(b, `{"subscription_id":`...)
	b = types.AppendJSONString(b, p.SubscriptionID)
	return p.appendTail(b)
}

// appendTail appends everything after the subscription id, which every
// subscription of one shape shares.
func (p *livePayload) appendTail(b []byte) []byte {
	b = append(b, `,"op":`...)
	b = types.AppendJSONString(b, p.Op)
	if p.Transition != "" {
		b = append(b, `,"transition":`...)
		b = types.AppendJSONString(b, p.Transition)
	}
	b = append(b, `,"row_id":`...)
	b = types.AppendJSONString(b, p.RowID)
	b = append(b, `,"lsn":`...)
	b = strconv.AppendUint(b, p.LSN, 10)
	b = append(b, `,"row":`...)
	if p.Row == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for i, f := range p.Row {
			if i > 0 {
				b = append(b, ',')
			}
			b = types.AppendJSONString(b, f.Name)
			b = append(b, ':')
			b = types.AppendJSON(b, f.Value)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}
