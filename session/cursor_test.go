package session

import (
	"testing"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/stretchr/testify/require"
)

// TestCursors: FETCH hands out a cursor's rows in order in every
// direction; cursors end with their transaction unless WITH HOLD.
func TestCursors(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE cu (id INT PRIMARY KEY, v TEXT); INSERT INTO cu SELECT g, 'v' || g FROM generate_series(1, 6) g`)
	d.fail(s, errs.NoActiveSQLTransaction, `DECLARE c CURSOR FOR SELECT 1`)
	d.q(s, `BEGIN; DECLARE c SCROLL CURSOR FOR SELECT id FROM cu ORDER BY id`)
	for _, step := range []struct{ fetch, want string }{
		{`FETCH 2 FROM c`, "1\n2"},
		{`FETCH NEXT FROM c`, "3"},
		{`FETCH BACKWARD 2 FROM c`, "2\n1"},
		{`FETCH BACKWARD 1 FROM c`, ""},
		{`FETCH ALL FROM c`, "1\n2\n3\n4\n5\n6"},
		{`FETCH NEXT FROM c`, ""},
		{`FETCH PRIOR FROM c`, "6"},
		{`FETCH ABSOLUTE -2 FROM c`, "5"},
		{`FETCH RELATIVE -3 FROM c`, "2"},
		{`FETCH RELATIVE 0 FROM c`, "2"},
		{`FETCH BACKWARD ALL FROM c`, "1"},
		{`FETCH FORWARD 10 FROM c`, "1\n2\n3\n4\n5\n6"},
		{`FETCH LAST FROM c`, "6"},
		{`FETCH FIRST FROM c`, "1"},
	} {
		require.Equal(t, step.want, d.q(s, step.fetch), step.fetch)
	}
	r, err := run(s, `MOVE FORWARD 3 IN c`)
	require.NoError(t, err)
	require.Equal(t, "MOVE 3", r.Tag)
	require.Equal(t, "5", d.q(s, `FETCH c`))
	d.fail(s, errs.DuplicateCursor, `DECLARE c CURSOR FOR SELECT 1`)
	d.q(s, `ROLLBACK`)
	d.fail(s, errs.InvalidCursorName, `FETCH c`)

	// The cursor's snapshot: rows written after DECLARE are not in it, the
	// transaction's own writes before it are.
	d.q(s, `BEGIN; INSERT INTO cu VALUES (7, 'own'); DECLARE n NO SCROLL CURSOR FOR SELECT id FROM cu WHERE id > 5 ORDER BY id; INSERT INTO cu VALUES (8, 'later')`)
	require.Equal(t, "6\n7", d.q(s, `FETCH ALL FROM n`))
	d.q(s, `DECLARE h CURSOR WITH HOLD FOR SELECT count(*) FROM cu`)
	d.q(s, `COMMIT`)
	d.fail(s, errs.InvalidCursorName, `FETCH n`)
	require.Equal(t, "8", d.q(s, `FETCH h`), "a held cursor outlives its transaction")
	d.q(s, `BEGIN; DECLARE h2 CURSOR WITH HOLD FOR SELECT 1; ROLLBACK`)
	d.fail(s, errs.InvalidCursorName, `FETCH h2`)
	d.q(s, `BEGIN; DECLARE f NO SCROLL CURSOR FOR SELECT 1`)
	require.Equal(t, "1", d.q(s, `FETCH f`))
	d.fail(s, errs.ObjectNotInState, `FETCH PRIOR FROM f`)
	d.q(s, `ROLLBACK`)
	d.q(s, `CLOSE h`)
	d.fail(s, errs.InvalidCursorName, `CLOSE h`)
}
