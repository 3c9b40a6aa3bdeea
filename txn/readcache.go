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
//   - Before a batch is applied, the committer updates each key it
//     writes (written): a cached key's entry takes the new value, tagged
//     with the batch, a deleted key's entry goes, and the key's slot (one
//     of readCacheSlots the keys hash to) remembers the batch as its
//     lastWrite. So an entry, while present, is
//     the newest value of its key committed or being applied, and a reader
//     whose snapshot may not show that batch yet does not use it.
//   - A reader may use an entry tagged s when its snapshot shows batch s
//     (s ≤ its applied count): the value is the newest, hence also the
//     newest its snapshot shows.
//   - A reader that went to Pebble may add what it found, tagged with its
//     applied count a, only while its key's slot's lastWrite ≤ a: no batch
//     after its snapshot has written a key of the slot, so the value is
//     still the newest. The check and the insert hold the lock of the
//     slot's stripe, as does written, so they cannot interleave. (Slots are
//     finer than stripes: with a lastWrite per stripe, a load writing
//     hundreds of keys per batch touched every stripe in every batch and
//     no fill from a snapshot a batch old ever succeeded.)
//
// Keeping a written key's entry (rather than dropping it) serves
// read-modify-write loads: a Redis SET or INCR reads its key's current
// value first, and over 100,000 keys that read went to Pebble every time
// (most of it seeking through a memtable full of other keys).
//
// Only present values are kept (an absent key is not cached), only reads
// of a snapshot (not ReadLatest reads of queued commits) use it, and every
// Pebble write goes through the committer, which updates it. Each stripe
// holds at most its share of the byte budget; an insert over it evicts
// arbitrary entries of that stripe (Go's map order).
type readCache struct {
	seed     maphash.Seed
	perShard int // byte budget of one stripe
	stripes  [readCacheStripes]cacheStripe
	// lastWrite is, per slot, the newest batch that wrote a key of the
	// slot; slot i belongs to stripe i % readCacheStripes, whose lock
	// guards it.
	lastWrite [readCacheSlots]uint64
}

const (
	readCacheStripes = 256
	readCacheSlots   = 1 << 16 // a multiple of readCacheStripes
)

// DefaultReadCacheBytes is the read cache's size when Options leave it 0.
const DefaultReadCacheBytes = 32 << 20

type cacheStripe struct {
	mu    sync.Mutex
	m     map[string]cacheEntry
	bytes int
	_     [32]byte
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

// stripe returns key's stripe and slot.
func (c *readCache) stripe(key []byte) (*cacheStripe, *uint64) {
	h := maphash.Bytes(c.seed, key)
	return &c.stripes[h%readCacheStripes], &c.lastWrite[h%readCacheSlots]
}

// get returns key's value if an entry a snapshot showing batches
// 1..applied may use is cached. The value is the entry's own: entries are
// never changed, only replaced, so it stays valid; its capacity is its
// length, so an append to it copies (callers must not write into it).
func (c *readCache) get(key []byte, applied uint64) ([]byte, bool) {
	s, _ := c.stripe(key)
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
	s, last := c.stripe(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if *last > applied {
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

// written is told, before batch seq is applied, that it writes key: a
// cached entry takes val (copied) tagged seq, or goes when the batch
// deletes key (del) or val is too large to keep; and later fills of the
// key's slot from older snapshots are kept out. Keys not cached stay out (a
// bulk load does not push the read keys out).
func (c *readCache) written(key, val []byte, del bool, seq uint64) {
	s, last := c.stripe(key)
	s.mu.Lock()
	if e, ok := s.m[string(key)]; ok {
		s.bytes -= len(key) + len(e.val) + entryOverhead
		size := len(key) + len(val) + entryOverhead
		if del || size > c.perShard/4 || s.bytes+size > c.perShard {
			delete(s.m, string(key))
		} else {
			s.m[string(key)] = cacheEntry{val: append([]byte(nil), val...), seq: seq}
			s.bytes += size
		}
	}
	if seq > *last {
		*last = seq
	}
	s.mu.Unlock()
}
