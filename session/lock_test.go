package session

import (
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/stretchr/testify/require"
)

// TestLockTable: LOCK TABLE IN ACCESS SHARE MODE (pg_dump's) holds off
// the DDL that keeps writers out of the table until the transaction
// ends; the stronger modes and a use outside a block are refused.
func TestLockTable(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE lt (id INT PRIMARY KEY, v TEXT); CREATE VIEW lv AS SELECT id FROM lt; CREATE SEQUENCE ls`)
	d.fail(s, errs.NoActiveSQLTransaction, `LOCK TABLE lt IN ACCESS SHARE MODE`)
	d.q(s, `BEGIN`)
	d.fail(s, errs.FeatureNotSupported, `LOCK TABLE lt`) // ACCESS EXCLUSIVE
	d.q(s, `ROLLBACK; BEGIN`)
	d.fail(s, errs.UndefinedTable, `LOCK TABLE nosuch IN ACCESS SHARE MODE`)
	d.q(s, `ROLLBACK`)

	d.q(s, `BEGIN; LOCK TABLE ONLY public.lt, lv, ls IN ACCESS SHARE MODE NOWAIT; LOCK lt IN ROW EXCLUSIVE MODE`)
	other := d.m.NewSession("admin", "db")
	defer other.Close()
	done := make(chan error, 1)
	go func() {
		_, err := run(other, `CREATE INDEX lt_v ON lt (v)`)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("CREATE INDEX ran while the table was locked: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	require.Equal(t, "", d.q(s, `SELECT * FROM lt`)) // reads go on
	d.q(s, `COMMIT`)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("CREATE INDEX still waits after the lock's transaction ended")
	}
}

// TestSequenceRelation: a sequence read as a relation shows where it
// stands, as PostgreSQL's sequence relation does (pg_dump reads it).
func TestSequenceRelation(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE SEQUENCE sr START 10 INCREMENT 5`)
	require.Equal(t, "10|0|f", d.q(s, `SELECT last_value, log_cnt, is_called FROM sr`))
	d.q(s, `SELECT nextval('sr'), nextval('sr')`)
	require.Equal(t, "15|30|t", d.q(s, `SELECT last_value, log_cnt, is_called FROM public.sr`))
	require.Equal(t, "t", d.q(s, `SELECT s.tableoid = 'sr'::regclass FROM sr s`))
	d.q(s, `SELECT setval('sr', 100, false)`)
	require.Equal(t, "100|f", d.q(s, `SELECT last_value, is_called FROM sr`))
}

// TestTableOID: a catalog table's rows have the system column tableoid,
// the table's OID (NULL in the row an outer join adds); a view has none.
func TestTableOID(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "2615", d.q(s, `SELECT DISTINCT tableoid FROM pg_namespace`))
	require.Equal(t, "t|1259", d.q(s, `SELECT c.tableoid = 'pg_class'::regclass, c.tableoid::int FROM pg_class c WHERE relname = 'pg_type'`))
	require.Equal(t, "public|NULL", d.q(s, `SELECT n.nspname, d.tableoid FROM pg_namespace n LEFT JOIN pg_description d ON d.objoid = n.oid AND n.nspname = 'nosuch' WHERE n.nspname = 'public'`))
	d.fail(s, errs.UndefinedColumn, `SELECT tableoid FROM pg_roles`)
}
