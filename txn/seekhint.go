package txn

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// Seek hints let a scan of a key range start past the deleted keys at its
// front. A queue's consumers delete from the front of an index; until
// compaction drops them, every deleted key is a tombstone each later scan
// from the front steps over, so each dequeue costs more than the last. A
// scan that finds the first visible key of [lo, hi) at k under snapshot s
// records (k, s): no key below k was visible at s. A later scan with
// snapshot s2 >= s may start at k, unless a commit in (s, s2] wrote (set,
// not deleted) a key in [lo, k). To tell, the manager keeps, per key
// family (the first familyLen bytes: an index's or a collection's
// prefix) that has hints, the smallest key each recent commit set in it.
// Only transactions without writes of their own use or record hints (a
// write of its own below k would be skipped).

const (
	familyLen   = 5 // storage.IndexPrefix: tag and a 4-byte id
	maxFamilies = 64
	maxHints    = 16 // per family
)

// maxHintRing is how many commits are remembered per family (a variable
// for tests).
var maxHintRing = 4096

type seekHint struct {
	start []byte
	lsn   uint64
}

type setRec struct {
	lsn uint64
	min []byte
}

// hintFamily is one key family's hints and recent writes: every commit
// after since that set a key of the family is in ring, in LSN order.
type hintFamily struct {
	since uint64
	ring  []setRec
	hints map[string]seekHint // by range start (lo)
}

type seekHints struct {
	active atomic.Bool
	mu     struct {
		sync.Mutex
		fams map[string]*hintFamily
	}
}

// noteCommit records, for each family with hints, the smallest key a
// commit at lsn sets in it (writes are sorted; m.mu is held).
func (h *seekHints) noteCommit(lsn uint64, writes []write) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var last string
	for i := range writes {
		w := &writes[i]
		if w.del || len(w.key) < familyLen || string(w.key[:familyLen]) == last {
			continue
		}
		fam := h.mu.fams[string(w.key[:familyLen])]
		if fam == nil {
			continue
		}
		last = string(w.key[:familyLen])
		if len(fam.ring) >= maxHintRing {
			half := len(fam.ring) / 2
			fam.since = fam.ring[half-1].lsn
			fam.ring = append(fam.ring[:0], fam.ring[half:]...)
		}
		fam.ring = append(fam.ring, setRec{lsn: lsn, min: clone(w.key)})
	}
}

// start returns where a scan of [lo, ...) with snapshot snap may begin.
func (h *seekHints) start(lo []byte, snap uint64) []byte {
	if !h.active.Load() || len(lo) < familyLen {
		return lo
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	fam := h.mu.fams[string(lo[:familyLen])]
	if fam == nil {
		return lo
	}
	hint, ok := fam.hints[string(lo)]
	if !ok || hint.lsn > snap || fam.since > hint.lsn {
		return lo
	}
	for _, r := range fam.ring {
		if r.lsn > hint.lsn && r.lsn <= snap && bytes.Compare(r.min, hint.start) < 0 && bytes.Compare(r.min, lo) >= 0 {
			return lo // a key below the hint was written since
		}
	}
	return hint.start
}

// record notes that start is the first key of [lo, ...) visible at snap
// (m.mu must not be held: a new family reads the last LSN assigned).
func (m *Manager) recordHint(lo, start []byte, snap uint64) {
	if len(lo) < familyLen {
		return
	}
	h := &m.hints
	h.mu.Lock()
	fam := h.mu.fams[string(lo[:familyLen])]
	h.mu.Unlock()
	if fam == nil {
		// Commits from now on are remembered; a hint needs a snapshot
		// taken after that, so this scan records none.
		m.mu.Lock()
		since := m.mu.nextLSN - 1
		h.mu.Lock()
		if h.mu.fams == nil {
			h.mu.fams = make(map[string]*hintFamily)
		}
		if h.mu.fams[string(lo[:familyLen])] == nil && len(h.mu.fams) < maxFamilies {
			h.mu.fams[string(lo[:familyLen])] = &hintFamily{since: since, hints: make(map[string]seekHint)}
			h.active.Store(true)
		}
		h.mu.Unlock()
		m.mu.Unlock()
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if snap < fam.since {
		return
	}
	if old, ok := fam.hints[string(lo)]; (ok && old.lsn > snap) || (!ok && len(fam.hints) >= maxHints) {
		return
	}
	fam.hints[string(lo)] = seekHint{start: clone(start), lsn: snap}
}

// NewIterHinted is NewIter for a scan that wants the first visible keys of
// [lo, hi): it may start past deleted keys another scan stepped over (see
// seekhint.go). Call NoteFirstKey with the first key it returns (hi when
// none).
func (t *Txn) NewIterHinted(lo, hi []byte) (*Iterator, error) {
	if len(t.ws) == 0 {
		if s := t.m.hints.start(lo, t.snapLSN); s != nil && bytes.Compare(s, lo) > 0 {
			if hi != nil && bytes.Compare(s, hi) > 0 {
				s = hi
			}
			return t.NewIter(s, hi)
		}
	}
	return t.NewIter(lo, hi)
}

// NoteFirstKey records the first key a NewIterHinted scan of [lo, ...)
// returned (hi when none): the first visible key at this snapshot.
func (t *Txn) NoteFirstKey(lo, first []byte) {
	if len(t.ws) == 0 {
		t.m.recordHint(lo, first, t.snapLSN)
	}
}
