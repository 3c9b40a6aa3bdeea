package kv

import (
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*", "bac", false},
		{"h?llo", "hello", true}, {"h?llo", "hllo", false}, {"h*llo", "heeeello", true},
		{"h[ae]llo", "hallo", true}, {"h[ae]llo", "hillo", false}, {"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true}, {"h[a-b]llo", "hcllo", false},
		{`a\*b`, "a*b", true}, {`a\*b`, "axb", false}, {"user:*:name", "user:42:name", true},
		{"user:*:name", "user:42:age", false}, {"abc", "abcd", false}, {"**x", "yyx", true},
	}
	for _, c := range cases {
		if got := Match([]byte(c.p), []byte(c.s)); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Unix(1000, 0)
	if !Expired(now, now) || Expired(now.Add(time.Nanosecond), now) || Expired(nil, now) {
		t.Error("Expired: deadline at now is expired, later is not, none never")
	}
	if got := TTLSeconds(1500 * time.Millisecond); got != 2 {
		t.Errorf("TTLSeconds(1.5s) = %d", got)
	}
	if got := TTLSeconds(0); got != 1 {
		t.Errorf("TTLSeconds(0) = %d", got)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte("h[^a-c]*\\?"), []byte("hello?"))
	f.Add([]byte("[[]"), []byte("["))
	f.Fuzz(func(t *testing.T, p, s []byte) {
		if len(p) > 64 || len(s) > 64 {
			return
		}
		Match(p, s) // must not panic
		if !Match([]byte("*"), s) {
			t.Fatal("* must match everything")
		}
	})
}

func TestMatchPathological(t *testing.T) {
	p := []byte("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")
	s := make([]byte, 4096)
	for i := range s {
		s[i] = 'a'
	}
	start := time.Now()
	if Match(p, s) {
		t.Fatal("matched without a b")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("pathological pattern took %v", d)
	}
}
