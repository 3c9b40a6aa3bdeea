package e2e

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// runPsql runs psql against s with args appended to the connection flags
// and returns stdout; a non-zero exit fails the test with stderr.
func runPsql(t *testing.T, s *testServer, args ...string) string {
	t.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not on PATH (install postgresql-client to run this test)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := []string{"-h", s.host, "-p", strconv.Itoa(s.port), "-U", "admin", "-d", "nodedb",
		"-v", "ON_ERROR_STOP=1", "-X", "-A", "-t"}
	cmd := exec.CommandContext(ctx, psql, append(base, args...)...)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable", "PGTZ=UTC", "PAGER=", "PSQL_PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("psql %v: %v\nstderr:\n%s\nstdout:\n%s", args, err, stderr.String(), stdout.String())
	}
	if stderr.Len() > 0 {
		t.Logf("psql stderr:\n%s", stderr.String())
	}
	return stdout.String()
}

// checkGolden compares got with testdata/<name>; -update rewrites it.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not on PATH (install postgresql-client to run this test)")
	}
	s := startServer(t)
	script, err := filepath.Abs(filepath.Join("testdata", "psql", "script.sql"))
	if err != nil {
		t.Fatal(err)
	}
	out := runPsql(t, s, "-f", script)
	// Several -c strings, one of them with several statements (sent as one
	// simple Query; psql prints the last result).
	out += "-- -c\n" + runPsql(t, s,
		"-c", "INSERT INTO fruit (id, name) VALUES (20, 'lime'); INSERT INTO fruit (id, name) VALUES (21, 'lemon'); SELECT count(*) FROM fruit WHERE id >= 20",
		"-c", "UPDATE fruit SET ripe = false WHERE id >= 20; SELECT id, name, ripe FROM fruit WHERE id >= 20 ORDER BY id",
		"-c", "SELECT 1 + 1, 'x' || 'y', NULL IS NULL")
	checkGolden(t, "psql/expected.out", out)
}
