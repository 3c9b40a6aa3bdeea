package funcs

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/nodedb-go/nodedb/errs"
)

// LikePattern is a compiled LIKE or ILIKE pattern: % matches any run of
// characters, _ exactly one character, and a backslash makes the next
// character literal.
type LikePattern struct {
	toks []likeTok
	fold bool
}

type likeTok struct {
	kind byte // 'l' literal rune, '_' one rune, '%' any run
	r    rune
}

const cacheLimit = 4096

type likeKey struct {
	pat  string
	fold bool
}

var likeCache = struct {
	mu sync.Mutex
	m  map[likeKey]*LikePattern
}{m: map[likeKey]*LikePattern{}}

// CompileLike compiles a LIKE pattern (ILIKE when fold is true), using a
// process-wide cache. A pattern ending in a lone backslash fails with 22025.
func CompileLike(pattern string, fold bool) (*LikePattern, error) {
	k := likeKey{pattern, fold}
	likeCache.mu.Lock()
	p, ok := likeCache.m[k]
	likeCache.mu.Unlock()
	if ok {
		return p, nil
	}
	src := pattern
	if fold {
		src = strings.ToLower(src)
	}
	p = &LikePattern{fold: fold}
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		i += n
		switch r {
		case '\\':
			if i >= len(src) {
				return nil, errs.New(codeInvalidEscape, "LIKE pattern must not end with escape character")
			}
			r, n = utf8.DecodeRuneInString(src[i:])
			i += n
			p.toks = append(p.toks, likeTok{'l', r})
		case '%':
			if len(p.toks) > 0 && p.toks[len(p.toks)-1].kind == '%' {
				continue
			}
			p.toks = append(p.toks, likeTok{kind: '%'})
		case '_':
			p.toks = append(p.toks, likeTok{kind: '_'})
		default:
			p.toks = append(p.toks, likeTok{'l', r})
		}
	}
	likeCache.mu.Lock()
	if len(likeCache.m) >= cacheLimit {
		clear(likeCache.m)
	}
	likeCache.m[k] = p
	likeCache.mu.Unlock()
	return p, nil
}

// Match reports whether s matches the whole pattern.
func (p *LikePattern) Match(s string) bool {
	if p.fold {
		s = strings.ToLower(s)
	}
	rs := []rune(s)
	// Iterative wildcard match with backtracking to the last %.
	ti, si := 0, 0
	starT, starS := -1, 0
	for si < len(rs) {
		if ti < len(p.toks) {
			t := p.toks[ti]
			switch {
			case t.kind == '%':
				starT, starS = ti, si
				ti++
				continue
			case t.kind == '_' || t.r == rs[si]:
				ti++
				si++
				continue
			}
		}
		if starT < 0 {
			return false
		}
		starS++
		si = starS
		ti = starT + 1
	}
	for ti < len(p.toks) && p.toks[ti].kind == '%' {
		ti++
	}
	return ti == len(p.toks)
}

// Like evaluates s LIKE pattern (ILIKE when fold is true).
func Like(s, pattern string, fold bool) (bool, error) {
	p, err := CompileLike(pattern, fold)
	if err != nil {
		return false, err
	}
	return p.Match(s), nil
}

type reKey struct {
	pat   string
	flags string
}

var reCache = struct {
	mu sync.Mutex
	m  map[reKey]*regexp.Regexp
}{m: map[reKey]*regexp.Regexp{}}

// CompileRegex compiles a POSIX-style regular expression with Go's regexp
// (RE2 syntax, which covers the common subset), cached. flags are
// PostgreSQL's regex flags: i (case-insensitive), c (case-sensitive),
// n/m (newline-sensitive), s (dot matches newline); g is accepted and
// ignored here (callers handle global replacement). Bad patterns fail with
// 2201B.
func CompileRegex(pattern, flags string) (*regexp.Regexp, error) {
	k := reKey{pattern, flags}
	reCache.mu.Lock()
	re, ok := reCache.m[k]
	reCache.mu.Unlock()
	if ok {
		return re, nil
	}
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'c', 'g':
		case 'n', 'm':
			prefix += "m"
		case 's':
			prefix += "s"
		case 'x':
		default:
			return nil, invalidParam("invalid regular expression option: %q", string(f))
		}
	}
	src := pattern
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, errs.Errorf(codeInvalidRegex, "invalid regular expression: %v", err)
	}
	reCache.mu.Lock()
	if len(reCache.m) >= cacheLimit {
		clear(reCache.m)
	}
	reCache.m[k] = re
	reCache.mu.Unlock()
	return re, nil
}
