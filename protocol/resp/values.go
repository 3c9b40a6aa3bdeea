package resp

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Redis's rules for numbers stored in string values (INCR, INCRBYFLOAT).

// errNotIntegerValue is returned by parseInt for text that is not a 64-bit
// integer in Redis's strict form.
var errNotIntegerValue = errors.New("value is not an integer or out of range")

// errNotFloatValue is returned by parseFloat for text that is not a finite
// float.
var errNotFloatValue = errors.New("value is not a valid float")

// parseInt parses b as Redis does (string2ll): optional '-', decimal
// digits, no sign '+', no spaces, no leading zeros, within int64.
func parseInt(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 20 {
		return 0, errNotIntegerValue
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, nil
	}
	i := 0
	if b[0] == '-' {
		i = 1
	}
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return 0, errNotIntegerValue
	}
	for _, c := range b[i:] {
		if c < '0' || c > '9' {
			return 0, errNotIntegerValue
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, errNotIntegerValue
	}
	return n, nil
}

// parseFloat parses b as a finite float (no surrounding spaces).
func parseFloat(b []byte) (float64, error) {
	s := string(b)
	if s == "" || strings.TrimSpace(s) != s {
		return 0, errNotFloatValue
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errNotFloatValue
	}
	return f, nil
}

// formatFloat renders f as INCRBYFLOAT replies and stores it: fixed
// notation with up to 17 significant digits, without trailing zeros.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}

// addInt returns a+b, or ok=false when it overflows int64.
func addInt(a, b int64) (int64, bool) {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		return 0, false
	}
	return c, true
}
