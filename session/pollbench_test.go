package session

import (
	"context"
	"testing"
)

// newPollBench opens a database (relaxed durability: no fsync in the
// figures) with a strict table of 2,000 rows, a stream on it and a group.
func newPollBench(b *testing.B) *Manager {
	db, err := OpenDB(DBConfig{Dir: b.TempDir(), Durability: "relaxed"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	m := NewManager(db)
	s := m.NewSession("admin", "db")
	b.Cleanup(s.Close)
	for _, q := range []string{
		`CREATE TABLE cu (id BIGINT PRIMARY KEY, sent_ns BIGINT, pad TEXT)`,
		`CREATE CHANGE STREAM cu_s ON cu`,
		`CREATE CONSUMER GROUP g ON cu_s`,
		`INSERT INTO cu SELECT n, 1764000000000000000 + n, 'pad-0123456789abcdef' FROM generate_series(1, 2000) AS n`,
	} {
		if _, err := run(s, q); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// BenchmarkPollStream1000 is the server's work for one HTTP poll of 1,000
// change events of a strict table: the read and the JSON body (ns/op per
// poll; allocs matter, the collector runs beside the consumer).
func BenchmarkPollStream1000(b *testing.B) {
	m := newPollBench(b)
	ctx := context.Background()
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res, err := m.PollStream(ctx, "cu_s", "g", PollOptions{Partition: -1, Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Events) != 1000 {
			b.Fatalf("%d events", len(res.Events))
		}
		buf = res.AppendJSON(buf[:0])
	}
}

// BenchmarkCommitStreamOffsets1000 commits what a poll of 1,000 events
// returned (some 630 partitions) again and again: the server's work for a
// consumer's acknowledgement, without the fsync (relaxed durability).
func BenchmarkCommitStreamOffsets1000(b *testing.B) {
	m := newPollBench(b)
	res, err := m.PollStream(context.Background(), "cu_s", "g", PollOptions{Partition: -1, Limit: 1000})
	if err != nil {
		b.Fatal(err)
	}
	offs := map[int]uint64{}
	for p, l := range res.PartitionOffsets {
		offs[p] = l
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := m.CommitStreamOffsets("cu_s", "g", offs); err != nil {
			b.Fatal(err)
		}
	}
}
