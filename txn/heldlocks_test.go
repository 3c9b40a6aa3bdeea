package txn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/stretchr/testify/require"
)

// TestHeldLocks: SELECT ... FOR UPDATE/SHARE row locks as PostgreSQL's
// REPEATABLE READ has them: waiting, NOWAIT, SKIP LOCKED, shared
// holders, deadlocks, rows changed since the snapshot, and writers of a
// held row.
func TestHeldLocks(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	ctx := context.Background()
	row := []byte("row-1")
	lock := func(tx *Txn, key []byte, excl bool, w LockWait) (bool, error) {
		return tx.LockRowHeld(ctx, key, excl, w)
	}

	// NOWAIT and SKIP LOCKED against a holder; shared holders coexist.
	a, b := m.Begin(), m.Begin()
	ok, err := lock(a, row, true, LockBlock)
	require.True(t, ok)
	require.NoError(t, err)
	_, err = lock(b, row, false, LockNoWait)
	require.ErrorIs(t, err, ErrLockNotAvailable)
	ok, err = lock(b, row, true, LockSkipLocked)
	require.False(t, ok)
	require.NoError(t, err)
	ok, err = lock(a, row, true, LockNoWait) // again by its holder
	require.True(t, ok)
	require.NoError(t, err)
	a.Rollback()
	ok, err = lock(b, row, false, LockNoWait)
	require.True(t, ok, "a rollback lets go")
	require.NoError(t, err)
	c := m.Begin()
	ok, err = lock(c, row, false, LockNoWait)
	require.True(t, ok, "shared locks coexist")
	require.NoError(t, err)
	d := m.Begin()
	_, err = lock(d, row, true, LockNoWait)
	require.ErrorIs(t, err, ErrLockNotAvailable, "an exclusive lock waits for shared holders")
	d.Rollback()
	b.Rollback()
	c.Rollback()

	// A waiter wakes when the holder commits; the holder changed the row,
	// so the waiter (whose snapshot is older) fails with 40001, and a
	// SKIP LOCKED passes it over.
	a, b = m.Begin(), m.Begin()
	_, err = lock(a, row, true, LockBlock)
	require.NoError(t, err)
	got := make(chan error, 1)
	go func() {
		_, err := lock(b, row, true, LockBlock)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the waiter did not wait: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	a.Set(row, []byte("changed"))
	_, err = a.Commit()
	require.NoError(t, err)
	require.Equal(t, errs.SerializationFailure, errs.Code(<-got))
	b.Rollback()
	b = m.Begin()
	s := m.Begin()
	a = m.Begin()
	a.Set(row, []byte("changed again"))
	_, err = a.Commit()
	require.NoError(t, err)
	ok, err = lock(s, row, true, LockSkipLocked)
	require.False(t, ok, "SKIP LOCKED passes over a row changed since the snapshot")
	require.NoError(t, err)
	s.Rollback()
	ok, err = lock(b, row, true, LockBlock)
	require.False(t, ok)
	require.Equal(t, errs.SerializationFailure, errs.Code(err))
	b.Rollback()

	// A holder that only locked the row lets the waiter through.
	a, b = m.Begin(), m.Begin()
	_, err = lock(a, row, true, LockBlock)
	require.NoError(t, err)
	go func() {
		_, err := lock(b, row, true, LockBlock)
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	_, err = a.Commit()
	require.NoError(t, err)
	require.NoError(t, <-got)

	// A writer of the row b holds fails its commit; b's own write commits.
	w := m.Begin()
	w.Set(row, []byte("w"))
	_, err = w.Commit()
	require.Equal(t, errs.SerializationFailure, errs.Code(err))
	b.Set(row, []byte("b"))
	_, err = b.Commit()
	require.NoError(t, err)

	// Two transactions waiting for each other: the second wait is 40P01.
	r1, r2 := []byte("row-a"), []byte("row-b")
	a, b = m.Begin(), m.Begin()
	_, err = lock(a, r1, true, LockBlock)
	require.NoError(t, err)
	_, err = lock(b, r2, true, LockBlock)
	require.NoError(t, err)
	go func() {
		_, err := lock(a, r2, true, LockBlock)
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	_, err = lock(b, r1, true, LockBlock)
	require.Equal(t, errs.DeadlockDetected, errs.Code(err))
	b.Rollback()
	require.NoError(t, <-got, "the other one goes on")
	a.Rollback()

	// A canceled wait returns the context's error and holds nothing.
	a, b = m.Begin(), m.Begin()
	_, err = lock(a, row, true, LockBlock)
	require.NoError(t, err)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = b.LockRowHeld(cctx, row, true, LockBlock)
	cancel()
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	a.Rollback()
	b.Rollback()
	require.Zero(t, m.held.n.Load(), "every lock was let go")
}
