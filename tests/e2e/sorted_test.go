package e2e

import (
	"testing"
)

// TestPgxSortedIndex drives a leaderboard through pgx: typed rows from
// TOPK and RANGE, RANK and SORTED_COUNT with parameters, SQLSTATEs.
func TestPgxSortedIndex(t *testing.T) {
	s := startServer(t)
	conn := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE COLLECTION scores TYPE KEY_VALUE (player_id TEXT PRIMARY KEY, score BIGINT, updated_at TIMESTAMPTZ)`)
	mustExec(t, conn, `INSERT INTO scores (player_id, score, updated_at) VALUES
		('ann', 50, '2025-01-02T00:00:00Z'), ('bob', 70, '2025-01-01T00:00:00Z'), ('cy', 50, '2025-01-01T00:00:00Z')`)
	mustExec(t, conn, `CREATE SORTED INDEX lb ON scores (score DESC, updated_at ASC) KEY player_id`)
	mustExec(t, conn, `SELECT KV_INCR('scores', 'dee', 60)`) // a key-value write, no updated_at: not ranked

	rows, err := conn.Query(ctx, `SELECT rank, key, score FROM TOPK(lb, $1)`, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var rank, score int64
		var key string
		if err := rows.Scan(&rank, &key, &score); err != nil {
			t.Fatal(err)
		}
		got = append(got, key)
		if rank != int64(len(got)) {
			t.Fatalf("rank %d for the %d-th row", rank, len(got))
		}
	}
	if rows.Err() != nil || len(got) != 3 || got[0] != "bob" || got[1] != "cy" || got[2] != "ann" {
		t.Fatalf("TOPK = %v (%v)", got, rows.Err())
	}

	var rank *int64
	if err := conn.QueryRow(ctx, `SELECT RANK(lb, $1)`, "ann").Scan(&rank); err != nil || rank == nil || *rank != 3 {
		t.Fatalf("RANK(ann) = %v, %v", rank, err)
	}
	if err := conn.QueryRow(ctx, `SELECT RANK(lb, $1)`, "nobody").Scan(&rank); err != nil || rank != nil {
		t.Fatalf("RANK(nobody) = %v, %v", rank, err)
	}
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM RANGE(lb, $1, $2)`, 50, 60).Scan(&n); err != nil || n != 2 {
		t.Fatalf("RANGE(50, 60) count = %d, %v", n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT SORTED_COUNT(lb)`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("SORTED_COUNT = %d, %v", n, err)
	}
	_, err = conn.Exec(ctx, `SELECT * FROM TOPK(nope, 1)`)
	if pe := pgErr(t, err); pe.Code != "42704" {
		t.Fatalf("unknown index: %s %s", pe.Code, pe.Message)
	}
	_, err = conn.Exec(ctx, `CREATE SORTED INDEX lb ON scores (score) KEY player_id`)
	if pe := pgErr(t, err); pe.Code != "42P07" {
		t.Fatalf("duplicate index: %s %s", pe.Code, pe.Message)
	}
	mustExec(t, conn, `DROP SORTED INDEX lb`)
}
