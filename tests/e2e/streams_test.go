package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/server"
)

// startServerAt starts a server on dir (sync durability) and returns it
// with its pgwire URL and HTTP base; the caller closes it.
func startServerAt(t *testing.T, dir string) (*server.Server, string, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Host = "127.0.0.1"
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	s, err := server.New(cfg, server.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	url := "postgres://admin@" + s.PgwireAddr().String() + "/nodedb?sslmode=disable"
	return s, url, "http://" + s.HTTPAddr().(*net.TCPAddr).String()
}

type httpEvent struct {
	Partition  int              `json:"partition"`
	Op         string           `json:"op"`
	RowID      string           `json:"row_id"`
	LSN        uint64           `json:"lsn"`
	NewValue   map[string]any   `json:"new_value"`
	OldValue   map[string]any   `json:"old_value"`
	FieldDiffs []map[string]any `json:"field_diffs"`
}

type pollAnswer struct {
	Events           []httpEvent       `json:"events"`
	PartitionOffsets map[string]uint64 `json:"partition_offsets"`
	Count            int               `json:"count"`
}

func poll(t *testing.T, base, query string) pollAnswer {
	t.Helper()
	resp, err := http.Get(base + "/v1/streams/orders_cs/poll?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("poll %s: status %d", query, resp.StatusCode)
	}
	var a pollAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestStreamsEndToEnd: a stream and two groups read over pgx and over
// HTTP (poll and SSE) see every committed change once, in per-partition
// order, with values and diffs; after committing and restarting, reads
// resume exactly after the committed offsets.
func TestStreamsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, url, base := startServerAt(t, dir)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`CREATE TABLE orders (id INT PRIMARY KEY, status TEXT, total INT)`,
		`CREATE CHANGE STREAM orders_cs ON orders`,
		`CREATE CONSUMER GROUP sqlg ON orders_cs`,
		`CREATE CONSUMER GROUP httpg ON orders_cs`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// 20 inserts, 10 updates, 5 deletes, over several partitions.
	type op struct {
		kind string
		id   int
	}
	var ops []op
	for i := 1; i <= 20; i++ {
		if _, err := conn.Exec(ctx, `INSERT INTO orders VALUES ($1, 'new', $2)`, i, i*10); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op{"INSERT", i})
	}
	for i := 1; i <= 10; i++ {
		if _, err := conn.Exec(ctx, `UPDATE orders SET status = 'paid' WHERE id = $1`, i); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op{"UPDATE", i})
	}
	for i := 16; i <= 20; i++ {
		if _, err := conn.Exec(ctx, `DELETE FROM orders WHERE id = $1`, i); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op{"DELETE", i})
	}
	perRow := func(kinds [][2]string) map[string][]string {
		out := map[string][]string{}
		for _, k := range kinds {
			out[k[1]] = append(out[k[1]], k[0])
		}
		return out
	}
	var want [][2]string
	for _, o := range ops {
		want = append(want, [2]string{o.kind, strconv.Itoa(o.id)})
	}

	// Group sqlg over pgx (extended protocol, binary results).
	rows, err := conn.Query(ctx, `SELECT partition, event_type, row_id, lsn, new_value, old_value FROM STREAM orders_cs CONSUMER GROUP sqlg LIMIT 1000`)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	lastByPart := map[int32]int64{}
	for rows.Next() {
		var p int32
		var typ, id string
		var lsn int64
		var nv, ov map[string]any
		if err := rows.Scan(&p, &typ, &id, &lsn, &nv, &ov); err != nil {
			t.Fatal(err)
		}
		if lsn <= lastByPart[p] {
			t.Fatalf("partition %d out of order: %d after %d", p, lsn, lastByPart[p])
		}
		lastByPart[p] = lsn
		if typ == "UPDATE" && (nv["status"] != "paid" || ov["status"] != "new") {
			t.Errorf("update of %s: new %v old %v", id, nv, ov)
		}
		if typ == "DELETE" && (nv != nil || ov["id"] == nil) {
			t.Errorf("delete of %s: new %v old %v", id, nv, ov)
		}
		got = append(got, [2]string{typ, id})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(perRow(got)) != fmt.Sprint(perRow(want)) || len(got) != len(want) {
		t.Fatalf("sqlg events:\n got %v\nwant %v", got, want)
	}
	if _, err := conn.Exec(ctx, `COMMIT OFFSETS ON orders_cs CONSUMER GROUP sqlg`); err != nil {
		t.Fatal(err)
	}

	// Group httpg over HTTP, in two polls, committing after the first.
	first := poll(t, base, "group=httpg&limit=20")
	if first.Count != 20 {
		t.Fatalf("first poll: %d events", first.Count)
	}
	body, _ := json.Marshal(map[string]any{"partition_offsets": first.PartitionOffsets})
	resp, err := http.Post(base+"/v1/streams/orders_cs/offsets?group=httpg", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("commit offsets: %v %v", err, resp)
	}
	resp.Body.Close()
	second := poll(t, base, "group=httpg&limit=1000")
	if second.Count != len(want)-20 {
		t.Fatalf("second poll: %d events, want %d", second.Count, len(want)-20)
	}
	for _, e := range second.Events {
		if e.Op == "UPDATE" && (len(e.FieldDiffs) != 1 || e.FieldDiffs[0]["field"] != "status") {
			t.Errorf("update %s diffs: %v", e.RowID, e.FieldDiffs)
		}
	}

	// SSE: every event, with partition:lsn ids.
	sseCtx, sseCancel := context.WithTimeout(ctx, 20*time.Second)
	req, _ := http.NewRequestWithContext(sseCtx, "GET", base+"/v1/streams/orders_cs/events?group=httpg", nil)
	sresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(sresp.Body)
	n := 0
	for n < len(want)-20 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "id: ") {
			n++
		}
	}
	sseCancel()
	sresp.Body.Close()
	if n != len(want)-20 {
		t.Fatalf("SSE delivered %d events, want %d (after the committed ones)", n, len(want)-20)
	}
	conn.Close(ctx)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart: sqlg has nothing left, httpg resumes after its commit.
	srv, url, base = startServerAt(t, dir)
	defer srv.Close()
	conn, err = pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT * FROM STREAM orders_cs CONSUMER GROUP sqlg LIMIT 1000) s`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("sqlg after restart: %d events, want 0", left)
	}
	again := poll(t, base, "group=httpg&limit=1000")
	if again.Count != len(want)-20 || again.Events[0].LSN != second.Events[0].LSN {
		t.Fatalf("httpg after restart: %d events from lsn %d, want %d from %d", again.Count,
			again.Events[0].LSN, len(want)-20, second.Events[0].LSN)
	}
	// New writes after the restart arrive too.
	if _, err := conn.Exec(ctx, `INSERT INTO orders VALUES (100, 'new', 1)`); err != nil {
		t.Fatal(err)
	}
	var ev string
	if err := conn.QueryRow(ctx, `SELECT row_id FROM STREAM orders_cs CONSUMER GROUP sqlg LIMIT 1`).Scan(&ev); err != nil || ev != "100" {
		t.Fatalf("post-restart event: %q %v", ev, err)
	}
}
