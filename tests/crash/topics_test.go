//go:build unix

package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9Topics runs the kill loop over a durable topic. Seven
// clients publish messages {"c": client, "s": seq}: most in autocommit,
// some two in a committed transaction, some in a transaction they roll
// back. The eighth consumes with a consumer group, committing its offsets
// after every read. After every restart a new group reads the topic's
// whole history, and the test checks that
//
//   - every acknowledged message is there exactly once, with its payload;
//     no rolled-back message, and nothing that was never published, ever is;
//   - a transaction's messages are all there or none is;
//   - LSNs are unique, and each client's messages have increasing LSNs in
//     the order it published them;
//   - history only grows: a message once seen stays, one found missing
//     after a crash never shows up later;
//   - the consumer is never given a message at or below an offset it
//     committed and was told so, and everything it was given is in the
//     history, unchanged.
func TestCrashKill9Topics(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 10)
	seed := testSeed(t)
	w := newTopicWorkload(8, seed)
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

const (
	msgAttempted    = iota // sent (or about to be); outcome unknown
	msgAcked               // the server acknowledged it
	msgNotCommitted        // its transaction never reached COMMIT, or rolled back
	msgPresent             // found after a crash (outcome was unknown)
	msgAbsent              // found missing after a crash (outcome was unknown)
)

type topicMsg struct {
	state    int
	rollback bool  // published in a transaction that was rolled back
	txnFirst int32 // 1-based seq of its transaction's first message; 0: autocommit
	lsn      int64 // once seen
}

type topicPublisher struct {
	num  int
	rng  *rand.Rand
	msgs []topicMsg // index seq-1
}

type topicWorkload struct {
	pubs []*topicPublisher

	// The consumer's state; its goroutine is the only writer while the
	// load runs, verify reads it between loads.
	mu        sync.Mutex
	committed map[int32]int64  // partition -> highest LSN covered by an acknowledged COMMIT OFFSETS
	pending   map[int32]int64  // partition -> highest LSN read since the last commit
	given     map[int64][2]int // LSN -> (client, seq) of what the consumer was given
	bad       []string         // messages given at or below an acknowledged commit
	reads     int
	audits    int
}

func newTopicWorkload(clients int, seed int64) *topicWorkload {
	w := &topicWorkload{committed: map[int32]int64{}, pending: map[int32]int64{}, given: map[int64][2]int{}}
	for c := 0; c < clients-1; c++ {
		w.pubs = append(w.pubs, &topicPublisher{num: c + 1, rng: rand.New(rand.NewSource(seed + int64(c)))})
	}
	return w
}

func (w *topicWorkload) clients() int { return len(w.pubs) + 1 }

func (w *topicWorkload) setup(t *testing.T, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{`CREATE TOPIC tp`, `CREATE CONSUMER GROUP worker ON tp`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func msgPayload(c, s int) string { return fmt.Sprintf(`{"c":%d,"s":%d}`, c, s) }

func (w *topicWorkload) run(ctx context.Context, conn *pgx.Conn, c int, stop func() bool) error {
	if c == len(w.pubs) {
		return w.consume(ctx, conn, stop)
	}
	p := w.pubs[c]
	for !stop() {
		var err error
		switch r := p.rng.Intn(10); {
		case r < 7:
			err = p.publishOne(ctx, conn)
		default:
			err = p.publishTxn(ctx, conn, r == 9)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *topicPublisher) next(txnFirst int32, rollback bool) int {
	p.msgs = append(p.msgs, topicMsg{state: msgAttempted, txnFirst: txnFirst, rollback: rollback})
	return len(p.msgs)
}

func (p *topicPublisher) publishOne(ctx context.Context, conn *pgx.Conn) error {
	seq := p.next(0, false)
	if _, err := conn.Exec(ctx, `PUBLISH TO tp $1`, msgPayload(p.num, seq)); err != nil {
		return fmt.Errorf("publish %d/%d: %w", p.num, seq, err)
	}
	p.msgs[seq-1].state = msgAcked
	return nil
}

// publishTxn publishes two messages in a transaction and commits it, or,
// with rollback, one message and rolls back.
func (p *topicPublisher) publishTxn(ctx context.Context, conn *pgx.Conn, rollback bool) error {
	first := int32(len(p.msgs) + 1)
	n := 2
	if rollback {
		n = 1
	}
	var seqs []int
	for range n {
		seqs = append(seqs, p.next(first, rollback))
	}
	notCommitted := func() {
		for _, s := range seqs {
			p.msgs[s-1].state = msgNotCommitted
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		notCommitted()
		return fmt.Errorf("begin: %w", err)
	}
	for _, s := range seqs {
		if _, err := tx.Exec(ctx, `PUBLISH TO tp $1`, msgPayload(p.num, s)); err != nil {
			notCommitted()
			_ = tx.Rollback(context.Background())
			return fmt.Errorf("publish %d/%d in a transaction: %w", p.num, s, err)
		}
	}
	if rollback {
		notCommitted()
		if err := tx.Rollback(ctx); err != nil {
			return fmt.Errorf("rollback: %w", err)
		}
		return nil
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit %d/%d..%d: %w", p.num, seqs[0], seqs[len(seqs)-1], err) // outcome unknown
	}
	for _, s := range seqs {
		p.msgs[s-1].state = msgAcked
	}
	return nil
}

// consume reads batches with the group and commits after each one.
func (w *topicWorkload) consume(ctx context.Context, conn *pgx.Conn, stop func() bool) error {
	for !stop() {
		rows, err := conn.Query(ctx, `SELECT partition, lsn, payload::text FROM TOPIC tp CONSUMER GROUP worker LIMIT 200`)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		n := 0
		w.mu.Lock()
		for rows.Next() {
			var part int32
			var lsn int64
			var payload string
			if err := rows.Scan(&part, &lsn, &payload); err != nil {
				w.mu.Unlock()
				rows.Close()
				return fmt.Errorf("scan: %w", err)
			}
			var m struct{ C, S int }
			_ = json.Unmarshal([]byte(payload), &m)
			if c := w.committed[part]; lsn <= c {
				w.bad = append(w.bad, fmt.Sprintf("LSN %d of partition %d (%s), at or below its acknowledged commit %d", lsn, part, payload, c))
			}
			w.pending[part] = max(w.pending[part], lsn)
			w.given[lsn] = [2]int{m.C, m.S}
			n++
		}
		w.reads++
		w.mu.Unlock()
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n == 0 {
			time.Sleep(2 * time.Millisecond)
			continue
		}
		if _, err := conn.Exec(ctx, `COMMIT OFFSETS ON tp CONSUMER GROUP worker`); err != nil {
			return fmt.Errorf("commit offsets: %w", err)
		}
		w.mu.Lock()
		for part, lsn := range w.pending {
			w.committed[part] = max(w.committed[part], lsn)
		}
		clear(w.pending)
		w.mu.Unlock()
	}
	return nil
}

// topicRecord is one message of the history: its publisher and seq.
type topicRecord struct{ c, s int }

// history reads the whole topic with a new group.
func (w *topicWorkload) history(t *testing.T, conn *pgx.Conn, what string) map[int64]topicRecord {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	w.audits++
	group := fmt.Sprintf("audit%d", w.audits)
	if _, err := conn.Exec(ctx, `CREATE CONSUMER GROUP `+group+` ON tp`); err != nil {
		t.Fatalf("%s: create group: %v", what, err)
	}
	out := map[int64]topicRecord{}
	for {
		rows, err := conn.Query(ctx, `SELECT lsn, payload::text FROM TOPIC tp CONSUMER GROUP `+group+` LIMIT 5000`)
		if err != nil {
			t.Fatalf("%s: read history: %v", what, err)
		}
		n := 0
		for rows.Next() {
			var lsn int64
			var payload string
			if err := rows.Scan(&lsn, &payload); err != nil {
				t.Fatalf("%s: scan: %v", what, err)
			}
			var m struct{ C, S int }
			if err := json.Unmarshal([]byte(payload), &m); err != nil || m.C == 0 || m.S == 0 {
				t.Fatalf("%s: LSN %d has payload %q, which no client published", what, lsn, payload)
			}
			if _, dup := out[lsn]; dup {
				t.Fatalf("%s: LSN %d read twice by one group", what, lsn)
			}
			out[lsn] = topicRecord{c: m.C, s: m.S}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: read history: %v", what, err)
		}
		if n == 0 {
			return out
		}
		if _, err := conn.Exec(ctx, `COMMIT OFFSETS ON tp CONSUMER GROUP `+group); err != nil {
			t.Fatalf("%s: commit: %v", what, err)
		}
	}
}

func (w *topicWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	hist := w.history(t, conn, what)
	errs := &errorList{t: t, what: what, limit: 10}
	defer errs.done()
	seen := map[[2]int]int64{} // (client, seq) -> LSN
	for lsn, r := range hist {
		if r.c < 1 || r.c > len(w.pubs) || r.s > len(w.pubs[r.c-1].msgs) {
			errs.add("message %d/%d at LSN %d was never published", r.c, r.s, lsn)
			continue
		}
		if prev, dup := seen[[2]int{r.c, r.s}]; dup {
			errs.add("message %d/%d is in the history twice (LSNs %d and %d)", r.c, r.s, prev, lsn)
		}
		seen[[2]int{r.c, r.s}] = lsn
	}
	for _, p := range w.pubs {
		var lastLSN int64
		lastSeq := 0
		for i := range p.msgs {
			m, seq := &p.msgs[i], i+1
			lsn, present := seen[[2]int{p.num, seq}]
			switch {
			case m.rollback && present:
				errs.add("message %d/%d was rolled back but is in the history (LSN %d)", p.num, seq, lsn)
			case m.state == msgAcked && !present:
				errs.add("message %d/%d was acknowledged but is missing", p.num, seq)
			case m.state == msgNotCommitted && present:
				errs.add("message %d/%d never reached COMMIT but is in the history (LSN %d)", p.num, seq, lsn)
			case m.state == msgPresent && !present:
				errs.add("message %d/%d was in the history after an earlier crash and is gone", p.num, seq)
			case m.state == msgAbsent && present:
				errs.add("message %d/%d was missing after an earlier crash and showed up later (LSN %d)", p.num, seq, lsn)
			}
			if present {
				if m.lsn != 0 && m.lsn != lsn {
					errs.add("message %d/%d moved from LSN %d to %d", p.num, seq, m.lsn, lsn)
				}
				m.lsn = lsn
				if lsn <= lastLSN {
					errs.add("message %d/%d has LSN %d, not above message %d/%d's %d", p.num, seq, lsn, p.num, lastSeq, lastLSN)
				}
				lastLSN, lastSeq = lsn, seq
			}
			// A transaction's messages share one fate.
			if m.txnFirst != 0 && int(m.txnFirst) != seq {
				if _, firstPresent := seen[[2]int{p.num, int(m.txnFirst)}]; firstPresent != present {
					errs.add("message %d/%d and %d/%d of one transaction: one is in the history, the other not", p.num, m.txnFirst, p.num, seq)
				}
			}
			// Outcomes that were unknown are settled by what recovery shows.
			if m.state == msgAttempted {
				if present {
					m.state = msgPresent
				} else {
					m.state = msgAbsent
				}
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.bad {
		errs.add("the consumer was given %s", b)
	}
	w.bad = nil
	for lsn, m := range w.given {
		r, ok := hist[lsn]
		if !ok {
			errs.add("the consumer was given LSN %d (message %d/%d), which is not in the history", lsn, m[0], m[1])
			continue
		}
		if m != [2]int{r.c, r.s} {
			errs.add("the consumer was given message %d/%d at LSN %d, the history holds %d/%d", m[0], m[1], lsn, r.c, r.s)
		}
	}
	// What it read but did not get to commit may come again after a crash.
	clear(w.pending)
}

func (w *topicWorkload) summary() string {
	var acked, present, absent, rolled int
	for _, p := range w.pubs {
		for _, m := range p.msgs {
			switch {
			case m.rollback:
				rolled++
			case m.state == msgAcked:
				acked++
			case m.state == msgPresent:
				present++
			case m.state == msgAbsent || m.state == msgNotCommitted:
				absent++
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprintf("%d messages acknowledged, %d in flight at a crash kept and %d lost or never committed, %d rolled back; consumer given %d in %d reads",
		acked, present, absent, rolled, len(w.given), w.reads)
}
