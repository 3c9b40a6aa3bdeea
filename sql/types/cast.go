package types

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

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
	case Text, Varchar, Bpchar:
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
		if s, ok := v.(string); ok {
			return ParseJSON(s)
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
	case Unknown, Doc, Text, Varchar, Bpchar:
		return s, nil
	}
	return Cast(s, t)
}

// Coerce converts v for storage in a column of type t: like Cast but with
// assignment rules (no bool↔int, no text→number except from string
// literals, which callers pass as strings). Errors use 42804 for kind
// mismatches so clients see "column is of type X but expression is of type Y".
func Coerce(v Value, t T) (Value, error) {
	if v == nil || t == Unknown || t == Doc {
		return v, nil
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
		return x, nil
	case []byte:
		if t != Bytea && t != UUID {
			return nil, mismatch(t, Bytea)
		}
	case time.Time:
		if t != Timestamp && t != Timestamptz && t != Date && !t.IsString() {
			return nil, mismatch(t, Timestamptz)
		}
	}
	return Cast(v, t)
}

func mismatch(col, got T) error {
	return errs.Errorf(errs.DatatypeMismatch, "column is of type %s but expression is of type %s", col, got)
}
