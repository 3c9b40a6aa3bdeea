package document_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// fakeWriter is a map-backed document.Writer.
type fakeWriter struct {
	kv      map[string][]byte
	changes []document.Change
}

func newFake() *fakeWriter { return &fakeWriter{kv: map[string][]byte{}} }

func (w *fakeWriter) Get(k []byte) ([]byte, bool, error) {
	v, ok := w.kv[string(k)]
	return v, ok, nil
}
func (w *fakeWriter) Set(k, v []byte)                         { w.kv[string(k)] = append([]byte{}, v...) }
func (w *fakeWriter) Delete(k []byte)                         { delete(w.kv, string(k)) }
func (w *fakeWriter) RecordChange(c document.Change)          { w.changes = append(w.changes, c) }
func (w *fakeWriter) snapshot() map[string]string             { return dump(w.kv) }
func (w *fakeWriter) keys() []string                          { return sortedKeys(w.kv) }
func (w *fakeWriter) value(k []byte) ([]byte, bool)           { v, ok := w.kv[string(k)]; return v, ok }
func (w *fakeWriter) lastChange() document.Change             { return w.changes[len(w.changes)-1] }
func (w *fakeWriter) has(k []byte) bool                       { _, ok := w.kv[string(k)]; return ok }
func (w *fakeWriter) count(prefix []byte) (n int)             { return countPrefix(w.kv, prefix) }
func (w *fakeWriter) resetChanges()                           { w.changes = nil }
func (w *fakeWriter) expectKeys(t *testing.T, want ...[]byte) { expectKeys(t, w.kv, want) }

func dump(kv map[string][]byte) map[string]string {
	out := make(map[string]string, len(kv))
	for k, v := range kv {
		out[fmt.Sprintf("%x", k)] = fmt.Sprintf("%x", v)
	}
	return out
}

func sortedKeys(kv map[string][]byte) []string {
	out := make([]string, 0, len(kv))
	for k := range kv {
		out = append(out, fmt.Sprintf("%x", k))
	}
	sort.Strings(out)
	return out
}

func countPrefix(kv map[string][]byte, p []byte) (n int) {
	for k := range kv {
		if strings.HasPrefix(k, string(p)) {
			n++
		}
	}
	return n
}

func expectKeys(t *testing.T, kv map[string][]byte, want [][]byte) {
	t.Helper()
	w := make([]string, len(want))
	for i, k := range want {
		w[i] = fmt.Sprintf("%x", k)
	}
	sort.Strings(w)
	require.Equal(t, w, sortedKeys(kv))
}

const (
	collID  = 7
	emailIx = 8
	ageIx   = 9
)

func usersLayout() *document.Layout {
	return &document.Layout{ID: collID, Name: "users", Indexes: []document.IndexLayout{
		{ID: emailIx, Name: "users_email_key", Unique: true},
		{ID: ageIx, Name: "users_age_idx"},
	}}
}

func user(t *testing.T, id int64, email, age any) *document.Row {
	t.Helper()
	v, err := document.EncodeTuple([]any{id, email, age})
	require.NoError(t, err)
	return &document.Row{PK: []any{id}, Value: v, IdxVals: [][]any{{email}, {age}}, RowID: fmt.Sprint(id)}
}

func pkOf(id int64) []byte { return document.EncodePK([]any{id}) }

func rowKey(id int64) []byte {
	pk := pkOf(id)
	return storage.RowKey(collID, storage.VShard("users", pk), pk)
}

func uniqKey(email any) []byte {
	return storage.AppendKey(storage.IndexPrefix(emailIx), email)
}

// entryKey is a non-unique (or NULL-bearing unique) entry: values, 0xff, pk.
func entryKey(ix uint32, val any, id int64) []byte {
	k := storage.AppendKey(storage.IndexPrefix(ix), val)
	return append(append(k, 0xff), pkOf(id)...)
}

func TestInsertWritesRowAndIndexEntries(t *testing.T) {
	l, w := usersLayout(), newFake()
	r := user(t, 1, "a@x", int64(30))
	require.NoError(t, l.Insert(w, r))

	w.expectKeys(t, rowKey(1), uniqKey("a@x"), entryKey(ageIx, int64(30), 1))
	v, _ := w.value(rowKey(1))
	require.Equal(t, r.Value, v)
	v, _ = w.value(uniqKey("a@x"))
	require.Equal(t, pkOf(1), v, "a unique entry's value is the primary key")
	v, _ = w.value(entryKey(ageIx, int64(30), 1))
	require.Empty(t, v, "a non-unique entry's value is empty")

	// The layout's key helpers agree.
	require.Equal(t, rowKey(1), l.Key(pkOf(1)))
	got, ok, err := l.Get(w, pkOf(1))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, r.Value, got)

	require.Len(t, w.changes, 1)
	c := w.changes[0]
	require.Equal(t, byte('I'), c.Op)
	require.Equal(t, uint32(collID), c.Collection)
	require.Equal(t, "users", c.CollName)
	require.Equal(t, storage.VShard("users", pkOf(1)), c.VShard)
	require.Equal(t, pkOf(1), c.PK)
	require.Equal(t, "1", c.RowID)
	require.Nil(t, c.Old)
	require.Equal(t, r.Value, c.New)
}

func TestInsertUniqueViolationsLeaveNoWrites(t *testing.T) {
	l, w := usersLayout(), newFake()
	require.NoError(t, l.Insert(w, user(t, 1, "a@x", int64(30))))
	require.NoError(t, l.Insert(w, user(t, 2, "b@x", int64(40))))
	before := w.snapshot()
	w.resetChanges()

	// Duplicate primary key.
	err := l.Insert(w, user(t, 1, "c@x", int64(50)))
	require.True(t, errs.Is(err, errs.UniqueViolation), "got %v", err)
	require.Contains(t, err.Error(), "users_pkey")
	// Duplicate unique value (the new row's non-unique age entry would
	// come second; nothing may be written).
	err = l.Insert(w, user(t, 3, "b@x", int64(60)))
	require.True(t, errs.Is(err, errs.UniqueViolation), "got %v", err)
	require.Contains(t, err.Error(), "users_email_key")
	// InsertAbsent skips the pk read but still checks unique indexes.
	err = l.InsertAbsent(w, user(t, 4, "a@x", int64(70)))
	require.True(t, errs.Is(err, errs.UniqueViolation), "got %v", err)

	require.Equal(t, before, w.snapshot(), "a failed insert writes nothing")
	require.Empty(t, w.changes, "a failed insert records no change")
}

func TestUniqueIndexWithLaterUniqueIndexFailingWritesNothing(t *testing.T) {
	// Two unique indexes: the first is free, the second collides. The
	// first's entry must not be written.
	l := &document.Layout{ID: collID, Name: "users", Indexes: []document.IndexLayout{
		{ID: ageIx, Name: "users_age_key", Unique: true},
		{ID: emailIx, Name: "users_email_key", Unique: true},
	}}
	w := newFake()
	mk := func(id int64, email string, age int64) *document.Row {
		v, _ := document.EncodeTuple([]any{id, email, age})
		return &document.Row{PK: []any{id}, Value: v, IdxVals: [][]any{{age}, {email}}, RowID: fmt.Sprint(id)}
	}
	require.NoError(t, l.Insert(w, mk(1, "a@x", 30)))
	before := w.snapshot()
	err := l.Insert(w, mk(2, "a@x", 31))
	require.True(t, errs.Is(err, errs.UniqueViolation))
	require.Equal(t, before, w.snapshot())

	// Same for an update that moves both values.
	require.NoError(t, l.Insert(w, mk(2, "b@x", 40)))
	before = w.snapshot()
	err = l.Update(w, mk(2, "b@x", 40), mk(2, "a@x", 41))
	require.True(t, errs.Is(err, errs.UniqueViolation))
	require.Equal(t, before, w.snapshot(), "a failed update writes nothing")
}

func TestNullsInUniqueIndexDoNotCollide(t *testing.T) {
	l, w := usersLayout(), newFake()
	require.NoError(t, l.Insert(w, user(t, 1, nil, nil)))
	require.NoError(t, l.Insert(w, user(t, 2, nil, nil)))
	w.expectKeys(t, rowKey(1), rowKey(2),
		entryKey(emailIx, nil, 1), entryKey(emailIx, nil, 2),
		entryKey(ageIx, nil, 1), entryKey(ageIx, nil, 2))

	// Composite unique index: one NULL member is enough not to collide.
	cl := &document.Layout{ID: 20, Name: "pairs", Indexes: []document.IndexLayout{{ID: 21, Name: "pairs_a_b_key", Unique: true}}}
	cw := newFake()
	for id := int64(1); id <= 2; id++ {
		require.NoError(t, cl.Insert(cw, &document.Row{PK: []any{id}, Value: []byte{0x90}, IdxVals: [][]any{{"a", nil}}}))
	}
	require.NoError(t, cl.Insert(cw, &document.Row{PK: []any{int64(3)}, Value: []byte{0x90}, IdxVals: [][]any{{"a", "b"}}}))
	err := cl.Insert(cw, &document.Row{PK: []any{int64(4)}, Value: []byte{0x90}, IdxVals: [][]any{{"a", "b"}}})
	require.True(t, errs.Is(err, errs.UniqueViolation))
	require.Equal(t, 3, cw.count(storage.IndexPrefix(21)))
}

func TestUpdateMovesOnlyChangedEntries(t *testing.T) {
	l, w := usersLayout(), newFake()
	old := user(t, 1, "a@x", int64(30))
	require.NoError(t, l.Insert(w, old))
	w.resetChanges()

	// Email changes, age does not.
	nw := user(t, 1, "b@x", int64(30))
	require.NoError(t, l.Update(w, old, nw))
	w.expectKeys(t, rowKey(1), uniqKey("b@x"), entryKey(ageIx, int64(30), 1))
	v, _ := w.value(rowKey(1))
	require.Equal(t, nw.Value, v)
	require.Len(t, w.changes, 1)
	c := w.changes[0]
	require.Equal(t, byte('U'), c.Op)
	require.Equal(t, old.Value, c.Old)
	require.Equal(t, nw.Value, c.New)
	require.Equal(t, pkOf(1), c.PK)

	// Age changes to NULL, email stays.
	nw2 := user(t, 1, "b@x", nil)
	require.NoError(t, l.Update(w, nw, nw2))
	w.expectKeys(t, rowKey(1), uniqKey("b@x"), entryKey(ageIx, nil, 1))

	// Email to NULL: the unique entry becomes a pk-suffixed one.
	nw3 := user(t, 1, nil, nil)
	require.NoError(t, l.Update(w, nw2, nw3))
	w.expectKeys(t, rowKey(1), entryKey(emailIx, nil, 1), entryKey(ageIx, nil, 1))
}

func TestUpdateToTakenUniqueValueFails(t *testing.T) {
	l, w := usersLayout(), newFake()
	r1, r2 := user(t, 1, "a@x", int64(30)), user(t, 2, "b@x", int64(40))
	require.NoError(t, l.Insert(w, r1))
	require.NoError(t, l.Insert(w, r2))
	before := w.snapshot()
	w.resetChanges()
	err := l.Update(w, r2, user(t, 2, "a@x", int64(41)))
	require.True(t, errs.Is(err, errs.UniqueViolation), "got %v", err)
	require.Equal(t, before, w.snapshot(), "the age entry must not move either")
	require.Empty(t, w.changes)

	// Keeping one's own unique value is not a violation.
	require.NoError(t, l.Update(w, r2, user(t, 2, "b@x", int64(41))))
}

func TestUpdateChangingPrimaryKeyIsDeleteInsert(t *testing.T) {
	l, w := usersLayout(), newFake()
	old := user(t, 1, "a@x", int64(30))
	require.NoError(t, l.Insert(w, old))
	w.resetChanges()
	nw := user(t, 5, "a@x", int64(30))
	require.NoError(t, l.Update(w, old, nw))
	w.expectKeys(t, rowKey(5), uniqKey("a@x"), entryKey(ageIx, int64(30), 5))
	v, _ := w.value(uniqKey("a@x"))
	require.Equal(t, pkOf(5), v)
	require.Len(t, w.changes, 2)
	require.Equal(t, byte('D'), w.changes[0].Op)
	require.Equal(t, pkOf(1), w.changes[0].PK)
	require.Equal(t, old.Value, w.changes[0].Old)
	require.Nil(t, w.changes[0].New)
	require.Equal(t, byte('I'), w.changes[1].Op)
	require.Equal(t, pkOf(5), w.changes[1].PK)
	require.Equal(t, nw.Value, w.changes[1].New)
}

func TestDeleteRemovesEverything(t *testing.T) {
	l, w := usersLayout(), newFake()
	r := user(t, 1, "a@x", int64(30))
	require.NoError(t, l.Insert(w, r))
	other := user(t, 2, nil, int64(30))
	require.NoError(t, l.Insert(w, other))
	w.resetChanges()
	require.NoError(t, l.Delete(w, r))
	w.expectKeys(t, rowKey(2), entryKey(emailIx, nil, 2), entryKey(ageIx, int64(30), 2))
	c := w.lastChange()
	require.Equal(t, byte('D'), c.Op)
	require.Equal(t, r.Value, c.Old)
	require.Nil(t, c.New)
	require.Equal(t, "1", c.RowID)
	// The freed unique value can be reused.
	require.NoError(t, l.Insert(w, user(t, 3, "a@x", int64(1))))
}

func TestPKFromIndexEntry(t *testing.T) {
	pks := [][]any{{int64(1)}, {"a\x00\xff"}, {"x", int64(-3)}, {[]byte{0xff, 0xff}}, {nil}}
	vals := [][]any{{"v"}, {"\xff\x00"}, {nil}, {int64(2), 2.5}, {nil, "b"}, {[]byte{0xff}}, {true}}
	for _, pk := range pks {
		pkb := document.EncodePK(pk)
		for _, v := range vals {
			for _, unique := range []bool{false, true} {
				l := &document.Layout{ID: 1, Name: "c", Indexes: []document.IndexLayout{{ID: 2, Name: "i", Unique: unique}}}
				w := newFake()
				require.NoError(t, l.Insert(w, &document.Row{PK: pk, Value: []byte{0x80}, IdxVals: [][]any{v}}))
				lo, hi := document.IndexRange(2, nil)
				n := 0
				for k, val := range w.kv {
					if k < string(lo) || k >= string(hi) {
						continue
					}
					n++
					got, err := document.PKFromIndexEntry([]byte(k), val, unique)
					require.NoError(t, err, "pk %#v vals %#v unique %v", pk, v, unique)
					require.Equal(t, pkb, got, "pk %#v vals %#v unique %v", pk, v, unique)
					dec, err := document.DecodePK(got, len(pk))
					require.NoError(t, err)
					require.Equal(t, fmt.Sprint(pk), fmt.Sprint(dec))
				}
				require.Equal(t, 1, n)
			}
		}
	}
	_, err := document.PKFromIndexEntry(append(storage.IndexPrefix(2), storage.AppendKey(nil, "v")...), nil, false)
	require.Error(t, err, "an entry without a pk")
}

func TestIndexRangeSelectsOneValue(t *testing.T) {
	l, w := usersLayout(), newFake()
	ages := []any{int64(3), 3.0, int64(30), 3.5, int64(-3), nil, "3"}
	for i, a := range ages {
		require.NoError(t, l.Insert(w, user(t, int64(i+1), nil, a)))
	}
	// Numbers equal to 3 share a prefix; a seek finds int 3 and float 3.0.
	lo, hi := document.IndexRange(ageIx, storage.NumberPrefix(3))
	var found []int64
	for _, k := range w.keys() {
		kb := mustHex(k)
		if bytes.Compare(kb, lo) >= 0 && bytes.Compare(kb, hi) < 0 {
			pk, err := document.PKFromIndexEntry(kb, nil, false)
			require.NoError(t, err)
			v, err := document.DecodePK(pk, 1)
			require.NoError(t, err)
			found = append(found, v[0].(int64))
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i] < found[j] })
	require.Equal(t, []int64{1, 2}, found)
}

func TestAddIndexEntry(t *testing.T) {
	w := newFake()
	ix := document.IndexLayout{ID: 50, Name: "t_a_key", Unique: true}
	require.NoError(t, document.AddIndexEntry(w, ix, []any{"a"}, []any{int64(1)}))
	require.NoError(t, document.AddIndexEntry(w, ix, []any{"a"}, []any{int64(1)}), "idempotent for the same row")
	require.NoError(t, document.AddIndexEntry(w, ix, []any{nil}, []any{int64(2)}))
	require.NoError(t, document.AddIndexEntry(w, ix, []any{nil}, []any{int64(3)}))
	err := document.AddIndexEntry(w, ix, []any{"a"}, []any{int64(4)})
	require.True(t, errs.Is(err, errs.UniqueViolation), "got %v", err)
	require.Equal(t, 3, w.count(storage.IndexPrefix(50)))

	nix := document.IndexLayout{ID: 51, Name: "t_a_idx"}
	require.NoError(t, document.AddIndexEntry(w, nix, []any{"a"}, []any{int64(1)}))
	require.NoError(t, document.AddIndexEntry(w, nix, []any{"a"}, []any{int64(4)}))
	require.Equal(t, 2, w.count(storage.IndexPrefix(51)))
	require.True(t, w.has(append(append(storage.AppendKey(storage.IndexPrefix(51), "a"), 0xff), pkOf(4)...)))
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestKeyInPlace: a key built around an encoded primary key already in
// its buffer is the key Key builds, with the primary key as its tail.
func TestKeyInPlace(t *testing.T) {
	l := &document.Layout{ID: 7, Name: "sessions"}
	for _, pk := range []any{"a", "", "ключ", strings.Repeat("k", 300), int64(42)} {
		pkb := document.EncodePK([]any{pk})
		b := append(make([]byte, storage.RowKeyPrefixLen), pkb...)
		got := l.KeyInPlace(b)
		require.Equal(t, l.Key(pkb), got, "pk %v", pk)
		require.Equal(t, pkb, got[storage.RowKeyPrefixLen:])
	}
}
