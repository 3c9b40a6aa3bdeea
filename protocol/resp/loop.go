package resp

import (
	"bytes"
	"errors"
	"io"
)

// errNoLoop: this platform has no event loop (loop_other.go).
var errNoLoop = errors.New("resp: no event loop on this platform")

// completeFrames scans b for complete multibulk requests and returns the
// length of the prefix they fill and how many there are. ok is false
// when b holds anything the event loop leaves to a connection goroutine:
// an inline command, a malformed header or one over the limits (the
// goroutine's Reader then answers with the right error).
func completeFrames(b []byte, lim Limits) (end, count int, ok bool) {
	for {
		p := end
		if p == len(b) {
			return end, count, true
		}
		if b[p] != '*' {
			return end, count, false
		}
		n, next, ok := headerInt(b, p+1)
		if !ok {
			return end, count, false
		}
		if next < 0 {
			return end, count, true // header incomplete
		}
		if n <= 0 || n > int64(lim.MaxArgs) {
			return end, count, false
		}
		p = next
		complete := true
		for i := int64(0); i < n; i++ {
			if p >= len(b) {
				complete = false
				break
			}
			if b[p] != '$' {
				return end, count, false
			}
			size, next, ok := headerInt(b, p+1)
			if !ok || (next >= 0 && (size < 0 || size > int64(lim.MaxBulk))) {
				return end, count, false
			}
			if next < 0 || next+int(size)+2 > len(b) {
				complete = false
				break
			}
			p = next + int(size) + 2
			if b[p-2] != '\r' || b[p-1] != '\n' {
				return end, count, false
			}
		}
		if !complete {
			return end, count, true
		}
		end = p
		count++
	}
}

// headerInt parses the decimal after a '*' or '$' at b[p:] up to CRLF;
// next is the offset after the CRLF, -1 when the line is not complete.
func headerInt(b []byte, p int) (n int64, next int, ok bool) {
	i := bytes.IndexByte(b[p:], '\n')
	if i < 0 {
		if len(b)-p > 20 {
			return 0, 0, false
		}
		return 0, -1, true
	}
	line := b[p : p+i]
	if len(line) < 2 || line[len(line)-1] != '\r' {
		return 0, 0, false
	}
	v, err := parseInt10(line[:len(line)-1])
	if err != nil {
		return 0, 0, false
	}
	return v, p + i + 1, true
}

// loopEjects reports whether a command takes its connection out of the
// event loop: subscribe mode pushes messages at any time, QUIT and RESET
// end or reset the connection.
func loopEjects(name []byte) bool {
	switch string(bytes.ToLower(name)) {
	case "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// readerChain reads the bytes an event loop had buffered, then nc.
func readerChain(buffered []byte, nc io.Reader) io.Reader {
	if len(buffered) == 0 {
		return nc
	}
	return io.MultiReader(bytes.NewReader(append([]byte(nil), buffered...)), nc)
}
