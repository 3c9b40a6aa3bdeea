package resp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:6381"
	// ("127.0.0.1:0" picks a free port; see Server.Addr).
	Addr string
	// Password, when set, must be given with AUTH (or HELLO 2 AUTH) before
	// any other command; the user is "default" or "admin". Empty: every
	// client is trusted and AUTH always succeeds.
	Password string
	// Limits bounds request sizes; zero fields take Redis-like defaults
	// (1Mi arguments, 64 MiB per argument, 64 KiB inline lines). A request
	// over a limit gets "-ERR Protocol error" and closes that connection.
	Limits Limits
	// Logger receives connection-level events; nil discards them.
	Logger *slog.Logger
	// Metrics counts connections and commands; nil counts nothing.
	Metrics Metrics
}

// Metrics receives connection and command counts; protocol is "resp".
// *metrics.Registry (internal/metrics) satisfies it.
type Metrics interface {
	ObserveQuery(protocol string, d time.Duration, err error)
	ConnOpened(protocol string)
	ConnClosed(protocol string)
}

const metricsProtocol = "resp"

type noMetrics struct{}

func (noMetrics) ObserveQuery(string, time.Duration, error) {}
func (noMetrics) ConnOpened(string)                         {}
func (noMetrics) ConnClosed(string)                         {}

// Server accepts Redis protocol connections. Build it with NewServer, then
// Listen and Serve; Close stops it.
type Server struct {
	cfg    Config
	store  Store
	log    *slog.Logger
	nextID atomic.Int64
	start  time.Time

	done      chan struct{} // closed by shutdown
	closeOnce sync.Once
	wg        sync.WaitGroup // connection goroutines and the Serve watcher

	mu struct {
		sync.Mutex
		ln     net.Listener
		conns  map[*conn]struct{}
		closed bool
	}

	combMu    sync.Mutex
	combiners map[string]*combiner // per collection: rounds of key commands (conn.go)
}

// NewServer returns a Server over store. It does not listen yet.
func NewServer(cfg Config, store Store) *Server {
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	cfg.Limits = cfg.Limits.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, store: store, log: log.With("component", "resp"), done: make(chan struct{}), start: time.Now()}
	s.mu.conns = make(map[*conn]struct{})
	return s
}

// Listen binds the configured address. Serve calls it when it has not
// been called.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("resp: listen: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		ln.Close()
		return errors.New("resp: server closed")
	}
	if s.mu.ln != nil {
		ln.Close()
		return errors.New("resp: already listening")
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

// Serve accepts connections until Close is called (it then returns nil) or
// ctx is done (it then shuts the server down like Close and returns
// ctx.Err()).
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln, closed := s.mu.ln, s.mu.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	if ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
		s.mu.Lock()
		ln = s.mu.ln
		s.mu.Unlock()
	}
	if !s.goTracked(func() {
		select {
		case <-ctx.Done():
			s.shutdown()
		case <-s.done:
		}
	}) {
		return nil
	}
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "backoff", backoff)
				select {
				case <-time.After(backoff):
				case <-s.done:
				}
				continue
			}
			return fmt.Errorf("resp: accept: %w", err)
		}
		backoff = 0
		s.startConn(nc)
	}
}

// goTracked runs f in a goroutine counted by s.wg, unless the server is
// closed.
func (s *Server) goTracked(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

func (s *Server) startConn(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.mu.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.cfg.Metrics.ConnOpened(metricsProtocol)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.mu.conns, c)
			s.mu.Unlock()
			s.cfg.Metrics.ConnClosed(metricsProtocol)
		}()
		c.run()
	}()
}

// Clients returns the number of open connections.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mu.conns)
}

// shutdown stops accepting and closes every connection; it does not wait.
func (s *Server) shutdown() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		s.mu.closed = true
		ln := s.mu.ln
		conns := make([]*conn, 0, len(s.mu.conns))
		for c := range s.mu.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		if ln != nil {
			ln.Close()
		}
		for _, c := range conns {
			c.kill()
		}
	})
}

// Close stops accepting, closes all connections (canceling their running
// commands) and waits for every goroutine the Server started.
func (s *Server) Close() error {
	s.shutdown()
	s.wg.Wait()
	return nil
}
