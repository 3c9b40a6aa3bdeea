//go:build linux

package resp

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

// evloop serves connections from one goroutine, as Redis's event loop
// does: it waits on epoll for every socket it holds, reads all that are
// readable, runs their key commands in one round, and writes the replies.
// A goroutine per connection costs two goroutine wake-ups and a read that
// finds nothing per pipeline (the connection is woken for the request
// and again for its round), and the woken goroutines wait for a
// processor; the loop does none of that. A connection that subscribes or
// quits, or sends an inline or malformed request, is handed back to its
// own goroutine (eject), which serves it from then on as before.
type evloop struct {
	s    *Server
	ep   int
	wake int // eventfd: connections to drop, or stop

	mu    sync.Mutex
	conns map[int32]*conn // by socket
	gone  []*conn         // killed connections to drop
	stop  bool

	rbuf []byte // the loop's read buffer
}

func newEvloop(s *Server) (*evloop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("resp: epoll_create1: %w", err)
	}
	r1, _, e := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if e != 0 {
		_ = syscall.Close(ep)
		return nil, fmt.Errorf("resp: eventfd: %w", e)
	}
	l := &evloop{s: s, ep: ep, wake: int(r1), conns: map[int32]*conn{}, rbuf: make([]byte, 64<<10)}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, l.wake, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.wake)}); err != nil {
		l.closeFDs()
		return nil, fmt.Errorf("resp: epoll_ctl: %w", err)
	}
	return l, nil
}

func (l *evloop) closeFDs() {
	_ = syscall.Close(l.ep)
	_ = syscall.Close(l.wake)
}

// add moves c's socket into the loop: the loop keeps a duplicate of the
// descriptor and c.nc is closed, so the runtime's poller lets go of it.
// false: c stays with its goroutine.
func (l *evloop) add(c *conn) bool {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd, err = dupCloexec(int(f)) }); err != nil || fd < 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop {
		_ = syscall.Close(fd)
		return false
	}
	// Once in epoll the loop may serve c at once and even hand it back
	// with a new nc: everything here happens before.
	c.ncMu.Lock()
	_ = c.nc.Close()
	c.ncMu.Unlock()
	c.lfd, c.out.fd, c.loop = fd, fd, l
	c.handoff = make(chan bool, 1)
	l.conns[int32(fd)] = c
	if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
		// The socket is still good (the duplicate): serve it from a
		// goroutine after all.
		delete(l.conns, int32(fd))
		c.lfd, c.out.fd, c.loop = -1, -1, nil
		l.handBack(c, fd)
		return true
	}
	return true
}

func dupCloexec(fd int) (int, error) {
	r, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

func (l *evloop) signal() {
	one := [8]byte{1}
	_, _ = syscall.Write(l.wake, one[:])
}

// drop asks the loop to close a killed connection; the loop then gives
// it back with handoff false.
func (l *evloop) drop(c *conn) {
	l.mu.Lock()
	l.gone = append(l.gone, c)
	l.mu.Unlock()
	l.signal()
}

// shutdown makes run close every connection it still holds and return.
func (l *evloop) shutdown() {
	l.mu.Lock()
	l.stop = true
	l.mu.Unlock()
	l.signal()
}

// release takes c out of the loop. eject: c's goroutine serves it from
// now on, reading the bytes the loop had buffered first; otherwise the
// connection has ended and its socket is closed.
func (l *evloop) release(c *conn, eject bool) {
	if c.lfd < 0 {
		return
	}
	_ = syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_DEL, c.lfd, nil)
	l.mu.Lock()
	delete(l.conns, int32(c.lfd))
	l.mu.Unlock()
	fd := c.lfd
	c.lfd, c.out.fd, c.loop = -1, -1, nil
	if eject {
		l.handBack(c, fd)
		return
	}
	_ = syscall.Close(fd)
	c.handoff <- false
}

// handBack gives c, with its socket fd (which it closes), to c's
// goroutine: handoff true, or false when the socket cannot be wrapped.
func (l *evloop) handBack(c *conn, fd int) {
	f := os.NewFile(uintptr(fd), "resp")
	nc, err := net.FileConn(f) // a duplicate, in the runtime's poller
	_ = f.Close()
	if err != nil {
		c.log.Warn("could not hand the connection from the event loop to a goroutine; closing it", "err", err)
		c.handoff <- false
		return
	}
	c.ncMu.Lock()
	c.nc = nc
	c.ncMu.Unlock()
	c.out.setConn(nc)
	c.r.Reset(readerChain(c.inbuf, nc))
	c.inbuf = nil
	c.handoff <- true
}

func (l *evloop) run() {
	defer l.closeFDs()
	evs := make([]syscall.EpollEvent, 256)
	var ready []*conn
	for {
		n, err := syscall.EpollWait(l.ep, evs, -1)
		if err != nil {
			if !errors.Is(err, syscall.EINTR) {
				l.s.log.Error("event loop: epoll_wait failed", "err", err)
			}
			n = 0
		}
		for _, ev := range evs[:n] {
			if ev.Fd == int32(l.wake) {
				// Drain the wake-up before looking at gone and stop: a
				// signal after this read wakes the next wait. (Reading it
				// after them lost a shutdown that came in between, and
				// Close waited for this loop forever.)
				var b [8]byte
				_, _ = syscall.Read(l.wake, b[:])
				break
			}
		}
		ready = ready[:0]
		l.mu.Lock()
		for _, ev := range evs[:n] {
			if c := l.conns[ev.Fd]; c != nil {
				ready = append(ready, c)
			}
		}
		gone, stop := l.gone, l.stop
		l.gone = nil
		l.mu.Unlock()
		for _, c := range gone {
			l.release(c, false)
		}
		if stop {
			l.mu.Lock()
			all := make([]*conn, 0, len(l.conns))
			for _, c := range l.conns {
				all = append(all, c)
			}
			l.mu.Unlock()
			for _, c := range all {
				l.release(c, false)
			}
			return
		}
		l.serve(ready)
	}
}

// serve reads the ready connections, runs their key commands in one round
// (a connection that sent anything else runs its commands one by one) and
// writes the replies.
func (l *evloop) serve(ready []*conn) {
	var group []*waiter
	for _, c := range ready {
		if c.lfd < 0 {
			continue // released above (killed)
		}
		k, err := syscall.Read(c.lfd, l.rbuf)
		if err != nil && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR)) {
			continue
		}
		if k <= 0 {
			l.release(c, false) // the client closed, or the socket failed
			continue
		}
		c.inbuf = append(c.inbuf, l.rbuf[:k]...)
		var batch [][][]byte
		how := loopEject
		if !l.guard(c, func() { batch, how = l.parse(c) }) {
			continue
		}
		switch how {
		case loopEject:
			l.release(c, true)
		case loopRound:
			if len(batch) > 0 { // none: the request is not complete yet
				group = append(group, &waiter{c: c, batch: batch, wake: make(chan bool, 1)})
			}
		case loopOneByOne:
			l.guard(c, func() {
				for _, args := range batch {
					c.runOne(args)
				}
				l.finish(c)
			})
		}
	}
	if len(group) == 0 {
		return
	}
	start := time.Now()
	l.s.runLoopRound(group)
	d := time.Since(start)
	for _, w := range group {
		l.guard(w.c, func() {
			w.settle(d)
			l.finish(w.c)
		})
	}
}

// guard runs f, work for connection c; a panic in it (a bug in a
// command) closes c only, as conn.run's recover does, and guard returns
// false.
func (l *evloop) guard(c *conn, f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while serving connection; closing it", "panic", r, "stack", string(debug.Stack()))
			c.w.WriteError("ERR internal error; connection closed")
			c.tryFlush()
			l.release(c, false)
			ok = false
		}
	}()
	f()
	return true
}

// finish sends c's replies; what the socket does not take, c's goroutine
// sends (the loop never waits for one client).
func (l *evloop) finish(c *conn) {
	c.r.Release()
	c.tryFlush()
	if len(c.out.pending) > 0 || c.quit || c.out.err != nil {
		l.release(c, true)
	}
}

// How the loop serves what a connection sent.
const (
	loopRound    = iota // key commands: in the loop's round
	loopOneByOne        // other commands too: one by one, in the loop
	loopEject           // hand the connection to its goroutine
)

// parse takes the complete requests in c.inbuf and says how to serve
// them. Nothing is taken when the connection is to be ejected: its
// goroutine reads c.inbuf from the start.
func (l *evloop) parse(c *conn) ([][][]byte, int) {
	end, count, ok := completeFrames(c.inbuf, l.s.cfg.Limits)
	if !ok {
		return nil, loopEject
	}
	if count == 0 {
		return nil, loopRound
	}
	c.r.Reset(bytes.NewReader(c.inbuf[:end]))
	batch := make([][][]byte, 0, count)
	how := loopRound
	for range count {
		args, err := c.r.ReadCommand()
		if err != nil {
			return nil, loopEject
		}
		if _, ok := c.batchable(args); !ok {
			if len(args) == 0 || loopEjects(args[0]) {
				return nil, loopEject
			}
			how = loopOneByOne
		}
		batch = append(batch, args)
	}
	c.inbuf = append(c.inbuf[:0], c.inbuf[end:]...)
	if len(c.inbuf) == 0 && cap(c.inbuf) > 64<<10 {
		c.inbuf = nil // a large request's buffer is not kept
	}
	return batch, how
}

// held is how many connections the loop serves.
func (l *evloop) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}
