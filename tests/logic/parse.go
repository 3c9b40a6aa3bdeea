package logic

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Kind is the kind of a record.
type Kind int

// The record kinds.
const (
	KindStatement Kind = iota
	KindQuery
	KindHashThreshold
	KindHalt
)

// SortMode says how a query's values are ordered before comparison.
type SortMode int

// The sort modes.
const (
	NoSort SortMode = iota
	RowSort
	ValueSort
)

func (m SortMode) String() string {
	switch m {
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return "nosort"
}

// Condition is a skipif/onlyif line in front of a record.
type Condition struct {
	Skip bool   // skipif (true) or onlyif (false)
	DB   string // the engine it names
}

// Record is one sqllogictest record.
type Record struct {
	Kind       Kind
	Line       int // 1-based line of the record's first (non-condition) line
	Conditions []Condition

	SQL         string
	ExpectError bool // statement error

	Types    string // query: one of I, R, T per column
	Sort     SortMode
	Label    string
	Expected []string // query: expected lines after "----"
	HasSep   bool     // query: a "----" line was present

	Threshold int // hash-threshold
}

// Engines names every engine a skipif/onlyif line may name to mean us.
var Engines = []string{"postgresql", "nodedb"}

// Skipped reports whether the record's conditions exclude us.
func (r *Record) Skipped() bool {
	for _, c := range r.Conditions {
		us := false
		for _, e := range Engines {
			if strings.EqualFold(c.DB, e) {
				us = true
			}
		}
		if c.Skip == us {
			return true
		}
	}
	return false
}

// ParseFile parses the test file at path; a name ending in .gz is
// decompressed.
func ParseFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rd io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		rd = zr
	}
	recs, err := Parse(rd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// Parse reads records from r.
func Parse(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var (
		lines []string
	)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var (
		recs  []Record
		conds []Condition
	)
	i := 0
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	// body collects lines from i until a blank line (or stop, if non-empty).
	body := func(stop string) ([]string, bool) {
		var out []string
		for i < len(lines) && !blank(lines[i]) {
			if stop != "" && strings.TrimSpace(lines[i]) == stop {
				i++
				return out, true
			}
			out = append(out, lines[i])
			i++
		}
		return out, false
	}
	for i < len(lines) {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			i++
			continue
		}
		// A trailing "# comment" on a directive line is ignored.
		directive := trimmed
		if k := strings.Index(directive, "#"); k >= 0 {
			directive = strings.TrimSpace(directive[:k])
		}
		f := strings.Fields(directive)
		lineNo := i + 1
		i++
		switch f[0] {
		case "skipif", "onlyif":
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: %s without an engine", lineNo, f[0])
			}
			conds = append(conds, Condition{Skip: f[0] == "skipif", DB: f[1]})
			continue
		case "halt":
			recs = append(recs, Record{Kind: KindHalt, Line: lineNo, Conditions: conds})
		case "hash-threshold":
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: hash-threshold without a value", lineNo)
			}
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: hash-threshold %q: %w", lineNo, f[1], err)
			}
			recs = append(recs, Record{Kind: KindHashThreshold, Line: lineNo, Conditions: conds, Threshold: n})
		case "statement":
			if len(f) < 2 || (f[1] != "ok" && f[1] != "error") {
				return nil, fmt.Errorf("line %d: want statement ok|error, got %q", lineNo, line)
			}
			sql, _ := body("")
			recs = append(recs, Record{Kind: KindStatement, Line: lineNo, Conditions: conds,
				SQL: strings.Join(sql, "\n"), ExpectError: f[1] == "error"})
		case "query":
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d: query without a type string", lineNo)
			}
			rec := Record{Kind: KindQuery, Line: lineNo, Conditions: conds, Types: f[1]}
			for _, w := range f[2:] {
				switch w {
				case "nosort":
					rec.Sort = NoSort
				case "rowsort":
					rec.Sort = RowSort
				case "valuesort":
					rec.Sort = ValueSort
				default:
					rec.Label = w
				}
			}
			sql, sep := body("----")
			rec.SQL = strings.Join(sql, "\n")
			rec.HasSep = sep
			if sep {
				rec.Expected, _ = body("")
				for k, e := range rec.Expected {
					rec.Expected[k] = strings.TrimRight(e, " \t")
				}
			}
			recs = append(recs, rec)
		default:
			return nil, fmt.Errorf("line %d: unknown record %q", lineNo, line)
		}
		conds = nil
	}
	return recs, nil
}
