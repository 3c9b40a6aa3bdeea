package exec_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
)

// sharedArgs plans sql and returns how many subexpressions its aggregate
// computes once per row.
func sharedArgs(t *testing.T, d *db, sql string) int {
	t.Helper()
	stmts, err := parser.Parse(sql)
	require.NoError(t, err)
	n, err := (&plan.Builder{Cat: d.cat}).BuildSelect(stmts[0].AST.(*ast.Select))
	require.NoError(t, err)
	for {
		switch x := n.(type) {
		case *plan.Project:
			n = x.Input
		case *plan.Sort:
			n = x.Input
		case *plan.Aggregate:
			return exec.SharedAggArgs(x.Aggs)
		default:
			t.Fatalf("no aggregate under %T", n)
		}
	}
}

// TestSharedAggregateArguments: a subexpression several aggregate
// arguments share is computed once per row (TPC-H Q1's price times one
// less the discount) and the results are those of computing it in each;
// calls with a FILTER keep their own arguments; an argument's subquery
// that aggregates through the same Env leaves the outer row's shared
// values intact.
func TestSharedAggregateArguments(t *testing.T) {
	d := openDB(t)
	d.q("CREATE TABLE li (id INT PRIMARY KEY, g TEXT, qty DECIMAL(15,2), price DECIMAL(15,2), disc DECIMAL(15,2), tax DECIMAL(15,2))")
	d.q("CREATE TABLE other (k INT PRIMARY KEY, v INT)")
	d.q("INSERT INTO other VALUES (1, 10), (2, 20)")
	type row struct{ qty, price, disc, tax int } // cents
	var rows []row
	for id := range 200 {
		r := row{qty: 100 * (1 + id%50), price: 1000 + 37*id, disc: id % 11, tax: id % 9}
		rows = append(rows, r)
		d.q(fmt.Sprintf("INSERT INTO li VALUES (%d, '%s', %d.%02d, %d.%02d, 0.%02d, 0.%02d)", id, []string{"A", "B"}[id%2],
			r.qty/100, r.qty%100, r.price/100, r.price%100, r.disc, r.tax))
	}
	q1 := `SELECT g, sum(qty), sum(price), sum(price * (1 - disc)), sum(price * (1 - disc) * (1 + tax)),
		avg(disc), count(*) FROM li GROUP BY g ORDER BY g`
	require.Equal(t, 1, sharedArgs(t, d, q1))
	// The sums in exact integer arithmetic: price*(1-disc) has 4 decimal
	// places, times (1+tax) 6.
	var got []string
	for _, g := range []int{0, 1} {
		var qty, price, dp, ch int64
		n := 0
		for i, r := range rows {
			if i%2 != g {
				continue
			}
			qty += int64(r.qty)
			price += int64(r.price)
			dp += int64(r.price) * int64(100-r.disc)
			ch += int64(r.price) * int64(100-r.disc) * int64(100+r.tax)
			n++
		}
		got = append(got, fmt.Sprintf("%s|%d.%02d|%d.%02d|%d.%04d|%d.%06d", []string{"A", "B"}[g], qty/100, qty%100, price/100, price%100,
			dp/10000, dp%10000, ch/1000000, ch%1000000))
	}
	res := d.q(q1)
	var trimmed []string
	for _, line := range strings.Split(res, "\n") {
		f := strings.Split(line, "|")
		trimmed = append(trimmed, strings.Join(f[:5], "|"))
	}
	require.Equal(t, strings.Join(got, "\n"), strings.Join(trimmed, "\n"))

	// Nothing shared: no slots (constants and columns tell expressions
	// apart). A FILTER keeps its call out of sharing.
	require.Equal(t, 0, sharedArgs(t, d, "SELECT sum(qty), sum(price * 2) FROM li"))
	require.Equal(t, 0, sharedArgs(t, d, "SELECT sum(price * 2), max(price * 3), min(qty * 2) FROM li"))
	require.Equal(t, d.q("SELECT sum(price * 2) FROM li")+"|"+d.q("SELECT max(price * 3) FROM li")+"|"+d.q("SELECT min(qty * 2) FROM li"),
		d.q("SELECT sum(price * 2), max(price * 3), min(qty * 2) FROM li"))
	require.Equal(t, 0, sharedArgs(t, d, "SELECT sum(price * 2), sum(price * 2) FILTER (WHERE qty > 10) FROM li"))
	require.Equal(t, 2, sharedArgs(t, d, "SELECT sum(-(price * 2)), max(-(price * 2)), min((price * 2) + 1) FROM li"))
	require.Equal(t, d.q("SELECT sum(price * 2), sum(CASE WHEN qty > 10 THEN price * 2 END) FROM li"),
		d.q("SELECT sum(price * 2), sum(price * 2) FILTER (WHERE qty > 10) FROM li"))
	// Two slots, one inside the other, against the plain evaluation
	// (calls with a FILTER share nothing).
	require.Equal(t, d.q("SELECT sum(-(price * 2)) FILTER (WHERE true), max(-(price * 2)) FILTER (WHERE true), min((price * 2) + 1) FILTER (WHERE true) FROM li"),
		d.q("SELECT sum(-(price * 2)), max(-(price * 2)), min((price * 2) + 1) FROM li"))

	// A correlated subquery that aggregates, inside an argument that
	// shares a subexpression with another.
	got1 := d.q(`SELECT g, sum(qty * 2 + (SELECT sum(v * 2) + max(v * 2) FROM other WHERE other.k <= li.id % 3)), sum(qty * 2)
		FROM li GROUP BY g ORDER BY g`)
	var want1 []string
	for _, g := range []int{0, 1} {
		var a, b int64
		for i, r := range rows {
			if i%2 != g {
				continue
			}
			sub := int64(0) // sum(v * 2) + max(v * 2) over k <= i % 3
			if i%3 == 1 {
				sub = 20 + 20
			}
			if i%3 == 2 {
				sub = 20 + 40 + 40
			}
			if i%3 == 0 {
				// no row: the subquery's sums are NULL, so is the term
				continue
			}
			a += int64(r.qty)*2 + sub*100
			_ = b
		}
		for i, r := range rows {
			if i%2 == g {
				b += int64(r.qty) * 2
			}
		}
		want1 = append(want1, fmt.Sprintf("%s|%d.%02d|%d.%02d", []string{"A", "B"}[g], a/100, a%100, b/100, b%100))
	}
	require.Equal(t, strings.Join(want1, "\n"), got1)
}
