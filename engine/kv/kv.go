package kv

import (
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
	// KindColumn is the hidden Redis type of a key's value: NULL for a
	// string (what SQL writes), "hash" or "zset" for values RESP stores as
	// JSON objects in the value column.
	KindColumn = "_kind"
)

// Value kinds other than strings.
const (
	KindHash = "hash"
	KindZSet = "zset"
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
