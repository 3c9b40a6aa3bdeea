package event

import (
	"encoding/binary"
	"maps"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Event is one committed row change as a stream delivers it.
type Event struct {
	LSN        uint64
	Partition  uint16
	CollID     uint32
	Collection string
	Op         string // INSERT, UPDATE, DELETE
	RowID      string
	TimeMs     int64
	New, Old   map[string]any // nil when absent
	Depth      uint8          // trigger hops that led to the change (0: a client's write)
	// StmtCont: not the first change of its statement and op (see
	// txn.Change.StmtCont).
	StmtCont bool
}

// floorPartition is the offset slot holding a group's floor: every
// partition is consumed at least up to it.
const floorPartition = 0xffff

// Offsets are a group's committed positions: Part maps a partition to the
// last LSN consumed there; Floor is an LSN every partition is consumed
// through (set when a group commits after reading all partitions in LSN
// order), which lets a read start there instead of at the stream's start.
type Offsets struct {
	Part  map[uint16]uint64
	Floor uint64
	// Any: the group has committed some position (possibly of a
	// partition LoadOffsetsOf did not load).
	Any bool
}

// Of returns the effective position of a partition.
func (o Offsets) Of(p uint16) uint64 { return max(o.Part[p], o.Floor) }

// LoadOffsets reads a group's committed offsets.
func LoadOffsets(tx *txn.Txn, groupID uint32) (Offsets, error) {
	if c := cacheFor(tx); c != nil {
		var out Offsets
		err := c.view(tx.Manager(), groupID, func(g *cachedGroup) { out = g.offsets() })
		return out, err
	}
	out, _, err := loadOffsetsStored(tx, groupID)
	return out, err
}

// loadOffsetsStored reads a group's offsets from storage, and whether its
// floor is set.
func loadOffsetsStored(tx *txn.Txn, groupID uint32) (Offsets, bool, error) {
	lo := storage.OffsetPrefix(groupID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return Offsets{}, false, err
	}
	out := Offsets{Part: map[uint16]uint64{}}
	hasFloor := false
	for ; it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 7 || len(v) != 8 {
			_ = it.Close()
			return Offsets{}, false, errBadOffset()
		}
		p, lsn := binary.BigEndian.Uint16(k[5:]), binary.BigEndian.Uint64(v)
		if p == floorPartition {
			out.Floor, hasFloor = lsn, true
		} else {
			out.Part[p] = lsn
		}
		out.Any = true
	}
	return out, hasFloor, it.Close()
}

// LoadOffsetsOf reads a group's floor and the positions of the given
// partitions only. Without the cache (a transaction that wrote something)
// it uses point reads: an iterator over a group's offset keys steps over
// every old version until Pebble flushes its memtable, a point read finds
// the newest at once.
func LoadOffsetsOf(tx *txn.Txn, groupID uint32, parts func(yield func(uint16) bool)) (Offsets, error) {
	out := Offsets{Part: map[uint16]uint64{}}
	if c := cacheFor(tx); c != nil {
		err := c.view(tx.Manager(), groupID, func(g *cachedGroup) {
			out.Floor, out.Any = g.floor, g.hasFloor || len(g.part) > 0
			for p := range parts {
				if l, ok := g.part[p]; ok {
					out.Part[p] = l
				}
			}
		})
		return out, err
	}
	floor, _, err := getOffset(tx, groupID, floorPartition)
	if err != nil {
		return Offsets{}, err
	}
	out.Floor = floor
	// Whether the group committed anything at all (retention's
	// history-lost check treats a group that never did differently): the
	// first key of its range is enough.
	lo := storage.OffsetPrefix(groupID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return Offsets{}, err
	}
	out.Any = it.Valid()
	if err := it.Close(); err != nil {
		return Offsets{}, err
	}
	return out, out.LoadPartitions(tx, groupID, parts)
}

// LoadPartitions adds the committed positions of parts to o.
func (o *Offsets) LoadPartitions(tx *txn.Txn, groupID uint32, parts func(yield func(uint16) bool)) error {
	if c := cacheFor(tx); c != nil {
		return c.view(tx.Manager(), groupID, func(g *cachedGroup) {
			for p := range parts {
				if l, ok := g.part[p]; ok {
					o.Part[p] = l
				}
			}
		})
	}
	for p := range parts {
		lsn, ok, err := getOffset(tx, groupID, p)
		if err != nil {
			return err
		}
		if ok {
			o.Part[p] = lsn
		}
	}
	return nil
}

// LoadOffsetsFor loads what a read needs: one partition's position
// (partition >= 0), a member's range (rng), or, for a read of every
// partition, all of them.
func LoadOffsetsFor(tx *txn.Txn, groupID uint32, partition int, rng *Range) (Offsets, error) {
	switch {
	case partition >= 0:
		return LoadOffsetsOf(tx, groupID, PartitionRange(partition, partition+1))
	case rng != nil:
		return LoadOffsetsOf(tx, groupID, PartitionRange(rng.Lo, rng.Hi))
	}
	return LoadOffsets(tx, groupID)
}

func getOffset(tx *txn.Txn, groupID uint32, p uint16) (uint64, bool, error) {
	v, ok, err := tx.Get(storage.OffsetKey(groupID, p))
	if err != nil || !ok {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, errBadOffset()
	}
	return binary.BigEndian.Uint64(v), true, nil
}

// PartitionRange yields the partitions lo..hi-1.
func PartitionRange(lo, hi int) func(yield func(uint16) bool) {
	return func(yield func(uint16) bool) {
		for p := max(lo, 0); p < min(hi, storage.NumVShards); p++ {
			if !yield(uint16(p)) {
				return
			}
		}
	}
}

// CommitFloor raises a group's floor (never lowers it).
func CommitFloor(tx *txn.Txn, groupID uint32, lsn uint64) error {
	key := storage.OffsetKey(groupID, floorPartition)
	if v, ok, err := tx.Get(key); err != nil {
		return err
	} else if ok && len(v) == 8 && binary.BigEndian.Uint64(v) >= lsn {
		return nil
	}
	SetFloor(tx, groupID, lsn)
	return nil
}

// SetFloor sets a group's floor (resets may lower it).
func SetFloor(tx *txn.Txn, groupID uint32, lsn uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], lsn)
	tx.Set(storage.OffsetKey(groupID, floorPartition), b[:])
}

// CommitOffset sets one partition's committed position. Moving it
// backwards fails with 22023; the same value again is fine.
func CommitOffset(tx *txn.Txn, groupID uint32, partition uint16, lsn uint64) error {
	if partition >= storage.NumVShards {
		return errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", partition, storage.NumVShards-1)
	}
	key := storage.OffsetKey(groupID, partition)
	if v, ok, err := tx.Get(key); err != nil {
		return err
	} else if ok && len(v) == 8 && binary.BigEndian.Uint64(v) > lsn {
		return errs.Errorf(errs.InvalidParameterValue,
			"cannot move the offset of partition %d backwards from %d to %d", partition, binary.BigEndian.Uint64(v), lsn).
			WithHint("Use ALTER CONSUMER GROUP ... SET OFFSET to rewind a group.")
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], lsn)
	tx.Set(key, b[:])
	return nil
}

// SetOffset sets one partition's position without the forward-only check
// (ALTER CONSUMER GROUP ... SET OFFSET).
func SetOffset(tx *txn.Txn, groupID uint32, partition uint16, lsn uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], lsn)
	tx.Set(storage.OffsetKey(groupID, partition), b[:])
}

// ReadOptions selects what a stream read returns.
type ReadOptions struct {
	Partition int // -1 for every partition
	Limit     int
	// Range, when non-nil, restricts a read to a member's partitions.
	Range *Range
	// UpTo, when non-zero, ends the read at this LSN.
	UpTo uint64
	// raw skips compaction (the compactor reads every event).
	raw bool
}

// Read returns up to opts.Limit events of a stream after the group's
// offsets, in LSN order (so each partition's events are in commit order),
// from the transaction's snapshot. It walks the LSN index from the lowest
// position any partition still needs.
func Read(tx *txn.Txn, cat *catalog.Catalog, log *Log, st *catalog.Stream, offsets Offsets, opts ReadOptions) ([]Event, error) {
	if err := log.CheckLost(st, offsets, opts.Partition, opts.Range); err != nil {
		return nil, err
	}
	from := max(st.StartLSN, offsets.Floor)
	switch {
	case opts.Partition >= 0:
		from = max(from, offsets.Part[uint16(opts.Partition)])
	case opts.Range != nil && opts.Range.Hi > opts.Range.Lo:
		// A member reads its partitions only: start at the lowest of
		// their positions, not at the group's floor.
		low := ^uint64(0)
		for p := opts.Range.Lo; p < opts.Range.Hi; p++ {
			low = min(low, offsets.Part[uint16(p)])
		}
		from = max(from, low)
	}
	it, err := tx.NewIter(storage.LSNIndexKey(from+1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	out := make([]Event, 0, min(opts.Limit, 1000))
	compact := st.Compaction != nil && !opts.raw
	nowMs := time.Now().UnixMilli()
	var recs []storage.LogRecord
entries:
	for ; it.Valid() && len(out) < opts.Limit; it.Next() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value()); !ok {
			return nil, errBadLogEntry()
		}
		for _, r := range recs {
			lsn, coll, vshard := r.LSN, r.Coll, r.VShard
			if len(out) >= opts.Limit || (opts.UpTo != 0 && lsn > opts.UpTo) {
				break entries
			}
			if lsn <= from || !st.Covers(coll) || (opts.Partition >= 0 && int(vshard) != opts.Partition) {
				continue // from: a group may begin before the position
			}
			if opts.Range != nil && (int(vshard) < opts.Range.Lo || int(vshard) >= opts.Range.Hi) {
				continue
			}
			if lsn <= offsets.Part[vshard] {
				continue
			}
			// The record's values alias the iterator's buffer: decoded
			// below, before the next step.
			rec, err := txn.DecodeRecordView(coll, vshard, r.Raw)
			if err != nil {
				return nil, err
			}
			op := rec.Op.String()
			if !st.Includes(op) {
				continue
			}
			desc, _ := cat.ByID(coll)
			if desc != nil && desc.Name == string(rec.CollNameView) {
				rec.CollName = desc.Name // the usual case, without a copy
			} else {
				rec.CollName = string(rec.CollNameView) // renamed or gone since
			}
			ev := Event{LSN: lsn, Partition: vshard, CollID: coll, Collection: rec.CollName, Op: op, RowID: rec.RowID,
				TimeMs: rec.TimeMs, Depth: rec.Depth, StmtCont: rec.StmtCont}
			if ev.New, err = decodeValue(desc, rec.New); err != nil {
				return nil, err
			}
			if ev.Old, err = decodeValue(desc, rec.Old); err != nil {
				return nil, err
			}
			if compact {
				skip, err := compacted(tx, st, &ev, nowMs)
				if err != nil {
					return nil, err
				}
				if skip {
					continue
				}
			}
			out = append(out, ev)
		}
	}
	return out, nil
}

// errBadLogEntry is the corruption error of a malformed change-log entry.
func errBadLogEntry() error { return errs.New(errs.DataCorrupted, "event: bad LSN index entry") }

// decodeValue turns a stored row into a document (strict rows become an
// object keyed by column name).
func decodeValue(desc *catalog.Collection, raw []byte) (map[string]any, error) {
	if raw == nil {
		return nil, nil
	}
	if desc == nil || !desc.Tuple() {
		return document.DecodeDoc(raw)
	}
	m := make(map[string]any, len(desc.Columns))
	err := document.EachTupleValue(raw, len(desc.Columns), func(i int, v any) {
		if i < len(desc.Columns) && !desc.Columns[i].Hidden {
			m[desc.Columns[i].Name] = v
		}
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Delivered remembers, per group, what reads returned: the last LSN per
// partition, and how far a read of every partition in LSN order got (its
// floor: everything through it was delivered). COMMIT OFFSETS commits
// exactly that. It is memory only: after a restart a group resumes from
// its committed offsets.
type Delivered struct {
	mu sync.Mutex
	m  map[uint32]*Offsets
}

// Note records what a read delivered to a group. through, when non-zero,
// says the read covered every partition and every event up to it.
func (d *Delivered) Note(groupID uint32, evs []Event, through uint64) {
	if len(evs) == 0 && through == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[uint32]*Offsets{}
	}
	o := d.m[groupID]
	if o == nil {
		o = &Offsets{Part: map[uint16]uint64{}}
		d.m[groupID] = o
	}
	for _, e := range evs {
		if e.LSN > o.Part[e.Partition] {
			o.Part[e.Partition] = e.LSN
		}
	}
	if through > o.Floor {
		o.Floor = through
	}
}

// Get returns a copy of what was delivered to a group.
func (d *Delivered) Get(groupID uint32) Offsets {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.m[groupID]
	if o == nil {
		return Offsets{Part: map[uint16]uint64{}}
	}
	return Offsets{Part: maps.Clone(o.Part), Floor: o.Floor}
}

// Forget drops a group's delivered positions (after a reset or drop).
func (d *Delivered) Forget(groupID uint32) {
	d.mu.Lock()
	delete(d.m, groupID)
	d.mu.Unlock()
}

// LastBefore returns the LSN of the last event of a stream committed
// before timeMs (or the stream's start when there is none): the position
// that replays everything from that time on.
func LastBefore(tx *txn.Txn, st *catalog.Stream, timeMs int64) (uint64, error) {
	it, err := tx.NewIter(storage.LSNIndexKey(st.StartLSN+1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return 0, err
	}
	defer it.Close()
	pos := st.StartLSN
	var recs []storage.LogRecord
	for ; it.Valid(); it.Next() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value()); !ok {
			continue
		}
		for _, r := range recs {
			if r.LSN <= st.StartLSN || !st.Covers(r.Coll) {
				continue
			}
			rec, err := txn.DecodeRecord(r.Coll, r.VShard, r.Raw)
			if err != nil {
				return 0, err
			}
			if rec.TimeMs >= timeMs {
				return pos, nil
			}
			pos = r.LSN
		}
	}
	return pos, nil
}

// errBadOffset is the corruption error of a malformed offset record.
func errBadOffset() error { return errs.New(errs.DataCorrupted, "event: bad offset record") }
