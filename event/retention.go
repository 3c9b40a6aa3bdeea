package event

import (
	"context"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Default retention of a change stream (and of the change log of
// collections no stream reads).
const (
	DefaultRetention       = 24 * time.Hour
	DefaultRetentionEvents = 1_000_000
)

// trimKey records, per (collection, partition), the highest LSN retention
// deleted: a group whose position there is lower has lost history.
func trimKey(coll uint32, vshard uint16) []byte {
	b := make([]byte, 0, 7)
	b = append(b, storage.TagSystem, 't')
	b = binary.BigEndian.AppendUint32(b, coll)
	return binary.BigEndian.AppendUint16(b, vshard)
}

// Log is the retention state of the change log: how far each partition of
// each collection was trimmed. Reads consult it to report lost history
// instead of silently skipping it.
type Log struct {
	txm *txn.Manager
	cat *catalog.Catalog
	log *slog.Logger
	now func() time.Time

	mu      sync.RWMutex
	trimmed map[uint32]map[uint16]uint64

	lost atomic.Uint64 // reads refused with 55000

	cancel context.CancelFunc // stops Start's trimmer
	wg     sync.WaitGroup

	// TrimBatch bounds the records one TrimOnce pass examines for
	// removal (0: 100,000); TrimAll runs passes until one removes fewer.
	TrimBatch int
}

// OpenLog loads the trim state.
func OpenLog(txm *txn.Manager, cat *catalog.Catalog, logger *slog.Logger) (*Log, error) {
	l := &Log{txm: txm, cat: cat, log: logger, now: time.Now, trimmed: map[uint32]map[uint16]uint64{}}
	tx := txm.Begin()
	defer tx.Rollback()
	lo := []byte{storage.TagSystem, 't'}
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) != 8 || len(v) != 8 {
			return nil, errs.New(errs.DataCorrupted, "event: bad trim record")
		}
		l.setTrimmedLocked(binary.BigEndian.Uint32(k[2:6]), binary.BigEndian.Uint16(k[6:8]), binary.BigEndian.Uint64(v))
	}
	return l, nil
}

func (l *Log) setTrimmedLocked(coll uint32, p uint16, lsn uint64) {
	m := l.trimmed[coll]
	if m == nil {
		m = map[uint16]uint64{}
		l.trimmed[coll] = m
	}
	if lsn > m[p] {
		m[p] = lsn
	}
}

// Trimmed returns how far a partition of a collection was trimmed.
func (l *Log) Trimmed(coll uint32, p uint16) uint64 {
	if l == nil {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.trimmed[coll][p]
}

// OldestAvailable is the first LSN a stream can still deliver.
func (l *Log) OldestAvailable(st *catalog.Stream) uint64 {
	oldest := st.StartLSN
	if l != nil {
		l.mu.RLock()
		for coll, parts := range l.trimmed {
			if !st.Covers(coll) {
				continue
			}
			for _, t := range parts {
				oldest = max(oldest, t)
			}
		}
		l.mu.RUnlock()
	}
	return oldest + 1
}

// CheckLost fails with 55000 when retention trimmed events a group had not
// consumed. A group that never committed anything starts at the oldest
// retained event and loses nothing.
//
// Only the partitions a read covers are checked: one partition, a
// member's range (rng, when not nil), or all; offsets need to hold just
// those (see LoadOffsetsOf).
func (l *Log) CheckLost(st *catalog.Stream, offsets Offsets, partition int, rng *Range) error {
	if l == nil || (len(offsets.Part) == 0 && offsets.Floor == 0 && !offsets.Any) {
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for coll, parts := range l.trimmed {
		if !st.Covers(coll) {
			continue
		}
		for p, t := range parts {
			if partition >= 0 && int(p) != partition {
				continue
			}
			if rng != nil && rng.Hi > rng.Lo && (int(p) < rng.Lo || int(p) >= rng.Hi) {
				continue
			}
			pos := max(offsets.Of(p), st.StartLSN)
			if t > pos {
				l.lost.Add(1)
				return errs.Errorf(errs.ObjectNotInState,
					"history lost on stream '%s': partition %d is committed at offset %d but the oldest available event is after LSN %d",
					st.Name, p, pos, t).
					WithDetail("Retention removed events this consumer group had not consumed.").
					WithHint("Reset the group with ALTER CONSUMER GROUP ... SET OFFSET TO EARLIEST (or LATEST).")
			}
		}
	}
	return nil
}

// HistoryLost counts reads refused because history was lost.
func (l *Log) HistoryLost() uint64 { return l.lost.Load() }

// Earliest returns, per partition, the position just before the oldest
// retained event of a stream (ALTER ... SET OFFSET TO EARLIEST).
func (l *Log) Earliest(st *catalog.Stream) map[uint16]uint64 {
	out := map[uint16]uint64{}
	if l == nil {
		return out
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for coll, parts := range l.trimmed {
		if !st.Covers(coll) {
			continue
		}
		for p, t := range parts {
			out[p] = max(out[p], t, st.StartLSN)
		}
	}
	return out
}

// Start runs the trimmer every interval until Close.
func (l *Log) Start(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := l.TrimAll(ctx); err != nil && ctx.Err() == nil {
					l.log.Warn("change log retention failed; will retry", "err", err)
				}
			}
		}
	}()
}

// Close stops the trimmer (a pass under way stops at its next check).
func (l *Log) Close() {
	if l.cancel != nil {
		l.cancel()
		l.wg.Wait()
		l.cancel = nil
	}
}

// retention of one stream (or of the default log).
type retention struct {
	cover  func(coll uint32) bool
	maxAge time.Duration
	maxN   int64
}

// TrimAll applies retention until the log holds nothing it may drop: a
// log written faster than one TrimOnce pass per interval removes still
// keeps up. It returns the number of records deleted.
func (l *Log) TrimAll(ctx context.Context) (int, error) {
	// The boundaries hold for every pass: a pass removes only records
	// older than them.
	keepFrom, hi, err := l.bounds()
	if err != nil || hi == 0 {
		return 0, err
	}
	total := 0
	for {
		n, err := l.trimPass(ctx, keepFrom, hi)
		total += n
		if err != nil || n < l.trimBatch() {
			return total, err
		}
	}
}

func (l *Log) trimBatch() int {
	if l.TrimBatch > 0 {
		return l.TrimBatch
	}
	return 100_000
}

// TrimOnce applies retention once: for every collection it deletes the
// change-log records that every stream reading it (or, with none, the
// default retention) no longer keeps, at most TrimBatch of them. It
// returns the number of records deleted.
//
// Records are removed with range deletions, one per run of consecutive
// records that may all go (the log interleaves collections with different
// retentions), after the trim positions that report lost history are
// durable and in memory: a reader that misses a record always learns it
// was trimmed. A crash in between leaves records that the next pass
// removes.
func (l *Log) TrimOnce(ctx context.Context) (int, error) {
	keepFrom, hi, err := l.bounds()
	if err != nil || hi == 0 {
		return 0, err
	}
	return l.trimPass(ctx, keepFrom, hi)
}

// bounds computes, per collection, the highest LSN retention lets go
// (keepFrom) and the highest of them all (hi; 0: nothing to remove).
func (l *Log) bounds() (keepFrom func(coll uint32) uint64, hi uint64, err error) {
	streams := l.cat.Streams()
	var rets []retention
	for _, st := range streams {
		age, n := time.Duration(st.RetentionMs)*time.Millisecond, st.RetentionEvents
		if age <= 0 {
			age = DefaultRetention
		}
		if n <= 0 {
			n = DefaultRetentionEvents
		}
		rets = append(rets, retention{cover: st.Covers, maxAge: age, maxN: n})
	}
	covered := func(coll uint32) bool {
		for _, st := range streams {
			if st.Covers(coll) {
				return true
			}
		}
		return false
	}
	rets = append(rets, retention{cover: func(c uint32) bool { return !covered(c) }, maxAge: DefaultRetention, maxN: DefaultRetentionEvents})

	tx := l.txm.Begin()
	defer tx.Rollback()
	cutoff := l.now().Add(0)
	// Boundary per retention: the highest LSN it lets go.
	bounds := make([]uint64, len(rets))
	for i, r := range rets {
		b, err := boundary(tx, r, cutoff)
		if err != nil {
			return nil, 0, err
		}
		bounds[i] = b
	}
	// Per collection: the lowest boundary of the retentions covering it.
	keepFrom = func(coll uint32) uint64 {
		first := true
		var b uint64
		for i, r := range rets {
			if r.cover(coll) {
				if first || bounds[i] < b {
					b = bounds[i]
				}
				first = false
			}
		}
		return b
	}
	for _, b := range bounds {
		hi = max(hi, b)
	}
	return keepFrom, hi, nil
}

// trimPass removes up to a batch of the records keepFrom lets go, all
// at or below LSN hi (see TrimOnce).
func (l *Log) trimPass(ctx context.Context, keepFrom func(coll uint32) uint64, hi uint64) (int, error) {
	tx := l.txm.Begin()
	defer tx.Rollback()
	// Up to the entry holding LSN hi: a group keyed above hi may begin at
	// or below it.
	it, err := tx.NewIter(storage.LSNIndexKey(1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return 0, err
	}
	// Runs of consecutive removable log entries, by the LSNs of their keys
	// (an entry's last record's). An entry (a commit's group of records,
	// see storage.LogGroup) of which only some records may go is rewritten
	// with the others (partial).
	type run struct{ lo, hi uint64 }
	var runs []run
	type rewrite struct {
		key  []byte
		kept storage.LogGroup
	}
	var partial []*rewrite
	open := false // the last run may grow
	n := 0
	maxTrim := map[uint32]map[uint16]uint64{}
	limits := map[uint32]uint64{}
	limit := func(coll uint32) uint64 {
		lim, seen := limits[coll]
		if !seen {
			lim = keepFrom(coll)
			limits[coll] = lim
		}
		return lim
	}
	var recs []storage.LogRecord
	for ; it.Valid() && n < l.trimBatch(); it.Next() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value()); !ok {
			_ = it.Close()
			return 0, errBadLogEntry()
		}
		if recs[0].LSN > hi {
			break
		}
		// The records that go advance their partitions' trim marks
		// whether the entry goes whole or is rewritten without them.
		kept := 0
		for _, r := range recs {
			if r.LSN > limit(r.Coll) {
				kept++
				continue
			}
			m := maxTrim[r.Coll]
			if m == nil {
				m = map[uint16]uint64{}
				maxTrim[r.Coll] = m
			}
			m[r.VShard] = max(m[r.VShard], r.LSN)
		}
		n += len(recs) - kept
		switch {
		case kept == len(recs):
			open = false
			continue
		case kept > 0:
			open = false
			rw := &rewrite{key: append([]byte(nil), it.Key()...)}
			for _, r := range recs {
				if r.LSN > limit(r.Coll) {
					rw.kept.Add(r.LSN, r.Coll, r.VShard, r.Raw)
				}
			}
			partial = append(partial, rw)
		default:
			key := recs[len(recs)-1].LSN
			if open {
				runs[len(runs)-1].hi = key
			} else {
				runs = append(runs, run{key, key})
				open = true
			}
		}
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	w := l.txm.Begin()
	defer w.Rollback()
	l.mu.RLock()
	for coll, parts := range maxTrim {
		for p, lsn := range parts {
			lsn = max(lsn, l.trimmed[coll][p])
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], lsn)
			w.SetNoConflict(trimKey(coll, p), b[:])
		}
	}
	l.mu.RUnlock()
	if _, err := w.Commit(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	for coll, parts := range maxTrim {
		for p, lsn := range parts {
			l.setTrimmedLocked(coll, p, lsn)
		}
	}
	l.mu.Unlock()
	for _, r := range runs {
		if err := l.txm.Store().DeleteRange(storage.LSNIndexKey(r.lo), storage.LSNIndexKey(r.hi+1)); err != nil {
			return 0, err
		}
	}
	for _, rw := range partial {
		if err := l.txm.Store().ReplaceLogEntry(rw.key, &rw.kept); err != nil {
			return 0, err
		}
	}
	return n, ctx.Err()
}

// boundary finds the highest LSN a retention lets go: events older than
// maxAge, and all but the newest maxN events it covers.
func boundary(tx *txn.Txn, r retention, now time.Time) (uint64, error) {
	cutoffMs := now.Add(-r.maxAge).UnixMilli()
	var b uint64
	// Age: walk from the oldest event while it is older than the cutoff
	// (commit times do not decrease along the LSN order).
	it, err := tx.NewIter(storage.LSNIndexKey(1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return 0, err
	}
	var first, last uint64
	var recs []storage.LogRecord
age:
	for ; it.Valid(); it.Next() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value()); !ok {
			continue
		}
		for _, rec := range recs {
			if first == 0 {
				first = rec.LSN
			}
			if !r.cover(rec.Coll) {
				continue
			}
			d, err := txn.DecodeRecord(rec.Coll, rec.VShard, rec.Raw)
			if err != nil {
				_ = it.Close()
				return 0, err
			}
			if d.TimeMs >= cutoffMs {
				break age
			}
			b = rec.LSN
		}
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	// Entries keyed above b: the first may hold records at or below it
	// (a group), which the count below skips.
	rit, err := tx.NewReverseIter(storage.LSNIndexKey(b+1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return 0, err
	}
	defer rit.Close()
	if rit.Valid() {
		if recs, ok := storage.AppendLogRecords(recs[:0], rit.Key(), rit.Value()); ok {
			last = recs[len(recs)-1].LSN
		}
	}
	// Count: LSNs are dense, so a log spanning at most maxN LSNs cannot
	// hold more than maxN events; only a longer one is counted, newest
	// first, to find where the newest maxN covered events start.
	if last == 0 || last-first+1 <= uint64(r.maxN) {
		return b, nil
	}
	var n int64
	for ; rit.Valid(); rit.Prev() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], rit.Key(), rit.Value()); !ok {
			continue
		}
		for i := len(recs) - 1; i >= 0; i-- {
			rec := recs[i]
			if rec.LSN <= b {
				return b, nil
			}
			if !r.cover(rec.Coll) {
				continue
			}
			n++
			if n > r.maxN {
				return max(b, rec.LSN), nil
			}
		}
	}
	return b, nil
}
