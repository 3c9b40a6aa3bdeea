package txn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSeekHints: a hinted scan returns what a scan from the range's start
// returns, whatever was deleted, re-inserted, and by which snapshots: the
// first key it sees is the first visible one. Random operations against
// the plain scan, with older snapshots held open and a ring that wraps.
func TestSeekHints(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	fam := []byte{0x11, 0, 0, 0, 7}
	key := func(i int) []byte { return append(append([]byte(nil), fam...), []byte(fmt.Sprintf("%06d", i))...) }
	lo, hi := fam, append(append([]byte(nil), fam...), 0xff) // the whole family
	defer func(n int) { maxHintRing = n }(maxHintRing)
	maxHintRing = 64 // so that it wraps, and hints older than it go unused
	first := func(tx *Txn, hinted bool) string {
		var it *Iterator
		var err error
		if hinted {
			it, err = tx.NewIterHinted(lo, hi)
		} else {
			it, err = tx.NewIter(lo, hi)
		}
		require.NoError(t, err)
		defer it.Close()
		if !it.Valid() {
			if hinted {
				tx.NoteFirstKey(lo, hi)
			}
			return "none"
		}
		k := string(it.Key())
		if hinted {
			tx.NoteFirstKey(lo, it.Key())
		}
		return k[len(fam):]
	}
	commit := func(f func(tx *Txn)) {
		tx := m.Begin()
		f(tx)
		_, err := tx.Commit()
		require.NoError(t, err)
	}
	commit(func(tx *Txn) {
		for i := 0; i < 300; i++ {
			tx.Set(key(i), []byte("v"))
		}
	})
	rng := rand.New(rand.NewPCG(3, 4))
	live := map[int]bool{}
	for i := 0; i < 300; i++ {
		live[i] = true
	}
	front := 0
	var held []*Txn
	for step := 0; step < 6000; step++ {
		switch r := rng.IntN(10); {
		case r < 5: // dequeue the front
			for front < 300 && !live[front] {
				front++
			}
			if front < 300 {
				k := front
				commit(func(tx *Txn) { tx.Delete(key(k)) })
				live[k] = false
			}
		case r < 6: // re-insert a key below the front
			k := rng.IntN(300)
			commit(func(tx *Txn) { tx.Set(key(k), []byte("again")) })
			live[k] = true
			if k < front {
				front = k
			}
		case r < 7: // hold a snapshot for later
			held = append(held, m.Begin())
		case r < 8 && len(held) > 0: // scan with an old snapshot
			i := rng.IntN(len(held))
			tx := held[i]
			require.Equal(t, first(tx, false), first(tx, true), "step %d, old snapshot", step)
			if rng.IntN(2) == 0 {
				tx.Rollback()
				held = append(held[:i], held[i+1:]...)
			}
		default: // scan now
			tx := m.Begin()
			require.Equal(t, first(tx, false), first(tx, true), "step %d", step)
			tx.Rollback()
		}
		if step == 3000 {
			// Many commits in another family: the ring wraps only for
			// families with hints, so this one's hints stay valid.
			other := []byte{0x11, 0, 0, 0, 8}
			for i := 0; i < 50; i++ {
				commit(func(tx *Txn) { tx.Set(append(append([]byte(nil), other...), byte(i)), nil) })
			}
		}
	}
	for _, tx := range held {
		tx.Rollback()
	}

	// Hints are used: after deleting most keys, a hinted scan starts near
	// the front (the iterator's lower bound is past the deleted keys).
	tx := m.Begin()
	first(tx, true)
	s := m.hints.start(lo, tx.SnapshotLSN())
	require.Greater(t, string(s), string(lo), "no hint was recorded")
	tx.Rollback()

	// A key set below the hint, then more commits than the ring keeps: the
	// hint cannot be checked any more and goes unused.
	commit(func(tx *Txn) {
		for i := 0; i < 300; i++ {
			tx.Delete(key(i))
		}
		tx.Set(key(200), nil)
	})
	for range 2 {
		tx = m.Begin()
		require.Equal(t, "000200", first(tx, true)) // records the hint
		tx.Rollback()
	}
	commit(func(tx *Txn) { tx.Set(key(5), []byte("back")) })
	for i := 0; i < 2*maxHintRing; i++ {
		commit(func(tx *Txn) { tx.Set(key(5000+i), nil) }) // above the hint
	}
	tx = m.Begin()
	require.Equal(t, "000005", first(tx, true))
	tx.Rollback()

	// A transaction with writes of its own does not use them: it may have
	// written below the hint.
	tx = m.Begin()
	tx.Set(key(0), []byte("mine"))
	require.Equal(t, "000000", first(tx, true))
	tx.Rollback()
}
