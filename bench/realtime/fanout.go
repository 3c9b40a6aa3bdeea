package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// fanResult is one system's fan-out run.
type fanResult struct {
	System      string
	Run         int // 1-based, with -fanout-runs
	Subs, Sel   int
	Rate        int
	Sent        int // rows whose INSERT succeeded
	WriteErrs   int
	FirstWErr   string
	WriterWall  time.Duration
	Expected    int // deliveries expected: sum over subscribers of matching committed rows
	Delivered   int // unique (subscriber, row) deliveries
	Dups        int
	Unknown     int // payloads that did not parse or name a row not written
	SubErrs     int
	FirstSubErr string
	Lat         []int32 // µs, rows sent after the warm-up
	InsLat      []int32 // µs, INSERT round trips (commit included) of the same rows
	DrainWait   time.Duration
	CPUms       float64
	Notes       []string
}

func (r *fanResult) pct(p float64) time.Duration { return pctOf(r.Lat, p) }

// pctOf is the p-quantile of sorted µs figures (-1 when there are none).
func pctOf(lat []int32, p float64) time.Duration {
	if len(lat) == 0 {
		return -1
	}
	i := int(p * float64(len(lat)-1))
	return time.Duration(lat[i]) * time.Microsecond
}

// subscriber is one listening session.
type subscriber struct {
	conn   *pgx.Conn
	sel    bool
	seen   []uint8
	uniq   atomic.Int64
	dups   int
	unk    int
	lat    []int32
	err    error
	recvCh string
}

type fanSystem struct {
	name   string
	dsn    string
	pid    int
	kids   bool // count children's CPU (postgres backends)
	setup  []string
	listen func(sel bool) string // statement a subscriber runs
	insert string
	parse  func(payload string) (id, sentUs int64, ok bool)
}

func runFanout(ctx context.Context, cfg *config, rep *report) {
	nd := fanSystem{
		name: "nodedb LIVE SELECT", dsn: cfg.nodedbDSN, pid: cfg.nodedbPID,
		setup: []string{"DROP TABLE IF EXISTS rt_fan", "CREATE TABLE rt_fan (id BIGINT PRIMARY KEY, k INT, sent_us BIGINT)"},
		listen: func(sel bool) string {
			if sel {
				return "LIVE SELECT id, sent_us FROM rt_fan WHERE k = 0"
			}
			return "LIVE SELECT id, sent_us FROM rt_fan WHERE id > 0"
		},
		insert: "INSERT INTO rt_fan (id, k, sent_us) VALUES ($1, $2, $3)",
		parse:  parseLive,
	}
	pg := fanSystem{
		name: "postgres trigger + pg_notify / LISTEN", dsn: cfg.pgDSN, pid: cfg.pgPID, kids: true,
		setup: []string{
			"DROP TABLE IF EXISTS rt_fan",
			"CREATE TABLE rt_fan (id BIGINT PRIMARY KEY, k INT, sent_us BIGINT)",
			`CREATE OR REPLACE FUNCTION rt_fan_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rt_all', NEW.id || ',' || NEW.sent_us);
  IF NEW.k = 0 THEN
    PERFORM pg_notify('rt_sel', NEW.id || ',' || NEW.sent_us);
  END IF;
  RETURN NULL;
END $$`,
			"CREATE TRIGGER rt_fan_notify AFTER INSERT ON rt_fan FOR EACH ROW EXECUTE FUNCTION rt_fan_notify()",
		},
		listen: func(sel bool) string {
			if sel {
				return "LISTEN rt_sel"
			}
			return "LISTEN rt_all"
		},
		insert: "INSERT INTO rt_fan (id, k, sent_us) VALUES ($1, $2, $3)",
		parse:  parsePG,
	}
	// With -fanout-runs n the systems take turns n times, so that both
	// meet the machine in the same states (its speed drifts by the
	// minute); the report gives every run and the medians.
	for run := 1; run <= max(cfg.fanoutRuns, 1); run++ {
		for _, sys := range []fanSystem{nd, pg} {
			if sys.dsn == "" || ctx.Err() != nil {
				continue
			}
			logf("fan-out: %s, %d subscribers (%d selective), %d rows/s for %s (run %d)", sys.name, cfg.subscribers, cfg.selective, cfg.rate, cfg.duration, run)
			res := fanoutOne(ctx, cfg, sys)
			res.Run = run
			logf("fan-out: %s: %d/%d deliveries, %d dups, p50 %s p99 %s", sys.name, res.Delivered, res.Expected, res.Dups, ms(res.pct(0.5)), ms(res.pct(0.99)))
			rep.fan = append(rep.fan, res)
		}
	}
}

func fanoutOne(ctx context.Context, cfg *config, sys fanSystem) *fanResult {
	res := &fanResult{System: sys.name, Subs: cfg.subscribers, Sel: cfg.selective, Rate: cfg.rate}
	total := int(int64(cfg.rate) * int64(cfg.duration) / int64(time.Second))
	admin, err := pgx.Connect(ctx, sys.dsn)
	if err != nil {
		res.Notes = append(res.Notes, "connect: "+err.Error())
		return res
	}
	defer admin.Close(context.Background())
	for _, s := range sys.setup {
		if _, err := admin.Exec(ctx, s, pgx.QueryExecModeSimpleProtocol); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("setup %q: %v", firstLine(s), err))
			return res
		}
	}

	// Subscribers: one connection each, connected and subscribed before the writer starts.
	subs := make([]*subscriber, 0, cfg.subscribers)
	defer func() {
		for _, s := range subs {
			s.conn.Close(context.Background())
		}
	}()
	for i := 0; i < cfg.subscribers; i++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := pgx.Connect(cctx, sys.dsn)
		if err == nil {
			var rows pgx.Rows
			rows, err = c.Query(cctx, sys.listen(i < cfg.selective), pgx.QueryExecModeSimpleProtocol)
			if err == nil {
				for rows.Next() {
				}
				rows.Close()
				err = rows.Err()
			}
			if err != nil {
				c.Close(context.Background())
			}
		}
		cancel()
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("subscriber %d of %d: %v (run aborted)", i+1, cfg.subscribers, err))
			return res
		}
		subs = append(subs, &subscriber{conn: c, sel: i < cfg.selective, seen: make([]uint8, total+1)})
	}

	t0 := time.Now()
	nowUs := func() int64 { return int64(time.Since(t0) / time.Microsecond) }
	warmUs := int64(cfg.warmup / time.Microsecond)
	cpu0 := cpuTicks(sys.pid, sys.kids)

	// Subscribers wait without a context: pgx watches a cancelable one on
	// every call (registering and removing a context.AfterFunc, 14% of
	// this program's CPU with 200 subscribers); they are stopped by
	// closing their connections instead.
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	var stopping atomic.Bool
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-sctx.Done()
		stopping.Store(true)
		for _, s := range subs {
			_ = s.conn.PgConn().Conn().Close()
		}
	}()
	defer func() { scancel(); <-stopped }()
	var swg sync.WaitGroup
	for _, s := range subs {
		swg.Add(1)
		go func() {
			defer swg.Done()
			for {
				n, err := s.conn.WaitForNotification(context.Background())
				if err != nil {
					if !stopping.Load() {
						s.err = err
					}
					return
				}
				r := nowUs()
				id, sent, ok := sys.parse(n.Payload)
				if !ok || id <= 0 || id > int64(total) {
					s.unk++
					continue
				}
				if s.seen[id]++; s.seen[id] > 1 {
					s.dups++
					continue
				}
				s.uniq.Add(1)
				if sent >= warmUs {
					s.lat = append(s.lat, int32(r-sent))
				}
			}
		}()
	}

	// Paced writer: row i goes to a free writer connection at t0 + (i-1)/rate.
	ok := make([]bool, total+1)
	writers := make([]*pgx.Conn, 0, cfg.writers)
	for i := 0; i < cfg.writers; i++ {
		c, err := pgx.Connect(ctx, sys.dsn)
		if err != nil {
			res.Notes = append(res.Notes, "writer connect: "+err.Error())
			break
		}
		writers = append(writers, c)
	}
	defer func() {
		for _, c := range writers {
			c.Close(context.Background())
		}
	}()
	ids := make(chan int, len(writers))
	var wwg sync.WaitGroup
	var errCount atomic.Int64
	var firstErr atomic.Value
	insLat := make([][]int32, len(writers))
	for wi, c := range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for id := range ids {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				sent := nowUs()
				_, err := c.Exec(cctx, sys.insert, id, id%10, sent)
				done := nowUs()
				cancel()
				if err != nil {
					if errCount.Add(1) == 1 {
						firstErr.Store(fmt.Sprintf("row %d: %v", id, err))
					}
					continue
				}
				ok[id] = true
				if sent >= warmUs {
					insLat[wi] = append(insLat[wi], int32(done-sent))
				}
			}
		}()
	}
	interval := time.Second / time.Duration(cfg.rate)
	start := time.Now()
	hardStop := start.Add(cfg.duration + 10*time.Second)
	dispatched := 0
	for i := 1; i <= total && len(writers) > 0; i++ {
		if d := time.Until(start.Add(time.Duration(i-1) * interval)); d > 0 {
			time.Sleep(d)
		}
		why := ""
		switch {
		case time.Now().After(hardStop):
			why = fmt.Sprintf("the time bound (schedule + 10 s): the writers could not keep up with %d rows/s", cfg.rate)
		case ctx.Err() != nil:
			why = "interrupt"
		case errCount.Load() > 100:
			why = "more than 100 INSERT errors"
		}
		if why != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("writer stopped after dispatching %d of %d rows: %s", i-1, total, why))
			break
		}
		ids <- i
		dispatched = i
	}
	close(ids)
	wwg.Wait()
	for _, l := range insLat {
		res.InsLat = append(res.InsLat, l...)
	}
	slices.Sort(res.InsLat)
	res.WriterWall = time.Since(start)
	_ = dispatched
	res.WriteErrs = int(errCount.Load())
	if v := firstErr.Load(); v != nil {
		res.FirstWErr = v.(string)
	}
	sentAll, sentSel := 0, 0
	for id := 1; id <= total; id++ {
		if ok[id] {
			sentAll++
			if id%10 == 0 {
				sentSel++
			}
		}
	}
	res.Sent = sentAll
	for _, s := range subs {
		if s.sel {
			res.Expected += sentSel
		} else {
			res.Expected += sentAll
		}
	}

	// Drain: wait until every subscriber has every matching row, or the bound.
	dstart := time.Now()
	for time.Since(dstart) < cfg.drain && ctx.Err() == nil {
		var got int64
		for _, s := range subs {
			got += s.uniq.Load()
		}
		if got >= int64(res.Expected) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.DrainWait = time.Since(dstart)
	res.CPUms = float64(cpuTicks(sys.pid, sys.kids)-cpu0) * 1000 / float64(cfg.clkTck)
	scancel()
	swg.Wait()

	var n int
	for _, s := range subs {
		n += len(s.lat)
	}
	res.Lat = make([]int32, 0, n)
	for _, s := range subs {
		res.Delivered += int(s.uniq.Load())
		res.Dups += s.dups
		res.Unknown += s.unk
		res.Lat = append(res.Lat, s.lat...)
		if s.err != nil {
			res.SubErrs++
			if res.FirstSubErr == "" {
				res.FirstSubErr = s.err.Error()
			}
		}
		// Deliveries of rows whose INSERT failed (it may still have committed) are not "missing".
		for id := 1; id <= total; id++ {
			if s.seen[id] > 0 && !ok[id] {
				res.Notes = append(res.Notes, fmt.Sprintf("row %d delivered although its INSERT reported an error", id))
				break
			}
		}
	}
	slices.Sort(res.Lat)
	return res
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// parsePG reads "id,sent_us".
func parsePG(p string) (int64, int64, bool) {
	i := bytes.IndexByte([]byte(p), ',')
	if i < 0 {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(p[:i], 10, 64)
	s, err2 := strconv.ParseInt(p[i+1:], 10, 64)
	return id, s, err1 == nil && err2 == nil
}

// parseLive reads id and sent_us from a LIVE SELECT payload
// {"subscription_id", "op", "transition", "row_id", "lsn", "row": {...}}
// with a byte scan (the client shares 2 cores with the server), falling
// back to encoding/json.
func parseLive(p string) (int64, int64, bool) {
	b := []byte(p)
	if r := bytes.Index(b, []byte(`"row":`)); r >= 0 {
		row := b[r+6:]
		id, ok1 := intAfter(row, `"id":`)
		s, ok2 := intAfter(row, `"sent_us":`)
		if ok1 && ok2 {
			return id, s, true
		}
	}
	var v struct {
		Row struct {
			ID     json.Number `json:"id"`
			SentUs json.Number `json:"sent_us"`
		} `json:"row"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return 0, 0, false
	}
	id, err1 := v.Row.ID.Int64()
	s, err2 := v.Row.SentUs.Int64()
	return id, s, err1 == nil && err2 == nil
}

func intAfter(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	for len(b) > 0 && (b[0] == ' ' || b[0] == '"') {
		b = b[1:]
	}
	j := 0
	for j < len(b) && (b[j] == '-' || (b[j] >= '0' && b[j] <= '9')) {
		j++
	}
	v, err := strconv.ParseInt(string(b[:j]), 10, 64)
	return v, err == nil
}
