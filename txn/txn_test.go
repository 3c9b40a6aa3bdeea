package txn

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t *testing.T, dir string) (*storage.Store, *Manager) {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	m, err := NewManager(st, Options{})
	require.NoError(t, err)
	return st, m
}

func closeAll(t *testing.T, st *storage.Store, m *Manager) {
	require.NoError(t, m.Close())
	require.NoError(t, st.Close())
}

func TestReadYourWritesAndIsolation(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	t1 := m.Begin()
	t1.Set([]byte("a"), []byte("1"))
	t1.Set([]byte("c"), []byte("3"))
	v, ok, err := t1.Get([]byte("a"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1", string(v))

	t2 := m.Begin() // snapshot before t1 commits
	_, err = t1.Commit()
	require.NoError(t, err)
	_, ok, err = t2.Get([]byte("a"))
	require.NoError(t, err)
	require.False(t, ok, "t2 must not see a commit after its snapshot")
	t2.Rollback()

	t3 := m.Begin()
	t3.Set([]byte("b"), []byte("2"))
	t3.Delete([]byte("c"))
	it, err := t3.NewIter([]byte("a"), []byte("z"))
	require.NoError(t, err)
	var got []string
	for ; it.Valid(); it.Next() {
		got = append(got, string(it.Key())+"="+string(it.Value()))
	}
	require.NoError(t, it.Close())
	require.Equal(t, []string{"a=1", "b=2"}, got)

	// SeekGE repositions the iterator, forwards or backwards, merging the
	// own writes.
	t3.Set([]byte("x1"), []byte("3"))
	t3.Set([]byte("x0"), []byte("4"))
	it, err = t3.NewIter([]byte("a"), []byte("z"))
	require.NoError(t, err)
	for _, c := range []struct {
		seek string
		want []string
	}{{"x", []string{"x0=4", "x1=3"}}, {"a", []string{"a=1", "b=2", "x0=4", "x1=3"}}, {"x1", []string{"x1=3"}},
		{"b", []string{"b=2", "x0=4", "x1=3"}}, {"y", nil}, {"a\x00", []string{"b=2", "x0=4", "x1=3"}}} {
		it.SeekGE([]byte(c.seek))
		var got []string
		for ; it.Valid(); it.Next() {
			got = append(got, string(it.Key())+"="+string(it.Value()))
		}
		require.Equal(t, c.want, got, "seek %q", c.seek)
	}
	require.NoError(t, it.Close())
	t3.Rollback()
}

func TestWriteWriteConflict(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	a, b := m.Begin(), m.Begin()
	a.Set([]byte("k"), []byte("a"))
	b.Set([]byte("k"), []byte("b"))
	_, err := a.Commit()
	require.NoError(t, err)
	_, err = b.Commit()
	require.True(t, errs.Is(err, errs.SerializationFailure), "got %v", err)

	// A transaction that began after the first commit does not conflict.
	c := m.Begin()
	c.Set([]byte("k"), []byte("c"))
	_, err = c.Commit()
	require.NoError(t, err)
}

func TestLSNsSurviveRestartAndChangeLog(t *testing.T) {
	dir := t.TempDir()
	st, m := open(t, dir)
	tx := m.Begin()
	tx.Set([]byte("x"), []byte("1"))
	tx.AddChange(Change{Collection: 7, CollName: "c", VShard: 3, PK: []byte("pk"), RowID: "x", Op: OpInsert, New: []byte{0x90}})
	tx.AddChange(Change{Collection: 7, CollName: "c", VShard: 3, PK: []byte("pk2"), RowID: "y", Op: OpDelete, Old: []byte{0x91}})
	lsn, err := tx.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(2), lsn)
	closeAll(t, st, m)

	st, m = open(t, dir)
	defer closeAll(t, st, m)
	require.Equal(t, uint64(2), m.LastLSN())
	r := m.Begin()
	defer r.Rollback()
	// The LSN-ordered log holds the records.
	it, err := r.NewIter(storage.LSNIndexKey(1), []byte{storage.TagLSNIndex + 1})
	require.NoError(t, err)
	var recs []Record
	entries := 0
	for ; it.Valid(); it.Next() {
		entries++
		lrs, ok := storage.AppendLogRecords(nil, it.Key(), it.Value())
		require.True(t, ok)
		for _, lr := range lrs {
			require.Equal(t, uint32(7), lr.Coll)
			require.Equal(t, uint16(3), lr.VShard)
			rec, err := DecodeRecord(lr.Coll, lr.VShard, lr.Raw)
			require.NoError(t, err)
			require.Equal(t, lr.LSN, rec.LSN)
			recs = append(recs, rec)
		}
	}
	require.Equal(t, 1, entries, "a commit's records share one log entry")
	require.NoError(t, it.Close())
	require.Len(t, recs, 2)
	require.Equal(t, OpInsert, recs[0].Op)
	require.Equal(t, uint64(1), recs[0].LSN)
	require.Equal(t, []byte{0x90}, recs[0].New)
	require.Nil(t, recs[0].Old)
	require.Equal(t, OpDelete, recs[1].Op)
	require.Equal(t, "y", recs[1].RowID)

	tx = m.Begin()
	tx.Set([]byte("y"), []byte("1"))
	lsn, err = tx.Commit()
	require.NoError(t, err)
	require.Equal(t, uint64(3), lsn, "LSNs continue after restart")
}

func TestConcurrentCommitsGroupAndOrder(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	const workers, per = 16, 50
	var wg sync.WaitGroup
	lsns := make(chan uint64, workers*per)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				tx := m.Begin()
				tx.Set([]byte(fmt.Sprintf("k%d-%d", w, i)), []byte("v"))
				l, err := tx.Commit()
				if err != nil {
					t.Error(err)
					return
				}
				lsns <- l
			}
		}(w)
	}
	wg.Wait()
	close(lsns)
	seen := map[uint64]bool{}
	for l := range lsns {
		require.False(t, seen[l], "duplicate LSN %d", l)
		seen[l] = true
	}
	require.Len(t, seen, workers*per)
	require.Equal(t, uint64(workers*per), m.LastLSN())
	require.LessOrEqual(t, m.Syncs(), m.Commits())
}

// A PointReader answers exactly as Get does: the transaction's own writes
// and deletes over its snapshot, nothing committed after it, nothing
// outside its range, keys read in any order.
func TestPointReaderMatchesGet(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)

	t1 := m.Begin()
	for _, k := range []string{"k1", "k2", "k3", "k5", "z"} {
		t1.Set([]byte(k), []byte("v"+k))
	}
	_, err := t1.Commit()
	require.NoError(t, err)

	t2 := m.Begin()
	t2.Set([]byte("k4"), []byte("mine"))
	t2.Delete([]byte("k2"))
	t3 := m.Begin()
	t3.Set([]byte("k6"), []byte("later"))
	_, err = t3.Commit()
	require.NoError(t, err)

	r, err := t2.NewPointReader([]byte("k"), []byte("l"))
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	for _, k := range []string{"k1", "k2", "k3", "k4", "k5", "k6", "k0", "k3", "k1"} {
		want, wantOK, err := t2.Get([]byte(k))
		require.NoError(t, err)
		got, ok, err := r.Get([]byte(k))
		require.NoError(t, err)
		require.Equal(t, wantOK, ok, k)
		require.Equal(t, string(want), string(got), k)
	}
	_, ok, err := r.Get([]byte("z"))
	require.NoError(t, err)
	require.False(t, ok, "outside the range")
	t2.Rollback()
}

// TestSavepoints checks RollbackTo against a model: random writes,
// deletes and changes under nested savepoints, each rolled back or
// released, leave exactly what the model says, read through Get and
// through an iterator.
func TestSavepoints(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	base := m.Begin()
	base.Set([]byte("k0"), []byte("committed"))
	_, err := base.Commit()
	require.NoError(t, err)

	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		tx := m.Begin()
		model := map[string]string{"k0": "committed"}
		changes := 0
		type frame struct {
			sp      Savepoint
			model   map[string]string
			changes int
		}
		var stack []frame
		for step := 0; step < 40; step++ {
			k := fmt.Sprintf("k%d", rng.IntN(6))
			switch r := rng.IntN(10); {
			case r < 4:
				v := fmt.Sprintf("v%d", step)
				tx.Set([]byte(k), []byte(v))
				model[k] = v
				tx.AddChange(Change{CollName: "c"})
				changes++
			case r < 5:
				tx.Delete([]byte(k))
				delete(model, k)
			case r < 7:
				stack = append(stack, frame{tx.Savepoint(), maps.Clone(model), changes})
			case r < 9 && len(stack) > 0:
				f := stack[len(stack)-1]
				tx.RollbackTo(f.sp)
				model, changes = maps.Clone(f.model), f.changes
				if rng.IntN(2) == 0 {
					stack = stack[:len(stack)-1]
					tx.Release(f.sp)
				}
			case len(stack) > 0:
				tx.Release(stack[len(stack)-1].sp)
				stack = stack[:len(stack)-1]
			}
		}
		for i := range 6 {
			k := fmt.Sprintf("k%d", i)
			v, ok, err := tx.Get([]byte(k))
			require.NoError(t, err)
			want, wantOK := model[k]
			require.Equal(t, wantOK, ok, "round %d key %s", round, k)
			require.Equal(t, want, string(v), "round %d key %s", round, k)
		}
		it, err := tx.NewIter([]byte("k"), []byte("l"))
		require.NoError(t, err)
		n := 0
		for ; it.Valid(); it.Next() {
			require.Equal(t, model[string(it.Key())], string(it.Value()))
			n++
		}
		require.NoError(t, it.Close())
		require.Equal(t, len(model), n)
		require.Len(t, tx.Changes(), changes)
		tx.Rollback()
	}
}

// TestPipelinedCommits: a ReadLatest transaction reads a queued
// pipelined commit's write before it is durable, conflicts only with
// writes after it, and waits for it before releasing reads.
func TestPipelinedCommits(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	k := []byte("k")

	a := m.Begin()
	a.Set(k, []byte("1"))
	waitA, err := a.CommitAsync()
	require.NoError(t, err)

	b := m.Begin()
	b.ReadLatest()
	v, ok, err := b.Get(k)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "1", string(v), "b reads a's queued write")
	b.Set(k, []byte("2"))
	waitB, err := b.CommitAsync()
	require.NoError(t, err, "reading a's write, b does not conflict with it")

	// A plain transaction from before b's commit conflicts as usual.
	c := m.Begin()
	c.Set(k, []byte("x"))
	lsnA, err := waitA()
	require.NoError(t, err)
	lsnB, err := waitB()
	require.NoError(t, err)
	require.Greater(t, lsnB, lsnA)
	_, err = c.Commit()
	require.True(t, errs.Is(err, errs.SerializationFailure), "%v", err)

	// A write between the pipelined read and the commit conflicts.
	d := m.Begin()
	d.ReadLatest()
	_, _, err = d.Get(k)
	require.NoError(t, err)
	e := m.Begin()
	e.Set(k, []byte("e"))
	_, err = e.Commit()
	require.NoError(t, err)
	d.Set(k, []byte("d"))
	_, err = d.Commit()
	require.True(t, errs.Is(err, errs.SerializationFailure), "%v", err)

	f := m.Begin()
	v, _, err = f.Get(k)
	require.NoError(t, err)
	require.Equal(t, "e", string(v))
	f.Rollback()
}

// Probe answers exactly as Get does, wherever the key lives: the
// transaction's own writes, the memtable, flushed and compacted tables
// (where only Probe reads the bottom level's bloom filters), deleted keys
// and commits after the snapshot.
func TestProbeAgreesWithGet(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	rng := rand.New(rand.NewPCG(5, 6))
	key := func(i int) []byte { return []byte(fmt.Sprintf("k%05d", i)) }
	for round := range 6 {
		tx := m.Begin()
		for range 300 {
			i := rng.IntN(2000)
			if rng.IntN(4) == 0 {
				tx.Delete(key(i))
			} else {
				tx.Set(key(i), []byte(fmt.Sprintf("v%d-%d", round, i)))
			}
		}
		_, err := tx.Commit()
		require.NoError(t, err)
		switch round % 3 {
		case 1:
			require.NoError(t, st.DB().Flush())
		case 2:
			require.NoError(t, st.DB().Compact(t.Context(), []byte{0}, []byte{0xff}, true))
		}
		reader := m.Begin()
		reader.Set(key(7), []byte("own")) // its own write
		reader.Delete(key(8))
		later := m.Begin() // a commit after reader's snapshot
		later.Set(key(9), []byte("later"))
		_, err = later.Commit()
		require.NoError(t, err)
		for i := range 2000 {
			gv, gok, gerr := reader.Get(key(i))
			pv, pok, perr := reader.Probe(key(i))
			require.NoError(t, gerr)
			require.NoError(t, perr)
			require.Equal(t, gok, pok, "round %d key %d", round, i)
			require.Equal(t, gv, pv, "round %d key %d", round, i)
		}
		reader.Rollback()
	}
}

// Row locks: shared locks coexist; an exclusive lock conflicts with a
// shared or exclusive lock committed after its snapshot, and a shared
// lock with an exclusive one (the foreign-key race: a child row inserted
// while its parent is deleted).
func TestRowLocks(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	parent := []byte("parent-1")
	commit := func(tx *Txn, key string) error {
		tx.Set([]byte(key), []byte("v"))
		_, err := tx.Commit()
		return err
	}

	// Two children share the parent: both commit.
	a, b := m.Begin(), m.Begin()
	a.LockRow(parent, false)
	b.LockRow(parent, false)
	require.NoError(t, commit(a, "child-a"))
	require.NoError(t, commit(b, "child-b"))

	// A delete whose snapshot predates a child's commit loses.
	del, c := m.Begin(), m.Begin()
	c.LockRow(parent, false)
	require.NoError(t, commit(c, "child-c"))
	del.LockRow(parent, true)
	err := commit(del, "parent-row")
	require.Equal(t, errs.SerializationFailure, errs.Code(err))

	// A child whose snapshot predates the delete's commit loses.
	del, c = m.Begin(), m.Begin()
	del.LockRow(parent, true)
	require.NoError(t, commit(del, "parent-row"))
	c.LockRow(parent, false)
	err = commit(c, "child-d")
	require.Equal(t, errs.SerializationFailure, errs.Code(err))

	// A lock taken shared then exclusive is exclusive; and a transaction
	// begun after the delete committed does not conflict with it.
	x := m.Begin()
	x.LockRow(parent, false)
	x.LockRow(parent, true)
	require.True(t, x.locks[string(parent)])
	require.NoError(t, commit(x, "parent-row"))

	// Locks never conflict with plain writes of the same bytes.
	w, l := m.Begin(), m.Begin()
	require.NoError(t, commit(w, "parent-1"))
	l.LockRow(parent, true)
	require.NoError(t, commit(l, "other"))
}

// Iterators see the transaction's own writes over its snapshot in key
// order, whatever the mix of writes, overwrites, deletes, savepoint
// rollbacks and iterators opened between them (the own-write index merges
// its tail every mergeTailAt new keys): checked against a plain model.
func TestIteratorOwnWritesModel(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	key := func(i int) []byte { return fmt.Appendf(nil, "k%04d", i) }
	base := m.Begin()
	committed := map[string]string{}
	for i := 0; i < 400; i += 3 {
		base.Set(key(i), []byte("base"))
		committed[string(key(i))] = "base"
	}
	_, err := base.Commit()
	require.NoError(t, err)

	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		tx := m.Begin()
		model := maps.Clone(committed)
		type mark struct {
			sp    Savepoint
			model map[string]string
		}
		var marks []mark
		for step := 0; step < 600; step++ {
			k := key(rng.IntN(400))
			switch r := rng.IntN(100); {
			case r < 45:
				v := fmt.Sprint(step)
				tx.Set(k, []byte(v))
				model[string(k)] = v
			case r < 65:
				tx.Delete(k)
				delete(model, string(k))
			case r < 70:
				marks = append(marks, mark{tx.Savepoint(), maps.Clone(model)})
			case r < 74 && len(marks) > 0:
				mk := marks[len(marks)-1]
				marks = marks[:len(marks)-1]
				tx.RollbackTo(mk.sp)
				tx.Release(mk.sp)
				model = mk.model
			default:
				a, b := rng.IntN(400), rng.IntN(400)
				if a > b {
					a, b = b, a
				}
				lo, hi := key(a), key(b)
				var want []string
				for kk, v := range model {
					if kk >= string(lo) && kk < string(hi) {
						want = append(want, kk+"="+v)
					}
				}
				slices.Sort(want)
				it, err := tx.NewIter(lo, hi)
				require.NoError(t, err)
				var got []string
				for ; it.Valid(); it.Next() {
					got = append(got, string(it.Key())+"="+string(it.Value()))
				}
				require.NoError(t, it.Close())
				require.Equal(t, want, got, "round %d step %d [%s, %s)", round, step, lo, hi)
			}
		}
		tx.Rollback()
	}
}
