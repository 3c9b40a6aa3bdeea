package session

import (
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
)

// benchDMLRows is the table size of BenchmarkBulkDML (bench/dml runs the
// same statements against a server, side by side with PostgreSQL).
const benchDMLRows = 50000

// BenchmarkBulkDML times one statement of bench/dml's sequence on a
// freshly loaded table per iteration (the load is not timed): profile
// only the timed statements (not the loads) with
//
//	BENCH_DML_CPUPROFILE=/tmp/del go test ./session -run '^$' -bench 'BulkDML/delete' -benchtime 5x
//	go tool pprof -top -cum /tmp/del.*
func BenchmarkBulkDML(b *testing.B) {
	n := benchDMLRows
	load := fmt.Sprintf(`INSERT INTO t SELECT g, g %% 1000, 'row ' || g, g FROM generate_series(1, %d) g`, n)
	steps := []struct {
		name, setup, sql string
	}{
		{"insert", "", load},
		{"index", load, `CREATE INDEX t_b ON t (b)`},
		{"update", load + `; CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b)`, fmt.Sprintf(`UPDATE t SET a = a + 1 WHERE id <= %d`, n/2)},
		{"delete", load + `; CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b)`, fmt.Sprintf(`DELETE FROM t WHERE id <= %d`, n/2)},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			db, err := OpenDB(DBConfig{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			s := NewManager(db).NewSession("admin", "db")
			defer s.Close()
			prof := os.Getenv("BENCH_DML_CPUPROFILE")
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				if _, err := run(s, `DROP TABLE IF EXISTS t; CREATE TABLE t (id BIGINT PRIMARY KEY, a INT, b TEXT, c INT)`); err != nil {
					b.Fatal(err)
				}
				if st.setup != "" {
					if _, err := run(s, st.setup); err != nil {
						b.Fatal(err)
					}
				}
				var f *os.File
				if prof != "" {
					if f, err = os.Create(fmt.Sprintf("%s.%s.%d", prof, st.name, i)); err != nil {
						b.Fatal(err)
					}
					if err := pprof.StartCPUProfile(f); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := run(s, st.sql); err != nil {
					b.Fatal(err)
				}
				if f != nil {
					b.StopTimer()
					pprof.StopCPUProfile()
					_ = f.Close()
					b.StartTimer()
				}
			}
		})
	}
}
