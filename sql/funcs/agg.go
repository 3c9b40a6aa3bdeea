package funcs

import (
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Agg is an aggregate function.
type Agg struct {
	Name string
	// Type returns the result type for the argument types (42883 when the
	// aggregate does not apply to them).
	Type func(args []types.T) (types.T, error)
	// New returns a fresh accumulator for one group.
	New func() Accumulator
}

// Accumulator folds the rows of one group.
type Accumulator interface {
	// Add is called once per input row (after FILTER). DISTINCT is the
	// executor's job. count(*) is called with no arguments. The executor
	// reuses args for the next row: Add may keep the values, not the
	// slice.
	Add(args []types.Value) error
	// Result returns the aggregate over the rows added so far; over no
	// rows it is 0 for count and NULL for the others.
	Result() (types.Value, error)
}

// Merger is an Accumulator that can absorb another of the same aggregate
// fed with other rows: the result is the aggregate over both inputs. A
// parallel aggregation runs one accumulator per worker and merges them;
// only aggregates whose accumulators merge run that way. A float sum may
// differ in its last bits from the serial order's (as in PostgreSQL's
// parallel aggregates); integer and numeric sums are exact.
type Merger interface {
	Merge(other Accumulator) error
}

var aggs = map[string]*Agg{}

// LookupAgg finds an aggregate by lower-case name ("pg_catalog." allowed).
func LookupAgg(name string) (*Agg, bool) {
	a, ok := aggs[normName(name)]
	return a, ok
}

// IsAgg reports whether name is an aggregate function.
func IsAgg(name string) bool {
	_, ok := aggs[normName(name)]
	return ok
}

func defAgg(names string, minArgs, maxArgs int, ret func(args []types.T) (types.T, error), mk func() Accumulator) {
	for _, n := range strings.Fields(names) {
		name := n
		aggs[name] = &Agg{
			Name: name,
			Type: func(args []types.T) (types.T, error) {
				if len(args) < minArgs || len(args) > maxArgs {
					return types.Unknown, undefinedFunc(name, args)
				}
				t, err := ret(args)
				if err != nil {
					if _, ok := errs.As(err); ok {
						return types.Unknown, err
					}
					return types.Unknown, undefinedFunc(name, args)
				}
				return t, nil
			},
			New: mk,
		}
	}
}

func numericArg(args []types.T) bool {
	return len(args) == 1 && (args[0].IsNumeric() || isDyn(args[0]))
}

func init() {
	defAgg("count", 0, 1, func([]types.T) (types.T, error) { return types.Int8, nil },
		func() Accumulator { return &countAcc{} })
	defAgg("sum", 1, 1, func(a []types.T) (types.T, error) {
		switch {
		case a[0] == types.Int2 || a[0] == types.Int4:
			return types.Int8, nil
		case a[0] == types.Float4:
			return types.Float4, nil
		case a[0] == types.Float8:
			return types.Float8, nil
		case a[0] == types.Int8 || a[0] == types.Numeric || isDyn(a[0]):
			return types.Numeric, nil
		case a[0] == IntervalType:
			return IntervalType, nil
		}
		return types.Unknown, errTypeMismatch
	}, func() Accumulator { return &sumAcc{} })
	defAgg("avg", 1, 1, func(a []types.T) (types.T, error) {
		switch {
		case a[0] == types.Float4 || a[0] == types.Float8:
			return types.Float8, nil
		case numericArg(a):
			return types.Numeric, nil
		case a[0] == IntervalType:
			return IntervalType, nil
		}
		return types.Unknown, errTypeMismatch
	}, func() Accumulator { return &avgAcc{} })
	minMaxType := func(a []types.T) (types.T, error) {
		if a[0] == types.Unknown {
			return types.Text, nil
		}
		return a[0], nil
	}
	defAgg("min", 1, 1, minMaxType, func() Accumulator { return &extremeAcc{want: -1} })
	defAgg("max", 1, 1, minMaxType, func() Accumulator { return &extremeAcc{want: 1} })
	boolType := func(a []types.T) (types.T, error) {
		if a[0] != types.Bool && !isDyn(a[0]) {
			return types.Unknown, errTypeMismatch
		}
		return types.Bool, nil
	}
	defAgg("bool_and every", 1, 1, boolType, func() Accumulator { return &boolAcc{and: true} })
	defAgg("bool_or", 1, 1, boolType, func() Accumulator { return &boolAcc{} })
	defAgg("string_agg", 2, 2, func(a []types.T) (types.T, error) {
		if a[0] == types.Bytea {
			return types.Bytea, nil
		}
		return types.Text, nil
	}, func() Accumulator { return &stringAggAcc{} })
	defAgg("array_agg", 1, 1, func(a []types.T) (types.T, error) {
		// Of strings a text[] ({a,b}), of smallints and oids theirs;
		// other arrays are documents.
		switch a[0] {
		case types.Text, types.Varchar, types.Name, types.Bpchar:
			return types.TextArray, nil
		case types.Int2:
			return types.Int2Array, nil
		case types.OID:
			return types.OIDArray, nil
		}
		return types.Doc, nil
	},
		func() Accumulator { return &arrayAggAcc{} })
	defAgg("json_agg", 1, 1, func([]types.T) (types.T, error) { return types.JSON, nil },
		func() Accumulator { return &jsonAggAcc{} })
	defAgg("jsonb_agg", 1, 1, func([]types.T) (types.T, error) { return types.JSONB, nil },
		func() Accumulator { return &arrayAggAcc{json: true} })
	defAgg("json_object_agg", 2, 2, func([]types.T) (types.T, error) { return types.JSON, nil },
		func() Accumulator { return &jsonAggAcc{object: true} })
	defAgg("jsonb_object_agg", 2, 2, func([]types.T) (types.T, error) { return types.JSONB, nil },
		func() Accumulator { return &objectAggAcc{} })
	varType := func(a []types.T) (types.T, error) {
		switch {
		case a[0] == types.Float4 || a[0] == types.Float8:
			return types.Float8, nil
		case numericArg(a):
			return types.Numeric, nil
		}
		return types.Unknown, errTypeMismatch
	}
	for name, spec := range map[string]struct{ samp, sqrt bool }{
		"stddev": {true, true}, "stddev_samp": {true, true}, "stddev_pop": {false, true},
		"variance": {true, false}, "var_samp": {true, false}, "var_pop": {false, false},
	} {
		spec := spec
		defAgg(name, 1, 1, varType, func() Accumulator { return &varAcc{samp: spec.samp, sqrt: spec.sqrt} })
	}
	bitType := func(a []types.T) (types.T, error) {
		if a[0].IsInteger() {
			return a[0], nil
		}
		if isDyn(a[0]) {
			return types.Int8, nil
		}
		return types.Unknown, errTypeMismatch
	}
	defAgg("bit_and", 1, 1, bitType, func() Accumulator { return &bitAcc{and: true} })
	defAgg("bit_or", 1, 1, bitType, func() Accumulator { return &bitAcc{} })
	defAgg("any_value", 1, 1, func(a []types.T) (types.T, error) { return a[0], nil },
		func() Accumulator { return &anyAcc{} })
}

type countAcc struct{ n int64 }

func (a *countAcc) Add(args []types.Value) error {
	if len(args) == 0 || args[0] != nil {
		a.n++
	}
	return nil
}

func (a *countAcc) Result() (types.Value, error) { return a.n, nil }

// Merge implements Merger.
func (a *countAcc) Merge(o Accumulator) error {
	a.n += o.(*countAcc).n
	return nil
}

// numAcc sums numbers exactly: int64 while it fits, then numeric; any
// float input switches to float (as summing a float column does).
type numAcc struct {
	n     int64
	i     int64
	dec   *apd.Decimal
	f     float64
	kind  numKind
	count int64
	// small: the numeric sum is sc × 10^sexp (in int64, no allocation per
	// row) until it no longer fits; dec holds it from then on.
	small bool
	sc    int64
	sexp  int32
	// isIv: the sum is of intervals, in iv.
	isIv bool
	iv   Interval
}

func (a *numAcc) add(v types.Value) error {
	if s, ok := v.(string); ok {
		n, err := numFromText(s, int64(0), types.Unknown)
		if err != nil {
			return err
		}
		v = n
	}
	if iv, ok := v.(Interval); ok {
		if a.count > 0 && !a.isIv {
			return errs.New(errs.DatatypeMismatch, "cannot add an interval to a number")
		}
		a.isIv, a.iv = true, a.iv.Add(iv)
		a.count++
		return nil
	}
	if a.isIv {
		return errs.New(errs.DatatypeMismatch, "cannot add a number to an interval")
	}
	k := kindOf(v)
	if k == kNone {
		return errs.Errorf(errs.DatatypeMismatch, "cannot sum values of type %s", valueType(v))
	}
	a.count++
	if k == kFloat || a.kind == kFloat {
		if a.kind != kFloat {
			f, err := a.float()
			if err != nil {
				return err
			}
			a.f, a.kind = f, kFloat
		}
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		a.f += f
		return nil
	}
	if k == kInt && a.kind != kDec {
		a.kind = kInt
		if s, ok := addInt(a.i, v.(int64)); ok {
			a.i = s
			return nil
		}
	}
	if a.kind != kDec {
		a.kind, a.small, a.sc, a.sexp = kDec, true, a.i, 0
	}
	d, err := toDec(v)
	if err != nil {
		return err
	}
	if a.small {
		if c, e, ok := smallDecOrZero(d); ok {
			if s, exp, ok := addScaled(a.sc, a.sexp, c, e); ok {
				a.sc, a.sexp = s, exp
				return nil
			}
		}
		a.dec, a.small = apd.New(a.sc, a.sexp), false
	}
	r := new(apd.Decimal)
	if _, err := exact.Add(r, a.dec, d); err != nil {
		return errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	a.dec = r
	return nil
}

func (a *numAcc) float() (float64, error) {
	switch a.kind {
	case kFloat:
		return a.f, nil
	case kDec:
		return toFloat(a.value())
	}
	return float64(a.i), nil
}

func (a *numAcc) value() types.Value {
	if a.isIv {
		return a.iv
	}
	switch a.kind {
	case kFloat:
		return a.f
	case kDec:
		if a.small {
			return apd.New(a.sc, a.sexp)
		}
		return a.dec
	}
	return a.i
}

// merge adds another partial sum: its value as one input, then its count.
func (a *numAcc) merge(b *numAcc) error {
	if b.count == 0 {
		return nil
	}
	n := a.count
	if err := a.add(b.value()); err != nil {
		return err
	}
	a.count = n + b.count
	return nil
}

// ScaledAdder is an accumulator (sum, avg) that adds a numeric given as
// a coefficient and an exponent, c × 10^e, as Add adds the *apd.Decimal
// of that coefficient and exponent, without making one.
type ScaledAdder interface {
	AddScaled(c int64, e int32) error
}

// addScaled is add of the decimal c × 10^e.
func (a *numAcc) addScaled(c int64, e int32) error {
	if a.isIv || a.kind == kFloat || e > maxFastExp || e < -maxFastExp {
		return a.add(apd.New(c, e))
	}
	a.count++
	if a.kind != kDec {
		a.kind, a.small, a.sc, a.sexp = kDec, true, a.i, 0
	}
	if a.small {
		if s, exp, ok := addScaled(a.sc, a.sexp, c, e); ok {
			a.sc, a.sexp = s, exp
			return nil
		}
		a.dec, a.small = apd.New(a.sc, a.sexp), false
	}
	r := new(apd.Decimal)
	if _, err := exact.Add(r, a.dec, apd.New(c, e)); err != nil {
		return errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	a.dec = r
	return nil
}

type sumAcc struct{ numAcc }

// AddScaled implements ScaledAdder.
func (a *sumAcc) AddScaled(c int64, e int32) error { return a.addScaled(c, e) }

// Merge implements Merger.
func (a *sumAcc) Merge(o Accumulator) error { return a.merge(&o.(*sumAcc).numAcc) }

func (a *sumAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return nil
	}
	return a.add(args[0])
}

func (a *sumAcc) Result() (types.Value, error) {
	if a.count == 0 {
		return nil, nil
	}
	return a.value(), nil
}

type avgAcc struct{ numAcc }

// AddScaled implements ScaledAdder.
func (a *avgAcc) AddScaled(c int64, e int32) error { return a.addScaled(c, e) }

// Merge implements Merger.
func (a *avgAcc) Merge(o Accumulator) error { return a.merge(&o.(*avgAcc).numAcc) }

func (a *avgAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return nil
	}
	return a.add(args[0])
}

func (a *avgAcc) Result() (types.Value, error) {
	if a.count == 0 {
		return nil, nil
	}
	if a.kind == kFloat {
		return a.f / float64(a.count), nil
	}
	if a.isIv {
		return a.iv.Div(float64(a.count)), nil
	}
	s, err := toDec(a.value())
	if err != nil {
		return nil, err
	}
	return decDiv(s, decFromInt(a.count))
}

type extremeAcc struct {
	want int
	best types.Value
}

func (a *extremeAcc) Add(args []types.Value) error {
	v := args[0]
	if v == nil {
		return nil
	}
	if a.best == nil {
		a.best = v
		return nil
	}
	c, err := compareValues(v, a.best)
	if err != nil {
		return err
	}
	if c == a.want {
		a.best = v
	}
	return nil
}

func (a *extremeAcc) Result() (types.Value, error) { return a.best, nil }

// Merge implements Merger.
func (a *extremeAcc) Merge(o Accumulator) error {
	if b := o.(*extremeAcc).best; b != nil {
		return a.Add([]types.Value{b})
	}
	return nil
}

type boolAcc struct {
	and  bool
	seen bool
	acc  bool
}

func (a *boolAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return nil
	}
	b, ok := args[0].(bool)
	if !ok {
		v, err := types.Cast(args[0], types.Bool)
		if err != nil {
			return err
		}
		b = v.(bool)
	}
	if !a.seen {
		a.acc, a.seen = b, true
		return nil
	}
	if a.and {
		a.acc = a.acc && b
	} else {
		a.acc = a.acc || b
	}
	return nil
}

func (a *boolAcc) Result() (types.Value, error) {
	if !a.seen {
		return nil, nil
	}
	return a.acc, nil
}

type stringAggAcc struct {
	seen  bool
	bytes bool
	b     strings.Builder
}

func (a *stringAggAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return nil
	}
	if a.seen && args[1] != nil {
		if sep, ok := args[1].([]byte); ok {
			a.b.Write(sep)
		} else {
			a.b.WriteString(str(args[1]))
		}
	}
	if bs, ok := args[0].([]byte); ok {
		a.bytes = true
		a.b.Write(bs)
	} else {
		a.b.WriteString(str(args[0]))
	}
	a.seen = true
	return nil
}

func (a *stringAggAcc) Result() (types.Value, error) {
	if !a.seen {
		return nil, nil
	}
	if a.bytes {
		return []byte(a.b.String()), nil
	}
	return a.b.String(), nil
}

type arrayAggAcc struct {
	json bool
	seen bool
	out  []any
}

func (a *arrayAggAcc) Add(args []types.Value) error {
	v := args[0]
	if a.json {
		v = toJSONValue(v)
	}
	a.out = append(a.out, v)
	a.seen = true
	return nil
}

func (a *arrayAggAcc) Result() (types.Value, error) {
	if !a.seen {
		return nil, nil
	}
	if a.json {
		return types.Plain(a.out), nil // jsonb_agg
	}
	return a.out, nil
}

// jsonAggAcc is json_agg and json_object_agg: json text as PostgreSQL
// builds it, `[1, 2]` with a line break before each row value after the
// first, and `{ "k" : 1, "l" : 2 }`. (The planner passes dates,
// timestamps and jsonb through JSONScalar, which renders them as their
// static type asks.)
type jsonAggAcc struct {
	object bool
	buf    []byte
}

func (a *jsonAggAcc) Add(args []types.Value) error {
	if a.object && args[0] == nil {
		return errs.New(codeNullNotAllowed, "field name must not be null")
	}
	switch {
	case a.buf == nil && a.object:
		a.buf = append(a.buf, "{ "...)
	case a.buf == nil:
		a.buf = append(a.buf, '[')
	default:
		a.buf = append(a.buf, ", "...)
	}
	v := args[0]
	if a.object {
		a.buf = types.AppendJSONString(a.buf, keyText(args[0]))
		a.buf = append(a.buf, " : "...)
		v = args[1]
	} else if _, ok := v.(*types.Composite); ok && len(a.buf) > 1 {
		a.buf = append(a.buf, "\n "...)
	}
	a.buf = types.AppendJSONArg(a.buf, v, types.Unknown)
	return nil
}

func (a *jsonAggAcc) Result() (types.Value, error) {
	if a.buf == nil {
		return nil, nil
	}
	if a.object {
		return types.JSONText(append(a.buf, " }"...)), nil
	}
	return types.JSONText(append(a.buf, ']')), nil
}

type objectAggAcc struct {
	m map[string]any
}

func (a *objectAggAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return errs.New(codeNullNotAllowed, "field name must not be null")
	}
	if a.m == nil {
		a.m = map[string]any{}
	}
	a.m[keyText(args[0])] = toJSONValue(args[1])
	return nil
}

func (a *objectAggAcc) Result() (types.Value, error) {
	if a.m == nil {
		return nil, nil
	}
	return a.m, nil
}

// varAcc computes variance and standard deviation: in float64 (Welford)
// for float input, exactly in numeric otherwise.
type varAcc struct {
	samp, sqrt bool
	isFloat    bool
	n          int64
	mean, m2   float64
	sum, sumSq *apd.Decimal
	maxScale   int32
}

func (a *varAcc) Add(args []types.Value) error {
	v := args[0]
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		n, err := numFromText(s, int64(0), types.Unknown)
		if err != nil {
			return err
		}
		v = n
	}
	k := kindOf(v)
	if k == kNone {
		return errs.Errorf(errs.DatatypeMismatch, "cannot compute variance of type %s", valueType(v))
	}
	if k == kFloat && !a.isFloat {
		a.isFloat = true
		if a.n > 0 {
			// Switch representation: recompute mean/m2 from the exact sums.
			s, _ := toFloat(a.sum)
			sq, _ := toFloat(a.sumSq)
			a.mean = s / float64(a.n)
			a.m2 = sq - s*s/float64(a.n)
		}
	}
	a.n++
	if a.isFloat {
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		d := f - a.mean
		a.mean += d / float64(a.n)
		a.m2 += d * (f - a.mean)
		return nil
	}
	d, err := toDec(v)
	if err != nil {
		return err
	}
	a.maxScale = max(a.maxScale, dscale(d))
	if a.sum == nil {
		a.sum, a.sumSq = new(apd.Decimal), new(apd.Decimal)
	}
	sq := new(apd.Decimal)
	if _, err := exact.Mul(sq, d, d); err != nil {
		return errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	s1, s2 := new(apd.Decimal), new(apd.Decimal)
	if _, err := exact.Add(s1, a.sum, d); err != nil {
		return errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if _, err := exact.Add(s2, a.sumSq, sq); err != nil {
		return errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	a.sum, a.sumSq = s1, s2
	return nil
}

func (a *varAcc) Result() (types.Value, error) {
	if a.n == 0 || (a.samp && a.n == 1) {
		return nil, nil
	}
	if a.isFloat {
		div := float64(a.n)
		if a.samp {
			div--
		}
		v := math.Max(a.m2/div, 0)
		if a.sqrt {
			return math.Sqrt(v), nil
		}
		return v, nil
	}
	// (n*sumSq - sum^2) / (n*(n-1)) or / n^2, as PostgreSQL computes it.
	n := decFromInt(a.n)
	num, t := new(apd.Decimal), new(apd.Decimal)
	if _, err := exact.Mul(num, n, a.sumSq); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if _, err := exact.Mul(t, a.sum, a.sum); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if _, err := exact.Sub(num, num, t); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if num.Sign() <= 0 {
		return roundTo(new(apd.Decimal), a.maxScale)
	}
	den := new(apd.Decimal)
	if a.samp {
		_, _ = exact.Mul(den, n, decFromInt(a.n-1))
	} else {
		_, _ = exact.Mul(den, n, n)
	}
	scale := divScale(num, den)
	c := exact.WithPrecision(precFor(magnitude(num)-magnitude(den)+1, scale+2))
	q := new(apd.Decimal)
	if _, err := c.Quo(q, num, den); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	if !a.sqrt {
		return roundTo(q, scale)
	}
	r := new(apd.Decimal)
	if _, err := c.Sqrt(r, q); err != nil {
		return nil, errs.New(errs.NumericOutOfRange, "value overflows numeric format")
	}
	return roundTo(r, scale)
}

type bitAcc struct {
	and  bool
	seen bool
	v    int64
}

func (a *bitAcc) Add(args []types.Value) error {
	if args[0] == nil {
		return nil
	}
	i, err := toInt(args[0])
	if err != nil {
		return err
	}
	switch {
	case !a.seen:
		a.v = i
	case a.and:
		a.v &= i
	default:
		a.v |= i
	}
	a.seen = true
	return nil
}

func (a *bitAcc) Result() (types.Value, error) {
	if !a.seen {
		return nil, nil
	}
	return a.v, nil
}

type anyAcc struct{ v types.Value }

func (a *anyAcc) Add(args []types.Value) error {
	if a.v == nil {
		a.v = args[0]
	}
	return nil
}

func (a *anyAcc) Result() (types.Value, error) { return a.v, nil }
