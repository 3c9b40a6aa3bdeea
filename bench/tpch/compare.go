package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// compareResults reports whether two result sets hold the same rows. Rows
// are compared in the order returned and, failing that, both sorted (so
// ties under ORDER BY may come in any order). Cells compare as numbers
// within a relative tolerance when both parse as numbers ("17" equals
// "17.0000"), else as text without trailing blanks (CHAR padding). When
// they differ, the string says where.
func compareResults(a, b [][]string, tol float64) (bool, string) {
	if len(a) != len(b) {
		return false, fmt.Sprintf("%d rows vs %d rows", len(a), len(b))
	}
	if i := firstDiff(a, b, tol); i < 0 {
		return true, ""
	}
	sa, sb := sortedRows(a), sortedRows(b)
	i := firstDiff(sa, sb, tol)
	if i < 0 {
		return true, ""
	}
	return false, fmt.Sprintf("sorted row %d: %v vs %v", i+1, sa[i], sb[i])
}

func firstDiff(a, b [][]string, tol float64) int {
	for i := range a {
		if !rowEqual(a[i], b[i], tol) {
			return i
		}
	}
	return -1
}

func rowEqual(a, b []string, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !cellEqual(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

func cellEqual(x, y string, tol float64) bool {
	x, y = strings.TrimRight(x, " "), strings.TrimRight(y, " ")
	if x == y {
		return true
	}
	fx, errx := strconv.ParseFloat(x, 64)
	fy, erry := strconv.ParseFloat(y, 64)
	if errx != nil || erry != nil {
		return false
	}
	diff := math.Abs(fx - fy)
	return diff <= tol*math.Max(math.Abs(fx), math.Abs(fy)) || diff <= 1e-9
}

func sortedRows(rows [][]string) [][]string {
	type keyed struct {
		key string
		row []string
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, c := range r {
			c = strings.TrimRight(c, " ")
			if f, err := strconv.ParseFloat(c, 64); err == nil {
				c = strconv.FormatFloat(f, 'g', 6, 64)
			}
			parts[j] = c
		}
		ks[i] = keyed{strings.Join(parts, "\x00"), r}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([][]string, len(ks))
	for i, k := range ks {
		out[i] = k.row
	}
	return out
}
