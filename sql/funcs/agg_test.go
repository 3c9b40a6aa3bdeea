package funcs

import (
	"fmt"
	"math"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/sql/types"
)

// runAgg feeds rows (each a slice of arguments) to a fresh accumulator.
func runAgg(name string, rows [][]types.Value) (types.Value, error) {
	ag, ok := LookupAgg(name)
	if !ok {
		return nil, fmt.Errorf("no aggregate %s", name)
	}
	acc := ag.New()
	for _, r := range rows {
		if err := acc.Add(r); err != nil {
			return nil, err
		}
	}
	return acc.Result()
}

func col(vs ...types.Value) [][]types.Value {
	out := make([][]types.Value, len(vs))
	for i, v := range vs {
		out[i] = []types.Value{v}
	}
	return out
}

func TestAggregates(t *testing.T) {
	ints := col(int64(1), int64(2), nil, int64(3), int64(4))
	cases := []struct {
		name string
		rows [][]types.Value
		want string
	}{
		// Empty input.
		{"count", nil, "0"},
		{"sum", nil, "NULL"},
		{"avg", nil, "NULL"},
		{"min", nil, "NULL"},
		{"max", nil, "NULL"},
		{"bool_and", nil, "NULL"},
		{"string_agg", nil, "NULL"},
		{"array_agg", nil, "NULL"},
		{"json_agg", nil, "NULL"},
		{"json_object_agg", nil, "NULL"},
		{"stddev", nil, "NULL"},
		{"var_pop", nil, "NULL"},
		// All-NULL input.
		{"count", col(nil, nil), "0"},
		{"sum", col(nil, nil), "NULL"},
		{"max", col(nil), "NULL"},
		// count(*) gets no arguments.
		{"count", [][]types.Value{{}, {}, {}}, "3"},
		{"count", ints, "4"},
		{"sum", ints, "10"},
		{"sum", col(int64(math.MaxInt64), int64(1)), "9223372036854775808"},
		{"sum", col(int64(math.MinInt64), int64(-1), int64(1)), "-9223372036854775808"},
		{"sum", col(1.5, int64(1)), "2.5"},
		{"sum", col(int64(1), dec("1.50")), "2.50"},
		{"sum", col("x"), "ERR:22P02"},
		{"avg", ints, "2.5000000000000000"},
		{"avg", col(int64(1), int64(2)), "1.5000000000000000"},
		{"avg", col(1.0, 2.0), "1.5"},
		{"avg", col(dec("1.25"), dec("1.75")), "1.5000000000000000"},
		{"min", ints, "1"},
		{"max", ints, "4"},
		{"max", col("b", "a", "c"), "c"},
		{"min", col(ts("2024-01-02"), ts("2024-01-01")), "2024-01-01 00:00:00"},
		{"max", col(int64(1), 2.5, dec("2")), "2.5"},
		{"max", col(int64(5), "abc"), "abc"},
		{"bool_and", col(true, nil, true), "t"},
		{"bool_and", col(true, false), "f"},
		{"every", col(true, true), "t"},
		{"bool_or", col(false, nil, true), "t"},
		{"bool_or", col(false, false), "f"},
		{"string_agg", [][]types.Value{{"a", ","}, {nil, ","}, {"b", ";"}, {"c", ","}}, "a;b,c"},
		{"string_agg", [][]types.Value{{[]byte("a"), []byte("-")}, {[]byte("b"), []byte("-")}}, `\x612d62`},
		{"array_agg", col(int64(1), nil, "x"), `[1,null,"x"]`},
		{"json_agg", col(int64(1), nil, ts("2024-01-01")), `[1, null, "2024-01-01T00:00:00Z"]`},
		{"jsonb_agg", col(doc(`{"a":1}`)), `[{"a":1}]`},
		{"json_object_agg", [][]types.Value{{"a", int64(1)}, {"b", nil}}, `{ "a" : 1, "b" : null }`},
		{"jsonb_object_agg", [][]types.Value{{nil, int64(1)}}, "ERR:22004"},
		{"variance", col(int64(1), int64(2), int64(3), int64(4)), "1.6666666666666667"},
		{"var_samp", col(int64(1), int64(2), int64(3), int64(4)), "1.6666666666666667"},
		{"var_pop", col(int64(1), int64(2), int64(3), int64(4)), "1.2500000000000000"},
		{"stddev", col(int64(1), int64(2), int64(3), int64(4)), "1.2909944487358056"},
		{"stddev_samp", col(int64(1), int64(2), int64(3), int64(4)), "1.2909944487358056"},
		{"stddev_pop", col(int64(1), int64(2), int64(3), int64(4)), "1.1180339887498948"},
		{"stddev", col(1.0, 2.0, 3.0, 4.0), "1.2909944487358056"},
		{"var_pop", col(1.0, 2.0, 3.0, 4.0), "1.25"},
		{"stddev", col(int64(5)), "NULL"},
		{"stddev_pop", col(int64(5)), "0"},
		{"variance", col(int64(1), 2.0, int64(3)), "1"},
		{"bit_and", col(int64(12), int64(10)), "8"},
		{"bit_or", col(int64(12), int64(10)), "14"},
		{"any_value", col(nil, int64(7), int64(8)), "7"},
	}
	for _, c := range cases {
		got, err := runAgg(c.name, c.rows)
		check(t, fmt.Sprintf("%s(%d rows)", c.name, len(c.rows)), got, err, c.want)
	}
}

func TestAggTypes(t *testing.T) {
	cases := []struct {
		name string
		arg  []types.T
		want types.T
		err  bool
	}{
		{"count", nil, types.Int8, false},
		{"count", []types.T{types.Text}, types.Int8, false},
		{"sum", []types.T{types.Int4}, types.Int8, false},
		{"sum", []types.T{types.Int8}, types.Numeric, false},
		{"sum", []types.T{types.Float8}, types.Float8, false},
		{"sum", []types.T{types.Numeric}, types.Numeric, false},
		{"sum", []types.T{types.Text}, 0, true},
		{"avg", []types.T{types.Int4}, types.Numeric, false},
		{"avg", []types.T{types.Float4}, types.Float8, false},
		{"min", []types.T{types.Timestamp}, types.Timestamp, false},
		{"max", []types.T{types.Doc}, types.Doc, false},
		{"bool_and", []types.T{types.Bool}, types.Bool, false},
		{"bool_or", []types.T{types.Int4}, 0, true},
		{"string_agg", []types.T{types.Text, types.Text}, types.Text, false},
		{"array_agg", []types.T{types.Int4}, types.Doc, false},
		{"json_agg", []types.T{types.Int4}, types.JSON, false},
		{"jsonb_agg", []types.T{types.Int4}, types.JSONB, false},
		{"json_object_agg", []types.T{types.Text, types.Int4}, types.JSON, false},
		{"stddev", []types.T{types.Int4}, types.Numeric, false},
		{"variance", []types.T{types.Float8}, types.Float8, false},
		{"sum", []types.T{types.Int4, types.Int4}, 0, true},
	}
	for _, c := range cases {
		ag, ok := LookupAgg(c.name)
		if !ok {
			t.Errorf("%s missing", c.name)
			continue
		}
		got, err := ag.Type(c.arg)
		if c.err {
			if err == nil {
				t.Errorf("%s%v: want error, got %s", c.name, c.arg, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s%v: got %s %v, want %s", c.name, c.arg, got, err, c.want)
		}
	}
	if _, ok := LookupAgg("pg_catalog.COUNT"); !ok {
		t.Errorf("pg_catalog prefix not accepted")
	}
	if _, ok := LookupAgg("lower"); ok {
		t.Errorf("lower is not an aggregate")
	}
	// Accumulators are independent per group.
	ag, _ := LookupAgg("sum")
	a1, a2 := ag.New(), ag.New()
	_ = a1.Add([]types.Value{int64(1)})
	if r, _ := a2.Result(); r != nil {
		t.Errorf("accumulators share state")
	}
}

// TestAddScaledMatchesAdd: sum and avg fed coefficient-exponent pairs
// give what they give fed the decimals of those pairs, through the int64
// path, its overflow into apd, and after a float input.
func TestAddScaledMatchesAdd(t *testing.T) {
	pairs := []struct {
		c int64
		e int32
	}{{150, -2}, {-3, 0}, {0, -2}, {7, -1}, {math.MaxInt64 / 3, -2}, {math.MaxInt64 / 3, -2}, {math.MaxInt64 / 3, 0}, {25, -3}}
	for _, name := range []string{"sum", "avg"} {
		agg, _ := LookupAgg(name)
		plain, scaled := agg.New(), agg.New()
		for _, p := range pairs {
			if err := plain.Add([]types.Value{apd.New(p.c, p.e)}); err != nil {
				t.Fatal(err)
			}
			if err := scaled.(ScaledAdder).AddScaled(p.c, p.e); err != nil {
				t.Fatal(err)
			}
		}
		want, err1 := plain.Result()
		got, err2 := scaled.Result()
		if err1 != nil || err2 != nil || want.(*apd.Decimal).String() != got.(*apd.Decimal).String() {
			t.Errorf("%s: Add gives %v (%v), AddScaled %v (%v)", name, want, err1, got, err2)
		}
		// After a float, both continue in float.
		plain, scaled = agg.New(), agg.New()
		_ = plain.Add([]types.Value{1.5})
		_ = scaled.Add([]types.Value{1.5})
		_ = plain.Add([]types.Value{apd.New(25, -1)})
		_ = scaled.(ScaledAdder).AddScaled(25, -1)
		want, _ = plain.Result()
		got, _ = scaled.Result()
		if want != got {
			t.Errorf("%s after a float: Add gives %v, AddScaled %v", name, want, got)
		}
	}
}
