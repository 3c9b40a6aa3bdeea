package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/nodedb-go/nodedb/config"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// runCapture runs the command line with a serve function that records the
// config instead of starting a server.
func runCapture(t *testing.T, args []string, env map[string]string) (code int, cfg config.Config, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	capture := func(_ context.Context, c config.Config, _ io.Writer) error { cfg = c; return nil }
	code = run(context.Background(), args, &out, &errb, envOf(env), capture)
	return code, cfg, out.String(), errb.String()
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "nodedb.toml")
	if err := os.WriteFile(file, []byte("port_pgwire = 1001\nport_http = 1002\nport_resp = 1003\nhost = \"10.0.0.1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c config.Config)
	}{
		{name: "defaults", check: func(t *testing.T, c config.Config) {
			if c.PgwirePort != 6432 || c.HTTPPort != 6480 || c.Durability != "sync" || c.GCHeapFloor != config.DefaultGCHeapFloor {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "gc heap floor flag over env", args: []string{"--gc-heap-floor", "8MiB"},
			env: map[string]string{"NODEDB_GC_HEAP_FLOOR": "0"},
			check: func(t *testing.T, c config.Config) {
				if c.GCHeapFloor != 8<<20 {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "file", args: []string{"--config", file}, check: func(t *testing.T, c config.Config) {
			if c.PgwirePort != 1001 || c.HTTPPort != 1002 || c.RESPPort != 1003 || c.Host != "10.0.0.1" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "env over file", args: []string{"--config", file},
			env: map[string]string{"NODEDB_PORT_HTTP": "2002", "NODEDB_HOST": "10.0.0.2"},
			check: func(t *testing.T, c config.Config) {
				if c.PgwirePort != 1001 || c.HTTPPort != 2002 || c.Host != "10.0.0.2" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "flags over env over file", args: []string{"-c", file, "--http-port", "3002", "--resp-port=0"},
			env: map[string]string{"NODEDB_PORT_HTTP": "2002"},
			check: func(t *testing.T, c config.Config) {
				if c.PgwirePort != 1001 || c.HTTPPort != 3002 || c.RESPPort != 0 {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "flag equal to the default still overrides env", args: []string{"--pgwire-port", "6432"},
			env: map[string]string{"NODEDB_PORT_PGWIRE": "7000"},
			check: func(t *testing.T, c config.Config) {
				if c.PgwirePort != 6432 {
					t.Errorf("PgwirePort = %d", c.PgwirePort)
				}
			}},
		{name: "every flag", args: []string{"--data-dir", "/d", "--host", "::1", "--pgwire-port", "1", "--http-port", "2",
			"--resp-port", "3", "--ilp-port", "4", "--log-format", "json", "--log-level", "debug",
			"--durability", "relaxed", "--memory-limit", "1GiB", "--cache-size", "300MiB"},
			check: func(t *testing.T, c config.Config) {
				want := config.Default()
				want.DataDir, want.Host, want.PgwirePort, want.HTTPPort, want.RESPPort, want.ILPPort = "/d", "::1", 1, 2, 3, 4
				want.LogFormat, want.LogLevel, want.Durability, want.MemoryLimit = "json", "debug", "relaxed", 1<<30
				want.CacheSize = 300 << 20
				if c != want {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, c, _, stderr := runCapture(t, tt.args, tt.env)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			tt.check(t, c)
		})
	}
}

func TestErrorsExitNonZero(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{name: "unknown flag", args: []string{"--nope"}, wantCode: 2, wantErr: "unknown flag: --nope"},
		{name: "bad flag value", args: []string{"--http-port", "abc"}, wantCode: 2, wantErr: "--http-port"},
		{name: "bad durability", args: []string{"--durability", "fast"}, wantCode: 1, wantErr: `durability "fast"`},
		{name: "bad env port", env: map[string]string{"NODEDB_PORT_PGWIRE": "x"}, wantCode: 1, wantErr: "NODEDB_PORT_PGWIRE"},
		{name: "missing config file", args: []string{"--config", "/nonexistent/nodedb.toml"}, wantCode: 1, wantErr: "no such file"},
		{name: "port out of range", args: []string{"--pgwire-port", "99999"}, wantCode: 1, wantErr: "port_pgwire 99999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, _, stderr := runCapture(t, tt.args, tt.env)
			if code != tt.wantCode || !strings.HasPrefix(stderr, "nodedb: ") || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, _, stdout, _ := runCapture(t, []string{"version"}, nil)
	if code != 0 || !strings.HasPrefix(stdout, "nodedb dev (go") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// TestServeRealServer runs the real serve function until its context ends.
func TestServeRealServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run returns at once; New, Start and Close still run for real
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	var logs bytes.Buffer
	if err := serve(ctx, cfg, &logs); err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), "nodedb started") || !strings.Contains(logs.String(), "nodedb stopped") {
		t.Errorf("logs: %s", logs.String())
	}
}

// TestGCFloor: the allocation is gc_heap_floor bytes, at most a quarter of
// memory_limit, none for 0.
func TestGCFloor(t *testing.T) {
	for _, c := range []struct {
		floor, limit config.ByteSize
		want         int
	}{
		{64 << 20, 0, 64 << 20},
		{64 << 20, 100 << 20, 25 << 20},
		{0, 0, 0},
		{0, 1 << 30, 0},
	} {
		got := gcFloor(config.Config{GCHeapFloor: c.floor, MemoryLimit: c.limit})
		if len(got) != c.want {
			t.Errorf("floor %d, limit %d: %d bytes, want %d", c.floor, c.limit, len(got), c.want)
		}
	}
}
