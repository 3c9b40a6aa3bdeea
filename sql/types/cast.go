package types

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
)

// Cast converts v to type t with PostgreSQL's rules for explicit casts.
// NULL casts to NULL. Failures carry 22P02 (bad text), 22003 (out of range)
// or 42846/42804 (no such cast).
func Cast(v Value, t T) (Value, error) {
	if v == nil || t == Unknown || t == Doc {
		return v, nil
	}
	switch t {
	case OID, RegClass, RegType, RegNamespace, RegProc, Name, Char, Int2Vector, OIDVector, TextArray, Int2Array, OIDArray:
		return castCatalog(v, t)
	case Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			return ParseBool(x)
		}
	case Int2, Int4, Int8:
		var i int64
		switch x := v.(type) {
		case int64:
			i = x
		case bool:
			if x {
				i = 1
			}
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) || x >= 9.223372036854775807e18 || x < -9.223372036854775808e18 {
				return nil, rangeErr(t)
			}
			i = int64(math.RoundToEven(x))
		case *apd.Decimal:
			var r apd.Decimal
			if _, err := apd.BaseContext.WithPrecision(40).RoundToIntegralValue(&r, x); err != nil {
				return nil, rangeErr(t)
			}
			n, err := r.Int64()
			if err != nil {
				return nil, rangeErr(t)
			}
			i = n
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
					return nil, rangeErr(t)
				}
				return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type %s: %q", t, x)
			}
			i = n
		default:
			return nil, noCast(v, t)
		}
		return CheckIntRange(i, t)
	case Float4, Float8:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case *apd.Decimal:
			f, err := x.Float64()
			if err != nil {
				return nil, rangeErr(t)
			}
			return f, nil
		case string:
			return ParseFloat(x, t)
		}
	case Numeric:
		switch x := v.(type) {
		case *apd.Decimal:
			return x, nil
		case int64:
			return apd.New(x, 0), nil
		case float64:
			if math.IsNaN(x) {
				return nil, errs.New(errs.InvalidTextRep, "cannot convert NaN to numeric")
			}
			d, _, err := apd.NewFromString(strconv.FormatFloat(x, 'g', -1, 64))
			if err != nil {
				return nil, rangeErr(t)
			}
			return d, nil
		case string:
			d, _, err := apd.NewFromString(strings.TrimSpace(x))
			if err != nil {
				return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type numeric: %q", x)
			}
			return d, nil
		}
	case Text, Varchar, Bpchar, Enum: // an enum's labels are checked by the planner's nodes
		if s, ok := v.(string); ok {
			return s, nil
		}
		return FormatText(v), nil
	case Bytea:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return ParseBytea(x)
		}
	case Timestamp, Timestamptz, Date:
		switch x := v.(type) {
		case time.Time:
			if t == Date {
				y, m, d := x.UTC().Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			}
			return x.UTC(), nil
		case string:
			return ParseTime(x, t)
		case int64:
			// Integers are taken as Unix milliseconds, the reference's convention.
			return time.UnixMilli(x).UTC(), nil
		}
	case UUID:
		if s, ok := v.(string); ok {
			return NormalizeUUID(s)
		}
		if b, ok := v.([]byte); ok && len(b) == 16 {
			return NormalizeUUID(hex.EncodeToString(b))
		}
	case JSON, JSONB:
		switch x := v.(type) {
		case string:
			if t == JSON {
				// json keeps its text (spacing, key order, repeats).
				return NewJSONText(x)
			}
			return ParseJSON(x)
		case JSONText:
			if t == JSONB {
				return Plain(x), nil
			}
			return x, nil
		}
		return v, nil
	}
	return nil, noCast(v, t)
}

func rangeErr(t T) error {
	return errs.Errorf(errs.NumericOutOfRange, "%s out of range", t)
}

func noCast(v Value, t T) error {
	return errs.Errorf(errs.DatatypeMismatch, "cannot cast type %s to %s", TypeOf(v), t)
}

// CheckIntRange checks that i fits integer type t.
func CheckIntRange(i int64, t T) (Value, error) {
	switch t {
	case Int2:
		if i < math.MinInt16 || i > math.MaxInt16 {
			return nil, errs.New(errs.NumericOutOfRange, "smallint out of range")
		}
	case Int4:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return nil, errs.New(errs.NumericOutOfRange, "integer out of range")
		}
	}
	return i, nil
}

// ParseBool parses PostgreSQL's boolean spellings.
func ParseBool(s string) (Value, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "y", "yes", "on", "1":
		return true, nil
	case "f", "false", "n", "no", "off", "0":
		return false, nil
	}
	return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type boolean: %q", s)
}

// ParseFloat parses a float, accepting Infinity and NaN spellings.
func ParseFloat(s string, t T) (Value, error) {
	x := strings.TrimSpace(s)
	switch strings.ToLower(x) {
	case "infinity", "+infinity", "inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(x, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, rangeErr(t)
		}
		return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type %s: %q", t, s)
	}
	return f, nil
}

// ParseBytea parses bytea text input: \x hex form or raw text.
func ParseBytea(s string) (Value, error) {
	if strings.HasPrefix(s, `\x`) {
		b, err := hex.DecodeString(s[2:])
		if err != nil {
			return nil, errs.Errorf(errs.InvalidTextRep, "invalid hexadecimal data in bytea")
		}
		return b, nil
	}
	return []byte(s), nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02 15:04:05.999999999 Z07",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04Z07",
	"2006-01-02 15:04 Z07:00",
	"2006-01-02 15:04 Z07",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z07",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime parses timestamp, timestamptz and date input. Values without a
// zone are taken as UTC.
func ParseTime(s string, t T) (Value, error) {
	x := strings.TrimSpace(s)
	switch strings.ToLower(x) {
	case "now":
		return time.Now().UTC(), nil
	case "epoch":
		return time.Unix(0, 0).UTC(), nil
	case "infinity", "-infinity":
		return nil, errs.Errorf(errs.FeatureNotSupported, "infinite %s values are not supported", t)
	}
	for _, layout := range timeLayouts {
		if tm, err := time.Parse(layout, x); err == nil {
			if t == Timestamp {
				// timestamp without time zone ignores a zone in its
				// input, as PostgreSQL does: the wall-clock time stays.
				y, m, d := tm.Date()
				hh, mm, ss := tm.Clock()
				tm = time.Date(y, m, d, hh, mm, ss, tm.Nanosecond(), time.UTC)
			}
			tm = tm.UTC()
			if t == Date {
				y, m, d := tm.Date()
				tm = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			}
			return tm, nil
		}
	}
	return nil, errs.Errorf(errs.InvalidDatetime, "invalid input syntax for type %s: %q", t, s)
}

// ParseText parses client text input (a pgwire text parameter, a COPY field)
// for a value of type t. Unknown and Doc keep the string as is.
func ParseText(s string, t T) (Value, error) {
	switch t {
	case Unknown, Doc, Text, Varchar, Bpchar, Enum:
		return s, nil
	}
	return Cast(s, t)
}

// Coerce converts v for storage in a column of type t: like Cast but with
// assignment rules (no bool↔int, no text→number except from string
// literals, which callers pass as strings). Errors use 42804 for kind
// mismatches so clients see "column is of type X but expression is of type Y".
func Coerce(v Value, t T) (Value, error) {
	if v == nil {
		return nil, nil
	}
	if t == Unknown || t == Doc {
		return Plain(v), nil
	}
	switch x := v.(type) {
	case bool:
		if t != Bool && !t.IsString() && t != JSON && t != JSONB {
			return nil, mismatch(t, Bool)
		}
	case int64, float64, *apd.Decimal:
		if !t.IsNumeric() && !t.IsString() && t != JSON && t != JSONB && !(t == Timestamp || t == Timestamptz) {
			return nil, mismatch(t, TypeOf(x))
		}
	case map[string]any, []any:
		if t != JSON && t != JSONB && !t.IsString() {
			return nil, mismatch(t, Doc)
		}
		if t.IsString() {
			return FormatText(x), nil
		}
		return Plain(x), nil
	case JSONText:
		switch {
		case t == JSON || t == JSONB:
			return Plain(x), nil
		case t.IsString():
			return string(x), nil
		}
		return nil, mismatch(t, JSON)
	case *Composite:
		switch {
		case t == JSON || t == JSONB:
			return x.Map(), nil
		case t.IsString():
			return recordText(x), nil
		case t == Record:
			return x, nil
		}
		return nil, mismatch(t, Record)
	case []byte:
		if t != Bytea && t != UUID {
			return nil, mismatch(t, Bytea)
		}
	case time.Time:
		if t != Timestamp && t != Timestamptz && t != Date && !t.IsString() {
			return nil, mismatch(t, Timestamptz)
		}
	}
	out, err := Cast(v, t)
	if t == JSON && err == nil {
		// Stored json is a document (the text form is not kept).
		out = Plain(out)
	}
	return out, err
}

func mismatch(col, got T) error {
	return errs.Errorf(errs.DatatypeMismatch, "column is of type %s but expression is of type %s", col, got)
}

// MaxOID is the largest object identifier.
const MaxOID = 1<<32 - 1

// castCatalog converts to the system-catalog types. String input of
// regclass needs the catalog: Cast accepts only numeric text there and
// fails with 42P01 otherwise; callers with a catalog resolve names first
// (see funcs.CastTyped).
func castCatalog(v Value, t T) (Value, error) {
	switch t {
	case OID, RegClass, RegType, RegNamespace:
		switch x := v.(type) {
		case int64:
			return oidFromInt(x)
		case string:
			s := strings.TrimSpace(x)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return oidFromInt(n)
			}
			switch t {
			case RegType:
				if pt, ok := PgTypeByName(s); ok {
					return int64(pt.OID), nil
				}
				if s == "-" {
					return int64(0), nil
				}
				return nil, errs.Errorf(errs.UndefinedObject, "type %q does not exist", unquoteIdent(s))
			case RegNamespace:
				if oid, ok := NamespaceOID(unquoteIdent(s)); ok {
					return oid, nil
				}
				return nil, errs.Errorf("3F000", "schema %q does not exist", unquoteIdent(s))
			case RegClass:
				if s == "-" {
					return int64(0), nil
				}
				return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", unquoteIdent(s))
			}
			return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type oid: %q", x)
		case float64, *apd.Decimal:
			i, err := Cast(v, Int8)
			if err != nil {
				return nil, err
			}
			return oidFromInt(i.(int64))
		}
	case RegProc:
		switch x := v.(type) {
		case string:
			s := strings.TrimPrefix(strings.TrimSpace(x), "pg_catalog.")
			if s == "" || s == "0" {
				s = "-"
			}
			return s, nil
		case int64:
			if x == 0 {
				return "-", nil
			}
			return strconv.FormatInt(x, 10), nil
		}
	case Name:
		s, ok := v.(string)
		if !ok {
			s = FormatText(v)
		}
		if len(s) > 63 {
			s = s[:63]
			for len(s) > 0 && !utf8.ValidString(s) {
				s = s[:len(s)-1]
			}
		}
		return s, nil
	case Char:
		switch x := v.(type) {
		case string:
			if len(x) > 1 {
				return x[:1], nil
			}
			return x, nil
		case int64:
			if x < -128 || x > 127 {
				return nil, errs.New(errs.NumericOutOfRange, `"char" out of range`)
			}
			if x == 0 {
				return "", nil
			}
			return string([]byte{byte(x)}), nil
		}
	case Int2Vector, OIDVector:
		var parts []string
		switch x := v.(type) {
		case string:
			parts = strings.Fields(strings.NewReplacer("{", " ", "}", " ", ",", " ").Replace(x))
		case []any:
			for _, e := range x {
				if e == nil {
					return nil, errs.Errorf("22004", "array must not contain nulls")
				}
				parts = append(parts, FormatText(e))
			}
		default:
			return nil, noCast(v, t)
		}
		for _, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil || (t == Int2Vector && (n < math.MinInt16 || n > math.MaxInt16)) || (t == OIDVector && (n < 0 || n > MaxOID)) {
				return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type %s: %q", t, FormatText(v))
			}
		}
		return strings.Join(parts, " "), nil
	case TextArray, Int2Array, OIDArray:
		var elems []any
		switch x := v.(type) {
		case []any:
			elems = x
		case string:
			if strings.HasPrefix(strings.TrimSpace(x), "[") {
				j, err := ParseJSON(x)
				if err != nil {
					return nil, err
				}
				a, ok := j.([]any)
				if !ok {
					return nil, noCast(v, t)
				}
				elems = a
				break
			}
			a, err := ParseArrayText(x)
			if err != nil {
				return nil, err
			}
			elems = a
		default:
			return nil, noCast(v, t)
		}
		et := Text
		switch t {
		case Int2Array:
			et = Int2
		case OIDArray:
			et = OID
		}
		out := make([]any, len(elems))
		for i, e := range elems {
			if e == nil {
				continue
			}
			c, err := Cast(e, et)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return nil, noCast(v, t)
}

func oidFromInt(n int64) (Value, error) {
	// Negative int4 values wrap, as int4 → oid is a binary coercion.
	if n < 0 && n >= math.MinInt32 {
		n += 1 << 32
	}
	if n < 0 || n > MaxOID {
		return nil, errs.New(errs.NumericOutOfRange, "OID out of range")
	}
	return n, nil
}

// unquoteIdent folds an identifier as SQL does: "Quoted" keeps its case
// (with "" as a quote), anything else is lower-cased. A schema prefix
// ("public.", "pg_catalog.") is dropped.
func unquoteIdent(s string) string {
	s = strings.TrimSpace(s)
	s = s[lastDot(s)+1:]
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

// lastDot is the position of the last dot outside double quotes (where
// a qualified name's object name starts), or -1.
func lastDot(s string) int {
	last, inq := -1, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inq = !inq
		case '.':
			if !inq {
				last = i
			}
		}
	}
	return last
}

// SplitQualified splits regclass input (schema.name, either part quoted)
// at its last dot outside double quotes, each part folded as an
// identifier; schema is "" when there is none.
func SplitQualified(s string) (schema, name string) {
	s = strings.TrimSpace(s)
	last := lastDot(s)
	if last >= 0 {
		schema = unquoteIdent(s[:last])
	}
	return schema, unquoteIdent(s[last+1:])
}

// UnquoteIdent is unquoteIdent for callers resolving relation names
// (regclass input): `users`, `"Users"`, `public.users`.
func UnquoteIdent(s string) string { return unquoteIdent(s) }

// ParseArrayText parses a one-dimensional PostgreSQL array literal
// ('{a,"b c",NULL}') into string elements (nil for NULL).
func ParseArrayText(s string) ([]any, error) {
	x := strings.TrimSpace(s)
	bad := func() error {
		return errs.Errorf(errs.InvalidTextRep, "malformed array literal: %q", s)
	}
	if len(x) < 2 || x[0] != '{' || x[len(x)-1] != '}' {
		return nil, bad()
	}
	body := x[1 : len(x)-1]
	out := []any{}
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	i := 0
	for {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var sb strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for {
				if i >= len(body) {
					return nil, bad()
				}
				c := body[i]
				if c == '\\' && i+1 < len(body) {
					sb.WriteByte(body[i+1])
					i += 2
					continue
				}
				if c == '"' {
					i++
					break
				}
				sb.WriteByte(c)
				i++
			}
			for i < len(body) && body[i] == ' ' {
				i++
			}
		} else {
			for i < len(body) && body[i] != ',' {
				c := body[i]
				if c == '{' || c == '}' || c == '"' {
					return nil, bad()
				}
				if c == '\\' && i+1 < len(body) {
					i++
					c = body[i]
				}
				sb.WriteByte(c)
				i++
			}
		}
		e := sb.String()
		if !quoted {
			e = strings.TrimRight(e, " ")
		}
		if !quoted && strings.EqualFold(e, "null") {
			out = append(out, nil)
		} else {
			out = append(out, e)
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, bad()
		}
		i++
	}
}

// FormatArrayText renders elements as a PostgreSQL array literal
// ('{1,2}', '{a,"b c",NULL}').
func FormatArrayText(elems []any) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			sb.WriteByte(',')
		}
		if e == nil {
			sb.WriteString("NULL")
			continue
		}
		s, ok := e.(string)
		if !ok {
			s = string(EncodeText(e, TypeOf(e)))
		}
		if s == "" || strings.EqualFold(s, "null") || strings.ContainsAny(s, "{},\"\\ \t\n\r") {
			sb.WriteByte('"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' || s[j] == '\\' {
					sb.WriteByte('\\')
				}
				sb.WriteByte(s[j])
			}
			sb.WriteByte('"')
			continue
		}
		sb.WriteString(s)
	}
	sb.WriteByte('}')
	return sb.String()
}

// Wire forms of the system-catalog types (used by the pg codec).

// catalogElem returns the element type and lower bound of an array-like
// catalog type.
func catalogElem(t T) (elem T, elemOID uint32, lbound int32, ok bool) {
	switch t {
	case Int2Vector:
		return Int2, OIDInt2, 0, true
	case OIDVector:
		return OID, OIDOID, 0, true
	case Int2Array:
		return Int2, OIDInt2, 1, true
	case OIDArray:
		return OID, OIDOID, 1, true
	case TextArray:
		return Text, OIDText, 1, true
	}
	return Unknown, 0, 0, false
}

// catalogElems returns the elements of an array-like catalog value.
func catalogElems(v Value, t T) ([]any, error) {
	if t == Int2Vector || t == OIDVector {
		s, err := Cast(v, t)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, f := range strings.Fields(s.(string)) {
			n, _ := strconv.ParseInt(f, 10, 64)
			out = append(out, n)
		}
		return out, nil
	}
	a, err := Cast(v, t)
	if err != nil {
		return nil, err
	}
	return a.([]any), nil
}

// CatalogText is the text output of the catalog types: regtype and
// regnamespace by name, arrays as {a,b}. ok is false for other types
// (and for regclass, whose name needs the catalog: the session renders
// it, session.Session.EncodeText; without one it is the number).
func CatalogText(v Value, t T) (out []byte, ok bool) {
	switch t {
	case RegType:
		if n, isInt := v.(int64); isInt {
			return []byte(RegTypeName(n)), true
		}
	case RegNamespace:
		if n, isInt := v.(int64); isInt {
			return []byte(NamespaceName(n)), true
		}
	case TextArray, Int2Array, OIDArray:
		if a, isArr := v.([]any); isArr {
			return []byte(FormatArrayText(a)), true
		}
	}
	return nil, false
}

// CatalogBinary is the binary output of the catalog types: the OID types
// as uint32, "char" as one byte, vectors and arrays in PostgreSQL's array
// format; ok is false for other types.
func CatalogBinary(v Value, t T) (out []byte, ok bool, err error) {
	switch t {
	case OID, RegClass, RegType, RegNamespace, RegProc:
		o, err := Cast(v, OID)
		if err != nil {
			if t != RegProc {
				return nil, true, err
			}
			o = int64(0) // a regproc given by name has no OID here
		}
		return binary.BigEndian.AppendUint32(nil, uint32(o.(int64))), true, nil
	case Char:
		s, _ := v.(string)
		if s == "" {
			return []byte{}, true, nil
		}
		return []byte{s[0]}, true, nil
	}
	elem, elemOID, lbound, isArr := catalogElem(t)
	if !isArr {
		return nil, false, nil
	}
	elems, err := catalogElems(v, t)
	if err != nil {
		return nil, true, err
	}
	hasNull := int32(0)
	for _, e := range elems {
		if e == nil {
			hasNull = 1
		}
	}
	ndim := int32(1)
	if len(elems) == 0 {
		ndim = 0
	}
	out = binary.BigEndian.AppendUint32(nil, uint32(ndim))
	out = binary.BigEndian.AppendUint32(out, uint32(hasNull))
	out = binary.BigEndian.AppendUint32(out, elemOID)
	if ndim == 1 {
		out = binary.BigEndian.AppendUint32(out, uint32(len(elems)))
		out = binary.BigEndian.AppendUint32(out, uint32(lbound))
	}
	for _, e := range elems {
		if e == nil {
			out = binary.BigEndian.AppendUint32(out, math.MaxUint32)
			continue
		}
		var b []byte
		switch elem {
		case Int2:
			n, err := Cast(e, Int2)
			if err != nil {
				return nil, true, err
			}
			b = binary.BigEndian.AppendUint16(nil, uint16(int16(n.(int64))))
		case OID:
			n, err := Cast(e, OID)
			if err != nil {
				return nil, true, err
			}
			b = binary.BigEndian.AppendUint32(nil, uint32(n.(int64)))
		default:
			s, isStr := e.(string)
			if !isStr {
				s = FormatText(e)
			}
			b = []byte(s)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out, true, nil
}

// CatalogDecodeBinary parses the binary input of the catalog types; ok
// is false for other types.
func CatalogDecodeBinary(b []byte, t T) (v Value, ok bool, err error) {
	bad := func() error {
		return errs.Errorf(errs.ProtocolViolation, "incorrect binary data format for type %s", t)
	}
	switch t {
	case OID, RegClass, RegType, RegNamespace:
		if len(b) != 4 {
			return nil, true, bad()
		}
		return int64(binary.BigEndian.Uint32(b)), true, nil
	case RegProc:
		if len(b) != 4 {
			return nil, true, bad()
		}
		v, err := Cast(int64(binary.BigEndian.Uint32(b)), RegProc)
		return v, true, err
	case Char:
		if len(b) > 1 {
			return nil, true, bad()
		}
		return string(b), true, nil
	}
	elem, _, _, isArr := catalogElem(t)
	if !isArr {
		return nil, false, nil
	}
	if len(b) < 12 {
		return nil, true, bad()
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	p := 12
	n := 0
	switch ndim {
	case 0:
	case 1:
		if len(b) < 20 {
			return nil, true, bad()
		}
		n = int(int32(binary.BigEndian.Uint32(b[12:])))
		p = 20
	default:
		return nil, true, errs.Errorf(errs.FeatureNotSupported, "multidimensional arrays are not supported")
	}
	if n < 0 || n > len(b) {
		return nil, true, bad()
	}
	elems := make([]any, 0, n)
	for i := 0; i < n; i++ {
		if p+4 > len(b) {
			return nil, true, bad()
		}
		l := int32(binary.BigEndian.Uint32(b[p:]))
		p += 4
		if l == -1 {
			elems = append(elems, nil)
			continue
		}
		if l < 0 || p+int(l) > len(b) {
			return nil, true, bad()
		}
		eb := b[p : p+int(l)]
		p += int(l)
		switch {
		case elem == Int2 && l == 2:
			elems = append(elems, int64(int16(binary.BigEndian.Uint16(eb))))
		case elem == OID && l == 4:
			elems = append(elems, int64(binary.BigEndian.Uint32(eb)))
		case elem == Text:
			if !utf8.Valid(eb) {
				return nil, true, errs.New("22021", `invalid byte sequence for encoding "UTF8"`)
			}
			elems = append(elems, string(eb))
		default:
			return nil, true, bad()
		}
	}
	if p != len(b) {
		return nil, true, bad()
	}
	out, err := Cast(elems, t)
	return out, true, err
}
