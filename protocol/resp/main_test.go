package resp

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its owner: every
// connection goroutine must end by Server.Close, the database's by
// DB.Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
