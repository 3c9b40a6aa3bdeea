package session

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/txn"
)

// This file is the key-value API the RESP protocol uses: point reads and
// read-modify-write updates of keys in a key-value collection, without
// SQL. Every update is one transaction through the commit pipeline, so it
// records row changes (change streams, LIVE SELECT) like a SQL write.

// KVEntry is a key as a key-value read or update sees it.
type KVEntry struct {
	Key     string
	Live    bool      // the key exists and has not expired
	Value   []byte    // the value as text; read only (it may be the store's cached copy)
	Null    bool      // the value column is NULL
	Expires time.Time // zero: no expiry
	Kind    string    // "" for a string, "hash" or "zset"

	e exec.KVEntry
}

// KVOp is what a KVWrite does to its key.
type KVOp uint8

// KVWrite operations.
const (
	KVKeep   KVOp = iota // leave the key alone
	KVPut                // set the value and the deadline
	KVExpire             // keep the value, set the deadline (zero: persist)
	KVDelete             // delete the key
)

// KVWrite is one key's outcome of an update function.
type KVWrite struct {
	Op      KVOp
	Value   []byte
	Kind    string    // "" for a string, "hash" or "zset" (KVPut)
	Expires time.Time // zero: no expiry
}

// kvLocks serializes read-modify-write updates of the same key, so a hot
// counter queues instead of failing serialization and retrying. Locks are
// per key (no false sharing between keys), created on demand and dropped
// when nobody holds or waits for them.
type kvLocks struct {
	mu sync.Mutex
	m  map[kvLockName]*kvLock
}

// kvLockName names a key's lock (a struct, so naming takes no allocation).
type kvLockName struct{ coll, key string }

func (a kvLockName) compare(b kvLockName) int {
	if c := strings.Compare(a.coll, b.coll); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

type kvLock struct {
	sync.Mutex
	refs int // holders and waiters
}

// lock takes the locks of keys of collection coll, in one global order
// so that multi-key updates never deadlock, and returns their release.
func (l *kvLocks) lock(coll string, keys []string) func() {
	names := make([]kvLockName, 0, len(keys))
	for _, k := range keys {
		names = append(names, kvLockName{coll, k})
	}
	slices.SortFunc(names, kvLockName.compare)
	held := make([]*kvLock, 0, len(names))
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[kvLockName]*kvLock)
	}
	for i, n := range names {
		if i > 0 && n == names[i-1] {
			continue
		}
		e := l.m[n]
		if e == nil {
			e = &kvLock{}
			l.m[n] = e
		}
		e.refs++
		held = append(held, e)
	}
	l.mu.Unlock()
	for _, e := range held {
		e.Lock()
	}
	return func() {
		for _, e := range held {
			e.Unlock()
		}
		l.mu.Lock()
		j := 0
		for i, n := range names {
			if i > 0 && n == names[i-1] {
				continue
			}
			e := held[j]
			e.refs--
			if e.refs == 0 {
				delete(l.m, n)
			}
			j++
		}
		l.mu.Unlock()
	}
}

// kvShape resolves a key-value collection; create makes it (as
// `(key TEXT PRIMARY KEY, value TEXT)`) when it does not exist. It returns
// nil, nil for a missing collection when create is false.
func (db *DB) kvShape(name string, create bool) (*exec.KVShape, error) {
	coll, ok := db.cat.Get(name)
	if !ok {
		if !create {
			return nil, nil
		}
		d := &exec.DDL{Cat: db.cat.Scope(0)}
		if _, err := d.CreateCollection(&ast.CreateCollection{Name: name, Kind: ast.KindKeyValue, IfNotExists: true}); err != nil {
			return nil, err
		}
		var err error
		if coll, err = db.cat.MustGet(name); err != nil {
			return nil, err
		}
	}
	return exec.NewKVShape(coll)
}

// kvShapeAgain resolves a collection again once its lock is held: DDL
// (a new index, a drop) may have finished while the writer waited.
func (db *DB) kvShapeAgain(name string) (*exec.KVShape, error) {
	sh, err := db.kvShape(name, false)
	if err == nil && sh == nil {
		err = errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
	}
	return sh, err
}

// KVCheck reports whether name can be used as a key-value collection: it
// is one, or does not exist yet (it is then created on first write).
func (db *DB) KVCheck(name string) error {
	if err := catalog.ValidateName(name); err != nil {
		return err
	}
	_, err := db.kvShape(name, false)
	return err
}

func toEntry(e exec.KVEntry) KVEntry {
	return KVEntry{Key: e.Key, Live: e.Live, Value: e.Value, Null: e.Null, Expires: e.Expires, Kind: e.Kind, e: e}
}

// KVGet reads keys of a collection from one snapshot.
func (db *DB) KVGet(ctx context.Context, coll string, keys []string) ([]KVEntry, error) {
	out := make([]KVEntry, len(keys))
	sh, err := db.kvShape(coll, false)
	if err != nil || sh == nil {
		for i, k := range keys {
			out[i].Key = k
		}
		return out, err
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	env := &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}
	for i, k := range keys {
		e, err := env.KVGet(sh, k)
		if err != nil {
			return nil, err
		}
		out[i] = toEntry(e)
	}
	if err := tx.WaitVisibleDurable(ctx); err != nil {
		return nil, errs.Errorf(errs.QueryCanceled, "canceling statement: %w", err)
	}
	return out, nil
}

// kvMaxAttempts bounds how often an update retries after a serialization
// failure (a concurrent SQL write to the same key).
const kvMaxAttempts = 100

// KVUpdate runs a read-modify-write over keys in one transaction: fn gets
// every key's current entry and returns one write per key. The collection
// is created on first use. On a serialization failure the transaction is
// retried with fresh reads (fn runs again, so it must only compute), up to
// a bound; the final error is 40001. When nothing is written, the reads
// are still released only once every commit they saw is durable.
func (db *DB) KVUpdate(ctx context.Context, coll string, keys []string, fn func(cur []KVEntry) ([]KVWrite, error)) error {
	sh, err := db.kvShape(coll, true)
	if err != nil {
		return err
	}
	unlock := sync.OnceFunc(db.kvLocks.lock(coll, keys))
	defer unlock()
	backoff := 50 * time.Microsecond
	for attempt := 1; ; attempt++ {
		err := db.kvUpdateOnce(ctx, sh, keys, fn, unlock)
		if err == nil || !errs.Is(err, errs.SerializationFailure) || attempt >= kvMaxAttempts {
			return err
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return errs.Errorf(errs.QueryCanceled, "canceling statement: %w", ctx.Err())
		}
		backoff = min(2*backoff, 5*time.Millisecond)
		// A DDL may have changed the collection meanwhile.
		if sh, err = db.kvShape(coll, true); err != nil {
			return err
		}
	}
}

func (db *DB) kvUpdateOnce(ctx context.Context, sh *exec.KVShape, keys []string, fn func(cur []KVEntry) ([]KVWrite, error), unlock func()) error {
	// Writers hold the collection lock shared, as SQL writers do, so DDL
	// that rewrites the collection waits for them (until durable).
	l := db.cat.CollectionLock(sh.Coll.ID)
	l.RLock()
	defer l.RUnlock()
	sh, err := db.kvShapeAgain(sh.Coll.Name)
	if err != nil {
		return err
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	tx.ReadLatest()
	env := &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}
	if err := readApply(env, sh, keys, make([]KVEntry, len(keys)), fn); err != nil {
		return err
	}
	if tx.HasWrites() {
		return commitPipelined(tx, unlock)
	}
	return waitDurable(ctx, tx)
}

// commitPipelined queues tx's commit, lets the next writer of its keys go
// (it reads this commit's values through ReadLatest), then waits for
// durability: writers of one hot key share group commits instead of
// taking one fsync each.
func commitPipelined(tx *txn.Txn, unlock func()) error {
	wait, err := tx.CommitAsync()
	if err != nil {
		return err
	}
	unlock()
	_, err = wait()
	return err
}

// kvApplyError marks an error met while applying an update's writes
// (after its function succeeded): the transaction holds part of them.
type kvApplyError struct{ err error }

func (e *kvApplyError) Error() string { return e.err.Error() }
func (e *kvApplyError) Unwrap() error { return e.err }

// readApply reads keys into cur (as long as keys), runs fn and buffers
// its writes in env's transaction. An error of fn is returned as is
// (nothing was written); an error while writing is wrapped in
// *kvApplyError.
func readApply(env *exec.Env, sh *exec.KVShape, keys []string, cur []KVEntry, fn func(cur []KVEntry) ([]KVWrite, error)) error {
	for i, k := range keys {
		e, err := env.KVGet(sh, k)
		if err != nil {
			return &kvApplyError{err}
		}
		cur[i] = toEntry(e)
	}
	ws, err := fn(cur)
	if err != nil {
		return err
	}
	for i, w := range ws {
		if i >= len(cur) {
			break
		}
		var err error
		switch w.Op {
		case KVPut:
			err = env.KVPut(sh, cur[i].e, w.Value, w.Kind, w.Expires)
		case KVExpire:
			if cur[i].Live {
				err = env.KVExpire(sh, cur[i].e, w.Expires)
			}
		case KVDelete:
			err = env.KVDelete(sh, cur[i].e)
		}
		if err != nil {
			return &kvApplyError{err}
		}
	}
	return nil
}

// KVTxn is a batch of key-value reads and updates of one collection in one
// transaction (KVBatch): RESP runs a client's pipelined commands in one,
// so they share one commit.
type KVTxn struct {
	env    *exec.Env
	sh     *exec.KVShape // nil: the collection does not exist (reads find nothing)
	write  bool          // the batch was opened for writing
	failed error
	cur    []KVEntry // Update's entries, reused by the batch's commands
}

// Reserve says about n updates follow: their change records are made
// room for at once.
func (t *KVTxn) Reserve(n int) {
	if t.write {
		t.env.Txn.ReserveChanges(n)
	}
}

// Now is the time the batch judges expiry at.
func (t *KVTxn) Now() time.Time { return t.env.Clock }

// Get reads keys, seeing the batch's own earlier writes.
func (t *KVTxn) Get(keys []string) ([]KVEntry, error) {
	out := make([]KVEntry, len(keys))
	for i, k := range keys {
		e, err := t.GetOne(k)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// GetOne is Get of one key, without a slice.
func (t *KVTxn) GetOne(key string) (KVEntry, error) {
	if t.sh == nil {
		return KVEntry{Key: key}, nil
	}
	e, err := t.env.KVGet(t.sh, key)
	if err != nil {
		t.failed = err
		return KVEntry{}, err
	}
	return toEntry(e), nil
}

// Update is KVUpdate inside the batch: an error of fn is returned and
// leaves the batch usable; any other error fails the batch (KVBatch then
// returns it and commits nothing). fn's cur is valid during the call
// only: the batch's next Update reuses it.
func (t *KVTxn) Update(keys []string, fn func(cur []KVEntry) ([]KVWrite, error)) error {
	if t.sh == nil || !t.write {
		t.failed = errs.New(errs.ObjectNotInState, "key-value batch: not opened for writing")
		return t.failed
	}
	if cap(t.cur) < len(keys) {
		t.cur = make([]KVEntry, len(keys))
	}
	err := readApply(t.env, t.sh, keys, t.cur[:len(keys)], fn)
	if ae, ok := err.(*kvApplyError); ok { // readApply returns it unwrapped
		t.failed = ae.err
		return ae.err
	}
	return err
}

// KVBatch runs fn over one transaction of collection coll and commits it;
// keys are the keys fn will touch (their per-key locks are held
// throughout, so concurrent updates of a key queue rather than conflict).
// write creates the collection when missing. It returns an error, and
// commits nothing, when a read or write inside failed, the commit failed
// or a concurrent write conflicted (40001): the caller may then rerun the
// work piece by piece. Without writes, it waits until every commit the
// reads saw is durable.
func (db *DB) KVBatch(ctx context.Context, coll string, keys []string, write bool, fn func(t *KVTxn)) error {
	sh, err := db.kvShape(coll, write)
	if err != nil {
		return err
	}
	unlock := func() {}
	if write {
		unlock = sync.OnceFunc(db.kvLocks.lock(coll, keys))
		defer unlock()
	}
	if sh != nil && write {
		l := db.cat.CollectionLock(sh.Coll.ID)
		l.RLock()
		defer l.RUnlock()
		if sh, err = db.kvShapeAgain(coll); err != nil {
			return err
		}
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	if write {
		tx.ReadLatest()
	}
	// The batch's commands judge expiry at one clock reading, as Redis
	// does within one event-loop pass.
	t := &KVTxn{env: &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids, Clock: time.Now()}, sh: sh, write: write}
	fn(t)
	if t.failed != nil {
		return t.failed
	}
	if tx.HasWrites() {
		return commitPipelined(tx, unlock)
	}
	return waitDurable(ctx, tx)
}

func waitDurable(ctx context.Context, tx *txn.Txn) error {
	if err := tx.WaitVisibleDurable(ctx); err != nil {
		return errs.Errorf(errs.QueryCanceled, "canceling statement: %w", err)
	}
	return nil
}

// KVScan lists live keys matching pattern (nil: all), resuming at cursor
// (0: from the start). It returns the cursor to continue from, 0 when the
// scan is complete. Cursors are vShard numbers plus one, so a key present
// during the whole scan is returned at least once, as Redis promises.
func (db *DB) KVScan(ctx context.Context, coll string, cursor uint64, pattern []byte, count int) (uint64, []string, error) {
	sh, err := db.kvShape(coll, false)
	if err != nil || sh == nil {
		return 0, nil, err
	}
	from := uint16(0)
	if cursor > 0 {
		from = uint16(min(cursor-1, 0xffff))
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	env := &exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}
	keys, next, err := env.KVScan(sh, from, max(count, 1), pattern)
	if err != nil {
		return 0, nil, err
	}
	if err := waitDurable(ctx, tx); err != nil {
		return 0, nil, err
	}
	if next == 0 {
		return 0, keys, nil
	}
	return uint64(next) + 1, keys, nil
}

// KVCount counts a collection's live keys.
func (db *DB) KVCount(ctx context.Context, coll string) (int64, error) {
	sh, err := db.kvShape(coll, false)
	if err != nil || sh == nil {
		return 0, err
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	n, err := (&exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}).KVCount(sh)
	if err != nil {
		return 0, err
	}
	return n, waitDurable(ctx, tx)
}

// KVFlush deletes every key of a collection (recording a DELETE for each).
func (db *DB) KVFlush(ctx context.Context, coll string) error {
	sh, err := db.kvShape(coll, false)
	if err != nil || sh == nil {
		return err
	}
	l := db.cat.CollectionLock(sh.Coll.ID)
	l.RLock()
	defer l.RUnlock()
	tx := db.txm.Begin()
	defer tx.Rollback()
	if _, err := (&exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}).Truncate(sh.Coll); err != nil {
		return err
	}
	_, err = tx.Commit()
	return err
}

// ---------------------------------------------------------------- reclaim

// kvReclaimBatch bounds the keys one reclaim transaction deletes.
const kvReclaimBatch = 512

// ReclaimExpired deletes every expired key of every key-value collection
// now (the background reclaimer does this periodically); it returns how
// many keys it deleted. Each deletion is a DELETE row change.
func (db *DB) ReclaimExpired(ctx context.Context) (int, error) {
	total := 0
	for _, coll := range db.cat.List() {
		if coll.Kind != catalog.KeyValue {
			continue
		}
		sh, err := exec.NewKVShape(coll)
		if err != nil {
			return total, err
		}
		for ctx.Err() == nil {
			n, err := db.reclaimBatch(ctx, sh)
			total += n
			if err != nil {
				if errs.Is(err, errs.SerializationFailure) {
					break // a writer got there first; the next round retries
				}
				return total, err
			}
			if n < kvReclaimBatch {
				break
			}
		}
	}
	return total, ctx.Err()
}

func (db *DB) reclaimBatch(ctx context.Context, sh *exec.KVShape) (int, error) {
	l := db.cat.CollectionLock(sh.Coll.ID)
	l.RLock()
	defer l.RUnlock()
	tx := db.txm.Begin()
	defer tx.Rollback()
	n, err := (&exec.Env{Ctx: ctx, Txn: tx, IDs: db.ids}).KVReclaim(sh, kvReclaimBatch)
	if err != nil || n == 0 {
		return 0, err
	}
	if _, err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// reclaimer is the background goroutine that deletes expired keys; the
// DB owns it: OpenDB starts it, Close stops it and waits.
type reclaimer struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (db *DB) startReclaimer(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &reclaimer{cancel: cancel, done: make(chan struct{})}
	db.reclaim = r
	go func() {
		defer close(r.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := db.ReclaimExpired(ctx); err != nil && ctx.Err() == nil {
				db.log.Warn("reclaiming expired keys", "err", err)
			}
		}
	}()
}

func (db *DB) stopReclaimer() {
	if db.reclaim == nil {
		return
	}
	db.reclaim.cancel()
	<-db.reclaim.done
	db.reclaim = nil
}

// KVDefaultCollection is the collection RESP clients use until they
// select another.
const KVDefaultCollection = kv.DefaultCollection

// Value kinds of KVEntry.Kind and KVWrite.Kind besides "" (a string).
const (
	KVKindHash = kv.KindHash
	KVKindZSet = kv.KindZSet
)
