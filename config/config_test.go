package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "nodedb.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.PgwirePort != 6432 || c.HTTPPort != 6480 || c.RESPPort != 0 || c.ILPPort != 0 {
		t.Errorf("default ports = %d/%d/%d/%d", c.PgwirePort, c.HTTPPort, c.RESPPort, c.ILPPort)
	}
	if c.Host != "127.0.0.1" || c.Durability != "sync" || c.AuthMode != "trust" || c.LogFormat != "text" {
		t.Errorf("defaults = %+v", c)
	}
	if !strings.HasSuffix(c.DataDir, filepath.Join(".nodedb", "data")) {
		t.Errorf("DataDir = %q, want .../.nodedb/data", c.DataDir)
	}
}

// TestPrecedence checks defaults < file < env; flags are applied by the
// caller after Load and are covered in cmd/nodedb.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		file  string // "" means no file
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{
			name: "defaults only",
			check: func(t *testing.T, c Config) {
				if c.PgwirePort != 6432 || c.Host != "127.0.0.1" {
					t.Errorf("got %d %q", c.PgwirePort, c.Host)
				}
			},
		},
		{
			name: "file overrides defaults, absent keys keep defaults",
			file: "port_pgwire = 7000\ndata_dir = \"/srv/nodedb\"\n",
			check: func(t *testing.T, c Config) {
				if c.PgwirePort != 7000 || c.DataDir != "/srv/nodedb" || c.HTTPPort != 6480 {
					t.Errorf("got pgwire=%d dir=%q http=%d", c.PgwirePort, c.DataDir, c.HTTPPort)
				}
			},
		},
		{
			name: "env overrides file",
			file: "port_pgwire = 7000\nhost = \"0.0.0.0\"\n",
			env:  map[string]string{"NODEDB_PORT_PGWIRE": "7100"},
			check: func(t *testing.T, c Config) {
				if c.PgwirePort != 7100 || c.Host != "0.0.0.0" {
					t.Errorf("got pgwire=%d host=%q", c.PgwirePort, c.Host)
				}
			},
		},
		{
			name: "every env var",
			env: map[string]string{
				"NODEDB_DATA_DIR": "/d", "NODEDB_HOST": "::1", "NODEDB_PORT_PGWIRE": "1",
				"NODEDB_PORT_HTTP": "2", "NODEDB_PORT_RESP": "6381", "NODEDB_PORT_ILP": "8086",
				"NODEDB_LOG_FORMAT": "json", "NODEDB_LOG_LEVEL": "debug", "NODEDB_MEMORY_LIMIT": "2GiB",
				"NODEDB_CACHE_SIZE": "1GiB", "NODEDB_DURABILITY": "relaxed", "NODEDB_TLS_CERT": "c.pem", "NODEDB_TLS_KEY": "k.pem",
				"NODEDB_GC_HEAP_FLOOR": "0",
			},
			check: func(t *testing.T, c Config) {
				want := Config{DataDir: "/d", Host: "::1", PgwirePort: 1, HTTPPort: 2, RESPPort: 6381, ILPPort: 8086,
					LogFormat: "json", LogLevel: "debug", MemoryLimit: 2 << 30, CacheSize: 1 << 30, AuthMode: "trust",
					TLSCert: "c.pem", TLSKey: "k.pem", Durability: "relaxed"}
				if c != want {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "env password implies password auth",
			env:  map[string]string{"NODEDB_SUPERUSER_PASSWORD": "s3cret"},
			check: func(t *testing.T, c Config) {
				if c.AuthMode != "password" || c.SuperuserPassword != "s3cret" {
					t.Errorf("got %q %q", c.AuthMode, c.SuperuserPassword)
				}
			},
		},
		{
			name: "env password overrides auth_mode trust from the file",
			file: "auth_mode = \"trust\"\n",
			env:  map[string]string{"NODEDB_SUPERUSER_PASSWORD": "s3cret"},
			check: func(t *testing.T, c Config) {
				if c.AuthMode != "password" {
					t.Errorf("AuthMode = %q", c.AuthMode)
				}
			},
		},
		{
			name: "explicit env auth mode wins over the password rule",
			env:  map[string]string{"NODEDB_SUPERUSER_PASSWORD": "s3cret", "NODEDB_AUTH_MODE": "trust"},
			check: func(t *testing.T, c Config) {
				if c.AuthMode != "trust" {
					t.Errorf("AuthMode = %q", c.AuthMode)
				}
			},
		},
		{
			name: "file password implies password auth",
			file: "superuser_password = \"pw\"\n",
			check: func(t *testing.T, c Config) {
				if c.AuthMode != "password" {
					t.Errorf("AuthMode = %q", c.AuthMode)
				}
			},
		},
		{
			name: "file memory limit as string and as integer",
			file: "memory_limit = \"512MiB\"\n",
			check: func(t *testing.T, c Config) {
				if c.MemoryLimit != 512<<20 {
					t.Errorf("MemoryLimit = %d", c.MemoryLimit)
				}
			},
		},
		{
			name: "file cache size",
			file: "cache_size = \"64MiB\"\n",
			check: func(t *testing.T, c Config) {
				if c.CacheSize != 64<<20 || c.StorageCacheSize() != 64<<20 {
					t.Errorf("CacheSize = %d, StorageCacheSize = %d", c.CacheSize, c.StorageCacheSize())
				}
			},
		},
		{
			name: "file memory limit integer",
			file: "memory_limit = 1048576\n",
			check: func(t *testing.T, c Config) {
				if c.MemoryLimit != 1<<20 {
					t.Errorf("MemoryLimit = %d", c.MemoryLimit)
				}
			},
		},
		{
			name: "full file",
			file: `data_dir = "/var/lib/nodedb"
host = "0.0.0.0"
port_pgwire = 5433
port_http = 8080
port_resp = 6381
port_ilp = 8086
log_format = "json"
log_level = "warn"
memory_limit = "1GB"
gc_heap_floor = "16MiB"
auth_mode = "password"
superuser_password = "pw"
tls_cert = "/etc/cert.pem"
tls_key = "/etc/key.pem"
durability = "relaxed"
`,
			check: func(t *testing.T, c Config) {
				want := Config{DataDir: "/var/lib/nodedb", Host: "0.0.0.0", PgwirePort: 5433, HTTPPort: 8080,
					RESPPort: 6381, ILPPort: 8086, LogFormat: "json", LogLevel: "warn", MemoryLimit: 1e9,
					GCHeapFloor: 16 << 20, AuthMode: "password", SuperuserPassword: "pw", TLSCert: "/etc/cert.pem", TLSKey: "/etc/key.pem",
					Durability: "relaxed"}
				if c != want {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
				if err := c.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			c, err := Load(path, envOf(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		wantErr string
	}{
		{name: "unknown key", file: "pgwire_port = 1\n", wantErr: "pgwire_port"},
		{name: "bad toml", file: "port_http = \n", wantErr: "invalid configuration"},
		{name: "wrong type", file: "port_http = \"abc\"\n", wantErr: "invalid configuration"},
		{name: "bad memory unit in file", file: "memory_limit = \"3 parsecs\"\n", wantErr: "unknown unit"},
		{name: "env port not a number", env: map[string]string{"NODEDB_PORT_HTTP": "http"}, wantErr: "NODEDB_PORT_HTTP"},
		{name: "env empty port", env: map[string]string{"NODEDB_PORT_RESP": ""}, wantErr: "NODEDB_PORT_RESP"},
		{name: "env memory limit", env: map[string]string{"NODEDB_MEMORY_LIMIT": "lots"}, wantErr: "NODEDB_MEMORY_LIMIT"},
		{name: "env cache size", env: map[string]string{"NODEDB_CACHE_SIZE": "big"}, wantErr: "NODEDB_CACHE_SIZE"},
		{name: "cache size wrong type in file", file: "cache_size = true\n", wantErr: "cache_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			_, err := Load(path, envOf(tt.env))
			if err == nil {
				t.Fatalf("Load succeeded, want error containing %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want os.ErrNotExist", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr []string // substrings; empty means valid
	}{
		{name: "ephemeral ports are fine", mutate: func(c *Config) { c.PgwirePort, c.HTTPPort = 0, 0 }},
		{name: "relaxed durability", mutate: func(c *Config) { c.Durability = "relaxed" }},
		{name: "password with password", mutate: func(c *Config) { c.AuthMode, c.SuperuserPassword = "password", "x" }},
		{name: "port too big", mutate: func(c *Config) { c.PgwirePort = 70000 }, wantErr: []string{"port_pgwire 70000"}},
		{name: "negative port", mutate: func(c *Config) { c.ILPPort = -1 }, wantErr: []string{"port_ilp -1"}},
		{name: "duplicate port", mutate: func(c *Config) { c.RESPPort = 6480 }, wantErr: []string{"port_http and port_resp both use port 6480"}},
		{name: "unknown durability", mutate: func(c *Config) { c.Durability = "fast" }, wantErr: []string{`durability "fast"`}},
		{name: "unknown log format", mutate: func(c *Config) { c.LogFormat = "xml" }, wantErr: []string{`log_format "xml"`}},
		{name: "unknown log level", mutate: func(c *Config) { c.LogLevel = "loud" }, wantErr: []string{`log_level "loud"`}},
		{name: "unknown auth mode", mutate: func(c *Config) { c.AuthMode = "md5" }, wantErr: []string{`auth_mode "md5"`}},
		{name: "password without password", mutate: func(c *Config) { c.AuthMode = "password" }, wantErr: []string{"needs superuser_password"}},
		{name: "cert without key", mutate: func(c *Config) { c.TLSCert = "c.pem" }, wantErr: []string{"tls_cert and tls_key"}},
		{name: "empty data dir", mutate: func(c *Config) { c.DataDir = " " }, wantErr: []string{"data_dir"}},
		{name: "empty host", mutate: func(c *Config) { c.Host = "" }, wantErr: []string{"host"}},
		{name: "negative memory", mutate: func(c *Config) { c.MemoryLimit = -1 }, wantErr: []string{"memory_limit"}},
		{name: "negative cache", mutate: func(c *Config) { c.CacheSize = -1 }, wantErr: []string{"cache_size"}},
		{name: "negative gc heap floor", mutate: func(c *Config) { c.GCHeapFloor = -1 }, wantErr: []string{"gc_heap_floor"}},
		{
			name:    "all problems reported at once",
			mutate:  func(c *Config) { c.HTTPPort = 99999; c.Durability = "" },
			wantErr: []string{"port_http 99999", `durability ""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %q", tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"0", 0, true}, {"1024", 1024, true}, {"4GiB", 4 << 30, true}, {"4 gib", 4 << 30, true},
		{"512M", 512 << 20, true}, {"2GB", 2e9, true}, {"10kb", 10000, true}, {"1T", 1 << 40, true},
		{"", 0, false}, {"GiB", 0, false}, {"-1", 0, false}, {"1.5GiB", 0, false}, {"9999999999TiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := ByteSize(4 << 30).String(); s != "4GiB" {
		t.Errorf("String = %q", s)
	}
}

func TestExpandHome(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	if got := ExpandHome("~/x"); got != filepath.Join(home, "x") {
		t.Errorf("ExpandHome(~/x) = %q", got)
	}
	if got := ExpandHome("/abs/~/x"); got != "/abs/~/x" {
		t.Errorf("ExpandHome(/abs/~/x) = %q", got)
	}
}

func TestStorageCacheSize(t *testing.T) {
	for _, tt := range []struct {
		cache, limit, want ByteSize
	}{
		{0, 0, DefaultCacheSize},
		{0, 4 << 30, 1 << 30},
		{0, 16 << 20, 8 << 20},
		{100 << 20, 4 << 30, 100 << 20},
	} {
		c := Default()
		c.CacheSize, c.MemoryLimit = tt.cache, tt.limit
		if got := c.StorageCacheSize(); got != tt.want {
			t.Errorf("cache_size %d, memory_limit %d: StorageCacheSize = %d, want %d", tt.cache, tt.limit, got, tt.want)
		}
	}
}
