//go:build unix

package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashKill9Kafka runs the insert kill loop over a table whose change
// stream is delivered, with TRANSACTIONAL = 'true', to a Kafka cluster in
// this process (kfake). A SIGKILL can land anywhere, also between the
// Kafka commit and nodedb's commit of its delivery positions. After every
// restart, once the rows' fates are resolved, it waits until a
// read_committed consumer has an INSERT event for every durable row and
// checks that
//
//   - every event (partition, LSN) was read exactly once: no duplicates
//     from retries, restarts or crashes;
//   - no event arrived for a row that is not durable;
//   - within a Kafka partition, the events of one nodedb partition come in
//     increasing LSN order.
func TestCrashKill9Kafka(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 10)
	seed := testSeed(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "rows"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cons, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("rows"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	w := &kafkaWorkload{tableWorkload: newTableWorkload(8, seed), brokers: strings.Join(c.ListenAddrs(), ","), cons: cons,
		seen: map[string]int{}, rows: map[string]int{}, last: map[string]uint64{}}
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

type kafkaWorkload struct {
	*tableWorkload
	brokers string
	cons    *kgo.Client
	records int
	dups    []string          // events read more than once
	order   []string          // order violations
	seen    map[string]int    // partition:lsn → times read
	rows    map[string]int    // row_id → INSERT events read
	last    map[string]uint64 // kafka partition/nodedb partition → highest LSN
}

func (w *kafkaWorkload) setup(t *testing.T, conn *pgx.Conn) {
	w.tableWorkload.setup(t, conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := fmt.Sprintf(`CREATE CHANGE STREAM ks ON t WITH (DELIVERY = 'kafka', BROKERS = '%s', TOPIC = 'rows', TRANSACTIONAL = 'true', BATCH = 20)`, w.brokers)
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("create stream: %v", err)
	}
}

// poll reads what the consumer has within d.
func (w *kafkaWorkload) poll(t *testing.T, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	w.cons.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
		w.records++
		var ev struct {
			Op        string `json:"op"`
			RowID     string `json:"row_id"`
			Partition int    `json:"partition"`
			LSN       uint64 `json:"lsn"`
		}
		if err := json.Unmarshal(r.Value, &ev); err != nil {
			t.Errorf("record value is not an event: %s", r.Value)
			return
		}
		key := strconv.Itoa(ev.Partition) + ":" + strconv.FormatUint(ev.LSN, 10)
		w.seen[key]++
		if w.seen[key] > 1 {
			w.dups = append(w.dups, fmt.Sprintf("event %s (row %s) read %d times", key, ev.RowID, w.seen[key]))
			return
		}
		pk := fmt.Sprintf("%d/%d", r.Partition, ev.Partition)
		if ev.LSN <= w.last[pk] {
			w.order = append(w.order, fmt.Sprintf("kafka partition %d, partition %d: LSN %d after %d", r.Partition, ev.Partition, ev.LSN, w.last[pk]))
		}
		w.last[pk] = ev.LSN
		if ev.Op == "INSERT" {
			w.rows[ev.RowID]++
		}
	})
}

// verify resolves the rows, then waits for delivery to catch up and checks
// what the consumer read.
func (w *kafkaWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
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
		missing := 0
		for id := range durable {
			if w.rows[id] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d durable rows were never delivered", what, missing, len(durable))
		}
		w.poll(t, 100*time.Millisecond)
	}
	w.poll(t, 200*time.Millisecond) // a duplicate on its way arrives now
	errs := &errorList{t: t, what: what, limit: 10}
	for id, n := range w.rows {
		switch {
		case !known[id]:
			errs.add("event for row %s, which was never written", id)
		case !durable[id]:
			errs.add("event for row %s, which is not durable", id)
		case n > 1:
			errs.add("row %s: %d INSERT events", id, n)
		}
	}
	for _, d := range w.dups {
		errs.add("%s", d)
	}
	for _, o := range w.order {
		errs.add("%s", o)
	}
	errs.done()
	w.dups, w.order = nil, nil
}

func (w *kafkaWorkload) summary() string {
	return fmt.Sprintf("%s; kafka: %d records, %d distinct events", w.tableWorkload.summary(), w.records, len(w.seen))
}
