package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nodedb-go/nodedb/config"
)

// benchServer starts a server on a temporary directory for benchmarks.
func benchServer(b *testing.B) *Server {
	b.Helper()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	s, err := New(cfg, WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkPgwirePKSelect measures a prepared primary-key lookup over
// pgwire from 16 clients (the in-process counterpart of bench/pgbench's
// select workload; profile it with -cpuprofile).
func BenchmarkPgwirePKSelect(b *testing.B) {
	s := benchServer(b)
	ctx := context.Background()
	url := fmt.Sprintf("postgres://admin@%s/nodedb?sslmode=disable", s.PgwireAddr())
	pool, err := pgxpool.New(ctx, url+"&pool_max_conns=16")
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_sel (id BIGINT PRIMARY KEY, v INT, pad TEXT)`); err != nil {
		b.Fatal(err)
	}
	var rows [][]any
	for i := 1; i <= 10000; i++ {
		rows = append(rows, []any{int64(i), int32(i), "padding"})
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"bench_sel"}, []string{"id", "v", "pad"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)%10000 + 1
			var v int32
			if err := pool.QueryRow(ctx, `SELECT v FROM bench_sel WHERE id = $1`, id).Scan(&v); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkPgwireInsert measures single-row autocommit INSERTs sent as
// simple queries from 16 clients (bench/pgbench's insert workload).
func BenchmarkPgwireInsert(b *testing.B) {
	s := benchServer(b)
	ctx := context.Background()
	url := fmt.Sprintf("postgres://admin@%s/nodedb?sslmode=disable&pool_max_conns=16&default_query_exec_mode=simple_protocol", s.PgwireAddr())
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_ins (id BIGINT PRIMARY KEY, client INT, v INT)`); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)
			sql := fmt.Sprintf("INSERT INTO bench_ins VALUES (%d::bigint * 10 + 1, %d, 1) ON CONFLICT DO NOTHING", id, id%16)
			if _, err := pool.Exec(ctx, sql); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStreamCatchUp reads a change stream of 100,000 retained events
// in batches of 1,000 over pgwire, committing after each batch (the
// catch-up workload of bench/streams). One op is one event.
func BenchmarkStreamCatchUp(b *testing.B) {
	s := benchServer(b)
	ctx := context.Background()
	url := fmt.Sprintf("postgres://admin@%s/nodedb?sslmode=disable", s.PgwireAddr())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{`CREATE TABLE ev (id BIGINT PRIMARY KEY, v INT, pad TEXT)`, `CREATE CHANGE STREAM evs ON ev`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	const n = 100_000
	rows := make([][]any, 0, n)
	for i := 0; i < n; i++ {
		rows = append(rows, []any{int64(i), int32(i), "some padding text"})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"ev"}, []string{"id", "v", "pad"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	read := 0
	for g := 0; read < b.N; g++ {
		group := fmt.Sprintf("g%d", g)
		if _, err := conn.Exec(ctx, `CREATE CONSUMER GROUP `+group+` ON evs`); err != nil {
			b.Fatal(err)
		}
		for read < b.N {
			r, err := conn.Query(ctx, `SELECT * FROM STREAM evs CONSUMER GROUP `+group+` LIMIT 1000`)
			if err != nil {
				b.Fatal(err)
			}
			got := 0
			for r.Next() {
				got++
			}
			if err := r.Err(); err != nil {
				b.Fatal(err)
			}
			if got == 0 {
				break
			}
			read += got
			if _, err := conn.Exec(ctx, `COMMIT OFFSETS ON evs CONSUMER GROUP `+group); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPgwireInsertSerial measures one client's autocommit INSERT
// latency (commit path, fsync, pgwire round trip): ns/op is the latency.
func BenchmarkPgwireInsertSerial(b *testing.B) {
	s := benchServer(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://admin@%s/nodedb?sslmode=disable", s.PgwireAddr()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE bench_ins (id BIGINT PRIMARY KEY, client INT, v INT)`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := conn.Exec(ctx, `INSERT INTO bench_ins VALUES ($1, 1, 1)`, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}
