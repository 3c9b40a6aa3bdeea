package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/nodedb-go/nodedb/bench/internal/resp"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// topicResult is one publish or consume run.
type topicResult struct {
	System  string
	Phase   string // publish / consume
	Key     string // nd-pub, nd-http, nd-cons, redis-pub, redis-cons, js-pub, js-cons, jsa-pub, jsa-cons
	Msgs    int    // messages published, or unique messages consumed
	Dups    int
	Unknown int
	Wall    time.Duration
	CPUms   float64
	Err     string
	Notes   []string
}

func (r *topicResult) rate() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Msgs) / r.Wall.Seconds()
}

// message returns message i: a JSON object of exactly size bytes carrying i.
func message(i, size int) string {
	s := `{"i":` + strconv.Itoa(i) + `,"p":"`
	pad := size - len(s) - 2
	if pad < 0 {
		pad = 0
	}
	return s + strings.Repeat("x", pad) + `"}`
}

func runTopics(ctx context.Context, cfg *config, rep *report) {
	n := cfg.messages
	// nodedb over pgwire: publish, then consume with the group.
	logf("topics: nodedb pgwire publish of %d messages of %d bytes, %d per batch", n, cfg.msgSize, cfg.batch)
	pub := ndPublishPgwire(ctx, cfg)
	rep.topics = append(rep.topics, pub)
	logf("topics: %s %s: %d msgs in %s %s", pub.System, pub.Phase, pub.Msgs, pub.Wall, pub.Err)
	if cfg.nodedbHTTP != "" && ctx.Err() == nil {
		logf("topics: nodedb HTTP publish of %d messages, arrays of %d", n, cfg.batch)
		h := ndPublishHTTP(ctx, cfg)
		rep.topics = append(rep.topics, h)
		logf("topics: %s %s: %d msgs in %s %s", h.System, h.Phase, h.Msgs, h.Wall, h.Err)
	}
	if pub.Msgs > 0 && ctx.Err() == nil {
		logf("topics: nodedb consume with %d named members", cfg.members)
		c := ndConsume(ctx, cfg, pub.Msgs)
		rep.topics = append(rep.topics, c)
		logf("topics: %s %s: %d msgs (%d dups) in %s %s", c.System, c.Phase, c.Msgs, c.Dups, c.Wall, c.Err)
	}
	if ctx.Err() == nil {
		runNATS(ctx, cfg, rep)
	}
	if cfg.redisAddr != "" && ctx.Err() == nil {
		logf("topics: redis XADD pipelined + XREADGROUP with %d consumers", cfg.members)
		p, c := redisRun(ctx, cfg)
		rep.topics = append(rep.topics, p)
		if c != nil {
			rep.topics = append(rep.topics, c)
		}
		logf("topics: redis publish %d in %s, consume %d", p.Msgs, p.Wall, func() int {
			if c == nil {
				return 0
			}
			return c.Msgs
		}())
	}
}

func ndPublishPgwire(ctx context.Context, cfg *config) *topicResult {
	r := &topicResult{System: "nodedb pgwire (pgx Batch of PUBLISH)", Phase: "publish", Key: "nd-pub"}
	c, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer c.Close(context.Background())
	for _, s := range []string{"CREATE TOPIC rt_topic", "CREATE CONSUMER GROUP g ON rt_topic"} {
		if _, err := c.Exec(ctx, s); err != nil {
			r.Err = fmt.Sprintf("%s: %v", s, err)
			return r
		}
	}
	octx, cancel := context.WithTimeout(ctx, cfg.opTimeout)
	defer cancel()
	cpu0 := cpuTicks(cfg.nodedbPID, false)
	start := time.Now()
	for i := 1; i <= cfg.messages; {
		b := &pgx.Batch{}
		for j := 0; j < cfg.batch && i <= cfg.messages; j, i = j+1, i+1 {
			b.Queue("PUBLISH TO rt_topic $1", message(i, cfg.msgSize))
		}
		br := c.SendBatch(octx, b)
		var berr error
		for j := 0; j < b.Len(); j++ {
			if _, err := br.Exec(); err != nil && berr == nil {
				berr = err
			}
		}
		if err := br.Close(); err != nil && berr == nil {
			berr = err
		}
		if berr != nil {
			r.Err = fmt.Sprintf("batch ending at message %d: %v", i-1, berr)
			break
		}
		r.Msgs = i - 1
	}
	r.Wall = time.Since(start)
	r.CPUms = float64(cpuTicks(cfg.nodedbPID, false)-cpu0) * 1000 / float64(cfg.clkTck)
	return r
}

func ndPublishHTTP(ctx context.Context, cfg *config) *topicResult {
	r := &topicResult{System: "nodedb HTTP (POST JSON arrays)", Phase: "publish", Key: "nd-http"}
	c, err := pgx.Connect(ctx, cfg.nodedbDSN)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	_, err = c.Exec(ctx, "CREATE TOPIC rt_topic_http")
	c.Close(context.Background())
	if err != nil {
		r.Err = "CREATE TOPIC rt_topic_http: " + err.Error()
		return r
	}
	octx, cancel := context.WithTimeout(ctx, cfg.opTimeout)
	defer cancel()
	url := strings.TrimRight(cfg.nodedbHTTP, "/") + "/v1/topics/rt_topic_http/publish"
	cl := &http.Client{Timeout: time.Minute}
	cpu0 := cpuTicks(cfg.nodedbPID, false)
	start := time.Now()
	var body bytes.Buffer
	for i := 1; i <= cfg.messages; {
		body.Reset()
		body.WriteByte('[')
		first := i
		for j := 0; j < cfg.batch && i <= cfg.messages; j, i = j+1, i+1 {
			if i > first {
				body.WriteByte(',')
			}
			body.WriteString(message(i, cfg.msgSize))
		}
		body.WriteByte(']')
		req, _ := http.NewRequestWithContext(octx, http.MethodPost, url, bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", "application/json")
		resp, err := cl.Do(req)
		if err != nil {
			r.Err = fmt.Sprintf("POST ending at message %d: %v", i-1, err)
			break
		}
		rb, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			r.Err = fmt.Sprintf("POST ending at message %d: HTTP %d %s", i-1, resp.StatusCode, strings.TrimSpace(string(rb)))
			break
		}
		r.Msgs = i - 1
	}
	r.Wall = time.Since(start)
	r.CPUms = float64(cpuTicks(cfg.nodedbPID, false)-cpu0) * 1000 / float64(cfg.clkTck)
	return r
}

// seenSet counts unique and duplicate message ids.
type seenSet struct {
	mu   sync.Mutex
	seen []bool
	uniq atomic.Int64
	dups int
	unk  int
}

func (s *seenSet) add(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id <= 0 || id >= int64(len(s.seen)) {
		s.unk++
		return
	}
	if s.seen[id] {
		s.dups++
		return
	}
	s.seen[id] = true
	s.uniq.Add(1)
}

// msgID finds "i":N in a message (the whole payload column or a Redis field).
func msgID(b []byte) int64 {
	v, ok := intAfter(b, `"i":`)
	if !ok {
		return -1
	}
	return v
}

// consumeLoop runs members goroutines until want unique messages arrived,
// the time bound, or no progress for 10 s.
func consumeLoop(ctx context.Context, cfg *config, want int, r *topicResult, member func(ctx context.Context, m int, s *seenSet) error) {
	s := &seenSet{seen: make([]bool, want+1)}
	octx, cancel := context.WithTimeout(ctx, cfg.opTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var errMu sync.Mutex
	start := time.Now()
	for m := 1; m <= cfg.members; m++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := member(octx, m, s); err != nil && octx.Err() == nil {
				errMu.Lock()
				if r.Err == "" {
					r.Err = fmt.Sprintf("member %d: %v", m, err)
				}
				errMu.Unlock()
				cancel()
			}
		}()
	}
	last, lastChange := int64(0), time.Now()
	for octx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
		u := s.uniq.Load()
		if u >= int64(want) {
			break
		}
		if u != last {
			last, lastChange = u, time.Now()
		} else if time.Since(lastChange) > 10*time.Second {
			r.Notes = append(r.Notes, fmt.Sprintf("stall: no new message for 10 s at %d of %d", u, want))
			break
		}
	}
	r.Wall = time.Since(start)
	if ctx.Err() == nil && octx.Err() != nil && r.Err == "" {
		r.Notes = append(r.Notes, fmt.Sprintf("stopped at the %s bound", cfg.opTimeout))
	}
	cancel()
	wg.Wait()
	s.mu.Lock()
	r.Msgs, r.Dups, r.Unknown = int(s.uniq.Load()), s.dups, s.unk
	s.mu.Unlock()
	if r.Msgs < want {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d messages never arrived", want-r.Msgs, want))
	}
}

func ndConsume(ctx context.Context, cfg *config, want int) *topicResult {
	r := &topicResult{System: fmt.Sprintf("nodedb pgwire (%d named members)", cfg.members), Phase: "consume", Key: "nd-cons"}
	cpu0 := cpuTicks(cfg.nodedbPID, false)
	var reads, empties, ser atomic.Int64
	var firstSer atomic.Value
	consumeLoop(ctx, cfg, want, r, func(ctx context.Context, m int, s *seenSet) error {
		c, err := pgx.Connect(ctx, cfg.nodedbDSN)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		q := fmt.Sprintf("SELECT * FROM TOPIC rt_topic CONSUMER GROUP g CONSUMER 'm%d' LIMIT %d", m, cfg.batch)
		for ctx.Err() == nil && s.uniq.Load() < int64(want) {
			rows, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
			if err != nil {
				return err
			}
			pcol := -1
			for i, f := range rows.FieldDescriptions() {
				if f.Name == "payload" {
					pcol = i
				}
			}
			n := 0
			for rows.Next() {
				n++
				if pcol >= 0 {
					s.add(msgID(rows.RawValues()[pcol]))
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if pcol < 0 && n > 0 {
				return fmt.Errorf("no payload column in %v", rows.FieldDescriptions())
			}
			reads.Add(1)
			if n == 0 {
				empties.Add(1)
				time.Sleep(time.Millisecond)
				continue
			}
			// A serialization failure (40001) is the documented "retry me"
			// answer; the client retries the commit (bounded) and the report
			// counts every occurrence.
			for try := 0; ; try++ {
				_, err := c.Exec(ctx, "COMMIT OFFSETS ON rt_topic CONSUMER GROUP g")
				if err == nil {
					break
				}
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Code != "40001" || try >= 100 {
					return err
				}
				if ser.Add(1) == 1 {
					firstSer.Store(err.Error())
				}
				time.Sleep(time.Millisecond)
			}
		}
		return nil
	})
	r.CPUms = float64(cpuTicks(cfg.nodedbPID, false)-cpu0) * 1000 / float64(cfg.clkTck)
	r.Notes = append(r.Notes, fmt.Sprintf("%d reads, %d of them empty (each empty read is followed by a 1 ms sleep)", reads.Load(), empties.Load()))
	if n := ser.Load(); n > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("COMMIT OFFSETS failed %d times with SQLSTATE 40001 and was retried (first: %v)", n, firstSer.Load()))
	}
	return r
}

func redisRun(ctx context.Context, cfg *config) (*topicResult, *topicResult) {
	p := &topicResult{System: "redis XADD (pipelined)", Phase: "publish", Key: "redis-pub"}
	c, err := resp.Dial(cfg.redisAddr)
	if err != nil {
		p.Err = err.Error()
		return p, nil
	}
	defer c.Close()
	c.Do("DEL", "rt_stream")
	if _, err := c.Do("XGROUP", "CREATE", "rt_stream", "g", "0", "MKSTREAM"); err != nil {
		p.Err = err.Error()
		return p, nil
	}
	cpu0 := cpuTicks(cfg.redisPID, false)
	deadline := time.Now().Add(cfg.opTimeout)
	start := time.Now()
	for i := 1; i <= cfg.messages && ctx.Err() == nil && time.Now().Before(deadline); {
		k := 0
		for ; k < cfg.batch && i <= cfg.messages; k, i = k+1, i+1 {
			c.Send("XADD", "rt_stream", "*", "d", message(i, cfg.msgSize))
		}
		if err := c.Flush(); err != nil {
			p.Err = err.Error()
			break
		}
		for ; k > 0; k-- {
			v, err := c.Read()
			if err == nil {
				if e, ok := v.(resp.Error); ok {
					err = e
				}
			}
			if err != nil {
				p.Err = err.Error()
				return p, nil
			}
		}
		p.Msgs = i - 1
	}
	p.Wall = time.Since(start)
	p.CPUms = float64(cpuTicks(cfg.redisPID, false)-cpu0) * 1000 / float64(cfg.clkTck)
	if p.Msgs == 0 {
		return p, nil
	}
	r := &topicResult{System: fmt.Sprintf("redis XREADGROUP + XACK (%d consumers)", cfg.members), Phase: "consume", Key: "redis-cons"}
	cpu0 = cpuTicks(cfg.redisPID, false)
	consumeLoop(ctx, cfg, p.Msgs, r, func(ctx context.Context, m int, s *seenSet) error {
		c, err := resp.Dial(cfg.redisAddr)
		if err != nil {
			return err
		}
		defer c.Close()
		name := "c" + strconv.Itoa(m)
		for ctx.Err() == nil && s.uniq.Load() < int64(p.Msgs) {
			c.SetDeadline(time.Now().Add(30 * time.Second))
			v, err := c.Do("XREADGROUP", "GROUP", "g", name, "COUNT", strconv.Itoa(cfg.batch), "STREAMS", "rt_stream", ">")
			if err != nil {
				return err
			}
			ack := []string{"XACK", "rt_stream", "g"}
			streams, _ := v.([]any)
			for _, st := range streams {
				sa, _ := st.([]any)
				if len(sa) != 2 {
					return resp.ErrShape
				}
				entries, _ := sa[1].([]any)
				for _, e := range entries {
					ea, _ := e.([]any)
					if len(ea) != 2 {
						return resp.ErrShape
					}
					id, _ := ea[0].([]byte)
					ack = append(ack, string(id))
					fields, _ := ea[1].([]any)
					if len(fields) != 2 {
						return resp.ErrShape
					}
					d, _ := fields[1].([]byte)
					s.add(msgID(d))
				}
			}
			if len(ack) == 3 {
				time.Sleep(time.Millisecond)
				continue
			}
			if _, err := c.Do(ack...); err != nil {
				return err
			}
		}
		return nil
	})
	r.CPUms = float64(cpuTicks(cfg.redisPID, false)-cpu0) * 1000 / float64(cfg.clkTck)
	return p, r
}
