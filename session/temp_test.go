package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Two sessions each have a temporary table of the same name, beside a
// permanent one; each sees its own, and its end takes its table (rows
// and index entries too) with it.
func TestTempTablesPerSession(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	a, b := d.m.NewSession("admin", "nodedb"), d.m.NewSession("admin", "nodedb")
	defer b.Close()
	d.q(a, `CREATE TABLE t (v text)`)
	d.q(a, `INSERT INTO t VALUES ('permanent')`)
	d.q(a, `CREATE TEMP TABLE t (v text PRIMARY KEY, n int UNIQUE)`)
	d.q(b, `CREATE TEMP TABLE t (v text PRIMARY KEY, n int UNIQUE)`)
	d.q(a, `INSERT INTO t VALUES ('a', 1)`)
	d.q(b, `INSERT INTO t VALUES ('b', 1)`) // its own unique index
	require.Equal(t, "a|1", d.q(a, `SELECT * FROM t`))
	require.Equal(t, "b|1", d.q(b, `SELECT * FROM t`))
	require.Equal(t, "b|1", d.q(b, `SELECT * FROM pg_temp.t`))
	c := d.m.NewSession("admin", "nodedb")
	require.Equal(t, "permanent", d.q(c, `SELECT * FROM t`), "a session without temporary tables sees the permanent one")
	d.fail(c, errs.UndefinedTable, `SELECT * FROM pg_temp.t`)
	// Each session's \dt sees its own: pg_class lists both, visible once.
	require.Equal(t, "t|t\nt|p", d.q(a, `SELECT relname, relpersistence FROM pg_class WHERE relname = 't' AND pg_table_is_visible(oid) OR relname = 't' AND relpersistence = 'p' ORDER BY 2 DESC`))
	require.Equal(t, "2", d.q(c, `SELECT count(*) FROM pg_class WHERE relname = 't' AND relpersistence = 't'`))
	require.Equal(t, "0", d.q(c, `SELECT count(*) FROM pg_class WHERE relname = 't' AND relpersistence = 't' AND pg_table_is_visible(oid)`))

	tmp, ok := a.names().GetTemp("t")
	require.True(t, ok)
	a.Close()
	require.Equal(t, "permanent", d.q(c, `SELECT * FROM t`))
	require.Equal(t, "b|1", d.q(b, `SELECT * FROM t`))
	require.Equal(t, "1", d.q(c, `SELECT count(*) FROM pg_class WHERE relname = 't' AND relpersistence = 't'`))
	_, gone := d.db.cat.ByID(tmp.ID)
	require.False(t, gone, "the closed session's temporary table is dropped")
	requireNoKeys(t, d.db, storage.RowPrefix(tmp.ID))
	for _, ix := range tmp.Indexes {
		requireNoKeys(t, d.db, storage.IndexPrefix(ix.ID))
	}
	c.Close()
	// DROP TABLE drops the temporary table first.
	d.q(b, `DROP TABLE t`)
	require.Equal(t, "permanent", d.q(b, `SELECT * FROM t`))
}

// A database reopened after its process ended without closing its
// sessions (a crash, kill -9) drops the temporary tables they left, with
// their rows.
func TestTempTablesGoneAfterUncleanStop(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "nodedb")
	d.q(s, `CREATE TABLE keep (a int)`)
	d.q(s, `INSERT INTO keep VALUES (1)`)
	d.q(s, `CREATE TEMP TABLE gone (a int PRIMARY KEY, b text)`)
	d.q(s, `CREATE INDEX ON gone (b)`)
	d.q(s, `INSERT INTO gone SELECT g, 'x' FROM generate_series(1, 50) g`)
	col, ok := s.names().GetTemp("gone")
	require.True(t, ok)
	// The session is never closed: the store keeps what it had.
	require.NoError(t, d.db.Close())

	d = openT(t, dir)
	defer d.close()
	_, ok = d.db.cat.ByID(col.ID)
	require.False(t, ok)
	require.Empty(t, d.db.cat.Temps(0))
	requireNoKeys(t, d.db, storage.RowPrefix(col.ID))
	for _, ix := range col.Indexes {
		requireNoKeys(t, d.db, storage.IndexPrefix(ix.ID))
	}
	s = d.m.NewSession("admin", "nodedb")
	defer s.Close()
	require.Equal(t, "1", d.q(s, `SELECT * FROM keep`))
	d.fail(s, errs.UndefinedTable, `SELECT * FROM gone`)
	d.q(s, `CREATE TEMP TABLE gone (a int)`) // the name is free
}

// Writes to temporary tables record no change events: a change stream on
// every collection sees the permanent table's writes only, and the
// statements that read a collection's changes refuse a temporary table.
func TestTempTablesNoChangeEvents(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "nodedb")
	defer s.Close()
	d.q(s, `CREATE TABLE p (a int)`)
	d.q(s, `CREATE CHANGE STREAM everything ON *`)
	d.q(s, `CREATE CONSUMER GROUP g ON everything`)
	d.q(s, `CREATE TEMP TABLE tt (a int)`)
	d.q(s, `INSERT INTO tt VALUES (1), (2)`)
	d.q(s, `UPDATE tt SET a = 3`)
	d.q(s, `DELETE FROM tt`)
	d.q(s, `INSERT INTO p VALUES (9)`)
	require.Equal(t, "p|INSERT", d.q(s, `SELECT collection, event_type FROM STREAM everything CONSUMER GROUP g LIMIT 100`))
	for _, stmt := range []string{
		`CREATE CHANGE STREAM one ON tt`,
		`LIVE SELECT * FROM tt`,
		`SHOW CHANGES FOR tt`,
		`CREATE TRIGGER tg AFTER INSERT ON tt FOR EACH ROW BEGIN INSERT INTO p VALUES (1); END`,
	} {
		e := d.fail(s, errs.FeatureNotSupported, stmt)
		require.Contains(t, e.Message, "temporary table", stmt)
	}
}

func requireNoKeys(t *testing.T, db *DB, prefix []byte) {
	t.Helper()
	tx := db.txm.Begin()
	defer tx.Rollback()
	it, err := tx.NewIter(prefix, storage.PrefixEnd(prefix))
	require.NoError(t, err)
	defer it.Close()
	require.False(t, it.Valid(), "keys left under %x", prefix)
}
