package http

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type wsClient struct {
	t       *testing.T
	c       *websocket.Conn
	pending []map[string]any // pushes read while waiting for a response
}

func dialWS(t *testing.T, ls *liveServer) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ls.base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	return &wsClient{t: t, c: c}
}

func (w *wsClient) call(id int, method string, params any) map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
	for {
		m := w.read()
		if m["id"] != nil && int(m["id"].(float64)) == id {
			return m
		}
		// Pushes are asynchronous and may arrive before the response to
		// the call that started them: keep them for nextLive.
		w.pending = append(w.pending, m)
	}
}

func (w *wsClient) read() map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, data, err := w.c.Read(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		w.t.Fatal(err)
	}
	return m
}

// nextLive returns the next live push (row_id, lsn).
func (w *wsClient) nextLive() (string, uint64) {
	w.t.Helper()
	for {
		var m map[string]any
		if len(w.pending) > 0 {
			m, w.pending = w.pending[0], w.pending[1:]
		} else {
			m = w.read()
		}
		if m["method"] == "live" {
			p := m["params"].(map[string]any)
			return p["row_id"].(string), uint64(p["lsn"].(float64))
		}
	}
}

func TestWebSocketLiveResume(t *testing.T) {
	ls := newLiveServer(t)
	ls.sql(t, `CREATE TABLE o (id INT PRIMARY KEY, total INT)`)
	w := dialWS(t, ls)
	if r := w.call(1, "ping", nil); r["result"] != "pong" {
		t.Fatalf("ping: %v", r)
	}
	r := w.call(2, "query", map[string]any{"sql": "SELECT 1 + $1 AS x", "params": []any{2}})
	if rows := r["result"].(map[string]any)["rows"].([]any); rows[0].([]any)[0].(float64) != 3 {
		t.Fatalf("query: %v", r)
	}
	r = w.call(3, "live", map[string]any{"sql": "SELECT id, total FROM o WHERE total > 10"})
	if r["error"] != nil {
		t.Fatalf("live: %v", r)
	}
	ls.sql(t, `INSERT INTO o VALUES (1, 5), (2, 50)`)
	id, last := w.nextLive()
	if id != "2" {
		t.Fatalf("first push for row %s, want 2", id)
	}
	w.c.Close(websocket.StatusNormalClosure, "")

	// While disconnected: two matching changes and one that does not match.
	ls.sql(t, `INSERT INTO o VALUES (3, 60), (4, 1)`)
	ls.sql(t, `UPDATE o SET total = 70 WHERE id = 2`)

	w = dialWS(t, ls)
	defer w.c.Close(websocket.StatusNormalClosure, "")
	r = w.call(1, "live", map[string]any{"sql": "SELECT id, total FROM o WHERE total > 10", "since_lsn": last})
	if r["error"] != nil {
		t.Fatalf("live resume: %v", r)
	}
	var got []string
	var prev uint64 = last
	for len(got) < 2 {
		id, lsn := w.nextLive()
		if lsn <= prev {
			t.Fatalf("replay out of order or duplicate: %d after %d", lsn, prev)
		}
		prev = lsn
		got = append(got, id)
	}
	if strings.Join(got, ",") != "3,2" {
		t.Fatalf("replayed %v, want exactly the missed changes 3,2", got)
	}
	// Then it continues live.
	ls.sql(t, `INSERT INTO o VALUES (5, 500)`)
	if id, _ := w.nextLive(); id != "5" {
		t.Fatalf("live after replay: %s", id)
	}
	r = w.call(9, "nope", nil)
	if r["error"] == nil {
		t.Fatalf("unknown method accepted: %v", r)
	}
}

// TestWebSocketSlowSubscriberLosesNothing: a client with two live
// subscriptions that reads nothing while 100,000 changes commit later
// receives every matching change of each, once and in commit order.
func TestWebSocketSlowSubscriberLosesNothing(t *testing.T) {
	ls := newLiveServer(t)
	ls.sql(t, `CREATE TABLE o (id INT PRIMARY KEY)`)
	queries := []string{"SELECT id FROM o WHERE id % 2 = 0", "SELECT id FROM o WHERE id % 2 = 1"}
	w := dialWS(t, ls)
	defer w.c.Close(websocket.StatusNormalClosure, "")
	subs := map[string]int{} // subscription id -> query index
	for q, sql := range queries {
		r := w.call(q+1, "live", map[string]any{"sql": sql})
		if r["error"] != nil {
			t.Fatalf("live: %v", r)
		}
		subs[r["result"].(map[string]any)["subscription_id"].(string)] = q
	}
	const rows = 100_000
	for from := 1; from <= rows; from += 20_000 {
		ls.sql(t, fmt.Sprintf(`INSERT INTO o SELECT g FROM generate_series(%d, %d) g`, from, from+19_999))
	}
	next := [2]int{2, 1} // the id each subscription must push next
	last := [2]uint64{}
	for received := 0; received < rows; received++ {
		var m map[string]any
		if len(w.pending) > 0 {
			m, w.pending = w.pending[0], w.pending[1:]
		} else {
			m = w.read()
		}
		if m["method"] != "live" {
			t.Fatalf("after %d changes: %v", received, m)
		}
		p := m["params"].(map[string]any)
		q := subs[p["subscription_id"].(string)]
		lsn := uint64(p["lsn"].(float64))
		id := int(p["row"].(map[string]any)["id"].(float64))
		if id != next[q] || lsn <= last[q] {
			t.Fatalf("subscription %d pushed row %d at LSN %d after LSN %d, want row %d", q, id, lsn, last[q], next[q])
		}
		next[q] += 2
		last[q] = lsn
	}
}

// TestWebSocketBadInput: bad messages get error replies with SQLSTATEs and
// leave the connection usable; a message over the size limit closes it
// with status 1009 (message too big).
func TestWebSocketBadInput(t *testing.T) {
	ls := newLiveServer(t)
	w := dialWS(t, ls)
	defer w.c.Close(websocket.StatusNormalClosure, "")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for _, tc := range []struct {
		typ  websocket.MessageType
		msg  string
		code string
	}{
		{websocket.MessageBinary, `{"id":1,"method":"ping"}`, "08P01"},
		{websocket.MessageText, `{"id":1,"method":`, "22P02"},
		{websocket.MessageText, `[1,2]`, "22P02"},
		{websocket.MessageText, `{"id":2,"method":"query","params":{"sql":""}}`, "22023"},
		{websocket.MessageText, `{"id":3,"method":"query","params":{"sql":"SELEC 1"}}`, "42601"},
		{websocket.MessageText, `{"id":4,"method":"live","params":{"sql":"SELECT 1","since_lsn":"x"}}`, "22023"},
		{websocket.MessageText, `{"id":5,"method":"live","params":{"sql":"SELECT * FROM nope"}}`, "42P01"},
		{websocket.MessageText, `{"id":6,"method":"cancel","params":{"subscription_id":"live_9_9'"}}`, "42704"},
		{websocket.MessageText, `{"id":7,"method":"drop everything"}`, "42883"},
	} {
		if err := w.c.Write(ctx, tc.typ, []byte(tc.msg)); err != nil {
			t.Fatal(err)
		}
		m := w.read()
		e, _ := m["error"].(map[string]any)
		if e == nil || e["code"] != tc.code || e["message"] == "" {
			t.Errorf("%s: got %v, want error %s", tc.msg, m, tc.code)
		}
	}
	if r := w.call(8, "ping", nil); r["result"] != "pong" {
		t.Fatalf("connection unusable after bad input: %v", r)
	}
	big := make([]byte, wsMaxMessage+1)
	for i := range big {
		big[i] = ' '
	}
	_ = w.c.Write(ctx, websocket.MessageText, big)
	_, _, err := w.c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("oversized message: read error %v, want close status 1009", err)
	}
}

// wsReader is a WebSocket client whose messages are read by a goroutine
// (a Read whose context expires closes the socket, so a test that waits
// for nothing to arrive cannot read directly).
type wsReader struct {
	t    *testing.T
	c    *websocket.Conn
	msgs chan map[string]any
	id   int
	kept []map[string]any // read while waiting for a reply
}

func dialWSReader(t *testing.T, ls *liveServer) *wsReader {
	w := &wsReader{t: t, c: dialWS(t, ls).c, msgs: make(chan map[string]any, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := w.c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				w.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		w.c.Close(websocket.StatusNormalClosure, "")
		<-done
	})
	return w
}

// query runs sql on the socket's session and returns the result.
func (w *wsReader) query(sql string) map[string]any {
	w.t.Helper()
	w.id++
	b, _ := json.Marshal(map[string]any{"id": w.id, "method": "query", "params": map[string]any{"sql": sql}})
	if err := w.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
	timeout := time.After(testTimeout)
	for {
		select {
		case m := <-w.msgs:
			if id, ok := m["id"].(float64); ok && int(id) == w.id {
				if m["error"] != nil {
					w.t.Fatalf("%s: %v", sql, m["error"])
				}
				return m["result"].(map[string]any)
			}
			w.kept = append(w.kept, m)
		case <-timeout:
			w.t.Fatalf("%s: no reply", sql)
		}
	}
}

// notifications returns the LISTEN notifications ("channel:payload")
// kept and those arriving within d.
func (w *wsReader) notifications(d time.Duration) []string {
	var out []string
	take := func(m map[string]any) {
		if m["method"] == "notification" {
			p := m["params"].(map[string]any)
			out = append(out, p["channel"].(string)+":"+p["payload"].(string))
		}
	}
	for _, m := range w.kept {
		take(m)
	}
	w.kept = nil
	timeout := time.After(d)
	for {
		select {
		case m := <-w.msgs:
			take(m)
		case <-timeout:
			return out
		}
	}
}

// TestWebSocketListen: the socket has one session. LISTEN sent as a query
// makes it listen; state lasts across messages (a transaction block
// spans several); LISTEN notifications wait for the end of the block,
// and a LISTEN rolled back never took effect, as on pgwire.
func TestWebSocketListen(t *testing.T) {
	ls := newLiveServer(t)
	ls.sql(t, `CREATE TABLE o (id INT PRIMARY KEY)`)
	w := dialWSReader(t, ls)
	const wait = 300 * time.Millisecond
	check := func(step string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("%s: got %q, want %q", step, got, want)
		}
	}
	count := func() float64 {
		t.Helper()
		return w.query(`SELECT count(*) AS n FROM o`)["rows"].([]any)[0].([]any)[0].(float64)
	}

	w.query(`LISTEN ch`)
	ls.sql(t, `NOTIFY ch, 'one'`)
	check("after LISTEN", w.notifications(wait), "ch:one")

	w.query(`BEGIN`)
	w.query(`INSERT INTO o VALUES (1)`)
	w.query(`LISTEN ch2`)
	ls.sql(t, `NOTIFY ch, 'two'`)
	ls.sql(t, `NOTIFY ch2, 'three'`)
	check("inside the block", w.notifications(wait))
	if n := count(); n != 1 {
		t.Fatalf("the block's own insert: count %v", n)
	}
	w.query(`ROLLBACK`)
	check("at ROLLBACK", w.notifications(wait), "ch:two")
	if n := count(); n != 0 {
		t.Fatalf("after ROLLBACK: count %v", n)
	}
	ls.sql(t, `NOTIFY ch2, 'four'`)
	ls.sql(t, `NOTIFY ch, 'five'`)
	check("after the LISTEN rolled back", w.notifications(wait), "ch:five")

	w.query(`UNLISTEN *`)
	ls.sql(t, `NOTIFY ch, 'six'`)
	check("after UNLISTEN", w.notifications(wait))
}

// TestWebSocketLiveParameters: live takes params like query; they are
// typed as the query's parameters, and a wrong count is refused.
func TestWebSocketLiveParameters(t *testing.T) {
	ls := newLiveServer(t)
	ls.sql(t, `CREATE TABLE o (id INT PRIMARY KEY, total INT)`)
	w := dialWS(t, ls)
	defer w.c.Close(websocket.StatusNormalClosure, "")
	r := w.call(1, "live", map[string]any{"sql": "SELECT id FROM o WHERE total > $1", "params": []any{"10"}})
	if r["error"] != nil {
		t.Fatalf("live with params: %v", r)
	}
	ls.sql(t, `INSERT INTO o VALUES (1, 5), (2, 50), (3, 7), (4, 11)`)
	for _, want := range []string{"2", "4"} {
		if id, _ := w.nextLive(); id != want {
			t.Fatalf("push for row %s, want %s", id, want)
		}
	}
	r = w.call(2, "live", map[string]any{"sql": "SELECT id FROM o WHERE total > $1 AND id < $2", "params": []any{1}})
	if e, _ := r["error"].(map[string]any); e == nil || e["code"] != "08P01" {
		t.Fatalf("live with too few params: %v", r)
	}
}
