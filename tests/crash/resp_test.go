//go:build unix

package crash

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCrashRESP SIGKILLs a server under concurrent Redis-protocol load
// (SET of fresh keys and INCR of per-client and shared counters), restarts
// it and checks after every restart that each acknowledged SET is present
// with its value, that no key appears that was never attempted, and that
// every counter lies between its acknowledged and attempted increments
// (exact when nothing was in flight).
func TestCrashRESP(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds and SIGKILLs a server subprocess; skipped with -short")
	}
	kills := envInt(t, "CRASH_RESP_KILLS", 5)
	seed := testSeed(t)
	rng := rand.New(rand.NewSource(seed))
	s := newServer(t)
	port := freePort(t)
	s.extraArgs = []string{"--resp-port", strconv.Itoa(port)}
	respAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	w := newRESPWorkload(8)
	for cycle := 1; cycle <= kills; cycle++ {
		s.start()
		waitRESP(t, respAddr)
		if cycle > 1 {
			w.verify(t, respAddr, fmt.Sprintf("restart %d", cycle-1))
		}
		stop := w.start(respAddr)
		time.Sleep(time.Duration(100+rng.Intn(400)) * time.Millisecond)
		s.kill9()
		stop()
		s.checkLog(fmt.Sprintf("cycle %d", cycle))
		if t.Failed() {
			return
		}
	}
	s.start()
	waitRESP(t, respAddr)
	w.verify(t, respAddr, "final restart")
	s.checkLog("final")
	t.Logf("final: %s", w.summary())
}

// freePort reserves a port number for the RESP listener (whose port must
// be given on the command line; 0 turns RESP off).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitRESP(t *testing.T, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("RESP at %s not ready: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type respClient struct {
	num int
	// keys: per seq, 0 attempted (outcome unknown), 1 acknowledged or
	// seen after a recovery (must be present), 2 unacknowledged and absent
	// after a recovery (must stay absent)
	keys []uint8
	// counter: increments attempted and acknowledged (own counter); the
	// shared counter's are summed over clients.
	incAttempted, incAcked int64
	// sharedAcked counts this client's acknowledged increments of the
	// shared counter since the last check; sharedPending is set while one
	// is in flight.
	sharedAcked   int64
	sharedPending bool
}

type respWorkload struct {
	cl         []*respClient
	sharedBase int64 // the shared counter at the last check
	lastKeys   int
}

func newRESPWorkload(n int) *respWorkload {
	w := &respWorkload{}
	for i := range n {
		w.cl = append(w.cl, &respClient{num: i + 1})
	}
	return w
}

func respKey(client, seq int) string   { return fmt.Sprintf("k:%d:%d", client, seq) }
func respValue(client, seq int) string { return fmt.Sprintf("v%d/%d", client, seq) }

// start runs the clients until the returned function is called (after the
// server was killed, so their last operations fail).
func (w *respWorkload) start(addr string) func() {
	var stopping atomic.Bool
	var wg sync.WaitGroup
	for _, cl := range w.cl {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1, MaxRetries: -1})
			defer c.Close()
			ctx := context.Background()
			for !stopping.Load() {
				cl.keys = append(cl.keys, 0)
				seq := len(cl.keys)
				if err := c.Set(ctx, respKey(cl.num, seq), respValue(cl.num, seq), 0).Err(); err != nil {
					return
				}
				cl.keys[seq-1] = 1
				cl.incAttempted++
				if err := c.Incr(ctx, "ctr:"+strconv.Itoa(cl.num)).Err(); err != nil {
					return
				}
				cl.incAcked++
				cl.sharedPending = true
				if err := c.Incr(ctx, "ctr:shared").Err(); err != nil {
					return
				}
				cl.sharedPending = false
				cl.sharedAcked++
			}
		}()
	}
	return func() {
		stopping.Store(true)
		wg.Wait()
	}
}

func (w *respWorkload) verify(t *testing.T, addr, what string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	present := map[string]string{}
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "k:*", 1000).Result()
		if err != nil {
			t.Fatalf("%s: SCAN: %v", what, err)
		}
		if len(keys) > 0 {
			vals, err := c.MGet(ctx, keys...).Result()
			if err != nil {
				t.Fatalf("%s: MGET: %v", what, err)
			}
			for i, k := range keys {
				if s, ok := vals[i].(string); ok {
					present[k] = s
				}
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	attempted := map[string]bool{}
	var sharedLo, sharedHi int64
	for _, cl := range w.cl {
		for i, st := range cl.keys {
			k := respKey(cl.num, i+1)
			attempted[k] = true
			v, ok := present[k]
			switch {
			case st == 1 && !ok:
				t.Errorf("%s: acknowledged SET %s lost", what, k)
			case st == 2 && ok:
				t.Errorf("%s: %s, absent after an earlier recovery, reappeared", what, k)
			case ok && v != respValue(cl.num, i+1):
				t.Errorf("%s: %s = %q, want %q", what, k, v, respValue(cl.num, i+1))
			}
			if ok {
				cl.keys[i] = 1 // durable now: must stay
			} else if st != 1 {
				cl.keys[i] = 2 // gone: must stay gone (never retried)
			}
		}
		n, err := c.Get(ctx, "ctr:"+strconv.Itoa(cl.num)).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("%s: GET counter: %v", what, err)
		}
		if n < cl.incAcked || n > cl.incAttempted {
			t.Errorf("%s: counter of client %d = %d, want between %d acknowledged and %d attempted", what, cl.num, n, cl.incAcked, cl.incAttempted)
		}
		// The recovered value is now the truth for both bounds.
		cl.incAcked, cl.incAttempted = n, n
		sharedLo += cl.sharedAcked
		sharedHi += cl.sharedAcked
		if cl.sharedPending {
			sharedHi++
		}
	}
	for k := range present {
		if !attempted[k] {
			t.Errorf("%s: key %s was never written", what, k)
		}
	}
	shared, err := c.Get(ctx, "ctr:shared").Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatalf("%s: GET shared counter: %v", what, err)
	}
	if shared < sharedLo+w.sharedBase || shared > sharedHi+w.sharedBase {
		t.Errorf("%s: shared counter = %d, want between %d and %d", what, shared, sharedLo+w.sharedBase, sharedHi+w.sharedBase)
	}
	w.sharedBase = shared
	for _, cl := range w.cl {
		cl.sharedAcked, cl.sharedPending = 0, false
	}
	w.lastKeys = len(present)
	t.Logf("%s: %d keys present, shared counter %d", what, len(present), shared)
}

func (w *respWorkload) summary() string {
	return fmt.Sprintf("%d keys present at the last check, shared counter %d", w.lastKeys, w.sharedBase)
}
