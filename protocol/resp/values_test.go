package resp

import (
	"math"
	"testing"
)

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64, "120": 120}
	for s, want := range good {
		if got, err := parseInt([]byte(s)); err != nil || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "+1", " 1", "1 ", "01", "-0", "-", "1.5", "abc", "9223372036854775808", "1e3"} {
		if _, err := parseInt([]byte(s)); err == nil {
			t.Errorf("parseInt(%q) accepted", s)
		}
	}
}

func TestFloat(t *testing.T) {
	for _, s := range []string{"", " 1", "nan", "inf", "-inf", "x"} {
		if _, err := parseFloat([]byte(s)); err == nil {
			t.Errorf("parseFloat(%q) accepted", s)
		}
	}
	f, err := parseFloat([]byte("10.5"))
	if err != nil || f != 10.5 {
		t.Fatalf("parseFloat(10.5) = %v, %v", f, err)
	}
	a, b := 0.1, 0.2
	cases := map[float64]string{10.5: "10.5", 3: "3", a + b: "0.30000000000000004", 5.0e3: "5000", -0.0: "0", 1e20: "100000000000000000000"}
	for f, want := range cases {
		if got := formatFloat(f); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestAddInt(t *testing.T) {
	if _, ok := addInt(math.MaxInt64, 1); ok {
		t.Error("overflow not detected")
	}
	if _, ok := addInt(math.MinInt64, -1); ok {
		t.Error("underflow not detected")
	}
	if c, ok := addInt(5, -7); !ok || c != -2 {
		t.Errorf("5 + -7 = %d, %v", c, ok)
	}
}
