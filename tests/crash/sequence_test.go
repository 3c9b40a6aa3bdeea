//go:build unix

package crash

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9Sequence SIGKILLs a server while clients draw from a
// sequence (nextval) and insert rows keyed by a SERIAL column, and checks
// the promise sequences make: a value the server handed out is never
// handed out again, whatever crashes in between. After every restart:
// every value acknowledged so far is distinct, the next nextval is above
// all of them, and the serial keys of the rows present are distinct (a
// repeated value would be a duplicate-key error in the load, which the
// test also counts as a failure).
func TestCrashKill9Sequence(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := min(4, envInt(t, "CRASH_KILLS", 4))
	kills = envInt(t, "CRASH_SEQUENCE_KILLS", kills)
	seed := testSeed(t)
	w := &seqWorkload{n: 8, seen: map[int64]bool{}}
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

type seqWorkload struct {
	n int

	mu    sync.Mutex
	seen  map[int64]bool // every nextval value acknowledged
	max   int64
	dups  []int64
	rows  int // INSERTs acknowledged
	cycle int
}

func (w *seqWorkload) clients() int { return w.n }

func (w *seqWorkload) setup(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	for _, s := range []string{
		`CREATE SEQUENCE q`,
		`CREATE TABLE sr (id BIGSERIAL PRIMARY KEY, client INT)`,
	} {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("setup %q: %v", s, err)
		}
	}
}

func (w *seqWorkload) take(v int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[v] {
		w.dups = append(w.dups, v)
	}
	w.seen[v] = true
	w.max = max(w.max, v)
}

func (w *seqWorkload) run(ctx context.Context, conn *pgx.Conn, client int, stop func() bool) error {
	for i := 0; !stop(); i++ {
		if i%2 == 0 {
			var v int64
			if err := conn.QueryRow(ctx, `SELECT nextval('q')`).Scan(&v); err != nil {
				return err
			}
			w.take(v)
			continue
		}
		// A unique-key error here would mean a serial value given twice.
		if _, err := conn.Exec(ctx, `INSERT INTO sr (client) VALUES ($1)`, client); err != nil {
			return err
		}
		w.mu.Lock()
		w.rows++
		w.mu.Unlock()
	}
	return nil
}

func (w *seqWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	ctx := context.Background()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cycle++
	if len(w.dups) > 0 {
		t.Fatalf("%s: nextval values handed out twice: %v", what, w.dups)
	}
	var next int64
	if err := conn.QueryRow(ctx, `SELECT nextval('q')`).Scan(&next); err != nil {
		t.Fatalf("%s: nextval: %v", what, err)
	}
	if next <= w.max {
		t.Fatalf("%s: nextval gave %d after the crash; %d was handed out before it", what, next, w.max)
	}
	w.seen[next], w.max = true, next
	var rows, distinct int64
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT id) FROM sr`).Scan(&rows, &distinct); err != nil {
		t.Fatalf("%s: count: %v", what, err)
	}
	if rows != distinct || rows < int64(w.rows) {
		t.Fatalf("%s: %d rows with %d distinct serial keys; %d inserts were acknowledged", what, rows, distinct, w.rows)
	}
}

func (w *seqWorkload) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("%d nextval values acknowledged (max %d), %d serial rows, %d verifications", len(w.seen), w.max, w.rows, w.cycle)
}
