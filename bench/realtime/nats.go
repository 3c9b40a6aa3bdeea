package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// NATS JetStream is measured with the natscli's own load generator, `nats
// bench`, run as a subprocess (so the repository needs no NATS client
// library): an asynchronous JetStream publish of the same number and size of
// messages into a file-storage stream, then a durable pull consumer shared by
// as many clients as the nodedb group has members, each fetching batches and
// acknowledging every message. run.sh builds nats-server and natscli from
// their Go modules and starts the servers.

const (
	natsStream  = "rt_js"
	natsSubject = "rt.js"
	// nats bench creates the durable consumer only under its default name
	// (with another --consumer it expects one that exists).
	natsConsumer = "nats-bench"
)

// natsTarget is one nats-server: its URL, pid and how its JetStream syncs.
type natsTarget struct {
	label string // report label, e.g. "JetStream (sync_interval default 2m)"
	key   string // "js" or "jsa", for the ratios
	url   string
	pid   int
}

// natsRaw is one `nats bench` invocation for the report's raw-output section.
type natsRaw struct {
	Label, Cmd, Out string
}

func natsTargets(cfg *config) []natsTarget {
	var ts []natsTarget
	if cfg.natsURL != "" {
		ts = append(ts, natsTarget{"JetStream, file storage, default sync (sync_interval 2m)", "js", cfg.natsURL, cfg.natsPID})
	}
	if cfg.natsAlwaysURL != "" {
		ts = append(ts, natsTarget{"JetStream, file storage, sync_interval: always", "jsa", cfg.natsAlwaysURL, cfg.natsAlwaysPID})
	}
	return ts
}

func runNATS(ctx context.Context, cfg *config, rep *report) {
	if cfg.natsCLI == "" {
		return
	}
	for _, t := range natsTargets(cfg) {
		if ctx.Err() != nil {
			return
		}
		logf("topics: %s: nats bench js pub async of %d messages", t.label, cfg.messages)
		p := natsPublish(ctx, cfg, t, rep)
		rep.topics = append(rep.topics, p)
		logf("topics: %s publish: %s msgs/s %s", t.label, num(p.rate()), p.Err)
		if p.Msgs == 0 || ctx.Err() != nil {
			continue
		}
		logf("topics: %s: nats bench js fetch with %d clients", t.label, cfg.members)
		c := natsConsume(ctx, cfg, t, p.Msgs, rep)
		rep.topics = append(rep.topics, c)
		logf("topics: %s consume: %s msgs/s %s", t.label, num(c.rate()), c.Err)
	}
}

// natsBench runs the nats CLI with args against t, bounded by the NATS
// timeout, and returns its combined output, the wall time and the server's
// CPU time in ms over the run.
func natsBench(ctx context.Context, cfg *config, t natsTarget, args ...string) (string, time.Duration, float64, error) {
	octx, cancel := context.WithTimeout(ctx, cfg.natsTimeout)
	defer cancel()
	cmd := exec.CommandContext(octx, cfg.natsCLI, append([]string{"-s", t.url, "--no-context"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cpu0 := cpuTicks(t.pid, false)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	cpu := float64(cpuTicks(t.pid, false)-cpu0) * 1000 / float64(cfg.clkTck)
	if err != nil && octx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("stopped at the %s bound: %w", cfg.natsTimeout, err)
	}
	return out.String(), wall, cpu, err
}

var natsRateRE = regexp.MustCompile(`stats: ([0-9,]+) msgs/sec`)

// natsRate is the rate `nats bench` printed: the aggregated one when there
// are several clients, else the single client's.
func natsRate(out string) (float64, bool) {
	var rate string
	for _, l := range strings.Split(out, "\n") {
		if m := natsRateRE.FindStringSubmatch(l); m != nil && (rate == "" || strings.Contains(l, "aggregated")) {
			rate = m[1]
		}
	}
	if rate == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(rate, ",", ""), 64)
	return f, err == nil && f > 0
}

// natsResult fills r from one nats bench run that should have moved want
// messages: the rate is nats bench's (timed from its first message to its
// last), the wall time is want / rate.
func natsResult(r *topicResult, want int, out string, wall time.Duration, cpu float64, err error) {
	r.CPUms = cpu
	rate, ok := natsRate(out)
	switch {
	case err != nil:
		r.Err = fmt.Sprintf("nats bench: %v: %s", err, lastLine(out))
	case !ok:
		r.Err = "no rate in the nats bench output: " + lastLine(out)
	default:
		r.Msgs = want
		r.Wall = time.Duration(float64(want) / rate * float64(time.Second))
		r.Notes = append(r.Notes, fmt.Sprintf("rate as nats bench reports it (first to last message); the whole nats bench process took %.2f s including connecting and setup", wall.Seconds()))
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

func natsPublish(ctx context.Context, cfg *config, t natsTarget, rep *report) *topicResult {
	r := &topicResult{System: t.label + " (nats bench js pub async)", Phase: "publish", Key: t.key + "-pub"}
	// Room for every message: each takes its payload plus about 40 bytes
	// of record header, subject and checksum in the file store.
	maxBytes := int64(cfg.messages) * int64(cfg.msgSize+128)
	if maxBytes < 1<<30 {
		maxBytes = 1 << 30
	}
	args := []string{"bench", "js", "pub", "async", natsSubject, "--stream", natsStream, "--create", "--storage", "file",
		"--replicas", "1", "--maxbytes", strconv.FormatInt(maxBytes, 10), "--clients", "1", "--msgs", strconv.Itoa(cfg.messages),
		"--size", strconv.Itoa(cfg.msgSize), "--batch", strconv.Itoa(cfg.batch), "--no-progress"}
	out, wall, cpu, err := natsBench(ctx, cfg, t, args...)
	rep.natsRaw = append(rep.natsRaw, natsRaw{t.label + ", publish", "nats -s <server> " + strings.Join(args, " "), out})
	natsResult(r, cfg.messages, out, wall, cpu, err)
	if r.Err != "" {
		return r
	}
	// The stream must hold every message.
	var si struct {
		State struct {
			Messages uint64 `json:"messages"`
			Bytes    uint64 `json:"bytes"`
		} `json:"state"`
	}
	if info, _, _, err := natsBench(ctx, cfg, t, "stream", "info", natsStream, "--json"); err != nil {
		r.Notes = append(r.Notes, "nats stream info failed: "+lastLine(info))
	} else if err := json.Unmarshal([]byte(info), &si); err != nil {
		r.Notes = append(r.Notes, "nats stream info: "+err.Error())
	} else {
		r.Notes = append(r.Notes, fmt.Sprintf("stream %s holds %s messages, %s bytes", natsStream, num(float64(si.State.Messages)), num(float64(si.State.Bytes))))
		if si.State.Messages != uint64(cfg.messages) {
			r.Msgs = int(si.State.Messages)
			r.Err = fmt.Sprintf("the stream holds %d messages, %d were published", si.State.Messages, cfg.messages)
		}
	}
	return r
}

func natsConsume(ctx context.Context, cfg *config, t natsTarget, want int, rep *report) *topicResult {
	r := &topicResult{System: fmt.Sprintf("%s (nats bench js fetch, %d clients)", t.label, cfg.members), Phase: "consume", Key: t.key + "-cons"}
	args := []string{"bench", "js", "fetch", "--stream", natsStream, "--clients", strconv.Itoa(cfg.members),
		"--msgs", strconv.Itoa(want), "--size", strconv.Itoa(cfg.msgSize), "--batch", strconv.Itoa(cfg.batch), "--acks", "explicit", "--no-progress"}
	out, wall, cpu, err := natsBench(ctx, cfg, t, args...)
	rep.natsRaw = append(rep.natsRaw, natsRaw{t.label + ", consume", "nats -s <server> " + strings.Join(args, " "), out})
	natsResult(r, want, out, wall, cpu, err)
	if r.Err != "" {
		return r
	}
	// nats bench counts what its clients received; the consumer's state
	// says whether every message was delivered and acknowledged once. (The
	// bench's consumer is deleted 10 s after it goes idle, so ask at once.)
	var ci struct {
		Delivered struct {
			StreamSeq uint64 `json:"stream_seq"`
		} `json:"delivered"`
		AckFloor struct {
			StreamSeq uint64 `json:"stream_seq"`
		} `json:"ack_floor"`
		NumAckPending  int `json:"num_ack_pending"`
		NumRedelivered int `json:"num_redelivered"`
		NumPending     int `json:"num_pending"`
	}
	if info, _, _, err := natsBench(ctx, cfg, t, "consumer", "info", natsStream, natsConsumer, "--json"); err != nil {
		r.Notes = append(r.Notes, "nats consumer info failed: "+lastLine(info))
	} else if err := json.Unmarshal([]byte(info), &ci); err != nil {
		r.Notes = append(r.Notes, "nats consumer info: "+err.Error())
	} else {
		r.Dups = ci.NumRedelivered
		r.Notes = append(r.Notes, fmt.Sprintf("consumer %s afterwards: delivered up to stream seq %s, ack floor %s, %d ack pending, %d redelivered, %d pending",
			natsConsumer, num(float64(ci.Delivered.StreamSeq)), num(float64(ci.AckFloor.StreamSeq)), ci.NumAckPending, ci.NumRedelivered, ci.NumPending))
	}
	return r
}
