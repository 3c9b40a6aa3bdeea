// Command nodedb runs a NodeDB server: it builds a config.Config from the
// defaults, an optional TOML file, the NODEDB_* environment and flags (in
// that order of precedence), then runs server.New(cfg) until SIGINT or
// SIGTERM and closes it. Everything else lives in the server package.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/server"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv, serve))
}

// run executes the command line and returns the process exit code: 0 on a
// clean stop, 1 on a runtime or configuration error, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool), serveFn serveFunc) int {
	cmd := newRootCmd(lookup, serveFn)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "nodedb: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'nodedb --help' for usage.")
		return 2
	}
	return 1
}

// usageError marks a command-line mistake (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// flagValues holds the flags; only those set on the command line override
// the file and the environment.
type flagValues struct {
	configFile  string
	dataDir     string
	host        string
	pgwirePort  int
	httpPort    int
	respPort    int
	ilpPort     int
	logFormat   string
	logLevel    string
	durability  string
	memoryLimit config.ByteSize
	cacheSize   config.ByteSize
	colCache    config.ByteSize
	gcHeapFloor config.ByteSize
}

// serveFunc runs a server for cfg until ctx is done; tests replace it.
type serveFunc func(ctx context.Context, cfg config.Config, stderr io.Writer) error

func newRootCmd(lookup func(string) (string, bool), serveFn serveFunc) *cobra.Command {
	var fv flagValues
	def := config.Default()
	root := &cobra.Command{
		Use:   "nodedb",
		Short: "NodeDB: a multi-model database speaking PostgreSQL, HTTP/JSON, RESP and ILP",
		Long: `nodedb runs a NodeDB server on its embedded store.

Settings come from, in increasing precedence: built-in defaults, the TOML file
named by --config, NODEDB_* environment variables, and these flags.
See docs/configuration.md for every setting.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := buildConfig(cmd.Flags(), fv, lookup)
			if err != nil {
				return err
			}
			return serveFn(cmd.Context(), cfg, cmd.ErrOrStderr())
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	f := root.Flags()
	f.StringVarP(&fv.configFile, "config", "c", "", "TOML configuration `file`")
	f.StringVar(&fv.dataDir, "data-dir", def.DataDir, "data `directory` (NODEDB_DATA_DIR, data_dir)")
	f.StringVar(&fv.host, "host", def.Host, "address every listener binds to (NODEDB_HOST, host)")
	f.IntVar(&fv.pgwirePort, "pgwire-port", def.PgwirePort, "PostgreSQL wire protocol port; 0 picks a free port (NODEDB_PORT_PGWIRE, port_pgwire)")
	f.IntVar(&fv.httpPort, "http-port", def.HTTPPort, "HTTP API port; 0 picks a free port (NODEDB_PORT_HTTP, port_http)")
	f.IntVar(&fv.respPort, "resp-port", def.RESPPort, "Redis protocol port, 0 = off (NODEDB_PORT_RESP, port_resp)")
	f.IntVar(&fv.ilpPort, "ilp-port", def.ILPPort, "InfluxDB line protocol port, 0 = off (NODEDB_PORT_ILP, port_ilp)")
	f.StringVar(&fv.logFormat, "log-format", def.LogFormat, "log format: text or json (NODEDB_LOG_FORMAT, log_format)")
	f.StringVar(&fv.logLevel, "log-level", def.LogLevel, "log level: debug, info, warn or error (NODEDB_LOG_LEVEL, log_level)")
	f.StringVar(&fv.durability, "durability", def.Durability, "sync (fsync every commit) or relaxed (may lose recent commits on a machine crash) (NODEDB_DURABILITY, durability)")
	f.Var(&fv.memoryLimit, "memory-limit", "soft memory limit for the Go runtime, e.g. 4GiB; 0 = none (NODEDB_MEMORY_LIMIT, memory_limit)")
	fv.gcHeapFloor = def.GCHeapFloor
	f.Var(&fv.gcHeapFloor, "gc-heap-floor", "heap size the Go garbage collector paces itself from at least; 0 = none (NODEDB_GC_HEAP_FLOOR, gc_heap_floor)")
	f.Var(&fv.colCache, "column-cache-size", "column copies of large collections that repeated scans read, e.g. 2GiB; 0 = a quarter of the memory limit, else 1GiB (NODEDB_COLUMN_CACHE_SIZE, column_cache_size)")
	f.Var(&fv.cacheSize, "cache-size", "storage block cache, e.g. 1GiB; 0 = a quarter of the memory limit, else 256MiB (NODEDB_CACHE_SIZE, cache_size)")

	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "nodedb %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	})
	return root
}

// buildConfig applies defaults < file < environment < flags and validates.
func buildConfig(fs *pflag.FlagSet, fv flagValues, lookup func(string) (string, bool)) (config.Config, error) {
	cfg, err := config.Load(fv.configFile, lookup)
	if err != nil {
		return config.Config{}, err
	}
	set := fs.Changed
	if set("data-dir") {
		cfg.DataDir = config.ExpandHome(fv.dataDir)
	}
	if set("host") {
		cfg.Host = fv.host
	}
	if set("pgwire-port") {
		cfg.PgwirePort = fv.pgwirePort
	}
	if set("http-port") {
		cfg.HTTPPort = fv.httpPort
	}
	if set("resp-port") {
		cfg.RESPPort = fv.respPort
	}
	if set("ilp-port") {
		cfg.ILPPort = fv.ilpPort
	}
	if set("log-format") {
		cfg.LogFormat = fv.logFormat
	}
	if set("log-level") {
		cfg.LogLevel = fv.logLevel
	}
	if set("durability") {
		cfg.Durability = fv.durability
	}
	if set("memory-limit") {
		cfg.MemoryLimit = fv.memoryLimit
	}
	if set("cache-size") {
		cfg.CacheSize = fv.cacheSize
	}
	if set("column-cache-size") {
		cfg.ColumnCacheSize = fv.colCache
	}
	if set("gc-heap-floor") {
		cfg.GCHeapFloor = fv.gcHeapFloor
	}
	if err := cfg.Validate(); err != nil {
		return config.Config{}, err
	}
	return cfg, nil
}

// gcFloor returns an allocation of gc_heap_floor bytes (at most a quarter
// of memory_limit) to hold while the server runs. The collector counts it
// as live heap, so it runs once the heap has grown by the floor rather than
// by the server's own few MiB; the allocation holds no pointers (nothing
// to mark) and is never written, so the kernel gives it no pages.
func gcFloor(cfg config.Config) []byte {
	n := cfg.GCHeapFloor
	if cfg.MemoryLimit > 0 {
		n = min(n, cfg.MemoryLimit/4)
	}
	if n <= 0 {
		return nil
	}
	return make([]byte, n)
}

// serve runs the server until SIGINT or SIGTERM (or ctx), then closes it.
func serve(ctx context.Context, cfg config.Config, stderr io.Writer) error {
	logger := server.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if cfg.MemoryLimit > 0 {
		// Process-wide, so it is set here and not in the server package.
		debug.SetMemoryLimit(int64(cfg.MemoryLimit))
	}
	floor := gcFloor(cfg)
	defer runtime.KeepAlive(floor)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := server.New(cfg, server.WithLogger(logger))
	if err != nil {
		return err
	}
	runErr := srv.Run(ctx)
	if runErr == nil {
		logger.Info("shutting down")
	}
	closeErr := srv.Close()
	return errors.Join(runErr, closeErr)
}
