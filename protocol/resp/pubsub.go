package resp

import (
	"sort"
	"strings"

	"github.com/nodedb-go/nodedb/session"
)

// Pub/sub rides on the database's LISTEN/NOTIFY hub: PUBLISH reaches RESP
// subscribers (channels and PSUBSCRIBE patterns) and PostgreSQL LISTEN
// sessions alike, and NOTIFY reaches RESP subscribers. Messages are not
// stored (as in Redis and PostgreSQL); a subscriber that does not keep up
// loses messages beyond its mailbox.

func cmdPublish(c *conn, args [][]byte) error {
	n, err := c.s.store.Publish(string(args[1]), string(args[2]))
	if err != nil {
		return err
	}
	c.w.WriteInt(n)
	return nil
}

// subscriptions counts the connection's channels and patterns (the
// number Redis reports in (un)subscribe replies).
func (c *conn) subscriptions() int { return len(c.channels) + len(c.patterns) }

// subscriber returns the connection's subscriber, starting its message
// pump on first use.
func (c *conn) subscriber() (*session.Subscriber, error) {
	if c.sub == nil {
		c.sub = c.s.store.NewSubscriber()
		c.channels = map[string]bool{}
		c.patterns = map[string]bool{}
		sub := c.sub
		if !c.s.goTracked(func() { c.pump(sub) }) {
			return nil, Error("ERR server is shutting down")
		}
	}
	return c.sub, nil
}

// cmdSubscribe serves SUBSCRIBE and PSUBSCRIBE.
func cmdSubscribe(c *conn, args [][]byte) error {
	sub, err := c.subscriber()
	if err != nil {
		return err
	}
	pattern := strings.EqualFold(string(args[0]), "psubscribe")
	kind, set, add := "subscribe", c.channels, sub.Subscribe
	if pattern {
		kind, set, add = "psubscribe", c.patterns, sub.PSubscribe
	}
	for _, a := range args[1:] {
		name := string(a)
		if !set[name] {
			set[name] = true
			add(name)
		}
		c.w.WriteArray(3)
		c.w.WriteBulkString(kind)
		c.w.WriteBulk(a)
		c.w.WriteInt(c.subscriptions())
	}
	return nil
}

// cmdUnsubscribe serves UNSUBSCRIBE and PUNSUBSCRIBE: one reply per name,
// or per current subscription when none is named.
func cmdUnsubscribe(c *conn, args [][]byte) error {
	pattern := strings.EqualFold(string(args[0]), "punsubscribe")
	kind, set := "unsubscribe", c.channels
	remove := func(name string) {
		if c.sub != nil {
			c.sub.Unsubscribe(name)
		}
	}
	if pattern {
		kind, set = "punsubscribe", c.patterns
		remove = func(name string) {
			if c.sub != nil {
				c.sub.PUnsubscribe(name)
			}
		}
	}
	var names []string
	if len(args) > 1 {
		for _, a := range args[1:] {
			names = append(names, string(a))
		}
	} else {
		for n := range set {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	if len(names) == 0 {
		c.w.WriteArray(3)
		c.w.WriteBulkString(kind)
		c.w.WriteNull()
		c.w.WriteInt(c.subscriptions())
		return nil
	}
	for _, n := range names {
		if set[n] {
			delete(set, n)
			remove(n)
		}
		c.w.WriteArray(3)
		c.w.WriteBulkString(kind)
		c.w.WriteBulkString(n)
		c.w.WriteInt(c.subscriptions())
	}
	return nil
}

// pump writes the subscriber's messages to the client until the
// connection ends. It shares the reply writer with the command loop under
// wmu, and flushes once no further message is waiting.
func (c *conn) pump(sub *session.Subscriber) {
	msgs := sub.C()
	for {
		select {
		case <-c.ctx.Done():
			return
		case n := <-msgs:
			c.wmu.Lock()
			for {
				if n.Pattern != "" {
					c.w.WriteArray(4)
					c.w.WriteBulkString("pmessage")
					c.w.WriteBulkString(n.Pattern)
				} else {
					c.w.WriteArray(3)
					c.w.WriteBulkString("message")
				}
				c.w.WriteBulkString(n.Channel)
				c.w.WriteBulkString(n.Payload)
				more := false
				select {
				case n = <-msgs:
					more = true
				default:
				}
				if !more {
					break
				}
			}
			err := c.w.Flush()
			c.wmu.Unlock()
			if err != nil {
				c.kill()
				return
			}
		}
	}
}
