package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/internal/metrics"
	httpapi "github.com/nodedb-go/nodedb/protocol/http"
	"github.com/nodedb-go/nodedb/protocol/pgwire"
	"github.com/nodedb-go/nodedb/protocol/resp"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/storage"
)

// Option changes how New builds a Server.
type Option func(*options)

type options struct {
	logger   *slog.Logger
	respAddr string
}

// WithLogger sets the logger; by default New logs to stderr in the format
// and level the Config names.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRESPAddr turns the Redis protocol listener on at addr whatever the
// Config's RESP port says ("127.0.0.1:0" picks a free port; tests use it,
// since RESPPort 0 means off).
func WithRESPAddr(addr string) Option { return func(o *options) { o.respAddr = addr } }

// Server is one NodeDB node. Build it with New, start it with Start or Run,
// stop it with Close.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	db      *session.DB
	mgr     *session.Manager
	metrics *metrics.Registry
	http    *httpapi.Server
	pgwire  *pgwire.Server
	resp    *resp.Server // nil when the RESP port is off

	// serveCtx is the context every serve goroutine runs under; Close
	// cancels it after the listeners have been closed.
	serveCtx    context.Context
	serveCancel context.CancelFunc
	wg          sync.WaitGroup // serve goroutines
	failed      chan error     // first serve failure, for Run
	closing     chan struct{}  // closed when Close begins

	mu struct {
		sync.Mutex
		started bool
		closed  bool
	}
}

// New validates cfg, opens the database in cfg.DataDir and builds the
// protocol servers. Nothing listens until Start. On error everything New
// opened is closed again.
func New(cfg config.Config, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}

	s := &Server{
		cfg:     cfg,
		log:     o.logger,
		failed:  make(chan error, 1),
		closing: make(chan struct{}),
	}
	s.serveCtx, s.serveCancel = context.WithCancel(context.Background())

	// 1. Database.
	db, err := session.OpenDB(session.DBConfig{Dir: cfg.DataDir, Durability: cfg.Durability, Logger: s.log,
		Storage: storage.Options{CacheSize: int64(cfg.StorageCacheSize())}, ColumnCacheSize: int64(cfg.ColumnCacheBytes())})
	if err != nil {
		s.serveCancel()
		return nil, fmt.Errorf("open database in %s: %w", cfg.DataDir, err)
	}
	s.db = db
	// 2. Sessions.
	s.mgr = session.NewManager(db)
	// 3. Metrics.
	s.metrics = metrics.New(func() metrics.Stats {
		st := db.Stats()
		out := metrics.Stats{LastLSN: st.LastLSN, Commits: st.Commits, Syncs: st.Syncs,
			DiskBytes: st.DiskBytes, Collections: st.Collections, HistoryLost: st.HistoryLost, LiveCatchUps: st.LiveCatchUps,
			LiveSubscriptions: st.LiveSubscriptions, LiveFailures: st.LiveFailures, NotifyDropped: st.NotifyDropped,
			ColumnCacheBytes: st.ColumnCacheBytes, ColumnCacheHits: st.ColumnCacheHits, ColumnCacheBuilds: st.ColumnCacheBuilds}
		for _, ss := range db.StreamStats() {
			ms := metrics.StreamStat{Name: ss.Name, Events: ss.Events}
			for _, g := range ss.Groups {
				ms.Groups = append(ms.Groups, metrics.GroupStat{Name: g.Name, Lag: g.Lag, PartitionLg: g.PartitionLag})
			}
			if d := ss.Delivery; d != nil {
				ms.Delivery = &metrics.DeliveryStat{Delivered: d.Delivered, Retried: d.Retried,
					DeadLettered: d.DeadLettered, Lag: d.Lag}
			}
			out.Streams = append(out.Streams, ms)
		}
		return out
	})
	// 4. HTTP API.
	var password string
	if cfg.AuthMode == config.AuthPassword {
		password = cfg.SuperuserPassword
	}
	s.http = httpapi.NewServer(httpapi.Config{
		Addr:     net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.HTTPPort)),
		TLS:      tlsConfig,
		Password: password,
		Metrics:  s.metrics,
		Logger:   s.log.With("protocol", "http"),
	}, httpapi.FromManager(s.mgr))

	// 5. PostgreSQL wire protocol.
	s.pgwire = pgwire.NewServer(pgwire.Config{
		Addr:      net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.PgwirePort)),
		AuthMode:  cfg.AuthMode,
		Password:  password,
		TLSConfig: tlsConfig,
		Logger:    s.log.With("protocol", "pgwire"),
		Metrics:   s.metrics,
	}, pgwire.FromManager(s.mgr))

	// 6. Redis protocol, when a port is set.
	respAddr := o.respAddr
	if respAddr == "" && cfg.RESPPort != 0 {
		respAddr = net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.RESPPort))
	}
	if respAddr != "" {
		s.resp = resp.NewServer(resp.Config{
			Addr:     respAddr,
			Password: password,
			Logger:   s.log.With("protocol", "resp"),
			Metrics:  s.metrics,
		}, resp.FromManager(s.mgr))
	}
	if cfg.ILPPort != 0 {
		s.log.Warn("ILP protocol is not implemented yet; port_ilp is ignored", "port", cfg.ILPPort)
	}
	return s, nil
}

// Start binds every listener, then serves each in its own goroutine. A bind
// failure (say, a port in use) is returned before anything is served; the
// caller should still Close the Server.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return errors.New("server: start after close")
	}
	if s.mu.started {
		return errors.New("server: already started")
	}
	s.mu.started = true

	if err := s.http.Listen(); err != nil {
		return listenError("HTTP", "--http-port / NODEDB_PORT_HTTP", err)
	}
	if err := s.pgwire.Listen(); err != nil {
		return listenError("pgwire", "--pgwire-port / NODEDB_PORT_PGWIRE", err)
	}
	if s.resp != nil {
		if err := s.resp.Listen(); err != nil {
			return listenError("RESP", "--resp-port / NODEDB_PORT_RESP", err)
		}
	}

	s.goServe("http", s.http.Serve)
	s.goServe("pgwire", s.pgwire.Serve)
	if s.resp != nil {
		s.goServe("resp", s.resp.Serve)
	}

	s.log.Info("nodedb started",
		"data_dir", s.cfg.DataDir,
		"durability", s.cfg.Durability,
		"auth", s.cfg.AuthMode,
		"http", addrString(s.HTTPAddr()),
		"pgwire", addrString(s.PgwireAddr()),
		"resp", addrString(s.RESPAddr()))
	return nil
}

func listenError(proto, setting string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s listener: %w (is another server running? choose another port with %s)", proto, err, setting)
	}
	return fmt.Errorf("%s listener: %w", proto, err)
}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// goServe runs serve in a goroutine owned by s; its failure is reported to
// Run.
func (s *Server) goServe(name string, serve func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// A serve that ends because its context was cancelled is a
		// normal stop, not a failure.
		if err := serve(s.serveCtx); err != nil && !errors.Is(err, context.Canceled) {
			select {
			case s.failed <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// Run starts the server and blocks until ctx is done (returns nil), Close
// is called (returns nil) or a listener fails (returns its error). It does
// not Close the server; the caller does.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return nil
	case <-s.closing:
		return nil
	case err := <-s.failed:
		return err
	}
}

// HTTPAddr returns the HTTP API's bound address, nil before Start.
func (s *Server) HTTPAddr() net.Addr { return s.http.Addr() }

// PgwireAddr returns the pgwire listener's bound address, nil before Start.
func (s *Server) PgwireAddr() net.Addr {
	return s.pgwire.Addr()
}

// RESPAddr returns the Redis protocol listener's bound address, nil before
// Start or when RESP is off.
func (s *Server) RESPAddr() net.Addr {
	if s.resp == nil {
		return nil
	}
	return s.resp.Addr()
}

// Manager returns the session manager, for embedding and tests.
func (s *Server) Manager() *session.Manager { return s.mgr }

// Metrics returns the server's metrics registry.
func (s *Server) Metrics() *metrics.Registry { return s.metrics }

// Close stops the server in reverse start order: /health turns 503, the
// listeners stop (each waiting for its connections), the serve goroutines
// are waited for, and the database is closed. It is safe to call more than
// once, and without Start.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.closed = true
	s.mu.Unlock()
	close(s.closing)

	var errList []error
	s.http.SetClosing()
	// 6. RESP.
	if s.resp != nil {
		if err := s.resp.Close(); err != nil {
			errList = append(errList, err)
		}
	}
	// 5. pgwire.
	if err := s.pgwire.Close(); err != nil {
		errList = append(errList, err)
	}
	// 4. HTTP.
	if err := s.http.Close(); err != nil {
		errList = append(errList, err)
	}
	s.serveCancel()
	s.wg.Wait()
	// 3, 2: metrics and the manager hold no resources of their own.
	// 1. Database.
	if err := s.db.Close(); err != nil {
		errList = append(errList, fmt.Errorf("close database: %w", err))
	}
	s.log.Info("nodedb stopped")
	return errors.Join(errList...)
}

// NewLogger returns a slog logger writing to w in format "text" or "json"
// at level "debug", "info", "warn" or "error" (unknown levels mean info).
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == config.LogFormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
