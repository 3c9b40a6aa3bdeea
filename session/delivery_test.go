package session

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
)

// hook is an in-process webhook receiver. respond decides the status of
// each request (n counts requests from 1); every request is recorded.
type hook struct {
	t       *testing.T
	srv     *httptest.Server
	secret  string
	mu      sync.Mutex
	reqs    int
	got     []hookReq // every request, accepted or not
	respond func(n int, ev map[string]any) int
}

type hookReq struct {
	stream    string
	replay    bool
	status    int
	partition int
	lsn       uint64
	rowID     string
	key       string // stream and idempotency key
	ev        map[string]any
}

func newHook(t *testing.T, secret string, respond func(n int, ev map[string]any) int) *hook {
	h := &hook{t: t, secret: secret, respond: respond}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		h.t.Errorf("webhook body is not a JSON object: %s", body)
		w.WriteHeader(500)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		h.t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	if h.secret != "" && !verifySignature(h.secret, r.Header.Get("X-NodeDB-Signature"), body) {
		h.t.Errorf("bad signature %q", r.Header.Get("X-NodeDB-Signature"))
	}
	part, _ := strconv.Atoi(r.Header.Get("X-Partition"))
	lsn, _ := strconv.ParseUint(r.Header.Get("X-LSN"), 10, 64)
	if uint64(ev["lsn"].(float64)) != lsn || int(ev["partition"].(float64)) != part {
		h.t.Errorf("headers X-LSN %d X-Partition %d disagree with the body %v", lsn, part, ev)
	}
	if want := fmt.Sprintf("%d:%d", part, lsn); r.Header.Get("X-Idempotency-Key") != want {
		h.t.Errorf("X-Idempotency-Key %q, want %q", r.Header.Get("X-Idempotency-Key"), want)
	}
	h.mu.Lock()
	h.reqs++
	n := h.reqs
	respond := h.respond
	h.mu.Unlock()
	status := respond(n, ev)
	h.mu.Lock()
	rowID, _ := ev["row_id"].(string)
	h.got = append(h.got, hookReq{stream: r.Header.Get("X-Stream-Name"), replay: r.Header.Get("X-NodeDB-Replay") == "true", status: status, partition: part, lsn: lsn, rowID: rowID,
		key: r.Header.Get("X-Stream-Name") + "|" + r.Header.Get("X-Idempotency-Key"), ev: ev})
	h.mu.Unlock()
	w.WriteHeader(status)
}

// verifySignature checks X-NodeDB-Signature the way docs/streams.md tells
// receivers to: recompute the HMAC over "<t>.<body>" and compare.
func verifySignature(secret, header string, body []byte) bool {
	var ts int64
	var v1 string
	if _, err := fmt.Sscanf(header, "t=%d,v1=%s", &ts, &v1); err != nil {
		return false
	}
	return event.Sign(secret, time.Unix(ts, 0), body) == header && time.Since(time.Unix(ts, 0)) < 5*time.Minute
}

// accepted returns the events the receiver accepted (2xx), de-duplicated
// on the idempotency key, and checks per-partition order: within a
// partition, accepted LSNs never go backwards except for re-deliveries of
// an already accepted key.
func (h *hook) accepted() map[string]hookReq {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]hookReq{}
	type sp struct {
		stream    string
		partition int
	}
	last := map[sp]uint64{}
	for _, r := range h.got {
		if r.status/100 != 2 {
			continue
		}
		if _, dup := out[r.key]; dup {
			continue
		}
		k := sp{r.stream, r.partition}
		if r.replay {
			out[r.key] = r // replays come out of order by design
			continue
		}
		if r.lsn <= last[k] {
			h.t.Errorf("stream %s partition %d: LSN %d accepted after %d", r.stream, r.partition, r.lsn, last[k])
		}
		last[k] = r.lsn
		out[r.key] = r
	}
	return out
}

// waitRows waits until the receiver accepted events for every row id.
func (h *hook) waitRows(ids ...string) map[string]hookReq {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		acc := h.accepted()
		have := map[string]bool{}
		for _, r := range acc {
			have[r.rowID] = true
		}
		missing := 0
		for _, id := range ids {
			if !have[id] {
				missing++
			}
		}
		if missing == 0 {
			return acc
		}
		if time.Now().After(deadline) {
			h.mu.Lock()
			h.t.Logf("requests: %+v", h.got)
			h.mu.Unlock()
			h.t.Fatalf("%d of %d rows never delivered (%d accepted)", missing, len(ids), len(acc))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fastRetries(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d / 50)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func openDelivery(t *testing.T, dir string) *tdb {
	t.Helper()
	db, err := OpenDB(DBConfig{Dir: dir, DeliverySleep: fastRetries})
	require.NoError(t, err)
	return &tdb{t: t, db: db, m: NewManager(db)}
}

func ids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

func TestWebhookRetriesUntilAccepted(t *testing.T) {
	h := newHook(t, "whsec_test", func(n int, _ map[string]any) int {
		if n <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, total INT)`)
	d.q(s, `INSERT INTO orders VALUES (0, 0)`) // before the stream: not delivered
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM oc ON orders WITH (URL = '%s', SECRET = 'whsec_test', RETRY = 5, TIMEOUT = '2s')`, h.srv.URL))
	for i := 1; i <= 60; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d, %d)`, i, i))
	}
	d.q(s, `UPDATE orders SET total = 100 WHERE id = 1`)
	acc := h.waitRows(ids(1, 60)...)
	ops := map[string]int{}
	for _, r := range acc {
		require.NotEqual(t, "0", r.rowID, "a row written before the stream was delivered")
		ops[r.ev["op"].(string)]++
	}
	require.Eventually(t, func() bool { return len(h.accepted()) == 61 }, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, map[string]int{"INSERT": 60, "UPDATE": 1}, func() map[string]int {
		m := map[string]int{}
		for _, r := range h.accepted() {
			m[r.ev["op"].(string)]++
		}
		return m
	}())
	// The receiver has answered the last request; the stream counts it
	// once the answer is back.
	var st map[string]any
	require.Eventually(t, func() bool {
		st = showRow(t, s, `SHOW CHANGE STREAMS`, "oc")
		n, _ := st["delivered"].(int64)
		return n >= 61
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, "webhook", st["delivery"])
	require.Equal(t, h.srv.URL, st["target"])
	require.GreaterOrEqual(t, st["retried"], int64(3))
	require.Equal(t, int64(0), st["dead_lettered"])
	require.Contains(t, st["last_error"], "HTTP 503")
	var found bool
	for _, ss := range d.db.StreamStats() {
		if ss.Name == "oc" {
			found = true
			require.NotNil(t, ss.Delivery)
			require.GreaterOrEqual(t, ss.Delivery.Delivered, uint64(61))
			require.GreaterOrEqual(t, ss.Delivery.Retried, uint64(3))
		}
	}
	require.True(t, found)
}

// showRow runs a SHOW and returns the row whose first column is key, by
// column name.
func showRow(t *testing.T, s *Session, sql, key string) map[string]any {
	t.Helper()
	r, err := run(s, sql)
	require.NoError(t, err)
	for _, row := range r.Rows {
		if row[0] == key {
			m := map[string]any{}
			for i, c := range r.Columns {
				m[c.Name] = row[i]
			}
			return m
		}
	}
	t.Fatalf("%s: no row %q", sql, key)
	return nil
}

// deadLetterCount counts a stream's dead letters.
func deadLetterCount(t *testing.T, s *Session, stream string) int {
	t.Helper()
	r, err := run(s, `SHOW DEAD LETTERS FOR STREAM `+stream)
	require.NoError(t, err)
	return len(r.Rows)
}

func TestWebhookDeadLetterAndReplay(t *testing.T) {
	var mu sync.Mutex
	refuse := "7"
	h := newHook(t, "", func(_ int, ev map[string]any) int {
		mu.Lock()
		defer mu.Unlock()
		if ev["row_id"] == refuse && ev["op"] == "INSERT" {
			return http.StatusBadRequest // permanent: dead-lettered at once
		}
		return http.StatusNoContent
	})
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM ts ON t WITH (WEBHOOK_URL = '%s', DELIVERY = 'webhook', RETRY = 2)`, h.srv.URL))
	for i := 1; i <= 20; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO t VALUES (%d)`, i))
	}
	var want []string
	for _, id := range ids(1, 20) {
		if id != "7" {
			want = append(want, id)
		}
	}
	h.waitRows(want...)
	require.Eventually(t, func() bool {
		return deadLetterCount(t, s, "ts") == 1
	}, 10*time.Second, 10*time.Millisecond)
	// A later event of row 7's partition still arrives: delivery moved on.
	d.q(s, `UPDATE t SET id = 7 WHERE id = 7`)
	require.Eventually(t, func() bool {
		for _, r := range h.accepted() {
			if r.rowID == "7" && r.ev["op"] == "UPDATE" {
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	r, err := run(s, `SHOW DEAD LETTERS FOR STREAM ts`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1)
	require.Equal(t, int64(1), r.Rows[0][4], "a 400 is not retried")
	require.Contains(t, r.Rows[0][3], "HTTP 400")
	require.Equal(t, "7", r.Rows[0][2].(map[string]any)["row_id"])

	mu.Lock()
	refuse = ""
	mu.Unlock()
	require.Equal(t, "", d.q(s, `REPLAY DEAD LETTERS FOR STREAM ts`))
	h.waitRows("7")
	require.Equal(t, 0, deadLetterCount(t, s, "ts"))

	// A receiver that keeps failing exhausts RETRY = 2 (3 attempts).
	h.mu.Lock()
	h.respond = func(_ int, ev map[string]any) int {
		if ev["row_id"] == "21" {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	h.mu.Unlock()
	d.q(s, `INSERT INTO t VALUES (21), (22)`)
	h.waitRows("22")
	require.Eventually(t, func() bool {
		r, err := run(s, `SHOW DEAD LETTERS FOR STREAM ts`)
		return err == nil && len(r.Rows) == 1 && r.Rows[0][4] == int64(3)
	}, 10*time.Second, 10*time.Millisecond)
	r, err = run(s, `PURGE DEAD LETTERS FOR STREAM ts`)
	require.NoError(t, err)
	require.Equal(t, "PURGE 1", r.Tag)
	require.Equal(t, 0, deadLetterCount(t, s, "ts"))
	d.fail(s, errs.UndefinedObject, `SHOW DEAD LETTERS FOR STREAM nope`)
}

func TestWebhookSlowReceiverTimesOut(t *testing.T) {
	h := newHook(t, "", func(n int, _ map[string]any) int {
		if n <= 2 {
			time.Sleep(400 * time.Millisecond) // beyond TIMEOUT
		}
		return http.StatusOK
	})
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION docs`)
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM ds ON docs WITH (URL = '%s', TIMEOUT = '100ms', RETRY = 3)`, h.srv.URL))
	d.q(s, `INSERT INTO docs { id: 'a', n: 1 }`)
	acc := h.waitRows("a")
	require.Len(t, acc, 1)
	h.mu.Lock()
	reqs := h.reqs
	h.mu.Unlock()
	require.GreaterOrEqual(t, reqs, 3, "two timed-out attempts, then the accepted one")
	require.Equal(t, 0, deadLetterCount(t, s, "ds"))
	st := showRow(t, s, `SHOW CHANGE STREAMS`, "ds")
	require.Equal(t, "active", st["delivery_state"])
	require.Contains(t, st["last_error"], "deadline exceeded")
}

// TestWebhookResumesAfterRestart stops the database while delivery is
// under way: after reopening, every event arrives (at least once), none
// is invented, and per-partition order holds.
func TestWebhookResumesAfterRestart(t *testing.T) {
	h := newHook(t, "", func(int, map[string]any) int {
		time.Sleep(2 * time.Millisecond)
		return http.StatusOK
	})
	dir := t.TempDir()
	d := openDelivery(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM ts ON t WITH (URL = '%s')`, h.srv.URL))
	for i := 1; i <= 300; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO t VALUES (%d)`, i))
	}
	s.Close()
	d.close()
	before := len(h.accepted())

	d = openDelivery(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	for i := 301; i <= 320; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO t VALUES (%d)`, i))
	}
	acc := h.waitRows(ids(1, 320)...)
	t.Logf("accepted before restart: %d; after: %d", before, len(acc))
	require.Len(t, acc, 320, "no event invented")
	for _, r := range acc {
		n, err := strconv.Atoi(r.rowID)
		require.NoError(t, err)
		require.True(t, n >= 1 && n <= 320)
	}
}

func TestWebhookPauseResumeAlter(t *testing.T) {
	h1 := newHook(t, "", func(int, map[string]any) int { return http.StatusOK })
	h2 := newHook(t, "s2", func(int, map[string]any) int { return http.StatusOK })
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(s, `CREATE CHANGE STREAM plain ON t`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (URL = 'ftp://x')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (DELIVERY = 'webhook')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (URL = 'http://x', RETRY = -1)`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (URL = 'http://x', TIMEOUT = 'soon')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (DELIVERY = 'kafka', BROKERS = 'h:9092')`)
	d.fail(s, errs.ObjectNotInState, `ALTER CHANGE STREAM plain PAUSE`)
	d.fail(s, errs.FeatureNotSupported, `ALTER CHANGE STREAM plain SET (INCLUDE = 'INSERT')`)
	d.fail(s, errs.UndefinedObject, `ALTER CHANGE STREAM nope PAUSE`)

	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM ts ON t WITH (URL = '%s')`, h1.srv.URL))
	d.q(s, `INSERT INTO t VALUES (1)`)
	h1.waitRows("1")
	d.q(s, `ALTER CHANGE STREAM ts PAUSE`)
	require.Equal(t, "paused", showRow(t, s, `SHOW CHANGE STREAMS`, "ts")["delivery_state"])
	d.q(s, `INSERT INTO t VALUES (2)`)
	time.Sleep(200 * time.Millisecond)
	require.Len(t, h1.accepted(), 1, "nothing is delivered while paused")
	d.q(s, `ALTER CHANGE STREAM ts RESUME`)
	h1.waitRows("2")
	// The receiver has row 2; its response may still be on the way. Once
	// the stream counts it delivered, its position is recorded before the
	// ALTER below restarts delivery (else row 2 would be sent again, as
	// at-least-once delivery does for a batch whose answer was lost).
	require.Eventually(t, func() bool {
		return showRow(t, s, `SHOW CHANGE STREAMS`, "ts")["delivered"] == int64(2)
	}, 10*time.Second, 5*time.Millisecond)

	d.q(s, fmt.Sprintf(`ALTER CHANGE STREAM ts SET (URL = '%s', SECRET = 's2')`, h2.srv.URL))
	d.q(s, `INSERT INTO t VALUES (3)`)
	h2.waitRows("3")
	require.Len(t, h1.accepted(), 2, "after ALTER the new URL gets the events")

	// Delivery added to an existing stream starts at the head.
	d.q(s, fmt.Sprintf(`ALTER CHANGE STREAM plain SET (URL = '%s', SECRET = 's2')`, h2.srv.URL))
	d.q(s, `INSERT INTO t VALUES (4)`)
	h2.waitRows("4")
	var acc map[string]hookReq
	require.Eventually(t, func() bool {
		acc = h2.accepted()
		n4 := 0
		for _, r := range acc {
			if r.rowID == "4" {
				n4++
			}
		}
		return n4 == 2
	}, 10*time.Second, 5*time.Millisecond, "both streams deliver row 4 to the second receiver")
	require.Len(t, acc, 3, "plain did not replay rows 1-3")

	d.q(s, `DROP CHANGE STREAM ts`)
	d.q(s, `DROP CHANGE STREAM plain`)
	require.Equal(t, "", d.q(s, `SHOW CHANGE STREAMS`))
}

// BenchmarkWebhookDelivery measures delivery alone: b.N rows committed
// while the stream is paused, then released to a local receiver.
func BenchmarkWebhookDelivery(b *testing.B) {
	var mu sync.Mutex
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	db, err := OpenDB(DBConfig{Dir: b.TempDir()})
	require.NoError(b, err)
	defer db.Close()
	s := NewManager(db).NewSession("admin", "db")
	defer s.Close()
	q := func(sql string) {
		_, err := run(s, sql)
		require.NoError(b, err, sql)
	}
	q(`CREATE TABLE t (id BIGINT PRIMARY KEY, v INT, note TEXT)`)
	q(fmt.Sprintf(`CREATE CHANGE STREAM ts ON t WITH (URL = '%s')`, srv.URL))
	q(`ALTER CHANGE STREAM ts PAUSE`)
	for i := 0; i < b.N; i += 500 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO t VALUES ")
		for j := i; j < min(i+500, b.N); j++ {
			if j > i {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "(%d, %d, 'row')", j, j)
		}
		q(sb.String())
	}
	b.ResetTimer()
	q(`ALTER CHANGE STREAM ts RESUME`)
	for {
		mu.Lock()
		n := got
		mu.Unlock()
		if n >= b.N {
			break
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkPublish measures topic publishing in batches of 1,000 (one op
// is one message).
func BenchmarkPublish(b *testing.B) {
	db, err := OpenDB(DBConfig{Dir: b.TempDir()})
	require.NoError(b, err)
	defer db.Close()
	s := NewManager(db).NewSession("admin", "db")
	defer s.Close()
	_, err = run(s, `CREATE TOPIC t`)
	require.NoError(b, err)
	msgs := make([]string, 1000)
	for i := range msgs {
		msgs[i] = fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("x", 100))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += len(msgs) {
		require.NoError(b, s.PublishMessages(context.Background(), "t", msgs[:min(len(msgs), b.N-i)]))
	}
}
