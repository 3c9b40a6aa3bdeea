// Command realtime benchmarks NodeDB-Go's push and messaging features side
// by side with their usual peers: LIVE SELECT fan-out to 200 pgwire
// subscribers against PostgreSQL 15 LISTEN/NOTIFY fed by a trigger, and
// topics (publish over pgwire and HTTP, consume with a group of 4 named
// members) against NATS JetStream (through `nats bench`) and Redis Streams.
// It expects the servers to be running;
// bench/realtime/run.sh starts throwaway ones and runs it. See
// bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/nodedb-go/nodedb/bench/internal/benchutil"
)

type config struct {
	nodedbDSN  string
	nodedbHTTP string
	pgDSN      string
	redisAddr  string

	natsCLI       string // the nats CLI binary; empty: JetStream not measured
	natsURL       string // JetStream with its default sync
	natsAlwaysURL string // JetStream with sync_interval: always
	natsPID       int
	natsAlwaysPID int
	natsVersion   string
	natsSkip      string // why JetStream was not measured
	natsTimeout   time.Duration

	subscribers int
	selective   int // of subscribers, how many use the selective WHERE
	rate        int
	duration    time.Duration
	warmup      time.Duration
	drain       time.Duration
	writers     int
	fanoutRuns  int

	messages   int
	msgSize    int
	batch      int
	members    int
	opTimeout  time.Duration
	skipFanout bool
	skipTopics bool

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
	flag.StringVar(&cfg.nodedbDSN, "nodedb", "", "nodedb pgwire DSN, e.g. postgres://admin@127.0.0.1:6432/nodedb?sslmode=disable")
	flag.StringVar(&cfg.nodedbHTTP, "nodedb-http", "", "nodedb HTTP base URL, e.g. http://127.0.0.1:6480 (empty: no HTTP publish)")
	flag.StringVar(&cfg.pgDSN, "pg", "", "PostgreSQL 15 DSN (max_connections must exceed subscribers + writers)")
	flag.StringVar(&cfg.redisAddr, "redis", "", "Redis address host:port")
	flag.StringVar(&cfg.natsCLI, "nats-cli", "", "path of the nats CLI (natscli) whose `nats bench` measures JetStream (empty: no JetStream)")
	flag.StringVar(&cfg.natsURL, "nats", "", "nats-server URL with JetStream at its default sync, e.g. nats://127.0.0.1:4222")
	flag.StringVar(&cfg.natsAlwaysURL, "nats-always", "", "nats-server URL with JetStream configured with sync_interval: always")
	flag.IntVar(&cfg.natsPID, "nats-pid", 0, "pid of the -nats server (server CPU)")
	flag.IntVar(&cfg.natsAlwaysPID, "nats-always-pid", 0, "pid of the -nats-always server (server CPU)")
	flag.StringVar(&cfg.natsVersion, "nats-version", "", "nats-server and natscli versions, for the report")
	flag.StringVar(&cfg.natsSkip, "nats-skip", "", "why JetStream is not measured, for the report")
	flag.DurationVar(&cfg.natsTimeout, "nats-timeout", 20*time.Minute, "topics: bound on each nats bench run")
	flag.IntVar(&cfg.subscribers, "subscribers", 200, "fan-out: subscriber sessions per system")
	flag.IntVar(&cfg.selective, "selective", -1, "fan-out: how many of them use the selective (~10%) filter (default: half)")
	flag.IntVar(&cfg.rate, "rate", 2000, "fan-out: rows inserted per second")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "fan-out: how long the writer runs")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "fan-out: rows sent in the first part are delivered and counted but not in the latency figures")
	flag.DurationVar(&cfg.drain, "drain", 5*time.Second, "fan-out: after the writer stops, how long subscribers may still receive")
	flag.IntVar(&cfg.writers, "writers", 8, "fan-out: writer connections sharing the paced schedule")
	flag.IntVar(&cfg.fanoutRuns, "fanout-runs", 1, "fan-out: runs per system, the systems taking turns; the report gives each and the medians")
	flag.IntVar(&cfg.messages, "messages", 100_000, "topics: messages published per run")
	flag.IntVar(&cfg.msgSize, "msg-size", 128, "topics: message size in bytes")
	flag.IntVar(&cfg.batch, "batch", 1000, "topics: PUBLISH statements per pgx batch / messages per HTTP array / XADDs per pipeline / read LIMIT")
	flag.IntVar(&cfg.members, "members", 4, "topics: consumer group members")
	flag.DurationVar(&cfg.opTimeout, "op-timeout", 5*time.Minute, "topics: bound on each publish and each consume run")
	flag.BoolVar(&cfg.skipFanout, "skip-fanout", false, "skip the fan-out runs")
	flag.BoolVar(&cfg.skipTopics, "skip-topics", false, "skip the topic runs")
	flag.StringVar(&cfg.out, "out", "", "write the markdown report to this file")
	flag.StringVar(&cfg.commit, "commit", "unknown", "nodedb commit, for the report")
	flag.StringVar(&cfg.loadBefore, "load-before", "", "load average before the servers started, for the report")
	flag.IntVar(&cfg.nodedbPID, "nodedb-pid", 0, "nodedb pid (server CPU)")
	flag.IntVar(&cfg.pgPID, "pg-pid", 0, "postmaster pid (server CPU)")
	flag.IntVar(&cfg.redisPID, "redis-pid", 0, "redis-server pid (server CPU)")
	flag.IntVar(&cfg.clkTck, "clk-tck", 100, "clock ticks per second (getconf CLK_TCK)")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the benchmark client's CPU profile to this file")
	flag.Parse()
	if cfg.nodedbDSN == "" {
		log.Fatal("-nodedb is required")
	}
	if cfg.selective < 0 {
		cfg.selective = cfg.subscribers / 2
	}
	if cfg.loadBefore == "" {
		cfg.loadBefore = loadAvg()
	}
	// The client's own garbage collection runs between a notification's
	// arrival and the moment the receiving goroutine reads its clock, so
	// it lengthens every system's measured latencies alike. Its live heap
	// is a few MiB; pacing the collector from a 64 MiB floor (as
	// cmd/nodedb does, docs/configuration.md) makes it collect far less
	// often. The allocation is never written: no resident memory.
	gcFloor := make([]byte, 64<<20)
	defer runtime.KeepAlive(gcFloor)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfile, err := benchutil.StartCPUProfile(cfg.cpuProfile)
	if err != nil {
		log.Fatal(err)
	}
	defer stopProfile()
	rep := &report{cfg: &cfg, started: time.Now()}
	rep.versions(ctx)
	if !cfg.skipFanout {
		runFanout(ctx, &cfg, rep)
	}
	if !cfg.skipTopics && ctx.Err() == nil {
		runTopics(ctx, &cfg, rep)
	}
	if ctx.Err() != nil {
		rep.problem("interrupted")
	}
	rep.loadAfter = loadAvg()
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

var (
	logf    = benchutil.Logf
	loadAvg = benchutil.LoadAvg
	num     = benchutil.Num
	// cpuTicks is a process's CPU time in clock ticks (with its children's
	// when kids: PostgreSQL backends).
	cpuTicks = benchutil.CPUTicks
)
