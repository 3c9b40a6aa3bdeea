package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/internal/metrics"
)

// Config configures a Server.
type Config struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string
	// TLS, when set, makes the server speak HTTPS.
	TLS *tls.Config
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Password, when set, requires HTTP Basic authentication as admin with
	// this password on /query and /query/stream.
	Password string
	// ShutdownTimeout bounds how long Close waits for running requests
	// before cancelling them; 0 means 5 seconds.
	ShutdownTimeout time.Duration
	// WSWriteTimeout bounds how long a WebSocket message may wait for a
	// client that does not read before the connection is closed; 0 means
	// 10 seconds.
	WSWriteTimeout time.Duration
	// Metrics receives query and connection counts and is served on
	// /metrics; nil serves an empty registry.
	Metrics *metrics.Registry
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is the HTTP API server. Listen, then Serve; Close stops it.
type Server struct {
	cfg     Config
	handler http.Handler
	srv     *http.Server
	closing atomic.Bool

	// baseCtx is the parent of every request context; cancelled when Close
	// gives up waiting, so running queries stop.
	baseCtx    context.Context
	baseCancel context.CancelFunc

	// stop is closed when Close starts, so long-lived requests (long polls,
	// Server-Sent Events) end at once instead of holding up the shutdown.
	stop chan struct{}

	// gate lets Close wait for handlers still running after their
	// connections were closed, so nothing touches the Backend after Close.
	gate struct {
		sync.RWMutex
		closed   bool
		inflight sync.WaitGroup
	}

	mu struct {
		sync.Mutex
		ln     net.Listener
		closed bool
	}
}

// track runs h unless the server has closed, and lets Close wait for it.
func (s *Server) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.gate.RLock()
		if s.gate.closed {
			s.gate.RUnlock()
			writeJSON(w, http.StatusServiceUnavailable,
				errorResponse{Error: "server is shutting down", Code: errs.AdminShutdown})
			return
		}
		s.gate.inflight.Add(1)
		s.gate.RUnlock()
		defer s.gate.inflight.Done()
		h.ServeHTTP(w, r)
	})
}

var errClosed = errors.New("http: server closed")

// NewServer returns a server for b. It does not listen yet.
func NewServer(cfg Config, b Backend) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	s := &Server{cfg: cfg, stop: make(chan struct{})}
	s.baseCtx, s.baseCancel = context.WithCancel(context.Background())
	h := &handler{backend: b, cfg: cfg, log: cfg.Logger, ready: func() bool { return !s.closing.Load() },
		stop: s.stop, sseHeartbeat: sseHeartbeatInterval}
	s.handler = s.track(newMux(h))
	s.srv = &http.Server{
		Handler:           s.handler,
		TLSConfig:         cfg.TLS,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				cfg.Metrics.ConnOpened(metrics.ProtocolHTTP)
			case http.StateClosed, http.StateHijacked:
				cfg.Metrics.ConnClosed(metrics.ProtocolHTTP)
			}
		},
	}
	return s
}

// Handler returns the API's routes, for tests and for embedding under
// another server.
func (s *Server) Handler() http.Handler { return s.handler }

// SetClosing makes /health and /health/ready answer 503 (the server is
// shutting down) while requests are still served.
func (s *Server) SetClosing() { s.closing.Store(true) }

// Listen binds the listening socket, so a busy port is reported before
// anything is served.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return errClosed
	}
	if s.mu.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	s.mu.ln = ln
	return nil
}

// Addr returns the bound address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.ln == nil {
		return nil
	}
	return s.mu.ln.Addr()
}

// Serve answers requests until Close is called or ctx is done (which
// closes the server), then returns nil. It calls Listen if needed.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		if errors.Is(err, errClosed) {
			return nil
		}
		return err
	}
	s.mu.Lock()
	ln := s.mu.ln
	s.mu.Unlock()

	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(ln) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = s.Close()
		err = <-done
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("http: serve: %w", err)
	}
	return nil
}

// Close stops accepting connections, waits up to ShutdownTimeout for
// running requests, then cancels them and closes every connection. It is
// safe to call more than once and before Serve.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.closed = true
	ln := s.mu.ln
	s.mu.Unlock()

	s.closing.Store(true)
	close(s.stop)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.baseCancel()
	if err != nil {
		err = s.srv.Close()
	}
	if ln != nil {
		_ = ln.Close() // Serve may never have run; a second close is harmless
	}
	s.gate.Lock()
	s.gate.closed = true
	s.gate.Unlock()
	s.gate.inflight.Wait()
	if err != nil {
		return fmt.Errorf("http: close: %w", err)
	}
	return nil
}
