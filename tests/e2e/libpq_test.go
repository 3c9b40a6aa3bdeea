package e2e

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/lib/pq"
)

func openLibPQ(t *testing.T, s *testServer) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", s.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatalf("ping: %v", err)
	}
	return db
}

func TestLibPQ(t *testing.T) {
	s := startServer(t)
	db := openLibPQ(t, s)
	ctx := testCtx(t)

	if _, err := db.ExecContext(ctx, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, active BOOLEAN, joined TIMESTAMPTZ)`); err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)
	res, err := db.ExecContext(ctx, `INSERT INTO users (id, name, score, active, joined) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)`,
		1, "alice", 9.5, true, joined, 2, "bob", nil, false, joined.Add(time.Hour))
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("rows affected = %d", n)
	}

	// Read back.
	var (
		name   string
		score  sql.NullFloat64
		active bool
		when   time.Time
	)
	if err := db.QueryRowContext(ctx, `SELECT name, score, active, joined FROM users WHERE id = $1`, 1).Scan(&name, &score, &active, &when); err != nil {
		t.Fatalf("select: %v", err)
	}
	if name != "alice" || !score.Valid || score.Float64 != 9.5 || !active || !when.Equal(joined) {
		t.Errorf("alice = %q %v %v %v", name, score, active, when)
	}
	if err := db.QueryRowContext(ctx, `SELECT score FROM users WHERE name = $1`, "bob").Scan(&score); err != nil || score.Valid {
		t.Errorf("bob score = %v, %v; want NULL", score, err)
	}

	// Update and delete.
	res, err = db.ExecContext(ctx, `UPDATE users SET score = $1 WHERE active = $2`, 1.25, false)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("update rows = %d", n)
	}
	res, err = db.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("delete rows = %d", n)
	}

	// Prepared statement reused.
	stmt, err := db.PrepareContext(ctx, `INSERT INTO users (id, name, score) VALUES ($1, $2, $3)`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 10; i < 20; i++ {
		if _, err := stmt.ExecContext(ctx, i, "u", float64(i)/2); err != nil {
			t.Fatalf("stmt exec %d: %v", i, err)
		}
	}
	stmt.Close()
	var count int
	var sum float64
	if err := db.QueryRowContext(ctx, `SELECT count(*), sum(score) FROM users`).Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != 11 || sum != 1.25+72.5 {
		t.Errorf("count, sum = %d, %v", count, sum)
	}

	// Transactions: rollback then commit.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM users`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, "robert", 2); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&count); err != nil || count != 11 {
		t.Errorf("count after rollback = %d, %v", count, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT name FROM users WHERE id = 2`).Scan(&name); err != nil || name != "robert" {
		t.Errorf("name after commit = %q, %v", name, err)
	}

	// Rows iteration with ORDER BY / LIMIT.
	rows, err := db.QueryContext(ctx, `SELECT id FROM users WHERE score >= $1 ORDER BY id DESC LIMIT 3`, 5.0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(ids) != 3 || ids[0] != 19 || ids[1] != 18 || ids[2] != 17 {
		t.Errorf("ids = %v", ids)
	}

	// Error codes.
	_, err = db.ExecContext(ctx, `INSERT INTO users (id, name) VALUES ($1, $2)`, 2, "dup")
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		t.Errorf("duplicate: %v (%T)", err, err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO users (id) VALUES (99)`)
	if !errors.As(err, &pqErr) || pqErr.Code != "23502" {
		t.Errorf("not null: %v", err)
	}
	_, err = db.ExecContext(ctx, `SELECT * FROM missing`)
	if !errors.As(err, &pqErr) || pqErr.Code != "42P01" || pqErr.Code.Class() != "42" {
		t.Errorf("missing table: %v", err)
	}
	_, err = db.ExecContext(ctx, `SELECT FROM WHERE`)
	if !errors.As(err, &pqErr) || pqErr.Code != "42601" || pqErr.Position == "" {
		t.Errorf("syntax error: %v (position %q)", err, pqErrPosition(pqErr))
	}
}

func pqErrPosition(e *pq.Error) string {
	if e == nil {
		return ""
	}
	return e.Position
}
