package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// fileConfig is the TOML shape. Pointers tell a key that is absent from one
// that is set to its zero value, so only present keys override.
type fileConfig struct {
	DataDir           *string `toml:"data_dir"`
	Host              *string `toml:"host"`
	PortPgwire        *int    `toml:"port_pgwire"`
	PortHTTP          *int    `toml:"port_http"`
	PortRESP          *int    `toml:"port_resp"`
	PortILP           *int    `toml:"port_ilp"`
	LogFormat         *string `toml:"log_format"`
	LogLevel          *string `toml:"log_level"`
	MemoryLimit       any     `toml:"memory_limit"`  // integer bytes or "4GiB"
	GCHeapFloor       any     `toml:"gc_heap_floor"` // integer bytes or "64MiB"
	CacheSize         any     `toml:"cache_size"`    // integer bytes or "256MiB"
	ColumnCacheSize   any     `toml:"column_cache_size"`
	AuthMode          *string `toml:"auth_mode"`
	SuperuserPassword *string `toml:"superuser_password"`
	TLSCert           *string `toml:"tls_cert"`
	TLSKey            *string `toml:"tls_key"`
	Durability        *string `toml:"durability"`
}

// Load builds a Config from the defaults, then the TOML file at path (when
// path is not empty), then the environment seen through lookup (nil skips
// it). Flags, which come last, are the caller's to apply; call Validate
// after them.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return Config{}, err
		}
	}
	if lookup != nil {
		if err := c.ApplyEnv(lookup); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

// LoadFile overlays the settings present in the TOML file at path onto c.
// Unknown keys are an error (a typo should not be silently ignored).
func (c *Config) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	if err := c.applyTOML(data); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

func (c *Config) applyTOML(data []byte) error {
	var f fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			var keys []string
			for _, e := range strict.Errors {
				row, _ := e.Position()
				keys = append(keys, fmt.Sprintf("%s (line %d)", strings.Join(e.Key(), "."), row))
			}
			return fmt.Errorf("%w: unknown key %s", ErrInvalid, strings.Join(keys, ", "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return fmt.Errorf("%w: line %d column %d: %w", ErrInvalid, row, col, err)
		}
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	setStr := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	if f.DataDir != nil {
		c.DataDir = ExpandHome(*f.DataDir)
	}
	setStr(&c.Host, f.Host)
	setInt(&c.PgwirePort, f.PortPgwire)
	setInt(&c.HTTPPort, f.PortHTTP)
	setInt(&c.RESPPort, f.PortRESP)
	setInt(&c.ILPPort, f.PortILP)
	setStr(&c.LogFormat, f.LogFormat)
	setStr(&c.LogLevel, f.LogLevel)
	if err := setBytes(&c.MemoryLimit, "memory_limit", f.MemoryLimit); err != nil {
		return err
	}
	if err := setBytes(&c.CacheSize, "cache_size", f.CacheSize); err != nil {
		return err
	}
	if err := setBytes(&c.ColumnCacheSize, "column_cache_size", f.ColumnCacheSize); err != nil {
		return err
	}
	if err := setBytes(&c.GCHeapFloor, "gc_heap_floor", f.GCHeapFloor); err != nil {
		return err
	}
	setStr(&c.SuperuserPassword, f.SuperuserPassword)
	if f.SuperuserPassword != nil && *f.SuperuserPassword != "" && f.AuthMode == nil {
		c.AuthMode = AuthPassword
	}
	setStr(&c.AuthMode, f.AuthMode)
	setStr(&c.TLSCert, f.TLSCert)
	setStr(&c.TLSKey, f.TLSKey)
	setStr(&c.Durability, f.Durability)
	return nil
}

// setBytes sets dst from a TOML value that is an integer number of bytes
// or a string like "4GiB"; nil (absent) leaves it.
func setBytes(dst *ByteSize, key string, v any) error {
	switch v := v.(type) {
	case nil:
	case int64:
		*dst = ByteSize(v)
	case string:
		b, err := ParseByteSize(v)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*dst = b
	default:
		return fmt.Errorf("%w: %s must be an integer or a string like \"4GiB\"", ErrInvalid, key)
	}
	return nil
}

// EnvVars lists the environment variables ApplyEnv reads, in the order of
// docs/configuration.md.
var EnvVars = []string{
	"NODEDB_DATA_DIR", "NODEDB_HOST", "NODEDB_PORT_PGWIRE", "NODEDB_PORT_HTTP",
	"NODEDB_PORT_RESP", "NODEDB_PORT_ILP", "NODEDB_LOG_FORMAT", "NODEDB_LOG_LEVEL",
	"NODEDB_MEMORY_LIMIT", "NODEDB_CACHE_SIZE", "NODEDB_AUTH_MODE", "NODEDB_SUPERUSER_PASSWORD",
	"NODEDB_TLS_CERT", "NODEDB_TLS_KEY", "NODEDB_DURABILITY",
}

// ApplyEnv overlays the NODEDB_* variables that lookup reports as set
// (os.LookupEnv in main). A variable set to the empty string counts as set,
// except for ports and the memory limit, where it is an error.
// NODEDB_SUPERUSER_PASSWORD switches AuthMode to "password" unless
// NODEDB_AUTH_MODE is also set.
func (c *Config) ApplyEnv(lookup func(string) (string, bool)) error {
	var problems []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok {
			*dst = v
		}
	}
	port := func(name string, dst *int) {
		v, ok := lookup(name)
		if !ok {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			problems = append(problems, fmt.Errorf("%w: %s=%q is not a port number", ErrInvalid, name, v))
			return
		}
		*dst = n
	}
	if v, ok := lookup("NODEDB_DATA_DIR"); ok {
		c.DataDir = ExpandHome(v)
	}
	str("NODEDB_HOST", &c.Host)
	port("NODEDB_PORT_PGWIRE", &c.PgwirePort)
	port("NODEDB_PORT_HTTP", &c.HTTPPort)
	port("NODEDB_PORT_RESP", &c.RESPPort)
	port("NODEDB_PORT_ILP", &c.ILPPort)
	str("NODEDB_LOG_FORMAT", &c.LogFormat)
	str("NODEDB_LOG_LEVEL", &c.LogLevel)
	bytes := func(name string, dst *ByteSize) {
		v, ok := lookup(name)
		if !ok {
			return
		}
		b, err := ParseByteSize(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", name, err))
			return
		}
		*dst = b
	}
	bytes("NODEDB_MEMORY_LIMIT", &c.MemoryLimit)
	bytes("NODEDB_CACHE_SIZE", &c.CacheSize)
	bytes("NODEDB_COLUMN_CACHE_SIZE", &c.ColumnCacheSize)
	bytes("NODEDB_GC_HEAP_FLOOR", &c.GCHeapFloor)
	if v, ok := lookup("NODEDB_SUPERUSER_PASSWORD"); ok {
		c.SuperuserPassword = v
		if v != "" {
			c.AuthMode = AuthPassword
		}
	}
	str("NODEDB_AUTH_MODE", &c.AuthMode)
	str("NODEDB_TLS_CERT", &c.TLSCert)
	str("NODEDB_TLS_KEY", &c.TLSKey)
	str("NODEDB_DURABILITY", &c.Durability)
	return errors.Join(problems...)
}
