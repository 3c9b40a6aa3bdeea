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

// BenchmarkKVBatchGetOneKey: one connection's pipeline of 16 GETs of the
// same key (redis-benchmark -t get -P 16).
func BenchmarkKVBatchGetOneKey(b *testing.B) {
	db, err := OpenDB(DBConfig{Dir: b.TempDir(), Durability: "relaxed"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	err = db.KVBatch(ctx, "default", []string{"key"}, true, func(t *KVTxn) {
		_ = t.Update([]string{"key"}, func(cur []KVEntry) ([]KVWrite, error) {
			return []KVWrite{{Op: KVPut, Value: []byte("xxx")}}, nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := db.KVBatch(ctx, "default", []string{"key"}, false, func(t *KVTxn) {
			for range 16 {
				if e, err := t.Get([]string{"key"}); err != nil || !e[0].Live || string(e[0].Value) != "xxx" {
					b.Fatal(e, err)
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
