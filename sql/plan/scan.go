package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// buildScan binds WHERE over the collection and picks an access path:
// primary-key point lookups when every key column is pinned by equality
// (or a single-column key by IN), else a secondary index whose leading
// column has an equality predicate or a range bounded on both sides, else
// a full scan. The whole
// predicate stays as the residual filter, so an access path only has to
// return a superset of the matching rows.
//
// A query's scan (query set) may read a column copy (Scan.Cached); a
// DML statement's reads the stored rows it writes back.
func (b *Builder) buildScan(coll *catalog.Collection, sc *scope, where ast.Expr, query bool) (*Scan, error) {
	scan := &Scan{Coll: coll, Access: AccessFull, Cols: sc.cols, Stats: b.stats(coll), Cached: query && b.cached(coll)}
	if where == nil {
		return scan, nil
	}
	bd := &binder{b: b, sc: sc, noAgg: "WHERE"}
	pred, err := bd.bind(where, types.Bool)
	if err != nil {
		return nil, err
	}
	chooseAccess(scan, pred)
	return scan, nil
}

// chooseAccess sets a scan's filter to pred (bound over the scan's row)
// and picks the cheapest access path it allows.
func chooseAccess(scan *Scan, pred Expr) {
	coll := scan.Coll
	pred = orderConjuncts(scan, pred)
	scan.Filter = pred
	conj := conjuncts(pred, nil)

	// Primary key.
	if len(coll.PK) > 0 {
		vals := make([]Expr, len(coll.PK))
		found := 0
		var inList *InList
		for i, name := range coll.PK {
			for _, c := range conj {
				if v := eqOn(c, coll, name); v != nil {
					vals[i] = v
					found++
					break
				}
				if il, ok := c.(*InList); ok && !il.Not && len(coll.PK) == 1 && isKeyRef(il.X, coll, name) && allConstOrParam(il.List) {
					inList = il
				}
			}
		}
		if found == len(coll.PK) {
			scan.Access = AccessPK
			scan.PKKeys = [][]Expr{vals}
			scan.Estimate = "pk lookup"
			return
		}
		if inList != nil {
			scan.Access = AccessPK
			for _, v := range inList.List {
				scan.PKKeys = append(scan.PKKeys, []Expr{v})
			}
			scan.Estimate = "pk lookups"
			return
		}
	}
	// Secondary indexes: prefer the one pinning the most leading columns.
	best := -1
	// A prefix of the key pinned by equality, covering the columns the
	// vShard is hashed from: its rows are one key range, read without a
	// point read each, so an index must pin more columns to win.
	if k := pkPrefix(coll, conj); k > 0 {
		vals := make([]Expr, k)
		for i := range vals {
			for _, c := range conj {
				if vals[i] = eqOn(c, coll, coll.PK[i]); vals[i] != nil {
					break
				}
			}
		}
		scan.Access = AccessPKPrefix
		scan.PKKeys = [][]Expr{vals}
		scan.Estimate = "pk prefix"
		best = 2*k + 1
	}
	for i := range coll.Indexes {
		ix := &coll.Indexes[i]
		if ix.Sorted {
			continue // entries in their own order; read through RANK/TOPK/RANGE
		}
		elems, where, ok := indexElems(coll, i)
		if !ok || (where != nil && !predImplied(where, conj)) {
			continue // a partial index lacks rows the query may want
		}
		eq := indexEqPrefix(elems, coll, conj)
		var lo, hi Expr
		var loIncl, hiIncl bool
		if len(eq) < len(elems) {
			lo, hi, loIncl, hiIncl = rangeBounds(coll, elems[len(eq)], conj)
		}
		score := len(eq) * 2
		if lo != nil || hi != nil {
			score++
		}
		if len(eq) == 0 && (lo == nil || hi == nil) {
			// A range open on one side is assumed to keep a third of the
			// rows (PostgreSQL's default without statistics): reading
			// them through the index, one point read per entry, costs
			// more than a full scan. A range closed on both sides is
			// assumed selective, unless ANALYZE's minimum and maximum
			// say it is not.
			score = 0
		}
		if len(eq) == 0 && lo != nil && hi != nil {
			if f, ok := rangeFraction(scan, ix.Columns[0], lo, hi); ok && f > maxIndexRangeFraction {
				score = 0
			}
		}
		if score > 0 && score > best {
			best = score
			scan.Access = AccessIndex
			scan.Index = ix
			scan.IndexEq, scan.RangeLo, scan.RangeHi, scan.LoIncl, scan.HiIncl = eq, lo, hi, loIncl, hiIncl
			scan.Estimate = "index " + ix.Name
		}
	}
	if scan.Access == AccessIndex && scan.Cached && scan.Stats != nil {
		// A column copy's full scan may cost less than the index's rows,
		// each a point read.
		full := *scan
		full.Access, full.Index, full.IndexEq, full.RangeLo, full.RangeHi = AccessFull, nil, nil, nil, nil
		if readCost(&full) < readCost(scan) {
			*scan = full
			scan.Estimate = ""
		}
	}
}

// indexEqPrefix returns the values the terms of an AND pin an index's
// leading columns to by equality, as many columns as are pinned.
func indexEqPrefix(elems []keyElem, coll *catalog.Collection, conj []Expr) []Expr {
	var eq []Expr
	for _, k := range elems {
		var v Expr
		for _, c := range conj {
			if v = eqOnElem(c, coll, k); v != nil {
				break
			}
		}
		if v == nil {
			break
		}
		eq = append(eq, v)
	}
	return eq
}

// rangeBounds returns the first lower and upper bounds the terms of an AND
// put on a column (nil: none).
func rangeBounds(coll *catalog.Collection, k keyElem, conj []Expr) (lo, hi Expr, loIncl, hiIncl bool) {
	for _, c := range conj {
		if op, v := rangeOnElem(c, coll, k); v != nil {
			switch op {
			case ">", ">=":
				if lo == nil {
					lo, loIncl = v, op == ">="
				}
			case "<", "<=":
				if hi == nil {
					hi, hiIncl = v, op == "<="
				}
			}
		}
	}
	return lo, hi, loIncl, hiIncl
}

// orderConjuncts puts the terms of a scan's AND that cannot fail first,
// the most selective columns' first: a row the most selective term rejects
// is decoded and tested no further (a strict scan decodes a term's columns
// just before it). A term cannot fail when it only compares columns,
// constants and parameters (=, <>, <, <=, >, >=, IN, IS NULL, and AND, OR
// and NOT of such); they are grouped by the columns they read, each group
// estimated as a whole (a lower and upper bound on one column together),
// and the groups sorted by estimate, stably. Every other term follows in
// its written order, so it is evaluated on no more rows than before: a
// guard such as x <> 0 before 10 / x > 1 still guards.
func orderConjuncts(scan *Scan, pred Expr) Expr {
	if scan.Stats == nil || pred == nil {
		return pred
	}
	conj := conjuncts(pred, nil)
	if len(conj) < 2 {
		return pred
	}
	type group struct {
		cols  string
		terms []Expr
		sel   float64
	}
	var groups []*group
	var rest []Expr
	for _, c := range conj {
		if !cannotFail(c) {
			rest = append(rest, c)
			continue
		}
		cols, _ := RowColumns(c)
		key := fmt.Sprint(cols)
		var g *group
		for _, h := range groups {
			if h.cols == key {
				g = h
				break
			}
		}
		if g == nil {
			g = &group{cols: key}
			groups = append(groups, g)
		}
		g.terms = append(g.terms, c)
	}
	if len(groups) < 2 {
		return pred
	}
	for _, g := range groups {
		g.sel = selectivity(and(g.terms), scan)
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(a.sel, b.sel) })
	var out []Expr
	for _, g := range groups {
		out = append(out, g.terms...)
	}
	return and(append(out, rest...))
}

// cannotFail reports whether evaluating e can raise no error: comparisons
// of columns, constants and parameters, and boolean combinations of them.
func cannotFail(e Expr) bool {
	operand := func(x Expr) bool {
		switch x.(type) {
		case *ColRef, *Const, *Param:
			return true
		}
		return false
	}
	switch x := e.(type) {
	case *BinOp:
		switch x.Op {
		case "=", "<>", "!=", "<", "<=", ">", ">=":
			return operand(x.L) && operand(x.R)
		}
	case *InList:
		if !operand(x.X) {
			return false
		}
		for _, v := range x.List {
			if !operand(v) {
				return false
			}
		}
		return true
	case *IsNull:
		return operand(x.X)
	case *Not:
		return cannotFail(x.X)
	case *Logic:
		return cannotFail(x.L) && cannotFail(x.R)
	}
	return false
}

// pkPrefix returns how many leading key columns of coll the conjuncts pin
// by equality when that many make a key range (at least the columns its
// vShard is hashed from, fewer than all), else 0.
func pkPrefix(coll *catalog.Collection, conj []Expr) int {
	if coll.ShardCols == 0 {
		return 0
	}
	k := 0
	for k < len(coll.PK)-1 {
		pinned := false
		for _, c := range conj {
			if eqOn(c, coll, coll.PK[k]) != nil {
				pinned = true
				break
			}
		}
		if !pinned {
			break
		}
		k++
	}
	if k < coll.ShardCols {
		return 0
	}
	return k
}

// maxIndexRangeFraction is the largest share of a table an index range
// is read for: each entry costs a point read in key order, about eight
// times a row of a sequential scan (TPC-H's lineitem, SF 0.1: a one-year
// range of l_shipdate, 15% of the rows, took 731 ms through the index and
// about 600 ms scanning everything).
const maxIndexRangeFraction = 0.1

// rangeFraction estimates the share of a column's values between two
// constant bounds from ANALYZE's minimum and maximum, taking the values
// as spread evenly between them; ok is false without statistics or for
// a type without a numeric distance (text).
func rangeFraction(scan *Scan, col string, lo, hi Expr) (float64, bool) {
	lc, ok1 := lo.(*Const)
	hc, ok2 := hi.(*Const)
	i := scan.Coll.ColumnIndex(col)
	if !ok1 || !ok2 || i < 0 {
		return 0, false
	}
	cs, ok := scan.Stats.Column(col)
	if !ok || cs.Min == nil || cs.Max == nil {
		return 0, false
	}
	t := scan.Coll.Columns[i].Type
	mn, err1 := types.ParseText(*cs.Min, t)
	mx, err2 := types.ParseText(*cs.Max, t)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	a, okA := distanceOf(lc.V)
	b, okB := distanceOf(hc.V)
	c, okC := distanceOf(mn)
	d, okD := distanceOf(mx)
	if !okA || !okB || !okC || !okD || d <= c {
		return 0, false
	}
	f := (min(b, d) - max(a, c)) / (d - c)
	return min(max(f, 0), 1), true
}

// distanceOf places a value on a number line (dates and times by their
// instant), for rangeFraction.
func distanceOf(v types.Value) (float64, bool) {
	switch x := v.(type) {
	case time.Time:
		return float64(x.UnixNano()), true
	case string, bool: // no distance between them
		return 0, false
	}
	f, err := funcs.ToFloat(v)
	return f, err == nil
}

func conjuncts(e Expr, out []Expr) []Expr {
	if l, ok := e.(*Logic); ok && l.And {
		out = conjuncts(l.L, out)
		return conjuncts(l.R, out)
	}
	return append(out, e)
}

// isKeyRef reports whether e reads column/field name of coll directly.
func isKeyRef(e Expr, coll *catalog.Collection, name string) bool {
	switch x := e.(type) {
	case *ColRef:
		// Not character(n): its index keys hold the padded value, which a
		// comparison value without padding would not find (comparisons
		// ignore the padding).
		return coll.Tuple() && x.Idx < len(coll.Columns) && coll.Columns[x.Idx].Name == name &&
			coll.Columns[x.Idx].Type != types.Bpchar
	case *FieldRef:
		if coll.Tuple() {
			return false
		}
		if _, ok := x.X.(*ColRef); !ok {
			return false
		}
		return strings.Join(x.Path, ".") == name
	}
	return false
}

func allConstOrParam(list []Expr) bool {
	for _, e := range list {
		if !isConstOrParam(e) {
			return false
		}
	}
	return true
}

func isConstOrParam(e Expr) bool {
	switch x := e.(type) {
	case *Const:
		return x.V != nil
	case *Param:
		return true
	case *OuterRef:
		// An enclosing query's column (a correlated subquery, a lateral
		// entry): fixed while this scan runs, which it opens again for
		// each outer row, so key and index lookups may use it.
		return true
	case *Subquery:
		// An uncorrelated scalar subquery runs once per statement: its
		// value is fixed when the scan opens (PostgreSQL's InitPlan), so
		// WHERE id = (SELECT ...) is a key lookup.
		return x.Kind == SubScalar && !x.Correlated
	case *CastTo:
		return isConstOrParam(x.X)
	case *BinOp:
		// date '1994-01-01' + interval '1' year: evaluated once at open.
		return isConstOrParam(x.L) && isConstOrParam(x.R)
	case *Neg:
		return isConstOrParam(x.X)
	case *Call:
		if x.F.Volatile {
			return false
		}
		return allConstOrParam(x.Args)
	}
	return false
}

// eqOn returns v when c is `name = v` (either side) with v constant.
func eqOn(c Expr, coll *catalog.Collection, name string) Expr {
	return eqOnElem(c, coll, keyElem{name: name})
}

// eqOnElem is eqOn for a key element of an index.
func eqOnElem(c Expr, coll *catalog.Collection, k keyElem) Expr {
	bo, ok := c.(*BinOp)
	if !ok || bo.Op != "=" {
		return nil
	}
	if k.matches(bo.L, coll) && isConstOrParam(bo.R) {
		return bo.R
	}
	if k.matches(bo.R, coll) && isConstOrParam(bo.L) {
		return bo.L
	}
	return nil
}

// rangeOnElem returns the operator (normalized to "element op v") and v.
func rangeOnElem(c Expr, coll *catalog.Collection, k keyElem) (string, Expr) {
	bo, ok := c.(*BinOp)
	if !ok {
		return "", nil
	}
	switch bo.Op {
	case "<", "<=", ">", ">=":
	default:
		return "", nil
	}
	if k.matches(bo.L, coll) && isConstOrParam(bo.R) {
		return bo.Op, bo.R
	}
	if k.matches(bo.R, coll) && isConstOrParam(bo.L) {
		flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
		return flip[bo.Op], bo.L
	}
	return "", nil
}

// hasAgg reports whether an AST expression calls an aggregate (outside a
// window).
func hasAgg(e ast.Expr) bool {
	found := false
	walk(e, func(x ast.Expr) bool {
		if f, ok := x.(*ast.FuncCall); ok && f.Over == nil && funcs.IsAgg(strings.TrimPrefix(f.Name, "pg_catalog.")) {
			found = true
		}
		return !found
	})
	return found
}

// walk visits e and its sub-expressions (not subqueries) until fn says stop.
func walk(e ast.Expr, fn func(ast.Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *ast.Unary:
		walk(x.X, fn)
	case *ast.Binary:
		walk(x.L, fn)
		walk(x.R, fn)
	case *ast.IsNull:
		walk(x.X, fn)
	case *ast.IsBool:
		walk(x.X, fn)
	case *ast.Between:
		walk(x.X, fn)
		walk(x.Lo, fn)
		walk(x.Hi, fn)
	case *ast.InList:
		walk(x.X, fn)
		for _, l := range x.List {
			walk(l, fn)
		}
	case *ast.FuncCall:
		for _, a := range x.Args {
			walk(a, fn)
		}
	case *ast.Cast:
		walk(x.X, fn)
	case *ast.Case:
		walk(x.Operand, fn)
		for _, w := range x.Whens {
			walk(w.Cond, fn)
			walk(w.Result, fn)
		}
		walk(x.Else, fn)
	case *ast.ArrayLit:
		for _, l := range x.Elems {
			walk(l, fn)
		}
	case *ast.ObjectLit:
		for _, l := range x.Values {
			walk(l, fn)
		}
	case *ast.Subscript:
		walk(x.X, fn)
		walk(x.Index, fn)
	case *ast.FieldSelect:
		walk(x.X, fn)
	}
}

// Conjuncts splits a predicate into the terms of its top-level ANDs, in
// order (nil: none).
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	return conjuncts(e, nil)
}

// WalkExpr calls f for every node of e, children first (subquery plans
// are not entered).
func WalkExpr(e Expr, f func(Expr)) {
	mapExpr(e, func(x Expr) Expr { f(x); return x })
}

// RowColumns returns the columns of the input row that e reads, ascending,
// and whether they are all it reads of the row: false when e holds a
// subquery (a correlated one reads the row from inside its plan) or
// anything else it cannot see through.
func RowColumns(e Expr) ([]int, bool) {
	var cols []int
	ok := true
	mapExpr(e, func(x Expr) Expr {
		switch x := x.(type) {
		case *ColRef:
			if !slices.Contains(cols, x.Idx) {
				cols = append(cols, x.Idx)
			}
		case *Const, *FieldRef, *Param, *BinOp, *Logic, *Not, *Neg, *IsNull, *IsBool, *InList,
			*Call, *CastTo, *Coerce, *CaseWhen, *Object, *Array, *Subscript, *RecordField, *OuterRef:
		default:
			ok = false
		}
		return x
	})
	slices.Sort(cols)
	return cols, ok
}

// ShiftColumns rewrites e, an expression over a row of which columns
// [off, off+width) are another row, into one over that row: each ColRef's
// index less off. ok is false when e reads a column outside the range or
// anything RowColumns cannot see through.
func ShiftColumns(e Expr, off, width int) (Expr, bool) {
	cols, ok := RowColumns(e)
	if !ok {
		return nil, false
	}
	for _, c := range cols {
		if c < off || c >= off+width {
			return nil, false
		}
	}
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			n := *c
			n.Idx -= off
			return &n
		}
		return x
	}), true
}

// KeyScan plans a DML scan of coll's rows whose columns cols equal the
// parameters $1..$n, as WHERE c1 = $1 AND ... is planned: a key or index
// lookup when one serves, else a full scan. Foreign keys find parent and
// referencing rows with it; each parameter has its column's type.
func KeyScan(coll *catalog.Collection, cols []string) (*Scan, error) {
	var where ast.Expr
	for i, c := range cols {
		var eq ast.Expr = &ast.Binary{Op: "=", L: &ast.ColumnRef{Parts: []string{c}}, R: &ast.Param{N: i + 1}}
		if where != nil {
			eq = &ast.Binary{Op: "AND", L: where, R: eq}
		}
		where = eq
	}
	return (&Builder{}).buildScan(coll, newScope(coll, ""), where, false)
}
