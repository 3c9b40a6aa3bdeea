package txn

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStatementView checks what reads see while a statement's writes are
// hidden: each key as the statement found it (the committed value, an
// earlier statement's write, or nothing), through Get, Probe, an iterator
// and a point reader, and the statement's writes again once shown.
func TestStatementView(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	seed := m.Begin()
	for _, k := range []string{"a", "b", "c"} {
		seed.Set([]byte(k), []byte(k+"0"))
	}
	_, err := seed.Commit()
	require.NoError(t, err)

	tx := m.Begin()
	defer tx.Rollback()
	tx.Set([]byte("b"), []byte("b1")) // an earlier statement's write
	tx.BeginStatementView()
	tx.Set([]byte("a"), []byte("a2"))
	tx.Set([]byte("b"), []byte("b2"))
	tx.Delete([]byte("c"))
	tx.Set([]byte("d"), []byte("d2"))
	tx.Set([]byte("a"), []byte("a3")) // a second write keeps the first before-image

	view := func() map[string]string {
		out := map[string]string{}
		for _, k := range []string{"a", "b", "c", "d"} {
			v, ok, err := tx.Get([]byte(k))
			require.NoError(t, err)
			p, pok, err := tx.Probe([]byte(k))
			require.NoError(t, err)
			require.Equal(t, ok, pok, k)
			require.Equal(t, string(v), string(p), k)
			if ok {
				out[k] = string(v)
			}
		}
		it, err := tx.NewIter([]byte("a"), []byte("z"))
		require.NoError(t, err)
		seen := map[string]string{}
		for ; it.Valid(); it.Next() {
			seen[string(it.Key())] = string(it.Value())
		}
		require.NoError(t, it.Close())
		require.Equal(t, out, seen, "the iterator and Get disagree")
		pr, err := tx.NewPointReader([]byte("a"), []byte("z"))
		require.NoError(t, err)
		for _, k := range []string{"a", "b", "c", "d"} {
			v, ok, err := pr.Get([]byte(k))
			require.NoError(t, err)
			want, wok := out[k]
			require.Equal(t, wok, ok, k)
			require.Equal(t, want, string(v), k)
		}
		require.NoError(t, pr.Close())
		return out
	}
	current := map[string]string{"a": "a3", "b": "b2", "d": "d2"}
	require.Equal(t, current, view())
	require.False(t, tx.HideStatementWrites(true))
	require.Equal(t, map[string]string{"a": "a0", "b": "b1", "c": "c0"}, view())

	// A write made while hidden (a function's) is read back.
	tx.Set([]byte("e"), []byte("e1"))
	v, ok, err := tx.Get([]byte("e"))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "e1", string(v))
	tx.Set([]byte("e"), []byte("e2"))
	v, _, err = tx.Get([]byte("e"))
	require.NoError(t, err)
	require.Equal(t, "e2", string(v))
	tx.Delete([]byte("e"))
	_, ok, err = tx.Get([]byte("e"))
	require.NoError(t, err)
	require.False(t, ok)

	// A nested statement's view starts where the outer one is now.
	tx.HideStatementWrites(false)
	tx.BeginStatementView()
	tx.Set([]byte("a"), []byte("a4"))
	tx.HideStatementWrites(true)
	require.Equal(t, map[string]string{"a": "a3", "b": "b2", "d": "d2"}, view())
	tx.HideStatementWrites(false)
	tx.EndStatementView()
	tx.HideStatementWrites(true)
	require.Equal(t, map[string]string{"a": "a0", "b": "b1", "c": "c0"}, view())
	tx.HideStatementWrites(false)
	tx.EndStatementView()
	require.False(t, tx.HideStatementWrites(true), "no view: nothing to hide")
	require.Equal(t, map[string]string{"a": "a4", "b": "b2", "d": "d2"}, view())
}

// TestStatementWrote: the keys written since the innermost view began, as
// of the call (a later write is not among them); nil without a view.
func TestStatementWrote(t *testing.T) {
	st, m := open(t, t.TempDir())
	defer closeAll(t, st, m)
	tx := m.Begin()
	defer tx.Rollback()
	require.Nil(t, tx.StatementWrote())
	tx.Set([]byte("before"), []byte("1"))
	tx.BeginStatementView()
	tx.Set([]byte("a"), []byte("1"))
	tx.Delete([]byte("b"))
	wrote := tx.StatementWrote()
	tx.Set([]byte("later"), []byte("1"))
	require.True(t, wrote([]byte("a")))
	require.True(t, wrote([]byte("b")))
	require.False(t, wrote([]byte("before")))
	require.False(t, wrote([]byte("later")))
	tx.BeginStatementView()
	require.False(t, tx.StatementWrote()([]byte("a")), "the innermost view only")
	tx.EndStatementView()
	tx.EndStatementView()
	require.Nil(t, tx.StatementWrote())
}
