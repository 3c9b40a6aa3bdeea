package funcs

import (
	"cmp"
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

func isDyn(t types.T) bool { return t == types.Unknown || t == types.Doc }

func isJSONT(t types.T) bool { return t == types.JSON || t == types.JSONB || t == types.Doc }

func isTimeT(t types.T) bool {
	return t == types.Timestamp || t == types.Timestamptz || t == types.Date
}

func intWidth(t types.T) int {
	switch t {
	case types.Int2:
		return 2
	case types.Int4:
		return 4
	}
	return 8
}

// numericResult is the promoted type of two numeric operand types.
func numericResult(l, r types.T) types.T {
	switch {
	case l.IsInteger() && r.IsInteger():
		if intWidth(l) >= intWidth(r) {
			return l
		}
		return r
	case l == types.Float4 && r == types.Float4:
		return types.Float4
	case l == types.Float4 || l == types.Float8 || r == types.Float4 || r == types.Float8:
		return types.Float8
	}
	return types.Numeric
}

// stringish reports whether t can act as text in string operators.
func stringish(t types.T) bool { return t.IsString() || t == types.UUID || isDyn(t) }

// comparable reports whether values of static types l and r may be compared.
func comparable(l, r types.T) bool {
	if isDyn(l) || isDyn(r) || l == r {
		return true
	}
	switch {
	case l.IsNumeric() && r.IsNumeric():
		return true
	case (l.IsString() || l == types.UUID) && (r.IsString() || r == types.UUID):
		return true
	case isTimeT(l) && isTimeT(r):
		return true
	case (l == types.JSON || l == types.JSONB) && (r == types.JSON || r == types.JSONB):
		return true
	}
	return false
}

// BinaryType returns the static result type of `l op r`. Unknown operands
// take their type from the other side; Doc operands give Doc (or the
// operator's fixed type, e.g. boolean for comparisons). Impossible
// combinations fail with 42883.
func BinaryType(op string, l, r types.T) (types.T, error) {
	switch op {
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		if !comparable(l, r) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Bool, nil
	case "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		if !comparable(l, r) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Bool, nil
	case "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "~", "!~", "~*", "!~*":
		if !stringish(l) || !stringish(r) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Bool, nil
	case "||":
		switch {
		case isArrayT(l) && (isArrayT(r) || r == types.Unknown):
			return l, nil
		case isArrayT(r) && l == types.Unknown:
			return r, nil
		case l == types.Bytea && (r == types.Bytea || r == types.Unknown), r == types.Bytea && l == types.Unknown:
			return types.Bytea, nil
		case (l == types.JSONB || l == types.Doc) && (r == types.JSONB || r == types.Doc):
			if l == types.JSONB && r == types.JSONB {
				return types.JSONB, nil
			}
			return types.Doc, nil
		case l.IsString() || r.IsString() || (l == types.Unknown && r == types.Unknown):
			return types.Text, nil
		case l == types.Unknown || r == types.Unknown:
			if l == types.Doc || r == types.Doc {
				return types.Doc, nil
			}
			return types.Text, nil
		case l == types.Doc || r == types.Doc:
			return types.Doc, nil
		}
		return types.Unknown, undefinedOp(op, l, r)
	case "->":
		if !isJSONT(l) && l != types.Unknown {
			return types.Unknown, undefinedOp(op, l, r)
		}
		if !(r.IsInteger() || r.IsString() || isDyn(r)) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		if l == types.JSON || l == types.JSONB {
			return l, nil
		}
		return types.Doc, nil
	case "->>":
		if !isJSONT(l) && l != types.Unknown {
			return types.Unknown, undefinedOp(op, l, r)
		}
		if !(r.IsInteger() || r.IsString() || isDyn(r)) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Text, nil
	case "@>", "<@":
		if !(isJSONT(l) || l == types.Unknown || isArrayT(l)) || !(isJSONT(r) || r == types.Unknown || isArrayT(r)) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Bool, nil
	case "?":
		if !(isJSONT(l) || l == types.Unknown) || !stringish(r) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		return types.Bool, nil
	case "?|", "?&", "#>", "#>>", "#-":
		if !(isJSONT(l) || l == types.Unknown) || !(r == types.TextArray || isDyn(r)) {
			return types.Unknown, undefinedOp(op, l, r)
		}
		switch op {
		case "#>":
			if l == types.JSON || l == types.JSONB {
				return l, nil
			}
			return types.Doc, nil
		case "#>>":
			return types.Text, nil
		case "#-":
			if l == types.JSON {
				return types.Unknown, undefinedOp(op, l, r)
			}
			return types.JSONB, nil
		}
		return types.Bool, nil
	case "&", "|", "#", "<<", ">>":
		switch {
		case l == types.Doc || r == types.Doc:
			return types.Doc, nil
		case l == types.Unknown && r == types.Unknown:
			return types.Int8, nil
		case l == types.Unknown && r.IsInteger():
			return r, nil
		case r == types.Unknown && l.IsInteger():
			return l, nil
		case l.IsInteger() && r.IsInteger():
			if op == "<<" || op == ">>" {
				return l, nil
			}
			return numericResult(l, r), nil
		}
		return types.Unknown, undefinedOp(op, l, r)
	case "+", "-", "*", "/", "%", "^":
		return arithType(op, l, r)
	}
	return types.Unknown, errs.Errorf(errs.UndefinedFunction, "operator does not exist: %s", op)
}

func arithType(op string, l, r types.T) (types.T, error) {
	if op == "-" && l == types.JSONB && (r.IsString() || r.IsInteger() || r == types.TextArray || isDyn(r)) {
		return types.JSONB, nil // jsonb - key, - index, - keys
	}
	if l == types.Doc || r == types.Doc {
		return types.Doc, nil
	}
	// Time arithmetic. Intervals travel as text (IntervalType) or unknown.
	switch {
	case isTimeT(l) && isTimeT(r) && op == "-":
		if l == types.Date && r == types.Date {
			return types.Int4, nil
		}
		return IntervalType, nil
	case isTimeT(l) && (op == "+" || op == "-") && (r == types.Unknown || r == IntervalType):
		if l == types.Date {
			return types.Timestamp, nil
		}
		return l, nil
	case isTimeT(r) && op == "+" && (l == types.Unknown || l == IntervalType):
		if r == types.Date {
			return types.Timestamp, nil
		}
		return r, nil
	case l == types.Date && r.IsInteger() && (op == "+" || op == "-"):
		return types.Date, nil
	case r == types.Date && l.IsInteger() && op == "+":
		return types.Date, nil
	case (l == IntervalType || r == IntervalType) && (op == "+" || op == "-"):
		if (l == IntervalType || l == types.Unknown) && (r == IntervalType || r == types.Unknown) {
			return IntervalType, nil
		}
		return types.Unknown, undefinedOp(op, l, r)
	case l == IntervalType && (op == "*" || op == "/") && (r.IsNumeric() || r == types.Unknown),
		r == IntervalType && op == "*" && (l.IsNumeric() || l == types.Unknown):
		return IntervalType, nil
	case l == IntervalType || r == IntervalType:
		return types.Unknown, undefinedOp(op, l, r)
	}
	if l == types.Unknown && r == types.Unknown {
		return types.Unknown, nil
	}
	if l == types.Unknown {
		l = r
	}
	if r == types.Unknown {
		r = l
	}
	if !l.IsNumeric() || !r.IsNumeric() {
		return types.Unknown, undefinedOp(op, l, r)
	}
	res := numericResult(l, r)
	switch op {
	case "^":
		if res == types.Numeric {
			return types.Numeric, nil
		}
		return types.Float8, nil
	case "%":
		if res == types.Float4 || res == types.Float8 {
			return types.Unknown, undefinedOp(op, l, r)
		}
	}
	return res, nil
}

// BinaryIn is Binary taking the numeric results of + - * on small operands
// from a's slabs (a may be nil): an expression evaluated for every row of
// a scan then allocates once per slab, not once per row.
func BinaryIn(a *DecAlloc, op string, l, r types.Value, rt types.T) (types.Value, error) {
	if rt == types.Bool {
		if b, ok := compareSame(op, l, r); ok {
			return b, nil
		}
	}
	if a != nil {
		if d, ok := fastNumeric(a, op, l, r, rt); ok {
			return d, nil
		}
	}
	return Binary(op, l, r, rt)
}

// fastNumeric is numeric + - * of small operands (decimals, or integers
// mixed with them) on the int64 path, the result from a (nil: the heap).
func fastNumeric(a *DecAlloc, op string, l, r types.Value, rt types.T) (*apd.Decimal, bool) {
	if rt != types.Numeric {
		return nil, false
	}
	ca, ea, ok := smallNum(l)
	if !ok {
		return nil, false
	}
	cb, eb, ok := smallNum(r)
	if !ok {
		return nil, false
	}
	c, e, ok := fastPair(op, ca, ea, cb, eb)
	if !ok {
		return nil, false
	}
	return a.New(c, e), true
}

// Binary evaluates `l op r`. rt is the static result type from BinaryType;
// it selects integer range checks (int2/int4), integer-vs-numeric division
// and date-vs-interval subtraction. NULL operands give NULL except for
// IS [NOT] DISTINCT FROM.
func Binary(op string, l, r types.Value, rt types.T) (types.Value, error) {
	switch op {
	case "IS DISTINCT FROM":
		if l == nil || r == nil {
			return (l == nil) != (r == nil), nil
		}
		c, err := compareValues(l, r)
		return c != 0, err
	case "IS NOT DISTINCT FROM":
		if l == nil || r == nil {
			return (l == nil) == (r == nil), nil
		}
		c, err := compareValues(l, r)
		return c == 0, err
	}
	if l == nil || r == nil {
		return nil, nil
	}
	switch op {
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		c, err := compareValues(l, r)
		if err != nil {
			return nil, err
		}
		b, _ := compareResult(op, c)
		return b, nil
	case "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE":
		m, err := Like(toText(l), toText(r), op == "ILIKE" || op == "NOT ILIKE")
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(op, "NOT") {
			return !m, nil
		}
		return m, nil
	case "~", "!~", "~*", "!~*":
		flags := ""
		if strings.HasSuffix(op, "*") {
			flags = "i"
		}
		re, err := CompileRegex(toText(r), flags)
		if err != nil {
			return nil, err
		}
		m := re.MatchString(toText(l))
		if strings.HasPrefix(op, "!") {
			return !m, nil
		}
		return m, nil
	case "||":
		return concatOp(l, r)
	case "->":
		return jsonGet(l, r), nil
	case "->>":
		return jsonScalarText(jsonGet(l, r)), nil
	case "@>":
		return JSONContains(asDoc(l), asDoc(r)), nil
	case "<@":
		return JSONContains(asDoc(r), asDoc(l)), nil
	case "?":
		return jsonHasKey(l, toText(r)), nil
	case "?|", "?&":
		return jsonHasKeys(l, r, op == "?&")
	case "#>", "#>>":
		path, err := textPath(r)
		if errs.Code(err) == codeNullNotAllowed {
			return nil, nil // a NULL step leads nowhere
		}
		if err != nil {
			return nil, err
		}
		v, ok := jsonPathGet(l, path)
		if !ok {
			return nil, nil
		}
		if op == "#>>" {
			return jsonScalarText(v), nil
		}
		if v == nil {
			return types.JSONText("null"), nil
		}
		return v, nil
	case "#-":
		path, err := textPath(r)
		if err != nil {
			return nil, err
		}
		return jsonDeletePath(l, path)
	case "-":
		if rt == types.JSONB || isJSONValue(l) {
			return jsonDelete(l, r)
		}
		return arith(op, l, r, rt)
	case "+", "*", "/", "%", "^", "&", "|", "#", "<<", ">>":
		return arith(op, l, r, rt)
	}
	return nil, errs.Errorf(errs.UndefinedFunction, "operator does not exist: %s", op)
}

// compareSame is the comparison l op r of two non-NULL values of the
// same kind among integers, decimals, times and texts, what Binary
// computes for them (types.Compare) without its two dispatches on the
// operator and its conversions between kinds: a scan filter's
// `l_shipdate >= date '1994-01-01'` per row. ok is false for anything
// else.
func compareSame(op string, l, r types.Value) (result, ok bool) {
	var c int
	switch x := l.(type) {
	case int64:
		y, ok := r.(int64)
		if !ok {
			return false, false
		}
		c = cmp.Compare(x, y)
	case *apd.Decimal:
		y, ok := r.(*apd.Decimal)
		if !ok {
			return false, false
		}
		c = x.Cmp(y)
	case time.Time:
		y, ok := r.(time.Time)
		if !ok {
			return false, false
		}
		c = x.Compare(y)
	case string:
		y, ok := r.(string)
		if !ok {
			return false, false
		}
		c = strings.Compare(x, y)
	default:
		return false, false
	}
	return compareResult(op, c)
}

// compareResult is the comparison op given the order c of its operands
// (-1, 0, 1); ok is false when op is not a comparison.
func compareResult(op string, c int) (result, ok bool) {
	switch op {
	case "=":
		return c == 0, true
	case "<>", "!=":
		return c != 0, true
	case "<":
		return c < 0, true
	case "<=":
		return c <= 0, true
	case ">":
		return c > 0, true
	case ">=":
		return c >= 0, true
	}
	return false, false
}

// compareValues orders two non-NULL values, parsing text against times and
// intervals so that `ts < '2025-01-01'` works on untyped literals.
func compareValues(l, r types.Value) (int, error) {
	switch x := l.(type) {
	case time.Time:
		if s, ok := r.(string); ok {
			t, err := types.ParseTime(s, types.Timestamptz)
			if err != nil {
				return types.Compare(l, r), nil
			}
			return x.Compare(t.(time.Time)), nil
		}
	case string:
		if t, ok := r.(time.Time); ok {
			v, err := types.ParseTime(x, types.Timestamptz)
			if err != nil {
				return types.Compare(l, r), nil
			}
			return v.(time.Time).Compare(t), nil
		}
		if iv, ok := r.(Interval); ok {
			v, err := ParseInterval(x)
			if err != nil {
				return 0, err
			}
			return v.Compare(iv), nil
		}
	case Interval:
		o, err := toInterval(r)
		if err != nil {
			return -1, nil
		}
		return x.Compare(o), nil
	}
	if _, ok := r.(Interval); ok {
		return 1, nil
	}
	return types.Compare(l, r), nil
}

func concatOp(l, r types.Value) (types.Value, error) {
	if lb, ok := l.([]byte); ok {
		if rb, ok := r.([]byte); ok {
			out := make([]byte, 0, len(lb)+len(rb))
			return append(append(out, lb...), rb...), nil
		}
	}
	_, la := l.([]any)
	_, ra := r.([]any)
	_, lo := l.(map[string]any)
	_, ro := r.(map[string]any)
	if la || ra || (lo && ro) {
		return jsonConcat(l, r), nil
	}
	return concatText(l) + concatText(r), nil
}

// concatText renders a value for || and concat(): booleans as true/false.
func concatText(v types.Value) string {
	if b, ok := v.(bool); ok {
		if b {
			return "true"
		}
		return "false"
	}
	return toText(v)
}

// arith evaluates arithmetic and bitwise operators.
func arith(op string, l, r types.Value, rt types.T) (types.Value, error) {
	// Small numerics (and integers mixed with them) first: the general
	// path below converts an integer operand to a decimal on every row.
	if d, ok := fastNumeric(nil, op, l, r, rt); ok {
		return d, nil
	}
	// Times and intervals.
	if v, ok, err := timeArith(op, l, r, rt); ok {
		return v, err
	}
	// Untyped text operands take the number kind of the other side.
	var err error
	if s, ok := l.(string); ok && kindOf(r) != kNone {
		if l, err = numFromText(s, r, rt); err != nil {
			return nil, err
		}
	}
	if s, ok := r.(string); ok && kindOf(l) != kNone {
		if r, err = numFromText(s, l, rt); err != nil {
			return nil, err
		}
	}
	if b, ok := l.(bool); ok && kindOf(r) != kNone {
		l = boolInt(b)
	}
	if b, ok := r.(bool); ok && kindOf(l) != kNone {
		r = boolInt(b)
	}
	lk, rk := kindOf(l), kindOf(r)
	if lk == kNone || rk == kNone {
		return nil, undefinedOp(op, types.TypeOf(l), types.TypeOf(r))
	}
	k := max(lk, rk)
	switch rt {
	case types.Float4, types.Float8:
		if op != "&" && op != "|" && op != "#" && op != "<<" && op != ">>" {
			k = kFloat
		}
	case types.Numeric:
		if k == kInt {
			k = kDec
		}
	}
	switch op {
	case "&", "|", "#", "<<", ">>":
		if lk != kInt || rk != kInt {
			return nil, undefinedOp(op, types.TypeOf(l), types.TypeOf(r))
		}
		return intOp(op, l.(int64), r.(int64), rt)
	case "^":
		if k == kInt {
			k = kFloat
		}
	}
	switch k {
	case kInt:
		return intOp(op, l.(int64), r.(int64), rt)
	case kFloat:
		a, err := toFloat(l)
		if err != nil {
			return nil, err
		}
		b, err := toFloat(r)
		if err != nil {
			return nil, err
		}
		return floatOp(op, a, b)
	}
	a, err := toDec(l)
	if err != nil {
		return nil, err
	}
	b, err := toDec(r)
	if err != nil {
		return nil, err
	}
	d, err := decOp(op, a, b)
	if err != nil {
		return nil, err
	}
	if rt.IsInteger() {
		// An integer-typed expression whose operands arrived as numeric.
		n, err := types.Cast(d, rt)
		if err != nil {
			return nil, err
		}
		return n, nil
	}
	return d, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// numFromText parses an untyped literal operand as a number of the other
// operand's kind (or the result type's kind).
func numFromText(s string, other types.Value, rt types.T) (types.Value, error) {
	t := strings.TrimSpace(s)
	switch {
	case rt == types.Float4 || rt == types.Float8 || kindOf(other) == kFloat:
		f, err := types.ParseFloat(t, types.Float8)
		if err != nil {
			return nil, err
		}
		return f, nil
	case kindOf(other) == kInt && rt != types.Numeric:
		if v, err := types.Cast(t, types.Int8); err == nil {
			return v, nil
		}
	}
	d, _, err := apd.NewFromString(t)
	if err != nil {
		return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type numeric: %q", s)
	}
	return d, nil
}

// timeArith handles timestamp/date/interval arithmetic. ok is false when
// neither operand is a time or interval.
func timeArith(op string, l, r types.Value, rt types.T) (types.Value, bool, error) {
	if rt == IntervalType {
		// An interval given as text (a parameter, an untyped literal)
		// is parsed; a number stays a number (interval * 2), and text
		// that is no interval is left to the rules below (a time).
		for _, v := range []*types.Value{&l, &r} {
			if s, ok := (*v).(string); ok {
				if iv, err := ParseInterval(s); err == nil {
					*v = iv
				}
			}
		}
	}
	lt, lIsT := l.(time.Time)
	rtm, rIsT := r.(time.Time)
	li, lIsI := l.(Interval)
	ri, rIsI := r.(Interval)
	if !lIsT && !rIsT && !lIsI && !rIsI {
		return nil, false, nil
	}
	switch {
	case lIsT && rIsT:
		if op != "-" {
			break
		}
		if rt.IsInteger() { // date - date
			return int64(subTimes(lt, rtm).Days), true, nil
		}
		return subTimes(lt, rtm), true, nil
	case lIsT && (op == "+" || op == "-"):
		switch x := r.(type) {
		case int64: // date ± integer days
			if op == "-" {
				x = -x
			}
			return lt.AddDate(0, 0, int(x)), true, nil
		case Interval, string:
			if s, ok := x.(string); ok && op == "-" {
				if t, err := types.ParseTime(s, types.Timestamptz); err == nil {
					if rt.IsInteger() {
						return int64(subTimes(lt, t.(time.Time)).Days), true, nil
					}
					return subTimes(lt, t.(time.Time)), true, nil
				}
			}
			iv, err := toInterval(x)
			if err != nil {
				return nil, true, err
			}
			if op == "-" {
				iv = iv.Neg()
			}
			return AddInterval(lt, iv), true, nil
		}
	case rIsT && op == "+":
		switch x := l.(type) {
		case int64:
			return rtm.AddDate(0, 0, int(x)), true, nil
		case Interval, string:
			iv, err := toInterval(x)
			if err != nil {
				return nil, true, err
			}
			return AddInterval(rtm, iv), true, nil
		}
	case lIsI || rIsI:
		switch op {
		case "+", "-":
			a, err := toInterval(l)
			if err != nil {
				return nil, true, undefinedOp(op, IntervalType, types.TypeOf(r))
			}
			b, err := toInterval(r)
			if err != nil {
				return nil, true, undefinedOp(op, types.TypeOf(l), IntervalType)
			}
			if op == "-" {
				b = b.Neg()
			}
			return a.Add(b), true, nil
		case "*":
			iv, n := li, r
			if rIsI {
				iv, n = ri, l
			}
			f, err := toFloat(n)
			if err != nil {
				return nil, true, err
			}
			return iv.Mul(f), true, nil
		case "/":
			if !lIsI {
				break
			}
			f, err := toFloat(r)
			if err != nil {
				return nil, true, err
			}
			if f == 0 {
				return nil, true, divZero()
			}
			return li.Mul(1 / f), true, nil
		}
	}
	return nil, true, undefinedOp(op, valueType(l), valueType(r))
}

// valueType is types.TypeOf that knows intervals.
func valueType(v types.Value) types.T {
	if _, ok := v.(Interval); ok {
		return IntervalType
	}
	return types.TypeOf(v)
}

// UnaryMinus negates a number (or interval). t is the static type, used for
// the int2/int4 range check; the most negative integer overflows with 22003.
func UnaryMinus(v types.Value, t types.T) (types.Value, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		if x == math.MinInt64 {
			return nil, intRangeErr(t)
		}
		return checkInt(-x, t)
	case float64:
		return -x, nil
	case *apd.Decimal:
		return new(apd.Decimal).Neg(x), nil
	case Interval:
		return x.Neg(), nil
	case string:
		if t == types.Unknown || t.IsNumeric() {
			n, err := numFromText(x, int64(0), t)
			if err != nil {
				return nil, err
			}
			return UnaryMinus(n, t)
		}
	}
	return nil, undefinedUnary("-", valueType(v))
}

// isArrayT reports whether t is one of the catalog array types.
func isArrayT(t types.T) bool {
	return t == types.TextArray || t == types.Int2Array || t == types.OIDArray
}
