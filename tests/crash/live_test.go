//go:build unix

package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
)

// TestCrashLiveResume: a WebSocket client follows a table with `live`
// while writers insert, and the server is SIGKILLed under it again and
// again. After each restart the client reconnects with since_lsn = the LSN
// of the last change it received. At the end the changes it received are
// exactly the rows the table holds: none missing (every durable row,
// including every acknowledged one, arrives, across every crash), none
// twice, none for a row a crash lost (a change is pushed only once it is
// durable), and in increasing LSN order.
func TestCrashLiveResume(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 10)
	seed := testSeed(t)
	rng := rand.New(rand.NewSource(seed))
	srv := newServer(t)
	srv.start()
	func() {
		conn := mustConnect(t, srv.addr)
		defer closeConn(conn)
		if _, err := conn.Exec(context.Background(), `CREATE TABLE t (id BIGINT PRIMARY KEY, client INT)`); err != nil {
			t.Fatal(err)
		}
	}()

	f := &follower{got: map[int64]int64{}}
	var wmu sync.Mutex
	acked := map[int64]bool{}
	var nextID int64
	for cycle := 0; cycle <= kills; cycle++ {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// The follower first, so that it also replays what was
		// committed while it was away.
		wg.Add(1)
		go func() { defer wg.Done(); f.follow(ctx, httpAddr(t, srv)) }()
		var stopping sync.WaitGroup
		stopWriters := make(chan struct{})
		for c := 1; c <= 4; c++ {
			stopping.Add(1)
			go func() {
				defer stopping.Done()
				conn, err := connect(ctx, srv.addr)
				if err != nil {
					return
				}
				defer closeConn(conn)
				for {
					select {
					case <-stopWriters:
						return
					default:
					}
					wmu.Lock()
					nextID++
					id := nextID
					wmu.Unlock()
					if _, err := conn.Exec(ctx, `INSERT INTO t VALUES ($1, $2)`, id, c); err != nil {
						return
					}
					wmu.Lock()
					acked[id] = true
					wmu.Unlock()
				}
			}()
		}
		if cycle == kills {
			// The last incarnation: stop writing, let the follower catch
			// up with the table, then check.
			time.Sleep(200 * time.Millisecond)
			close(stopWriters)
			stopping.Wait()
			durable := tableIDs(t, srv.addr)
			deadline := time.Now().Add(60 * time.Second)
			for f.count() < len(durable) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			f.check(t, durable, acked)
			break
		}
		time.Sleep(time.Duration(100+rng.Intn(300)) * time.Millisecond)
		srv.kill9()
		close(stopWriters)
		cancel()
		stopping.Wait()
		wg.Wait()
		srv.start()
		srv.checkLog(fmt.Sprintf("restart after kill %d", cycle+1))
		t.Logf("kill %d/%d: %d rows acknowledged so far, %d changes received", cycle+1, kills, len(acked), f.count())
	}
}

var httpRE = regexp.MustCompile(`msg="nodedb started".* http=(\S+)`)

func httpAddr(t *testing.T, s *server) string {
	m := httpRE.FindSubmatch(s.currentLog())
	if m == nil {
		t.Fatal("no http address in the server's log")
	}
	return string(m[1])
}

// follower is the WebSocket client: it keeps every change it received
// (row id -> LSN) and the LSN of the last one.
type follower struct {
	mu       sync.Mutex
	got      map[int64]int64
	last     int64
	problems []string
}

func (f *follower) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// follow subscribes from the last LSN received and records pushes until
// the connection breaks or ctx ends.
func (f *follower) follow(ctx context.Context, addr string) {
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	f.mu.Lock()
	since := f.last
	f.mu.Unlock()
	req, _ := json.Marshal(map[string]any{"id": 1, "method": "live",
		"params": map[string]any{"sql": "SELECT id FROM t", "since_lsn": since}})
	if err := c.Write(ctx, websocket.MessageText, req); err != nil {
		return
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Method string `json:"method"`
			Error  any    `json:"error"`
			Params struct {
				Op  string `json:"op"`
				LSN int64  `json:"lsn"`
				Row struct {
					ID int64 `json:"id"`
				} `json:"row"`
			} `json:"params"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			f.problem("bad message %q: %v", data, err)
			return
		}
		switch {
		case m.Error != nil:
			f.problem("live call failed: %s", data)
			return
		case m.Method == "error":
			f.problem("error pushed: %s", data)
			return
		case m.Method != "live":
			continue
		}
		f.mu.Lock()
		if m.Params.LSN <= f.last {
			f.problems = append(f.problems, fmt.Sprintf("change of row %d at LSN %d after LSN %d", m.Params.Row.ID, m.Params.LSN, f.last))
		}
		if prev, dup := f.got[m.Params.Row.ID]; dup {
			f.problems = append(f.problems, fmt.Sprintf("row %d received twice (LSNs %d and %d)", m.Params.Row.ID, prev, m.Params.LSN))
		}
		f.got[m.Params.Row.ID] = m.Params.LSN
		f.last = max(f.last, m.Params.LSN)
		f.mu.Unlock()
	}
}

func (f *follower) problem(format string, args ...any) {
	f.mu.Lock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *follower) check(t *testing.T, durable map[int64]bool, acked map[int64]bool) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := &errorList{t: t, what: "live follower", limit: 10}
	defer errs.done()
	for _, p := range f.problems {
		errs.add("%s", p)
	}
	for id := range acked {
		if !durable[id] {
			errs.add("row %d was acknowledged but is not in the table", id)
		}
	}
	for id := range durable {
		if _, ok := f.got[id]; !ok {
			errs.add("row %d is in the table but its change never arrived", id)
		}
	}
	for id, lsn := range f.got {
		if !durable[id] {
			errs.add("a change of row %d (LSN %d) arrived, but the row is not in the table", id, lsn)
		}
	}
	t.Logf("%d rows in the table (%d acknowledged), %d changes received", len(durable), len(acked), len(f.got))
}

func tableIDs(t *testing.T, addr string) map[int64]bool {
	t.Helper()
	conn := mustConnect(t, addr)
	defer closeConn(conn)
	rows, err := conn.Query(context.Background(), `SELECT id FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}
