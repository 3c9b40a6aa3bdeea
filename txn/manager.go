package txn

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Durability selects when a commit is acknowledged.
type Durability int

const (
	// Sync acknowledges a commit only after its batch is fsynced (group
	// commit: concurrent commits share one sync). The default.
	Sync Durability = iota
	// Relaxed acknowledges once the batch is in Pebble's WAL buffer, without
	// waiting for the fsync. A crash can lose the last acknowledged commits.
	Relaxed
)

// Manager is the commit pipeline: it hands out snapshots, detects
// write-write conflicts, assigns LSNs in commit order and writes each commit
// as one Pebble batch (data, index entries, change-log records and the last
// LSN), then acknowledges it once durable.
//
// The pipeline has two stages. Under mu, a committing transaction is checked
// for conflicts against every commit newer than its snapshot, gets its LSNs
// and is appended to the queue; this fixes the commit order. The committer
// goroutine then takes everything queued, writes it as one batch with one
// sync, publishes the new durable LSN and wakes the waiters.
//
// Pebble makes a batch visible to new snapshots before its WAL sync
// completes, so a snapshot may hold a commit that a crash could still
// lose. Writers are safe: their own commit lands later in the same WAL, so
// it is acknowledged only after everything it read is durable. What reads
// return without committing (query results, errors) is held back by the
// session until every commit the snapshot may show is durable
// (Txn.WaitVisibleDurable), as PostgreSQL shows a commit only after its
// WAL flush. Readers wait only while commits they may see are in flight.
type Manager struct {
	store      *storage.Store
	durability Durability
	log        *slog.Logger
	now        func() time.Time

	mu struct {
		sync.Mutex
		nextLSN   uint64            // next LSN to assign
		lastWrite map[string]uint64 // key → LSN of the last commit that wrote it
		// rowLocks: per row lock key (Txn.LockRow), the LSNs of the last
		// commits that held it shared and exclusively.
		rowLocks map[string]rowLock
		queue    []*commitReq
		failed   error // sticky: set when a batch could not be written
		closed   bool
		sinceGC  int
	}
	wake chan struct{} // signals the committer; capacity 1

	held  heldLocks // SELECT ... FOR UPDATE/SHARE row locks (heldlocks.go)
	hints seekHints // where scans may start past deleted keys (seekhint.go)

	// inflight holds the writes of queued pipelined commits (see
	// Txn.CommitAsync) until their group is written: key → the newest.
	// Written under mu (so it follows LSN order), read by ReadLatest
	// transactions.
	inflight struct {
		sync.RWMutex
		m map[string]inflightWrite
	}

	snap struct {
		sync.Mutex
		published uint64            // all commits ≤ published are durable and visible
		durable   chan struct{}     // closed (and replaced) whenever published moves
		active    map[uint64]uint64 // txn id → snapshot LSN
		nextID    uint64
		// cur is the snapshot Begin hands out while published has not
		// moved since it was taken (see sharedSnap); closed: Close ran,
		// snapshots are no longer kept for reuse.
		cur    *sharedSnap
		closed bool
		// applied counts the batches written to Pebble; a snapshot taken
		// before the last one is not shared any more (see sharedSnap).
		applied uint64
	}

	commits atomic.Uint64
	syncs   atomic.Uint64
	// writers counts open transactions that have buffered a write: those
	// of the group being formed and those that may join it (commitDelay).
	writers atomic.Int64
	// assigned is the highest LSN handed to a commit: every batch Pebble
	// may already show a reader has an LSN at or below it.
	assigned atomic.Uint64

	// OnCommit, if set, is called by the committer (outside every lock)
	// after each group becomes durable, with the new published LSN.
	onCommit atomic.Pointer[func(lsn uint64)]
	// writeHooks, by a key's first byte (its keyspace tag).
	writeHooks [256]atomic.Pointer[WriteHook]
	// rc caches values point reads found; nil when turned off.
	rc *readCache
	// epochs: per collection, the last batch that wrote its rows.
	epochs rowEpochs
	// committing holds the committer's buffers (writeGroup), reused from
	// batch to batch; only the committer goroutine touches them.
	committing struct {
		log storage.LogGroup
		rec []byte
	}

	done chan struct{}
	wg   sync.WaitGroup
}

type commitReq struct {
	writes    []write
	changes   []Change
	lsns      []uint64 // per change
	lsn       uint64   // the commit's LSN (its last)
	done      chan error
	pipelined bool // its writes are in inflight
}

type rowLock struct{ shared, exclusive uint64 }

type inflightWrite struct {
	val []byte
	del bool
	lsn uint64
}

// inflightGet returns the newest queued pipelined write of key.
func (m *Manager) inflightGet(key []byte) (inflightWrite, bool) {
	m.inflight.RLock()
	w, ok := m.inflight.m[string(key)]
	m.inflight.RUnlock()
	return w, ok
}

// Options configures a Manager.
type Options struct {
	Durability Durability
	Logger     *slog.Logger
	// Now returns the commit time (tests use a fake clock). Default time.Now.
	Now func() time.Time
	// ReadCacheBytes bounds the cache of values point reads found (see
	// readCache): 0 means DefaultReadCacheBytes, a negative value turns
	// it off.
	ReadCacheBytes int
}

// NewManager starts the commit pipeline over store. Close stops it.
func NewManager(store *storage.Store, opts Options) (*Manager, error) {
	m := &Manager{
		store:      store,
		durability: opts.Durability,
		log:        opts.Logger,
		now:        opts.Now,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	switch {
	case opts.ReadCacheBytes == 0:
		m.rc = newReadCache(DefaultReadCacheBytes)
	case opts.ReadCacheBytes > 0:
		m.rc = newReadCache(opts.ReadCacheBytes)
	}
	last, err := readLastLSN(store)
	if err != nil {
		return nil, err
	}
	m.mu.nextLSN = last + 1
	m.assigned.Store(last)
	m.mu.lastWrite = make(map[string]uint64)
	m.mu.rowLocks = make(map[string]rowLock)
	m.inflight.m = make(map[string]inflightWrite)
	m.snap.published = last
	m.snap.active = make(map[uint64]uint64)
	m.snap.durable = make(chan struct{})
	m.wg.Add(1)
	go m.committer()
	return m, nil
}

func readLastLSN(store *storage.Store) (uint64, error) {
	v, closer, err := store.DB().Get(storage.KeyLastLSN)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("txn: read last lsn: %w", err)
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, errs.New(errs.DataCorrupted, "txn: corrupt last-LSN record")
	}
	return binary.BigEndian.Uint64(v), nil
}

// WriteHook observes the committed writes of one keyspace.
type WriteHook interface {
	// Committed is called by the committer for each write of a commit
	// (del: a deletion), in commit order, once the commit is durable and
	// before any snapshot shows it as published: a reader that begins
	// after Commit returned finds the hook already called. It must be
	// quick and must not call back into the Manager.
	Committed(key, val []byte, del bool)
}

// SetWriteHook installs h for the writes whose key starts with tag (nil
// removes it).
func (m *Manager) SetWriteHook(tag byte, h WriteHook) {
	if h == nil {
		m.writeHooks[tag].Store(nil)
		return
	}
	m.writeHooks[tag].Store(&h)
}

// WriteHookFor returns the hook installed for tag, or nil.
func (m *Manager) WriteHookFor(tag byte) WriteHook {
	if h := m.writeHooks[tag].Load(); h != nil {
		return *h
	}
	return nil
}

// SetOnCommit installs a callback run after every durable group commit.
func (m *Manager) SetOnCommit(f func(lsn uint64)) { m.onCommit.Store(&f) }

// LastLSN returns the highest durable, visible LSN.
func (m *Manager) LastLSN() uint64 {
	m.snap.Lock()
	defer m.snap.Unlock()
	return m.snap.published
}

// Commits returns the number of acknowledged commits that wrote something.
func (m *Manager) Commits() uint64 { return m.commits.Load() }

// Syncs returns the number of batches the pipeline synced.
func (m *Manager) Syncs() uint64 { return m.syncs.Load() }

// Store returns the underlying store.
func (m *Manager) Store() *storage.Store { return m.store }

// Begin starts a transaction reading a consistent snapshot.
func (m *Manager) Begin() *Txn {
	m.snap.Lock()
	m.snap.nextID++
	id := m.snap.nextID
	lsn := m.snap.published
	m.snap.active[id] = lsn
	s := m.snap.cur
	var retired *pebble.Snapshot
	if s == nil || !m.shareableLocked(s) || m.snap.closed {
		if s != nil && s.refs == 0 {
			retired = s.snap
		}
		// Pebble shows a batch to new snapshots before its WAL sync
		// completes, so this snapshot may hold commits that are not
		// durable yet: at most up to the last assigned LSN. Results read
		// from it are released only once those are durable (see
		// Txn.WaitVisibleDurable).
		s = &sharedSnap{snap: m.store.DB().NewSnapshot(), published: lsn, applied: m.snap.applied}
		s.visible = m.assigned.Load()
		m.snap.cur = s
		if m.snap.closed {
			m.snap.cur = nil
		}
	}
	s.refs++
	m.snap.Unlock()
	if retired != nil {
		_ = retired.Close()
	}
	return &Txn{m: m, id: id, snapLSN: lsn, visible: s.visible, snap: s.snap, shared: s, writes: make(map[string]int)}
}

// sharedSnap is a Pebble snapshot shared by the transactions that began
// while no commit was written: each of them would have taken a snapshot
// showing the same commits. (Sharing it until the next commit is merely
// published is not enough: write hooks run between the write and the
// publication, and a transaction begun after a hook must see its
// commit; the offset cache loads groups that way.) A
// read-mostly load then takes one snapshot per published commit rather
// than one per transaction; closing one also makes Pebble reconsider its
// compactions, which cost a point read 5% of its CPU. Pebble snapshots
// are safe for concurrent reads.
type sharedSnap struct {
	snap      *pebble.Snapshot
	published uint64 // Manager.snap.published when it was taken
	applied   uint64 // Manager.snap.applied when it was taken
	visible   uint64 // the highest LSN it may show (Manager.assigned then)
	refs      int    // open transactions on it; under Manager.snap
}

// shareableLocked reports whether Begin may still hand out s: no batch
// was written since it was taken. m.snap is held.
func (m *Manager) shareableLocked(s *sharedSnap) bool {
	return s.applied == m.snap.applied && s.published == m.snap.published
}

// release ends a transaction: it leaves the active set and drops its
// reference to its snapshot, closing the snapshot once no transaction
// uses it and Begin no longer hands it out.
func (m *Manager) release(id uint64, s *sharedSnap) {
	m.snap.Lock()
	delete(m.snap.active, id)
	s.refs--
	var done *pebble.Snapshot
	if s.refs == 0 && (m.snap.cur != s || !m.shareableLocked(s)) {
		if m.snap.cur == s {
			m.snap.cur = nil
		}
		done = s.snap
	}
	m.snap.Unlock()
	if done != nil {
		_ = done.Close()
	}
}

// ErrConflict is the cause wrapped by serialization failures.
var ErrConflict = errors.New("write-write conflict")

// commit runs the first pipeline stage for t and waits for durability.
func (m *Manager) commit(t *Txn) (uint64, error) {
	req, err := m.enqueue(t, false)
	if err != nil {
		return 0, err
	}
	return m.wait(req)
}

// wait waits for a queued commit's group to be written.
func (m *Manager) wait(req *commitReq) (uint64, error) {
	if err := <-req.done; err != nil {
		return 0, err
	}
	m.commits.Add(1)
	return req.lsn, nil
}

// enqueue checks t for write-write conflicts, assigns its LSNs in commit
// order and queues it for the committer. A pipelined commit's writes are
// readable by ReadLatest transactions from then on.
func (m *Manager) enqueue(t *Txn, pipelined bool) (*commitReq, error) {
	req := &commitReq{done: make(chan error, 1), pipelined: pipelined}
	req.writes = t.sortedWrites()
	req.changes = t.changes

	m.mu.Lock()
	if m.mu.failed != nil {
		err := m.mu.failed
		m.mu.Unlock()
		return nil, errs.Errorf(errs.IOError, "commit pipeline failed earlier: %w", err)
	}
	if m.mu.closed {
		m.mu.Unlock()
		return nil, errs.New(errs.AdminShutdown, "terminating connection due to administrator command")
	}
	// Every lastWrite entry is an LSN assigned so far: when none was
	// assigned after the snapshot (no commit since Begin, the usual case
	// of a lone bulk statement), no write can conflict, and the check
	// would only look every key up.
	for i := range req.writes {
		if m.mu.nextLSN-1 <= t.snapLSN {
			break
		}
		w := &req.writes[i]
		if w.noConflict {
			continue
		}
		// A key read from a queued commit (ReadLatest) conflicts only with
		// writes after that commit.
		basis := t.snapLSN
		if b, ok := t.basis[string(w.key)]; ok && b > basis {
			basis = b
		}
		if lw, ok := m.mu.lastWrite[string(w.key)]; ok && lw > basis {
			m.mu.Unlock()
			return nil, &errs.Error{Code: errs.SerializationFailure,
				Message: "could not serialize access due to concurrent update", Err: ErrConflict}
		}
	}
	if m.held.n.Load() > 0 && m.held.heldByOther(t, req.writes) {
		// A row another transaction holds locked (SELECT ... FOR UPDATE).
		m.mu.Unlock()
		return nil, &errs.Error{Code: errs.SerializationFailure,
			Message: "could not serialize access due to concurrent update", Err: ErrConflict}
	}
	for k, excl := range t.locks {
		l := m.mu.rowLocks[k]
		if l.exclusive > t.snapLSN || (excl && l.shared > t.snapLSN) {
			m.mu.Unlock()
			return nil, &errs.Error{Code: errs.SerializationFailure,
				Message: "could not serialize access due to concurrent update", Err: ErrConflict}
		}
	}
	n := uint64(len(req.changes))
	if n == 0 {
		n = 1
	}
	first := m.mu.nextLSN
	m.mu.nextLSN += n
	req.lsn = first + n - 1
	m.assigned.Store(req.lsn)
	req.lsns = make([]uint64, len(req.changes))
	for i := range req.changes {
		req.lsns[i] = first + uint64(i)
	}
	for i := range req.writes {
		if !req.writes[i].noConflict {
			m.mu.lastWrite[req.writes[i].s] = req.lsn
		}
	}
	if m.hints.active.Load() {
		m.hints.noteCommit(req.lsn, req.writes)
	}
	for k, excl := range t.locks {
		l := m.mu.rowLocks[k]
		if excl {
			l.exclusive = req.lsn
		} else {
			l.shared = req.lsn
		}
		m.mu.rowLocks[k] = l
	}
	if pipelined {
		m.inflight.Lock()
		for _, w := range req.writes {
			m.inflight.m[w.s] = inflightWrite{val: w.val, del: w.del, lsn: req.lsn}
		}
		m.inflight.Unlock()
	}
	m.mu.queue = append(m.mu.queue, req)
	m.mu.sinceGC++
	gc := m.mu.sinceGC >= 4096 || len(m.mu.lastWrite) > 1<<18 || len(m.mu.rowLocks) > 1<<18
	if gc {
		m.mu.sinceGC = 0
		m.gcLocked()
	}
	m.mu.Unlock()

	select {
	case m.wake <- struct{}{}:
	default:
	}
	return req, nil
}

// forgetInflight drops a written group's pipelined writes from inflight
// once every open snapshot shows them (unless a later queued commit wrote
// the key again): until then a ReadLatest reader with an older snapshot
// still needs them. gcLocked sweeps what is left.
func (m *Manager) forgetInflight(group []*commitReq) {
	var horizon uint64
	locked := false
	for _, r := range group {
		if !r.pipelined {
			continue
		}
		if !locked {
			horizon = m.snapHorizon()
			m.inflight.Lock()
			locked = true
		}
		for _, w := range r.writes {
			if cur, ok := m.inflight.m[string(w.key)]; ok && cur.lsn == r.lsn && cur.lsn <= horizon {
				delete(m.inflight.m, string(w.key))
			}
		}
	}
	if locked {
		m.inflight.Unlock()
	}
}

// snapHorizon is the oldest LSN an open snapshot (or a new one) shows.
func (m *Manager) snapHorizon() uint64 {
	m.snap.Lock()
	defer m.snap.Unlock()
	horizon := m.snap.published
	for _, l := range m.snap.active {
		if l < horizon {
			horizon = l
		}
	}
	return horizon
}

// gcLocked forgets last-write LSNs that no snapshot can conflict with,
// and pipelined writes every snapshot shows.
func (m *Manager) gcLocked() {
	horizon := m.snapHorizon()
	for k, l := range m.mu.lastWrite {
		if l <= horizon {
			delete(m.mu.lastWrite, k)
		}
	}
	for k, l := range m.mu.rowLocks {
		if max(l.shared, l.exclusive) <= horizon {
			delete(m.mu.rowLocks, k)
		}
	}
	m.inflight.Lock()
	for k, w := range m.inflight.m {
		if w.lsn <= horizon {
			delete(m.inflight.m, k)
		}
	}
	m.inflight.Unlock()
}

// committer is the second pipeline stage: one batch and one sync per group.
func (m *Manager) committer() {
	defer m.wg.Done()
	for {
		select {
		case <-m.wake:
		case <-m.done:
			// Drain anything queued before Close so no waiter hangs.
			m.flushQueue()
			return
		}
		m.flushQueue()
	}
}

// Group commit with a short gathering delay, as PostgreSQL's commit_delay
// and commit_siblings: when a group is small and at least commitSiblings
// other transactions with writes are open, the committer gives them up to
// commitDelay to queue before writing and syncing (gather). A sync costs
// the kernel about 30 µs of CPU on ext4; with 16 pgbench clients
// inserting, groups grew from 3.3 to 6.3 commits and throughput by 7-37%
// (A/B, noisy); 4 and 8 clients gained up to 12%, 3 clients lost 3-7%. A
// lone writer never waits. A transaction left open with writes (an idle
// BEGIN block) makes small groups wait the whole delay.
const (
	commitDelay       = 50 * time.Microsecond
	commitSiblings    = 2
	commitGroupTarget = 8
)

// gather waits up to commitDelay for the other open writing transactions
// to queue their commits and adds what arrived to group. It yields to
// other goroutines rather than sleeping: a sleep this short in a Go
// program that is otherwise idle lasts a millisecond (the runtime's
// poller waits in whole milliseconds), which cost 3 and 4 concurrent
// writers 15% of their commits.
func (m *Manager) gather(group []*commitReq) []*commitReq {
	deadline := time.Now().Add(commitDelay)
	for time.Now().Before(deadline) {
		runtime.Gosched()
		m.mu.Lock()
		n := len(m.mu.queue)
		m.mu.Unlock()
		if int64(len(group)+n) >= m.writers.Load() {
			break // every open writer has queued
		}
	}
	m.mu.Lock()
	group = append(group, m.mu.queue...)
	m.mu.queue = nil
	m.mu.Unlock()
	return group
}

func (m *Manager) flushQueue() {
	for {
		m.mu.Lock()
		group := m.mu.queue
		m.mu.queue = nil
		m.mu.Unlock()
		if len(group) == 0 {
			return
		}
		if len(group) < commitGroupTarget && m.writers.Load()-int64(len(group)) >= commitSiblings {
			// Other writing transactions are about to commit: let them
			// join this group instead of paying a sync of their own.
			group = m.gather(group)
		}
		err := m.writeGroup(group)
		if err != nil {
			m.mu.Lock()
			if m.mu.failed == nil {
				m.mu.failed = err
			}
			m.mu.Unlock()
			m.log.Error("commit pipeline write failed; refusing further commits", "err", err)
			err = errs.Errorf(errs.IOError, "could not write commit: %w", err)
		}
		m.forgetInflight(group)
		for _, r := range group {
			r.done <- err
		}
		if err == nil {
			if f := m.onCommit.Load(); f != nil {
				(*f)(group[len(group)-1].lsn)
			}
		}
	}
}

func (m *Manager) writeGroup(group []*commitReq) error {
	b := m.store.DB().NewBatchWithSize(batchSize(group))
	defer b.Close()
	now := m.now()
	nowMs := now.UnixMilli()
	// The batch copies what Set is given: the buffers are reused.
	log, buf := &m.committing.log, m.committing.rec[:0]
	log.Reset()
	for _, r := range group {
		for _, w := range r.writes {
			var err error
			if w.del {
				err = b.Delete(w.key, nil)
			} else {
				err = b.Set(w.key, w.val, nil)
			}
			if err != nil {
				return fmt.Errorf("txn: batch: %w", err)
			}
		}
		// The batch's change records go into the log in groups (see
		// storage.LogGroup), not a key each.
		for i := range r.changes {
			c := &r.changes[i]
			buf = encodeChange(buf[:0], c, r.lsns[i], nowMs)
			log.Add(r.lsns[i], c.Collection, c.VShard, buf)
			if log.Size() >= storage.LogGroupTarget {
				if err := b.Set(log.Key(), log.Value(), nil); err != nil {
					return fmt.Errorf("txn: batch: %w", err)
				}
				log.Reset()
			}
		}
	}
	m.committing.rec = buf
	if log.Len() > 0 {
		if err := b.Set(log.Key(), log.Value(), nil); err != nil {
			return fmt.Errorf("txn: batch: %w", err)
		}
	}
	last := group[len(group)-1].lsn
	var lsnBuf [8]byte
	binary.BigEndian.PutUint64(lsnBuf[:], last)
	if err := b.Set(storage.KeyLastLSN, lsnBuf[:], nil); err != nil {
		return fmt.Errorf("txn: batch: %w", err)
	}
	// The batch's collections get their new epoch, and its keys' read
	// cache entries their new values, before Pebble shows it to anyone
	// (see rowEpochs, readCache). Only the committer changes applied.
	m.epochs.noteWrites(group, m.snap.applied+1, now.UnixNano())
	if m.rc != nil {
		seq := m.snap.applied + 1
		for _, r := range group {
			for _, w := range r.writes {
				m.rc.written(w.key, w.val, w.del, seq)
			}
		}
	}
	opts := pebble.Sync
	if m.durability == Relaxed {
		opts = pebble.NoSync
	}
	if err := b.Commit(opts); err != nil {
		return fmt.Errorf("txn: commit batch: %w", err)
	}
	m.syncs.Add(1)
	// From here on Begin takes a snapshot that shows this batch, before
	// the write hooks run.
	m.snap.Lock()
	m.snap.applied++
	m.snap.Unlock()
	for _, r := range group {
		for _, w := range r.writes {
			if len(w.key) > 0 {
				if h := m.writeHooks[w.key[0]].Load(); h != nil {
					(*h).Committed(w.key, w.val, w.del)
				}
			}
		}
	}
	m.snap.Lock()
	m.snap.published = last
	close(m.snap.durable)
	m.snap.durable = make(chan struct{})
	m.snap.Unlock()
	return nil
}

// batchSize is about the size of group's batch (a little over for
// ordinary writes), so a large commit's batch is allocated once rather
// than doubled and copied as it grows.
func batchSize(group []*commitReq) int {
	const perRecord = 16 // kind, length varints, change-record header
	n := 64
	for _, r := range group {
		for i := range r.writes {
			n += len(r.writes[i].key) + len(r.writes[i].val) + perRecord
		}
		for i := range r.changes {
			c := &r.changes[i]
			n += len(c.CollName) + len(c.PK) + len(c.RowID) + len(c.Old) + len(c.New) + 2*perRecord
		}
	}
	return n
}

// WaitDurable blocks until every commit up to lsn is durable (or ctx
// ends).
func (m *Manager) WaitDurable(ctx context.Context, lsn uint64) error {
	for {
		m.snap.Lock()
		pub, ch := m.snap.published, m.snap.durable
		m.snap.Unlock()
		if pub >= lsn {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close stops the pipeline after draining queued commits. Transactions
// committing afterwards fail with 57P01.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.mu.closed {
		m.mu.Unlock()
		return nil
	}
	m.mu.closed = true
	m.mu.Unlock()
	close(m.done)
	m.wg.Wait()
	// The snapshot kept for reuse goes now (one still in use goes with
	// its last transaction).
	m.snap.Lock()
	m.snap.closed = true
	var idle *pebble.Snapshot
	if s := m.snap.cur; s != nil && s.refs == 0 {
		idle = s.snap
	}
	m.snap.cur = nil
	m.snap.Unlock()
	if idle != nil {
		_ = idle.Close()
	}
	return nil
}
