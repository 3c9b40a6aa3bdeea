package funcs

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/sql/types"
)

// sameDec: identical form, sign, coefficient and exponent (1.50 is not
// 1.5 here).
func sameDec(a, b *apd.Decimal) bool {
	return a.Form == b.Form && a.Negative == b.Negative && a.Exponent == b.Exponent && a.Coeff.Cmp(&b.Coeff) == 0
}

func checkFast(t *testing.T, op string, a, b *apd.Decimal) {
	t.Helper()
	got, ok := decFast(op, a, b)
	if !ok {
		return
	}
	want, err := exactArith(op, a, b)
	if err != nil {
		t.Fatalf("%s %s %s: fast path answered %s, the exact context failed: %v", a, op, b, got, err)
	}
	if !sameDec(got, want) {
		t.Fatalf("%s %s %s = %s (exp %d), want %s (exp %d)", a, op, b, got, got.Exponent, want, want.Exponent)
	}
}

func TestDecFastMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	coeff := func() int64 {
		switch r.IntN(4) {
		case 0:
			return r.Int64N(1000) - 500
		case 1:
			return r.Int64N(1e15) - 5e14
		case 2:
			return math.MaxInt64 - r.Int64N(1000)
		default:
			return -(math.MaxInt64 - r.Int64N(1000))
		}
	}
	hits := 0
	for range 200000 {
		a := apd.New(coeff(), int32(r.IntN(41)-20))
		b := apd.New(coeff(), int32(r.IntN(41)-20))
		for _, op := range []string{"+", "-", "*"} {
			checkFast(t, op, a, b)
			if _, ok := decFast(op, a, b); ok {
				hits++
			}
		}
	}
	if hits < 100000 {
		t.Fatalf("the fast path answered only %d of 600,000 operations (expected most of the small ones)", hits)
	}
	// Edges: zeros, results that cancel, overflow, non-finite operands.
	zero, negZero := apd.New(0, -2), apd.New(0, -2)
	negZero.Negative = true
	nan := &apd.Decimal{Form: apd.NaN}
	for _, c := range [][2]*apd.Decimal{
		{apd.New(150, -2), apd.New(150, -2)}, {apd.New(150, -2), apd.New(-150, -2)},
		{zero, apd.New(5, 0)}, {negZero, apd.New(5, 0)}, {nan, apd.New(1, 0)},
		{apd.New(math.MaxInt64, 0), apd.New(1, 0)}, {apd.New(math.MaxInt64, 0), apd.New(2, 0)},
		{apd.New(1, 30), apd.New(1, -30)}, {apd.New(7, 1000), apd.New(3, -1000)},
	} {
		for _, op := range []string{"+", "-", "*"} {
			checkFast(t, op, c[0], c[1])
		}
	}
	if _, ok := decFast("+", apd.New(150, -2), apd.New(-150, -2)); ok {
		t.Fatal("a zero result must take the general path")
	}
	if _, ok := decFast("+", apd.New(math.MaxInt64, 0), apd.New(1, 0)); ok {
		t.Fatal("an overflowing sum must take the general path")
	}
}

func FuzzDecFast(f *testing.F) {
	f.Add(int64(1999), int32(-2), int64(-5), int32(-2))
	f.Add(int64(math.MaxInt64), int32(0), int64(10), int32(1))
	f.Fuzz(func(t *testing.T, ca int64, ea int32, cb int64, eb int32) {
		if ca == math.MinInt64 || cb == math.MinInt64 {
			return
		}
		a, b := apd.New(ca, ea%2000), apd.New(cb, eb%2000)
		for _, op := range []string{"+", "-", "*"} {
			checkFast(t, op, a, b)
		}
	})
}

// refSum is numAcc's sum before the int64 fast path: int64 while it fits,
// then apd's exact additions.
func refSum(vals []any) *apd.Decimal {
	var i int64
	var dec *apd.Decimal
	for _, v := range vals {
		if x, ok := v.(int64); ok && dec == nil {
			if s, ok := addInt(i, x); ok {
				i = s
				continue
			}
		}
		if dec == nil {
			dec = decFromInt(i)
		}
		d, _ := toDec(v)
		r := new(apd.Decimal)
		if _, err := exact.Add(r, dec, d); err != nil {
			panic(err)
		}
		dec = r
	}
	if dec == nil {
		return decFromInt(i)
	}
	return dec
}

// sum() over numerics keeps the exact result, scale included, whether it
// stays in int64 or spills into apd.
func TestSumMatchesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for n := range 3000 {
		var vals []any
		big := n%10 == 0 // sums that overflow int64 part way
		for range 1 + r.IntN(40) {
			switch r.IntN(5) {
			case 0:
				vals = append(vals, r.Int64N(2000)-1000)
			case 1:
				vals = append(vals, apd.New(0, int32(-r.IntN(4))))
			default:
				c := r.Int64N(1e9) - 5e8
				if big {
					c = math.MaxInt64/4 - r.Int64N(1000)
				}
				vals = append(vals, apd.New(c, int32(r.IntN(7)-4)))
			}
		}
		var acc sumAcc
		for _, v := range vals {
			if err := acc.Add([]any{v}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := acc.Result()
		if err != nil {
			t.Fatal(err)
		}
		want := refSum(vals)
		gd, ok := got.(*apd.Decimal)
		if !ok {
			if gi, isInt := got.(int64); isInt && sameDec(decFromInt(gi), want) {
				continue // all integers: the sum stays int64
			}
			t.Fatalf("sum %v = %v (%T), want %s", vals, got, got, want)
		}
		if !sameDec(gd, want) {
			t.Fatalf("sum %v = %s (exp %d), want %s (exp %d)", vals, gd, gd.Exponent, want, want.Exponent)
		}
	}
}

// TestArithIntegerAndNumeric: an integer operand of a numeric expression
// (1 - l_discount) gives exactly what converting it to a decimal first
// gives, on the fast path and off it (zero, MinInt64, large exponents).
func TestArithIntegerAndNumeric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	ints := []int64{0, 1, -1, 7, 1000, math.MaxInt64, math.MinInt64, -math.MaxInt64}
	for range 20000 {
		ints = append(ints[:8], r.Int64N(2e6)-1e6)
		i := ints[r.IntN(len(ints))]
		d := apd.New(r.Int64N(2e9)-1e9, int32(r.IntN(9)-6))
		for _, op := range []string{"+", "-", "*"} {
			for _, swap := range []bool{false, true} {
				l, rr := types.Value(i), types.Value(d)
				la, ra := apd.New(0, 0).SetInt64(i), d
				if swap {
					l, rr, la, ra = rr, l, ra, la
				}
				got, err := arith(op, l, rr, types.Numeric)
				want, werr := exactArith(op, la, ra)
				if (err != nil) != (werr != nil) {
					t.Fatalf("%v %s %v: err %v, want err %v", l, op, rr, err, werr)
				}
				if err == nil && !sameDec(got.(*apd.Decimal), want) {
					t.Fatalf("%v %s %v = %s, want %s", l, op, rr, got, want)
				}
			}
		}
	}
}

// TestBinaryInMatchesBinary: results taken from a DecAlloc's slabs equal
// the heap path's, and earlier results stay intact as slabs fill.
func TestBinaryInMatchesBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 4))
	var a DecAlloc
	type kept struct {
		got  types.Value
		want string
	}
	var keep []kept
	for range 5000 {
		l := types.Value(apd.New(r.Int64N(2e9)-1e9, int32(r.IntN(7)-4)))
		var rv types.Value = apd.New(r.Int64N(2e6)-1e6, int32(r.IntN(5)-2))
		if r.IntN(3) == 0 {
			rv = r.Int64N(200) - 100
		}
		for _, op := range []string{"+", "-", "*"} {
			got, err := BinaryIn(&a, op, l, rv, types.Numeric)
			want, werr := Binary(op, l, rv, types.Numeric)
			if (err != nil) != (werr != nil) {
				t.Fatalf("%v %s %v: err %v, want %v", l, op, rv, err, werr)
			}
			if err != nil {
				continue
			}
			if !sameDec(got.(*apd.Decimal), want.(*apd.Decimal)) {
				t.Fatalf("%v %s %v = %v, want %v", l, op, rv, got, want)
			}
			keep = append(keep, kept{got, want.(*apd.Decimal).String()})
		}
	}
	for _, k := range keep {
		if s := k.got.(*apd.Decimal).String(); s != k.want {
			t.Fatalf("a kept result changed: %s, want %s", s, k.want)
		}
	}
}

// TestBinaryInComparisonsMatchBinary: comparisons BinaryIn answers on its
// same-kind path (integers, decimals, times, texts) equal Binary's, and
// mixed kinds, NULLs and other operators still get Binary's answer.
func TestBinaryInComparisonsMatchBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 11))
	t0 := time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC)
	value := func() types.Value {
		switch r.IntN(7) {
		case 0:
			return r.Int64N(11) - 5
		case 1:
			return apd.New(r.Int64N(21)-10, int32(r.IntN(3)-1))
		case 2:
			return t0.Add(time.Duration(r.IntN(5)-2) * time.Hour)
		case 3:
			return []string{"", "a", "ab", "b", "B"}[r.IntN(5)]
		case 4:
			return float64(r.IntN(5)) / 2
		case 5:
			return nil
		}
		return apd.New(0, 0)
	}
	var a DecAlloc
	for range 20000 {
		l, rv := value(), value()
		for _, op := range []string{"=", "<>", "!=", "<", "<=", ">", ">=", "IS DISTINCT FROM", "LIKE"} {
			got, err := BinaryIn(&a, op, l, rv, types.Bool)
			want, werr := Binary(op, l, rv, types.Bool)
			if (err != nil) != (werr != nil) || got != want {
				t.Fatalf("%#v %s %#v = %v (%v), want %v (%v)", l, op, rv, got, err, want, werr)
			}
		}
	}
}

// TestDecAllocNewMatchesSetFinite: a slab decimal is exactly what
// SetFinite makes of the same coefficient and exponent, extremes included.
func TestDecAllocNewMatchesSetFinite(t *testing.T) {
	var a DecAlloc
	for _, c := range []int64{0, 1, -1, 12345, -12345, math.MaxInt64, math.MinInt64} {
		for _, e := range []int32{-2, 0, 3} {
			got, want := a.New(c, e), new(apd.Decimal).SetFinite(c, e)
			if got.Form != want.Form || got.Negative != want.Negative || got.Exponent != want.Exponent || got.Coeff.Cmp(&want.Coeff) != 0 {
				t.Fatalf("New(%d, %d) = %+v, SetFinite %+v", c, e, got, want)
			}
		}
	}
}
