package types

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/google/uuid"

	"github.com/nodedb-go/nodedb/errs"
)

// Value is one SQL value. Its dynamic type is one of:
//
//	nil              NULL
//	bool             boolean
//	int64            smallint, integer, bigint
//	float64          real, double precision
//	*apd.Decimal     numeric
//	string           text, varchar, char, uuid (canonical form)
//	[]byte           bytea
//	time.Time        timestamp, timestamptz, date (UTC; dates at midnight)
//	map[string]any   a document object (values are Values)
//	[]any            a document array (values are Values)
//
// The static SQL type travels separately (column or expression type); the
// dynamic type is enough to compare, hash and encode.
type Value = any

// Row is one tuple of values.
type Row = []Value

// TypeOf infers the SQL type of a dynamic value, used for schemaless fields.
func TypeOf(v Value) T {
	switch v.(type) {
	case nil:
		return Unknown
	case bool:
		return Bool
	case int64:
		return Int8
	case float64:
		return Float8
	case *apd.Decimal:
		return Numeric
	case string:
		return Text
	case []byte:
		return Bytea
	case time.Time:
		return Timestamptz
	case map[string]any, []any:
		return Doc
	case *Composite:
		return Record
	case JSONText:
		return JSON
	}
	return Unknown
}

// rank orders values of different kinds: NULL first (callers handle NULL
// ordering themselves), then bools, numbers, strings, bytes, times, arrays,
// objects.
func rank(v Value) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64, float64, *apd.Decimal:
		return 2
	case string:
		return 3
	case []byte:
		return 4
	case time.Time:
		return 5
	case []any:
		return 6
	case map[string]any:
		return 7
	case *Composite:
		return 8
	case JSONText:
		return 9
	}
	return 10
}

// Compare orders two non-NULL values: -1, 0 or +1. Values of different kinds
// order by kind; numbers compare numerically across int, float and numeric.
// NULLs compare equal to each other and below everything else.
func Compare(a, b Value) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch x := a.(type) {
	case nil:
		return 0
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpInt(x, y)
		case float64:
			return cmpFloat(float64(x), y)
		case *apd.Decimal:
			return decOf(x).Cmp(y)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpFloat(x, float64(y))
		case float64:
			return cmpFloat(x, y)
		case *apd.Decimal:
			f, _ := y.Float64()
			return cmpFloat(x, f)
		}
	case *apd.Decimal:
		switch y := b.(type) {
		case int64:
			return x.Cmp(decOf(y))
		case float64:
			f, _ := x.Float64()
			return cmpFloat(f, y)
		case *apd.Decimal:
			return x.Cmp(y)
		}
	case string:
		return strings.Compare(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case time.Time:
		return x.Compare(b.(time.Time))
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := CompareNullsFirst(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmpInt(int64(len(x)), int64(len(y)))
	case map[string]any:
		return strings.Compare(FormatText(x), FormatText(b))
	case *Composite:
		return compareComposite(x, b.(*Composite))
	case JSONText:
		return strings.Compare(string(x), string(b.(JSONText)))
	}
	return 0
}

// CompareNullsFirst is Compare with NULL ordered before every other value.
func CompareNullsFirst(a, b Value) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	return Compare(a, b)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	// PostgreSQL orders NaN above every other float and equal to itself.
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func decOf(i int64) *apd.Decimal { return apd.New(i, 0) }

// Equal reports whether two values are equal under Compare.
func Equal(a, b Value) bool { return CompareNullsFirst(a, b) == 0 }

// FormatText renders a value in PostgreSQL's text output format. Objects and
// arrays render as JSON. NULL renders as the empty string (callers send NULL
// separately).
func FormatText(v Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return FormatFloat(x)
	case *apd.Decimal:
		return x.Text('f')
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case map[string]any, []any:
		b, _ := json.Marshal(ToJSON(x))
		return string(b)
	case *Composite:
		return recordText(x)
	case JSONText:
		return string(x)
	}
	return fmt.Sprint(v)
}

// FormatFloat renders a float as PostgreSQL does (shortest exact form,
// Infinity/-Infinity/NaN spelled out).
func FormatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatTyped renders v as text for a column of type t (dates without a time
// part, timestamptz with a zone offset).
func FormatTyped(v Value, t T) string {
	if tm, ok := v.(time.Time); ok {
		switch t {
		case Date:
			return tm.UTC().Format("2006-01-02")
		case Timestamptz, Doc, Unknown:
			return tm.UTC().Format("2006-01-02 15:04:05.999999Z07")
		}
	}
	if f, ok := v.(float64); ok && t == Float4 {
		return strconv.FormatFloat(f, 'g', -1, 32)
	}
	return FormatText(v)
}

// ToJSON converts a value into something encoding/json renders faithfully:
// bytes as \x hex strings, times as RFC 3339, decimals as json.Number.
func ToJSON(v Value) any {
	switch x := v.(type) {
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case *apd.Decimal:
		return json.Number(x.Text('f'))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return FormatFloat(x)
		}
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = ToJSON(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = ToJSON(e)
		}
		return a
	case *Composite:
		// Fields in order: encoding/json copies a RawMessage as it is.
		return json.RawMessage(AppendCompositeJSON(nil, x, false))
	case JSONText:
		return jsonTextValue(x)
	}
	return v
}

// JSONTyped is ToJSON for a value of a known SQL type (a result column):
// a date renders as PostgreSQL's to_json gives it, "2026-02-03", and a
// timestamp without time zone without one, "2026-02-03T04:05:06.5";
// everything else as ToJSON.
func JSONTyped(v Value, t T) any {
	if tm, ok := v.(time.Time); ok {
		switch t {
		case Date:
			return tm.UTC().Format("2006-01-02")
		case Timestamp:
			return tm.UTC().Format("2006-01-02T15:04:05.999999")
		}
	}
	return ToJSON(v)
}

// FromJSON converts a value decoded by encoding/json (with UseNumber) into a
// Value: integral numbers become int64, others float64.
func FromJSON(v any) Value {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = FromJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = FromJSON(e)
		}
		return x
	}
	return v
}

// ParseJSON parses JSON text into a Value.
func ParseJSON(s string) (Value, error) {
	if v, ok := parseJSONFast(s); ok {
		return v, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type json: %v", err)
	}
	if d.More() {
		return nil, errs.New(errs.InvalidTextRep, "invalid input syntax for type json: trailing data")
	}
	return FromJSON(v), nil
}

// SortedKeys returns an object's keys in sorted order (deterministic output).
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Truthy interprets a value as a boolean condition: only true is true.
func Truthy(v Value) bool {
	b, ok := v.(bool)
	return ok && b
}

// NormalizeUUID parses s as a UUID and returns its canonical form.
func NormalizeUUID(s string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return "", errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type uuid: %q", s)
	}
	return u.String(), nil
}
