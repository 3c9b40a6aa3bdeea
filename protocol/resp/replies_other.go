//go:build !unix

package resp

import "errors"

var errNoTryWrite = errors.New("resp: no non-blocking write on this platform")

func writeNonblocking(fd uintptr, b []byte) (int, error) { return 0, errNoTryWrite }

func isWouldBlock(err error) bool { return errors.Is(err, errNoTryWrite) }
