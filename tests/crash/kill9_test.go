//go:build unix

package crash

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9 SIGKILLs a server under concurrent insert load (autocommit
// inserts and three-row transactions), restarts it on the same data
// directory and checks, after every restart, that every acknowledged row is
// there with its exact contents, that no row appears that was never
// attempted, that transactions are all-or-nothing, and that a row's fate,
// once observed after a recovery, never changes.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 20)
	seed := testSeed(t)
	w := newTableWorkload(16, seed)
	runKillLoop(t, w, kills, seed)
	t.Logf("final: %s", w.summary())
}

const clientIDBase = 1_000_000_000 // id = client*clientIDBase + seq

// Row states. A row moves attempted → acked when the server acknowledges
// it, and every recovery resolves attempted/acked rows to durable or gone.
const (
	stAttempted    uint8 = iota // sent; outcome unknown (possibly in flight)
	stNotCommitted              // part of a transaction whose COMMIT was never sent: must be absent
	stAcked                     // acknowledged, not yet seen after a recovery: must be present
	stDurable                   // acknowledged or seen after a recovery: must stay present
	stGone                      // unacknowledged and absent after a recovery: must stay absent
)

type tableRow struct {
	state    uint8
	txnFirst int32 // first seq of the row's transaction; 0 for autocommit rows
}

type tableClient struct {
	num  int // 1-based; ids are num*clientIDBase + seq
	rng  *rand.Rand
	txns bool       // this client mixes in three-row transactions
	rows []tableRow // rows[seq-1]
}

type tableWorkload struct {
	cl []*tableClient

	// stats of the last verification
	lastPresent, lastCommittedUnacked, lastGone int
}

func newTableWorkload(n int, seed int64) *tableWorkload {
	w := &tableWorkload{}
	for i := range n {
		w.cl = append(w.cl, &tableClient{
			num:  i + 1,
			rng:  rand.New(rand.NewSource(seed + int64(i)*7919)),
			txns: i%2 == 1,
		})
	}
	return w
}

func payloadFor(client, seq int) string {
	return fmt.Sprintf("c%d/s%d/", client, seq) + strings.Repeat(string(rune('a'+seq%26)), seq%97)
}

func (w *tableWorkload) clients() int { return len(w.cl) }

func (w *tableWorkload) setup(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id BIGINT PRIMARY KEY, client INT, seq INT, payload TEXT)"); err != nil {
		t.Fatalf("create table: %v", err)
	}
}

const insertSQL = "INSERT INTO t (id, client, seq, payload) VALUES ($1, $2, $3, $4)"

func (w *tableWorkload) run(ctx context.Context, conn *pgx.Conn, c int, stop func() bool) error {
	cl := w.cl[c]
	for !stop() {
		var err error
		if cl.txns && cl.rng.Intn(3) == 0 {
			err = cl.insertTxn(ctx, conn)
		} else {
			err = cl.insertOne(ctx, conn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (cl *tableClient) next(txnFirst int32) int {
	cl.rows = append(cl.rows, tableRow{state: stAttempted, txnFirst: txnFirst})
	return len(cl.rows)
}

func (cl *tableClient) insertOne(ctx context.Context, conn *pgx.Conn) error {
	seq := cl.next(0)
	id := int64(cl.num)*clientIDBase + int64(seq)
	tag, err := conn.Exec(ctx, insertSQL, id, cl.num, seq, payloadFor(cl.num, seq))
	if err != nil {
		return fmt.Errorf("insert id %d: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("insert id %d: command tag %q, want INSERT 0 1", id, tag.String())
	}
	cl.rows[seq-1].state = stAcked
	return nil
}

func (cl *tableClient) insertTxn(ctx context.Context, conn *pgx.Conn) error {
	first := int32(len(cl.rows) + 1)
	seqs := []int{cl.next(first), cl.next(first), cl.next(first)}
	markNotCommitted := func() {
		for _, s := range seqs {
			cl.rows[s-1].state = stNotCommitted
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		markNotCommitted()
		return fmt.Errorf("begin: %w", err)
	}
	for _, seq := range seqs {
		id := int64(cl.num)*clientIDBase + int64(seq)
		if _, err := tx.Exec(ctx, insertSQL, id, cl.num, seq, payloadFor(cl.num, seq)); err != nil {
			markNotCommitted()
			_ = tx.Rollback(context.Background())
			return fmt.Errorf("insert id %d in transaction: %w", id, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		// COMMIT was sent (or about to be): outcome unknown.
		return fmt.Errorf("commit transaction of ids %d..%d: %w",
			int64(cl.num)*clientIDBase+int64(seqs[0]), int64(cl.num)*clientIDBase+int64(seqs[2]), err)
	}
	for _, s := range seqs {
		cl.rows[s-1].state = stAcked
	}
	return nil
}

type foundRow struct {
	client, seq int64
	payload     string
}

func (w *tableWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	errs := &errorList{t: t, what: what, limit: 20}
	defer errs.done()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Full scan.
	found := make(map[int64]foundRow)
	rows, err := conn.Query(ctx, "SELECT id, client, seq, payload FROM t")
	if err != nil {
		t.Fatalf("%s: scan: %v", what, err)
	}
	for rows.Next() {
		var id int64
		var r foundRow
		if err := rows.Scan(&id, &r.client, &r.seq, &r.payload); err != nil {
			t.Fatalf("%s: scan row: %v", what, err)
		}
		if _, dup := found[id]; dup {
			errs.add("full scan returned id %d twice", id)
		}
		found[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: scan: %v", what, err)
	}

	var count int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&count); err != nil {
		t.Fatalf("%s: count: %v", what, err)
	}
	if count != int64(len(found)) {
		errs.add("count(*) = %d but the full scan returned %d rows", count, len(found))
	}

	// Every row found must have been attempted, with the exact contents.
	for id, r := range found {
		c, seq := id/clientIDBase, id%clientIDBase
		if c < 1 || int(c) > len(w.cl) || seq < 1 || int(seq) > len(w.cl[c-1].rows) {
			errs.add("row id %d exists but was never attempted (client %d, seq %d)", id, r.client, r.seq)
			continue
		}
		if r.client != c || r.seq != seq || r.payload != payloadFor(int(c), int(seq)) {
			errs.add("row id %d has client=%d seq=%d payload=%q, want client=%d seq=%d payload=%q",
				id, r.client, r.seq, r.payload, c, seq, payloadFor(int(c), int(seq)))
		}
	}

	// Every acknowledged row must be there; rows whose fate was already
	// observed must not change it; transactions are all-or-nothing.
	var acked, attempted int
	for _, cl := range w.cl {
		for i, row := range cl.rows {
			seq := i + 1
			id := int64(cl.num)*clientIDBase + int64(seq)
			_, present := found[id]
			attempted++
			switch row.state {
			case stAcked:
				if !present {
					errs.add("acknowledged id %d (client %d seq %d, acknowledged since the previous restart) is missing", id, cl.num, seq)
				}
			case stDurable:
				if !present {
					errs.add("id %d (client %d seq %d), durable before an earlier restart, is missing", id, cl.num, seq)
				}
			case stGone:
				if present {
					errs.add("id %d (client %d seq %d), absent after an earlier restart, has reappeared", id, cl.num, seq)
				}
			case stNotCommitted:
				if present {
					errs.add("id %d (client %d seq %d) is present but its transaction's COMMIT was never sent", id, cl.num, seq)
				}
			}
			if row.state == stAcked || row.state == stDurable {
				acked++
			}
			if row.txnFirst != 0 && int32(seq) == row.txnFirst {
				n := 0
				for s := seq; s < seq+3; s++ {
					if _, ok := found[int64(cl.num)*clientIDBase+int64(s)]; ok {
						n++
					}
				}
				if n != 0 && n != 3 {
					errs.add("transaction of ids %d..%d (client %d) is partially present: %d of 3 rows", id, id+2, cl.num, n)
				}
			}
		}
	}
	if count < int64(acked) || count > int64(attempted) {
		errs.add("count(*) = %d, want between %d acknowledged and %d attempted", count, acked, attempted)
	}

	// Point lookups by primary key for the rows around the crash (each
	// client's last 16) and a few older ones.
	checkPoint := func(id int64) {
		var r foundRow
		err := conn.QueryRow(ctx, "SELECT client, seq, payload FROM t WHERE id = $1", id).Scan(&r.client, &r.seq, &r.payload)
		want, present := found[id]
		switch {
		case err == pgx.ErrNoRows:
			if present {
				errs.add("point lookup of id %d finds nothing, but the full scan has it", id)
			}
		case err != nil:
			t.Fatalf("%s: point lookup of id %d: %v", what, id, err)
		case !present:
			errs.add("point lookup of id %d finds a row the full scan does not have", id)
		case r != want:
			errs.add("point lookup of id %d = %+v, full scan = %+v", id, r, want)
		}
	}
	for _, cl := range w.cl {
		n := len(cl.rows)
		for seq := max(1, n-15); seq <= n; seq++ {
			checkPoint(int64(cl.num)*clientIDBase + int64(seq))
		}
		if n > 0 {
			for range 4 {
				checkPoint(int64(cl.num)*clientIDBase + int64(1+cl.rng.Intn(n)))
			}
		}
		checkPoint(int64(cl.num)*clientIDBase + int64(n+1)) // never attempted
	}

	// Resolve the unknown outcomes to what recovery shows.
	w.lastPresent, w.lastCommittedUnacked, w.lastGone = len(found), 0, 0
	for _, cl := range w.cl {
		for i := range cl.rows {
			row := &cl.rows[i]
			id := int64(cl.num)*clientIDBase + int64(i+1)
			_, present := found[id]
			switch row.state {
			case stAcked:
				row.state = stDurable
			case stAttempted:
				if present {
					row.state = stDurable
					w.lastCommittedUnacked++
				} else {
					row.state = stGone
					w.lastGone++
				}
			case stNotCommitted:
				row.state = stGone
				w.lastGone++
			}
		}
	}
}

func (w *tableWorkload) summary() string {
	var attempted, durable, gone int
	for _, cl := range w.cl {
		for _, r := range cl.rows {
			attempted++
			switch r.state {
			case stDurable:
				durable++
			case stGone:
				gone++
			}
		}
	}
	return fmt.Sprintf("%d rows present (%d attempted, %d durable, %d lost in flight); last check: %d committed but unacknowledged, %d in-flight rows absent",
		w.lastPresent, attempted, durable, gone, w.lastCommittedUnacked, w.lastGone)
}
