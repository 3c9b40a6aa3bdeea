package parser

import "testing"

// BenchmarkParseInsert parses the statement pgbench's INSERT workload sends
// (simple protocol: parsed per transaction).
func BenchmarkParseInsert(b *testing.B) {
	const q = "INSERT INTO bench_ins VALUES (7 * 10000000000 + 123456789, 7, 1) ON CONFLICT DO NOTHING;"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}
