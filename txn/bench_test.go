package txn

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/nodedb-go/nodedb/storage"
)

// benchManager opens a store and a manager closed when the benchmark ends.
func benchManager(b *testing.B) (*storage.Store, *Manager) {
	st, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewManager(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close(); _ = st.Close() })
	return st, m
}

// BenchmarkCommitSerial measures one writer's durable commit latency
// through the commit pipeline (ns/op is the latency): compare it with a
// bare Pebble sync commit to see the pipeline's own cost.
func BenchmarkCommitSerial(b *testing.B) {
	_, m := benchManager(b)
	val := make([]byte, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx := m.Begin()
		var k [13]byte
		k[0] = storage.TagRow
		binary.BigEndian.PutUint64(k[5:], uint64(i))
		tx.Set(k[:], val)
		tx.AddChange(Change{Collection: 1, CollName: "t", PK: k[5:], RowID: "x", Op: OpInsert, New: val})
		if _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPebbleSyncCommit is the floor: one Pebble batch committed with
// Sync per op, no pipeline.
func BenchmarkPebbleSyncCommit(b *testing.B) {
	st, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	val := make([]byte, 64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch := st.DB().NewBatch()
		var k [13]byte
		k[0] = storage.TagRow
		binary.BigEndian.PutUint64(k[5:], uint64(i))
		_ = batch.Set(k[:], val, nil)
		if err := batch.Commit(pebble.Sync); err != nil {
			b.Fatal(err)
		}
		_ = batch.Close()
	}
}

// BenchmarkAbsentKey looks up keys that are not there (an INSERT's
// primary-key check) in a compacted 1,000,000-key table, with Get and with
// Probe (which also reads the bottom level's bloom filters).
func BenchmarkAbsentKey(b *testing.B) {
	st, m := benchManager(b)
	key := func(i uint64) []byte {
		var k [13]byte
		k[0] = storage.TagRow
		binary.BigEndian.PutUint64(k[5:], i)
		return k[:]
	}
	batch := st.DB().NewBatch()
	for i := range uint64(1_000_000) {
		_ = batch.Set(key(i*2), make([]byte, 60), nil) // even keys only
	}
	if err := batch.Commit(pebble.NoSync); err != nil {
		b.Fatal(err)
	}
	if err := st.DB().Compact(b.Context(), []byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	tx := m.Begin()
	defer tx.Rollback()
	for _, c := range []struct {
		name string
		get  func([]byte) ([]byte, bool, error)
	}{{"get", tx.Get}, {"probe", tx.Probe}} {
		b.Run(c.name, func(b *testing.B) {
			var i uint64
			for b.Loop() {
				i = (i + 7919) % 1_000_000
				if _, ok, err := c.get(key(i*2 + 1)); err != nil || ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkBulkWrites: one transaction buffering 100,000 writes of keys
// in no order (a bulk DELETE's row and index keys) and committing them,
// the write-set and commit-batch work a bulk statement does.
func BenchmarkBulkWrites(b *testing.B) {
	_, m := benchManager(b)
	const n = 100000
	keys := make([][]byte, n)
	for i := range keys {
		k := make([]byte, 21)
		k[0] = storage.TagRow
		binary.BigEndian.PutUint32(k[1:], 7)
		// A multiplicative hash spreads consecutive ids over the keyspace.
		binary.BigEndian.PutUint64(k[5:], uint64(i)*0x9E3779B97F4A7C15)
		binary.BigEndian.PutUint64(k[13:], uint64(i))
		keys[i] = k
	}
	val := make([]byte, 32)
	for _, reserve := range []bool{false, true} {
		b.Run(fmt.Sprintf("reserve=%v", reserve), func(b *testing.B) {
			benchBulkWrites(b, m, keys, val, reserve)
		})
	}
}

func benchBulkWrites(b *testing.B, m *Manager, keys [][]byte, val []byte, reserve bool) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tx := m.Begin()
		if reserve {
			tx.ReserveWrites(len(keys))
		}
		for j, k := range keys {
			if (i+j)%2 == 0 {
				tx.Delete(k)
			} else {
				tx.Set(k, val)
			}
		}
		if _, err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
