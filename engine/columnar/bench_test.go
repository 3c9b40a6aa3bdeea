package columnar

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func BenchmarkAppendDecimal(b *testing.B) {
	ds := make([]*apd.Decimal, 1024)
	for i := range ds {
		ds[i] = apd.New(int64(i*37%10000), -2)
	}
	for b.Loop() {
		v := NewVector(600_000)
		for i := range 600_000 {
			v.Append(ds[i%1024])
		}
	}
}

func BenchmarkAppendTime(b *testing.B) {
	t0 := time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		v := NewVector(600_000)
		for i := range 600_000 {
			v.Append(t0.AddDate(0, 0, i%2000))
		}
	}
}
