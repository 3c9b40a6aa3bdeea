package session

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// incr is INCR over the key-value API.
func incr(ctx context.Context, db *DB, coll, key string) (int64, error) {
	var out int64
	err := db.KVUpdate(ctx, coll, []string{key}, func(cur []KVEntry) ([]KVWrite, error) {
		n := int64(0)
		if cur[0].Live {
			v, err := strconv.ParseInt(string(cur[0].Value), 10, 64)
			if err != nil {
				return nil, err
			}
			n = v
		}
		out = n + 1
		return []KVWrite{{Op: KVPut, Value: []byte(strconv.FormatInt(out, 10)), Expires: cur[0].Expires}}, nil
	})
	return out, err
}

func TestKVAPIAndSQL(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	s := d.m.NewSession("u", "db")
	defer s.Close()

	// Reads of a collection that does not exist yet find nothing.
	got, err := d.db.KVGet(ctx, kv.DefaultCollection, []string{"k"})
	require.NoError(t, err)
	require.False(t, got[0].Live)

	// The first write creates the collection; SQL sees the key.
	require.NoError(t, d.db.KVUpdate(ctx, kv.DefaultCollection, []string{"k"}, func(cur []KVEntry) ([]KVWrite, error) {
		return []KVWrite{{Op: KVPut, Value: []byte("v1")}}, nil
	}))
	require.Equal(t, "k|v1|NULL", d.q(s, `SELECT * FROM "default" WHERE key = 'k'`))

	// SQL writes are visible to the API.
	d.q(s, `INSERT INTO "default" (key, value, ttl) VALUES ('s', 'from sql', 100)`)
	got, err = d.db.KVGet(ctx, kv.DefaultCollection, []string{"s", "missing"})
	require.NoError(t, err)
	require.True(t, got[0].Live)
	require.Equal(t, "from sql", string(got[0].Value))
	require.WithinDuration(t, time.Now().Add(100*time.Second), got[0].Expires, 5*time.Second)
	require.False(t, got[1].Live)

	n, err := d.db.KVCount(ctx, kv.DefaultCollection)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)

	var all []string
	cursor := uint64(0)
	for {
		next, keys, err := d.db.KVScan(ctx, kv.DefaultCollection, cursor, nil, 1)
		require.NoError(t, err)
		all = append(all, keys...)
		if next == 0 {
			break
		}
		cursor = next
	}
	require.ElementsMatch(t, []string{"k", "s"}, all)

	// A strict table is not a key-value collection.
	d.q(s, `CREATE TABLE t (a INT PRIMARY KEY)`)
	err = d.db.KVUpdate(ctx, "t", []string{"x"}, func([]KVEntry) ([]KVWrite, error) { return nil, nil })
	require.True(t, errs.Is(err, errs.WrongObjectType), "%v", err)

	require.NoError(t, d.db.KVFlush(ctx, kv.DefaultCollection))
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM "default"`))
}

// TestKVPutKeepsExpiryIndexExact: overwriting a live key (the plain
// collection's path, which builds the new row from the entry alone) moves
// its expiry index entry with its deadline (the row has exactly one
// entry, the NULL one without a deadline), and keeps the ttl column with
// an unchanged deadline.
func TestKVPutKeepsExpiryIndexExact(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	put := func(val string, exp time.Time, keep bool) {
		t.Helper()
		require.NoError(t, d.db.KVUpdate(ctx, kv.DefaultCollection, []string{"k"}, func(cur []KVEntry) ([]KVWrite, error) {
			if keep {
				exp = cur[0].Expires
			}
			return []KVWrite{{Op: KVPut, Value: []byte(val), Expires: exp}}, nil
		}))
	}
	entry := func() string {
		t.Helper()
		coll, ok := d.db.cat.Get(kv.DefaultCollection)
		require.True(t, ok)
		var keys []string
		tx := d.db.txm.Begin()
		defer tx.Rollback()
		for _, ix := range coll.Indexes {
			it, err := tx.NewIter(storage.IndexPrefix(ix.ID), storage.PrefixEnd(storage.IndexPrefix(ix.ID)))
			require.NoError(t, err)
			for ; it.Valid(); it.Next() {
				keys = append(keys, string(it.Key()))
			}
			require.NoError(t, it.Close())
		}
		require.Len(t, keys, 1)
		return keys[0]
	}
	in := func(s time.Duration) time.Time { return time.Now().Add(s).Truncate(time.Millisecond) }
	put("a", time.Time{}, false)
	none := entry()
	put("b", in(100*time.Second), false)
	b := entry()
	require.NotEqual(t, none, b)
	put("c", time.Time{}, true) // KEEPTTL
	require.Equal(t, b, entry())
	require.Equal(t, "c|100", d.q(s, `SELECT value, ttl FROM "default" WHERE key = 'k'`))
	put("d", in(50*time.Second), false)
	require.NotEqual(t, b, entry())
	require.NotEqual(t, none, entry())
	require.Equal(t, "d|50", d.q(s, `SELECT value, ttl FROM "default" WHERE key = 'k'`))
	put("e", time.Time{}, false)
	require.Equal(t, none, entry())
	require.Equal(t, "e|NULL", d.q(s, `SELECT value, ttl FROM "default" WHERE key = 'k'`))
}

func TestKVConcurrentIncrIsExact(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	const workers, each = 16, 50
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := incr(ctx, d.db, "counters", "c"); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	// SQL writers to the same key race with the API; their conflicts are
	// retried by the API, and each SQL increment that commits counts too.
	s := d.m.NewSession("u", "db")
	defer s.Close()
	sqlDone := int64(0)
	for i := 0; i < 20; i++ {
		if r, err := run(s, `UPDATE counters SET value = CAST(CAST(value AS INT) + 1 AS TEXT) WHERE key = 'c'`); err == nil {
			sqlDone += r.RowsAffected
		} else if !errs.Is(err, errs.SerializationFailure) && !errs.Is(err, errs.UndefinedTable) {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	got, err := d.db.KVGet(ctx, "counters", []string{"c"})
	require.NoError(t, err)
	n, err := strconv.ParseInt(string(got[0].Value), 10, 64)
	require.NoError(t, err)
	require.Equal(t, int64(workers*each)+sqlDone, n)
}

// TestKVPipelinedWritersHistory: writers of one hot key let the next one
// go once their commit is queued (the next reads it before it is
// durable). The key's change history must still be one chain: every
// event's old value is the previous event's new value, 1, 2, 3, ...
func TestKVPipelinedWritersHistory(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION counters TYPE KEY_VALUE (key TEXT PRIMARY KEY, value TEXT)`)
	d.q(s, `CREATE CHANGE STREAM cs ON counters`)
	d.q(s, `CREATE CONSUMER GROUP g ON cs`)
	const workers, each = 12, 40
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Alternate single updates and batches of three increments.
				if i%2 == 0 {
					if _, err := incr(ctx, d.db, "counters", "c"); err != nil {
						errc <- err
						return
					}
					continue
				}
				err := d.db.KVBatch(ctx, "counters", []string{"c"}, true, func(tx *KVTxn) {
					for range 3 {
						_ = tx.Update([]string{"c"}, func(cur []KVEntry) ([]KVWrite, error) {
							n := int64(0)
							if cur[0].Live {
								n, _ = strconv.ParseInt(string(cur[0].Value), 10, 64)
							}
							return []KVWrite{{Op: KVPut, Value: []byte(strconv.FormatInt(n+1, 10))}}, nil
						})
					}
				})
				if err != nil {
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
	total := workers * (each/2 + 3*each/2)
	require.Equal(t, strconv.Itoa(total), d.q(s, `SELECT value FROM counters WHERE key = 'c'`))
	out := d.q(s, `SELECT old_value->>'value', new_value->>'value' FROM STREAM cs CONSUMER GROUP g LIMIT 100000`)
	lines := strings.Split(out, "\n")
	require.Len(t, lines, total)
	for i, l := range lines {
		want := "NULL|1"
		if i > 0 {
			want = strconv.Itoa(i) + "|" + strconv.Itoa(i+1)
		}
		require.Equal(t, want, l, "event %d", i)
	}
}

func TestKVReclaimDeletesExpiredKeys(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION c TYPE KEY_VALUE`)
	d.q(s, `CREATE CHANGE STREAM cs ON c`)
	d.q(s, `CREATE CONSUMER GROUP g ON cs`)
	require.NoError(t, d.db.KVUpdate(ctx, "c", []string{"a", "b"}, func(cur []KVEntry) ([]KVWrite, error) {
		return []KVWrite{
			{Op: KVPut, Value: []byte("1"), Expires: time.Now().Add(50 * time.Millisecond)},
			{Op: KVPut, Value: []byte("2")},
		}, nil
	}))
	time.Sleep(80 * time.Millisecond)
	require.Equal(t, "b", d.q(s, `SELECT key FROM c`))
	n, err := d.db.ReclaimExpired(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	// The stored row and its expiry-index entry are gone; nothing is left
	// to reclaim.
	n, err = d.db.ReclaimExpired(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	// Two inserts and the reclaimer's delete reached the change stream.
	out := d.q(s, `SELECT event_type, row_id FROM STREAM cs CONSUMER GROUP g`)
	require.Contains(t, out, "DELETE|a")
	require.Contains(t, out, "INSERT|b")
}

// TestKVLiveSelect: key-value writes through the API reach LIVE SELECT
// subscribers like SQL writes, with the WHERE applied to the row.
func TestKVLiveSelect(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	ctx := context.Background()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION c TYPE KEY_VALUE`)
	_, err := run(s, `LIVE SELECT key, value FROM c WHERE value LIKE 'hot%'`)
	require.NoError(t, err)
	for _, kvp := range [][2]string{{"a", "cold"}, {"b", "hot!"}} {
		require.NoError(t, d.db.KVUpdate(ctx, "c", []string{kvp[0]}, func([]KVEntry) ([]KVWrite, error) {
			return []KVWrite{{Op: KVPut, Value: []byte(kvp[1])}}, nil
		}))
	}
	select {
	case n := <-s.Notifications():
		require.Contains(t, n.Payload, `"row_id":"b"`)
		require.Contains(t, n.Payload, `hot!`)
	case <-time.After(10 * time.Second):
		t.Fatal("no LIVE SELECT notification for a key-value write")
	}
	select {
	case n := <-s.Notifications():
		t.Fatalf("unexpected notification %s", n.Payload)
	case <-time.After(200 * time.Millisecond):
	}
}
