package resp

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/session"
)

// command is one entry of the command table. arity follows Redis: n > 0
// means exactly n arguments (the name included), -n at least n.
type command struct {
	name   string // lower case, as registered
	arity  int
	run    func(c *conn, args [][]byte) error
	write  bool // modifies keys (COMMAND reports the write flag)
	noAuth bool // allowed before AUTH
	pubsub bool // allowed in subscribe mode
	// keys says where the command's keys are, for batching: 1 the first
	// argument, -1 every argument, 2 every other argument (MSET); 0 the
	// command is not batched (it touches no keys or the whole keyspace).
	keys int
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"ping":         {arity: -1, run: cmdPing, pubsub: true},
		"echo":         {arity: 2, run: cmdEcho},
		"quit":         {arity: -1, run: cmdQuit, noAuth: true, pubsub: true},
		"publish":      {arity: 3, run: cmdPublish},
		"subscribe":    {arity: -2, run: cmdSubscribe, pubsub: true},
		"unsubscribe":  {arity: -1, run: cmdUnsubscribe, pubsub: true},
		"psubscribe":   {arity: -2, run: cmdSubscribe, pubsub: true},
		"punsubscribe": {arity: -1, run: cmdUnsubscribe, pubsub: true},
		"select":       {arity: 2, run: cmdSelect},
		"auth":         {arity: -2, run: cmdAuth, noAuth: true},
		"hello":        {arity: -1, run: cmdHello, noAuth: true},
		"command":      {arity: -1, run: cmdCommand},
		"client":       {arity: -2, run: cmdClient},
		"info":         {arity: -1, run: cmdInfo},
		"config":       {arity: -2, run: cmdConfig},
		"dbsize":       {arity: 1, run: cmdDBSize},
		"flushdb":      {arity: -1, run: cmdFlushDB, write: true},
		"get":          {arity: 2, run: cmdGet, keys: 1},
		"set":          {arity: -3, run: cmdSet, keys: 1, write: true},
		"setex":        {arity: 4, run: cmdSetEx, keys: 1, write: true},
		"psetex":       {arity: 4, run: cmdSetEx, keys: 1, write: true},
		"setnx":        {arity: 3, run: cmdSetNX, keys: 1, write: true},
		"getdel":       {arity: 2, run: cmdGetDel, keys: 1, write: true},
		"getset":       {arity: 3, run: cmdGetSet, keys: 1, write: true},
		"del":          {arity: -2, run: cmdDel, keys: -1, write: true},
		"unlink":       {arity: -2, run: cmdDel, keys: -1, write: true},
		"exists":       {arity: -2, run: cmdExists, keys: -1},
		"mget":         {arity: -2, run: cmdMGet, keys: -1},
		"mset":         {arity: -3, run: cmdMSet, keys: 2, write: true},
		"incr":         {arity: 2, run: cmdIncr, keys: 1, write: true},
		"decr":         {arity: 2, run: cmdIncr, keys: 1, write: true},
		"incrby":       {arity: 3, run: cmdIncr, keys: 1, write: true},
		"decrby":       {arity: 3, run: cmdIncr, keys: 1, write: true},
		"incrbyfloat":  {arity: 3, run: cmdIncrByFloat, keys: 1, write: true},
		"append":       {arity: 3, run: cmdAppend, keys: 1, write: true},
		"strlen":       {arity: 2, run: cmdStrlen, keys: 1},
		"expire":       {arity: -3, run: cmdExpire, keys: 1, write: true},
		"pexpire":      {arity: -3, run: cmdExpire, keys: 1, write: true},
		"expireat":     {arity: -3, run: cmdExpire, keys: 1, write: true},
		"pexpireat":    {arity: -3, run: cmdExpire, keys: 1, write: true},
		"ttl":          {arity: 2, run: cmdTTL, keys: 1},
		"pttl":         {arity: 2, run: cmdTTL, keys: 1},
		"persist":      {arity: 2, run: cmdPersist, keys: 1, write: true},
		"type":         {arity: 2, run: cmdType, keys: 1},
		"scan":         {arity: -2, run: cmdScan},
		"keys":         {arity: 2, run: cmdKeys},
	}
	registerCollections()
	for name, cmd := range commands {
		if len(name) > maxCommandName {
			panic("resp: command name longer than lookupCommand's buffer: " + name)
		}
		cmd.name = name
		commands[name] = cmd
	}
}

// maxCommandName bounds command names (lookupCommand lowers them on the
// stack).
const maxCommandName = 24

// ---------------------------------------------------------------- connection

func cmdPing(c *conn, args [][]byte) error {
	if c.subscriptions() > 0 { // subscribe mode answers with a push-style array
		c.w.WriteArray(2)
		c.w.WriteBulkString("pong")
		if len(args) == 2 {
			c.w.WriteBulk(args[1])
		} else {
			c.w.WriteBulkString("")
		}
		return nil
	}
	switch len(args) {
	case 1:
		c.w.WriteString("PONG")
	case 2:
		c.w.WriteBulk(args[1])
	default:
		return Error("ERR wrong number of arguments for 'ping' command")
	}
	return nil
}

func cmdEcho(c *conn, args [][]byte) error {
	c.w.WriteBulk(args[1])
	return nil
}

func cmdQuit(c *conn, _ [][]byte) error {
	c.w.WriteString("OK")
	c.quit = true
	return nil
}

// cmdSelect selects a key-value collection by name; "0" (what clients
// send for the default database) selects the default collection. A
// collection that does not exist yet is created on first write.
func cmdSelect(c *conn, args [][]byte) error {
	name := string(args[1])
	if name == "0" {
		name = session.KVDefaultCollection
	}
	if err := c.s.store.KVCheck(name); err != nil {
		return err
	}
	c.coll = name
	c.w.WriteString("OK")
	return nil
}

func cmdAuth(c *conn, args [][]byte) error {
	user, pass := "default", ""
	switch len(args) {
	case 2:
		pass = string(args[1])
	case 3:
		user, pass = string(args[1]), string(args[2])
	default:
		return errSyntax
	}
	if !c.checkPassword(user, pass) {
		return errWrongPass
	}
	c.authed = true
	c.w.WriteString("OK")
	return nil
}

// cmdHello answers HELLO [2 [AUTH user pass] [SETNAME name]]; only
// protocol 2 is spoken.
func cmdHello(c *conn, args [][]byte) error {
	if len(args) >= 2 {
		v, err := parseInt(args[1])
		if err != nil {
			return Error("ERR Protocol version is not an integer or out of range")
		}
		if v != 2 {
			return Error("NOPROTO sorry, this protocol version is not supported.")
		}
	}
	name := c.name
	for i := 2; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "auth":
			if i+2 >= len(args) {
				return errSyntax
			}
			if !c.checkPassword(string(args[i+1]), string(args[i+2])) {
				return errWrongPass
			}
			c.authed = true
			i += 2
		case "setname":
			if i+1 >= len(args) {
				return errSyntax
			}
			name = string(args[i+1])
			i++
		default:
			return errSyntax
		}
	}
	if !c.authed {
		return Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	c.name = name
	c.w.WriteArray(14)
	c.w.WriteBulkString("server")
	c.w.WriteBulkString("redis")
	c.w.WriteBulkString("version")
	c.w.WriteBulkString(redisVersion)
	c.w.WriteBulkString("proto")
	c.w.WriteInt(2)
	c.w.WriteBulkString("id")
	c.w.WriteInt64(c.id)
	c.w.WriteBulkString("mode")
	c.w.WriteBulkString("standalone")
	c.w.WriteBulkString("role")
	c.w.WriteBulkString("master")
	c.w.WriteBulkString("modules")
	c.w.WriteArray(0)
	return nil
}

// redisVersion is the Redis version reported to clients (HELLO, INFO),
// for clients that gate features on it.
const redisVersion = "7.2.0"

// cmdCommand answers COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND
// DOCS (empty) from the command table.
func cmdCommand(c *conn, args [][]byte) error {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 1 {
		c.w.WriteArray(len(names))
		for _, n := range names {
			writeCommandInfo(c, n)
		}
		return nil
	}
	switch strings.ToLower(string(args[1])) {
	case "count":
		c.w.WriteInt(len(names))
	case "docs":
		c.w.WriteArray(0)
	case "info":
		c.w.WriteArray(len(args) - 2)
		for _, a := range args[2:] {
			if _, ok := commands[strings.ToLower(string(a))]; ok {
				writeCommandInfo(c, strings.ToLower(string(a)))
			} else {
				c.w.WriteNull()
			}
		}
	default:
		return Error("ERR unknown subcommand '" + printable(args[1], 64) + "'. Try COMMAND HELP.")
	}
	return nil
}

func writeCommandInfo(c *conn, name string) {
	cmd := commands[name]
	c.w.WriteArray(6)
	c.w.WriteBulkString(name)
	c.w.WriteInt(cmd.arity)
	if cmd.write {
		c.w.WriteArray(1)
		c.w.WriteString("write")
	} else {
		c.w.WriteArray(1)
		c.w.WriteString("readonly")
	}
	first, last, step := 0, 0, 0
	switch cmd.keys {
	case 1:
		first, last, step = 1, 1, 1
	case -1:
		first, last, step = 1, -1, 1
	case 2:
		first, last, step = 1, -1, 2
	}
	c.w.WriteInt(first)
	c.w.WriteInt(last)
	c.w.WriteInt(step)
}

func cmdClient(c *conn, args [][]byte) error {
	switch strings.ToLower(string(args[1])) {
	case "setname":
		if len(args) != 3 {
			return Error("ERR wrong number of arguments for 'client|setname' command")
		}
		for _, b := range args[2] {
			if b <= ' ' || b > '~' {
				return Error("ERR Client names cannot contain spaces, newlines or special characters.")
			}
		}
		c.name = string(args[2])
		c.w.WriteString("OK")
	case "getname":
		if c.name == "" {
			c.w.WriteNull()
		} else {
			c.w.WriteBulkString(c.name)
		}
	case "id":
		c.w.WriteInt64(c.id)
	case "setinfo":
		c.w.WriteString("OK")
	default:
		return Error("ERR unknown subcommand '" + printable(args[1], 64) + "'. Try CLIENT HELP.")
	}
	return nil
}

func cmdInfo(c *conn, _ [][]byte) error {
	n, err := c.s.store.KVCount(c.ctx, c.coll)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Server\r\nredis_version:%s\r\nserver_name:nodedb\r\nredis_mode:standalone\r\narch_bits:64\r\n", redisVersion)
	fmt.Fprintf(&b, "os:%s %s\r\nprocess_id:0\r\nuptime_in_seconds:%d\r\n", runtime.GOOS, runtime.GOARCH, int64(time.Since(c.s.start).Seconds()))
	fmt.Fprintf(&b, "\r\n# Clients\r\nconnected_clients:%d\r\n", c.s.Clients())
	fmt.Fprintf(&b, "\r\n# Keyspace\r\ncollection:%s,keys=%d\r\n", c.coll, n)
	c.w.WriteBulkString(b.String())
	return nil
}

// cmdConfig answers CONFIG GET with no parameters (tools such as
// redis-benchmark read a few and carry on without them) and CONFIG
// RESETSTAT/SET as unsupported.
func cmdConfig(c *conn, args [][]byte) error {
	if strings.ToLower(string(args[1])) == "get" {
		c.w.WriteArray(0)
		return nil
	}
	return Error("ERR CONFIG " + strings.ToUpper(printable(args[1], 32)) + " is not supported")
}

func cmdDBSize(c *conn, _ [][]byte) error {
	n, err := c.s.store.KVCount(c.ctx, c.coll)
	if err != nil {
		return err
	}
	c.w.WriteInt64(n)
	return nil
}

func cmdFlushDB(c *conn, args [][]byte) error {
	if len(args) > 2 {
		return errSyntax
	}
	if len(args) == 2 {
		if m := strings.ToLower(string(args[1])); m != "async" && m != "sync" {
			return errSyntax
		}
	}
	if err := c.s.store.KVFlush(c.ctx, c.coll); err != nil {
		return err
	}
	c.w.WriteString("OK")
	return nil
}

// ---------------------------------------------------------------- strings

// update runs fn over keys of the selected collection: in the pipeline's
// batch transaction when one is open, else in a transaction of its own.
func (c *conn) update(keys []string, fn func(cur []session.KVEntry) ([]session.KVWrite, error)) error {
	if c.batch != nil {
		return c.batch.Update(keys, fn)
	}
	return c.s.store.KVUpdate(c.ctx, c.coll, keys, fn)
}

// update1 is update of one key. Inside a batch the key's slice is the
// connection's own, reused (the batch only reads it during the call;
// outside one, the commit may unlock the key after the call returns).
func (c *conn) update1(key string, fn func(cur []session.KVEntry) ([]session.KVWrite, error)) error {
	if c.batch != nil {
		c.key1[0] = key
		return c.batch.Update(c.key1[:], fn)
	}
	return c.s.store.KVUpdate(c.ctx, c.coll, []string{key}, fn)
}

// put1 is the one write an update function returns, in the connection's
// reused slice (update applies it before it returns).
func (c *conn) put1(w session.KVWrite) []session.KVWrite {
	c.write1[0] = w
	return c.write1[:]
}

// get1 reads one key.
func (c *conn) get1(key string) (session.KVEntry, error) {
	if c.batch != nil {
		return c.batch.GetOne(key)
	}
	es, err := c.s.store.KVGet(c.ctx, c.coll, []string{key})
	if err != nil {
		return session.KVEntry{}, err
	}
	return es[0], nil
}

func (c *conn) get(keys ...string) ([]session.KVEntry, error) {
	if c.batch != nil {
		return c.batch.Get(keys)
	}
	return c.s.store.KVGet(c.ctx, c.coll, keys)
}

// errWrongType is Redis's reply to a command on a key holding another
// kind of value.
const errWrongType Error = "WRONGTYPE Operation against a key holding the wrong kind of value"

// isString reports whether e is absent or holds a string.
func isString(e session.KVEntry) bool { return !e.Live || e.Kind == "" }

// checkString fails with WRONGTYPE when e holds a hash or sorted set.
func checkString(e session.KVEntry) error {
	if !isString(e) {
		return errWrongType
	}
	return nil
}

// writeValue replies with a live key's value, or a null bulk.
func (c *conn) writeValue(e session.KVEntry) {
	if !e.Live || e.Null {
		c.w.WriteNull()
		return
	}
	c.w.WriteBulk(e.Value)
}

func cmdGet(c *conn, args [][]byte) error {
	e, err := c.get1(string(args[1]))
	if err != nil {
		return err
	}
	if err := checkString(e); err != nil {
		return err
	}
	c.writeValue(e)
	return nil
}

// setOpts are SET's options.
type setOpts struct {
	nx, xx, get, keepTTL bool
	expires              time.Time // zero: none
}

func parseSetOpts(cmd string, args [][]byte, now time.Time) (setOpts, error) {
	var o setOpts
	expiry := false
	for i := 0; i < len(args); i++ {
		switch a := strings.ToLower(string(args[i])); a {
		case "nx":
			o.nx = true
		case "xx":
			o.xx = true
		case "get":
			o.get = true
		case "keepttl":
			if expiry {
				return o, errSyntax
			}
			o.keepTTL, expiry = true, true
		case "ex", "px", "exat", "pxat":
			if expiry || i+1 >= len(args) {
				return o, errSyntax
			}
			n, err := parseInt(args[i+1])
			if err != nil {
				return o, errNotInteger
			}
			i++
			if o.expires, err = deadline(cmd, a, n, now); err != nil {
				return o, err
			}
			expiry = true
		default:
			return o, errSyntax
		}
	}
	if o.nx && o.xx {
		return o, errSyntax
	}
	return o, nil
}

// deadline converts an expiry argument (unit ex, px, exat or pxat) into a
// deadline; it must be positive and representable.
func deadline(cmd, unit string, n int64, now time.Time) (time.Time, error) {
	bad := Error("ERR invalid expire time in '" + cmd + "' command")
	if n <= 0 {
		return time.Time{}, bad
	}
	const maxMs = math.MaxInt64 / int64(time.Millisecond)
	var ms int64
	switch unit {
	case "ex", "exat":
		if n > maxMs/1000 {
			return time.Time{}, bad
		}
		ms = n * 1000
	default:
		if n > maxMs {
			return time.Time{}, bad
		}
		ms = n
	}
	if unit == "ex" || unit == "px" {
		if ms > maxMs-now.UnixMilli() {
			return time.Time{}, bad
		}
		return now.Add(time.Duration(ms) * time.Millisecond).Truncate(time.Microsecond).UTC(), nil
	}
	return time.UnixMilli(ms).UTC(), nil
}

func cmdSet(c *conn, args [][]byte) error {
	o, err := parseSetOpts("set", args[3:], c.now())
	if err != nil {
		return err
	}
	return c.set(string(args[1]), args[2], o)
}

func (c *conn) set(key string, val []byte, o setOpts) error {
	h := &c.hot
	h.val, h.o = val, o
	err := c.update1(key, c.setFn)
	old, done := h.old, h.done
	*h = hotOp{c: c}
	if err != nil {
		return err
	}
	switch {
	case o.get:
		c.writeValue(old)
	case done:
		c.w.WriteString("OK")
	default:
		c.w.WriteNull()
	}
	return nil
}

// hotOp carries the arguments and results of the update functions of the
// commands a pipeline repeats most (SET, INCR): the connection makes each
// function once (conn.setFn, conn.incrFn) instead of a closure per command.
type hotOp struct {
	c *conn
	// arguments
	val   []byte
	o     setOpts
	delta int64
	// results
	old  session.KVEntry
	done bool
	out  int64
	num  [20]byte // INCR's new value as text (KVPut copies it)
}

func (h *hotOp) set(cur []session.KVEntry) ([]session.KVWrite, error) {
	h.old = cur[0]
	o := &h.o
	if o.get && !isString(cur[0]) {
		return nil, errWrongType
	}
	if (o.nx && cur[0].Live) || (o.xx && !cur[0].Live) {
		h.done = false
		return nil, nil
	}
	h.done = true
	exp := o.expires
	if o.keepTTL && cur[0].Live {
		exp = cur[0].Expires
	}
	return h.c.put1(session.KVWrite{Op: session.KVPut, Value: h.val, Expires: exp}), nil
}

func (h *hotOp) incr(cur []session.KVEntry) ([]session.KVWrite, error) {
	var n int64
	if err := checkString(cur[0]); err != nil {
		return nil, err
	}
	if cur[0].Live {
		if cur[0].Null {
			return nil, errNotInteger
		}
		v, err := parseInt(cur[0].Value)
		if err != nil {
			return nil, errNotInteger
		}
		n = v
	}
	sum, ok := addInt(n, h.delta)
	if !ok {
		return nil, errOverflow
	}
	h.out = sum
	return h.c.put1(session.KVWrite{Op: session.KVPut, Value: strconv.AppendInt(h.num[:0], sum, 10), Expires: cur[0].Expires}), nil
}

func cmdSetEx(c *conn, args [][]byte) error {
	cmd := strings.ToLower(string(args[0]))
	n, err := parseInt(args[2])
	if err != nil {
		return errNotInteger
	}
	unit := "ex"
	if cmd == "psetex" {
		unit = "px"
	}
	exp, err := deadline(cmd, unit, n, c.now())
	if err != nil {
		return err
	}
	return c.set(string(args[1]), args[3], setOpts{expires: exp})
}

func cmdSetNX(c *conn, args [][]byte) error {
	set := false
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		set = !cur[0].Live
		if !set {
			return nil, nil
		}
		return c.put1(session.KVWrite{Op: session.KVPut, Value: args[2]}), nil
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(b2i(set))
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmdGetDel(c *conn, args [][]byte) error {
	var old session.KVEntry
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		old = cur[0]
		if !cur[0].Live {
			return nil, nil
		}
		if err := checkString(cur[0]); err != nil {
			return nil, err
		}
		return c.put1(session.KVWrite{Op: session.KVDelete}), nil
	})
	if err != nil {
		return err
	}
	c.writeValue(old)
	return nil
}

func cmdGetSet(c *conn, args [][]byte) error {
	var old session.KVEntry
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		old = cur[0]
		if err := checkString(cur[0]); err != nil {
			return nil, err
		}
		return c.put1(session.KVWrite{Op: session.KVPut, Value: args[2]}), nil
	})
	if err != nil {
		return err
	}
	c.writeValue(old)
	return nil
}

// distinct returns keys without repeats, in first-seen order.
func distinct(args [][]byte) []string {
	seen := make(map[string]bool, len(args))
	out := make([]string, 0, len(args))
	for _, a := range args {
		if k := string(a); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func cmdDel(c *conn, args [][]byte) error {
	keys := distinct(args[1:])
	n := 0
	err := c.update(keys, func(cur []session.KVEntry) ([]session.KVWrite, error) {
		n = 0
		ws := make([]session.KVWrite, len(cur))
		for i, e := range cur {
			if e.Live {
				n++
			}
			ws[i] = session.KVWrite{Op: session.KVDelete}
		}
		return ws, nil
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(n)
	return nil
}

func keysOf(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func cmdExists(c *conn, args [][]byte) error {
	es, err := c.get(keysOf(args[1:])...)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range es {
		if e.Live {
			n++
		}
	}
	c.w.WriteInt(n)
	return nil
}

func cmdMGet(c *conn, args [][]byte) error {
	es, err := c.get(keysOf(args[1:])...)
	if err != nil {
		return err
	}
	c.w.WriteArray(len(es))
	for _, e := range es {
		if isString(e) {
			c.writeValue(e)
		} else {
			c.w.WriteNull()
		}
	}
	return nil
}

func cmdMSet(c *conn, args [][]byte) error {
	if len(args)%2 != 1 {
		return Error("ERR wrong number of arguments for 'mset' command")
	}
	vals := map[string][]byte{}
	var keys []string
	for i := 1; i < len(args); i += 2 {
		k := string(args[i])
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = args[i+1] // the last value of a repeated key wins
	}
	err := c.update(keys, func(cur []session.KVEntry) ([]session.KVWrite, error) {
		ws := make([]session.KVWrite, len(cur))
		for i, e := range cur {
			ws[i] = session.KVWrite{Op: session.KVPut, Value: vals[e.Key]}
		}
		return ws, nil
	})
	if err != nil {
		return err
	}
	c.w.WriteString("OK")
	return nil
}

// cmdIncr serves INCR, DECR, INCRBY and DECRBY: one read-modify-write
// transaction, so concurrent increments are never lost. The key's expiry
// is kept.
func cmdIncr(c *conn, args [][]byte) error {
	var delta int64
	name := args[0]
	switch {
	case bytes.EqualFold(name, []byte("incr")):
		delta = 1
	case bytes.EqualFold(name, []byte("decr")):
		delta = -1
	default: // INCRBY, DECRBY
		d, err := parseInt(args[2])
		if err != nil {
			return errNotInteger
		}
		if bytes.EqualFold(name, []byte("decrby")) {
			if d == math.MinInt64 {
				return Error("ERR decrement would overflow")
			}
			d = -d
		}
		delta = d
	}
	c.hot.delta = delta
	err := c.update1(string(args[1]), c.incrFn)
	out := c.hot.out
	c.hot = hotOp{c: c}
	if err != nil {
		return err
	}
	c.w.WriteInt64(out)
	return nil
}

func cmdIncrByFloat(c *conn, args [][]byte) error {
	delta, err := parseFloat(args[2])
	if err != nil {
		return errNotFloat
	}
	var out string
	err = c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		var f float64
		if err := checkString(cur[0]); err != nil {
			return nil, err
		}
		if cur[0].Live {
			v, err := parseFloat(cur[0].Value)
			if err != nil || cur[0].Null {
				return nil, errNotFloat
			}
			f = v
		}
		sum := f + delta
		if math.IsNaN(sum) || math.IsInf(sum, 0) {
			return nil, errNaN
		}
		out = formatFloat(sum)
		return c.put1(session.KVWrite{Op: session.KVPut, Value: []byte(out), Expires: cur[0].Expires}), nil
	})
	if err != nil {
		return err
	}
	c.w.WriteBulkString(out)
	return nil
}

func cmdAppend(c *conn, args [][]byte) error {
	n := 0
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		var v []byte
		if err := checkString(cur[0]); err != nil {
			return nil, err
		}
		if cur[0].Live {
			v = append(v, cur[0].Value...)
		}
		v = append(v, args[2]...)
		n = len(v)
		return c.put1(session.KVWrite{Op: session.KVPut, Value: v, Expires: cur[0].Expires}), nil
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(n)
	return nil
}

func cmdStrlen(c *conn, args [][]byte) error {
	e, err := c.get1(string(args[1]))
	if err != nil {
		return err
	}
	if err := checkString(e); err != nil {
		return err
	}
	c.w.WriteInt(len(e.Value))
	return nil
}

// ---------------------------------------------------------------- expiry

// cmdExpire serves EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT with the NX,
// XX, GT and LT conditions. A deadline not in the future deletes the key.
func cmdExpire(c *conn, args [][]byte) error {
	cmd := strings.ToLower(string(args[0]))
	n, err := parseInt(args[2])
	if err != nil {
		return errNotInteger
	}
	var nx, xx, gt, lt bool
	for _, a := range args[3:] {
		switch strings.ToLower(string(a)) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		default:
			return Error("ERR Unsupported option " + printable(a, 64))
		}
	}
	if nx && (xx || gt || lt) {
		return Error("ERR NX and XX, GT or LT options at the same time are not compatible")
	}
	if gt && lt {
		return Error("ERR GT and LT options at the same time are not compatible")
	}
	now := c.now()
	var dl time.Time
	remove := false
	unit := map[string]string{"expire": "ex", "pexpire": "px", "expireat": "exat", "pexpireat": "pxat"}[cmd]
	if n <= 0 {
		remove = true
	} else if dl, err = deadline(cmd, unit, n, now); err != nil {
		return err
	}
	if !remove && !dl.After(now) {
		remove = true
	}
	set := false
	err = c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		e := cur[0]
		set = false
		if !e.Live {
			return nil, nil
		}
		has := !e.Expires.IsZero()
		switch {
		case nx && has, xx && !has:
			return nil, nil
		case gt && (!has || !dl.After(e.Expires) || remove):
			return nil, nil
		case lt && has && !remove && !dl.Before(e.Expires):
			return nil, nil
		}
		set = true
		if remove {
			return c.put1(session.KVWrite{Op: session.KVDelete}), nil
		}
		return c.put1(session.KVWrite{Op: session.KVExpire, Expires: dl}), nil
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(b2i(set))
	return nil
}

func cmdTTL(c *conn, args [][]byte) error {
	e, err := c.get1(string(args[1]))
	if err != nil {
		return err
	}
	switch {
	case !e.Live:
		c.w.WriteInt(-2)
	case e.Expires.IsZero():
		c.w.WriteInt(-1)
	default:
		ms := max(time.Until(e.Expires).Milliseconds(), 0)
		if strings.ToLower(string(args[0])) == "ttl" {
			c.w.WriteInt64((ms + 500) / 1000)
		} else {
			c.w.WriteInt64(ms)
		}
	}
	return nil
}

func cmdPersist(c *conn, args [][]byte) error {
	set := false
	err := c.update1(string(args[1]), func(cur []session.KVEntry) ([]session.KVWrite, error) {
		set = cur[0].Live && !cur[0].Expires.IsZero()
		if !set {
			return nil, nil
		}
		return c.put1(session.KVWrite{Op: session.KVExpire}), nil
	})
	if err != nil {
		return err
	}
	c.w.WriteInt(b2i(set))
	return nil
}

func cmdType(c *conn, args [][]byte) error {
	e, err := c.get1(string(args[1]))
	if err != nil {
		return err
	}
	switch {
	case !e.Live:
		c.w.WriteString("none")
	case e.Kind == "":
		c.w.WriteString("string")
	default:
		c.w.WriteString(e.Kind)
	}
	return nil
}

// ---------------------------------------------------------------- keyspace

func cmdScan(c *conn, args [][]byte) error {
	cursor, err := strconv.ParseUint(string(args[1]), 10, 64)
	if err != nil {
		return errInvalidCurs
	}
	var pattern []byte
	count := 10
	typeFilter := ""
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return errSyntax
		}
		switch strings.ToLower(string(args[i])) {
		case "match":
			pattern = args[i+1]
			if bytes.Equal(pattern, []byte("*")) {
				pattern = nil
			}
		case "count":
			n, err := parseInt(args[i+1])
			if err != nil {
				return errNotInteger
			}
			if n < 1 {
				return errSyntax
			}
			count = int(min(n, 1<<20))
		case "type":
			typeFilter = strings.ToLower(string(args[i+1]))
		default:
			return errSyntax
		}
	}
	next, keys, err := c.s.store.KVScan(c.ctx, c.coll, cursor, pattern, count)
	if err != nil {
		return err
	}
	if typeFilter != "" && len(keys) > 0 {
		es, err := c.get(keys...)
		if err != nil {
			return err
		}
		keys = keys[:0]
		for _, e := range es {
			kind := e.Kind
			if kind == "" {
				kind = "string"
			}
			if e.Live && kind == typeFilter {
				keys = append(keys, e.Key)
			}
		}
	}
	c.w.WriteArray(2)
	c.w.WriteBulkString(strconv.FormatUint(next, 10))
	c.w.WriteArray(len(keys))
	for _, k := range keys {
		c.w.WriteBulkString(k)
	}
	return nil
}

func cmdKeys(c *conn, args [][]byte) error {
	pattern := args[1]
	if bytes.Equal(pattern, []byte("*")) {
		pattern = nil
	}
	var all []string
	cursor := uint64(0)
	for {
		next, keys, err := c.s.store.KVScan(c.ctx, c.coll, cursor, pattern, 1<<16)
		if err != nil {
			return err
		}
		all = append(all, keys...)
		if next == 0 {
			break
		}
		cursor = next
	}
	c.w.WriteArray(len(all))
	for _, k := range all {
		c.w.WriteBulkString(k)
	}
	return nil
}
