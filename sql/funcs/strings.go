package funcs

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

func str(v types.Value) string { return toText(v) }

func textFn(f func(s string) string) evalFn {
	return func(_ *Context, a []types.Value) (types.Value, error) { return f(str(a[0])), nil }
}

func intArg(v types.Value) (int64, error) { return toInt(v) }

// maxStringLen bounds generated strings (repeat, lpad) like PostgreSQL's
// 1 GB field limit, lower, so a query cannot exhaust memory.
const maxStringLen = 256 << 20

func tooLong() error {
	return errs.New(errs.ProgramLimitExceeded, "requested length too large")
}

func init() {
	def("length char_length character_length", 1, 1, "a", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		if b, ok := a[0].([]byte); ok {
			return int64(len(b)), nil
		}
		return int64(utf8.RuneCountInString(str(a[0]))), nil
	})
	def("octet_length", 1, 1, "a", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		if b, ok := a[0].([]byte); ok {
			return int64(len(b)), nil
		}
		return int64(len(str(a[0]))), nil
	})
	def("bit_length", 1, 1, "a", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		if b, ok := a[0].([]byte); ok {
			return int64(8 * len(b)), nil
		}
		return int64(8 * len(str(a[0]))), nil
	})
	def("lower", 1, 1, "s", types.Text, textFn(strings.ToLower))
	def("upper", 1, 1, "s", types.Text, textFn(strings.ToUpper))
	def("initcap", 1, 1, "s", types.Text, textFn(initcap))
	trimDef := func(names string, left, right bool) {
		def(names, 1, 2, "s", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
			s, cut := str(a[0]), " "
			if len(a) == 2 {
				cut = str(a[1])
			}
			if left {
				s = strings.TrimLeft(s, cut)
			}
			if right {
				s = strings.TrimRight(s, cut)
			}
			return s, nil
		})
	}
	trimDef("trim btrim", true, true)
	trimDef("ltrim", true, false)
	trimDef("rtrim", false, true)
	def("substr substring", 2, 3, "aii", retFn(func(a []types.T) (types.T, error) {
		if a[0] == types.Bytea {
			return types.Bytea, nil
		}
		return types.Text, nil
	}), substrEval)
	def("strpos position", 2, 2, "s", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		s, sub := str(a[0]), str(a[1])
		i := strings.Index(s, sub)
		if i < 0 {
			return int64(0), nil
		}
		return int64(utf8.RuneCountInString(s[:i]) + 1), nil
	})
	def("replace", 3, 3, "s", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		from := str(a[1])
		if from == "" {
			return str(a[0]), nil
		}
		return strings.ReplaceAll(str(a[0]), from, str(a[2])), nil
	})
	def("translate", 3, 3, "s", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		from, to := []rune(str(a[1])), []rune(str(a[2]))
		var b strings.Builder
		for _, r := range str(a[0]) {
			idx := -1
			for i, f := range from {
				if f == r {
					idx = i
					break
				}
			}
			switch {
			case idx < 0:
				b.WriteRune(r)
			case idx < len(to):
				b.WriteRune(to[idx])
			}
		}
		return b.String(), nil
	})
	def("concat", 0, -1, "a", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		var b strings.Builder
		for _, v := range a {
			if v != nil {
				b.WriteString(str(v))
			}
		}
		return b.String(), nil
	}, nonStrict)
	def("concat_ws", 1, -1, "sa", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		sep := str(a[0])
		var parts []string
		for _, v := range a[1:] {
			if v != nil {
				parts = append(parts, str(v))
			}
		}
		return strings.Join(parts, sep), nil
	}, nonStrict)
	def("left", 2, 2, "si", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		r := []rune(str(a[0]))
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = max(int64(len(r))+n, 0)
		}
		return string(r[:min(n, int64(len(r)))]), nil
	})
	def("right", 2, 2, "si", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		r := []rune(str(a[0]))
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			n = max(int64(len(r))+n, 0)
		}
		n = min(n, int64(len(r)))
		return string(r[int64(len(r))-n:]), nil
	})
	padDef := func(name string, left bool) {
		def(name, 2, 3, "sis", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
			r := []rune(str(a[0]))
			n, err := intArg(a[1])
			if err != nil {
				return nil, err
			}
			if n > maxStringLen {
				return nil, tooLong()
			}
			fill := []rune(" ")
			if len(a) == 3 {
				fill = []rune(str(a[2]))
			}
			if n <= 0 {
				return "", nil
			}
			if int64(len(r)) >= n {
				return string(r[:n]), nil
			}
			if len(fill) == 0 {
				return string(r), nil
			}
			pad := make([]rune, 0, n-int64(len(r)))
			for i := 0; int64(len(pad)) < n-int64(len(r)); i++ {
				pad = append(pad, fill[i%len(fill)])
			}
			if left {
				return string(pad) + string(r), nil
			}
			return string(r) + string(pad), nil
		})
	}
	padDef("lpad", true)
	padDef("rpad", false)
	def("repeat", 2, 2, "si", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		s := str(a[0])
		n, err := intArg(a[1])
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return "", nil
		}
		if int64(len(s))*n > maxStringLen {
			return nil, tooLong()
		}
		return strings.Repeat(s, int(n)), nil
	})
	def("reverse", 1, 1, "s", types.Text, textFn(func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}))
	def("split_part", 3, 3, "ssi", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		s, sep := str(a[0]), str(a[1])
		n, err := intArg(a[2])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, invalidParam("field position must not be zero")
		}
		var parts []string
		if sep == "" {
			parts = []string{s}
		} else {
			parts = strings.Split(s, sep)
		}
		if n < 0 {
			n += int64(len(parts)) + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return "", nil
		}
		return parts[n-1], nil
	})
	def("starts_with", 2, 2, "s", types.Bool, func(_ *Context, a []types.Value) (types.Value, error) {
		return strings.HasPrefix(str(a[0]), str(a[1])), nil
	})
	def("md5", 1, 1, "a", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		var b []byte
		if x, ok := a[0].([]byte); ok {
			b = x
		} else {
			b = []byte(str(a[0]))
		}
		sum := md5.Sum(b)
		return hex.EncodeToString(sum[:]), nil
	})
	def("encode", 2, 2, "bs", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		var b []byte
		if x, ok := a[0].([]byte); ok {
			b = x
		} else {
			b = []byte(str(a[0]))
		}
		switch strings.ToLower(str(a[1])) {
		case "hex":
			return hex.EncodeToString(b), nil
		case "base64":
			return base64.StdEncoding.EncodeToString(b), nil
		case "escape":
			var sb strings.Builder
			for _, c := range b {
				switch {
				case c == '\\':
					sb.WriteString(`\\`)
				case c < 0x20 || c > 0x7e:
					sb.WriteString(`\` + strconv.FormatInt(int64(c)+01000, 8)[1:])
				default:
					sb.WriteByte(c)
				}
			}
			return sb.String(), nil
		}
		return nil, invalidParam("unrecognized encoding: %q", str(a[1]))
	})
	def("decode", 2, 2, "s", types.Bytea, func(_ *Context, a []types.Value) (types.Value, error) {
		s := str(a[0])
		switch strings.ToLower(str(a[1])) {
		case "hex":
			b, err := hex.DecodeString(s)
			if err != nil {
				return nil, errs.New(errs.InvalidParameterValue, "invalid hexadecimal data")
			}
			return b, nil
		case "base64":
			b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
			if err != nil {
				return nil, errs.New(errs.InvalidParameterValue, "invalid base64 data")
			}
			return b, nil
		case "escape":
			return []byte(s), nil
		}
		return nil, invalidParam("unrecognized encoding: %q", str(a[1]))
	})
	def("to_hex", 1, 1, "i", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		n, err := intArg(a[0])
		if err != nil {
			return nil, err
		}
		if n < 0 && n >= math.MinInt32 {
			return strconv.FormatUint(uint64(uint32(n)), 16), nil
		}
		return strconv.FormatUint(uint64(n), 16), nil
	})
	def("chr", 1, 1, "i", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		n, err := intArg(a[0])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil,
				errs.New(errs.ProgramLimitExceeded, "null character not permitted")
		}
		if n < 0 || n > unicode.MaxRune || !utf8.ValidRune(rune(n)) {
			return nil, errs.New(errs.ProgramLimitExceeded, "requested character too large for encoding")
		}
		return string(rune(n)), nil
	})
	def("ascii", 1, 1, "s", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		s := str(a[0])
		if s == "" {
			return int64(0), nil
		}
		r, _ := utf8.DecodeRuneInString(s)
		return int64(r), nil
	})
	def("quote_ident", 1, 1, "s", types.Text, textFn(quoteIdent))
	def("quote_literal", 1, 1, "a", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		return quoteLiteral(str(a[0])), nil
	})
	def("quote_nullable", 1, 1, "a", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return "NULL", nil
		}
		return quoteLiteral(str(a[0])), nil
	}, nonStrict)
	def("format", 1, -1, "sa", types.Text, formatEval, nonStrict)
	def("regexp_replace", 3, 4, "s", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		flags := ""
		if len(a) == 4 {
			flags = str(a[3])
		}
		re, err := CompileRegex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		src, repl := str(a[0]), pgReplacement(str(a[2]))
		if strings.Contains(flags, "g") {
			return re.ReplaceAllString(src, repl), nil
		}
		loc := re.FindStringSubmatchIndex(src)
		if loc == nil {
			return src, nil
		}
		out := re.ExpandString(nil, repl, src, loc)
		return src[:loc[0]] + string(out) + src[loc[1]:], nil
	})
	def("regexp_match", 2, 3, "s", types.Doc, func(_ *Context, a []types.Value) (types.Value, error) {
		flags := ""
		if len(a) == 3 {
			flags = str(a[2])
		}
		re, err := CompileRegex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		m := re.FindStringSubmatchIndex(str(a[0]))
		if m == nil {
			return nil, nil
		}
		return matchGroups(str(a[0]), m), nil
	})
	def("regexp_like", 2, 3, "s", types.Bool, func(_ *Context, a []types.Value) (types.Value, error) {
		flags := ""
		if len(a) == 3 {
			flags = str(a[2])
		}
		re, err := CompileRegex(str(a[1]), flags)
		if err != nil {
			return nil, err
		}
		return re.MatchString(str(a[0])), nil
	})
}

// matchGroups turns a submatch index into regexp_match's text[]: the
// capture groups when there are any, else the whole match.
func matchGroups(s string, m []int) []any {
	if len(m) == 2 {
		return []any{s[m[0]:m[1]]}
	}
	out := make([]any, 0, len(m)/2-1)
	for i := 2; i < len(m); i += 2 {
		if m[i] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, s[m[i]:m[i+1]])
		}
	}
	return out
}

// pgReplacement converts a PostgreSQL replacement string (\1..\9, \&, \\)
// into Go's template syntax.
func pgReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(r):
			n := r[i+1]
			switch {
			case n >= '0' && n <= '9':
				b.WriteString("${" + string(n) + "}")
			case n == '&':
				b.WriteString("${0}")
			default:
				b.WriteByte(n)
			}
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func substrEval(_ *Context, a []types.Value) (types.Value, error) {
	if len(a) == 2 {
		if pat, ok := a[1].(string); ok {
			if _, err := strconv.ParseInt(strings.TrimSpace(pat), 10, 64); err != nil {
				// substring(text from pattern): the first group or the match.
				re, err := CompileRegex(pat, "")
				if err != nil {
					return nil, err
				}
				s := str(a[0])
				m := re.FindStringSubmatchIndex(s)
				if m == nil {
					return nil, nil
				}
				g := matchGroups(s, m)
				return g[0], nil
			}
		}
	}
	start, err := intArg(a[1])
	if err != nil {
		return nil, err
	}
	if b, ok := a[0].([]byte); ok {
		lo, hi, err := substrBounds(int64(len(b)), start, a)
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), b[lo:hi]...), nil
	}
	r := []rune(str(a[0]))
	lo, hi, err := substrBounds(int64(len(r)), start, a)
	if err != nil {
		return nil, err
	}
	return string(r[lo:hi]), nil
}

func substrBounds(n, start int64, a []types.Value) (int64, int64, error) {
	end := int64(math.MaxInt64)
	if len(a) == 3 {
		l, err := intArg(a[2])
		if err != nil {
			return 0, 0, err
		}
		if l < 0 {
			return 0, 0, errs.New(codeSubstringError, "negative substring length not allowed")
		}
		if start > math.MaxInt64-l {
			end = math.MaxInt64
		} else {
			end = start + l
		}
	}
	lo := max(start-1, 0)
	hi := end - 1
	if hi > n {
		hi = n
	}
	if lo > n {
		lo = n
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi, nil
}

func initcap(s string) string {
	var b strings.Builder
	inWord := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if inWord {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			inWord = true
		} else {
			b.WriteRune(r)
			inWord = false
		}
	}
	return b.String()
}

func quoteIdent(s string) string {
	safe := s != ""
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9') || r == '$' && i > 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func quoteLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

// formatEval is format(fmt, args...) with %s, %I, %L, %% and positional
// %n$ specifiers (width flags are not supported).
func formatEval(_ *Context, a []types.Value) (types.Value, error) {
	if a[0] == nil {
		return nil, nil
	}
	f := str(a[0])
	args := a[1:]
	var b strings.Builder
	next := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, invalidParam("unterminated format() type specifier")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// Optional n$ position.
		j := i
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		argi := next
		if j < len(f) && f[j] == '$' && j > i {
			n, _ := strconv.Atoi(f[i:j])
			if n < 1 {
				return nil, invalidParam("format specifies argument 0, but arguments are numbered from 1")
			}
			argi = n - 1
			i = j + 1
		}
		if i >= len(f) {
			return nil, invalidParam("unterminated format() type specifier")
		}
		if argi >= len(args) {
			return nil, invalidParam("too few arguments for format()")
		}
		v := args[argi]
		next = argi + 1
		switch f[i] {
		case 's':
			if v != nil {
				b.WriteString(str(v))
			}
		case 'I':
			if v == nil {
				return nil, errs.New(codeNullNotAllowed, "null values cannot be formatted as an SQL identifier")
			}
			b.WriteString(quoteIdent(str(v)))
		case 'L':
			if v == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString(quoteLiteral(str(v)))
			}
		default:
			return nil, invalidParam("unrecognized format() type specifier %q", string(f[i]))
		}
	}
	return b.String(), nil
}
