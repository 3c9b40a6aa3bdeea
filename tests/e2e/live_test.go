package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"
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
