package resp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// env is a RESP server over a real database, in-process.
type env struct {
	t   testing.TB
	db  *session.DB
	mgr *session.Manager
	srv *Server
}

func start(t testing.TB, cfg Config) *env { return startWrapped(t, cfg, nil) }

// startWrapped is start with the server's Store wrapped (nil: as is), as
// tests that inject faults do.
func startWrapped(t testing.TB, cfg Config, wrap func(Store) Store) *env {
	t.Helper()
	db, err := session.OpenDB(session.DBConfig{Dir: t.TempDir(), Durability: "relaxed",
		Logger: slog.New(slog.DiscardHandler), ReclaimInterval: -1})
	require.NoError(t, err)
	mgr := session.NewManager(db)
	cfg.Addr = "127.0.0.1:0"
	store := FromManager(mgr)
	if wrap != nil {
		store = wrap(store)
	}
	srv := NewServer(cfg, store)
	require.NoError(t, srv.Listen())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.NoError(t, <-errc)
		require.NoError(t, db.Close())
	})
	return &env{t: t, db: db, mgr: mgr, srv: srv}
}

func (e *env) client(opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{Addr: e.srv.Addr().String(), MaxRetries: -1}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// sql runs statements through a session and renders the last result.
func (e *env) sql(q string) string {
	e.t.Helper()
	s := e.mgr.NewSession("admin", "db")
	defer s.Close()
	ps, err := s.PrepareMulti(q)
	require.NoError(e.t, err, q)
	var last *session.Result
	for _, p := range ps {
		last, err = s.Execute(context.Background(), p, nil)
		require.NoError(e.t, err, q)
	}
	var lines []string
	for _, row := range last.Rows {
		var cells []string
		for i, v := range row {
			if v == nil {
				cells = append(cells, "NULL")
			} else {
				cells = append(cells, types.FormatTyped(v, last.Columns[i].Type))
			}
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func bg() context.Context { return context.Background() }

// redisErr asserts err is a Redis error reply with the given text.
func redisErr(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, err.Error())
}

func TestStrings(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()

	require.Equal(t, "OK", c.Set(ctx, "k", "v", 0).Val())
	require.Equal(t, "v", c.Get(ctx, "k").Val())
	require.ErrorIs(t, c.Get(ctx, "missing").Err(), redis.Nil)

	// NX, XX, GET.
	require.ErrorIs(t, c.SetNX(ctx, "k", "x", 0).Err(), nil)
	require.False(t, c.SetNX(ctx, "k", "x", 0).Val())
	require.True(t, c.SetNX(ctx, "k2", "x", 0).Val())
	require.True(t, c.SetXX(ctx, "k2", "y", 0).Val())
	require.False(t, c.SetXX(ctx, "nope", "y", 0).Val())
	old, err := c.SetArgs(ctx, "k2", "z", redis.SetArgs{Get: true}).Result()
	require.NoError(t, err)
	require.Equal(t, "y", old)
	_, err = c.SetArgs(ctx, "fresh", "z", redis.SetArgs{Get: true}).Result()
	require.ErrorIs(t, err, redis.Nil)
	require.Equal(t, "z", c.Get(ctx, "fresh").Val())
	redisErr(t, c.Do(ctx, "SET", "k", "v", "NX", "XX").Err(), "ERR syntax error")
	redisErr(t, c.Do(ctx, "SET", "k", "v", "BOGUS").Err(), "ERR syntax error")
	redisErr(t, c.Do(ctx, "SET", "k", "v", "EX", "abc").Err(), "ERR value is not an integer or out of range")
	redisErr(t, c.Do(ctx, "SET", "k", "v", "EX", "0").Err(), "ERR invalid expire time in 'set' command")
	redisErr(t, c.Do(ctx, "SET", "k", "v", "EX", "10", "PX", "10").Err(), "ERR syntax error")

	// SETEX, PSETEX, KEEPTTL.
	require.Equal(t, "OK", c.SetEx(ctx, "ex", "1", 100*time.Second).Val())
	require.InDelta(t, 100, c.TTL(ctx, "ex").Val().Seconds(), 1)
	require.Equal(t, "OK", c.Do(ctx, "PSETEX", "pex", "50000", "v").Val())
	require.InDelta(t, 50000, c.PTTL(ctx, "pex").Val().Milliseconds(), 1000)
	require.Equal(t, "OK", c.SetArgs(ctx, "ex", "2", redis.SetArgs{KeepTTL: true}).Val())
	require.InDelta(t, 100, c.TTL(ctx, "ex").Val().Seconds(), 1)
	require.Equal(t, "OK", c.Set(ctx, "ex", "3", 0).Val()) // a plain SET drops the TTL
	require.Equal(t, time.Duration(-1), c.TTL(ctx, "ex").Val())
	require.Equal(t, "OK", c.SetArgs(ctx, "at", "v", redis.SetArgs{ExpireAt: time.Now().Add(time.Hour)}).Val())
	require.InDelta(t, 3600, c.TTL(ctx, "at").Val().Seconds(), 2)
	redisErr(t, c.Do(ctx, "SETEX", "k", "-1", "v").Err(), "ERR invalid expire time in 'setex' command")

	// GETSET, GETDEL, APPEND, STRLEN.
	require.Equal(t, "v", c.GetSet(ctx, "k", "w").Val())
	require.ErrorIs(t, c.GetSet(ctx, "gs-new", "w").Err(), redis.Nil)
	require.Equal(t, "w", c.GetDel(ctx, "k").Val())
	require.ErrorIs(t, c.Get(ctx, "k").Err(), redis.Nil)
	require.ErrorIs(t, c.GetDel(ctx, "k").Err(), redis.Nil)
	require.EqualValues(t, 5, c.Append(ctx, "ap", "hello").Val())
	require.EqualValues(t, 11, c.Append(ctx, "ap", " world").Val())
	require.Equal(t, "hello world", c.Get(ctx, "ap").Val())
	require.EqualValues(t, 11, c.StrLen(ctx, "ap").Val())
	require.EqualValues(t, 0, c.StrLen(ctx, "missing").Val())

	// MSET, MGET, EXISTS, DEL, UNLINK, TYPE.
	require.Equal(t, "OK", c.MSet(ctx, "a", "1", "b", "2", "a", "3").Val())
	require.Equal(t, []any{"3", "2", nil}, c.MGet(ctx, "a", "b", "c").Val())
	require.EqualValues(t, 3, c.Exists(ctx, "a", "b", "a", "c").Val())
	require.Equal(t, "string", c.Type(ctx, "a").Val())
	require.Equal(t, "none", c.Type(ctx, "c").Val())
	require.EqualValues(t, 1, c.Del(ctx, "a", "a", "c").Val())
	require.EqualValues(t, 1, c.Unlink(ctx, "b").Val())
	require.EqualValues(t, 0, c.Exists(ctx, "a", "b").Val())
	redisErr(t, c.Do(ctx, "MSET", "a").Err(), "ERR wrong number of arguments for 'mset' command")
	redisErr(t, c.Do(ctx, "MSET", "a", "1", "b").Err(), "ERR wrong number of arguments for 'mset' command")

	// Binary-safe values.
	bin := string([]byte{0, 1, 2, 0xff, '\r', '\n'})
	require.Equal(t, "OK", c.Set(ctx, "bin", bin, 0).Val())
	require.Equal(t, bin, c.Get(ctx, "bin").Val())
}

func TestCounters(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	require.EqualValues(t, 1, c.Incr(ctx, "n").Val())
	require.EqualValues(t, 11, c.IncrBy(ctx, "n", 10).Val())
	require.EqualValues(t, 10, c.Decr(ctx, "n").Val())
	require.EqualValues(t, -5, c.DecrBy(ctx, "n", 15).Val())
	require.Equal(t, "-5", c.Get(ctx, "n").Val())
	require.Equal(t, 5.5, c.IncrByFloat(ctx, "f", 5.5).Val())
	require.Equal(t, 5.75, c.IncrByFloat(ctx, "f", 0.25).Val())
	require.Equal(t, "5.75", c.Get(ctx, "f").Val())
	require.Equal(t, float64(-3), c.IncrByFloat(ctx, "n", 2).Val())

	c.Set(ctx, "s", "abc", 0)
	redisErr(t, c.Incr(ctx, "s").Err(), "ERR value is not an integer or out of range")
	redisErr(t, c.IncrByFloat(ctx, "s", 1).Err(), "ERR value is not a valid float")
	redisErr(t, c.Do(ctx, "INCRBY", "n", "1.5").Err(), "ERR value is not an integer or out of range")
	redisErr(t, c.Do(ctx, "INCRBYFLOAT", "n", "x").Err(), "ERR value is not a valid float")
	c.Set(ctx, "big", "9223372036854775807", 0)
	redisErr(t, c.Incr(ctx, "big").Err(), "ERR increment or decrement would overflow")
	require.Equal(t, "9223372036854775807", c.Get(ctx, "big").Val())
	c.Set(ctx, "sp", " 1", 0)
	redisErr(t, c.Incr(ctx, "sp").Err(), "ERR value is not an integer or out of range")

	// INCR keeps the key's TTL.
	c.SetEx(ctx, "ttl", "1", time.Hour)
	c.Incr(ctx, "ttl")
	require.InDelta(t, 3600, c.TTL(ctx, "ttl").Val().Seconds(), 2)
}

func TestExpiry(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()

	require.Equal(t, time.Duration(-2), c.TTL(ctx, "nokey").Val())
	require.False(t, c.Expire(ctx, "nokey", time.Second).Val())
	c.Set(ctx, "k", "v", 0)
	require.Equal(t, time.Duration(-1), c.TTL(ctx, "k").Val())
	require.Equal(t, time.Duration(-1), c.PTTL(ctx, "k").Val())
	require.True(t, c.Expire(ctx, "k", 100*time.Second).Val())
	require.InDelta(t, 100, c.TTL(ctx, "k").Val().Seconds(), 1)
	require.True(t, c.PExpire(ctx, "k", 5000*time.Millisecond).Val())
	require.InDelta(t, 5000, c.PTTL(ctx, "k").Val().Milliseconds(), 200)
	require.True(t, c.ExpireAt(ctx, "k", time.Now().Add(time.Hour)).Val())
	require.InDelta(t, 3600, c.TTL(ctx, "k").Val().Seconds(), 2)
	require.True(t, c.PExpireAt(ctx, "k", time.Now().Add(time.Minute)).Val())
	require.InDelta(t, 60, c.TTL(ctx, "k").Val().Seconds(), 2)

	// Conditions.
	require.False(t, c.ExpireNX(ctx, "k", time.Hour).Val())
	require.True(t, c.ExpireXX(ctx, "k", time.Hour).Val())
	require.False(t, c.ExpireGT(ctx, "k", time.Minute).Val())
	require.True(t, c.ExpireLT(ctx, "k", time.Minute).Val())
	require.True(t, c.ExpireGT(ctx, "k", 2*time.Hour).Val())
	redisErr(t, c.Do(ctx, "EXPIRE", "k", "10", "NX", "XX").Err(), "ERR NX and XX, GT or LT options at the same time are not compatible")
	redisErr(t, c.Do(ctx, "EXPIRE", "k", "ten").Err(), "ERR value is not an integer or out of range")

	// PERSIST.
	require.True(t, c.Persist(ctx, "k").Val())
	require.False(t, c.Persist(ctx, "k").Val())
	require.Equal(t, time.Duration(-1), c.TTL(ctx, "k").Val())

	// A deadline in the past deletes the key.
	require.True(t, c.Do(ctx, "EXPIRE", "k", "-1").Val() == int64(1))
	require.EqualValues(t, 0, c.Exists(ctx, "k").Val())

	// An expired key is invisible at once, before the reclaimer runs.
	c.Set(ctx, "short", "v", 100*time.Millisecond)
	c.Set(ctx, "long", "v", time.Hour)
	time.Sleep(150 * time.Millisecond)
	require.ErrorIs(t, c.Get(ctx, "short").Err(), redis.Nil)
	require.EqualValues(t, 0, c.Exists(ctx, "short").Val())
	require.Equal(t, time.Duration(-2), c.TTL(ctx, "short").Val())
	require.EqualValues(t, 1, c.DBSize(ctx).Val())
	require.Equal(t, []string{"long"}, c.Keys(ctx, "*").Val())
	require.True(t, c.SetNX(ctx, "short", "again", 0).Val())
	// SQL does not see it either; the reclaimer deletes the row.
	c.Set(ctx, "gone", "v", 50*time.Millisecond)
	time.Sleep(80 * time.Millisecond)
	require.Equal(t, "", e.sql(`SELECT key FROM "default" WHERE key = 'gone'`))
	n, err := e.db.ReclaimExpired(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestKeyspace(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	for i := 0; i < 300; i++ {
		c.Set(ctx, fmt.Sprintf("user:%d", i), "x", 0)
	}
	for i := 0; i < 20; i++ {
		c.Set(ctx, fmt.Sprintf("other:%d", i), "x", 0)
	}
	require.EqualValues(t, 320, c.DBSize(ctx).Val())

	seen := map[string]bool{}
	var cursor uint64
	calls := 0
	for {
		keys, next, err := c.Scan(ctx, cursor, "user:*", 50).Result()
		require.NoError(t, err)
		for _, k := range keys {
			require.True(t, strings.HasPrefix(k, "user:"), k)
			seen[k] = true
		}
		calls++
		if next == 0 {
			break
		}
		cursor = next
	}
	require.Len(t, seen, 300)
	require.Greater(t, calls, 1)
	require.Len(t, c.Keys(ctx, "other:1?").Val(), 10)
	require.Len(t, c.Keys(ctx, "*").Val(), 320)
	keys, _, err := c.ScanType(ctx, 0, "", 1000, "hash").Result()
	require.NoError(t, err)
	require.Empty(t, keys)
	redisErr(t, c.Do(ctx, "SCAN", "abc").Err(), "ERR invalid cursor")
	redisErr(t, c.Do(ctx, "SCAN", "0", "COUNT", "0").Err(), "ERR syntax error")

	// SELECT switches collections; a new one is created on first write.
	c2 := e.client()
	require.Equal(t, "OK", c2.Do(ctx, "SELECT", "cache").Val())
	require.EqualValues(t, 0, c2.DBSize(ctx).Val())
	require.ErrorIs(t, c2.Get(ctx, "user:1").Err(), redis.Nil)
	// go-redis pools connections: pin one so SELECT sticks.
	conn := c.Conn()
	defer conn.Close()
	require.NoError(t, conn.Select(ctx, 0).Err())
	require.Equal(t, "OK", conn.Do(ctx, "SELECT", "cache").Val())
	require.NoError(t, conn.Set(ctx, "c1", "v", 0).Err())
	require.EqualValues(t, 1, conn.DBSize(ctx).Val())
	require.Equal(t, "c1|v|NULL", e.sql(`SELECT * FROM cache`))
	e.sql(`CREATE TABLE strict_t (a INT PRIMARY KEY)`)
	redisErr(t, conn.Do(ctx, "SELECT", "strict_t").Err(), `ERR "strict_t" is not a key-value collection`)

	// FLUSHDB empties only the selected collection.
	require.Equal(t, "OK", conn.FlushDB(ctx).Val())
	require.EqualValues(t, 0, conn.DBSize(ctx).Val())
	require.EqualValues(t, 320, c.DBSize(ctx).Val())
}

func TestConnectionCommands(t *testing.T) {
	e := start(t, Config{})
	ctx := bg()
	// The default client tries HELLO 3, gets NOPROTO and falls back to
	// RESP2 (and sends CLIENT SETINFO).
	c := e.client()
	require.Equal(t, "PONG", c.Ping(ctx).Val())
	require.Equal(t, "hi", c.Do(ctx, "PING", "hi").Val())
	require.Equal(t, "hello", c.Echo(ctx, "hello").Val())

	conn := c.Conn()
	defer conn.Close()
	require.True(t, conn.ClientSetName(ctx, "worker-1").Val())
	require.Equal(t, "worker-1", conn.ClientGetName(ctx).Val())
	redisErr(t, conn.Do(ctx, "CLIENT", "SETNAME", "has space").Err(), "ERR Client names cannot contain spaces, newlines or special characters.")
	hello, err := conn.Do(ctx, "HELLO", "2").Result()
	require.NoError(t, err)
	require.Contains(t, fmt.Sprint(hello), "proto 2")
	redisErr(t, conn.Do(ctx, "HELLO", "3").Err(), "NOPROTO sorry, this protocol version is not supported.")
	require.Equal(t, "OK", conn.Do(ctx, "AUTH", "anything").Val()) // trust mode

	n, err := conn.Do(ctx, "COMMAND", "COUNT").Int()
	require.NoError(t, err)
	require.Equal(t, len(commands), n)
	info, err := conn.Command(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, int8(2), info["get"].Arity)
	require.True(t, info["set"].Flags[0] == "write")
	require.Contains(t, conn.Info(ctx).Val(), "redis_version:")

	redisErr(t, conn.Do(ctx, "GET").Err(), "ERR wrong number of arguments for 'get' command")
	redisErr(t, conn.Do(ctx, "GET", "a", "b").Err(), "ERR wrong number of arguments for 'get' command")
	redisErr(t, conn.Do(ctx, "NOSUCH", "a", "b").Err(), "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")

	// QUIT answers OK and closes.
	raw := dial(t, e)
	fmt.Fprint(raw, "*1\r\n$4\r\nQUIT\r\n")
	br := bufio.NewReader(raw)
	line, _ := br.ReadString('\n')
	require.Equal(t, "+OK\r\n", line)
	_, err = br.ReadByte()
	require.Error(t, err)
}

func TestAuth(t *testing.T) {
	e := start(t, Config{Password: "s3cret"})
	ctx := bg()
	anon := e.client(func(o *redis.Options) { o.Protocol = 2 })
	redisErr(t, anon.Get(ctx, "k").Err(), "NOAUTH Authentication required.")
	bad := e.client(func(o *redis.Options) { o.Password = "wrong" })
	require.Error(t, bad.Ping(ctx).Err())
	good := e.client(func(o *redis.Options) { o.Password = "s3cret" })
	require.Equal(t, "PONG", good.Ping(ctx).Val())
	admin := e.client(func(o *redis.Options) { o.Username, o.Password = "admin", "s3cret" })
	require.Equal(t, "OK", admin.Set(ctx, "k", "v", 0).Val())
}

func TestPipeline(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < 500; i++ {
			p.Set(ctx, "p"+strconv.Itoa(i), i, 0)
			p.Incr(ctx, "pc")
			p.Get(ctx, "p"+strconv.Itoa(i))
		}
		p.Do(ctx, "NOSUCH")
		p.Ping(ctx)
		return nil
	})
	require.Error(t, err) // the NOSUCH reply; the pipeline carries on
	require.Len(t, cmds, 1502)
	for i := 0; i < 500; i++ {
		require.Equal(t, strconv.Itoa(i), cmds[3*i+2].(*redis.StringCmd).Val())
		require.EqualValues(t, i+1, cmds[3*i+1].(*redis.IntCmd).Val())
	}
	require.Equal(t, "PONG", cmds[1501].(*redis.StatusCmd).Val())
}

// TestPipelineArgumentsSurviveReuse: a connection reuses the memory of
// served commands' arguments (Reader.Release). Values stored by one
// pipeline stay intact while later pipelines overwrite that memory, and a
// command read ahead of a batch (one that cannot join it, such as ECHO)
// keeps its arguments until it runs.
func TestPipelineArgumentsSurviveReuse(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	val := func(round, i int) string {
		return strings.Repeat(string(rune('a'+(round+i)%26)), 200+i%50) + strconv.Itoa(i)
	}
	for round := 0; round < 3; round++ {
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < 300; i++ {
				p.Set(ctx, "r"+strconv.Itoa(round)+":"+strconv.Itoa(i), val(round, i), 0)
				if i%7 == 0 {
					p.Echo(ctx, val(round+1, i))
				}
			}
			return nil
		})
		require.NoError(t, err)
		n := 0
		for i := 0; i < 300; i++ {
			n++
			if i%7 == 0 {
				require.Equal(t, val(round+1, i), cmds[n].(*redis.StringCmd).Val())
				n++
			}
		}
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < 300; i++ {
			got, err := c.Get(ctx, "r"+strconv.Itoa(round)+":"+strconv.Itoa(i)).Result()
			require.NoError(t, err)
			require.Equal(t, val(round, i), got)
		}
	}
}

func TestConcurrentIncrIsExact(t *testing.T) {
	e := start(t, Config{})
	ctx := bg()
	const clients, each = 20, 100
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	for i := 0; i < clients; i++ {
		c := e.client(func(o *redis.Options) { o.PoolSize = 1 })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if err := c.Incr(ctx, "hits").Err(); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	require.Equal(t, strconv.Itoa(clients*each), e.client().Get(ctx, "hits").Val())
}

func TestSQLInterop(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	require.NoError(t, c.Set(ctx, "k", "from resp", time.Hour).Err())
	require.Equal(t, "k|from resp|3600", e.sql(`SELECT * FROM "default" WHERE key = 'k'`))
	e.sql(`INSERT INTO "default" (key, value) VALUES ('s', 'from sql')`)
	require.Equal(t, "from sql", c.Get(ctx, "s").Val())
	e.sql(`UPDATE "default" SET value = '41' WHERE key = 's'`)
	require.EqualValues(t, 42, c.Incr(ctx, "s").Val())

	// A collection with a typed value column converts RESP values.
	e.sql(`CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	conn := c.Conn()
	defer conn.Close()
	require.NoError(t, conn.Do(ctx, "SELECT", "scores").Err())
	require.NoError(t, conn.Set(ctx, "p1", "10", 0).Err())
	require.EqualValues(t, 15, conn.IncrBy(ctx, "p1", 5).Val())
	require.Equal(t, "15", e.sql(`SELECT value + 0 FROM scores WHERE key = 'p1'`))
	err := conn.Set(ctx, "p2", "not a number", 0).Err()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "WRONGTYPE"), err.Error())
}

func TestChangeStreamSeesRESPWrites(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	require.NoError(t, c.Set(ctx, "warm", "up", 0).Err()) // creates the collection
	e.sql(`CREATE CHANGE STREAM s ON "default"`)
	e.sql(`CREATE CONSUMER GROUP g ON s`)
	require.NoError(t, c.Set(ctx, "k", "v1", 0).Err())
	require.NoError(t, c.Incr(ctx, "n").Err())
	require.NoError(t, c.Del(ctx, "k").Err())
	out := e.sql(`SELECT event_type, row_id FROM STREAM s CONSUMER GROUP g`)
	require.Equal(t, "INSERT|k\nINSERT|n\nDELETE|k", sortLines(out))
}

func sortLines(s string) string {
	lines := strings.Split(s, "\n")
	// Events of different keys may sit in different partitions; order
	// them by kind for a stable comparison.
	order := map[string]int{"INSERT": 0, "UPDATE": 1, "DELETE": 2}
	for i := 1; i < len(lines); i++ {
		for j := i; j > 0 && order[strings.Split(lines[j], "|")[0]] < order[strings.Split(lines[j-1], "|")[0]]; j-- {
			lines[j], lines[j-1] = lines[j-1], lines[j]
		}
	}
	return strings.Join(lines, "\n")
}

func dial(t testing.TB, e *env) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", e.srv.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	return nc
}

func TestGarbageClosesOnlyThatConnection(t *testing.T) {
	e := start(t, Config{Limits: Limits{MaxBulk: 1 << 10}})
	ctx := bg()
	good := e.client()
	require.NoError(t, good.Set(ctx, "k", "v", 0).Err())

	for name, frame := range map[string]string{
		"garbage multibulk": "*abc\r\n",
		"oversized bulk":    "*2\r\n$3\r\nGET\r\n$999999\r\n",
		"bad bulk header":   "*1\r\n:5\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			raw := dial(t, e)
			_, err := raw.Write([]byte(frame))
			require.NoError(t, err)
			br := bufio.NewReader(raw)
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(line, "-ERR Protocol error"), line)
			_, err = br.ReadByte()
			require.Error(t, err, "the connection must be closed")
		})
	}
	// Inline commands work (telnet).
	raw := dial(t, e)
	fmt.Fprint(raw, "GET k\r\n")
	line, err := bufio.NewReader(raw).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "$1\r\n", line)
	// Other connections are unaffected.
	require.Equal(t, "v", good.Get(ctx, "k").Val())
}

func TestCloseWithOpenClients(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	require.NoError(t, c.Ping(bg()).Err())
	require.NoError(t, e.srv.Close())
	err := c.Ping(bg()).Err()
	require.Error(t, err)
	require.False(t, errors.Is(err, redis.Nil))
}

// TestPipelineBatchFallback: a pipeline runs as one transaction; when a
// command inside fails after its checks (here a value the typed column
// rejects), the batch is rerun command by command, so each reply is what
// it would have been unbatched and nothing is half-applied.
func TestPipelineBatchFallback(t *testing.T) {
	e := start(t, Config{})
	e.sql(`CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	conn := e.client().Conn()
	defer conn.Close()
	ctx := bg()
	require.NoError(t, conn.Do(ctx, "SELECT", "scores").Err())
	cmds, _ := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "p1", "10", 0)
		p.Set(ctx, "p2", "abc", 0)
		p.Incr(ctx, "p1")
		p.MSet(ctx, "p3", "1", "p4", "x")
		p.Get(ctx, "p3")
		return nil
	})
	require.NoError(t, cmds[0].Err())
	require.Error(t, cmds[1].Err())
	require.True(t, strings.HasPrefix(cmds[1].Err().Error(), "WRONGTYPE"), cmds[1].Err().Error())
	require.EqualValues(t, 11, cmds[2].(*redis.IntCmd).Val())
	require.Error(t, cmds[3].Err())
	require.ErrorIs(t, cmds[4].Err(), redis.Nil) // MSET is all or nothing
	require.Equal(t, "p1|11", e.sql(`SELECT key, value FROM scores ORDER BY key`))
}

func TestConcurrentPipelinedIncrIsExact(t *testing.T) {
	e := start(t, Config{})
	ctx := bg()
	const clients, rounds, depth = 10, 4, 50
	var wg sync.WaitGroup
	errc := make(chan error, clients)
	for i := 0; i < clients; i++ {
		c := e.client(func(o *redis.Options) { o.PoolSize = 1 })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for j := 0; j < depth; j++ {
						p.Incr(ctx, "hits")
						p.IncrBy(ctx, "other", 2)
					}
					return nil
				})
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	// SQL writes to the same keys conflict with whole batches now and
	// then; those batches rerun command by command.
	for i := 0; i < 20; i++ {
		s := e.mgr.NewSession("admin", "db")
		if p, err := s.Prepare(`UPDATE "default" SET ttl = NULL WHERE key = 'hits'`, nil); err == nil {
			_, _ = s.Execute(ctx, p, nil)
		}
		s.Close()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	c := e.client()
	require.Equal(t, strconv.Itoa(clients*rounds*depth), c.Get(ctx, "hits").Val())
	require.Equal(t, strconv.Itoa(2*clients*rounds*depth), c.Get(ctx, "other").Val())
}

func TestPubSub(t *testing.T) {
	e := start(t, Config{})
	ctx := bg()
	c := e.client()
	require.EqualValues(t, 0, c.Publish(ctx, "news", "nobody listens").Val())

	ps := c.Subscribe(ctx, "news", "sports")
	defer ps.Close()
	for i := 0; i < 2; i++ {
		m, err := ps.Receive(ctx)
		require.NoError(t, err)
		require.IsType(t, &redis.Subscription{}, m)
	}
	require.EqualValues(t, 1, c.Publish(ctx, "news", "hello").Val())
	msg, err := ps.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "news", msg.Channel)
	require.Equal(t, "hello", msg.Payload)

	// SQL NOTIFY reaches RESP subscribers; RESP PUBLISH reaches LISTEN.
	e.sql(`NOTIFY sports, 'goal'`)
	msg, err = ps.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "sports/goal", msg.Channel+"/"+msg.Payload)
	s := e.mgr.NewSession("admin", "db")
	defer s.Close()
	p, err := s.Prepare(`LISTEN alerts`, nil)
	require.NoError(t, err)
	_, err = s.Execute(ctx, p, nil)
	require.NoError(t, err)
	require.EqualValues(t, 1, c.Publish(ctx, "alerts", "disk full").Val())
	select {
	case n := <-s.Notifications():
		require.Equal(t, "disk full", n.Payload)
	case <-time.After(5 * time.Second):
		t.Fatal("LISTEN session did not get the RESP PUBLISH")
	}

	require.NoError(t, ps.Unsubscribe(ctx, "news"))
	m, err := ps.Receive(ctx) // the confirmation
	require.NoError(t, err)
	require.Equal(t, "unsubscribe", m.(*redis.Subscription).Kind)
	require.EqualValues(t, 0, c.Publish(ctx, "news", "gone").Val())

	// Pattern subscriptions get pmessages, from PUBLISH and NOTIFY alike.
	pp := c.PSubscribe(ctx, "user:*", "order:?")
	defer pp.Close()
	for i := 0; i < 2; i++ {
		m, err := pp.Receive(ctx)
		require.NoError(t, err)
		require.Equal(t, "psubscribe", m.(*redis.Subscription).Kind)
	}
	require.EqualValues(t, 1, c.Publish(ctx, "user:42", "login").Val())
	msg, err = pp.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "user:*|user:42|login", msg.Pattern+"|"+msg.Channel+"|"+msg.Payload)
	require.EqualValues(t, 0, c.Publish(ctx, "order:12", "no match").Val())
	e.sql(`NOTIFY "order:7", 'paid'`)
	msg, err = pp.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "order:?|order:7|paid", msg.Pattern+"|"+msg.Channel+"|"+msg.Payload)
}

func TestSubscribeMode(t *testing.T) {
	e := start(t, Config{})
	raw := dial(t, e)
	br := bufio.NewReader(raw)
	send := func(args ...string) {
		var b []byte
		bs := make([][]byte, len(args))
		for i, a := range args {
			bs[i] = []byte(a)
		}
		b = AppendCommand(b, bs...)
		_, err := raw.Write(b)
		require.NoError(t, err)
	}
	expect := func(want string) {
		t.Helper()
		got := make([]byte, len(want))
		_, err := io.ReadFull(br, got)
		require.NoError(t, err)
		require.Equal(t, want, string(got))
	}
	send("SUBSCRIBE", "a", "b")
	expect("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n")
	send("GET", "k")
	expect("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
	send("PING")
	expect("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
	send("PSUBSCRIBE", "p*")
	expect("*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n")
	send("UNSUBSCRIBE")
	expect("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n")
	send("PING")
	expect("*2\r\n$4\r\npong\r\n$0\r\n\r\n")
	send("PUNSUBSCRIBE")
	expect("*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n")
	send("PING")
	expect("+PONG\r\n")
}

func TestHashes(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	require.EqualValues(t, 2, c.HSet(ctx, "user:1", "name", "alice", "age", "30").Val())
	require.EqualValues(t, 1, c.HSet(ctx, "user:1", "name", "alicia", "city", "oslo").Val())
	require.Equal(t, "alicia", c.HGet(ctx, "user:1", "name").Val())
	require.ErrorIs(t, c.HGet(ctx, "user:1", "nope").Err(), redis.Nil)
	require.ErrorIs(t, c.HGet(ctx, "missing", "f").Err(), redis.Nil)
	require.Equal(t, []any{"alicia", nil, "30"}, c.HMGet(ctx, "user:1", "name", "x", "age").Val())
	require.Equal(t, map[string]string{"name": "alicia", "age": "30", "city": "oslo"}, c.HGetAll(ctx, "user:1").Val())
	require.True(t, c.HExists(ctx, "user:1", "age").Val())
	require.False(t, c.HExists(ctx, "user:1", "zip").Val())
	require.EqualValues(t, 40, c.HIncrBy(ctx, "user:1", "age", 10).Val())
	require.EqualValues(t, 5, c.HIncrBy(ctx, "user:1", "visits", 5).Val())
	redisErr(t, c.HIncrBy(ctx, "user:1", "name", 1).Err(), "ERR hash value is not an integer")
	require.EqualValues(t, 4, c.HLen(ctx, "user:1").Val())
	require.Equal(t, []string{"age", "city", "name", "visits"}, c.HKeys(ctx, "user:1").Val())
	require.True(t, c.HSetNX(ctx, "user:1", "zip", "0150").Val())
	require.False(t, c.HSetNX(ctx, "user:1", "zip", "9999").Val())
	require.EqualValues(t, 2, c.HDel(ctx, "user:1", "zip", "visits", "nope").Val())
	require.Equal(t, "hash", c.Type(ctx, "user:1").Val())

	// Types do not mix; SET replaces whatever was there.
	redisErr(t, c.Get(ctx, "user:1").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
	redisErr(t, c.Incr(ctx, "user:1").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
	c.Set(ctx, "s", "v", 0)
	redisErr(t, c.HGet(ctx, "s", "f").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
	require.Equal(t, []any{nil, "v"}, c.MGet(ctx, "user:1", "s").Val())

	// SQL sees the hash as a JSON object.
	require.Equal(t, `{"age":"40","city":"oslo","name":"alicia"}`, e.sql(`SELECT value FROM "default" WHERE key = 'user:1'`))
	require.Equal(t, "oslo", e.sql(`SELECT CAST(value AS JSONB)->>'city' FROM "default" WHERE key = 'user:1'`))

	// Deleting the last field deletes the key; a hash keeps its TTL.
	c.HSet(ctx, "tmp", "f", "v")
	c.Expire(ctx, "tmp", time.Hour)
	c.HSet(ctx, "tmp", "g", "w")
	require.InDelta(t, 3600, c.TTL(ctx, "tmp").Val().Seconds(), 2)
	require.EqualValues(t, 2, c.HDel(ctx, "tmp", "f", "g").Val())
	require.EqualValues(t, 0, c.Exists(ctx, "tmp").Val())
	redisErr(t, c.Do(ctx, "HSET", "h", "f").Err(), "ERR wrong number of arguments for 'hset' command")
	redisErr(t, c.Do(ctx, "HSET", "h", "f", "v", "g").Err(), "ERR wrong number of arguments for 'hset' command")

	keys, _, err := c.ScanType(ctx, 0, "", 100, "hash").Result()
	require.NoError(t, err)
	require.Equal(t, []string{"user:1"}, keys)
}

func TestSortedSets(t *testing.T) {
	e := start(t, Config{})
	c := e.client()
	ctx := bg()
	require.EqualValues(t, 3, c.ZAdd(ctx, "lb", redis.Z{Score: 10, Member: "a"}, redis.Z{Score: 30, Member: "c"}, redis.Z{Score: 20, Member: "b"}).Val())
	require.EqualValues(t, 0, c.ZAdd(ctx, "lb", redis.Z{Score: 15, Member: "a"}).Val())
	require.EqualValues(t, 1, c.ZAddArgs(ctx, "lb", redis.ZAddArgs{Ch: true, Members: []redis.Z{{Score: 12, Member: "a"}}}).Val())
	require.EqualValues(t, 0, c.ZAddNX(ctx, "lb", redis.Z{Score: 99, Member: "a"}).Val())
	require.EqualValues(t, 0, c.ZAddXX(ctx, "lb", redis.Z{Score: 99, Member: "new"}).Val())
	require.EqualValues(t, 0, c.ZAddArgs(ctx, "lb", redis.ZAddArgs{GT: true, Members: []redis.Z{{Score: 1, Member: "a"}}}).Val())
	require.Equal(t, float64(12), c.ZScore(ctx, "lb", "a").Val())
	require.ErrorIs(t, c.ZScore(ctx, "lb", "zz").Err(), redis.Nil)
	require.EqualValues(t, 3, c.ZCard(ctx, "lb").Val())
	require.Equal(t, []string{"a", "b", "c"}, c.ZRange(ctx, "lb", 0, -1).Val())
	require.Equal(t, []string{"c", "b"}, c.ZRevRange(ctx, "lb", 0, 1).Val())
	require.Equal(t, []redis.Z{{Score: 20, Member: "b"}, {Score: 30, Member: "c"}}, c.ZRangeWithScores(ctx, "lb", 1, 5).Val())
	require.Empty(t, c.ZRange(ctx, "lb", 5, 10).Val())
	require.EqualValues(t, 1, c.ZRank(ctx, "lb", "b").Val())
	require.EqualValues(t, 0, c.ZRevRank(ctx, "lb", "c").Val())
	require.ErrorIs(t, c.ZRank(ctx, "lb", "zz").Err(), redis.Nil)
	require.Equal(t, float64(22.5), c.ZIncrBy(ctx, "lb", 10.5, "a").Val())
	require.Equal(t, []string{"b", "a", "c"}, c.ZRange(ctx, "lb", 0, -1).Val())
	require.Equal(t, float64(25.5), c.ZAddArgsIncr(ctx, "lb", redis.ZAddArgs{Members: []redis.Z{{Score: 3, Member: "a"}}}).Val())
	c.ZAdd(ctx, "lb", redis.Z{Score: math.Inf(-1), Member: "bottom"})
	require.Equal(t, "bottom", c.ZRange(ctx, "lb", 0, 0).Val()[0])
	require.Equal(t, "-inf", c.Do(ctx, "ZSCORE", "lb", "bottom").Val())
	require.EqualValues(t, 2, c.ZRem(ctx, "lb", "bottom", "b", "nope").Val())
	require.Equal(t, "zset", c.Type(ctx, "lb").Val())
	redisErr(t, c.Do(ctx, "ZADD", "lb", "x", "m").Err(), "ERR value is not a valid float")
	redisErr(t, c.Do(ctx, "ZADD", "lb", "NX", "XX", "1", "m").Err(), "ERR XX and NX options at the same time are not compatible")
	redisErr(t, c.HGet(ctx, "lb", "a").Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
	require.Equal(t, `{"a":25.5,"c":30}`, e.sql(`SELECT value FROM "default" WHERE key = 'lb'`))
	require.EqualValues(t, 2, c.ZRem(ctx, "lb", "a", "c").Val())
	require.EqualValues(t, 0, c.Exists(ctx, "lb").Val())
}

// TestRandomCommandsAlwaysReply pipelines seeded random commands with
// random arguments (known and unknown names, wrong arities, bad numbers,
// mixed key kinds): every command must get a reply, the connection must
// stay up (a panic would close it), and so must the server.
func TestRandomCommandsAlwaysReply(t *testing.T) {
	e := start(t, Config{})
	ctx := bg()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	names := make([]string, 0, len(commands)+2)
	for n, cmd := range commands {
		// Not these: QUIT ends the connection, (P)SUBSCRIBE changes its
		// mode, (P)UNSUBSCRIBE answers once per channel (as Redis does),
		// which a client's one-reply-per-command pipeline cannot count.
		if n != "flushdb" && (!cmd.pubsub || n == "ping") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	names = append(names, "nosuch", "")
	words := []string{"k", "k2", "h", "z", "0", "1", "-1", "10", "1.5", "inf", "-inf", "nan", "9223372036854775807",
		"EX", "PX", "NX", "XX", "GT", "LT", "CH", "INCR", "GET", "KEEPTTL", "WITHSCORES", "REV", "MATCH", "COUNT", "TYPE",
		"*", "h*", "", "\x00\xff", "SETNAME", "GETNAME", "ID", "DOCS", "INFO"}
	conn := e.client().Conn()
	defer conn.Close()
	for round := 0; round < 20; round++ {
		cmds, _ := conn.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < 100; i++ {
				args := []any{names[rng.Intn(len(names))]}
				for j := rng.Intn(6); j > 0; j-- {
					args = append(args, words[rng.Intn(len(words))])
				}
				p.Do(ctx, args...)
			}
			return nil
		})
		require.Len(t, cmds, 100)
		for _, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
				var re redis.Error
				require.True(t, errors.As(err, &re), "round %d: %v: %v (not a reply error: the connection failed)", round, c.Args(), err)
			}
		}
	}
	require.Equal(t, "PONG", conn.Ping(ctx).Val())
	require.Equal(t, "PONG", e.client().Ping(ctx).Val())
}

// panicky is a Store whose first KVBatch panics, as a bug inside a round
// would.
type panicky struct {
	Store
	once sync.Once
}

func (p *panicky) KVBatch(ctx context.Context, coll string, keys []string, write bool, fn func(t *session.KVTxn)) error {
	p.once.Do(func() { panic("injected") })
	return p.Store.KVBatch(ctx, coll, keys, write, fn)
}

// TestRoundPanicFallsBack: a panic inside a round fails only that round;
// its commands run again one by one and later rounds of the collection
// still run.
func TestRoundPanicFallsBack(t *testing.T) {
	e := startWrapped(t, Config{}, func(s Store) Store { return &panicky{Store: s} })
	c := e.client()
	ctx := bg()
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Incr(ctx, "a")
		return nil
	})
	require.NoError(t, err)
	require.EqualValues(t, 2, cmds[1].(*redis.IntCmd).Val())
	require.EqualValues(t, 3, c.Incr(ctx, "a").Val())
}
