package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Default ports. RESP and ILP are off (0) unless set; 6381 and 8086 are the
// conventional choices when they are turned on.
const (
	DefaultPgwirePort = 6432
	DefaultHTTPPort   = 6480
	DefaultHost       = "127.0.0.1"
)

// Accepted values of the enumerated settings.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"

	AuthTrust    = "trust"
	AuthPassword = "password"

	// DurabilitySync fsyncs every commit (group commit) before it is
	// acknowledged: an acknowledged write survives a crash or power loss.
	DurabilitySync = "sync"
	// DurabilityRelaxed acknowledges commits once they are in the WAL
	// buffer, before the fsync: a crash may lose the most recent
	// acknowledged commits. It never corrupts the database.
	DurabilityRelaxed = "relaxed"
)

// ErrInvalid is wrapped by every validation and parse error, so callers can
// tell a configuration mistake from an I/O failure with errors.Is.
var ErrInvalid = errors.New("invalid configuration")

// Config is the complete server configuration. The zero value is not
// useful; start from Default.
type Config struct {
	// DataDir is where the database lives (created if missing).
	DataDir string
	// Host is the address every listener binds to.
	Host string
	// PgwirePort is the PostgreSQL wire protocol port; 0 picks a free port
	// (useful in tests; see server.Server.PgwireAddr).
	PgwirePort int
	// HTTPPort is the HTTP/JSON API port (/query, /health, /metrics); 0
	// picks a free port.
	HTTPPort int
	// RESPPort is the Redis protocol port; 0 turns it off.
	RESPPort int
	// ILPPort is the InfluxDB line protocol port; 0 turns it off.
	ILPPort int
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is "debug", "info", "warn" or "error".
	LogLevel string
	// MemoryLimit is a soft limit in bytes for the Go runtime
	// (debug.SetMemoryLimit), applied by cmd/nodedb; 0 means no limit.
	MemoryLimit ByteSize
	// GCHeapFloor is the heap size the Go garbage collector paces itself
	// from at least, applied by cmd/nodedb (see DefaultGCHeapFloor); 0
	// means none: the collector then runs each time the heap doubles.
	GCHeapFloor ByteSize
	// CacheSize is the storage block cache in bytes (data blocks kept
	// decompressed in memory); 0 means automatic (see StorageCacheSize).
	CacheSize ByteSize
	// ColumnCacheSize bounds the column copies of large collections that
	// repeated full scans read instead of the stored rows; 0 means
	// automatic (see ColumnCacheBytes).
	ColumnCacheSize ByteSize
	// AuthMode is "trust" (no passwords; for local use) or "password"
	// (SCRAM-SHA-256 on pgwire, HTTP Basic on the HTTP API; superuser admin).
	AuthMode string
	// SuperuserPassword is the password of the superuser "admin". Setting
	// it in the file or the environment switches AuthMode to "password"
	// unless AuthMode is set in the same place.
	SuperuserPassword string
	// TLSCert and TLSKey are PEM files; both or neither. When set, pgwire
	// offers TLS and the HTTP API serves HTTPS.
	TLSCert string
	TLSKey  string
	// Durability is "sync" (default) or "relaxed"; see DurabilitySync and
	// DurabilityRelaxed.
	Durability string
}

// Default returns the built-in defaults: data in ~/.nodedb/data, listeners
// on 127.0.0.1 (pgwire 6432, HTTP 6480, RESP and ILP off), text logs at info
// level, trust authentication and sync durability.
func Default() Config {
	return Config{
		DataDir:     defaultDataDir(),
		Host:        DefaultHost,
		PgwirePort:  DefaultPgwirePort,
		HTTPPort:    DefaultHTTPPort,
		LogFormat:   LogFormatText,
		LogLevel:    "info",
		AuthMode:    AuthTrust,
		Durability:  DurabilitySync,
		GCHeapFloor: DefaultGCHeapFloor,
	}
}

// DefaultGCHeapFloor is the default gc_heap_floor. The Go heap of a
// server is small (Pebble keeps its block cache and memtables outside it),
// ~2 MiB while TPC-H's Q6 runs, so with GOGC's default the collector ran
// every ~2 MiB allocated: nine collections per Q6 run, with write barriers
// on for much of it. Paced from 64 MiB it runs a thirtieth as often (Q1
// 385 -> 293 ms, Q6 118 -> 98 ms).
const DefaultGCHeapFloor ByteSize = 64 << 20

// DefaultCacheSize is the block cache when neither cache_size nor
// memory_limit says otherwise.
const DefaultCacheSize ByteSize = 256 << 20

// DefaultColumnCacheSize is the column cache when neither
// column_cache_size nor memory_limit says otherwise.
const DefaultColumnCacheSize ByteSize = 1 << 30

// ColumnCacheBytes is the column cache's bound: column_cache_size when
// set, else a quarter of memory_limit when that is set, else
// DefaultColumnCacheSize. Copies are made only of collections scanned
// again unchanged, so a server that never does that holds none.
func (c Config) ColumnCacheBytes() ByteSize {
	switch {
	case c.ColumnCacheSize > 0:
		return c.ColumnCacheSize
	case c.MemoryLimit > 0:
		return c.MemoryLimit / 4
	}
	return DefaultColumnCacheSize
}

// StorageCacheSize is the block cache size to open the store with:
// cache_size when set, else a quarter of memory_limit when that is set
// (at least 8 MiB), else DefaultCacheSize. The cache fills as data is
// read, so an idle server does not hold it.
func (c Config) StorageCacheSize() ByteSize {
	switch {
	case c.CacheSize > 0:
		return c.CacheSize
	case c.MemoryLimit > 0:
		return max(c.MemoryLimit/4, 8<<20)
	}
	return DefaultCacheSize
}

func defaultDataDir() string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(".nodedb", "data")
	}
	return filepath.Join(home, ".nodedb", "data")
}

// ExpandHome replaces a leading "~" or "~/" in path with the user's home
// directory. Other paths are returned unchanged.
func ExpandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	return filepath.Join(home, strings.TrimPrefix(path, "~"))
}

// Validate reports every problem with c at once (joined), each wrapping
// ErrInvalid. A nil result means server.New can use c as is.
func (c Config) Validate() error {
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir must not be empty")
	}
	if strings.TrimSpace(c.Host) == "" {
		bad("host must not be empty")
	}
	ports := []struct {
		name string
		port int
	}{
		{"port_pgwire", c.PgwirePort},
		{"port_http", c.HTTPPort},
		{"port_resp", c.RESPPort},
		{"port_ilp", c.ILPPort},
	}
	used := map[int]string{}
	for _, p := range ports {
		if p.port < 0 || p.port > 65535 {
			bad("%s %d is out of range 0..65535", p.name, p.port)
			continue
		}
		if p.port == 0 {
			continue
		}
		if other, ok := used[p.port]; ok {
			bad("%s and %s both use port %d", other, p.name, p.port)
			continue
		}
		used[p.port] = p.name
	}
	switch c.LogFormat {
	case LogFormatText, LogFormatJSON:
	default:
		bad("log_format %q is not one of text, json", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "warning", "error":
	default:
		bad("log_level %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.MemoryLimit < 0 {
		bad("memory_limit must not be negative")
	}
	if c.CacheSize < 0 {
		bad("cache_size must not be negative")
	}
	if c.ColumnCacheSize < 0 {
		bad("column_cache_size must not be negative")
	}
	if c.GCHeapFloor < 0 {
		bad("gc_heap_floor must not be negative")
	}
	switch c.AuthMode {
	case AuthTrust:
	case AuthPassword:
		if c.SuperuserPassword == "" {
			bad("auth_mode password needs superuser_password (or NODEDB_SUPERUSER_PASSWORD)")
		}
	default:
		bad("auth_mode %q is not one of trust, password", c.AuthMode)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert and tls_key must be set together")
	}
	switch c.Durability {
	case DurabilitySync, DurabilityRelaxed:
	default:
		bad("durability %q is not one of sync, relaxed", c.Durability)
	}
	return errors.Join(problems...)
}

// ByteSize is a size in bytes. It parses plain integers and integers with a
// unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of
// 1024); K, M, G, T alone mean the binary units. Case and a space before the
// unit are ignored.
type ByteSize int64

// ParseByteSize parses s as described on ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%w: size %q must start with a number", ErrInvalid, s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: size %q: %w", ErrInvalid, s, err)
	}
	var mult int64
	switch strings.ToLower(strings.TrimSpace(t[i:])) {
	case "", "b":
		mult = 1
	case "kb":
		mult = 1000
	case "mb":
		mult = 1000 * 1000
	case "gb":
		mult = 1000 * 1000 * 1000
	case "tb":
		mult = 1000 * 1000 * 1000 * 1000
	case "k", "kib":
		mult = 1 << 10
	case "m", "mib":
		mult = 1 << 20
	case "g", "gib":
		mult = 1 << 30
	case "t", "tib":
		mult = 1 << 40
	default:
		return 0, fmt.Errorf("%w: size %q has an unknown unit", ErrInvalid, s)
	}
	if n > (1<<63-1)/mult {
		return 0, fmt.Errorf("%w: size %q is too large", ErrInvalid, s)
	}
	return ByteSize(n * mult), nil
}

// String formats the size in the largest binary unit that divides it.
func (b ByteSize) String() string {
	units := []struct {
		suffix string
		n      int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if b != 0 && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// Set implements pflag.Value so a ByteSize can be a command-line flag.
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Type implements pflag.Value.
func (b *ByteSize) Type() string { return "size" }
