package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// DDL in an explicit transaction block runs at once in a transaction of
// its own, and says so: a ROLLBACK does not undo it.
func TestDDLInBlockWarns(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `BEGIN`)
	r, err := run(s, `CREATE TABLE w (a INT)`)
	require.NoError(t, err)
	require.Len(t, r.Notices, 1)
	require.Equal(t, "WARNING", r.Notices[0].Severity)
	require.Contains(t, r.Notices[0].Message, "ROLLBACK")
	d.q(s, `ROLLBACK`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM w`))
	r, err = run(s, `CREATE TABLE w2 (a INT)`)
	require.NoError(t, err)
	require.Empty(t, r.Notices, "outside a block there is nothing to warn of")
}

// RENAME TO changes the name only: rows, their keys and vShards, indexes
// and foreign keys stay, before and after a restart.
func TestRenameTable(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE p (id INT PRIMARY KEY, name TEXT); CREATE INDEX p_name ON p (name); CREATE TABLE c (pid INT REFERENCES p)`)
	d.q(s, `INSERT INTO p SELECT g, 'n' || g FROM generate_series(1, 200) g; INSERT INTO c VALUES (7)`)
	d.q(s, `ALTER TABLE p RENAME TO people`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM p`)
	require.Equal(t, "n42", d.q(s, `SELECT name FROM people WHERE id = 42`), "a key lookup finds the row where it was placed")
	require.Equal(t, "99", d.q(s, `SELECT id FROM people WHERE name = 'n99'`))
	d.fail(s, errs.ForeignKeyViolation, `DELETE FROM people WHERE id = 7`)
	d.q(s, `INSERT INTO people VALUES (201, 'new')`)
	d.q(s, `ALTER TABLE people RENAME TO persons`)
	d.q(s, `CREATE COLLECTION docs; INSERT INTO docs {id: 'a', v: 1}; ALTER TABLE docs RENAME TO notes`)
	d.fail(s, errs.DuplicateTable, `ALTER TABLE notes RENAME TO persons`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "n42|new", d.q(s, `SELECT (SELECT name FROM persons WHERE id = 42), (SELECT name FROM persons WHERE id = 201)`))
	require.Equal(t, "201", d.q(s, `SELECT count(*) FROM persons`))
	require.Equal(t, "1", d.q(s, `SELECT v FROM notes WHERE id = 'a'`))
	d.q(s, `CREATE TABLE p (x INT)`) // the first name is free again
	d.q(s, `INSERT INTO p VALUES (1)`)
}

// ADD COLUMN of an array type makes a jsonb column, as CREATE TABLE does
// (arrays are jsonb).
func TestAddColumnArray(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE arr (id INT PRIMARY KEY, a TEXT[]); ALTER TABLE arr ADD COLUMN b TEXT[]`)
	d.q(s, `INSERT INTO arr VALUES (1, ARRAY['x', 'y'], ARRAY['p'])`)
	require.Equal(t, "jsonb|jsonb|p", d.q(s, `SELECT pg_typeof(a), pg_typeof(b), b->>0 FROM arr`))
}

// TestCommentsSurviveRestart: COMMENT ON's texts are kept in the
// descriptors, through a restart and a rename.
func TestCommentsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, a TEXT); CREATE INDEX t_a ON t (a); CREATE VIEW v AS SELECT a FROM t; CREATE SEQUENCE q`)
	d.q(s, `COMMENT ON TABLE t IS 'tt'; COMMENT ON COLUMN t.a IS 'ta'; COMMENT ON INDEX t_a IS 'ti'; COMMENT ON VIEW v IS 'vv'; COMMENT ON COLUMN v.a IS 'va'; COMMENT ON SEQUENCE q IS 'qq'`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `ALTER TABLE t RENAME TO t2`)
	require.Equal(t, "tt|ta|ti|vv|va|qq", d.q(s, `SELECT obj_description('t2'::regclass, 'pg_class'), col_description('t2'::regclass, 2),
		obj_description('t_a'::regclass, 'pg_class'), obj_description('v'::regclass, 'pg_class'), col_description('v'::regclass, 1),
		obj_description('q'::regclass, 'pg_class')`))
}

// RENAME COLUMN rewrites the views over the table (TestOracleRenameColumnViews
// compares them with PostgreSQL's); the rewrite survives a restart, and a
// view it cannot rewrite (a NATURAL join that would join on other columns)
// stops the rename instead of breaking.
func TestRenameColumnViews(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE TABLE u (id INT PRIMARY KEY, z INT)`)
	d.q(s, `INSERT INTO t VALUES (1, 10), (2, 20); INSERT INTO u VALUES (1, 5)`)
	d.q(s, `CREATE VIEW v AS SELECT a FROM t WHERE a > 10; CREATE VIEW nj AS SELECT * FROM t NATURAL JOIN u`)
	d.fail(s, errs.FeatureNotSupported, `ALTER TABLE u RENAME z TO a`)
	d.fail(s, errs.FeatureNotSupported, `ALTER TABLE t RENAME id TO k`)
	d.q(s, `DROP VIEW nj; ALTER TABLE t RENAME a TO b`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "20", d.q(s, `SELECT a FROM v`))
	require.Equal(t, "SELECT b AS a FROM t WHERE (b > 10);", d.q(s, `SELECT pg_get_viewdef('v')`))
}

// DDL that locks a table the open block has written is refused (55006),
// not left waiting for the block's own lock.
func TestDDLOnOwnWrittenTableRefused(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TYPE st AS ENUM ('a', 'b'); CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, s st, pid INT, CHECK (id > 0))`)
	d.q(s, `CREATE INDEX c_pid ON c (pid); ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id) NOT VALID`)
	for _, ddl := range []string{
		`ALTER TABLE c RENAME CONSTRAINT c_check TO c_pos`,
		`ALTER TABLE c VALIDATE CONSTRAINT c_fk`,
		`ALTER INDEX c_pid RENAME TO c_pid2`,
		`ALTER TYPE st RENAME VALUE 'a' TO 'z'`,
	} {
		for _, written := range []string{"c", "p"} {
			if written == "p" && ddl != `ALTER TABLE c VALIDATE CONSTRAINT c_fk` {
				continue // only the foreign key's check reads the parent
			}
			d.q(s, `BEGIN`)
			d.q(s, `INSERT INTO `+written+` (id) VALUES (5)`)
			done := make(chan error, 1)
			go func() {
				_, err := run(s, ddl)
				done <- err
			}()
			select {
			case err := <-done:
				require.Equal(t, errs.ObjectInUse, errs.Code(err), "%s: %v", ddl, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("%s after writing %s in the block: still waiting", ddl, written)
			}
			d.q(s, `ROLLBACK`)
		}
	}
}
