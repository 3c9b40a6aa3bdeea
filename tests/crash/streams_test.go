//go:build unix

package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashKill9Streams runs the kill loop over a table with a change stream
// on it. Eight writers insert, update and delete their own rows (and now and
// then run a transaction they roll back, or a two-row transaction they
// commit) while a consumer ("worker") reads batches of up to 500 events and
// commits its offsets after each batch. After every restart a checking group
// ("chk") drains the new events, and at the very end the whole history is
// read twice more: by "audit" (created with the stream, never committed
// before) and by "final" (created at the end). It checks that
//
//   - every acknowledged write has exactly one event, every event is a write
//     that was attempted, and no write that was rolled back, or that a
//     previous recovery showed not committed, ever has an event;
//   - per row the events follow the order of the writer's operations, and
//     each UPDATE's and DELETE's old value is the previous event's new value;
//   - LSNs are unique and increasing, events never disappear and never show
//     up late below an already-read position; the three full reads agree;
//   - the table's final contents are what the events add up to;
//   - the worker's committed offsets (SHOW PARTITIONS ... committed_lsn)
//     never move backwards, hold at least what an acknowledged COMMIT
//     OFFSETS committed, the worker is never re-delivered an event at or
//     below a committed offset, saw every event up to its final offsets,
//     and everything it saw is in the final history.
func TestCrashKill9Streams(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_KILLS", 20)
	seed := testSeed(t)
	w := newStreamWorkload(8, seed)
	// runKillLoop verifies after every kill, after the SIGTERM under load
	// and after the idle SIGTERM; the last of these also reads the whole
	// history.
	w.finalCheck = kills + 2
	runKillLoop(t, w, kills, seed)
	if !w.finalDone {
		t.Errorf("the final full-history check did not run (%d checks)", w.checks)
	}
	t.Logf("final: %s", w.summary())
}

const (
	swStream      = "s"
	swBatch       = 500   // the worker's read size
	swDrainLimit  = 10000 // the checkers' read size
	swValueBase   = 100_000_000
	swTxnRollback = 1 // op.txn tags
)

type swOp struct {
	kind  byte  // 'I', 'U', 'D'
	v     int64 // the value written (I, U)
	state uint8 // stAttempted, stNotCommitted, stAcked, stDurable, stGone
	txn   int   // >0: ops of one committed two-row transaction share it
	seen  int   // events matched to it
}

var swOpName = map[byte]string{'I': "INSERT", 'U': "UPDATE", 'D': "DELETE"}

type swRow struct {
	ops []swOp
	// What the events so far add up to.
	lastOp  int // index of the op of the last event, -1 if none
	lastV   int64
	present bool
}

type swClient struct {
	num   int
	rng   *rand.Rand
	rows  []*swRow // rows[seq-1]
	live  []int    // seqs whose insert was acknowledged and that no delete was sent for
	nextV int64
	txns  int
}

type swEvent struct {
	lsn, part int64
	op        string
	rowID     string
	newV      *int64
	oldV      *int64
}

func (e swEvent) String() string {
	f := func(p *int64) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatInt(*p, 10)
	}
	return fmt.Sprintf("lsn %d partition %d %s row %s (new v=%s, old v=%s)", e.lsn, e.part, e.op, e.rowID, f(e.newV), f(e.oldV))
}

func (e swEvent) same(o swEvent) bool {
	eq := func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return e.lsn == o.lsn && e.part == o.part && e.op == o.op && e.rowID == o.rowID && eq(e.newV, o.newV) && eq(e.oldV, o.oldV)
}

// swSeen is an event as the worker saw it.
type swSeen struct {
	lsn, part int64
	op, rowID string
	life      int // server incarnation
}

type swWorker struct {
	life      int             // incarnation (bumped by verify)
	committed map[int64]int64 // per partition: what the server said at the last restart, raised by acknowledged COMMIT OFFSETS since
	acked     map[int64]int64 // per partition: the highest LSN covered by an acknowledged COMMIT OFFSETS
	shown     map[int64]int64 // per partition: the highest committed_lsn SHOW PARTITIONS has reported
	seen      []swSeen
	problems  []string
	batches   int
	commits   int
	redeliver int // events delivered again after a crash (after the committed offset: allowed)
	lastLSN   map[int64]bool
}

type streamWorkload struct {
	cl     []*swClient
	worker swWorker

	history    []swEvent // everything chk has read, in order
	byLSN      map[int64]swEvent
	chkLSN     int64 // the highest LSN chk has read
	checks     int
	finalCheck int // the check that also reads the whole history
	finalDone  bool

	lastNew, lastResolvedIn, lastResolvedOut int
}

func newStreamWorkload(n int, seed int64) *streamWorkload {
	w := &streamWorkload{}
	for i := range n {
		w.cl = append(w.cl, &swClient{num: i + 1, rng: rand.New(rand.NewSource(seed + 2_000_003 + int64(i)*7919))})
	}
	w.worker = swWorker{committed: map[int64]int64{}, acked: map[int64]int64{}, shown: map[int64]int64{}}
	return w
}

// clients: the writers and the worker (the last one).
func (w *streamWorkload) clients() int { return len(w.cl) + 1 }

func (w *streamWorkload) setup(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{
		"CREATE TABLE t (id BIGINT PRIMARY KEY, v INT)",
		"CREATE CHANGE STREAM " + swStream + " ON t",
		"CREATE CONSUMER GROUP audit ON " + swStream,
		"CREATE CONSUMER GROUP worker ON " + swStream,
		"CREATE CONSUMER GROUP chk ON " + swStream,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func (w *streamWorkload) run(ctx context.Context, conn *pgx.Conn, c int, stop func() bool) error {
	if c == len(w.cl) {
		return w.worker.run(ctx, conn, stop)
	}
	cl := w.cl[c]
	for !stop() {
		var err error
		switch r := cl.rng.Intn(100); {
		case r < 55 || len(cl.live) == 0:
			err = cl.insert(ctx, conn)
		case r < 80:
			err = cl.update(ctx, conn)
		case r < 90:
			err = cl.delete(ctx, conn)
		case r < 95:
			err = cl.rolledBack(ctx, conn)
		default:
			err = cl.txnInsert(ctx, conn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (cl *swClient) id(seq int) int64 { return int64(cl.num)*clientIDBase + int64(seq) }

func (cl *swClient) value() int64 {
	cl.nextV++
	return int64(cl.num)*swValueBase + cl.nextV
}

func (cl *swClient) newRow(v int64, state uint8, txn int) int {
	cl.rows = append(cl.rows, &swRow{ops: []swOp{{kind: 'I', v: v, state: state, txn: txn}}, lastOp: -1})
	return len(cl.rows)
}

func (cl *swClient) insert(ctx context.Context, conn *pgx.Conn) error {
	v := cl.value()
	seq := cl.newRow(v, stAttempted, 0)
	tag, err := conn.Exec(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", cl.id(seq), v)
	if err != nil {
		return fmt.Errorf("insert id %d: %w", cl.id(seq), err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("insert id %d: command tag %q", cl.id(seq), tag.String())
	}
	cl.rows[seq-1].ops[0].state = stAcked
	cl.live = append(cl.live, seq)
	return nil
}

func (cl *swClient) update(ctx context.Context, conn *pgx.Conn) error {
	seq := cl.live[cl.rng.Intn(len(cl.live))]
	row := cl.rows[seq-1]
	v := cl.value()
	row.ops = append(row.ops, swOp{kind: 'U', v: v, state: stAttempted})
	i := len(row.ops) - 1
	tag, err := conn.Exec(ctx, "UPDATE t SET v = $1 WHERE id = $2", v, cl.id(seq))
	if err != nil {
		return fmt.Errorf("update id %d: %w", cl.id(seq), err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("update id %d: command tag %q, want UPDATE 1", cl.id(seq), tag.String())
	}
	row.ops[i].state = stAcked
	return nil
}

func (cl *swClient) delete(ctx context.Context, conn *pgx.Conn) error {
	k := cl.rng.Intn(len(cl.live))
	seq := cl.live[k]
	cl.live[k] = cl.live[len(cl.live)-1]
	cl.live = cl.live[:len(cl.live)-1]
	row := cl.rows[seq-1]
	row.ops = append(row.ops, swOp{kind: 'D', state: stAttempted})
	i := len(row.ops) - 1
	tag, err := conn.Exec(ctx, "DELETE FROM t WHERE id = $1", cl.id(seq))
	if err != nil {
		return fmt.Errorf("delete id %d: %w", cl.id(seq), err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("delete id %d: command tag %q, want DELETE 1", cl.id(seq), tag.String())
	}
	row.ops[i].state = stAcked
	return nil
}

// rolledBack inserts and updates a new row in a transaction and rolls it
// back: none of it may ever show up in the stream.
func (cl *swClient) rolledBack(ctx context.Context, conn *pgx.Conn) error {
	v1, v2 := cl.value(), cl.value()
	seq := cl.newRow(v1, stNotCommitted, swTxnRollback)
	row := cl.rows[seq-1]
	row.ops = append(row.ops, swOp{kind: 'U', v: v2, state: stNotCommitted, txn: swTxnRollback})
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", cl.id(seq), v1); err != nil {
		_ = tx.Rollback(context.Background())
		return fmt.Errorf("insert id %d in a transaction: %w", cl.id(seq), err)
	}
	if _, err := tx.Exec(ctx, "UPDATE t SET v = $1 WHERE id = $2", v2, cl.id(seq)); err != nil {
		_ = tx.Rollback(context.Background())
		return fmt.Errorf("update id %d in a transaction: %w", cl.id(seq), err)
	}
	if err := tx.Rollback(ctx); err != nil {
		return fmt.Errorf("rollback (id %d): %w", cl.id(seq), err)
	}
	return nil
}

// txnInsert inserts two new rows in one committed transaction: both
// events or neither.
func (cl *swClient) txnInsert(ctx context.Context, conn *pgx.Conn) error {
	cl.txns++
	txn := swTxnRollback + cl.txns
	v1, v2 := cl.value(), cl.value()
	s1 := cl.newRow(v1, stNotCommitted, txn)
	s2 := cl.newRow(v2, stNotCommitted, txn)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for _, x := range [][2]int64{{cl.id(s1), v1}, {cl.id(s2), v2}} {
		if _, err := tx.Exec(ctx, "INSERT INTO t (id, v) VALUES ($1, $2)", x[0], x[1]); err != nil {
			_ = tx.Rollback(context.Background())
			return fmt.Errorf("insert id %d in a transaction: %w", x[0], err)
		}
	}
	// COMMIT is about to be sent: the outcome is unknown until it answers.
	cl.rows[s1-1].ops[0].state = stAttempted
	cl.rows[s2-1].ops[0].state = stAttempted
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit transaction of ids %d, %d: %w", cl.id(s1), cl.id(s2), err)
	}
	cl.rows[s1-1].ops[0].state = stAcked
	cl.rows[s2-1].ops[0].state = stAcked
	cl.live = append(cl.live, s1, s2)
	return nil
}

// run is the worker: read a batch, record it, commit the offsets.
func (wk *swWorker) run(ctx context.Context, conn *pgx.Conn, stop func() bool) error {
	q := fmt.Sprintf("SELECT * FROM STREAM %s CONSUMER GROUP worker LIMIT %d", swStream, swBatch)
	for !stop() {
		evs, err := readStream(ctx, conn, q)
		if err != nil {
			return fmt.Errorf("worker read: %w", err)
		}
		wk.batches++
		if len(evs) == 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		var prev int64
		for _, e := range evs {
			if e.lsn <= prev {
				wk.problem("incarnation %d: a worker batch is not in LSN order: %d after %d", wk.life, e.lsn, prev)
			}
			prev = e.lsn
			if c := wk.committed[e.part]; e.lsn <= c {
				wk.problem("incarnation %d: the worker was delivered %s, at or below partition %d's committed offset %d",
					wk.life, e, e.part, c)
			}
			if wk.lastLSN[e.lsn] {
				wk.redeliver++
			}
			wk.seen = append(wk.seen, swSeen{lsn: e.lsn, part: e.part, op: e.op, rowID: e.rowID, life: wk.life})
		}
		if _, err := conn.Exec(ctx, "COMMIT OFFSETS ON "+swStream+" CONSUMER GROUP worker"); err != nil {
			return fmt.Errorf("worker commit offsets: %w", err)
		}
		wk.commits++
		for _, e := range evs {
			wk.committed[e.part] = max(wk.committed[e.part], e.lsn)
			wk.acked[e.part] = max(wk.acked[e.part], e.lsn)
		}
	}
	return nil
}

func (wk *swWorker) problem(format string, args ...any) {
	if len(wk.problems) < 100 {
		wk.problems = append(wk.problems, fmt.Sprintf(format, args...))
	}
}

// readStream runs a SELECT * FROM STREAM and decodes the events.
func readStream(ctx context.Context, conn *pgx.Conn, q string) ([]swEvent, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []swEvent
	for rows.Next() {
		var (
			e         swEvent
			sequence  int64
			coll      string
			eventTime time.Time
			nv, ov    []byte
		)
		if err := rows.Scan(&sequence, &e.part, &coll, &e.op, &e.rowID, &e.lsn, &eventTime, &nv, &ov); err != nil {
			return nil, err
		}
		if sequence != e.lsn || coll != "t" {
			return nil, fmt.Errorf("event %s: sequence %d, collection %q", e, sequence, coll)
		}
		if e.newV, err = valueOf(nv, e.rowID); err != nil {
			return nil, fmt.Errorf("event at lsn %d: new_value: %w", e.lsn, err)
		}
		if e.oldV, err = valueOf(ov, e.rowID); err != nil {
			return nil, fmt.Errorf("event at lsn %d: old_value: %w", e.lsn, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// valueOf decodes a row image {"id": ..., "v": ...}, checks its id and
// returns v (nil for SQL NULL).
func valueOf(raw []byte, rowID string) (*int64, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%q: %w", raw, err)
	}
	if id, _ := m["id"].(json.Number); string(id) != rowID || len(m) != 2 {
		return nil, fmt.Errorf("%s: want {\"id\":%s,\"v\":...}", raw, rowID)
	}
	n, ok := m["v"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("%s: no integer v", raw)
	}
	v, err := n.Int64()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	return &v, nil
}

// drain reads group g until it is empty, committing after every read.
func drain(t *testing.T, ctx context.Context, conn *pgx.Conn, g, what string) []swEvent {
	t.Helper()
	q := fmt.Sprintf("SELECT * FROM STREAM %s CONSUMER GROUP %s LIMIT %d", swStream, g, swDrainLimit)
	var out []swEvent
	for {
		evs, err := readStream(ctx, conn, q)
		if err != nil {
			t.Fatalf("%s: read group %s: %v", what, g, err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		if _, err := conn.Exec(ctx, "COMMIT OFFSETS ON "+swStream+" CONSUMER GROUP "+g); err != nil {
			t.Fatalf("%s: commit offsets of group %s: %v", what, g, err)
		}
	}
}

// committedLSNs reads SHOW PARTITIONS ON s CONSUMER GROUP g.
func committedLSNs(t *testing.T, ctx context.Context, conn *pgx.Conn, g, what string) map[int64]int64 {
	t.Helper()
	rows, err := conn.Query(ctx, "SHOW PARTITIONS ON "+swStream+" CONSUMER GROUP "+g)
	if err != nil {
		t.Fatalf("%s: show partitions of group %s: %v", what, g, err)
	}
	out := map[int64]int64{}
	for rows.Next() {
		var p, earliest, latest, count, committed, lag int64
		if err := rows.Scan(&p, &earliest, &latest, &count, &committed, &lag); err != nil {
			t.Fatalf("%s: show partitions of group %s: %v", what, g, err)
		}
		out[p] = committed
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: show partitions of group %s: %v", what, g, err)
	}
	return out
}

func (w *streamWorkload) rowOf(rowID string) (*swClient, *swRow, int) {
	id, err := strconv.ParseInt(rowID, 10, 64)
	if err != nil {
		return nil, nil, 0
	}
	c, seq := id/clientIDBase, int(id%clientIDBase)
	if c < 1 || int(c) > len(w.cl) || seq < 1 || seq > len(w.cl[c-1].rows) {
		return nil, nil, 0
	}
	cl := w.cl[c-1]
	return cl, cl.rows[seq-1], seq
}

// match checks one new event against the writers' operations.
func (w *streamWorkload) match(errs *errorList, e swEvent) {
	cl, row, _ := w.rowOf(e.rowID)
	if row == nil {
		errs.add("event %s: no write to row %s was ever attempted", e, e.rowID)
		return
	}
	idx := -1
	for i, op := range row.ops {
		if swOpName[op.kind] == e.op && (op.kind == 'D' || (e.newV != nil && op.v == *e.newV)) {
			idx = i
			break
		}
	}
	if idx < 0 {
		errs.add("event %s matches no write client %d attempted on that row (ops %s)", e, cl.num, opsString(row.ops))
		return
	}
	op := &row.ops[idx]
	op.seen++
	switch {
	case op.seen > 1:
		errs.add("event %s: a second event for op #%d of row %s", e, idx, e.rowID)
	case op.state == stNotCommitted && op.txn == swTxnRollback:
		errs.add("event %s is a write of a transaction that was rolled back", e)
	case op.state == stNotCommitted:
		errs.add("event %s is a write of a transaction whose COMMIT was never sent", e)
	case op.state == stGone:
		errs.add("event %s is a write an earlier recovery showed not committed (it had no event then)", e)
	}
	if idx <= row.lastOp {
		errs.add("event %s (op #%d) comes after the event of the row's later op #%d (ops %s)", e, idx, row.lastOp, opsString(row.ops))
	}
	switch e.op {
	case "INSERT":
		if row.present || e.oldV != nil || e.newV == nil {
			errs.add("event %s: an INSERT of a row that is already present (%v) or with an old value", e, row.present)
		}
	case "UPDATE", "DELETE":
		if !row.present {
			errs.add("event %s: the events so far do not have the row", e)
		} else if e.oldV == nil || *e.oldV != row.lastV {
			errs.add("event %s: old value should be the previous event's new value v=%d", e, row.lastV)
		}
		if (e.op == "DELETE") != (e.newV == nil) {
			errs.add("event %s: new value should be null exactly for DELETE", e)
		}
	}
	row.lastOp = idx
	row.present = e.op != "DELETE"
	if e.newV != nil {
		row.lastV = *e.newV
	}
}

func opsString(ops []swOp) string {
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteByte(' ')
		}
		st := map[uint8]string{stAttempted: "in-flight", stNotCommitted: "not-committed", stAcked: "acked", stDurable: "durable", stGone: "gone"}[op.state]
		fmt.Fprintf(&b, "#%d:%c", i, op.kind)
		if op.kind != 'D' {
			fmt.Fprintf(&b, "(v=%d)", op.v)
		}
		fmt.Fprintf(&b, "/%s", st)
	}
	return b.String()
}

func (w *streamWorkload) verify(t *testing.T, conn *pgx.Conn, what string) {
	t.Helper()
	w.checks++
	errs := &errorList{t: t, what: what, limit: 20}
	defer errs.done()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The worker's problems while it ran.
	wk := &w.worker
	for _, p := range wk.problems {
		errs.add("%s", p)
	}
	wk.problems = nil

	// The worker's committed offsets never move backwards, and keep
	// whatever an acknowledged COMMIT OFFSETS committed.
	shown := committedLSNs(t, ctx, conn, "worker", what)
	for p, c := range shown {
		if prev := wk.shown[p]; c < prev {
			errs.add("worker's committed_lsn of partition %d moved backwards: %d, earlier %d", p, c, prev)
		}
		wk.shown[p] = max(wk.shown[p], c)
	}
	for p, a := range wk.acked {
		if shown[p] < a {
			errs.add("worker's committed_lsn of partition %d is %d, but an acknowledged COMMIT OFFSETS covered LSN %d", p, shown[p], a)
		}
	}
	for p := range wk.shown {
		if _, ok := shown[p]; !ok {
			errs.add("partition %d, which had events, is missing from SHOW PARTITIONS", p)
		}
	}
	// The next incarnation's reads must start after these.
	wk.committed = map[int64]int64{}
	for p, c := range shown {
		wk.committed[p] = c
	}
	prevLife := wk.life
	wk.life++
	wk.lastLSN = make(map[int64]bool, len(wk.seen))
	for _, s := range wk.seen {
		wk.lastLSN[s.lsn] = true
	}
	for p, c := range committedLSNs(t, ctx, conn, "audit", what) {
		if c != 0 && !(w.finalDone) {
			errs.add("audit group (never committed) shows committed_lsn %d on partition %d", c, p)
		}
	}

	// The new events since the last check.
	evs := drain(t, ctx, conn, "chk", what)
	for _, e := range evs {
		if e.lsn <= w.chkLSN {
			errs.add("event %s: LSN not above the previous event's %d (a late event, or a repeat)", e, w.chkLSN)
		}
		w.chkLSN = max(w.chkLSN, e.lsn)
		w.match(errs, e)
	}
	w.history = append(w.history, evs...)
	w.lastNew = len(evs)
	if w.byLSN == nil {
		w.byLSN = map[int64]swEvent{}
	}
	for _, e := range evs {
		w.byLSN[e.lsn] = e
	}

	// Resolve the writes whose outcome was unknown; acknowledged ones must
	// have had their event by now, and committed transactions are
	// all-or-nothing.
	w.lastResolvedIn, w.lastResolvedOut = 0, 0
	for _, cl := range w.cl {
		txnIDs, txnSeen := map[int][]int64{}, map[int][]int{}
		for seq, row := range cl.rows {
			for i := range row.ops {
				op := &row.ops[i]
				if op.txn > swTxnRollback {
					txnIDs[op.txn] = append(txnIDs[op.txn], cl.id(seq+1))
					txnSeen[op.txn] = append(txnSeen[op.txn], op.seen)
				}
				switch op.state {
				case stAcked:
					if op.seen == 0 {
						errs.add("acknowledged op #%d of row %d (client %d) has no event (ops %s)", i, cl.id(seq+1), cl.num, opsString(row.ops))
					}
					op.state = stDurable
				case stAttempted:
					if op.seen > 0 {
						op.state = stDurable
						w.lastResolvedIn++
					} else {
						op.state = stGone
						w.lastResolvedOut++
					}
				}
			}
		}
		for txn, n := range txnSeen {
			if len(n) == 2 && (n[0] == 0) != (n[1] == 0) {
				errs.add("client %d: two-row transaction of ids %v is partly in the stream: %v events", cl.num, txnIDs[txn], n)
			}
		}
	}

	// Everything the worker was delivered before this restart was visible,
	// so it must have survived it.
	lost := 0
	for _, s := range wk.seen {
		if s.life != prevLife {
			continue
		}
		if e, ok := w.byLSN[s.lsn]; ok && e.op == s.op && e.rowID == s.rowID && e.part == s.part {
			continue
		}
		lost++
		if lost > 8 {
			continue
		}
		desc := "nothing"
		if e, ok := w.byLSN[s.lsn]; ok {
			desc = e.String()
		}
		var later []string
		for _, e := range w.history {
			if e.rowID == s.rowID {
				later = append(later, e.String())
			}
		}
		ops := "(row never attempted)"
		if _, row, _ := w.rowOf(s.rowID); row != nil {
			ops = opsString(row.ops)
		}
		errs.add("the worker was delivered lsn %d = %s row %s (partition %d) before this restart; now the stream has %s at lsn %d; "+
			"the row's events now: %v; the writer's ops on it: %s", s.lsn, s.op, s.rowID, s.part, desc, s.lsn, later, ops)
	}
	if lost > 8 {
		errs.add("... %d events the worker was delivered before this restart are gone or changed", lost)
	}

	if w.checks == w.finalCheck {
		w.finalVerify(t, ctx, conn, errs, what)
	}
}

// finalVerify reads the whole history with "audit" and a new group, and
// compares it with what chk read, with the table and with what the worker
// saw.
func (w *streamWorkload) finalVerify(t *testing.T, ctx context.Context, conn *pgx.Conn, errs *errorList, what string) {
	w.finalDone = true
	if _, err := conn.Exec(ctx, "CREATE CONSUMER GROUP final ON "+swStream); err != nil {
		t.Fatalf("%s: create group final: %v", what, err)
	}
	for _, g := range []string{"audit", "final"} {
		full := drain(t, ctx, conn, g, what)
		if len(full) != len(w.history) {
			errs.add("group %s read %d events, the checks read %d", g, len(full), len(w.history))
		}
		for i := range min(len(full), len(w.history)) {
			if !full[i].same(w.history[i]) {
				errs.add("group %s: event #%d is %s, the checks read %s", g, i, full[i], w.history[i])
				break
			}
		}
	}

	// The table holds what the events add up to.
	found := map[int64]int64{}
	rows, err := conn.Query(ctx, "SELECT id, v FROM t")
	if err != nil {
		t.Fatalf("%s: scan t: %v", what, err)
	}
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatalf("%s: scan t: %v", what, err)
		}
		found[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: scan t: %v", what, err)
	}
	want := 0
	for _, cl := range w.cl {
		for seq, row := range cl.rows {
			id := cl.id(seq + 1)
			v, ok := found[id]
			switch {
			case row.present:
				want++
				if !ok || v != row.lastV {
					errs.add("row %d: the events end with v=%d, the table has %v (present %v)", id, row.lastV, v, ok)
				}
			case ok:
				errs.add("row %d is in the table (v=%d), but its events end with a DELETE or there are none", id, v)
			}
		}
	}
	if len(found) != want {
		errs.add("table has %d rows, the events add up to %d", len(found), want)
	}

	// The worker: everything it saw is in the history, and it saw every
	// event up to its committed offsets.
	byLSN := make(map[int64]swEvent, len(w.history))
	for _, e := range w.history {
		byLSN[e.lsn] = e
	}
	wk := &w.worker
	seen := map[int64]bool{}
	for _, s := range wk.seen {
		seen[s.lsn] = true
		e, ok := byLSN[s.lsn]
		if !ok {
			errs.add("the worker saw lsn %d (%s row %s, partition %d, incarnation %d), which is not in the final history", s.lsn, s.op, s.rowID, s.part, s.life)
		} else if e.op != s.op || e.rowID != s.rowID || e.part != s.part {
			errs.add("the worker saw lsn %d as %s row %s partition %d (incarnation %d), the history has %s", s.lsn, s.op, s.rowID, s.part, s.life, e)
		}
	}
	committed := committedLSNs(t, ctx, conn, "worker", what)
	missed := 0
	for _, e := range w.history {
		if e.lsn <= committed[e.part] && !seen[e.lsn] {
			missed++
			if missed <= 5 {
				errs.add("worker's offset of partition %d is %d, but it never saw %s", e.part, committed[e.part], e)
			}
		}
	}
	if missed > 5 {
		errs.add("the worker skipped %d events in all", missed)
	}
	parts := make([]int64, 0, len(committed))
	for p := range committed {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	t.Logf("%s: full history %d events over %d partitions; the worker saw %d deliveries in %d batches (%d commits, %d re-deliveries after crashes)",
		what, len(w.history), len(parts), len(wk.seen), wk.batches, wk.commits, wk.redeliver)
}

func (w *streamWorkload) summary() string {
	var ops, durable, gone, rows int
	for _, cl := range w.cl {
		rows += len(cl.rows)
		for _, row := range cl.rows {
			for _, op := range row.ops {
				ops++
				switch op.state {
				case stDurable:
					durable++
				case stGone:
					gone++
				}
			}
		}
	}
	return fmt.Sprintf("%d events (%d new); %d rows, %d ops (%d committed, %d lost in flight); last check resolved %d in-flight ops as committed, %d as not; worker: %d deliveries, %d commits",
		len(w.history), w.lastNew, rows, ops, durable, gone, w.lastResolvedIn, w.lastResolvedOut, len(w.worker.seen), w.worker.commits)
}
