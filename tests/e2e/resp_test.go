package e2e

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/server"
)

// startRESPServer is startServer with the Redis protocol listener on.
func startRESPServer(t *testing.T) (*testServer, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Host = "127.0.0.1"
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	cfg.Durability = config.DurabilityRelaxed
	s, err := server.New(cfg, server.WithLogger(slog.New(slog.DiscardHandler)), server.WithRESPAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("server.Close: %v", err)
		}
	})
	if err := s.Start(); err != nil {
		t.Fatalf("server.Start: %v", err)
	}
	addr := s.PgwireAddr().(*net.TCPAddr)
	return &testServer{srv: s, host: "127.0.0.1", port: addr.Port}, s.RESPAddr().String()
}

// TestRESPAndSQL: keys written over RESP are rows to SQL and the reverse,
// and RESP writes are change-stream events.
func TestRESPAndSQL(t *testing.T) {
	ts, respAddr := startRESPServer(t)
	ctx := testCtx(t)
	rc := redis.NewClient(&redis.Options{Addr: respAddr})
	defer rc.Close()
	pg := ts.pgxConnect(t)

	if err := rc.Set(ctx, "greeting", "hello", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, pg, `CREATE CHANGE STREAM kv_changes ON "default"`)
	mustExec(t, pg, `CREATE CONSUMER GROUP g ON kv_changes`)
	var value string
	var ttl int64
	if err := pg.QueryRow(ctx, `SELECT value, ttl FROM "default" WHERE key = $1`, "greeting").Scan(&value, &ttl); err != nil {
		t.Fatal(err)
	}
	if value != "hello" || ttl != 3600 {
		t.Fatalf("SQL read of a RESP key = %q, ttl %d", value, ttl)
	}
	mustExec(t, pg, `INSERT INTO "default" (key, value) VALUES ('visits', '41')`)
	if n, err := rc.Incr(ctx, "visits").Result(); err != nil || n != 42 {
		t.Fatalf("INCR of a SQL-written key = %d, %v", n, err)
	}
	rows, err := pg.Query(ctx, `SELECT event_type, row_id FROM STREAM kv_changes CONSUMER GROUP g`)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for rows.Next() {
		var op, id string
		if err := rows.Scan(&op, &id); err != nil {
			t.Fatal(err)
		}
		events = append(events, op+" "+id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(events, ", ")
	if !strings.Contains(got, "INSERT visits") || !strings.Contains(got, "UPDATE visits") {
		t.Fatalf("change stream events = %s; want the SQL insert and the RESP INCR", got)
	}
}

// TestRedisCLI runs testdata/resp/script.txt through redis-cli and
// compares its output with testdata/resp/expected.out, which is what
// redis-server 7 answers to the same script (the oracle).
func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not on PATH (Debian: redis-tools)")
	}
	_, respAddr := startRESPServer(t)
	host, port, _ := net.SplitHostPort(respAddr)
	script, err := os.ReadFile(filepath.Join("testdata", "resp", "script.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cli, "-h", host, "-p", port)
	cmd.Stdin = bytes.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "resp", "expected.out"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("redis-cli output differs.\n--- got\n%s\n--- want\n%s", out, want)
	}
}
