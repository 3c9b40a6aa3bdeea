package txn

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/nodedb-go/nodedb/errs"
)

// Held row locks are the locks SELECT ... FOR UPDATE and FOR SHARE take:
// PostgreSQL's row locks, held from the moment they are taken until the
// transaction ends. Unlike LockRow's locks, which are only compared at
// commit, another transaction sees them at once: FOR UPDATE on a row
// another transaction holds waits for it to end (NOWAIT fails with 55P03,
// SKIP LOCKED passes the row over), and a wait that would close a cycle
// of waiting transactions fails with 40P01. Their key is the row's
// storage key, so that
//   - taking one on a row changed since the transaction's snapshot fails
//     with 40001 (SKIP LOCKED passes the row over instead), as
//     PostgreSQL's REPEATABLE READ does after waiting for the changer;
//   - a transaction that writes a row another one holds locked fails its
//     commit with 40001: the holder keeps the row, where PostgreSQL
//     would make the writer wait.
//
// Transactions are snapshot-isolated and writes take no held lock, so a
// plain UPDATE does not wait for one (it fails at commit instead).

// LockWait is what taking a held lock does when another transaction holds
// it.
type LockWait int

// Lock waits.
const (
	LockBlock      LockWait = iota // wait until the holder ends
	LockNoWait                     // fail with 55P03
	LockSkipLocked                 // pass the row over
)

// ErrLockNotAvailable is the cause of NOWAIT's 55P03.
var ErrLockNotAvailable = errors.New("row lock held by another transaction")

// heldLock is one row's holders; wake is closed (and replaced) whenever a
// holder lets go, for the waiters to look again.
type heldLock struct {
	excl   *Txn
	shared map[*Txn]bool
	wake   chan struct{}
}

func (h *heldLock) free() bool { return h.excl == nil && len(h.shared) == 0 }

// blockers are the holders other than t that keep t from taking the lock.
func (h *heldLock) blockers(t *Txn, exclusive bool) []*Txn {
	var out []*Txn
	if h.excl != nil && h.excl != t {
		out = append(out, h.excl)
	}
	if exclusive {
		for o := range h.shared {
			if o != t {
				out = append(out, o)
			}
		}
	}
	return out
}

// heldLocks is the Manager's table of held row locks.
type heldLocks struct {
	n  atomic.Int64 // rows locked, for writers' fast path
	mu struct {
		sync.Mutex
		rows     map[string]*heldLock
		waitsFor map[*Txn][]*Txn // a waiting transaction → the holders it waits for
	}
}

// LockRowHeld takes a held row lock on the row stored under key (see the
// comment at the top of this file): exclusive for FOR UPDATE and FOR NO
// KEY UPDATE, shared for FOR SHARE and FOR KEY SHARE. It returns false
// when LockSkipLocked passes the row over.
func (t *Txn) LockRowHeld(ctx context.Context, key []byte, exclusive bool, wait LockWait) (bool, error) {
	if t.done {
		return false, errs.New(errs.InvalidTxnState, "transaction already finished")
	}
	hl := &t.m.held
	k := string(key)
	for {
		hl.mu.Lock()
		if hl.mu.rows == nil {
			hl.mu.rows = make(map[string]*heldLock)
			hl.mu.waitsFor = make(map[*Txn][]*Txn)
		}
		h := hl.mu.rows[k]
		if h == nil {
			h = &heldLock{wake: make(chan struct{})}
			hl.mu.rows[k] = h
			hl.n.Add(1)
		}
		blockers := h.blockers(t, exclusive)
		if len(blockers) == 0 {
			t.holdLocked(h, k, exclusive)
			hl.mu.Unlock()
			break
		}
		switch wait {
		case LockNoWait:
			hl.mu.Unlock()
			return false, ErrLockNotAvailable
		case LockSkipLocked:
			hl.mu.Unlock()
			return false, nil
		}
		if hl.cycleLocked(t, blockers) {
			hl.mu.Unlock()
			return false, &errs.Error{Code: errs.DeadlockDetected, Message: "deadlock detected",
				Detail: "Transactions waiting for each other's row locks (SELECT ... FOR UPDATE/SHARE).", Err: ErrConflict}
		}
		hl.mu.waitsFor[t] = blockers
		wake := h.wake
		hl.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
		}
		hl.mu.Lock()
		delete(hl.mu.waitsFor, t)
		hl.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
	// Locked. A row changed since the snapshot cannot be locked as this
	// transaction sees it.
	t.m.mu.Lock()
	lw, changed := t.m.mu.lastWrite[k]
	t.m.mu.Unlock()
	if changed && lw > t.snapLSN {
		if wait == LockSkipLocked {
			return false, nil
		}
		return false, &errs.Error{Code: errs.SerializationFailure,
			Message: "could not serialize access due to concurrent update", Err: ErrConflict}
	}
	return true, nil
}

// holdLocked records t as a holder of h (under hl.mu).
func (t *Txn) holdLocked(h *heldLock, k string, exclusive bool) {
	if exclusive {
		h.excl = t
		delete(h.shared, t) // an upgrade
	} else if h.excl != t {
		if h.shared == nil {
			h.shared = make(map[*Txn]bool)
		}
		h.shared[t] = true
	}
	if t.held == nil {
		t.held = make(map[string]bool)
	}
	t.held[k] = true
}

// cycleLocked reports whether t waiting for blockers closes a cycle of
// waiting transactions.
func (hl *heldLocks) cycleLocked(t *Txn, blockers []*Txn) bool {
	seen := map[*Txn]bool{}
	var reaches func(x *Txn) bool
	reaches = func(x *Txn) bool {
		if x == t {
			return true
		}
		if seen[x] {
			return false
		}
		seen[x] = true
		for _, y := range hl.mu.waitsFor[x] {
			if reaches(y) {
				return true
			}
		}
		return false
	}
	for _, b := range blockers {
		if reaches(b) {
			return true
		}
	}
	return false
}

// releaseHeld lets go of t's held locks (at its end), waking their
// waiters.
func (t *Txn) releaseHeld() {
	if len(t.held) == 0 {
		return
	}
	hl := &t.m.held
	hl.mu.Lock()
	for k := range t.held {
		h := hl.mu.rows[k]
		if h == nil {
			continue
		}
		if h.excl == t {
			h.excl = nil
		}
		delete(h.shared, t)
		close(h.wake)
		h.wake = make(chan struct{})
		if h.free() {
			delete(hl.mu.rows, k)
			hl.n.Add(-1)
		}
	}
	hl.mu.Unlock()
	t.held = nil
}

// heldByOther reports whether a transaction other than t holds a lock on
// a row t writes (called with m.mu held: hl.mu is taken inside m.mu,
// never the other way round).
func (hl *heldLocks) heldByOther(t *Txn, writes []write) bool {
	hl.mu.Lock()
	defer hl.mu.Unlock()
	for i := range writes {
		if h := hl.mu.rows[string(writes[i].key)]; h != nil && len(h.blockers(t, true)) > 0 {
			return true
		}
	}
	return false
}
