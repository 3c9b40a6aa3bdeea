package columnar

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// decOf parses a decimal literal (NaN and Infinity included).
func decOf(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(fmt.Sprintf("decOf(%q): %v", s, err))
	}
	return d
}

// newRand returns a seeded generator and logs its seed: a test's seed is
// fixed (derived from its name) unless COLUMNAR_SEED sets one, so a
// failure replays with the logged seed.
func newRand(t testing.TB) *rand.Rand {
	t.Helper()
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	seed := h.Sum64()
	if s := os.Getenv("COLUMNAR_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("COLUMNAR_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with COLUMNAR_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// showValue formats a value for failure messages.
func showValue(x any) string {
	switch x := x.(type) {
	case nil:
		return "NULL"
	case *apd.Decimal:
		return "dec(" + x.String() + ")"
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T(%#v)", x, x)
}

// showAll formats values for failure messages.
func showAll(vals []any) string {
	s := make([]string, len(vals))
	for i, x := range vals {
		s[i] = showValue(x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// sameValue reports whether got is the value want that was appended: the
// same dynamic type and value (decimals: Cmp == 0 and the same text;
// floats: the same bits, so NaN equals itself).
func sameValue(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case *apd.Decimal:
		g, ok := got.(*apd.Decimal)
		if !ok || g == nil {
			return false
		}
		if w.Form != g.Form || w.Negative != g.Negative || w.String() != g.String() {
			return false
		}
		return w.Form != apd.Finite || w.Cmp(g) == 0
	case float64:
		g, ok := got.(float64)
		return ok && math.Float64bits(w) == math.Float64bits(g)
	}
	return reflect.DeepEqual(want, got)
}

// checkVector checks that v holds exactly vals.
func checkVector(t *testing.T, v *Vector, vals []any) {
	t.Helper()
	if v.Len() != len(vals) {
		t.Fatalf("Len() = %d, want %d", v.Len(), len(vals))
	}
	for i, want := range vals {
		if got := v.Get(i); !sameValue(want, got) {
			t.Errorf("Get(%d) = %s, want %s", i, showValue(got), showValue(want))
		}
		if got := v.Null(i); got != (want == nil) {
			t.Errorf("Null(%d) = %v, want %v", i, got, want == nil)
		}
	}
}

// buildVector is a vector of vals.
func buildVector(vals []any) *Vector { return buildHint(vals, -1) }

// buildHint is a vector of vals made by NewVector(hint), or the zero
// Vector when hint < 0.
func buildHint(vals []any, hint int) *Vector {
	v := &Vector{}
	if hint >= 0 {
		v = NewVector(hint)
	}
	for _, x := range vals {
		v.Append(x)
	}
	return v
}

// vectorHints are the ways a vector is made: the zero Vector, NewVector with
// no, little and much room.
var vectorHints = []int{-1, 0, 2, 1000}

// TestVectorRoundTrip: every kind of value comes back from Get as it was
// appended, with NULLs at the start, in the middle and at the end, and
// the vector takes the kind of its values.
func TestVectorRoundTrip(t *testing.T) {
	t0 := time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)
	zone := time.FixedZone("X", -(3*3600 + 30*60))
	cases := []struct {
		name string
		kind Kind
		vals []any
	}{
		{"int small", KindInt, []any{int64(0), int64(1), int64(7), int64(254), int64(255)}},
		{"int large and negative", KindInt, []any{
			int64(256), int64(-1), int64(-255), int64(-256), int64(1 << 40),
			int64(math.MaxInt64), int64(math.MinInt64), int64(math.MinInt64 + 1), int64(3),
		}},
		{"float", KindFloat, []any{
			0.0, math.Copysign(0, -1), 1.5, -2.25, math.MaxFloat64, math.SmallestNonzeroFloat64,
			math.Inf(1), math.Inf(-1), math.NaN(), 1e300,
		}},
		{"decimal", KindDecimal, []any{
			decOf("1.5"), decOf("0.05"), decOf("24"), decOf("-3.125"), decOf("1e30"), decOf("-1e30"),
			decOf("NaN"), decOf("Infinity"), decOf("-Infinity"), decOf("0"), decOf("-0"), decOf("0.000"),
			decOf("1E+2"), decOf("1.50"), decOf("9223372036854775807"), decOf("-9223372036854775808"),
			decOf("1234567890123456789012345678901234567890.123456789"), decOf("1E-30"),
			apd.New(-7, -18),
		}},
		{"decimal scaled", KindDecimal, []any{decOf("24"), decOf("1.5"), decOf("0.05"), decOf("-3.125"), decOf("0"), decOf("-0.001")}},
		{"time", KindTime, []any{
			t0, t0.In(zone), time.Time{}, time.Unix(0, 0), t0.Add(-time.Nanosecond),
			time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, zone),
		}},
		{"time within int64 nanoseconds", KindTime, []any{
			t0, t0.In(zone), time.Unix(0, 0).UTC(), time.Unix(0, 1), time.Unix(-1, 0),
			time.Date(1679, 1, 1, 0, 0, 0, 0, time.FixedZone("E14", 14*3600)),
			time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.FixedZone("W12", -12*3600)),
		}},
		{"string", KindString, []any{"", "a", "héllo", "with\x00nul", strings.Repeat("x", 1000), "a"}},
		{"bool", KindBool, []any{true, false, false, true}},
		{"bytes", KindAny, []any{[]byte("ab"), []byte{}, []byte(nil), []byte{0, 255}}},
		{"documents", KindAny, []any{
			map[string]any{"a": int64(1), "b": []any{"x", nil}},
			map[string]any{},
			[]any{int64(1), "two"},
		}},
		{"other Go types", KindAny, []any{int(5), int32(-3), float32(1.25), uint64(math.MaxUint64)}},
	}
	for _, tc := range cases {
		n := len(tc.vals)
		variants := []struct {
			name string
			vals []any
		}{
			{"no NULL", tc.vals},
			{"NULL first", append([]any{nil}, tc.vals...)},
			{"NULLs first", append([]any{nil, nil, nil}, tc.vals...)},
			{"NULL middle", slices.Concat(tc.vals[:n/2], []any{nil}, tc.vals[n/2:])},
			{"NULL last", append(slices.Clone(tc.vals), nil)},
			{"NULLs everywhere", slices.Concat([]any{nil}, tc.vals[:1], []any{nil, nil}, tc.vals[1:], []any{nil})},
		}
		for _, vr := range variants {
			t.Run(tc.name+"/"+vr.name, func(t *testing.T) {
				for _, hint := range vectorHints {
					v := buildHint(vr.vals, hint)
					if v.Kind() != tc.kind {
						t.Errorf("hint %d: Kind() = %d, want %d", hint, v.Kind(), tc.kind)
					}
					checkVector(t, v, vr.vals)
					if v.Bytes() <= 0 {
						t.Errorf("hint %d: Bytes() = %d, want > 0", hint, v.Bytes())
					}
				}
			})
		}
	}
}

// TestVectorNullsOnly: a vector of NULLs is of KindNull and returns nil;
// an empty vector has length 0.
func TestVectorNullsOnly(t *testing.T) {
	var empty Vector
	if empty.Len() != 0 || empty.Kind() != KindNull {
		t.Fatalf("empty vector: Len %d Kind %d", empty.Len(), empty.Kind())
	}
	v := buildVector([]any{nil, nil, nil})
	if v.Kind() != KindNull {
		t.Errorf("Kind() = %d, want KindNull", v.Kind())
	}
	checkVector(t, v, []any{nil, nil, nil})
}

// TestVectorNullsThenKind: a vector that starts with NULLs takes the kind
// of its first value, for each kind, and the NULLs stay NULL.
func TestVectorNullsThenKind(t *testing.T) {
	firsts := map[Kind]any{
		KindInt:     int64(300),
		KindFloat:   2.5,
		KindDecimal: decOf("0.05"),
		KindTime:    time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC),
		KindString:  "s",
		KindBool:    true,
		KindAny:     []byte("b"),
	}
	for k, x := range firsts {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			for nulls := 1; nulls <= 70; nulls += 23 { // across the nulls slice's first capacity
				vals := make([]any, nulls, nulls+3)
				vals = append(vals, x, nil, x)
				for _, hint := range vectorHints {
					v := buildHint(vals, hint)
					if v.Kind() != k {
						t.Errorf("hint %d, %d NULLs then %s: Kind() = %d, want %d", hint, nulls, showValue(x), v.Kind(), k)
					}
					checkVector(t, v, vals)
				}
			}
		})
	}
}

// TestVectorTypeChange: when a value of another dynamic type follows, the
// vector turns to KindAny and Get still returns every value as appended.
func TestVectorTypeChange(t *testing.T) {
	t0 := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		vals []any
	}{
		{"int then string", []any{int64(1), int64(1000), int64(-5), "x", int64(2)}},
		{"string then int", []any{"a", "", "b", int64(7), "c"}},
		{"decimal then int", []any{decOf("1.5"), nil, decOf("1e30"), int64(3), decOf("0.05")}},
		{"scaled decimal then float", []any{decOf("1.25"), decOf("2"), 1.0, decOf("-0.5")}},
		{"time then string", []any{t0, nil, t0.Add(time.Hour), "later", nil}},
		{"bool then int", []any{true, false, int64(0), true}},
		{"float then decimal", []any{1.5, decOf("1.5"), nil}},
		{"nulls then int then bytes", []any{nil, nil, int64(300), nil, []byte("x"), int64(4), nil}},
		{"bytes then int", []any{[]byte("x"), int64(4), "s", nil, decOf("2.5")}},
		{"int then Go int", []any{int64(4), int(4), int64(4)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, hint := range vectorHints {
				v := buildHint(tc.vals, hint)
				if v.Kind() != KindAny {
					t.Errorf("hint %d: Kind() = %d, want KindAny", hint, v.Kind())
				}
				checkVector(t, v, tc.vals)
			}
		})
	}
	// Long enough for the values to have been moved from a grown slice.
	var vals []any
	for i := range 200 {
		if i%7 == 0 {
			vals = append(vals, nil)
		} else {
			vals = append(vals, int64(i*1000-50000))
		}
	}
	vals = append(vals, "switch", int64(9), nil)
	t.Run("long int then string", func(t *testing.T) {
		checkVector(t, buildVector(vals), vals)
	})
}

// TestVectorAppendCopiesDecimal: a decimal changed after it was appended
// does not change the vector's value.
func TestVectorAppendCopiesDecimal(t *testing.T) {
	for _, s := range []string{"1.5", "-3.125", "1234567890123456789012345678901234567890.5", "1e30"} {
		t.Run(s, func(t *testing.T) {
			d := decOf(s)
			v := buildVector([]any{d})
			if _, err := apd.BaseContext.Add(d, d, decOf("1000000000000000000000000000000000000000000")); err != nil {
				t.Fatal(err)
			}
			d.Negative = !d.Negative
			checkVector(t, v, []any{decOf(s)})
		})
	}
}

// TestVectorValuesStableAfterGrowth: values Get handed out keep their
// value while the vector grows and the garbage collector runs.
func TestVectorValuesStableAfterGrowth(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	gens := map[string]func(i int) any{
		"int":     func(i int) any { return int64(i*1_000_003 - 7) },
		"float":   func(i int) any { return float64(i) / 3 },
		"decimal": func(i int) any { return apd.New(int64(i*37-500), -int32(i%4)) },
		"time":    func(i int) any { return t0.Add(time.Duration(i) * time.Minute) },
		"string":  func(i int) any { return strings.Repeat(string(rune('a'+i%26)), i%5+1) },
		"bool":    func(i int) any { return i%3 == 0 },
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			var v Vector
			var vals, got []any
			for i := range 3000 {
				x := gen(i)
				if i%11 == 5 {
					x = nil
				}
				vals = append(vals, x)
				v.Append(x)
				got = append(got, v.Get(i))
			}
			runtime.GC()
			for i := range vals {
				if !sameValue(vals[i], got[i]) {
					t.Fatalf("value %d handed out while appending is now %s, want %s", i, showValue(got[i]), showValue(vals[i]))
				}
			}
			checkVector(t, &v, vals)
		})
	}
}

// TestVectorBytes: Bytes grows with the values held, counting the bytes
// of the strings.
func TestVectorBytes(t *testing.T) {
	var ints Vector
	for i := range 10000 {
		ints.Append(int64(i))
	}
	if ints.Bytes() < 10000*8 {
		t.Errorf("10000 integers: Bytes() = %d, want >= %d", ints.Bytes(), 10000*8)
	}
	var strs Vector
	long := strings.Repeat("y", 1000)
	for i := range 100 {
		strs.Append(long + strconv.Itoa(i)) // distinct: a repeated value is held once
	}
	if strs.Bytes() < 100*1000 {
		t.Errorf("100 strings of 1000 bytes: Bytes() = %d, want >= %d", strs.Bytes(), 100*1000)
	}
}

// TestVectorBytesKeepsStringsOnTypeChange: a string column that turns
// to KindAny (one value of another type follows) still holds its strings
// and Bytes keeps counting them (else a Cache would admit a table far
// larger than its budget).
func TestVectorBytesKeepsStringsOnTypeChange(t *testing.T) {
	var v Vector
	long := strings.Repeat("y", 1000)
	for i := range 100 {
		v.Append(long + strconv.Itoa(i))
	}
	before := v.Bytes()
	v.Append(int64(1))
	if after := v.Bytes(); after < 100*1000 {
		t.Errorf("100 strings of 1000 bytes and an integer: Bytes() = %d (was %d before the integer), want >= %d", after, before, 100*1000)
	}
}

// ---- kernels ----

var allOps = []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe}

var opNames = map[Op]string{OpEq: "=", OpNe: "<>", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">="}

// opName is the SQL operator of o, for failure messages.
func opName(o Op) string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// refHolds is whether a comparison whose operands order as c holds.
func refHolds(op Op, c int) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpNe:
		return c != 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	}
	panic("bad op")
}

// refCompare orders two non-NULL values as sql/funcs does for the kinds
// the kernels handle.
func refCompare(x, c any) int {
	switch x := x.(type) {
	case int64:
		return cmp.Compare(x, c.(int64))
	case *apd.Decimal:
		switch c := c.(type) {
		case *apd.Decimal:
			return x.Cmp(c)
		case int64:
			return x.Cmp(apd.New(c, 0))
		}
	case time.Time:
		return x.Compare(c.(time.Time))
	case string:
		return strings.Compare(x, c.(string))
	}
	panic(fmt.Sprintf("refCompare(%s, %s)", showValue(x), showValue(c)))
}

// refRows is the rows of rs (n values) that pass.
func refRows(rs Rows, pass func(i int) bool) []int32 {
	var out []int32
	if rs.Sel != nil {
		for _, r := range rs.Sel {
			if pass(int(r)) {
				out = append(out, r)
			}
		}
		return out
	}
	for i := rs.Lo; i < rs.Hi; i++ {
		if pass(i) {
			out = append(out, int32(i))
		}
	}
	return out
}

// randRows returns the row sets a kernel is checked with over n rows:
// all, a random range, an empty range, a random ascending subset (with
// Lo/Hi set, which Sel overrides) and an empty non-nil Sel.
func randRows(r *rand.Rand, n int) []Rows {
	lo := r.IntN(n + 1)
	hi := lo + r.IntN(n-lo+1)
	sel := []int32{}
	for i := range n {
		if r.IntN(3) > 0 {
			sel = append(sel, int32(i))
		}
	}
	return []Rows{
		{Lo: 0, Hi: n},
		{Lo: lo, Hi: hi},
		{Lo: n, Hi: n},
		{Sel: sel, Lo: 0, Hi: n},
		{Sel: []int32{}, Lo: 0, Hi: n},
	}
}

func rowsString(rs Rows) string {
	if rs.Sel != nil {
		return fmt.Sprintf("Sel%v", rs.Sel)
	}
	return fmt.Sprintf("[%d,%d)", rs.Lo, rs.Hi)
}

// outPrefix is what out holds before a kernel call: kernels append to it.
var outPrefix = []int32{-7, -8}

// checkAppended checks that a kernel kept out's prefix and appended want.
func checkAppended(t *testing.T, got, want []int32, what func() string) {
	t.Helper()
	if len(got) < len(outPrefix) || !slices.Equal(got[:len(outPrefix)], outPrefix) {
		t.Errorf("%s: out's prefix %v not kept: %v", what(), outPrefix, got)
		return
	}
	if got := got[len(outPrefix):]; !slices.Equal(got, want) {
		t.Errorf("%s: rows %v, want %v", what(), got, want)
	}
}

// randVals is n values from gen, NULL with probability nullPct/100.
func randVals(r *rand.Rand, n, nullPct int, gen func(*rand.Rand) any) []any {
	vals := make([]any, n)
	for i := range vals {
		if r.IntN(100) >= nullPct {
			vals[i] = gen(r)
		}
	}
	return vals
}

var nullPcts = []int{0, 0, 15, 50, 100}

func genInt(r *rand.Rand) any {
	switch r.IntN(10) {
	case 0, 1:
		return []int64{math.MinInt64, math.MaxInt64, math.MinInt64 + 1, math.MaxInt64 - 1, 255, 256, -256, -1}[r.IntN(8)]
	case 2, 3:
		return int64(r.Uint64())
	}
	return r.Int64N(11) - 5
}

var strAlphabet = []string{"a", "b", "A", "é", "\x00", "ab", "\xff"}

func genString(r *rand.Rand) any {
	var b strings.Builder
	for range r.IntN(4) {
		b.WriteString(strAlphabet[r.IntN(len(strAlphabet))])
	}
	return b.String()
}

var (
	timeBase  = time.Date(2024, 3, 10, 1, 59, 58, 0, time.UTC)
	timeZones = []*time.Location{time.UTC, time.FixedZone("P3", 3*3600), time.FixedZone("M5", -5*3600)}
)

func genTime(r *rand.Rand) any {
	t := timeBase.Add(time.Duration(r.IntN(7)-3) * time.Second)
	if r.IntN(4) == 0 {
		t = t.Add(time.Duration(r.IntN(3)-1) * time.Nanosecond)
	}
	return t.In(timeZones[r.IntN(len(timeZones))])
}

// farTimes are times whose nanoseconds since 1970 an int64 does not hold,
// or nearly (the years at both ends, in far zones).
var farTimes = []time.Time{
	{},
	time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(1600, 6, 1, 0, 0, 0, 0, time.UTC),
	time.Date(1677, 9, 21, 0, 12, 43, 145224191, time.UTC), // just before the int64 range
	time.Date(1678, 12, 31, 23, 59, 59, 999999999, time.UTC),
	time.Date(1679, 1, 1, 0, 0, 0, 0, time.FixedZone("E14", 14*3600)),
	time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.FixedZone("W12", -12*3600)),
	time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2262, 4, 11, 23, 47, 16, 854775808, time.UTC), // just after it
	time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
}

// genTimeFar is mostly a time near timeBase, sometimes a far one.
func genTimeFar(r *rand.Rand) any {
	if r.IntN(5) == 0 {
		return farTimes[r.IntN(len(farTimes))].In(timeZones[r.IntN(len(timeZones))])
	}
	return genTime(r)
}

// genDecFast is a decimal whose vector keeps its scaled integers: a small
// coefficient, at most 4 fractional digits.
func genDecFast(r *rand.Rand) any {
	return apd.New(r.Int64N(41)-20, int32(r.IntN(7)-4))
}

// decSpecials are decimals the scaled form cannot hold.
var decSpecials = []string{
	"1e30", "-1e30", "NaN", "Infinity", "-Infinity",
	"1234567890123456789012345678901234567890", "1E-25", "9223372036854775807", "-9223372036854775808",
	"0.0000000000000000001",
}

// genDecSlow is mostly a fast decimal, sometimes one the scaled form
// cannot hold.
func genDecSlow(r *rand.Rand) any {
	if r.IntN(5) == 0 {
		return decOf(decSpecials[r.IntN(len(decSpecials))])
	}
	return genDecFast(r)
}

// genDecConst is a constant to compare a decimal column with: a decimal
// of up to 4 fractional digits, one of more digits, a special value or an
// integer.
func genDecConst(r *rand.Rand) any {
	switch r.IntN(8) {
	case 0:
		return r.Int64N(7) - 3
	case 1:
		return []int64{math.MaxInt64, math.MinInt64, 1 << 62}[r.IntN(3)]
	case 2:
		return decOf(decSpecials[r.IntN(len(decSpecials))])
	case 3:
		return apd.New(r.Int64N(4001)-2000, -int32(r.IntN(4)+3)) // e.g. 0.055: more digits than many columns
	}
	return genDecFast(r)
}

// pickConst is a constant from gen, or one of vals (so = matches).
func pickConst(r *rand.Rand, vals []any, gen func(*rand.Rand) any) any {
	if r.IntN(2) == 0 {
		var nonNull []any
		for _, x := range vals {
			if x != nil {
				nonNull = append(nonNull, x)
			}
		}
		if len(nonNull) > 0 {
			return nonNull[r.IntN(len(nonNull))]
		}
	}
	return gen(r)
}

type kernelDomain struct {
	name   string
	gen    func(*rand.Rand) any // a column's values
	cgen   func(*rand.Rand) any // constants (besides the column's own values)
	kind   Kind
	rounds int
}

var kernelDomains = []kernelDomain{
	{"int", genInt, genInt, KindInt, 300},
	{"string", genString, genString, KindString, 300},
	{"time", genTime, genTimeFar, KindTime, 300},
	{"time far", genTimeFar, genTimeFar, KindTime, 300},
	{"decimal fast", genDecFast, genDecConst, KindDecimal, 400},
	{"decimal slow", genDecSlow, genDecConst, KindDecimal, 300},
}

// TestCompareConstReference: CompareConst returns exactly the rows,
// ascending, whose value is not NULL and compares with the constant as
// sql/funcs compares them, for every op and row set.
func TestCompareConstReference(t *testing.T) {
	for _, dm := range kernelDomains {
		t.Run(dm.name, func(t *testing.T) {
			r := newRand(t)
			var fast, slow int
			for round := range dm.rounds {
				n := r.IntN(40)
				if round%25 == 0 {
					n = 200 + r.IntN(100)
				}
				vals := randVals(r, n, nullPcts[r.IntN(len(nullPcts))], dm.gen)
				v := buildVector(vals)
				for range 3 {
					c := pickConst(r, vals, dm.cgen)
					switch v.Kind() {
					case KindDecimal:
						d, ok := c.(*apd.Decimal)
						if !ok {
							d = apd.New(c.(int64), 0)
						}
						if _, ok := v.scaleConst(d); ok && v.scaledOK {
							fast++
						} else {
							slow++
						}
					case KindTime:
						if y := c.(time.Time).Year(); v.nanosOK && y > 1678 && y < 2262 {
							fast++
						} else {
							slow++
						}
					}
					for _, rs := range randRows(r, n) {
						for _, op := range allOps {
							got, ok := v.CompareConst(op, c, rs, slices.Clone(outPrefix))
							what := func() string {
								return fmt.Sprintf("round %d: %v %s %s over %s", round, showAll(vals), opName(op), showValue(c), rowsString(rs))
							}
							if !ok {
								t.Fatalf("%s: ok = false", what())
							}
							want := refRows(rs, func(i int) bool {
								return vals[i] != nil && refHolds(op, refCompare(vals[i], c))
							})
							checkAppended(t, got, want, what)
						}
					}
				}
				if t.Failed() {
					return
				}
			}
			if dm.kind == KindDecimal || dm.kind == KindTime {
				t.Logf("constants compared on the integer path %d times, the slow path %d", fast, slow)
				if fast == 0 {
					t.Error("the integer path was never taken")
				}
				if slow == 0 {
					t.Error("the slow path was never taken")
				}
			}
		})
	}
}

// TestCompareConstDecimalPaths: comparisons a decimal column answers from
// its scaled integers and those it answers from the decimals agree with
// apd's order, at the boundaries between the two.
func TestCompareConstDecimalPaths(t *testing.T) {
	cases := []struct {
		name     string
		vals     []string // "" is NULL
		scaled   bool     // the column keeps scaled integers
		scale    int32
		consts   []any
		constsOn string // which path the constants take
	}{
		{
			name: "mixed scales rescale", vals: []string{"24", "1.5", "", "0.05", "-3.125", "0", "24.000"},
			scaled: true, scale: 3,
			consts: []any{decOf("1.5"), decOf("1.50"), decOf("24"), decOf("-3.125"), decOf("0.05"), decOf("0"), decOf("-0"), int64(24), int64(-4), int64(0), decOf("1E+1")},
		},
		{
			name: "more constant digits than the scale", vals: []string{"1.50", "0.05", "0.06", "", "-0.05", "0.10"},
			scaled: true, scale: 2,
			consts: []any{decOf("0.055"), decOf("-0.055"), decOf("0.0500"), decOf("0.059999999999999999999"), decOf("1.5000000000000000000001")},
		},
		{
			name: "integer constant overflows the scale", vals: []string{"1E-18", "0.5", "-2", "3"},
			scaled: true, scale: 18,
			consts: []any{int64(100), int64(-100), int64(3), int64(math.MaxInt64), int64(math.MinInt64), decOf("10"), decOf("-2")},
		},
		{
			name: "huge value", vals: []string{"1e30", "1.5", "", "-1e30", "0.05"},
			consts: []any{decOf("1.5"), decOf("1e30"), decOf("1e29"), int64(1), int64(math.MaxInt64)},
		},
		{
			name: "NaN and infinities", vals: []string{"NaN", "1", "Infinity", "-Infinity", "", "-2.5"},
			consts: []any{decOf("1"), decOf("Infinity"), decOf("-Infinity"), decOf("NaN"), int64(-3)},
		},
		{
			name: "rescale overflows", vals: []string{"9223372036854775807", "0.1"},
			consts: []any{decOf("0.1"), int64(math.MaxInt64), decOf("9223372036854775807.0")},
		},
		{
			name: "too many fractional digits", vals: []string{"0.1", "1E-19", "-1E-19"},
			consts: []any{decOf("0"), decOf("1E-19"), int64(0)},
		},
		{
			name: "largest scale", vals: []string{"0.000000000000000001", "-0.000000000000000001", "0", "9.223372036854775807"},
			scaled: true, scale: 18,
			consts: []any{decOf("0"), decOf("1E-18"), int64(9), int64(10), decOf("9.223372036854775807"), decOf("9.2233720368547758075")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vals := make([]any, len(tc.vals))
			for i, s := range tc.vals {
				if s != "" {
					vals[i] = decOf(s)
				}
			}
			v := buildVector(vals)
			if v.Kind() != KindDecimal {
				t.Fatalf("Kind() = %d, want KindDecimal", v.Kind())
			}
			if v.scaledOK != tc.scaled || (tc.scaled && v.scale != tc.scale) {
				t.Fatalf("scaled form: ok %v scale %d, want ok %v scale %d (the test would not take the path it means to)", v.scaledOK, v.scale, tc.scaled, tc.scale)
			}
			checkVector(t, v, vals)
			for _, c := range tc.consts {
				for _, op := range allOps {
					for _, rs := range []Rows{{Lo: 0, Hi: len(vals)}, {Sel: []int32{0, int32(len(vals) - 1)}}} {
						got, ok := v.CompareConst(op, c, rs, slices.Clone(outPrefix))
						what := func() string {
							return fmt.Sprintf("%v %s %s over %s", tc.vals, opName(op), showValue(c), rowsString(rs))
						}
						if !ok {
							t.Fatalf("%s: ok = false", what())
						}
						checkAppended(t, got, refRows(rs, func(i int) bool {
							return vals[i] != nil && refHolds(op, refCompare(vals[i], c))
						}), what)
					}
				}
			}
		})
	}
}

// TestCompareConstTimePaths: comparisons a time column answers from its
// nanoseconds since 1970 and those it answers from the times agree with
// time.Time.Compare, at the ends of the years int64 nanoseconds reach,
// in zones far from UTC.
func TestCompareConstTimePaths(t *testing.T) {
	e14, w12 := time.FixedZone("E14", 14*3600), time.FixedZone("W12", -12*3600)
	early := time.Date(1679, 1, 1, 0, 0, 0, 0, e14)
	late := time.Date(2261, 12, 31, 23, 59, 59, 999999999, w12)
	mid := time.Date(2024, 5, 5, 5, 5, 5, 5, time.UTC)
	cases := []struct {
		name  string
		vals  []any
		nanos bool // the column keeps nanoseconds
	}{
		{"within the range", []any{early, nil, late, mid, mid.In(e14), late.Add(-time.Hour)}, true},
		{"NULLs then within", []any{nil, nil, mid, early}, true},
		{"a far time", []any{mid, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), nil, late, time.Date(3000, 1, 1, 0, 0, 0, 0, w12)}, false},
		{"the zero time", []any{time.Time{}, mid}, false},
	}
	consts := append([]time.Time{early, late, mid, mid.In(w12), early.Add(-time.Nanosecond), late.Add(time.Nanosecond), mid.Add(1)}, farTimes...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := buildVector(tc.vals)
			if v.Kind() != KindTime || v.nanosOK != tc.nanos {
				t.Fatalf("Kind() %d, nanoseconds kept %v; want KindTime, %v (the test would not take the path it means to)", v.Kind(), v.nanosOK, tc.nanos)
			}
			checkVector(t, v, tc.vals)
			for _, tm := range consts {
				for _, c := range []time.Time{tm, tm.In(e14), tm.In(w12)} {
					for _, op := range allOps {
						rs := Rows{Lo: 0, Hi: len(tc.vals)}
						got, ok := v.CompareConst(op, c, rs, slices.Clone(outPrefix))
						what := func() string { return fmt.Sprintf("%s %s %s", tc.name, opName(op), showValue(c)) }
						if !ok {
							t.Fatalf("%s: ok = false", what())
						}
						checkAppended(t, got, refRows(rs, func(i int) bool {
							return tc.vals[i] != nil && refHolds(op, refCompare(tc.vals[i], c))
						}), what)
					}
				}
			}
		})
	}
}

// TestCompareConstUnsupported: ok is false, and out unchanged, for a
// constant the kernel does not compare the column with; a column of
// NULLs passes no row.
func TestCompareConstUnsupported(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		vals []any
		c    any
		ok   bool
	}{
		{"int vs float", []any{int64(1), int64(2)}, 1.0, false},
		{"int vs decimal", []any{int64(1), int64(2)}, decOf("1"), false},
		{"int vs string", []any{int64(1)}, "1", false},
		{"int vs Go int", []any{int64(1)}, int(1), false},
		{"int vs NULL", []any{int64(1)}, nil, false},
		{"float vs float", []any{1.0, 2.0}, 1.0, false},
		{"float vs int", []any{1.0, 2.0}, int64(1), false},
		{"string vs int", []any{"a", "b"}, int64(1), false},
		{"string vs bytes", []any{"a"}, []byte("a"), false},
		{"time vs string", []any{t0}, "2024-01-01", false},
		{"time vs int", []any{t0}, int64(0), false},
		{"decimal vs float", []any{decOf("1.5")}, 1.5, false},
		{"decimal vs string", []any{decOf("1.5")}, "1.5", false},
		{"decimal vs NULL", []any{decOf("1.5")}, nil, false},
		{"bool vs bool", []any{true, false}, true, false},
		{"any vs bytes", []any{[]byte("a")}, []byte("a"), false},
		{"mixed vs int", []any{int64(1), "a"}, int64(1), false},
		{"NULLs vs int", []any{nil, nil}, int64(1), true},
		{"NULLs vs string", []any{nil}, "a", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := buildVector(tc.vals)
			for _, op := range allOps {
				for _, rs := range []Rows{{Lo: 0, Hi: len(tc.vals)}, {Sel: []int32{0}}} {
					got, ok := v.CompareConst(op, tc.c, rs, slices.Clone(outPrefix))
					if ok != tc.ok {
						t.Errorf("%s %s over %s: ok = %v, want %v", opName(op), showValue(tc.c), rowsString(rs), ok, tc.ok)
					}
					if !slices.Equal(got, outPrefix) {
						t.Errorf("%s %s over %s: out = %v, want %v unchanged", opName(op), showValue(tc.c), rowsString(rs), got, outPrefix)
					}
				}
			}
		})
	}
}

// TestCompareVectorReference: CompareVector returns exactly the rows
// whose values are both non-NULL and compare as sql/funcs compares them.
func TestCompareVectorReference(t *testing.T) {
	// genDecScale2 keeps both columns at scale 2, so both use their
	// scaled integers.
	genDecScale2 := func(r *rand.Rand) any { return apd.New(r.Int64N(41)-20, -2) }
	domains := append(slices.Clone(kernelDomains), kernelDomain{"decimal same scale", genDecScale2, nil, KindDecimal, 300})
	for _, dm := range domains {
		t.Run(dm.name, func(t *testing.T) {
			r := newRand(t)
			var fast, slow int
			for round := range dm.rounds {
				n := r.IntN(40)
				if round%25 == 0 {
					n = 200 + r.IntN(100)
				}
				vals := randVals(r, n, nullPcts[r.IntN(len(nullPcts))], dm.gen)
				wals := randVals(r, n, nullPcts[r.IntN(len(nullPcts))], dm.gen)
				for i := range wals {
					if r.IntN(4) == 0 {
						wals[i] = vals[i] // equal values
					}
				}
				v, w := buildVector(vals), buildVector(wals)
				if v.Kind() != w.Kind() {
					continue // a column of NULLs: see TestCompareVectorUnsupported
				}
				switch v.Kind() {
				case KindDecimal:
					if v.scaledOK && w.scaledOK && v.scale == w.scale {
						fast++
					} else {
						slow++
					}
				case KindTime:
					if v.nanosOK && w.nanosOK {
						fast++
					} else {
						slow++
					}
				}
				for _, rs := range randRows(r, n) {
					for _, op := range allOps {
						got, ok := v.CompareVector(op, w, rs, slices.Clone(outPrefix))
						what := func() string {
							return fmt.Sprintf("round %d: %v %s %v over %s", round, showAll(vals), opName(op), showAll(wals), rowsString(rs))
						}
						if !ok {
							t.Fatalf("%s: ok = false", what())
						}
						want := refRows(rs, func(i int) bool {
							return vals[i] != nil && wals[i] != nil && refHolds(op, refCompare(vals[i], wals[i]))
						})
						checkAppended(t, got, want, what)
					}
				}
				if t.Failed() {
					return
				}
			}
			t.Logf("column pairs on the integer path %d, the slow path %d", fast, slow)
			switch dm.name {
			case "decimal same scale", "time":
				if fast == 0 {
					t.Error("the integer path was never taken")
				}
			case "decimal fast", "decimal slow", "time far":
				if slow == 0 {
					t.Error("the slow path was never taken")
				}
			}
		})
	}
}

// TestCompareVectorSelf: a column compared with itself passes every
// non-NULL row for =, <= and >=, none for <>, < and >.
func TestCompareVectorSelf(t *testing.T) {
	vals := []any{decOf("1.5"), nil, decOf("1e30"), decOf("-0.05"), nil, decOf("7")}
	v := buildVector(vals)
	all := []int32{0, 2, 3, 5}
	for _, op := range allOps {
		got, ok := v.CompareVector(op, v, Rows{Lo: 0, Hi: len(vals)}, nil)
		if !ok {
			t.Fatalf("%s: ok = false", opName(op))
		}
		var want []int32
		if op == OpEq || op == OpLe || op == OpGe {
			want = all
		}
		if !slices.Equal(got, want) {
			t.Errorf("v %s v: rows %v, want %v", opName(op), got, want)
		}
	}
}

// TestCompareVectorUnsupported: ok is false, and out unchanged, unless
// both vectors are of one kind among integers, decimals, times and text
// and of one length.
func TestCompareVectorUnsupported(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		a, b []any
		ok   bool
	}{
		{"int vs string", []any{int64(1)}, []any{"1"}, false},
		{"int vs decimal", []any{int64(1)}, []any{decOf("1")}, false},
		{"decimal vs int", []any{decOf("1")}, []any{int64(1)}, false},
		{"int vs time", []any{int64(1)}, []any{t0}, false},
		{"float vs float", []any{1.0, 2.0}, []any{1.0, 3.0}, false},
		{"bool vs bool", []any{true}, []any{true}, false},
		{"any vs any", []any{[]byte("a")}, []any{[]byte("a")}, false},
		{"int vs NULLs", []any{int64(1), int64(2)}, []any{nil, nil}, false},
		{"NULLs vs int", []any{nil, nil}, []any{int64(1), int64(2)}, false},
		{"different lengths", []any{int64(1), int64(2)}, []any{int64(1)}, false},
		{"mixed vs mixed", []any{int64(1), "a"}, []any{int64(1), "a"}, false},
		{"NULLs vs NULLs", []any{nil, nil}, []any{nil, nil}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := buildVector(tc.a), buildVector(tc.b)
			for _, op := range allOps {
				got, ok := a.CompareVector(op, b, Rows{Lo: 0, Hi: 1}, slices.Clone(outPrefix))
				if ok != tc.ok {
					t.Errorf("%s: ok = %v, want %v", opName(op), ok, tc.ok)
				}
				if !slices.Equal(got, outPrefix) {
					t.Errorf("%s: out = %v, want %v unchanged", opName(op), got, outPrefix)
				}
			}
		})
	}
}

// TestInReference: In returns exactly the non-NULL rows whose value is
// (not=false) or is not (not=true) in the list.
func TestInReference(t *testing.T) {
	for _, dm := range kernelDomains[:2] { // integers and text
		t.Run(dm.name, func(t *testing.T) {
			r := newRand(t)
			for round := range dm.rounds {
				n := r.IntN(40)
				if round%25 == 0 {
					n = 200 + r.IntN(100)
				}
				vals := randVals(r, n, nullPcts[r.IntN(len(nullPcts))], dm.gen)
				v := buildVector(vals)
				list := []any{}
				for range r.IntN(6) {
					list = append(list, pickConst(r, vals, dm.gen))
				}
				for _, rs := range randRows(r, n) {
					for _, not := range []bool{false, true} {
						got, ok := v.In(list, not, rs, slices.Clone(outPrefix))
						what := func() string {
							return fmt.Sprintf("round %d: %v IN %v (not %v) over %s", round, showAll(vals), showAll(list), not, rowsString(rs))
						}
						if !ok {
							t.Fatalf("%s: ok = false", what())
						}
						want := refRows(rs, func(i int) bool {
							if vals[i] == nil {
								return false
							}
							in := slices.ContainsFunc(list, func(x any) bool { return refCompare(vals[i], x) == 0 })
							return in != not
						})
						checkAppended(t, got, want, what)
					}
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}

// TestInUnsupported: ok is false, and out unchanged, when a list element
// is NULL or of another kind than the column, or the column is not of
// integers or text; a column of NULLs passes no row.
func TestInUnsupported(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ints := []any{int64(1), nil, int64(2)}
	strs := []any{"a", nil, "b"}
	cases := []struct {
		name string
		vals []any
		list []any
		ok   bool
	}{
		{"int with NULL element", ints, []any{int64(1), nil}, false},
		{"int with only NULL", ints, []any{nil}, false},
		{"int with string", ints, []any{int64(1), "2"}, false},
		{"int with decimal", ints, []any{decOf("1")}, false},
		{"int with float", ints, []any{1.0}, false},
		{"int with Go int", ints, []any{int(1)}, false},
		{"string with NULL element", strs, []any{nil, "a"}, false},
		{"string with int", strs, []any{"a", int64(1)}, false},
		{"decimal", []any{decOf("1")}, []any{decOf("1")}, false},
		{"decimal with int", []any{decOf("1")}, []any{int64(1)}, false},
		{"float", []any{1.0}, []any{1.0}, false},
		{"time", []any{t0}, []any{t0}, false},
		{"bool", []any{true}, []any{true}, false},
		{"mixed", []any{int64(1), "a"}, []any{int64(1)}, false},
		{"NULLs", []any{nil, nil}, []any{int64(1)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := buildVector(tc.vals)
			for _, not := range []bool{false, true} {
				got, ok := v.In(tc.list, not, Rows{Lo: 0, Hi: len(tc.vals)}, slices.Clone(outPrefix))
				if ok != tc.ok {
					t.Errorf("not %v: ok = %v, want %v", not, ok, tc.ok)
				}
				if !slices.Equal(got, outPrefix) {
					t.Errorf("not %v: out = %v, want %v unchanged", not, got, outPrefix)
				}
			}
		})
	}
}

// TestInEmptyList: x IN () passes no row, x NOT IN () every non-NULL row.
func TestInEmptyList(t *testing.T) {
	for _, vals := range [][]any{{int64(1), nil, int64(3)}, {"a", nil, "c"}} {
		v := buildVector(vals)
		for _, list := range [][]any{nil, {}} {
			got, ok := v.In(list, false, Rows{Lo: 0, Hi: 3}, nil)
			if !ok || len(got) != 0 {
				t.Errorf("%v IN %#v: %v, %v; want no rows, true", vals, list, got, ok)
			}
			got, ok = v.In(list, true, Rows{Lo: 0, Hi: 3}, nil)
			if !ok || !slices.Equal(got, []int32{0, 2}) {
				t.Errorf("%v NOT IN %#v: %v, %v; want [0 2], true", vals, list, got, ok)
			}
		}
	}
}

// TestOpFlip: a op b holds exactly when b op.Flip() a does, both by the
// definition of the ops and through the kernels; flipping twice is the
// identity.
func TestOpFlip(t *testing.T) {
	r := newRand(t)
	want := map[Op]Op{OpEq: OpEq, OpNe: OpNe, OpLt: OpGt, OpLe: OpGe, OpGt: OpLt, OpGe: OpLe}
	for _, op := range allOps {
		if got := op.Flip(); got != want[op] {
			t.Errorf("%s.Flip() = %s, want %s", opName(op), opName(got), opName(want[op]))
		}
		if got := op.Flip().Flip(); got != op {
			t.Errorf("%s.Flip().Flip() = %s", opName(op), opName(got))
		}
	}
	for range 2000 {
		a, b := genInt(r).(int64), genInt(r).(int64)
		if r.IntN(4) == 0 {
			b = a
		}
		va, vb := buildVector([]any{a}), buildVector([]any{b})
		for _, op := range allOps {
			lhs := refHolds(op, cmp.Compare(a, b))
			rhs := refHolds(op.Flip(), cmp.Compare(b, a))
			if lhs != rhs {
				t.Fatalf("%d %s %d is %v but %d %s %d is %v", a, opName(op), b, lhs, b, opName(op.Flip()), a, rhs)
			}
			x, _ := va.CompareConst(op, b, Rows{Lo: 0, Hi: 1}, nil)
			y, _ := vb.CompareConst(op.Flip(), a, Rows{Lo: 0, Hi: 1}, nil)
			if (len(x) == 1) != lhs || (len(y) == 1) != lhs {
				t.Fatalf("kernels: %d %s %d passes %v, %d %s %d passes %v; want %v", a, opName(op), b, len(x) == 1, b, opName(op.Flip()), a, len(y) == 1, lhs)
			}
		}
	}
}

// TestParseOp maps the SQL comparison operators and rejects the rest.
func TestParseOp(t *testing.T) {
	cases := []struct {
		s  string
		op Op
		ok bool
	}{
		{"=", OpEq, true}, {"<>", OpNe, true}, {"!=", OpNe, true},
		{"<", OpLt, true}, {"<=", OpLe, true}, {">", OpGt, true}, {">=", OpGe, true},
		{"==", 0, false}, {"", 0, false}, {"=<", 0, false}, {"LIKE", 0, false}, {" =", 0, false},
	}
	for _, tc := range cases {
		op, ok := ParseOp(tc.s)
		if ok != tc.ok || (ok && op != tc.op) {
			t.Errorf("ParseOp(%q) = %s, %v; want %s, %v", tc.s, opName(op), ok, opName(tc.op), tc.ok)
		}
	}
}

// TestComparePadded: character(n) values compare without their trailing
// blanks, with NULLs never passing.
func TestComparePadded(t *testing.T) {
	v := NewVector(8)
	for _, x := range []any{"a  ", "b", nil, "a", "ab ", " a"} {
		v.Append(x)
	}
	all := Rows{Lo: 0, Hi: v.Len()}
	for _, tc := range []struct {
		op   Op
		c    string
		want []int32
	}{
		{OpEq, "a", []int32{0, 3}},
		{OpNe, "a", []int32{1, 4, 5}},
		{OpLt, "ab", []int32{0, 3, 5}},
		{OpGe, "ab", []int32{1, 4}},
	} {
		got, ok := v.ComparePadded(tc.op, tc.c, all, nil)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("op %d %q: got %v %v, want %v", tc.op, tc.c, got, ok, tc.want)
		}
	}
	got, ok := v.InPadded([]any{"a", "ab"}, false, all, nil)
	if !ok || !slices.Equal(got, []int32{0, 3, 4}) {
		t.Errorf("IN: got %v %v", got, ok)
	}
	got, ok = v.InPadded([]any{"a", "ab"}, true, Rows{Sel: []int32{1, 2, 3, 5}}, nil)
	if !ok || !slices.Equal(got, []int32{1, 5}) {
		t.Errorf("NOT IN: got %v %v", got, ok)
	}
	if _, ok := v.InPadded([]any{"a", nil}, false, all, nil); ok {
		t.Error("a NULL in the list is left to the caller")
	}
	ints := NewVector(2)
	ints.Append(int64(1))
	if _, ok := ints.ComparePadded(OpEq, "1", Rows{Lo: 0, Hi: 1}, nil); ok {
		t.Error("integers are not compared as text")
	}
}

// TestVectorSealCompactDecimals: a decimal vector whose values share one
// exponent keeps only their scaled integers once sealed, and gives every
// value back digit for digit; one that mixes exponents (1.5 and 1.50
// print differently), holds a negative zero or a special value keeps its
// decimals.
func TestVectorSealCompactDecimals(t *testing.T) {
	dec := func(s string) *apd.Decimal {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		vals    []string // "" is NULL
		compact bool
	}{
		{[]string{"1.50", "", "-2.25", "0.00", "100.10"}, true},
		{[]string{"7", "-12", "0"}, true},
		{[]string{"1.5", "1.50"}, false},
		{[]string{"1.50", "1.5"}, false},
		{[]string{"1.50", "-0.00"}, false},
		{[]string{"1.50", "NaN"}, false},
		{[]string{"1E+2", "3E+2"}, false},
		{[]string{"12345678901234567890.12"}, false},
	} {
		v := NewVector(4)
		for _, s := range tc.vals {
			if s == "" {
				v.Append(nil)
			} else {
				v.Append(dec(s))
			}
		}
		v.Seal()
		if v.Compact() != tc.compact {
			t.Errorf("%v: Compact() = %v, want %v", tc.vals, v.Compact(), tc.compact)
		}
		for i, s := range tc.vals {
			got := v.Get(i)
			if s == "" {
				if got != nil {
					t.Errorf("%v[%d]: got %v, want NULL", tc.vals, i, got)
				}
				continue
			}
			if g := got.(*apd.Decimal).String(); g != s {
				t.Errorf("%v[%d]: Get = %s, want %s", tc.vals, i, g, s)
			}
			var d apd.Decimal
			v.DecimalAt(i, &d)
			if d.String() != s {
				t.Errorf("%v[%d]: DecimalAt = %s, want %s", tc.vals, i, d.String(), s)
			}
		}
	}
	// The kernels' slow path (a constant with more digits than the scale)
	// reads a compact vector's values too.
	v := NewVector(4)
	for _, s := range []string{"0.05", "0.06", "0.07"} {
		v.Append(dec(s))
	}
	v.Seal()
	got, ok := v.CompareConst(OpGt, dec("0.055"), Rows{Lo: 0, Hi: 3}, nil)
	if !ok || !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("> 0.055: %v %v", got, ok)
	}
	w := NewVector(4)
	for _, s := range []string{"0.050", "0.070", "0.061"} {
		w.Append(dec(s))
	}
	w.Seal()
	got, ok = v.CompareVector(OpLt, w, Rows{Lo: 0, Hi: 3}, nil)
	if !ok || !slices.Equal(got, []int32{1}) {
		t.Errorf("v < w: %v %v", got, ok)
	}
}

// TestVectorDictionary: text with few distinct values is held as codes,
// with more (past maxDict) as strings from then on; values, NULLs and the
// kernels are the same either way.
func TestVectorDictionary(t *testing.T) {
	for _, distinct := range []int{3, maxDict, maxDict + 500} {
		v := NewVector(16)
		var vals []any
		for i := range maxDict + 1000 {
			var x any
			if i%97 != 5 {
				x = "s" + strconv.Itoa(i%distinct)
			}
			v.Append(x)
			vals = append(vals, x)
		}
		v.Seal()
		if want := distinct <= maxDict; v.dictOK != want {
			t.Errorf("%d distinct: coded %v, want %v", distinct, v.dictOK, want)
		}
		checkVector(t, v, vals)
		all := Rows{Lo: 0, Hi: len(vals)}
		got, ok := v.CompareConst(OpLt, "s2", all, nil)
		got2, ok2 := v.In([]any{"s1", "s2"}, true, Rows{Sel: []int32{0, 1, 2, 5, 7, 100}}, nil)
		if !ok || !ok2 {
			t.Fatal("text kernels declined")
		}
		var want, want2 []int32
		for i, x := range vals {
			if s, ok := x.(string); ok && s < "s2" {
				want = append(want, int32(i))
			}
		}
		for _, r := range []int32{0, 1, 2, 5, 7, 100} {
			if s, ok := vals[r].(string); ok && s != "s1" && s != "s2" {
				want2 = append(want2, r)
			}
		}
		if !slices.Equal(got, want) || !slices.Equal(got2, want2) {
			t.Errorf("%d distinct: < 's2' gives %d rows (want %d), NOT IN gives %v (want %v)", distinct, len(got), len(want), got2, want2)
		}
	}
}

// TestCompareRange: one pass over a lower and an upper bound gives what
// two CompareConst passes give, for integers, times and decimals, with
// NULLs, both bound kinds and empty ranges; other kinds decline.
func TestCompareRange(t *testing.T) {
	ints, times, decs, strs := NewVector(8), NewVector(8), NewVector(8), NewVector(8)
	t0 := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		if i%9 == 4 {
			ints.Append(nil)
			times.Append(nil)
			decs.Append(nil)
		} else {
			ints.Append(int64(i - 10))
			times.Append(t0.AddDate(0, 0, i))
			decs.Append(apd.New(int64(i*5), -2))
		}
		strs.Append("x")
	}
	for _, v := range []*Vector{ints, times, decs} {
		v.Seal()
	}
	bounds := []struct {
		v      *Vector
		lo, hi any
	}{
		{ints, int64(-3), int64(12)}, {ints, int64(12), int64(-3)}, {ints, int64(5), int64(5)},
		{times, t0.AddDate(0, 0, 3), t0.AddDate(0, 1, 0)},
		{decs, apd.New(15, -2), apd.New(1, 0)}, {decs, int64(0), apd.New(155, -2)},
	}
	for _, b := range bounds {
		for _, lo := range []Op{OpGt, OpGe} {
			for _, hi := range []Op{OpLt, OpLe} {
				for _, rs := range []Rows{{Lo: 0, Hi: 40}, {Lo: 7, Hi: 31}, {Sel: []int32{0, 3, 4, 8, 13, 22, 39}}} {
					got, ok := b.v.CompareRange(lo, b.lo, hi, b.hi, rs, nil)
					first, ok1 := b.v.CompareConst(lo, b.lo, rs, nil)
					want, ok2 := b.v.CompareConst(hi, b.hi, Rows{Sel: first}, nil)
					if len(first) == 0 {
						want = nil
					}
					if !ok || !ok1 || !ok2 || !slices.Equal(got, want) {
						t.Errorf("%v %d %v and %d %v over %v: got %v (%v), want %v", b.v.Kind(), lo, b.lo, hi, b.hi, rs, got, ok, want)
					}
				}
			}
		}
	}
	if _, ok := strs.CompareRange(OpGe, "a", OpLt, "z", Rows{Lo: 0, Hi: 40}, nil); ok {
		t.Error("text ranges are compared twice, not in one pass")
	}
	if _, ok := decs.CompareRange(OpGe, apd.New(1, -3), OpLt, int64(1), Rows{Lo: 0, Hi: 40}, nil); ok {
		t.Error("a bound with more digits than the vector's scale is compared twice")
	}
}
