package kv

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Column names of a key-value collection.
const (
	// KeyColumn is the key column created when CREATE COLLECTION ... TYPE
	// KEY_VALUE declares no columns (and by the RESP default collection).
	KeyColumn = "key"
	// ValueColumn is the value column created when none is declared; RESP
	// string commands read and write it.
	ValueColumn = "value"
	// TTLColumn holds the time to live, in whole seconds, a key was last
	// written with (NULL: no expiry). Writing it sets the deadline.
	TTLColumn = "ttl"
	// ExpiresColumn is the hidden deadline column (timestamptz, NULL: no
	// expiry). A key whose deadline is not after now is invisible.
	ExpiresColumn = "_expires_at"
)

// DefaultCollection is the collection RESP clients use until they SELECT
// another; it is created on first write.
const DefaultCollection = "default"

// ExpiryIndexName names the expiry index of collection coll.
func ExpiryIndexName(coll string) string { return coll + "__expiry" }

// Expired reports whether a deadline value (nil or time.Time) has passed
// at now.
func Expired(deadline any, now time.Time) bool {
	t, ok := deadline.(time.Time)
	return ok && !t.After(now)
}

// Deadline returns now + d, truncated to the microsecond (the precision
// timestamps keep through SQL).
func Deadline(now time.Time, d time.Duration) time.Time {
	return now.Add(d).Truncate(time.Microsecond).UTC()
}

// TTLSeconds rounds a remaining time to live up to whole seconds (at
// least 1), the value stored in the ttl column.
func TTLSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// ErrNotInteger is returned by ParseInt for text that is not a 64-bit
// integer in Redis's strict form.
var ErrNotInteger = errors.New("value is not an integer or out of range")

// ErrNotFloat is returned by ParseFloat for text that is not a finite
// float.
var ErrNotFloat = errors.New("value is not a valid float")

// ParseInt parses b as Redis does (string2ll): optional '-', decimal
// digits, no sign '+', no spaces, no leading zeros, within int64.
func ParseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, ErrNotInteger
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, nil
	}
	i := 0
	if b[0] == '-' {
		i = 1
	}
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return 0, ErrNotInteger
	}
	for _, c := range b[i:] {
		if c < '0' || c > '9' {
			return 0, ErrNotInteger
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, ErrNotInteger
	}
	return n, nil
}

// ParseFloat parses b as a finite float (no surrounding spaces).
func ParseFloat(b []byte) (float64, error) {
	s := string(b)
	if s == "" || strings.TrimSpace(s) != s {
		return 0, ErrNotFloat
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, ErrNotFloat
	}
	return f, nil
}

// FormatFloat renders f as INCRBYFLOAT replies and stores it: fixed
// notation with up to 17 significant digits, without trailing zeros.
func FormatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}

// AddInt returns a+b, or ok=false when it overflows int64.
func AddInt(a, b int64) (int64, bool) {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		return 0, false
	}
	return c, true
}

// Match reports whether s matches the Redis glob pattern: '*' any run,
// '?' any byte, '[abc]', '[^a]', '[a-z]' classes, '\' escapes the next
// byte. It backtracks only to the last '*', so it runs in O(len(pattern) *
// len(s)) whatever the pattern.
func Match(p, s []byte) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch c := p[pi]; c {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				if rest, ok := matchClass(p[pi+1:], s[si]); ok {
					pi = len(p) - len(rest)
					si++
					continue
				}
			case '\\':
				if pi+1 < len(p) {
					if p[pi+1] == s[si] {
						pi += 2
						si++
						continue
					}
				} else if c == s[si] {
					pi++
					si++
					continue
				}
			default:
				if c == s[si] {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches c against the class body p (after '['); it returns
// the pattern after the closing ']'.
func matchClass(p []byte, c byte) ([]byte, bool) {
	not := false
	if len(p) > 0 && p[0] == '^' {
		not = true
		p = p[1:]
	}
	match := false
	for len(p) > 0 && p[0] != ']' {
		switch {
		case p[0] == '\\' && len(p) >= 2:
			if p[1] == c {
				match = true
			}
			p = p[2:]
		case len(p) >= 3 && p[1] == '-' && p[2] != ']':
			lo, hi := p[0], p[2]
			if lo > hi {
				lo, hi = hi, lo
			}
			if c >= lo && c <= hi {
				match = true
			}
			p = p[3:]
		default:
			if p[0] == c {
				match = true
			}
			p = p[1:]
		}
	}
	if len(p) > 0 {
		p = p[1:] // ']'
	}
	return p, match != not
}
