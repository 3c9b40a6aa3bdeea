package event

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

func newCacheTestManager(t *testing.T) *txn.Manager {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	m, err := txn.NewManager(st, txn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func commitSetOffset(t *testing.T, m *txn.Manager, group uint32, part uint16, lsn uint64) {
	t.Helper()
	tx := m.Begin()
	SetOffset(tx, group, part, lsn)
	if _, err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// stored reads a group's offsets from storage, bypassing the cache.
func stored(t *testing.T, m *txn.Manager, group uint32) Offsets {
	t.Helper()
	tx := m.Begin()
	defer tx.Rollback()
	off, _, err := loadOffsetsStored(tx, group)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

func cachedOffsets(t *testing.T, m *txn.Manager, group uint32) Offsets {
	t.Helper()
	tx := m.Begin()
	defer tx.Rollback()
	if cacheFor(tx) == nil {
		t.Fatal("read-only transaction does not use the cache")
	}
	off, err := LoadOffsets(tx, group)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// randomOffsetCommit commits a random mix of offset writes to a few
// groups: forward commits, resets, floors, and dropping a group's offsets.
func randomOffsetCommit(t *testing.T, m *txn.Manager, rng *rand.Rand, groups int) {
	tx := m.Begin()
	for range 1 + rng.IntN(5) {
		g := uint32(1 + rng.IntN(groups))
		switch rng.IntN(10) {
		case 0:
			lo := storage.OffsetPrefix(g)
			if err := tx.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
				t.Fatal(err)
			}
		case 1:
			SetFloor(tx, g, uint64(rng.IntN(1000)))
		case 2:
			SetOffset(tx, g, uint16(rng.IntN(8)), uint64(rng.IntN(1000)))
		default:
			if err := CommitOffset(tx, g, uint16(rng.IntN(8)), uint64(rng.IntN(1000))); err != nil {
				tx.Rollback()
				return // backwards: 22023, nothing committed
			}
		}
	}
	if _, err := tx.Commit(); err != nil && !errors.Is(err, txn.ErrConflict) {
		t.Error(err)
	}
}

// After every commit, the cache agrees with storage: loaded groups follow
// the writes, groups read for the first time load what is stored.
func TestOffsetCacheFollowsCommits(t *testing.T) {
	m := newCacheTestManager(t)
	NewOffsetCache(m)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		randomOffsetCommit(t, m, rng, 4)
		g := uint32(1 + rng.IntN(4))
		got, want := cachedOffsets(t, m, g), stored(t, m, g)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("commit %d, group %d: cache %+v, storage %+v", i, g, got, want)
		}
		some := PartitionRange(2, 5)
		tx := m.Begin()
		part, err := LoadOffsetsOf(tx, g, some)
		tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if part.Floor != want.Floor || part.Any != want.Any {
			t.Fatalf("commit %d, group %d: LoadOffsetsOf floor/any %d/%v, want %d/%v", i, g, part.Floor, part.Any, want.Floor, want.Any)
		}
		for p := range some {
			if part.Part[p] != want.Part[p] {
				t.Fatalf("commit %d, group %d, partition %d: %d, want %d", i, g, p, part.Part[p], want.Part[p])
			}
		}
	}
}

// A transaction that wrote offsets reads its own writes, not the cache.
func TestOffsetCacheOwnWrites(t *testing.T) {
	m := newCacheTestManager(t)
	NewOffsetCache(m)
	commitSetOffset(t, m, 1, 3, 10)
	_ = cachedOffsets(t, m, 1) // loaded
	tx := m.Begin()
	defer tx.Rollback()
	SetOffset(tx, 1, 3, 20)
	off, err := LoadOffsets(tx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if off.Part[3] != 20 {
		t.Fatalf("own write not seen: %v", off.Part)
	}
	if got := cachedOffsets(t, m, 1).Part[3]; got != 10 {
		t.Fatalf("uncommitted write in the cache: %d", got)
	}
}

// Groups loaded for the first time while commits run (the load's pending
// queue) end up equal to storage.
func TestOffsetCacheLoadsDuringCommits(t *testing.T) {
	m := newCacheTestManager(t)
	NewOffsetCache(m)
	const groups = 60
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	for w := range 2 {
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				randomOffsetCommit(t, m, rng, groups)
			}
		}()
	}
	for g := uint32(1); g <= groups; g++ {
		_ = cachedOffsets(t, m, g)
	}
	close(stop)
	wg.Wait()
	for g := uint32(1); g <= groups; g++ {
		if got, want := cachedOffsets(t, m, g), stored(t, m, g); !reflect.DeepEqual(got, want) {
			t.Fatalf("group %d: cache %+v, storage %+v", g, got, want)
		}
	}
}

// A commit that lands after a load read storage but before it installed
// what it read is applied on top (the pending queue).
func TestOffsetCacheCommitDuringLoad(t *testing.T) {
	m := newCacheTestManager(t)
	NewOffsetCache(m)
	commitSetOffset(t, m, 1, 3, 10)
	testAfterOffsetLoad = func() {
		testAfterOffsetLoad = nil
		tx := m.Begin()
		SetOffset(tx, 1, 3, 20)
		SetFloor(tx, 1, 5)
		if _, err := tx.Commit(); err != nil {
			t.Error(err)
		}
	}
	defer func() { testAfterOffsetLoad = nil }()
	first := cachedOffsets(t, m, 1) // loads, and the hook commits meanwhile
	if got := cachedOffsets(t, m, 1); got.Part[3] != 20 || got.Floor != 5 {
		t.Fatalf("after the load: %+v (first read %+v), want partition 3 at 20 and floor 5", got, first)
	}
}
