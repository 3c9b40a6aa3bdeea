package columnar

import (
	"time"
	"unsafe"

	"github.com/cockroachdb/apd/v3"
)

// Kind is how a Vector stores its values.
type Kind uint8

// The kinds. A vector takes the kind of its first non-NULL value and turns
// to KindAny if a value of another dynamic type follows (a strict
// collection's column holds one type, so that is rare).
const (
	KindNull    Kind = iota // every value so far is NULL
	KindInt                 // int64
	KindFloat               // float64
	KindDecimal             // *apd.Decimal
	KindTime                // time.Time
	KindString              // string
	KindBool                // bool
	KindAny                 // any other value (bytes, documents, ...)
)

// maxScale bounds the scale of a decimal vector's scaled integers.
const maxScale = 18

// Vector is one column of a run of rows. It is built by Append and never
// changed afterwards, so it may be read concurrently.
type Vector struct {
	kind  Kind
	n     int
	nulls []bool // nil while no value is NULL
	// One of these holds the values (a NULL's slot holds the zero value).
	ints   []int64
	floats []float64
	decs   []apd.Decimal
	times  []time.Time
	strs   []string
	bools  []bool
	anys   []any
	// scaled: a decimal vector's values times 10^scale, while every
	// finite value fits (scaledOK; then no value is NaN or infinite).
	scaled   []int64
	scale    int32
	scaledOK bool
	// uniform: every decimal so far is finite with the same exponent
	// (-scale) and no negative zero, so scaled holds each exactly as it
	// was, digits and exponent: Seal then drops decs, and values are
	// made from scaled as they are asked for (DecimalAt).
	uniform bool
	exp     int32 // the exponent of every value, while uniform
	// nanos: a time vector's values as nanoseconds since 1970, while
	// every one is within the years int64 nanoseconds reach (nanosOK).
	nanos   []int64
	nanosOK bool
	// A text vector holds its values as codes into dict while it has at
	// most maxDict distinct ones (dictOK; dictIdx finds a value's code
	// while building), else in strs: flags and codes (TPC-H's ship modes
	// and instructions) cost two bytes a row, nothing for the garbage
	// collector to scan, and a kernel compares each distinct value once.
	codes    []uint16
	dict     []string
	dictIdx  map[string]uint16
	dictOK   bool
	strBytes int // the bytes of the strings held
	hint     int // the capacity the value slices start with
}

// maxDict is the most distinct values a text vector keeps as codes.
const maxDict = 4096

// NewVector returns an empty vector whose value slices start with room
// for n values.
func NewVector(n int) *Vector { return &Vector{hint: n} }

// Len is the number of values.
func (v *Vector) Len() int { return v.n }

// Kind is how the vector stores its values.
func (v *Vector) Kind() Kind { return v.kind }

// kindOf is the kind a value is stored as.
func kindOf(x any) Kind {
	switch x.(type) {
	case nil:
		return KindNull
	case int64:
		return KindInt
	case float64:
		return KindFloat
	case *apd.Decimal:
		return KindDecimal
	case time.Time:
		return KindTime
	case string:
		return KindString
	case bool:
		return KindBool
	}
	return KindAny
}

// Append adds x (nil for NULL). Values are copied (a decimal's digits, a
// time); a string's bytes and any other value are kept as they are, so
// the caller must not change them afterwards.
func (v *Vector) Append(x any) {
	k := kindOf(x)
	switch {
	case k == KindNull:
		if v.nulls == nil {
			v.nulls = make([]bool, v.n, max(v.n+1, v.hint))
		}
		v.nulls = append(v.nulls, true)
		v.appendZero()
		v.n++
		return
	case v.kind == KindNull:
		v.setKind(k)
	case v.kind != k && v.kind != KindAny:
		v.toAny()
	}
	if v.nulls != nil {
		v.nulls = append(v.nulls, false)
	}
	switch v.kind {
	case KindInt:
		v.ints = append(v.ints, x.(int64))
	case KindFloat:
		v.floats = append(v.floats, x.(float64))
	case KindDecimal:
		d := x.(*apd.Decimal)
		v.decs = append(v.decs, apd.Decimal{})
		v.decs[len(v.decs)-1].Set(d)
		if v.uniform {
			switch {
			case d.Form != apd.Finite || d.Exponent > 0 || (d.Negative && d.Coeff.Sign() == 0):
				v.uniform = false
			case v.exp == 1:
				v.exp = d.Exponent
			case d.Exponent != v.exp:
				v.uniform = false
			}
		}
		v.appendScaled(d)
	case KindTime:
		t := x.(time.Time)
		v.times = append(v.times, t)
		if v.nanosOK {
			if y := t.Year(); y > 1678 && y < 2262 {
				v.nanos = append(v.nanos, t.UnixNano())
			} else {
				v.nanos, v.nanosOK = nil, false
			}
		}
	case KindString:
		v.appendString(x.(string))
	case KindBool:
		v.bools = append(v.bools, x.(bool))
	default:
		v.anys = append(v.anys, x)
		switch y := x.(type) {
		case string:
			v.strBytes += len(y)
		case []byte:
			v.strBytes += len(y)
		}
	}
	v.n++
}

// setKind gives a vector of NULLs its kind: the NULLs so far get zero
// slots.
func (v *Vector) setKind(k Kind) {
	v.kind = k
	n := max(v.hint, v.n+1)
	switch k {
	case KindInt:
		v.ints = make([]int64, 0, n)
	case KindFloat:
		v.floats = make([]float64, 0, n)
	case KindDecimal:
		v.decs = make([]apd.Decimal, 0, n)
		v.scaled = make([]int64, 0, n)
		v.scaledOK, v.uniform, v.exp = true, true, 1
	case KindTime:
		v.times = make([]time.Time, 0, n)
		v.nanos = make([]int64, 0, n)
		v.nanosOK = true
	case KindString:
		v.codes = make([]uint16, 0, n)
		v.dictIdx = map[string]uint16{}
		v.dictOK = true
	case KindBool:
		v.bools = make([]bool, 0, n)
	case KindAny:
		v.anys = make([]any, 0, n)
	}
	for range v.n {
		v.appendZero()
	}
}

// appendZero appends the slot of a NULL.
func (v *Vector) appendZero() {
	switch v.kind {
	case KindInt:
		v.ints = append(v.ints, 0)
	case KindFloat:
		v.floats = append(v.floats, 0)
	case KindDecimal:
		v.decs = append(v.decs, apd.Decimal{})
		if v.scaledOK {
			v.scaled = append(v.scaled, 0)
		}
	case KindTime:
		v.times = append(v.times, time.Time{})
		if v.nanosOK {
			v.nanos = append(v.nanos, 0)
		}
	case KindString:
		if v.dictOK {
			v.codes = append(v.codes, 0) // a NULL's code is never read
		} else {
			v.strs = append(v.strs, "")
		}
	case KindBool:
		v.bools = append(v.bools, false)
	case KindAny:
		v.anys = append(v.anys, nil)
	}
}

// toAny moves the values into anys: a value of another type arrived.
func (v *Vector) toAny() {
	anys := make([]any, v.n, max(v.n+1, 64))
	for i := range v.n {
		anys[i] = v.Get(i)
	}
	*v = Vector{kind: KindAny, n: v.n, nulls: v.nulls, anys: anys, strBytes: v.strBytes}
}

// appendScaled appends d's scaled integer, rescaling the earlier ones when
// d has more fractional digits, or gives up the scaled form when it cannot
// hold d (too many digits, NaN, infinity).
func (v *Vector) appendScaled(d *apd.Decimal) {
	if !v.scaledOK {
		return
	}
	c, s, ok := smallDecimal(d)
	if ok && s > v.scale {
		if s > maxScale {
			ok = false
		} else {
			m := pow10[s-v.scale]
			for i, x := range v.scaled {
				y, fits := mulFits(x, m)
				if !fits {
					ok = false
					break
				}
				v.scaled[i] = y
			}
			if ok {
				v.scale = s
			}
		}
	}
	if ok {
		c, ok = mulFits(c, pow10[v.scale-s])
	}
	if !ok {
		v.scaled, v.scaledOK, v.uniform = nil, false, false
		return
	}
	v.scaled = append(v.scaled, c)
}

// smallDecimal is d as c × 10^-s with s ≥ 0, when d is finite and c fits an
// int64.
func smallDecimal(d *apd.Decimal) (c int64, s int32, ok bool) {
	if d.Form != apd.Finite || !d.Coeff.IsInt64() {
		return 0, 0, false
	}
	c = d.Coeff.Int64()
	if d.Negative {
		c = -c
	}
	e := d.Exponent
	for e > 0 {
		var fits bool
		if c, fits = mulFits(c, 10); !fits {
			return 0, 0, false
		}
		e--
	}
	if -e > maxScale {
		return 0, 0, false
	}
	return c, -e, true
}

var pow10 = func() (p [maxScale + 1]int64) {
	p[0] = 1
	for i := 1; i <= maxScale; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// mulFits is a × m (m > 0) when it fits an int64.
func mulFits(a, m int64) (int64, bool) {
	if m == 1 {
		return a, true
	}
	p := a * m
	if p/m != a {
		return 0, false
	}
	return p, true
}

// Null reports whether value i is NULL.
func (v *Vector) Null(i int) bool { return v.nulls != nil && v.nulls[i] }

// typeWord is the type word of an interface holding x's dynamic type.
func typeWord(x any) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&x))[0] }

var (
	int64Type   = typeWord(int64(0))
	float64Type = typeWord(float64(0))
	timeType    = typeWord(time.Time{})
	stringType  = typeWord("")
)

// box is the interface holding the value of type typ at data, pointing at
// it (what any(x) builds after copying x to the heap): a vector's values
// are handed out without an allocation each, and stay immutable because
// the vector never changes.
func box(typ, data unsafe.Pointer) (x any) {
	w := (*[2]unsafe.Pointer)(unsafe.Pointer(&x))
	w[0], w[1] = typ, data
	return x
}

// Get returns value i (nil for NULL). The value points into the vector:
// the caller must not change it (a decimal).
func (v *Vector) Get(i int) any {
	if v.nulls != nil && v.nulls[i] {
		return nil
	}
	switch v.kind {
	case KindInt:
		if x := v.ints[i]; uint64(x) < 256 {
			return x // the runtime boxes these without allocating
		}
		return box(int64Type, unsafe.Pointer(&v.ints[i]))
	case KindFloat:
		return box(float64Type, unsafe.Pointer(&v.floats[i]))
	case KindDecimal:
		if v.decs == nil {
			d := new(apd.Decimal)
			v.DecimalAt(i, d)
			return d
		}
		return &v.decs[i]
	case KindTime:
		return box(timeType, unsafe.Pointer(&v.times[i]))
	case KindString:
		if v.dictOK {
			return box(stringType, unsafe.Pointer(&v.dict[v.codes[i]]))
		}
		return box(stringType, unsafe.Pointer(&v.strs[i]))
	case KindBool:
		return v.bools[i]
	case KindAny:
		return v.anys[i]
	}
	return nil
}

// appendString appends s as a code while the dictionary has room, else
// (turning the codes into strings first) as a string.
func (v *Vector) appendString(s string) {
	if v.dictOK {
		code, ok := v.dictIdx[s]
		if !ok && len(v.dict) < maxDict {
			code, ok = uint16(len(v.dict)), true
			v.dict = append(v.dict, s)
			v.dictIdx[s] = code
			v.strBytes += len(s)
		}
		if ok {
			v.codes = append(v.codes, code)
			return
		}
		v.undict()
	}
	v.strs = append(v.strs, s)
	v.strBytes += len(s)
}

// undict turns a text vector's codes into strings.
func (v *Vector) undict() {
	strs := make([]string, len(v.codes), max(cap(v.codes), len(v.codes)+1))
	for i, c := range v.codes {
		if int(c) < len(v.dict) {
			strs[i] = v.dict[c]
		}
	}
	v.strs, v.codes, v.dict, v.dictIdx, v.dictOK = strs, nil, nil, nil, false
}

// str is text value i (not NULL).
func (v *Vector) str(i int) string {
	if v.dictOK {
		return v.dict[v.codes[i]]
	}
	return v.strs[i]
}

// Seal ends the building of the vector: a decimal vector whose scaled
// integers hold every value exactly (uniform) drops its decimals, an
// eighth of the memory and nothing for the garbage collector to scan.
func (v *Vector) Seal() {
	v.dictIdx = nil
	if v.kind == KindDecimal && v.scaledOK && v.uniform && (v.exp == 1 || -v.exp == v.scale) {
		v.decs = nil
	}
}

// Compact reports whether the vector holds decimals only as scaled
// integers: a reader makes each value it asks for (DecimalAt) where it
// likes, rather than receiving a new one from Get.
func (v *Vector) Compact() bool { return v.kind == KindDecimal && v.decs == nil }

// DecimalAt sets d to decimal value i (not NULL) of a decimal vector.
func (v *Vector) DecimalAt(i int, d *apd.Decimal) {
	if v.decs != nil {
		d.Set(&v.decs[i])
		return
	}
	d.SetFinite(v.scaled[i], -v.scale)
}

// Bytes approximates the memory the vector holds.
func (v *Vector) Bytes() int64 {
	b := int64(cap(v.nulls)) + int64(cap(v.ints))*8 + int64(cap(v.floats))*8 +
		int64(cap(v.decs))*int64(unsafe.Sizeof(apd.Decimal{})) + int64(cap(v.scaled))*8 +
		int64(cap(v.times))*int64(unsafe.Sizeof(time.Time{})) + int64(cap(v.nanos))*8 +
		int64(cap(v.strs))*16 + int64(v.strBytes) + int64(cap(v.codes))*2 + int64(cap(v.dict))*16 + int64(cap(v.bools)) + int64(cap(v.anys))*32
	return b + 64
}

// ScaledAt is value i (not NULL) as a coefficient and an exponent, c ×
// 10^e, when the vector holds it exactly that way: an integer (e is 0)
// or a compact decimal vector's value. ok is false for any other vector.
func (v *Vector) ScaledAt(i int) (c int64, e int32, ok bool) {
	switch {
	case v.kind == KindInt:
		return v.ints[i], 0, true
	case v.kind == KindDecimal && v.decs == nil:
		return v.scaled[i], -v.scale, true
	}
	return 0, 0, false
}
