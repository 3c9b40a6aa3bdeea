package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/txn"
)

// Outbound delivery pushes the events of change streams that have a
// Delivery to an external system. Each such stream has a pipe: one reader
// walks the durable change log after the stream's committed delivery
// positions and queues events per partition; one goroutine per busy
// partition sends them in order, retrying with back-off; positions are
// committed (every flushEvery) only for events the receiver accepted, so a
// restart resumes where delivery stopped (at-least-once). An event that
// exhausts its retries, or that the receiver refuses permanently, becomes
// a durable dead letter and its partition moves on.

// Outgoing is one event on its way out: the event and its encoded body.
type Outgoing struct {
	Event  Event
	Body   []byte
	Replay bool // a dead letter sent again (out of partition order)
}

// Sink sends batches of one partition's events to an external system.
type Sink interface {
	// Send delivers a batch (in order). A *PermanentError means retrying
	// cannot help; any other error is retried.
	Send(ctx context.Context, stream string, batch []Outgoing) error
	Close() error
}

// Resumer is a Sink that can tell, after a restart, how far the external
// system already holds a stream's events (per partition, the highest LSN
// it has durably). The pipe starts after the larger of that and its own
// committed positions, so events delivered just before a crash (after
// the external commit, before nodedb's position commit) are not sent
// twice. A transactional Kafka sink implements it.
type Resumer interface {
	Resume(ctx context.Context, stream string) (map[uint16]uint64, error)
}

// PermanentError is a failure retrying cannot fix (a 4xx other than 408
// and 429 from a webhook, for example).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// UnavailableError is a failure of the external system as a whole (a Kafka
// cluster that cannot be reached, a missing topic), not of the events
// sent. A delivery pipe retries it without limit (with back-off) and never
// dead-letters it: moving on would only fail, and dead-letter, every later
// event too, and reorder the stream. REPLAY, which a statement runs, still
// stops after RETRY attempts.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

// Pipe limits and timings.
const (
	partitionQueue = 256    // queued events per partition before it stalls
	pipeQueue      = 20_000 // queued events per pipe before the reader waits
	readBatch      = 1_000  // events per change-log read
	flushEvery     = 100 * time.Millisecond
	maxInFlight    = 64 // concurrent requests per pipe (partitions wait for a slot)
	backoffFirst   = 100 * time.Millisecond
	backoffCap     = 10 * time.Second
)

// Backoff returns the wait before retry n (1-based): 100 ms doubling,
// capped at 10 s.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 20 {
		return backoffCap
	}
	return min(backoffFirst<<(n-1), backoffCap)
}

// OutboundConfig wires an Outbound to the database.
type OutboundConfig struct {
	Txns     *txn.Manager
	Catalog  *catalog.Catalog
	Log      *Log
	Notifier *Notifier
	Logger   *slog.Logger
	// Encode renders an event as the JSON body receivers get.
	Encode func(Event) ([]byte, error)
	// NewSink builds the sink of a stream's delivery.
	NewSink func(st *catalog.Stream) (Sink, error)
	// Sleep waits between retries (tests shorten it); nil: real time.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Outbound runs the delivery pipes of every stream with a delivery.
type Outbound struct {
	cfg OutboundConfig

	mu     sync.Mutex
	pipes  map[uint32]*pipe
	stats  map[uint32]*DeliveryStats // by stream id; survive pipe restarts
	closed bool
}

// DeliveryStats are a stream's delivery counters.
type DeliveryStats struct {
	Delivered    atomic.Uint64
	Retried      atomic.Uint64
	DeadLettered atomic.Uint64
	Skipped      atomic.Uint64 // events retention removed before delivery
	mu           sync.Mutex
	lastErr      string
	lastErrAt    time.Time
	retrying     int // partitions waiting to retry
}

// DeliveryStatus is what SHOW CHANGE STREAMS and /metrics report.
type DeliveryStatus struct {
	State        string // "active", "retrying", "paused", "stopped"
	Delivered    uint64
	Retried      uint64
	DeadLettered uint64
	Skipped      uint64
	Queued       int
	LastError    string
	LastErrorAt  time.Time
}

// NewOutbound returns an Outbound; call Reconcile to start its pipes.
func NewOutbound(cfg OutboundConfig) *Outbound {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	return &Outbound{cfg: cfg, pipes: map[uint32]*pipe{}, stats: map[uint32]*DeliveryStats{}}
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

// Reconcile makes the running pipes match the catalog: it starts pipes of
// new deliveries, restarts those whose stream descriptor changed, and stops
// those of dropped or paused streams. Call it after every DDL that touches
// a stream.
func (o *Outbound) Reconcile() {
	want := map[uint32]*catalog.Stream{}
	for _, st := range o.cfg.Catalog.Streams() {
		if st.Delivery != nil && !st.Delivery.Paused {
			want[st.ID] = st
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	for id, p := range o.pipes {
		if w, ok := want[id]; !ok || w != p.st {
			p.stop()
			delete(o.pipes, id)
		}
	}
	live := map[uint32]bool{}
	for _, st := range o.cfg.Catalog.Streams() {
		live[st.ID] = true
	}
	for id := range o.stats {
		if !live[id] {
			delete(o.stats, id)
		}
	}
	for id, st := range want {
		if _, ok := o.pipes[id]; ok {
			continue
		}
		stats := o.stats[id]
		if stats == nil {
			stats = &DeliveryStats{}
			o.stats[id] = stats
		}
		sink, err := o.cfg.NewSink(st)
		if err != nil {
			stats.fail(err)
			o.cfg.Logger.Error("outbound: cannot start delivery", "stream", st.Name, "err", err)
			continue
		}
		p := newPipe(o, st, sink, stats)
		o.pipes[id] = p
		p.start()
	}
}

// Stop stops a stream's pipe (committing what was delivered) until the
// next Reconcile; DROP CHANGE STREAM calls it so the pipe's position
// commits do not race the drop.
func (o *Outbound) Stop(streamID uint32) {
	o.mu.Lock()
	p := o.pipes[streamID]
	delete(o.pipes, streamID)
	o.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// Close stops every pipe (committing what was delivered).
func (o *Outbound) Close() {
	o.mu.Lock()
	o.closed = true
	pipes := o.pipes
	o.pipes = map[uint32]*pipe{}
	o.mu.Unlock()
	for _, p := range pipes {
		p.stop()
	}
}

// Status reports a stream's delivery state.
func (o *Outbound) Status(st *catalog.Stream) DeliveryStatus {
	o.mu.Lock()
	p := o.pipes[st.ID]
	stats := o.stats[st.ID]
	o.mu.Unlock()
	var out DeliveryStatus
	switch {
	case st.Delivery == nil:
		return out
	case st.Delivery.Paused:
		out.State = "paused"
	case p == nil:
		out.State = "stopped"
	default:
		out.State = "active"
		out.Queued = p.queued()
	}
	if stats != nil {
		out.Delivered = stats.Delivered.Load()
		out.Retried = stats.Retried.Load()
		out.DeadLettered = stats.DeadLettered.Load()
		out.Skipped = stats.Skipped.Load()
		stats.mu.Lock()
		out.LastError, out.LastErrorAt = stats.lastErr, stats.lastErrAt
		if stats.retrying > 0 && out.State == "active" {
			out.State = "retrying"
		}
		stats.mu.Unlock()
	}
	return out
}

func (s *DeliveryStats) fail(err error) {
	s.mu.Lock()
	s.lastErr, s.lastErrAt = err.Error(), time.Now().UTC()
	s.mu.Unlock()
}

func (s *DeliveryStats) setRetrying(delta int) {
	s.mu.Lock()
	s.retrying += delta
	s.mu.Unlock()
}

// Replay re-delivers a stream's dead letters once each (with the stream's
// retries); delivered letters are removed, failed ones are kept with their
// attempt count raised. It returns how many were delivered and how many
// remain.
func (o *Outbound) Replay(ctx context.Context, st *catalog.Stream) (delivered, failed int, err error) {
	if st.Delivery == nil {
		return 0, 0, errs.Errorf(errs.ObjectNotInState, "change stream '%s' has no delivery", st.Name)
	}
	tx := o.cfg.Txns.Begin()
	letters, err := DeadLetters(tx, st.ID, 0)
	tx.Rollback()
	if err != nil || len(letters) == 0 {
		return 0, 0, err
	}
	sink, err := o.cfg.NewSink(st)
	if err != nil {
		return 0, 0, err
	}
	defer sink.Close()
	for _, d := range letters {
		out := []Outgoing{{Event: Event{LSN: d.LSN, Partition: d.Partition}, Body: d.Event, Replay: true}}
		attempts, serr := o.send(ctx, st, sink, out, nil, nil)
		if ctx.Err() != nil {
			return delivered, failed, ctx.Err()
		}
		tx := o.cfg.Txns.Begin()
		if serr == nil {
			DeleteDeadLetter(tx, st.ID, d.LSN)
			delivered++
		} else {
			d.Attempts += attempts
			d.Error = serr.Error()
			d.LastMs = time.Now().UnixMilli()
			if err := PutDeadLetter(tx, d); err != nil {
				tx.Rollback()
				return delivered, failed, err
			}
			failed++
		}
		if _, err := tx.Commit(); err != nil {
			return delivered, failed, err
		}
	}
	return delivered, failed, nil
}

// send delivers one batch with the stream's retry policy. It returns the
// number of attempts made and the last error (nil on success).
func (o *Outbound) send(ctx context.Context, st *catalog.Stream, sink Sink, batch []Outgoing, stats *DeliveryStats, slots chan struct{}) (int, error) {
	d := st.Delivery
	for attempt := 1; ; attempt++ {
		// A slot is held only while a request is in flight, not during
		// back-off, so partitions waiting to retry do not hold up others.
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return attempt - 1, ctx.Err()
			}
		}
		err := sink.Send(ctx, st.Name, batch)
		if slots != nil {
			<-slots
		}
		if err == nil {
			return attempt, nil
		}
		if ctx.Err() != nil {
			return attempt, ctx.Err()
		}
		if stats != nil {
			stats.fail(err)
		}
		var perm *PermanentError
		var down *UnavailableError
		unlimited := stats != nil && errors.As(err, &down) // a pipe, not REPLAY
		if errors.As(err, &perm) || (attempt > d.Retry && !unlimited) {
			return attempt, err
		}
		if stats != nil {
			stats.Retried.Add(1)
			stats.setRetrying(1)
		}
		serr := o.cfg.Sleep(ctx, Backoff(attempt))
		if stats != nil {
			stats.setRetrying(-1)
		}
		if serr != nil {
			return attempt, serr
		}
	}
}

// pipe delivers one stream.
type pipe struct {
	o     *Outbound
	st    *catalog.Stream
	sink  Sink
	stats *DeliveryStats

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	scanned uint64             // every event through it was queued (or delivered)
	pos     map[uint16]uint64  // last queued LSN per partition (when > scanned)
	acked   map[uint16]uint64  // last delivered LSN per partition
	queues  map[uint16][]Event // queued, not yet delivered (head in flight)
	running map[uint16]bool    // partitions with a sender goroutine
	stalled map[uint16]bool    // full partitions the reader skips
	total   int                // queued events
	dirty   bool               // acked changed since the last flush
	kick    chan struct{}      // a stalled partition has room again
	slots   chan struct{}      // bounds requests in flight
	commit  sync.Mutex         // serialises position commits
	floor   uint64             // last committed floor
	saved   map[uint16]uint64  // last committed per-partition positions
	lastErr error              // last reader error (logged once)
}

func newPipe(o *Outbound, st *catalog.Stream, sink Sink, stats *DeliveryStats) *pipe {
	ctx, cancel := context.WithCancel(context.Background())
	return &pipe{o: o, st: st, sink: sink, stats: stats, ctx: ctx, cancel: cancel,
		pos: map[uint16]uint64{}, acked: map[uint16]uint64{}, queues: map[uint16][]Event{},
		running: map[uint16]bool{}, stalled: map[uint16]bool{}, saved: map[uint16]uint64{},
		kick: make(chan struct{}, 1), slots: make(chan struct{}, maxInFlight)}
}

func (p *pipe) start() {
	p.wg.Add(1)
	go p.run()
}

// stop ends the pipe: senders finish or abandon their in-flight batch
// (it is sent again after a restart), and delivered positions are
// committed.
func (p *pipe) stop() {
	p.cancel()
	p.wg.Wait()
	if err := p.flush(); err != nil {
		p.o.cfg.Logger.Warn("outbound: commit delivery positions", "stream", p.st.Name, "err", err)
	}
	if err := p.sink.Close(); err != nil {
		p.o.cfg.Logger.Warn("outbound: close sink", "stream", p.st.Name, "err", err)
	}
}

func (p *pipe) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// run loads the committed positions, then reads, queues and flushes until
// the pipe stops.
func (p *pipe) run() {
	defer p.wg.Done()
	for p.ctx.Err() == nil {
		if err := p.load(); err == nil {
			break
		} else {
			p.stats.fail(err)
			p.o.cfg.Logger.Error("outbound: load delivery positions", "stream", p.st.Name, "err", err)
			if p.o.cfg.Sleep(p.ctx, time.Second) != nil {
				return
			}
		}
	}
	lastFlush := time.Now()
	failures := 0
	for p.ctx.Err() == nil {
		more, err := p.readOnce()
		if err != nil {
			failures++
			p.stats.fail(err)
			if p.lastErr == nil || p.lastErr.Error() != err.Error() {
				p.o.cfg.Logger.Warn("outbound: read change log", "stream", p.st.Name, "err", err)
			}
			p.lastErr = err
			if p.o.cfg.Sleep(p.ctx, Backoff(failures)) != nil {
				return
			}
			continue
		}
		failures, p.lastErr = 0, nil
		if time.Since(lastFlush) >= flushEvery {
			if err := p.flush(); err != nil {
				p.stats.fail(err)
				p.o.cfg.Logger.Warn("outbound: commit delivery positions", "stream", p.st.Name, "err", err)
			}
			lastFlush = time.Now()
		}
		if more {
			continue
		}
		p.mu.Lock()
		after := p.scanned
		p.mu.Unlock()
		wctx, cancel := context.WithTimeout(p.ctx, flushEvery)
		woke := make(chan struct{})
		go func() {
			defer close(woke)
			select {
			case <-p.kick:
				cancel()
			case <-wctx.Done():
			}
		}()
		p.o.cfg.Notifier.Wait(wctx, after)
		cancel()
		<-woke
	}
}

// load sets the pipe's positions from the committed ones.
func (p *pipe) load() error {
	tx := p.o.cfg.Txns.Begin()
	defer tx.Rollback()
	off, err := LoadOffsets(tx, p.st.Delivery.GroupID)
	if err != nil {
		return err
	}
	var held map[uint16]uint64
	if r, ok := p.sink.(Resumer); ok {
		if held, err = r.Resume(p.ctx, p.st.Name); err != nil {
			return fmt.Errorf("resume positions from the sink: %w", err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scanned = max(p.st.StartLSN, off.Floor)
	p.floor = off.Floor
	for part, lsn := range off.Part {
		p.saved[part] = lsn
		if lsn > p.scanned {
			p.pos[part], p.acked[part] = lsn, lsn
		}
	}
	for part, lsn := range held {
		if lsn > p.scanned && lsn > p.pos[part] {
			p.pos[part], p.acked[part] = lsn, lsn
			p.dirty = true
		}
	}
	return nil
}

// readOnce catches up stalled partitions that have room again, then reads
// the next events after the scan position. It reports whether more may be
// waiting.
func (p *pipe) readOnce() (bool, error) {
	tx := p.o.cfg.Txns.Begin()
	defer tx.Rollback()
	if err := tx.WaitVisibleDurable(p.ctx); err != nil {
		return false, err
	}
	cat, log := p.o.cfg.Catalog, p.o.cfg.Log

	p.mu.Lock()
	scanned := p.scanned
	var resume []uint16
	for part := range p.stalled {
		if len(p.queues[part]) <= partitionQueue/2 {
			resume = append(resume, part)
		}
	}
	p.mu.Unlock()

	sort.Slice(resume, func(i, j int) bool { return resume[i] < resume[j] })
	for _, part := range resume {
		p.mu.Lock()
		from := p.pos[part]
		limit := partitionQueue - len(p.queues[part])
		p.mu.Unlock()
		evs, err := Read(tx, cat, log, p.st, Offsets{Part: map[uint16]uint64{part: from}},
			ReadOptions{Partition: int(part), Limit: limit, UpTo: scanned})
		if err != nil {
			if p.skipLost(err) {
				return true, nil
			}
			return false, err
		}
		p.mu.Lock()
		for _, e := range evs {
			p.enqueueLocked(e)
		}
		if len(evs) < limit {
			delete(p.stalled, part)
		}
		p.mu.Unlock()
	}

	// The main read skips stalled partitions (their position is set past
	// everything) and starts at the scan position.
	p.mu.Lock()
	room := pipeQueue - p.total
	offs := Offsets{Part: make(map[uint16]uint64, len(p.pos)+len(p.stalled)), Floor: scanned}
	for part, lsn := range p.pos {
		if lsn > scanned {
			offs.Part[part] = lsn
		} else if !p.stalled[part] {
			delete(p.pos, part) // the floor covers it
		}
	}
	for part := range p.stalled {
		offs.Part[part] = math.MaxUint64
	}
	p.mu.Unlock()
	if room <= 0 {
		return false, nil
	}
	limit := min(readBatch, room)
	evs, err := Read(tx, cat, log, p.st, offs, ReadOptions{Partition: -1, Limit: limit})
	if err != nil {
		if p.skipLost(err) {
			return true, nil
		}
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range evs {
		if p.stalled[e.Partition] {
			continue
		}
		if len(p.queues[e.Partition]) >= partitionQueue {
			p.stalled[e.Partition] = true
			continue
		}
		p.enqueueLocked(e)
	}
	if len(evs) < limit {
		// Only commits through the snapshot LSN are surely applied; later
		// ones read here are remembered in pos.
		p.scanned = max(p.scanned, tx.SnapshotLSN())
		return false, nil
	}
	p.scanned = max(p.scanned, evs[len(evs)-1].LSN)
	return true, nil
}

// enqueueLocked queues an event and makes sure its partition has a sender.
func (p *pipe) enqueueLocked(e Event) {
	p.queues[e.Partition] = append(p.queues[e.Partition], e)
	p.pos[e.Partition] = e.LSN
	p.total++
	if !p.running[e.Partition] {
		p.running[e.Partition] = true
		p.wg.Add(1)
		go p.send(e.Partition)
	}
}

// skipLost handles a history-lost read: retention removed events before
// they were delivered. Delivery cannot bring them back; it records the
// loss (a counter, the stream's last error, a log line) and moves every
// position past the trimmed range.
func (p *pipe) skipLost(err error) bool {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.ObjectNotInState {
		return false
	}
	p.stats.Skipped.Add(1)
	p.stats.fail(err)
	p.o.cfg.Logger.Error("outbound: events removed by retention before delivery; skipping them", "stream", p.st.Name, "err", err)
	earliest := p.o.cfg.Log.Earliest(p.st)
	p.mu.Lock()
	defer p.mu.Unlock()
	for part, lsn := range earliest {
		if lsn > p.pos[part] && lsn > p.scanned {
			p.pos[part] = lsn
		}
		if lsn > p.acked[part] && len(p.queues[part]) == 0 {
			p.acked[part] = lsn
			p.dirty = true
		}
	}
	return true
}

// send is a partition's sender: it delivers the partition's queue in order
// until it is empty or the pipe stops.
func (p *pipe) send(part uint16) {
	defer p.wg.Done()
	batchN := max(1, p.st.Delivery.Batch)
	for {
		p.mu.Lock()
		q := p.queues[part]
		if len(q) == 0 || p.ctx.Err() != nil {
			p.running[part] = false
			p.mu.Unlock()
			return
		}
		batch := q[:min(batchN, len(q))]
		p.mu.Unlock()

		out := make([]Outgoing, 0, len(batch))
		var encErr error
		for _, e := range batch {
			body, err := p.o.cfg.Encode(e)
			if err != nil {
				encErr = fmt.Errorf("encode event %d: %w", e.LSN, err)
				break
			}
			out = append(out, Outgoing{Event: e, Body: body})
		}
		first := time.Now()
		attempts, err := 0, encErr
		if encErr == nil {
			attempts, err = p.o.send(p.ctx, p.st, p.sink, out, p.stats, p.slots)
		} else {
			err = &PermanentError{Err: encErr}
		}
		if err != nil && p.ctx.Err() != nil {
			// Stopped during the send: the batch goes again after a
			// restart. (One the sink took is acknowledged below even so,
			// and stop's flush records it: an ALTER or a PAUSE right after
			// a delivery does not send it twice.)
			p.mu.Lock()
			p.running[part] = false
			p.mu.Unlock()
			return
		}
		if err != nil {
			if derr := p.deadLetter(part, batch, out, err, attempts, first); derr != nil {
				// The dead letter is not durable: keep the batch and try it
				// again after a pause rather than losing it.
				p.stats.fail(derr)
				p.o.cfg.Logger.Error("outbound: write dead letter", "stream", p.st.Name, "err", derr)
				if p.o.cfg.Sleep(p.ctx, time.Second) != nil {
					p.mu.Lock()
					p.running[part] = false
					p.mu.Unlock()
					return
				}
				continue
			}
		} else {
			p.stats.Delivered.Add(uint64(len(batch)))
		}
		p.mu.Lock()
		p.queues[part] = p.queues[part][len(batch):]
		if len(p.queues[part]) == 0 {
			delete(p.queues, part)
		}
		p.total -= len(batch)
		p.acked[part] = batch[len(batch)-1].LSN
		p.dirty = true
		wake := p.stalled[part] && len(p.queues[part]) <= partitionQueue/2
		p.mu.Unlock()
		if wake {
			select {
			case p.kick <- struct{}{}:
			default:
			}
		}
	}
}

// deadLetter durably records a batch the receiver did not take, together
// with the partition's position past it, in one commit.
func (p *pipe) deadLetter(part uint16, batch []Event, out []Outgoing, cause error, attempts int, first time.Time) error {
	p.commit.Lock()
	defer p.commit.Unlock()
	tx := p.o.cfg.Txns.Begin()
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	for i, e := range batch {
		var body []byte
		if i < len(out) {
			body = out[i].Body
		} else {
			body = []byte("null")
		}
		d := &DeadLetter{StreamID: p.st.ID, LSN: e.LSN, Partition: part, Event: body, Error: cause.Error(),
			Attempts: attempts, FirstMs: first.UnixMilli(), LastMs: now}
		if err := PutDeadLetter(tx, d); err != nil {
			return err
		}
	}
	last := batch[len(batch)-1].LSN
	if last > p.saved[part] {
		SetOffset(tx, p.st.Delivery.GroupID, part, last)
	}
	if _, err := tx.Commit(); err != nil {
		return err
	}
	if last > p.saved[part] {
		p.saved[part] = last
	}
	p.stats.DeadLettered.Add(uint64(len(batch)))
	p.o.cfg.Logger.Warn("outbound: event dead-lettered", "stream", p.st.Name, "partition", part,
		"lsn", batch[0].LSN, "events", len(batch), "attempts", attempts, "err", cause)
	return nil
}

// flush commits delivered positions: per partition, and the floor below
// which every event was delivered.
func (p *pipe) flush() error {
	p.commit.Lock()
	defer p.commit.Unlock()
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return nil
	}
	floor := p.scanned
	for _, q := range p.queues {
		if len(q) > 0 {
			floor = min(floor, q[0].LSN-1)
		}
	}
	for part := range p.stalled {
		floor = min(floor, max(p.acked[part], p.floor))
	}
	acked := make(map[uint16]uint64, len(p.acked))
	for part, lsn := range p.acked {
		if lsn > floor {
			acked[part] = lsn
		} else {
			delete(p.acked, part)
		}
	}
	p.dirty = false
	p.mu.Unlock()

	tx := p.o.cfg.Txns.Begin()
	defer tx.Rollback()
	writes := 0
	for part, lsn := range acked {
		if lsn > p.saved[part] {
			SetOffset(tx, p.st.Delivery.GroupID, part, lsn)
			writes++
		}
	}
	if floor > p.floor {
		SetFloor(tx, p.st.Delivery.GroupID, floor)
		writes++
	}
	if writes == 0 {
		return nil
	}
	if _, err := tx.Commit(); err != nil {
		p.mu.Lock()
		p.dirty = true
		p.mu.Unlock()
		return err
	}
	for part, lsn := range acked {
		p.saved[part] = max(p.saved[part], lsn)
	}
	p.floor = max(p.floor, floor)
	return nil
}
