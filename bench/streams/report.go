package main

import (
	"context"
	"fmt"
	"github.com/nodedb-go/nodedb/bench/internal/resp"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

type report struct {
	cfg       *config
	started   time.Time
	loadAfter string
	pgVersion string
	redisVer  string
	lat       []*latResult
	cu        []*cuResult
	notes     []string
	problems  []string
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

func (r *report) versions(ctx context.Context) {
	r.pgVersion, r.redisVer = "n/a", "n/a"
	if r.cfg.pgDSN != "" {
		if c, err := pgx.Connect(ctx, r.cfg.pgDSN); err == nil {
			var v string
			if c.QueryRow(ctx, "SHOW server_version").Scan(&v) == nil {
				r.pgVersion = v
			}
			var wl string
			if c.QueryRow(ctx, "SHOW wal_level").Scan(&wl) == nil && wl != "logical" {
				r.problem("PostgreSQL wal_level is %s, not logical", wl)
			}
			c.Close(ctx)
		}
	}
	if r.cfg.redisAddr != "" {
		if c, err := resp.Dial(r.cfg.redisAddr); err == nil {
			if v, err := c.Do("INFO", "server"); err == nil {
				b, _ := v.([]byte)
				for _, l := range strings.Split(string(b), "\r\n") {
					if s, ok := strings.CutPrefix(l, "redis_version:"); ok {
						r.redisVer = s
					}
				}
			}
			c.Close()
		}
	}
}

func machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				if _, v, ok := strings.Cut(l, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d CPUs (%s), %s RAM, kernel %s, %s", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), runtime.Version())
}

func ms(d time.Duration) string {
	if d < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(d)/1e6)
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func (r *report) latTable(w io.Writer) {
	fmt.Fprintln(w, "| rate (commits/s) | system | consumer | achieved rate | events measured | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | writer commit p50 / p99 (ms) | missing / dup / wrong | consumer reads (empty) |")
	fmt.Fprintln(w, "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
	for _, l := range r.lat {
		maxd := time.Duration(-1)
		if len(l.Lat) > 0 {
			maxd = l.Lat[len(l.Lat)-1]
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %d / %d / %d | %s (%s) |\n",
			num(float64(l.Rate)), l.System, l.Consumer, num(l.Achieved), num(float64(l.Measured)),
			ms(pct(l.Lat, 50)), ms(pct(l.Lat, 99)), ms(pct(l.Lat, 99.9)), ms(maxd),
			ms(pct(l.CommitLat, 50)), ms(pct(l.CommitLat, 99)),
			l.Missing, l.Dups, l.Unknown+l.BadPayload, num(float64(l.Reads)), num(float64(l.EmptyReads)))
	}
}

// latSummary pairs each nodedb consumer with PostgreSQL at the same rate.
func (r *report) latSummary(w io.Writer) {
	fmt.Fprintln(w, "| rate | nodedb consumer | nodedb p50 / p99 / p99.9 (ms) | postgres p50 / p99 / p99.9 (ms) | ratio p50 / p99 (nodedb / postgres; below 1: nodedb faster) | target at 1,000/s: p50 ≤ 1 ms, p99 ≤ 5 ms |")
	fmt.Fprintln(w, "| ---: | --- | ---: | ---: | ---: | --- |")
	for _, n := range r.lat {
		if n.System != "nodedb" {
			continue
		}
		var p *latResult
		for _, x := range r.lat {
			if x.System == "postgres" && x.Rate == n.Rate {
				p = x
			}
		}
		pg, rt := "n/a", "n/a"
		if p != nil && len(p.Lat) > 0 {
			pg = fmt.Sprintf("%s / %s / %s", ms(pct(p.Lat, 50)), ms(pct(p.Lat, 99)), ms(pct(p.Lat, 99.9)))
			rt = ratio(float64(pct(n.Lat, 50)), float64(pct(p.Lat, 50))) + " / " + ratio(float64(pct(n.Lat, 99)), float64(pct(p.Lat, 99)))
		}
		target := "—"
		if n.Rate == 1000 {
			ok50 := len(n.Lat) > 0 && pct(n.Lat, 50) <= time.Millisecond
			ok99 := len(n.Lat) > 0 && pct(n.Lat, 99) <= 5*time.Millisecond
			target = fmt.Sprintf("p50 %s, p99 %s", passFail(ok50), passFail(ok99))
		}
		fmt.Fprintf(w, "| %s | %s | %s / %s / %s | %s | %s | %s |\n", num(float64(n.Rate)), n.Consumer,
			ms(pct(n.Lat, 50)), ms(pct(n.Lat, 99)), ms(pct(n.Lat, 99.9)), pg, rt, target)
	}
}

func passFail(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func (r *report) cuTable(w io.Writer) {
	fmt.Fprintln(w, "| system | what | events | seconds | events/s | server CPU µs/event | reads | dup / wrong | error |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
	for _, c := range r.cu {
		cpu := "n/a"
		if c.CPUus >= 0 {
			cpu = fmt.Sprintf("%.1f", c.CPUus)
		}
		reads := "—"
		if c.Reads > 0 {
			reads = num(float64(c.Reads))
		}
		fmt.Fprintf(w, "| %s | %s | %s of %s | %.2f | %s | %s | %s | %d / %d | %s |\n", c.System, c.What,
			num(float64(c.Events)), num(float64(c.Want)), c.Secs, num(c.rate()), cpu, reads, c.Dups, c.Bad, c.Err)
	}
	var redis *cuResult
	for _, c := range r.cu {
		if c.System == "redis" && strings.HasPrefix(c.What, "read") {
			redis = c
		}
	}
	if redis == nil {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| nodedb read path | nodedb events/s | redis events/s | ratio (target ≥ 0.5) |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, c := range r.cu {
		if c.System == "nodedb" && strings.HasPrefix(c.What, "read") {
			rt := ratio(c.rate(), redis.rate())
			if c.Err != "" {
				rt += " (incomplete: see error)"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", strings.TrimPrefix(c.What, "read: "), num(c.rate()), num(redis.rate()), rt)
		}
	}
}

func (r *report) problemsFromResults() []string {
	ps := append([]string(nil), r.problems...)
	for _, l := range r.lat {
		id := fmt.Sprintf("%s, %s, %d/s", l.System, l.Consumer, l.Rate)
		if l.WriteErrs > 0 {
			ps = append(ps, fmt.Sprintf("%s: %d writer errors; first: %s", id, l.WriteErrs, l.FirstWErr))
		}
		if l.ConsErr != "" {
			ps = append(ps, fmt.Sprintf("%s: consumer error: %s", id, l.ConsErr))
		}
		if l.Missing > 0 || l.Dups > 0 || l.Unknown > 0 || l.BadPayload > 0 {
			ps = append(ps, fmt.Sprintf("%s: %d committed rows never received within %s after the writer stopped, %d received twice, %d with an unknown id, %d with a timestamp differing from the one written",
				id, l.Missing, r.cfg.drain, l.Dups, l.Unknown, l.BadPayload))
		}
		for _, n := range l.Notes {
			ps = append(ps, id+": "+n)
		}
	}
	for _, c := range r.cu {
		if c.Err != "" || c.Dups > 0 || c.Bad > 0 {
			ps = append(ps, fmt.Sprintf("%s %s: %d of %d, %d duplicates, %d wrong ids; %s", c.System, c.What, c.Events, c.Want, c.Dups, c.Bad, c.Err))
		}
	}
	return ps
}

func (r *report) allNotes() []string {
	ns := r.notes
	if probeOnce.done && !probeOnce.ok && r.cfg.skipLatency {
		ns = append(ns, "HTTP consumer not measured: "+probeOnce.why)
	}
	return ns
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w)
	if len(r.lat) > 0 {
		fmt.Fprintln(w, "Commit-to-consumer latency (consumer receive time - writer's time just before sending the INSERT):")
		fmt.Fprintln(w)
		r.latSummary(w)
		fmt.Fprintln(w)
		r.latTable(w)
		fmt.Fprintln(w)
	}
	if len(r.cu) > 0 {
		fmt.Fprintln(w, "Catch-up throughput:")
		fmt.Fprintln(w)
		r.cuTable(w)
		fmt.Fprintln(w)
	}
	for _, n := range r.allNotes() {
		fmt.Fprintln(w, "Note:", n)
	}
	if ps := r.problemsFromResults(); len(ps) > 0 {
		fmt.Fprintln(w, "Problems:")
		for _, p := range ps {
			fmt.Fprintln(w, "-", p)
		}
	}
	fmt.Fprintf(w, "load average before: %s; after: %s\n", r.cfg.loadBefore, r.loadAfter)
}

func (r *report) write(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c := r.cfg
	date := r.started.Format("2006-01-02")
	fmt.Fprintf(f, "# Change streams: NodeDB-Go vs PostgreSQL 15 logical decoding and Redis Streams (%s)\n\n", date)
	fmt.Fprintln(f, "Produced by `bash bench/streams/run.sh` (the program is `go run ./bench/streams`); see bench/README.md for how to read it.")
	fmt.Fprintln(f)
	fmt.Fprintf(f, "- nodedb commit: %s, CGO_ENABLED=0, durability=sync (fsync per commit, group commit)\n", c.commit)
	fmt.Fprintf(f, "- PostgreSQL %s: wal_level=logical, otherwise defaults (fsync=on, synchronous_commit=on); consumer `pg_recvlogical --start -f -` on a `test_decoding` slot (skip-empty-xacts=1, include-xids=0)\n", r.pgVersion)
	fmt.Fprintf(f, "- Redis %s: no persistence (`--save '' --appendonly no`); client: the benchmark's own minimal RESP2 client (pipelined)\n", r.redisVer)
	fmt.Fprintf(f, "- machine: %s; the servers, the writer, the consumers and anything else running share the CPUs\n", machine())
	fmt.Fprintf(f, "- load average (1/5/15 min) before the servers started: %s; after the runs: %s (above 0 before the start is other work on the machine)\n", c.loadBefore, r.loadAfter)
	fmt.Fprintf(f, "- latency runs: %s per rate, first %s of sends not measured (warm-up), %d writer connections sharing one paced schedule, drain %s; pgwire consumer sleeps %s after an empty read; HTTP long poll wait_ms=%d\n",
		c.duration, c.warmup, c.writers, c.drain, c.pollInterval, c.httpWait.Milliseconds())
	fmt.Fprintf(f, "- catch-up: %s events, batches of %d, loads in chunks of %d\n", num(float64(c.events)), c.batch, c.copyBatch)
	fmt.Fprintln(f)
	if len(r.lat) > 0 {
		fmt.Fprintln(f, "## Commit-to-consumer latency")
		fmt.Fprintln(f)
		fmt.Fprintln(f, "Latency = the consumer's clock when it has the event − the writer's clock just before it sent the single-row")
		fmt.Fprintln(f, "autocommit INSERT carrying that time (same process, same clock). It includes the commit itself (fsync);")
		fmt.Fprintln(f, "the writer's own commit latency (INSERT sent → OK received) is shown for comparison.")
		fmt.Fprintln(f)
		r.latSummary(f)
		fmt.Fprintln(f)
		r.latTable(f)
		fmt.Fprintln(f)
	}
	if len(r.cu) > 0 {
		fmt.Fprintln(f, "## Catch-up throughput")
		fmt.Fprintln(f)
		r.cuTable(f)
		fmt.Fprintln(f)
	}
	if ns := r.allNotes(); len(ns) > 0 {
		fmt.Fprintln(f, "## Notes")
		fmt.Fprintln(f)
		for _, n := range ns {
			fmt.Fprintln(f, "-", n)
		}
		fmt.Fprintln(f)
	}
	if ps := r.problemsFromResults(); len(ps) > 0 {
		fmt.Fprintln(f, "## Problems")
		fmt.Fprintln(f)
		for _, p := range ps {
			fmt.Fprintln(f, "-", p)
		}
		fmt.Fprintln(f)
	}
	if len(r.cu) > 0 {
		fmt.Fprintln(f, "## Catch-up read time by progress")
		fmt.Fprintln(f)
		fmt.Fprintln(f, "Mean wall time of one read (ms, the query or poll alone, without the offset commit) over each tenth of the")
		fmt.Fprintln(f, "read loop, first tenth first: flat means the cost of a read does not depend on how far the group has got.")
		fmt.Fprintln(f)
		fmt.Fprintln(f, "```")
		for _, c := range r.cu {
			if p := c.readProfile(); p != "" {
				fmt.Fprintf(f, "%-7s %-70s %s\n", c.System, c.What, p)
			}
		}
		fmt.Fprintln(f, "```")
		fmt.Fprintln(f)
	}
	if len(r.lat) > 0 {
		fmt.Fprintln(f, "## Raw latency percentiles (ms)")
		fmt.Fprintln(f)
		fmt.Fprintln(f, "```")
		for _, l := range r.lat {
			fmt.Fprintf(f, "%-8s %5d/s %-60s sent=%d achieved=%.1f/s received=%d measured=%d missing=%d dups=%d unknown=%d badpayload=%d reads=%d empty=%d\n",
				l.System, l.Rate, l.Consumer, l.Sent, l.Achieved, l.Received, l.Measured, l.Missing, l.Dups, l.Unknown, l.BadPayload, l.Reads, l.EmptyReads)
			fmt.Fprintf(f, "    latency  min=%s p10=%s p50=%s p90=%s p99=%s p99.9=%s max=%s\n",
				ms(pct(l.Lat, 0)), ms(pct(l.Lat, 10)), ms(pct(l.Lat, 50)), ms(pct(l.Lat, 90)), ms(pct(l.Lat, 99)), ms(pct(l.Lat, 99.9)), ms(pctMax(l.Lat)))
			fmt.Fprintf(f, "    commit   min=%s p10=%s p50=%s p90=%s p99=%s p99.9=%s max=%s\n",
				ms(pct(l.CommitLat, 0)), ms(pct(l.CommitLat, 10)), ms(pct(l.CommitLat, 50)), ms(pct(l.CommitLat, 90)), ms(pct(l.CommitLat, 99)), ms(pct(l.CommitLat, 99.9)), ms(pctMax(l.CommitLat)))
		}
		fmt.Fprintln(f, "```")
	}
	return nil
}

func pctMax(s []time.Duration) time.Duration {
	if len(s) == 0 {
		return -1
	}
	return s[len(s)-1]
}
