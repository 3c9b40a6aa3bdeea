package metrics

import (
	"testing"
	"time"
)

// BenchmarkObserveQuery is what every statement or command pays for its
// metrics.
func BenchmarkObserveQuery(b *testing.B) {
	r := New(nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.ObserveQuery("resp", 50*time.Microsecond, nil)
		}
	})
}
