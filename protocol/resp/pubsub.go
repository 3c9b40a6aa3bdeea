package resp

import (
	"sort"

	"github.com/nodedb-go/nodedb/session"
)

// Pub/sub rides on the database's LISTEN/NOTIFY hub: PUBLISH reaches RESP
// subscribers and PostgreSQL LISTEN sessions alike, and NOTIFY reaches RESP
// subscribers. Messages are not stored (as in Redis and PostgreSQL); a
// subscriber that does not keep up loses messages beyond its mailbox.

func cmdPublish(c *conn, args [][]byte) error {
	n, err := c.s.store.Publish(string(args[1]), string(args[2]))
	if err != nil {
		return err
	}
	c.w.WriteInt(n)
	return nil
}

func cmdSubscribe(c *conn, args [][]byte) error {
	if c.sub == nil {
		c.sub = c.s.store.NewSubscriber()
		c.channels = map[string]bool{}
		sub := c.sub
		if !c.s.goTracked(func() { c.pump(sub) }) {
			return Error("ERR server is shutting down")
		}
	}
	for _, a := range args[1:] {
		ch := string(a)
		if !c.channels[ch] {
			c.channels[ch] = true
			c.sub.Subscribe(ch)
		}
		c.w.WriteArray(3)
		c.w.WriteBulkString("subscribe")
		c.w.WriteBulk(a)
		c.w.WriteInt(len(c.channels))
	}
	return nil
}

func cmdUnsubscribe(c *conn, args [][]byte) error {
	var chans []string
	if len(args) > 1 {
		for _, a := range args[1:] {
			chans = append(chans, string(a))
		}
	} else {
		for ch := range c.channels {
			chans = append(chans, ch)
		}
		sort.Strings(chans)
	}
	if len(chans) == 0 {
		c.w.WriteArray(3)
		c.w.WriteBulkString("unsubscribe")
		c.w.WriteNull()
		c.w.WriteInt(0)
		return nil
	}
	for _, ch := range chans {
		if c.channels[ch] {
			delete(c.channels, ch)
			c.sub.Unsubscribe(ch)
		}
		c.w.WriteArray(3)
		c.w.WriteBulkString("unsubscribe")
		c.w.WriteBulkString(ch)
		c.w.WriteInt(len(c.channels))
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
				c.w.WriteArray(3)
				c.w.WriteBulkString("message")
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
