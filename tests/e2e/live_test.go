package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestLiveSelect: a LIVE SELECT with a WHERE pushes, while the session is
// idle, exactly the committed changes whose old or new row matches, with
// the projection applied and UPDATE transitions named.
func TestLiveSelect(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, w := s.pgxConnect(t), s.pgxConnect(t)
	mustExec(t, w, `CREATE TABLE orders (id INT PRIMARY KEY, total INT, note TEXT)`)
	var id, channel, coll, status string
	if err := sub.QueryRow(ctx, `LIVE SELECT id, total FROM orders WHERE total > 100`).Scan(&id, &channel, &coll, &status); err != nil {
		t.Fatal(err)
	}
	if coll != "orders" || status != "active" || channel == "" {
		t.Fatalf("LIVE SELECT answered %q %q %q %q", id, channel, coll, status)
	}
	mustExec(t, w, `INSERT INTO orders VALUES (1, 50, 'small'), (2, 500, 'big')`) // only 2 matches
	mustExec(t, w, `UPDATE orders SET total = 150 WHERE id = 1`)                  // 1 enters
	mustExec(t, w, `UPDATE orders SET total = 600 WHERE id = 2`)                  // 2 changes
	mustExec(t, w, `UPDATE orders SET total = 10 WHERE id = 2`)                   // 2 leaves
	mustExec(t, w, `UPDATE orders SET note = 'x' WHERE id = 2`)                   // not in the result: nothing
	mustExec(t, w, `DELETE FROM orders WHERE id = 1`)                             // 1 deleted while matching

	type payload struct {
		SubscriptionID string         `json:"subscription_id"`
		Op             string         `json:"op"`
		Transition     string         `json:"transition"`
		RowID          string         `json:"row_id"`
		LSN            uint64         `json:"lsn"`
		Row            map[string]any `json:"row"`
	}
	want := []string{"INSERT  2 500", "UPDATE entered 1 150", "UPDATE changed 2 600", "UPDATE left 2 600", "DELETE  1 150"}
	var lastLSN uint64
	for i, w := range want {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := sub.WaitForNotification(wctx)
		wcancel()
		if err != nil {
			t.Fatalf("notification %d (%s): %v", i, w, err)
		}
		if n.Channel != channel {
			t.Fatalf("channel %q, want %q", n.Channel, channel)
		}
		var p payload
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			t.Fatal(err)
		}
		if p.LSN <= lastLSN || p.SubscriptionID != id {
			t.Errorf("payload %d: %+v", i, p)
		}
		lastLSN = p.LSN
		got := p.Op + " " + p.Transition + " " + p.RowID + " " + jsonNum(p.Row["total"])
		if got != w {
			t.Errorf("notification %d: got %q, want %q (row %v)", i, got, w, p.Row)
		}
		if _, has := p.Row["note"]; has {
			t.Errorf("projection not applied: %v", p.Row)
		}
	}
	wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	if n, err := sub.WaitForNotification(wctx); err == nil {
		t.Errorf("unexpected notification %s", n.Payload)
	}
	wcancel()
	mustExec(t, sub, `CANCEL LIVE SELECT '`+id+`'`)
	mustExec(t, w, `INSERT INTO orders VALUES (3, 999, 'after cancel')`)
	wctx, wcancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer wcancel()
	if n, err := sub.WaitForNotification(wctx); err == nil {
		t.Errorf("notification after CANCEL: %s", n.Payload)
	}
}

func jsonNum(v any) string {
	if f, ok := v.(float64); ok {
		b, _ := json.Marshal(f)
		return string(b)
	}
	return "?"
}

// TestLiveSelectSlowSubscriberLosesNothing: a LIVE SELECT subscriber that
// reads nothing while 100,000 changes commit (far more than its socket and
// its session's mailbox hold) later receives every one of them, once and
// in commit order: the subscription catches up from the change log at the
// subscriber's pace, and the writer never waited for it.
func TestLiveSelectSlowSubscriberLosesNothing(t *testing.T) {
	s := startServer(t)
	ctx := testCtx(t)
	w := s.pgxConnect(t)
	mustExec(t, w, `CREATE TABLE big (id INT PRIMARY KEY)`)

	// pgconn directly: notices and notifications both reach callbacks.
	var notices []string
	var ids []int
	var lsns []uint64
	cfg, err := pgconn.ParseConfig(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n.Message) }
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		var p struct {
			LSN uint64         `json:"lsn"`
			Row map[string]int `json:"row"`
		}
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			t.Errorf("payload %q: %v", n.Payload, err)
			return
		}
		ids = append(ids, p.Row["id"])
		lsns = append(lsns, p.LSN)
	}
	sub, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(context.Background())
	if _, err := sub.Exec(ctx, `LIVE SELECT id FROM big`).ReadAll(); err != nil {
		t.Fatal(err)
	}

	const rows = 100_000
	start := time.Now()
	for from := 1; from <= rows; from += 20_000 {
		mustExec(t, w, `INSERT INTO big SELECT g FROM generate_series($1::int, $2::int) g`, from, from+19_999)
	}
	wrote := time.Since(start)
	for len(ids) < rows {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := sub.WaitForNotification(wctx)
		cancel()
		if err != nil {
			t.Fatalf("after %d of %d notifications: %v", len(ids), rows, err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_ = sub.WaitForNotification(wctx) // anything extra would be a duplicate
	cancel()
	if len(notices) > 0 {
		t.Errorf("notices: %q", notices)
	}
	if len(ids) != rows {
		t.Fatalf("%d notifications for %d rows", len(ids), rows)
	}
	for i, id := range ids {
		if id != i+1 || (i > 0 && lsns[i] <= lsns[i-1]) {
			t.Fatalf("notification %d: row %d at LSN %d (previous LSN %d): want row %d, LSNs increasing", i, id, lsns[i], lsns[max(i-1, 0)], i+1)
		}
	}
	t.Logf("the writer took %s; the subscriber got all %d changes in order", wrote.Round(time.Millisecond), rows)
}

// TestLiveSelectErrorOverPgwire: a LIVE SELECT whose WHERE clause cannot
// be evaluated on a new row (division by zero) ends, and its subscriber,
// idle, hears it: a WARNING notice with SQLSTATE 22012 and the last LSN
// delivered, then the subscription's last notification carrying the
// error; the changes before it arrived as usual.
func TestLiveSelectErrorOverPgwire(t *testing.T) {
	s := startServer(t)
	ctx := testCtx(t)
	w := s.pgxConnect(t)
	mustExec(t, w, `CREATE TABLE nums (id INT PRIMARY KEY, x INT)`)

	type payload struct {
		LSN   uint64         `json:"lsn"`
		Row   map[string]int `json:"row"`
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		LastLSN uint64 `json:"last_lsn"`
	}
	var notices []*pgconn.Notice
	var got []payload
	cfg, err := pgconn.ParseConfig(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n) }
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		var p payload
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			t.Errorf("payload %q: %v", n.Payload, err)
		}
		got = append(got, p)
	}
	sub, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(context.Background())
	if _, err := sub.Exec(ctx, `LIVE SELECT id FROM nums WHERE 10 / x > 0`).ReadAll(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, w, `INSERT INTO nums VALUES (1, 5)`)
	mustExec(t, w, `INSERT INTO nums VALUES (2, 0)`)
	mustExec(t, w, `INSERT INTO nums VALUES (3, 1)`)

	for len(got) < 2 {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		err := sub.WaitForNotification(wctx)
		wcancel()
		if err != nil {
			t.Fatalf("after %d notifications: %v", len(got), err)
		}
	}
	if got[0].Row["id"] != 1 || got[0].Error.Code != "" {
		t.Fatalf("first notification %+v, want row 1", got[0])
	}
	if got[1].Error.Code != "22012" || got[1].LastLSN != got[0].LSN || !strings.Contains(got[1].Error.Message, "division by zero") {
		t.Fatalf("last notification %+v, want error 22012 (division by zero) with last_lsn %d", got[1], got[0].LSN)
	}
	if len(notices) != 1 || notices[0].Code != "22012" || notices[0].Severity != "WARNING" ||
		!strings.Contains(notices[0].Detail, strconv.FormatUint(got[0].LSN, 10)) {
		t.Fatalf("notices %+v, want one WARNING 22012 naming LSN %d", notices, got[0].LSN)
	}
	// Row 3 would match, but the subscription is over.
	wctx, wcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer wcancel()
	if err := sub.WaitForNotification(wctx); err == nil || len(got) != 2 {
		t.Fatalf("notification after the subscription ended: %+v", got[2:])
	}
}

// TestLiveSelectParameters: a LIVE SELECT prepared with parameters (pgx's
// extended protocol) keeps the values it was started with; two
// subscriptions of the same query with other values each get their own
// matches.
func TestLiveSelectParameters(t *testing.T) {
	s := startServer(t)
	ctx := testCtx(t)
	w := s.pgxConnect(t)
	mustExec(t, w, `CREATE TABLE orders (id INT PRIMARY KEY, total INT)`)
	subs := map[int]*pgx.Conn{100: s.pgxConnect(t), 400: s.pgxConnect(t)}
	for min, c := range subs {
		var id, channel, coll, status string
		if err := c.QueryRow(ctx, `LIVE SELECT id, total FROM orders WHERE total > $1`, min).Scan(&id, &channel, &coll, &status); err != nil {
			t.Fatalf("LIVE SELECT with $1 = %d: %v", min, err)
		}
	}
	mustExec(t, w, `INSERT INTO orders VALUES (1, 50), (2, 150), (3, 500)`)
	for min, want := range map[int]string{100: "2 3", 400: "3"} {
		var got []string
		for len(got) < len(strings.Fields(want)) {
			wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
			n, err := subs[min].WaitForNotification(wctx)
			wcancel()
			if err != nil {
				t.Fatalf("$1 = %d, after %q: %v", min, got, err)
			}
			var p struct {
				RowID string `json:"row_id"`
			}
			if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
				t.Fatal(err)
			}
			got = append(got, p.RowID)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("$1 = %d: rows %q, want %q", min, got, want)
		}
	}
	// Too few values for the parameters: refused.
	if _, err := w.Exec(ctx, `LIVE SELECT id FROM orders WHERE total > $2`, 1); err == nil {
		t.Error("LIVE SELECT with $2 and one value was accepted")
	}
}
