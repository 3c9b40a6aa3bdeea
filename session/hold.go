package session

// MaxHeldNotifications bounds the NOTIFY messages a NotificationHold keeps
// (as many as a session's mailbox holds); later ones are dropped.
const MaxHeldNotifications = mailboxSize

// NotificationHold is a protocol's bookkeeping for the notifications it
// writes to one client. While the client is in a transaction block, NOTIFY
// messages wait for the block's end and then go out on the channels the
// session listens to at that point, as PostgreSQL delivers them between
// transactions; LIVE SELECT changes never wait. It also tracks which
// drops the client was told of. It is not safe for concurrent use: the
// protocol guards it with the lock that orders its writes.
type NotificationHold struct {
	inTx bool
	held []Notification
	lost uint64 // held ones dropped: more than MaxHeldNotifications
	told uint64 // drops (the session's and lost) the client was told of
}

// Hold keeps n for the end of the client's transaction block and reports
// true, or reports false when n goes out now.
func (h *NotificationHold) Hold(n Notification) bool {
	if !h.inTx || n.Sub != "" {
		return false
	}
	if len(h.held) < MaxHeldNotifications {
		h.held = append(h.held, n)
	} else {
		h.lost++
	}
	return true
}

// NewDrops returns how many notifications were dropped that the client
// has not been told of (sessionDropped is the session's count), and
// counts them as told.
func (h *NotificationHold) NewDrops(sessionDropped uint64) uint64 {
	d := sessionDropped + h.lost
	if d <= h.told {
		return 0
	}
	n := d - h.told
	h.told = d
	return n
}

// InTx reports whether the client was last told it is in a transaction
// block.
func (h *NotificationHold) InTx() bool { return h.inTx }

// SetTx records whether the client is now in a transaction block. Out of
// one it returns what release (the session's BlockNotifications) makes of
// the held notifications, and forgets them; ended reports that a block
// ended or something was released or dropped, so the drops are told
// first.
func (h *NotificationHold) SetTx(inTx bool, release func(held []Notification) []Notification) (out []Notification, ended bool) {
	wasIn := h.inTx
	h.inTx = inTx
	if inTx {
		return nil, false
	}
	out = release(h.held)
	ended = wasIn || len(h.held) > 0 || h.lost > 0 || len(out) > 0
	h.held = nil
	return out, ended
}
