package plan

import (
	"fmt"
	"math"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/types"
)

// StatsCatalog is implemented by catalogs that keep ANALYZE statistics.
type StatsCatalog interface {
	Stats(collID uint32) (*catalog.TableStats, bool)
}

// ColumnCopies reports which collections a full scan would read from a
// column copy in memory (sql/exec's column-cached scans).
type ColumnCopies interface {
	Cached(coll *catalog.Collection) bool
}

// cached reports whether full scans of coll read a column copy.
func (b *Builder) cached(coll *catalog.Collection) bool {
	return b.Columns != nil && b.Columns.Cached(coll)
}

// Row-count guesses where statistics say nothing (PostgreSQL's defaults
// where it has them).
const (
	// DefaultRows is the assumed size of a collection never analyzed.
	DefaultRows     = 1000
	defaultEqSel    = 0.005 // col = const
	defaultIneqSel  = 1.0 / 3
	defaultOtherSel = 0.5
	defaultDistinct = 200 // distinct values of a non-unique column
	defaultNodeRows = 1000
)

// stats returns a collection's statistics, nil when it was never analyzed
// (or the catalog keeps none).
func (b *Builder) stats(coll *catalog.Collection) *catalog.TableStats {
	if sc, ok := b.Cat.(StatsCatalog); ok {
		if s, ok := sc.Stats(coll.ID); ok {
			return s
		}
	}
	return nil
}

// Estimate is the planner's estimate of the rows a node produces: from
// ANALYZE statistics where the collection has them, else from
// DefaultRows and fixed selectivities.
func Estimate(n Node) float64 {
	r := estimate(n)
	if r < 1 {
		r = 1
	}
	return math.Round(r)
}

func estimate(n Node) float64 {
	switch x := n.(type) {
	case *Scan:
		return scanRows(x)
	case *Filter:
		return estimate(x.Input) * selectivity(x.Pred, x.Input)
	case *Project:
		return estimate(x.Input)
	case *Trim:
		return estimate(x.Input)
	case *ProjectSet:
		return 10 * estimate(x.Input) // a guess: results are not known before they run
	case *Sort:
		return estimate(x.Input)
	case *Window:
		return estimate(x.Input)
	case *Distinct:
		return estimate(x.Input)
	case *LockRows:
		return estimate(x.Input)
	case *Limit:
		in := estimate(x.Input)
		if v, ok := constInt(x.Limit); ok && float64(v) < in {
			return float64(v)
		}
		return in
	case *Aggregate:
		if len(x.GroupBy) == 0 {
			return 1
		}
		in := estimate(x.Input)
		g := 1.0
		for _, e := range x.GroupBy {
			g *= distinctOf(e, x.Input)
		}
		return math.Min(g, in)
	case *Values:
		return float64(len(x.Rows))
	case *Join:
		if x.est == 0 {
			// Cached: estimating a join reads its inputs' estimates
			// several times, which without it is exponential in depth.
			x.est = math.Max(joinRows(x), 1e-9)
		}
		return x.est
	case *Apply:
		// The right side's estimate is for one outer row.
		return estimate(x.Left) * math.Max(estimate(x.Right), 1)
	case *SetOp:
		l, r := estimate(x.Left), estimate(x.Right)
		switch x.Op {
		case "INTERSECT":
			return math.Min(l, r)
		case "EXCEPT":
			return l
		}
		return l + r
	case *CTEScan:
		return estimate(x.Def.Plan)
	case *WithWrites:
		return estimate(x.Input)
	case *RecursiveCTE:
		return estimate(x.Base) * 10
	case *FuncScan:
		if x.Name == "generate_series" && len(x.Args) >= 2 {
			lo, ok1 := estConstInt(x.Args[0])
			hi, ok2 := estConstInt(x.Args[1])
			step := int64(1)
			ok3 := true
			if len(x.Args) == 3 {
				step, ok3 = estConstInt(x.Args[2])
			}
			if ok1 && ok2 && ok3 && step != 0 {
				return math.Max(float64((hi-lo)/step+1), 0)
			}
		}
		return defaultNodeRows
	case *Insert:
		return estimate(x.Source)
	case *Update:
		return estimate(x.Scan)
	case *Delete:
		return estimate(x.Scan)
	}
	return defaultNodeRows
}

// estConstInt reads an integer constant through casts and minus.
func estConstInt(e Expr) (int64, bool) {
	switch x := e.(type) {
	case *Const:
		v, ok := x.V.(int64)
		return v, ok
	case *CastTo:
		return estConstInt(x.X)
	case *Neg:
		v, ok := estConstInt(x.X)
		return -v, ok
	}
	return 0, false
}

// tableRows is a collection's row count: analyzed, or DefaultRows.
func tableRows(s *Scan) float64 {
	if s.Stats != nil {
		return math.Max(float64(s.Stats.Rows), 1)
	}
	return DefaultRows
}

func scanRows(s *Scan) float64 {
	rows := tableRows(s)
	if s.Access == AccessPK {
		// Each lookup finds at most one row; the filter may drop it.
		rows = math.Min(rows, float64(len(s.PKKeys)))
		if s.Filter != nil && len(s.Coll.PK) > 0 {
			return rows
		}
	}
	if s.Filter == nil {
		return rows
	}
	return rows * selectivity(s.Filter, s)
}

// joinRows estimates a join's output: for equi-joins the classic
// |L|·|R| / max(distinct(l key), distinct(r key)) per key; other
// conditions keep a third of the pairs.
func joinRows(j *Join) float64 {
	l, r := estimate(j.Left), estimate(j.Right)
	rows := l * r
	if j.On != nil {
		split := len(j.Left.Columns())
		for _, c := range conjuncts(j.On, nil) {
			bo, ok := c.(*BinOp)
			if ok && bo.Op == "=" {
				ls, rs := side(bo.L, split), side(bo.R, split)
				if ls == 1 && rs == 2 {
					rows /= math.Max(math.Max(distinctOf(bo.L, j.Left), distinctOf(shift(bo.R, -split), j.Right)), 1)
					continue
				}
				if ls == 2 && rs == 1 {
					rows /= math.Max(math.Max(distinctOf(bo.R, j.Left), distinctOf(shift(bo.L, -split), j.Right)), 1)
					continue
				}
			}
			rows *= defaultIneqSel
		}
	}
	switch j.Kind {
	case "LEFT":
		rows = math.Max(rows, l)
	case "RIGHT":
		rows = math.Max(rows, r)
	case "FULL":
		rows = math.Max(rows, l+r)
	}
	return rows
}

// colInfo finds the collection column an expression over n's row reads
// directly, tracing through filters, projections and joins to a scan.
func colInfo(e Expr, n Node) (*Scan, string, bool) {
	switch x := e.(type) {
	case *ColRef:
		return colAt(x.Idx, n)
	case *FieldRef:
		if cr, ok := x.X.(*ColRef); ok {
			s, name, ok := colAt(cr.Idx, n)
			if ok && !s.Coll.Tuple() && name == "_doc" {
				return s, strings.Join(x.Path, "."), true
			}
		}
	case *Coerce:
		return colInfo(x.X, n)
	}
	return nil, "", false
}

func colAt(idx int, n Node) (*Scan, string, bool) {
	switch x := n.(type) {
	case *Scan:
		if idx >= 0 && idx < len(x.Cols) {
			return x, x.Cols[idx].Name, true
		}
	case *Filter:
		return colAt(idx, x.Input)
	case *Sort:
		return colAt(idx, x.Input)
	case *Limit:
		return colAt(idx, x.Input)
	case *LockRows:
		return colAt(idx, x.Input)
	case *Distinct:
		return colAt(idx, x.Input)
	case *Project:
		if idx >= 0 && idx < len(x.Exprs) {
			return colInfo(x.Exprs[idx], x.Input)
		}
	case *ProjectSet:
		if idx < len(x.Input.Columns()) {
			return colAt(idx, x.Input)
		}
	case *Join:
		split := len(x.Left.Columns())
		if idx < split {
			return colAt(idx, x.Left)
		}
		return colAt(idx-split, x.Right)
	}
	return nil, "", false
}

// distinctOf estimates the distinct values of an expression over n's
// rows: the column's analyzed distinct count, or for a single-column
// primary key or unique index the table's rows, else a default; never
// more than n's rows.
func distinctOf(e Expr, n Node) float64 {
	rows := estimate(n)
	d := math.Min(defaultDistinct, rows)
	if s, name, ok := colInfo(e, n); ok {
		if cs, ok := s.Stats.Column(name); ok && cs.Distinct > 0 {
			d = cs.Distinct
		} else if uniqueColumn(s.Coll, name) {
			d = tableRows(s)
		} else if s.Stats != nil {
			d = math.Min(defaultDistinct, tableRows(s))
		}
	}
	return math.Max(math.Min(d, rows), 1)
}

// uniqueColumn reports whether a column alone is the primary key or a
// unique index.
func uniqueColumn(coll *catalog.Collection, name string) bool {
	if len(coll.PK) == 1 && coll.PK[0] == name {
		return true
	}
	for _, ix := range coll.Indexes {
		if ix.Unique && ix.Plain() && len(ix.Columns) == 1 && ix.Columns[0] == name {
			return true
		}
	}
	return false
}

// selectivity estimates the fraction of n's rows a predicate over n's row
// keeps.
func selectivity(p Expr, n Node) float64 {
	switch x := p.(type) {
	case nil:
		return 1
	case *Logic:
		if x.And {
			return andSelectivity(x, n)
		}
		l, r := selectivity(x.L, n), selectivity(x.R, n)
		return l + r - l*r
	case *Not:
		return 1 - selectivity(x.X, n)
	case *Const:
		if b, ok := x.V.(bool); ok {
			if b {
				return 1
			}
			return 0
		}
	case *IsNull:
		nf := 0.005
		if s, name, ok := colInfo(x.X, n); ok {
			if cs, ok := s.Stats.Column(name); ok {
				nf = cs.NullFrac
			}
		}
		if x.Not {
			return 1 - nf
		}
		return nf
	case *InList:
		sel := math.Min(float64(len(x.List))*eqSel(x.X, n), 1)
		if x.Not {
			return 1 - sel
		}
		return sel
	case *BinOp:
		switch x.Op {
		case "=":
			if isConstOrParam(x.R) {
				return eqValSel(x.L, x.R, n)
			}
			if isConstOrParam(x.L) {
				return eqValSel(x.R, x.L, n)
			}
			return defaultEqSel
		case "<>", "!=":
			if isConstOrParam(x.R) {
				return 1 - eqValSel(x.L, x.R, n)
			}
			if isConstOrParam(x.L) {
				return 1 - eqValSel(x.R, x.L, n)
			}
			return 1 - defaultEqSel
		case "<", "<=", ">", ">=":
			if sel, _, _, ok := ineqSel(x, n); ok {
				return sel
			}
			return defaultIneqSel
		}
	}
	return defaultOtherSel
}

// andSelectivity is the selectivity of an AND: its terms' product, except
// that a lower and an upper bound on one column are taken together as the
// share of the column's values between them (as PostgreSQL does: the two
// bounds' selectivities summed, less one), not as independent filters.
func andSelectivity(x *Logic, n Node) float64 {
	type bounds struct{ lo, hi float64 }
	var ranges map[string]*bounds
	sel := 1.0
	for _, c := range conjuncts(x, nil) {
		if bo, ok := c.(*BinOp); ok {
			if s, col, upper, ok := ineqSel(bo, n); ok {
				if ranges == nil {
					ranges = map[string]*bounds{}
				}
				b := ranges[col]
				if b == nil {
					b = &bounds{lo: -1, hi: -1}
					ranges[col] = b
				}
				if upper && (b.hi < 0 || s < b.hi) {
					b.hi = s
				} else if !upper && (b.lo < 0 || s < b.lo) {
					b.lo = s
				}
				continue
			}
		}
		sel *= selectivity(c, n)
	}
	for _, b := range ranges {
		switch {
		case b.lo >= 0 && b.hi >= 0:
			sel *= max(b.lo+b.hi-1, 0.0001)
		case b.lo >= 0:
			sel *= b.lo
		default:
			sel *= b.hi
		}
	}
	return sel
}

// ineqSel estimates a comparison of a column with a constant from the
// column's smallest and largest values (ANALYZE's), taking the values as
// spread evenly between them: the share of the non-NULL rows below (an
// upper bound) or above it. col names the column; ok is false without
// statistics or for a type without a numeric distance.
func ineqSel(x *BinOp, n Node) (sel float64, col string, upper bool, ok bool) {
	e, v, op := x.L, x.R, x.Op
	switch op {
	case "<", "<=", ">", ">=":
	default:
		return 0, "", false, false
	}
	if _, isConst := e.(*Const); isConst {
		e, v = v, e
		switch op {
		case "<":
			op = ">"
		case "<=":
			op = ">="
		case ">":
			op = "<"
		case ">=":
			op = "<="
		}
	}
	c, isConst := v.(*Const)
	if !isConst || c.V == nil {
		return 0, "", false, false
	}
	s, name, found := colInfo(e, n)
	if !found || !s.Coll.Tuple() {
		return 0, "", false, false
	}
	cs, found := s.Stats.Column(name)
	i := s.Coll.ColumnIndex(name)
	if !found || cs.Min == nil || cs.Max == nil || i < 0 {
		return 0, "", false, false
	}
	t := s.Coll.Columns[i].Type
	mn, err1 := types.ParseText(*cs.Min, t)
	mx, err2 := types.ParseText(*cs.Max, t)
	if err1 != nil || err2 != nil {
		return 0, "", false, false
	}
	a, okA := distanceOf(mn)
	b, okB := distanceOf(mx)
	p, okP := distanceOf(c.V)
	if !okA || !okB || !okP || b <= a {
		return 0, "", false, false
	}
	frac := min(max((p-a)/(b-a), 0), 1)
	upper = op == "<" || op == "<="
	if !upper {
		frac = 1 - frac
	}
	return frac * (1 - cs.NullFrac), fmt.Sprintf("%p.%s", s, name), upper, true
}

// eqValSel is the fraction of rows where e equals v: a most common
// value's own frequency, else the rows outside the most common values
// spread evenly over the other distinct values.
func eqValSel(e, v Expr, n Node) float64 {
	c, ok := v.(*Const)
	if !ok || c.V == nil {
		return eqSel(e, n)
	}
	s, name, ok := colInfo(e, n)
	if !ok {
		return defaultEqSel
	}
	cs, ok := s.Stats.Column(name)
	if !ok || len(cs.MCV) == 0 {
		return eqSel(e, n)
	}
	text := types.FormatText(c.V)
	// character(n) values are stored (and counted) padded, and compare
	// without the padding.
	bpchar := e.Type() == types.Bpchar
	if bpchar {
		text = strings.TrimRight(text, " ")
	}
	rest := 1 - cs.NullFrac
	for _, m := range cs.MCV {
		if m.Value == text || bpchar && strings.TrimRight(m.Value, " ") == text {
			return m.Freq
		}
		rest -= m.Freq
	}
	others := cs.Distinct - float64(len(cs.MCV))
	if others < 1 || rest <= 0 {
		return 0
	}
	return rest / others
}

// eqSel is the fraction of rows where e equals one given value.
func eqSel(e Expr, n Node) float64 {
	if s, name, ok := colInfo(e, n); ok {
		if cs, ok := s.Stats.Column(name); ok {
			if cs.Distinct <= 0 {
				return 0 // only NULLs
			}
			return (1 - cs.NullFrac) / cs.Distinct
		}
		if uniqueColumn(s.Coll, name) {
			return 1 / tableRows(s)
		}
	}
	return defaultEqSel
}
