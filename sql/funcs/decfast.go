package funcs

import (
	"math"
	"math/bits"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/sql/types"
)

// Numeric addition, subtraction and multiplication of small operands in
// int64: a DECIMAL(p,s) value with p ≤ 18 is an integer coefficient and an
// exponent, and exact arithmetic on such pairs needs neither apd's
// arbitrary-precision code nor its rounding context. The result is the one
// apd's exact context gives (same coefficient, exponent and sign); anything
// else (overflow, a zero result, an operand that is not a small finite
// number) reports !ok and takes the general path.

// maxFastExp bounds the exponents handled here, far inside apd's limits.
const maxFastExp = 1000

// smallDec returns d as a signed int64 coefficient and its exponent.
func smallDec(d *apd.Decimal) (int64, int32, bool) {
	if d.Form != apd.Finite || d.Exponent > maxFastExp || d.Exponent < -maxFastExp || !d.Coeff.IsInt64() {
		return 0, 0, false
	}
	c := d.Coeff.Int64()
	if c == 0 {
		return 0, 0, false // zeros keep their sign rules on the general path
	}
	if d.Negative {
		c = -c
	}
	return c, d.Exponent, true
}

var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mulInt64 multiplies with an overflow check.
func mulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // MinInt64 never gets here: IsInt64 coefficients are ≥ -MaxInt64
	}
	return uint64(a)
}

// alignDec scales the coefficient with the larger exponent down to the
// smaller exponent.
func alignDec(ca int64, ea int32, cb int64, eb int32) (int64, int64, int32, bool) {
	switch {
	case ea == eb:
		return ca, cb, ea, true
	case ea > eb:
		d := int(ea - eb)
		if d >= len(pow10) {
			return 0, 0, 0, false
		}
		s, ok := mulInt64(ca, pow10[d])
		return s, cb, eb, ok
	default:
		d := int(eb - ea)
		if d >= len(pow10) {
			return 0, 0, 0, false
		}
		s, ok := mulInt64(cb, pow10[d])
		return ca, s, ea, ok
	}
}

// decFast computes a op b for op in + - * when both are small, into a new
// decimal.
func decFast(op string, a, b *apd.Decimal) (*apd.Decimal, bool) {
	return fastNumeric(nil, op, a, b, types.Numeric)
}

// smallNum is smallDec for a numeric operand that may also be an
// integer (the 1 of 1 - l_discount): an integer is its own coefficient
// with exponent 0, as converting it to a decimal would give.
func smallNum(v types.Value) (int64, int32, bool) {
	switch x := v.(type) {
	case *apd.Decimal:
		return smallDec(x)
	case int64:
		if x == 0 || x == math.MinInt64 {
			return 0, 0, false // as smallDec: zeros take the general path
		}
		return x, 0, true
	}
	return 0, 0, false
}

// fastPair computes the coefficient and exponent of a op b.
func fastPair(op string, ca int64, ea int32, cb int64, eb int32) (int64, int32, bool) {
	var c int64
	var e int32
	switch op {
	case "+", "-":
		if op == "-" {
			cb = -cb
		}
		s, exp, ok := addScaled(ca, ea, cb, eb)
		if !ok {
			return 0, 0, false
		}
		c, e = s, exp
	case "*":
		p, ok := mulInt64(ca, cb)
		if !ok {
			return 0, 0, false
		}
		c, e = p, ea+eb
	default:
		return 0, 0, false
	}
	if c == 0 {
		return 0, 0, false
	}
	return c, e, true
}

// FastPair is numeric op (+, -, *) of two small non-zero operands given
// as coefficients and exponents, as BinaryIn computes it on its int64
// path; ok is false when that path does not apply (a zero result,
// overflow) and the caller must take the general one.
func FastPair(op string, ca int64, ea int32, cb int64, eb int32) (int64, int32, bool) {
	if ca == 0 || cb == 0 || ca == math.MinInt64 || cb == math.MinInt64 ||
		ea > maxFastExp || ea < -maxFastExp || eb > maxFastExp || eb < -maxFastExp {
		return 0, 0, false
	}
	return fastPair(op, ca, ea, cb, eb)
}

// SmallDec is d as a signed int64 coefficient and its exponent, when d is
// finite, not zero, and that small (what BinaryIn's int64 path takes).
func SmallDec(d *apd.Decimal) (int64, int32, bool) { return smallDec(d) }

// DecAlloc hands out decimals from slabs of decSlab values: an operator
// evaluating an expression per row allocates once per slab instead of
// once per result. A value kept pins its slab (1.5 KiB). The zero value
// is ready; nil allocates each value on the heap. Not safe for concurrent
// use (each goroutine of a query has its own).
type DecAlloc struct {
	decs []apd.Decimal
	slab []apd.Decimal // the slab decs is cut from (Recycle)
}

// Fresh makes New cut the results from here on from a slab of their own,
// so Recycle never hands out again one made before.
func (a *DecAlloc) Fresh() { a.decs, a.slab = nil, nil }

// Recycle lets New hand out again the decimals of the current slab: the
// caller keeps none of the results since Fresh or the previous Recycle
// (New sets a decimal whole).
func (a *DecAlloc) Recycle() { a.decs = a.slab }

const decSlab = 32

// New returns coeff × 10^exp.
func (a *DecAlloc) New(coeff int64, exp int32) *apd.Decimal {
	if a == nil {
		return apd.New(coeff, exp)
	}
	if len(a.decs) == 0 {
		a.slab = make([]apd.Decimal, decSlab)
		a.decs = a.slab
	}
	d := &a.decs[0]
	a.decs = a.decs[1:]
	// What SetFinite does, without its signed round trip through the
	// coefficient (BigInt.Abs was 3% of a TPC-H Q1 profile).
	u := uint64(coeff)
	if coeff < 0 {
		u = -u
	}
	d.Form, d.Negative, d.Exponent = apd.Finite, coeff < 0, exp
	d.Coeff.SetUint64(u)
	return d
}

// smallDecOrZero is smallDec that also takes a positive zero (a sum adds
// zeros as exactly as other values: only the exponent can change).
func smallDecOrZero(d *apd.Decimal) (int64, int32, bool) {
	if d.Form == apd.Finite && !d.Negative && d.Coeff.Sign() == 0 && d.Exponent <= maxFastExp && d.Exponent >= -maxFastExp {
		return 0, d.Exponent, true
	}
	return smallDec(d)
}

// addScaled adds two coefficient-exponent pairs exactly, as apd's exact
// context does (the result has the smaller exponent).
func addScaled(ca int64, ea int32, cb int64, eb int32) (int64, int32, bool) {
	x, y, exp, ok := alignDec(ca, ea, cb, eb)
	if !ok {
		return 0, 0, false
	}
	s := x + y
	if (x > 0 && y > 0 && s < 0) || (x < 0 && y < 0 && s >= 0) || s == math.MinInt64 {
		return 0, 0, false
	}
	return s, exp, true
}
