package session

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/stretchr/testify/require"
)

// TestSelectForUpdateSkipLockedQueue: workers taking jobs with
// SELECT ... FOR UPDATE SKIP LOCKED each get jobs no other worker holds,
// so every job is done exactly once and no worker's commit fails.
func TestSelectForUpdateSkipLockedQueue(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	admin := d.m.NewSession("admin", "db")
	defer admin.Close()
	const jobs, workers = 60, 4
	d.q(admin, `CREATE TABLE jobs (id INT PRIMARY KEY, state TEXT, worker INT); CREATE TABLE done (job INT PRIMARY KEY, worker INT)`)
	d.q(admin, fmt.Sprintf(`INSERT INTO jobs SELECT g, 'new', NULL FROM generate_series(1, %d) g`, jobs))
	var wg sync.WaitGroup
	errc := make(chan error, workers*jobs)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := d.m.NewSession("admin", "db")
			defer s.Close()
			for {
				if _, err := run(s, `BEGIN`); err != nil {
					errc <- err
					return
				}
				r, err := run(s, `SELECT id FROM jobs WHERE state = 'new' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`)
				if err != nil {
					errc <- err
					_, _ = run(s, `ROLLBACK`)
					return
				}
				if len(r.Rows) == 0 {
					_, _ = run(s, `ROLLBACK`)
					return
				}
				id := render(r)
				time.Sleep(time.Millisecond) // the work, while others look
				_, err = run(s, fmt.Sprintf(`UPDATE jobs SET state = 'done', worker = %d WHERE id = %s; INSERT INTO done VALUES (%s, %d); COMMIT`, w, id, id, w))
				if err != nil {
					errc <- fmt.Errorf("job %s: %w", id, err)
					_, _ = run(s, `ROLLBACK`)
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	require.Equal(t, strconv.Itoa(jobs), d.q(admin, `SELECT count(*) FROM done`))
	require.Equal(t, "0", d.q(admin, `SELECT count(*) FROM jobs WHERE state <> 'done'`))
	require.Equal(t, "0", d.q(admin, `SELECT count(*) FROM jobs j JOIN done x ON x.job = j.id WHERE x.worker <> j.worker`))
}

// TestSelectForUpdateLocks: a second FOR UPDATE waits for the holder and
// then fails with 40001 if the holder changed the row, goes on if it did
// not; NOWAIT is 55P03; a cycle of waits is 40P01; a writer of a held row
// fails its commit; an autocommit FOR UPDATE lets go at its end; FOR SHARE
// holders share.
func TestSelectForUpdateLocks(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	a, b, c := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer a.Close()
	defer b.Close()
	defer c.Close()
	d.q(a, `CREATE TABLE acct (id INT PRIMARY KEY, bal INT); INSERT INTO acct VALUES (1, 100), (2, 200)`)

	waitFor := func(s *Session, sql string) chan error {
		ch := make(chan error, 1)
		go func() {
			_, err := run(s, sql)
			ch <- err
		}()
		select {
		case err := <-ch:
			t.Fatalf("%s did not wait: %v", sql, err)
		case <-time.After(50 * time.Millisecond):
		}
		return ch
	}

	d.q(a, `BEGIN; SELECT * FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(b, `BEGIN`)
	got := waitFor(b, `SELECT * FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(a, `UPDATE acct SET bal = bal - 10 WHERE id = 1; COMMIT`)
	require.Equal(t, errs.SerializationFailure, errs.Code(<-got))
	d.q(b, `ROLLBACK`)

	d.q(a, `BEGIN; SELECT * FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(b, `BEGIN`)
	got = waitFor(b, `SELECT bal FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(a, `ROLLBACK`)
	require.NoError(t, <-got)
	d.fail(c, errs.LockNotAvailable, `SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT`)
	require.Equal(t, "2|200", d.q(c, `SELECT * FROM acct FOR UPDATE SKIP LOCKED`))
	d.fail(c, errs.SerializationFailure, `UPDATE acct SET bal = 0 WHERE id = 1`)
	d.q(b, `UPDATE acct SET bal = bal + 1 WHERE id = 1; COMMIT`)
	require.Equal(t, "91", d.q(c, `SELECT bal FROM acct WHERE id = 1`))

	// Autocommit: the lock ends with the statement.
	require.Equal(t, "1|91", d.q(a, `SELECT * FROM acct WHERE id = 1 FOR UPDATE`))
	require.Equal(t, "1|91", d.q(b, `SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT`))

	// Shared holders share; an exclusive lock waits for them.
	d.q(a, `BEGIN; SELECT * FROM acct WHERE id = 2 FOR SHARE`)
	d.q(b, `BEGIN; SELECT * FROM acct WHERE id = 2 FOR KEY SHARE NOWAIT`)
	d.fail(c, errs.LockNotAvailable, `SELECT * FROM acct WHERE id = 2 FOR UPDATE NOWAIT`)
	d.q(a, `COMMIT`)
	d.q(b, `COMMIT`)

	// A deadlock: a holds 1 and waits for 2, b holds 2 and asks for 1.
	d.q(a, `BEGIN; SELECT * FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(b, `BEGIN; SELECT * FROM acct WHERE id = 2 FOR UPDATE`)
	got = waitFor(a, `SELECT * FROM acct WHERE id = 2 FOR UPDATE`)
	d.fail(b, errs.DeadlockDetected, `SELECT * FROM acct WHERE id = 1 FOR UPDATE`)
	d.q(b, `ROLLBACK`)
	require.NoError(t, <-got)
	d.q(a, `COMMIT`)

	// OF names the tables locked; the other side of the join is not.
	d.q(a, `CREATE TABLE owner (id INT PRIMARY KEY, acct INT)`)
	d.q(a, `INSERT INTO owner VALUES (7, 1)`)
	d.q(a, `BEGIN; SELECT o.id FROM owner o JOIN acct ON acct.id = o.acct FOR UPDATE OF o`)
	require.Equal(t, "1|91", d.q(b, `SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT`))
	d.fail(b, errs.LockNotAvailable, `SELECT * FROM owner FOR UPDATE NOWAIT`)
	d.q(a, `COMMIT`)
}
