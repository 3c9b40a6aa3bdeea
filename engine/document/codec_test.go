package document_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/sql/types"
)

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

// requireSame compares decoded values: exact Go types, decimals and times
// by value.
func requireSame(t *testing.T, want, got any, path string) {
	t.Helper()
	switch w := want.(type) {
	case int:
		require.Equal(t, int64(w), got, path)
	case *apd.Decimal:
		g, ok := got.(*apd.Decimal)
		require.True(t, ok, "%s: got %T", path, got)
		require.Zero(t, w.Cmp(g), "%s: %s vs %s", path, w, g)
		require.Equal(t, w.Text('f'), g.Text('f'), "%s: scale kept", path)
	case time.Time:
		g, ok := got.(time.Time)
		require.True(t, ok, "%s: got %T", path, got)
		require.True(t, w.Equal(g), "%s: %v vs %v", path, w, g)
		require.Equal(t, time.UTC, g.Location(), "%s: decoded times are UTC", path)
	case float64:
		g, ok := got.(float64)
		require.True(t, ok, "%s: got %T", path, got)
		require.Equal(t, math.Float64bits(w), math.Float64bits(g), "%s", path)
	case []byte:
		// An empty bytea may come back as a nil slice: still a non-NULL
		// []byte value.
		g, ok := got.([]byte)
		require.True(t, ok, "%s: got %T", path, got)
		require.Equal(t, string(w), string(g), path)
	case map[string]any:
		g, ok := got.(map[string]any)
		require.True(t, ok, "%s: got %T", path, got)
		require.Len(t, g, len(w), path)
		for k, v := range w {
			gv, ok := g[k]
			require.True(t, ok, "%s.%s missing", path, k)
			requireSame(t, v, gv, path+"."+k)
		}
	case []any:
		g, ok := got.([]any)
		require.True(t, ok, "%s: got %T", path, got)
		require.Len(t, g, len(w), path)
		for i := range w {
			requireSame(t, w[i], g[i], path+"[]")
		}
	default:
		require.Equal(t, want, got, path)
	}
}

func TestValueRoundTrip(t *testing.T) {
	tm := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	vals := map[string]any{
		"null":      nil,
		"true":      true,
		"false":     false,
		"int":       int64(-42),
		"go int":    7,
		"min int":   int64(math.MinInt64),
		"max int":   int64(math.MaxInt64),
		"float":     1.5,
		"neg zero":  math.Copysign(0, -1),
		"inf":       math.Inf(-1),
		"nan":       math.NaN(),
		"decimal":   dec("-12345678901234567890.000123"),
		"dec exp":   dec("1.5E+30"),
		"dec small": dec("0.000000000000000000000001"),
		"dec scale": dec("2.50"),
		"big dec":   dec(strings.Repeat("9", 300) + ".5"), // ext header 0xc8
		"text":      "héllo\x00world",
		"long text": strings.Repeat("x", 70000),
		"empty":     "",
		"bytes":     []byte{0, 1, 0xff},
		"no bytes":  []byte{},
		"time":      tm,
		"zoned":     tm.In(time.FixedZone("x", 3600)),
		"old time":  time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		"array":     []any{int64(1), "two", nil, []any{3.5, dec("4.25")}},
		"map": map[string]any{
			"a": int64(1),
			"b": map[string]any{"c": []any{map[string]any{"d": tm}}, "e": nil},
			"":  "empty key",
		},
		"empty array": []any{},
		"empty map":   map[string]any{},
	}
	for name, v := range vals {
		t.Run(name, func(t *testing.T) {
			b, err := document.AppendValue([]byte("x"), v)
			require.NoError(t, err)
			got, rest, err := document.ReadValue(append(b[1:], 0xc0))
			require.NoError(t, err)
			require.Equal(t, []byte{0xc0}, rest, "one value consumed")
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				require.True(t, math.IsNaN(got.(float64)))
				return
			}
			requireSame(t, v, got, name)
		})
	}
}

func TestAppendValueRejectsUnknownTypes(t *testing.T) {
	for _, v := range []any{struct{}{}, int32(1), uint64(1), map[string]int{}, []string{"a"}, float32(1)} {
		_, err := document.AppendValue(nil, v)
		require.Error(t, err, "%T", v)
	}
	// Also when nested.
	_, err := document.AppendValue(nil, map[string]any{"a": []any{int8(1)}})
	require.Error(t, err)
}

func TestDocAndTuple(t *testing.T) {
	doc := map[string]any{"id": "x", "n": int64(3), "tags": []any{"a"}}
	b, err := document.EncodeDoc(doc)
	require.NoError(t, err)
	got, err := document.DecodeDoc(b)
	require.NoError(t, err)
	requireSame(t, doc, got, "doc")

	tuple, err := document.EncodeTuple([]any{int64(1), "a"})
	require.NoError(t, err)
	_, err = document.DecodeDoc(tuple)
	require.Error(t, err, "a tuple is not a document")
	_, err = document.DecodeTuple(b, 2)
	require.Error(t, err, "a document is not a tuple")

	// Rows written before ADD COLUMN read the new columns as NULL.
	row, err := document.DecodeTuple(tuple, 4)
	require.NoError(t, err)
	require.Equal(t, []any{int64(1), "a", nil, nil}, row)
	// Never truncated.
	row, err = document.DecodeTuple(tuple, 1)
	require.NoError(t, err)
	require.Equal(t, []any{int64(1), "a"}, row)

	_, err = document.DecodeTuple(nil, 1)
	require.Error(t, err)
	_, err = document.DecodeDoc([]byte{0x81})
	require.Error(t, err, "truncated map")
}

func TestReadValueForeignEncodings(t *testing.T) {
	// uint, float32 and fixint forms written by other MessagePack
	// producers decode to the value model's types.
	cases := []struct {
		in   []byte
		want any
	}{
		{[]byte{0x05}, int64(5)},
		{[]byte{0xcc, 0xff}, int64(255)},
		{[]byte{0xcd, 0x01, 0x00}, int64(256)},
		{[]byte{0xca, 0x3f, 0xc0, 0, 0}, 1.5},
		{[]byte{0xd0, 0xff}, int64(-1)},
	}
	for _, c := range cases {
		got, rest, err := document.ReadValue(c.in)
		require.NoError(t, err, "%x", c.in)
		require.Empty(t, rest)
		require.Equal(t, c.want, got, "%x", c.in)
	}
	// Unknown extension types are errors.
	_, _, err := document.ReadValue([]byte{0xc7, 1, 42, 'x'})
	require.Error(t, err)
	// A truncated decimal extension is an error.
	_, _, err = document.ReadValue([]byte{0xc7, 5, 2, '1'})
	require.Error(t, err)
	// So is a non-string map key.
	_, _, err = document.ReadValue([]byte{0x81, 0x01, 0x02})
	require.Error(t, err)
}

// TestReadValueHugeLengthPrefix: a corrupt array or map header claiming
// 2^32-1 elements makes ReadValue preallocate before reading any element,
// which kills the process (fatal "out of memory", not a recoverable
// panic) instead of returning an error.
func TestReadValueHugeLengthPrefix(t *testing.T) {
	for _, in := range [][]byte{{0xdd, 0xff, 0xff, 0xff, 0xff}, {0xdf, 0xff, 0xff, 0xff, 0xff}} {
		_, _, err := document.ReadValue(in)
		require.Error(t, err)
	}
}

func FuzzReadValue(f *testing.F) {
	for _, v := range []any{nil, true, int64(-1), int64(-200), int64(300), int64(-70000), int64(1 << 40), 2.5, dec("1.25"), "s",
		strings.Repeat("long", 40), []byte{1}, time.Unix(1, 2), []any{int64(7), "abc", time.Unix(-5, 0), 1.5, dec("-0.06"), strings.Repeat("x", 40)},
		[]any{int64(1), "x"}, []any{}, []any{int64(1), nil, "a", true}, map[string]any{"a": map[string]any{"b": []any{nil}}}} {
		b, err := document.AppendValue(nil, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// EachTupleValue sees what DecodeTuple returns, padding included.
		var each []any
		eachErr := document.EachTupleValue(b, 3, func(i int, v any) {
			if i != len(each) {
				t.Fatalf("column %d out of order", i)
			}
			each = append(each, v)
		})
		// ReadColumns picks the same values (the view column's text as
		// bytes).
		cols := []int{2, 0, 5}
		picked := make([]any, len(cols))
		viewText, isText, colsErr := document.ReadColumns(b, cols, 0, picked)
		if tup, err := document.DecodeTuple(b, 6); err == nil {
			if colsErr != nil {
				t.Fatalf("ReadColumns: %v; DecodeTuple: ok", colsErr)
			}
			if _, text := tup[0].(string); text != isText {
				t.Fatalf("view column: text %v, DecodeTuple %#v", isText, tup[0])
			}
			for j, c := range cols {
				got := picked[j]
				if c == 0 && isText {
					if got != nil {
						t.Fatalf("view column as text and as %#v", got)
					}
					got = string(viewText)
				}
				if !sameValue(got, tup[c]) {
					t.Fatalf("column %d: ReadColumns %#v, DecodeTuple %#v", c, picked[j], tup[c])
				}
			}
		}
		// DecodeTupleUsed decodes the marked columns as DecodeTuple does
		// and leaves the others NULL.
		used := []bool{true, false, true, false, false, true}
		if tup, err := document.DecodeTuple(b, 6); err == nil {
			part, err := document.DecodeTupleUsed(b, 6, used)
			if err != nil || len(part) != len(tup) {
				t.Fatalf("DecodeTupleUsed: %v, %d values; DecodeTuple: %d", err, len(part), len(tup))
			}
			for i := range tup {
				want := tup[i]
				if i >= len(used) || !used[i] {
					want = nil
				}
				if !sameValue(part[i], want) {
					t.Fatalf("column %d: DecodeTupleUsed %#v, want %#v", i, part[i], want)
				}
			}
		}
		// A Decoder (its fast paths and slabs) and a Tuple's columns give
		// the same values.
		if tup, err := document.DecodeTuple(b, 6); err == nil {
			var dec document.Decoder
			all := []bool{true, true, true, true, true, true}
			part, err := dec.DecodeTupleUsedInto(nil, b, 6, all)
			if err != nil || len(part) != len(tup) {
				t.Fatalf("Decoder.DecodeTupleUsedInto: %v, %d values; DecodeTuple: %d", err, len(part), len(tup))
			}
			var tu document.Tuple
			if err := tu.Reset(b); err != nil {
				t.Fatalf("Tuple.Reset: %v; DecodeTuple: ok", err)
			}
			for _, i := range []int{3, 0, 5, 1, 4, 2} { // out of order
				at, err := dec.Column(&tu, i)
				if err != nil {
					t.Fatalf("Column %d: %v", i, err)
				}
				if !sameValue(part[i], tup[i]) || !sameValue(at, tup[i]) {
					t.Fatalf("column %d: Decoder %#v, Column %#v, DecodeTuple %#v", i, part[i], at, tup[i])
				}
			}
		}
		if tup, err := document.DecodeTuple(b, 3); err == nil {
			if eachErr != nil || len(each) != len(tup) {
				t.Fatalf("EachTupleValue: %v, %d values; DecodeTuple: %d", eachErr, len(each), len(tup))
			}
			for i := range tup {
				if !sameValue(each[i], tup[i]) {
					t.Fatalf("column %d: %#v, DecodeTuple %#v", i, each[i], tup[i])
				}
			}
		}
		v, rest, err := document.ReadValue(b)
		if err != nil {
			return
		}
		if len(rest) > len(b) {
			t.Fatalf("rest longer than input")
		}
		// What decodes re-encodes and decodes to the same value.
		enc, err := document.AppendValue(nil, v)
		if err != nil {
			t.Fatalf("decoded %T does not encode: %v", v, err)
		}
		v2, rest2, err := document.ReadValue(enc)
		if err != nil || len(rest2) != 0 {
			t.Fatalf("re-encoded value does not decode: %v", err)
		}
		if !sameValue(v, v2) {
			t.Fatalf("%#v re-decoded as %#v", v, v2)
		}
	})
}

func sameValue(a, b any) bool {
	if fa, ok := a.(float64); ok && math.IsNaN(fa) {
		fb, ok := b.(float64)
		return ok && math.IsNaN(fb)
	}
	if da, ok := a.(*apd.Decimal); ok && da.Form != apd.Finite {
		return true
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !sameValue(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return types.Equal(a, b)
}

// Stored numerics (kept as their plain text) decode to exactly what
// apd.NewFromString makes of that text (coefficient, exponent, sign), on
// the plain fast path and off it.
func TestDecimalDecodeMatchesParser(t *testing.T) {
	for _, s := range []string{"0", "-0", "0.00", "-0.00", "1", "-1", "12.50", "0012.50", "-999.99", "0.06",
		"123456789012345678", "1234567890123456789", "-12345678901234567.8", "0.000000000000000001",
		"99999999999999999999.99", "1E+3", "NaN", "Infinity", "-Infinity", "1.5e-7"} {
		b, err := document.AppendValue(nil, dec(s))
		want := dec(dec(s).Text('f')) // what the stored text parses to
		require.NoError(t, err, s)
		got, rest, err := document.ReadValue(b)
		require.NoError(t, err, s)
		require.Empty(t, rest, s)
		g := got.(*apd.Decimal)
		require.Equal(t, want.Form, g.Form, s)
		require.Equal(t, want.Negative, g.Negative, s)
		require.Equal(t, want.Exponent, g.Exponent, s)
		require.Equal(t, want.Coeff.String(), g.Coeff.String(), s)
	}
}

// TestDecoderDecodeTupleUsed: decoding with a Decoder (decimals from its
// slabs) gives what DecodeTuple gives for the used columns, whatever else
// the row holds (timestamps are MessagePack extensions too), over more
// rows than one slab holds; unused columns are NULL.
func TestDecoderDecodeTupleUsed(t *testing.T) {
	ts := time.Date(1994, 1, 1, 0, 0, 0, 0, time.UTC)
	var d document.Decoder
	var kept [][]any
	for i := range 100 {
		row := []any{int64(i*1000 - 50000), dec("12.34"), ts.AddDate(0, 0, i), dec("-0.06"), "text", dec("123456789012345678901234567890.5"), fmt.Sprintf("t%d", i), float64(i) / 4}
		b, err := document.EncodeTuple(row)
		require.NoError(t, err)
		want, err := document.DecodeTuple(b, len(row))
		require.NoError(t, err)
		got, err := d.DecodeTupleUsed(b, len(row), []bool{true, true, true, true, false, true, true, true})
		require.NoError(t, err)
		want[4] = nil
		requireSame(t, want, got, "row")
		kept = append(kept, got)
	}
	// Rows kept from earlier slabs are intact.
	for i, row := range kept {
		require.Equal(t, int64(i*1000-50000), row[0])
		require.Equal(t, ts.AddDate(0, 0, i), row[2])
		require.Equal(t, fmt.Sprintf("t%d", i), row[6])
		require.Equal(t, float64(i)/4, row[7])
		require.Equal(t, "12.34", row[1].(*apd.Decimal).String())
		require.Equal(t, "-0.06", row[3].(*apd.Decimal).String())
	}
}

// TestDecodeTupleUsedInto: decoding into a reused array overwrites every
// column, leaving unused ones NULL, and grows it when too small.
func TestDecodeTupleUsedInto(t *testing.T) {
	var d document.Decoder
	a, err := document.EncodeTuple([]any{int64(1), "a", dec("1.5")})
	require.NoError(t, err)
	b, err := document.EncodeTuple([]any{int64(2), nil, dec("2.5"), "extra"})
	require.NoError(t, err)
	buf, err := d.DecodeTupleUsedInto(nil, a, 3, []bool{true, true, true})
	require.NoError(t, err)
	requireSame(t, []any{int64(1), "a", dec("1.5")}, buf, "first row")
	got, err := d.DecodeTupleUsedInto(buf, b, 4, []bool{true, true, false, true})
	require.NoError(t, err)
	requireSame(t, []any{int64(2), nil, nil, "extra"}, got, "second row")
	again, err := d.DecodeTupleUsedInto(got, a, 3, []bool{true, false, true})
	require.NoError(t, err)
	require.Len(t, again, 3)
	require.Same(t, &got[0], &again[0], "the array is reused")
	requireSame(t, []any{int64(1), nil, dec("1.5")}, again, "third row")
}
