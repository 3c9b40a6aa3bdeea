package http

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/internal/metrics"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

var quietLogger = slog.New(slog.DiscardHandler)

func newTestServer(t *testing.T, b Backend, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger
	}
	s := NewServer(cfg, b)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// do sends one request through the handler and returns status and body.
func do(t *testing.T, h http.Handler, method, path, body string, mod ...func(*http.Request)) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for _, m := range mod {
		m(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func decodeObject(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("response %q is not a JSON object: %v", body, err)
	}
	return m
}

func TestDecodeQueryRequest(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantSQL    string
		wantParams []types.Value
		wantStatus int
		wantCode   string
	}{
		{name: "sql only", body: `{"sql":"SELECT 1"}`, wantSQL: "SELECT 1"},
		{name: "params", body: `{"sql":"SELECT $1, $2, $3, $4", "params":[1, 2.5, "x", null]}`,
			wantSQL: "SELECT $1, $2, $3, $4", wantParams: []types.Value{int64(1), 2.5, "x", nil}},
		{name: "big integer stays exact", body: `{"sql":"s","params":[9007199254740993]}`,
			wantSQL: "s", wantParams: []types.Value{int64(9007199254740993)}},
		{name: "document param", body: `{"sql":"s","params":[{"a":[1,true]}]}`,
			wantSQL: "s", wantParams: []types.Value{map[string]any{"a": []any{int64(1), true}}}},
		{name: "empty params means none", body: `{"sql":"s","params":[]}`, wantSQL: "s"},
		{name: "null params means none", body: `{"sql":"s","params":null}`, wantSQL: "s"},
		{name: "trailing whitespace", body: "{\"sql\":\"s\"}\n\n", wantSQL: "s"},
		{name: "empty body", body: ``, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "not json", body: `SELECT 1`, wantStatus: 400, wantCode: errs.InvalidTextRep},
		{name: "truncated json", body: `{"sql":"SELECT`, wantStatus: 400, wantCode: errs.InvalidTextRep},
		{name: "trailing data", body: `{"sql":"s"} {"sql":"t"}`, wantStatus: 400, wantCode: errs.InvalidTextRep},
		{name: "trailing garbage", body: `{"sql":"s"} x`, wantStatus: 400, wantCode: errs.InvalidTextRep},
		{name: "array body", body: `["SELECT 1"]`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "null body", body: `null`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "missing sql", body: `{"params":[1]}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "blank sql", body: `{"sql":"  "}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "sql not a string", body: `{"sql":1}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "params not an array", body: `{"sql":"s","params":{"a":1}}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "unknown field", body: `{"sql":"s","param":[1]}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, ae := decodeQueryRequest(strings.NewReader(tt.body))
			if tt.wantStatus != 0 {
				if ae == nil {
					t.Fatalf("decoded %+v, want error %d %s", req, tt.wantStatus, tt.wantCode)
				}
				if ae.status != tt.wantStatus || ae.err.Code != tt.wantCode {
					t.Fatalf("error = %d %s (%s), want %d %s", ae.status, ae.err.Code, ae.err.Message, tt.wantStatus, tt.wantCode)
				}
				return
			}
			if ae != nil {
				t.Fatalf("error %d %s: %s", ae.status, ae.err.Code, ae.err.Message)
			}
			if req.SQL != tt.wantSQL {
				t.Errorf("SQL = %q, want %q", req.SQL, tt.wantSQL)
			}
			if fmt.Sprint(req.Params) != fmt.Sprint(tt.wantParams) || (req.Params == nil) != (tt.wantParams == nil) {
				t.Errorf("Params = %#v, want %#v", req.Params, tt.wantParams)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	s := newTestServer(t, &fakeBackend{}, Config{MaxBodyBytes: 64})
	big := `{"sql":"SELECT '` + strings.Repeat("x", 100) + `'"}`
	status, body := do(t, s.Handler(), "POST", "/query", big)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, body %s", status, body)
	}
	if m := decodeObject(t, body); m["code"] != errs.ProgramLimitExceeded {
		t.Errorf("code = %v", m["code"])
	}
}

func TestQueryEncodesValues(t *testing.T) {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	dec, _, _ := apd.NewFromString("12.50")
	b := &fakeBackend{result: func(context.Context, string, []types.Value) (*session.Result, error) {
		return &session.Result{
			Columns: []session.Column{{Name: "n"}, {Name: "i"}, {Name: "f"}, {Name: "d"}, {Name: "t"},
				{Name: "b"}, {Name: "ts"}, {Name: "doc"}, {Name: "inf"}, {Name: "ok"}},
			Rows: []types.Row{{nil, int64(-7), 1.5, dec, "héllo", []byte{0xde, 0xad}, ts,
				map[string]any{"k": []any{int64(1), "two"}}, math.Inf(1), true}},
			Tag: "SELECT 1", RowsAffected: 1,
		}, nil
	}}
	s := newTestServer(t, b, Config{})
	status, body := do(t, s.Handler(), "POST", "/query", `{"sql":"SELECT ..."}`)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	want := `{"status":"ok","columns":["n","i","f","d","t","b","ts","doc","inf","ok"],` +
		`"rows":[[null,-7,1.5,12.50,"héllo","\\xdead","2025-01-02T03:04:05.0000006Z",{"k":[1,"two"]},"Infinity",true]],` +
		`"rows_affected":1,"tag":"SELECT 1"}` + "\n"
	if body != want {
		t.Errorf("body\n got %s\nwant %s", body, want)
	}
	if n := b.openSessions(); n != 0 {
		t.Errorf("%d sessions left open", n)
	}
}

func TestQueryNoRowsStatement(t *testing.T) {
	b := &fakeBackend{result: func(context.Context, string, []types.Value) (*session.Result, error) {
		return &session.Result{Tag: "INSERT 0 2", RowsAffected: 2}, nil
	}}
	s := newTestServer(t, b, Config{})
	status, body := do(t, s.Handler(), "POST", "/query", `{"sql":"INSERT ..."}`)
	want := `{"status":"ok","columns":[],"rows":[],"rows_affected":2,"tag":"INSERT 0 2"}` + "\n"
	if status != 200 || body != want {
		t.Errorf("got %d %s, want %s", status, body, want)
	}
}

func TestQueryMultiStatementAnswersLast(t *testing.T) {
	b := &fakeBackend{}
	s := newTestServer(t, b, Config{})
	status, body := do(t, s.Handler(), "POST", "/query", `{"sql":"CREATE COLLECTION a; SELECT 2"}`)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	m := decodeObject(t, body)
	if got := fmt.Sprint(m["rows"]); got != "[[SELECT 2]]" {
		t.Errorf("rows = %s", got)
	}
	if got := fmt.Sprint(b.mu.executed); got != "[CREATE COLLECTION a SELECT 2]" {
		t.Errorf("executed = %s", got)
	}
}

func TestQueryParams(t *testing.T) {
	tests := []struct {
		name       string
		types      []types.T
		body       string
		want       []types.Value
		wantStatus int
		wantCode   string
	}{
		{name: "typed", types: []types.T{types.Int8, types.Text, types.Bool, types.Float8},
			body: `{"sql":"q","params":[1,"x",true,2]}`, want: []types.Value{int64(1), "x", true, 2.0}},
		{name: "text input parsed to the param type", types: []types.T{types.Int4, types.Bytea},
			body: `{"sql":"q","params":["42","\\x0102"]}`, want: []types.Value{int64(42), []byte{1, 2}}},
		{name: "unknown type keeps the JSON value", types: []types.T{types.Unknown},
			body: `{"sql":"q","params":[{"a":1}]}`, want: []types.Value{map[string]any{"a": int64(1)}}},
		{name: "too few params", types: []types.T{types.Int8, types.Int8},
			body: `{"sql":"q","params":[1]}`, wantStatus: 400, wantCode: errs.ProtocolViolation},
		{name: "bad text for int", types: []types.T{types.Int8},
			body: `{"sql":"q","params":["abc"]}`, wantStatus: 400, wantCode: errs.InvalidTextRep},
		{name: "bool for int", types: []types.T{types.Int8},
			body: `{"sql":"q","params":[true]}`, wantStatus: 400, wantCode: errs.DatatypeMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{paramTypes: tt.types}
			s := newTestServer(t, b, Config{})
			status, body := do(t, s.Handler(), "POST", "/query", tt.body)
			if tt.wantStatus != 0 {
				m := decodeObject(t, body)
				if status != tt.wantStatus || m["code"] != tt.wantCode {
					t.Fatalf("got %d %s, want %d %s", status, body, tt.wantStatus, tt.wantCode)
				}
				if len(b.mu.executed) != 0 {
					t.Errorf("executed %v despite bad params", b.mu.executed)
				}
				return
			}
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			if got := fmt.Sprintf("%#v", b.mu.params[0]); got != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("params = %s, want %#v", got, tt.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		name       string
		prepareErr error
		execErr    error
		wantStatus int
		wantBody   string
	}{
		{name: "syntax error with position",
			prepareErr: errs.New(errs.SyntaxError, `syntax error at or near "SELEC"`).WithPosition(1),
			wantStatus: 400, wantBody: `{"error":"syntax error at or near \"SELEC\"","code":"42601","position":1}`},
		{name: "undefined table is 404",
			execErr:    fmt.Errorf("plan: %w", errs.New(errs.UndefinedTable, `relation "nope" does not exist`)),
			wantStatus: 404, wantBody: `{"error":"relation \"nope\" does not exist","code":"42P01"}`},
		{name: "unique violation is 409 with detail",
			execErr:    errs.New(errs.UniqueViolation, "duplicate key").WithDetail("Key (id)=(1) already exists."),
			wantStatus: 409, wantBody: `{"error":"duplicate key","code":"23505","detail":"Key (id)=(1) already exists."}`},
		{name: "untyped error is 500 XX000",
			execErr:    errors.New("disk on fire"),
			wantStatus: 500, wantBody: `{"error":"disk on fire","code":"XX000"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBackend{prepareErr: tt.prepareErr}
			if tt.execErr != nil {
				b.result = func(context.Context, string, []types.Value) (*session.Result, error) { return nil, tt.execErr }
			}
			s := newTestServer(t, b, Config{})
			status, body := do(t, s.Handler(), "POST", "/query", `{"sql":"SELECT 1"}`)
			if status != tt.wantStatus || body != tt.wantBody+"\n" {
				t.Errorf("got %d %s\nwant %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
			if n := b.openSessions(); n != 0 {
				t.Errorf("%d sessions left open", n)
			}
		})
	}
}

func TestMethodRouting(t *testing.T) {
	s := newTestServer(t, &fakeBackend{}, Config{})
	if status, _ := do(t, s.Handler(), "GET", "/query", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /query = %d, want 405", status)
	}
	if status, _ := do(t, s.Handler(), "GET", "/nope", ""); status != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", status)
	}
}

func TestQueryStream(t *testing.T) {
	rows := make([]types.Row, 600) // more than one flush batch
	for i := range rows {
		rows[i] = types.Row{int64(i), fmt.Sprint("r", i)}
	}
	b := &fakeBackend{result: func(context.Context, string, []types.Value) (*session.Result, error) {
		return &session.Result{Columns: []session.Column{{Name: "i"}, {Name: "s"}}, Rows: rows,
			Tag: "SELECT 600", RowsAffected: 600}, nil
	}}
	s := newTestServer(t, b, Config{})
	status, body := do(t, s.Handler(), "POST", "/query/stream", `{"sql":"SELECT i, s FROM t"}`)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if len(lines) != 602 {
		t.Fatalf("%d lines, want 602", len(lines))
	}
	if lines[0] != `{"columns":["i","s"]}` {
		t.Errorf("header = %s", lines[0])
	}
	if lines[1] != `[0,"r0"]` || lines[600] != `[599,"r599"]` {
		t.Errorf("rows = %s ... %s", lines[1], lines[600])
	}
	if lines[601] != `{"status":"ok","rows_affected":600,"tag":"SELECT 600"}` {
		t.Errorf("trailer = %s", lines[601])
	}
}

func TestQueryStreamError(t *testing.T) {
	b := &fakeBackend{prepareErr: errs.New(errs.SyntaxError, "syntax error").WithPosition(3)}
	s := newTestServer(t, b, Config{})
	req := httptest.NewRequest("POST", "/query/stream", strings.NewReader(`{"sql":"SEL"}`))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != 400 || rec.Body.String() != `{"error":"syntax error","code":"42601","position":3}`+"\n" {
		t.Errorf("got %d %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestHealth(t *testing.T) {
	b := &fakeBackend{stats: session.Stats{LastLSN: 99}}
	s := newTestServer(t, b, Config{})
	for _, path := range []string{"/health", "/health/ready"} {
		status, body := do(t, s.Handler(), "GET", path, "")
		if status != 200 || body != `{"status":"ok","last_lsn":99}`+"\n" {
			t.Errorf("%s = %d %s", path, status, body)
		}
	}
	s.SetClosing()
	for _, path := range []string{"/health", "/health/ready"} {
		if status, _ := do(t, s.Handler(), "GET", path, ""); status != 503 {
			t.Errorf("closing: %s = %d, want 503", path, status)
		}
	}
	if status, _ := do(t, s.Handler(), "GET", "/health/live", ""); status != 200 {
		t.Errorf("closing: /health/live = %d, want 200", status)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	reg := metrics.New(func() metrics.Stats { return metrics.Stats{LastLSN: 5, Commits: 3} })
	s := newTestServer(t, &fakeBackend{}, Config{Metrics: reg})
	do(t, s.Handler(), "POST", "/query", `{"sql":"SELECT 1"}`)
	do(t, s.Handler(), "POST", "/query", `not json`)
	status, body := do(t, s.Handler(), "GET", "/metrics", "")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{
		`nodedb_queries_total{protocol="http",status="ok"} 1`,
		`nodedb_queries_total{protocol="http",status="error"} 1`,
		`nodedb_query_duration_seconds_count{protocol="http"} 2`,
		`nodedb_last_lsn 5`,
		`nodedb_commits_total 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestPasswordAuth(t *testing.T) {
	b := &fakeBackend{}
	s := newTestServer(t, b, Config{Password: "s3cret"})
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	tests := []struct {
		name       string
		mod        []func(*http.Request)
		wantStatus int
		wantCode   string
	}{
		{name: "no credentials", wantStatus: 401, wantCode: errs.InvalidAuthorization},
		{name: "wrong password", mod: []func(*http.Request){basic("admin", "nope")}, wantStatus: 401, wantCode: errs.InvalidPassword},
		{name: "wrong user", mod: []func(*http.Request){basic("bob", "s3cret")}, wantStatus: 401, wantCode: errs.InvalidPassword},
		{name: "superuser", mod: []func(*http.Request){basic("admin", "s3cret")}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, s.Handler(), "POST", "/query", `{"sql":"SELECT 1"}`, tt.mod...)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			if tt.wantCode != "" {
				if m := decodeObject(t, body); m["code"] != tt.wantCode {
					t.Errorf("code = %v, want %s", m["code"], tt.wantCode)
				}
			}
		})
	}
	if status, _ := do(t, s.Handler(), "GET", "/health", ""); status != 200 {
		t.Errorf("/health needs no auth, got %d", status)
	}
	if len(b.mu.users) != 1 || b.mu.users[0] != "admin" {
		t.Errorf("sessions opened for %v, want exactly one for admin", b.mu.users)
	}
}

// TestServeAndClose runs the real listener: bind port 0, query over TCP,
// close, and Serve returns.
func TestServeAndClose(t *testing.T) {
	reg := metrics.New(nil)
	s := NewServer(Config{Logger: quietLogger, Addr: "127.0.0.1:0", Metrics: reg}, &fakeBackend{stats: session.Stats{LastLSN: 1}})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background()) }()

	base := "http://" + s.Addr().String()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"status":"ok","last_lsn":1}`+"\n" {
		t.Fatalf("/health = %d %s", resp.StatusCode, b)
	}
	resp, err = client.Post(base+"/query/stream", "application/json", strings.NewReader(`{"sql":"SELECT 1"}`))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	resp.Body.Close()
	if len(lines) != 3 {
		t.Errorf("stream lines = %q", lines)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if _, err := client.Get(base + "/health"); err == nil {
		t.Error("server still answers after Close")
	}
}

// TestCloseCancelsRunningQuery: a query that never finishes on its own is
// cancelled once the shutdown grace period ends, and Close waits for it.
func TestCloseCancelsRunningQuery(t *testing.T) {
	started := make(chan struct{})
	finished := make(chan error, 1)
	b := &fakeBackend{result: func(ctx context.Context, _ string, _ []types.Value) (*session.Result, error) {
		close(started)
		<-ctx.Done()
		finished <- ctx.Err()
		return nil, errs.New(errs.QueryCanceled, "canceling statement due to user request")
	}}
	s := NewServer(Config{Logger: quietLogger, Addr: "127.0.0.1:0", ShutdownTimeout: 50 * time.Millisecond}, b)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background()) }()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	reqDone := make(chan struct{})
	go func() {
		defer close(reqDone)
		resp, err := client.Post("http://"+s.Addr().String()+"/query", "application/json", strings.NewReader(`{"sql":"SELECT sleep()"}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	_ = s.Close()
	select {
	case err := <-finished:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("query ctx err = %v", err)
		}
	default:
		t.Fatal("Close returned while the query was still running")
	}
	<-reqDone
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	s := NewServer(Config{Logger: quietLogger, Addr: "127.0.0.1:0"}, &fakeBackend{})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v", err)
	}
}

func TestListenBusyPort(t *testing.T) {
	a := NewServer(Config{Logger: quietLogger, Addr: "127.0.0.1:0"}, &fakeBackend{})
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := NewServer(Config{Logger: quietLogger, Addr: a.Addr().String()}, &fakeBackend{})
	defer b.Close()
	if err := b.Listen(); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Listen on a busy port = %v", err)
	}
}
