package main

import (
	"context"
	"fmt"
	"github.com/nodedb-go/nodedb/bench/internal/resp"
	"os"
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
	fan       []*fanResult
	topics    []*topicResult
	problems  []string
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
			var mc string
			if c.QueryRow(ctx, "SHOW max_connections").Scan(&mc) == nil {
				r.pgVersion += ", max_connections=" + mc
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
			if s, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s/%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH)
}

func ms(d time.Duration) string {
	if d < 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func (r *report) markdown() string {
	var w strings.Builder
	c := r.cfg
	fmt.Fprintf(&w, "# Realtime: LIVE SELECT fan-out and topics, side by side (%s)\n\n", r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&w, "- nodedb commit: %s (durability sync)\n- PostgreSQL: %s (fsync=on, synchronous_commit=on)\n- Redis: %s (no persistence)\n", c.commit, r.pgVersion, r.redisVer)
	fmt.Fprintf(&w, "- machine: %s\n- load average (1/5/15 min): %s before the servers started, %s after the runs\n", machine(), c.loadBefore, r.loadAfter)
	fmt.Fprintf(&w, "- NATS JetStream: out of scope for this run (not measured)\n\n")

	if len(r.fan) > 0 {
		fmt.Fprintf(&w, "## 1. Fan-out latency\n\n")
		fmt.Fprintf(&w, "%d subscriber sessions per system, %d with the selective filter (k = 0, 10%% of rows), %d unfiltered; "+
			"a paced writer inserts %d rows/s for %s over %d connections, each row carrying its send time (µs since the run's start, one process clock). "+
			"Latency = subscriber's receive time − writer's send time, over every delivery of a row sent after the first %s. "+
			"nodedb: `LIVE SELECT id, sent_us FROM rt_fan WHERE k = 0` / `WHERE id > 0`, one per connection, `WaitForNotification`. "+
			"PostgreSQL: AFTER INSERT trigger calling `pg_notify('rt_all', ...)` for every row and `pg_notify('rt_sel', ...)` when k = 0; the selective sessions `LISTEN rt_sel`, the others `LISTEN rt_all`. "+
			"After the writer stops, subscribers get up to %s to receive everything.\n\n",
			c.subscribers, c.selective, c.subscribers-c.selective, c.rate, c.duration, c.writers, c.warmup, c.drain)
		fmt.Fprintf(&w, "| system | rows committed | achieved rows/s | deliveries expected | delivered | missing | duplicates | p50 ms | p99 ms | p99.9 ms | max ms | server CPU ms |\n")
		fmt.Fprintf(&w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, f := range r.fan {
			var mx time.Duration = -1
			if len(f.Lat) > 0 {
				mx = time.Duration(f.Lat[len(f.Lat)-1]) * time.Microsecond
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f.System, num(float64(f.Sent)), num(float64(f.Sent)/f.WriterWall.Seconds()),
				num(float64(f.Expected)), num(float64(f.Delivered)), num(float64(f.Expected-f.Delivered)), num(float64(f.Dups)),
				ms(f.pct(0.5)), ms(f.pct(0.99)), ms(f.pct(0.999)), ms(mx), num(f.CPUms))
		}
		if len(r.fan) == 2 {
			a, b := r.fan[0], r.fan[1]
			fmt.Fprintf(&w, "\nratio nodedb / postgres: p50 %s, p99 %s (below 1: nodedb faster). Target: nodedb p99 ≤ 10 ms and ≤ PostgreSQL's: %s.\n",
				ratio(float64(a.pct(0.5)), float64(b.pct(0.5))), ratio(float64(a.pct(0.99)), float64(b.pct(0.99))),
				map[bool]string{true: "**met**", false: "**not met**"}[a.pct(0.99) >= 0 && a.pct(0.99) <= 10*time.Millisecond && b.pct(0.99) >= 0 && a.pct(0.99) <= b.pct(0.99)])
		}
		fmt.Fprintf(&w, "\n")
		for _, f := range r.fan {
			var d []string
			if f.WriteErrs > 0 {
				d = append(d, fmt.Sprintf("%d INSERT errors, first: %s", f.WriteErrs, f.FirstWErr))
			}
			if f.SubErrs > 0 {
				d = append(d, fmt.Sprintf("%d subscriber sessions ended with an error, first: %s", f.SubErrs, f.FirstSubErr))
			}
			if f.Unknown > 0 {
				d = append(d, fmt.Sprintf("%d notifications did not parse or named an unknown row", f.Unknown))
			}
			d = append(d, fmt.Sprintf("drain wait %.1f s", f.DrainWait.Seconds()))
			d = append(d, f.Notes...)
			fmt.Fprintf(&w, "- %s: %s\n", f.System, strings.Join(d, "; "))
		}
		fmt.Fprintf(&w, "\n")
	}

	if len(r.topics) > 0 {
		fmt.Fprintf(&w, "## 2. Topics vs Redis Streams\n\n")
		fmt.Fprintf(&w, "%s messages of %d bytes (JSON objects carrying their number). Publish: nodedb `PUBLISH TO rt_topic '...'` in pgx Batches of %d (extended protocol, one Sync per batch), "+
			"nodedb `POST /v1/topics/rt_topic_http/publish` with JSON arrays of %d (a separate topic), Redis `XADD` pipelined %d per round trip. "+
			"Consume (the pgwire-published topic): %d goroutines, each its own connection, `SELECT * FROM TOPIC rt_topic CONSUMER GROUP g CONSUMER 'mN' LIMIT %d` then `COMMIT OFFSETS ON rt_topic CONSUMER GROUP g` (1 ms sleep after an empty read); "+
			"Redis `XREADGROUP GROUP g cN COUNT %d` + `XACK` of the batch. Every message id is checked for exactly-once arrival.\n\n",
			num(float64(c.messages)), c.msgSize, c.batch, c.batch, c.batch, c.members, c.batch, c.batch)
		fmt.Fprintf(&w, "| system | phase | messages | duplicates | wall s | msgs/s | server CPU µs/msg | error |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
		var ndPub, ndHTTP, ndCons, rPub, rCons float64
		for _, t := range r.topics {
			per := "—"
			if t.Msgs > 0 {
				per = fmt.Sprintf("%.1f", t.CPUms*1000/float64(t.Msgs))
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %.2f | %s | %s | %s |\n", t.System, t.Phase, num(float64(t.Msgs)), num(float64(t.Dups)), t.Wall.Seconds(), num(t.rate()), per, t.Err)
			switch {
			case strings.HasPrefix(t.System, "nodedb pgwire") && t.Phase == "publish":
				ndPub = t.rate()
			case strings.HasPrefix(t.System, "nodedb HTTP"):
				ndHTTP = t.rate()
			case strings.HasPrefix(t.System, "nodedb") && t.Phase == "consume":
				ndCons = t.rate()
			case t.Phase == "publish":
				rPub = t.rate()
			default:
				rCons = t.rate()
			}
		}
		fmt.Fprintf(&w, "\nratios nodedb / redis: publish pgwire %s, publish HTTP %s, consume %s\n\n", ratio(ndPub, rPub), ratio(ndHTTP, rPub), ratio(ndCons, rCons))
		for _, t := range r.topics {
			if len(t.Notes) > 0 || t.Unknown > 0 {
				n := t.Notes
				if t.Unknown > 0 {
					n = append(n, fmt.Sprintf("%d messages did not parse", t.Unknown))
				}
				fmt.Fprintf(&w, "- %s %s: %s\n", t.System, t.Phase, strings.Join(n, "; "))
			}
		}
		fmt.Fprintf(&w, "\n")
	}
	if len(r.problems) > 0 {
		fmt.Fprintf(&w, "## Problems\n\n")
		for _, p := range r.problems {
			fmt.Fprintf(&w, "- %s\n", p)
		}
		fmt.Fprintf(&w, "\n")
	}
	return w.String()
}
