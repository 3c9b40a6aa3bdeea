package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

const pad = "0123456789abcdef" // 16 bytes of payload besides the id and timestamp

// latResult is one latency run: one writer rate, one consumer.
type latResult struct {
	System   string // nodedb or postgres
	Consumer string
	Rate     int

	Sent       int     // rows the writer committed
	WriteErrs  int     // failed INSERTs
	FirstWErr  string  // first writer error
	Achieved   float64 // committed rows per second over the writer's run
	Received   int     // distinct events the consumer received
	Dups       int     // events received more than once
	Unknown    int     // events with an id the writer never committed
	BadPayload int     // events whose timestamp column disagrees with the writer's
	Missing    int     // committed rows never received within the drain time
	Measured   int     // received events past the warm-up
	Lat        []time.Duration
	CommitLat  []time.Duration // writer: INSERT sent -> OK received
	Reads      int             // consumer reads (queries / polls)
	EmptyReads int
	ConsErr    string
	Notes      []string
}

// tracker records what the writer sent and what the consumer got.
type tracker struct {
	mu       sync.Mutex
	sendNs   []int64 // by id; 0: never committed
	ackNs    []int64
	seen     []uint16
	lat      []time.Duration
	measureF int64 // events sent before this (unix ns) are warm-up
	res      *latResult
	received atomic.Int64
}

func newTracker(n int, res *latResult) *tracker {
	return &tracker{sendNs: make([]int64, n+1), ackNs: make([]int64, n+1), seen: make([]uint16, n+1), res: res}
}

// got records one event: id and sentNs from the event's payload, recvNs
// when the consumer had it.
func (t *tracker) got(id int64, sentNs, recvNs int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id <= 0 || id >= int64(len(t.seen)) {
		t.res.Unknown++
		return
	}
	t.seen[id]++
	if t.seen[id] > 1 {
		t.res.Dups++
		return
	}
	t.received.Add(1)
	if s := t.sendNs[id]; s != 0 && s != sentNs {
		// The writer records the time after Exec returns; a consumer can
		// see the event first, so only compare when it is already known.
		t.res.BadPayload++
	}
	if sentNs >= t.measureF {
		t.lat = append(t.lat, time.Duration(recvNs-sentNs))
	}
}

// pacedWriter commits rows id = 1..rate*duration, one INSERT per
// transaction, at the given rate, spread over the writer connections:
// row i is handed to a free connection at start + i/rate; each row carries
// the time just before its INSERT was sent.
func pacedWriter(ctx context.Context, conns []*pgx.Conn, table string, rate int, dur time.Duration, t *tracker) {
	total := int(int64(rate) * int64(dur) / int64(time.Second))
	ids := make(chan int, len(conns))
	var wg sync.WaitGroup
	var errCount atomic.Int64
	var firstErr atomic.Value
	var sent atomic.Int64
	var lastAck atomic.Int64
	q := "INSERT INTO " + table + " (id, sent_ns, pad) VALUES ($1, $2, $3)"
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				s := time.Now().UnixNano()
				cctx, ccancel := context.WithTimeout(wctx, 10*time.Second)
				_, err := c.Exec(cctx, q, id, s, pad)
				ccancel()
				a := time.Now().UnixNano()
				if err != nil {
					if errCount.Add(1) == 1 {
						firstErr.Store(fmt.Sprintf("row %d: %v", id, err))
					}
					if errCount.Load() > 100 || c.IsClosed() {
						cancel()
					}
					continue
				}
				t.mu.Lock()
				t.sendNs[id], t.ackNs[id] = s, a
				t.mu.Unlock()
				sent.Add(1)
				lastAck.Store(a)
			}
		}()
	}
	start := time.Now()
	t.mu.Lock()
	t.measureF = start.Add(warmupOf(dur)).UnixNano()
	t.mu.Unlock()
	interval := time.Second / time.Duration(rate)
	hardStop := start.Add(dur + 10*time.Second) // bound: a stalled server cannot hold the run
dispatch:
	for i := 1; i <= total; i++ {
		due := start.Add(time.Duration(i-1) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if time.Now().After(hardStop) {
			t.res.Notes = append(t.res.Notes, fmt.Sprintf("writer stopped at the time bound after dispatching %d of %d rows", i-1, total))
			break
		}
		select {
		case ids <- i:
		case <-wctx.Done():
			break dispatch
		}
	}
	close(ids)
	wg.Wait()
	t.res.Sent = int(sent.Load())
	t.res.WriteErrs = int(errCount.Load())
	if v := firstErr.Load(); v != nil {
		t.res.FirstWErr = v.(string)
	}
	if la := lastAck.Load(); la > 0 {
		t.res.Achieved = float64(t.res.Sent) / (float64(la-start.UnixNano()) / 1e9)
	}
}

// warmupOf is set from the config before the runs.
var warmupOf = func(time.Duration) time.Duration { return 0 }

// consumerFunc reads events until ctx ends, reporting each through t.got.
type consumerFunc func(ctx context.Context, t *tracker) error

func runLatency(ctx context.Context, cfg *config, rep *report) error {
	warmupOf = func(time.Duration) time.Duration { return cfg.warmup }
	httpOK, httpWhy := probeHTTPCached(ctx, cfg)
	if !httpOK {
		rep.note("HTTP consumer not measured: %s", httpWhy)
	}
	for _, rate := range cfg.rates {
		tag := strconv.Itoa(rate)
		// nodedb, pgwire consumer.
		r, err := latencyNodedb(ctx, cfg, rate, "lat_pg_"+tag, false)
		if err != nil {
			return err
		}
		rep.lat = append(rep.lat, r)
		if httpOK {
			r, err := latencyNodedb(ctx, cfg, rate, "lat_http_"+tag, true)
			if err != nil {
				return err
			}
			rep.lat = append(rep.lat, r)
		}
		if cfg.pgDSN != "" {
			r, err := latencyPostgres(ctx, cfg, rate, "lat_"+tag)
			if err != nil {
				return err
			}
			rep.lat = append(rep.lat, r)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func connectN(ctx context.Context, dsn string, n int) ([]*pgx.Conn, error) {
	var cs []*pgx.Conn
	for range n {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			closeAll(cs)
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

func closeAll(cs []*pgx.Conn) {
	for _, c := range cs {
		c.Close(context.Background())
	}
}

func execAll(ctx context.Context, c *pgx.Conn, stmts ...string) error {
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// runOne runs the writer at rate against writerDSN while consume reads,
// then waits up to cfg.drain for the consumer to see every committed row.
func runOne(ctx context.Context, cfg *config, writerDSN, table string, rate int, res *latResult, consume consumerFunc) error {
	total := int(int64(rate) * int64(cfg.duration) / int64(time.Second))
	t := newTracker(total, res)
	conns, err := connectN(ctx, writerDSN, cfg.writers)
	if err != nil {
		return fmt.Errorf("%s writer connect: %w", res.System, err)
	}
	defer closeAll(conns)
	cctx, ccancel := context.WithCancel(ctx)
	defer ccancel()
	cdone := make(chan error, 1)
	go func() { cdone <- consume(cctx, t) }()
	time.Sleep(300 * time.Millisecond) // let the consumer connect and reach its loop
	logf("%s %s: writer at %d/s for %s (%d connections)", res.System, res.Consumer, rate, cfg.duration, cfg.writers)
	pacedWriter(ctx, conns, table, rate, cfg.duration, t)
	deadline := time.Now().Add(cfg.drain)
	for time.Now().Before(deadline) && int(t.received.Load()) < res.Sent && ctx.Err() == nil {
		select {
		case err := <-cdone:
			cdone <- err
			deadline = time.Now()
		case <-time.After(5 * time.Millisecond):
		}
	}
	ccancel()
	select {
	case err := <-cdone:
		if err != nil && !errors.Is(err, context.Canceled) {
			res.ConsErr = err.Error()
		}
	case <-time.After(15 * time.Second):
		res.ConsErr = "consumer did not stop within 15 s of being cancelled"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for id := 1; id <= total; id++ {
		if t.sendNs[id] != 0 && t.seen[id] == 0 {
			res.Missing++
		}
		if t.sendNs[id] != 0 && t.sendNs[id] >= t.measureF {
			res.CommitLat = append(res.CommitLat, time.Duration(t.ackNs[id]-t.sendNs[id]))
		}
	}
	res.Received = int(t.received.Load())
	res.Lat = t.lat
	res.Measured = len(t.lat)
	slices.Sort(res.Lat)
	slices.Sort(res.CommitLat)
	logf("  sent %d (%.0f/s, %d errors), received %d, missing %d, dups %d; p50 %s p99 %s p99.9 %s",
		res.Sent, res.Achieved, res.WriteErrs, res.Received, res.Missing, res.Dups,
		fmtDur(pct(res.Lat, 50)), fmtDur(pct(res.Lat, 99)), fmtDur(pct(res.Lat, 99.9)))
	return ctx.Err()
}

// latencyNodedb: one table with a change stream and a group, a pgwire
// (viaHTTP false) or HTTP long-poll consumer.
func latencyNodedb(ctx context.Context, cfg *config, rate int, table string, viaHTTP bool) (*latResult, error) {
	res := &latResult{System: "nodedb", Rate: rate}
	if viaHTTP {
		res.Consumer = fmt.Sprintf("HTTP long poll (limit 1000, wait_ms %d)", cfg.httpWait.Milliseconds())
		if cfg.ackInterval > 0 {
			res.Consumer += fmt.Sprintf(", after_lsn, offsets committed every %s in the background", cfg.ackInterval)
		}
	} else {
		res.Consumer = fmt.Sprintf("pgwire SELECT FROM STREAM LIMIT 1000 (%s sleep when empty)", cfg.pollInterval)
	}
	admin, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		return nil, fmt.Errorf("nodedb connect: %w", err)
	}
	defer admin.Close(context.Background())
	stream, group := table+"_s", "g"
	if err := execAll(ctx, admin,
		"CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, sent_ns BIGINT, pad TEXT)",
		"CREATE CHANGE STREAM "+stream+" ON "+table,
		"CREATE CONSUMER GROUP "+group+" ON "+stream); err != nil {
		return nil, fmt.Errorf("nodedb setup: %w", err)
	}
	var consume consumerFunc
	if viaHTTP {
		consume = func(ctx context.Context, t *tracker) error { return httpConsumer(ctx, cfg, stream, group, t) }
	} else {
		consume = func(ctx context.Context, t *tracker) error { return pgwireConsumer(ctx, cfg, stream, group, t) }
	}
	return res, runOne(ctx, cfg, cfg.nodedbDSN, table, rate, res, consume)
}

// pgwireConsumer reads the stream in a loop over pgwire: SELECT ... LIMIT
// 1000; COMMIT OFFSETS after a non-empty read; a short sleep after an
// empty one. (Acknowledging in the background instead, reading on with
// WHERE lsn > last or the HTTP poll's after_lsn, measured worse on the
// 2-core machine: p50 1.8 ms against 1.2 ms at 1,000/s, because the
// consumer then reads more often and takes CPU from the writers.)
func pgwireConsumer(ctx context.Context, cfg *config, stream, group string, t *tracker) error {
	c, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	q := "SELECT row_id, new_value->>'sent_ns' FROM STREAM " + stream + " CONSUMER GROUP " + group + " LIMIT 1000"
	commit := "COMMIT OFFSETS ON " + stream + " CONSUMER GROUP " + group
	for ctx.Err() == nil {
		rows, err := c.Query(ctx, q)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var rid, sent string
			if err := rows.Scan(&rid, &sent); err != nil {
				rows.Close()
				return err
			}
			now := time.Now().UnixNano()
			id, _ := strconv.ParseInt(rid, 10, 64)
			s, _ := strconv.ParseInt(sent, 10, 64)
			t.got(id, s, now)
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		t.mu.Lock()
		t.res.Reads++
		if n == 0 {
			t.res.EmptyReads++
		}
		t.mu.Unlock()
		if n == 0 {
			select {
			case <-ctx.Done():
			case <-time.After(cfg.pollInterval):
			}
			continue
		}
		if _, err := c.Exec(ctx, commit); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// pollEvent is the part of an HTTP poll event the benchmark uses.
type pollEvent struct {
	RowID    string `json:"row_id"`
	LSN      uint64 `json:"lsn"`
	Op       string `json:"op"`
	NewValue struct {
		ID     int64 `json:"id"`
		SentNs int64 `json:"sent_ns"`
	} `json:"new_value"`
}

type pollResult struct {
	Events []pollEvent `json:"events"`
	// PartitionOffsets stays as the server wrote it: a consumer commits
	// exactly what a poll returned, so it need not decode the object.
	PartitionOffsets json.RawMessage `json:"partition_offsets"`
	Count            int             `json:"count"`
}

var httpClient = &http.Client{Timeout: 70 * time.Second}

// bodyBufs keeps poll answers' buffers for reuse, as a consumer that polls
// in a loop would; the decoded result does not alias them.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func httpPoll(ctx context.Context, base, stream, group string, limit int, wait time.Duration, afterLSN uint64) (*pollResult, error) {
	u := fmt.Sprintf("%s/v1/streams/%s/poll?group=%s&limit=%d&wait_ms=%d", base, url.PathEscape(stream),
		url.QueryEscape(group), limit, wait.Milliseconds())
	if afterLSN > 0 {
		u += "&after_lsn=" + strconv.FormatUint(afterLSN, 10)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf := bodyBufs.Get().(*bytes.Buffer)
	defer bodyBufs.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, 256<<20)); err != nil {
		return nil, err
	}
	body := buf.Bytes()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	var pr pollResult
	if err := json.Unmarshal(body, &pr); err != nil {
		return nil, fmt.Errorf("GET %s: decoding: %w", u, err)
	}
	return &pr, nil
}

// httpCommit posts a poll's partition_offsets object (JSON) as the
// group's committed offsets.
func httpCommit(ctx context.Context, base, stream, group string, offs []byte) error {
	b := make([]byte, 0, len(offs)+24)
	b = append(append(append(b, `{"partition_offsets":`...), offs...), '}')
	u := fmt.Sprintf("%s/v1/streams/%s/offsets?group=%s", base, url.PathEscape(stream), url.QueryEscape(group))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// probeHTTP says whether the nodedb build serves the stream poll endpoint.
func probeHTTP(ctx context.Context, cfg *config) (bool, string) {
	if cfg.nodedbHTTP == "" {
		return false, "no -nodedb-http given"
	}
	c, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		return false, err.Error()
	}
	defer c.Close(context.Background())
	if err := execAll(ctx, c, "CREATE TABLE probe_t (id BIGINT PRIMARY KEY)", "CREATE CHANGE STREAM probe_s ON probe_t",
		"CREATE CONSUMER GROUP g ON probe_s"); err != nil {
		return false, err.Error()
	}
	_, err = httpPoll(ctx, cfg.nodedbHTTP, "probe_s", "g", 1, 0, 0)
	if err != nil {
		return false, "GET /v1/streams/{s}/poll is not served by this build (" + err.Error() + ")"
	}
	return true, ""
}

// httpConsumer long-polls, commits the returned partition offsets after
// each non-empty poll, or, with -http-ack-interval, reads on after the last
// LSN it saw and commits in the background at most that often.
func httpConsumer(ctx context.Context, cfg *config, stream, group string, t *tracker) error {
	var acks *acker
	if cfg.ackInterval > 0 {
		acks = newAcker(cfg.ackInterval, func(ctx context.Context, offs map[string]uint64) error {
			b, err := json.Marshal(offs)
			if err != nil {
				return err
			}
			return httpCommit(ctx, cfg.nodedbHTTP, stream, group, b)
		})
		defer acks.stop()
	}
	var after uint64
	for ctx.Err() == nil {
		pr, err := httpPoll(ctx, cfg.nodedbHTTP, stream, group, 1000, cfg.httpWait, after)
		if err != nil {
			return err
		}
		now := time.Now().UnixNano()
		for _, e := range pr.Events {
			t.got(e.NewValue.ID, e.NewValue.SentNs, now)
		}
		t.mu.Lock()
		t.res.Reads++
		if len(pr.Events) == 0 {
			t.res.EmptyReads++
		}
		t.mu.Unlock()
		if len(pr.Events) == 0 {
			continue
		}
		if acks != nil {
			after = pr.Events[len(pr.Events)-1].LSN
			if err := acks.add(pr.PartitionOffsets); err != nil {
				return err
			}
			continue
		}
		if err := httpCommit(ctx, cfg.nodedbHTTP, stream, group, pr.PartitionOffsets); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// acker commits a consumer's offsets in the background, at most once per
// interval, as a Kafka consumer's auto-commit or pg_recvlogical's status
// updates do: the reads do not wait for it.
type acker struct {
	mu      sync.Mutex
	pending map[string]uint64
	err     error
	quit    chan struct{}
	done    chan struct{}
}

func newAcker(every time.Duration, commit func(context.Context, map[string]uint64) error) *acker {
	a := &acker{pending: map[string]uint64{}, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		tk := time.NewTicker(every)
		defer tk.Stop()
		flush := func() {
			a.mu.Lock()
			offs := a.pending
			a.pending = map[string]uint64{}
			a.mu.Unlock()
			if len(offs) == 0 {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := commit(ctx, offs)
			cancel()
			if err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		for {
			select {
			case <-tk.C:
				flush()
			case <-a.quit:
				flush()
				return
			}
		}
	}()
	return a
}

// add merges a read's offsets (a partition_offsets object) into the next
// commit; it returns the error of an earlier background commit, if any.
func (a *acker) add(raw []byte) error {
	var offs map[string]uint64
	if err := json.Unmarshal(raw, &offs); err != nil {
		return fmt.Errorf("partition_offsets: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for p, l := range offs {
		a.pending[p] = max(a.pending[p], l)
	}
	return a.err
}

func (a *acker) stop() { close(a.quit); <-a.done }

// latencyPostgres: the same writes into PostgreSQL, read by pg_recvlogical
// from a test_decoding slot, streaming to our stdin pipe.
func latencyPostgres(ctx context.Context, cfg *config, rate int, table string) (*latResult, error) {
	res := &latResult{System: "postgres", Rate: rate, Consumer: "pg_recvlogical (test_decoding) to stdout"}
	admin, err := pgx.Connect(ctx, cfg.pgDSN)
	if err != nil {
		return nil, fmt.Errorf("postgres connect: %w", err)
	}
	defer admin.Close(context.Background())
	slot := "bench_" + table
	if err := execAll(ctx, admin,
		"CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, sent_ns BIGINT, pad TEXT)",
		"SELECT pg_create_logical_replication_slot('"+slot+"', 'test_decoding')"); err != nil {
		return nil, fmt.Errorf("postgres setup: %w", err)
	}
	defer func() {
		// The slot would otherwise hold WAL; pg_recvlogical has exited.
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for range 50 {
			if _, err := admin.Exec(dctx, "SELECT pg_drop_replication_slot('"+slot+"')"); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	prefix := []byte("table public." + table + ": INSERT: ")
	consume := func(ctx context.Context, t *tracker) error {
		cmd := exec.CommandContext(ctx, cfg.recvlogical, "-h", cfg.pgHost, "-p", strconv.Itoa(cfg.pgPort), "-U", "postgres",
			"-d", "postgres", "-S", slot, "--start", "-f", "-", "-o", "skip-empty-xacts=1", "-o", "include-xids=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if !bytes.HasPrefix(line, prefix) {
				continue
			}
			now := time.Now().UnixNano()
			id := fieldInt(line, "id[bigint]:")
			s := fieldInt(line, "sent_ns[bigint]:")
			t.got(id, s, now)
		}
		err = cmd.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("pg_recvlogical exited: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return res, runOne(ctx, cfg, cfg.pgDSN, table, rate, res, consume)
}

// fieldInt finds name in a test_decoding line and parses the integer after it.
func fieldInt(line []byte, name string) int64 {
	i := bytes.Index(line, []byte(name))
	if i < 0 {
		return -1
	}
	rest := line[i+len(name):]
	j := 0
	for j < len(rest) && (rest[j] == '-' || rest[j] >= '0' && rest[j] <= '9') {
		j++
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// pct returns the p-th percentile (nearest rank) of sorted durations.
func pct(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return -1
	}
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f ms", float64(d)/1e6)
}
