package resp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/redcon"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
)

// conn is one client connection: its reader, its reply writer and the
// state commands change (selected collection, name, authentication).
type conn struct {
	s      *Server
	ncMu   sync.Mutex // orders kill with the event loop's replacing nc
	nc     net.Conn
	r      *Reader
	w      *redcon.Writer
	out    *replyWriter // what w flushes to
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	id     int64
	coll   string // the selected key-value collection
	name   string // CLIENT SETNAME
	authed bool
	quit   bool

	// batch is the transaction of the pipelined commands being run
	// together, nil outside a batch.
	batch *session.KVTxn
	// next is a command read ahead while collecting a batch that did not
	// fit in it; it runs next.
	next [][]byte
	// pendingErr is a read error met while collecting a batch; it ends
	// the connection after the batch's replies.
	pendingErr error
	// key1 and write1 back update1's key and put1's write.
	key1   [1]string
	write1 [1]session.KVWrite
	// lastName (its first lastLen bytes, as the client spelled it) was
	// last looked up as lastCmd (lookup).
	lastName [maxCommandName]byte
	lastLen  int
	lastCmd  command
	// hot and the functions over it serve SET and INCR (hotOp).
	hot           hotOp
	setFn, incrFn func(cur []session.KVEntry) ([]session.KVWrite, error)

	// Pub/sub: sub is nil until the first (P)SUBSCRIBE; channels and
	// patterns are the subscriptions (subscribe mode while any). wmu
	// orders the writes of the command loop and the message pump.
	sub      *session.Subscriber
	channels map[string]bool
	patterns map[string]bool
	wmu      sync.Mutex

	// Event loop (loop_linux.go): while loop is set the loop owns the
	// socket (lfd, a duplicate; nc is closed) and inbuf holds bytes read
	// but not yet run; handoff gives the connection back to run (true:
	// serve it from here on, nc and r replaced; false: it ended).
	loop    *evloop
	lfd     int
	inbuf   []byte
	handoff chan bool
}

// maxBatch bounds how many pipelined commands share one transaction.
const maxBatch = 256

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	out := newReplyWriter(nc)
	c := &conn{s: s, nc: nc, r: NewReader(nc, s.cfg.Limits), w: redcon.NewWriter(out), out: out,
		ctx: ctx, cancel: cancel, id: s.nextID.Add(1), coll: session.KVDefaultCollection,
		authed: s.cfg.Password == "", lfd: -1}
	c.log = s.log.With("client", nc.RemoteAddr().String(), "id", c.id)
	c.hot.c = c
	c.setFn, c.incrFn = c.hot.set, c.hot.incr
	return c
}

// now is the time expiries are computed from: the clock reading of the
// batch being run (every command of a round sees the same time), else the
// clock.
func (c *conn) now() time.Time {
	if c.batch != nil {
		return c.batch.Now()
	}
	return time.Now()
}

// kill cancels the running command and closes the socket; run then ends.
func (c *conn) kill() {
	c.cancel()
	c.ncMu.Lock()
	_ = c.nc.Close()
	c.ncMu.Unlock()
}

// end releases what the connection holds once run returns.
func (c *conn) end() {
	c.kill()
	if c.sub != nil {
		c.sub.Close()
	}
}

// run serves the connection until the client quits, the connection
// fails, or a request is malformed. A panic closes this connection only.
func (c *conn) run() {
	defer c.end()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while serving connection; closing it", "panic", r, "stack", string(debug.Stack()))
			_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			c.wmu.Lock()
			c.w.WriteError("ERR internal error; connection closed")
			_ = c.w.Flush()
			c.wmu.Unlock()
		}
	}()
	if l := c.s.pickLoop(); l != nil && l.add(c) {
		select {
		case ok := <-c.handoff:
			if !ok {
				return
			}
		case <-c.ctx.Done():
			l.drop(c)
			<-c.handoff
			return
		}
		if c.ctx.Err() != nil { // killed while being handed over
			return
		}
		if err := c.w.Flush(); err != nil { // what the loop could not send
			return
		}
	}
	for !c.quit {
		args, err := c.read()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.serve(args) {
			return
		}
	}
}

// serve runs one request (and the batch it heads) and flushes the replies
// when no further request is waiting; false means the connection failed.
func (c *conn) serve(args [][]byte) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if len(args) > 0 {
		batch := c.collectBatch(args)
		if _, ok := c.batchable(args); ok {
			c.runBatch(batch)
		} else {
			c.runOne(args)
		}
	}
	// Reply to a pipeline in one write: flush once no request is waiting
	// in the read buffer.
	if (c.r.Buffered() == 0 && c.next == nil) || c.quit || c.pendingErr != nil {
		if err := c.w.Flush(); err != nil {
			return false
		}
	}
	return true
}

// read returns the command read ahead, if any, else the next request.
func (c *conn) read() ([][]byte, error) {
	if c.pendingErr != nil {
		return nil, c.pendingErr
	}
	if c.next != nil {
		args := c.next
		c.next = nil
		return args, nil
	}
	// Every command read so far has been served (none waits in c.next)
	// and commands keep none of their arguments (they copy what they
	// store), so their memory can be reused.
	c.r.Release()
	return c.r.ReadCommand()
}

func (c *conn) readFailed(err error) {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		c.log.Info("protocol error; closing connection", "err", err)
		c.wmu.Lock()
		c.w.WriteError("ERR " + pe.Error())
		_ = c.w.Flush()
		c.wmu.Unlock()
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("connection read failed", "err", err)
	}
}

func (c *conn) runOne(args [][]byte) {
	start := time.Now()
	err := c.dispatch(args)
	if err != nil {
		c.w.WriteError(replyError(err))
	}
	c.s.cfg.Metrics.ObserveQuery(metricsProtocol, time.Since(start), err)
}

// batchable reports whether a command may run in a batch transaction.
func (c *conn) batchable(args [][]byte) (command, bool) {
	if len(args) == 0 || !c.authed {
		return command{}, false
	}
	cmd, ok := c.lookup(args[0])
	if !ok || cmd.keys == 0 || (cmd.arity > 0 && len(args) != cmd.arity) || (cmd.arity < 0 && len(args) < -cmd.arity) {
		return command{}, false
	}
	return cmd, true
}

// collectBatch returns args plus the batchable commands already buffered
// behind it (a pipeline); the first command that cannot join is kept in
// c.next. A read error is kept for the next read too: the batch runs
// first.
func (c *conn) collectBatch(args [][]byte) [][][]byte {
	batch := [][][]byte{args}
	if _, ok := c.batchable(args); !ok {
		return batch
	}
	for len(batch) < maxBatch && c.r.Buffered() > 0 {
		next, err := c.r.ReadCommand()
		if err != nil {
			c.pendingErr = err
			break
		}
		if _, ok := c.batchable(next); !ok {
			c.next = next
			break
		}
		batch = append(batch, next)
	}
	return batch
}

// A round is one transaction that runs the key commands of every
// connection waiting on the same collection: the pipelined commands of one
// client (up to maxBatch) and those of every other client that arrived
// while the previous round was running. So many clients' writes share one
// durable commit (what Redis gets from one AOF fsync per event-loop pass),
// and a hot key updated by many clients is read and written in order in one
// transaction instead of queueing commit after commit. The first waiter
// runs the round (the leader); when it is done it hands the lead to the
// next waiter, so no connection serves others indefinitely.
//
// Replies are written into each connection's buffer by the leader while
// that connection's goroutine waits; if the round fails as a whole (a
// conflict with another writer, a write that fails after its checks, the
// commit), every connection's replies of the round are dropped and each
// reruns its commands one by one, each in its own transaction, with
// exactly the replies it would have had without batching.

// waiter is one connection's commands waiting for a round.
type waiter struct {
	c     *conn
	batch [][][]byte
	mark  []byte // c.w's unflushed replies before the round
	errs  []error
	wake  chan bool // true: lead the next round; false: the round ran (see err)
	err   error
}

// combiner queues the waiters of one collection.
type combiner struct {
	mu      sync.Mutex
	running bool
	queue   []*waiter
}

func (s *Server) combiner(coll string) *combiner {
	s.combMu.Lock()
	defer s.combMu.Unlock()
	if s.combiners == nil {
		s.combiners = map[string]*combiner{}
	}
	cb := s.combiners[coll]
	if cb == nil {
		cb = &combiner{}
		s.combiners[coll] = cb
	}
	return cb
}

// runBatch runs key commands (batchable, in c.coll) through the
// collection's rounds and leaves their replies in c.w.
func (c *conn) runBatch(batch [][][]byte) {
	start := time.Now()
	w := &waiter{c: c, batch: batch, mark: c.w.Buffer(), wake: make(chan bool, 1)}
	c.s.combine(c.coll, []*waiter{w})
	w.settle(time.Since(start))
}

// settle finishes a waiter whose round has run (in d): when the round
// failed as a whole its commands run again one by one, each in its own
// transaction; otherwise each command is counted in the metrics.
func (w *waiter) settle(d time.Duration) {
	if w.err != nil {
		for _, args := range w.batch {
			w.c.runOne(args)
		}
		return
	}
	d /= time.Duration(len(w.batch))
	for _, e := range w.errs {
		w.c.s.cfg.Metrics.ObserveQuery(metricsProtocol, d, e)
	}
}

// combine queues ws (waiters of one collection, from one goroutine: a
// connection's, or an event loop's) for the collection's rounds and
// returns when their round has run. The caller leads the round when no
// round is running or when the lead is handed to it; the leader hands the
// lead on, then sends the replies of the other goroutines' waiters it can
// (tryFlush) and wakes them.
func (s *Server) combine(coll string, ws []*waiter) {
	cb := s.combiner(coll)
	cb.mu.Lock()
	cb.queue = append(cb.queue, ws...)
	lead := !cb.running
	cb.running = true
	cb.mu.Unlock()
	if !lead {
		lead = <-ws[0].wake
	}
	if !lead {
		return // ws ran in the round that woke ws[0]: they were queued together
	}
	cb.mu.Lock()
	group := cb.queue
	cb.queue = nil
	cb.mu.Unlock()
	s.runRound(ws[0].c, group)
	cb.mu.Lock()
	if len(cb.queue) > 0 {
		cb.queue[0].wake <- true // hand the lead on
	} else {
		cb.running = false
		// Drop the idle queue, so collection names a client SELECTs do
		// not pile up. A connection still holding it just runs a round of
		// its own.
		s.combMu.Lock()
		if s.combiners[coll] == cb {
			delete(s.combiners, coll)
		}
		s.combMu.Unlock()
	}
	cb.mu.Unlock()
	// With the lead handed on, send the other connections' replies before
	// waking them: a woken goroutine may wait a while for a processor
	// (hundreds of microseconds when the cores are busy), and its client
	// cannot send its next pipeline until it has read these replies. An
	// event loop's waiters are its to finish.
	mine := ws[0].c.loop
	for _, o := range group {
		if mine != nil && o.c.loop == mine || mine == nil && o == ws[0] {
			continue
		}
		if o.c.loop == nil && o.err == nil && o.c.r.Buffered() == 0 && o.c.next == nil && o.c.pendingErr == nil {
			o.c.tryFlush()
		}
		o.wake <- false
	}
}

// runRoundTxn runs the group's commands in one KVBatch. A panic inside
// (a bug in a command) fails the round instead of the leader's
// connection only: the waiters must still be woken and the lead handed
// on, or every later round of the collection would hang.
func (s *Server) runRoundTxn(leader *conn, group []*waiter, keys []string, write bool) (err error) {
	defer func() {
		for _, w := range group {
			w.c.batch = nil
		}
		if r := recover(); r != nil {
			s.log.Error("panic while running a round of key commands; running them one by one", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("resp: panic in a round: %v", r)
		}
	}()
	return s.store.KVBatch(leader.ctx, leader.coll, keys, write, func(t *session.KVTxn) {
		n := 0
		for _, w := range group {
			n += len(w.batch)
		}
		t.Reserve(n)
		for _, w := range group {
			c := w.c
			c.batch = t
			w.errs = make([]error, len(w.batch))
			for i, args := range w.batch {
				if w.errs[i] = c.dispatch(args); w.errs[i] != nil {
					c.w.WriteError(replyError(w.errs[i]))
				}
			}
			c.batch = nil
		}
	})
}

// runRound runs a group of waiters in one transaction (leader's context)
// and gives every waiter the outcome; runBatch wakes them.
func (s *Server) runRound(leader *conn, group []*waiter) {
	var keys []string
	// addKey skips a key equal to the one before it: a pipeline usually
	// repeats its key (redis-benchmark's do), and the locks are taken
	// once per distinct key anyway.
	addKey := func(k []byte) {
		if len(keys) == 0 || keys[len(keys)-1] != string(k) {
			keys = append(keys, string(k))
		}
	}
	write := false
	for _, w := range group {
		for _, args := range w.batch {
			cmd, _ := w.c.batchable(args)
			write = write || cmd.write
			switch cmd.keys {
			case 1:
				addKey(args[1])
			case -1:
				for _, a := range args[1:] {
					addKey(a)
				}
			case 2:
				for i := 1; i < len(args); i += 2 {
					addKey(args[i])
				}
			}
		}
	}
	err := s.runRoundTxn(leader, group, keys, write)
	for _, w := range group {
		if err != nil {
			w.c.w.SetBuffer(w.mark)
		}
		w.err = err
	}
}

// tryFlush sends the replies in c.w that the socket takes without
// waiting; the rest go out at the connection's own next flush. The
// caller stands in for c's goroutine (which waits for it), as a round's
// leader does.
func (c *conn) tryFlush() {
	c.out.try = true
	_ = c.w.Flush()
	c.out.try = false
}

// dispatch runs one command; errors it returns become the reply.
func (c *conn) dispatch(args [][]byte) error {
	cmd, ok := c.lookup(args[0])
	if !ok {
		return unknownCommand(args)
	}
	name := cmd.name
	if (cmd.arity > 0 && len(args) != cmd.arity) || (cmd.arity < 0 && len(args) < -cmd.arity) {
		return Error("ERR wrong number of arguments for '" + name + "' command")
	}
	if !c.authed && !cmd.noAuth {
		return Error("NOAUTH Authentication required.")
	}
	if c.subscriptions() > 0 && !cmd.pubsub {
		return Error("ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
	}
	return cmd.run(c, args)
}

// lookup is lookupCommand remembering the last command found: a pipeline
// usually repeats one command, and each is looked up several times
// (batching, locking, running).
func (c *conn) lookup(name []byte) (command, bool) {
	if c.lastCmd.run != nil && string(name) == string(c.lastName[:c.lastLen]) {
		return c.lastCmd, true
	}
	cmd, ok := lookupCommand(name)
	if ok {
		c.lastLen = copy(c.lastName[:], name)
		c.lastCmd = cmd
	}
	return cmd, ok
}

// lookupCommand finds a command by its name in any letter case without
// allocating (it runs for every request).
func lookupCommand(name []byte) (command, bool) {
	var buf [maxCommandName]byte
	if len(name) > len(buf) {
		return command{}, false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	cmd, ok := commands[string(buf[:len(name)])]
	return cmd, ok
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
