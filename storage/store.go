package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// FormatVersion is the on-disk format this build writes and reads. See
// docs/format.md; bump it on any incompatible key or value change.
const FormatVersion = 6

// upgradable lists the older formats this build reads as they are and
// upgrades on open (an older build then refuses the directory instead of
// misreading what this one writes). 2: change records were MessagePack
// maps, still decoded; its empty per-partition change-log keys (0x20),
// which nothing read, are removed with one range deletion. 3: every
// collection hashed its whole primary key into the vShard, as a
// collection whose descriptor has no shard_cols still does; collections
// created since may hash a prefix, which a format 3 build would misread.
// 4: the change log held one record per key; this build still reads those
// and writes groups (LogGroup), which a format 4 build would reject.
var upgradable = map[uint32]bool{2: true, 3: true, 4: true, 5: true}

// Keyspace tags: the first byte of every key.
const (
	TagSystem     byte = 0x01 // system state: format version, last LSN, id counters
	TagCatalog    byte = 0x02 // catalog descriptors
	TagRow        byte = 0x10 // rows: tag, collection id, vshard, primary key
	TagIndex      byte = 0x11 // secondary index entries: tag, index id, values[, pk]
	TagChangeLog  byte = 0x20 // retired in format 3: empty per-partition change-log keys of format 2
	TagLSNIndex   byte = 0x21 // change log in LSN order: tag, lsn → collection id, vshard, record
	TagCompact    byte = 0x22 // compacted streams: tag, stream id, key → lsn of the key's latest event
	TagOffset     byte = 0x30 // consumer group offsets: tag, group id, partition → lsn
	TagDeadLetter byte = 0x40 // outbound delivery dead letters: tag, stream id, lsn → entry
)

// NumVShards is the number of virtual shards rows and change-log records
// are partitioned into.
const NumVShards = 1024

// System keys.
var (
	KeyFormatVersion = []byte{TagSystem, 'f', 'o', 'r', 'm', 'a', 't'}
	KeyLastLSN       = []byte{TagSystem, 'l', 's', 'n'}
	KeyNextID        = []byte{TagSystem, 'i', 'd'}
)

// Store is the one Pebble database under a data directory.
type Store struct {
	db  *pebble.DB
	dir string
}

// Options configures Open.
type Options struct {
	// FS replaces the filesystem (crash tests use an in-memory FS).
	FS vfs.FS
	// CacheSize is the block cache size in bytes (default 64 MiB).
	CacheSize int64
}

const memTableSize = 32 << 20

// ErrFormat is returned when the directory holds an incompatible format.
var ErrFormat = errors.New("storage: incompatible on-disk format")

// Open opens or creates the store in dir and checks its format version.
func Open(dir string, opts Options) (*Store, error) {
	if opts.FS == nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("storage: create data dir: %w", err)
		}
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = 64 << 20
	}
	// Pebble charges its memtables to the block cache (the mutable one and
	// one being flushed, each MemTableSize): without room for them on top,
	// a 64 MiB cache with two 32 MiB memtables caches no block at all and
	// every point read goes to the file.
	cache := pebble.NewCache(opts.CacheSize + 2*memTableSize)
	defer cache.Unref()
	fs := opts.FS
	if fs == nil {
		fs = vfs.Default
	}
	po := &pebble.Options{
		FS:                    walFS{FS: fs},
		Cache:                 cache,
		MemTableSize:          memTableSize,
		L0CompactionThreshold: 4,
		Logger:                quietLogger{},
		// Tables with columnar data blocks (TableFormatPebblev6): a
		// scan steps through a block's key and value columns instead of
		// decoding each entry's shared-prefix header. A store made by an
		// earlier build is ratcheted up on open; its tables are rewritten
		// by later compactions.
		FormatMajorVersion: pebble.FormatTableFormatV6,
	}
	// Bloom filters let point reads (primary-key lookups, the existence
	// check of every INSERT) skip sstables that cannot hold the key.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].FilterType = pebble.TableFilter
		// One index block per table rather than Pebble's two-level index
		// (which it builds once the index passes 4 KiB): a point read
		// then takes one index search, not two. Random point reads of a
		// 200,000-key table from the cache went from 1.71-1.85 to
		// 1.59-1.61 µs, of a 2,000,000-key one (not all cached) from
		// 4.7-5.1 to 4.3-4.7 µs.
		po.Levels[i].IndexBlockSize = 256 << 10
		// 16 KiB data blocks (Pebble's default is 4 KiB): a full scan
		// pays a cache lookup and a block setup per block. Iterating
		// TPC-H's lineitem (600,000 rows of ~200 bytes, all cached): row
		// blocks of 4 KiB 110 ns a row, columnar 4 KiB 87, 16 KiB 67,
		// 32 KiB 61; random point reads (BenchmarkPointGet) unchanged
		// within the machine's noise.
		po.Levels[i].BlockSize = 16 << 10
	}
	// Flushes and compactions end an output table where the LSN-ordered
	// change log begins and where it ends. Its keys only ever grow, so a
	// table holding nothing else never overlaps the older log below it and
	// moves down the levels without being rewritten; mixed with row keys
	// it would overlap all of it, and every compaction would rewrite the
	// whole retained log.
	po.Experimental.SpanPolicyFunc = logSpanPolicy
	db, err := pebble.Open(filepath.Join(dir, "pebble"), po)
	if err != nil {
		return nil, fmt.Errorf("storage: open: %w", err)
	}
	s := &Store{db: db, dir: dir}
	if err := s.checkFormat(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkFormat() error {
	v, closer, err := s.db.Get(KeyFormatVersion)
	if errors.Is(err, pebble.ErrNotFound) {
		var buf [4]byte
		binary.BigEndian.PutUint32(buf[:], FormatVersion)
		if err := s.db.Set(KeyFormatVersion, buf[:], pebble.Sync); err != nil {
			return fmt.Errorf("storage: write format version: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: read format version: %w", err)
	}
	ok := len(v) == 4 && binary.BigEndian.Uint32(v) == FormatVersion
	upgrade := len(v) == 4 && upgradable[binary.BigEndian.Uint32(v)]
	from := uint32(0)
	if len(v) == 4 {
		from = binary.BigEndian.Uint32(v)
	}
	found := append([]byte(nil), v...)
	_ = closer.Close()
	switch {
	case ok:
		return nil
	case upgrade:
		b := s.db.NewBatch()
		defer b.Close()
		var buf [4]byte
		binary.BigEndian.PutUint32(buf[:], FormatVersion)
		if from < 3 {
			if err := b.DeleteRange([]byte{TagChangeLog}, []byte{TagChangeLog + 1}, nil); err != nil {
				return fmt.Errorf("storage: upgrade: %w", err)
			}
		}
		if err := b.Set(KeyFormatVersion, buf[:], nil); err != nil {
			return fmt.Errorf("storage: upgrade: %w", err)
		}
		if err := b.Commit(pebble.Sync); err != nil {
			return fmt.Errorf("storage: upgrade format version: %w", err)
		}
		return nil
	}
	return fmt.Errorf("%w: found %x, this build reads %d", ErrFormat, found, FormatVersion)
}

// logSpanPolicy splits the keyspace into what lies before the change log
// (tag 0x21), the log, and what follows it (see Open).
func logSpanPolicy(start []byte) (pebble.SpanPolicy, []byte, error) {
	switch {
	case len(start) == 0 || start[0] < TagLSNIndex:
		return pebble.SpanPolicy{}, []byte{TagLSNIndex}, nil
	case start[0] == TagLSNIndex:
		return pebble.SpanPolicy{}, []byte{TagLSNIndex + 1}, nil
	}
	return pebble.SpanPolicy{}, nil, nil
}

// DeleteRange removes every key in [lo, hi) with one range deletion,
// outside the commit pipeline and without waiting for a sync: it is for
// garbage nobody can read any more (change-log retention), so a crash that
// loses it only leaves the garbage for the next attempt.
func (s *Store) DeleteRange(lo, hi []byte) error {
	if err := s.db.DeleteRange(lo, hi, pebble.NoSync); err != nil {
		return fmt.Errorf("storage: delete range: %w", err)
	}
	return nil
}

// ReplaceLogEntry replaces the change-log entry at key by g's (retention
// removing part of a group): one batch, so a reader sees one or the other.
// Like DeleteRange it does not wait for a sync; a crash may leave the old
// entry, which retention then trims again.
func (s *Store) ReplaceLogEntry(key []byte, g *LogGroup) error {
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.Delete(key, nil); err != nil {
		return fmt.Errorf("storage: replace log entry: %w", err)
	}
	if g.Len() > 0 {
		if err := b.Set(g.Key(), g.Value(), nil); err != nil {
			return fmt.Errorf("storage: replace log entry: %w", err)
		}
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("storage: replace log entry: %w", err)
	}
	return nil
}

// DB returns the underlying Pebble database.
func (s *Store) DB() *pebble.DB { return s.db }

// Dir returns the data directory.
func (s *Store) Dir() string { return s.dir }

// Flush writes the memtables to sstables and waits for it (CHECKPOINT):
// the write-ahead log then holds nothing the data files lack.
func (s *Store) Flush() error {
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("storage: flush: %w", err)
	}
	return nil
}

// Compact rewrites the keys in [lo, hi) into the bottom level of the LSM
// tree (Pebble's manual compaction), dropping overwritten and deleted
// versions: a range read or seek then consults one table per level less.
func (s *Store) Compact(ctx context.Context, lo, hi []byte) error {
	if err := s.db.Compact(ctx, lo, hi, true); err != nil {
		return fmt.Errorf("storage: compact: %w", err)
	}
	return nil
}

// EstimateSize returns the estimated bytes on disk of the keys in [lo,
// hi) (tables wholly inside count whole; those overlapping the edges in
// proportion).
func (s *Store) EstimateSize(lo, hi []byte) (uint64, error) {
	n, err := s.db.EstimateDiskUsage(lo, hi)
	if err != nil {
		return 0, fmt.Errorf("storage: estimate size: %w", err)
	}
	return n, nil
}

// Close closes the store.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("storage: close: %w", err)
	}
	return nil
}

// DiskUsage returns the bytes the store occupies on disk.
func (s *Store) DiskUsage() uint64 {
	return s.db.Metrics().DiskSpaceUsage()
}

// VShard returns the virtual shard of a row: hash(collection, pk) mod 1024.
func VShard(collection string, pk []byte) uint16 {
	h := xxhash.New()
	_, _ = h.WriteString(collection)
	_, _ = h.Write([]byte{0})
	_, _ = h.Write(pk)
	return uint16(h.Sum64() % NumVShards)
}

// VShardPrefix is VShard of a row whose collection hashes only the first
// cols values of its encoded primary key (0: all of them), so that every
// row sharing those values is in one vShard and, its row keys sorting by
// the whole key, in one contiguous key range.
func VShardPrefix(collection string, pk []byte, cols int) uint16 {
	if cols > 0 {
		if n, err := KeyPrefixLen(pk, cols); err == nil {
			pk = pk[:n]
		}
	}
	return VShard(collection, pk)
}

// RowPrefix is the prefix of every row key of a collection.
func RowPrefix(coll uint32) []byte {
	b := make([]byte, 0, 5)
	b = append(b, TagRow)
	return binary.BigEndian.AppendUint32(b, coll)
}

// RowKeyPrefixLen is the length of a row key before its encoded pk.
const RowKeyPrefixLen = 7

// RowKey builds a row key from a collection id, vshard and encoded pk.
func RowKey(coll uint32, vshard uint16, pk []byte) []byte {
	b := make([]byte, RowKeyPrefixLen, RowKeyPrefixLen+len(pk))
	PutRowKeyPrefix(b, coll, vshard)
	return append(b, pk...)
}

// PutRowKeyPrefix writes the first RowKeyPrefixLen bytes of a row key
// into b: a caller that encoded the pk after room for them (b[7:]) gets the
// key without copying the pk.
func PutRowKeyPrefix(b []byte, coll uint32, vshard uint16) {
	b[0] = TagRow
	binary.BigEndian.PutUint32(b[1:5], coll)
	binary.BigEndian.PutUint16(b[5:7], vshard)
}

// SplitRowKey returns the vshard and encoded pk of a row key.
func SplitRowKey(k []byte) (uint16, []byte) {
	return binary.BigEndian.Uint16(k[5:7]), k[7:]
}

// IndexPrefix is the prefix of every entry of a secondary index.
func IndexPrefix(index uint32) []byte {
	return AppendIndexPrefix(make([]byte, 0, IndexPrefixLen), index)
}

// IndexPrefixLen is the length of an index's key prefix (IndexPrefix).
const IndexPrefixLen = 5

// AppendIndexPrefix appends IndexPrefix(index) to b.
func AppendIndexPrefix(b []byte, index uint32) []byte {
	b = append(b, TagIndex)
	return binary.BigEndian.AppendUint32(b, index)
}

// CatalogKey is the key of a catalog object: kind byte then id.
func CatalogKey(kind byte, id uint32) []byte {
	b := []byte{TagCatalog, kind}
	return binary.BigEndian.AppendUint32(b, id)
}

// CatalogPrefix is the prefix of every catalog object of one kind.
func CatalogPrefix(kind byte) []byte { return []byte{TagCatalog, kind} }

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

// LSNIndexKey is the key of the LSN-ordered pointer to a change record.
func LSNIndexKey(lsn uint64) []byte {
	b := make([]byte, 0, 9)
	b = append(b, TagLSNIndex)
	return binary.BigEndian.AppendUint64(b, lsn)
}

// LSNIndexValue is the value of a one-record LSN-index entry as format 4
// and older wrote it (still read; tests write such entries): the
// collection id, the vshard, then the change record.
func LSNIndexValue(coll uint32, vshard uint16, record []byte) []byte {
	b := make([]byte, 0, 6+len(record))
	b = binary.BigEndian.AppendUint32(b, coll)
	b = binary.BigEndian.AppendUint16(b, vshard)
	return append(b, record...)
}

// splitLSNIndex decodes a one-record LSN-index entry (written before
// format 5); record aliases v. AppendLogRecords reads every kind of entry.
func splitLSNIndex(k, v []byte) (lsn uint64, coll uint32, vshard uint16, record []byte, ok bool) {
	if len(k) != 9 || k[0] != TagLSNIndex || len(v) < 6 {
		return 0, 0, 0, nil, false
	}
	return binary.BigEndian.Uint64(k[1:]), binary.BigEndian.Uint32(v[:4]), binary.BigEndian.Uint16(v[4:6]), v[6:], true
}

// Change-log groups (format 5): the change records of one commit batch
// share an entry of the LSN-ordered log, keyed by LSNIndexKey(last LSN)
// followed by logGroupSuffix, up to LogGroupTarget bytes each. A key per
// record cost every change a memtable entry, a key in each flushed table
// and a compaction step: a Redis SET of a few bytes was mostly that. Keyed
// by their last LSN, entries of either kind sort in LSN order, and a seek
// to LSNIndexKey(n) lands on the entry holding the first record at or
// after n (a group may begin before n: readers skip what they have seen).
// The value: a version byte (logGroupV1), then per record the LSN as a
// uvarint (the first record's whole, each later one as the difference
// from the one before, at least 1), u32 collection id, u16 vshard, and the
// record as a uvarint length and its bytes.
const (
	logGroupSuffix = 'g'
	logGroupV1     = 1
	// LogGroupTarget is the size at which a group entry is closed and the
	// batch's further records start another.
	LogGroupTarget = 64 << 10
)

// LogRecord is one change record read from the log; Raw aliases the
// entry's value.
type LogRecord struct {
	LSN    uint64
	Coll   uint32
	VShard uint16
	Raw    []byte
}

// LogGroup builds the group entries of a commit batch (see LogGroupTarget).
type LogGroup struct {
	buf  []byte
	n    int
	last uint64
}

// Add appends a record with an LSN above every record added before.
func (g *LogGroup) Add(lsn uint64, coll uint32, vshard uint16, record []byte) {
	if g.n == 0 {
		g.buf = append(g.buf[:0], logGroupV1)
		g.buf = binary.AppendUvarint(g.buf, lsn)
	} else {
		g.buf = binary.AppendUvarint(g.buf, lsn-g.last)
	}
	g.buf = binary.BigEndian.AppendUint32(g.buf, coll)
	g.buf = binary.BigEndian.AppendUint16(g.buf, vshard)
	g.buf = binary.AppendUvarint(g.buf, uint64(len(record)))
	g.buf = append(g.buf, record...)
	g.n++
	g.last = lsn
}

// Len is the number of records added since the last Reset.
func (g *LogGroup) Len() int { return g.n }

// Size is the encoded size of the entry's value.
func (g *LogGroup) Size() int { return len(g.buf) }

// Key and Value are the entry of the records added (valid until the next
// Add or Reset; a Pebble batch copies them).
func (g *LogGroup) Key() []byte {
	return append(LSNIndexKey(g.last), logGroupSuffix)
}

// Value is the entry's value (see Key).
func (g *LogGroup) Value() []byte { return g.buf }

// Reset empties the group, keeping its buffer.
func (g *LogGroup) Reset() { g.n, g.buf = 0, g.buf[:0] }

// AppendLogRecords decodes an entry of the LSN-ordered log, a group or a
// single record of format 4 or older, appending its records in LSN order
// to recs; their Raw aliases v. ok is false for a malformed entry.
func AppendLogRecords(recs []LogRecord, k, v []byte) (_ []LogRecord, ok bool) {
	if len(k) == 9 {
		lsn, coll, vshard, raw, ok := splitLSNIndex(k, v)
		if !ok {
			return recs, false
		}
		return append(recs, LogRecord{LSN: lsn, Coll: coll, VShard: vshard, Raw: raw}), true
	}
	if len(k) != 10 || k[0] != TagLSNIndex || k[9] != logGroupSuffix || len(v) == 0 || v[0] != logGroupV1 {
		return recs, false
	}
	last := binary.BigEndian.Uint64(k[1:9])
	var lsn uint64
	for i := 1; i < len(v); {
		d, n := binary.Uvarint(v[i:])
		if n <= 0 || d == 0 || d > last-lsn {
			return recs, false
		}
		lsn += d
		i += n
		if len(v)-i < 6 {
			return recs, false
		}
		coll := binary.BigEndian.Uint32(v[i:])
		vshard := binary.BigEndian.Uint16(v[i+4:])
		i += 6
		size, n := binary.Uvarint(v[i:])
		if n <= 0 || size > uint64(len(v)-i-n) {
			return recs, false
		}
		i += n
		recs = append(recs, LogRecord{LSN: lsn, Coll: coll, VShard: vshard, Raw: v[i : i+int(size) : i+int(size)]})
		i += int(size)
	}
	if lsn != last {
		return recs, false
	}
	return recs, true
}

// OffsetPrefix is the prefix of every offset of a consumer group.
func OffsetPrefix(group uint32) []byte {
	b := make([]byte, 0, 5)
	b = append(b, TagOffset)
	return binary.BigEndian.AppendUint32(b, group)
}

// ScheduleStatePrefix is the prefix of a schedule's run state ('s') and
// run history ('h' <u64 start ms>), in the system keyspace.
func ScheduleStatePrefix(id uint32) []byte {
	b := make([]byte, 0, 16)
	b = append(b, TagSystem, 'S')
	return binary.BigEndian.AppendUint32(b, id)
}

// SequenceKey holds a sequence's state (the last value it may have handed
// out and whether it was), in the system keyspace.
func SequenceKey(id uint32) []byte {
	b := make([]byte, 0, 6)
	b = append(b, TagSystem, 'Q')
	return binary.BigEndian.AppendUint32(b, id)
}

// CompactPrefix is the prefix of a compacted stream's key index.
func CompactPrefix(stream uint32) []byte {
	b := make([]byte, 0, 16)
	b = append(b, TagCompact)
	return binary.BigEndian.AppendUint32(b, stream)
}

// CompactKey is the index entry of one key of a compacted stream.
func CompactKey(stream uint32, key []byte) []byte {
	return append(CompactPrefix(stream), key...)
}

// DeadLetterPrefix is the prefix of every dead letter of a stream.
func DeadLetterPrefix(stream uint32) []byte {
	b := make([]byte, 0, 13)
	b = append(b, TagDeadLetter)
	return binary.BigEndian.AppendUint32(b, stream)
}

// DeadLetterKey is the key of the dead letter of one event of a stream.
func DeadLetterKey(stream uint32, lsn uint64) []byte {
	return binary.BigEndian.AppendUint64(DeadLetterPrefix(stream), lsn)
}

// OffsetKey is the key of one (group, partition) committed offset.
func OffsetKey(group uint32, partition uint16) []byte {
	return binary.BigEndian.AppendUint16(OffsetPrefix(group), partition)
}
