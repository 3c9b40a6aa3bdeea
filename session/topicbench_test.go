package session

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkPublish1000: one HTTP-style publish of 1,000 messages of 128
// bytes into a topic (one transaction; relaxed durability, so ns/op is the
// CPU work, not the fsync).
func BenchmarkPublish1000(b *testing.B) {
	db, err := OpenDB(DBConfig{Dir: b.TempDir(), Durability: "relaxed"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	m := NewManager(db)
	s := m.NewSession("admin", "db")
	defer s.Close()
	if _, err := run(s, `CREATE TOPIC bench_t`); err != nil {
		b.Fatal(err)
	}
	msgs := make([]string, 1000)
	for i := range msgs {
		msgs[i] = `{"n":` + strings.Repeat("7", 8) + `,"pad":"` + strings.Repeat("x", 100) + `"}`
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if err := s.PublishMessages(ctx, "bench_t", msgs); err != nil {
			b.Fatal(err)
		}
	}
}
