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

// SetTx records whether the client is now in a transaction block. When
// the block has ended it returns the held notifications on the channels
// listening accepts (a LISTEN rolled back never took effect) and forgets
// them; ended also reports held ones dropped, so the drop is told.
func (h *NotificationHold) SetTx(inTx bool, listening func(channel string) bool) (release []Notification, ended bool) {
	h.inTx = inTx
	if inTx || len(h.held) == 0 && h.lost == 0 {
		return nil, false
	}
	for _, n := range h.held {
		if listening(n.Channel) {
			release = append(release, n)
		}
	}
	h.held = nil
	return release, true
}
