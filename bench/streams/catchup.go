package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nodedb-go/nodedb/bench/internal/resp"
)

// cuResult is one catch-up measurement (or a load).
type cuResult struct {
	System string
	What   string
	Events int // events read (or rows loaded)
	Want   int
	Secs   float64
	Reads  int
	Dups   int
	Bad    int     // events with an id outside 1..N
	CPUus  float64 // server CPU µs per event; -1 unknown
	Err    string
	// ReadMs is the wall time of each read (query or poll, without the
	// commit), to show whether reads slow down as the group advances.
	ReadMs []float64
}

// readProfile summarises ReadMs: the mean read time over each tenth of the
// run, in order.
func (r *cuResult) readProfile() string {
	n := len(r.ReadMs)
	if n < 10 {
		return ""
	}
	var b strings.Builder
	for d := range 10 {
		lo, hi := n*d/10, n*(d+1)/10
		sum := 0.0
		for _, x := range r.ReadMs[lo:hi] {
			sum += x
		}
		if d > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.1f", sum/float64(hi-lo))
	}
	return b.String()
}

func (r *cuResult) rate() float64 {
	if r.Secs <= 0 {
		return 0
	}
	return float64(r.Events) / r.Secs
}

// seenSet checks every id 1..n arrives exactly once.
type seenSet struct {
	seen []bool
	got  int
	dups int
	bad  int
}

func newSeen(n int) *seenSet { return &seenSet{seen: make([]bool, n+1)} }

func (s *seenSet) add(id int64) {
	if id <= 0 || id >= int64(len(s.seen)) {
		s.bad++
		return
	}
	if s.seen[id] {
		s.dups++
		return
	}
	s.seen[id] = true
	s.got++
}

// cpuTicks is a process's user+system CPU time in clock ticks (with
// children: plus its reaped children's).
func cpuTicks(pid int, children bool) int64 {
	if pid <= 0 {
		return -1
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 15 {
		return -1
	}
	var t int64
	n := 4
	if children {
		n = 6
	}
	for _, x := range f[11 : 11+n] {
		v, _ := strconv.ParseInt(x, 10, 64)
		t += v
	}
	return t
}

type cpuMeter struct {
	pid   int
	t0    int64
	clk   int
	start time.Time
}

func startCPU(pid, clk int) cpuMeter {
	return cpuMeter{pid: pid, t0: cpuTicks(pid, false), clk: clk, start: time.Now()}
}

// perEvent returns CPU µs per event since start, or -1.
func (m cpuMeter) perEvent(events int) float64 {
	t1 := cpuTicks(m.pid, false)
	if m.t0 < 0 || t1 < 0 || events == 0 {
		return -1
	}
	return float64(t1-m.t0) / float64(m.clk) * 1e6 / float64(events)
}

func runCatchup(ctx context.Context, cfg *config, rep *report) error {
	n := cfg.events
	httpOK := false
	if cfg.nodedbHTTP != "" {
		httpOK, _ = probeHTTPCached(ctx, cfg)
	}

	// --- nodedb: stream and groups first, then the load.
	c, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		return fmt.Errorf("nodedb connect: %w", err)
	}
	defer c.Close(context.Background())
	stmts := []string{
		"CREATE TABLE cu (id BIGINT PRIMARY KEY, sent_ns BIGINT, pad TEXT)",
		"CREATE CHANGE STREAM cu_s ON cu",
		"CREATE CONSUMER GROUP g_pgwire ON cu_s",
	}
	if httpOK {
		stmts = append(stmts, "CREATE CONSUMER GROUP g_http ON cu_s")
	}
	if err := execAll(ctx, c, stmts...); err != nil {
		return fmt.Errorf("nodedb catch-up setup: %w", err)
	}
	load := &cuResult{System: "nodedb", What: fmt.Sprintf("load: COPY FROM STDIN (binary, pgx CopyFrom), %d rows per COPY", cfg.copyBatch), Want: n, CPUus: -1}
	logf("nodedb: loading %d rows with COPY", n)
	lctx, lcancel := context.WithTimeout(ctx, cfg.catchupTimeout)
	t0 := time.Now()
	now := t0.UnixNano()
	for off := 0; off < n && lctx.Err() == nil; off += cfg.copyBatch {
		m := min(cfg.copyBatch, n-off)
		k, err := c.CopyFrom(lctx, pgx.Identifier{"cu"}, []string{"id", "sent_ns", "pad"},
			pgx.CopyFromSlice(m, func(i int) ([]any, error) { return []any{int64(off + i + 1), now, pad}, nil }))
		load.Events += int(k)
		if err != nil {
			load.Err = fmt.Sprintf("COPY of rows %d..%d: %v", off+1, off+m, err)
			break
		}
	}
	load.Secs = time.Since(t0).Seconds()
	lcancel()
	rep.cu = append(rep.cu, load)
	logf("  loaded %d rows in %.1f s", load.Events, load.Secs)
	if load.Err != "" {
		return fmt.Errorf("nodedb load: %s", load.Err)
	}

	r := nodedbCatchupPgwire(ctx, cfg, c)
	rep.cu = append(rep.cu, r)
	if httpOK {
		rep.cu = append(rep.cu, nodedbCatchupHTTP(ctx, cfg))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cfg.redisAddr != "" {
		rl, rr := redisCatchup(ctx, cfg)
		rep.cu = append(rep.cu, rl)
		if rr != nil {
			rep.cu = append(rep.cu, rr)
		}
	}
	return ctx.Err()
}

var probeOnce struct {
	done bool
	ok   bool
	why  string
}

func probeHTTPCached(ctx context.Context, cfg *config) (bool, string) {
	if !probeOnce.done {
		probeOnce.ok, probeOnce.why = probeHTTP(ctx, cfg)
		probeOnce.done = true
	}
	return probeOnce.ok, probeOnce.why
}

// nodedbCatchupPgwire reads every retained event with SELECT * FROM STREAM
// ... LIMIT batch, COMMIT OFFSETS after each batch.
func nodedbCatchupPgwire(ctx context.Context, cfg *config, c *pgx.Conn) *cuResult {
	n := cfg.events
	res := &cuResult{System: "nodedb", What: fmt.Sprintf("read: pgwire SELECT * FROM STREAM ... LIMIT %d + COMMIT OFFSETS", cfg.batch), Want: n}
	q := fmt.Sprintf("SELECT * FROM STREAM cu_s CONSUMER GROUP g_pgwire LIMIT %d", cfg.batch)
	commit := "COMMIT OFFSETS ON cu_s CONSUMER GROUP g_pgwire"
	seen := newSeen(n)
	rctx, cancel := context.WithTimeout(ctx, cfg.catchupTimeout)
	defer cancel()
	logf("nodedb: catch-up read over pgwire, batches of %d", cfg.batch)
	cpu := startCPU(cfg.nodedbPID, cfg.clkTck)
	t0 := time.Now()
	empty := 0
	for seen.got < n && rctx.Err() == nil {
		tr := time.Now()
		rows, err := c.Query(rctx, q)
		if err != nil {
			res.Err = fmt.Sprintf("read %d: %v", res.Reads+1, err)
			break
		}
		k := 0
		for rows.Next() {
			raw := rows.RawValues()
			if len(raw) < 9 {
				res.Err = fmt.Sprintf("row with %d columns, want 9", len(raw))
				break
			}
			id, _ := strconv.ParseInt(string(raw[4]), 10, 64) // row_id (text)
			seen.add(id)
			k++
		}
		rows.Close()
		res.ReadMs = append(res.ReadMs, float64(time.Since(tr))/1e6)
		if err := rows.Err(); err != nil && res.Err == "" {
			res.Err = fmt.Sprintf("read %d: %v", res.Reads+1, err)
		}
		if res.Err != "" {
			break
		}
		res.Reads++
		if k == 0 {
			// Every event is committed before the read starts, so an empty
			// read before the end is a stall: record it, give up after 20.
			if empty++; empty >= 20 {
				res.Err = fmt.Sprintf("%d consecutive empty reads with %d of %d events read", empty, seen.got, n)
				break
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		empty = 0
		if _, err := c.Exec(rctx, commit); err != nil {
			res.Err = fmt.Sprintf("COMMIT OFFSETS after read %d: %v", res.Reads, err)
			break
		}
	}
	res.Secs = time.Since(t0).Seconds()
	res.CPUus = cpu.perEvent(seen.got)
	res.Events, res.Dups, res.Bad = seen.got, seen.dups, seen.bad
	if rctx.Err() != nil && res.Err == "" && seen.got < n {
		res.Err = fmt.Sprintf("time bound (%s) reached with %d of %d events", cfg.catchupTimeout, seen.got, n)
	}
	logf("  %d events in %.1f s = %.0f events/s (%d reads) %s; mean read ms per tenth: %s", res.Events, res.Secs, res.rate(), res.Reads, res.Err, res.readProfile())
	return res
}

// jsonDecoder names the implementation behind the client's encoding/json:
// built with GOEXPERIMENT=jsonv2 (as run.sh does), it is Go's v2 decoder.
func jsonDecoder() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" && slices.Contains(strings.Split(s.Value, ","), "jsonv2") {
				return "encoding/json, GOEXPERIMENT=jsonv2"
			}
		}
	}
	return "encoding/json"
}

// nodedbCatchupHTTP reads the same events for another group over HTTP.
func nodedbCatchupHTTP(ctx context.Context, cfg *config) *cuResult {
	n := cfg.events
	res := &cuResult{System: "nodedb", What: fmt.Sprintf("read: HTTP poll limit=%d wait_ms=0 + POST offsets (client: %s)", cfg.batch, jsonDecoder()), Want: n}
	seen := newSeen(n)
	rctx, cancel := context.WithTimeout(ctx, cfg.catchupTimeout)
	defer cancel()
	logf("nodedb: catch-up read over HTTP, batches of %d", cfg.batch)
	cpu := startCPU(cfg.nodedbPID, cfg.clkTck)
	t0 := time.Now()
	empty := 0
	for seen.got < n && rctx.Err() == nil {
		tr := time.Now()
		pr, err := httpPoll(rctx, cfg.nodedbHTTP, "cu_s", "g_http", cfg.batch, 0, 0)
		res.ReadMs = append(res.ReadMs, float64(time.Since(tr))/1e6)
		if err != nil {
			res.Err = fmt.Sprintf("poll %d: %v", res.Reads+1, err)
			break
		}
		res.Reads++
		for _, e := range pr.Events {
			id, _ := strconv.ParseInt(e.RowID, 10, 64)
			seen.add(id)
		}
		if len(pr.Events) == 0 {
			if empty++; empty >= 20 {
				res.Err = fmt.Sprintf("%d consecutive empty polls with %d of %d events read", empty, seen.got, n)
				break
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		empty = 0
		if err := httpCommit(rctx, cfg.nodedbHTTP, "cu_s", "g_http", pr.PartitionOffsets); err != nil {
			res.Err = fmt.Sprintf("commit after poll %d: %v", res.Reads, err)
			break
		}
	}
	res.Secs = time.Since(t0).Seconds()
	res.CPUus = cpu.perEvent(seen.got)
	res.Events, res.Dups, res.Bad = seen.got, seen.dups, seen.bad
	if rctx.Err() != nil && res.Err == "" && seen.got < n {
		res.Err = fmt.Sprintf("time bound (%s) reached with %d of %d events", cfg.catchupTimeout, seen.got, n)
	}
	logf("  %d events in %.1f s = %.0f events/s (%d polls) %s; mean poll ms per tenth: %s", res.Events, res.Secs, res.rate(), res.Reads, res.Err, res.readProfile())
	return res
}

// redisCatchup: XADD the same events (pipelined), then XREADGROUP COUNT
// batch + XACK per batch.
func redisCatchup(ctx context.Context, cfg *config) (load, read *cuResult) {
	n := cfg.events
	load = &cuResult{System: "redis", What: fmt.Sprintf("load: XADD pipelined, %d per round trip", cfg.copyBatch), Want: n, CPUus: -1}
	c, err := resp.Dial(cfg.redisAddr)
	if err != nil {
		load.Err = err.Error()
		return load, nil
	}
	defer c.Close()
	if _, err := c.Do("XGROUP", "CREATE", "cu", "g", "0", "MKSTREAM"); err != nil {
		load.Err = "XGROUP CREATE: " + err.Error()
		return load, nil
	}
	logf("redis: loading %d entries with pipelined XADD", n)
	deadline := time.Now().Add(cfg.catchupTimeout)
	t0 := time.Now()
	now := strconv.FormatInt(t0.UnixNano(), 10)
	for off := 0; off < n && ctx.Err() == nil && time.Now().Before(deadline); off += cfg.copyBatch {
		m := min(cfg.copyBatch, n-off)
		for i := range m {
			c.Send("XADD", "cu", "*", "id", strconv.Itoa(off+i+1), "sent_ns", now, "pad", pad)
		}
		if err := c.Flush(); err != nil {
			load.Err = err.Error()
			return load, nil
		}
		for range m {
			v, err := c.Read()
			if err == nil {
				if e, ok := v.(resp.Error); ok {
					err = e
				}
			}
			if err != nil {
				load.Err = "XADD: " + err.Error()
				return load, nil
			}
			load.Events++
		}
	}
	load.Secs = time.Since(t0).Seconds()
	logf("  loaded %d entries in %.1f s", load.Events, load.Secs)

	read = &cuResult{System: "redis", What: fmt.Sprintf("read: XREADGROUP COUNT %d + XACK", cfg.batch), Want: n}
	seen := newSeen(n)
	count := strconv.Itoa(cfg.batch)
	logf("redis: catch-up read, XREADGROUP COUNT %d + XACK", cfg.batch)
	cpu := startCPU(cfg.redisPID, cfg.clkTck)
	t0 = time.Now()
	deadline = t0.Add(cfg.catchupTimeout)
	ack := make([]string, 0, cfg.batch+3)
	for seen.got < n && ctx.Err() == nil && time.Now().Before(deadline) {
		tr := time.Now()
		v, err := c.Do("XREADGROUP", "GROUP", "g", "c1", "COUNT", count, "STREAMS", "cu", ">")
		read.ReadMs = append(read.ReadMs, float64(time.Since(tr))/1e6)
		if err != nil {
			read.Err = err.Error()
			break
		}
		read.Reads++
		ack = append(ack[:0], "XACK", "cu", "g")
		streams, _ := v.([]any)
		for _, s := range streams {
			sv, ok := s.([]any)
			if !ok || len(sv) != 2 {
				read.Err = resp.ErrShape.Error()
				break
			}
			entries, _ := sv[1].([]any)
			for _, e := range entries {
				ev, ok := e.([]any)
				if !ok || len(ev) != 2 {
					read.Err = resp.ErrShape.Error()
					break
				}
				id, _ := ev[0].([]byte)
				ack = append(ack, string(id))
				fields, _ := ev[1].([]any)
				for i := 0; i+1 < len(fields); i += 2 {
					if f, _ := fields[i].([]byte); string(f) == "id" {
						b, _ := fields[i+1].([]byte)
						x, _ := strconv.ParseInt(string(b), 10, 64)
						seen.add(x)
					}
				}
			}
		}
		if read.Err != "" {
			break
		}
		if len(ack) == 3 {
			read.Err = fmt.Sprintf("empty XREADGROUP with %d of %d entries read", seen.got, n)
			break
		}
		if _, err := c.Do(ack...); err != nil {
			read.Err = "XACK: " + err.Error()
			break
		}
	}
	read.Secs = time.Since(t0).Seconds()
	read.CPUus = cpu.perEvent(seen.got)
	read.Events, read.Dups, read.Bad = seen.got, seen.dups, seen.bad
	logf("  %d entries in %.1f s = %.0f events/s (%d reads) %s", read.Events, read.Secs, read.rate(), read.Reads, read.Err)
	return load, read
}
