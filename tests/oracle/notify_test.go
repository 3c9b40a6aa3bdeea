package oracle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// notifyScript is a LISTEN/NOTIFY session: "a ..." runs on the listening
// session, "b ..." on another one, "idle" waits on the listening session
// for notifications without running anything. The trace records what the
// listener received during each step (or the SQLSTATE its statement
// failed with).
var notifyScript = []string{
	"a LISTEN c1",
	"b NOTIFY c1, '1'",
	"idle",
	// A session in a transaction gets notifications when it ends.
	"a BEGIN",
	"b NOTIFY c1, '2'",
	"idle",
	"a SELECT 1",
	"a COMMIT",
	// ... also when it ends in a rollback, and after an error.
	"a BEGIN",
	"a SELECT 1/0",
	"b NOTIFY c1, '3'",
	"idle",
	"a ROLLBACK",
	// LISTEN takes effect at commit; a rolled-back one never does.
	"a BEGIN",
	"a LISTEN c2",
	"b NOTIFY c2, '4'",
	"idle",
	"a ROLLBACK",
	"b NOTIFY c2, '5'",
	"idle",
	"a BEGIN",
	"a LISTEN c2",
	"a SELECT * FROM pg_listening_channels() ORDER BY 1",
	"b NOTIFY c2, '6'",
	"a COMMIT",
	"a SELECT * FROM pg_listening_channels() ORDER BY 1",
	"b NOTIFY c2, '7'",
	"idle",
	// So does UNLISTEN.
	"a BEGIN",
	"a UNLISTEN c1",
	"a ROLLBACK",
	"b NOTIFY c1, '8'",
	"idle",
	"a BEGIN",
	"a UNLISTEN *",
	"b NOTIFY c1, '9'",
	"idle",
	"a COMMIT",
	"a SELECT * FROM pg_listening_channels()",
	"b NOTIFY c1, '10'",
	"b NOTIFY c2, '11'",
	"idle",
	// A multi-statement query string is one transaction.
	"a LISTEN c3; SELECT 1/0",
	"b NOTIFY c3, '12'",
	"idle",
	"a LISTEN c3; SELECT 1",
	"b NOTIFY c3, '13'",
	"idle",
	// ROLLBACK TO SAVEPOINT undoes the LISTENs since the savepoint.
	"a BEGIN",
	"a LISTEN c5",
	"a SAVEPOINT s",
	"a LISTEN c4",
	"a LISTEN c5",
	"b NOTIFY c4, '14'",
	"a ROLLBACK TO SAVEPOINT s",
	"a COMMIT",
	"b NOTIFY c4, '15'",
	"b NOTIFY c5, '16'",
	"idle",
	// The session's own NOTIFY, inside its transaction, comes at commit.
	"a BEGIN",
	"a NOTIFY c3, 'own'",
	"a SELECT 1",
	"a COMMIT",
	"a UNLISTEN *",
	// The notifying side: folding, pg_notify, names and payloads.
	"a LISTEN c1",
	"a LISTEN \"MixedCase\"",
	"b BEGIN",
	"b NOTIFY c1, 'dup'",
	"b NOTIFY c1, 'dup'",
	"b NOTIFY c1, 'other'",
	"b SELECT pg_notify('c1', 'dup')",
	"b NOTIFY c1",
	"b NOTIFY C1",
	"b COMMIT",
	"idle",
	"b NOTIFY MixedCase, 'folded'",
	"b NOTIFY \"MixedCase\", 'quoted'",
	"b SELECT pg_notify('MixedCase', 'function')",
	"b SELECT pg_notify('c1', NULL)",
	"b SELECT pg_notify('c1', '')",
	"b NOTIFY c1, 'it''s'",
	"idle",
	"b BEGIN",
	"b NOTIFY c1, 'rolled back'",
	"b ROLLBACK",
	"b BEGIN",
	"b NOTIFY c1, 'before savepoint'",
	"b SAVEPOINT s",
	"b NOTIFY c1, 'after savepoint'",
	"b ROLLBACK TO SAVEPOINT s",
	"b COMMIT",
	"idle",
	"a LISTEN cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	"b NOTIFY cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc, 'long'",
	"b SELECT pg_notify('cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'x')",
	"b SELECT pg_notify('ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc', 'y')",
	"idle",
	"a SELECT * FROM pg_listening_channels()",
	"a UNLISTEN cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	"a SELECT pg_notify(NULL, 'x')",
	"a SELECT pg_notify('', 'x')",
	"a NOTIFY c1, 1",
	"a UNLISTEN *",
	// COMMIT in a multi-statement string commits what ran before it.
	"a LISTEN c1",
	"b NOTIFY c1, 'committed part'; COMMIT; NOTIFY c1, 'failed part'; SELECT 1/0",
	"a LISTEN c2; COMMIT; SELECT 1/0",
	"b NOTIFY c2, 'c2'",
	"a UNLISTEN *",
	"a BEGIN",
	"b NOTIFY c3, 'before'",
	"a UNLISTEN *",
	"a LISTEN c3",
	"b NOTIFY c3, 'after'",
	"a COMMIT",
	"a UNLISTEN *",
	// "a! ..." leaves the listener off the harness's channel: a session
	// listening to nothing, whose first LISTEN commits, gets nothing
	// committed before that commit ...
	"a! UNLISTEN *",
	"a! BEGIN",
	"b NOTIFY c6, 'before listen'",
	"a! LISTEN c6",
	"b NOTIFY c6, 'after listen'",
	"idle",
	"a! COMMIT",
	"b NOTIFY c6, 'after commit'",
	"idle",
	// ... but one already listening gets, at the end of a transaction
	// with a LISTEN, what was committed on that channel during the
	// transaction, before the LISTEN too (it reads the queue from where
	// it last was).
	"a! BEGIN",
	"b NOTIFY c7, 'before listen'",
	"b NOTIFY c6, 'on c6'",
	"a! LISTEN c7",
	"b NOTIFY c7, 'after listen'",
	"a! COMMIT",
	"a! BEGIN",
	"b NOTIFY c8, 'before savepoint'",
	"a! SAVEPOINT s",
	"a! LISTEN c8",
	"b NOTIFY c8, 'after listen'",
	"a! ROLLBACK TO SAVEPOINT s",
	"b NOTIFY c8, 'rolled back to'",
	"a! LISTEN c8",
	"b NOTIFY c8, 'listened again'",
	"a! COMMIT",
	"a! BEGIN",
	"b NOTIFY c9, 'rolled back listen'",
	"a! LISTEN c9",
	"a! ROLLBACK",
	"a! UNLISTEN *",
	// A first LISTEN gets its own transaction's NOTIFY.
	"a! BEGIN",
	"a! LISTEN c9",
	"a! NOTIFY c9, 'own'",
	"b NOTIFY c9, 'not yet listening'",
	"a! COMMIT",
	"a UNLISTEN *",
}

// TestOracleListenNotify runs notifyScript against PostgreSQL 15 and
// NodeDB and compares what the listener received, step by step.
func TestOracleListenNotify(t *testing.T) {
	pgURL := startPostgres(t)
	ndURL := startNodeDB(t)
	want := notifyTrace(t, pgURL, notifyScript)
	got := notifyTrace(t, ndURL, notifyScript)
	if w, g := strings.Join(want, "\n"), strings.Join(got, "\n"); w != g {
		t.Errorf("LISTEN/NOTIFY differs from PostgreSQL\nPostgreSQL:\n%s\n\nNodeDB:\n%s", w, g)
	}
}

// TestOracleListenNotifyRandom runs random LISTEN/NOTIFY sessions (the
// listener's transactions, savepoints, errors, LISTEN and UNLISTEN; NOTIFY
// from both sides, in transactions or not) against PostgreSQL 15 and
// NodeDB and compares what the listener received. The seed is logged;
// NODEDB_ORACLE_SEED replays one.
func TestOracleListenNotifyRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	pgURL := startPostgres(t)
	ndURL := startNodeDB(t)
	seed := uint64(rand.Int64())
	if s := os.Getenv("NODEDB_ORACLE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (NODEDB_ORACLE_SEED replays it)", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	for round := range 3 {
		script := randomNotifyScript(r, 50)
		want := notifyTrace(t, pgURL, script)
		got := notifyTrace(t, ndURL, script)
		if w, g := strings.Join(want, "\n"), strings.Join(got, "\n"); w != g {
			t.Fatalf("round %d: LISTEN/NOTIFY differs from PostgreSQL\nPostgreSQL:\n%s\n\nNodeDB:\n%s", round, w, g)
		}
	}
}

// randomNotifyScript returns n random steps, then ones that end any
// transaction and collect what is still due.
func randomNotifyScript(r *rand.Rand, n int) []string {
	ch := func() string { return fmt.Sprintf("c%d", 1+r.IntN(3)) }
	payload := 0
	p := func() string { payload++; return fmt.Sprintf("'p%d'", payload) }
	steps := []func() string{
		func() string { return "a LISTEN " + ch() },
		func() string { return "a UNLISTEN " + ch() },
		func() string { return "a UNLISTEN *" },
		// Listening to nothing, not even the harness's channel, until the
		// next "a ..." step outside a transaction.
		func() string { return "a! UNLISTEN *" },
		func() string { return "a BEGIN" },
		func() string { return "a COMMIT" },
		func() string { return "a ROLLBACK" },
		func() string { return "a SAVEPOINT s" },
		func() string { return "a ROLLBACK TO SAVEPOINT s" },
		func() string { return "a NOTIFY " + ch() + ", " + p() },
		func() string { return "a SELECT 1/0" },
		func() string { return "a LISTEN " + ch() + "; SELECT 1/0" },
		func() string { return "a SELECT * FROM pg_listening_channels() ORDER BY 1" },
		func() string { return "b NOTIFY " + ch() + ", " + p() },
		func() string { return "b NOTIFY " + ch() + ", " + p() },
		func() string {
			return "b BEGIN; NOTIFY " + ch() + ", " + p() + "; NOTIFY " + ch() + ", " + p() + "; COMMIT"
		},
		func() string { return "b BEGIN; NOTIFY " + ch() + ", " + p() + "; ROLLBACK" },
		func() string { return "idle" },
		func() string { return "idle" },
	}
	var script []string
	for range n {
		script = append(script, steps[r.IntN(len(steps))]())
	}
	return append(script, "a ROLLBACK", "idle", "a SELECT * FROM pg_listening_channels() ORDER BY 1", "a UNLISTEN *")
}

// syncChannel is the harness's own channel: outside a transaction the
// listener always listens to it, and an idle step ends when a NOTIFY on it
// sent after the step's notifications arrives (each listener gets
// notifications in commit order), so a slow delivery is not mistaken for
// none. It is left out of the trace.
const syncChannel = "zz_sync"

// syncPayload marks the harness's own NOTIFY on a channel of the
// script's; it is left out of the trace too.
const syncPayload = "zz_marker"

func notifyTrace(t *testing.T, url string, script []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var got []string
	synced := false
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		if n.Channel == syncChannel || n.Payload == syncPayload {
			synced = true
			return
		}
		got = append(got, n.Channel+":"+n.Payload)
	}
	a, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	b, marker := connect(t, url), connect(t, url)
	onSync := false // the listener listens to syncChannel
	relisten := func() {
		if a.TxStatus() == 'I' {
			onSync = true
			if _, err := a.Exec(ctx, "LISTEN "+syncChannel).ReadAll(); err != nil {
				t.Fatalf("%s: LISTEN %s: %v", url, syncChannel, err)
			}
		}
	}
	relisten()
	// sync collects, outside a transaction, everything committed so far:
	// it arrives before the marker, sent on the harness's channel or,
	// after an "a! ..." step, on one the listener listens to.
	sync := func() {
		synced = false
		ch := syncChannel
		if !onSync {
			rr, err := a.Exec(ctx, "SELECT * FROM pg_listening_channels()").ReadAll()
			if err != nil {
				t.Fatalf("%s: pg_listening_channels: %v", url, err)
			}
			if len(rr[0].Rows) == 0 {
				return // nothing can arrive
			}
			ch = string(rr[0].Rows[0][0])
		}
		if _, err := marker.Exec(ctx, "NOTIFY "+ch+", '"+syncPayload+"'"); err != nil {
			t.Fatal(err)
		}
		for !synced {
			if err := a.WaitForNotification(ctx); err != nil {
				t.Fatalf("%s: waiting for notifications: %v", url, err)
			}
		}
	}

	var trace []string
	for _, step := range script {
		outcome := ""
		switch {
		case step == "idle" && a.TxStatus() == 'I':
			sync()
		case step == "idle":
			// In a transaction nothing should arrive (it waits for the
			// end): whatever arrives within the window.
			for {
				wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
				err := a.WaitForNotification(wctx)
				wcancel()
				if err != nil {
					if ctx.Err() != nil || a.IsClosed() {
						t.Fatalf("%s: waiting for notifications: %v", url, err)
					}
					break
				}
			}
		case strings.HasPrefix(step, "a "), strings.HasPrefix(step, "a! "):
			sql := step[strings.IndexByte(step, ' ')+1:]
			if strings.HasPrefix(step, "a! ") {
				onSync = false // its UNLISTEN * took the harness's channel too
			}
			results, err := a.Exec(ctx, sql).ReadAll()
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) {
				outcome = " error " + pgErr.Code
			} else if err != nil {
				t.Fatalf("%s: %s: %v", url, step, err)
			}
			if strings.Contains(step, "pg_listening_channels") {
				for _, r := range results {
					for _, row := range r.Rows {
						if string(row[0]) != syncChannel {
							outcome += " " + string(row[0])
						}
					}
				}
			}
		case strings.HasPrefix(step, "b "):
			_, err := b.Exec(ctx, step[2:])
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) {
				outcome = " error " + pgErr.Code
			} else if err != nil {
				t.Fatalf("%s: %s: %v", url, step, err)
			}
			if a.TxStatus() == 'I' {
				// Delivered now: collected here, not in whichever step
				// reads the socket next.
				sync()
			}
		default:
			t.Fatalf("bad step %q", step)
		}
		trace = append(trace, fmt.Sprintf("%-28s%s %v", step, outcome, got))
		got = got[:0]
		if strings.HasPrefix(step, "a ") {
			relisten() // after UNLISTEN * (committed)
		}
	}
	return trace
}
