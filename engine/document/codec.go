package document

import (
	"fmt"
	"slices"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/tinylib/msgp/msgp"
)

// extDecimal is the MessagePack extension type holding a numeric as text.
const extDecimal int8 = 2

// AppendValue appends the MessagePack encoding of a value. Supported
// dynamic types: nil, bool, int64, float64, *apd.Decimal, string, []byte,
// time.Time, map[string]any and []any (recursively).
func AppendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return msgp.AppendNil(b), nil
	case bool:
		return msgp.AppendBool(b, x), nil
	case int64:
		return msgp.AppendInt64(b, x), nil
	case int:
		return msgp.AppendInt64(b, int64(x)), nil
	case float64:
		return msgp.AppendFloat64(b, x), nil
	case string:
		return msgp.AppendString(b, x), nil
	case []byte:
		return msgp.AppendBytes(b, x), nil
	case time.Time:
		return msgp.AppendTime(b, x), nil
	case *apd.Decimal:
		s := x.Text('f')
		b = appendExtHeader(b, len(s))
		return append(b, s...), nil
	case map[string]any:
		b = msgp.AppendMapHeader(b, uint32(len(x)))
		var err error
		for k, e := range x {
			b = msgp.AppendString(b, k)
			if b, err = AppendValue(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case []any:
		return appendArray(b, x)
	case interface{ Map() map[string]any }:
		// A row value (sql/types.Composite) is stored as its object.
		return AppendValue(b, x.Map())
	case interface{ Doc() any }:
		// json text (sql/types.JSONText) is stored as its document.
		return AppendValue(b, x.Doc())
	}
	return nil, fmt.Errorf("document: cannot encode %T", v)
}

func appendArray(b []byte, a []any) ([]byte, error) {
	b = msgp.AppendArrayHeader(b, uint32(len(a)))
	var err error
	for _, e := range a {
		if b, err = AppendValue(b, e); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func appendExtHeader(b []byte, n int) []byte {
	switch {
	case n <= 255:
		return append(b, 0xc7, byte(n), byte(extDecimal))
	case n <= 65535:
		return append(b, 0xc8, byte(n>>8), byte(n), byte(extDecimal))
	}
	return append(b, 0xc9, byte(n>>24), byte(n>>16), byte(n>>8), byte(n), byte(extDecimal))
}

// ReadValue decodes one value from the front of b.
func ReadValue(b []byte) (any, []byte, error) {
	t := msgp.NextType(b)
	switch t {
	case msgp.NilType:
		rest, err := msgp.ReadNilBytes(b)
		return nil, rest, err
	case msgp.BoolType:
		return wrap2(msgp.ReadBoolBytes(b))
	case msgp.IntType:
		return wrap2(msgp.ReadInt64Bytes(b))
	case msgp.UintType:
		u, rest, err := msgp.ReadUint64Bytes(b)
		return int64(u), rest, err
	case msgp.Float64Type:
		return wrap2(msgp.ReadFloat64Bytes(b))
	case msgp.Float32Type:
		f, rest, err := msgp.ReadFloat32Bytes(b)
		return float64(f), rest, err
	case msgp.StrType:
		return wrap2(msgp.ReadStringBytes(b))
	case msgp.BinType:
		return wrap2(msgp.ReadBytesBytes(b, nil))
	case msgp.TimeType:
		tm, rest, err := msgp.ReadTimeBytes(b)
		return tm.UTC(), rest, err
	case msgp.ExtensionType:
		return readExt(b, nil)
	case msgp.MapType:
		n, rest, err := msgp.ReadMapHeaderBytes(b)
		if err != nil {
			return nil, nil, err
		}
		// Every entry takes at least two bytes: never trust a header to
		// size an allocation.
		if int64(n)*2 > int64(len(rest)) {
			return nil, nil, msgp.ErrShortBytes
		}
		m := make(map[string]any, n)
		for i := uint32(0); i < n; i++ {
			var k string
			k, rest, err = msgp.ReadStringBytes(rest)
			if err != nil {
				return nil, nil, err
			}
			var v any
			v, rest, err = ReadValue(rest)
			if err != nil {
				return nil, nil, err
			}
			m[k] = v
		}
		return m, rest, nil
	case msgp.ArrayType:
		n, rest, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return nil, nil, err
		}
		if int64(n) > int64(len(rest)) {
			return nil, nil, msgp.ErrShortBytes
		}
		a := make([]any, n)
		for i := range a {
			a[i], rest, err = ReadValue(rest)
			if err != nil {
				return nil, nil, err
			}
		}
		return a, rest, nil
	}
	return nil, nil, fmt.Errorf("document: unsupported msgpack type %v", t)
}

// readExt decodes a decimal (the only extension type), taking its
// Decimal from dec's slab when dec is not nil.
func readExt(b []byte, dec *Decoder) (any, []byte, error) {
	if len(b) < 3 {
		return nil, nil, msgp.ErrShortBytes
	}
	var n, hdr int
	switch b[0] {
	case 0xc7:
		n, hdr = int(b[1]), 3
	case 0xc8:
		if len(b) < 4 {
			return nil, nil, msgp.ErrShortBytes
		}
		n, hdr = int(b[1])<<8|int(b[2]), 4
	case 0xc9:
		if len(b) < 6 {
			return nil, nil, msgp.ErrShortBytes
		}
		n, hdr = int(b[1])<<24|int(b[2])<<16|int(b[3])<<8|int(b[4]), 6
	default:
		return nil, nil, fmt.Errorf("document: unsupported extension header %#x", b[0])
	}
	if b[hdr-1] != byte(extDecimal) {
		return nil, nil, fmt.Errorf("document: unknown extension type %d", int8(b[hdr-1]))
	}
	if len(b) < hdr+n {
		return nil, nil, msgp.ErrShortBytes
	}
	var d *apd.Decimal
	if dec != nil {
		d = dec.decimal()
	} else {
		d = new(apd.Decimal)
	}
	if setPlainDecimal(d, b[hdr:hdr+n]) {
		return d, b[hdr+n:], nil
	}
	if _, _, err := d.SetString(string(b[hdr : hdr+n])); err != nil {
		return nil, nil, fmt.Errorf("document: bad decimal: %w", err)
	}
	return d, b[hdr+n:], nil
}

// setPlainDecimal is the fast path of decoding a stored numeric: a
// plain "-123.45" of at most 18 digits, which is what DECIMAL(15,2)
// columns hold, sets d to the same Decimal apd's SetString gives (same
// coefficient, exponent and sign) without its general parser. Anything
// else (more digits, NaN, Infinity) reports false and leaves d alone.
func setPlainDecimal(d *apd.Decimal, s []byte) bool {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	var coeff int64
	digits, frac, dot := 0, 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			coeff = coeff*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	if digits == 0 || digits > 18 {
		return false
	}
	// What SetFinite does, without its signed round trip through the
	// coefficient (BigInt.Abs was a tenth of a TPC-H Q6 scan).
	d.Form = apd.Finite
	d.Negative = neg
	d.Exponent = int32(-frac)
	d.Coeff.SetUint64(uint64(coeff))
	return true
}

// isDecimalExt reports whether b starts with a stored decimal (an ext 8,
// 16 or 32 of the decimal type; timestamps are extensions too).
func isDecimalExt(b []byte) bool {
	switch {
	case len(b) >= 3 && b[0] == 0xc7:
		return b[2] == byte(extDecimal)
	case len(b) >= 4 && b[0] == 0xc8:
		return b[3] == byte(extDecimal)
	case len(b) >= 6 && b[0] == 0xc9:
		return b[5] == byte(extDecimal)
	}
	return false
}

func wrap2[T any](v T, rest []byte, err error) (any, []byte, error) { return v, rest, err }

// EncodeDoc encodes a schemaless document.
func EncodeDoc(doc map[string]any) ([]byte, error) { return AppendValue(nil, doc) }

// DecodeDoc decodes a schemaless document.
func DecodeDoc(b []byte) (map[string]any, error) {
	v, _, err := ReadValue(b)
	if err != nil {
		return nil, fmt.Errorf("document: decode: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("document: stored value is %T, not a document", v)
	}
	return m, nil
}

// EachTupleValue decodes a strict row without building a slice, calling fn
// with each column's value in order; columns added after the row was
// written read as NULL.
func EachTupleValue(b []byte, ncols int, fn func(i int, v any)) error {
	n, rest, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return fmt.Errorf("document: decode: stored value is not a tuple: %w", err)
	}
	if int64(n) > int64(len(rest)) {
		return fmt.Errorf("document: decode: %w", msgp.ErrShortBytes)
	}
	for i := 0; i < int(n); i++ {
		var v any
		if v, rest, err = ReadValue(rest); err != nil {
			return fmt.Errorf("document: decode: %w", err)
		}
		fn(i, v)
	}
	for i := int(n); i < ncols; i++ {
		fn(i, nil)
	}
	return nil
}

// ReadColumns decodes only some columns of a strict row: out[j] gets
// column cols[j] (NULL when the row predates the column). A text value in
// column view (-1: none) is returned as text aliasing b (isText true, its
// out entry NULL) instead of as a string: no copy, no allocation.
func ReadColumns(b []byte, cols []int, view int, out []any) (text []byte, isText bool, err error) {
	n, rest, err := msgp.ReadArrayHeaderBytes(b)
	if err != nil {
		return nil, false, fmt.Errorf("document: decode: stored value is not a tuple: %w", err)
	}
	clear(out)
	for i := 0; i < int(n); i++ {
		j := slices.Index(cols, i)
		if j < 0 {
			if rest, err = skip(rest); err != nil {
				return nil, false, fmt.Errorf("document: decode: %w", err)
			}
			continue
		}
		if i == view && msgp.NextType(rest) == msgp.StrType {
			if text, rest, err = msgp.ReadStringZC(rest); err != nil {
				return nil, false, fmt.Errorf("document: decode: %w", err)
			}
			isText = true
			continue
		}
		if out[j], rest, err = ReadValue(rest); err != nil {
			return nil, false, fmt.Errorf("document: decode: %w", err)
		}
	}
	return text, isText, nil
}

// DecodeTupleUsed decodes a strict row like DecodeTuple but only the
// columns used marks; the others (and columns the row predates) are NULL.
// A query that reads four of sixteen columns skips the decoding of twelve.
func DecodeTupleUsed(b []byte, ncols int, used []bool) ([]any, error) {
	return (*Decoder)(nil).DecodeTupleUsed(b, ncols, used)
}

// DecodeTupleUsed is the package's DecodeTupleUsed, taking decimals from
// dec's slabs (dec may be nil).
func (dec *Decoder) DecodeTupleUsed(b []byte, ncols int, used []bool) ([]any, error) {
	return dec.DecodeTupleUsedInto(nil, b, ncols, used)
}

// EncodeTuple encodes a strict row (values in column order), in one
// allocation for rows of scalars.
func EncodeTuple(row []any) ([]byte, error) {
	n := 5 + 9*len(row)
	for _, v := range row {
		switch x := v.(type) {
		case string:
			n += len(x) + 4
		case []byte:
			n += len(x) + 4
		}
	}
	return appendArray(make([]byte, 0, n), row)
}

// AppendTupleHeader appends the header of a strict row of n columns; the
// columns' values follow it (AppendValue, AppendText), so a caller holding
// a row's parts encodes it as EncodeTuple would without boxing them.
func AppendTupleHeader(b []byte, n int) []byte { return msgp.AppendArrayHeader(b, uint32(n)) }

// AppendText appends a text value given as bytes, as AppendValue does the
// string of those bytes.
func AppendText(b []byte, s []byte) []byte { return msgp.AppendStringFromBytes(b, s) }

// AppendTextString appends a text value, as AppendValue does.
func AppendTextString(b []byte, s string) []byte { return msgp.AppendString(b, s) }

// DecodeTuple decodes a strict row; rows written before columns were added
// are padded with NULLs to ncols.
func DecodeTuple(b []byte, ncols int) ([]any, error) {
	v, _, err := ReadValue(b)
	if err != nil {
		return nil, fmt.Errorf("document: decode: %w", err)
	}
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("document: stored value is %T, not a tuple", v)
	}
	for len(a) < ncols {
		a = append(a, nil)
	}
	return a, nil
}
