package txn

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

func openSnapshots(st *storage.Store) int { return st.DB().Metrics().Snapshots.Count }

// Transactions that begin while no commit is published share one Pebble
// snapshot; a commit makes the next Begin take a new one, and a snapshot
// no transaction uses and Begin no longer hands out is closed.
func TestSharedSnapshots(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	t1, t2 := m.Begin(), m.Begin()
	require.Same(t, t1.snap, t2.snap, "no commit between the two Begins")
	require.Equal(t, 1, openSnapshots(st))

	t1.Set([]byte("k"), []byte("1"))
	_, err := t1.Commit()
	require.NoError(t, err)
	t3 := m.Begin()
	require.NotSame(t, t2.snap, t3.snap, "a commit was published since t2 began")
	v, ok, err := t3.Get([]byte("k"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1", string(v))
	_, ok, err = t2.Get([]byte("k"))
	require.NoError(t, err)
	require.False(t, ok, "t2's snapshot predates the commit")
	require.Equal(t, 2, openSnapshots(st))

	t2.Rollback() // the last user of the old snapshot
	require.Equal(t, 1, openSnapshots(st))
	t3.Rollback() // still current: kept for the next Begin
	require.Equal(t, 1, openSnapshots(st))
	t4 := m.Begin()
	require.Same(t, t3.snap, t4.snap)
	t4.Set([]byte("k"), []byte("2"))
	_, err = t4.Commit()
	require.NoError(t, err)
	require.Equal(t, 0, openSnapshots(st), "unused and outdated by t4's own commit")

	t5 := m.Begin()
	require.NoError(t, m.Close())
	require.Equal(t, 1, openSnapshots(st), "in use by t5")
	t6 := m.Begin() // after Close: a snapshot of its own, not kept
	require.NotSame(t, t5.snap, t6.snap)
	t5.Rollback()
	t6.Rollback()
	require.Equal(t, 0, openSnapshots(st))
}

// However snapshots are shared, a transaction that begins after a commit
// was acknowledged reads it.
func TestSharedSnapshotsSeeAcknowledgedCommits(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	const commits = 200
	var acked atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				want := acked.Load()
				tx := m.Begin()
				v, ok, err := tx.Get([]byte("k"))
				tx.Rollback()
				if err != nil {
					t.Error(err)
					return
				}
				var got int64
				if ok {
					got, _ = strconv.ParseInt(string(v), 10, 64)
				}
				if got < want {
					t.Errorf("read %d after commit %d was acknowledged", got, want)
					return
				}
			}
		}()
	}
	for i := int64(1); i <= commits; i++ {
		tx := m.Begin()
		tx.Set([]byte("k"), []byte(strconv.FormatInt(i, 10)))
		if _, err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		acked.Store(i)
	}
	close(done)
	wg.Wait()
}

// Manager.writers (which decides whether a small commit group waits for
// more) counts exactly the open transactions that wrote something,
// whichever way they end.
func TestWritersCount(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	ro := m.Begin()
	_, _, err := ro.Get([]byte("x"))
	require.NoError(t, err)
	require.EqualValues(t, 0, m.writers.Load(), "a reader is not a writer")

	a, b, c, d := m.Begin(), m.Begin(), m.Begin(), m.Begin()
	a.Set([]byte("a"), []byte("1"))
	a.Set([]byte("a2"), []byte("1"))
	b.Set([]byte("b"), []byte("1"))
	c.Delete([]byte("c"))
	sp := d.Savepoint()
	d.Set([]byte("d"), []byte("1"))
	d.RollbackTo(sp)
	require.EqualValues(t, 4, m.writers.Load())

	_, err = a.Commit()
	require.NoError(t, err)
	wait, err := b.CommitAsync()
	require.NoError(t, err)
	_, err = wait()
	require.NoError(t, err)
	c.Rollback()
	d.Rollback() // its only write was rolled back to the savepoint
	ro.Rollback()
	require.EqualValues(t, 0, m.writers.Load())

	// A commit that fails on a conflict counts down too.
	e, f := m.Begin(), m.Begin()
	e.Set([]byte("k"), []byte("1"))
	f.Set([]byte("k"), []byte("2"))
	_, err = e.Commit()
	require.NoError(t, err)
	_, err = f.Commit()
	require.Error(t, err)
	require.EqualValues(t, 0, m.writers.Load())
}

type blockingHook struct{ called, release chan struct{} }

func (h blockingHook) Committed([]byte, []byte, bool) {
	h.called <- struct{}{}
	<-h.release
}

// A transaction that begins once a commit's write hooks run sees the
// commit, shared snapshot or not (the offset cache loads a group from
// such a transaction and relies on it: writes whose hook ran before the
// load began are not queued for it).
func TestBeginAfterWriteHookSeesCommit(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	const tag = 0x7e
	h := blockingHook{called: make(chan struct{}), release: make(chan struct{})}
	m.SetWriteHook(tag, h)
	warm := m.Begin() // leaves a snapshot to share, taken before the commit
	warm.Rollback()

	done := make(chan error, 1)
	go func() {
		tx := m.Begin()
		tx.Set([]byte{tag, 1}, []byte("v"))
		_, err := tx.Commit()
		done <- err
	}()
	<-h.called
	tx := m.Begin()
	_, ok, err := tx.Get([]byte{tag, 1})
	tx.Rollback()
	close(h.release)
	require.NoError(t, <-done)
	require.NoError(t, err)
	require.True(t, ok, "a transaction begun after the write hook ran must see the commit")
}
