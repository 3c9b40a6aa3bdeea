package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

type latencyResult struct {
	System    string
	Asked     int // rows scheduled
	Inserted  int // rows acknowledged
	Delivered int // of those, delivered
	Rate      float64
	lat       []time.Duration // send → receiver, after warm-up
	commit    []time.Duration // send → ack
	ServerCPU float64         // seconds
	BenchCPU  float64         // seconds of this process (writers, receiver, relay)
	Requests  int
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d)-1) * p)
	return d[i]
}

// runLatency inserts rows at cfg.rate for cfg.duration from cfg.writers
// connections and measures, per row, the time from sending the INSERT to
// the receiver getting its event.
func runLatency(ctx context.Context, cfg *config, sys system, rcv *receiver, rep *report) *latencyResult {
	rcv.reset()
	res := &latencyResult{System: sys.name()}
	total := int(float64(cfg.rate) * cfg.duration.Seconds())
	res.Asked = total
	logf("%s: latency: %d rows at %d/s from %d writers", sys.name(), total, cfg.rate, cfg.writers)
	sent := make([]time.Time, total)
	acked := make([]time.Time, total)
	conns := make([]*pgx.Conn, cfg.writers)
	for i := range conns {
		c, err := sys.conn(ctx)
		if err != nil {
			rep.problem("%s: connect: %v", sys.name(), err)
			return res
		}
		conns[i] = c
		defer c.Close(context.Background())
	}
	pid, kids := sys.pid()
	cpu0, self0 := cpuTicks(pid, kids), cpuTicks(os.Getpid(), false)
	start := time.Now().Add(50 * time.Millisecond)
	interval := time.Second / time.Duration(cfg.rate)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total && ctx.Err() == nil; i += cfg.writers {
				if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
					time.Sleep(d)
				}
				sent[i] = time.Now()
				_, err := conns[w].Exec(ctx, "INSERT INTO "+table+" (id, v, note) VALUES ($1, $2, $3)",
					int64(i+1), int64(i), "latency row")
				if err != nil {
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
					return
				}
				acked[i] = time.Now()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		rep.problem("%s: insert: %v", sys.name(), firstErr)
	}
	elapsed := time.Since(start)
	for i := range acked {
		if !acked[i].IsZero() {
			res.Inserted++
		}
	}
	res.Rate = float64(res.Inserted) / elapsed.Seconds()
	rcv.waitFor(ctx, res.Inserted, cfg.drain)
	res.ServerCPU = float64(cpuTicks(pid, kids)-cpu0) / float64(cfg.clkTck)
	res.BenchCPU = float64(cpuTicks(os.Getpid(), false)-self0) / float64(cfg.clkTck)
	warm := start.Add(time.Second)
	rcv.mu.Lock()
	res.Requests = rcv.requests
	for i := range acked {
		if acked[i].IsZero() {
			continue
		}
		at, ok := rcv.got[int64(i+1)]
		if !ok {
			continue
		}
		res.Delivered++
		if sent[i].After(warm) {
			res.lat = append(res.lat, at.Sub(sent[i]))
			res.commit = append(res.commit, acked[i].Sub(sent[i]))
		}
	}
	rcv.mu.Unlock()
	sort.Slice(res.lat, func(a, b int) bool { return res.lat[a] < res.lat[b] })
	sort.Slice(res.commit, func(a, b int) bool { return res.commit[a] < res.commit[b] })
	if res.Delivered < res.Inserted {
		rep.problem("%s: %d of %d acknowledged rows were not delivered within %v", sys.name(),
			res.Inserted-res.Delivered, res.Inserted, cfg.drain)
	}
	logf("%s: latency: delivered %d/%d, p50 %v p99 %v", sys.name(), res.Delivered, res.Inserted,
		pct(res.lat, 0.5), pct(res.lat, 0.99))
	return res
}

type throughputResult struct {
	System    string
	Events    int
	Delivered int
	Seconds   float64 // release → last event received
	ServerCPU float64
	BenchCPU  float64
}

func (t *throughputResult) rate() float64 {
	if t.Seconds <= 0 {
		return 0
	}
	return float64(t.Delivered) / t.Seconds
}

// runThroughput commits cfg.events rows while delivery is held back, then
// releases it and times the delivery of all of them.
func runThroughput(ctx context.Context, cfg *config, sys system, rcv *receiver, rep *report) *throughputResult {
	rcv.reset()
	res := &throughputResult{System: sys.name(), Events: cfg.events}
	logf("%s: throughput: %d rows released at once", sys.name(), cfg.events)
	c, err := sys.conn(ctx)
	if err != nil {
		rep.problem("%s: connect: %v", sys.name(), err)
		return res
	}
	defer c.Close(context.Background())
	if err := sys.hold(ctx, c); err != nil {
		rep.problem("%s: hold: %v", sys.name(), err)
		return res
	}
	const batch = 500
	base := int64(1_000_000_000)
	for i := 0; i < cfg.events; i += batch {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (id, v, note) VALUES ")
		for j := i; j < min(i+batch, cfg.events); j++ {
			if j > i {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, %d, 'throughput row')", base+int64(j), j)
		}
		if _, err := c.Exec(ctx, b.String()); err != nil {
			rep.problem("%s: insert: %v", sys.name(), err)
			return res
		}
	}
	pid, kids := sys.pid()
	cpu0, self0 := cpuTicks(pid, kids), cpuTicks(os.Getpid(), false)
	t0, err := sys.release(ctx, c)
	if err != nil {
		rep.problem("%s: release: %v", sys.name(), err)
		return res
	}
	n, last := rcv.waitFor(ctx, cfg.events, 5*time.Minute)
	res.Delivered = n
	if n > 0 {
		res.Seconds = last.Sub(t0).Seconds()
	}
	res.ServerCPU = float64(cpuTicks(pid, kids)-cpu0) / float64(cfg.clkTck)
	res.BenchCPU = float64(cpuTicks(os.Getpid(), false)-self0) / float64(cfg.clkTck)
	if n < cfg.events {
		rep.problem("%s: throughput: only %d of %d events delivered", sys.name(), n, cfg.events)
	}
	logf("%s: throughput: %d events in %.2fs = %s/s", sys.name(), n, res.Seconds, num(res.rate()))
	return res
}
