package columnar

import (
	"cmp"
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Op is a comparison.
type Op uint8

// The comparisons.
const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
)

// ParseOp maps a SQL comparison operator to its Op.
func ParseOp(s string) (Op, bool) {
	switch s {
	case "=":
		return OpEq, true
	case "<>", "!=":
		return OpNe, true
	case "<":
		return OpLt, true
	case "<=":
		return OpLe, true
	case ">":
		return OpGt, true
	case ">=":
		return OpGe, true
	}
	return 0, false
}

// Flip is the operator with its operands swapped: a op b is b op.Flip() a.
func (o Op) Flip() Op {
	switch o {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return o
}

// holds reports whether a comparison whose operands order as c (-1, 0,
// 1) holds.
func (o Op) holds(c int) bool {
	switch o {
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
	}
	return c >= 0
}

// Rows is a set of row numbers of a run: the rows of sel when it is not
// nil (ascending), else every row in [Lo, Hi).
type Rows struct {
	Sel    []int32
	Lo, Hi int
}

// each calls f for every row of rs that is not NULL in v, appending the
// rows f accepts to out.
func each(v *Vector, rs Rows, out []int32, f func(i int) bool) []int32 {
	nulls := v.nulls
	if rs.Sel != nil {
		for _, r := range rs.Sel {
			if (nulls == nil || !nulls[r]) && f(int(r)) {
				out = append(out, r)
			}
		}
		return out
	}
	for i := rs.Lo; i < rs.Hi; i++ {
		if (nulls == nil || !nulls[i]) && f(i) {
			out = append(out, int32(i))
		}
	}
	return out
}

// ordered is the comparison kernel of values with Go's own order.
func ordered[T int64 | string](vals []T, v *Vector, op Op, c T, rs Rows, out []int32) []int32 {
	if v.nulls == nil {
		if rs.Sel != nil {
			return orderedSel(vals, op, c, rs.Sel, out)
		}
		return orderedRange(vals, op, c, rs.Lo, rs.Hi, out)
	}
	switch op {
	case OpEq:
		return each(v, rs, out, func(i int) bool { return vals[i] == c })
	case OpNe:
		return each(v, rs, out, func(i int) bool { return vals[i] != c })
	case OpLt:
		return each(v, rs, out, func(i int) bool { return vals[i] < c })
	case OpLe:
		return each(v, rs, out, func(i int) bool { return vals[i] <= c })
	case OpGt:
		return each(v, rs, out, func(i int) bool { return vals[i] > c })
	}
	return each(v, rs, out, func(i int) bool { return vals[i] >= c })
}

// CompareConst appends to out the rows of rs whose value v op c holds,
// as sql/funcs compares two non-NULL values of these kinds (integers with
// integers, decimals with decimals or integers, times with times, text
// with text; NULL never passes). ok is false when c is of no kind the
// vector is compared with here: the caller evaluates the term itself.
func (v *Vector) CompareConst(op Op, c any, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindInt:
		x, ok := c.(int64)
		if !ok {
			return out, false
		}
		return ordered(v.ints, v, op, x, rs, out), true
	case KindString:
		x, ok := c.(string)
		if !ok {
			return out, false
		}
		if v.dictOK {
			return v.dictWhere(func(s string) bool { return op.holds(cmp.Compare(s, x)) }, rs, out), true
		}
		return ordered(v.strs, v, op, x, rs, out), true
	case KindTime:
		x, ok := c.(time.Time)
		if !ok {
			return out, false
		}
		if y := x.Year(); v.nanosOK && y > 1678 && y < 2262 {
			return ordered(v.nanos, v, op, x.UnixNano(), rs, out), true
		}
		return each(v, rs, out, func(i int) bool { return op.holds(v.times[i].Compare(x)) }), true
	case KindDecimal:
		var d *apd.Decimal
		switch x := c.(type) {
		case *apd.Decimal:
			d = x
		case int64:
			d = apd.New(x, 0)
		default:
			return out, false
		}
		if v.scaledOK {
			if s, ok := v.scaleConst(d); ok {
				return ordered(v.scaled, v, op, s, rs, out), true
			}
		}
		if v.decs == nil {
			var x apd.Decimal
			return each(v, rs, out, func(i int) bool { v.DecimalAt(i, &x); return op.holds(x.Cmp(d)) }), true
		}
		return each(v, rs, out, func(i int) bool { return op.holds(v.decs[i].Cmp(d)) }), true
	case KindNull:
		return out, true // every value is NULL
	}
	return out, false
}

// scaleConst is d in the vector's scaled integers, when it is one exactly.
func (v *Vector) scaleConst(d *apd.Decimal) (int64, bool) {
	c, s, ok := smallDecimal(d)
	if !ok || s > v.scale {
		return 0, false
	}
	return mulFits(c, pow10[v.scale-s])
}

// CompareVector appends to out the rows of rs whose values v op w holds
// (NULL on either side never passes); ok is false unless both are of one
// kind among integers, decimals, times and text.
func (v *Vector) CompareVector(op Op, w *Vector, rs Rows, out []int32) ([]int32, bool) {
	if v.kind != w.kind || v.n != w.n {
		return out, false
	}
	wn := w.nulls
	pass := func(f func(i int) bool) func(i int) bool {
		if wn == nil {
			return f
		}
		return func(i int) bool { return !wn[i] && f(i) }
	}
	switch v.kind {
	case KindInt:
		a, b := v.ints, w.ints
		return each(v, rs, out, pass(func(i int) bool { return op.holds(cmp.Compare(a[i], b[i])) })), true
	case KindString:
		return each(v, rs, out, pass(func(i int) bool { return op.holds(cmp.Compare(v.str(i), w.str(i))) })), true
	case KindTime:
		if v.nanosOK && w.nanosOK {
			a, b := v.nanos, w.nanos
			return each(v, rs, out, pass(func(i int) bool { return op.holds(cmp.Compare(a[i], b[i])) })), true
		}
		a, b := v.times, w.times
		return each(v, rs, out, pass(func(i int) bool { return op.holds(a[i].Compare(b[i])) })), true
	case KindDecimal:
		if v.scaledOK && w.scaledOK && v.scale == w.scale {
			a, b := v.scaled, w.scaled
			return each(v, rs, out, pass(func(i int) bool { return op.holds(cmp.Compare(a[i], b[i])) })), true
		}
		var x, y apd.Decimal
		return each(v, rs, out, pass(func(i int) bool {
			v.DecimalAt(i, &x)
			w.DecimalAt(i, &y)
			return op.holds(x.Cmp(&y))
		})), true
	case KindNull:
		return out, true
	}
	return out, false
}

// In appends to out the rows of rs whose value equals one of list (not
// NULL, none of them NULL), or none of them when not is set; ok is false
// unless v holds integers or text and every element is of that kind.
func (v *Vector) In(list []any, not bool, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindInt:
		set := make(map[int64]bool, len(list))
		for _, x := range list {
			i, ok := x.(int64)
			if !ok {
				return out, false
			}
			set[i] = true
		}
		return each(v, rs, out, func(i int) bool { return set[v.ints[i]] != not }), true
	case KindString:
		set, ok := textSet(list)
		if !ok {
			return out, false
		}
		return v.textWhere(func(s string) bool { return set[s] != not }, rs, out), true
	case KindNull:
		return out, true
	}
	return out, false
}

// orderedRange is ordered over the rows [lo, hi) of a vector without
// NULLs: a plain loop per operator, no call per row.
func orderedRange[T int64 | string](vals []T, op Op, c T, lo, hi int, out []int32) []int32 {
	vals = vals[lo:hi]
	switch op {
	case OpEq:
		for i, x := range vals {
			if x == c {
				out = append(out, int32(lo+i))
			}
		}
	case OpNe:
		for i, x := range vals {
			if x != c {
				out = append(out, int32(lo+i))
			}
		}
	case OpLt:
		for i, x := range vals {
			if x < c {
				out = append(out, int32(lo+i))
			}
		}
	case OpLe:
		for i, x := range vals {
			if x <= c {
				out = append(out, int32(lo+i))
			}
		}
	case OpGt:
		for i, x := range vals {
			if x > c {
				out = append(out, int32(lo+i))
			}
		}
	default:
		for i, x := range vals {
			if x >= c {
				out = append(out, int32(lo+i))
			}
		}
	}
	return out
}

// orderedSel is ordered over the rows sel of a vector without NULLs.
func orderedSel[T int64 | string](vals []T, op Op, c T, sel []int32, out []int32) []int32 {
	switch op {
	case OpEq:
		for _, r := range sel {
			if vals[r] == c {
				out = append(out, r)
			}
		}
	case OpNe:
		for _, r := range sel {
			if vals[r] != c {
				out = append(out, r)
			}
		}
	case OpLt:
		for _, r := range sel {
			if vals[r] < c {
				out = append(out, r)
			}
		}
	case OpLe:
		for _, r := range sel {
			if vals[r] <= c {
				out = append(out, r)
			}
		}
	case OpGt:
		for _, r := range sel {
			if vals[r] > c {
				out = append(out, r)
			}
		}
	default:
		for _, r := range sel {
			if vals[r] >= c {
				out = append(out, r)
			}
		}
	}
	return out
}

// ComparePadded appends to out the rows of rs whose text, without its
// trailing blanks, compares with c as op says (character(n) values
// compare that way); ok is false unless v holds text.
func (v *Vector) ComparePadded(op Op, c string, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindString:
		return v.textWhere(func(s string) bool { return op.holds(cmp.Compare(strings.TrimRight(s, " "), c)) }, rs, out), true
	case KindNull:
		return out, true
	}
	return out, false
}

// InPadded is In comparing v's text without its trailing blanks; ok is
// false unless v holds text and every element is text.
func (v *Vector) InPadded(list []any, not bool, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindString:
		set, ok := textSet(list)
		if !ok {
			return out, false
		}
		return v.textWhere(func(s string) bool { return set[strings.TrimRight(s, " ")] != not }, rs, out), true
	case KindNull:
		return out, true
	}
	return out, false
}

// InBits appends to out the rows of rs whose integer x is in the set
// bits holds (bit x-lo; NULL never is); ok is false unless v holds
// integers.
func (v *Vector) InBits(lo int64, bits []uint64, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindInt:
		n := uint64(len(bits)) * 64
		return each(v, rs, out, func(i int) bool {
			d := uint64(v.ints[i] - lo)
			return d < n && bits[d/64]&(1<<(d%64)) != 0
		}), true
	case KindNull:
		return out, true
	}
	return out, false
}

// IntsWhere appends to out the rows of rs whose integer f accepts (NULL
// never passes); ok is false unless v holds integers.
func (v *Vector) IntsWhere(f func(int64) bool, rs Rows, out []int32) ([]int32, bool) {
	switch v.kind {
	case KindInt:
		return each(v, rs, out, func(i int) bool { return f(v.ints[i]) }), true
	case KindNull:
		return out, true
	}
	return out, false
}

// textSet is list as a set of texts; ok is false when an element is not
// text (NULL included).
func textSet(list []any) (map[string]bool, bool) {
	set := make(map[string]bool, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		set[s] = true
	}
	return set, true
}

// textWhere appends to out the rows of rs of a text vector whose value f
// accepts (NULL never passes): once per distinct value when coded.
func (v *Vector) textWhere(f func(string) bool, rs Rows, out []int32) []int32 {
	if v.dictOK {
		return v.dictWhere(f, rs, out)
	}
	return each(v, rs, out, func(i int) bool { return f(v.strs[i]) })
}

// dictWhere appends to out the rows of rs of a coded text vector whose
// value f accepts (NULL never passes), asking f once per distinct value.
func (v *Vector) dictWhere(f func(string) bool, rs Rows, out []int32) []int32 {
	pass := make([]bool, max(len(v.dict), 1))
	for c, s := range v.dict {
		pass[c] = f(s)
	}
	codes := v.codes
	if v.nulls == nil {
		if rs.Sel != nil {
			for _, r := range rs.Sel {
				if pass[codes[r]] {
					out = append(out, r)
				}
			}
			return out
		}
		for i := rs.Lo; i < rs.Hi; i++ {
			if pass[codes[i]] {
				out = append(out, int32(i))
			}
		}
		return out
	}
	return each(v, rs, out, func(i int) bool { return pass[codes[i]] })
}

// CompareRange appends to out the rows of rs whose value x satisfies both
// x loOp lo and x hiOp hi (loOp > or >=, hiOp < or <=) in one pass, as
// CompareConst twice would; ok is false unless the vector holds integers,
// times (in int64 nanoseconds' years) or compact-scalable decimals and
// both constants convert exactly (the caller then compares twice).
func (v *Vector) CompareRange(loOp Op, lo any, hiOp Op, hi any, rs Rows, out []int32) ([]int32, bool) {
	var vals []int64
	var a, b int64
	var ok bool
	switch v.kind {
	case KindInt:
		vals = v.ints
		a, ok = lo.(int64)
		if ok {
			b, ok = hi.(int64)
		}
	case KindTime:
		if !v.nanosOK {
			return out, false
		}
		vals = v.nanos
		a, ok = timeNanos(lo)
		if ok {
			b, ok = timeNanos(hi)
		}
	case KindDecimal:
		if !v.scaledOK {
			return out, false
		}
		vals = v.scaled
		a, ok = v.scaledConst(lo)
		if ok {
			b, ok = v.scaledConst(hi)
		}
	case KindNull:
		return out, true
	}
	if !ok || (loOp != OpGt && loOp != OpGe) || (hiOp != OpLt && hiOp != OpLe) {
		return out, false
	}
	// As an inclusive range [a, b].
	if loOp == OpGt {
		if a == math.MaxInt64 {
			return out, true
		}
		a++
	}
	if hiOp == OpLt {
		if b == math.MinInt64 {
			return out, true
		}
		b--
	}
	if a > b {
		return out, true
	}
	span := uint64(b) - uint64(a)
	in := func(x int64) bool { return uint64(x)-uint64(a) <= span }
	if v.nulls == nil {
		if rs.Sel != nil {
			for _, r := range rs.Sel {
				if in(vals[r]) {
					out = append(out, r)
				}
			}
			return out, true
		}
		for i, x := range vals[rs.Lo:rs.Hi] {
			if in(x) {
				out = append(out, int32(rs.Lo+i))
			}
		}
		return out, true
	}
	return each(v, rs, out, func(i int) bool { return in(vals[i]) }), true
}

// timeNanos is a time constant as nanoseconds since 1970, within the years
// that reach.
func timeNanos(c any) (int64, bool) {
	t, ok := c.(time.Time)
	if y := t.Year(); !ok || y <= 1678 || y >= 2262 {
		return 0, false
	}
	return t.UnixNano(), true
}

// scaledConst is a numeric constant in a decimal vector's scaled
// integers, when it is one exactly.
func (v *Vector) scaledConst(c any) (int64, bool) {
	switch x := c.(type) {
	case *apd.Decimal:
		return v.scaleConst(x)
	case int64:
		return v.scaleConst(apd.New(x, 0))
	}
	return 0, false
}
