package session

import (
	"cmp"
	"slices"
)

// What the end of a transaction block delivers. PostgreSQL delivers the
// NOTIFY messages committed during a block when it ends, reading its
// shared queue then; which ones depends on whether the session was a
// listener when the block began:
//
//   - A session that listened to some channel reads on from where it
//     last read: everything committed during the block on the channels it
//     listens to at the end, including a channel it began to listen to in
//     the block, whose earlier messages no mailbox received (the hub's
//     history has them).
//   - A session that listened to nothing, whose first LISTEN commits with
//     the block, starts reading at its commit: nothing committed before.
//
// The protocols hold the messages that reach the mailbox during a block
// (NotificationHold) and pass them to BlockNotifications at its end.

// seqRange is the NOTIFY messages numbered after from and up to to.
type seqRange struct{ from, to uint64 }

// blockNotify follows one explicit transaction block for
// BlockNotifications.
type blockNotify struct {
	open, ended bool
	registered  bool   // the session listened to some channel at BEGIN
	start, end  uint64 // the hub's sequence at BEGIN and at the end
	// For a registered session: the channels joined during the block, with
	// the ranges of messages they missed before, and the channels a
	// rolled-back LISTEN left, since when.
	missed map[string][]seqRange
	left   map[string]uint64
	// At the end: what the history adds, and how many gaps it could not
	// fill (messages dropped for room).
	replay []Notification
	lost   uint64
}

// beginBlock starts following an explicit block.
func (s *Session) beginBlock() {
	s.block = blockNotify{open: true, registered: len(s.channels) > 0}
	if s.block.registered {
		s.block.start = s.mgr.db.hub.Retain()
	}
}

// hubListen joins a channel in the hub, noting what a block missed.
func (s *Session) hubListen(channel string) {
	seq, added := s.mgr.db.hub.Listen(channel, s.listener)
	b := &s.block
	if !added || !b.open || !b.registered {
		return
	}
	from := b.start
	if t, ok := b.left[channel]; ok {
		from = t
		delete(b.left, channel)
	}
	if seq > from {
		if b.missed == nil {
			b.missed = map[string][]seqRange{}
		}
		b.missed[channel] = append(b.missed[channel], seqRange{from, seq})
	}
}

// hubUnlisten leaves a channel ("*": every channel) in the hub.
func (s *Session) hubUnlisten(channel string) {
	seq := s.mgr.db.hub.Unlisten(channel, s.listener)
	b := &s.block
	if !b.open || !b.registered || channel == "*" {
		return
	}
	if b.left == nil {
		b.left = map[string]uint64{}
	}
	b.left[channel] = seq
}

// endBlock ends the block once its LISTENs and UNLISTENs are settled: it
// takes from the history what the channels listened to now missed.
func (s *Session) endBlock() {
	b := &s.block
	if !b.open {
		return
	}
	hub := s.mgr.db.hub
	b.open, b.ended, b.end = false, true, hub.Seq()
	if !b.registered {
		return
	}
	for ch, ranges := range b.missed {
		if !s.Listening(ch) {
			continue
		}
		for _, r := range ranges {
			ns, complete := hub.History(ch, r.from, r.to)
			b.replay = append(b.replay, ns...)
			if !complete {
				b.lost++
			}
		}
	}
	b.missed, b.left = nil, nil
	hub.ReleaseHistory()
}

// BlockNotifications returns, once the session is out of a transaction
// block, the NOTIFY messages to deliver of those held during it (held),
// as PostgreSQL delivers them at its end: those on the channels the
// session listens to now, in commit order. A protocol calls it each time
// the session is ready outside a block; it returns nil when no block
// ended and nothing was held.
func (s *Session) BlockNotifications(held []Notification) []Notification {
	b := s.block
	if !b.ended && len(held) == 0 {
		return nil
	}
	if b.ended {
		s.block = blockNotify{}
	}
	var out []Notification
	for _, n := range held {
		if s.Listening(n.Channel) && (!b.ended || b.registered || n.Seq > b.end) {
			out = append(out, n)
		}
	}
	if len(b.replay) > 0 {
		seen := make(map[uint64]bool, len(out))
		for _, n := range out {
			seen[n.Seq] = true
		}
		for _, n := range b.replay { // ranges may overlap (UNLISTEN *, then LISTEN)
			if !seen[n.Seq] {
				seen[n.Seq] = true
				out = append(out, n)
			}
		}
		slices.SortStableFunc(out, func(x, y Notification) int { return cmp.Compare(x.Seq, y.Seq) })
	}
	if b.lost > 0 {
		// Told like a full mailbox's drops (at least one message each).
		s.listener.Dropped.Add(b.lost)
	}
	return out
}
