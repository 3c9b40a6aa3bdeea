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
	"time"

	"github.com/xdg-go/scram"

	"github.com/nodedb-go/nodedb/internal/netsrv"
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

	ls *netsrv.Listener[*conn]
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
	s := &Server{cfg: cfg, mgr: mgr, log: log.With("component", "pgwire")}
	s.ls = netsrv.New("pgwire", cfg.Addr, s.log, netsrv.Hooks[*conn]{
		New:    func(nc net.Conn) *conn { return newConn(s, nc) },
		Run:    (*conn).run,
		Kill:   (*conn).kill,
		Opened: func() { cfg.Metrics.ConnOpened(metricsProtocol) },
		Closed: func() { cfg.Metrics.ConnClosed(metricsProtocol) },
	})
	return s
}

// Listen checks the authentication settings and binds the configured
// address. Serve calls it when it has not been called.
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
	return s.ls.Listen()
}

// Addr returns the bound address, or nil before Listen.
func (s *Server) Addr() net.Addr { return s.ls.Addr() }

// Serve accepts connections until Close is called (it then returns nil) or
// ctx is done (it then shuts the server down like Close and returns
// ctx.Err()).
func (s *Server) Serve(ctx context.Context) error {
	if s.ls.Addr() == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	return s.ls.Serve(ctx)
}

// Close stops accepting, closes all connections (their running statements
// are canceled and their sessions closed) and waits for every goroutine
// the Server started.
func (s *Server) Close() error { return s.ls.Close() }

// cancelRequest handles a CancelRequest: the statement running on the
// connection with this BackendKeyData is canceled.
func (s *Server) cancelRequest(pid uint32, secretBytes []byte) {
	if len(secretBytes) != 4 {
		return
	}
	secret := binary.BigEndian.Uint32(secretBytes)
	if target, ok := s.ls.Find(func(c *conn) bool {
		p, sec, ok := c.key()
		return ok && p == pid && sec == secret
	}); ok {
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
