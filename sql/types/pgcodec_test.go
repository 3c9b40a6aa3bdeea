package types

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nodedb-go/nodedb/errs"
)

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

var ts = time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)

// TestEncodeText pins the text output PostgreSQL 15 produces for each type.
func TestEncodeText(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		t    T
		want string
	}{
		{true, Bool, "t"},
		{false, Bool, "f"},
		{int64(-42), Int4, "-42"},
		{1.5, Float8, "1.5"},
		{0.1, Float8, "0.1"},
		{1234567.0, Float8, "1234567"},
		{1e14, Float8, "100000000000000"},
		{1e15, Float8, "1e+15"},
		{0.0001, Float8, "0.0001"},
		{0.00001, Float8, "1e-05"},
		{float64(float32(0.1)), Float4, "0.1"},
		{1e6, Float4, "1e+06"},
		{math.Inf(1), Float8, "Infinity"},
		{math.Inf(-1), Float4, "-Infinity"},
		{math.NaN(), Float8, "NaN"},
		{dec("123.4500"), Numeric, "123.4500"},
		{dec("1E+3"), Numeric, "1000"},
		{dec("-0.00"), Numeric, "0.00"},
		{&apd.Decimal{Form: apd.NaN}, Numeric, "NaN"},
		{"héllo", Text, "héllo"},
		{[]byte{0xde, 0xad}, Bytea, `\xdead`},
		{ts, Timestamp, "2024-02-29 13:14:15.123456"},
		{ts, Timestamptz, "2024-02-29 13:14:15.123456+00"},
		{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Timestamptz, "2024-02-29 00:00:00+00"},
		{ts, Date, "2024-02-29"},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{map[string]any{"b": int64(1), "a": []any{"x<y", nil, true}}, JSON, `{"a":["x<y",null,true],"b":1}`},
		{map[string]any{"a": 1.5}, JSONB, `{"a": 1.5}`},
		{map[string]any{"bb": []any{int64(1), "x"}, "a": map[string]any{}, "c": nil}, JSONB, `{"a": {}, "c": null, "bb": [1, "x"]}`},
		// Mixed dynamic types.
		{int64(7), Text, "7"},
		{"alice", Doc, "alice"},
		{int64(7), Doc, "7"},
		{true, Doc, "t"},
		{[]any{int64(1), "two"}, Doc, `[1,"two"]`},
		{ts, Unknown, "2024-02-29 13:14:15.123456+00"},
	} {
		if got := string(EncodeText(tc.v, tc.t)); got != tc.want {
			t.Errorf("EncodeText(%#v, %s) = %q, want %q", tc.v, tc.t, got, tc.want)
		}
	}
	if EncodeText(nil, Int4) != nil {
		t.Error("NULL must encode as nil")
	}
}

// TestTextRoundTrip decodes what EncodeText produced.
func TestTextRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		v Value
		t T
	}{
		{true, Bool},
		{int64(-32768), Int2},
		{int64(math.MaxInt64), Int8},
		{1.25, Float8},
		{math.Inf(-1), Float8},
		{dec("-98765.4321"), Numeric},
		{"tab\there", Text},
		{[]byte{0, 1, 2, 255}, Bytea},
		{ts, Timestamp},
		{ts, Timestamptz},
		{time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), Date},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", UUID},
		{map[string]any{"k": []any{int64(1), "x"}}, JSONB},
	} {
		b := EncodeText(tc.v, tc.t)
		got, err := DecodeText(b, tc.t)
		if err != nil {
			t.Fatalf("DecodeText(%q, %s): %v", b, tc.t, err)
		}
		if !Equal(got, tc.v) {
			t.Errorf("%s: round trip %#v → %q → %#v", tc.t, tc.v, b, got)
		}
	}
}

func TestDecodeTextInputs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		t    T
		want Value
	}{
		{"yes", Bool, true},
		{" 12 ", Int4, int64(12)},
		{"2024-02-29 13:14:15.123456+00", Timestamptz, ts},
		{"2024-02-29T13:14:15.123456Z", Timestamptz, ts},
		{"2024-02-29 15:14:15.123456+02:00:00", Timestamptz, ts},
		{"2024-02-29", Date, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{`a\\b\001`, Bytea, []byte("a\\b\x01")},
		{`\x0aff`, Bytea, []byte{0x0a, 0xff}},
		{"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"NaN", Numeric, &apd.Decimal{Form: apd.NaN}},
	} {
		got, err := DecodeText([]byte(tc.in), tc.t)
		if err != nil {
			t.Fatalf("DecodeText(%q, %s): %v", tc.in, tc.t, err)
		}
		if !Equal(got, tc.want) {
			t.Errorf("DecodeText(%q, %s) = %#v, want %#v", tc.in, tc.t, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		t    T
		code string
	}{
		{"maybe", Bool, errs.InvalidTextRep},
		{"12x", Int8, errs.InvalidTextRep},
		{"70000", Int2, errs.NumericOutOfRange},
		{"abc", Numeric, errs.InvalidTextRep},
		{"not-a-uuid", UUID, errs.InvalidTextRep},
		{"{", JSON, errs.InvalidTextRep},
		{`\xzz`, Bytea, errs.InvalidTextRep},
		{"\xff\xfe", Text, "22021"},
	} {
		_, err := DecodeText([]byte(tc.in), tc.t)
		if got := errs.Code(err); err == nil || got != tc.code {
			t.Errorf("DecodeText(%q, %s) error %v (code %s), want code %s", tc.in, tc.t, err, got, tc.code)
		}
	}
}

// TestBinaryRoundTrip encodes and decodes every type in binary.
func TestBinaryRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		v Value
		t T
	}{
		{true, Bool},
		{false, Bool},
		{int64(-2), Int2},
		{int64(math.MinInt32), Int4},
		{int64(math.MinInt64), Int8},
		{1.5, Float4},
		{-0.1, Float8},
		{math.Inf(1), Float8},
		{dec("0"), Numeric},
		{dec("0.00"), Numeric},
		{dec("1"), Numeric},
		{dec("-1"), Numeric},
		{dec("10000"), Numeric},
		{dec("123456789.987654321"), Numeric},
		{dec("0.0001"), Numeric},
		{dec("0.00001"), Numeric},
		{dec("1E+20"), Numeric},
		{dec("-0.5"), Numeric},
		{&apd.Decimal{Form: apd.Infinite, Negative: true}, Numeric},
		{"héllo", Text},
		{"v", Varchar},
		{[]byte{}, Bytea},
		{[]byte{0, 255}, Bytea},
		{ts, Timestamp},
		{ts, Timestamptz},
		{time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC), Timestamptz},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Date},
		{time.Date(1850, 6, 1, 0, 0, 0, 0, time.UTC), Date},
		{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", UUID},
		{map[string]any{"a": int64(1)}, JSON},
		{[]any{"x", 2.5}, JSONB},
	} {
		b, err := EncodeBinary(tc.v, tc.t)
		if err != nil {
			t.Fatalf("EncodeBinary(%#v, %s): %v", tc.v, tc.t, err)
		}
		got, err := DecodeBinary(b, tc.t)
		if err != nil {
			t.Fatalf("DecodeBinary(%x, %s): %v", b, tc.t, err)
		}
		if !Equal(got, tc.v) {
			t.Errorf("%s: round trip %#v → %x → %#v", tc.t, tc.v, b, got)
		}
		if d, ok := tc.v.(*apd.Decimal); ok && d.Form == apd.Finite {
			if g := got.(*apd.Decimal).Text('f'); g != d.Text('f') {
				t.Errorf("numeric scale lost: %s → %s", d.Text('f'), g)
			}
		}
	}
}

// TestEncodeBinaryMixed covers values whose dynamic type differs from the
// column type.
func TestEncodeBinaryMixed(t *testing.T) {
	b, err := EncodeBinary("42", Int8)
	if err != nil || len(b) != 8 || b[7] != 42 {
		t.Fatalf("string in int8: %x %v", b, err)
	}
	b, err = EncodeBinary(int64(3), Float8)
	if err != nil || math.Float64frombits(beU64(b)) != 3 {
		t.Fatalf("int in float8: %x %v", b, err)
	}
	b, err = EncodeBinary(int64(7), Text)
	if err != nil || string(b) != "7" {
		t.Fatalf("int in text: %q %v", b, err)
	}
	b, err = EncodeBinary(map[string]any{"a": "b"}, Doc)
	if err != nil || string(b) != `{"a":"b"}` {
		t.Fatalf("doc: %q %v", b, err)
	}
	if _, err := EncodeBinary(int64(70000), Int2); errs.Code(err) != errs.NumericOutOfRange {
		t.Fatalf("int2 overflow: %v", err)
	}
	if _, err := EncodeBinary(map[string]any{}, Int4); err == nil {
		t.Fatal("object as int4 must fail")
	}
}

func beU64(b []byte) uint64 {
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	return u
}

func TestDecodeBinaryErrors(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		t    T
		code string
	}{
		{[]byte{1, 2}, Int4, errs.ProtocolViolation},
		{[]byte{1}, Int8, errs.ProtocolViolation},
		{[]byte{}, Bool, errs.ProtocolViolation},
		{make([]byte, 15), UUID, errs.ProtocolViolation},
		{[]byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}, Numeric, "22P03"}, // digit 10000
		{[]byte{0, 1, 0, 0, 0, 0, 0, 0}, Numeric, "22P03"},             // missing digit
		{[]byte{0, 0, 0, 0, 0x12, 0x34, 0, 0}, Numeric, "22P03"},       // bad sign
		{[]byte{2, '{', '}'}, JSONB, "22P03"},
		{[]byte{0xff}, Text, "22021"},
	} {
		_, err := DecodeBinary(tc.in, tc.t)
		if got := errs.Code(err); err == nil || got != tc.code {
			t.Errorf("DecodeBinary(%x, %s) error %v (code %s), want %s", tc.in, tc.t, err, got, tc.code)
		}
	}
}

// TestBinaryMatchesPgx proves wire compatibility: what we encode, pgx's own
// codecs decode to the same value, and what pgx encodes, we decode.
func TestBinaryMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	bin := int16(pgtype.BinaryFormatCode)

	t.Run("ours→pgx", func(t *testing.T) {
		check := func(v Value, typ T, dst any, want func() bool) {
			t.Helper()
			b, err := EncodeBinary(v, typ)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Scan(typ.OID(), bin, b, dst); err != nil {
				t.Fatalf("pgx scan %s %x: %v", typ, b, err)
			}
			if !want() {
				t.Errorf("%s: pgx decoded %#v from %#v", typ, dst, v)
			}
		}
		var bo bool
		check(true, Bool, &bo, func() bool { return bo })
		var i2 int16
		check(int64(-300), Int2, &i2, func() bool { return i2 == -300 })
		var i4 int32
		check(int64(1<<30), Int4, &i4, func() bool { return i4 == 1<<30 })
		var i8 int64
		check(int64(-1<<62), Int8, &i8, func() bool { return i8 == -1<<62 })
		var f4 float32
		check(2.5, Float4, &f4, func() bool { return f4 == 2.5 })
		var f8 float64
		check(-1e300, Float8, &f8, func() bool { return f8 == -1e300 })
		var s string
		check("text ✓", Text, &s, func() bool { return s == "text ✓" })
		var by []byte
		check([]byte{1, 2, 3}, Bytea, &by, func() bool { return string(by) == "\x01\x02\x03" })
		var tm time.Time
		check(ts, Timestamptz, &tm, func() bool { return tm.Equal(ts) })
		var tsp pgtype.Timestamp
		check(ts, Timestamp, &tsp, func() bool { return tsp.Time.Equal(ts) })
		var d pgtype.Date
		check(time.Date(1850, 6, 1, 0, 0, 0, 0, time.UTC), Date, &d, func() bool {
			return d.Time.Equal(time.Date(1850, 6, 1, 0, 0, 0, 0, time.UTC))
		})
		var u pgtype.UUID
		check("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", UUID, &u, func() bool {
			return u.String() == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
		})
		var js map[string]any
		check(map[string]any{"a": "b"}, JSONB, &js, func() bool { return js["a"] == "b" })
		check(map[string]any{"c": "d"}, JSON, &js, func() bool { return js["c"] == "d" })
		for _, n := range []string{"0", "0.000", "1", "-1", "9999", "10000", "123456789.987654321",
			"0.00001", "-0.5", "1E+20", "3.14159265358979323846264338327950288", "-12345678901234567890.12"} {
			var pn pgtype.Numeric
			check(dec(n), Numeric, &pn, func() bool { return numericEqual(pn, dec(n)) })
		}
		var pn pgtype.Numeric
		check(&apd.Decimal{Form: apd.NaN}, Numeric, &pn, func() bool { return pn.NaN })
	})

	t.Run("pgx→ours", func(t *testing.T) {
		check := func(src any, typ T, want Value) {
			t.Helper()
			b, err := m.Encode(typ.OID(), bin, src, nil)
			if err != nil {
				t.Fatalf("pgx encode %s: %v", typ, err)
			}
			got, err := DecodeBinary(b, typ)
			if err != nil {
				t.Fatalf("DecodeBinary(%x, %s): %v", b, typ, err)
			}
			if !Equal(got, want) {
				t.Errorf("%s: decoded %#v, want %#v", typ, got, want)
			}
		}
		check(true, Bool, true)
		check(int16(-5), Int2, int64(-5))
		check(int32(77), Int4, int64(77))
		check(int64(math.MaxInt64), Int8, int64(math.MaxInt64))
		check(float32(0.25), Float4, 0.25)
		check(6.02e23, Float8, 6.02e23)
		check("t", Text, "t")
		check([]byte("raw"), Bytea, []byte("raw"))
		check(ts, Timestamptz, ts)
		check(pgtype.Timestamp{Time: ts, Valid: true}, Timestamp, ts)
		check(pgtype.Date{Time: time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC), Valid: true}, Date,
			time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC))
		var pu pgtype.UUID
		if err := pu.Scan("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"); err != nil {
			t.Fatal(err)
		}
		check(pu, UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
		check(map[string]any{"x": 1}, JSONB, map[string]any{"x": int64(1)})
		for _, n := range []string{"0", "1.50", "-1", "10000", "0.00001", "123456789.987654321", "100000000000000000000", "-0.0001"} {
			var pn pgtype.Numeric
			if err := pn.Scan(n); err != nil {
				t.Fatal(err)
			}
			check(pn, Numeric, dec(n))
		}
	})
}

func numericEqual(pn pgtype.Numeric, d *apd.Decimal) bool {
	if !pn.Valid || pn.NaN {
		return false
	}
	var coeff apd.BigInt
	coeff.SetMathBigInt(new(big.Int).Set(pn.Int))
	got := apd.NewWithBigInt(&coeff, pn.Exp)
	return got.Cmp(d) == 0
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, uint8(Numeric))
	f.Add([]byte("2024-01-01"), uint8(Date))
	f.Add([]byte(`\x00ff`), uint8(Bytea))
	f.Add([]byte{1, '{', '}'}, uint8(JSONB))
	f.Add([]byte("1e5"), uint8(Numeric))
	f.Fuzz(func(t *testing.T, b []byte, typ uint8) {
		ty := T(typ % uint8(Doc+1))
		for _, decode := range []func([]byte, T) (Value, error){DecodeBinary, DecodeText} {
			v, err := decode(b, ty)
			if err != nil {
				if _, ok := errs.As(err); !ok {
					t.Fatalf("non-SQLSTATE error %T: %v", err, err)
				}
				continue
			}
			// Whatever decodes must encode again.
			_ = EncodeText(v, ty)
			_, _ = EncodeBinary(v, ty)
		}
	})
}
