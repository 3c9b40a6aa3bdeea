package resp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/session"
)

// loopConns is how many connections the server's event loops hold.
func (s *Server) loopConns() int {
	s.loopMu.Lock()
	loops := s.loops
	s.loopMu.Unlock()
	n := 0
	for _, l := range loops {
		n += l.held()
	}
	return n
}

// rawExchange writes req and reads n reply lines (simple replies and bulk
// headers count as lines, a bulk's payload as one more).
func readLines(t *testing.T, br *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for range n {
		line, err := br.ReadString('\n')
		require.NoError(t, err, "after %q", out)
		out = append(out, strings.TrimSuffix(line, "\r\n"))
	}
	return out
}

func cmd(args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return string(AppendCommand(nil, b...))
}

func TestEventLoopServesKeyAndOtherCommandsInOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loop on Linux only")
	}
	e := start(t, Config{})
	nc := dial(t, e)
	br := bufio.NewReader(nc)
	// Key commands (a round) and others (one by one) in one pipeline.
	_, err := io.WriteString(nc, cmd("SET", "a", "1")+cmd("INCR", "a")+cmd("PING")+cmd("GET", "a")+cmd("ECHO", "x")+cmd("INCRBY", "a", "5"))
	require.NoError(t, err)
	require.Equal(t, []string{"+OK", ":2", "+PONG", "$1", "2", "$1", "x", ":7"}, readLines(t, br, 8))
	require.Equal(t, 1, e.srv.loopConns(), "the loop should still serve the connection")

	// A request that arrives a byte at a time is run once complete.
	req := cmd("GET", "a")
	for i := range len(req) {
		_, err := nc.Write([]byte{req[i]})
		require.NoError(t, err)
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, []string{"$1", "7"}, readLines(t, br, 2))
	require.Equal(t, 1, e.srv.loopConns())

	// SUBSCRIBE behind a SET in the same write: the connection leaves
	// the loop before anything runs, and its goroutine runs both in order.
	_, err = io.WriteString(nc, cmd("SET", "b", "2")+cmd("SUBSCRIBE", "ch"))
	require.NoError(t, err)
	require.Equal(t, []string{"+OK", "*3", "$9", "subscribe", "$2", "ch", ":1"}, readLines(t, br, 7))
	require.Equal(t, 0, e.srv.loopConns())
	pub := e.client()
	require.EqualValues(t, 1, pub.Publish(bg(), "ch", "hello").Val())
	require.Equal(t, []string{"*3", "$7", "message", "$2", "ch", "$5", "hello"}, readLines(t, br, 7))
	require.Equal(t, "2", pub.Get(bg(), "b").Val())
}

// Replies larger than the socket takes at once go out from the
// connection's goroutine, complete and in order.
func TestEventLoopHandsOverLargeReplies(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loop on Linux only")
	}
	e := start(t, Config{})
	c := e.client()
	big := strings.Repeat("v", 4<<20)
	keys := []string{"MGET"}
	for i := range 8 {
		require.NoError(t, c.Set(bg(), fmt.Sprint("k", i), big+fmt.Sprint(i), 0).Err())
		keys = append(keys, fmt.Sprint("k", i))
	}
	nc := dial(t, e)
	// Ask for 32 MiB of replies (more than loopback sockets buffer) and
	// read nothing for a while: the loop's write cannot send it all.
	_, err := io.WriteString(nc, cmd(keys...)+cmd("PING"))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	br := bufio.NewReaderSize(nc, 1<<20)
	require.Equal(t, "*8", readLines(t, br, 1)[0])
	for i := range 8 {
		require.Equal(t, fmt.Sprint("$", len(big)+1), readLines(t, br, 1)[0])
		v := readLines(t, br, 1)[0]
		require.True(t, v == big+fmt.Sprint(i), "value %d garbled (%d bytes)", i, len(v))
	}
	require.Equal(t, "+PONG", readLines(t, br, 1)[0])
	// Other clients were not held up meanwhile, and the connection
	// still works.
	_, err = io.WriteString(nc, cmd("GET", "nope"))
	require.NoError(t, err)
	require.Equal(t, "$-1", readLines(t, br, 1)[0])
}

// With EventLoops < 0 every connection has its own goroutine.
func TestNoEventLoop(t *testing.T) {
	e := start(t, Config{EventLoops: -1})
	c := e.client()
	require.NoError(t, c.Set(bg(), "a", "1", 0).Err())
	require.EqualValues(t, 2, c.Incr(bg(), "a").Val())
	require.Equal(t, 0, e.srv.loopConns())
}

// Closing the server closes the connections its loops hold, and leaves
// no goroutine behind (TestMain).
func TestEventLoopCloseEndsHeldConnections(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loop on Linux only")
	}
	e := start(t, Config{})
	var brs []*bufio.Reader
	for range 3 {
		nc := dial(t, e)
		br := bufio.NewReader(nc)
		_, err := io.WriteString(nc, cmd("CLIENT", "SETNAME", "held")+cmd("GET", "x"))
		require.NoError(t, err)
		require.Equal(t, []string{"+OK", "$-1"}, readLines(t, br, 2))
		brs = append(brs, br)
	}
	require.Equal(t, 3, e.srv.loopConns())
	require.NoError(t, e.srv.Close())
	for _, br := range brs {
		_, err := br.ReadByte()
		require.Error(t, err, "a held connection stayed open after Close")
	}
	require.Equal(t, 0, e.srv.loopConns())
}

// completeFrames finds exactly the complete requests the Reader would
// read, whatever the input.
func FuzzCompleteFrames(f *testing.F) {
	f.Add([]byte(cmd("SET", "k", "v") + cmd("GET", "k")))
	f.Add([]byte(cmd("SET", "k", "v") + "*2\r\n$3\r\nGET\r\n$1\r\n"))
	f.Add([]byte("*1\r\n$4\r\nPING\r\n*0\r\n"))
	f.Add([]byte("PING\r\n"))
	f.Add([]byte("*2\r\n$-1\r\n"))
	f.Add([]byte("*1\r\n$999999999999999999999\r\n"))
	f.Add([]byte("*1\r\n$4\r\nPINGxx"))
	lim := Limits{MaxBulk: 1 << 10, MaxArgs: 16}.withDefaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		end, count, ok := completeFrames(b, lim)
		if end < 0 || end > len(b) || (count == 0) != (end == 0) {
			t.Fatalf("completeFrames = %d, %d, %v over %d bytes", end, count, ok, len(b))
		}
		r := NewReader(bytes.NewReader(b[:end]), lim)
		for i := range count {
			args, err := r.ReadCommand()
			if err != nil || len(args) == 0 {
				t.Fatalf("request %d of %d: %q, %v", i, count, args, err)
			}
		}
		if _, err := r.ReadCommand(); err != io.EOF {
			t.Fatalf("bytes left after %d requests: %v", count, err)
		}
	})
}

type countingMetrics struct {
	mu      sync.Mutex
	ok, err int
}

func (m *countingMetrics) ObserveQuery(_ string, _ time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.err++
	} else {
		m.ok++
	}
}
func (m *countingMetrics) ConnOpened(string) {}
func (m *countingMetrics) ConnClosed(string) {}

func (m *countingMetrics) counts() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ok, m.err
}

// Every command is counted, in a round or not, with or without the loop.
func TestMetricsCountEveryCommand(t *testing.T) {
	for _, loops := range []int{0, -1} {
		t.Run(fmt.Sprint("loops=", loops), func(t *testing.T) {
			m := &countingMetrics{}
			e := start(t, Config{Metrics: m, EventLoops: loops})
			nc := dial(t, e)
			br := bufio.NewReader(nc)
			_, err := io.WriteString(nc, cmd("SET", "s", "x")+cmd("INCR", "s")+cmd("GET", "s"))
			require.NoError(t, err)
			require.Equal(t, []string{"+OK", "-ERR value is not an integer or out of range", "$1", "x"}, readLines(t, br, 4))
			_, err = io.WriteString(nc, cmd("PING"))
			require.NoError(t, err)
			require.Equal(t, []string{"+PONG"}, readLines(t, br, 1))
			ok, bad := m.counts()
			require.Equal(t, 3, ok)
			require.Equal(t, 1, bad)
		})
	}
}

// panicGet is a Store whose first KVGet panics, as a bug in a command
// would.
type panicGet struct {
	Store
	once sync.Once
}

func (p *panicGet) KVGet(ctx context.Context, coll string, keys []string) ([]session.KVEntry, error) {
	p.once.Do(func() { panic("injected") })
	return p.Store.KVGet(ctx, coll, keys)
}

// A panic in a command the loop runs closes that connection only; the
// loop goes on serving the others.
func TestEventLoopPanicClosesOnlyThatConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loop on Linux only")
	}
	e := startWrapped(t, Config{}, func(s Store) Store { return &panicGet{Store: s} })
	other := dial(t, e)
	obr := bufio.NewReader(other)
	_, err := io.WriteString(other, cmd("SET", "k", "v"))
	require.NoError(t, err)
	require.Equal(t, []string{"+OK"}, readLines(t, obr, 1))

	victim := dial(t, e)
	vbr := bufio.NewReader(victim)
	// PING makes the loop run the pipeline one by one, GET outside a round.
	_, err = io.WriteString(victim, cmd("PING")+cmd("GET", "k"))
	require.NoError(t, err)
	require.Equal(t, []string{"+PONG", "-ERR internal error; connection closed"}, readLines(t, vbr, 2))
	_, err = vbr.ReadByte()
	require.Error(t, err, "the connection should be closed")

	_, err = io.WriteString(other, cmd("PING")+cmd("GET", "k"))
	require.NoError(t, err)
	require.Equal(t, []string{"+PONG", "$1", "v"}, readLines(t, obr, 3))
}

// Close never waits forever for an event loop, however connections end
// around it: the loop used to drain its wake-up after looking at what to
// do, so a shutdown that came in between was lost and Close hung (seen
// once in a hundred runs of the package under load).
func TestCloseWhileConnectionsEnd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("event loop on Linux only")
	}
	for i := range 200 {
		db, err := session.OpenDB(session.DBConfig{Dir: t.TempDir(), Durability: "relaxed",
			Logger: slog.New(slog.DiscardHandler), ReclaimInterval: -1})
		require.NoError(t, err)
		srv := NewServer(Config{Addr: "127.0.0.1:0", EventLoops: 1}, FromManager(session.NewManager(db)))
		require.NoError(t, srv.Listen())
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(context.Background()) }()
		var conns []net.Conn
		for range 8 {
			nc, err := net.DialTimeout("tcp", srv.Addr().String(), 5*time.Second)
			require.NoError(t, err)
			require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
			_, err = io.WriteString(nc, cmd("PING"))
			require.NoError(t, err)
			readLines(t, bufio.NewReader(nc), 1)
			conns = append(conns, nc)
		}
		// Close drops the open connections (waking the loop), then stops
		// the loop (waking it again).
		closed := make(chan error, 1)
		go func() { closed <- srv.Close() }()
		select {
		case err := <-closed:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Close did not return", i)
		}
		require.NoError(t, <-errc)
		require.NoError(t, db.Close())
		for _, nc := range conns {
			_ = nc.Close()
		}
	}
}
