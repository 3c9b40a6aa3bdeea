package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// waitCompacted waits until a compacted stream's key index covers every
// commit so far.
func waitCompacted(t *testing.T, d *tdb, stream string) {
	t.Helper()
	head := d.db.txm.LastLSN()
	require.Eventually(t, func() bool { return d.db.CompactedThrough(stream) >= head }, 10*time.Second, 5*time.Millisecond)
}

func TestCompactedStream(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE acct (id INT PRIMARY KEY, owner TEXT, balance INT)`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON acct WITH (COMPACTION = 'time')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON acct WITH (KEY = 'owner')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON acct WITH (COMPACTION = 'key', TOMBSTONE_RETENTION = 'never')`)
	d.q(s, `CREATE CHANGE STREAM latest ON acct WITH (COMPACTION = 'key')`)
	d.q(s, `CREATE CHANGE STREAM by_owner ON acct WITH (COMPACTION = 'key', KEY = 'owner')`)
	d.q(s, `CREATE CHANGE STREAM gone ON acct WITH (COMPACTION = 'key', TOMBSTONE_RETENTION = '0s')`)
	d.q(s, `CREATE CHANGE STREAM full ON acct`)
	for _, st := range []string{"latest", "by_owner", "gone", "full"} {
		d.q(s, `CREATE CONSUMER GROUP g ON `+st)
	}
	d.q(s, `INSERT INTO acct VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'ann', 30)`)
	for i := 1; i <= 5; i++ {
		d.q(s, `UPDATE acct SET balance = balance + 1 WHERE id = 1`)
	}
	d.q(s, `UPDATE acct SET balance = 21 WHERE id = 2`)
	d.q(s, `DELETE FROM acct WHERE id = 3`)
	for _, st := range []string{"latest", "by_owner", "gone"} {
		waitCompacted(t, d, st)
	}

	rows := func(stream string) string {
		return d.q(s, `SELECT event_type, row_id, new_value->>'balance' FROM STREAM `+stream+` CONSUMER GROUP g ORDER BY row_id`)
	}
	require.Equal(t, "UPDATE|1|15\nUPDATE|2|21\nDELETE|3|NULL", rows("latest"), "the latest event per row, the delete kept as a tombstone")
	require.Equal(t, "UPDATE|1|15\nUPDATE|2|21", rows("gone"), "tombstones past their retention are dropped")
	// Keyed by owner: ann's latest event is the DELETE of row 3 (a DELETE
	// is keyed by its old row), bob's the update of row 2.
	require.Equal(t, "UPDATE|2|21\nDELETE|3|NULL", rows("by_owner"))
	require.Len(t, splitLines(rows("full")), 10, "an uncompacted stream on the same collection sees everything")

	// Offsets work as on any stream; a restart keeps the index.
	d.q(s, `SELECT * FROM STREAM latest CONSUMER GROUP g`)
	d.q(s, `COMMIT OFFSETS ON latest CONSUMER GROUP g`)
	s.Close()
	d.close()
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "", rows("latest"))
	d.q(s, `ALTER CONSUMER GROUP g ON latest SET OFFSET TO EARLIEST`)
	require.Equal(t, "UPDATE|1|15\nUPDATE|2|21\nDELETE|3|NULL", rows("latest"))
	d.q(s, `UPDATE acct SET balance = 99 WHERE id = 2`)
	waitCompacted(t, d, "latest")
	require.Equal(t, "UPDATE|1|15\nUPDATE|2|99\nDELETE|3|NULL", rows("latest"))

	d.q(s, `DROP CHANGE STREAM latest`)
	d.q(s, `CREATE CHANGE STREAM latest ON acct WITH (COMPACTION = 'key')`)
	d.q(s, `CREATE CONSUMER GROUP g ON latest`)
	require.Equal(t, "", rows("latest"), "a recreated stream starts fresh")
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
