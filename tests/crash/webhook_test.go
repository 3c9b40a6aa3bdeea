//go:build unix

package crash

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9Webhook runs the insert kill loop over a table whose change
// stream is delivered to a webhook receiver in this process (which refuses
// one request in twenty with a 503, so retries happen too). After every
// restart, once the rows' fates are resolved, it waits until the receiver
// has accepted an INSERT event for every durable row and checks that
//
//   - no event arrived for a row that is not durable (nothing invented,
//     nothing delivered before it was durable);
//   - within a partition, events the receiver sees for the first time come
//     in increasing LSN order (re-deliveries after a crash are allowed:
//     delivery is at least once);
//   - every accepted request verifies against the stream's secret.
func TestCrashKill9Webhook(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 10)
	seed := testSeed(t)
	rcv := newReceiver(seed)
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	w := &webhookWorkload{tableWorkload: newTableWorkload(8, seed), rcv: rcv, url: srv.URL}
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

const whSecret = "whsec_crash"

// receiver accepts webhook requests, refusing some at random.
type receiver struct {
	mu        sync.Mutex
	rng       *rand.Rand
	requests  int
	refused   int
	badSig    int
	dups      int
	seen      map[string]bool   // partition:lsn accepted at least once
	rows      map[string]int    // row_id → INSERT events accepted (first time)
	lastNew   map[int]uint64    // partition → highest LSN first seen
	order     []string          // order violations
	firstSeen map[string]uint64 // row_id → LSN of its INSERT
}

func newReceiver(seed int64) *receiver {
	return &receiver{rng: rand.New(rand.NewSource(seed)), seen: map[string]bool{}, rows: map[string]int{},
		lastNew: map[int]uint64{}, firstSeen: map[string]uint64{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.rng.Intn(20) == 0 {
		r.refused++
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var ts int64
	var sig string
	if _, err := fmt.Sscanf(req.Header.Get("X-NodeDB-Signature"), "t=%d,v1=%s", &ts, &sig); err != nil ||
		signature(whSecret, ts, body) != sig {
		r.badSig++
	}
	var ev struct {
		Op        string `json:"op"`
		RowID     string `json:"row_id"`
		Partition int    `json:"partition"`
		LSN       uint64 `json:"lsn"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		r.badSig++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	key := strconv.Itoa(ev.Partition) + ":" + strconv.FormatUint(ev.LSN, 10)
	if r.seen[key] {
		r.dups++
		w.WriteHeader(http.StatusOK)
		return
	}
	r.seen[key] = true
	if ev.LSN <= r.lastNew[ev.Partition] {
		r.order = append(r.order, fmt.Sprintf("partition %d: new LSN %d after %d", ev.Partition, ev.LSN, r.lastNew[ev.Partition]))
	}
	r.lastNew[ev.Partition] = ev.LSN
	if ev.Op == "INSERT" {
		r.rows[ev.RowID]++
		r.firstSeen[ev.RowID] = ev.LSN
	}
	w.WriteHeader(http.StatusOK)
}

type webhookWorkload struct {
	*tableWorkload
	rcv *receiver
	url string
}

func (w *webhookWorkload) setup(t *testing.T, conn *pgx.Conn) {
	w.tableWorkload.setup(t, conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := fmt.Sprintf(`CREATE CHANGE STREAM wh ON t WITH (URL = '%s', SECRET = '%s', RETRY = 100, TIMEOUT = '2s')`, w.url, whSecret)
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("create stream: %v", err)
	}
}

// verify resolves the rows, then waits for delivery to catch up and checks
// what the receiver got.
func (w *webhookWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	w.tableWorkload.verify(t, conn, what)
	durable := map[string]bool{}
	known := map[string]bool{}
	for _, cl := range w.cl {
		for i, r := range cl.rows {
			id := strconv.FormatInt(int64(cl.num)*clientIDBase+int64(i+1), 10)
			known[id] = true
			if r.state == stDurable {
				durable[id] = true
			}
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		w.rcv.mu.Lock()
		missing := 0
		for id := range durable {
			if w.rcv.rows[id] == 0 {
				missing++
			}
		}
		w.rcv.mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d durable rows were never delivered", what, missing, len(durable))
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.rcv.mu.Lock()
	defer w.rcv.mu.Unlock()
	errs := &errorList{t: t, what: what, limit: 10}
	for id, n := range w.rcv.rows {
		switch {
		case !known[id]:
			errs.add("event for row %s, which was never written", id)
		case !durable[id]:
			errs.add("event for row %s, which is not durable", id)
		case n > 1:
			errs.add("row %s: %d different INSERT events", id, n)
		}
	}
	for _, o := range w.rcv.order {
		errs.add("%s", o)
	}
	if w.rcv.badSig > 0 {
		errs.add("%d requests with a bad signature or body", w.rcv.badSig)
	}
	errs.done()
	w.rcv.order = nil
}

func (w *webhookWorkload) summary() string {
	w.rcv.mu.Lock()
	defer w.rcv.mu.Unlock()
	return fmt.Sprintf("%s; webhook: %d requests, %d refused, %d events, %d re-deliveries",
		w.tableWorkload.summary(), w.rcv.requests, w.rcv.refused, len(w.rcv.seen), w.rcv.dups)
}

// signature computes v1 as docs/streams.md tells receivers to.
func signature(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
