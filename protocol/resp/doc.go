// Package resp serves the Redis protocol (RESP2) over the key-value
// engine, so Redis clients use NodeDB as a cache and counter store whose
// data SQL can read and write too.
//
// It owns the bytes on a client connection and nothing else: requests are
// read by Reader (arrays of bulk strings and inline commands, with limits
// on argument count and size: nothing is allocated from a declared length
// before the bytes arrive), replies are written with redcon's Writer
// (github.com/tidwall/redcon), and each command maps onto the key-value
// API of session.DB (KVGet, KVUpdate, KVScan, KVCount, KVFlush) declared
// here as the Store interface. A command that writes is one transaction
// through the commit pipeline: its reply is sent once the commit is
// durable, and its row changes reach change streams like SQL writes.
//
// Keys live in a key-value collection: `default` until the client SELECTs
// another by name (SELECT 0 means `default`); a collection that does not
// exist is created as (key TEXT PRIMARY KEY, value TEXT) on first write.
// The commands, their options and the error replies follow Redis 7's
// wording (docs/kv.md lists them); unknown commands get "ERR unknown
// command". Pipelined requests are answered in one write: replies are
// flushed when no further request is buffered. Key commands run in rounds
// (conn.go): one transaction and one commit (session.KVBatch) for the
// buffered key commands of every connection waiting on the collection,
// run by one of those connections' goroutines (the leader) while the
// others wait; a round that fails as a whole is rerun command by command.
//
// On Linux connections start in an event loop (loop_linux.go,
// Config.EventLoops; one by default), as Redis serves them: one goroutine
// waits on epoll for all its sockets, reads every readable one, runs the
// key commands they sent in one round (other commands one by one, in
// order) and writes the replies without blocking. A connection that
// subscribes, quits, sends an inline or malformed request, or has more
// replies than its socket takes is handed to a goroutine of its own
// (with the bytes the loop had read) and served as above from then on.
// The loop saves the two goroutine wake-ups and the empty read each
// pipeline costs a connection goroutine; redis-benchmark's SET, GET and
// INCR ran 15-45% faster. A slow command (KEYS or FLUSHDB over a large
// collection) holds up the loop's other clients meanwhile, as in Redis.
//
// PUBLISH and (P)SUBSCRIBE/(P)UNSUBSCRIBE use the database's
// LISTEN/NOTIFY hub (session.Subscriber); a subscribed connection has a
// second goroutine, the message pump, which shares the reply writer with
// the command loop under conn.wmu.
//
// Behaviour worth knowing: only RESP2 is spoken (HELLO 3 gets NOPROTO, so
// clients fall back to RESP2); keys are text; values are stored in the
// collection's value column (TEXT by default; a typed column rejects
// values that do not convert with WRONGTYPE); hashes and sorted sets are
// JSON objects in the value column, marked by the hidden _kind column
// (collections.go); there are no lists or sets yet. A malformed or
// oversized request gets "-ERR Protocol error: ..." and closes that
// connection only.
//
// Who calls it: the server package builds one Server with NewServer(cfg,
// FromManager(mgr)), then Listen, Serve and, at shutdown, Close. Close
// stops accepting, cancels running commands, closes every connection and
// waits for each goroutine the Server started (one per connection, which
// waits while an event loop serves it; the event loops; one message pump
// per subscribed connection; and a watcher for the Serve context). A panic while serving a connection is
// recovered, logged and closes that connection only.
//
// What it may call: session (through Store) and errs. Like every protocol
// it never imports sql/plan, sql/exec or engines; Redis's value rules
// (integers for INCR, floats for INCRBYFLOAT) live in values.go.
package resp
