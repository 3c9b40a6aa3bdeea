package plan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/types"
)

// A scan's AND runs its terms that cannot fail first, the most selective
// column's first (a lower and upper bound on one column estimated
// together), and the others after them in their written order.
func TestOrderConjuncts(t *testing.T) {
	str := func(s string) *string { return &s }
	coll := &catalog.Collection{Name: "li", Kind: catalog.Strict, Columns: []catalog.Column{
		{Name: "qty", Type: types.Int8}, {Name: "day", Type: types.Int8}, {Name: "mode", Type: types.Text}, {Name: "d", Type: types.Int8},
	}}
	stats := &catalog.TableStats{Rows: 1000, Columns: []catalog.ColumnStats{
		{Name: "qty", Distinct: 50, Min: str("1"), Max: str("50")},
		{Name: "day", Distinct: 1000, Min: str("0"), Max: str("999")},
		{Name: "mode", Distinct: 7},
		{Name: "d", Distinct: 10, Min: str("0"), Max: str("9")},
	}}
	col := func(i int) Expr { return &ColRef{Idx: i, T: coll.Columns[i].Type, Name: coll.Columns[i].Name} }
	num := func(v int64) Expr { return &Const{V: v, T: types.Int8} }
	cmp := func(op string, l, r Expr) Expr { return &BinOp{Op: op, L: l, R: r, T: types.Bool} }
	// qty < 10: 9/49, between the day range taken together (0.15) and
	// apart (0.9 * 0.25); mode: 2/7.
	qtyLow := cmp("<", col(0), num(10))
	modeIn := &InList{X: col(2), List: []Expr{&Const{V: "MAIL", T: types.Text}, &Const{V: "SHIP", T: types.Text}}}
	// day >= 100: 0.9; 250 > day: 0.25; together 0.15.
	dayLo, dayHi := cmp(">=", col(1), num(100)), cmp(">", num(250), col(1))
	div := cmp(">", &BinOp{Op: "/", L: num(10), R: col(3), T: types.Int8}, num(1))
	guard := cmp("<>", col(3), num(0))
	scan := &Scan{Coll: coll, Access: AccessFull, Stats: stats}
	for _, c := range coll.Columns {
		scan.Cols = append(scan.Cols, Column{Name: c.Name, T: c.Type})
	}

	got := conjuncts(orderConjuncts(scan, and([]Expr{div, qtyLow, modeIn, dayLo, guard, dayHi})), nil)
	// day's two bounds (0.15), qty (0.18), mode (0.29), the guard on d
	// (0.9); then the division, which may fail, last.
	name := map[Expr]string{dayLo: "dayLo", dayHi: "dayHi", modeIn: "modeIn", qtyLow: "qtyLow", guard: "guard", div: "div"}
	var names []string
	for _, e := range got {
		names = append(names, name[e])
	}
	require.Equal(t, []string{"dayLo", "dayHi", "qtyLow", "modeIn", "guard", "div"}, names)

	// Without statistics the written order stays.
	scan.Stats = nil
	in := and([]Expr{div, qtyLow, modeIn})
	require.Equal(t, in, orderConjuncts(scan, in))
}
