package funcs

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

type fcase struct {
	name string
	args []types.Value
	want string
}

func a(v ...types.Value) []types.Value { return v }

func runCases(t *testing.T, cases []fcase) {
	t.Helper()
	for _, c := range cases {
		got, err := call(c.name, c.args...)
		parts := make([]string, len(c.args))
		for i, x := range c.args {
			parts[i] = render(x)
		}
		check(t, fmt.Sprintf("%s(%s)", c.name, strings.Join(parts, ", ")), got, err, c.want)
	}
}

func TestMathFunctions(t *testing.T) {
	runCases(t, []fcase{
		{"abs", a(int64(-3)), "3"},
		{"abs", a(int64(math.MinInt64)), "ERR:22003"},
		{"abs", a(-1.5), "1.5"},
		{"abs", a(dec("-1.50")), "1.50"},
		{"abs", a(nil), "NULL"},
		{"ceil", a(dec("-1.5")), "-1"},
		{"ceiling", a(1.2), "2"},
		{"ceil", a(int64(1)), "1"},
		{"floor", a(-1.5), "-2"},
		{"floor", a(dec("1.7")), "1"},
		{"round", a(2.5), "2"},
		{"round", a(3.5), "4"},
		{"round", a(dec("2.5")), "3"},
		{"round", a(dec("-2.5")), "-3"},
		{"round", a(dec("1.234567"), int64(2)), "1.23"},
		{"round", a(dec("-1.235"), int64(2)), "-1.24"},
		{"round", a(dec("1234.5"), int64(-2)), "1200"},
		{"round", a(1.2345, int64(2)), "1.23"},
		{"round", a(int64(5), int64(1)), "5.0"},
		{"trunc", a(dec("1.999"), int64(1)), "1.9"},
		{"trunc", a(-2.7), "-2"},
		{"trunc", a(dec("-2.7")), "-2"},
		{"sqrt", a(4.0), "2"},
		{"sqrt", a(int64(2)), "1.4142135623730951"},
		{"sqrt", a(dec("2.0")), "1.414213562373095"},
		{"sqrt", a(dec("100.00")), "10.000000000000000"},
		{"sqrt", a(dec("10000000000")), "100000.00000000000"},
		{"sqrt", a(-1.0), "ERR:2201F"},
		{"sqrt", a(dec("-1")), "ERR:2201F"},
		{"power", a(int64(2), int64(10)), "1024"},
		{"pow", a(dec("2.0"), int64(10)), "1024.0000000000000000"},
		{"power", a(dec("1.5"), int64(2)), "2.2500000000000000"},
		{"power", a(0.0, -1.0), "ERR:2201F"},
		{"power", a(10.0, 400.0), "ERR:22003"},
		{"exp", a(0.0), "1"},
		{"exp", a(dec("1.0")), "2.7182818284590452"},
		{"exp", a(dec("2.0")), "7.3890560989306502"},
		{"exp", a(dec("0.5")), "1.6487212707001281"},
		{"exp", a(1000.0), "ERR:22003"},
		{"ln", a(dec("2.0")), "0.6931471805599453"},
		{"ln", a(dec("10.0")), "2.3025850929940457"},
		{"ln", a(dec("0.5")), "-0.6931471805599453"},
		{"ln", a(dec("1000.0")), "6.9077552789821371"},
		{"ln", a(dec("1.0001")), "0.00009999500033330834"},
		{"ln", a(0.0), "ERR:2201E"},
		{"ln", a(int64(-1)), "ERR:2201E"},
		{"log", a(int64(100)), "2"},
		{"log", a(dec("1000.0")), "3.0000000000000000"},
		{"log", a(dec("2.0"), dec("8.0")), "3.0000000000000000"},
		{"log", a(2.0, 8.0), "3"},
		{"log10", a(int64(1000)), "3"},
		{"mod", a(int64(7), int64(3)), "1"},
		{"mod", a(int64(-7), int64(3)), "-1"},
		{"mod", a(dec("7.5"), int64(2)), "1.5"},
		{"mod", a(int64(7), int64(0)), "ERR:22012"},
		{"div", a(int64(7), int64(2)), "3"},
		{"div", a(int64(7), int64(0)), "ERR:22012"},
		{"sign", a(int64(-3)), "-1"},
		{"sign", a(dec("0.0")), "0"},
		{"sign", a(2.5), "1"},
		{"pi", nil, "3.141592653589793"},
		{"degrees", a(math.Pi), "180"},
		{"gcd", a(int64(12), int64(18)), "6"},
	})
	r, err := call("random")
	if f, ok := r.(float64); err != nil || !ok || f < 0 || f >= 1 {
		t.Errorf("random() = %v, %v", r, err)
	}
	if f, _ := Lookup("random"); !f.Volatile {
		t.Errorf("random must be volatile")
	}
}

func TestStringFunctions(t *testing.T) {
	runCases(t, []fcase{
		{"length", a("héllo"), "5"},
		{"char_length", a(""), "0"},
		{"character_length", a("日本"), "2"},
		{"length", a([]byte{1, 2, 3}), "3"},
		{"length", a(nil), "NULL"},
		{"octet_length", a("é"), "2"},
		{"lower", a("HeLLo ÉCOLE"), "hello école"},
		{"upper", a("straße"), "STRAßE"},
		{"initcap", a("hello wORLD foo_bar 3rd"), "Hello World Foo_Bar 3rd"},
		{"trim", a("  hi  "), "hi"},
		{"btrim", a("xxhixx", "x"), "hi"},
		{"ltrim", a("  hi  "), "hi  "},
		{"rtrim", a("xyhixy", "xy"), "xyhi"},
		{"substr", a("hello", int64(2)), "ello"},
		{"substring", a("hello", int64(2), int64(3)), "ell"},
		{"substring", a("hello", int64(0), int64(3)), "he"},
		{"substring", a("hello", int64(-2), int64(5)), "he"},
		{"substring", a("hello", int64(10)), ""},
		{"substring", a("héllo", int64(2), int64(2)), "él"},
		{"substring", a("hello", int64(1), int64(-1)), "ERR:22011"},
		{"substring", a("foo123bar", `\d+`), "123"},
		{"substring", a("foo123bar", `o(\d)`), "1"},
		{"substring", a([]byte("hello"), int64(2), int64(2)), `\x656c`},
		{"strpos", a("hello", "l"), "3"},
		{"strpos", a("héllo", "l"), "3"},
		{"position", a("hello", "lo"), "4"},
		{"strpos", a("hello", "z"), "0"},
		{"replace", a("abcabc", "b", "X"), "aXcaXc"},
		{"replace", a("abc", "", "X"), "abc"},
		{"translate", a("12345", "143", "ax"), "a2x5"},
		{"concat", a("a", nil, int64(1), true), "a1t"},
		{"concat", a(nil, nil), ""},
		{"concat_ws", a(",", "a", nil, "b"), "a,b"},
		{"concat_ws", a(nil, "a", "b"), "NULL"},
		{"left", a("hello", int64(2)), "he"},
		{"left", a("hello", int64(-2)), "hel"},
		{"left", a("hello", int64(10)), "hello"},
		{"right", a("hello", int64(2)), "lo"},
		{"right", a("hello", int64(-2)), "llo"},
		{"lpad", a("hi", int64(5), "xy"), "xyxhi"},
		{"lpad", a("hello", int64(3)), "hel"},
		{"lpad", a("hi", int64(4)), "  hi"},
		{"rpad", a("hi", int64(5), "xy"), "hixyx"},
		{"rpad", a("hi", int64(-1)), ""},
		{"repeat", a("ab", int64(3)), "ababab"},
		{"repeat", a("ab", int64(0)), ""},
		{"repeat", a("ab", int64(-1)), ""},
		{"repeat", a("ab", int64(1<<40)), "ERR:54000"},
		{"reverse", a("abc日"), "日cba"},
		{"split_part", a("a,b,c", ",", int64(2)), "b"},
		{"split_part", a("a,b,c", ",", int64(-1)), "c"},
		{"split_part", a("a,b,c", ",", int64(5)), ""},
		{"split_part", a("a,b,c", ",", int64(0)), "ERR:22023"},
		{"starts_with", a("hello", "he"), "t"},
		{"starts_with", a("hello", "lo"), "f"},
		{"md5", a("abc"), "900150983cd24fb0d6963f7d28e17f72"},
		{"encode", a([]byte("hello"), "base64"), "aGVsbG8="},
		{"encode", a([]byte("hi"), "hex"), "6869"},
		{"encode", a([]byte("hi"), "rot13"), "ERR:22023"},
		{"decode", a("aGVsbG8=", "base64"), `\x68656c6c6f`},
		{"decode", a("6869", "hex"), `\x6869`},
		{"decode", a("zz", "hex"), "ERR:22023"},
		{"to_hex", a(int64(255)), "ff"},
		{"to_hex", a(int64(-1)), "ffffffff"},
		{"to_hex", a(int64(1) << 40), "10000000000"},
		{"chr", a(int64(233)), "é"},
		{"chr", a(int64(0)), "ERR:54000"},
		{"ascii", a("é"), "233"},
		{"ascii", a(""), "0"},
		{"quote_ident", a("a b"), `"a b"`},
		{"quote_ident", a("abc"), "abc"},
		{"quote_literal", a("it's"), "'it''s'"},
		{"format", a("%s|%I|%L|%L|%%|%2$s", "a", "My Col", nil, "it's"), `a|"My Col"|NULL|'it''s'|%|My Col`},
		{"format", a("%s %s", "a"), "ERR:22023"},
		{"format", a("x=%s", dec("1.50")), "x=1.50"},
		{"regexp_replace", a("aaa", "a", "b"), "baa"},
		{"regexp_replace", a("aAa", "a", "b", "gi"), "bbb"},
		{"regexp_replace", a("abc", "(b)", `[\1\&]`), "a[bb]c"},
		{"regexp_replace", a("a$b", `\$`, "$"), "a$b"},
		{"regexp_match", a("foo123bar45", `(\d+)\D+(\d+)`), `["123","45"]`},
		{"regexp_match", a("abc", "b"), `["b"]`},
		{"regexp_match", a("abc", "z"), "NULL"},
		{"regexp_like", a("ABC", "b", "i"), "t"},
	})
}

func TestConditionalFunctions(t *testing.T) {
	runCases(t, []fcase{
		{"coalesce", a(nil, nil, int64(3), int64(4)), "3"},
		{"coalesce", a(nil, nil), "NULL"},
		{"nullif", a(int64(1), int64(1)), "NULL"},
		{"nullif", a(int64(1), int64(2)), "1"},
		{"nullif", a(int64(1), nil), "1"},
		{"nullif", a(nil, int64(1)), "NULL"},
		{"nullif", a(int64(1), 1.0), "NULL"},
		{"greatest", a(int64(1), nil, 2.5, int64(2)), "2.5"},
		{"least", a("b", "a", nil), "a"},
		{"least", a(nil, nil), "NULL"},
	})
	f, _ := Lookup("coalesce")
	if f.Strict {
		t.Errorf("coalesce must not be strict")
	}
	if ty, err := f.Type([]types.T{types.Unknown, types.Int4, types.Numeric}); err != nil || ty != types.Numeric {
		t.Errorf("coalesce type: %s %v", ty, err)
	}
	if _, err := f.Type([]types.T{types.Int4, types.Text}); errs.Code(err) != errs.DatatypeMismatch {
		t.Errorf("coalesce(int, text) error: %v", err)
	}
}

func TestTimeFunctions(t *testing.T) {
	fixed := ts("2024-03-05 14:07:09.123456")
	runCases(t, []fcase{
		{"now", nil, "2024-03-15 10:20:30.123456"},
		{"current_timestamp", nil, "2024-03-15 10:20:30.123456"},
		{"transaction_timestamp", nil, "2024-03-15 10:20:30.123456"},
		{"statement_timestamp", nil, "2024-03-15 10:20:30.123456"},
		{"current_date", nil, "2024-03-15 00:00:00"},
		{"date_trunc", a("microseconds", fixed), "2024-03-05 14:07:09.123456"},
		{"date_trunc", a("milliseconds", fixed), "2024-03-05 14:07:09.123"},
		{"date_trunc", a("second", fixed), "2024-03-05 14:07:09"},
		{"date_trunc", a("minute", fixed), "2024-03-05 14:07:00"},
		{"date_trunc", a("hour", fixed), "2024-03-05 14:00:00"},
		{"date_trunc", a("day", fixed), "2024-03-05 00:00:00"},
		{"date_trunc", a("week", ts("2024-03-17 10:00")), "2024-03-11 00:00:00"},
		{"date_trunc", a("week", ts("2024-03-11 10:00")), "2024-03-11 00:00:00"},
		{"date_trunc", a("month", fixed), "2024-03-01 00:00:00"},
		{"date_trunc", a("quarter", ts("2024-05-17")), "2024-04-01 00:00:00"},
		{"date_trunc", a("YEAR", fixed), "2024-01-01 00:00:00"},
		{"date_trunc", a("decade", fixed), "2020-01-01 00:00:00"},
		{"date_trunc", a("century", fixed), "2001-01-01 00:00:00"},
		{"date_trunc", a("millennium", fixed), "2001-01-01 00:00:00"},
		{"date_trunc", a("fortnight", fixed), "ERR:22023"},
		{"date_trunc", a("day", "2024-03-05 10:00"), "2024-03-05 00:00:00"},
		{"extract", a("second", fixed), "9.123456"},
		{"extract", a("milliseconds", fixed), "9123.456"},
		{"extract", a("microseconds", fixed), "9123456"},
		{"extract", a("year", fixed), "2024"},
		{"extract", a("month", fixed), "3"},
		{"extract", a("day", fixed), "5"},
		{"extract", a("hour", fixed), "14"},
		{"extract", a("minute", fixed), "7"},
		{"extract", a("epoch", ts("2024-03-15 10:20:30.5")), "1710498030.500000"},
		{"extract", a("dow", ts("2024-03-17")), "0"},
		{"extract", a("isodow", ts("2024-03-17")), "7"},
		{"extract", a("doy", ts("2024-03-15")), "75"},
		{"extract", a("week", ts("2024-01-01")), "1"},
		{"extract", a("isoyear", ts("2024-12-30")), "2025"},
		{"extract", a("quarter", ts("2024-05-01")), "2"},
		{"extract", a("century", ts("2000-01-01")), "20"},
		{"extract", a("decade", ts("2024-01-01")), "202"},
		{"extract", a("millennium", ts("2001-01-01")), "3"},
		{"extract", a("julian", ts("2024-01-01")), "2460311"},
		{"extract", a("epoch", Interval{Days: 1, Micros: 2 * microsPerHour}), "93600.000000"},
		{"extract", a("hour", Interval{Days: 1, Micros: 2 * microsPerHour}), "2"},
		{"extract", a("bogus", fixed), "ERR:22023"},
		{"date_part", a("year", fixed), "2024"},
		{"date_part", a("second", fixed), "9.123456"},
		{"to_char", a(fixed, "YYYY-MM-DD HH24:MI:SS.MS"), "2024-03-05 14:07:09.123"},
		{"to_char", a(fixed, `US HH12 AM Mon Month Dy Day DDD D YY Q "lit" FMMonth`),
			"123456 02 PM Mar March     Tue Tuesday   065 3 24 1 lit March"},
		{"to_char", a(ts("2024-01-01 00:05"), "HH12:MI am"), "12:05 am"},
		{"to_char", a(dec("1234.5"), "9999.99"), " 1234.50"},
		{"to_char", a(int64(-42), "FM999"), "-42"},
		{"to_timestamp", a(int64(1700000000)), "2023-11-14 22:13:20"},
		{"to_timestamp", a(1700000000.5), "2023-11-14 22:13:20.5"},
		{"to_timestamp", a("2024-03-05 14:07:09", "YYYY-MM-DD HH24:MI:SS"), "2024-03-05 14:07:09"},
		{"to_timestamp", a("05 Mar 2024 02PM", "DD Mon YYYY HHPM"), "2024-03-05 14:00:00"},
		{"to_timestamp", a("2024-13-05", "YYYY-MM-DD"), "ERR:22008"},
		{"to_date", a("2024-03-05", "YYYY-MM-DD"), "2024-03-05 00:00:00"},
		{"make_date", a(int64(2024), int64(2), int64(29)), "2024-02-29 00:00:00"},
		{"make_date", a(int64(2023), int64(2), int64(29)), "ERR:22008"},
		{"age", a(ts("2024-03-15"), ts("2023-01-20 12:00")), "1 year 1 mon 25 days 12:00:00"},
		{"age", a(ts("2023-01-20"), ts("2024-03-15")), "-1 years -1 mons -26 days"},
		{"age", a(ts("2000-03-15")), "24 years"},
		{"time_bucket", a("5 minutes", ts("2024-03-05 14:07:09")), "2024-03-05 14:05:00"},
		{"time_bucket", a(Interval{Micros: microsPerHour}, ts("2024-03-05 14:07:09")), "2024-03-05 14:00:00"},
		{"time_bucket", a("1 day", ts("2024-03-05 14:07:09")), "2024-03-05 00:00:00"},
		{"time_bucket", a("7 days", ts("1970-01-09")), "1970-01-08 00:00:00"},
		{"time_bucket", a("15 minutes", ts("1969-12-31 23:59:00")), "1969-12-31 23:45:00"},
		{"time_bucket", a("1 month", ts("2024-03-05")), "2024-03-01 00:00:00"},
		{"time_bucket", a("3 months", ts("2024-05-05")), "2024-04-01 00:00:00"},
		{"time_bucket", a("1 hour", ts("2024-03-05 14:07"), ts("2024-01-01 00:30")), "2024-03-05 13:30:00"},
		{"time_bucket", a(int64(5), int64(12)), "10"},
		{"time_bucket", a(int64(5), int64(-1)), "-5"},
		{"time_bucket", a("0 minutes", ts("2024-03-05")), "ERR:22023"},
		{"time_bucket", a("bogus", ts("2024-03-05")), "ERR:22007"},
	})
	if f, _ := Lookup("now"); !f.Volatile {
		t.Errorf("now() must not be constant-folded")
	}
	f, _ := Lookup("date_trunc")
	if ty, _ := f.Type([]types.T{types.Text, types.Timestamp}); ty != types.Timestamp {
		t.Errorf("date_trunc(text, timestamp) type %s", ty)
	}
	if ty, _ := f.Type([]types.T{types.Text, types.Date}); ty != types.Timestamptz {
		t.Errorf("date_trunc(text, date) type %s", ty)
	}
}

func TestJSONAndDocFunctions(t *testing.T) {
	d := doc(`{"a":{"b":[{"x":1},{"x":2,"y":"z"}]},"k.e":3,"arr":[1,2,3],"s":"t"}`)
	runCases(t, []fcase{
		{"doc_get", a(d, "$"), jsonText(d)},
		{"doc_get", a(d, "$.a.b[1].x"), "2"},
		{"doc_get", a(d, "$.a.b[0]"), `{"x":1}`},
		{"doc_get", a(d, "$.a.b[-1].y"), "z"},
		{"doc_get", a(d, "$.a.b[last].y"), "z"},
		{"doc_get", a(d, "$['k.e']"), "3"},
		{"doc_get", a(d, `$["a"]['b'][0].x`), "1"},
		{"doc_get", a(d, "$.a.b[*].x"), "[1,2]"},
		{"doc_get", a(d, "$.missing.deeper"), "NULL"},
		{"doc_get", a(d, "$.arr[7]"), "NULL"},
		{"doc_get", a(d, "$.s.x"), "NULL"},
		{"doc_get", a(d, "a.b[1].x"), "2"},
		{"doc_get", a(`{"total": 12.5}`, "$.total"), "12.5"},
		{"doc_get", a(d, "$.a["), "ERR:22023"},
		{"doc_get", a(nil, "$.a"), "NULL"},
		{"json_build_object", a("a", int64(1), "b", nil, "c", ts("2024-01-01")), `{"a" : 1, "b" : null, "c" : "2024-01-01T00:00:00Z"}`},
		{"json_build_object", a("a"), "ERR:22023"},
		{"json_build_object", a(nil, int64(1)), "ERR:22004"},
		{"jsonb_build_object", nil, "{}"},
		{"json_build_array", a(int64(1), "a", nil, true), `[1, "a", null, true]`},
		{"to_json", a("x"), `"x"`},
		{"to_jsonb", a(doc(`{"a":[1]}`)), `{"a":[1]}`},
		{"json_typeof", a(d), "object"},
		{"jsonb_typeof", a(doc(`[1]`)), "array"},
		{"json_typeof", a(int64(1)), "number"},
		{"json_typeof", a("s"), "string"},
		{"json_typeof", a(true), "boolean"},
		{"json_typeof", a(`{"a":1}`), "object"},
		{"json_array_length", a(doc(`[1,2,3]`)), "3"},
		{"json_array_length", a(`[]`), "0"},
		{"json_array_length", a(d), "ERR:22023"},
		{"json_extract_path", a(d, "a", "b", "1", "x"), "2"},
		{"json_extract_path", a(d, "nope"), "NULL"},
		{"json_extract_path_text", a(d, "s"), "t"},
		{"jsonb_extract_path_text", a(d, "a", "b", "0"), `{"x":1}`},
	})
}

func TestArrayFunctions(t *testing.T) {
	arr := []any{int64(1), nil, int64(3)}
	runCases(t, []fcase{
		{"array_length", a(arr, int64(1)), "3"},
		{"array_length", a([]any{}, int64(1)), "NULL"},
		{"array_length", a(arr, int64(2)), "NULL"},
		{"cardinality", a(arr), "3"},
		{"cardinality", a([]any{}), "0"},
		{"array_to_string", a(arr, ","), "1,3"},
		{"array_to_string", a(arr, ",", "*"), "1,*,3"},
		{"array_to_string", a(nil, ","), "NULL"},
		{"string_to_array", a("a,b,,c", ","), `["a","b","","c"]`},
		{"string_to_array", a("a,b,,c", ",", ""), `["a","b",null,"c"]`},
		{"string_to_array", a("abc", nil), `["a","b","c"]`},
		{"string_to_array", a("", ","), "[]"},
		{"array_append", a([]any{int64(1)}, int64(2)), "[1,2]"},
		{"array_prepend", a(int64(0), []any{int64(1)}), "[0,1]"},
		{"array_cat", a([]any{int64(1)}, []any{int64(2)}), "[1,2]"},
		{"array_position", a([]any{"a", "b"}, "b"), "2"},
		{"array_position", a([]any{"a", "b"}, "z"), "NULL"},
	})
}

func TestSystemFunctions(t *testing.T) {
	runCases(t, []fcase{
		{"version", nil, Version},
		{"current_user", nil, "alice"},
		{"session_user", nil, "alice"},
		{"user", nil, "alice"},
		{"current_database", nil, "nodedb"},
		{"current_schema", nil, "public"},
		{"current_schemas", a(true), `["pg_catalog","public"]`},
		{"current_schemas", a(false), `["public"]`},
		{"pg_backend_pid", nil, "0"},
		{"pg_catalog.version", nil, Version},
		{"typeof", a(int64(1)), "bigint"},
		{"pg_typeof", a(dec("1")), "numeric"},
		{"pg_typeof", a(nil), "unknown"},
		{"pg_typeof", a("x"), "text"},
		{"pg_typeof", a(ts("2024-01-01")), "timestamp with time zone"},
	})
	if !strings.HasPrefix(Version, "PostgreSQL 15.0 ") {
		t.Errorf("version must start with PostgreSQL 15.0")
	}
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, name := range []string{"gen_random_uuid", "uuid_generate_v4"} {
		u1, err := call(name)
		u2, _ := call(name)
		if err != nil || !uuidRe.MatchString(u1.(string)) || u1 == u2 {
			t.Errorf("%s: %v %v %v", name, u1, u2, err)
		}
		if f, _ := Lookup(name); !f.Volatile {
			t.Errorf("%s must be volatile", name)
		}
	}
	f, _ := Lookup("pg_typeof")
	got, err := f.Call(testCtx, []types.Value{int64(1)}, []types.T{types.Int4})
	if err != nil || got != "integer" {
		t.Errorf("pg_typeof(int4) = %v, %v", got, err)
	}
}

func TestFunctionTypes(t *testing.T) {
	T := func(ts ...types.T) []types.T { return ts }
	cases := []struct {
		name string
		args []types.T
		want types.T
		err  string
	}{
		{"abs", T(types.Int2), types.Int2, ""},
		{"abs", T(types.Numeric), types.Numeric, ""},
		{"sqrt", T(types.Int4), types.Float8, ""},
		{"sqrt", T(types.Numeric), types.Numeric, ""},
		{"ceil", T(types.Int4), types.Float8, ""},
		{"round", T(types.Numeric, types.Int4), types.Numeric, ""},
		{"round", T(types.Float8), types.Float8, ""},
		{"sign", T(types.Int4), types.Float8, ""},
		{"power", T(types.Int4, types.Int4), types.Float8, ""},
		{"power", T(types.Numeric, types.Int4), types.Numeric, ""},
		{"mod", T(types.Int2, types.Int2), types.Int2, ""},
		{"mod", T(types.Int4, types.Numeric), types.Numeric, ""},
		{"length", T(types.Text), types.Int4, ""},
		{"lower", T(types.Int4), 0, "function lower(integer) does not exist"},
		{"lower", T(types.Text, types.Text), 0, "function lower(text, text) does not exist"},
		{"substring", T(types.Text, types.Int4, types.Int4), types.Text, ""},
		{"substring", T(types.Bytea, types.Int4), types.Bytea, ""},
		{"concat", T(types.Text, types.Int4, types.Bool), types.Text, ""},
		{"now", T(), types.Timestamptz, ""},
		{"now", T(types.Int4), 0, "function now(integer) does not exist"},
		{"extract", T(types.Text, types.Timestamp), types.Numeric, ""},
		{"date_part", T(types.Text, types.Timestamp), types.Float8, ""},
		{"doc_get", T(types.Doc, types.Text), types.Doc, ""},
		{"json_build_object", T(types.Text, types.Int4), types.JSON, ""},
		{"time_bucket", T(types.Text, types.Timestamp), types.Timestamp, ""},
		{"time_bucket", T(types.Int8, types.Int8), types.Int8, ""},
		{"gen_random_uuid", T(), types.UUID, ""},
		{"coalesce", T(types.Unknown, types.Unknown), types.Text, ""},
		{"greatest", T(types.Int4, types.Float8), types.Float8, ""},
		{"string_to_array", T(types.Text, types.Text), types.Doc, ""},
	}
	for _, c := range cases {
		f, ok := Lookup(c.name)
		if !ok {
			t.Errorf("%s not registered", c.name)
			continue
		}
		got, err := f.Type(c.args)
		if c.err != "" {
			if err == nil || err.Error() != c.err || errs.Code(err) != errs.UndefinedFunction {
				t.Errorf("%s%v: got %s %v, want error %q", c.name, c.args, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s%v: got %s %v, want %s", c.name, c.args, got, err, c.want)
		}
	}
	if _, ok := Lookup("no_such_function"); ok {
		t.Errorf("unknown function found")
	}
	if _, ok := Lookup("PG_CATALOG.NOW"); !ok {
		t.Errorf("pg_catalog prefix / case not accepted")
	}
}

// Every strict function returns NULL on a NULL argument without error.
func TestStrictNullPropagation(t *testing.T) {
	for name, f := range registry {
		if !f.Strict || f.MinArgs == 0 {
			continue
		}
		args := make([]types.Value, f.MinArgs)
		got, err := f.Call(testCtx, args, nil)
		if err != nil || got != nil {
			t.Errorf("%s(NULL...) = %v, %v; want NULL", name, got, err)
		}
		if f.Type == nil || f.Eval == nil {
			t.Errorf("%s incomplete", name)
		}
	}
}
