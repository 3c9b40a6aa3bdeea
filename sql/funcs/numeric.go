package funcs

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// exact is the context for numeric addition, subtraction and multiplication:
// no rounding, like PostgreSQL, within apd's exponent limits.
var exact = func() *apd.Context {
	c := apd.BaseContext
	c.Traps = apd.DefaultTraps
	return &c
}()

// minSigDigits is PostgreSQL's NUMERIC_MIN_SIG_DIGITS: division and the
// transcendental functions keep at least this many significant digits.
const minSigDigits = 16

// maxDisplayScale caps result scales (NUMERIC_MAX_DISPLAY_SCALE).
const maxDisplayScale = 1000

// kind classifies a numeric value for promotion: int < numeric < float.
type numKind int

const (
	kNone numKind = iota
	kInt
	kDec
	kFloat
)

func kindOf(v types.Value) numKind {
	switch v.(type) {
	case int64:
		return kInt
	case *apd.Decimal:
		return kDec
	case float64:
		return kFloat
	}
	return kNone
}

func decFromInt(i int64) *apd.Decimal { return apd.New(i, 0) }

func decFromFloat(f float64) (*apd.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errs.New(errs.NumericOutOfRange, "cannot convert infinity or NaN to numeric")
	}
	d, _, err := apd.NewFromString(strconv.FormatFloat(f, 'g', -1, 64))
	if err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "numeric out of range")
	}
	return d, nil
}

// toDec converts an int64, float64 or decimal to a decimal.
func toDec(v types.Value) (*apd.Decimal, error) {
	switch x := v.(type) {
	case int64:
		return decFromInt(x), nil
	case float64:
		return decFromFloat(x)
	case *apd.Decimal:
		return x, nil
	case string:
		d, _, err := apd.NewFromString(strings.TrimSpace(x))
		if err != nil {
			return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type numeric: %q", x)
		}
		return d, nil
	case bool:
		if x {
			return decFromInt(1), nil
		}
		return decFromInt(0), nil
	}
	return nil, errs.Errorf(errs.DatatypeMismatch, "cannot convert %s to numeric", types.TypeOf(v))
}

// ToFloat converts a number (or numeric text) to float64.
func ToFloat(v types.Value) (float64, error) { return toFloat(v) }

// toFloat converts a number (or numeric text) to float64.
func toFloat(v types.Value) (float64, error) {
	switch x := v.(type) {
	case int64:
		return float64(x), nil
	case float64:
		return x, nil
	case *apd.Decimal:
		f, err := x.Float64()
		if err != nil {
			return 0, errs.New(errs.NumericOutOfRange, "value out of range for type double precision")
		}
		return f, nil
	case string:
		f, err := types.ParseFloat(x, types.Float8)
		if err != nil {
			return 0, err
		}
		return f.(float64), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, errs.Errorf(errs.DatatypeMismatch, "cannot convert %s to double precision", types.TypeOf(v))
}

// toInt converts a number (or integer text) to int64; floats and decimals
// round to nearest as PostgreSQL's casts do.
func toInt(v types.Value) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case string:
		n, err := types.Cast(x, types.Int8)
		if err != nil {
			return 0, err
		}
		return n.(int64), nil
	}
	n, err := types.Cast(v, types.Int8)
	if err != nil {
		return 0, err
	}
	return n.(int64), nil
}

// toText renders any non-NULL value as text (strings unchanged).
func toText(v types.Value) string {
	if s, ok := v.(string); ok {
		return s
	}
	if iv, ok := v.(Interval); ok {
		return iv.String()
	}
	return types.FormatText(v)
}

// dscale is a decimal's display scale: digits after the point.
func dscale(d *apd.Decimal) int32 {
	if d.Exponent < 0 {
		return -d.Exponent
	}
	return 0
}

// pgWeight returns PostgreSQL's base-10000 weight of d and its first
// base-10000 digit; zero has weight 0 and first digit 0.
func pgWeight(d *apd.Decimal) (int64, int64) {
	if d.IsZero() {
		return 0, 0
	}
	digits := d.Coeff.String()
	p := int64(len(digits)) + int64(d.Exponent) - 1 // power of ten of the leading digit
	w := floorDiv(p, 4)
	n := p - 4*w + 1 // digits in the first group
	var first int64
	for i := int64(0); i < n; i++ {
		first *= 10
		if i < int64(len(digits)) {
			first += int64(digits[i] - '0')
		}
	}
	return w, first
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// divScale is PostgreSQL's select_div_scale.
func divScale(a, b *apd.Decimal) int32 {
	w1, f1 := pgWeight(a)
	w2, f2 := pgWeight(b)
	qw := w1 - w2
	if f1 <= f2 {
		qw--
	}
	rs := int64(minSigDigits) - qw*4
	rs = max(rs, int64(dscale(a)), int64(dscale(b)), 0)
	return int32(min(rs, maxDisplayScale))
}

// roundTo rounds d half away from zero to scale digits.
func roundTo(d *apd.Decimal, scale int32) (*apd.Decimal, error) {
	return quantize(d, scale, apd.RoundHalfUp)
}

// quantize sets d's scale with the given rounding.
func quantize(d *apd.Decimal, scale int32, rounding apd.Rounder) (*apd.Decimal, error) {
	p := max(magnitude(d)+1, 1) + int64(max(scale, 0)) + 2
	c := exact.WithPrecision(uint32(min(p, 100000)))
	c.Rounding = rounding
	r := new(apd.Decimal)
	if _, err := c.Quantize(r, d, -scale); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "numeric field overflow")
	}
	return r, nil
}

// precFor returns a working precision big enough for a result of magnitude
// about 10^mag to carry scale digits after the point.
func precFor(mag int64, scale int32) uint32 {
	p := mag + int64(scale) + 10
	if p < 20 {
		p = 20
	}
	return uint32(p)
}

// magnitude estimates floor(log10(|d|)); zero gives 0.
func magnitude(d *apd.Decimal) int64 {
	if d.IsZero() {
		return 0
	}
	return d.NumDigits() + int64(d.Exponent) - 1
}

func decDiv(a, b *apd.Decimal) (*apd.Decimal, error) {
	if b.IsZero() {
		return nil, divZero()
	}
	scale := divScale(a, b)
	c := exact.WithPrecision(precFor(magnitude(a)-magnitude(b)+1, scale))
	r := new(apd.Decimal)
	if _, err := c.Quo(r, a, b); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "numeric out of range")
	}
	return roundTo(r, scale)
}

// decDivInt is numeric division truncated toward zero (div()).
func decDivTrunc(a, b *apd.Decimal) (*apd.Decimal, error) {
	if b.IsZero() {
		return nil, divZero()
	}
	c := exact.WithPrecision(precFor(magnitude(a)-magnitude(b)+1, 0))
	r := new(apd.Decimal)
	if _, err := c.QuoInteger(r, a, b); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "numeric out of range")
	}
	return r, nil
}

func decOp(op string, a, b *apd.Decimal) (*apd.Decimal, error) {
	if r, ok := decFast(op, a, b); ok {
		return r, nil
	}
	r := new(apd.Decimal)
	var err error
	switch op {
	case "+", "-", "*":
		return exactArith(op, a, b)
	case "/":
		return decDiv(a, b)
	case "%":
		if b.IsZero() {
			return nil, divZero()
		}
		c := exact.WithPrecision(precFor(max(magnitude(a), magnitude(b))+1, max(dscale(a), dscale(b))))
		_, err = c.Rem(r, a, b)
	case "^":
		return decPow(a, b)
	default:
		return nil, undefinedOp(op, types.Numeric, types.Numeric)
	}
	if err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return r, nil
}

// exactArith is numeric +, - or * in apd's exact context (no rounding),
// the general path decFast stands in for.
func exactArith(op string, a, b *apd.Decimal) (*apd.Decimal, error) {
	r := new(apd.Decimal)
	var err error
	switch op {
	case "+":
		_, err = exact.Add(r, a, b)
	case "-":
		_, err = exact.Sub(r, a, b)
	case "*":
		_, err = exact.Mul(r, a, b)
	default:
		return nil, undefinedOp(op, types.Numeric, types.Numeric)
	}
	if err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return r, nil
}

// decFunc evaluates a transcendental apd function and rounds the result to
// the scale that scaleOf picks from a first approximation of the result.
func decFunc(x *apd.Decimal, f func(c *apd.Context, r, x *apd.Decimal) (apd.Condition, error), scaleOf func(x, approx *apd.Decimal) int32) (*apd.Decimal, error) {
	r := new(apd.Decimal)
	c := exact.WithPrecision(precFor(magnitude(x), dscale(x)))
	if _, err := f(c, r, x); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	scale := clampScale(int64(scaleOf(x, r)), dscale(x))
	c = exact.WithPrecision(precFor(magnitude(r)+1, scale))
	if _, err := f(c, r, x); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return roundTo(r, scale)
}

func clampScale(rs int64, inScale ...int32) int32 {
	for _, s := range inScale {
		rs = max(rs, int64(s))
	}
	return int32(min(max(rs, 0), maxDisplayScale))
}

// Scale rules of PostgreSQL's numeric transcendental functions.
// lnScale follows estimate_ln_dweight: near 1 the weight of x-1, else the
// truncated log10 of |ln x|.
func lnScale(x, approx *apd.Decimal) int32 {
	lo, hi := apd.New(9, -1), apd.New(11, -1)
	var w int64
	if x.Cmp(lo) >= 0 && x.Cmp(hi) <= 0 {
		d := new(apd.Decimal)
		_, _ = exact.Sub(d, x, apd.New(1, 0))
		w = magnitude(d)
	} else {
		f, _ := x.Float64()
		w = int64(math.Log10(math.Abs(math.Log(f))))
		if math.IsInf(f, 0) || f == 0 {
			w = magnitude(approx)
		}
	}
	return int32(minSigDigits - w)
}

func decPow(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.IsZero() && b.Sign() < 0 {
		return nil, errs.New(codeInvalidArgForPower, "zero raised to a negative power is undefined")
	}
	var integ, frac apd.Decimal
	b.Modf(&integ, &frac)
	if a.Sign() < 0 && !frac.IsZero() {
		return nil, errs.New(codeInvalidArgForPower, "a negative number raised to a non-integer power yields a complex result")
	}
	// Estimate the result's decimal weight with floats to size the precision.
	af, _ := a.Float64()
	bf, _ := b.Float64()
	est := bf * math.Log10(math.Abs(af))
	if math.IsNaN(est) || math.IsInf(est, 0) || a.IsZero() {
		est = 0
	}
	if est > 1e5 {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	var scale int32
	if frac.IsZero() {
		scale = clampScale(minSigDigits, dscale(a))
	} else {
		scale = clampScale(minSigDigits-int64(est), dscale(a), dscale(b))
	}
	c := exact.WithPrecision(precFor(int64(math.Floor(est))+1, scale))
	r := new(apd.Decimal)
	if _, err := c.Pow(r, a, b); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return roundTo(r, scale)
}

// Integer arithmetic with overflow checks.

func addInt(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func subInt(a, b int64) (int64, bool) {
	c := a - b
	return c, (c < a) == (b > 0)
}

func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) || c/b != a {
		return 0, false
	}
	return c, true
}

// intRangeErr returns the out-of-range error for integer result type t.
func intRangeErr(t types.T) error {
	switch t {
	case types.Int2:
		return errs.New(errs.NumericOutOfRange, "smallint out of range")
	case types.Int4:
		return errs.New(errs.NumericOutOfRange, "integer out of range")
	}
	return bigintRange()
}

// checkInt checks i against the static integer type t.
func checkInt(i int64, t types.T) (types.Value, error) {
	switch t {
	case types.Int2:
		if i < math.MinInt16 || i > math.MaxInt16 {
			return nil, intRangeErr(t)
		}
	case types.Int4:
		if i < math.MinInt32 || i > math.MaxInt32 {
			return nil, intRangeErr(t)
		}
	}
	return i, nil
}

func intOp(op string, a, b int64, rt types.T) (types.Value, error) {
	var c int64
	ok := true
	switch op {
	case "+":
		c, ok = addInt(a, b)
	case "-":
		c, ok = subInt(a, b)
	case "*":
		c, ok = mulInt(a, b)
	case "/":
		if b == 0 {
			return nil, divZero()
		}
		if a == math.MinInt64 && b == -1 {
			return nil, bigintRange()
		}
		c = a / b
	case "%":
		if b == 0 {
			return nil, divZero()
		}
		if b == -1 {
			return int64(0), nil
		}
		c = a % b
	case "^":
		return floatOp(op, float64(a), float64(b))
	case "&":
		c = a & b
	case "|":
		c = a | b
	case "#":
		c = a ^ b
	case "<<", ">>":
		if b < 0 || b > 63 {
			c = 0
			if op == ">>" && a < 0 {
				c = -1
			}
		} else if op == "<<" {
			c = a << uint(b)
		} else {
			c = a >> uint(b)
		}
		// Shifts wrap to the operand width as in PostgreSQL.
		switch rt {
		case types.Int2:
			c = int64(int16(c))
		case types.Int4:
			c = int64(int32(c))
		}
		return c, nil
	default:
		return nil, undefinedOp(op, types.Int8, types.Int8)
	}
	if !ok {
		return nil, intRangeErr(rt)
	}
	return checkInt(c, rt)
}

func floatOp(op string, a, b float64) (types.Value, error) {
	var c float64
	switch op {
	case "+":
		c = a + b
	case "-":
		c = a - b
	case "*":
		c = a * b
	case "/":
		if b == 0 {
			return nil, divZero()
		}
		c = a / b
	case "%":
		if b == 0 {
			return nil, divZero()
		}
		c = math.Mod(a, b)
	case "^":
		if a == 0 && b < 0 {
			return nil, errs.New(codeInvalidArgForPower, "zero raised to a negative power is undefined")
		}
		if a < 0 && b != math.Trunc(b) {
			return nil, errs.New(codeInvalidArgForPower, "a negative number raised to a non-integer power yields a complex result")
		}
		c = math.Pow(a, b)
	default:
		return nil, undefinedOp(op, types.Float8, types.Float8)
	}
	if math.IsInf(c, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return nil, floatOverflow()
	}
	if c == 0 && op == "*" && a != 0 && b != 0 && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return nil, errs.New(errs.NumericOutOfRange, "value out of range: underflow")
	}
	return c, nil
}
