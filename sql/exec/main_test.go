package exec

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its owner (the
// parallel scan workers).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
