package logic

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Postgres type OIDs the formatter cares about.
const (
	oidBool   = 16
	oidInt8   = 20
	oidInt2   = 21
	oidInt4   = 23
	oidFloat4 = 700
	oidFloat8 = 701
	oidNumer  = 1700
)

// FormatValue formats one value (its text form, nil for NULL) as a column
// of type typ ('I', 'R' or 'T') the way the reference runner does.
func FormatValue(typ byte, oid uint32, v []byte) string {
	if v == nil {
		return "NULL"
	}
	s := string(v)
	if oid == oidBool {
		switch s {
		case "t", "true":
			s = "1"
		case "f", "false":
			s = "0"
		}
	}
	switch typ {
	case 'I':
		switch oid {
		case oidInt2, oidInt4, oidInt8:
			return s
		}
		return strconv.FormatInt(textToInt(s), 10)
	case 'R':
		return fmt.Sprintf("%.3f", textToFloat(s))
	default:
		if s == "" {
			return "(empty)"
		}
		b := []byte(s)
		for i, c := range b {
			if c < ' ' || c > '~' {
				b[i] = '@'
			}
		}
		return string(b)
	}
}

// numPrefix returns the longest prefix of s that reads as a number, the way
// SQLite converts text to a number (leading spaces allowed, trailing junk
// ignored).
func numPrefix(s string) string {
	s = strings.TrimLeft(s, " \t\n\r")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return ""
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return s[:i]
}

func textToFloat(s string) float64 {
	switch strings.TrimSpace(s) {
	case "Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	f, _ := strconv.ParseFloat(numPrefix(s), 64)
	return f
}

func textToInt(s string) int64 {
	p := numPrefix(s)
	if p == "" {
		return 0
	}
	if n, err := strconv.ParseInt(p, 10, 64); err == nil {
		return n
	}
	f, _ := strconv.ParseFloat(p, 64)
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f) // truncates toward zero
}

// SortValues orders vals (row-major, ncols per row) as mode says.
func SortValues(mode SortMode, vals []string, ncols int) {
	switch mode {
	case ValueSort:
		slices.Sort(vals)
	case RowSort:
		if ncols <= 0 || len(vals)%ncols != 0 {
			return
		}
		rows := make([][]string, len(vals)/ncols)
		for i := range rows {
			rows[i] = vals[i*ncols : (i+1)*ncols : (i+1)*ncols]
		}
		slices.SortStableFunc(rows, func(a, b []string) int {
			for i := range a {
				if c := strings.Compare(a[i], b[i]); c != 0 {
					return c
				}
			}
			return 0
		})
		out := make([]string, 0, len(vals))
		for _, r := range rows {
			out = append(out, r...)
		}
		copy(vals, out)
	}
}

// HashValues is the reference result hash: MD5 over each value followed by
// a newline, as lowercase hex.
func HashValues(vals []string) string {
	h := md5.New()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

var hashLine = regexp.MustCompile(`^(\d+) values? hashing to ([0-9a-f]{32})$`)

// ParseHashLine recognises "N values hashing to <md5>".
func ParseHashLine(s string) (n int, hash string, ok bool) {
	m := hashLine.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, "", false
	}
	n, _ = strconv.Atoi(m[1])
	return n, m[2], true
}
