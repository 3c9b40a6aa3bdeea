package catalog_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	t   *testing.T
	dir string
	st  *storage.Store
	txm *txn.Manager
	cat *catalog.Catalog
}

func open(t *testing.T, dir string) *env {
	t.Helper()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	txm, err := txn.NewManager(st, txn.Options{})
	require.NoError(t, err)
	cat, err := catalog.Open(txm)
	require.NoError(t, err)
	e := &env{t: t, dir: dir, st: st, txm: txm, cat: cat}
	return e
}

func (e *env) close() {
	require.NoError(e.t, e.txm.Close())
	require.NoError(e.t, e.st.Close())
}

func (e *env) reopen() *env {
	e.close()
	return open(e.t, e.dir)
}

func (e *env) create(col *catalog.Collection) *catalog.Collection {
	e.t.Helper()
	require.NoError(e.t, e.cat.DDL(func(d *catalog.DDLTxn) error {
		col.ID = d.NewID()
		for i := range col.Indexes {
			col.Indexes[i].ID = d.NewIndexID()
		}
		col.Created = time.Now().UTC().Truncate(time.Millisecond)
		d.Put(col)
		return nil
	}))
	got, ok := e.cat.Get(col.Name)
	require.True(e.t, ok)
	return got
}

func usersTable() *catalog.Collection {
	return &catalog.Collection{Name: "users", Kind: catalog.Strict,
		Columns: []catalog.Column{
			{Name: "id", Type: types.Int8, NotNull: true},
			{Name: "email", Type: types.Text, TypeMod: -1},
			{Name: "age", Type: types.Int4, Default: "0"},
		},
		PK:      []string{"id"},
		Indexes: []catalog.Index{{Name: "users_email_key", Columns: []string{"email"}, Unique: true}, {Name: "users_age_idx", Columns: []string{"age"}}},
	}
}

func docs() *catalog.Collection {
	return &catalog.Collection{Name: "events", Kind: catalog.Schemaless, PK: []string{"id"},
		Indexes: []catalog.Index{{Name: "events_kind_idx", Columns: []string{"meta.kind"}}}}
}

// same compares the persisted parts of two descriptors.
func same(t *testing.T, want, got *catalog.Collection) {
	t.Helper()
	w, g := catalog.Clone(want), catalog.Clone(got)
	w.Fields, g.Fields = nil, nil
	for i := range w.Indexes {
		w.Indexes[i].CreatedLSN = 0
	}
	for i := range g.Indexes {
		g.Indexes[i].CreatedLSN = 0
	}
	require.True(t, w.Created.Equal(g.Created))
	require.True(t, w.DroppedAt.Equal(g.DroppedAt))
	w.Created, g.Created, w.DroppedAt, g.DroppedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, w, g)
}

func TestCreateListAndPersist(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()

	_, err := e.cat.MustGet("users")
	require.True(t, errs.Is(err, errs.UndefinedTable), "got %v", err)

	v0 := e.cat.Version()
	users := e.create(usersTable())
	require.Greater(t, e.cat.Version(), v0)
	events := e.create(docs())

	require.Equal(t, uint32(1), users.ID)
	require.Equal(t, []uint32{2, 3}, []uint32{users.Indexes[0].ID, users.Indexes[1].ID}, "collections and indexes share ids")
	require.Equal(t, uint32(4), events.ID)
	require.Equal(t, uint32(1), users.Version)
	require.NotNil(t, users.Fields)
	require.NotZero(t, users.Indexes[0].CreatedLSN, "a new index knows the LSN that built it")

	list := e.cat.List()
	require.Len(t, list, 2)
	require.Equal(t, "events", list[0].Name, "sorted by name")
	require.Equal(t, "users", list[1].Name)
	byID, ok := e.cat.ByID(users.ID)
	require.True(t, ok)
	require.Same(t, users, byID)
	owner, ix, ok := e.cat.FindIndex("events_kind_idx")
	require.True(t, ok)
	require.Equal(t, "events", owner.Name)
	require.Equal(t, []string{"meta.kind"}, ix.Columns)
	require.Equal(t, 2, users.ColumnIndex("age"))
	require.Equal(t, -1, users.ColumnIndex("nope"))

	e = e.reopen()
	got, err := e.cat.MustGet("users")
	require.NoError(t, err)
	same(t, users, got)
	require.Zero(t, got.Indexes[0].CreatedLSN, "after a restart every snapshot is newer than the index")
	got, err = e.cat.MustGet("events")
	require.NoError(t, err)
	same(t, events, got)

	// Ids continue after the restart.
	third := e.create(&catalog.Collection{Name: "third", Kind: catalog.Schemaless, PK: []string{"id"}})
	require.Equal(t, uint32(6), third.ID, "1 users, 2-3 its indexes, 4 events, 5 its index")
}

func TestFailedDDLPublishesNothing(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	boom := errors.New("boom")
	v := e.cat.Version()
	err := e.cat.DDL(func(d *catalog.DDLTxn) error {
		col := usersTable()
		col.ID = d.NewID()
		d.Put(col)
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, v, e.cat.Version())
	_, ok := e.cat.Get("users")
	require.False(t, ok)
	e = e.reopen()
	_, ok = e.cat.Get("users")
	require.False(t, ok)
	// The id was not consumed.
	require.Equal(t, uint32(1), e.create(usersTable()).ID)
}

func drop(e *env, name string, at time.Time) {
	e.t.Helper()
	require.NoError(e.t, e.cat.DDL(func(d *catalog.DDLTxn) error {
		col, err := e.cat.MustGet(name)
		if err != nil {
			return err
		}
		c := catalog.Clone(col)
		c.Dropped, c.DroppedAt = true, at
		d.Put(c)
		return nil
	}))
}

func TestDropUndropRemove(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	first := e.create(usersTable())
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	drop(e, "users", t1)
	_, ok := e.cat.Get("users")
	require.False(t, ok)
	dropped, ok := e.cat.ByID(first.ID)
	require.True(t, ok, "dropped collections stay reachable by id")
	require.True(t, dropped.Dropped)
	require.Equal(t, uint32(2), dropped.Version)
	require.Equal(t, uint32(1), first.Version, "published descriptors are immutable")
	_, _, ok = e.cat.FindIndex("users_email_key")
	require.False(t, ok, "indexes of dropped collections are not found")

	// A new collection of the same name, dropped later.
	second := e.create(usersTable())
	require.NotEqual(t, first.ID, second.ID)
	drop(e, "users", t1.Add(time.Hour))
	latest, ok := e.cat.LatestDropped("users")
	require.True(t, ok)
	require.Equal(t, second.ID, latest.ID)

	e = e.reopen()
	latest, ok = e.cat.LatestDropped("users")
	require.True(t, ok)
	require.Equal(t, second.ID, latest.ID)
	require.True(t, latest.DroppedAt.Equal(t1.Add(time.Hour)))

	// Undrop the latest.
	require.NoError(t, e.cat.DDL(func(d *catalog.DDLTxn) error {
		c := catalog.Clone(latest)
		c.Dropped, c.DroppedAt = false, time.Time{}
		d.Put(c)
		return nil
	}))
	got, ok := e.cat.Get("users")
	require.True(t, ok)
	require.Equal(t, second.ID, got.ID)
	latest, ok = e.cat.LatestDropped("users")
	require.True(t, ok)
	require.Equal(t, first.ID, latest.ID)

	// Purge the first for good.
	require.NoError(t, e.cat.DDL(func(d *catalog.DDLTxn) error { d.Remove(first.ID); return nil }))
	_, ok = e.cat.ByID(first.ID)
	require.False(t, ok)
	_, ok = e.cat.Get("users")
	require.True(t, ok, "removing a dropped id leaves the live collection of that name")

	e = e.reopen()
	_, ok = e.cat.ByID(first.ID)
	require.False(t, ok)
	_, ok = e.cat.LatestDropped("users")
	require.False(t, ok)
	got, ok = e.cat.Get("users")
	require.True(t, ok)
	require.Equal(t, second.ID, got.ID)
	require.False(t, got.Dropped)
}

func TestValidateName(t *testing.T) {
	require.NoError(t, catalog.ValidateName("a"))
	require.NoError(t, catalog.ValidateName("x23456789012345678901234567890123456789012345678901234567890123"))
	for _, bad := range []string{"", "a\x00b", "x234567890123456789012345678901234567890123456789012345678901234"} {
		require.True(t, errs.Is(catalog.ValidateName(bad), errs.SyntaxError), "%q", bad)
	}
}

func TestObserveOrderAndWidening(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	col := e.create(docs())
	fs := col.Fields

	doc := map[string]any{"z": int64(1), "b": "x", "a": nil, "m": true, "c": 1.5}
	got := fs.Observe(doc, []string{"z", "m", "nope", "z"}, nil)
	names := func(fields []catalog.Field) (out []string) {
		for _, f := range fields {
			out = append(out, f.Name)
		}
		return out
	}
	require.Equal(t, []string{"z", "m", "a", "b", "c"}, names(got), "literal order first, then the rest by name")
	require.Equal(t, types.Int8, got[0].Type)
	require.Equal(t, types.Unknown, got[2].Type, "NULL has no type yet")
	require.Empty(t, fs.List(), "Observe does not change the set")

	tx := e.txm.Begin()
	catalog.StageFields(tx, col, got)
	_, err := tx.Commit()
	require.NoError(t, err)
	catalog.ApplyFields(col, got)
	require.Equal(t, []string{"z", "m", "a", "b", "c"}, names(fs.List()))

	// Known fields with the same type are not reported again.
	require.Empty(t, fs.Observe(map[string]any{"z": int64(5), "b": "y", "a": nil}, nil, nil))

	cases := []struct {
		field string
		val   any
		want  types.T // Unknown: not reported (the type does not change)
	}{
		{"z", 2.5, types.Float8},               // int → float
		{"m", int64(1), types.Text},            // bool + int → text
		{"a", int64(1), types.Int8},            // unknown → int
		{"c", dec(), types.Unknown},            // float + numeric stays float
		{"b", map[string]any{}, types.Unknown}, // text + document stays text
		{"b", nil, types.Unknown},              // NULL never widens
		{"new", []any{int64(1)}, types.Doc},    // a new document field
	}
	for _, c := range cases {
		out := fs.Observe(map[string]any{c.field: c.val}, nil, nil)
		if c.want == types.Unknown {
			require.Empty(t, out, "%s", c.field)
			continue
		}
		require.Len(t, out, 1, "%s", c.field)
		require.Equal(t, c.want, out[0].Type, "%s", c.field)
		if f, ok := fs.Lookup(c.field); ok {
			require.Equal(t, f.Seq, out[0].Seq, "a widened field keeps its first-seen position")
		}
	}

	// int → numeric is numeric.
	tx = e.txm.Begin()
	n := []catalog.Field{{Name: "n", Type: types.Int8}}
	catalog.StageFields(tx, col, n)
	_, err = tx.Commit()
	require.NoError(t, err)
	catalog.ApplyFields(col, n)
	out := fs.Observe(map[string]any{"n": dec()}, nil, nil)
	require.Len(t, out, 1)
	require.Equal(t, types.Numeric, out[0].Type)
}

func TestFieldsPersistInFirstSeenOrder(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	col := e.create(docs())
	other := e.create(&catalog.Collection{Name: "other", Kind: catalog.Schemaless, PK: []string{"id"}})

	stage := func(col *catalog.Collection, doc map[string]any, order ...string) {
		t.Helper()
		f := col.Fields.Observe(doc, order, nil)
		tx := e.txm.Begin()
		catalog.StageFields(tx, col, f)
		_, err := tx.Commit()
		require.NoError(t, err)
		catalog.ApplyFields(col, f)
	}
	stage(col, map[string]any{"id": "1", "zeta": int64(1), "alpha": "a"}, "id", "zeta", "alpha")
	stage(other, map[string]any{"id": "x", "q": true})
	stage(col, map[string]any{"beta": 1.5, "zeta": 2.5, "aardvark": nil}, "beta")
	stage(col, map[string]any{"aardvark": "now text"})

	type nt struct {
		Name string
		Type types.T
	}
	list := func(col *catalog.Collection) (out []nt) {
		for _, f := range col.Fields.List() {
			out = append(out, nt{f.Name, f.Type})
		}
		return out
	}
	want := []nt{{"id", types.Text}, {"zeta", types.Float8}, {"alpha", types.Text}, {"beta", types.Float8}, {"aardvark", types.Text}}
	require.Equal(t, want, list(col))
	seqs := col.Fields.List()
	for i := 1; i < len(seqs); i++ {
		require.Less(t, seqs[i-1].Seq, seqs[i].Seq)
	}

	e = e.reopen()
	reloaded, err := e.cat.MustGet("events")
	require.NoError(t, err)
	require.Equal(t, want, list(reloaded), "reloaded in first-seen order with widened types")
	o, err := e.cat.MustGet("other")
	require.NoError(t, err)
	require.Equal(t, []nt{{"id", types.Text}, {"q", types.Bool}}, list(o), "fields stay with their collection")

	// Dropping the field records removes them.
	tx := e.txm.Begin()
	require.NoError(t, catalog.DropFields(tx, reloaded.ID))
	_, err = tx.Commit()
	require.NoError(t, err)
	e = e.reopen()
	reloaded, err = e.cat.MustGet("events")
	require.NoError(t, err)
	require.Empty(t, reloaded.Fields.List())
	o, err = e.cat.MustGet("other")
	require.NoError(t, err)
	require.Len(t, o.Fields.List(), 2)
}

// TestCollectionLockExcludesDDL: a writer holding the collection lock
// shared keeps a DDL's LockCollection waiting; once the writer commits and
// releases, the DDL proceeds with a snapshot that sees the commit.
func TestCollectionLockExcludesDDL(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	col := e.create(usersTable())
	lock := e.cat.CollectionLock(col.ID)
	require.Same(t, lock, e.cat.CollectionLock(col.ID), "one lock per collection")

	key := storage.RowKey(col.ID, 0, storage.AppendKey(nil, int64(1)))
	lock.RLock()
	w := e.txm.Begin()
	w.Set(key, []byte{0x90})

	started, locked, done := make(chan struct{}), make(chan bool), make(chan error, 1)
	go func() {
		done <- e.cat.DDL(func(d *catalog.DDLTxn) error {
			close(started)
			d.LockCollection(col.ID)
			_, ok, err := d.Get(key)
			locked <- ok
			return err
		})
	}()
	<-started
	// Wait until the DDL is queued on the lock: a pending writer makes
	// TryRLock fail.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if !lock.TryRLock() {
			break
		}
		lock.RUnlock()
		require.True(t, time.Now().Before(deadline), "DDL never waited for the collection lock")
		runtime.Gosched()
	}
	select {
	case <-locked:
		t.Fatal("DDL took the collection lock while a writer held it")
	default:
	}
	_, err := w.Commit()
	require.NoError(t, err)
	lock.RUnlock()

	select {
	case saw := <-locked:
		require.True(t, saw, "the DDL's snapshot is retaken after the lock, so it sees the writer's commit")
	case <-time.After(10 * time.Second):
		t.Fatal("DDL still blocked after the writer released the lock")
	}
	require.NoError(t, <-done)
	// The DDL released the lock when it ended.
	require.True(t, lock.TryLock())
	lock.Unlock()
}

func dec() any { return apd.New(15, -1) }

// ANALYZE statistics survive a restart, bump the catalog version (cached
// plans replan) and go away when their collection is removed.
func TestStatsPersistAndRemove(t *testing.T) {
	e := open(t, t.TempDir())
	defer func() { e.close() }()
	users := e.create(usersTable())
	_, ok := e.cat.Stats(users.ID)
	require.False(t, ok, "never analyzed")

	v0 := e.cat.Version()
	lo := "1"
	st := &catalog.TableStats{CollectionID: users.ID, Rows: 42, Sampled: 42,
		Columns: []catalog.ColumnStats{{Name: "age", NullFrac: 0.25, Distinct: 7, Min: &lo,
			MCV: []catalog.ValueFreq{{Value: "30", Freq: 0.5}}}}}
	require.NoError(t, e.cat.DDL(func(d *catalog.DDLTxn) error { return d.PutStats(st) }))
	require.Greater(t, e.cat.Version(), v0)

	e = e.reopen()
	got, ok := e.cat.Stats(users.ID)
	require.True(t, ok)
	require.Equal(t, int64(42), got.Rows)
	age, ok := got.Column("age")
	require.True(t, ok)
	require.Equal(t, 7.0, age.Distinct)
	require.Equal(t, "1", *age.Min)
	require.Equal(t, []catalog.ValueFreq{{Value: "30", Freq: 0.5}}, age.MCV)

	require.NoError(t, e.cat.DDL(func(d *catalog.DDLTxn) error { d.Remove(users.ID); return nil }))
	_, ok = e.cat.Stats(users.ID)
	require.False(t, ok)
	e = e.reopen()
	_, ok = e.cat.Stats(users.ID)
	require.False(t, ok)
}
