package event

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its owner (webhook
// clients, delivery pipes, the retention trimmer).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
