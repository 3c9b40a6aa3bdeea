package session

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWithWritesEventsAndLocks: a statement's data-modifying WITH queries
// write the change log as any write does (in the statement's one commit)
// and hold their tables' write locks until the transaction ends, even
// under a SELECT, so DDL that keeps writers out waits for them.
func TestWithWritesEventsAndLocks(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE wo (id INT PRIMARY KEY, v TEXT); CREATE TABLE wa (id INT PRIMARY KEY, v TEXT)`)
	d.q(s, `INSERT INTO wo VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	d.q(s, `WITH d AS (DELETE FROM wo WHERE id <= 2 RETURNING *) INSERT INTO wa SELECT * FROM d`)
	changes := func(coll string) (ops []string, lsns []int64) {
		r, err := run(s, `SHOW CHANGES FOR `+coll)
		require.NoError(t, err)
		for _, row := range r.Rows {
			ops = append(ops, row[1].(string)+" "+row[2].(string))
			if row[1].(string) != "INSERT" || coll == "wa" {
				lsns = append(lsns, row[4].(int64))
			}
		}
		return ops, lsns
	}
	ops, deletes := changes("wo")
	require.ElementsMatch(t, []string{"INSERT 1", "INSERT 2", "INSERT 3", "DELETE 1", "DELETE 2"}, ops)
	ops, inserts := changes("wa")
	require.ElementsMatch(t, []string{"INSERT 1", "INSERT 2"}, ops)
	// One commit: its four changes have consecutive LSNs.
	all := append(deletes, inserts...)
	slices.Sort(all)
	require.Len(t, all, 4)
	require.Equal(t, all[0]+3, all[3], "the DELETEs and INSERTs are one commit: %v", all)

	// A SELECT whose WITH query writes wo holds wo's write lock.
	d.q(s, `BEGIN`)
	require.Equal(t, "3|c", d.q(s, `WITH u AS (UPDATE wo SET v = 'z' RETURNING *) SELECT * FROM wo`))
	other := d.m.NewSession("admin", "db")
	defer other.Close()
	done := make(chan error, 1)
	go func() {
		_, err := run(other, `CREATE INDEX wo_v ON wo (v)`)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("CREATE INDEX ran while a WITH query's write was open: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	d.q(s, `COMMIT`)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("CREATE INDEX still waits after the transaction ended")
	}
	require.Equal(t, "3|z", d.q(s, `SELECT * FROM wo`))
}
