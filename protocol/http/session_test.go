package http

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
)

// These tests run the API against a real session.Manager on a temporary
// database.

func newRealServer(t *testing.T) *Server {
	t.Helper()
	db, err := session.OpenDB(session.DBConfig{Dir: t.TempDir(), Durability: "sync", Logger: quietLogger})
	if err != nil {
		t.Fatalf("OpenDB: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("db.Close: %v", err)
		}
	})
	s := NewServer(Config{Logger: quietLogger}, FromManager(session.NewManager(db)))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestRealQueryRoundTrip(t *testing.T) {
	s := newRealServer(t)
	h := s.Handler()
	status, body := do(t, h, "POST", "/query", `{"sql":"CREATE COLLECTION users"}`)
	if status != 200 {
		t.Fatalf("CREATE COLLECTION: %d %s", status, body)
	}
	status, body = do(t, h, "POST", "/query",
		`{"sql":"INSERT INTO users (id, name, age) VALUES ('u1', 'Alice', 30), ('u2', 'Bob', 25)"}`)
	if status != 200 || decodeObject(t, body)["rows_affected"].(interface{ String() string }).String() != "2" {
		t.Fatalf("INSERT: %d %s", status, body)
	}
	status, body = do(t, h, "POST", "/query",
		`{"sql":"SELECT id, name, age FROM users WHERE age > $1 ORDER BY id","params":[20]}`)
	want := `{"status":"ok","columns":["id","name","age"],"rows":[["u1","Alice",30],["u2","Bob",25]],"rows_affected":2,"tag":"SELECT 2"}` + "\n"
	if status != 200 || body != want {
		t.Fatalf("SELECT:\n got %d %s\nwant %s", status, body, want)
	}
	status, body = do(t, h, "POST", "/query/stream", `{"sql":"SELECT name FROM users ORDER BY name"}`)
	wantStream := `{"columns":["name"]}` + "\n" + `["Alice"]` + "\n" + `["Bob"]` + "\n" +
		`{"status":"ok","rows_affected":2,"tag":"SELECT 2"}` + "\n"
	if status != 200 || body != wantStream {
		t.Fatalf("stream:\n got %d %s\nwant %s", status, body, wantStream)
	}
	status, body = do(t, h, "GET", "/health", "")
	if status != 200 || !strings.Contains(body, `"last_lsn":`) || strings.Contains(body, `"last_lsn":0`) {
		t.Errorf("/health after writes = %d %s", status, body)
	}
}

func TestRealQueryErrors(t *testing.T) {
	s := newRealServer(t)
	h := s.Handler()
	tests := []struct {
		sql        string
		wantStatus int
		wantCode   string
	}{
		{"SELEC 1", 400, errs.SyntaxError},
		{"SELECT * FROM no_such_collection", 404, errs.UndefinedTable},
		{"SELECT 1/0", 400, errs.DivisionByZero},
	}
	for _, tt := range tests {
		status, body := do(t, h, "POST", "/query", `{"sql":"`+tt.sql+`"}`)
		m := decodeObject(t, body)
		if status != tt.wantStatus || m["code"] != tt.wantCode {
			t.Errorf("%s: got %d %s, want %d %s", tt.sql, status, body, tt.wantStatus, tt.wantCode)
		}
	}
	status, body := do(t, h, "POST", "/query", `{"sql":"SELEC 1"}`)
	if m := decodeObject(t, body); m["position"] == nil {
		t.Errorf("syntax error without position: %d %s", status, body)
	}
}

func TestRealHealth(t *testing.T) {
	s := newRealServer(t)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), `{"status":"ok","last_lsn":`) {
		t.Errorf("/health = %d %s", rec.Code, rec.Body.String())
	}
}

// TestRealMultiStatementIsOneTransaction: a request's statements run as
// one implicit transaction, as a pgwire query string does; DDL after a
// write in it commits what ran before it (DDL is not transactional).
func TestRealMultiStatementIsOneTransaction(t *testing.T) {
	s := newRealServer(t)
	h := s.Handler()
	count := func(where string) string {
		t.Helper()
		status, body := do(t, h, "POST", "/query", `{"sql":"SELECT count(*) FROM t WHERE `+where+`"}`)
		if status != 200 {
			t.Fatalf("count: %d %s", status, body)
		}
		return fmt.Sprint(decodeObject(t, body)["rows"])
	}
	status, body := do(t, h, "POST", "/query",
		`{"sql":"CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 5); CREATE INDEX t_v ON t (v); INSERT INTO t VALUES (2, 5)"}`)
	if status != 200 {
		t.Fatalf("migration-style request: %d %s", status, body)
	}
	if got := count("v = 5"); got != "[[2]]" {
		t.Errorf("rows with v = 5: %s", got)
	}
	status, body = do(t, h, "POST", "/query", `{"sql":"INSERT INTO t VALUES (3, 1); INSERT INTO t VALUES (1, 1)"}`)
	if status == 200 || decodeObject(t, body)["code"] != errs.UniqueViolation {
		t.Fatalf("duplicate key: %d %s", status, body)
	}
	if got := count("id = 3"); got != "[[0]]" {
		t.Errorf("the failed request's first INSERT was kept: %s", got)
	}
}

// TestRealJSONValues: result values render as PostgreSQL's to_json gives
// them: a date without a time, a timestamp without time zone without one.
func TestRealJSONValues(t *testing.T) {
	s := newRealServer(t)
	status, body := do(t, s.Handler(), "POST", "/query",
		`{"sql":"SELECT DATE '2026-02-03', TIMESTAMP '2026-02-03 04:05:06.5', TIMESTAMPTZ '2026-02-03 04:05:06+00', '\\x00ff'::bytea, 1.50::numeric, 'NaN'::float8"}`)
	want := `"rows":[["2026-02-03","2026-02-03T04:05:06.5","2026-02-03T04:05:06Z","\\x00ff",1.50,"NaN"]]`
	if status != 200 || !strings.Contains(body, want) {
		t.Errorf("got %d %s\nwant rows %s", status, body, want)
	}
}
