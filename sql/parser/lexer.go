package parser

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nodedb-go/nodedb/errs"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // identifier or keyword; val is folded unless quoted
	tString         // string literal; val is the decoded content
	tInt            // integer literal that fits int64; ival holds it
	tNumber         // decimal, exponent, or integer overflowing int64; val is the text
	tParam          // $n; ival holds n
	tOp             // operator or punctuation; val is its text
)

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "EOF"
	case tIdent:
		return "IDENT"
	case tString:
		return "STRING"
	case tInt:
		return "INT"
	case tNumber:
		return "NUMBER"
	case tParam:
		return "PARAM"
	case tOp:
		return "OP"
	}
	return "?"
}

// token is one lexical token. pos is the 1-based byte offset of its first
// byte in the whole input; end is the 0-based offset just past its last byte.
type token struct {
	kind   tokKind
	pos    int
	end    int
	val    string
	ival   int64
	quoted bool // "quoted" identifier
}

// multi-character operators, longest first within each leading byte.
var multiOps = []string{
	"->>", "!~*", "#>>",
	"::", "->", "@>", "<@", "||", "<>", "!=", "<=", ">=", "!~", "~*", "=>", ":=",
	"<<", ">>", "#>", "#-", "?|", "?&", "&&",
}

const singleOps = "+-*/%^<>=~!@#&|?()[]{},;.:"

// lex splits src into tokens, ending with a tEOF token.
func lex(src string) ([]token, error) {
	// One token per five bytes or so covers most statements without the
	// slice growing (and copying its 64-byte tokens) several times.
	l := lexer{src: src, toks: make([]token, 0, len(src)/5+2)}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		l.toks = append(l.toks, t)
		if t.kind == tEOF {
			return l.toks, nil
		}
	}
}

type lexer struct {
	src  string
	i    int
	toks []token
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lexErr is a 42601 error at 0-based offset off with the text from there.
func (l *lexer) lexErr(msg string, off int) error {
	near := l.src[off:]
	if len(near) > 40 {
		near = near[:40]
	}
	return errs.Errorf(errs.SyntaxError, "%s at or near \"%s\"", msg, near).WithPosition(off + 1)
}

// skip skips whitespace and comments.
func (l *lexer) skip() error {
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case isSpace(c):
			l.i++
		case c == '-' && l.i+1 < len(l.src) && l.src[l.i+1] == '-':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case c == '/' && l.i+1 < len(l.src) && l.src[l.i+1] == '*':
			start := l.i
			depth := 0
			for {
				if l.i+1 >= len(l.src) {
					return l.lexErr("unterminated /* comment", start)
				}
				if l.src[l.i] == '/' && l.src[l.i+1] == '*' {
					depth++
					l.i += 2
				} else if l.src[l.i] == '*' && l.src[l.i+1] == '/' {
					depth--
					l.i += 2
					if depth == 0 {
						break
					}
				} else {
					l.i++
				}
			}
		default:
			return nil
		}
	}
	return nil
}

func (l *lexer) next() (token, error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.i
	if l.i >= len(l.src) {
		return token{kind: tEOF, pos: len(l.src) + 1, end: len(l.src)}, nil
	}
	c := l.src[l.i]
	tok := func(k tokKind, val string) token {
		return token{kind: k, pos: start + 1, end: l.i, val: val}
	}
	switch {
	case (c == 'e' || c == 'E') && l.i+1 < len(l.src) && l.src[l.i+1] == '\'':
		l.i++
		s, err := l.escapeString(start)
		if err != nil {
			return token{}, err
		}
		return tok(tString, s), nil
	case isIdentStart(c):
		for l.i < len(l.src) && isIdentCont(l.src[l.i]) {
			l.i++
		}
		return tok(tIdent, foldIdent(l.src[start:l.i])), nil
	case c == '"':
		var b strings.Builder
		l.i++
		for {
			if l.i >= len(l.src) {
				return token{}, l.lexErr("unterminated quoted identifier", start)
			}
			if l.src[l.i] == '"' {
				if l.i+1 < len(l.src) && l.src[l.i+1] == '"' {
					b.WriteByte('"')
					l.i += 2
					continue
				}
				l.i++
				break
			}
			b.WriteByte(l.src[l.i])
			l.i++
		}
		if b.Len() == 0 {
			return token{}, l.lexErr("zero-length delimited identifier", start)
		}
		t := tok(tIdent, b.String())
		t.quoted = true
		return t, nil
	case c == '\'':
		s, err := l.plainString(start)
		if err != nil {
			return token{}, err
		}
		return tok(tString, s), nil
	case c == '$':
		return l.dollar(start)
	case isDigit(c) || c == '.' && l.i+1 < len(l.src) && isDigit(l.src[l.i+1]):
		return l.number(start)
	}
	if multiOpStart[c] {
		for _, op := range multiOps {
			if strings.HasPrefix(l.src[l.i:], op) {
				l.i += len(op)
				return tok(tOp, op), nil
			}
		}
	}
	if strings.IndexByte(singleOps, c) >= 0 {
		l.i++
		return tok(tOp, string(c)), nil
	}
	_, size := utf8.DecodeRuneInString(l.src[l.i:])
	return token{}, errs.Errorf(errs.SyntaxError, "syntax error at or near \"%s\"", l.src[start:start+size]).WithPosition(start + 1)
}

// multiOpStart says which bytes begin a multi-character operator.
var multiOpStart = func() (t [256]bool) {
	for _, op := range multiOps {
		t[op[0]] = true
	}
	return t
}()

// commonWords are keywords statements are full of; folding one of them
// from upper case returns this string instead of allocating a new one.
var commonWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(`select from where and or not null is in as on
		insert into values update set delete returning default conflict do nothing
		order by group having limit offset asc desc distinct join left right inner
		outer full cross using union all intersect except case when then else end
		create table collection index drop if exists primary key unique references
		begin commit rollback savepoint release true false between like ilike
		with recursive over partition rows range cast interval count sum avg min
		max live stream consumer topic show explain analyze`) {
		m[w] = w
	}
	return m
}()

// foldIdent lower-cases ASCII letters, as PostgreSQL does for unquoted names.
func foldIdent(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			if len(s) <= 16 {
				var buf [16]byte
				b := buf[:len(s)]
				for j := range len(s) {
					c := s[j]
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					b[j] = c
				}
				if w, ok := commonWords[string(b)]; ok {
					return w
				}
			}
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// plainString reads a quoted string in which a doubled quote stands for one;
// l.i is at the opening quote.
func (l *lexer) plainString(start int) (string, error) {
	var b strings.Builder
	l.i++
	for {
		if l.i >= len(l.src) {
			return "", l.lexErr("unterminated quoted string", start)
		}
		c := l.src[l.i]
		if c == '\'' {
			if l.i+1 < len(l.src) && l.src[l.i+1] == '\'' {
				b.WriteByte('\'')
				l.i += 2
				continue
			}
			l.i++
			return b.String(), nil
		}
		b.WriteByte(c)
		l.i++
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// escapeString reads E'...' with backslash escapes; l.i is at the quote.
func (l *lexer) escapeString(start int) (string, error) {
	var b strings.Builder
	l.i++
	for {
		if l.i >= len(l.src) {
			return "", l.lexErr("unterminated quoted string", start)
		}
		c := l.src[l.i]
		switch {
		case c == '\'' && l.i+1 < len(l.src) && l.src[l.i+1] == '\'':
			b.WriteByte('\'')
			l.i += 2
			continue
		case c == '\'':
			l.i++
			s := b.String()
			if !utf8.ValidString(s) {
				return "", errs.New("22021", "invalid byte sequence for encoding \"UTF8\"").WithPosition(start + 1)
			}
			return s, nil
		case c != '\\':
			b.WriteByte(c)
			l.i++
			continue
		}
		// backslash escape
		if l.i+1 >= len(l.src) {
			return "", l.lexErr("unterminated quoted string", start)
		}
		esc := l.src[l.i+1]
		l.i += 2
		switch esc {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			v, n := 0, 0
			for n < 2 && l.i < len(l.src) && hexVal(l.src[l.i]) >= 0 {
				v = v*16 + hexVal(l.src[l.i])
				l.i++
				n++
			}
			if n == 0 {
				b.WriteByte('x')
			} else {
				b.WriteByte(byte(v))
			}
		case 'u', 'U':
			want := 4
			if esc == 'U' {
				want = 8
			}
			v := 0
			for n := 0; n < want; n++ {
				if l.i >= len(l.src) || hexVal(l.src[l.i]) < 0 {
					return "", errs.New("22025", "invalid Unicode escape").
						WithHint("Unicode escapes must be \\uXXXX or \\UXXXXXXXX.").WithPosition(start + 1)
				}
				v = v*16 + hexVal(l.src[l.i])
				l.i++
			}
			if v == 0 || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
				return "", errs.New("22025", "invalid Unicode escape value").WithPosition(start + 1)
			}
			b.WriteRune(rune(v))
		default:
			if esc >= '0' && esc <= '7' {
				v := int(esc - '0')
				for n := 0; n < 2 && l.i < len(l.src) && l.src[l.i] >= '0' && l.src[l.i] <= '7'; n++ {
					v = v*8 + int(l.src[l.i]-'0')
					l.i++
				}
				b.WriteByte(byte(v))
			} else {
				b.WriteByte(esc)
			}
		}
	}
}

// dollar reads $n parameters and $tag$...$tag$ strings; l.i is at '$'.
func (l *lexer) dollar(start int) (token, error) {
	j := l.i + 1
	if j < len(l.src) && isDigit(l.src[j]) {
		for j < len(l.src) && isDigit(l.src[j]) {
			j++
		}
		if j < len(l.src) && isIdentCont(l.src[j]) {
			return token{}, l.lexErr("trailing junk after parameter", start)
		}
		n, err := strconv.ParseInt(l.src[l.i+1:j], 10, 32)
		if err != nil || n == 0 {
			l.i = j
			return token{}, errs.Errorf("42P02", "there is no parameter %s", l.src[start:j]).WithPosition(start + 1)
		}
		l.i = j
		return token{kind: tParam, pos: start + 1, end: j, ival: n, val: l.src[start:j]}, nil
	}
	// dollar-quoted string: $tag$ where tag is empty or an identifier without '$'
	k := j
	if k < len(l.src) && isIdentStart(l.src[k]) {
		for k < len(l.src) && isIdentCont(l.src[k]) && l.src[k] != '$' {
			k++
		}
	}
	if k >= len(l.src) || l.src[k] != '$' {
		return token{}, l.lexErr("syntax error", start)
	}
	delim := l.src[start : k+1]
	body := k + 1
	end := strings.Index(l.src[body:], delim)
	if end < 0 {
		return token{}, l.lexErr("unterminated dollar-quoted string", start)
	}
	l.i = body + end + len(delim)
	return token{kind: tString, pos: start + 1, end: l.i, val: l.src[body : body+end]}, nil
}

// number reads an integer, decimal or exponent literal.
func (l *lexer) number(start int) (token, error) {
	isInt := true
	for l.i < len(l.src) && isDigit(l.src[l.i]) {
		l.i++
	}
	if l.i < len(l.src) && l.src[l.i] == '.' && !(l.i+1 < len(l.src) && l.src[l.i+1] == '.') {
		isInt = false
		l.i++
		for l.i < len(l.src) && isDigit(l.src[l.i]) {
			l.i++
		}
	}
	if l.i < len(l.src) && (l.src[l.i] == 'e' || l.src[l.i] == 'E') {
		j := l.i + 1
		if j < len(l.src) && (l.src[j] == '+' || l.src[j] == '-') {
			j++
		}
		if j < len(l.src) && isDigit(l.src[j]) {
			isInt = false
			for j < len(l.src) && isDigit(l.src[j]) {
				j++
			}
			l.i = j
		}
	}
	if l.i < len(l.src) && isIdentStart(l.src[l.i]) {
		return token{}, l.lexErr("trailing junk after numeric literal", start)
	}
	text := l.src[start:l.i]
	t := token{kind: tNumber, pos: start + 1, end: l.i, val: text}
	if isInt {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			t.kind = tInt
			t.ival = n
		}
	}
	return t, nil
}
