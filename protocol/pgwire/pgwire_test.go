package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"
	_ "github.com/lib/pq"
	"go.uber.org/goleak"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type testServer struct {
	srv  *Server
	mgr  *fakeManager
	addr string
	errc chan error
}

// startServer runs a Server on a free port and stops it at test end.
func startServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	mgr := newFakeManager()
	srv := NewServer(cfg, mgr)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: srv, mgr: mgr, addr: srv.Addr().String(), errc: make(chan error, 1)}
	go func() { ts.errc <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-ts.errc; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if n := mgr.openSessions(); n != 0 {
			t.Errorf("%d sessions left open after Close", n)
		}
	})
	return ts
}

func (ts *testServer) url(extra string) string {
	return fmt.Sprintf("postgres://alice@%s/db?sslmode=disable%s", ts.addr, extra)
}

func connectPgx(t testing.TB, connString string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPgxStartupParams(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url("&application_name=tester"))
	pc := c.PgConn()
	for k, want := range map[string]string{
		"server_version": "15.0 (NodeDB-Go)", "client_encoding": "UTF8", "server_encoding": "UTF8",
		"DateStyle": "ISO, MDY", "TimeZone": "UTC", "integer_datetimes": "on",
		"standard_conforming_strings": "on", "application_name": "tester", "session_authorization": "alice",
	} {
		if got := pc.ParameterStatus(k); got != want {
			t.Errorf("ParameterStatus(%s) = %q, want %q", k, got, want)
		}
	}
	if pc.PID() == 0 {
		t.Error("no BackendKeyData")
	}
	// A SET that changes a reported parameter is announced.
	if _, err := c.Exec(ctx(t), "set application_name = 'other'", pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	if got := pc.ParameterStatus("application_name"); got != "other" {
		t.Errorf("application_name after SET = %q", got)
	}
}

// checkTyped scans the canned typed row and compares every column.
func checkTyped(t *testing.T, rows pgx.Rows) {
	t.Helper()
	var (
		i8 int64
		f8 float64
		s  string
		b  bool
		tm time.Time
		n  pgtype.Numeric
		u  pgtype.UUID
		by []byte
		d  time.Time
		j  map[string]any
		i4 int32
	)
	if !rows.Next() {
		t.Fatalf("no row: %v", rows.Err())
	}
	if err := rows.Scan(&i8, &f8, &s, &b, &tm, &n, &u, &by, &d, &j, &i4); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if rows.Next() {
		t.Fatal("extra row")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	nv, _ := n.Value()
	if i8 != -9000000000 || f8 != 2.5 || s != "héllo" || !b || !tm.Equal(ts0) || nv != "12345.678900" ||
		u.String() != uuid0 || string(by) != "\x00\x01\xff" || !d.Equal(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)) ||
		fmt.Sprint(j) != "map[k:[1 v]]" || i4 != 42 {
		t.Errorf("got %v %v %q %v %v %v %v %x %v %v %v", i8, f8, s, b, tm, nv, u.String(), by, d, j, i4)
	}
}

func TestPgxResultsBinaryAndText(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	for _, mode := range []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement, // extended, binary results
		pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeSimpleProtocol, // text results
	} {
		t.Run(mode.String(), func(t *testing.T) {
			rows, err := c.Query(ctx(t), "select * from typed", mode)
			if err != nil {
				t.Fatal(err)
			}
			checkTyped(t, rows)
			// All-NULL row.
			rows, err = c.Query(ctx(t), "select * from nulls", mode)
			if err != nil {
				t.Fatal(err)
			}
			vals, err := pgx.CollectOneRow(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if v != nil {
					t.Errorf("column %d: %v, want NULL", i, v)
				}
			}
		})
	}
}

func TestPgxParams(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	num := pgtype.Numeric{}
	if err := num.Scan("-3.25"); err != nil {
		t.Fatal(err)
	}
	var u pgtype.UUID
	if err := u.Scan(uuid0); err != nil {
		t.Fatal(err)
	}
	args := []any{int64(7), "text ✓", 1.5, true, ts0, num, u, []byte{9, 8}}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			var (
				i  int64
				s  string
				f  float64
				b  bool
				tm time.Time
				n  pgtype.Numeric
				uu pgtype.UUID
				by []byte
			)
			err := c.QueryRow(ctx(t), "select echo($1, $2, $3, $4, $5, $6, $7, $8)", append([]any{mode}, args...)...).
				Scan(&i, &s, &f, &b, &tm, &n, &uu, &by)
			if mode == pgx.QueryExecModeSimpleProtocol {
				// The fake's PrepareMulti knows no parameters; pgx
				// interpolates them into the SQL, which the fake rejects.
				if err == nil {
					t.Fatal("expected the fake to reject interpolated SQL")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			nv, _ := n.Value()
			if i != 7 || s != "text ✓" || f != 1.5 || !b || !tm.Equal(ts0) || nv != "-3.25" || uu.String() != uuid0 || string(by) != "\x09\x08" {
				t.Errorf("echo = %v %q %v %v %v %v %v %x", i, s, f, b, tm, nv, uu.String(), by)
			}
		})
	}
	// The session received typed values decoded from the binary parameters.
	ts.mgr.mu.Lock()
	got := ts.mgr.params[len(ts.mgr.params)-1]
	ts.mgr.mu.Unlock()
	if got[0] != int64(7) || got[1] != "text ✓" || got[2] != 1.5 || got[3] != true || !types.Equal(got[4], ts0) ||
		!types.Equal(got[5], mustDec("-3.25")) || got[6] != uuid0 || !types.Equal(got[7], []byte{9, 8}) {
		t.Errorf("session params = %#v", got)
	}
}

func TestPgxPreparedReuse(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	for i := range 3 {
		var n int64
		if err := c.QueryRow(ctx(t), "select $1::int8 + 1", int64(i)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != int64(i+1) {
			t.Fatalf("got %d", n)
		}
	}
	if _, err := c.Prepare(ctx(t), "named", "select 1"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var n int32
		if err := c.QueryRow(ctx(t), "named").Scan(&n); err != nil || n != 1 {
			t.Fatalf("named: %d %v", n, err)
		}
	}
	ts.mgr.mu.Lock()
	defer ts.mgr.mu.Unlock()
	if p := ts.mgr.prepares["select $1::int8 + 1"]; p != 1 {
		t.Errorf("statement prepared %d times, want 1 (cached)", p)
	}
	if p := ts.mgr.prepares["select 1"]; p != 1 {
		t.Errorf("named statement prepared %d times, want 1", p)
	}
}

func TestPgxErrorThenGoodQuery(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		_, err := c.Exec(ctx(t), "select fail", mode)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("%v: want PgError, got %v", mode, err)
		}
		if pgErr.Code != "22012" || pgErr.Message != "division by zero" || pgErr.Detail != "the detail" ||
			pgErr.Hint != "the hint" || pgErr.Position != 8 || pgErr.Severity != "ERROR" {
			t.Errorf("%v: error fields %+v", mode, pgErr)
		}
		_, err = c.Exec(ctx(t), "no such statement", mode)
		if !errors.As(err, &pgErr) || pgErr.Code != "42601" || pgErr.Position != 1 {
			t.Errorf("%v: syntax error = %v", mode, err)
		}
		var n int32
		if err := c.QueryRow(ctx(t), "select 1", mode).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%v: good query after error: %d %v", mode, n, err)
		}
	}
}

func TestPgxTransactionStatus(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	tx, err := c.Begin(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st := c.PgConn().TxStatus(); st != 'T' {
		t.Errorf("TxStatus in transaction = %c", st)
	}
	if err := tx.Commit(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if st := c.PgConn().TxStatus(); st != 'I' {
		t.Errorf("TxStatus after commit = %c", st)
	}
}

func TestPgxCopyFromBinary(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	var src [][]any
	for i := range 2000 {
		var name any = fmt.Sprintf("name %d\twith tab", i)
		if i%7 == 0 {
			name = nil
		}
		src = append(src, []any{int64(i), name, float64(i) / 4, ts0.Add(time.Duration(i) * time.Second)})
	}
	n, err := c.CopyFrom(ctx(t), pgx.Identifier{"people"}, []string{"id", "name", "score", "at"}, pgx.CopyFromRows(src))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2000 {
		t.Fatalf("copied %d", n)
	}
	ts.mgr.mu.Lock()
	got := ts.mgr.copied["people"]
	ts.mgr.mu.Unlock()
	if len(got) != 2000 {
		t.Fatalf("session got %d rows", len(got))
	}
	for i, row := range got {
		if !types.Equal(row[0], src[i][0]) || !types.Equal(row[1], src[i][1]) || !types.Equal(row[2], src[i][2]) ||
			!types.Equal(row[3], src[i][3]) {
			t.Fatalf("row %d = %#v, want %#v", i, row, src[i])
		}
	}
	// A row the session rejects fails the COPY; the connection stays usable.
	_, err = c.CopyFrom(ctx(t), pgx.Identifier{"people"}, []string{"id", "name", "score", "at"},
		pgx.CopyFromRows([][]any{{int64(1), "bad", 1.0, ts0}}))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23502" {
		t.Fatalf("bad row: %v", err)
	}
	var one int32
	if err := c.QueryRow(ctx(t), "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after failed COPY: %v", err)
	}
}

// TestPgxCancelRequest lets pgx send a CancelRequest when the query's
// context ends; the statement stops and the connection stays usable.
func TestPgxCancelRequest(t *testing.T) {
	ts := startServer(t, Config{})
	cfg, err := pgx.ParseConfig(ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	c, err := pgx.ConnectConfig(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	qctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Exec(qctx, "select pg_sleep(10)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("canceled statement: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	ts.mgr.mu.Lock()
	cancels := ts.mgr.cancels
	ts.mgr.mu.Unlock()
	if cancels == 0 {
		t.Error("CancelRequest did not reach the session manager")
	}
	var n int32
	if err := c.QueryRow(ctx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("connection after cancel: %v", err)
	}
}

func TestPgxCancelKeepsConnection(t *testing.T) {
	ts := startServer(t, Config{})
	c := connectPgx(t, ts.url(""))
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), "select pg_sleep(10)")
		done <- err
	}()
	// Wait until the statement runs, then cancel it from outside.
	deadline := time.Now().Add(5 * time.Second)
	for ts.mgr.execCount("select pg_sleep(10)") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if err := c.PgConn().CancelRequest(ctx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			t.Fatalf("canceled statement: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not stop the statement")
	}
	var n int32
	if err := c.QueryRow(ctx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("connection after cancel: %v", err)
	}
}

func TestTLSRefused(t *testing.T) {
	ts := startServer(t, Config{})
	_, err := pgx.Connect(ctx(t), fmt.Sprintf("postgres://alice@%s/db?sslmode=require", ts.addr))
	if err == nil {
		t.Fatal("sslmode=require must fail against a server without TLS")
	}
	// prefer falls back to plain text after 'N'.
	c := connectPgx(t, fmt.Sprintf("postgres://alice@%s/db?sslmode=prefer", ts.addr))
	if _, ok := c.PgConn().Conn().(*tls.Conn); ok {
		t.Error("connection is TLS without a TLS config")
	}
	var n int32
	if err := c.QueryRow(ctx(t), "select 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
}

func selfSignedTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLSAccepted(t *testing.T) {
	ts := startServer(t, Config{TLSConfig: selfSignedTLS(t), AuthMode: AuthPassword, Password: "s3cret"})
	c := connectPgx(t, fmt.Sprintf("postgres://admin:s3cret@%s/db?sslmode=require", ts.addr))
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("connection is %T, want *tls.Conn", c.PgConn().Conn())
	}
	rows, err := c.Query(ctx(t), "select * from typed")
	if err != nil {
		t.Fatal(err)
	}
	checkTyped(t, rows)
}

func TestSCRAM(t *testing.T) {
	ts := startServer(t, Config{AuthMode: AuthPassword, Password: "s3cret"})
	c := connectPgx(t, fmt.Sprintf("postgres://admin:s3cret@%s/db?sslmode=disable", ts.addr))
	var n int32
	if err := c.QueryRow(ctx(t), "select 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got := c.PgConn().ParameterStatus("is_superuser"); got != "on" {
		t.Errorf("is_superuser = %q", got)
	}
	for _, tc := range []struct{ user, password string }{{"admin", "wrong"}, {"bob", "s3cret"}, {"admin", ""}} {
		_, err := pgx.Connect(ctx(t), fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=disable", tc.user, tc.password, ts.addr))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("%s/%q: want PgError, got %v", tc.user, tc.password, err)
		}
		want := fmt.Sprintf("password authentication failed for user %q", tc.user)
		if pgErr.Code != "28P01" || pgErr.Message != want || pgErr.Severity != "FATAL" {
			t.Errorf("%s/%q: %+v", tc.user, tc.password, pgErr)
		}
	}
	// lib/pq speaks SCRAM too.
	db, err := sql.Open("postgres", fmt.Sprintf("postgres://admin:s3cret@%s/db?sslmode=disable", ts.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("lib/pq over SCRAM: %v", err)
	}
}

func TestLibPQ(t *testing.T) {
	ts := startServer(t, Config{})
	db, err := sql.Open("postgres", ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	// Extended protocol with text parameters and text results.
	var (
		i  int64
		s  string
		f  float64
		b  bool
		tm time.Time
		n  string
		u  string
		by []byte
	)
	err = db.QueryRowContext(ctx(t), "select echo($1, $2, $3, $4, $5, $6, $7, $8)",
		7, "x'y", 0.25, true, ts0, "1.50", uuid0, []byte{1, 2}).Scan(&i, &s, &f, &b, &tm, &n, &u, &by)
	if err != nil {
		t.Fatal(err)
	}
	if i != 7 || s != "x'y" || f != 0.25 || !b || !tm.Equal(ts0) || n != "1.50" || u != uuid0 || string(by) != "\x01\x02" {
		t.Errorf("echo = %v %q %v %v %v %v %v %x", i, s, f, b, tm, n, u, by)
	}

	rows, err := db.QueryContext(ctx(t), "select * from typed")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.ColumnTypes()
	if len(cols) != len(typedCo) || cols[4].DatabaseTypeName() != "TIMESTAMPTZ" || cols[5].DatabaseTypeName() != "NUMERIC" {
		t.Errorf("column types: %v %v", cols[4].DatabaseTypeName(), cols[5].DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(typedCo))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(vals[0]) != "-9000000000" || string(vals[9].([]byte)) != `{"k": [1, "v"]}` {
			t.Errorf("row %v", vals)
		}
	}
	rows.Close()

	// Errors keep the connection usable; transactions report status.
	if _, err := db.ExecContext(ctx(t), "select fail"); err == nil {
		t.Fatal("expected error")
	}
	tx, err := db.BeginTx(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := tx.ExecContext(ctx(t), "insert into t values (1)"); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("rows affected %d", n)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Simple-protocol multi-statement string.
	if _, err := db.ExecContext(ctx(t), "create table t (a int); insert into t values (2)"); err != nil {
		t.Fatal(err)
	}
	if got := ts.mgr.execCount("insert into t values (2)"); got != 1 {
		t.Errorf("second statement ran %d times", got)
	}
}

func TestRawBadInputClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1 << 20})
	good := connectPgx(t, ts.url(""))

	for name, payload := range map[string][]byte{
		"garbage startup":  []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		"huge startup":     {0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0},
		"oversized":        nil, // filled in below after a valid startup
		"unknown type":     nil,
		"bad length":       nil,
		"bad bind content": nil,
	} {
		t.Run(name, func(t *testing.T) {
			fe := dialRaw(t, ts.addr)
			if payload == nil {
				fe.startup(t)
				switch name {
				case "oversized":
					payload = []byte{'Q', 0x7f, 0xff, 0xff, 0xff}
				case "unknown type":
					payload = []byte{'~', 0, 0, 0, 4}
				case "bad length":
					payload = []byte{'Q', 0, 0, 0, 2}
				case "bad bind content":
					payload = []byte{'B', 0, 0, 0, 6, 'x', 'y'} // truncated Bind
				}
			}
			fe.write(t, payload)
			if code := fe.readUntilClosed(t); code != "" && code != "08P01" {
				t.Errorf("error code %s, want 08P01", code)
			}
		})
	}
	var n int32
	if err := good.QueryRow(ctx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("concurrent connection broken: %v", err)
	}
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, Config{})
	good := connectPgx(t, ts.url(""))
	bad := connectPgx(t, ts.url(""))
	_, err := bad.Exec(ctx(t), "panic", pgx.QueryExecModeSimpleProtocol)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "XX000" || pgErr.Severity != "FATAL" {
		t.Fatalf("panic: %v", err)
	}
	var n int32
	if err := good.QueryRow(ctx(t), "select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("other connection broken: %v", err)
	}
}

func TestCloseWithOpenConnections(t *testing.T) {
	mgr := newFakeManager()
	srv := NewServer(Config{Addr: "127.0.0.1:0"}, mgr)
	sctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go func() { errc <- srv.Serve(sctx) }()
	c, err := pgx.Connect(ctx(t), fmt.Sprintf("postgres://alice@%s/db?sslmode=disable", srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	running := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), "select pg_sleep(10)")
		running <- err
	}()
	for mgr.execCount("select pg_sleep(10)") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	// Canceling Serve's context shuts the server down, running statement included.
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve = %v", err)
	}
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
	if err := <-running; err == nil {
		t.Error("statement survived shutdown")
	}
	if n := mgr.openSessions(); n != 0 {
		t.Errorf("%d sessions open after Close", n)
	}
}

type countingMetrics struct {
	mu                    sync.Mutex
	opened, closed        int
	queriesOK, queriesErr int
}

func (m *countingMetrics) ObserveQuery(protocol string, _ time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if protocol != "pgwire" {
		panic(protocol)
	}
	if err != nil {
		m.queriesErr++
	} else {
		m.queriesOK++
	}
}
func (m *countingMetrics) ConnOpened(string) { m.mu.Lock(); m.opened++; m.mu.Unlock() }
func (m *countingMetrics) ConnClosed(string) { m.mu.Lock(); m.closed++; m.mu.Unlock() }

func TestMetrics(t *testing.T) {
	m := &countingMetrics{}
	ts := startServer(t, Config{Metrics: m})
	c := connectPgx(t, ts.url(""))
	if _, err := c.Exec(ctx(t), "select 1; select 1", pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx(t), "select fail"); err == nil {
		t.Fatal("expected error")
	}
	c.Close(ctx(t))
	ts.srv.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opened != 1 || m.closed != 1 || m.queriesOK != 2 || m.queriesErr != 1 {
		t.Errorf("metrics %+v", m)
	}
}

// TestNotifierReportsDropBeforeLaterNotifications: a notification that
// entered the mailbox after one was dropped goes out only after the
// notice of the drop, so the client knows where the gap is.
func TestNotifierReportsDropBeforeLaterNotifications(t *testing.T) {
	ts := startServer(t, Config{})
	ts.mgr.notify = make(chan session.Notification, 8)
	type event struct {
		notice  *pgconn.Notice
		payload string
	}
	events := make(chan event, 8)
	cfg, err := pgconn.ParseConfig(ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { events <- event{notice: n} }
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { events <- event{payload: n.Payload} }
	pc, err := pgconn.ConnectConfig(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(context.Background())
	// WaitForNotification reads until a notification arrived, handing
	// whatever came before it to the callbacks first.
	wait := func() {
		t.Helper()
		if err := pc.WaitForNotification(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	next := func() event {
		t.Helper()
		select {
		case e := <-events:
			return e
		default:
			t.Fatal("nothing arrived")
			return event{}
		}
	}
	note := func(i int) session.Notification { return session.Notification{Channel: "ch", Payload: fmt.Sprint(i)} }

	ts.mgr.notify <- note(5)
	wait()
	if e := next(); e.payload != "5" {
		t.Fatalf("first: %+v", e)
	}
	// 6 is dropped (the mailbox was full), then 7 gets in.
	ts.mgr.dropped.Add(1)
	ts.mgr.notify <- note(7)
	wait()
	e := next()
	if e.notice == nil {
		t.Fatalf("notification %q arrived before the notice of the drop before it", e.payload)
	}
	if e.notice.Code != "01000" || !strings.HasPrefix(e.notice.Message, "1 notifications were dropped") {
		t.Fatalf("notice %+v", e.notice)
	}
	if e := next(); e.payload != "7" {
		t.Fatalf("after the notice: %+v", e)
	}

	// A LIVE SELECT that ended on an error: a notice, then its last
	// notification.
	ts.mgr.notify <- session.Notification{Channel: "live_a", Payload: `{"error":{}}`, Sub: "live_a", LSN: 9,
		Err: errs.New(errs.ObjectNotInState, "LIVE SELECT live_a fell behind")}
	wait()
	e = next()
	if e.notice == nil || e.notice.Code != "55000" || e.notice.Severity != "WARNING" ||
		e.notice.Message != "LIVE SELECT live_a fell behind" || !strings.Contains(e.notice.Detail, "LSN 9") {
		t.Fatalf("want a 55000 notice first, got %+v (%+v)", e, e.notice)
	}
	if e := next(); e.payload != `{"error":{}}` {
		t.Fatalf("after the notice: %+v", e)
	}
}

// TestNotificationsHeldDuringTransaction: while the client is in a
// transaction block, NOTIFY messages wait for its end (as PostgreSQL
// delivers them between transactions) and LIVE SELECT changes do not;
// more than session.MaxHeldNotifications are dropped, and the client is told
// before the next notification it gets.
func TestNotificationsHeldDuringTransaction(t *testing.T) {
	ts := startServer(t, Config{})
	const extra = 4
	ts.mgr.notify = make(chan session.Notification, session.MaxHeldNotifications+extra+2)
	var notices []*pgconn.Notice
	var payloads []string
	pc := connectCollecting(t, ts, &notices, &payloads)
	if _, err := pc.Exec(ctx(t), "begin").ReadAll(); err != nil {
		t.Fatal(err)
	}
	for i := range session.MaxHeldNotifications + extra {
		ts.mgr.notify <- session.Notification{Channel: "ch", Payload: fmt.Sprint(i)}
	}
	// Handled in order: once the LIVE SELECT change is here, every NOTIFY
	// before it was held.
	ts.mgr.notify <- session.Notification{Channel: "live_a", Payload: "live", Sub: "live_a"}
	if err := pc.WaitForNotification(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if len(payloads) != 1 || payloads[0] != "live" {
		t.Fatalf("inside the transaction got %d notifications (first %q); want only the LIVE SELECT change", len(payloads), payloads[0])
	}
	if len(notices) != 1 || notices[0].Code != "01000" || !strings.HasPrefix(notices[0].Message, fmt.Sprintf("%d notifications were dropped", extra)) {
		t.Fatalf("notices %+v, want one saying %d were dropped", notices, extra)
	}
	payloads = payloads[:0]
	if _, err := pc.Exec(ctx(t), "commit").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 {
		t.Fatalf("notices %+v: the drop was told twice", notices)
	}
	if len(payloads) != session.MaxHeldNotifications {
		t.Fatalf("at commit got %d notifications, want %d", len(payloads), session.MaxHeldNotifications)
	}
	for i, p := range payloads {
		if p != fmt.Sprint(i) {
			t.Fatalf("notification %d is %q: out of order", i, p)
		}
	}
	// Outside a transaction they go out at once again.
	ts.mgr.notify <- session.Notification{Channel: "ch", Payload: "after"}
	if err := pc.WaitForNotification(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if payloads[len(payloads)-1] != "after" {
		t.Fatalf("last notification %q", payloads[len(payloads)-1])
	}
}

// TestNotificationsCommittedBeforeTheEndArriveAtIt: a NOTIFY that reaches
// the mailbox while the listener's transaction ends (the notifier busy
// with a burst of LIVE SELECT changes before it) still arrives before the
// ReadyForQuery that ends it, as PostgreSQL delivers every notification
// committed before the end at the end.
func TestNotificationsCommittedBeforeTheEndArriveAtIt(t *testing.T) {
	ts := startServer(t, Config{})
	const burst = 3000
	ts.mgr.notify = make(chan session.Notification, burst+1)
	ts.mgr.atCommit = func() {
		for i := range burst {
			ts.mgr.notify <- session.Notification{Channel: "live_a", Payload: fmt.Sprint(i), Sub: "live_a"}
		}
		ts.mgr.notify <- session.Notification{Channel: "ch", Payload: "committed before the end"}
	}
	var notices []*pgconn.Notice
	var payloads []string
	pc := connectCollecting(t, ts, &notices, &payloads)
	if _, err := pc.Exec(ctx(t), "begin").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Exec(ctx(t), "commit").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if len(payloads) != burst+1 || payloads[burst] != "committed before the end" {
		t.Fatalf("by the end of COMMIT got %d notifications (want %d, the NOTIFY last)", len(payloads), burst+1)
	}
}

// connectCollecting opens a pgconn connection (closed at the test's end)
// whose notices and notification payloads are appended to the slices, as
// the connection reads them.
func connectCollecting(t *testing.T, ts *testServer, notices *[]*pgconn.Notice, payloads *[]string) *pgconn.PgConn {
	t.Helper()
	cfg, err := pgconn.ParseConfig(ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { *notices = append(*notices, n) }
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) { *payloads = append(*payloads, n.Payload) }
	pc, err := pgconn.ConnectConfig(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close(context.Background()) })
	return pc
}
