package document

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
	"github.com/tinylib/msgp/msgp"
)

// Decoder decodes the rows of one scan. It hands out the values it decodes
// from small slabs, so a scan allocates once per slab instead of once per
// value:
//
//   - decimals (a Decimal allocation was 18% of a TPC-H Q6 scan);
//   - the values an interface holds behind a pointer (int64 and float64
//     outside the runtime's preallocated small integers, time.Time,
//     string headers): a value is written to a slab slot and the interface
//     is pointed at that slot (box), which is what the conversion any(v)
//     does with a fresh allocation;
//   - the bytes of short strings, copied into a shared arena.
//
// A slot is written once, before it is boxed, and never again, so the
// values stay immutable as interfaces require. A row a consumer keeps pins
// at most one slab of each kind (about 6 KiB in all). The zero value is
// ready; a Decoder is not safe for concurrent use.
type Decoder struct {
	decs    []apd.Decimal
	decSlab []apd.Decimal // the slab decs is cut from (RecycleDecimals)
	ints    []int64
	floats  []float64
	times   []time.Time
	strs    []string
	bytes   []byte
}

const (
	decSlab   = 32
	wordSlab  = 64
	timeSlab  = 32
	arenaSize = 2048
	// arenaMax: longer strings get an allocation of their own rather than
	// pinning an arena a row might not otherwise keep.
	arenaMax = 128
)

func (dec *Decoder) decimal() *apd.Decimal {
	if len(dec.decs) == 0 {
		dec.decSlab = make([]apd.Decimal, decSlab)
		dec.decs = dec.decSlab
	}
	d := &dec.decs[0]
	dec.decs = dec.decs[1:]
	return d
}

// NewDecimalSlab makes the decoder cut the decimals it decodes from here on
// from a slab of their own, so RecycleDecimals never hands out again one
// decoded before.
func (dec *Decoder) NewDecimalSlab() { dec.decs, dec.decSlab = nil, nil }

// RecycleDecimals lets the decoder hand out again the decimals of its
// current slab: the caller keeps none of the decimals decoded since
// NewDecimalSlab or the previous RecycleDecimals (a decimal is always set
// whole before it is handed out).
func (dec *Decoder) RecycleDecimals() { dec.decs = dec.decSlab }

// typeWord is the type word of an interface holding v's dynamic type.
func typeWord(v any) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0] }

var (
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
	timeType    = typeWord(time.Time{})
	stringType  = typeWord("")
)

// box is the interface holding the value of type typ stored at data, with
// data as its data word (what the runtime's own conversion builds, after
// copying the value to the heap).
func box(typ, data unsafe.Pointer) (v any) {
	w := (*[2]unsafe.Pointer)(unsafe.Pointer(&v))
	w[0], w[1] = typ, data
	return v
}

func (dec *Decoder) int(x int64) any {
	if uint64(x) < 256 {
		return x // the runtime boxes these without allocating
	}
	if len(dec.ints) == 0 {
		dec.ints = make([]int64, wordSlab)
	}
	p := &dec.ints[0]
	dec.ints = dec.ints[1:]
	*p = x
	return box(int64Type, unsafe.Pointer(p))
}

func (dec *Decoder) float(x float64) any {
	if len(dec.floats) == 0 {
		dec.floats = make([]float64, wordSlab)
	}
	p := &dec.floats[0]
	dec.floats = dec.floats[1:]
	*p = x
	return box(float64Type, unsafe.Pointer(p))
}

func (dec *Decoder) time(t time.Time) any {
	if len(dec.times) == 0 {
		dec.times = make([]time.Time, timeSlab)
	}
	p := &dec.times[0]
	dec.times = dec.times[1:]
	*p = t
	return box(timeType, unsafe.Pointer(p))
}

// oneByte holds the boxed one-byte strings, shared by every Decoder.
var oneByte = func() (t [256]any) {
	for c := range t {
		t[c] = string([]byte{byte(c)})
	}
	return t
}()

// str is the text b as a boxed string, its bytes copied.
func (dec *Decoder) str(b []byte) any {
	var s string
	switch {
	case len(b) == 0:
		return ""
	case len(b) == 1:
		return oneByte[b[0]] // flags and codes (TPC-H's l_returnflag)
	case len(b) > arenaMax:
		s = string(b)
	default:
		if len(dec.bytes) < len(b) {
			dec.bytes = make([]byte, arenaSize)
		}
		n := copy(dec.bytes, b)
		s = unsafe.String(&dec.bytes[0], n)
		dec.bytes = dec.bytes[n:]
	}
	if len(dec.strs) == 0 {
		dec.strs = make([]string, wordSlab)
	}
	p := &dec.strs[0]
	dec.strs = dec.strs[1:]
	*p = s
	return box(stringType, unsafe.Pointer(p))
}

// value decodes the value at the front of b as ReadValue does (same
// dynamic types, same values), the scalars a tuple holds without its type
// dispatch and their boxes from dec's slabs. dec may be nil.
func (dec *Decoder) value(b []byte) (any, []byte, error) {
	if dec == nil || len(b) == 0 {
		return ReadValue(b)
	}
	c := b[0]
	switch {
	case c <= 0x7f: // positive fixint
		return int64(c), b[1:], nil
	case c >= 0xe0: // negative fixint
		return dec.int(int64(int8(c))), b[1:], nil
	case c&0xe0 == 0xa0: // fixstr
		n := 1 + int(c&0x1f)
		if len(b) < n {
			return nil, nil, msgp.ErrShortBytes
		}
		return dec.str(b[1:n]), b[n:], nil
	}
	switch c {
	case 0xc0:
		return nil, b[1:], nil
	case 0xc2:
		return false, b[1:], nil
	case 0xc3:
		return true, b[1:], nil
	case 0xcc, 0xd0:
		if len(b) < 2 {
			return nil, nil, msgp.ErrShortBytes
		}
		if c == 0xcc {
			return int64(b[1]), b[2:], nil
		}
		return dec.int(int64(int8(b[1]))), b[2:], nil
	case 0xcd, 0xd1:
		if len(b) < 3 {
			return nil, nil, msgp.ErrShortBytes
		}
		u := binary.BigEndian.Uint16(b[1:])
		if c == 0xcd {
			return dec.int(int64(u)), b[3:], nil
		}
		return dec.int(int64(int16(u))), b[3:], nil
	case 0xce, 0xd2:
		if len(b) < 5 {
			return nil, nil, msgp.ErrShortBytes
		}
		u := binary.BigEndian.Uint32(b[1:])
		if c == 0xce {
			return dec.int(int64(u)), b[5:], nil
		}
		return dec.int(int64(int32(u))), b[5:], nil
	case 0xcf, 0xd3: // uint 64 wraps into int64, as ReadValue does
		if len(b) < 9 {
			return nil, nil, msgp.ErrShortBytes
		}
		return dec.int(int64(binary.BigEndian.Uint64(b[1:]))), b[9:], nil
	case 0xcb:
		if len(b) < 9 {
			return nil, nil, msgp.ErrShortBytes
		}
		return dec.float(math.Float64frombits(binary.BigEndian.Uint64(b[1:]))), b[9:], nil
	case 0xd9, 0xda, 0xdb:
		s, rest, err := msgp.ReadStringZC(b)
		if err != nil {
			return nil, nil, err
		}
		return dec.str(s), rest, nil
	case 0xc7:
		// msgp's timestamp: ext 8 of 12 bytes, big-endian seconds and
		// nanoseconds.
		if len(b) >= 15 && b[1] == 12 && int8(b[2]) == msgp.TimeExtension {
			sec := int64(binary.BigEndian.Uint64(b[3:]))
			nsec := int64(int32(binary.BigEndian.Uint32(b[11:]))) // signed, as msgp reads it
			return dec.time(time.Unix(sec, nsec).UTC()), b[15:], nil
		}
	}
	if isDecimalExt(b) {
		return readExt(b, dec)
	}
	return ReadValue(b)
}

// fixedSize is the whole size of a value from its first byte alone (0:
// the size is in the bytes that follow, or the value is a map or array):
// nil, booleans, fixints, fixed-width numbers, fixexts and fixstrs.
var fixedSize = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
			t[c] = 1
		case c&0xe0 == 0xa0: // fixstr
			t[c] = uint8(1 + c&0x1f)
		}
	}
	for c, n := range map[int]uint8{0xcc: 2, 0xd0: 2, 0xcd: 3, 0xd1: 3, 0xd4: 3, 0xd5: 4, 0xca: 5, 0xce: 5, 0xd2: 5,
		0xd6: 6, 0xcb: 9, 0xcf: 9, 0xd3: 9, 0xd7: 10, 0xd8: 18} {
		t[c] = n
	}
	return t
}()

// skip returns b past its first value. The scalar encodings a tuple holds
// are sized from their headers here (a table lookup for most); anything
// else is left to msgp.Skip.
func skip(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, msgp.ErrShortBytes
	}
	n := int(fixedSize[b[0]])
	if n == 0 {
		var err error
		if n, err = varSize(b); err != nil || n < 0 {
			if err != nil {
				return nil, err
			}
			return msgp.Skip(b)
		}
	}
	if n > len(b) {
		return nil, msgp.ErrShortBytes
	}
	return b[n:], nil
}

// varSize is the whole size of a string, binary or extension value from
// its header; -1 for the encodings it does not size (maps, arrays).
func varSize(b []byte) (int, error) {
	switch b[0] {
	case 0xc7: // ext 8: size, type, data
		if len(b) < 2 {
			return 0, msgp.ErrShortBytes
		}
		return 3 + int(b[1]), nil
	case 0xc4, 0xd9: // bin 8, str 8
		if len(b) < 2 {
			return 0, msgp.ErrShortBytes
		}
		return 2 + int(b[1]), nil
	case 0xc5, 0xda:
		if len(b) < 3 {
			return 0, msgp.ErrShortBytes
		}
		return 3 + int(binary.BigEndian.Uint16(b[1:])), nil
	case 0xc6, 0xdb:
		if len(b) < 5 {
			return 0, msgp.ErrShortBytes
		}
		return 5 + int(binary.BigEndian.Uint32(b[1:])), nil
	case 0xc8:
		if len(b) < 3 {
			return 0, msgp.ErrShortBytes
		}
		return 4 + int(binary.BigEndian.Uint16(b[1:])), nil
	case 0xc9:
		if len(b) < 5 {
			return 0, msgp.ErrShortBytes
		}
		return 6 + int(binary.BigEndian.Uint32(b[1:])), nil
	}
	return -1, nil
}

// DecodeTupleUsedInto is DecodeTupleUsed decoding into dst's array when it
// is large enough (a caller that does not keep its rows reuses one).
func (dec *Decoder) DecodeTupleUsedInto(dst []any, b []byte, ncols int, used []bool) ([]any, error) {
	n, rest, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return nil, fmt.Errorf("document: decode: stored value is not a tuple: %w", err)
	}
	if int64(n) > int64(len(rest)) {
		return nil, fmt.Errorf("document: decode: %w", msgp.ErrShortBytes)
	}
	size := max(ncols, int(n))
	var out []any
	if cap(dst) >= size {
		out = dst[:size]
		clear(out)
	} else {
		out = make([]any, size)
	}
	last := min(int(n), len(used)) - 1 // no column past the last used one is read
	for last >= 0 && !used[last] {
		last--
	}
	for i := 0; i <= last; i++ {
		if !used[i] {
			if rest, err = skip(rest); err != nil {
				return nil, fmt.Errorf("document: decode: %w", err)
			}
			continue
		}
		if out[i], rest, err = dec.value(rest); err != nil {
			return nil, fmt.Errorf("document: decode: %w", err)
		}
	}
	return out, nil
}

// Tuple finds the columns of one strict row as they are asked for,
// skipping the values before them from their headers, so a caller decodes
// (Decoder.Column) only the columns it turns out to need, and finds no
// column past the last it asks for. The zero value is ready for Reset;
// its buffers are reused from row to row.
type Tuple struct {
	b    []byte
	n    int     // values stored (columns added later are not)
	offs []int32 // offs[i]: where value i begins in b
}

// Reset starts on the strict row b.
func (t *Tuple) Reset(b []byte) error {
	n, rest, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return fmt.Errorf("document: decode: stored value is not a tuple: %w", err)
	}
	if int64(n) > int64(len(rest)) {
		return fmt.Errorf("document: decode: %w", msgp.ErrShortBytes)
	}
	t.b, t.n = b, int(n)
	t.offs = append(t.offs[:0], int32(len(b)-len(rest)))
	return nil
}

// Column decodes column c of t's row (NULL when the row predates it).
func (dec *Decoder) Column(t *Tuple, c int) (any, error) {
	if c >= t.n {
		return nil, nil
	}
	if len(t.offs) <= c {
		// The commonest sizes inline (fixed-size values and ext 8:
		// decimals and times); the rest through skip. The walk keeps its
		// position in a local: each step depends on the size just read.
		buf := t.b
		off := int(t.offs[len(t.offs)-1])
		for len(t.offs) <= c {
			n := 0
			if off < len(buf) {
				h := buf[off]
				if n = int(fixedSize[h]); n == 0 && h == 0xc7 && off+1 < len(buf) {
					n = 3 + int(buf[off+1])
				}
			}
			if n == 0 || off+n > len(buf) {
				rest, err := skip(buf[off:])
				if err != nil {
					return nil, fmt.Errorf("document: decode: %w", err)
				}
				n = len(buf) - off - len(rest)
			}
			off += n
			t.offs = append(t.offs, int32(off))
		}
	}
	v, _, err := dec.value(t.b[t.offs[c]:])
	if err != nil {
		return nil, fmt.Errorf("document: decode: %w", err)
	}
	return v, nil
}
