package storage_test

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

func walKey(i int) []byte {
	k := []byte{storage.TagRow, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(k[5:], uint64(i))
	return k
}

// The write-ahead log is zero-filled well beyond what was written, and
// the store reopens with every synced write after a clean close.
func TestWALZeroFilledAhead(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	val := make([]byte, 100)
	for i := range 100 {
		require.NoError(t, st.DB().Set(walKey(i), val, pebble.Sync))
	}
	logSize := func() int64 {
		var size int64
		names, err := filepath.Glob(filepath.Join(dir, "pebble", "*.log"))
		require.NoError(t, err)
		for _, n := range names {
			fi, err := os.Stat(n)
			require.NoError(t, err)
			size = max(size, fi.Size())
		}
		return size
	}
	require.Eventually(t, func() bool { return logSize() >= 4<<20 }, 10*time.Second, 5*time.Millisecond,
		"the log is not zero-filled ahead (largest log %d bytes)", logSize())
	require.NoError(t, st.Close())

	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	defer st.Close()
	for i := range 100 {
		v, closer, err := st.DB().Get(walKey(i))
		require.NoError(t, err, "key %d", i)
		require.Len(t, v, 100)
		require.NoError(t, closer.Close())
	}
}

// Crashes at random moments while a writer commits synced batches into
// the zero-filled log: each crash image (synced data, plus a random part
// of what was not synced) opens cleanly and holds every acknowledged write.
func TestWALZeroFillCrashImages(t *testing.T) {
	mem := vfs.NewCrashableMem()
	st, err := storage.Open("/db", storage.Options{FS: mem})
	require.NoError(t, err)
	val := make([]byte, 1000)
	acked := make(chan int, 1)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := st.DB().Set(walKey(i), val, pebble.Sync); err != nil {
				done <- err
				return
			}
			select {
			case <-acked:
			default:
			}
			acked <- i
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	for crash := range 8 {
		time.Sleep(time.Duration(50+rng.IntN(100)) * time.Millisecond)
		last := <-acked // every key up to last was acknowledged before the image
		img := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: rand.New(rand.NewPCG(uint64(crash), 7))})
		re, err := storage.Open("/db", storage.Options{FS: img})
		require.NoError(t, err, "crash image %d", crash)
		for i := 0; i <= last; i++ {
			_, closer, err := re.DB().Get(walKey(i))
			require.NoError(t, err, "crash image %d: acknowledged key %d of %d missing", crash, i, last)
			require.NoError(t, closer.Close())
		}
		require.NoError(t, re.Close())
	}
	close(stop)
	require.NoError(t, <-done)
	require.NoError(t, st.Close())
	// The log files were zero-filled in memory too.
	names, err := mem.List("/db/pebble")
	require.NoError(t, err)
	var logs int
	for _, n := range names {
		if strings.HasSuffix(n, ".log") {
			logs++
		}
	}
	require.Positive(t, logs)
}

// BenchmarkSyncCommitWAL is one writer's sync commit latency on a new log
// (zero-filled ahead) and on a recycled one (after two memtable flushes).
func BenchmarkSyncCommitWAL(b *testing.B) {
	for _, flushes := range []int{0, 3} {
		b.Run(map[int]string{0: "new-log", 3: "recycled-log"}[flushes], func(b *testing.B) {
			st, err := storage.Open(b.TempDir(), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			val := make([]byte, 64)
			for range flushes {
				for j := range 20000 {
					_ = st.DB().Set(walKey(j), val, pebble.NoSync)
				}
				if err := st.DB().Flush(); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := st.DB().Set(walKey(i), val, pebble.Sync); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPointGet is a random point read of a compacted 200,000-key
// table that fits in the block cache (the shape of a primary-key lookup).
func BenchmarkPointGet(b *testing.B) {
	st, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n = 200_000
	val := make([]byte, 40)
	batch := st.DB().NewBatch()
	for j := range n {
		_ = batch.Set(walKey(j), val, nil)
	}
	if err := batch.Commit(pebble.NoSync); err != nil {
		b.Fatal(err)
	}
	if err := st.DB().Compact(b.Context(), []byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 1))
		for b.Loop() {
			_, closer, err := st.DB().Get(walKey(rng.IntN(n)))
			if err != nil {
				b.Fatal(err)
			}
			_ = closer.Close()
		}
	})
}
