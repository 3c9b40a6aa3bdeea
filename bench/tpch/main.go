// Command tpch is a TPC-H-like benchmark of NodeDB-Go against PostgreSQL
// 15. It generates the eight TPC-H tables (deterministic for a seed, scale
// factor 0.1 by default), loads the same rows into both servers with COPY
// FROM STDIN (pgx CopyFrom), creates the same secondary indexes, runs VACUUM ANALYZE,
// then runs TPC-H queries 1, 3, 5, 6, 10, 12 and 14 against both in the
// same run: one warm-up, then the median of a few timed runs. Every query's
// rows are compared between the two servers (sorted, numbers within a
// relative tolerance) and the report says whether they matched.
//
// bench/tpch/run.sh starts throwaway servers and runs it; see
// bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nodedb-go/nodedb/bench/internal/benchutil"
)

type config struct {
	nodedbDSN string
	pgDSN     string

	sf      float64
	seed    uint64
	decType string
	batch   int
	runs    int
	timeout time.Duration
	slow    time.Duration
	only    string
	tol     float64

	out        string
	commit     string
	loadBefore string
}

var logf = benchutil.Logf

func main() {
	var cfg config
	flag.StringVar(&cfg.nodedbDSN, "nodedb", "", "nodedb pgwire DSN")
	flag.StringVar(&cfg.pgDSN, "pg", "", "PostgreSQL 15 DSN (empty: nodedb only)")
	flag.Float64Var(&cfg.sf, "sf", 0.1, "scale factor")
	flag.Uint64Var(&cfg.seed, "seed", 1, "generator seed")
	flag.StringVar(&cfg.decType, "decimal", "DECIMAL(15,2)", "SQL type of the money and quantity columns")
	flag.IntVar(&cfg.batch, "batch", 50000, "rows per COPY")
	flag.IntVar(&cfg.runs, "runs", 3, "timed runs per query after one warm-up (the median is reported)")
	flag.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "bound on one query execution")
	flag.DurationVar(&cfg.slow, "slow", time.Minute, "a warm-up slower than this is the only run")
	flag.StringVar(&cfg.only, "queries", "", "comma-separated query names to run (default: all)")
	flag.Float64Var(&cfg.tol, "tolerance", 1e-6, "relative tolerance when comparing numbers")
	flag.StringVar(&cfg.out, "out", "", "write the markdown report to this file")
	flag.StringVar(&cfg.commit, "commit", "unknown", "nodedb commit, for the report")
	flag.StringVar(&cfg.loadBefore, "load-before", "", "load average before the servers started")
	flag.Parse()
	if cfg.nodedbDSN == "" {
		log.Fatal("-nodedb is required")
	}
	if cfg.loadBefore == "" {
		cfg.loadBefore = benchutil.LoadAvg()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := &report{cfg: &cfg, started: time.Now()}
	g := &Gen{SF: cfg.sf, Seed: cfg.seed}
	systems := []*system{{name: "nodedb", dsn: cfg.nodedbDSN}}
	if cfg.pgDSN != "" {
		systems = append(systems, &system{name: "postgres", dsn: cfg.pgDSN})
	}
	for _, s := range systems {
		if err := s.connect(ctx); err != nil {
			log.Fatalf("%s: connect: %v", s.name, err)
		}
		s.version = s.serverVersion(ctx)
		logf("%s: creating and loading the tables (SF %g)", s.name, cfg.sf)
		if err := s.setup(ctx, g, &cfg); err != nil {
			rep.problem("%s: setup: %v", s.name, err)
			s.broken = true
		}
	}
	rep.systems = systems

	for _, q := range Queries {
		if cfg.only != "" && !slices.Contains(strings.Split(strings.ToLower(cfg.only), ","), strings.ToLower(q.Name)) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		qr := &queryResult{q: q}
		for _, s := range systems {
			if s.broken {
				qr.runs = append(qr.runs, &runResult{err: fmt.Errorf("setup failed")})
				continue
			}
			rr := s.run(ctx, q, &cfg)
			if rr.err != nil {
				logf("%s %s: FAILED: %v", q.Name, s.name, rr.err)
			} else {
				logf("%s %s: %d rows, median %s ms over %d runs", q.Name, s.name, len(rr.rows), ms(rr.median), len(rr.times))
			}
			qr.runs = append(qr.runs, rr)
		}
		if len(qr.runs) == 2 && qr.runs[0].err == nil && qr.runs[1].err == nil {
			qr.match, qr.diff = compareResults(qr.runs[0].rows, qr.runs[1].rows, cfg.tol)
			if !qr.match {
				logf("%s: results differ: %s", q.Name, qr.diff)
			}
		}
		rep.queries = append(rep.queries, qr)
	}
	if ctx.Err() != nil {
		rep.problem("interrupted")
	}
	for _, s := range systems {
		s.conn.Close(context.Background())
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
