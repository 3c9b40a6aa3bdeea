package session

import (
	"github.com/nodedb-go/nodedb/event"
)

// Publish delivers a message on a channel to every current listener:
// LISTEN sessions (pgwire, HTTP) and RESP subscribers alike, as NOTIFY
// does. It returns how many subscriptions (channel and matching pattern)
// it reached.
func (db *DB) Publish(channel, message string) (int, error) {
	if err := checkNotify(channel, message); err != nil {
		return 0, err
	}
	n := db.hub.Count(channel)
	db.hub.Notify(event.Notification{Channel: channel, Payload: message})
	return n, nil
}

// Subscriber is a mailbox of channel messages for a protocol connection
// that is not a session (RESP SUBSCRIBE). Close it when the connection
// ends.
type Subscriber struct {
	db *DB
	l  *event.Listener
}

// NewSubscriber returns a subscriber with an empty channel set.
func (db *DB) NewSubscriber() *Subscriber {
	return &Subscriber{db: db, l: event.NewListener(0, mailboxSize)}
}

// C delivers the messages of the subscribed channels. When the client
// does not keep up, messages beyond the mailbox are dropped (Dropped
// counts them); a publisher never waits.
func (s *Subscriber) C() <-chan Notification { return s.l.C }

// Dropped counts messages lost to a full mailbox.
func (s *Subscriber) Dropped() uint64 { return s.l.Dropped.Load() }

// Subscribe adds a channel.
func (s *Subscriber) Subscribe(channel string) { s.db.hub.Listen(channel, s.l) }

// Unsubscribe removes a channel.
func (s *Subscriber) Unsubscribe(channel string) { s.db.hub.Unlisten(channel, s.l) }

// PSubscribe adds a glob pattern: messages of every matching channel
// arrive with Notification.Pattern set.
func (s *Subscriber) PSubscribe(pattern string) { s.db.hub.ListenPattern(pattern, s.l) }

// PUnsubscribe removes a pattern.
func (s *Subscriber) PUnsubscribe(pattern string) { s.db.hub.UnlistenPattern(pattern, s.l, false) }

// Close removes every subscription.
func (s *Subscriber) Close() {
	s.db.hub.Unlisten("*", s.l)
	s.db.hub.UnlistenPattern("", s.l, true)
}
