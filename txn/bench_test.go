package txn

import (
	"encoding/binary"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/nodedb-go/nodedb/storage"
)

// BenchmarkCommitSerial measures one writer's durable commit latency
// through the commit pipeline (ns/op is the latency): compare it with a
// bare Pebble sync commit to see the pipeline's own cost.
func BenchmarkCommitSerial(b *testing.B) {
	st, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewManager(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = m.Close(); _ = st.Close() }()
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
