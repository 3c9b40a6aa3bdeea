package resp

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tidwall/redcon"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
)

// conn is one client connection: its reader, its reply writer and the
// state commands change (selected collection, name, authentication).
type conn struct {
	s      *Server
	nc     net.Conn
	r      *Reader
	w      *redcon.Writer
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	id     int64
	coll   string // the selected key-value collection
	name   string // CLIENT SETNAME
	authed bool
	quit   bool
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{s: s, nc: nc, r: NewReader(nc, s.cfg.Limits), w: redcon.NewWriter(nc),
		ctx: ctx, cancel: cancel, id: s.nextID.Add(1), coll: session.KVDefaultCollection,
		authed: s.cfg.Password == ""}
	c.log = s.log.With("client", nc.RemoteAddr().String(), "id", c.id)
	return c
}

// kill cancels the running command and closes the socket; run then ends.
func (c *conn) kill() {
	c.cancel()
	_ = c.nc.Close()
}

// run serves the connection until the client quits, the connection
// fails, or a request is malformed. A panic closes this connection only.
func (c *conn) run() {
	defer c.kill()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while serving connection; closing it", "panic", r, "stack", string(debug.Stack()))
			_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			c.w.WriteError("ERR internal error; connection closed")
			_ = c.w.Flush()
		}
	}()
	for !c.quit {
		args, err := c.r.ReadCommand()
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				c.log.Info("protocol error; closing connection", "err", err)
				c.w.WriteError("ERR " + pe.Error())
				_ = c.w.Flush()
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.log.Debug("connection read failed", "err", err)
			}
			return
		}
		if len(args) > 0 {
			start := time.Now()
			err := c.dispatch(args)
			if err != nil {
				c.w.WriteError(replyError(err))
			}
			c.s.cfg.Metrics.ObserveQuery(metricsProtocol, time.Since(start), err)
		}
		// Reply to a pipeline in one write: flush once no request is
		// waiting in the read buffer.
		if c.r.Buffered() == 0 || c.quit {
			if err := c.w.Flush(); err != nil {
				return
			}
		}
	}
}

// dispatch runs one command; errors it returns become the reply.
func (c *conn) dispatch(args [][]byte) error {
	name := strings.ToLower(string(args[0]))
	cmd, ok := commands[name]
	if !ok {
		return unknownCommand(args)
	}
	if (cmd.arity > 0 && len(args) != cmd.arity) || (cmd.arity < 0 && len(args) < -cmd.arity) {
		return Error("ERR wrong number of arguments for '" + name + "' command")
	}
	if !c.authed && !cmd.noAuth {
		return Error("NOAUTH Authentication required.")
	}
	return cmd.run(c, args)
}

func unknownCommand(args [][]byte) error {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.WriteString(printable(args[0], 128))
	b.WriteString("', with args beginning with: ")
	for _, a := range args[1:min(len(args), 4)] {
		b.WriteString("'")
		b.WriteString(printable(a, 128))
		b.WriteString("' ")
	}
	return Error(b.String())
}

// printable shortens s and drops bytes that cannot appear in an error
// line.
func printable(s []byte, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, string(s))
}

// Error is a reply error in Redis's own wording ("ERR ...", "WRONGTYPE
// ...", "NOAUTH ...").
type Error string

func (e Error) Error() string { return string(e) }

// Reply errors clients match on.
const (
	errSyntax      Error = "ERR syntax error"
	errNotInteger  Error = "ERR value is not an integer or out of range"
	errNotFloat    Error = "ERR value is not a valid float"
	errOverflow    Error = "ERR increment or decrement would overflow"
	errNaN         Error = "ERR increment would produce NaN or Infinity"
	errWrongPass   Error = "WRONGPASS invalid username-password pair or user is disabled."
	errInvalidCurs Error = "ERR invalid cursor"
)

// replyError renders an error as one RESP error line.
func replyError(err error) string {
	var re Error
	switch {
	case errors.As(err, &re):
		return string(re)
	case errors.Is(err, errNotIntegerValue):
		return string(errNotInteger)
	case errors.Is(err, errNotFloatValue):
		return string(errNotFloat)
	}
	msg := err.Error()
	if e, ok := errs.As(err); ok {
		msg = e.Message
		if e.Code == errs.InvalidTextRep || e.Code == errs.DatatypeMismatch || e.Code == errs.NumericOutOfRange {
			// The value does not fit the collection's typed value column.
			return "WRONGTYPE " + msg
		}
	}
	return "ERR " + strings.NewReplacer("\r", " ", "\n", " ").Replace(msg)
}

// checkPassword compares a password in constant time.
func (c *conn) checkPassword(user, pass string) bool {
	if c.s.cfg.Password == "" {
		return true
	}
	okUser := user == "default" || user == "admin"
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(c.s.cfg.Password)) == 1
	return okUser && okPass
}
