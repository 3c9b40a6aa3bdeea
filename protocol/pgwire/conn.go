package pgwire

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// flushThreshold is how many bytes of outgoing messages are buffered
// before they are written without waiting for ReadyForQuery.
const flushThreshold = 32 << 10

// errConnDone ends a connection's loop without further messages.
var errConnDone = errors.New("pgwire: connection done")

// conn is one client connection. Its fields are used only by the
// connection's goroutine, except mu's.
type conn struct {
	srv *Server
	raw net.Conn // the TCP connection, closed by kill
	rw  net.Conn // raw, or the TLS connection over it
	be  *pgproto3.Backend
	log *slog.Logger

	ctx    context.Context // canceled by kill
	cancel context.CancelFunc

	sess      Session
	user      string
	reported  map[string]string // ParameterStatus values the client has
	base      map[string]string // the protocol's own startup parameters
	sessStart map[string]string // the session's parameters at startup

	stmts          map[string]*stmt
	portals        map[string]*portal
	ignoreTillSync bool
	implicit       bool  // an implicit transaction is open until Sync
	paramsDirty    bool  // a statement may have changed reported parameters
	pending        int   // bytes sent to the backend buffer since the last flush
	dead           error // first read or write failure; the connection is then over

	// wmu serializes writes to be: the connection goroutine and the
	// notifier (LISTEN notifications arrive while the client is idle).
	// It also guards notes.
	wmu      sync.Mutex
	notifyWG sync.WaitGroup
	// notesSync asks the notifier to take everything already in the
	// mailbox (it closes the channel sent when done); notifierDone is
	// closed when the notifier stops. Both nil without a notifier.
	notesSync    chan chan struct{}
	notifierDone chan struct{}
	notes        session.NotificationHold

	mu struct {
		sync.Mutex
		hasKey     bool
		pid        uint32
		secret     uint32
		stmtCancel context.CancelFunc // a COPY's (a statement's: the Manager cancels it)
	}
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		srv:      s,
		raw:      nc,
		rw:       nc,
		log:      s.log.With("remote", nc.RemoteAddr().String()),
		ctx:      ctx,
		cancel:   cancel,
		stmts:    make(map[string]*stmt),
		portals:  make(map[string]*portal),
		reported: make(map[string]string),
	}
	c.be = c.newBackend(nc)
	return c
}

func (c *conn) newBackend(rw io.ReadWriter) *pgproto3.Backend {
	be := pgproto3.NewBackend(rw, rw)
	be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
	return be
}

// kill closes the connection from outside its goroutine (server shutdown).
func (c *conn) kill() {
	c.cancel()
	c.raw.Close()
}

func (c *conn) key() (pid, secret uint32, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.pid, c.mu.secret, c.mu.hasKey
}

func (c *conn) cancelStatement() {
	c.mu.Lock()
	f := c.mu.stmtCancel
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// run serves the connection until it ends. It never panics.
func (c *conn) run() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while serving connection; closing it", "panic", r, "stack", string(debug.Stack()))
			// Best effort: tell the client, without waiting long.
			_ = c.raw.SetWriteDeadline(time.Now().Add(time.Second))
			c.wmu.Lock()
			c.be = c.newBackend(c.rw)
			c.be.Send(fatal(errs.New(errs.InternalError, "internal error; connection closed")))
			_ = c.be.Flush()
			c.wmu.Unlock()
		}
		c.cancel()
		c.notifyWG.Wait()
		c.closeSession()
		c.raw.Close()
	}()
	if !c.startup() {
		return
	}
	c.startNotifier()
	c.loop()
}

// maxNotifyBurst bounds how many queued notifications one write carries.
const maxNotifyBurst = 256

// reportDropsLocked tells a client that fell behind how many NOTIFY
// messages it missed (LIVE SELECT changes are never dropped), before
// anything that came after them. wmu is held.
func (c *conn) reportDropsLocked() {
	if d := c.notes.NewDrops(c.sess.DroppedNotifications()); d > 0 {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: "01000",
			Message: fmt.Sprintf("%d notifications were dropped because this connection did not read them in time", d)})
	}
}

// startNotifier delivers the session's LISTEN notifications as
// NotificationResponse messages as soon as they arrive, between other
// messages (clients accept them at any message boundary). It stops when
// the connection ends.
func (c *conn) startNotifier() {
	ch := c.sess.Notifications()
	if ch == nil {
		return
	}
	c.notesSync, c.notifierDone = make(chan chan struct{}), make(chan struct{})
	c.notifyWG.Add(1)
	go func() {
		defer c.notifyWG.Done()
		defer close(c.notifierDone)
		// One message value for all: Send encodes it into the write
		// buffer at once.
		var msg pgproto3.NotificationResponse
		send := func(n session.Notification) {
			if c.notes.Hold(n) {
				return
			}
			c.reportDropsLocked()
			if n.Err != nil {
				// A LIVE SELECT that ended on an error: a notice for
				// psql and other clients that show them, then its last
				// notification (JSON with the error and last_lsn).
				nr := pgproto3.NoticeResponse(*ErrorFields(n.Err))
				nr.Severity, nr.SeverityUnlocalized = "WARNING", "WARNING"
				nr.Detail = fmt.Sprintf("LIVE SELECT %s ended; the last change it delivered has LSN %d.", n.Sub, n.LSN)
				c.be.Send(&nr)
			}
			msg = pgproto3.NotificationResponse{PID: n.PID, Channel: n.Channel, Payload: n.Payload}
			c.be.Send(&msg)
		}
		for {
			select {
			case <-c.ctx.Done():
				return
			case done := <-c.notesSync:
				// A transaction is ending: what is already here was
				// committed before it ended, so it is held for its end
				// (or, a LIVE SELECT change, written) now.
				c.wmu.Lock()
			drain:
				for {
					select {
					case n := <-ch:
						send(n)
					default:
						break drain
					}
				}
				err := c.be.Flush()
				c.wmu.Unlock()
				close(done)
				if err != nil {
					return
				}
			case n := <-ch:
				c.wmu.Lock()
				send(n)
				// Whatever else is already queued goes out in the same
				// write (a busy LIVE SELECT gets one syscall per burst,
				// not per change).
			more:
				for range maxNotifyBurst {
					select {
					case n = <-ch:
						send(n)
					default:
						break more
					}
				}
				err := c.be.Flush()
				c.wmu.Unlock()
				if err != nil {
					return // the connection goroutine sees the failure too
				}
			}
		}
	}()
}

func (c *conn) closeSession() {
	if c.sess == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while closing session", "panic", r)
		}
	}()
	c.sess.Close()
	c.sess = nil
}

// send buffers a message; flushes when enough has accumulated.
func (c *conn) send(msg pgproto3.BackendMessage, size int) {
	c.wmu.Lock()
	c.be.Send(msg)
	c.wmu.Unlock()
	c.pending += size
	if c.pending >= flushThreshold {
		c.flush()
	}
}

func (c *conn) flush() {
	c.pending = 0
	if c.dead != nil {
		return
	}
	c.wmu.Lock()
	err := c.be.Flush()
	c.wmu.Unlock()
	if err != nil {
		c.dead = err
	}
}

// writeRaw writes bytes outside the message framing (SSL/GSS answers).
func (c *conn) writeRaw(b []byte) bool {
	_, err := c.rw.Write(b)
	return err == nil
}

// isIOError reports whether err came from the transport rather than from
// bad protocol bytes.
func isIOError(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne)
}

// readFailed handles a Receive error: protocol errors get a FATAL 08P01.
func (c *conn) readFailed(err error) {
	if isIOError(err) {
		return
	}
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	msg := "invalid frontend message: " + err.Error()
	if errors.As(err, &tooBig) {
		msg = fmt.Sprintf("message of %d bytes exceeds the maximum of %d", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)
	}
	c.log.Warn("protocol violation; closing connection", "err", err)
	_ = c.raw.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.send(fatal(errs.New(errs.ProtocolViolation, msg)), 64)
	c.flush()
}

// startup runs SSL negotiation, the startup message and authentication,
// and opens the session. It reports whether the connection continues.
func (c *conn) startup() bool {
	_ = c.raw.SetDeadline(time.Now().Add(c.srv.cfg.AuthTimeout))
	tlsDone := false
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			c.readFailed(err)
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if c.srv.cfg.TLSConfig == nil || tlsDone {
				if !c.writeRaw([]byte{'N'}) {
					return false
				}
				continue
			}
			if !c.writeRaw([]byte{'S'}) {
				return false
			}
			tc := tls.Server(c.raw, c.srv.cfg.TLSConfig)
			if err := tc.HandshakeContext(c.ctx); err != nil {
				c.log.Debug("TLS handshake failed", "err", err)
				return false
			}
			tlsDone = true
			c.rw = tc
			// A fresh backend: nothing read before the handshake survives.
			c.be = c.newBackend(tc)
		case *pgproto3.GSSEncRequest:
			if !c.writeRaw([]byte{'N'}) {
				return false
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelRequest(m.ProcessID, m.SecretKey)
			return false
		case *pgproto3.StartupMessage:
			return c.startSession(m)
		default:
			return false
		}
	}
}

func (c *conn) startSession(m *pgproto3.StartupMessage) bool {
	user := m.Parameters["user"]
	if user == "" {
		c.be.Send(fatal(errs.New(errs.InvalidAuthorization, "no PostgreSQL user name specified in startup packet")))
		c.flush()
		return false
	}
	database := m.Parameters["database"]
	if database == "" {
		database = user
	}
	var unknownOpts []string
	for k := range m.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unknownOpts = append(unknownOpts, k)
		}
	}
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unknownOpts) > 0 {
		sort.Strings(unknownOpts)
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknownOpts})
	}
	if !c.authenticate(user) {
		return false
	}
	c.user = user
	c.sess = c.srv.mgr.NewSession(user, database)
	if ps, ok := c.sess.(interface {
		SetProtocolStatements(session.ProtocolStatements)
	}); ok {
		ps.SetProtocolStatements(c.protocolStatements())
	}
	pid, secret := c.sess.ID()
	c.mu.Lock()
	c.mu.pid, c.mu.secret, c.mu.hasKey = pid, secret, true
	c.mu.Unlock()

	superuser := "off"
	if c.srv.cfg.AuthMode == AuthTrust || user == SuperUser {
		superuser = "on"
	}
	params := map[string]string{
		"server_version":              "15.0 (NodeDB-Go)",
		"server_encoding":             "UTF8",
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"TimeZone":                    "UTC",
		"integer_datetimes":           "on",
		"standard_conforming_strings": "on",
		"IntervalStyle":               "postgres",
		"application_name":            m.Parameters["application_name"],
		"is_superuser":                superuser,
		"session_authorization":       user,
	}
	c.base = params
	c.sessStart = c.sess.ParamStatus()
	c.sendParamStatus(c.paramStatus())
	secretKey := binary.BigEndian.AppendUint32(nil, secret)
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: pid, SecretKey: secretKey})
	_ = c.raw.SetDeadline(time.Time{})
	c.readyForQuery()
	return c.dead == nil
}

// paramStatus merges the protocol's startup parameters with the session's:
// the session's value wins, except that an empty value the session has not
// changed since startup (application_name, which only the startup packet
// set) keeps the startup value.
func (c *conn) paramStatus() map[string]string {
	out := maps.Clone(c.base)
	for k, v := range c.sess.ParamStatus() {
		if start, ok := c.sessStart[k]; ok && v == start && v == "" && c.base[k] != "" {
			continue
		}
		out[k] = v
	}
	return out
}

// sendParamStatus sends the parameters whose value the client does not
// have yet.
func (c *conn) sendParamStatus(params map[string]string) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := params[k]
		if old, ok := c.reported[k]; ok && old == v {
			continue
		}
		c.reported[k] = v
		c.send(&pgproto3.ParameterStatus{Name: k, Value: v}, len(k)+len(v)+7)
	}
}

// authenticate runs the configured authentication exchange.
func (c *conn) authenticate(user string) bool {
	if c.srv.cfg.AuthMode != AuthPassword {
		c.be.Send(&pgproto3.AuthenticationOk{})
		return true
	}
	failed := func() bool {
		c.be.Send(fatal(errs.Errorf(errs.InvalidPassword, "password authentication failed for user %q", user)))
		c.flush()
		return false
	}
	creds := c.srv.creds
	if user != SuperUser {
		creds = mockCredentials()
	}
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return failed()
	}
	conv := server.NewConversation()

	c.be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	c.flush()
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return false
	}
	msg, err := c.be.Receive()
	if err != nil {
		c.readFailed(err)
		return false
	}
	initial, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		c.be.Send(fatal(errs.New(errs.ProtocolViolation, "expected SASL response")))
		c.flush()
		return false
	}
	if initial.AuthMechanism != "SCRAM-SHA-256" {
		c.be.Send(fatal(errs.New(errs.ProtocolViolation, "client selected an invalid SASL authentication mechanism")))
		c.flush()
		return false
	}
	serverFirst, err := conv.Step(string(initial.Data))
	if err != nil {
		return failed()
	}
	c.be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	c.flush()
	if err := c.be.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return false
	}
	msg, err = c.be.Receive()
	if err != nil {
		c.readFailed(err)
		return false
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		c.be.Send(fatal(errs.New(errs.ProtocolViolation, "expected SASL response")))
		c.flush()
		return false
	}
	serverFinal, err := conv.Step(string(resp.Data))
	if err != nil || !conv.Valid() {
		return failed()
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeOk)
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
	c.be.Send(&pgproto3.AuthenticationOk{})
	return true
}

// readyForQuery reports changed parameters, then ReadyForQuery, and
// flushes.
func (c *conn) readyForQuery() {
	// Notifications held while the client was in a transaction block
	// go out when it ends, committed or rolled back, on the channels the
	// session then listens to (a LISTEN rolled back never took effect).
	status := c.sess.TxStatus()
	c.wmu.Lock()
	ending := c.notes.InTx() && status == session.TxIdle
	c.wmu.Unlock()
	if ending && c.notesSync != nil {
		// Notifications committed before the transaction ended may still
		// be in the mailbox: the notifier takes them first (PostgreSQL
		// delivers every one committed before the end at the end).
		done := make(chan struct{})
		select {
		case c.notesSync <- done:
			<-done
		case <-c.notifierDone:
		}
	}
	c.wmu.Lock()
	if release, ended := c.notes.SetTx(status != session.TxIdle, c.sess.BlockNotifications); ended {
		c.reportDropsLocked()
		for _, n := range release {
			c.be.Send(&pgproto3.NotificationResponse{PID: n.PID, Channel: n.Channel, Payload: n.Payload})
		}
	}
	c.wmu.Unlock()
	// A NOTIFY to a channel this session listens to is reported before it
	// is ready again, as PostgreSQL does (psql -c 'LISTEN c; NOTIFY c'
	// prints it).
	for _, n := range c.sess.TakeOwnNotifications() {
		c.send(&pgproto3.NotificationResponse{PID: n.PID, Channel: n.Channel, Payload: n.Payload}, 10+len(n.Channel)+len(n.Payload))
	}
	if c.paramsDirty {
		// Only SET, RESET and DISCARD change reported parameters.
		c.paramsDirty = false
		c.sendParamStatus(c.paramStatus())
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: byte(status)}, 6)
	c.flush()
}

// loop reads and handles messages until the connection ends.
func (c *conn) loop() {
	for c.dead == nil {
		msg, err := c.be.Receive()
		if err != nil {
			c.readFailed(err)
			return
		}
		if err := c.handle(msg); err != nil {
			return
		}
	}
}

// handle dispatches one message. A non-nil error ends the connection.
func (c *conn) handle(msg pgproto3.FrontendMessage) error {
	if c.ignoreTillSync {
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Terminate:
		default:
			return nil
		}
	}
	var err error
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
		return c.dead
	case *pgproto3.Parse:
		err = c.parse(m)
	case *pgproto3.Bind:
		err = c.bind(m)
	case *pgproto3.Describe:
		err = c.describe(m)
	case *pgproto3.Execute:
		err = c.execute(m)
	case *pgproto3.Close:
		err = c.closeMsg(m)
	case *pgproto3.Sync:
		c.ignoreTillSync = false
		if c.implicit {
			c.implicit = false
			if err := c.sess.EndImplicit(); err != nil {
				c.sendError(err)
			}
		}
		if c.sess.TxStatus() == session.TxIdle {
			clear(c.portals)
		}
		c.readyForQuery()
		return c.dead
	case *pgproto3.Flush:
		c.flush()
		return c.dead
	case *pgproto3.Terminate:
		return errConnDone
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Leftovers of a COPY that already failed: dropped, as PostgreSQL does.
		return nil
	case *pgproto3.FunctionCall:
		c.sendError(errs.New(errs.FeatureNotSupported, "function call protocol is not supported"))
		c.readyForQuery()
		return c.dead
	default:
		c.send(fatal(errs.Errorf(errs.ProtocolViolation, "unexpected message %T", msg)), 64)
		c.flush()
		return errConnDone
	}
	if err != nil {
		if errors.Is(err, errConnDone) {
			return err
		}
		c.sendError(err)
		c.ignoreTillSync = true
	}
	return c.dead
}

func (c *conn) sendError(err error) {
	var ce connBroken
	if errors.As(err, &ce) {
		return
	}
	c.send(ErrorFields(err), 64)
}

// connBroken wraps a read or write failure in the middle of a statement
// (during COPY): the connection is dead and nothing more is sent.
type connBroken struct{ err error }

func (e connBroken) Error() string { return "connection broken: " + e.err.Error() }
func (e connBroken) Unwrap() error { return errConnDone }

// runStatement executes p. A CancelRequest reaches it through the
// Manager (Server.cancelRequest), which cancels the session's statement
// context; a second context here would only cost every statement.
func (c *conn) runStatement(p *session.Prepared, params []types.Value) (*session.Result, error) {
	start := time.Now()
	res, err := c.sess.Execute(c.ctx, p, params)
	if err != nil || res == nil || res.Copy == nil {
		// A COPY is counted when it finishes.
		c.srv.cfg.Metrics.ObserveQuery(metricsProtocol, time.Since(start), err)
	}
	if err == nil && res == nil {
		res = &session.Result{Tag: "OK"}
	}
	if err == nil && (res.Tag == "SET" || res.Tag == "RESET" || strings.HasPrefix(res.Tag, "DISCARD")) {
		c.paramsDirty = true
	}
	return res, err
}

// finishCopy calls sink.Finish under a cancelable context.
func (c *conn) finishCopy(sink CopySink) (*session.Result, error) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	c.mu.stmtCancel = cancel
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.mu.stmtCancel = nil
		c.mu.Unlock()
		cancel()
	}()
	start := time.Now()
	res, err := sink.Finish(ctx)
	c.srv.cfg.Metrics.ObserveQuery(metricsProtocol, time.Since(start), err)
	return res, err
}

// simpleQuery runs a Query message: every statement in order, stopping at
// the first error, then ReadyForQuery.
func (c *conn) simpleQuery(sql string) {
	// The simple protocol discards the unnamed statement and portal.
	delete(c.stmts, "")
	delete(c.portals, "")
	// Not deferred: a panic must not be followed by ReadyForQuery.
	c.runSimple(sql)
	c.readyForQuery()
}

func (c *conn) runSimple(sql string) {
	if isEmptyQuery(sql) {
		c.send(&pgproto3.EmptyQueryResponse{}, 5)
		return
	}
	preps, err := c.sess.PrepareMulti(sql)
	if err != nil {
		c.sendError(err)
		return
	}
	if len(preps) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{}, 5)
		return
	}
	if len(preps) > 1 {
		// Several statements in one Query run as one implicit transaction.
		c.sess.BeginImplicit()
		defer func() {
			if err := c.sess.EndImplicit(); err != nil {
				c.sendError(err)
			}
		}()
	}
	for _, p := range preps {
		res, err := c.runStatement(p, nil)
		if err != nil {
			c.sendError(err)
			return
		}
		c.sendNotices(res.Notices)
		if res.Copy != nil {
			if err := c.copyIn(res.Copy); err != nil {
				c.sendError(err)
				return
			}
			continue
		}
		if res.CopyOut != nil {
			if err := c.copyOut(res); err != nil {
				c.sendError(err)
				return
			}
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)}, 32)
			continue
		}
		if res.Columns != nil {
			c.sendRowDescription(res.Columns, nil)
		}
		if err := c.sendRows(res.Rows, res.Columns, nil); err != nil {
			c.sendError(err)
			return
		}
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(tagOf(res, len(res.Rows), false))}, 32)
		if c.dead != nil {
			return
		}
	}
}

func isEmptyQuery(sql string) bool {
	return strings.TrimFunc(sql, func(r rune) bool {
		return r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
	}) == ""
}

// tagOf returns the CommandComplete tag. After a suspended portal, a
// SELECT reports the rows sent by the final Execute, as PostgreSQL does.
func tagOf(res *session.Result, sent int, resumed bool) string {
	tag := res.Tag
	if tag == "" {
		if res.Columns != nil {
			return fmt.Sprintf("SELECT %d", sent)
		}
		return "OK"
	}
	if resumed && strings.HasPrefix(tag, "SELECT ") {
		return fmt.Sprintf("SELECT %d", sent)
	}
	return tag
}

func (c *conn) sendNotices(ns []session.Notice) {
	for _, n := range ns {
		sev := n.Severity
		if sev == "" {
			sev = "NOTICE"
		}
		code := n.Code
		if code == "" {
			code = "00000"
		}
		c.send(&pgproto3.NoticeResponse{Severity: sev, SeverityUnlocalized: sev, Code: code, Message: n.Message, Detail: n.Detail}, len(n.Message)+len(n.Detail)+32)
	}
}

// formatAt returns the result format of column i: formats holds none
// (all text), one (for all columns) or one per column.
func formatAt(formats []int16, i int) int16 {
	switch {
	case len(formats) == 0:
		return 0
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return 0
}

func (c *conn) sendRowDescription(cols []session.Column, formats []int16) {
	fields := make([]pgproto3.FieldDescription, len(cols))
	size := 7
	for i, col := range cols {
		typmod := col.TypeMod
		if typmod == 0 || col.Type == types.Enum {
			typmod = -1 // zero is never a valid pg typmod; treat as "none"; an enum's is its OID
		}
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.AttrNum),
			DataTypeOID:          types.ColumnOID(col.Type, col.TypeMod),
			DataTypeSize:         col.Type.Size(),
			TypeModifier:         typmod,
			Format:               formatAt(formats, i),
		}
		size += len(col.Name) + 19
	}
	c.send(&pgproto3.RowDescription{Fields: fields}, size)
}

// sendRows sends DataRows encoded per column type and format.
func (c *conn) sendRows(rows []types.Row, cols []session.Column, formats []int16) error {
	if len(rows) == 0 {
		return nil
	}
	vals := make([][]byte, len(cols))
	for _, row := range rows {
		size := 7
		for i, col := range cols {
			var v types.Value
			if i < len(row) {
				v = row[i]
			}
			if v == nil {
				vals[i] = nil
				size += 4
				continue
			}
			var b []byte
			if formatAt(formats, i) == 1 {
				var err error
				if b, err = types.EncodeBinary(v, col.Type); err != nil {
					return err
				}
			} else {
				b = c.sess.EncodeText(v, col.Type)
			}
			if b == nil {
				b = []byte{}
			}
			vals[i] = b
			size += 4 + len(b)
		}
		c.send(&pgproto3.DataRow{Values: vals}, size)
		if c.dead != nil {
			return connBroken{c.dead}
		}
	}
	return nil
}

// protocolStatements lets the session's SQL EXECUTE and DEALLOCATE reach
// the statements Parse named (one namespace, as in PostgreSQL). They run
// on the connection's goroutine, as every statement does.
func (c *conn) protocolStatements() session.ProtocolStatements {
	return session.ProtocolStatements{
		Lookup: func(name string) (*session.Prepared, bool) {
			st, ok := c.stmts[name]
			if !ok || name == "" || st.prep == nil {
				return nil, false
			}
			return st.prep, true
		},
		Drop: func(name string) bool {
			if _, ok := c.stmts[name]; !ok || name == "" {
				return false
			}
			delete(c.stmts, name)
			return true
		},
		DropAll: func() {
			for name := range c.stmts {
				if name != "" {
					delete(c.stmts, name)
				}
			}
		},
	}
}
