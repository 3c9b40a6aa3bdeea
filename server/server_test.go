package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/goleak"

	"github.com/nodedb-go/nodedb/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.DiscardHandler)

// testConfig is a config on a fresh temp dir with every port chosen by the
// OS.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	c := config.Default()
	c.DataDir = t.TempDir()
	c.PgwirePort, c.HTTPPort = 0, 0
	return c
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStartHealthClose(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.HTTPAddr().String()
	status, body := get(t, base+"/health")
	if status != 200 || !strings.HasPrefix(body, `{"status":"ok","last_lsn":`) {
		t.Fatalf("/health = %d %s", status, body)
	}
	status, body = get(t, base+"/metrics")
	if status != 200 || !strings.Contains(body, "nodedb_last_lsn") {
		t.Fatalf("/metrics = %d, has nodedb_last_lsn: %v", status, strings.Contains(body, "nodedb_last_lsn"))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRunUntilContextDone(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	waitListening(t, s)
	if status, _ := get(t, "http://"+s.HTTPAddr().String()+"/health/live"); status != 200 {
		t.Errorf("/health/live = %d", status)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run = %v", err)
	}
}

func TestRunReturnsOnClose(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(context.Background()) }()
	waitListening(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func waitListening(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.HTTPAddr() == nil {
		if time.Now().After(deadline) {
			t.Fatal("server did not start listening")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTwoServersInOneProcess(t *testing.T) {
	a, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if a.HTTPAddr().String() == b.HTTPAddr().String() {
		t.Fatal("both servers report the same address")
	}
	// Each server counts its own requests.
	get(t, "http://"+a.HTTPAddr().String()+"/health")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Post("http://"+a.HTTPAddr().String()+"/query", "application/json", strings.NewReader(`nope`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, am := get(t, "http://"+a.HTTPAddr().String()+"/metrics")
	_, bm := get(t, "http://"+b.HTTPAddr().String()+"/metrics")
	want := `nodedb_queries_total{protocol="http",status="error"} 1`
	if !strings.Contains(am, want) {
		t.Errorf("server a metrics lack %q", want)
	}
	if strings.Contains(bm, `nodedb_queries_total{protocol="http"`) {
		t.Errorf("server b counted server a's query")
	}
}

func TestPortInUse(t *testing.T) {
	a, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.HTTPPort = a.HTTPAddr().(*net.TCPAddr).Port
	b, err := New(cfg, WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "--http-port") {
		t.Fatalf("Run on a busy port = %v", err)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		want   string
	}{
		{"bad durability", func(c *config.Config) { c.Durability = "maybe" }, "durability"},
		{"bad port", func(c *config.Config) { c.HTTPPort = 65536 }, "port_http"},
		{"missing TLS files", func(c *config.Config) { c.TLSCert, c.TLSKey = "/nonexistent/c.pem", "/nonexistent/k.pem" }, "TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t)
			tt.mutate(&c)
			s, err := New(c, WithLogger(quiet))
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	c := testConfig(t)
	c.Durability = "maybe"
	if _, err := New(c, WithLogger(quiet)); !errors.Is(err, config.ErrInvalid) {
		t.Errorf("error does not wrap config.ErrInvalid: %v", err)
	}
}

func TestCloseWithoutStart(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewLogger(t *testing.T) {
	var b strings.Builder
	NewLogger(&b, "json", "warn").Info("hidden")
	NewLogger(&b, "json", "warn").Warn("shown", "k", 1)
	if got := b.String(); strings.Contains(got, "hidden") || !strings.Contains(got, `"msg":"shown"`) {
		t.Errorf("json logger wrote %q", got)
	}
	b.Reset()
	NewLogger(&b, "text", "debug").Debug("dbg")
	if !strings.Contains(b.String(), "msg=dbg") {
		t.Errorf("text logger wrote %q", b.String())
	}
}

func TestPgwireAcceptsConnections(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	addr := s.PgwireAddr()
	if addr == nil {
		t.Fatal("PgwireAddr is nil after Start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, "postgres://admin@"+addr.String()+"/nodedb?sslmode=disable")
	if err != nil {
		t.Fatalf("pgwire connect: %v", err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Errorf("pgwire close: %v", err)
	}
}

func TestPgwirePortInUse(t *testing.T) {
	a, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.PgwirePort = a.PgwireAddr().(*net.TCPAddr).Port
	b, err := New(cfg, WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Start()
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "--pgwire-port") {
		t.Fatalf("Start on a busy pgwire port = %v", err)
	}
}

// TestWriteOverPgwireReadOverHTTP: both protocols serve the same database.
func TestWriteOverPgwireReadOverHTTP(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, "postgres://admin@"+s.PgwireAddr().String()+"/nodedb?sslmode=disable")
	if err != nil {
		t.Fatalf("pgwire connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE COLLECTION users; INSERT INTO users (id, name) VALUES ('u1', 'Alice')").ReadAll(); err != nil {
		t.Fatalf("pgwire exec: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Post("http://"+s.HTTPAddr().String()+"/query", "application/json",
		strings.NewReader(`{"sql":"SELECT name FROM users WHERE id = $1","params":["u1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"status":"ok","columns":["name"],"rows":[["Alice"]],"rows_affected":1,"tag":"SELECT 1"}` + "\n"
	if resp.StatusCode != 200 || string(body) != want {
		t.Fatalf("HTTP read:\n got %d %s\nwant %s", resp.StatusCode, body, want)
	}
	_, health := get(t, "http://"+s.HTTPAddr().String()+"/health")
	if strings.Contains(health, `"last_lsn":0`) {
		t.Errorf("/health after a write: %s", health)
	}
}

func TestStreamMetrics(t *testing.T) {
	s, err := New(testConfig(t), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, "postgres://admin@"+s.PgwireAddr().String()+"/nodedb?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE t (id INT PRIMARY KEY); CREATE CHANGE STREAM st ON t;
		CREATE CONSUMER GROUP g ON st; INSERT INTO t VALUES (1), (2), (3)`).ReadAll(); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, "http://"+s.HTTPAddr().String()+"/metrics")
	for _, want := range []string{`nodedb_stream_events{stream="st"} 3`, `nodedb_stream_group_lag{group="g",stream="st"} 3`,
		"nodedb_stream_history_lost_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
