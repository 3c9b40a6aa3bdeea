//go:build unix

package resp

import (
	"errors"
	"syscall"
)

// writeNonblocking is one write(2) on a socket the Go runtime keeps in
// non-blocking mode: it never waits for room in the send buffer.
func writeNonblocking(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Write(int(fd), b)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		return n, err
	}
}

func isWouldBlock(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
}
