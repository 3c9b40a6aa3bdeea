package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestListenNotify: two sessions LISTEN; a third NOTIFYs inside a committed
// and a rolled-back transaction and with pg_notify. Listeners receive,
// while idle, exactly the committed notifications, once per transaction
// for duplicates, with payloads beyond PostgreSQL's 8,000 bytes.
func TestListenNotify(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b, n := s.pgxConnect(t), s.pgxConnect(t), s.pgxConnect(t)
	for _, c := range []*pgx.Conn{a, b} {
		if _, err := c.Exec(ctx, `LISTEN orders`); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := n.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`BEGIN`)
	exec(`NOTIFY orders, 'rolled back'`)
	exec(`ROLLBACK`)
	// A multi-statement string is one implicit transaction: its NOTIFY is
	// dropped when a later statement fails.
	if _, err := n.Exec(ctx, `NOTIFY orders, 'implicit, failed'; SELECT 1/0`); err == nil {
		t.Fatal("1/0 succeeded")
	}
	exec(`BEGIN`)
	exec(`NOTIFY orders, 'first'`)
	exec(`NOTIFY orders, 'first'`) // folded
	exec(`NOTIFY other, 'not for us'`)
	exec(`COMMIT`)
	exec(`SELECT pg_notify('orders', 'second')`)
	big := strings.Repeat("x", 20000)
	exec(`NOTIFY orders, '` + big + `'`)

	for _, c := range []*pgx.Conn{a, b} {
		var got []string
		for len(got) < 3 {
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			note, err := c.WaitForNotification(wctx)
			wcancel()
			if err != nil {
				t.Fatalf("waiting for notification %d: %v (got %v)", len(got)+1, err, got)
			}
			if note.Channel != "orders" {
				t.Errorf("channel %q", note.Channel)
			}
			got = append(got, note.Payload)
		}
		if got[0] != "first" || got[1] != "second" || got[2] != big {
			t.Errorf("payloads: %.40q", got)
		}
		// Nothing else is pending: no rolled-back or duplicate message.
		wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
		if note, err := c.WaitForNotification(wctx); err == nil {
			t.Errorf("unexpected notification %q", note.Payload)
		}
		wcancel()
	}
	if _, err := a.Exec(ctx, `UNLISTEN *`); err != nil {
		t.Fatal(err)
	}
	exec(`NOTIFY orders, 'after unlisten'`)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	if note, err := b.WaitForNotification(wctx); err != nil || note.Payload != "after unlisten" {
		t.Fatalf("b after a's UNLISTEN: %v %v", note, err)
	}
	wctx2, wcancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer wcancel2()
	if note, err := a.WaitForNotification(wctx2); err == nil {
		t.Errorf("a got %q after UNLISTEN *", note.Payload)
	}
}

// TestPsqlShowsNotifications: psql prints asynchronous notifications.
func TestPsqlShowsNotifications(t *testing.T) {
	s := startServer(t)
	out := runPsql(t, s, "-c", `LISTEN ch; NOTIFY ch, 'hello'`)
	if !strings.Contains(out, `Asynchronous notification "ch" with payload "hello" received from server process with PID`) {
		t.Fatalf("psql output:\n%s", out)
	}
}
