package e2e

import (
	"testing"
	"time"
)

// A connection that drops (its socket closed, no Terminate) takes its
// temporary tables with it, as a clean close does.
func TestTempTableDroppedConnection(t *testing.T) {
	s := startServer(t)
	ctx := testCtx(t)
	watcher := s.pgxConnect(t)
	count := func() int {
		var n int
		if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname = 'scratch'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, clean := range []bool{true, false} {
		c := s.pgxConnect(t)
		if _, err := c.Exec(ctx, `CREATE TEMP TABLE scratch (a int PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, `INSERT INTO scratch SELECT generate_series(1, 10)`); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("pg_class shows %d temporary tables named scratch, want 1", n)
		}
		if clean {
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		} else if err := c.PgConn().Conn().Close(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for count() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("clean=%v: the temporary table outlived its connection", clean)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
