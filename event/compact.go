package event

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Compaction of a change stream is logical: the change log is shared by
// every stream of a collection, so nothing is removed from it (retention
// still does that). A compactor per compacted stream follows the log and
// records, per key, the LSN of the key's latest event; reads of the
// stream skip an event when its key has a later one, and skip a DELETE
// (a tombstone) once it is older than the stream's tombstone retention.
// Events past the compactor's position are not compacted yet: a reader at
// the head can see an event that a later one supersedes a moment after,
// as in Kafka's compacted topics.

// DefaultTombstoneRetention is how long a compacted stream keeps
// delivering a key's DELETE.
const DefaultTombstoneRetention = 24 * time.Hour

// CompactionKey returns the compaction key of an event: its row id, or
// the value of the stream's KEY field (in the new row, or the old one for
// a DELETE); an event without that field is keyed by its row id.
func CompactionKey(c *catalog.Compaction, e *Event) []byte {
	if c.Key != "" {
		doc := e.New
		if doc == nil {
			doc = e.Old
		}
		if v, ok := doc[c.Key]; ok && v != nil {
			if b, err := json.Marshal(v); err == nil {
				return append([]byte{'f'}, b...)
			}
		}
	}
	out := make([]byte, 0, 1+4+len(e.RowID))
	out = append(out, 'r')
	out = binary.BigEndian.AppendUint32(out, e.CollID) // row ids are per collection
	return append(out, e.RowID...)
}

// compacted reports whether a read of a compacted stream should skip an
// event: a later event of its key exists, or it is an expired tombstone.
func compacted(tx *txn.Txn, st *catalog.Stream, e *Event, nowMs int64) (bool, error) {
	c := st.Compaction
	v, ok, err := tx.Get(storage.CompactKey(st.ID, CompactionKey(c, e)))
	if err != nil {
		return false, err
	}
	if ok && len(v) == 8 && binary.BigEndian.Uint64(v) > e.LSN {
		return true, nil
	}
	if e.Op == "DELETE" && nowMs-e.TimeMs > c.TombstoneRetentionMs {
		return true, nil
	}
	return false, nil
}

// Compactors runs the compactor of every compacted stream.
type Compactors struct {
	txm    *txn.Manager
	cat    *catalog.Catalog
	log    *Log
	notify *Notifier
	logger *slog.Logger

	mu     sync.Mutex
	runs   map[uint32]*compactor
	closed bool
}

// NewCompactors returns a Compactors; Reconcile starts them.
func NewCompactors(txm *txn.Manager, cat *catalog.Catalog, log *Log, n *Notifier, logger *slog.Logger) *Compactors {
	if logger == nil {
		logger = slog.Default()
	}
	return &Compactors{txm: txm, cat: cat, log: log, notify: n, logger: logger, runs: map[uint32]*compactor{}}
}

// Reconcile starts the compactors of new compacted streams and stops
// those of dropped ones.
func (cs *Compactors) Reconcile() {
	want := map[uint32]*catalog.Stream{}
	for _, st := range cs.cat.Streams() {
		if st.Compaction != nil {
			want[st.ID] = st
		}
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return
	}
	for id, r := range cs.runs {
		if w, ok := want[id]; !ok || w != r.st {
			r.stop()
			delete(cs.runs, id)
		}
	}
	for id, st := range want {
		if _, ok := cs.runs[id]; !ok {
			r := &compactor{cs: cs, st: st, done: make(chan struct{})}
			r.ctx, r.cancel = context.WithCancel(context.Background())
			cs.runs[id] = r
			go r.run()
		}
	}
}

// Stop stops a stream's compactor until the next Reconcile.
func (cs *Compactors) Stop(streamID uint32) {
	cs.mu.Lock()
	r := cs.runs[streamID]
	delete(cs.runs, streamID)
	cs.mu.Unlock()
	if r != nil {
		r.stop()
	}
}

// Close stops every compactor.
func (cs *Compactors) Close() {
	cs.mu.Lock()
	cs.closed = true
	runs := cs.runs
	cs.runs = map[uint32]*compactor{}
	cs.mu.Unlock()
	for _, r := range runs {
		r.stop()
	}
}

// Position returns how far a stream is compacted (0 when it has no
// running compactor).
func (cs *Compactors) Position(streamID uint32) uint64 {
	cs.mu.Lock()
	r := cs.runs[streamID]
	cs.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

type compactor struct {
	cs     *Compactors
	st     *catalog.Stream
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	pos uint64 // every event through it is in the key index
}

func (r *compactor) stop() {
	r.cancel()
	<-r.done
}

func (r *compactor) run() {
	defer close(r.done)
	cs := r.cs
	tx := cs.txm.Begin()
	off, err := LoadOffsets(tx, r.st.Compaction.GroupID)
	tx.Rollback()
	failures := 0
	for err != nil {
		cs.logger.Error("compaction: load position", "stream", r.st.Name, "err", err)
		failures++
		if sleepCtx(r.ctx, Backoff(failures)) != nil {
			return
		}
		tx := cs.txm.Begin()
		off, err = LoadOffsets(tx, r.st.Compaction.GroupID)
		tx.Rollback()
	}
	r.mu.Lock()
	r.pos = max(r.st.StartLSN, off.Floor)
	r.mu.Unlock()
	failures = 0
	for r.ctx.Err() == nil {
		more, err := r.step()
		if err != nil {
			failures++
			cs.logger.Warn("compaction: index events", "stream", r.st.Name, "err", err)
			if sleepCtx(r.ctx, Backoff(failures)) != nil {
				return
			}
			continue
		}
		failures = 0
		if more {
			continue
		}
		r.mu.Lock()
		after := r.pos
		r.mu.Unlock()
		wctx, cancel := context.WithTimeout(r.ctx, time.Second)
		cs.notify.Wait(wctx, after)
		cancel()
	}
}

// step indexes the next batch of events. It commits only when there were
// events, so an idle stream causes no writes.
func (r *compactor) step() (bool, error) {
	cs := r.cs
	tx := cs.txm.Begin()
	defer tx.Rollback()
	r.mu.Lock()
	pos := r.pos
	r.mu.Unlock()
	const limit = 1000
	evs, err := Read(tx, cs.cat, nil, r.st, Offsets{Part: map[uint16]uint64{}, Floor: pos},
		ReadOptions{Partition: -1, Limit: limit, raw: true})
	if err != nil {
		return false, err
	}
	next := tx.SnapshotLSN()
	if len(evs) == limit {
		next = evs[len(evs)-1].LSN
	} else {
		// Events past the snapshot LSN may be only partly applied: stop
		// before them.
		for len(evs) > 0 && evs[len(evs)-1].LSN > next {
			evs = evs[:len(evs)-1]
		}
	}
	if len(evs) > 0 {
		var b [8]byte
		for i := range evs {
			binary.BigEndian.PutUint64(b[:], evs[i].LSN)
			tx.Set(storage.CompactKey(r.st.ID, CompactionKey(r.st.Compaction, &evs[i])), b[:])
		}
		SetFloor(tx, r.st.Compaction.GroupID, next)
		if _, err := tx.Commit(); err != nil {
			return false, err
		}
	}
	r.mu.Lock()
	r.pos = max(r.pos, next)
	r.mu.Unlock()
	return len(evs) == limit, nil
}
