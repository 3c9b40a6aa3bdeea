package txn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

func openCache(t *testing.T, bytes int) (*storage.Store, *Manager) {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	m, err := NewManager(st, Options{ReadCacheBytes: bytes})
	require.NoError(t, err)
	return st, m
}

// snapGet reads key from tx's Pebble snapshot directly, bypassing the
// read cache: what the snapshot shows.
func snapGet(tx *Txn, key []byte) ([]byte, bool, error) {
	v, closer, err := tx.snap.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), true, nil
}

func TestReadCacheFollowsCommits(t *testing.T) {
	st, m := openCache(t, 0)
	defer closeAll(t, st, m)
	k := []byte("k")
	put := func(v string) {
		tx := m.Begin()
		tx.Set(k, []byte(v))
		_, err := tx.Commit()
		require.NoError(t, err)
	}
	get := func(tx *Txn) string {
		v, ok, err := tx.Get(k)
		require.NoError(t, err)
		if !ok {
			return "<absent>"
		}
		return string(v)
	}
	put("1")
	old := m.Begin()
	require.Equal(t, "1", get(old)) // fills the cache
	require.Equal(t, "1", get(old)) // from the cache
	put("2")
	fresh := m.Begin()
	require.Equal(t, "2", get(fresh)) // the commit updated the entry
	require.Equal(t, "2", get(fresh))
	require.Equal(t, "1", get(old), "an older snapshot must not see the newer cached value")
	fresh.Rollback()
	old.Rollback()

	del := m.Begin()
	del.Delete(k)
	_, err := del.Commit()
	require.NoError(t, err)
	after := m.Begin()
	require.Equal(t, "<absent>", get(after))
	after.Rollback()

	off, err := NewManager(st, Options{ReadCacheBytes: -1})
	require.NoError(t, err)
	require.Nil(t, off.rc)
	require.NoError(t, off.Close())
}

// TestReadCacheValueIsShared: a value read from the cache is the entry's
// own (no copy), limited to its length, so a reader appending to it gets
// a copy and the next reader still sees the stored value.
func TestReadCacheValueIsShared(t *testing.T) {
	st, m := openCache(t, 0)
	defer closeAll(t, st, m)
	k := []byte("k")
	tx := m.Begin()
	tx.Set(k, []byte("value"))
	_, err := tx.Commit()
	require.NoError(t, err)
	r := m.Begin()
	defer r.Rollback()
	_, _, err = r.Get(k) // fills the cache
	require.NoError(t, err)
	a, ok, err := r.Get(k)
	require.NoError(t, err)
	require.True(t, ok)
	b, _, err := r.Get(k)
	require.NoError(t, err)
	require.Same(t, &a[0], &b[0], "the cached value is shared, not copied per read")
	require.Equal(t, len(a), cap(a))
	grown := append(a, "-appended"...)
	require.Equal(t, "value-appended", string(grown))
	c, _, err := r.Get(k)
	require.NoError(t, err)
	require.Equal(t, "value", string(c))
	require.Equal(t, "value", string(c[:cap(c)]))
}

// TestReadCacheMatchesSnapshots runs writers and readers concurrently over
// a few hot keys with a cache small enough to evict; every read through
// the cache must equal what the reader's Pebble snapshot holds, for fresh
// snapshots and for snapshots held while later commits land.
func TestReadCacheMatchesSnapshots(t *testing.T) {
	st, m := openCache(t, 256<<10)
	defer closeAll(t, st, m)
	const keys = 200
	key := func(i int) []byte { return fmt.Appendf(nil, "key-%03d", i) }

	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 3 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				tx := m.Begin()
				for range 1 + rng.IntN(4) {
					i := rng.IntN(keys)
					if rng.IntN(5) == 0 {
						tx.Delete(key(i))
					} else {
						tx.Set(key(i), fmt.Appendf(nil, "w%d-%d-%s", w, n, make([]byte, rng.IntN(40))))
					}
				}
				_, _ = tx.Commit() // conflicts are fine
			}
		}()
	}

	var readers sync.WaitGroup
	errc := make(chan error, 4)
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 2))
			var held []*Txn
			defer func() {
				for _, tx := range held {
					tx.Rollback()
				}
			}()
			for range 3000 {
				tx := m.Begin()
				if rng.IntN(20) == 0 && len(held) < 4 {
					held = append(held, tx)
				}
				for _, rd := range append([]*Txn{tx}, held...) {
					for range 5 {
						k := key(rng.IntN(keys))
						got, gok, err := rd.Get(k)
						if err != nil {
							errc <- err
							return
						}
						want, wok, err := snapGet(rd, k)
						if err != nil {
							errc <- err
							return
						}
						if gok != wok || string(got) != string(want) {
							errc <- fmt.Errorf("key %s: read %q (%v), snapshot holds %q (%v)", k, got, gok, want, wok)
							return
						}
					}
				}
				if len(held) > 0 && rng.IntN(10) == 0 {
					held[0].Rollback()
					held = held[1:]
				}
				if !slices.Contains(held, tx) {
					tx.Rollback()
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	writers.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestReadCacheStaysWithinBudget(t *testing.T) {
	c := newReadCache(1 << 20)
	val := make([]byte, 30)
	for i := range 20000 {
		c.fill(fmt.Appendf(nil, "key-%d", i), val, 1)
	}
	total, n := 0, 0
	for i := range c.stripes {
		s := &c.stripes[i]
		total += s.bytes
		n += len(s.m)
		require.LessOrEqual(t, s.bytes, c.perShard)
	}
	require.LessOrEqual(t, total, 1<<20)
	require.Greater(t, n, 5000, "the cache should hold what fits")
	c.fill([]byte("big"), make([]byte, c.perShard), 1)
	_, ok := c.get([]byte("big"), 1)
	require.False(t, ok, "a value larger than a quarter of a stripe is not cached")
}

// cached reports key's cached value, if any.
func cached(m *Manager, key string) (string, bool) {
	s, _ := m.rc.stripe([]byte(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	return string(e.val), ok
}

// TestReadCacheKeepsWrittenKeys: a commit gives a cached key its new
// value (a read-modify-write load then reads its keys from the cache),
// older snapshots still read their own values, a delete drops the entry,
// keys not cached are not added by writes, and a read-latest transaction
// (a Redis SET's) reads the cache too.
func TestReadCacheKeepsWrittenKeys(t *testing.T) {
	st, m := openCache(t, 0)
	defer closeAll(t, st, m)
	put := func(k, v string) {
		tx := m.Begin()
		tx.Set([]byte(k), []byte(v))
		_, err := tx.Commit()
		require.NoError(t, err)
	}
	get := func(tx *Txn, k string) string {
		v, ok, err := tx.Get([]byte(k))
		require.NoError(t, err)
		if !ok {
			return "<absent>"
		}
		return string(v)
	}
	put("k", "1")
	put("other", "x")
	old := m.Begin()
	defer old.Rollback()
	require.Equal(t, "1", get(old, "k")) // fills
	put("k", "2")
	v, ok := cached(m, "k")
	require.True(t, ok, "the written key stays cached")
	require.Equal(t, "2", v)
	_, ok = cached(m, "other")
	require.False(t, ok)
	put("other", "y")
	_, ok = cached(m, "other")
	require.False(t, ok, "a write does not add a key nobody read")
	require.Equal(t, "1", get(old, "k"), "an older snapshot reads its own value, not the cached newer one")

	latest := m.Begin()
	latest.ReadLatest()
	a, _, err := latest.Get([]byte("k"))
	require.NoError(t, err)
	b, _, err := latest.Get([]byte("k"))
	require.NoError(t, err)
	require.Equal(t, "2", string(a))
	require.Same(t, &a[0], &b[0], "a read-latest transaction reads the cached value")
	latest.Rollback()

	del := m.Begin()
	del.Delete([]byte("k"))
	_, err = del.Commit()
	require.NoError(t, err)
	_, ok = cached(m, "k")
	require.False(t, ok, "a delete drops the entry")
	fresh := m.Begin()
	require.Equal(t, "<absent>", get(fresh, "k"))
	fresh.Rollback()
}

// TestReadCacheFillsAfterOtherWrites: a reader whose snapshot is a batch
// old still caches what it reads when that batch wrote keys in every
// stripe (not its own): fills are refused per slot, not per stripe.
func TestReadCacheFillsAfterOtherWrites(t *testing.T) {
	st, m := openCache(t, 0)
	defer closeAll(t, st, m)
	tx := m.Begin()
	tx.Set([]byte("k"), []byte("v"))
	_, err := tx.Commit()
	require.NoError(t, err)
	r := m.Begin()
	defer r.Rollback()
	_, own := m.rc.stripe([]byte("k"))
	// Other keys covering every stripe, none in k's slot.
	w := m.Begin()
	hit := map[*cacheStripe]bool{}
	for i := 0; len(hit) < readCacheStripes && i < 1<<16; i++ {
		key := fmt.Appendf(nil, "other-%d", i)
		if s, slot := m.rc.stripe(key); slot != own && !hit[s] {
			hit[s] = true
			w.Set(key, []byte("x"))
		}
	}
	require.Len(t, hit, readCacheStripes)
	_, err = w.Commit()
	require.NoError(t, err)
	_, ok, err := r.Get([]byte("k"))
	require.NoError(t, err)
	require.True(t, ok)
	_, ok = cached(m, "k")
	require.True(t, ok, "a batch writing a key in every stripe kept the read from being cached")
}
