package session

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

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

// LISTEN and UNLISTEN take effect when their transaction commits, and
// never when it rolls back, as in PostgreSQL. A LISTEN joins the channel
// at once all the same: notifications committed while its transaction
// runs reach the mailbox, the protocol holds them (a session in a
// transaction gets notifications when it ends) and BlockNotifications
// (notifyblock.go) decides at the end which go out. An UNLISTEN leaves the
// channel at commit.

// listenOp is a LISTEN (listen set) or UNLISTEN of the open transaction.
type listenOp struct {
	channel string
	listen  bool
}

// maxChannelName is the longest channel name in bytes (PostgreSQL's
// NAMEDATALEN - 1): LISTEN, UNLISTEN and NOTIFY truncate a longer
// identifier, pg_notify refuses a longer name.
const maxChannelName = 63

// channelIdent truncates a channel identifier to maxChannelName bytes (at
// a character boundary) with PostgreSQL's notice.
func channelIdent(ch string, res *Result) string {
	if len(ch) <= maxChannelName {
		return ch
	}
	cut := maxChannelName
	for cut > 0 && !utf8.RuneStart(ch[cut]) {
		cut--
	}
	res.Notices = append(res.Notices, Notice{Severity: "NOTICE", Code: errs.NameTooLong,
		Message: fmt.Sprintf("identifier %q will be truncated to %q", ch, ch[:cut])})
	return ch[:cut]
}

func (s *Session) listen(st *ast.Listen) (*Result, error) {
	res := &Result{Tag: "LISTEN"}
	ch := channelIdent(st.Channel, res)
	s.hubListen(ch)
	if s.explicit || s.implicit {
		s.pendingListen = append(s.pendingListen, listenOp{channel: ch, listen: true})
	} else {
		s.join(ch)
	}
	return res, nil
}

func (s *Session) unlisten(st *ast.Unlisten) (*Result, error) {
	res := &Result{Tag: "UNLISTEN"}
	ch := st.Channel
	if ch != "*" {
		ch = channelIdent(ch, res)
	}
	if s.explicit || s.implicit {
		s.pendingListen = append(s.pendingListen, listenOp{channel: ch})
	} else {
		s.leave(ch)
	}
	return res, nil
}

// join records a committed LISTEN; a channel keeps its place in
// pg_listening_channels() when listened to again.
func (s *Session) join(channel string) {
	if _, ok := s.channels[channel]; !ok {
		s.listenSeq++
		s.channels[channel] = s.listenSeq
	}
}

// leave stops listening to channel ("*": to every channel).
func (s *Session) leave(channel string) {
	s.hubUnlisten(channel)
	if channel == "*" {
		clear(s.channels)
	} else {
		delete(s.channels, channel)
	}
}

// listeningChannels returns the channels the session listens to, in the
// order it first listened to them (as PostgreSQL lists them).
func (s *Session) listeningChannels() []string {
	chans := slices.Collect(maps.Keys(s.channels))
	slices.SortFunc(chans, func(a, b string) int { return cmp.Compare(s.channels[a], s.channels[b]) })
	return chans
}

// Listening reports whether the session listens to channel (LISTEN
// committed, no UNLISTEN committed since).
func (s *Session) Listening(channel string) bool {
	_, ok := s.channels[channel]
	return ok
}

// endTxnSession settles what a transaction's end settles in the session:
// its LISTENs and UNLISTENs (applied in order when it committed, otherwise
// the channels only its LISTENs joined are left), the explicit block's
// notifications (endBlock) and its advisory locks.
func (s *Session) endTxnSession(committed bool) {
	s.fkDeferred = nil
	ops := s.pendingListen
	s.pendingListen = nil
	s.settleListen(ops, committed)
	s.endBlock()
	s.releaseXactAdvisory()
	s.endCursors(committed)
	s.tempBlockEnd(committed)
}

// settleListen applies ops (committed) or undoes them; ops are no longer
// pending.
func (s *Session) settleListen(ops []listenOp, committed bool) {
	for _, op := range ops {
		switch {
		case committed && op.listen:
			s.hubListen(op.channel) // again: an UNLISTEN before may have left it
			s.join(op.channel)
		case committed:
			s.leave(op.channel)
		case op.listen && !s.Listening(op.channel) && !s.pendingListenTo(op.channel):
			s.hubUnlisten(op.channel)
		}
	}
}

// pendingListenTo reports whether a LISTEN still pending joined channel.
func (s *Session) pendingListenTo(channel string) bool {
	for _, op := range s.pendingListen {
		if op.listen && op.channel == channel {
			return true
		}
	}
	return false
}

func (s *Session) notify(st *ast.Notify) (*Result, error) {
	res := &Result{Tag: "NOTIFY"}
	if err := s.queueNotify(channelIdent(st.Channel, res), st.Payload); err != nil {
		return nil, err
	}
	return res, nil
}

// queueNotify delivers a notification now, or at COMMIT inside a
// transaction block or at the end of an implicit one (a multi-statement
// query string), dropped on ROLLBACK or error. Identical notifications in one
// transaction are folded, as PostgreSQL does.
func (s *Session) queueNotify(channel, payload string) error {
	if err := checkNotify(channel, payload); err != nil {
		return err
	}
	if len(channel) > maxChannelName {
		return errs.New(errs.InvalidParameterValue, "channel name too long")
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
