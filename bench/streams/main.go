// Command streams benchmarks NodeDB-Go change streams side by side with
// PostgreSQL 15 logical decoding (commit-to-consumer latency) and Redis
// Streams (catch-up throughput of one consumer group). It expects the
// servers to be running; bench/streams/run.sh starts throwaway ones and
// runs it. See bench/README.md.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nodedb-go/nodedb/bench/internal/benchutil"
)

type config struct {
	nodedbDSN   string
	nodedbHTTP  string
	pgDSN       string
	pgHost      string
	pgPort      int
	recvlogical string
	redisAddr   string

	rates        []int
	duration     time.Duration
	warmup       time.Duration
	drain        time.Duration
	writers      int
	pollInterval time.Duration
	httpWait     time.Duration
	ackInterval  time.Duration

	events         int
	batch          int
	copyBatch      int
	catchupTimeout time.Duration

	skipLatency, skipCatchup bool

	out        string
	commit     string
	loadBefore string
	nodedbPID  int
	pgPID      int
	redisPID   int
	clkTck     int
	cpuProfile string
}

func main() {
	var cfg config
	var rates string
	flag.StringVar(&cfg.nodedbDSN, "nodedb", "", "nodedb pgwire DSN, e.g. postgres://admin@127.0.0.1:6432/nodedb?sslmode=disable")
	flag.StringVar(&cfg.nodedbHTTP, "nodedb-http", "", "nodedb HTTP base URL, e.g. http://127.0.0.1:6480 (empty: no HTTP consumer)")
	flag.StringVar(&cfg.pgDSN, "pg", "", "PostgreSQL 15 DSN (server started with wal_level=logical)")
	flag.StringVar(&cfg.pgHost, "pg-host", "127.0.0.1", "PostgreSQL host for pg_recvlogical")
	flag.IntVar(&cfg.pgPort, "pg-port", 5432, "PostgreSQL port for pg_recvlogical")
	flag.StringVar(&cfg.recvlogical, "pg-recvlogical", "/usr/lib/postgresql/15/bin/pg_recvlogical", "pg_recvlogical binary")
	flag.StringVar(&cfg.redisAddr, "redis", "", "Redis address host:port")
	flag.StringVar(&rates, "rates", "1000,5000", "writer rates (single-row commits per second), comma-separated")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the writer runs at each rate")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "events sent in the first part of each run are not measured")
	flag.DurationVar(&cfg.drain, "drain", 5*time.Second, "after the writer stops, how long to wait for the consumer to catch up")
	flag.IntVar(&cfg.writers, "writers", 8, "writer connections sharing the paced schedule")
	flag.DurationVar(&cfg.pollInterval, "poll-interval", time.Millisecond, "pgwire consumer: sleep after an empty read")
	flag.DurationVar(&cfg.httpWait, "http-wait", time.Second, "HTTP consumer: wait_ms of each long poll")
	flag.DurationVar(&cfg.ackInterval, "http-ack-interval", 0, "HTTP consumer: commit offsets at most this often, in the background, reading on after the last LSN seen (0: commit after each non-empty read, in the loop)")
	flag.IntVar(&cfg.events, "events", 1_000_000, "catch-up: retained events")
	flag.IntVar(&cfg.batch, "batch", 1000, "catch-up: events per read")
	flag.IntVar(&cfg.copyBatch, "copy-batch", 10_000, "catch-up: rows per COPY (one transaction each) / XADDs per pipeline")
	flag.DurationVar(&cfg.catchupTimeout, "catchup-timeout", 5*time.Minute, "catch-up: bound on each load and each read")
	flag.BoolVar(&cfg.skipLatency, "skip-latency", false, "skip the latency runs")
	flag.BoolVar(&cfg.skipCatchup, "skip-catchup", false, "skip the catch-up runs")
	flag.StringVar(&cfg.out, "out", "", "write the markdown report to this file")
	flag.StringVar(&cfg.commit, "commit", "unknown", "nodedb commit, for the report")
	flag.StringVar(&cfg.loadBefore, "load-before", "", "load average before the servers started, for the report")
	flag.IntVar(&cfg.nodedbPID, "nodedb-pid", 0, "nodedb pid (server CPU per event)")
	flag.IntVar(&cfg.pgPID, "pg-pid", 0, "postmaster pid (server CPU per event)")
	flag.IntVar(&cfg.redisPID, "redis-pid", 0, "redis-server pid (server CPU per event)")
	flag.IntVar(&cfg.clkTck, "clk-tck", 100, "clock ticks per second (getconf CLK_TCK)")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the benchmark client's CPU profile to this file")
	flag.Parse()
	for _, s := range strings.Split(rates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("bad -rates %q", rates)
		}
		cfg.rates = append(cfg.rates, n)
	}
	if cfg.nodedbDSN == "" {
		log.Fatal("-nodedb is required")
	}
	if cfg.loadBefore == "" {
		cfg.loadBefore = loadAvg()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfile, err := benchutil.StartCPUProfile(cfg.cpuProfile)
	if err != nil {
		log.Fatal(err)
	}
	defer stopProfile()
	rep := &report{cfg: &cfg, started: time.Now()}
	if err := run(ctx, &cfg, rep); err != nil {
		rep.problem("aborted: %v", err)
	}
	rep.loadAfter = loadAvg()
	rep.print(os.Stdout)
	if cfg.out != "" {
		if err := rep.write(cfg.out); err != nil {
			log.Fatalf("writing %s: %v", cfg.out, err)
		}
		logf("wrote %s", cfg.out)
	}
	if ctx.Err() != nil {
		os.Exit(130)
	}
}

var (
	logf    = benchutil.Logf
	loadAvg = benchutil.LoadAvg
	num     = benchutil.Num
)

func run(ctx context.Context, cfg *config, rep *report) error {
	rep.versions(ctx)
	if !cfg.skipLatency {
		if err := runLatency(ctx, cfg, rep); err != nil {
			return err
		}
	}
	if !cfg.skipCatchup {
		if err := runCatchup(ctx, cfg, rep); err != nil {
			return err
		}
	}
	return nil
}
