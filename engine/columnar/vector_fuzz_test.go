package columnar

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// fuzzDecode turns fuzz bytes into a column, a constant, an op and a row
// set. data[0] bit 0 picks text (else integers), data[1] the op, data[2]
// the rows (bit 0: an explicit Sel of the rows whose index bit in data[2]
// is set, cycling; else a range cut by the other bits). The rest is
// values, the first of them the constant: 0xFF is NULL; for integers 0xFE
// and 8 bytes is a full int64, anything else a signed byte; for text a
// byte's low 2 bits are a length of bytes that follow.
func fuzzDecode(data []byte) (vals []any, c any, op Op, rs Rows, ok bool) {
	if len(data) < 4 {
		return nil, nil, 0, Rows{}, false
	}
	text := data[0]&1 == 1
	op = Op(data[1] % 6)
	rowsByte := data[2]
	data = data[3:]
	next := func() (any, bool) {
		if len(data) == 0 {
			return nil, false
		}
		b := data[0]
		data = data[1:]
		switch {
		case b == 0xFF:
			return nil, true
		case text:
			n := min(int(b&3), len(data))
			s := string(data[:n])
			data = data[n:]
			return s, true
		case b == 0xFE && len(data) >= 8:
			x := int64(binary.LittleEndian.Uint64(data))
			data = data[8:]
			return x, true
		}
		return int64(int8(b)), true
	}
	c, _ = next()
	if c == nil {
		if text {
			c = ""
		} else {
			c = int64(0)
		}
	}
	for len(vals) < 64 {
		x, more := next()
		if !more {
			break
		}
		vals = append(vals, x)
	}
	n := len(vals)
	if rowsByte&1 == 1 {
		rs.Sel = []int32{}
		for i := range n {
			if rowsByte>>(1+i%7)&1 == 1 {
				rs.Sel = append(rs.Sel, int32(i))
			}
		}
	} else if n > 0 {
		rs.Lo = int(rowsByte>>1&7) % (n + 1)
		rs.Hi = rs.Lo + int(rowsByte>>4)%(n-rs.Lo+1)
	}
	return vals, c, op, rs, true
}

// FuzzVectorKernels: CompareConst over integers or text returns exactly
// the rows whose non-NULL value compares with the constant as Go orders
// them, and In with the constant alone agrees with = (<> with not).
func FuzzVectorKernels(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3, 0xFF, 3, 0x80, 0x7F})
	f.Add([]byte{0, 2, 1, 0xFE, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 5, 0xFF})
	f.Add([]byte{1, 3, 0xAB, 1, 'b', 2, 'a', 'b', 0xFF, 0, 1, 'b', 3, 'b', 'b', 'b'})
	f.Add([]byte{1, 5, 0x52, 0xFF, 0xFF, 1, 0xC3, 2, 0xC3, 0xA9})
	f.Add([]byte{0, 1, 0x3E, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0, 4, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		vals, c, op, rs, ok := fuzzDecode(data)
		if !ok {
			return
		}
		v := buildVector(vals)
		checkVector(t, v, vals)
		what := func() string {
			return fmt.Sprintf("%v %s %s over %s", showAll(vals), opName(op), showValue(c), rowsString(rs))
		}
		got, ok := v.CompareConst(op, c, rs, slices.Clone(outPrefix))
		if !ok {
			t.Fatalf("%s: ok = false", what())
		}
		checkAppended(t, got, refRows(rs, func(i int) bool {
			return vals[i] != nil && refHolds(op, refCompare(vals[i], c))
		}), what)
		for _, not := range []bool{false, true} {
			got, ok := v.In([]any{c}, not, rs, slices.Clone(outPrefix))
			if !ok {
				t.Fatalf("%s: In ok = false", what())
			}
			checkAppended(t, got, refRows(rs, func(i int) bool {
				return vals[i] != nil && (refCompare(vals[i], c) == 0) != not
			}), func() string { return fmt.Sprintf("%s: IN (not %v)", what(), not) })
		}
	})
}
