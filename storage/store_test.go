package storage_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

func TestOpenWritesAndChecksFormatVersion(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	v, closer, err := st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(storage.FormatVersion), binary.BigEndian.Uint32(v))
	require.Len(t, v, 4)
	require.NoError(t, closer.Close())
	require.Equal(t, dir, st.Dir())
	require.NoError(t, st.Close())

	// Reopening the same version works.
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	for name, val := range map[string][]byte{
		"newer version": binary.BigEndian.AppendUint32(nil, storage.FormatVersion+1),
		"older version": binary.BigEndian.AppendUint32(nil, 1),
		"bad length":    {0, 0, 0, 0, storage.FormatVersion},
	} {
		t.Run(name, func(t *testing.T) {
			db, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
			require.NoError(t, err)
			require.NoError(t, db.Set(storage.KeyFormatVersion, val, pebble.Sync))
			require.NoError(t, db.Close())

			_, err = storage.Open(dir, storage.Options{})
			require.Error(t, err)
			require.True(t, errors.Is(err, storage.ErrFormat), "got %v", err)

			// The refusal did not rewrite the version.
			db, err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
			require.NoError(t, err)
			got, closer, err := db.Get(storage.KeyFormatVersion)
			require.NoError(t, err)
			require.Equal(t, val, append([]byte(nil), got...))
			require.NoError(t, closer.Close())
			// Restore for the next case.
			require.NoError(t, db.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, storage.FormatVersion), pebble.Sync))
			require.NoError(t, db.Close())
		})
	}
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	// Format 2 (map change records, which this build still decodes) opens
	// and is upgraded: the version now says the current one and format 2's empty
	// per-partition change-log keys (tag 0x20) are gone; the neighbouring
	// keyspaces are untouched.
	pdb, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
	require.NoError(t, err)
	require.NoError(t, pdb.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, 2), pebble.Sync))
	for _, k := range [][]byte{{0x11, 0xff}, {0x20, 0, 0, 0, 7, 0, 3}, {0x20, 0xff, 0xff}, {0x21, 0}} {
		require.NoError(t, pdb.Set(k, nil, pebble.Sync))
	}
	require.NoError(t, pdb.Close())
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	ver, vcloser, err := st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(storage.FormatVersion), binary.BigEndian.Uint32(ver))
	require.NoError(t, vcloser.Close())
	it, err := st.DB().NewIter(&pebble.IterOptions{LowerBound: []byte{0x11}, UpperBound: []byte{0x22}})
	require.NoError(t, err)
	var left [][]byte
	for it.First(); it.Valid(); it.Next() {
		left = append(left, append([]byte(nil), it.Key()...))
	}
	require.NoError(t, it.Close())
	require.Equal(t, [][]byte{{0x11, 0xff}, {0x21, 0}}, left)
	require.NoError(t, st.Close())

	// Format 3 (every vShard hashed from the whole key, as collections
	// without shard_cols still are) opens as it is: only the version is
	// rewritten, so a format 3 build refuses the directory from now on.
	pdb, err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
	require.NoError(t, err)
	require.NoError(t, pdb.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, 3), pebble.Sync))
	require.NoError(t, pdb.Set([]byte{0x20, 1}, nil, pebble.Sync))
	require.NoError(t, pdb.Close())
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	ver, vcloser, err = st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(storage.FormatVersion), binary.BigEndian.Uint32(ver))
	require.NoError(t, vcloser.Close())
	_, closer, err = st.DB().Get([]byte{0x20, 1})
	require.NoError(t, err, "a format 3 upgrade deletes nothing")
	require.NoError(t, closer.Close())
	require.NoError(t, st.Close())

	// Format 4 (a change-log key per record, still read) opens as it is:
	// only the version is rewritten, so a format 4 build, which cannot
	// read group entries, refuses the directory from now on.
	pdb, err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
	require.NoError(t, err)
	require.NoError(t, pdb.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, 4), pebble.Sync))
	require.NoError(t, pdb.Set(storage.LSNIndexKey(9), storage.LSNIndexValue(1, 2, []byte("r")), pebble.Sync))
	require.NoError(t, pdb.Close())
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	ver, vcloser, err = st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(storage.FormatVersion), binary.BigEndian.Uint32(ver))
	require.NoError(t, vcloser.Close())
	_, closer, err = st.DB().Get(storage.LSNIndexKey(9))
	require.NoError(t, err, "a format 4 upgrade deletes nothing")
	require.NoError(t, closer.Close())
	require.NoError(t, st.Close())

	// Format 5 opens as it is: only the version is rewritten, so a format
	// 5 build, which ignores renamed collections' placement names and
	// foreign keys, refuses the directory from now on.
	pdb, err = pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{Logger: quiet{}})
	require.NoError(t, err)
	require.NoError(t, pdb.Set(storage.KeyFormatVersion, binary.BigEndian.AppendUint32(nil, 5), pebble.Sync))
	require.NoError(t, pdb.Close())
	st, err = storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	ver, vcloser, err = st.DB().Get(storage.KeyFormatVersion)
	require.NoError(t, err)
	require.Equal(t, uint32(6), binary.BigEndian.Uint32(ver))
	require.NoError(t, vcloser.Close())
	require.NoError(t, st.Close())
}

type quiet struct{}

func (quiet) Infof(string, ...any)         {}
func (quiet) Errorf(string, ...any)        {}
func (quiet) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

// The block cache keeps blocks even while both memtables Pebble charges to
// it are allocated (they used to take all 64 MiB, so nothing was cached).
func TestBlockCacheHoldsBlocksBesideMemtables(t *testing.T) {
	s, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	defer s.Close()
	db := s.DB()
	// Grow the memtable to its full size (Pebble starts small and doubles
	// it at each flush) with ~100 MB of bulk values.
	big := make([]byte, 64<<10)
	for i := 0; i < 1600; i++ {
		require.NoError(t, db.Set([]byte(fmt.Sprintf("b%06d", i)), big, pebble.NoSync))
	}
	b := db.NewBatch()
	val := make([]byte, 100)
	for i := 0; i < 20000; i++ {
		require.NoError(t, b.Set([]byte(fmt.Sprintf("k%06d", i)), val, nil))
	}
	require.NoError(t, b.Commit(pebble.NoSync))
	// An open iterator keeps the flushed memtable alive beside the new one.
	it, err := db.NewIter(nil)
	require.NoError(t, err)
	defer it.Close()
	require.NoError(t, db.Flush())
	for round := 0; round < 2; round++ {
		for i := 0; i < 20000; i += 50 {
			_, closer, err := db.Get([]byte(fmt.Sprintf("k%06d", i)))
			require.NoError(t, err)
			require.NoError(t, closer.Close())
		}
	}
	m := db.Metrics().BlockCache
	require.True(t, m.Size > 0 && m.Hits > m.Misses, "block cache not caching: %+v", m)
}

// TestLogTablesHoldOnlyTheLog: flushes and compactions end their tables
// where the LSN-ordered change log (0x21) begins and ends, so no table
// holds log keys with anything else (such a table would overlap all the
// older log and make every compaction rewrite it).
func TestLogTablesHoldOnlyTheLog(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	defer st.Close()
	db := st.DB()
	for round := 0; round < 6; round++ {
		b := db.NewBatch()
		for i := 0; i < 2000; i++ {
			lsn := uint64(round*2000 + i + 1)
			require.NoError(t, b.Set(storage.RowKey(7, uint16(i%1024), storage.AppendKey(nil, int64(i))), []byte("row"), nil))
			require.NoError(t, b.Set(storage.LSNIndexKey(lsn), storage.LSNIndexValue(7, uint16(i%1024), []byte("record")), nil))
			require.NoError(t, b.Set([]byte{storage.TagOffset, byte(i)}, []byte("offset"), nil))
		}
		require.NoError(t, b.Commit(pebble.Sync))
		require.NoError(t, st.Flush())
	}
	require.NoError(t, db.Compact(context.Background(), []byte{0}, []byte{0xff}, true))
	levels, err := db.SSTables()
	require.NoError(t, err)
	logTables := 0
	for _, level := range levels {
		for _, tbl := range level {
			lo, hi := tbl.Smallest.UserKey, tbl.Largest.UserKey
			log := storage.TagLSNIndex
			mixed := (lo[0] < log && hi[0] >= log) || (lo[0] == log && hi[0] > log)
			require.False(t, mixed, "table %s spans [%x, %x]", tbl.FileNum, lo, hi)
			if lo[0] == log {
				logTables++
			}
		}
	}
	require.Positive(t, logTables)
}

// TestOpenRatchetsPebbleFormat: a store made by an earlier build (Pebble's
// oldest format, row-oriented tables) is moved on open to the format whose
// tables have columnar blocks, and its data reads as before.
func TestOpenRatchetsPebbleFormat(t *testing.T) {
	dir := t.TempDir()
	old, err := pebble.Open(filepath.Join(dir, "pebble"), &pebble.Options{FormatMajorVersion: pebble.FormatMinSupported})
	require.NoError(t, err)
	require.NoError(t, old.Set([]byte{storage.TagRow, 1}, []byte("v"), pebble.Sync))
	require.NoError(t, old.Close())

	st, err := storage.Open(dir, storage.Options{})
	require.NoError(t, err)
	defer st.Close()
	require.GreaterOrEqual(t, st.DB().FormatMajorVersion(), pebble.FormatTableFormatV6)
	v, closer, err := st.DB().Get([]byte{storage.TagRow, 1})
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	require.NoError(t, closer.Close())
}
