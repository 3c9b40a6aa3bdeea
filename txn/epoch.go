package txn

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nodedb-go/nodedb/storage"
)

// rowEpochs records, per collection, the last batch that wrote one of
// its rows: batch n is the nth written to Pebble (Manager.snap.applied
// counts them), as the read cache numbers them. The committer records a
// batch before applying it, so a reader that finds a collection's epoch
// at or below the batch count of its snapshot knows the snapshot shows
// every write of the collection there has been: the rows it reads equal
// those of any other snapshot for which the same holds. Derived copies
// of a collection's rows (the column cache of sql/exec) are tagged with
// the batch count of the snapshot they were read from and used only
// while RowEpoch stays at or below it.
//
// Epochs live in memory: after a restart every collection's is 0, and
// nothing derived from the rows survives a restart either.
type rowEpochs struct {
	m sync.Map // collection id (uint32) → *epoch
}

// epoch is a collection's last writing batch and when it was recorded.
type epoch struct {
	seq atomic.Uint64
	at  atomic.Int64 // unix nanoseconds
}

func (e *rowEpochs) get(coll uint32) uint64 {
	if p, ok := e.m.Load(coll); ok {
		return p.(*epoch).seq.Load()
	}
	return 0
}

// since is when coll's epoch was last recorded (zero: not since start).
func (e *rowEpochs) since(coll uint32) time.Time {
	if p, ok := e.m.Load(coll); ok {
		return time.Unix(0, p.(*epoch).at.Load())
	}
	return time.Time{}
}

// bump records that batch seq writes a row of coll, at now.
func (e *rowEpochs) bump(coll uint32, seq uint64, now int64) {
	p, ok := e.m.Load(coll)
	if !ok {
		p, _ = e.m.LoadOrStore(coll, new(epoch))
	}
	p.(*epoch).at.Store(now)
	p.(*epoch).seq.Store(seq)
}

// noteWrites records the row writes of a group about to be applied as
// batch seq, at now.
func (e *rowEpochs) noteWrites(group []*commitReq, seq uint64, now int64) {
	last, have := uint32(0), false
	for _, r := range group {
		for _, w := range r.writes {
			if len(w.key) < 5 || w.key[0] != storage.TagRow {
				continue
			}
			coll := binary.BigEndian.Uint32(w.key[1:5])
			if have && coll == last {
				continue
			}
			e.bump(coll, seq, now)
			last, have = coll, true
		}
	}
}

// RowEpoch is the number of the last batch that wrote a row of the
// collection (0: none since the manager started). See Txn.BatchCount.
func (m *Manager) RowEpoch(coll uint32) uint64 { return m.epochs.get(coll) }

// RowEpochSince is when the collection's row epoch last moved (the zero
// time when no row of it was written since the manager started): rows
// unchanged that long are likely to be read again before they change.
func (m *Manager) RowEpochSince(coll uint32) time.Time { return m.epochs.since(coll) }

// BatchCount is the number of batches written to Pebble when the
// transaction's snapshot was taken: the snapshot shows batches 1..n (and
// possibly batch n+1, whose row writes RowEpoch already reports). When
// RowEpoch(c) ≤ BatchCount() the snapshot shows exactly the rows of c
// every later snapshot shows until RowEpoch(c) moves.
func (t *Txn) BatchCount() uint64 { return t.shared.applied }

// ReadsLatest reports whether ReadLatest was called: such a transaction
// reads queued commits its snapshot does not show.
func (t *Txn) ReadsLatest() bool { return t.latest }
