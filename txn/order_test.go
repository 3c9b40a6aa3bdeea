package txn

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// sortByKey orders indices by key whatever the input: sorted (the fast
// path), reversed, shuffled, and keys that differ only past the 16-byte
// prefix, in zero bytes, or in length (a zero-padded prefix ties).
func TestSortByKey(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	keys := [][]byte{
		{}, {0}, {0, 0}, {1}, []byte("a"), []byte("a\x00"), []byte("a\x00\x00\x00\x00\x00\x00\x00"),
		[]byte("a\x00\x00\x00\x00\x00\x00\x00\x00"), []byte("abcdefgh"), []byte("abcdefgh\x00"),
		[]byte("abcdefghijklmnop"), []byte("abcdefghijklmnopq"), []byte("abcdefghijklmnopr"),
		[]byte("abcdefghijklmnoq"), []byte("abcdefgi"), {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for range 300 {
		k := make([]byte, r.IntN(24))
		for i := range k {
			k[i] = byte(r.IntN(3)) // few distinct bytes: long shared prefixes
		}
		if !slices.ContainsFunc(keys, func(o []byte) bool { return bytes.Equal(o, k) }) {
			keys = append(keys, k)
		}
	}
	ws := make([]write, len(keys))
	for i, k := range keys {
		ws[i].key = k
	}
	want := slices.Clone(keys)
	slices.SortFunc(want, bytes.Compare)
	check := func(name string, idx []int) {
		t.Helper()
		sortByKey(ws, idx)
		got := make([][]byte, len(idx))
		for n, i := range idx {
			got[n] = ws[i].key
		}
		require.Equal(t, want, got, name)
	}
	idx := make([]int, len(ws))
	for i := range idx {
		idx[i] = i
	}
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	check("shuffled", idx)
	check("sorted", idx)
	slices.Reverse(idx)
	check("reversed", idx)
	// Sorted but for the last two.
	idx[len(idx)-1], idx[len(idx)-2] = idx[len(idx)-2], idx[len(idx)-1]
	check("one swap", idx)
}

// Commit takes the writes in key order whichever order they came in: a
// scan's (already sorted, appended after the sorted part), interleaved
// with earlier writes (merged), or shuffled; a write of a key written
// before replaces it.
func TestWritesInKeyOrder(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	tx := m.Begin()
	defer tx.Rollback()
	var want []string
	add := func(k string) {
		tx.Set([]byte(k), []byte("v"+k))
		if !slices.Contains(want, k) {
			want = append(want, k)
		}
	}
	for _, k := range []string{"b1", "b2", "b3"} { // sorted
		add(k)
	}
	got := func() []string {
		var out []string
		for _, w := range tx.sortedWrites() {
			out = append(out, string(w.key))
			require.Equal(t, "v"+string(w.key), string(w.val))
			require.Equal(t, w.s, string(w.key))
		}
		return out
	}
	slices.Sort(want)
	require.Equal(t, want, got())
	for _, k := range []string{"c1", "c3", "c2"} { // after the sorted part, unsorted
		add(k)
	}
	slices.Sort(want)
	require.Equal(t, want, got())
	for _, k := range []string{"a9", "b2", "b25", "d", "a1"} { // interleaved, one rewrite
		add(k)
	}
	slices.Sort(want)
	require.Equal(t, want, got())
	tx.Delete([]byte("b25"))
	tx.Set([]byte("b25"), []byte("vb25"))
	require.Equal(t, want, got())
}

// The conflict check is skipped when nothing committed after the
// snapshot, and still catches a write of a key committed after it.
func TestConflictCheckSinceSnapshot(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	quiet := m.Begin()
	quiet.Set([]byte("k"), []byte("1"))
	_, err := quiet.Commit() // nothing committed since its snapshot
	require.NoError(t, err)

	a, b := m.Begin(), m.Begin()
	a.Set([]byte("k"), []byte("2"))
	_, err = a.Commit()
	require.NoError(t, err)
	b.Set([]byte("other"), []byte("x"))
	b.Set([]byte("k"), []byte("3"))
	_, err = b.Commit()
	require.ErrorIs(t, err, ErrConflict)
}
