package main

import (
	"context"
	"fmt"
	"github.com/nodedb-go/nodedb/bench/internal/resp"
	"os"
	"runtime"
	"slices"
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
	natsRaw   []natsRaw
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
	switch {
	case c.natsCLI != "":
		var servers []string
		for _, t := range natsTargets(c) {
			servers = append(servers, t.label)
		}
		fmt.Fprintf(&w, "- NATS JetStream: %s, built from their Go modules; one server per setting, each with a fresh store directory: %s\n\n", c.natsVersion, strings.Join(servers, "; "))
	case c.natsSkip != "":
		fmt.Fprintf(&w, "- NATS JetStream: not measured: %s\n\n", c.natsSkip)
	default:
		fmt.Fprintf(&w, "- NATS JetStream: not measured (no -nats-cli)\n\n")
	}

	if len(r.fan) > 0 {
		fmt.Fprintf(&w, "## 1. Fan-out latency\n\n")
		fmt.Fprintf(&w, "%d subscriber sessions per system, %d with the selective filter (k = 0, 10%% of rows), %d unfiltered; "+
			"a paced writer inserts %d rows/s for %s over %d connections, each row carrying its send time (µs since the run's start, one process clock). "+
			"Latency = subscriber's receive time − writer's send time, over every delivery of a row sent after the first %s. "+
			"nodedb: `LIVE SELECT id, sent_us FROM rt_fan WHERE k = 0` / `WHERE id > 0`, one per connection, `WaitForNotification`. "+
			"PostgreSQL: AFTER INSERT trigger calling `pg_notify('rt_all', ...)` for every row and `pg_notify('rt_sel', ...)` when k = 0; the selective sessions `LISTEN rt_sel`, the others `LISTEN rt_all`. "+
			"After the writer stops, subscribers get up to %s to receive everything. "+
			"INSERT p50 / p99: the writers' round trips for the same rows (the commit, which the delivery latency includes).\n\n",
			c.subscribers, c.selective, c.subscribers-c.selective, c.rate, c.duration, c.writers, c.warmup, c.drain)
		fmt.Fprintf(&w, "| system | rows committed | achieved rows/s | deliveries expected | delivered | missing | duplicates | p50 ms | p99 ms | p99.9 ms | max ms | INSERT p50 / p99 ms | server CPU ms |\n")
		fmt.Fprintf(&w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		multi := c.fanoutRuns > 1
		for _, f := range r.fan {
			var mx time.Duration = -1
			if len(f.Lat) > 0 {
				mx = time.Duration(f.Lat[len(f.Lat)-1]) * time.Microsecond
			}
			name := f.System
			if multi {
				name = fmt.Sprintf("%s, run %d", f.System, f.Run)
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |\n", name, num(float64(f.Sent)), num(float64(f.Sent)/f.WriterWall.Seconds()),
				num(float64(f.Expected)), num(float64(f.Delivered)), num(float64(f.Expected-f.Delivered)), num(float64(f.Dups)),
				ms(f.pct(0.5)), ms(f.pct(0.99)), ms(f.pct(0.999)), ms(mx), ms(pctOf(f.InsLat, 0.5)), ms(pctOf(f.InsLat, 0.99)), num(f.CPUms))
		}
		// p50 and p99: [nodedb, postgres], each the median over its runs.
		if p50, p99 := fanMedians(r.fan, 0.5), fanMedians(r.fan, 0.99); p50 != nil && p99 != nil {
			what := ""
			if multi {
				what = fmt.Sprintf(" (medians of %d runs each: nodedb p50 %s / p99 %s ms, PostgreSQL %s / %s ms)",
					len(r.fan)/2, ms(p50[0]), ms(p99[0]), ms(p50[1]), ms(p99[1]))
			}
			fmt.Fprintf(&w, "\nratio nodedb / postgres: p50 %s, p99 %s (below 1: nodedb faster)%s. Target: nodedb p99 ≤ 10 ms and ≤ PostgreSQL's: %s.\n",
				ratio(float64(p50[0]), float64(p50[1])), ratio(float64(p99[0]), float64(p99[1])), what,
				map[bool]string{true: "**met**", false: "**not met**"}[p99[0] >= 0 && p99[0] <= 10*time.Millisecond && p99[1] >= 0 && p99[0] <= p99[1]])
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
		fmt.Fprintf(&w, "## 2. Topics vs NATS JetStream and Redis Streams\n\n")
		fmt.Fprintf(&w, "%s messages of %d bytes (JSON objects carrying their number). Publish: nodedb `PUBLISH TO rt_topic $1` (the message as the parameter; one prepared statement) in pgx Batches of %d (extended protocol, one Sync per batch), "+
			"nodedb `POST /v1/topics/rt_topic_http/publish` with JSON arrays of %d (a separate topic), Redis `XADD` pipelined %d per round trip. "+
			"Consume (the pgwire-published topic): %d goroutines, each its own connection, `SELECT * FROM TOPIC rt_topic CONSUMER GROUP g CONSUMER 'mN' LIMIT %d` then `COMMIT OFFSETS ON rt_topic CONSUMER GROUP g` (1 ms sleep after an empty read); "+
			"Redis `XREADGROUP GROUP g cN COUNT %d` + `XACK` of the batch. Every nodedb and Redis message id is checked for exactly-once arrival.\n\n",
			num(float64(c.messages)), c.msgSize, c.batch, c.batch, c.batch, c.members, c.batch, c.batch)
		if len(r.natsRaw) > 0 {
			fmt.Fprintf(&w, "NATS JetStream, measured with natscli's `nats bench` (its own %d-byte payloads): publish `nats bench js pub async %s --stream %s --create --storage file --replicas 1 --clients 1 --msgs %d --size %d --batch %d` "+
				"(one connection, asynchronous publish with up to %d publish acks outstanding, into a new file-storage stream, R1); "+
				"consume `nats bench js fetch --stream %s --clients %d --msgs %d --batch %d --acks explicit`: one durable pull consumer `%s` (which nats bench creates: deliver all, explicit acks, max ack pending %d) "+
				"shared by %d clients, each its own connection, each calling Fetch(%d) in a loop and acknowledging every message with a plain (not double) Ack. "+
				"The rate is the one nats bench prints (for several clients its aggregated rate), timed from the first message to the last; the stream's message count and the consumer's "+
				"state (ack floor, redeliveries, shown as duplicates) are read afterwards with `nats stream info` / `nats consumer info`.\n\n",
				c.msgSize, natsSubject, natsStream, c.messages, c.msgSize, c.batch, c.batch, natsStream, c.members, c.messages, c.batch, natsConsumer, c.batch*c.members, c.members, c.batch)
		}
		fmt.Fprintf(&w, "| system | phase | messages | duplicates | wall s | msgs/s | server CPU µs/msg | error |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n")
		rates := map[string]float64{}
		for _, t := range r.topics {
			per := "—"
			if t.Msgs > 0 {
				per = fmt.Sprintf("%.1f", t.CPUms*1000/float64(t.Msgs))
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %.2f | %s | %s | %s |\n", t.System, t.Phase, num(float64(t.Msgs)), num(float64(t.Dups)), t.Wall.Seconds(), num(t.rate()), per, t.Err)
			if t.Err == "" {
				rates[t.Key] = t.rate()
			}
		}
		fmt.Fprintf(&w, "\n| ratio | publish pgwire | publish HTTP | consume |\n| --- | ---: | ---: | ---: |\n")
		for _, p := range []struct{ name, key string }{
			{"nodedb / JetStream, default sync", "js"},
			{"nodedb / JetStream, sync_interval: always", "jsa"},
			{"nodedb / Redis", "redis"},
		} {
			if rates[p.key+"-pub"] == 0 && rates[p.key+"-cons"] == 0 {
				continue
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s |\n", p.name, ratio(rates["nd-pub"], rates[p.key+"-pub"]), ratio(rates["nd-http"], rates[p.key+"-pub"]), ratio(rates["nd-cons"], rates[p.key+"-cons"]))
		}
		fmt.Fprintf(&w, "\n")
		for _, p := range []struct{ name, key string }{
			{"JetStream's async publish rate at its default sync", "js"},
			{"JetStream's async publish rate with sync_interval: always", "jsa"},
		} {
			js := rates[p.key+"-pub"]
			if js == 0 {
				continue
			}
			met := func(nd float64) string {
				if nd >= 0.5*js {
					return "**met**"
				}
				return "**not met**"
			}
			fmt.Fprintf(&w, "Target (nodedb publish ≥ 0.5× %s, %s msgs/s): pgwire %s (%s), HTTP %s (%s).\n\n",
				p.name, num(js), ratio(rates["nd-pub"], js), met(rates["nd-pub"]), ratio(rates["nd-http"], js), met(rates["nd-http"]))
		}
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
	if len(r.natsRaw) > 0 {
		fmt.Fprintf(&w, "## Raw nats bench output\n\n")
		for _, n := range r.natsRaw {
			fmt.Fprintf(&w, "%s:\n\n```\n$ %s\n%s\n```\n\n", n.Label, n.Cmd, strings.TrimRight(n.Out, "\n"))
		}
	}
	return w.String()
}

// fanMedians returns, for the two systems of a fan-out (in the order of
// their first run), the median over runs of the q-quantile latency; nil
// unless both ran.
func fanMedians(fan []*fanResult, q float64) []time.Duration {
	var order []string
	by := map[string][]time.Duration{}
	for _, f := range fan {
		if _, ok := by[f.System]; !ok {
			order = append(order, f.System)
		}
		by[f.System] = append(by[f.System], f.pct(q))
	}
	if len(order) != 2 {
		return nil
	}
	out := make([]time.Duration, 2)
	for i, s := range order {
		v := by[s]
		slices.Sort(v)
		out[i] = v[len(v)/2]
	}
	return out
}
