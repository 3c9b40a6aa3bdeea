package event

import (
	"context"
	"sync"
)

// Notifier wakes waiters after commits. It carries no events: waiters
// re-read the durable log, so a missed wake-up costs latency, never data.
// Commit never blocks on it.
type Notifier struct {
	mu   sync.Mutex
	ch   chan struct{} // closed and replaced on every commit
	last uint64
}

// NewNotifier returns a notifier whose last LSN is lsn.
func NewNotifier(lsn uint64) *Notifier { return &Notifier{ch: make(chan struct{}), last: lsn} }

// Committed records a durable commit up to lsn and wakes every waiter.
func (n *Notifier) Committed(lsn uint64) {
	n.mu.Lock()
	if lsn > n.last {
		n.last = lsn
	}
	close(n.ch)
	n.ch = make(chan struct{})
	n.mu.Unlock()
}

// Wait blocks until a commit beyond after, or ctx ends. It reports whether
// a newer commit exists.
func (n *Notifier) Wait(ctx context.Context, after uint64) bool {
	for {
		n.mu.Lock()
		last, ch := n.last, n.ch
		n.mu.Unlock()
		if last > after {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}
