package document_test

import (
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/engine/document"
)

// lineitemRow is a row shaped like TPC-H's lineitem: keys, four
// DECIMAL(15,2) values, two one-letter flags, three dates and three texts.
func lineitemRow(i int) []any {
	d := time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%2000-1000)
	return []any{int64(i / 4), int64(i%20000 + 1), int64(i%1000 + 1), int64(i%7 + 1),
		dec("17.00"), dec("21168.23"), dec("0.04"), dec("0.02"), "N", "O",
		d, d.AddDate(0, 0, 30), d.AddDate(0, 0, 40),
		"DELIVER IN PERSON", "TRUCK", "egular courts above the"}
}

// lineitemRows encodes 1,024 lineitem-shaped rows.
func lineitemRows(b *testing.B) [][]byte {
	rows := make([][]byte, 1024)
	for i := range rows {
		enc, err := document.EncodeTuple(lineitemRow(i * 7))
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = enc
	}
	return rows
}

// BenchmarkDecodeTupleUsed decodes the columns TPC-H's Q6 reads (quantity,
// extended price, discount, ship date) and those Q1 reads from
// lineitem-shaped rows.
func BenchmarkDecodeTupleUsed(b *testing.B) {
	rows := lineitemRows(b)
	for _, bc := range []struct {
		name string
		cols []int
	}{{"q6", []int{4, 5, 6, 10}}, {"q1", []int{4, 5, 6, 7, 8, 9, 10}}, {"keys", []int{0, 1, 2}}} {
		used := make([]bool, 16)
		for _, c := range bc.cols {
			used[c] = true
		}
		b.Run(bc.name, func(b *testing.B) {
			var d document.Decoder
			var buf []any
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				var err error
				if buf, err = d.DecodeTupleUsedInto(buf, rows[i%len(rows)], 16, used); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkTupleColumn finds and decodes lineitem's ship date (its
// eleventh column) the way a staged filter does: Reset, then Column.
func BenchmarkTupleColumn(b *testing.B) {
	rows := lineitemRows(b)
	var d document.Decoder
	var t document.Tuple
	i := 0
	for b.Loop() {
		if err := t.Reset(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Column(&t, 10); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
