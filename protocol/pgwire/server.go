package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/xdg-go/scram"
)

// Authentication modes.
const (
	AuthTrust    = "trust"    // every user is accepted without a password
	AuthPassword = "password" // SCRAM-SHA-256 for the superuser "admin"
)

// SuperUser is the user name whose password Config.Password sets.
const SuperUser = "admin"

const (
	defaultMaxMessageSize = 64 << 20
	defaultAuthTimeout    = 60 * time.Second
	scramIterations       = 4096
)

// Config configures a Server.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:6432"
	// ("127.0.0.1:0" picks a free port; see Server.Addr).
	Addr string
	// AuthMode is AuthTrust (default when empty) or AuthPassword.
	AuthMode string
	// Password is the superuser's password in AuthPassword mode.
	Password string
	// TLSConfig enables SSL; nil refuses SSLRequest with 'N'.
	TLSConfig *tls.Config
	// Logger receives connection-level events; nil discards them.
	Logger *slog.Logger
	// MaxMessageSize caps a client message body; default 64 MiB. A larger
	// message gets a FATAL 08P01 and closes that connection.
	MaxMessageSize int
	// AuthTimeout bounds the startup and authentication exchange;
	// default 60s.
	AuthTimeout time.Duration
	// Metrics counts connections and statements; nil counts nothing.
	// *metrics.Registry (internal/metrics) satisfies it.
	Metrics Metrics
}

// Metrics receives connection and statement counts. protocol is always
// "pgwire".
type Metrics interface {
	ObserveQuery(protocol string, d time.Duration, err error)
	ConnOpened(protocol string)
	ConnClosed(protocol string)
}

// metricsProtocol is the protocol label pgwire reports.
const metricsProtocol = "pgwire"

type noMetrics struct{}

func (noMetrics) ObserveQuery(string, time.Duration, error) {}
func (noMetrics) ConnOpened(string)                         {}
func (noMetrics) ConnClosed(string)                         {}

// Server accepts PostgreSQL protocol connections and runs each one against
// a Session. Build it with NewServer, then Listen and Serve; Close stops it.
type Server struct {
	cfg   Config
	mgr   SessionManager
	log   *slog.Logger
	creds scram.StoredCredentials // the superuser's, in password mode

	done      chan struct{} // closed by shutdown
	closeOnce sync.Once
	wg        sync.WaitGroup // connection goroutines and the Serve watcher

	mu struct {
		sync.Mutex
		ln     net.Listener
		conns  map[*conn]struct{}
		closed bool
	}
}

// NewServer returns a Server over mgr. It does not listen yet.
func NewServer(cfg Config, mgr SessionManager) *Server {
	if cfg.AuthMode == "" {
		cfg.AuthMode = AuthTrust
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = defaultMaxMessageSize
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = defaultAuthTimeout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, mgr: mgr, log: log.With("component", "pgwire"), done: make(chan struct{})}
	s.mu.conns = make(map[*conn]struct{})
	return s
}

// Listen binds the configured address. Serve calls it when it has not
// been called.
func (s *Server) Listen() error {
	switch s.cfg.AuthMode {
	case AuthTrust:
	case AuthPassword:
		creds, err := storedCredentials(s.cfg.Password)
		if err != nil {
			return fmt.Errorf("pgwire: superuser password: %w", err)
		}
		s.creds = creds
	default:
		return fmt.Errorf("pgwire: unknown auth mode %q (want %q or %q)", s.cfg.AuthMode, AuthTrust, AuthPassword)
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("pgwire: listen: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		ln.Close()
		return errors.New("pgwire: server closed")
	}
	if s.mu.ln != nil {
		ln.Close()
		return errors.New("pgwire: already listening")
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
			return fmt.Errorf("pgwire: accept: %w", err)
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

// Close stops accepting, closes all connections (their running statements
// are canceled and their sessions closed) and waits for every goroutine
// the Server started.
func (s *Server) Close() error {
	s.shutdown()
	s.wg.Wait()
	return nil
}

// cancelRequest handles a CancelRequest: the statement running on the
// connection with this BackendKeyData is canceled.
func (s *Server) cancelRequest(pid uint32, secretBytes []byte) {
	if len(secretBytes) != 4 {
		return
	}
	secret := binary.BigEndian.Uint32(secretBytes)
	s.mu.Lock()
	var target *conn
	for c := range s.mu.conns {
		if p, sec, ok := c.key(); ok && p == pid && sec == secret {
			target = c
			break
		}
	}
	s.mu.Unlock()
	if target != nil {
		target.cancelStatement()
	}
	s.mgr.Cancel(pid, secret)
}

// storedCredentials derives the SCRAM-SHA-256 verifier for password.
func storedCredentials(password string) (scram.StoredCredentials, error) {
	if password == "" {
		return scram.StoredCredentials{}, errors.New("password mode needs a non-empty password")
	}
	client, err := scram.SHA256.NewClient(SuperUser, password, "")
	if err != nil {
		return scram.StoredCredentials{}, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return scram.StoredCredentials{}, err
	}
	return client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: scramIterations}), nil
}

// mockCredentials are used for unknown users so that the exchange fails
// the same way as a wrong password, as PostgreSQL does.
func mockCredentials() scram.StoredCredentials {
	salt := make([]byte, 16)
	key := make([]byte, 32)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: scramIterations},
		StoredKey:  key,
		ServerKey:  key,
	}
}
