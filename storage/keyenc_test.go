package storage_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// seeded returns a generator whose seed is logged, so a failure replays
// with NODEDB_TEST_SEED=<seed>.
func seeded(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("NODEDB_TEST_SEED"); s != "" {
		_, err := fmt.Sscan(s, &seed)
		require.NoError(t, err)
	}
	t.Logf("seed %d (replay with NODEDB_TEST_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// ---------------------------------------------------------------- generators

type gen func(r *rand.Rand) any

var intEdges = []int64{math.MinInt64, math.MinInt64 + 1, -1 << 53, -1<<53 - 1, -1<<53 + 1, -1, 0, 1,
	1<<53 - 1, 1 << 53, 1<<53 + 1, math.MaxInt64 - 1, math.MaxInt64}

func genInt(r *rand.Rand) any {
	switch r.IntN(4) {
	case 0:
		return intEdges[r.IntN(len(intEdges))]
	case 1:
		return int64(r.IntN(21)) - 10
	case 2:
		// near an edge: large values whose float64 images collide
		return intEdges[r.IntN(len(intEdges))] + int64(r.IntN(5)) - 2
	}
	return int64(r.Uint64())
}

var floatEdges = []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64,
	math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 0.5, 1, math.MaxFloat64, math.Inf(1), math.NaN()}

// genFloat yields floats including ±0, ±Inf and NaN. NaNs are the
// canonical (strconv/math.NaN) bit pattern; see TestKeyNaNPayloads.
func genFloat(r *rand.Rand) any {
	switch r.IntN(4) {
	case 0:
		return floatEdges[r.IntN(len(floatEdges))]
	case 1:
		return float64(r.IntN(9)-4) / 2
	case 2:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
	}
	f := math.Float64frombits(r.Uint64())
	if math.IsNaN(f) {
		return math.NaN()
	}
	return f
}

// genDecimal yields numerics of at most 15 significant digits within the
// float64 range (see TestKeyNumericBeyondFloatPrecision for the rest).
func genDecimal(r *rand.Rand) any {
	digits := 1 + r.IntN(15)
	var coeff int64
	for i := 0; i < digits; i++ {
		coeff = coeff*10 + int64(r.IntN(10))
	}
	if r.IntN(2) == 0 {
		coeff = -coeff
	}
	exp := int32(r.IntN(41) - 20)
	return apd.New(coeff, exp)
}

var byteAlphabet = []byte{0x00, 0x01, 0x02, 'a', 'b', 0xfe, 0xff}

func genRaw(r *rand.Rand) []byte {
	n := r.IntN(7)
	b := make([]byte, n)
	for i := range b {
		b[i] = byteAlphabet[r.IntN(len(byteAlphabet))]
	}
	return b
}

func genString(r *rand.Rand) any { return string(genRaw(r)) }
func genBytes(r *rand.Rand) any  { return genRaw(r) }

// genTime yields times within the range time.UnixNano represents
// (1678..2262); see TestKeyTimeOutsideNanosecondRange.
func genTime(r *rand.Rand) any {
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	switch r.IntN(3) {
	case 0:
		return base.Add(time.Duration(r.IntN(5)-2) * time.Nanosecond)
	case 1:
		return base.Add(time.Duration(r.Int64N(1<<62) - 1<<61))
	}
	return time.Unix(0, r.Int64()).UTC()
}

func genBool(r *rand.Rand) any { return r.IntN(2) == 0 }

var kinds = []struct {
	name string
	gen  gen
}{
	{"bool", genBool},
	{"int64", genInt},
	{"float64", genFloat},
	{"numeric", genDecimal},
	{"string", genString},
	{"bytes", genBytes},
	{"time", genTime},
}

// ---------------------------------------------------------------- tests

func TestAppendKeyPreservesOrder(t *testing.T) {
	r := seeded(t)
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for i := 0; i < 20000; i++ {
				a, b := k.gen(r), k.gen(r)
				if i%7 == 0 {
					b = a // equal values must encode equally
				}
				want := sign(types.Compare(a, b))
				got := sign(bytes.Compare(storage.AppendKey(nil, a), storage.AppendKey(nil, b)))
				if got != want {
					t.Fatalf("order of %#v and %#v: types.Compare %d, key bytes %d (%x vs %x)",
						a, b, want, got, storage.AppendKey(nil, a), storage.AppendKey(nil, b))
				}
			}
		})
	}
}

func TestAppendKeyEdgeOrder(t *testing.T) {
	negZero := math.Copysign(0, -1)
	// Each list is in ascending SQL order.
	lists := map[string][]any{
		"int": {int64(math.MinInt64), int64(math.MinInt64 + 1), int64(-1<<53 - 1), int64(-1 << 53), int64(-1),
			int64(0), int64(1), int64(1 << 53), int64(1<<53 + 1), int64(math.MaxInt64 - 1), int64(math.MaxInt64)},
		"float": {math.Inf(-1), -math.MaxFloat64, -1.5, -math.SmallestNonzeroFloat64, negZero,
			math.SmallestNonzeroFloat64, 1.5, math.MaxFloat64, math.Inf(1), math.NaN()},
		"numeric": {dec("-1e20"), dec("-1.5"), dec("-0.000001"), dec("0"), dec("0.000001"), dec("1"), dec("1.0000001"), dec("1e20")},
		"string":  {"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "a", "a\x00", "a\x00b", "a\x01", "ab", "\xff", "\xff\x00", "\xff\xff"},
		"bytes":   {[]byte{}, []byte{0}, []byte{0, 0}, []byte{0, 0xff}, []byte{1}, []byte{0xff}, []byte{0xff, 0}},
		"kinds": {nil, false, true, int64(-5), 2.5, dec("3.25"), int64(4), "", "a", []byte{}, []byte{0},
			time.Unix(0, 0).UTC(), time.Unix(1, 0).UTC()},
	}
	for name, vals := range lists {
		for i := 1; i < len(vals); i++ {
			a, b := storage.AppendKey(nil, vals[i-1]), storage.AppendKey(nil, vals[i])
			require.Negative(t, bytes.Compare(a, b), "%s: %#v must encode below %#v (%x vs %x)", name, vals[i-1], vals[i], a, b)
		}
	}
	require.Equal(t, storage.AppendKey(nil, negZero), storage.AppendKey(nil, 0.0), "-0 and +0 are one key")
	require.Equal(t, storage.AppendKey(nil, dec("1.500")), storage.AppendKey(nil, dec("1.5")), "trailing zeros do not matter")
	require.Equal(t, storage.AppendKey(nil, math.NaN()), storage.AppendKey(nil, math.NaN()))
}

func TestNumberPrefixShared(t *testing.T) {
	r := seeded(t)
	check := func(f float64, vals ...any) {
		t.Helper()
		p := storage.NumberPrefix(f)
		for _, v := range vals {
			k := storage.AppendKey(nil, v)
			require.True(t, bytes.HasPrefix(k, p), "%#v (%x) lacks number prefix of %v (%x)", v, k, f, p)
		}
	}
	for i := 0; i < 5000; i++ {
		n := r.Int64N(1<<54) - 1<<53 // exactly representable as float64
		check(float64(n), n, float64(n), apd.New(n, 0))
		f := float64(n) / 4
		check(f, f, dec(fmt.Sprintf("%.2f", f)))
	}
	check(0, int64(0), 0.0, math.Copysign(0, -1), dec("0"), dec("0.000"))
	check(math.Inf(1), math.Inf(1))
	// Different numbers have different prefixes.
	require.NotEqual(t, storage.NumberPrefix(1), storage.NumberPrefix(math.Nextafter(1, 2)))
	// A prefix seek for 3 finds 3, 3.0 and 3::numeric but not 30 or 3.5.
	p := storage.NumberPrefix(3)
	require.False(t, bytes.HasPrefix(storage.AppendKey(nil, int64(30)), p))
	require.False(t, bytes.HasPrefix(storage.AppendKey(nil, 3.5), p))
}

func TestDecodeKeyRoundTrip(t *testing.T) {
	r := seeded(t)
	all := append([]struct {
		name string
		gen  gen
	}{{"null", func(*rand.Rand) any { return nil }}}, kinds...)
	for _, k := range all {
		for i := 0; i < 5000; i++ {
			v := k.gen(r)
			enc := storage.AppendKey([]byte("prefix"), v)
			enc = append(enc, "tail"...)
			got, rest, err := storage.DecodeKey(enc[len("prefix"):])
			require.NoError(t, err, "%s %#v", k.name, v)
			require.Equal(t, "tail", string(rest), "%s %#v", k.name, v)
			require.Zero(t, types.CompareNullsFirst(v, got), "%s: %#v decoded as %#v", k.name, v, got)
			require.Equal(t, fmt.Sprintf("%T", v), fmt.Sprintf("%T", got), "%s: kind preserved", k.name)
			if tm, ok := v.(time.Time); ok {
				require.True(t, tm.Equal(got.(time.Time)))
			}
		}
	}
	// Integers beyond 2^53 keep every bit.
	for _, n := range intEdges {
		got, _, err := storage.DecodeKey(storage.AppendKey(nil, n))
		require.NoError(t, err)
		require.Equal(t, n, got)
	}
}

func TestCompositeKeysOrderLexicographically(t *testing.T) {
	r := seeded(t)
	for i := 0; i < 20000; i++ {
		// A schema: each position has one kind (as a strict table's
		// columns do) and may be NULL.
		n := 1 + r.IntN(3)
		schema := make([]gen, n)
		for j := range schema {
			schema[j] = kinds[r.IntN(len(kinds))].gen
		}
		tuple := func() []any {
			tu := make([]any, n)
			for j, g := range schema {
				if r.IntN(8) == 0 {
					continue // NULL
				}
				tu[j] = g(r)
			}
			return tu
		}
		a, b := tuple(), tuple()
		if r.IntN(3) == 0 {
			copy(b, a[:r.IntN(n)]) // share a leading prefix
		}
		want := 0
		for j := range a {
			if c := types.CompareNullsFirst(a[j], b[j]); c != 0 {
				want = sign(c)
				break
			}
		}
		var ka, kb []byte
		for j := range a {
			ka = storage.AppendKey(ka, a[j])
			kb = storage.AppendKey(kb, b[j])
		}
		require.Equal(t, want, sign(bytes.Compare(ka, kb)), "tuples %#v and %#v (%x vs %x)", a, b, ka, kb)
		// And the tuple decodes back value by value.
		rest := ka
		for j := range a {
			var v any
			var err error
			v, rest, err = storage.DecodeKey(rest)
			require.NoError(t, err)
			require.Zero(t, types.CompareNullsFirst(a[j], v))
		}
		require.Empty(t, rest)
	}
}

func TestPrefixEnd(t *testing.T) {
	require.Nil(t, storage.PrefixEnd(nil))
	require.Nil(t, storage.PrefixEnd([]byte{0xff, 0xff}))
	require.Equal(t, []byte{0x02}, storage.PrefixEnd([]byte{0x01}))
	require.Equal(t, []byte{0x01, 0x03}, storage.PrefixEnd([]byte{0x01, 0x02, 0xff, 0xff}))

	r := seeded(t)
	for i := 0; i < 20000; i++ {
		p := genRaw(r)
		orig := append([]byte(nil), p...)
		end := storage.PrefixEnd(p)
		require.True(t, bytes.Equal(orig, p), "PrefixEnd must not modify its argument")
		allFF := len(p) == 0 || bytes.Count(p, []byte{0xff}) == len(p)
		if allFF {
			require.Nil(t, end, "%x", p)
			continue
		}
		require.Positive(t, bytes.Compare(end, p))
		// A key is in [p, end) exactly when it has prefix p.
		for j := 0; j < 20; j++ {
			k := genRaw(r)
			if r.IntN(2) == 0 {
				k = append(append([]byte(nil), p...), k...)
			}
			in := bytes.Compare(k, p) >= 0 && bytes.Compare(k, end) < 0
			require.Equal(t, bytes.HasPrefix(k, p), in, "p=%x end=%x k=%x", p, end, k)
		}
	}
}

// TestVShard pins the vShard function: changing it moves every row and
// change-log record to another key, which is a data migration.
func TestVShard(t *testing.T) {
	require.Equal(t, uint16(871), storage.VShard("users", storage.AppendKey(nil, int64(1))))
	require.Equal(t, uint16(774), storage.VShard("users", storage.AppendKey(nil, "alice")))
	require.Equal(t, uint16(872), storage.VShard("", nil))

	r := seeded(t)
	counts := make([]int, storage.NumVShards)
	for i := 0; i < 50000; i++ {
		pk := storage.AppendKey(nil, int64(r.Uint64()))
		v := storage.VShard("c", pk)
		require.Less(t, int(v), storage.NumVShards)
		require.Equal(t, v, storage.VShard("c", append([]byte(nil), pk...)), "stable")
		counts[v]++
	}
	for v, n := range counts {
		require.Positive(t, n, "vshard %d never used by 50000 random keys", v)
	}
	// A collection hashing a prefix of its key: every row sharing the
	// prefix is in the vShard of the prefix alone.
	for _, first := range []any{int64(-3), "a\x00b", dec("-12.5"), dec("0"), dec("7.25"), 2.5, nil, true, time.Unix(5, 6).UTC()} {
		pre := storage.AppendKey(nil, first)
		for _, second := range []any{int64(1), "x", dec("-1")} {
			pk := storage.AppendKey(append([]byte(nil), pre...), second)
			require.Equal(t, storage.VShard("c", pre), storage.VShardPrefix("c", pk, 1), "%v, %v", first, second)
			require.Equal(t, storage.VShard("c", pk), storage.VShardPrefix("c", pk, 0))
			require.Equal(t, storage.VShard("c", pk), storage.VShardPrefix("c", pk, 2))
			n, err := storage.KeyPrefixLen(pk, 1)
			require.NoError(t, err)
			require.Equal(t, len(pre), n)
		}
	}
	// The collection name is separated from the key.
	require.NotEqual(t, storage.VShard("ab", []byte("c")), storage.VShard("a", []byte("bc")))
}

func TestKeyHelpers(t *testing.T) {
	pk := storage.AppendKey(nil, "k")
	rk := storage.RowKey(7, 513, pk)
	require.True(t, bytes.HasPrefix(rk, storage.RowPrefix(7)))
	vs, gotPK := storage.SplitRowKey(rk)
	require.Equal(t, uint16(513), vs)
	require.Equal(t, pk, gotPK)

	require.True(t, bytes.HasPrefix(storage.CatalogKey('c', 9), storage.CatalogPrefix('c')))
	for _, s := range []string{"", "k", "a\x00b", "\x00\x00"} {
		require.Equal(t, storage.AppendKey([]byte{9}, s), storage.AppendKeyString([]byte{9}, s))
	}
}

// ---------------------------------------------------------------- regressions (bugs found and fixed)

// TestKeyNaNPayloads: types.Compare treats every NaN as equal and above
// every other float, but the key encoding keeps the NaN's sign and payload.
// NaN from arithmetic (Inf-Inf on amd64 is 0xfff8000000000000, sign bit
// set) encodes below 0 and differently from a parsed 'NaN'
// (0x7ff8000000000001), so an index seek for NaN misses it and a unique
// index admits two NaNs.
func TestKeyNaNPayloads(t *testing.T) {
	inf := math.Inf(1)
	arith := inf - inf
	for _, nan := range []float64{arith, math.NaN(), math.Float64frombits(0x7ff0000000000001), math.Float64frombits(0xffffffffffffffff)} {
		require.Equal(t, storage.AppendKey(nil, math.NaN()), storage.AppendKey(nil, nan), "NaN %x", math.Float64bits(nan))
		require.Positive(t, bytes.Compare(storage.AppendKey(nil, nan), storage.AppendKey(nil, inf)), "NaN %x above +Inf", math.Float64bits(nan))
	}
}

// TestKeyNumericBeyondFloatPrecision: numerics whose float64 images are
// equal are ordered by their decimal text, which is wrong for negative
// numbers and for numbers of different magnitude beyond the float range.
func TestKeyNumericBeyondFloatPrecision(t *testing.T) {
	asc := [][2]string{
		{"-1.0000000000000000001", "-1.00000000000000000001"},
		{"-2E-400", "-1E-400"},
		{"9E+400", "1E+401"},
		{"-1E+401", "-9E+400"},
	}
	for _, p := range asc {
		a, b := dec(p[0]), dec(p[1])
		require.Negative(t, types.Compare(a, b))
		require.Negative(t, bytes.Compare(storage.AppendKey(nil, a), storage.AppendKey(nil, b)), "%s < %s", p[0], p[1])
	}
}

// TestKeyTimeOutsideNanosecondRange: time.Time.UnixNano is undefined
// outside 1678..2262, so timestamps such as '9999-12-31' (a common
// "forever" value) or '0001-01-01' wrap: they sort wrongly and decode to a
// different time.
func TestKeyTimeOutsideNanosecondRange(t *testing.T) {
	y2k := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tm := range []time.Time{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(294276, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)} {
		require.Equal(t, sign(tm.Compare(y2k)), sign(bytes.Compare(storage.AppendKey(nil, tm), storage.AppendKey(nil, y2k))), "%v", tm)
		got, _, err := storage.DecodeKey(storage.AppendKey(nil, tm))
		require.NoError(t, err)
		require.True(t, tm.Equal(got.(time.Time)), "%v decoded as %v", tm, got)
	}
}

// ---------------------------------------------------------------- fuzz

func FuzzDecodeKey(f *testing.F) {
	for _, v := range []any{nil, true, false, int64(-7), 2.5, math.NaN(), dec("-12.5e3"), "a\x00b", []byte{0, 0xff},
		time.Unix(5, 6).UTC(), struct{}{}} {
		f.Add(storage.AppendKey(nil, v))
	}
	f.Add(append(storage.AppendKey(nil, "x"), storage.AppendKey(nil, int64(1))...))
	f.Add([]byte{0x10, 1, 2, 3, 4, 5, 6, 7, 8, 0x03, 'x', 0, 1})
	f.Add([]byte{0x20, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rest := b
		for len(rest) > 0 {
			v, r, err := storage.DecodeKey(rest)
			if err != nil {
				return
			}
			if len(r) >= len(rest) {
				t.Fatalf("DecodeKey consumed nothing from %x", rest)
			}
			if n, err := storage.KeyPrefixLen(rest, 1); err != nil || n != len(rest)-len(r) {
				t.Fatalf("KeyPrefixLen(%x) = %d, %v; DecodeKey consumed %d", rest, n, err, len(rest)-len(r))
			}
			if !bytes.HasSuffix(rest, r) {
				t.Fatalf("rest %x is not a suffix of %x", r, rest)
			}
			// A decoded value re-encodes to a key that decodes to an
			// equal value (the encoding is canonical after one pass).
			k := storage.AppendKey(nil, v)
			v2, r2, err := storage.DecodeKey(k)
			if err != nil || len(r2) != 0 {
				t.Fatalf("re-encoded %#v (%x) does not decode: %v rest %x", v, k, err, r2)
			}
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				rest = r
				continue
			}
			if d, ok := v.(*apd.Decimal); ok && d.Form != apd.Finite {
				rest = r
				continue
			}
			if types.CompareNullsFirst(v, v2) != 0 {
				t.Fatalf("%#v re-decoded as %#v", v, v2)
			}
			rest = r
		}
	})
}

func TestMixedDirectionKeysOrder(t *testing.T) {
	r := seeded(t)
	for i := 0; i < 20000; i++ {
		n := 1 + r.IntN(3)
		schema := make([]gen, n)
		desc := make([]bool, n)
		for j := range schema {
			schema[j] = kinds[r.IntN(len(kinds))].gen
			desc[j] = r.IntN(2) == 0
		}
		tuple := func() []any {
			tu := make([]any, n)
			for j, g := range schema {
				tu[j] = g(r)
			}
			return tu
		}
		a, b := tuple(), tuple()
		if r.IntN(3) == 0 {
			copy(b, a[:r.IntN(n)])
		}
		want := 0
		for j := range a {
			if c := sign(types.Compare(a[j], b[j])); c != 0 {
				if desc[j] {
					c = -c
				}
				want = c
				break
			}
		}
		enc := func(tu []any) []byte {
			var k []byte
			for j, v := range tu {
				if desc[j] {
					k = storage.AppendKeyDesc(k, v)
				} else {
					k = storage.AppendKey(k, v)
				}
			}
			return k
		}
		ka, kb := enc(a), enc(b)
		require.Equal(t, want, sign(bytes.Compare(ka, kb)), "tuples %#v and %#v, desc %v", a, b, desc)
		rest := ka
		for j := range a {
			var v any
			var err error
			if desc[j] {
				v, rest, err = storage.DecodeKeyDesc(rest)
			} else {
				v, rest, err = storage.DecodeKey(rest)
			}
			require.NoError(t, err)
			require.Zero(t, types.Compare(a[j], v))
		}
		require.Empty(t, rest)
	}
}
