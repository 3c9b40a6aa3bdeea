//go:build unix

package crash

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9Trigger runs the insert kill loop over a table with an
// ASYNC audit trigger (and an ASYNC statement trigger) and a streaming
// materialized view counting rows per client. After every restart, once the rows' fates are resolved, it
// waits until both have caught up and checks that there is exactly one
// audit row per durable row and none for a row that is not durable, and
// that the view's counts equal a recomputation over the table: the
// trigger's writes (the view's state) and its position in the change log
// commit together, so a crash neither loses nor repeats a firing.
func TestCrashKill9Trigger(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 10)
	seed := testSeed(t)
	w := &triggerWorkload{tableWorkload: newTableWorkload(8, seed)}
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

type triggerWorkload struct {
	*tableWorkload
	audited int
}

func (w *triggerWorkload) setup(t *testing.T, conn *pgx.Conn) {
	w.tableWorkload.setup(t, conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{
		`CREATE TABLE audit (id TEXT PRIMARY KEY, row_id BIGINT, client INT)`,
		`CREATE TRIGGER audit_t AFTER INSERT ON t FOR EACH ROW BEGIN
			INSERT INTO audit VALUES (gen_random_uuid()::text, NEW.id, NEW.client);
		END`,
		`CREATE TABLE stmt_audit (id TEXT PRIMARY KEY)`,
		`CREATE TRIGGER stmt_t AFTER INSERT ON t FOR EACH STATEMENT BEGIN
			INSERT INTO stmt_audit VALUES (gen_random_uuid()::text);
		END`,
		`CREATE CHANGE STREAM t_changes ON t`,
		`CREATE MATERIALIZED VIEW per_client STREAMING AS
			SELECT (new_value->>'client')::int AS client, count(*) AS n FROM t_changes
			WHERE event_type = 'INSERT' GROUP BY 1`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func (w *triggerWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	w.tableWorkload.verify(t, conn, what)
	durable := map[int64]bool{}
	for _, cl := range w.cl {
		for i, r := range cl.rows {
			if r.state == stDurable {
				durable[int64(cl.num)*clientIDBase+int64(i+1)] = true
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var counts map[int64]int
	for {
		counts = map[int64]int{}
		rows, err := conn.Query(ctx, `SELECT row_id FROM audit`)
		if err != nil {
			t.Fatalf("%s: read audit: %v", what, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatalf("%s: scan: %v", what, err)
			}
			counts[id]++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: read audit: %v", what, err)
		}
		if len(counts) >= len(durable) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	errs := &errorList{t: t, what: what, limit: 10}
	for id := range durable {
		if counts[id] == 0 {
			errs.add("row %d is durable but has no audit row (trigger did not fire)", id)
		}
	}
	// Every INSERT statement of the workload writes one row, so the ASYNC
	// statement trigger fires exactly once per durable row too.
	var stmts int
	for {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM stmt_audit`).Scan(&stmts); err != nil {
			t.Fatalf("%s: read stmt_audit: %v", what, err)
		}
		if stmts >= len(durable) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if stmts != len(durable) {
		errs.add("statement trigger fired %d times for %d durable single-row INSERTs", stmts, len(durable))
	}
	for id, n := range counts {
		switch {
		case !durable[id]:
			errs.add("audit row for row %d, which is not durable", id)
		case n > 1:
			errs.add("row %d has %d audit rows (trigger fired more than once)", id, n)
		}
	}
	// The streaming view equals a recomputation.
	recompute := func(q string) map[int64]int64 {
		out := map[int64]int64{}
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %s: %v", what, q, err)
		}
		for rows.Next() {
			var c, n int64
			if err := rows.Scan(&c, &n); err != nil {
				t.Fatalf("%s: scan: %v", what, err)
			}
			out[c] = n
		}
		rows.Close()
		return out
	}
	want := recompute(`SELECT client, count(*) FROM t GROUP BY client`)
	var got map[int64]int64
	for {
		got = recompute(`SELECT client, n FROM per_client`)
		var sumGot, sumWant int64
		for _, n := range got {
			sumGot += n
		}
		for _, n := range want {
			sumWant += n
		}
		if sumGot >= sumWant || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for c, n := range want {
		if got[c] != n {
			errs.add("streaming view: client %d has %d rows, the view says %d", c, n, got[c])
		}
	}
	for c, n := range got {
		if _, ok := want[c]; !ok {
			errs.add("streaming view: client %d has no rows, the view says %d", c, n)
		}
	}
	errs.done()
	w.audited = len(counts)
}

func (w *triggerWorkload) summary() string {
	return w.tableWorkload.summary() + "; audited rows: " + strconv.Itoa(w.audited)
}
