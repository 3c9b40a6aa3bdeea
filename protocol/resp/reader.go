package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ProtocolError is a malformed or oversized request. The connection
// answers it with "-ERR Protocol error: ..." and closes, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

func protoErr(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// Limits bound what one request may declare or send.
type Limits struct {
	MaxArgs     int // arguments per command (Redis: 1,048,576)
	MaxBulk     int // bytes per argument (Redis: 512 MiB)
	MaxInline   int // bytes of an inline (telnet-style) command line
	readerBytes int // bufio buffer size
}

func (l Limits) withDefaults() Limits {
	if l.MaxArgs <= 0 {
		l.MaxArgs = 1 << 20
	}
	if l.MaxBulk <= 0 {
		l.MaxBulk = 64 << 20
	}
	if l.MaxInline <= 0 {
		l.MaxInline = 64 << 10
	}
	if l.readerBytes <= 0 {
		l.readerBytes = max(l.MaxInline, 16<<10)
	}
	return l
}

// Reader reads RESP2 requests: arrays of bulk strings (what clients send)
// and inline commands (space-separated words on one line, for telnet).
// Nothing is allocated from a declared length before the bytes arrive, so
// a client cannot make the server reserve memory it never sends.
type Reader struct {
	br  *bufio.Reader
	lim Limits
	// Small arguments and argument lists are carved from these slabs
	// instead of allocated one by one, until Release. Carving never moves
	// what ReadCommand returned before: a full slab is replaced, not
	// grown, so earlier arguments stay intact until the caller releases
	// them.
	bytes []byte
	argvs [][]byte
}

// Slab sizes; an argument or list over an eighth of one gets its own
// allocation.
const (
	slabBytes = 16 << 10
	slabArgs  = 512
)

// Release lets the next ReadCommand reuse the memory of the arguments
// returned so far: the caller keeps none of them.
func (r *Reader) Release() {
	r.bytes = r.bytes[:0]
	r.argvs = r.argvs[:0]
}

// alloc returns an empty slice with room for n bytes.
func (r *Reader) alloc(n int) []byte { return carve(&r.bytes, slabBytes, n) }

// allocArgs returns an empty argument list with room for n.
func (r *Reader) allocArgs(n int) [][]byte { return carve(&r.argvs, slabArgs, n) }

// carve returns an empty slice with room for n, cut from *slab (a new
// slab of size when it lacks the room; its own allocation when n is over
// an eighth of size).
func carve[T any](slab *[]T, size, n int) []T {
	if n > size/8 {
		return make([]T, 0, n)
	}
	if cap(*slab)-len(*slab) < n {
		*slab = make([]T, 0, size)
	}
	l := len(*slab)
	*slab = (*slab)[:l+n]
	return (*slab)[l : l : l+n]
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader, lim Limits) *Reader {
	lim = lim.withDefaults()
	return &Reader{br: bufio.NewReaderSize(r, lim.readerBytes), lim: lim}
}

// Reset makes r read from src, dropping what it had buffered.
func (r *Reader) Reset(src io.Reader) { r.br.Reset(src) }

// Buffered reports how many bytes are read but not yet parsed: when it is
// zero, no pipelined command is waiting and replies should be flushed.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// ReadCommand reads one command. An empty request (an empty line or
// "*0") returns no arguments and no error.
func (r *Reader) ReadCommand() ([][]byte, error) {
	b, err := r.br.Peek(1)
	if err != nil {
		return nil, err
	}
	if b[0] != '*' {
		return r.readInline()
	}
	line, err := r.line()
	if err != nil {
		return nil, err
	}
	n, err := parseInt10(line[1:])
	if err != nil || n > int64(r.lim.MaxArgs) {
		return nil, protoErr("invalid multibulk length")
	}
	if n <= 0 {
		return nil, nil
	}
	args := r.allocArgs(int(min(n, 64)))
	for i := int64(0); i < n; i++ {
		line, err := r.line()
		if err != nil {
			return nil, err
		}
		if line[0] != '$' {
			return nil, protoErr("expected '$', got '%c'", line[0])
		}
		size, err := parseInt10(line[1:])
		if err != nil || size < 0 || size > int64(r.lim.MaxBulk) {
			return nil, protoErr("invalid bulk length")
		}
		arg, err := r.bulk(int(size))
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
	}
	return args, nil
}

// line reads one CRLF-terminated header line (without the CRLF).
func (r *Reader) line() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, protoErr("too big header line")
	}
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, protoErr("invalid header line")
	}
	return line[:len(line)-2], nil
}

// parseInt10 is strconv.ParseInt(string(b), 10, 64) without converting b
// when it is a short run of digits (every length a client sends).
func parseInt10(b []byte) (int64, error) {
	digits := b
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return strconv.ParseInt(string(b), 10, 64)
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return strconv.ParseInt(string(b), 10, 64)
		}
		n = n*10 + int64(c-'0')
	}
	if b[0] == '-' {
		n = -n
	}
	return n, nil
}

// bulk reads size bytes and the CRLF after them, growing the buffer only
// as bytes arrive.
func (r *Reader) bulk(size int) ([]byte, error) {
	if size <= slabBytes/8 && r.br.Buffered() >= size+2 {
		// Already buffered (a pipeline's arguments usually are): copy
		// it out in one step.
		b, _ := r.br.Peek(size + 2)
		if b[size] != '\r' || b[size+1] != '\n' {
			return nil, protoErr("bulk string not terminated by CRLF")
		}
		buf := append(r.alloc(size), b[:size]...)
		_, _ = r.br.Discard(size + 2)
		return buf, nil
	}
	const chunk = 64 << 10
	buf := r.alloc(min(size, chunk))
	for len(buf) < size {
		n := min(size-len(buf), chunk)
		if cap(buf)-len(buf) < n {
			buf = append(buf, make([]byte, n)...)[:len(buf)]
		}
		if _, err := io.ReadFull(r.br, buf[len(buf):len(buf)+n]); err != nil {
			return nil, unexpectedEOF(err)
		}
		buf = buf[:len(buf)+n]
	}
	var crlf [2]byte
	if _, err := io.ReadFull(r.br, crlf[:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return nil, protoErr("bulk string not terminated by CRLF")
	}
	return buf, nil
}

func (r *Reader) readInline() ([][]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > r.lim.MaxInline {
		return nil, protoErr("too big inline request")
	}
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	line = bytes.TrimRight(line, "\r\n")
	fields := bytes.Fields(line)
	if len(fields) > r.lim.MaxArgs {
		return nil, protoErr("too many arguments")
	}
	args := make([][]byte, len(fields))
	for i, f := range fields {
		args[i] = append([]byte(nil), f...)
	}
	return args, nil
}

// unexpectedEOF turns an EOF inside a request into io.ErrUnexpectedEOF
// (io.EOF means the client closed between requests).
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendCommand encodes args as a RESP array of bulk strings (the request
// form clients send).
func AppendCommand(b []byte, args ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
