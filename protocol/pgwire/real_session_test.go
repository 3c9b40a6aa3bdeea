package pgwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nodedb-go/nodedb/session"
)

// TestRealSessionSmoke drives the real session package through the
// adapter: DDL, DML, binary COPY, and queries in both protocols. It guards
// the contract between pgwire and session, not the SQL engine.
func TestRealSessionSmoke(t *testing.T) {
	db, err := session.OpenDB(session.DBConfig{Dir: t.TempDir(), Durability: "relaxed",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mgr := session.NewManager(db)
	srv := NewServer(Config{Addr: "127.0.0.1:0"}, FromManager(mgr))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.Background()) }()
	defer func() {
		srv.Close()
		<-errc
		if n := mgr.Count(); n != 0 {
			t.Errorf("%d sessions open after Close", n)
		}
	}()
	c, err := pgx.Connect(ctx(t), fmt.Sprintf("postgres://alice@%s/db?sslmode=disable&application_name=smoke", srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if got := c.PgConn().ParameterStatus("application_name"); got != "smoke" {
		t.Errorf("application_name = %q", got)
	}
	for _, q := range []string{
		"CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, score FLOAT8)",
		"INSERT INTO t VALUES (1, 'a', 1.5), (2, NULL, 2.5)",
	} {
		if _, err := c.Exec(ctx(t), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	n, err := c.CopyFrom(ctx(t), pgx.Identifier{"t"}, []string{"id", "name", "score"},
		pgx.CopyFromRows([][]any{{int64(3), "c", 3.5}, {int64(4), nil, 4.5}}))
	if err != nil || n != 2 {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		rows, err := c.Query(ctx(t), "SELECT id, name, score FROM t WHERE id > $1 ORDER BY id", mode, int64(0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprint(v))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if want := "[1 a 1.5] [2 <nil> 2.5] [3 c 3.5] [4 <nil> 4.5]"; fmt.Sprint(got) != "["+want+"]" {
			t.Errorf("%v: rows %v, want %s", mode, got, want)
		}
	}
	_, err = c.Exec(ctx(t), "SELEC 1")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42601" {
		t.Errorf("syntax error: %v", err)
	}
}
