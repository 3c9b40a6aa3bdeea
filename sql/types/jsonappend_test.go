package types

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// stdJSON is what AppendJSON must match: encoding/json over ToJSON, HTML
// escaping off.
func stdJSON(t *testing.T, v Value) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ToJSON(v)); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	d, _, _ := apd.NewFromString("-12.3400")
	for _, v := range []Value{
		nil, true, false, int64(0), int64(-42), int64(math.MaxInt64), int64(math.MinInt64),
		0.0, -0.0, 1.5, 1e21, 1e20, 123456789.125, 1e-6, 1e-7, -3.2e-9, 5e-324, math.MaxFloat64, 0.1,
		math.Inf(1), math.NaN(),
		"", "plain", `quote " and \ back`, "tab\tnl\ncr\r\b\f\x00\x1f\x7f", "<html>&", "héllo ✓ 😀",
		"bad \xff utf8 \xc3", "line\u2028sep\u2029", json.Number("12.50"),
		[]byte{0, 1, 0xab, 0xff}, time.Date(2026, 11, 26, 10, 0, 0, 123400000, time.FixedZone("x", 3600)), d,
		map[string]any{"b": int64(2), "a": []any{"x", 1.25, nil, map[string]any{}}, "": "empty key", "é": true},
		[]any{}, map[string]any{"nested": map[string]any{"z": []byte("hi"), "y": d}},
	} {
		got := string(AppendJSON(nil, v))
		if want := stdJSON(t, v); got != want {
			t.Errorf("%#v:\n got  %s\n want %s", v, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\xff", "\u2028", "😀", "<>&"} {
		f.Add(s, 1.5)
	}
	f.Fuzz(func(t *testing.T, s string, x float64) {
		v := map[string]any{s: []any{s, x}}
		if got, want := string(AppendJSON(nil, v)), stdJSON(t, v); got != want {
			t.Fatalf("%q %v:\n got  %s\n want %s", s, x, got, want)
		}
	})
}
