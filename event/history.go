package event

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// The hub's history serves PostgreSQL's end of a transaction block. A
// PostgreSQL session that listens to some channel reads the shared
// notification queue from where it last read, and a session in a
// transaction block reads it only when the block ends, keeping what is on
// the channels it listens to then. So a LISTEN inside a block also gets the
// notifications on its channel committed earlier in the block, which no
// mailbox received. While a session retains the history (Retain), the hub
// keeps every NOTIFY it numbers, up to maxHistory of them and
// maxHistoryBytes of channels and payloads; older ones are dropped first.

const (
	maxHistory      = 4096
	maxHistoryBytes = 64 << 20
)

type history struct {
	keepers atomic.Int64 // Retain calls not yet released

	mu      sync.Mutex
	ns      []Notification // by Seq, nearly: numbered and recorded apart
	bytes   int
	evicted uint64 // the highest Seq dropped for room
}

// record keeps n while the history is retained.
func (h *history) record(n Notification) {
	if h.keepers.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ns = append(h.ns, n)
	h.bytes += len(n.Channel) + len(n.Payload)
	for len(h.ns) > maxHistory || h.bytes > maxHistoryBytes {
		old := h.ns[0]
		h.evicted = max(h.evicted, old.Seq)
		h.bytes -= len(old.Channel) + len(old.Payload)
		h.ns[0] = Notification{}
		h.ns = h.ns[1:]
	}
}

// Retain makes the hub keep the NOTIFY messages it numbers from now on,
// until the matching ReleaseHistory, and returns the last number given:
// the history has every message numbered after it (unless dropped for
// room).
func (h *Hub) Retain() uint64 {
	h.hist.keepers.Add(1)
	return h.seq.Load()
}

// ReleaseHistory ends one Retain; the history is forgotten when none is
// left.
func (h *Hub) ReleaseHistory() {
	if h.hist.keepers.Add(-1) != 0 {
		return
	}
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	if h.hist.keepers.Load() == 0 { // no Retain came in between
		h.hist.ns, h.hist.bytes = nil, 0
	}
}

// History returns the kept NOTIFY messages on channel numbered after from
// and up to to, in order. complete is false when some messages of that
// range may have been dropped for room.
func (h *Hub) History(channel string, from, to uint64) (ns []Notification, complete bool) {
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	for _, n := range h.hist.ns {
		if n.Seq > from && n.Seq <= to && n.Channel == channel {
			ns = append(ns, n)
		}
	}
	slices.SortFunc(ns, func(a, b Notification) int { return cmp.Compare(a.Seq, b.Seq) })
	return ns, h.hist.evicted <= from
}

// Seq returns the number of the last NOTIFY message.
func (h *Hub) Seq() uint64 { return h.seq.Load() }
