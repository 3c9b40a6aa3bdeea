package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Order-preserving key encoding of values. The encoding of a value sorts,
// byte-wise, in the same order as the values compare in SQL (within one
// kind; kinds sort NULL < bool < number < string < bytes < time < other).
// Numbers of every kind share one tag and sort numerically: the tag is
// followed by an order-preserving float64 and, for exactness, a subtype byte
// and the exact value. A seek for "number n" therefore uses NumberPrefix(n).
//
//	0x00                       NULL
//	0x02 / 0x03                false / true
//	0x10 f64 0x01 i64          int64 (f64: ordered float64 of the value)
//	0x10 f64 0x02              float64
//	0x10 f64 0x03 dec          numeric (exact, order-preserving decimal after the float prefix)
//	0x20 escbytes 0x00 0x01    string (0x00 escaped as 0x00 0xff)
//	0x21 escbytes 0x00 0x01    bytes
//	0x30 i64 u32               time (Unix seconds, then nanoseconds)
//	0x40 escbytes 0x00 0x01    anything else (its fmt rendering; not ordered)
const (
	tagNull   = 0x00
	tagFalse  = 0x02
	tagTrue   = 0x03
	tagNumber = 0x10
	tagString = 0x20
	tagBytes  = 0x21
	tagTime   = 0x30
	tagOther  = 0x40
)

// AppendKey appends the order-preserving encoding of v to b.
func AppendKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, tagNull)
	case bool:
		if x {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case int64:
		b = appendNumberPrefix(b, float64(x))
		b = append(b, 0x01)
		return binary.BigEndian.AppendUint64(b, uint64(x)^(1<<63))
	case float64:
		b = appendNumberPrefix(b, x)
		return append(b, 0x02)
	case *apd.Decimal:
		f, _ := x.Float64()
		b = appendNumberPrefix(b, f)
		b = append(b, 0x03)
		return appendDecimal(b, x)
	case string:
		b = append(b, tagString)
		return appendEscaped(b, x)
	case []byte:
		b = append(b, tagBytes)
		return appendEscaped(b, x)
	case time.Time:
		b = append(b, tagTime)
		b = binary.BigEndian.AppendUint64(b, uint64(x.Unix())^(1<<63))
		return binary.BigEndian.AppendUint32(b, uint32(x.Nanosecond()))
	default:
		b = append(b, tagOther)
		return appendEscaped(b, []byte(fmt.Sprint(x)))
	}
}

// NumberPrefix returns the encoding prefix shared by every number equal to f.
func NumberPrefix(f float64) []byte { return appendNumberPrefix(nil, f) }

func appendNumberPrefix(b []byte, f float64) []byte {
	if f == 0 {
		f = 0 // fold -0 into +0
	}
	if math.IsNaN(f) {
		// Every NaN is one value, above +Inf (as SQL orders them).
		b = append(b, tagNumber)
		return binary.BigEndian.AppendUint64(b, ^uint64(0))
	}
	bits := math.Float64bits(f)
	if f >= 0 {
		bits ^= 1 << 63
	} else {
		bits = ^bits
	}
	b = append(b, tagNumber)
	return binary.BigEndian.AppendUint64(b, bits)
}

// AppendKeyString is AppendKey of a string, without boxing it in an
// interface (an allocation per call on hot paths).
func AppendKeyString(b []byte, s string) []byte {
	b = append(b, tagString)
	return appendEscaped(b, s)
}

func appendEscaped[S string | []byte](b []byte, s S) []byte {
	b = slices.Grow(b, len(s)+2)
	if !hasZero(s) {
		return append(append(b, s...), 0x00, 0x01)
	}
	for i := range len(s) {
		if c := s[i]; c == 0 {
			b = append(b, 0x00, 0xff)
		} else {
			b = append(b, c)
		}
	}
	return append(b, 0x00, 0x01)
}

func hasZero[S string | []byte](s S) bool {
	switch x := any(s).(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []byte:
		return bytes.IndexByte(x, 0) >= 0
	}
	return false
}

// DecodeKey decodes one value from the front of b and returns the rest.
func DecodeKey(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("storage: empty key")
	}
	switch b[0] {
	case tagNull:
		return nil, b[1:], nil
	case tagFalse:
		return false, b[1:], nil
	case tagTrue:
		return true, b[1:], nil
	case tagNumber:
		if len(b) < 10 {
			return nil, nil, fmt.Errorf("storage: short number key")
		}
		bits := binary.BigEndian.Uint64(b[1:9])
		if bits&(1<<63) != 0 {
			bits ^= 1 << 63
		} else {
			bits = ^bits
		}
		f := math.Float64frombits(bits)
		switch b[9] {
		case 0x01:
			if len(b) < 18 {
				return nil, nil, fmt.Errorf("storage: short int key")
			}
			return int64(binary.BigEndian.Uint64(b[10:18]) ^ (1 << 63)), b[18:], nil
		case 0x02:
			return f, b[10:], nil
		case 0x03:
			return decodeDecimal(b[10:])
		}
		return nil, nil, fmt.Errorf("storage: bad number subtype %#x", b[9])
	case tagString:
		s, rest, err := decodeEscaped(b[1:])
		return string(s), rest, err
	case tagBytes:
		s, rest, err := decodeEscaped(b[1:])
		return s, rest, err
	case tagTime:
		if len(b) < 13 {
			return nil, nil, fmt.Errorf("storage: short time key")
		}
		sec := int64(binary.BigEndian.Uint64(b[1:9]) ^ (1 << 63))
		return time.Unix(sec, int64(binary.BigEndian.Uint32(b[9:13]))).UTC(), b[13:], nil
	case tagOther:
		s, rest, err := decodeEscaped(b[1:])
		return string(s), rest, err
	}
	return nil, nil, fmt.Errorf("storage: bad key tag %#x", b[0])
}

// KeyPrefixLen returns the length of the first n values encoded (by
// AppendKey) at the front of b, without decoding them.
func KeyPrefixLen(b []byte, n int) (int, error) {
	off := 0
	for range n {
		l, err := keyLen(b[off:])
		if err != nil {
			return 0, err
		}
		off += l
	}
	return off, nil
}

// keyLen is the length of the one value encoded at the front of b.
func keyLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("storage: empty key")
	}
	switch b[0] {
	case tagNull, tagFalse, tagTrue:
		return 1, nil
	case tagNumber:
		if len(b) < 10 {
			return 0, fmt.Errorf("storage: short number key")
		}
		switch b[9] {
		case 0x01:
			if len(b) < 18 {
				return 0, fmt.Errorf("storage: short int key")
			}
			return 18, nil
		case 0x02:
			return 10, nil
		case 0x03:
			n, err := decimalLen(b[10:])
			return 10 + n, err
		}
		return 0, fmt.Errorf("storage: bad number subtype %#x", b[9])
	case tagString, tagBytes, tagOther:
		for i := 1; i+1 < len(b); i++ {
			if b[i] != 0 {
				continue
			}
			switch b[i+1] {
			case 0x01:
				return i + 2, nil
			case 0xff:
				i++
			default:
				return 0, fmt.Errorf("storage: bad escape %#x", b[i+1])
			}
		}
		return 0, fmt.Errorf("storage: unterminated string key")
	case tagTime:
		if len(b) < 13 {
			return 0, fmt.Errorf("storage: short time key")
		}
		return 13, nil
	}
	return 0, fmt.Errorf("storage: bad key tag %#x", b[0])
}

// decimalLen is the length of an appendDecimal encoding at the front of b:
// the sign byte, and for a non-zero value the exponent and the digits up
// to their terminator (0x00, inverted for a negative value).
func decimalLen(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, fmt.Errorf("storage: short numeric key")
	}
	var end byte
	switch b[0] {
	case 0x02:
		return 1, nil
	case 0x01:
		end = 0xff
	case 0x03:
		end = 0x00
	default:
		return 0, fmt.Errorf("storage: bad numeric sign %#x", b[0])
	}
	for i := 5; i < len(b); i++ {
		if b[i] == end {
			if i == 5 {
				return 0, fmt.Errorf("storage: numeric key without digits")
			}
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("storage: unterminated numeric key")
}

func decodeEscaped(b []byte) ([]byte, []byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, nil, fmt.Errorf("storage: truncated escape")
		}
		switch b[i+1] {
		case 0xff:
			out = append(out, 0)
			i++
		case 0x01:
			return out, b[i+2:], nil
		default:
			return nil, nil, fmt.Errorf("storage: bad escape %#x", b[i+1])
		}
	}
	return nil, nil, fmt.Errorf("storage: unterminated string key")
}

// PrefixEnd returns the smallest key greater than every key with prefix p
// (nil when there is none).
func PrefixEnd(p []byte) []byte {
	end := AppendPrefixEnd(nil, p)
	if len(end) == 0 {
		return nil
	}
	return end
}

// AppendPrefixEnd appends PrefixEnd(p) to dst (nothing when p has no end),
// so a caller computing many ends reuses one buffer.
func AppendPrefixEnd(dst, p []byte) []byte {
	start := len(dst)
	dst = append(dst, p...)
	for i := len(dst) - 1; i >= start; i-- {
		dst[i]++
		if dst[i] != 0 {
			return dst[:i+1]
		}
	}
	return dst[:start]
}

// appendDecimal encodes a decimal so that byte order is numeric order: a
// sign byte (0x01 negative, 0x02 zero, 0x03 positive), then for non-zero
// values the decimal exponent of the leading digit (int32, sign-flipped)
// and the digits (each 1..10, then a 0x00 terminator, so a prefix sorts
// first); for negatives every byte after the sign is inverted.
func appendDecimal(b []byte, d *apd.Decimal) []byte {
	if d.IsZero() {
		return append(b, 0x02)
	}
	var r apd.Decimal
	r.Reduce(d)
	digits := r.Coeff.String()
	// value = 0.d1d2... × 10^exp
	exp := int32(r.Exponent) + int32(len(digits))
	neg := r.Negative
	sign := byte(0x03)
	if neg {
		sign = 0x01
	}
	b = append(b, sign)
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(exp)^(1<<31))
	for i := 0; i < len(digits); i++ {
		b = append(b, digits[i]-'0'+1)
	}
	b = append(b, 0x00)
	if neg {
		for i := start; i < len(b); i++ {
			b[i] = ^b[i]
		}
	}
	return b
}

func decodeDecimal(b []byte) (any, []byte, error) {
	if len(b) < 1 {
		return nil, nil, fmt.Errorf("storage: short numeric key")
	}
	switch b[0] {
	case 0x02:
		return apd.New(0, 0), b[1:], nil
	case 0x01, 0x03:
	default:
		return nil, nil, fmt.Errorf("storage: bad numeric sign %#x", b[0])
	}
	neg := b[0] == 0x01
	body := b[1:]
	get := func(i int) byte {
		if neg {
			return ^body[i]
		}
		return body[i]
	}
	if len(body) < 5 {
		return nil, nil, fmt.Errorf("storage: short numeric key")
	}
	var e [4]byte
	for i := range e {
		e[i] = get(i)
	}
	exp := int32(binary.BigEndian.Uint32(e[:]) ^ (1 << 31))
	var digits []byte
	i := 4
	for ; i < len(body); i++ {
		c := get(i)
		if c == 0 {
			break
		}
		if c < 1 || c > 10 {
			return nil, nil, fmt.Errorf("storage: bad numeric digit")
		}
		digits = append(digits, c-1+'0')
	}
	if i >= len(body) || len(digits) == 0 {
		return nil, nil, fmt.Errorf("storage: unterminated numeric key")
	}
	text := string(digits) + "E" + strconv.Itoa(int(exp)-len(digits))
	if neg {
		text = "-" + text
	}
	d, _, err := apd.NewFromString(text)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: bad numeric key: %w", err)
	}
	return d, body[i+1:], nil
}

// AppendKeyDesc appends the encoding of v that sorts in descending order:
// AppendKey's bytes, each inverted. Every AppendKey encoding is
// self-delimiting (no encoding is a prefix of another), so inverting it
// reverses the order of values and a descending value followed by more
// values still sorts value by value.
func AppendKeyDesc(b []byte, v any) []byte {
	n := len(b)
	b = AppendKey(b, v)
	for i := n; i < len(b); i++ {
		b[i] = ^b[i]
	}
	return b
}

// DecodeKeyDesc decodes one value written by AppendKeyDesc from the front
// of b and returns the rest.
func DecodeKeyDesc(b []byte) (any, []byte, error) {
	inv := make([]byte, len(b))
	for i, c := range b {
		inv[i] = ^c
	}
	v, rest, err := DecodeKey(inv)
	if err != nil {
		return nil, nil, err
	}
	return v, b[len(b)-len(rest):], nil
}

// Invert returns the bytes of p, each inverted: the descending form of an
// encoding prefix (NumberPrefix, AppendKey).
func Invert(p []byte) []byte {
	out := make([]byte, len(p))
	for i, c := range p {
		out[i] = ^c
	}
	return out
}
