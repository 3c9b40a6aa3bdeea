package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

type report struct {
	cfg        *config
	started    time.Time
	loadAfter  string
	pgVersion  string
	latency    []*latencyResult
	throughput []*throughputResult
	problems   []string
}

func (r *report) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("problem: %s", msg)
	r.problems = append(r.problems, msg)
}

func (r *report) versions(ctx context.Context) {
	r.pgVersion = "n/a"
	if r.cfg.pgDSN == "" {
		return
	}
	if c, err := pgx.Connect(ctx, r.cfg.pgDSN); err == nil {
		var v string
		if c.QueryRow(ctx, "SHOW server_version").Scan(&v) == nil {
			r.pgVersion = v
		}
		c.Close(ctx)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if s, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func (r *report) markdown() string {
	var b strings.Builder
	c := r.cfg
	fmt.Fprintf(&b, "# Webhook delivery: nodedb vs PostgreSQL 15 trigger + pg_notify + relay\n\n")
	fmt.Fprintf(&b, "- date: %s\n- nodedb commit: %s\n- PostgreSQL: %s\n- machine: %s\n- load average before / after: %s / %s\n\n",
		r.started.UTC().Format(time.RFC3339), c.commit, r.pgVersion, machine(), c.loadBefore, r.loadAfter)
	fmt.Fprintf(&b, "Both deliver every inserted row of `%s (id BIGINT PRIMARY KEY, v INT, note TEXT)` as one HTTP POST\n", table)
	fmt.Fprintf(&b, "to the same receiver in the benchmark process. nodedb: `CREATE CHANGE STREAM ... WITH (URL = ...)`,\n")
	fmt.Fprintf(&b, "durability sync, delivery from the durable change log (at least once, survives restarts).\n")
	fmt.Fprintf(&b, "PostgreSQL: fsync on, an AFTER INSERT trigger calling `pg_notify(row_to_json(NEW))`, and a relay\n")
	fmt.Fprintf(&b, "(in the benchmark process) that LISTENs and POSTs each notification in order; notifications are\n")
	fmt.Fprintf(&b, "not durable (a relay or server restart loses them). No signatures on either side.\n\n")

	fmt.Fprintf(&b, "## Latency at a paced rate (%d rows/s for %v, %d writers)\n\n", c.rate, c.duration, c.writers)
	fmt.Fprintf(&b, "Time from sending the INSERT to the receiver getting the event (includes the commit), after a 1 s warm-up.\n\n")
	fmt.Fprintf(&b, "| system | rows/s done | delivered | p50 ms | p95 ms | p99 ms | max ms | commit p50 ms | server CPU s | bench CPU s |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range r.latency {
		max := time.Duration(0)
		if len(l.lat) > 0 {
			max = l.lat[len(l.lat)-1]
		}
		fmt.Fprintf(&b, "| %s | %s | %d/%d | %s | %s | %s | %s | %s | %.2f | %.2f |\n", l.System, num(l.Rate), l.Delivered, l.Inserted,
			ms(pct(l.lat, 0.5)), ms(pct(l.lat, 0.95)), ms(pct(l.lat, 0.99)), ms(max), ms(pct(l.commit, 0.5)), l.ServerCPU, l.BenchCPU)
	}
	if len(r.latency) == 2 {
		a, p := r.latency[0], r.latency[1]
		fmt.Fprintf(&b, "\nnodedb / PostgreSQL: p50 %s, p99 %s (lower is better for nodedb below 1)\n",
			ratio(float64(pct(a.lat, 0.5)), float64(pct(p.lat, 0.5))), ratio(float64(pct(a.lat, 0.99)), float64(pct(p.lat, 0.99))))
	}

	fmt.Fprintf(&b, "\n## Throughput (%d rows released at once)\n\n", c.events)
	fmt.Fprintf(&b, "nodedb: stream PAUSEd, rows inserted (500 per statement), RESUME. PostgreSQL: rows inserted in one\n")
	fmt.Fprintf(&b, "transaction, COMMIT releases the notifications. Time from the release to the last event received.\n\n")
	fmt.Fprintf(&b, "| system | delivered | seconds | events/s | server CPU s | bench CPU s |\n|---|---|---|---|---|---|\n")
	for _, t := range r.throughput {
		fmt.Fprintf(&b, "| %s | %d/%d | %.2f | %s | %.2f | %.2f |\n", t.System, t.Delivered, t.Events, t.Seconds, num(t.rate()), t.ServerCPU, t.BenchCPU)
	}
	if len(r.throughput) == 2 {
		fmt.Fprintf(&b, "\nnodedb / PostgreSQL events/s: %s\n", ratio(r.throughput[0].rate(), r.throughput[1].rate()))
	}
	if len(r.problems) > 0 {
		fmt.Fprintf(&b, "\n## Problems\n\n")
		for _, p := range r.problems {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	return b.String()
}
