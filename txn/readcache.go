package txn

import (
	"hash/maphash"
	"sync"
)

// readCache keeps committed values that point reads (Txn.Get) found, so
// reading the same key again skips Pebble: a primary-key SELECT or a Redis
// GET of a row read before costs a map lookup instead of a Pebble Get
// (2.4 µs of a 15 µs pgbench SELECT, most of it seeking through the
// memtable and the sstables' blocks).
//
// Entries are tagged with batch sequence numbers, the count of batches
// written to Pebble (Manager.snap.applied): batch n is the nth. A
// snapshot taken when n batches were written shows batches 1..n (and
// possibly batch n+1 while it is being applied). The rules that keep every
// read exactly what the snapshot shows:
//
//   - Before a batch is applied, the committer invalidates each key it
//     writes: the entry goes, and the key's stripe remembers the batch as
//     its lastWrite. So an entry, while present, is the newest committed
//     value of its key.
//   - A reader may use an entry tagged s when its snapshot shows batch s
//     (s ≤ its applied count): the value is the newest, hence also the
//     newest its snapshot shows.
//   - A reader that went to Pebble may add what it found, tagged with its
//     applied count a, only while its stripe's lastWrite ≤ a: no batch
//     after its snapshot has touched the stripe, so the value is still the
//     newest. The check and the insert hold the stripe's lock, as does
//     invalidation, so they cannot interleave.
//
// Only present values are kept (an absent key is not cached), only reads
// of a snapshot (not ReadLatest reads of queued commits) use it, and every
// Pebble write goes through the committer, which invalidates. Each stripe
// holds at most its share of the byte budget; an insert over it evicts
// arbitrary entries of that stripe (Go's map order).
type readCache struct {
	seed     maphash.Seed
	perShard int // byte budget of one stripe
	stripes  [readCacheStripes]cacheStripe
}

const readCacheStripes = 256

// DefaultReadCacheBytes is the read cache's size when Options leave it 0.
const DefaultReadCacheBytes = 32 << 20

type cacheStripe struct {
	mu        sync.Mutex
	m         map[string]cacheEntry
	bytes     int
	lastWrite uint64 // the newest batch that wrote a key of this stripe
	_         [24]byte
}

type cacheEntry struct {
	val []byte
	seq uint64 // the value is the newest since this batch
}

// entryOverhead approximates the bytes an entry costs beyond its key and
// value (map slot, slice header, string header).
const entryOverhead = 64

func newReadCache(bytes int) *readCache {
	c := &readCache{seed: maphash.MakeSeed(), perShard: bytes / readCacheStripes}
	for i := range c.stripes {
		c.stripes[i].m = make(map[string]cacheEntry)
	}
	return c
}

func (c *readCache) stripe(key []byte) *cacheStripe {
	return &c.stripes[maphash.Bytes(c.seed, key)%readCacheStripes]
}

// get returns key's value if an entry a snapshot showing batches
// 1..applied may use is cached. The value is the entry's own: entries are
// never changed, only replaced, so it stays valid; its capacity is its
// length, so an append to it copies (callers must not write into it).
func (c *readCache) get(key []byte, applied uint64) ([]byte, bool) {
	s := c.stripe(key)
	s.mu.Lock()
	e, ok := s.m[string(key)]
	s.mu.Unlock()
	if !ok || e.seq > applied {
		return nil, false
	}
	return e.val[:len(e.val):len(e.val)], true
}

// fill adds val, read from a snapshot showing batches 1..applied, unless a
// later batch may have written key. val is copied.
func (c *readCache) fill(key, val []byte, applied uint64) {
	size := len(key) + len(val) + entryOverhead
	if size > c.perShard/4 {
		return // a value this large would evict most of its stripe
	}
	s := c.stripe(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastWrite > applied {
		return
	}
	if old, ok := s.m[string(key)]; ok {
		if old.seq <= applied {
			return // as new already
		}
		s.bytes -= len(key) + len(old.val) + entryOverhead
	}
	for k, e := range s.m {
		if s.bytes+size <= c.perShard {
			break
		}
		delete(s.m, k)
		s.bytes -= len(k) + len(e.val) + entryOverhead
	}
	s.m[string(key)] = cacheEntry{val: append([]byte(nil), val...), seq: applied}
	s.bytes += size
}

// invalidate drops key's entry before batch seq, which writes key, is
// applied, and keeps later fills of its stripe from older snapshots out.
func (c *readCache) invalidate(key []byte, seq uint64) {
	s := c.stripe(key)
	s.mu.Lock()
	if e, ok := s.m[string(key)]; ok {
		delete(s.m, string(key))
		s.bytes -= len(key) + len(e.val) + entryOverhead
	}
	if seq > s.lastWrite {
		s.lastWrite = seq
	}
	s.mu.Unlock()
}
