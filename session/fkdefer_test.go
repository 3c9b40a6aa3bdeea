package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// A deferred foreign key's checks queued by a SYNC trigger's body (which
// shares the statement's transaction) are kept: in a block they wait for
// its COMMIT, outside one they run when the body ends. Without the
// hand-over they were lost with the body's session and a dangling key
// committed. TestOracleDeferredForeignKeys compares the rest with
// PostgreSQL.
func TestDeferredForeignKeyInTrigger(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE dp (id INT PRIMARY KEY); CREATE TABLE src (id INT PRIMARY KEY, p INT)`)
	d.q(s, `CREATE TABLE dc (id INT PRIMARY KEY, p INT REFERENCES dp DEFERRABLE INITIALLY DEFERRED)`)
	d.q(s, `CREATE SYNC TRIGGER copy_src AFTER INSERT ON src FOR EACH ROW BEGIN INSERT INTO dc VALUES (NEW.id, NEW.p); END`)

	d.fail(s, errs.ForeignKeyViolation, `INSERT INTO src VALUES (1, 10)`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM dc`))

	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO src VALUES (2, 20)`)
	d.q(s, `INSERT INTO dp VALUES (20)`)
	d.q(s, `COMMIT`)
	require.Equal(t, "2|20", d.q(s, `SELECT id, p FROM dc`))

	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO src VALUES (3, 30)`)
	d.fail(s, errs.ForeignKeyViolation, `COMMIT`)
	require.Equal(t, "2|20", d.q(s, `SELECT id, p FROM dc`))
}
