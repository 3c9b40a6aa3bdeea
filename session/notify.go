package session

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// maxNotifyPayload is the largest NOTIFY payload (PostgreSQL allows 8,000
// bytes; NodeDB allows 1 MB).
const maxNotifyPayload = 1 << 20

// mailboxSize bounds a session's undelivered notifications.
const mailboxSize = 4096

// internalMailboxSize is the mailbox of an internal session.
const internalMailboxSize = 16

// Notification is one LISTEN/NOTIFY message for a client.
type Notification = event.Notification

// Notifications returns the session's mailbox of LISTEN notifications; the
// protocol delivers them to the client.
func (s *Session) Notifications() <-chan Notification { return s.listener.C }

// DroppedNotifications counts notifications lost because the mailbox was
// full (the client did not keep up).
func (s *Session) DroppedNotifications() uint64 { return s.listener.Dropped.Load() }

func (s *Session) listen(st *ast.Listen) (*Result, error) {
	s.mgr.db.hub.Listen(st.Channel, s.listener)
	return &Result{Tag: "LISTEN"}, nil
}

func (s *Session) unlisten(st *ast.Unlisten) (*Result, error) {
	s.mgr.db.hub.Unlisten(st.Channel, s.listener)
	return &Result{Tag: "UNLISTEN"}, nil
}

func (s *Session) notify(st *ast.Notify) (*Result, error) {
	if err := s.queueNotify(st.Channel, st.Payload); err != nil {
		return nil, err
	}
	return &Result{Tag: "NOTIFY"}, nil
}

// queueNotify delivers a notification now, or at COMMIT inside a
// transaction block or at the end of an implicit one (a multi-statement
// query string), dropped on ROLLBACK or error. Identical notifications in one
// transaction are folded, as PostgreSQL does.
func (s *Session) queueNotify(channel, payload string) error {
	if err := checkNotify(channel, payload); err != nil {
		return err
	}
	n := event.Notification{Channel: channel, Payload: payload, PID: s.id}
	if !s.explicit && !s.implicit {
		s.notifyNow(n)
		return nil
	}
	for _, p := range s.pendingNotify {
		if p == n {
			return nil
		}
	}
	s.pendingNotify = append(s.pendingNotify, n)
	return nil
}

func checkNotify(channel, payload string) error {
	if channel == "" {
		return errs.New(errs.InvalidParameterValue, "channel name cannot be empty")
	}
	if len(payload) > maxNotifyPayload {
		return errs.Errorf(errs.InvalidParameterValue, "payload string too long (at most %d bytes)", maxNotifyPayload)
	}
	return nil
}

// deliverNotifications sends what a committed transaction queued.
func (s *Session) deliverNotifications() {
	for _, n := range s.pendingNotify {
		s.notifyNow(n)
	}
	s.pendingNotify = nil
}

// notifyNow delivers a notification to every listener; with
// SyncOwnNotifications the session's own copy is kept for
// TakeOwnNotifications instead of its mailbox.
func (s *Session) notifyNow(n event.Notification) {
	if !s.syncOwn {
		s.mgr.db.hub.Notify(n)
		return
	}
	s.mgr.db.hub.NotifyExcept(n, s.listener, func(own event.Notification) { s.own = append(s.own, own) })
}

// SyncOwnNotifications makes the session keep the notifications it sends
// to itself (NOTIFY on a channel it LISTENs to) for TakeOwnNotifications,
// so a protocol can send them before it reports the session ready, as
// PostgreSQL does, instead of racing its asynchronous mailbox.
func (s *Session) SyncOwnNotifications() { s.syncOwn = true }

// TakeOwnNotifications returns (and forgets) the notifications the
// session sent itself since the last call.
func (s *Session) TakeOwnNotifications() []Notification {
	if len(s.own) == 0 {
		return nil
	}
	out := append([]Notification(nil), s.own...)
	s.own = s.own[:0]
	return out
}
