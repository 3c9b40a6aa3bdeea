package types

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// slowParseJSON is ParseJSON's encoding/json path.
func slowParseJSON(s string) (Value, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return FromJSON(v), true
}

func sameJSONValue(a, b Value) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (fa == fb || (math.IsNaN(fa) && math.IsNaN(fb))) && math.Signbit(fa) == math.Signbit(fb)
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !sameJSONValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSONValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func checkParse(t *testing.T, s string) {
	t.Helper()
	if len(s) > 200 {
		defer func() {
			if t.Failed() {
				t.Logf("(input of %d bytes)", len(s))
			}
		}()
	}
	fast, fok := parseJSONFast(s)
	slow, sok := slowParseJSON(s)
	if fok && !sok {
		t.Fatalf("%q: fast parser accepts what encoding/json rejects: %#v", s, fast)
	}
	if fok && !sameJSONValue(fast, slow) {
		t.Fatalf("%q:\n fast %#v\n slow %#v", s, fast, slow)
	}
	got, err := ParseJSON(s)
	if (err == nil) != sok || (sok && !sameJSONValue(got, slow)) {
		t.Fatalf("%q: ParseJSON %#v %v, want %#v ok=%v", s, got, err, slow, sok)
	}
}

func TestParseJSONFastMatches(t *testing.T) {
	for _, s := range []string{
		`{}`, `[]`, ` {"a": 1, "b": [true, false, null], "c": {"d": "e"}} `, `{"a":1,"a":2}`,
		`0`, `-0`, `-0.0`, `1`, `-1`, `9223372036854775807`, `9223372036854775808`, `-9223372036854775808`,
		`1.5`, `1e3`, `1E+3`, `1e-3`, `1e400`, `-1e400`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`,
		`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u20ac"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83d\u0041"`,
		`"\ude00"`, `"\ud83d\uzzzz"`, `"bad \xff utf8"`, "\"ctl \x01\"", `"\x"`, `"unterminated`,
		`tru`, `true`, `nul`, `null `, `[1,]`, `{"a":}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `"a" "b"`, `{} x`, ``, ` `,
		`{"n":12345678,"pad":"xxxxxxxxxxxxxxxxxxxx"}`, `[[[[[]]]]]`, `"\u0000"`,
	} {
		checkParse(t, s)
	}
	for _, n := range []int{9999, 10000, 10001} {
		s := strings.Repeat("[", n) + strings.Repeat("]", n)
		_, fok := parseJSONFast(s)
		_, sok := slowParseJSON(s)
		if fok != sok {
			t.Fatalf("nesting %d: fast ok=%v, encoding/json ok=%v", n, fok, sok)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x",null,true]}`, `"\ud83d\ude00"`, `1e5`, `-0`, `"\xff"`, `[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkParse(t, s)
	})
}

// FuzzParseArrayText: array text never panics the parser, and what it
// accepts is a list of strings and NULLs.
func FuzzParseArrayText(f *testing.F) {
	for _, s := range []string{`{}`, `{1,2}`, `{a,"b c",NULL}`, `{"x\"y",""}`, `{`, `{{1},{2}}`, ` { 1 , 2 } `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseArrayText(s)
		if err != nil {
			return
		}
		for _, e := range out {
			if _, ok := e.(string); !ok && e != nil {
				t.Fatalf("%q: element %#v", s, e)
			}
		}
	})
}
