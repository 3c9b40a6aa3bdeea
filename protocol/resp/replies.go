package resp

import (
	"net"
	"syscall"
)

// replyWriter is what a connection's reply buffer (redcon.Writer) flushes
// to: the socket, plus a try mode in which a round's leader writes another
// connection's replies without blocking (tryFlush). What that write could
// not send stays in pending and goes out first at the connection's own
// next flush, so replies keep their order.
type replyWriter struct {
	nc      net.Conn
	raw     syscall.RawConn // nil: no non-blocking write (try mode sends nothing)
	fd      int             // >= 0: an event loop's socket, written directly (try mode only)
	try     bool
	pending []byte
	err     error // a failed try write, returned by the next Write
}

func newReplyWriter(nc net.Conn) *replyWriter {
	rw := &replyWriter{fd: -1}
	rw.setConn(nc)
	return rw
}

// setConn makes rw write to nc.
func (rw *replyWriter) setConn(nc net.Conn) {
	rw.nc, rw.raw, rw.fd = nc, nil, -1
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			rw.raw = raw
		}
	}
}

func (rw *replyWriter) Write(b []byte) (int, error) {
	if rw.err != nil {
		return 0, rw.err
	}
	if rw.try {
		rw.tryWrite(b)
		return len(b), nil
	}
	if len(rw.pending) > 0 {
		if _, err := rw.nc.Write(rw.pending); err != nil {
			rw.err = err
			return 0, err
		}
		rw.pending = rw.pending[:0]
	}
	if len(b) == 0 {
		return 0, nil
	}
	return rw.nc.Write(b)
}

// tryWrite sends what of b the socket takes at once (nothing while
// earlier replies are pending) and keeps the rest in pending.
func (rw *replyWriter) tryWrite(b []byte) {
	n := 0
	if (rw.fd >= 0 || rw.raw != nil) && len(rw.pending) == 0 && len(b) > 0 {
		var werr error
		if rw.fd >= 0 {
			n, werr = writeNonblocking(uintptr(rw.fd), b)
		} else if err := rw.raw.Write(func(fd uintptr) bool {
			n, werr = writeNonblocking(fd, b)
			return true
		}); err != nil {
			werr = err
		}
		if werr != nil && !isWouldBlock(werr) {
			rw.err = werr
			return
		}
		n = max(n, 0)
	}
	rw.pending = append(rw.pending, b[n:]...)
}
