package txn

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"unsafe"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tinylib/msgp/msgp"

	"github.com/nodedb-go/nodedb/errs"
)

// Op is the kind of a row change.
type Op byte

// Row change kinds.
const (
	OpInsert Op = 'I'
	OpUpdate Op = 'U'
	OpDelete Op = 'D'
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "INSERT"
	case OpUpdate:
		return "UPDATE"
	case OpDelete:
		return "DELETE"
	}
	return "?"
}

// Change is one row change recorded in the change log at commit. Old and New
// are the engine's encoded row values (nil when absent).
type Change struct {
	Collection uint32
	CollName   string
	VShard     uint16
	PK         []byte // encoded primary key
	RowID      string // the primary key as text, for events
	Op         Op
	Old, New   []byte
	// Depth counts trigger hops: 0 for a client's write, n+1 for a write
	// a trigger made while handling a change of depth n.
	Depth uint8
	// Stmt is the ordinal, within its transaction, of the statement that
	// made the change (0: no statement, e.g. a key-value command).
	Stmt uint32
	// StmtCont marks a change that is not the first of its (collection,
	// statement, op) in the commit, so an ASYNC statement trigger fires
	// once per statement: on the change without it. Set at commit.
	StmtCont bool
}

// Record is a decoded change-log record.
type Record struct {
	Change
	LSN    uint64
	TimeMs int64
	// CollNameView is the collection name as stored, set instead of
	// CollName by DecodeRecordView (it aliases the value).
	CollNameView []byte
}

type write struct {
	key, val []byte
	// s is key as a string sharing key's memory: the write set's map key,
	// and the key of the manager's maps at commit, without a copy each.
	s          string
	del        bool
	noConflict bool
}

// Txn is a transaction: reads come from a snapshot taken at Begin (plus its
// own writes); writes are buffered and applied atomically at Commit.
type Txn struct {
	m       *Manager
	id      uint64
	snapLSN uint64
	visible uint64 // the highest LSN the snapshot may show (durable or not)
	snap    *pebble.Snapshot
	shared  *sharedSnap // snap's owner, shared with other transactions
	ws      []write
	writes  map[string]int // key → index in ws
	// byKey indexes ws in key order for iterators, which would otherwise
	// scan every write to open (a statement that looks rows up while it
	// writes many was quadratic): sorted holds indices of ws in key
	// order, tail those of keys written since it was last merged.
	byKey   struct{ sorted, tail []int }
	changes []Change
	depth   uint8
	stmt    uint32 // the statement recording changes now (0: none)
	nstmt   uint32 // statements begun so far
	// undo keeps the writes a savepoint's rollback restores (writes that
	// replaced an earlier write of the same key); marks counts the open
	// savepoints, and without one nothing is kept.
	undo  []undoWrite
	marks int
	// latest: Get also sees queued pipelined commits (ReadLatest); basis
	// records, per key read that way, the LSN of the commit read.
	latest bool
	basis  map[string]uint64
	// locks: row locks taken by LockRow, key → exclusive (see LockRow).
	locks map[string]bool
	// held: the row keys of the held locks taken by LockRowHeld.
	held map[string]bool
	// views: for each open statement view (BeginStatementView), the
	// before-image of every key written since it began: the own write
	// the key had then, or nil for none (the snapshot's value). While
	// hide is set, reads see the innermost view's before-images: the
	// transaction as its statement found it.
	views  []map[string]*write
	hide   bool
	done   bool
	writer bool // counted in Manager.writers
}

type undoWrite struct {
	i int
	w write
}

// Savepoint is a point a transaction can roll back to (see Savepoint).
type Savepoint struct {
	ws, changes, undo int
}

// Savepoint marks the transaction's current state: RollbackTo undoes
// every write and change made after it. Release the savepoint when it is
// no longer needed (savepoints nest, innermost released first).
func (t *Txn) Savepoint() Savepoint {
	t.marks++
	return Savepoint{ws: len(t.ws), changes: len(t.changes), undo: len(t.undo)}
}

// RollbackTo undoes the writes and changes made since sp; sp stays open.
func (t *Txn) RollbackTo(sp Savepoint) {
	for j := len(t.undo) - 1; j >= sp.undo; j-- {
		if u := t.undo[j]; u.i < sp.ws {
			t.ws[u.i] = u.w
		}
	}
	t.undo = t.undo[:sp.undo]
	for _, w := range t.ws[sp.ws:] {
		delete(t.writes, string(w.key))
	}
	clear(t.ws[sp.ws:])
	t.ws = t.ws[:sp.ws]
	gone := func(i int) bool { return i >= sp.ws }
	t.byKey.sorted = slices.DeleteFunc(t.byKey.sorted, gone)
	t.byKey.tail = slices.DeleteFunc(t.byKey.tail, gone)
	t.changes = t.changes[:sp.changes]
}

// Release closes sp, keeping what was done since.
func (t *Txn) Release(sp Savepoint) {
	if t.marks--; t.marks <= 0 {
		t.marks = 0
		t.undo = nil
	}
}

// SnapshotLSN is the LSN of the last durable commit this transaction sees.
func (t *Txn) SnapshotLSN() uint64 { return t.snapLSN }

// Manager returns the manager the transaction belongs to.
func (t *Txn) Manager() *Manager { return t.m }

// VisibleLSN is the highest LSN this transaction's snapshot may show; it
// can exceed SnapshotLSN while commits are being synced.
func (t *Txn) VisibleLSN() uint64 { return t.visible }

// WaitVisibleDurable blocks until every commit the snapshot may show is
// durable, so results read from it can be released to a client.
func (t *Txn) WaitVisibleDurable(ctx context.Context) error {
	if t.visible <= t.snapLSN {
		return nil
	}
	return t.m.WaitDurable(ctx, t.visible)
}

// HasWrites reports whether the transaction buffered any write.
func (t *Txn) HasWrites() bool { return len(t.ws) > 0 }

// ReadLatest makes Get see the writes of pipelined commits that are
// queued but not yet durable (CommitAsync), newer than the snapshot: for
// read-modify-write of keys the caller serializes itself (a key lock held
// until the commit is queued), so the next writer need not wait for the
// previous one's fsync. Such a read counts as reading that commit: only
// later writes of the key conflict, and WaitVisibleDurable waits for it.
func (t *Txn) ReadLatest() { t.latest = true }

// Get reads key, seeing the transaction's own writes first. The value may
// be shared (the transaction's own write, the read cache's entry): the
// caller must not write into it, and an append to it copies.
func (t *Txn) Get(key []byte) ([]byte, bool, error) {
	if w, ok := t.ownWrite(key); ok {
		if w.del {
			return nil, false, nil
		}
		return w.val[:len(w.val):len(w.val)], true, nil
	}
	if t.latest {
		if w, ok := t.m.inflightGet(key); ok && w.lsn > t.snapLSN {
			if t.basis == nil {
				t.basis = make(map[string]uint64)
			}
			t.basis[string(key)] = w.lsn
			t.visible = max(t.visible, w.lsn)
			if w.del {
				return nil, false, nil
			}
			return append([]byte(nil), w.val...), true, nil
		}
	}
	// A read that found no queued commit newer than the snapshot is a
	// read of the snapshot, so ReadLatest transactions use the cache too.
	rc := t.m.rc
	if rc != nil {
		if v, ok := rc.get(key, t.shared.applied); ok {
			return v, true, nil
		}
	}
	v, closer, err := t.snap.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("txn: get: %w", err)
	}
	out := append([]byte(nil), v...)
	_ = closer.Close()
	if rc != nil {
		rc.fill(key, out, t.shared.applied)
	}
	return out, true, nil
}

// Probe is Get for a key that is most likely absent (an INSERT's primary
// key): it consults the bloom filters of every level, the bottom one
// included, which a Get skips (Pebble's default: most Gets find their
// key, and the bottom level's filters are large). Looking up absent keys
// in a compacted 1,000,000-key table takes 1.1 µs this way against
// 2.0-2.4 µs with Get (BenchmarkAbsentKey).
func (t *Txn) Probe(key []byte) ([]byte, bool, error) {
	if _, own := t.writes[string(key)]; own || t.latest || t.hide {
		return t.Get(key)
	}
	it, err := t.snap.NewIter(&pebble.IterOptions{UseL6Filters: true})
	if err != nil {
		return nil, false, fmt.Errorf("txn: probe: %w", err)
	}
	var out []byte
	found := it.SeekPrefixGE(key) && bytes.Equal(it.Key(), key)
	if found {
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return nil, false, fmt.Errorf("txn: probe: %w", err)
		}
		out = append([]byte(nil), v...)
	}
	if err := it.Close(); err != nil {
		return nil, false, fmt.Errorf("txn: probe: %w", err)
	}
	return out, found, nil
}

// Set buffers a write of key.
func (t *Txn) Set(key, val []byte) { t.put(key, false, write{val: clone(val)}) }

// SetOwned is Set without copies: the transaction keeps key and val, and
// the caller must never change them afterwards.
func (t *Txn) SetOwned(key, val []byte) { t.put(key, true, write{val: val}) }

// SetOwnedKey is Set without a copy of key: the transaction keeps it,
// and the caller must never change it afterwards (val is copied).
func (t *Txn) SetOwnedKey(key, val []byte) { t.put(key, true, write{val: clone(val)}) }

// DeleteOwnedKey is Delete without a copy of key, as SetOwnedKey.
func (t *Txn) DeleteOwnedKey(key []byte) { t.put(key, true, write{del: true}) }

// SetNoConflict buffers a write that never causes or suffers a write-write
// conflict (used for idempotent metadata such as observed schemaless fields).
func (t *Txn) SetNoConflict(key, val []byte) {
	t.put(key, false, write{val: clone(val), noConflict: true})
}

// Delete buffers a deletion of key.
func (t *Txn) Delete(key []byte) { t.put(key, false, write{del: true}) }

// DeleteRange buffers the deletion of every key in [lo, hi) the
// transaction can see. It reads the keys first (no range tombstone), so
// conflict detection covers them like any other write.
func (t *Txn) DeleteRange(lo, hi []byte) error {
	it, err := t.NewIter(lo, hi)
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
	for _, k := range keys {
		t.Delete(k)
	}
	return nil
}

// DeleteNoConflict buffers a deletion that takes no part in conflict
// detection (retention deleting change-log records nobody writes again).
func (t *Txn) DeleteNoConflict(key []byte) {
	t.put(key, false, write{del: true, noConflict: true})
}

// put buffers w as the write of key. The transaction keeps one copy of a
// key it has not written before (none when owned: the caller gave the key
// away), and reuses the copy it has for a key written again.
func (t *Txn) put(key []byte, owned bool, w write) {
	i, rewrite := t.writes[string(key)]
	if rewrite {
		w.key, w.s = t.ws[i].key, t.ws[i].s
	} else {
		w.s, w.key = keyCopy(key, owned)
	}
	for _, v := range t.views {
		if _, seen := v[w.s]; !seen {
			var before *write
			if rewrite {
				b := t.ws[i]
				before = &b
			}
			v[w.s] = before
		}
	}
	if t.hide {
		// A write made while the statement's writes are hidden (a
		// function with effects, KV_INCR in a SET) is read back by the
		// statement's next calls, not hidden from them.
		delete(t.views[len(t.views)-1], w.s)
	}
	if rewrite {
		if t.marks > 0 {
			t.undo = append(t.undo, undoWrite{i, t.ws[i]})
		}
		t.ws[i] = w
		return
	}
	if !t.writer {
		t.writer = true
		t.m.writers.Add(1)
	}
	t.writes[w.s] = len(t.ws)
	t.byKey.tail = append(t.byKey.tail, len(t.ws))
	t.ws = append(t.ws, w)
}

// keyCopy returns key as a string and as bytes sharing the string's
// memory, which nothing ever changes: one allocation serves both the
// write set's map and the write. An owned key is not copied (the string
// shares the caller's bytes, which it promised never to change). A nil
// key stays nil, an empty one empty, as clone leaves them.
func keyCopy(key []byte, owned bool) (string, []byte) {
	switch {
	case key == nil:
		return "", nil
	case len(key) == 0:
		return "", []byte{}
	case owned:
		return unsafe.String(&key[0], len(key)), key[:len(key):len(key)]
	}
	s := string(key)
	return s, unsafe.Slice(unsafe.StringData(s), len(s))
}

// LockRow takes a row lock that holds until the transaction ends and is
// checked at commit, as foreign keys need (PostgreSQL's FOR KEY SHARE and
// the lock a DELETE takes). key names the row (any bytes; the lock space
// is apart from the keyspace). A shared lock conflicts with an exclusive
// one committed after this transaction's snapshot, and an exclusive lock
// with a shared or exclusive one committed after it; the later committer
// fails with 40001. Shared locks never conflict with each other, so rows
// referencing one parent are written concurrently. Locks alone commit
// nothing: they matter only to a transaction that also writes.
func (t *Txn) LockRow(key []byte, exclusive bool) {
	if t.locks == nil {
		t.locks = make(map[string]bool)
	}
	if !t.locks[string(key)] {
		t.locks[string(key)] = exclusive
	}
}

// ReserveWrites makes room for n more writes of keys not written before
// (a statement that knows how many rows it writes saves regrowing the
// write set and rehashing its map as it grows).
func (t *Txn) ReserveWrites(n int) {
	if n <= 0 {
		return
	}
	if len(t.writes) == 0 {
		t.writes = make(map[string]int, n)
	}
	t.ws = slices.Grow(t.ws, n)
	t.byKey.tail = slices.Grow(t.byKey.tail, n)
}

// ReserveChanges makes room for n more changes (a caller that knows how
// many it will add saves regrowing the slice of these large structs).
func (t *Txn) ReserveChanges(n int) { t.changes = slices.Grow(t.changes, n) }

// AddChange records a row change for the change log.
func (t *Txn) AddChange(c Change) {
	if c.Depth == 0 {
		c.Depth = t.depth
	}
	if c.Stmt == 0 {
		c.Stmt = t.stmt
	}
	t.changes = append(t.changes, c)
}

// BeginStatement marks the changes recorded from now on as made by a new
// statement; it returns the statement that was current, which the caller
// passes to EndStatement when its statement ends (statements nest: a
// trigger's writes are statements of their own inside the writer's).
func (t *Txn) BeginStatement() (prev uint32) {
	prev = t.stmt
	t.nstmt++
	t.stmt = t.nstmt
	return prev
}

// EndStatement makes prev the current statement again.
func (t *Txn) EndStatement(prev uint32) { t.stmt = prev }

// BeginStatementView starts recording what the transaction looks like
// now, for a statement whose expressions must read it as it was when the
// statement began (PostgreSQL's command visibility: an UPDATE's SET
// subqueries do not see the rows the UPDATE has already written). Every
// key written from now on keeps its before-image until EndStatementView.
// Views nest (a trigger's statement inside an UPDATE).
func (t *Txn) BeginStatementView() { t.views = append(t.views, map[string]*write{}) }

// EndStatementView ends the innermost statement view.
func (t *Txn) EndStatementView() {
	t.views = t.views[:len(t.views)-1]
	if len(t.views) == 0 {
		t.hide = false
	}
}

// StatementWrote returns whether the transaction wrote a key since the
// innermost statement view began, as of now (later writes do not count);
// nil without an open view.
func (t *Txn) StatementWrote() func(key []byte) bool {
	if len(t.views) == 0 {
		return nil
	}
	wrote := make(map[string]struct{}, len(t.views[len(t.views)-1]))
	for k := range t.views[len(t.views)-1] {
		wrote[k] = struct{}{}
	}
	return func(key []byte) bool {
		_, ok := wrote[string(key)]
		return ok
	}
}

// HideStatementWrites makes reads see the innermost statement view's
// before-images (on) or the transaction's writes (off); it returns the
// previous setting. Without an open view it changes nothing.
func (t *Txn) HideStatementWrites(on bool) (prev bool) {
	prev = t.hide
	t.hide = on && len(t.views) > 0
	return prev
}

// ownWrite returns the transaction's own write of key as its reads see
// it: the before-image while statement writes are hidden (nil when the
// key had no own write then).
func (t *Txn) ownWrite(key []byte) (*write, bool) {
	if t.hide {
		if before, ok := t.views[len(t.views)-1][string(key)]; ok {
			return before, before != nil
		}
	}
	i, ok := t.writes[string(key)]
	if !ok {
		return nil, false
	}
	return &t.ws[i], true
}

// markStatements sets StmtCont on every change that is not the first of
// its (collection, statement, op).
func markStatements(cs []Change) {
	if len(cs) < 2 {
		return
	}
	type key struct {
		coll, stmt uint32
		op         Op
	}
	seen := make(map[key]struct{}, 4)
	for i := range cs {
		c := &cs[i]
		if c.Stmt == 0 {
			continue
		}
		k := key{c.Collection, c.Stmt, c.Op}
		if _, ok := seen[k]; ok {
			c.StmtCont = true
		} else {
			seen[k] = struct{}{}
		}
	}
}

// SetDepth marks every change the transaction records from now on as made
// at this trigger depth (see Change.Depth).
func (t *Txn) SetDepth(d uint8) { t.depth = d }

// Changes returns the changes recorded so far.
func (t *Txn) Changes() []Change { return t.changes }

// sortedWrites returns the transaction's writes in key order, as the
// commit batch and the conflict check take them: the key-order index
// (byKey) with its tail merged in.
func (t *Txn) sortedWrites() []write {
	t.mergeTail()
	ws := make([]write, len(t.byKey.sorted))
	for i, j := range t.byKey.sorted {
		ws[i] = t.ws[j]
	}
	return ws
}

// Commit makes the transaction's writes durable and visible, or fails with
// 40001 on a write-write conflict. It returns the commit LSN (0 when the
// transaction wrote nothing). The transaction is finished either way.
func (t *Txn) Commit() (uint64, error) {
	if t.done {
		return 0, errs.New(errs.InvalidTxnState, "transaction already finished")
	}
	defer t.finish()
	if len(t.ws) == 0 && len(t.changes) == 0 {
		return 0, nil
	}
	markStatements(t.changes)
	return t.m.commit(t)
}

// CommitAsync queues the transaction for commit and returns without
// waiting for durability: wait returns what Commit would. Its writes are
// visible to ReadLatest transactions once queued, so a caller serializing
// writers of a key may let the next one go before calling wait. Nothing
// about the commit may be acknowledged before wait returns.
func (t *Txn) CommitAsync() (wait func() (uint64, error), err error) {
	if t.done {
		return nil, errs.New(errs.InvalidTxnState, "transaction already finished")
	}
	defer t.finish()
	if len(t.ws) == 0 && len(t.changes) == 0 {
		return func() (uint64, error) { return 0, nil }, nil
	}
	markStatements(t.changes)
	req, err := t.m.enqueue(t, true)
	if err != nil {
		return nil, err
	}
	return func() (uint64, error) { return t.m.wait(req) }, nil
}

// Rollback discards the transaction. It is safe to call more than once and
// after Commit.
func (t *Txn) Rollback() {
	if !t.done {
		t.finish()
	}
}

func (t *Txn) finish() {
	t.done = true
	t.releaseHeld()
	if t.writer {
		t.m.writers.Add(-1)
	}
	t.m.release(t.id, t.shared)
}

// Iterator walks keys in [lo, hi) in order, merging the snapshot with the
// transaction's own writes.
type Iterator struct {
	t       *Txn
	it      *pebble.Iterator
	pending []write // own writes in range, sorted
	pi      int
	key     []byte
	val     []byte
	err     error
	itValid bool
	// itNext defers stepping the Pebble iterator: its key and value stay
	// valid until the caller moves on.
	itNext bool
}

// NewIter returns an iterator over [lo, hi). hi nil means unbounded.
func (t *Txn) NewIter(lo, hi []byte) (*Iterator, error) {
	it, err := t.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("txn: iter: %w", err)
	}
	x := &Iterator{t: t, it: it}
	x.start(lo, hi)
	return x, nil
}

// SeekGE moves the iterator to the first entry at or after key (within
// its range), in either direction: one iterator serves many small ranges
// (a lookup join's), where opening one each costs far more.
func (x *Iterator) SeekGE(key []byte) {
	x.pi = sort.Search(len(x.pending), func(i int) bool { return bytes.Compare(x.pending[i].key, key) >= 0 })
	x.key, x.val, x.itNext = nil, nil, false
	x.itValid = x.it.SeekGE(key)
	x.advance()
}

// mergeTailAt is how many writes of new keys the unsorted tail of
// Txn.byKey holds at least before it is merged into the sorted part; past
// that, the square root of the sorted part's length. An iterator reads
// the tail whole and a merge costs the whole index, so with n writes an
// iterator costs O(√n) and a write O(√n) amortized.
const mergeTailAt = 64

// ownWrites appends to dst the transaction's writes with keys in [lo, hi)
// (hi nil: unbounded), in key order.
func (t *Txn) ownWrites(dst []write, lo, hi []byte) []write {
	bk := &t.byKey
	keyAt := func(i int) []byte { return t.ws[i].key }
	if n := len(bk.tail); n > mergeTailAt && n*n > len(bk.sorted) {
		t.mergeTail()
	}
	inRange := func(k []byte) bool { return bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0) }
	start := len(dst)
	for i := sort.Search(len(bk.sorted), func(i int) bool { return bytes.Compare(keyAt(bk.sorted[i]), lo) >= 0 }); i < len(bk.sorted); i++ {
		w := t.ws[bk.sorted[i]]
		if hi != nil && bytes.Compare(w.key, hi) >= 0 {
			break
		}
		dst = append(dst, w)
	}
	tailed := false
	for _, i := range bk.tail {
		if inRange(t.ws[i].key) {
			dst = append(dst, t.ws[i])
			tailed = true
		}
	}
	if tailed {
		slices.SortFunc(dst[start:], func(a, b write) int { return bytes.Compare(a.key, b.key) })
	}
	if t.hide {
		// The statement's own writes give way to what they replaced.
		view := t.views[len(t.views)-1]
		out := dst[:start]
		for _, w := range dst[start:] {
			before, ok := view[string(w.key)]
			switch {
			case !ok:
				out = append(out, w)
			case before != nil:
				out = append(out, *before)
			}
		}
		dst = out
	}
	return dst
}

// start positions the iterator at the first entry of [lo, hi), the
// Pebble iterator's bounds.
func (x *Iterator) start(lo, hi []byte) {
	x.pending = x.t.ownWrites(x.pending[:0], lo, hi)
	x.pi, x.key, x.val, x.itNext = 0, nil, nil, false
	x.itValid = x.it.First()
	x.advance()
}

// PointReader reads single keys of the transaction's view (its own writes
// over its snapshot) through one iterator over [lo, hi). Reading many keys
// in increasing order reuses the positioned iterator and its blocks, where
// Get sets up a fresh lookup through every level each time.
type PointReader struct {
	t      *Txn
	it     *pebble.Iterator
	lo, hi []byte
}

// NewPointReader returns a reader of keys in [lo, hi). Close it when done.
func (t *Txn) NewPointReader(lo, hi []byte) (*PointReader, error) {
	it, err := t.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("txn: iter: %w", err)
	}
	return &PointReader{t: t, it: it, lo: clone(lo), hi: clone(hi)}, nil
}

// Get is Txn.Get for a key in the reader's range. The value is valid
// until the next Get or Close (a caller that keeps it copies it).
func (r *PointReader) Get(key []byte) ([]byte, bool, error) {
	if w, ok := r.t.ownWrite(key); ok {
		if w.del {
			return nil, false, nil
		}
		return w.val, true, nil
	}
	if bytes.Compare(key, r.lo) < 0 || bytes.Compare(key, r.hi) >= 0 {
		return nil, false, nil
	}
	// A prefix seek consults the bloom filters (the whole key is the
	// prefix), so it skips sstables without the key as Get does.
	if !r.it.SeekPrefixGE(key) || !bytes.Equal(r.it.Key(), key) {
		if err := r.it.Error(); err != nil {
			return nil, false, fmt.Errorf("txn: get: %w", err)
		}
		return nil, false, nil
	}
	v, err := r.it.ValueAndErr()
	if err != nil {
		return nil, false, fmt.Errorf("txn: get: %w", err)
	}
	return v, true, nil
}

// Close releases the iterator.
func (r *PointReader) Close() error { return r.it.Close() }

// advance positions key/val at the next visible entry.
func (x *Iterator) advance() {
	if x.itNext {
		x.itNext = false
		x.itValid = x.it.Next()
	}
	for {
		var pk []byte
		if x.pi < len(x.pending) {
			pk = x.pending[x.pi].key
		}
		switch {
		case !x.itValid && pk == nil:
			x.key = nil
			return
		case x.itValid && (pk == nil || bytes.Compare(x.it.Key(), pk) < 0):
			x.key = x.it.Key()
			v, err := x.it.ValueAndErr()
			if err != nil {
				x.err = err
				x.key = nil
				return
			}
			x.val = v
			x.itNext = true
			return
		default:
			// Own write wins; skip the same key in the snapshot.
			if x.itValid && bytes.Equal(x.it.Key(), pk) {
				x.itValid = x.it.Next()
			}
			w := x.pending[x.pi]
			x.pi++
			if w.del {
				continue
			}
			x.key, x.val = w.key, w.val
			return
		}
	}
}

// Valid reports whether the iterator is at an entry.
func (x *Iterator) Valid() bool { return x.key != nil }

// Key returns the current key; valid until Next.
func (x *Iterator) Key() []byte { return x.key }

// Value returns the current value; valid until Next.
func (x *Iterator) Value() []byte { return x.val }

// Next moves to the next entry.
func (x *Iterator) Next() { x.advance() }

// Close releases the iterator and returns any error met while iterating.
func (x *Iterator) Close() error {
	err := x.it.Close()
	if x.err != nil {
		return fmt.Errorf("txn: iterate: %w", x.err)
	}
	if err != nil {
		return fmt.Errorf("txn: iterate: %w", err)
	}
	return nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// recordCompact starts a change-log record in the compact format (see
// docs/format.md); a record starting otherwise is the MessagePack map of
// format 2 (0x01 is never a map header).
const recordCompact = 0x01

// Compact record flags.
const (
	recDepth    = 1 << 0
	recStmtCont = 1 << 1
	recOld      = 1 << 2
	recNew      = 1 << 3
)

// encodeChange encodes a change-log record value in the compact format:
// 0x01, op, flags, uvarint LSN, varint commit time (Unix ms), [uvarint
// depth], then length-prefixed collection name, primary key, row id and
// the old and new row values that are present.
func encodeChange(b []byte, c *Change, lsn uint64, timeMs int64) []byte {
	var flags byte
	if c.Depth > 0 {
		flags |= recDepth
	}
	if c.StmtCont {
		flags |= recStmtCont
	}
	if c.Old != nil {
		flags |= recOld
	}
	if c.New != nil {
		flags |= recNew
	}
	b = append(b, recordCompact, byte(c.Op), flags)
	b = binary.AppendUvarint(b, lsn)
	b = binary.AppendVarint(b, timeMs)
	if c.Depth > 0 {
		b = binary.AppendUvarint(b, uint64(c.Depth))
	}
	b = appendLenBytes(b, []byte(c.CollName))
	b = appendLenBytes(b, c.PK)
	b = appendLenBytes(b, []byte(c.RowID))
	if c.Old != nil {
		b = appendLenBytes(b, c.Old)
	}
	if c.New != nil {
		b = appendLenBytes(b, c.New)
	}
	return b
}

func appendLenBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// errRecord is the cause of a malformed compact record.
var errRecord = errors.New("malformed change record")

// decodeCompact decodes a compact record (val[0] == recordCompact).
func decodeCompact(r *Record, val []byte, view bool) error {
	if len(val) < 3 {
		return errRecord
	}
	r.Op = Op(val[1])
	flags := val[2]
	rest := val[3:]
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	field := func() ([]byte, bool) {
		n, ok := uv()
		if !ok || n > uint64(len(rest)) {
			return nil, false
		}
		v := rest[:n:n]
		rest = rest[n:]
		return v, true
	}
	var ok bool
	if r.LSN, ok = uv(); !ok {
		return errRecord
	}
	t, n := binary.Varint(rest)
	if n <= 0 {
		return errRecord
	}
	r.TimeMs, rest = t, rest[n:]
	if flags&recDepth != 0 {
		d, ok := uv()
		if !ok || d > 255 {
			return errRecord
		}
		r.Depth = uint8(d)
	}
	r.StmtCont = flags&recStmtCont != 0
	coll, ok := field()
	if !ok {
		return errRecord
	}
	pk, ok := field()
	if !ok {
		return errRecord
	}
	id, ok := field()
	if !ok {
		return errRecord
	}
	if view {
		r.CollNameView = coll
	} else {
		r.CollName = string(coll)
	}
	if len(pk) > 0 {
		r.PK = pk
		if !view {
			r.PK = clone(pk)
		}
	}
	r.RowID = string(id)
	for _, f := range []struct {
		bit byte
		dst *[]byte
	}{{recOld, &r.Old}, {recNew, &r.New}} {
		if flags&f.bit == 0 {
			continue
		}
		v, ok := field()
		if !ok {
			return errRecord
		}
		if view {
			*f.dst = v
		} else {
			*f.dst = append(make([]byte, 0, len(v)), v...)
		}
	}
	if len(rest) != 0 {
		return errRecord
	}
	return nil
}

// DecodeRecord decodes a change-log record from its key and value.
func DecodeRecord(coll uint32, vshard uint16, val []byte) (Record, error) {
	return decodeRecord(coll, vshard, val, false)
}

// DecodeRecordView is DecodeRecord without copies: PK, Old, New and
// CollNameView (instead of CollName) alias val. For a reader that is done
// with them before val goes away (an iterator's next step).
func DecodeRecordView(coll uint32, vshard uint16, val []byte) (Record, error) {
	return decodeRecord(coll, vshard, val, true)
}

func decodeRecord(coll uint32, vshard uint16, val []byte, view bool) (Record, error) {
	var r Record
	r.Collection, r.VShard = coll, vshard
	if len(val) > 0 && val[0] == recordCompact {
		if err := decodeCompact(&r, val, view); err != nil {
			return r, fmt.Errorf("txn: change record: %w", err)
		}
		return r, nil
	}
	// Format 2's MessagePack map.
	n, rest, err := msgp.ReadMapHeaderBytes(val)
	if err != nil {
		return r, fmt.Errorf("txn: change record: %w", err)
	}
	for i := uint32(0); i < n; i++ {
		var k []byte
		k, rest, err = msgp.ReadMapKeyZC(rest)
		if err != nil {
			return r, fmt.Errorf("txn: change record: %w", err)
		}
		switch string(k) {
		case "op":
			var b byte
			b, rest, err = msgp.ReadByteBytes(rest)
			r.Op = Op(b)
		case "coll":
			if view {
				r.CollNameView, rest, err = msgp.ReadStringZC(rest)
			} else {
				r.CollName, rest, err = msgp.ReadStringBytes(rest)
			}
		case "pk":
			r.PK, rest, err = readBytes(rest, view)
		case "id":
			r.RowID, rest, err = msgp.ReadStringBytes(rest)
		case "old":
			r.Old, rest, err = readOptBytes(rest, view)
		case "new":
			r.New, rest, err = readOptBytes(rest, view)
		case "t":
			r.TimeMs, rest, err = msgp.ReadInt64Bytes(rest)
		case "lsn":
			r.LSN, rest, err = msgp.ReadUint64Bytes(rest)
		case "d":
			r.Depth, rest, err = msgp.ReadUint8Bytes(rest)
		case "sc":
			r.StmtCont, rest, err = msgp.ReadBoolBytes(rest)
		default:
			rest, err = msgp.Skip(rest)
		}
		if err != nil {
			return r, fmt.Errorf("txn: change record field %s: %w", k, err)
		}
	}
	return r, nil
}

func readBytes(b []byte, view bool) ([]byte, []byte, error) {
	if view {
		v, rest, err := msgp.ReadBytesZC(b)
		if len(v) == 0 {
			v = nil // as the copying read returns an empty value
		}
		return v, rest, err
	}
	return msgp.ReadBytesBytes(b, nil)
}

func readOptBytes(b []byte, view bool) ([]byte, []byte, error) {
	if msgp.IsNil(b) {
		rest, err := msgp.ReadNilBytes(b)
		return nil, rest, err
	}
	return readBytes(b, view)
}

// ReverseIterator walks committed keys in [lo, hi) from the last down. It
// sees only the snapshot, not the transaction's own writes.
type ReverseIterator struct {
	it    *pebble.Iterator
	valid bool
}

// NewReverseIter returns a reverse iterator over the snapshot.
func (t *Txn) NewReverseIter(lo, hi []byte) (*ReverseIterator, error) {
	it, err := t.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("txn: iter: %w", err)
	}
	return &ReverseIterator{it: it, valid: it.Last()}, nil
}

// Valid reports whether the iterator is at an entry.
func (r *ReverseIterator) Valid() bool { return r.valid }

// Key returns the current key; valid until Prev.
func (r *ReverseIterator) Key() []byte { return r.it.Key() }

// Value returns the current value; valid until Prev.
func (r *ReverseIterator) Value() []byte { return r.it.Value() }

// Prev moves to the previous entry.
func (r *ReverseIterator) Prev() { r.valid = r.it.Prev() }

// SeekLT moves to the last entry before key (within the range).
func (r *ReverseIterator) SeekLT(key []byte) { r.valid = r.it.SeekLT(key) }

// Close releases the iterator.
func (r *ReverseIterator) Close() error {
	if err := r.it.Close(); err != nil {
		return fmt.Errorf("txn: iterate: %w", err)
	}
	return nil
}
