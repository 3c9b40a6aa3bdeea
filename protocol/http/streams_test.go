package http

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
)

// testTimeout bounds every wait in these tests; none of them asserts
// timing beyond it.
const testTimeout = 20 * time.Second

// liveServer is a real session.Manager behind a listening Server.
type liveServer struct {
	s      *Server
	base   string
	client *http.Client
	served chan error
}

func newLiveServer(t *testing.T) *liveServer {
	t.Helper()
	db, err := session.OpenDB(session.DBConfig{Dir: t.TempDir(), Durability: "sync", Logger: quietLogger})
	if err != nil {
		t.Fatalf("OpenDB: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	// A shutdown grace period longer than testTimeout: Close must end
	// long polls and event streams itself, not wait them out.
	// A WebSocket client that does not read (the slow-subscriber test)
	// keeps its connection while the machine is slow (-race, busy CI).
	s := NewServer(Config{Logger: quietLogger, Addr: "127.0.0.1:0", ShutdownTimeout: 2 * testTimeout, WSWriteTimeout: 2 * testTimeout},
		FromManager(session.NewManager(db)))
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ls := &liveServer{s: s, base: "http://" + s.Addr().String(), client: &http.Client{Transport: &http.Transport{}},
		served: make(chan error, 1)}
	go func() { ls.served <- s.Serve(context.Background()) }()
	t.Cleanup(func() {
		ls.client.CloseIdleConnections()
		_ = s.Close()
		if err := <-ls.served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return ls
}

// sql runs statements through POST /query and fails the test on an error.
func (ls *liveServer) sql(t *testing.T, sql string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"sql": sql})
	status, body := do(t, ls.s.Handler(), "POST", "/query", string(b))
	if status != 200 {
		t.Fatalf("%s: %d %s", sql, status, body)
	}
}

type pollAnswer struct {
	Events []struct {
		Sequence   uint64            `json:"sequence"`
		Partition  int               `json:"partition"`
		Collection string            `json:"collection"`
		Op         string            `json:"op"`
		RowID      string            `json:"row_id"`
		EventTime  int64             `json:"event_time"`
		LSN        uint64            `json:"lsn"`
		NewValue   map[string]any    `json:"new_value"`
		OldValue   map[string]any    `json:"old_value"`
		FieldDiffs []json.RawMessage `json:"field_diffs"`
	} `json:"events"`
	PartitionOffsets     map[string]uint64 `json:"partition_offsets"`
	Count                int               `json:"count"`
	EvictedSinceLastPoll *int              `json:"evicted_since_last_poll"`
	OldestAvailableLSN   *uint64           `json:"oldest_available_lsn"`
}

func (ls *liveServer) poll(t *testing.T, query string) pollAnswer {
	t.Helper()
	status, body := do(t, ls.s.Handler(), "GET", "/v1/streams/us/poll?"+query, "")
	if status != 200 {
		t.Fatalf("poll %s: %d %s", query, status, body)
	}
	var a pollAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("poll body %s: %v", body, err)
	}
	if a.Count != len(a.Events) || a.EvictedSinceLastPoll == nil || a.OldestAvailableLSN == nil || a.PartitionOffsets == nil {
		t.Fatalf("poll body misses fields: %s", body)
	}
	return a
}

func setupStream(t *testing.T, ls *liveServer) {
	t.Helper()
	ls.sql(t, `CREATE COLLECTION users`)
	ls.sql(t, `CREATE CHANGE STREAM us ON users`)
	ls.sql(t, `CREATE CONSUMER GROUP g ON us`)
}

func TestStreamPollEventsAndOffsets(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)
	h := ls.s.Handler()

	a := ls.poll(t, "group=g")
	if a.Count != 0 || len(a.PartitionOffsets) != 0 {
		t.Fatalf("empty stream polled %+v", a)
	}
	ls.sql(t, `INSERT INTO users { id: 'u1', name: 'Ann', age: 30 }`)
	ls.sql(t, `UPDATE users SET name = 'Anna' WHERE id = 'u1'`)
	ls.sql(t, `DELETE FROM users WHERE id = 'u1'`)

	a = ls.poll(t, "group=g&limit=10")
	if a.Count != 3 {
		t.Fatalf("count = %d, want 3: %+v", a.Count, a)
	}
	ins, upd, del := a.Events[0], a.Events[1], a.Events[2]
	if ins.Op != "INSERT" || upd.Op != "UPDATE" || del.Op != "DELETE" {
		t.Fatalf("ops = %s %s %s", ins.Op, upd.Op, del.Op)
	}
	for i, e := range a.Events {
		if e.RowID != "u1" || e.Collection != "users" || e.LSN == 0 || e.Sequence == 0 || e.EventTime == 0 {
			t.Errorf("event %d = %+v", i, e)
		}
		if i > 0 && e.LSN <= a.Events[i-1].LSN {
			t.Errorf("events not in LSN order: %d after %d", e.LSN, a.Events[i-1].LSN)
		}
		if e.Partition != ins.Partition {
			t.Errorf("one row in two partitions: %d and %d", ins.Partition, e.Partition)
		}
	}
	if ins.NewValue["name"] != "Ann" || ins.OldValue != nil || ins.FieldDiffs != nil {
		t.Errorf("INSERT values: new=%v old=%v diffs=%s", ins.NewValue, ins.OldValue, ins.FieldDiffs)
	}
	if upd.NewValue["name"] != "Anna" || upd.OldValue["name"] != "Ann" {
		t.Errorf("UPDATE values: new=%v old=%v", upd.NewValue, upd.OldValue)
	}
	if len(upd.FieldDiffs) != 1 || string(upd.FieldDiffs[0]) != `{"field":"name","op":"modified","old_value":"Ann","new_value":"Anna"}` {
		t.Errorf("UPDATE field_diffs = %s", upd.FieldDiffs)
	}
	if del.NewValue != nil || del.OldValue["name"] != "Anna" {
		t.Errorf("DELETE values: new=%v old=%v", del.NewValue, del.OldValue)
	}
	part := strconv.Itoa(ins.Partition)
	if len(a.PartitionOffsets) != 1 || a.PartitionOffsets[part] != del.LSN {
		t.Errorf("partition_offsets = %v, want {%s: %d}", a.PartitionOffsets, part, del.LSN)
	}

	// Reads never commit; limit and partition select.
	if a2 := ls.poll(t, "group=g&limit=1"); a2.Count != 1 || a2.Events[0].LSN != ins.LSN {
		t.Errorf("limit=1 after an uncommitted read = %+v", a2)
	}
	if a2 := ls.poll(t, "group=g&partition="+part); a2.Count != 3 {
		t.Errorf("partition=%s = %d events", part, a2.Count)
	}
	// after_lsn skips what the consumer has seen, committed or not.
	if a2 := ls.poll(t, fmt.Sprintf("group=g&after_lsn=%d", ins.LSN)); a2.Count != 2 || a2.Events[0].LSN != upd.LSN {
		t.Errorf("after_lsn=%d = %+v", ins.LSN, a2)
	}
	if a2 := ls.poll(t, fmt.Sprintf("group=g&after_lsn=%d", del.LSN)); a2.Count != 0 {
		t.Errorf("after_lsn=%d = %+v", del.LSN, a2)
	}
	other := strconv.Itoa((ins.Partition + 1) % 1024)
	if a2 := ls.poll(t, "group=g&partition="+other); a2.Count != 0 {
		t.Errorf("partition=%s = %d events", other, a2.Count)
	}

	// Commit the first two; the poll resumes after them.
	status, body := do(t, h, "POST", "/v1/streams/us/offsets?group=g",
		fmt.Sprintf(`{"partition_offsets": {%q: %d}}`, part, upd.LSN))
	if status != 200 || body != fmt.Sprintf(`{"status":"ok","partition_offsets":{%q:%d}}`+"\n", part, upd.LSN) {
		t.Fatalf("commit: %d %s", status, body)
	}
	if a2 := ls.poll(t, "group=g"); a2.Count != 1 || a2.Events[0].Op != "DELETE" {
		t.Fatalf("after commit = %+v", a2)
	}
	// The same offset again is fine; backwards is 22023.
	status, body = do(t, h, "POST", "/v1/streams/us/offsets?group=g",
		fmt.Sprintf(`{"partition_offsets": {%q: %d}}`, part, upd.LSN))
	if status != 200 {
		t.Errorf("same offset again: %d %s", status, body)
	}
	status, body = do(t, h, "POST", "/v1/streams/us/offsets?group=g",
		fmt.Sprintf(`{"partition_offsets": {%q: %d}}`, part, ins.LSN))
	if m := decodeObject(t, body); status != 400 || m["code"] != errs.InvalidParameterValue {
		t.Errorf("backwards commit: %d %s", status, body)
	}
	// Committing the poll's own partition_offsets acknowledges everything.
	b, _ := json.Marshal(map[string]any{"partition_offsets": a.PartitionOffsets})
	if status, body := do(t, h, "POST", "/v1/streams/us/offsets?group=g", string(b)); status != 200 {
		t.Fatalf("commit partition_offsets: %d %s", status, body)
	}
	// Sending it again (a retried request) succeeds: those positions are
	// at or below the floor that commit set, already acknowledged.
	if status, body := do(t, h, "POST", "/v1/streams/us/offsets?group=g", string(b)); status != 200 {
		t.Fatalf("the same commit again: %d %s", status, body)
	}
	if a2 := ls.poll(t, "group=g"); a2.Count != 0 {
		t.Errorf("after committing everything = %+v", a2)
	}
	// A short wait with nothing to read returns an empty answer.
	if a2 := ls.poll(t, "group=g&wait_ms=20"); a2.Count != 0 {
		t.Errorf("empty long poll = %+v", a2)
	}
}

func TestStreamLongPollWakesOnCommit(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)
	got := make(chan pollAnswer, 1)
	go func() {
		resp, err := ls.client.Get(ls.base + "/v1/streams/us/poll?group=g&wait_ms=60000")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		defer resp.Body.Close()
		var a pollAnswer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 {
			t.Errorf("long poll: %d %v", resp.StatusCode, err)
		}
		got <- a
	}()
	time.Sleep(20 * time.Millisecond) // let the poll start waiting (not required)
	ls.sql(t, `INSERT INTO users { id: 'u9', name: 'Zed' }`)
	select {
	case a := <-got:
		if a.Count != 1 || a.Events[0].RowID != "u9" || a.Events[0].Op != "INSERT" {
			t.Fatalf("long poll returned %+v", a)
		}
	case <-time.After(testTimeout):
		t.Fatal("long poll did not return after an INSERT committed")
	}
}

func TestStreamParamErrors(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)
	h := ls.s.Handler()
	tests := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/v1/streams/us/poll", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&limit=0", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&limit=x", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&partition=-1", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&partition=1024", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&wait_ms=-5", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&wait_ms=1s", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&after_lsn=-1", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/us/poll?group=g&consumer=", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/nope/poll?group=g", "", 404, errs.UndefinedObject},
		{"GET", "/v1/streams/us/poll?group=nope", "", 404, errs.UndefinedObject},
		{"GET", "/v1/streams/us/events", "", 400, errs.InvalidParameterValue},
		{"GET", "/v1/streams/nope/events?group=g", "", 404, errs.UndefinedObject},
		{"GET", "/v1/streams/us/events?group=nope", "", 404, errs.UndefinedObject},
		{"GET", "/v1/streams/us/events?group=g&consumer=", "", 400, errs.InvalidParameterValue},
		{"POST", "/v1/streams/us/offsets", `{"partition_offsets":{"1":1}}`, 400, errs.InvalidParameterValue},
		{"POST", "/v1/streams/nope/offsets?group=g", `{"partition_offsets":{"1":1}}`, 404, errs.UndefinedObject},
		{"POST", "/v1/streams/us/offsets?group=nope", `{"partition_offsets":{"1":1}}`, 404, errs.UndefinedObject},
		{"POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":{"x":1}}`, 400, errs.InvalidParameterValue},
		{"POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":{"1024":1}}`, 400, errs.InvalidParameterValue},
		{"POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":{"1":-1}}`, 400, errs.ProtocolViolation},
		{"POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":{"1":"2"}}`, 400, errs.ProtocolViolation},
		{"POST", "/v1/streams/us/offsets?group=g", `{"offsets":{"1":1}}`, 400, errs.ProtocolViolation},
		{"POST", "/v1/streams/us/offsets?group=g", `{}`, 400, errs.ProtocolViolation},
		{"POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":`, 400, errs.InvalidTextRep},
		{"POST", "/v1/streams/us/offsets?group=g", ``, 400, errs.ProtocolViolation},
	}
	for _, tt := range tests {
		status, body := do(t, h, tt.method, tt.path, tt.body)
		m := decodeObject(t, body)
		if status != tt.status || m["code"] != tt.code || m["error"] == "" {
			t.Errorf("%s %s %s: got %d %s, want %d %s", tt.method, tt.path, tt.body, status, body, tt.status, tt.code)
		}
	}
	// Last-Event-ID must be an id this API sent.
	status, body := do(t, h, "GET", "/v1/streams/us/events?group=g", "", func(r *http.Request) {
		r.Header.Set("Last-Event-ID", "garbage")
	})
	if m := decodeObject(t, body); status != 400 || m["code"] != errs.InvalidParameterValue {
		t.Errorf("bad Last-Event-ID: %d %s", status, body)
	}
}

// TestStreamNamedConsumers: members of a group named with consumer= split
// the partitions; together they read every event once.
func TestStreamNamedConsumers(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)
	var rows []string
	for i := range 100 {
		rows = append(rows, fmt.Sprintf("('k%d')", i))
	}
	ls.sql(t, `INSERT INTO users (id) VALUES `+strings.Join(rows, ", "))
	if a := ls.poll(t, "group=g&consumer=m1&limit=10000"); a.Count != 100 {
		t.Fatalf("a lone member reads everything: %d", a.Count)
	}
	ls.poll(t, "group=g&consumer=m2&limit=1") // m2 joins
	seen := map[uint64]bool{}
	for _, m := range []string{"m1", "m2"} {
		a := ls.poll(t, "group=g&consumer="+m+"&limit=10000")
		for _, e := range a.Events {
			if seen[e.LSN] {
				t.Fatalf("event %d read by two members", e.LSN)
			}
			seen[e.LSN] = true
			if (m == "m1") != (e.Partition < 512) {
				t.Errorf("member %s read partition %d", m, e.Partition)
			}
		}
	}
	if len(seen) != 100 {
		t.Errorf("members together read %d of 100 events", len(seen))
	}
}

func TestStreamAuth(t *testing.T) {
	s := newTestServer(t, &fakeBackend{}, Config{Password: "s3cret"})
	for _, path := range []string{"/v1/streams/us/poll?group=g", "/v1/streams/us/events?group=g"} {
		if status, body := do(t, s.Handler(), "GET", path, ""); status != 401 {
			t.Errorf("%s without credentials: %d %s", path, status, body)
		}
	}
	if status, body := do(t, s.Handler(), "POST", "/v1/streams/us/offsets?group=g", `{"partition_offsets":{}}`); status != 401 {
		t.Errorf("offsets without credentials: %d %s", status, body)
	}
}

// sseEvent is one Server-Sent Event as a client parses it.
type sseEvent struct{ event, id, data string }

// readSSE parses events from an event stream into a channel, skipping
// comments, until the stream ends.
func readSSE(resp *http.Response) <-chan sseEvent {
	ch := make(chan sseEvent, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "event: "):
				ev.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

func nextSSE(t *testing.T, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event stream ended")
		}
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no event")
	}
	return sseEvent{}
}

func (ls *liveServer) openSSE(t *testing.T, lastEventID string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	req, _ := http.NewRequest("GET", ls.base+"/v1/streams/us/events?group=g", nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := ls.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" ||
		resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("SSE answer %d %v", resp.StatusCode, resp.Header)
	}
	return resp, readSSE(resp)
}

func TestStreamSSE(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)

	resp, events := ls.openSSE(t, "")
	for i := 1; i <= 3; i++ {
		ls.sql(t, fmt.Sprintf(`INSERT INTO users { id: 'u%d', n: %d }`, i, i))
	}
	var got []sseEvent
	for i := 1; i <= 3; i++ {
		ev := nextSSE(t, events)
		var e struct {
			Op        string `json:"op"`
			RowID     string `json:"row_id"`
			Partition int    `json:"partition"`
			LSN       uint64 `json:"lsn"`
		}
		if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		if ev.event != "change" || e.Op != "INSERT" || e.RowID != fmt.Sprintf("u%d", i) ||
			ev.id != fmt.Sprintf("%d:%d", e.Partition, e.LSN) {
			t.Fatalf("event %d = %+v (%+v)", i, ev, e)
		}
		got = append(got, ev)
	}
	resp.Body.Close()
	for range events { // the reader ends with the connection
	}

	// Reconnect after the second: only the third comes, then new ones.
	resp, events = ls.openSSE(t, got[1].id)
	defer resp.Body.Close()
	if ev := nextSSE(t, events); ev.id != got[2].id || ev.data != got[2].data {
		t.Fatalf("after Last-Event-ID %s: %+v, want %+v", got[1].id, ev, got[2])
	}
	ls.sql(t, `INSERT INTO users { id: 'u4' }`)
	if ev := nextSSE(t, events); !strings.Contains(ev.data, `"row_id":"u4"`) {
		t.Fatalf("next event = %+v", ev)
	}
	// SSE reads never commit: a poll still sees all four.
	if a := ls.poll(t, "group=g"); a.Count != 4 {
		t.Errorf("poll after SSE = %d events", a.Count)
	}
}

func TestStreamSSEKeepalive(t *testing.T) {
	defer func(d time.Duration) { sseHeartbeatInterval = d }(sseHeartbeatInterval)
	sseHeartbeatInterval = 10 * time.Millisecond
	ls := newLiveServer(t)
	setupStream(t, ls)
	resp, err := ls.client.Get(ls.base + "/v1/streams/us/events?group=g")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == ": keepalive" {
			return
		}
		if sc.Text() != "" {
			t.Fatalf("unexpected line %q on an idle stream", sc.Text())
		}
	}
	t.Fatalf("stream ended without a keepalive: %v", sc.Err())
}

// TestCloseEndsEventStreams: Close returns promptly while SSE clients and
// long polls are connected, and their handlers end.
func TestCloseEndsEventStreams(t *testing.T) {
	ls := newLiveServer(t)
	setupStream(t, ls)
	resp, events := ls.openSSE(t, "")
	defer resp.Body.Close()
	pollDone := make(chan int, 1)
	go func() {
		resp, err := ls.client.Get(ls.base + "/v1/streams/us/poll?group=g&wait_ms=60000")
		if err != nil {
			pollDone <- -1
			return
		}
		resp.Body.Close()
		pollDone <- resp.StatusCode
	}()
	time.Sleep(20 * time.Millisecond) // let the long poll start (not required)
	closed := make(chan error, 1)
	go func() { closed <- ls.s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close = %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Close hangs with an SSE client connected")
	}
	for range events { // the stream ends
	}
	// The long poll ends with an (empty) answer, or, had it not reached the
	// server yet, is refused.
	if code := <-pollDone; code != 200 && code != 503 && code != -1 {
		t.Errorf("long poll during Close answered %d", code)
	}
}

func TestTopicHTTP(t *testing.T) {
	env := newLiveServer(t)
	env.sql(t, `CREATE TOPIC events`)
	env.sql(t, `CREATE CONSUMER GROUP g ON events`)
	for _, body := range []string{`plain text`, `{"a": 1}`, `["x", {"b": 2}]`} {
		resp, err := env.client.Post(env.base+"/v1/topics/events/publish", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("publish %s: %d", body, resp.StatusCode)
		}
	}
	resp, err := env.client.Post(env.base+"/v1/topics/nope/publish", "application/json", strings.NewReader(`1`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown topic: %d", resp.StatusCode)
	}
	resp, err = env.client.Get(env.base + "/v1/topics/events/poll?group=g")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Count  int `json:"count"`
		Events []struct {
			NewValue map[string]any `json:"new_value"`
		} `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Count != 4 {
		t.Fatalf("poll count %d, want 4", out.Count)
	}
	var payloads []string
	for _, e := range out.Events {
		b, _ := json.Marshal(e.NewValue["payload"])
		payloads = append(payloads, string(b))
	}
	want := `[{"message":"plain text"} {"a":1} {"message":"x"} {"b":2}]`
	if got := fmt.Sprint(payloads); got != want {
		t.Fatalf("payloads %s, want %s", got, want)
	}
}

// TestQueryNotices: the notices and warnings statements raise reach HTTP
// clients too, on /query, /query/stream and the WebSocket: a SHOW
// CHANGES cut at its cap says so, as it does on pgwire.
func TestQueryNotices(t *testing.T) {
	ls := newLiveServer(t)
	ls.sql(t, `CREATE TABLE o (id INT PRIMARY KEY)`)
	ls.sql(t, `INSERT INTO o VALUES (1)`)
	const q = `DROP TABLE IF EXISTS nope; SHOW CHANGES FOR o LIMIT 20000`
	b, _ := json.Marshal(map[string]string{"sql": q})
	for _, path := range []string{"/query", "/query/stream"} {
		status, body := do(t, ls.s.Handler(), "POST", path, string(b))
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		lines := strings.Split(strings.TrimSpace(body), "\n")
		var out struct {
			Rows    [][]any `json:"rows"`
			Notices []struct {
				Severity, Code, Message string
			} `json:"notices"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
		if len(out.Notices) != 2 || out.Notices[0].Severity != "NOTICE" || out.Notices[1].Severity != "WARNING" ||
			!strings.Contains(out.Notices[1].Message, "at most 10000 changes") {
			t.Fatalf("%s: notices %+v", path, out.Notices)
		}
	}
	w := dialWSReader(t, ls)
	r := w.query(q)
	if ns, _ := r["notices"].([]any); len(ns) != 2 {
		t.Fatalf("websocket: notices %v", r["notices"])
	}
}
