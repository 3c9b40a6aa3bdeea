package funcs

import (
	"fmt"
	"math"
	"testing"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

func TestBinaryArithmetic(t *testing.T) {
	I, F, N, U := types.Int8, types.Float8, types.Numeric, types.Unknown
	cases := []struct {
		op   string
		l, r types.Value
		rt   types.T
		want string
	}{
		{"+", int64(1), int64(2), I, "3"},
		{"-", int64(1), int64(2), I, "-1"},
		{"*", int64(6), int64(7), I, "42"},
		{"/", int64(7), int64(2), I, "3"},
		{"/", int64(-7), int64(2), I, "-3"},
		{"%", int64(-7), int64(3), I, "-1"},
		{"%", int64(7), int64(-3), I, "1"},
		{"/", int64(1), int64(0), I, "ERR:22012"},
		{"%", int64(1), int64(0), I, "ERR:22012"},
		{"/", 1.0, 0.0, F, "ERR:22012"},
		{"/", dec("1"), dec("0"), N, "ERR:22012"},
		{"%", dec("1.5"), dec("0"), N, "ERR:22012"},
		// Overflow.
		{"+", int64(math.MaxInt64), int64(1), I, "ERR:22003"},
		{"-", int64(math.MinInt64), int64(1), I, "ERR:22003"},
		{"*", int64(math.MaxInt64), int64(2), I, "ERR:22003"},
		{"*", int64(math.MinInt64), int64(-1), I, "ERR:22003"},
		{"/", int64(math.MinInt64), int64(-1), I, "ERR:22003"},
		{"%", int64(math.MinInt64), int64(-1), I, "0"},
		{"+", int64(math.MaxInt32), int64(1), types.Int4, "ERR:22003"},
		{"+", int64(math.MaxInt32), int64(1), I, "2147483648"},
		{"*", int64(200), int64(200), types.Int2, "ERR:22003"},
		{"*", 1e308, 10.0, F, "ERR:22003"},
		// Mixed kinds.
		{"+", int64(1), 1.5, F, "2.5"},
		{"+", int64(1), dec("1.5"), N, "2.5"},
		{"*", dec("1.10"), dec("2.2"), N, "2.420"},
		{"+", dec("2.50"), int64(1), N, "3.50"},
		{"+", dec("0.5"), 0.25, F, "0.75"},
		{"/", int64(1), int64(3), N, "0.33333333333333333333"},
		{"/", dec("1"), dec("3"), N, "0.33333333333333333333"},
		{"/", dec("10"), dec("4"), N, "2.5000000000000000"},
		{"/", dec("100000"), dec("7"), N, "14285.714285714286"},
		{"/", dec("1"), dec("7000000"), N, "0.000000142857142857142857"},
		{"/", dec("5.0"), int64(2), N, "2.5000000000000000"},
		{"%", dec("10.0"), int64(3), N, "1.0"},
		{"/", int64(7), 2.0, F, "3.5"},
		{"^", int64(2), int64(3), F, "8"},
		{"^", dec("2"), dec("0.5"), N, "1.4142135623730950"},
		{"^", dec("2.0"), int64(10), N, "1024.0000000000000000"},
		{"^", int64(0), int64(-1), F, "ERR:2201F"},
		{"^", -8.0, 0.5, F, "ERR:2201F"},
		// Untyped text operands.
		{"+", int64(1), "2", U, "3"},
		{"+", "1.5", int64(1), N, "2.5"},
		{"+", int64(1), "abc", U, "ERR:22P02"},
		{"+", int64(1), true, U, "2"},
		// Bitwise.
		{"&", int64(12), int64(10), I, "8"},
		{"|", int64(12), int64(10), I, "14"},
		{"#", int64(12), int64(10), I, "6"},
		{"<<", int64(1), int64(4), I, "16"},
		{">>", int64(-16), int64(2), I, "-4"},
		{"<<", int64(1), int64(31), types.Int4, "-2147483648"},
		{"&", 1.5, int64(1), I, "ERR:42883"},
		// NULL propagation.
		{"+", nil, int64(1), I, "NULL"},
		{"/", int64(1), nil, I, "NULL"},
		{"||", nil, "a", types.Text, "NULL"},
		{"=", nil, nil, types.Bool, "NULL"},
		{"LIKE", "a", nil, types.Bool, "NULL"},
		{"->", nil, "a", types.Doc, "NULL"},
		// Incompatible dynamic kinds.
		{"+", "a", true, U, "ERR:42883"},
	}
	for _, c := range cases {
		got, err := Binary(c.op, c.l, c.r, c.rt)
		check(t, fmt.Sprintf("%v %s %v", render(c.l), c.op, render(c.r)), got, err, c.want)
	}
}

func TestBinaryComparison(t *testing.T) {
	cases := []struct {
		op   string
		l, r types.Value
		want string
	}{
		{"=", int64(1), 1.0, "t"},
		{"=", int64(1), dec("1.00"), "t"},
		{"<", int64(1), dec("1.5"), "t"},
		{">", 2.5, int64(2), "t"},
		{"<>", "a", "b", "t"},
		{"<=", "a", "a", "t"},
		{">=", "a", "b", "f"},
		{"!=", int64(1), int64(1), "f"},
		// Schemaless: text vs int compares by kind (numbers < strings), no error.
		{"<", int64(5), "abc", "t"},
		{"=", int64(5), "5", "f"},
		{"<", true, int64(0), "t"},
		// Untyped literal against a timestamp.
		{"<", ts("2024-01-01"), "2025-01-01", "t"},
		{">", "2025-01-01 10:00", ts("2025-01-01"), "t"},
		{"=", ts("2024-01-01"), "2024-01-01T00:00:00Z", "t"},
		{"IS DISTINCT FROM", nil, nil, "f"},
		{"IS DISTINCT FROM", nil, int64(1), "t"},
		{"IS DISTINCT FROM", int64(1), 1.0, "f"},
		{"IS NOT DISTINCT FROM", nil, nil, "t"},
		{"IS NOT DISTINCT FROM", int64(1), nil, "f"},
		{"IS NOT DISTINCT FROM", "a", "a", "t"},
		{"=", doc(`{"a":1}`), doc(`{"a":1}`), "t"},
		{"=", doc(`[1,2]`), doc(`[1,3]`), "f"},
		{"<", Interval{Days: 1}, Interval{Micros: 25 * microsPerHour}, "t"},
		{"=", Interval{Months: 1}, "30 days", "t"},
		{"<", math.NaN(), 1.0, "f"},
		{">", math.NaN(), math.Inf(1), "t"},
	}
	for _, c := range cases {
		got, err := Binary(c.op, c.l, c.r, types.Bool)
		check(t, fmt.Sprintf("%v %s %v", render(c.l), c.op, render(c.r)), got, err, c.want)
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		op, s, pat string
		want       string
	}{
		{"LIKE", "hello", "hello", "t"},
		{"LIKE", "hello", "h%", "t"},
		{"LIKE", "hello", "%o", "t"},
		{"LIKE", "hello", "%ll%", "t"},
		{"LIKE", "hello", "h_llo", "t"},
		{"LIKE", "hello", "_ello", "t"},
		{"LIKE", "hello", "hell_", "t"},
		{"LIKE", "hello", "hell", "f"},
		{"LIKE", "hello", "_", "f"},
		{"LIKE", "", "%", "t"},
		{"LIKE", "", "_", "f"},
		{"LIKE", "", "", "t"},
		{"LIKE", "a", "", "f"},
		{"LIKE", "abc", "%%%", "t"},
		{"LIKE", "abc", "a%%c", "t"},
		{"LIKE", "abcbc", "a%bc", "t"},
		{"LIKE", "abcbd", "a%bc", "f"},
		{"LIKE", "aXbXc", "a%b%c", "t"},
		{"LIKE", "100%", `100\%`, "t"},
		{"LIKE", "1000", `100\%`, "f"},
		{"LIKE", "a_b", `a\_b`, "t"},
		{"LIKE", "axb", `a\_b`, "f"},
		{"LIKE", `a\b`, `a\\b`, "t"},
		{"LIKE", "ab", `\a\b`, "t"},
		{"LIKE", "abc", `abc\`, "ERR:22025"},
		{"LIKE", "Hello", "hello", "f"},
		{"LIKE", "héllo", "h_llo", "t"},
		{"LIKE", "日本語", "__語", "t"},
		{"LIKE", "日本語", "_語", "f"},
		{"NOT LIKE", "hello", "h%", "f"},
		{"NOT LIKE", "hello", "x%", "t"},
		{"ILIKE", "Hello", "hello", "t"},
		{"ILIKE", "HELLO", "h%O", "t"},
		{"ILIKE", "ÉCOLE", "école", "t"},
		{"ILIKE", "straße", "STRASSE", "f"},
		{"ILIKE", "ΣΟΦΙΑ", "σοφια", "t"},
		{"ILIKE", "Привет", "пр_вет", "t"},
		{"NOT ILIKE", "Hello", "HELLO", "f"},
		{"~", "foo123", `\d+`, "t"},
		{"~", "foo", `^\d+$`, "f"},
		{"!~", "foo", `\d`, "t"},
		{"~*", "FOO", "^foo$", "t"},
		{"!~*", "FOO", "^foo$", "f"},
		{"~", "x", "(", "ERR:2201B"},
	}
	for _, c := range cases {
		got, err := Binary(c.op, c.s, c.pat, types.Bool)
		check(t, fmt.Sprintf("%q %s %q", c.s, c.op, c.pat), got, err, c.want)
	}
	// The compiled pattern is cached and reusable.
	p1, err := CompileLike("a%", false)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := CompileLike("a%", false)
	if p1 != p2 || !p1.Match("abc") || p1.Match("bac") {
		t.Errorf("CompileLike cache or match broken")
	}
}

func TestConcatAndJSONOps(t *testing.T) {
	obj := doc(`{"a":1,"b":{"c":[10,20,"x"]},"s":"str","n":null,"t":true,"f":1.5}`)
	cases := []struct {
		op   string
		l, r types.Value
		want string
	}{
		{"||", "a", "b", "ab"},
		{"||", "a", int64(1), "a1"},
		{"||", "a", true, "atrue"},
		{"||", "a", dec("1.50"), "a1.50"},
		{"||", int64(1), "a", "1a"},
		{"||", []byte("a"), []byte("b"), `\x6162`},
		{"||", doc(`{"a":1}`), doc(`{"b":2,"a":3}`), `{"a":3,"b":2}`},
		{"||", doc(`[1]`), doc(`[2,3]`), `[1,2,3]`},
		{"||", doc(`[1]`), int64(2), `[1,2]`},
		{"->", obj, "a", "1"},
		{"->", obj, "b", `{"c":[10,20,"x"]}`},
		{"->", obj, "missing", "NULL"},
		{"->", obj, "s", "str"},
		{"->", doc(`[1,2,3]`), int64(0), "1"},
		{"->", doc(`[1,2,3]`), int64(-1), "3"},
		{"->", doc(`[1,2,3]`), int64(3), "NULL"},
		{"->", doc(`[1,2,3]`), "a", "NULL"},
		{"->", "scalar", "a", "NULL"},
		{"->", `{"a":{"b":2}}`, "a", `{"b":2}`},
		{"->>", obj, "s", "str"},
		{"->>", obj, "a", "1"},
		{"->>", obj, "f", "1.5"},
		{"->>", obj, "t", "true"},
		{"->>", obj, "n", "NULL"},
		{"->>", obj, "b", `{"c":[10,20,"x"]}`},
		{"@>", obj, doc(`{"a":1}`), "t"},
		{"@>", obj, doc(`{"a":2}`), "f"},
		{"@>", obj, doc(`{"b":{"c":[20]}}`), "t"},
		{"@>", obj, doc(`{"b":{"c":[30]}}`), "f"},
		{"@>", doc(`[1,2,3]`), doc(`[3,1]`), "t"},
		{"@>", doc(`[1,2,3]`), int64(2), "t"},
		{"@>", doc(`[1,[2,3]]`), doc(`[[3]]`), "t"},
		{"@>", doc(`{"a":1}`), doc(`[1]`), "f"},
		{"@>", doc(`{"a":1}`), doc(`{}`), "t"},
		{"@>", doc(`{"a":1}`), doc(`{"a":1.0}`), "t"},
		{"<@", doc(`{"a":1}`), obj, "t"},
		{"?", obj, "a", "t"},
		{"?", obj, "zz", "f"},
		{"?", doc(`["a","b"]`), "b", "t"},
		{"?", doc(`[1]`), "1", "f"},
	}
	for _, c := range cases {
		rt := types.Bool
		got, err := Binary(c.op, c.l, c.r, rt)
		check(t, fmt.Sprintf("%v %s %v", render(c.l), c.op, render(c.r)), got, err, c.want)
	}
}

func TestTimeArithmetic(t *testing.T) {
	d := ts("2024-01-31")
	cases := []struct {
		op   string
		l, r types.Value
		rt   types.T
		want string
	}{
		{"+", d, Interval{Months: 1}, types.Timestamp, "2024-02-29 00:00:00"},
		{"+", d, "1 month", types.Timestamp, "2024-02-29 00:00:00"},
		{"+", d, "1 day 2 hours", types.Timestamp, "2024-02-01 02:00:00"},
		{"-", d, "1 hour", types.Timestamp, "2024-01-30 23:00:00"},
		{"+", Interval{Days: 1}, d, types.Timestamp, "2024-02-01 00:00:00"},
		{"-", ts("2024-03-01"), ts("2024-01-01 01:00"), IntervalType, "59 days 23:00:00"},
		{"-", ts("2024-03-01"), ts("2024-01-01"), types.Int4, "60"},
		{"+", ts("2024-03-01"), int64(3), types.Date, "2024-03-04 00:00:00"},
		{"-", ts("2024-03-01"), int64(1), types.Date, "2024-02-29 00:00:00"},
		{"-", ts("2024-03-01"), "2024-02-01", IntervalType, "29 days"},
		{"+", Interval{Days: 1}, Interval{Micros: microsPerHour}, IntervalType, "1 day 01:00:00"},
		{"-", Interval{Days: 1}, "2 days", IntervalType, "-1 days"},
		{"*", Interval{Days: 1}, int64(3), IntervalType, "3 days"},
		{"*", 1.5, Interval{Days: 1}, IntervalType, "1 day 12:00:00"},
		{"/", Interval{Days: 1}, int64(2), IntervalType, "12:00:00"},
		{"/", Interval{Days: 1}, int64(0), IntervalType, "ERR:22012"},
		{"+", d, "nonsense", types.Timestamp, "ERR:22007"},
		{"*", d, int64(2), types.Timestamp, "ERR:42883"},
	}
	for _, c := range cases {
		got, err := Binary(c.op, c.l, c.r, c.rt)
		check(t, fmt.Sprintf("%v %s %v", render(c.l), c.op, render(c.r)), got, err, c.want)
	}
}

func TestBinaryType(t *testing.T) {
	type T = types.T
	cases := []struct {
		op   string
		l, r T
		want T
		err  bool
	}{
		{"+", types.Int4, types.Int4, types.Int4, false},
		// intervals
		{"+", types.Interval, types.Interval, types.Interval, false},
		{"-", types.Interval, types.Unknown, types.Interval, false},
		{"*", types.Int4, types.Interval, types.Interval, false},
		{"*", types.Interval, types.Numeric, types.Interval, false},
		{"/", types.Interval, types.Float8, types.Interval, false},
		{"/", types.Int4, types.Interval, types.Unknown, true},
		{"+", types.Interval, types.Int4, types.Unknown, true},
		{"+", types.Timestamp, types.Interval, types.Timestamp, false},
		{"+", types.Date, types.Interval, types.Timestamp, false},
		{"-", types.Timestamp, types.Timestamp, types.Interval, false},
		{"<", types.Interval, types.Interval, types.Bool, false},
		{"+", types.Int2, types.Int4, types.Int4, false},
		{"+", types.Int2, types.Int2, types.Int2, false},
		{"+", types.Int4, types.Int8, types.Int8, false},
		{"+", types.Int4, types.Float8, types.Float8, false},
		{"+", types.Float4, types.Float4, types.Float4, false},
		{"+", types.Float4, types.Int4, types.Float8, false},
		{"+", types.Int4, types.Numeric, types.Numeric, false},
		{"+", types.Numeric, types.Float8, types.Float8, false},
		{"+", types.Unknown, types.Int4, types.Int4, false},
		{"+", types.Numeric, types.Unknown, types.Numeric, false},
		{"+", types.Doc, types.Int4, types.Doc, false},
		{"+", types.Int4, types.Bool, 0, true},
		{"+", types.Text, types.Int4, 0, true},
		{"%", types.Float8, types.Float8, 0, true},
		{"^", types.Int4, types.Int4, types.Float8, false},
		{"^", types.Numeric, types.Int4, types.Numeric, false},
		{"/", types.Int8, types.Int8, types.Int8, false},
		{"-", types.Timestamp, types.Timestamp, IntervalType, false},
		{"-", types.Date, types.Date, types.Int4, false},
		{"+", types.Date, types.Int4, types.Date, false},
		{"+", types.Timestamptz, types.Unknown, types.Timestamptz, false},
		{"+", types.Timestamptz, IntervalType, types.Timestamptz, false},
		{"=", types.Int4, types.Numeric, types.Bool, false},
		{"=", types.Int4, types.Text, 0, true},
		{"=", types.Text, types.Unknown, types.Bool, false},
		{"<", types.Timestamp, types.Date, types.Bool, false},
		{"=", types.Doc, types.Int4, types.Bool, false},
		{"IS DISTINCT FROM", types.Int4, types.Int8, types.Bool, false},
		{"LIKE", types.Text, types.Unknown, types.Bool, false},
		{"LIKE", types.Int4, types.Text, 0, true},
		{"~*", types.Varchar, types.Text, types.Bool, false},
		{"||", types.Text, types.Int4, types.Text, false},
		{"||", types.Int4, types.Int4, 0, true},
		{"||", types.JSONB, types.JSONB, types.JSONB, false},
		{"||", types.Bytea, types.Bytea, types.Bytea, false},
		{"->", types.JSONB, types.Text, types.JSONB, false},
		{"->", types.Doc, types.Text, types.Doc, false},
		{"->", types.Doc, types.Int4, types.Doc, false},
		{"->", types.Int4, types.Text, 0, true},
		{"->>", types.JSON, types.Text, types.Text, false},
		{"@>", types.JSONB, types.JSONB, types.Bool, false},
		{"?", types.JSONB, types.Text, types.Bool, false},
		{"&", types.Int4, types.Int8, types.Int8, false},
		{"<<", types.Int2, types.Int4, types.Int2, false},
		{"&", types.Float8, types.Int4, 0, true},
		{"???", types.Int4, types.Int4, 0, true},
	}
	for _, c := range cases {
		got, err := BinaryType(c.op, c.l, c.r)
		if c.err {
			if err == nil || errs.Code(err) != errs.UndefinedFunction {
				t.Errorf("%s %s %s: got %s, %v; want 42883", c.l, c.op, c.r, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s %s: got %s, %v; want %s", c.l, c.op, c.r, got, err, c.want)
		}
	}
	_, err := BinaryType("+", types.Int4, types.Bool)
	if err == nil || err.Error() != "operator does not exist: integer + boolean" {
		t.Errorf("message: %v", err)
	}
}

func TestUnaryMinus(t *testing.T) {
	cases := []struct {
		v    types.Value
		t    types.T
		want string
	}{
		{int64(5), types.Int8, "-5"},
		{int64(math.MinInt64), types.Int8, "ERR:22003"},
		{int64(math.MinInt32), types.Int4, "ERR:22003"},
		{int64(math.MinInt16), types.Int2, "ERR:22003"},
		{int64(math.MinInt32), types.Int8, "2147483648"},
		{1.5, types.Float8, "-1.5"},
		{dec("2.50"), types.Numeric, "-2.50"},
		{nil, types.Int4, "NULL"},
		{Interval{Days: 1}, IntervalType, "-1 days"},
		{"3", types.Unknown, "-3"},
		{true, types.Bool, "ERR:42883"},
	}
	for _, c := range cases {
		got, err := UnaryMinus(c.v, c.t)
		check(t, "-"+render(c.v), got, err, c.want)
	}
}

func TestIntervalParseAndFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{"5 minutes", "00:05:00"},
		{"1 day", "1 day"},
		{"2 days", "2 days"},
		{"-1 day", "-1 days"},
		{"1 day -2 hours", "1 day -02:00:00"},
		{"-1 days 2 hours", "-1 days +02:00:00"},
		{"90 minutes", "01:30:00"},
		{"1.5 days", "1 day 12:00:00"},
		{"2 years 14 months", "3 years 2 mons"},
		{"-1 mons -2 days", "-1 mons -2 days"},
		{"1h30m", "01:30:00"},
		{"90s", "00:01:30"},
		{"1 week", "7 days"},
		{"02:03:04.5", "02:03:04.5"},
		{"1 day 02:00:00", "1 day 02:00:00"},
		{"3 hours ago", "-03:00:00"},
		{"P1DT2H", "1 day 02:00:00"},
		{"P1Y2M", "1 year 2 mons"},
		{"0", "00:00:00"},
		{"10", "00:00:10"},
		{"1 fortnight", "ERR:22007"},
		{"", "ERR:22007"},
	}
	for _, c := range cases {
		iv, err := ParseInterval(c.in)
		var v types.Value = iv
		check(t, "interval "+c.in, v, err, c.want)
	}
}

func TestErrorCodesAreTyped(t *testing.T) {
	_, err := Binary("/", int64(1), int64(0), types.Int8)
	if e, ok := errs.As(err); !ok || e.Message != "division by zero" {
		t.Errorf("division by zero: %v", err)
	}
	_, err = Binary("+", int64(math.MaxInt32), int64(1), types.Int4)
	if err == nil || err.Error() != "integer out of range" {
		t.Errorf("int4 overflow message: %v", err)
	}
	_, err = Binary("+", int64(math.MaxInt64), int64(1), types.Int8)
	if err == nil || err.Error() != "bigint out of range" {
		t.Errorf("int8 overflow message: %v", err)
	}
}
