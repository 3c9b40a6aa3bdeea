package txn

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

// A collection's row epoch moves with every batch that writes one of its
// rows, and only then: a snapshot taken before the write sees an epoch
// above its batch count, one taken after sees it at or below.
func TestRowEpochs(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	row := func(coll uint32, pk string) []byte { return append(storage.RowPrefix(coll), 0, 1, pk[0]) }

	require.Zero(t, m.RowEpoch(7))
	before := m.Begin()
	w := m.Begin()
	w.Set(row(7, "a"), []byte("x"))
	w.Set(row(7, "b"), []byte("y"))
	w.Set(row(9, "a"), []byte("z"))
	_, err := w.Commit()
	require.NoError(t, err)
	e7, e9 := m.RowEpoch(7), m.RowEpoch(9)
	require.Positive(t, e7)
	require.Equal(t, e7, e9, "one batch wrote both")
	require.Greater(t, e7, before.BatchCount(), "the earlier snapshot does not show the write")
	after := m.Begin()
	require.LessOrEqual(t, e7, after.BatchCount())

	// A batch writing other keys (an index entry, another collection)
	// leaves collection 7's epoch alone.
	w = m.Begin()
	w.Set(append(storage.IndexPrefix(7), 1), []byte("i"))
	w.Set(row(9, "c"), []byte("z"))
	_, err = w.Commit()
	require.NoError(t, err)
	require.Equal(t, e7, m.RowEpoch(7))
	require.Greater(t, m.RowEpoch(9), e9)

	// A deletion is a write.
	w = m.Begin()
	w.Delete(row(7, "a"))
	_, err = w.Commit()
	require.NoError(t, err)
	require.Greater(t, m.RowEpoch(7), e7)
	require.Greater(t, m.RowEpoch(7), after.BatchCount())
	before.Rollback()
	after.Rollback()
	require.False(t, after.ReadsLatest())
}

// RowEpochSince is when a collection's rows were last written.
func TestRowEpochSince(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	require.True(t, m.RowEpochSince(3).IsZero())
	before := time.Now()
	w := m.Begin()
	w.Set(append(storage.RowPrefix(3), 0, 1, 'k'), []byte("v"))
	_, err := w.Commit()
	require.NoError(t, err)
	at := m.RowEpochSince(3)
	require.False(t, at.Before(before.Add(-time.Millisecond)))
	require.False(t, at.After(time.Now()))
	require.True(t, m.RowEpochSince(4).IsZero())
}
