// Command webhook benchmarks NodeDB-Go's webhook delivery of a change
// stream against the usual PostgreSQL setup it replaces: an AFTER INSERT
// trigger calling pg_notify and a relay process that LISTENs and POSTs each
// notification to the receiver. Both deliver to the same in-process HTTP
// receiver. Two workloads:
//
//   - latency: rows inserted at a paced rate (default 1,000/s) by several
//     writers; the figure is the time from sending the INSERT to the
//     receiver getting the event (so it includes the commit);
//   - throughput: N rows committed while delivery is held back (nodedb:
//     the stream is PAUSEd; PostgreSQL: one transaction, whose
//     notifications are released at COMMIT), then released; the figure is
//     N divided by the time until the receiver has all of them.
//
// bench/webhook/run.sh starts throwaway servers and runs it; see
// bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nodedb-go/nodedb/bench/internal/benchutil"
)

type config struct {
	nodedbDSN string
	pgDSN     string

	rate     int
	duration time.Duration
	drain    time.Duration
	writers  int
	events   int

	out        string
	commit     string
	loadBefore string
	nodedbPID  int
	pgPID      int
	clkTck     int
}

var (
	logf     = benchutil.Logf
	num      = benchutil.Num
	cpuTicks = benchutil.CPUTicks
)

func main() {
	var cfg config
	flag.StringVar(&cfg.nodedbDSN, "nodedb", "", "nodedb pgwire DSN")
	flag.StringVar(&cfg.pgDSN, "pg", "", "PostgreSQL 15 DSN (empty: nodedb only)")
	flag.IntVar(&cfg.rate, "rate", 1000, "latency: rows inserted per second")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "latency: how long the writers run")
	flag.DurationVar(&cfg.drain, "drain", 10*time.Second, "latency: how long to wait for the last events")
	flag.IntVar(&cfg.writers, "writers", 4, "latency: writer connections sharing the paced schedule")
	flag.IntVar(&cfg.events, "events", 20000, "throughput: rows released at once")
	flag.StringVar(&cfg.out, "out", "", "write the markdown report to this file")
	flag.StringVar(&cfg.commit, "commit", "unknown", "nodedb commit, for the report")
	flag.StringVar(&cfg.loadBefore, "load-before", "", "load average before the servers started")
	flag.IntVar(&cfg.nodedbPID, "nodedb-pid", 0, "nodedb pid (server CPU)")
	flag.IntVar(&cfg.pgPID, "pg-pid", 0, "postmaster pid (server CPU)")
	flag.IntVar(&cfg.clkTck, "clk-tck", 100, "clock ticks per second (getconf CLK_TCK)")
	flag.Parse()
	if cfg.nodedbDSN == "" {
		log.Fatal("-nodedb is required")
	}
	if cfg.loadBefore == "" {
		cfg.loadBefore = benchutil.LoadAvg()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rcv, err := startReceiver()
	if err != nil {
		log.Fatalf("receiver: %v", err)
	}
	defer rcv.close()
	rep := &report{cfg: &cfg, started: time.Now()}
	rep.versions(ctx)

	systems := []system{newNodeDB(&cfg, rcv)}
	if cfg.pgDSN != "" {
		systems = append(systems, newPostgres(&cfg, rcv))
	}
	for _, sys := range systems {
		if ctx.Err() != nil {
			break
		}
		if err := sys.setup(ctx); err != nil {
			rep.problem("%s: setup: %v", sys.name(), err)
			continue
		}
		rep.latency = append(rep.latency, runLatency(ctx, &cfg, sys, rcv, rep))
		rep.throughput = append(rep.throughput, runThroughput(ctx, &cfg, sys, rcv, rep))
		sys.close()
	}
	if ctx.Err() != nil {
		rep.problem("interrupted")
	}
	rep.loadAfter = benchutil.LoadAvg()
	md := rep.markdown()
	fmt.Print(md)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(md), 0o644); err != nil {
			log.Fatalf("writing %s: %v", cfg.out, err)
		}
		logf("wrote %s", cfg.out)
	}
	if ctx.Err() != nil {
		os.Exit(130)
	}
}
