package storage_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its owner (the
// write-ahead log's zero-fillers stop when Pebble closes the log).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
