package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

func TestAdvisoryLocks(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	a, b := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer a.Close()
	try := func(s *Session, key string) string {
		t.Helper()
		return d.q(s, `SELECT pg_try_advisory_lock(`+key+`)`)
	}

	// Exclusive and re-entrant: each lock needs its unlock.
	d.q(a, `SELECT pg_advisory_lock(1)`)
	d.q(a, `SELECT pg_advisory_lock(1)`)
	require.Equal(t, "f", try(b, "1"))
	require.Equal(t, "t", d.q(a, `SELECT pg_advisory_unlock(1)`))
	require.Equal(t, "f", try(b, "1"))
	require.Equal(t, "t", d.q(a, `SELECT pg_advisory_unlock(1)`))
	require.Equal(t, "f", d.q(a, `SELECT pg_advisory_unlock(1)`), "not held any more")
	require.Equal(t, "t", try(b, "1"))

	// A waiting lock gets it when the holder lets go.
	got := make(chan error, 1)
	go func() {
		_, err := run(a, `SELECT pg_advisory_lock(1)`)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("pg_advisory_lock did not wait: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	d.q(b, `SELECT pg_advisory_unlock_all()`)
	require.NoError(t, <-got)
	require.Equal(t, "f", try(b, "1"))

	// The two-key form is a key space of its own.
	require.Equal(t, "t", try(b, "0, 1"))
	require.Equal(t, "f", d.q(a, `SELECT pg_try_advisory_lock(0, 1)`))

	// A transaction's lock lasts until it ends; a statement's alone, until
	// the statement ends.
	d.q(a, `BEGIN`)
	d.q(a, `SELECT pg_advisory_xact_lock(2)`)
	require.Equal(t, "f", d.q(b, `SELECT pg_try_advisory_xact_lock(2)`))
	d.q(a, `COMMIT`)
	require.Equal(t, "t", d.q(b, `SELECT pg_try_advisory_xact_lock(2)`))
	require.Equal(t, "t", d.q(a, `SELECT pg_try_advisory_xact_lock(2)`), "b's ended with its statement")

	// A wait ends when its statement is canceled.
	go func() {
		_, err := run(b, `SELECT pg_advisory_lock(1)`)
		got <- err
	}()
	var err error
	for waiting := true; waiting; {
		b.Cancel() // again until the statement has started and ended
		select {
		case err = <-got:
			waiting = false
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.Error(t, err)
	e, _ := errs.As(err)
	require.Equal(t, errs.QueryCanceled, e.Code)

	// A session's locks end with it.
	b.Close()
	require.Equal(t, "t", d.q(a, `SELECT pg_try_advisory_lock(0, 1)`))
}
