//go:build !linux

package resp

// evloop is the event loop of loop_linux.go; elsewhere there is none and
// every connection has a goroutine.
type evloop struct{}

func newEvloop(*Server) (*evloop, error) { return nil, errNoLoop }
func (l *evloop) add(*conn) bool         { return false }
func (l *evloop) drop(*conn)             {}
func (l *evloop) shutdown()              {}
func (l *evloop) run()                   {}
func (l *evloop) held() int              { return 0 }
