package netsrv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Hooks are what a protocol plugs into a Listener. C is its connection
// type.
type Hooks[C comparable] struct {
	New    func(net.Conn) C // wraps an accepted connection
	Run    func(C)          // serves it until it ends (on its own goroutine)
	Kill   func(C)          // makes Run return soon (Close calls it)
	Opened func()           // a connection started (metrics); may be nil
	Closed func()           // a connection ended (metrics); may be nil
}

// Listener accepts connections for one protocol.
type Listener[C comparable] struct {
	name  string // error prefix: "pgwire", "resp"
	addr  string
	log   *slog.Logger
	hooks Hooks[C]

	done      chan struct{} // closed by Shutdown
	closeOnce sync.Once
	wg        sync.WaitGroup // connection goroutines, the Serve watcher, Go's

	mu struct {
		sync.Mutex
		ln     net.Listener
		conns  map[C]struct{}
		closed bool
	}
}

// New returns a Listener for addr; it does not listen yet.
func New[C comparable](name, addr string, log *slog.Logger, hooks Hooks[C]) *Listener[C] {
	l := &Listener[C]{name: name, addr: addr, log: log, hooks: hooks, done: make(chan struct{})}
	l.mu.conns = make(map[C]struct{})
	return l
}

// Listen binds the address. Serve calls it when it has not been called.
func (l *Listener[C]) Listen() error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("%s: listen: %w", l.name, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		ln.Close()
		return fmt.Errorf("%s: server closed", l.name)
	}
	if l.mu.ln != nil {
		ln.Close()
		return fmt.Errorf("%s: already listening", l.name)
	}
	l.mu.ln = ln
	return nil
}

// Addr returns the bound address, or nil before Listen.
func (l *Listener[C]) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.ln == nil {
		return nil
	}
	return l.mu.ln.Addr()
}

// Serve accepts connections until Close is called (it then returns nil) or
// ctx is done (it then shuts down like Close and returns ctx.Err()).
func (l *Listener[C]) Serve(ctx context.Context) error {
	l.mu.Lock()
	ln, closed := l.mu.ln, l.mu.closed
	l.mu.Unlock()
	if closed {
		return nil
	}
	if ln == nil {
		if err := l.Listen(); err != nil {
			return err
		}
		l.mu.Lock()
		ln = l.mu.ln
		l.mu.Unlock()
	}
	if !l.Go(func() {
		select {
		case <-ctx.Done():
			l.Shutdown()
		case <-l.done:
		}
	}) {
		return nil
	}
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				l.log.Warn("accept failed; retrying", "err", err, "backoff", backoff)
				select {
				case <-time.After(backoff):
				case <-l.done:
				}
				continue
			}
			return fmt.Errorf("%s: accept: %w", l.name, err)
		}
		backoff = 0
		l.start(nc)
	}
}

// Go runs f in a goroutine Close waits for, unless the listener is
// closed (then it reports false).
func (l *Listener[C]) Go(f func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return false
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
	return true
}

func (l *Listener[C]) start(nc net.Conn) {
	c := l.hooks.New(nc)
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		nc.Close()
		return
	}
	l.mu.conns[c] = struct{}{}
	l.wg.Add(1)
	l.mu.Unlock()
	if l.hooks.Opened != nil {
		l.hooks.Opened()
	}
	go func() {
		defer l.wg.Done()
		defer func() {
			l.mu.Lock()
			delete(l.mu.conns, c)
			l.mu.Unlock()
			if l.hooks.Closed != nil {
				l.hooks.Closed()
			}
		}()
		l.hooks.Run(c)
	}()
}

// Len returns the number of open connections.
func (l *Listener[C]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mu.conns)
}

// Find returns the first open connection match accepts.
func (l *Listener[C]) Find(match func(C) bool) (C, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.mu.conns {
		if match(c) {
			return c, true
		}
	}
	var zero C
	return zero, false
}

// Shutdown stops accepting and kills every connection; it does not wait.
func (l *Listener[C]) Shutdown() {
	l.closeOnce.Do(func() {
		close(l.done)
		l.mu.Lock()
		l.mu.closed = true
		ln := l.mu.ln
		conns := make([]C, 0, len(l.mu.conns))
		for c := range l.mu.conns {
			conns = append(conns, c)
		}
		l.mu.Unlock()
		if ln != nil {
			ln.Close()
		}
		for _, c := range conns {
			l.hooks.Kill(c)
		}
	})
}

// Close shuts down and waits for every goroutine the Listener started.
func (l *Listener[C]) Close() error {
	l.Shutdown()
	l.wg.Wait()
	return nil
}
