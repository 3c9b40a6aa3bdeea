package funcs

import (
	"math"
	"math/rand/v2"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// mathRet: integer and float arguments give double precision, numeric
// gives numeric.
var mathRet retFn = floatOrNumeric

// unaryMath builds a one-argument function with a float and a numeric path.
func unaryMath(ff func(float64) (float64, error), df func(*apd.Decimal) (*apd.Decimal, error)) evalFn {
	return func(_ *Context, args []types.Value) (types.Value, error) {
		if d, ok := args[0].(*apd.Decimal); ok && df != nil {
			return df(d)
		}
		f, err := toFloat(args[0])
		if err != nil {
			return nil, err
		}
		return ff(f)
	}
}

func checkFloat(f float64) (float64, error) {
	if math.IsInf(f, 0) {
		return 0, floatOverflow()
	}
	return f, nil
}

func init() {
	def("abs", 1, 1, "n", retFn(sameNumeric), func(_ *Context, a []types.Value) (types.Value, error) {
		switch x := a[0].(type) {
		case int64:
			if x == math.MinInt64 {
				return nil, bigintRange()
			}
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case *apd.Decimal:
			return new(apd.Decimal).Abs(x), nil
		}
		f, err := toFloat(a[0])
		return math.Abs(f), err
	})
	roundLike := func(ff func(float64) float64, df func(c *apd.Context, r, x *apd.Decimal) (apd.Condition, error)) evalFn {
		return unaryMath(func(f float64) (float64, error) { return ff(f), nil }, func(d *apd.Decimal) (*apd.Decimal, error) {
			r := new(apd.Decimal)
			if _, err := df(exact, r, d); err != nil {
				return nil, errs.New(errs.NumericOutOfRange, "numeric out of range")
			}
			return r, nil
		})
	}
	def("ceil ceiling", 1, 1, "n", mathRet, roundLike(math.Ceil, (*apd.Context).Ceil))
	def("floor", 1, 1, "n", mathRet, roundLike(math.Floor, (*apd.Context).Floor))
	def("round", 1, 2, "ni", retFn(func(a []types.T) (types.T, error) {
		if len(a) == 2 {
			return types.Numeric, nil
		}
		return floatOrNumeric(a)
	}), func(_ *Context, a []types.Value) (types.Value, error) {
		if len(a) == 1 {
			if d, ok := a[0].(*apd.Decimal); ok {
				return roundTo(d, 0)
			}
			f, err := toFloat(a[0])
			return math.RoundToEven(f), err
		}
		return roundScale(a[0], a[1], false)
	})
	def("trunc truncate", 1, 2, "ni", retFn(func(a []types.T) (types.T, error) {
		if len(a) == 2 {
			return types.Numeric, nil
		}
		return floatOrNumeric(a)
	}), func(_ *Context, a []types.Value) (types.Value, error) {
		if len(a) == 1 {
			if d, ok := a[0].(*apd.Decimal); ok {
				return roundScale(d, int64(0), true)
			}
			f, err := toFloat(a[0])
			return math.Trunc(f), err
		}
		return roundScale(a[0], a[1], true)
	})
	def("sqrt", 1, 1, "n", mathRet, unaryMath(func(f float64) (float64, error) {
		if f < 0 {
			return 0, errs.New(codeInvalidArgForPower, "cannot take square root of a negative number")
		}
		return math.Sqrt(f), nil
	}, func(d *apd.Decimal) (*apd.Decimal, error) {
		if d.Sign() < 0 {
			return nil, errs.New(codeInvalidArgForPower, "cannot take square root of a negative number")
		}
		w, _ := pgWeight(d)
		sweight := (w+1)*4/2 - 1
		return decFunc(d, (*apd.Context).Sqrt, func(_, _ *apd.Decimal) int32 { return int32(minSigDigits - sweight) })
	}))
	def("cbrt", 1, 1, "n", types.Float8, unaryMath(func(f float64) (float64, error) { return math.Cbrt(f), nil }, nil))
	def("exp", 1, 1, "n", mathRet, unaryMath(func(f float64) (float64, error) { return checkFloat(math.Exp(f)) },
		func(d *apd.Decimal) (*apd.Decimal, error) {
			f, _ := d.Float64()
			if f > 1e5 {
				return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
			}
			est := int64(max(min(f*0.434294481903252, 2000), -2000))
			return decFunc(d, (*apd.Context).Exp, func(_, _ *apd.Decimal) int32 { return int32(minSigDigits - est) })
		}))
	lnCheck := func(f float64) error {
		switch {
		case f == 0:
			return errs.New(codeInvalidArgForLog, "cannot take logarithm of zero")
		case f < 0:
			return errs.New(codeInvalidArgForLog, "cannot take logarithm of a negative number")
		}
		return nil
	}
	logOf := func(ff func(float64) float64, df func(c *apd.Context, r, x *apd.Decimal) (apd.Condition, error)) evalFn {
		return unaryMath(func(f float64) (float64, error) {
			if err := lnCheck(f); err != nil {
				return 0, err
			}
			return ff(f), nil
		}, func(d *apd.Decimal) (*apd.Decimal, error) {
			if err := lnCheck(float64(d.Sign())); err != nil {
				return nil, err
			}
			return decFunc(d, df, lnScale)
		})
	}
	def("ln", 1, 1, "n", mathRet, logOf(math.Log, (*apd.Context).Ln))
	def("log10", 1, 1, "n", mathRet, logOf(math.Log10, (*apd.Context).Log10))
	def("log", 1, 2, "n", mathRet, func(c *Context, a []types.Value) (types.Value, error) {
		if len(a) == 1 {
			return logOf(math.Log10, (*apd.Context).Log10)(c, a)
		}
		return logBase(a[0], a[1])
	})
	def("power pow", 2, 2, "n", mathRet, func(_ *Context, a []types.Value) (types.Value, error) {
		if kindOf(a[0]) == kDec || kindOf(a[1]) == kDec {
			x, err := toDec(a[0])
			if err != nil {
				return nil, err
			}
			y, err := toDec(a[1])
			if err != nil {
				return nil, err
			}
			return decPow(x, y)
		}
		x, err := toFloat(a[0])
		if err != nil {
			return nil, err
		}
		y, err := toFloat(a[1])
		if err != nil {
			return nil, err
		}
		return floatOp("^", x, y)
	})
	def("mod", 2, 2, "n", retFn(func(a []types.T) (types.T, error) {
		if t, err := arithType("%", a[0], a[1]); err == nil && t != types.Doc && t != types.Unknown {
			return t, nil
		}
		return types.Numeric, nil
	}), func(_ *Context, a []types.Value) (types.Value, error) {
		return arith("%", a[0], a[1], types.Unknown)
	})
	def("div", 2, 2, "n", types.Numeric, func(_ *Context, a []types.Value) (types.Value, error) {
		x, err := toDec(a[0])
		if err != nil {
			return nil, err
		}
		y, err := toDec(a[1])
		if err != nil {
			return nil, err
		}
		return decDivTrunc(x, y)
	})
	def("sign", 1, 1, "n", mathRet, func(_ *Context, a []types.Value) (types.Value, error) {
		switch x := a[0].(type) {
		case *apd.Decimal:
			return apd.New(int64(x.Sign()), 0), nil
		}
		f, err := toFloat(a[0])
		if err != nil {
			return nil, err
		}
		switch {
		case f > 0:
			return 1.0, nil
		case f < 0:
			return -1.0, nil
		}
		return 0.0, nil
	})
	def("pi", 0, 0, "", types.Float8, func(*Context, []types.Value) (types.Value, error) { return math.Pi, nil })
	def("random", 0, 0, "", types.Float8, func(*Context, []types.Value) (types.Value, error) {
		return rand.Float64(), nil
	}, volatile)
	def("degrees", 1, 1, "n", types.Float8, unaryMath(func(f float64) (float64, error) { return f * 180 / math.Pi, nil }, nil))
	def("radians", 1, 1, "n", types.Float8, unaryMath(func(f float64) (float64, error) { return f * math.Pi / 180, nil }, nil))
	trig := map[string]func(float64) float64{
		"sin": math.Sin, "cos": math.Cos, "tan": math.Tan, "asin": math.Asin, "acos": math.Acos, "atan": math.Atan,
		"sinh": math.Sinh, "cosh": math.Cosh, "tanh": math.Tanh,
	}
	for name, fn := range trig {
		fn := fn
		def(name, 1, 1, "n", types.Float8, unaryMath(func(f float64) (float64, error) {
			r := fn(f)
			if math.IsNaN(r) && !math.IsNaN(f) {
				return 0, errs.New(errs.NumericOutOfRange, "input is out of range")
			}
			return r, nil
		}, nil))
	}
	def("cot", 1, 1, "n", types.Float8, unaryMath(func(f float64) (float64, error) { return 1 / math.Tan(f), nil }, nil))
	def("atan2", 2, 2, "n", types.Float8, func(_ *Context, a []types.Value) (types.Value, error) {
		y, err := toFloat(a[0])
		if err != nil {
			return nil, err
		}
		x, err := toFloat(a[1])
		return math.Atan2(y, x), err
	})
	def("gcd", 2, 2, "i", retFn(func(a []types.T) (types.T, error) { return arithType("+", a[0], a[1]) }), func(_ *Context, a []types.Value) (types.Value, error) {
		x, err := toInt(a[0])
		if err != nil {
			return nil, err
		}
		y, err := toInt(a[1])
		if err != nil {
			return nil, err
		}
		for y != 0 {
			x, y = y, x%y
		}
		if x == math.MinInt64 {
			return nil, bigintRange()
		}
		if x < 0 {
			x = -x
		}
		return x, nil
	})
}

// roundScale is round(x, n) / trunc(x, n) on numeric.
func roundScale(x, n types.Value, trunc bool) (types.Value, error) {
	d, err := toDec(x)
	if err != nil {
		return nil, err
	}
	s, err := toInt(n)
	if err != nil {
		return nil, err
	}
	s = max(min(s, maxDisplayScale), -maxDisplayScale)
	rounding := apd.RoundHalfUp
	if trunc {
		rounding = apd.RoundDown
	}
	r, err := quantize(d, int32(s), rounding)
	if err != nil {
		return nil, err
	}
	if s < 0 {
		// PostgreSQL shows the rounded value with scale 0.
		return quantize(r, 0, rounding)
	}
	return r, nil
}

func logBase(b, x types.Value) (types.Value, error) {
	if kindOf(b) != kDec && kindOf(x) != kDec {
		bf, err := toFloat(b)
		if err != nil {
			return nil, err
		}
		xf, err := toFloat(x)
		if err != nil {
			return nil, err
		}
		if bf <= 0 || xf <= 0 {
			if bf == 0 || xf == 0 {
				return nil, errs.New(codeInvalidArgForLog, "cannot take logarithm of zero")
			}
			return nil, errs.New(codeInvalidArgForLog, "cannot take logarithm of a negative number")
		}
		if bf == 1 {
			return nil, divZero()
		}
		return math.Log(xf) / math.Log(bf), nil
	}
	bd, err := toDec(b)
	if err != nil {
		return nil, err
	}
	xd, err := toDec(x)
	if err != nil {
		return nil, err
	}
	for _, d := range []*apd.Decimal{bd, xd} {
		if d.IsZero() {
			return nil, errs.New(codeInvalidArgForLog, "cannot take logarithm of zero")
		}
		if d.Sign() < 0 {
			return nil, errs.New(codeInvalidArgForLog, "cannot take logarithm of a negative number")
		}
	}
	c := exact.WithPrecision(60)
	lb, lx := new(apd.Decimal), new(apd.Decimal)
	if _, err := c.Ln(lb, bd); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if _, err := c.Ln(lx, xd); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if lb.IsZero() {
		return nil, divZero()
	}
	q := new(apd.Decimal)
	if _, err := c.Quo(q, lx, lb); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return roundTo(q, clampScale(minSigDigits-magnitude(q), dscale(bd), dscale(xd)))
}
