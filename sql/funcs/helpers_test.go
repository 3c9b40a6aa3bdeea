package funcs

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// render prints a result the way the tests spell expectations: NULL,
// t/f, numbers in PostgreSQL text form, documents as JSON.
func render(v types.Value) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case Interval:
		return x.String()
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999")
	case map[string]any, []any:
		return jsonText(x)
	}
	return types.FormatText(v)
}

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func ts(s string) time.Time {
	t, err := types.ParseTime(s, types.Timestamptz)
	if err != nil {
		panic(err)
	}
	return t.(time.Time)
}

func doc(s string) types.Value {
	v, err := types.ParseJSON(s)
	if err != nil {
		panic(err)
	}
	return v
}

// check compares a (value, error) pair with want: an expected rendering,
// or "ERR:<sqlstate>".
func check(t *testing.T, name string, got types.Value, err error, want string) {
	t.Helper()
	if len(want) > 4 && want[:4] == "ERR:" {
		if err == nil {
			t.Errorf("%s: got %s, want error %s", name, render(got), want[4:])
			return
		}
		if c := errs.Code(err); c != want[4:] {
			t.Errorf("%s: error %q has code %s, want %s", name, err, c, want[4:])
		}
		return
	}
	if err != nil {
		t.Errorf("%s: unexpected error %v (%s)", name, err, errs.Code(err))
		return
	}
	if r := render(got); r != want {
		t.Errorf("%s: got %q, want %q", name, r, want)
	}
}

var testCtx = &Context{Now: ts("2024-03-15 10:20:30.123456"), User: "alice", Database: "nodedb"}

// call looks up and evaluates a scalar function, applying strictness.
func call(name string, args ...types.Value) (types.Value, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, errs.Errorf(errs.UndefinedFunction, "no function %s", name)
	}
	if len(args) < f.MinArgs || (f.MaxArgs >= 0 && len(args) > f.MaxArgs) {
		return nil, errs.Errorf(errs.UndefinedFunction, "bad arity for %s", name)
	}
	return f.Call(testCtx, args, nil)
}
