package resp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/internal/netsrv"
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
	// EventLoops is how many event loops serve connections (loop_linux.go);
	// 0 means one on Linux, a negative number none: every connection is
	// served by a goroutine of its own.
	EventLoops int
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

	ls *netsrv.Listener[*conn]

	combMu    sync.Mutex
	combiners map[string]*combiner // per collection: rounds of key commands (conn.go)

	loopMu   sync.Mutex
	closed   bool
	loops    []*evloop // event loops (loop_linux.go), started by Serve
	nextLoop atomic.Uint64
	loopWG   sync.WaitGroup
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
	s := &Server{cfg: cfg, store: store, log: log.With("component", "resp"), start: time.Now()}
	s.ls = netsrv.New("resp", cfg.Addr, s.log, netsrv.Hooks[*conn]{
		New:    func(nc net.Conn) *conn { return newConn(s, nc) },
		Run:    (*conn).run,
		Kill:   (*conn).kill,
		Opened: func() { cfg.Metrics.ConnOpened(metricsProtocol) },
		Closed: func() { cfg.Metrics.ConnClosed(metricsProtocol) },
	})
	return s
}

// Listen binds the configured address. Serve calls it when it has not
// been called.
func (s *Server) Listen() error { return s.ls.Listen() }

// Addr returns the bound address, or nil before Listen.
func (s *Server) Addr() net.Addr { return s.ls.Addr() }

// Serve accepts connections until Close is called (it then returns nil) or
// ctx is done (it then shuts the server down like Close and returns
// ctx.Err()).
func (s *Server) Serve(ctx context.Context) error {
	s.startLoops()
	return s.ls.Serve(ctx)
}

// startLoops starts the configured event loops, once.
func (s *Server) startLoops() {
	n := s.cfg.EventLoops
	if n == 0 {
		n = 1
	}
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	if s.closed || s.loops != nil {
		return
	}
	s.loops = []*evloop{}
	for range n {
		l, err := newEvloop(s)
		if err != nil {
			if !errors.Is(err, errNoLoop) {
				s.log.Warn("no event loop; every connection gets a goroutine", "err", err)
			}
			break
		}
		s.loops = append(s.loops, l)
		s.loopWG.Add(1)
		go func() {
			defer s.loopWG.Done()
			l.run()
		}()
	}
}

// goTracked runs f in a goroutine Close waits for, unless the server is
// closed.
func (s *Server) goTracked(f func()) bool { return s.ls.Go(f) }

// Clients returns the number of open connections.
func (s *Server) Clients() int { return s.ls.Len() }

// Close stops accepting, closes all connections (canceling their running
// commands) and waits for every goroutine the Server started.
func (s *Server) Close() error {
	err := s.ls.Close() // connections in a loop ask it to close them
	s.loopMu.Lock()
	s.closed = true
	loops := s.loops
	s.loopMu.Unlock()
	for _, l := range loops {
		l.shutdown()
	}
	s.loopWG.Wait()
	return err
}

// pickLoop returns the event loop a new connection starts in, nil when
// there are none.
func (s *Server) pickLoop() *evloop {
	s.loopMu.Lock()
	defer s.loopMu.Unlock()
	if len(s.loops) == 0 || s.closed {
		return nil
	}
	return s.loops[s.nextLoop.Add(1)%uint64(len(s.loops))]
}

// runLoopRound runs an event loop's waiters through their collections'
// rounds.
func (s *Server) runLoopRound(group []*waiter) {
	for len(group) > 0 {
		coll := group[0].c.coll
		same := group[:0:0]
		rest := group[:0:0]
		for _, w := range group {
			if w.c.coll == coll {
				same = append(same, w)
			} else {
				rest = append(rest, w)
			}
		}
		s.combine(coll, same)
		group = rest
	}
}
