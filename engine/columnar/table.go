package columnar

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/storage"
)

// Segment holds some columns of the rows of the vShards [VLo, VHi) of a
// collection, in key order (vShard by vShard).
type Segment struct {
	VLo, VHi int
	// start[v-VLo] is the first row of vShard v; start[VHi-VLo] is Rows.
	start []int32
	Cols  []*Vector // by column number; nil where the column is not held
	Rows  int
}

// Range is the rows of the segment that belong to the vShards [vlo, vhi)
// (empty when they do not overlap).
func (s *Segment) Range(vlo, vhi int) (lo, hi int) {
	vlo, vhi = max(vlo, s.VLo), min(vhi, s.VHi)
	if vlo >= vhi {
		return 0, 0
	}
	return int(s.start[vlo-s.VLo]), int(s.start[vhi-s.VLo])
}

// SegmentBuilder builds a Segment from rows given in key order.
type SegmentBuilder struct {
	seg  *Segment
	cols []int
	cur  int // the vShard rows are being added to
}

// NewSegmentBuilder starts a segment of the vShards [vlo, vhi) holding
// the columns cols of a collection of ncol columns, with room for about
// rows rows (more only cost copying).
func NewSegmentBuilder(vlo, vhi, ncol int, cols []int, rows int) *SegmentBuilder {
	s := &Segment{VLo: vlo, VHi: vhi, start: make([]int32, vhi-vlo+1), Cols: make([]*Vector, ncol)}
	for _, c := range cols {
		s.Cols[c] = NewVector(rows)
	}
	return &SegmentBuilder{seg: s, cols: cols, cur: vlo}
}

// Add appends a row of vShard vshard (at least the previous row's, inside
// the segment's range): vals[k] is the value of column cols[k].
func (b *SegmentBuilder) Add(vshard int, vals []any) {
	s := b.seg
	for b.cur < vshard {
		b.cur++
		s.start[b.cur-s.VLo] = int32(s.Rows)
	}
	for k, c := range b.cols {
		s.Cols[c].Append(vals[k])
	}
	s.Rows++
}

// Finish returns the segment.
func (b *SegmentBuilder) Finish() *Segment {
	s := b.seg
	for _, v := range s.Cols {
		if v != nil {
			v.Seal()
		}
	}
	for v := b.cur + 1; v <= s.VHi; v++ {
		s.start[v-s.VLo] = int32(s.Rows)
	}
	return s
}

// Bytes approximates the memory the segment holds.
func (s *Segment) Bytes() int64 {
	b := int64(len(s.start))*4 + 64
	for _, v := range s.Cols {
		if v != nil {
			b += v.Bytes()
		}
	}
	return b
}

// Table is a column copy of a collection's rows, as of one snapshot: its
// segments cover the vShards [0, NumVShards) in order.
type Table struct {
	// Coll is the collection's id; Shape the caller's fingerprint of its
	// columns (a copy made under another layout is not used).
	Coll  uint32
	Shape string
	// Tag says, to the caller, which snapshots show the rows copied (see
	// txn's BatchCount and RowEpoch).
	Tag  uint64
	Segs []*Segment
	// Held[c]: every segment holds column c.
	Held  []bool
	Rows  int
	bytes int64
	used  atomic.Uint64 // the cache's clock at the last Get
}

// NewTable assembles a table from segments covering [0, NumVShards) in
// order, each holding the columns held marks.
func NewTable(coll uint32, shape string, tag uint64, held []bool, segs []*Segment) *Table {
	t := &Table{Coll: coll, Shape: shape, Tag: tag, Segs: segs, Held: held}
	for _, s := range segs {
		t.Rows += s.Rows
		t.bytes += s.Bytes()
	}
	return t
}

// Bytes approximates the memory the table holds.
func (t *Table) Bytes() int64 { return t.bytes }

// With returns a table holding t's columns and the columns cols of segs,
// segments read from the same rows as t's (same vShard ranges, same
// rows in each), tagged tag. t is not changed.
func (t *Table) With(segs []*Segment, cols []int, tag uint64) (*Table, error) {
	if len(segs) != len(t.Segs) {
		return nil, fmt.Errorf("columnar: %d segments to add to %d", len(segs), len(t.Segs))
	}
	held := slices.Clone(t.Held)
	out := make([]*Segment, len(segs))
	for i, s := range t.Segs {
		g := segs[i]
		if g.VLo != s.VLo || g.VHi != s.VHi || !slices.Equal(g.start, s.start) {
			return nil, fmt.Errorf("columnar: segment %d of vShards [%d, %d) does not hold the same rows", i, s.VLo, s.VHi)
		}
		ns := *s
		ns.Cols = slices.Clone(s.Cols)
		for _, c := range cols {
			for len(ns.Cols) <= c {
				ns.Cols = append(ns.Cols, nil)
			}
			ns.Cols[c] = g.Cols[c]
		}
		out[i] = &ns
	}
	for _, c := range cols {
		for len(held) <= c {
			held = append(held, false)
		}
		held[c] = true
	}
	return NewTable(t.Coll, t.Shape, tag, held, out), nil
}

// Holds reports whether the table holds every column cols marks.
func (t *Table) Holds(cols []bool) bool {
	for c, need := range cols {
		if need && (c >= len(t.Held) || !t.Held[c]) {
			return false
		}
	}
	return true
}

// NumVShards is the number of vShards a table's segments cover.
const NumVShards = storage.NumVShards

// Cache holds tables within a byte budget, one per collection, evicting
// the least recently used when a new one does not fit. It is safe for
// concurrent use.
type Cache struct {
	budget int64
	clock  atomic.Uint64
	mu     struct {
		sync.Mutex
		tables   map[uint32]*Table
		bytes    int64
		building map[uint32]bool
		seen     map[uint32]uint64 // collection → the epoch its last uncached full scan saw
		rejected map[uint32]uint64 // collection → the epoch at which its table did not fit
	}
	hits, builds atomic.Uint64
	// gen counts the tables added and removed: plans that assumed which
	// collections have one are made again when it moves.
	gen       atomic.Uint64
	stableAge atomic.Int64 // 0: DefaultStableAge
}

// DefaultStableAge is StableAge unless SetStableAge changed it.
const DefaultStableAge = time.Second

// SetStableAge sets StableAge (0: DefaultStableAge).
func (c *Cache) SetStableAge(d time.Duration) {
	if d == 0 {
		d = DefaultStableAge
	}
	c.stableAge.Store(int64(d))
}

// StableAge is how long a collection's rows must have stayed the same
// for its first full scan to copy them (the caller's policy; see sql/exec).
func (c *Cache) StableAge() time.Duration {
	if d := c.stableAge.Load(); d != 0 {
		return time.Duration(d)
	}
	return DefaultStableAge
}

// Generation moves whenever a table is added or removed.
func (c *Cache) Generation() uint64 { return c.gen.Load() }

// Peek returns the collection's table, or nil, without counting it as
// used.
func (c *Cache) Peek(coll uint32) *Table {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.tables[coll]
}

// NewCache returns a cache of at most budget bytes.
func NewCache(budget int64) *Cache {
	c := &Cache{budget: budget}
	c.mu.tables = map[uint32]*Table{}
	c.mu.building = map[uint32]bool{}
	c.mu.seen = map[uint32]uint64{}
	c.mu.rejected = map[uint32]uint64{}
	return c
}

// Budget is the cache's size bound in bytes.
func (c *Cache) Budget() int64 { return c.budget }

// Bytes is the memory the cached tables hold.
func (c *Cache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.bytes
}

// Stats returns how many scans read a cached table, and how many tables
// were built.
func (c *Cache) Stats() (hits, builds uint64) { return c.hits.Load(), c.builds.Load() }

// Get returns the collection's table, or nil. The caller checks that it
// is still valid (Tag, Shape) and drops it (Drop) when it is not.
func (c *Cache) Get(coll uint32) *Table {
	c.mu.Lock()
	t := c.mu.tables[coll]
	c.mu.Unlock()
	if t != nil {
		t.used.Store(c.clock.Add(1))
	}
	return t
}

// Hit counts a scan that read a cached table.
func (c *Cache) Hit() { c.hits.Add(1) }

// Drop removes t if it is still the collection's table.
func (c *Cache) Drop(t *Table) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.tables[t.Coll] == t {
		delete(c.mu.tables, t.Coll)
		c.mu.bytes -= t.bytes
		c.gen.Add(1)
	}
}

// Forget drops what the cache holds of coll (a dropped collection).
func (c *Cache) Forget(coll uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.mu.tables[coll]; t != nil {
		delete(c.mu.tables, coll)
		c.mu.bytes -= t.bytes
		c.gen.Add(1)
	}
	delete(c.mu.seen, coll)
	delete(c.mu.rejected, coll)
}

// Seen records that a full scan of coll found no usable table while the
// collection's epoch was epoch, and reports whether the previous such
// scan saw the same epoch: the rows did not change between two scans, so
// a copy is likely to be read again before they do.
func (c *Cache) Seen(coll uint32, epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.mu.seen[coll]
	c.mu.seen[coll] = epoch
	return ok && prev == epoch
}

// Reject records that a table of coll built at epoch did not fit the
// budget: Rejected reports it until the epoch moves.
func (c *Cache) Reject(coll uint32, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.rejected[coll] = epoch
}

// Rejected reports whether a table of coll built at epoch did not fit.
func (c *Cache) Rejected(coll uint32, epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.mu.rejected[coll]
	return ok && e == epoch
}

// StartBuild claims the building of coll's table; false when another
// scan is building it.
func (c *Cache) StartBuild(coll uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.building[coll] {
		return false
	}
	c.mu.building[coll] = true
	return true
}

// EndBuild ends the building of coll StartBuild claimed, adding t (a
// table of coll) when it is not nil and fits the budget (evicting the
// least recently used tables), and reports whether it was added.
func (c *Cache) EndBuild(coll uint32, t *Table) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.mu.building, coll)
	if t == nil || t.bytes > c.budget {
		return false
	}
	coll = t.Coll
	if old := c.mu.tables[coll]; old != nil {
		delete(c.mu.tables, coll)
		c.mu.bytes -= old.bytes
	}
	for c.mu.bytes+t.bytes > c.budget {
		var victim *Table
		for _, x := range c.mu.tables {
			if victim == nil || x.used.Load() < victim.used.Load() {
				victim = x
			}
		}
		delete(c.mu.tables, victim.Coll)
		c.mu.bytes -= victim.bytes
	}
	t.used.Store(c.clock.Add(1))
	c.mu.tables[coll] = t
	c.mu.bytes += t.bytes
	c.builds.Add(1)
	c.gen.Add(1)
	return true
}
