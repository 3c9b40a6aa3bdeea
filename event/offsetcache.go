package event

import (
	"encoding/binary"
	"maps"
	"sync"

	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// OffsetCache keeps consumer groups' committed offsets in memory, so that
// a read of every partition does not iterate the group's offset keys. It
// had to: every offset commit rewrites those keys, and until Pebble
// flushes its memtable an iterator steps over every old version, so each
// read of a group that commits often cost more than the one before (a
// consumer reading and committing a thousand times a second spent most of
// the server's CPU there).
//
// The cache is a txn.WriteHook on the offset keyspace: the commit
// pipeline hands it every committed offset write before the commit is
// published, so a read that begins after a commit returned sees it. A
// group is loaded from storage on its first read; writes committed while
// it loads are queued and applied on top, in commit order. A reader may
// see offsets newer than its snapshot, never older than what was
// acknowledged before it began: newer offsets only skip events the group
// has acknowledged since, or return again events a reset asked for.
// Transactions that wrote something read storage instead, to see their
// own writes.
type OffsetCache struct {
	mu     sync.Mutex
	groups map[uint32]*cachedGroup
}

type cachedGroup struct {
	loaded   bool
	loading  int           // loads in progress
	pending  []offsetWrite // writes committed while loading
	part     map[uint16]uint64
	floor    uint64
	hasFloor bool
}

type offsetWrite struct {
	part uint16
	lsn  uint64
	del  bool
}

// NewOffsetCache returns a cache and installs it as m's hook for offset
// writes.
func NewOffsetCache(m *txn.Manager) *OffsetCache {
	c := &OffsetCache{groups: map[uint32]*cachedGroup{}}
	m.SetWriteHook(storage.TagOffset, c)
	return c
}

// Committed implements txn.WriteHook.
func (c *OffsetCache) Committed(key, val []byte, del bool) {
	if len(key) != 7 || (!del && len(val) != 8) {
		return // not an offset key; storage reads report it as corrupt
	}
	group := binary.BigEndian.Uint32(key[1:5])
	w := offsetWrite{part: binary.BigEndian.Uint16(key[5:7]), del: del}
	if !del {
		w.lsn = binary.BigEndian.Uint64(val)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[group]
	switch {
	case g == nil: // not cached: a load reads it from storage
	case g.loaded:
		g.apply(w)
	case g.loading > 0:
		g.pending = append(g.pending, w)
	}
}

func (g *cachedGroup) apply(w offsetWrite) {
	switch {
	case w.part == floorPartition && w.del:
		g.floor, g.hasFloor = 0, false
	case w.part == floorPartition:
		g.floor, g.hasFloor = w.lsn, true
	case w.del:
		delete(g.part, w.part)
	default:
		g.part[w.part] = w.lsn
	}
}

// testAfterOffsetLoad, set by tests, runs between a load's read of
// storage and its install.
var testAfterOffsetLoad func()

// cacheFor returns the cache tx may read offsets from, or nil.
func cacheFor(tx *txn.Txn) *OffsetCache {
	if tx.HasWrites() {
		return nil
	}
	c, _ := tx.Manager().WriteHookFor(storage.TagOffset).(*OffsetCache)
	return c
}

// view runs fn on the group's cached offsets, loading them first if
// needed; fn runs under the cache's lock and must not keep g.
func (c *OffsetCache) view(m *txn.Manager, groupID uint32, fn func(g *cachedGroup)) error {
	c.mu.Lock()
	g := c.groups[groupID]
	if g != nil && g.loaded {
		fn(g)
		c.mu.Unlock()
		return nil
	}
	if g == nil {
		g = &cachedGroup{}
		c.groups[groupID] = g
	}
	g.loading++
	c.mu.Unlock()

	// A snapshot taken after the group was marked loading: every commit it
	// does not show reaches Committed while loading, so it is in pending.
	tx := m.Begin()
	off, hasFloor, err := loadOffsetsStored(tx, groupID)
	tx.Rollback()
	if testAfterOffsetLoad != nil {
		testAfterOffsetLoad()
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	g.loading--
	if err != nil {
		if !g.loaded && g.loading == 0 {
			delete(c.groups, groupID)
		}
		return err
	}
	if !g.loaded {
		g.part = off.Part
		g.floor, g.hasFloor = off.Floor, hasFloor
		for _, w := range g.pending {
			g.apply(w)
		}
		g.pending = nil
		g.loaded = true
	}
	fn(g)
	return nil
}

// offsets copies the whole group out.
func (g *cachedGroup) offsets() Offsets {
	return Offsets{Part: maps.Clone(g.part), Floor: g.floor, Any: g.hasFloor || len(g.part) > 0}
}
