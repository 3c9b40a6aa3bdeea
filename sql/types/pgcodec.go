package types

// PostgreSQL value codec: the text and binary wire forms of each T, as
// pgwire sends them in DataRow and COPY and receives them in Bind and COPY.
//
// Binary forms (all integers big-endian, as in PostgreSQL's *send/*recv):
//
//	bool         1 byte, 0 or 1
//	int2/4/8     two's complement, 2/4/8 bytes
//	float4/8     IEEE 754, 4/8 bytes
//	numeric      int16 ndigits, int16 weight, uint16 sign (0x0000 +, 0x4000 -,
//	             0xC000 NaN, 0xD000 +Inf, 0xF000 -Inf), uint16 dscale, then
//	             ndigits base-10000 digits (int16 each, 0..9999); the value is
//	             sum(digit[i] * 10000^(weight-i)), shown with dscale decimals
//	text types   the UTF-8 bytes
//	bytea        the raw bytes
//	timestamp(tz) int64 microseconds since 2000-01-01 00:00:00 UTC
//	date         int32 days since 2000-01-01
//	uuid         16 bytes
//	json         the JSON text
//	jsonb        version byte 1, then the JSON text

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"

	"github.com/nodedb-go/nodedb/errs"
)

// pgEpoch is 2000-01-01 00:00:00 UTC, the origin of pg binary times.
const (
	pgEpochUnix  = 946684800 // seconds from 1970-01-01 to 2000-01-01
	pgEpochDays  = 10957     // days from 1970-01-01 to 2000-01-01
	usecsPerSec  = 1_000_000
	secsPerDay   = 86400
	numericPos   = 0x0000
	numericNeg   = 0x4000
	numericNaN   = 0xC000
	numericPInf  = 0xD000
	numericNInf  = 0xF000
	numericDigit = 10000
	// PostgreSQL's limits: 131072 digits before the point, 16383 after.
	numericMaxWeight = 131072 / 4
	numericMaxDScale = 0x3FFF
)

const (
	codeUntranslatable = "22021" // character_not_in_repertoire
	codeBinaryFormat   = "22P03" // invalid_binary_representation
)

// EncodeText renders a non-NULL value in PostgreSQL's text output format for
// a column of type t. Values whose dynamic type differs from t (an int64 in
// a text column, a schemaless Doc field) are rendered by their own kind.
// json, jsonb and Doc columns always carry JSON text. NULL gives nil; callers
// send NULL as a -1 length.
func EncodeText(v Value, t T) []byte {
	if v == nil {
		return nil
	}
	if out, ok := CatalogText(v, t); ok {
		return out
	}
	switch x := v.(type) {
	case *Composite:
		if t != JSON && t != JSONB {
			return AppendRecordText(nil, x)
		}
	case JSONText:
		if t != JSONB {
			return []byte(x)
		}
	}
	switch t {
	case JSONB:
		return AppendJSONB(nil, v)
	case JSON:
		return appendJSON(nil, v)
	case Doc:
		// A schemaless field of no single type travels as text: strings
		// as they are, objects and arrays as JSON.
		switch v.(type) {
		case map[string]any, []any:
			return appendJSON(nil, v)
		}
	}
	switch x := v.(type) {
	case bool:
		if x {
			return []byte{'t'}
		}
		return []byte{'f'}
	case int64:
		return strconv.AppendInt(nil, x, 10)
	case float64:
		return []byte(formatFloatFor(x, t))
	case *apd.Decimal:
		return []byte(formatDecimal(x))
	case string:
		return []byte(x)
	case []byte:
		if t == UUID && len(x) == 16 {
			var u uuid.UUID
			copy(u[:], x)
			return []byte(u.String())
		}
		out := make([]byte, 2+hex.EncodedLen(len(x)))
		out[0], out[1] = '\\', 'x'
		hex.Encode(out[2:], x)
		return out
	case time.Time:
		return appendTime(nil, x, t)
	case map[string]any, []any:
		return appendJSON(nil, x)
	}
	return []byte(FormatText(v))
}

// formatFloatFor renders a float as PostgreSQL 12+ does: the shortest
// digits that round-trip, in fixed notation when the decimal exponent is in
// [-4, 15) for float8 or [-4, 6) for float4, else as d.ddde±XX.
func formatFloatFor(f float64, t T) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return FormatFloat(f)
	}
	bits, limit := 64, 15
	if t == Float4 {
		bits, limit = 32, 6
	}
	e := strconv.FormatFloat(f, 'e', -1, bits)
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp < -4 || exp >= limit {
		return e
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

func formatDecimal(d *apd.Decimal) string {
	switch d.Form {
	case apd.Infinite:
		if d.Negative {
			return "-Infinity"
		}
		return "Infinity"
	case apd.NaN, apd.NaNSignaling:
		return "NaN"
	}
	if d.Coeff.Sign() == 0 && d.Negative {
		var z apd.Decimal
		z.Set(d)
		z.Negative = false
		return z.Text('f')
	}
	return d.Text('f')
}

func appendTime(dst []byte, tm time.Time, t T) []byte {
	tm = tm.UTC()
	switch t {
	case Date:
		return tm.AppendFormat(dst, "2006-01-02")
	case Timestamp:
		return tm.AppendFormat(dst, "2006-01-02 15:04:05.999999")
	}
	return tm.AppendFormat(dst, "2006-01-02 15:04:05.999999-07")
}

func appendJSON(dst []byte, v Value) []byte { return AppendJSON(dst, v) }

// EncodeBinary renders a non-NULL value in PostgreSQL's binary format for a
// column of type t. A value of another dynamic type is converted with Cast
// when t has a fixed binary layout; for text-like types the text form is
// used. NULL gives nil. An inconvertible value is an error (22P03 or the
// cast's own code).
func EncodeBinary(v Value, t T) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if out, ok, err := CatalogBinary(v, t); ok {
		return out, err
	}
	if c, ok := v.(*Composite); ok && t != JSON && t != JSONB {
		return appendRecordBinary(nil, c)
	}
	switch t {
	case Bool:
		x, err := asKind[bool](v, t)
		if err != nil {
			return nil, err
		}
		if x {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case Int2, Int4, Int8:
		x, err := asKind[int64](v, t)
		if err != nil {
			return nil, err
		}
		if _, err := CheckIntRange(x, t); err != nil {
			return nil, err
		}
		switch t {
		case Int2:
			return binary.BigEndian.AppendUint16(nil, uint16(int16(x))), nil
		case Int4:
			return binary.BigEndian.AppendUint32(nil, uint32(int32(x))), nil
		}
		return binary.BigEndian.AppendUint64(nil, uint64(x)), nil
	case Float4, Float8:
		x, err := asKind[float64](v, t)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(x) { // PostgreSQL's one NaN (Go's math.NaN has a payload bit)
			if t == Float4 {
				return []byte{0x7f, 0xc0, 0, 0}, nil
			}
			return []byte{0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, nil
		}
		if t == Float4 {
			return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(x))), nil
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(x)), nil
	case Numeric:
		x, err := asKind[*apd.Decimal](v, t)
		if err != nil {
			return nil, err
		}
		return appendNumeric(nil, x)
	case Bytea:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return EncodeText(v, t), nil
	case Timestamp, Timestamptz:
		x, err := asKind[time.Time](v, t)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(timeToPgMicros(x))), nil
	case Date:
		x, err := asKind[time.Time](v, t)
		if err != nil {
			return nil, err
		}
		days := floorDiv(x.Unix(), secsPerDay) - pgEpochDays
		if days < math.MinInt32+1 || days > math.MaxInt32-1 {
			return nil, errs.New(errs.DatetimeOverflow, "date out of range")
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int32(days))), nil
	case UUID:
		switch x := v.(type) {
		case []byte:
			if len(x) == 16 {
				return x, nil
			}
		case string:
			u, err := uuid.Parse(x)
			if err != nil {
				return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type uuid: %q", x)
			}
			return u[:], nil
		}
		return nil, errs.Errorf(codeBinaryFormat, "cannot send %s value as uuid", TypeOf(v))
	case JSONB:
		return append([]byte{1}, EncodeText(v, t)...), nil
	case Interval:
		iv, ok := v.(IntervalValue)
		if !ok {
			return nil, errs.Errorf(codeBinaryFormat, "cannot send %s value as interval", TypeOf(v))
		}
		months, days, micros := iv.PGInterval()
		b := binary.BigEndian.AppendUint64(nil, uint64(micros))
		b = binary.BigEndian.AppendUint32(b, uint32(days))
		return binary.BigEndian.AppendUint32(b, uint32(months)), nil
	}
	// text, varchar, bpchar, json, Doc, Unknown: the binary form is the text.
	return EncodeText(v, t), nil
}

// asKind returns v as the Go type K, converting with Cast when its dynamic
// type differs.
func asKind[K any](v Value, t T) (K, error) {
	if x, ok := v.(K); ok {
		return x, nil
	}
	var zero K
	c, err := Cast(v, t)
	if err != nil {
		return zero, err
	}
	x, ok := c.(K)
	if !ok {
		return zero, errs.Errorf(codeBinaryFormat, "cannot send %s value as %s", TypeOf(v), t)
	}
	return x, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func timeToPgMicros(tm time.Time) int64 {
	return (tm.Unix()-pgEpochUnix)*usecsPerSec + int64(tm.Nanosecond()/1000)
}

func pgMicrosToTime(us int64) time.Time {
	sec := floorDiv(us, usecsPerSec)
	rem := us - sec*usecsPerSec
	return time.Unix(sec+pgEpochUnix, rem*1000).UTC()
}

// appendNumeric encodes d in the pg binary numeric format.
func appendNumeric(dst []byte, d *apd.Decimal) ([]byte, error) {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return binary.BigEndian.AppendUint64(dst, uint64(numericNaN)<<16), nil
	case apd.Infinite:
		s := uint64(numericPInf)
		if d.Negative {
			s = numericNInf
		}
		return binary.BigEndian.AppendUint64(dst, s<<16), nil
	}
	digits := d.Coeff.Append(nil, 10)
	exp := int64(d.Exponent)
	dscale := int64(0)
	if exp < 0 {
		dscale = -exp
	}
	if dscale > numericMaxDScale || int64(len(digits))+exp > numericMaxWeight*4 {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	// Place the digits around the decimal point: intPart.fracPart.
	var intPart, fracPart []byte
	if exp >= 0 {
		intPart = append(digits, bytes.Repeat([]byte{'0'}, int(exp))...)
	} else {
		point := int64(len(digits)) + exp
		if point <= 0 {
			fracPart = append(bytes.Repeat([]byte{'0'}, int(-point)), digits...)
		} else {
			intPart, fracPart = digits[:point], digits[point:]
		}
	}
	// Pad to whole base-10000 groups.
	if r := len(intPart) % 4; r != 0 {
		intPart = append(bytes.Repeat([]byte{'0'}, 4-r), intPart...)
	}
	if r := len(fracPart) % 4; r != 0 {
		fracPart = append(fracPart, bytes.Repeat([]byte{'0'}, 4-r)...)
	}
	all := append(append([]byte{}, intPart...), fracPart...)
	groups := make([]int16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		g := int16((all[i]-'0'))*1000 + int16(all[i+1]-'0')*100 + int16(all[i+2]-'0')*10 + int16(all[i+3]-'0')
		groups = append(groups, g)
	}
	weight := len(intPart)/4 - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	sign := uint16(numericPos)
	if len(groups) == 0 {
		weight = 0
	} else if d.Negative {
		sign = numericNeg
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(groups)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(dscale))
	for _, g := range groups {
		dst = binary.BigEndian.AppendUint16(dst, uint16(g))
	}
	return dst, nil
}

// decodeNumeric parses the pg binary numeric format.
func decodeNumeric(b []byte) (Value, error) {
	if len(b) < 8 {
		return nil, binaryLenErr(Numeric, len(b))
	}
	ndigits := int(binary.BigEndian.Uint16(b[0:]))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	switch sign {
	case numericNaN:
		return &apd.Decimal{Form: apd.NaN}, nil
	case numericPInf:
		return &apd.Decimal{Form: apd.Infinite}, nil
	case numericNInf:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	case numericPos, numericNeg:
	default:
		return nil, errs.New(codeBinaryFormat, "invalid sign in external \"numeric\" value")
	}
	if ndigits > 0x7FFF || len(b) != 8+2*ndigits {
		return nil, errs.New(codeBinaryFormat, "insufficient data or extra data in external \"numeric\" value")
	}
	if dscale > numericMaxDScale {
		return nil, errs.New(codeBinaryFormat, "invalid scale in external \"numeric\" value")
	}
	if ndigits > 0 && (weight > numericMaxWeight || weight+1-ndigits < -numericMaxWeight) {
		return nil, errs.New(codeBinaryFormat, "invalid weight in external \"numeric\" value")
	}
	// coefficient = digits concatenated (4 decimal digits each);
	// value = coefficient * 10^(4*(weight-ndigits+1)).
	var sb strings.Builder
	if sign == numericNeg {
		sb.WriteByte('-')
	}
	sb.WriteByte('0') // keeps an all-zero input a valid number
	for i := 0; i < ndigits; i++ {
		g := binary.BigEndian.Uint16(b[8+2*i:])
		if g >= numericDigit {
			return nil, errs.New(codeBinaryFormat, "invalid digit in external \"numeric\" value")
		}
		sb.WriteString(strconv.Itoa(int(g) + 10000)[1:])
	}
	exp := 4 * (weight - ndigits + 1)
	if ndigits == 0 {
		exp = 0
	}
	sb.WriteString("E")
	sb.WriteString(strconv.Itoa(exp))
	d, _, err := apd.NewFromString(sb.String())
	if err != nil {
		return nil, errs.Errorf(codeBinaryFormat, "invalid external \"numeric\" value: %v", err)
	}
	// Show exactly dscale decimals, as PostgreSQL does.
	if int(d.Exponent) != -dscale {
		c := apd.BaseContext.WithPrecision(uint32(d.NumDigits()) + uint32(dscale) + uint32(max(int(d.Exponent), 0)) + 2)
		c.Rounding = apd.RoundDown // numeric_recv truncates hidden digits
		if _, err := c.Quantize(d, d, int32(-dscale)); err != nil {
			return nil, errs.Errorf(codeBinaryFormat, "invalid external \"numeric\" value: %v", err)
		}
	}
	if d.Coeff.Sign() == 0 {
		d.Negative = false
	}
	return d, nil
}

func binaryLenErr(t T, n int) error {
	return errs.Errorf(errs.ProtocolViolation, "incorrect binary data format: %d bytes for type %s", n, t)
}

// DecodeText parses a value sent in text format for type t (a Bind
// parameter or a COPY field). Unknown and Doc keep the text as a string.
// Bad input is a *errs.Error with a 22xxx code.
func DecodeText(b []byte, t T) (Value, error) {
	switch t {
	case Unknown, Doc, Text, Varchar, Bpchar, Interval, Enum:
		// An interval parameter arrives as its text; interval arithmetic
		// and comparisons parse it (sql/funcs).
		if !utf8.Valid(b) {
			return nil, invalidUTF8()
		}
		return string(b), nil
	case Bytea:
		return decodeByteaText(b)
	case UUID:
		return NormalizeUUID(string(b))
	case JSON, JSONB:
		if !utf8.Valid(b) {
			return nil, invalidUTF8()
		}
		return ParseJSON(string(b))
	case Numeric:
		s := strings.TrimSpace(string(b))
		switch strings.ToLower(s) {
		case "nan":
			return &apd.Decimal{Form: apd.NaN}, nil
		case "infinity", "+infinity", "inf", "+inf":
			return &apd.Decimal{Form: apd.Infinite}, nil
		case "-infinity", "-inf":
			return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
		}
		d, _, err := apd.NewFromString(s)
		if err != nil || d.Form != apd.Finite {
			return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type numeric: %q", s)
		}
		if int64(d.Exponent)+d.NumDigits() > numericMaxWeight*4 || d.Exponent < -numericMaxDScale {
			return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
		}
		return d, nil
	case Timestamp, Timestamptz, Date:
		v, err := ParseTime(string(b), t)
		if err == nil {
			return v, nil
		}
		// Forms ParseTime does not know: zone offsets with seconds, and
		// a "T" separator with short offsets.
		s := strings.TrimSpace(string(b))
		for _, layout := range extraTimeLayouts {
			if tm, perr := time.Parse(layout, s); perr == nil {
				tm = tm.UTC()
				if t == Date {
					y, m, d := tm.Date()
					tm = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
				}
				return tm, nil
			}
		}
		return nil, err
	}
	return ParseText(string(b), t)
}

var extraTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00:00",
	"2006-01-02T15:04:05.999999999Z07:00:00",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999-0700",
}

func invalidUTF8() error {
	return errs.New(codeUntranslatable, `invalid byte sequence for encoding "UTF8"`)
}

// decodeByteaText parses bytea input: the \x hex form, or the escape form
// (\\ for a backslash, \ooo octal, other bytes as themselves).
func decodeByteaText(b []byte) (Value, error) {
	if len(b) >= 2 && b[0] == '\\' && b[1] == 'x' {
		h := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, b[2:])
		out := make([]byte, hex.DecodedLen(len(h)))
		if _, err := hex.Decode(out, h); err != nil {
			return nil, errs.New(errs.InvalidTextRep, "invalid hexadecimal data in bytea")
		}
		return out, nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(b) && isOctal(b[i+1]) && b[i+1] <= '3' && isOctal(b[i+2]) && isOctal(b[i+3]):
			out = append(out, (b[i+1]-'0')<<6|(b[i+2]-'0')<<3|(b[i+3]-'0'))
			i += 3
		default:
			return nil, errs.New(errs.InvalidTextRep, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// DecodeBinary parses a value sent in binary format for type t. A length
// that does not fit the type is a *errs.Error 08P01; bad content 22P03 or
// 22P02. Text-like types (and Unknown, Doc) take the bytes as UTF-8 text.
func DecodeBinary(b []byte, t T) (Value, error) {
	if v, ok, err := CatalogDecodeBinary(b, t); ok {
		return v, err
	}
	switch t {
	case Interval:
		if len(b) != 16 {
			return nil, binaryLenErr(t, len(b))
		}
		micros := int64(binary.BigEndian.Uint64(b))
		days := int32(binary.BigEndian.Uint32(b[8:]))
		months := int32(binary.BigEndian.Uint32(b[12:]))
		return fmt.Sprintf("%d months %d days %d microseconds", months, days, micros), nil
	case Bool:
		if len(b) != 1 {
			return nil, binaryLenErr(t, len(b))
		}
		return b[0] != 0, nil
	case Int2:
		if len(b) != 2 {
			return nil, binaryLenErr(t, len(b))
		}
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	case Int4:
		if len(b) != 4 {
			return nil, binaryLenErr(t, len(b))
		}
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case Int8:
		if len(b) != 8 {
			return nil, binaryLenErr(t, len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case Float4:
		if len(b) != 4 {
			return nil, binaryLenErr(t, len(b))
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case Float8:
		if len(b) != 8 {
			return nil, binaryLenErr(t, len(b))
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case Numeric:
		return decodeNumeric(b)
	case Bytea:
		return bytes.Clone(b), nil
	case Timestamp, Timestamptz:
		if len(b) != 8 {
			return nil, binaryLenErr(t, len(b))
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us == math.MaxInt64 || us == math.MinInt64 {
			return nil, errs.Errorf(errs.FeatureNotSupported, "infinite %s values are not supported", t)
		}
		return pgMicrosToTime(us), nil
	case Date:
		if len(b) != 4 {
			return nil, binaryLenErr(t, len(b))
		}
		days := int64(int32(binary.BigEndian.Uint32(b)))
		if days == math.MaxInt32 || days == math.MinInt32 {
			return nil, errs.Errorf(errs.FeatureNotSupported, "infinite %s values are not supported", t)
		}
		return time.Unix((days+pgEpochDays)*secsPerDay, 0).UTC(), nil
	case UUID:
		if len(b) != 16 {
			return nil, binaryLenErr(t, len(b))
		}
		var u uuid.UUID
		copy(u[:], b)
		return u.String(), nil
	case JSONB:
		if len(b) < 1 || b[0] != 1 {
			return nil, errs.New(codeBinaryFormat, "unsupported jsonb version number")
		}
		return DecodeText(b[1:], JSON)
	case JSON:
		return DecodeText(b, JSON)
	}
	if !utf8.Valid(b) {
		return nil, invalidUTF8()
	}
	return string(b), nil
}
