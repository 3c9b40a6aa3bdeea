package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// receiver is the webhook endpoint both systems deliver to. It records
// when each row's event first arrived.
type receiver struct {
	srv *http.Server
	url string

	mu       sync.Mutex
	got      map[int64]time.Time
	requests int
	last     time.Time
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{got: map[int64]time.Time{}, url: "http://" + ln.Addr().String() + "/hook"}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) close() { _ = r.srv.Close() }

// ServeHTTP takes a nodedb event ({"new_value": {"id": ...}, ...}) or a
// relayed PostgreSQL row ({"id": ...}).
func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	var body struct {
		ID       *int64 `json:"id"`
		NewValue struct {
			ID *int64 `json:"id"`
		} `json:"new_value"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := body.ID
	if id == nil {
		id = body.NewValue.ID
	}
	if id == nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.requests++
	if _, ok := r.got[*id]; !ok {
		r.got[*id] = now
		r.last = now
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) reset() {
	r.mu.Lock()
	r.got = map[int64]time.Time{}
	r.requests = 0
	r.last = time.Time{}
	r.mu.Unlock()
}

// waitFor waits until n distinct rows arrived or the timeout passes; it
// returns how many arrived and when the last new one did.
func (r *receiver) waitFor(ctx context.Context, n int, timeout time.Duration) (int, time.Time) {
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		have, last := len(r.got), r.last
		r.mu.Unlock()
		if have >= n || time.Now().After(deadline) || ctx.Err() != nil {
			return have, last
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// system is one side of the comparison.
type system interface {
	name() string
	setup(ctx context.Context) error
	conn(ctx context.Context) (*pgx.Conn, error)
	// hold makes delivery wait; release lets it go and says when.
	hold(ctx context.Context, c *pgx.Conn) error
	release(ctx context.Context, c *pgx.Conn) (time.Time, error)
	pid() (int, bool) // server pid, count children
	close()
}

const table = "wh_bench"

// nodedbSys delivers through a change stream with a URL.
type nodedbSys struct {
	cfg *config
	rcv *receiver
}

func newNodeDB(cfg *config, rcv *receiver) *nodedbSys { return &nodedbSys{cfg: cfg, rcv: rcv} }

func (s *nodedbSys) name() string { return "nodedb" }

func (s *nodedbSys) conn(ctx context.Context) (*pgx.Conn, error) {
	return pgx.Connect(ctx, s.cfg.nodedbDSN)
}

func (s *nodedbSys) setup(ctx context.Context) error {
	c, err := s.conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range []string{
		"CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v INT, note TEXT)",
		fmt.Sprintf("CREATE CHANGE STREAM %s_s ON %s WITH (URL = '%s', RETRY = 10, TIMEOUT = '5s')", table, table, s.rcv.url),
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

func (s *nodedbSys) hold(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, "ALTER CHANGE STREAM "+table+"_s PAUSE")
	return err
}

func (s *nodedbSys) release(ctx context.Context, c *pgx.Conn) (time.Time, error) {
	_, err := c.Exec(ctx, "ALTER CHANGE STREAM "+table+"_s RESUME")
	return time.Now(), err
}

func (s *nodedbSys) pid() (int, bool) { return s.cfg.nodedbPID, false }
func (s *nodedbSys) close()           {}

// pgSys is PostgreSQL 15 with a pg_notify trigger and a relay that LISTENs
// and POSTs each notification, one at a time, in order.
type pgSys struct {
	cfg    *config
	rcv    *receiver
	cancel context.CancelFunc
	done   chan struct{}
	errMu  sync.Mutex
	err    error
}

func newPostgres(cfg *config, rcv *receiver) *pgSys { return &pgSys{cfg: cfg, rcv: rcv} }

func (s *pgSys) name() string { return "postgres" }

func (s *pgSys) conn(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, s.cfg.pgDSN) }

func (s *pgSys) setup(ctx context.Context) error {
	c, err := s.conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + table,
		"CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v INT, note TEXT)",
		`CREATE OR REPLACE FUNCTION wh_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('` + table + `', row_to_json(NEW)::text); RETURN NULL; END $$`,
		"CREATE TRIGGER " + table + "_notify AFTER INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION wh_notify()",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	// The relay.
	lc, err := s.conn(ctx)
	if err != nil {
		return err
	}
	if _, err := lc.Exec(ctx, "LISTEN "+table); err != nil {
		lc.Close(ctx)
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go s.relay(rctx, lc)
	return nil
}

func (s *pgSys) relay(ctx context.Context, lc *pgx.Conn) {
	defer close(s.done)
	defer lc.Close(context.Background())
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		n, err := lc.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.fail(err)
			}
			return
		}
		for attempt := 0; ; attempt++ {
			resp, err := client.Post(s.rcv.url, "application/json", bytes.NewReader([]byte(n.Payload)))
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					break
				}
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			if attempt == 10 || ctx.Err() != nil {
				s.fail(err)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (s *pgSys) fail(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.errMu.Unlock()
}

func (s *pgSys) hold(ctx context.Context, c *pgx.Conn) error {
	_, err := c.Exec(ctx, "BEGIN")
	return err
}

func (s *pgSys) release(ctx context.Context, c *pgx.Conn) (time.Time, error) {
	_, err := c.Exec(ctx, "COMMIT")
	return time.Now(), err
}

func (s *pgSys) pid() (int, bool) { return s.cfg.pgPID, true }

func (s *pgSys) close() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	s.errMu.Lock()
	err := s.err
	s.errMu.Unlock()
	if err != nil && !errors.Is(err, context.Canceled) {
		logf("postgres relay: %v", err)
	}
}
