package session

import (
	"context"
	"testing"
)

// BenchmarkKVBatchSetOneKey: one connection's pipeline of 16 SETs of the
// same key, the unit redis-benchmark -P 16 sends (relaxed durability, so
// the figure is the work done under the key's lock, not the fsync).
func BenchmarkKVBatchSetOneKey(b *testing.B) {
	db, err := OpenDB(DBConfig{Dir: b.TempDir(), Durability: "relaxed"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	val := []byte("xxx")
	b.ResetTimer()
	for range b.N {
		err := db.KVBatch(ctx, "default", []string{"key"}, true, func(t *KVTxn) {
			for range 16 {
				_ = t.Update([]string{"key"}, func(cur []KVEntry) ([]KVWrite, error) {
					return []KVWrite{{Op: KVPut, Value: val}}, nil
				})
			}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
