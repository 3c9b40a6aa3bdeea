package session

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its owner: every one a
// DB or session starts (the LIVE SELECT tailer, retention, group commit)
// must be stopped by Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
