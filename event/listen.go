package event

import (
	"context"
	"sync"
	"sync/atomic"
)

// Notification is one NOTIFY delivered to a listening session.
type Notification struct {
	Channel string
	Payload string
	PID     uint32 // the notifying session
	// Pattern is the pattern subscription that matched (see
	// ListenPattern); "" for a channel subscription.
	Pattern string
	// Sub and LSN name the LIVE SELECT subscription and the change a
	// live notification carries ("" and 0 for NOTIFY). Err, when set, is
	// the error that ended the subscription (the payload then describes
	// it, and LSN is the last change the subscriber was given).
	Sub string
	LSN uint64
	Err error
	// Seq orders the hub's NOTIFY messages (Hub.Notify numbers them 1,
	// 2, ...); 0 for a live notification.
	Seq uint64
}

// Listener is one session's mailbox. Delivery never blocks the notifier:
// a full mailbox drops the notification and counts it.
type Listener struct {
	C       chan Notification
	PID     uint32
	Dropped atomic.Uint64
}

// NewListener returns a mailbox holding up to size notifications.
func NewListener(pid uint32, size int) *Listener {
	return &Listener{C: make(chan Notification, size), PID: pid}
}

// Hub routes LISTEN/NOTIFY between the sessions of one database.
// Notifications go to the sessions listening when they are delivered; the
// hub keeps a short history only while a session retains it (history.go),
// for what PostgreSQL gives at the end of a transaction block.
type Hub struct {
	dropped atomic.Uint64 // notifications lost to full mailboxes, in all
	seq     atomic.Uint64 // the last Notification.Seq given

	// order is held from numbering a NOTIFY to having delivered it, so
	// every mailbox gets NOTIFY messages in Seq order, the same order for
	// all listeners (PostgreSQL's single queue).
	order sync.Mutex

	mu        sync.RWMutex
	listeners map[string]map[*Listener]bool
	patterns  map[string]map[*Listener]bool // patterns.go

	hist history
}

// Listen subscribes l to a channel. It returns the hub's sequence at that
// moment: the NOTIFY messages numbered after it reach l, those up to it
// did not (unless it already listened, then added is false).
func (h *Hub) Listen(channel string, l *Listener) (seq uint64, added bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listeners == nil {
		h.listeners = map[string]map[*Listener]bool{}
	}
	m := h.listeners[channel]
	if m == nil {
		m = map[*Listener]bool{}
		h.listeners[channel] = m
	}
	added = !m[l]
	m[l] = true
	return h.seq.Load(), added
}

// QueueUsage is the fill of the fullest mailbox of a session listening to
// a channel or a pattern, from 0 to 1: what pg_notification_queue_usage()
// reports (PostgreSQL's notifications share one queue that its slowest
// listener holds back; here each session has its own, and the fullest is
// the one that drops first).
func (h *Hub) QueueUsage() float64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var use float64
	for _, set := range []map[string]map[*Listener]bool{h.listeners, h.patterns} {
		for _, m := range set {
			for l := range m {
				if c := cap(l.C); c > 0 {
					use = max(use, float64(len(l.C))/float64(c))
				}
			}
		}
	}
	return use
}

// Unlisten removes l from a channel, or from every channel for "*". It
// returns the hub's sequence at that moment: the NOTIFY messages numbered
// after it no longer reach l.
func (h *Hub) Unlisten(channel string, l *Listener) (seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, m := range h.listeners {
		if channel == "*" || ch == channel {
			delete(m, l)
			if len(m) == 0 {
				delete(h.listeners, ch)
			}
		}
	}
	return h.seq.Load()
}

// Notify numbers n (Seq) and delivers it to every listener of its
// channel, and to every pattern subscription matching it.
func (h *Hub) Notify(n Notification) { h.NotifyExcept(n, nil, nil) }

// NotifyExcept is Notify, except that what would go to skip (the
// notifying session's own listener) is handed to own instead of its
// mailbox, so the session can send it in order with its replies.
func (h *Hub) NotifyExcept(n Notification, skip *Listener, own func(Notification)) {
	h.order.Lock()
	defer h.order.Unlock()
	h.mu.RLock()
	// Numbered under the read lock, so Listen and Unlisten (write lock)
	// fall between two numbers.
	n.Seq = h.seq.Add(1)
	h.hist.record(n)
	targets := make([]*Listener, 0, len(h.listeners[n.Channel]))
	for l := range h.listeners[n.Channel] {
		targets = append(targets, l)
	}
	var byPattern []patternTarget
	if len(h.patterns) > 0 {
		byPattern = h.patternTargetsLocked(n.Channel)
	}
	h.mu.RUnlock()
	for _, l := range targets {
		if l == skip && skip != nil {
			own(n)
			continue
		}
		h.Deliver(l, n)
	}
	for _, t := range byPattern {
		pn := n
		pn.Pattern = t.pattern
		if t.l == skip && skip != nil {
			own(pn)
			continue
		}
		h.Deliver(t.l, pn)
	}
}

// DeliverWait puts a notification into one listener's mailbox, waiting
// for room; it reports false when ctx ended first. For a sender that reads
// at the listener's pace (a LIVE SELECT catching up on the change log),
// never for one that others wait for.
func (h *Hub) DeliverWait(ctx context.Context, l *Listener, n Notification) bool {
	select {
	case l.C <- n:
		return true
	case <-ctx.Done():
		return false
	}
}

// Offer puts a notification into one listener's mailbox if it has room;
// unlike Deliver, a full mailbox is not counted as a drop: the sender
// keeps the notification (the LIVE SELECT tailer hands the subscription
// back to catch up from the log).
func (h *Hub) Offer(l *Listener, n Notification) bool {
	select {
	case l.C <- n:
		return true
	default:
		return false
	}
}

// Deliver puts a notification straight into one listener's mailbox; a
// full mailbox drops it and counts the drop.
func (h *Hub) Deliver(l *Listener, n Notification) {
	if !h.Offer(l, n) {
		l.Dropped.Add(1)
		h.dropped.Add(1)
	}
}

// Dropped counts the notifications lost to full mailboxes since the hub
// was made.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }
