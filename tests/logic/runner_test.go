package logic

import (
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := `# a comment
hash-threshold 8

statement ok
CREATE TABLE t1(a INTEGER,
  b TEXT)

skipif mysql # not compatible
onlyif postgresql
query IT rowsort label-7
SELECT a, b
  FROM t1
----
1
x
2
(empty)

onlyif sqlite
statement error
SELECT nope

skipif nodedb
query I nosort
SELECT 1
----
10 values hashing to 0123456789abcdef0123456789abcdef

query R valuesort
SELECT 1.5
----
1.500

onlyif mysql
halt
`
	recs, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 {
		t.Fatalf("got %d records: %+v", len(recs), recs)
	}
	if recs[0].Kind != KindHashThreshold || recs[0].Threshold != 8 {
		t.Errorf("rec 0 = %+v", recs[0])
	}
	if r := recs[1]; r.Kind != KindStatement || r.ExpectError || r.SQL != "CREATE TABLE t1(a INTEGER,\n  b TEXT)" || r.Line != 4 {
		t.Errorf("rec 1 = %+v", r)
	}
	q := recs[2]
	if q.Kind != KindQuery || q.Types != "IT" || q.Sort != RowSort || q.Label != "label-7" ||
		q.SQL != "SELECT a, b\n  FROM t1" || !slices.Equal(q.Expected, []string{"1", "x", "2", "(empty)"}) {
		t.Errorf("rec 2 = %+v", q)
	}
	if q.Skipped() {
		t.Error("skipif mysql + onlyif postgresql should run")
	}
	if !recs[3].Skipped() || !recs[3].ExpectError {
		t.Errorf("onlyif sqlite statement error: %+v", recs[3])
	}
	if !recs[4].Skipped() {
		t.Error("skipif nodedb should skip")
	}
	if recs[5].Skipped() || recs[5].Sort != ValueSort {
		t.Errorf("rec 5 = %+v", recs[5])
	}
	if recs[6].Kind != KindHalt || !recs[6].Skipped() {
		t.Errorf("onlyif mysql halt = %+v", recs[6])
	}
}

func TestFormatValue(t *testing.T) {
	for _, c := range []struct {
		typ  byte
		oid  uint32
		in   []byte
		want string
	}{
		{'I', oidInt4, []byte("-12"), "-12"},
		{'I', oidFloat8, []byte("12.9"), "12"},
		{'I', oidFloat8, []byte("-12.9"), "-12"},
		{'I', oidNumer, []byte("7.000"), "7"},
		{'I', oidFloat8, []byte("1e+20"), "9223372036854775807"},
		{'I', oidBool, []byte("t"), "1"},
		{'I', oidBool, []byte("f"), "0"},
		{'I', 25, []byte("abc"), "0"},
		{'I', 25, []byte("12abc"), "12"},
		{'I', oidInt4, nil, "NULL"},
		{'R', oidInt4, []byte("3"), "3.000"},
		{'R', oidFloat8, []byte("-0.12345"), "-0.123"},
		{'R', oidNumer, []byte("2.5"), "2.500"},
		{'R', oidFloat8, nil, "NULL"},
		{'T', 25, []byte(""), "(empty)"},
		{'T', 25, []byte("a\tb\xc3\xa9"), "a@b@@"},
		{'T', oidInt4, []byte("5"), "5"},
		{'T', 25, nil, "NULL"},
	} {
		if got := FormatValue(c.typ, c.oid, c.in); got != c.want {
			t.Errorf("FormatValue(%c, %d, %q) = %q, want %q", c.typ, c.oid, c.in, got, c.want)
		}
	}
}

func TestSortAndHash(t *testing.T) {
	vals := []string{"2", "b", "10", "a", "2", "a"}
	SortValues(RowSort, vals, 2)
	if want := []string{"10", "a", "2", "a", "2", "b"}; !slices.Equal(vals, want) {
		t.Errorf("rowsort = %v, want %v (string order)", vals, want)
	}
	SortValues(ValueSort, vals, 2)
	if want := []string{"10", "2", "2", "a", "a", "b"}; !slices.Equal(vals, want) {
		t.Errorf("valuesort = %v", vals)
	}
	sum := md5.Sum([]byte("10\n2\n2\na\na\nb\n"))
	if got := HashValues(vals); got != hex.EncodeToString(sum[:]) {
		t.Errorf("hash = %s", got)
	}
	n, h, ok := ParseHashLine("30 values hashing to 3c13dee48d9356ae19af2515e05e6b54")
	if !ok || n != 30 || h != "3c13dee48d9356ae19af2515e05e6b54" {
		t.Errorf("ParseHashLine = %d %s %v", n, h, ok)
	}
	if _, _, ok := ParseHashLine("30"); ok {
		t.Error("a plain value parsed as a hash line")
	}
}

func TestNormalizeMessage(t *testing.T) {
	got := NormalizeMessage(`column "col12" of relation "tab3" does not exist at 42`)
	if want := `column "colN" of relation "tabN" does not exist at N`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFeatures(t *testing.T) {
	got := Features("SELECT DISTINCT - col1 / CAST ( NULL AS INTEGER ) FROM tab0 AS cor0 CROSS JOIN tab1, tab2 WHERE NOT col2 IN ( SELECT col0 FROM tab2 )")
	for _, want := range []string{"SELECT", "CAST", "CAST AS INTEGER", "DISTINCT", "division", "unary minus",
		"NOT", "IN (SELECT)", "subquery", "CROSS JOIN", "FROM with 2-3 tables", "JOIN keyword"} {
		if !slices.Contains(got, want) {
			t.Errorf("Features misses %q: %v", want, got)
		}
	}
}
