package plan

import (
	"reflect"
	"strconv"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// BuildSelect plans a query.
func (b *Builder) BuildSelect(sel *ast.Select) (Node, error) {
	if sel.With != nil {
		return nil, errAt(errs.FeatureNotSupported, sel.Pos, "WITH queries are not supported yet")
	}
	var core *ast.SelectCore
	switch body := sel.Body.(type) {
	case *ast.SelectCore:
		core = body
	case *ast.ValuesClause:
		return b.buildValuesQuery(sel, body)
	default:
		return nil, errAt(errs.FeatureNotSupported, sel.Pos, "set operations are not supported yet")
	}
	var input Node
	sc := &scope{}
	switch len(core.From) {
	case 0:
		input = &Values{Rows: [][]Expr{{}}}
	case 1:
		tn, ok := core.From[0].(*ast.TableName)
		if !ok {
			return nil, errAt(errs.FeatureNotSupported, sel.Pos, "joins, subqueries and table functions in FROM are not supported yet")
		}
		coll, err := b.Cat.MustGet(tn.Name)
		if err != nil {
			return nil, withPos(err, tn.Pos)
		}
		sc = newScope(coll, tn.Alias)
		scan, err := b.buildScan(coll, sc, core.Where)
		if err != nil {
			return nil, err
		}
		input = scan
	default:
		return nil, errAt(errs.FeatureNotSupported, sel.Pos, "joins are not supported yet")
	}
	if len(core.From) == 0 && core.Where != nil {
		bd := &binder{b: b, sc: sc, noAgg: "WHERE"}
		pred, err := bd.bind(core.Where, types.Bool)
		if err != nil {
			return nil, err
		}
		input = &Filter{Input: input, Pred: pred}
	}

	items, err := b.expandItems(core.Items, sc)
	if err != nil {
		return nil, err
	}
	hasAgg := len(core.GroupBy) > 0 || core.Having != nil || itemsHaveAgg(items) || orderHasAgg(sel.OrderBy)
	bd := &binder{b: b, sc: sc}
	var agg *Aggregate
	if hasAgg {
		agg = &Aggregate{Input: input}
		ac := &aggCtx{in: sc}
		plain := &binder{b: b, sc: sc, noAgg: "GROUP BY"}
		for _, g := range core.GroupBy {
			g = resolveGroupRef(g, items)
			ge, err := plain.bind(g, types.Unknown)
			if err != nil {
				return nil, err
			}
			ac.groupBy = append(ac.groupBy, ge)
		}
		bd = &binder{b: b, sc: sc, agg: ac}
		agg.GroupBy = ac.groupBy
	}

	var exprs []Expr
	var cols []Column
	for _, it := range items {
		e, err := bd.bind(it.Expr, types.Unknown)
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
		name := it.Alias
		if name == "" {
			name = exprName(it.Expr)
		}
		cols = append(cols, colFor(name, e, sc))
	}
	var having Expr
	if core.Having != nil {
		if having, err = bd.bind(core.Having, types.Bool); err != nil {
			return nil, err
		}
	}
	nvis := len(exprs)
	var keys []SortKey
	for _, o := range sel.OrderBy {
		idx := -1
		if lit, ok := o.Expr.(*ast.Literal); ok && lit.Kind == "int" {
			n, _ := lit.Value.(int64)
			if n < 1 || int(n) > nvis {
				return nil, errAt(errs.InvalidColumnReference, lit.Pos, "ORDER BY position %d is not in select list", n)
			}
			idx = int(n - 1)
		} else if cr, ok := o.Expr.(*ast.ColumnRef); ok && len(cr.Parts) == 1 {
			for i := 0; i < nvis; i++ {
				if cols[i].Name == cr.Parts[0] && items[i].Alias != "" {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			e, err := bd.bind(o.Expr, types.Unknown)
			if err != nil {
				return nil, err
			}
			for i := 0; i < len(exprs); i++ {
				if reflect.DeepEqual(exprs[i], e) {
					idx = i
					break
				}
			}
			if idx < 0 {
				if core.Distinct {
					return nil, errAt(errs.InvalidColumnReference, o.Pos, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
				exprs = append(exprs, e)
				cols = append(cols, Column{Name: "?sort?", T: e.Type()})
				idx = len(exprs) - 1
			}
		}
		nf := o.Desc
		if o.NullsFirst != nil {
			nf = *o.NullsFirst
		}
		keys = append(keys, SortKey{X: &ColRef{Idx: idx, T: exprs[idx].Type()}, Desc: o.Desc, NullsFirst: nf})
	}

	var node Node = input
	if agg != nil {
		agg.Aggs = bd.agg.aggs
		for _, g := range agg.GroupBy {
			agg.Cols = append(agg.Cols, Column{Name: "?group?", T: g.Type()})
		}
		for _, a := range agg.Aggs {
			agg.Cols = append(agg.Cols, Column{Name: a.Agg.Name, T: a.T})
		}
		node = agg
		if having != nil {
			node = &Filter{Input: node, Pred: having}
		}
	}
	node = &Project{Input: node, Exprs: exprs, Cols: cols}
	if core.Distinct {
		node = &Distinct{Input: node}
	}
	if len(keys) > 0 {
		node = &Sort{Input: node, Keys: keys}
	}
	if sel.Limit != nil || sel.Offset != nil {
		lim := &Limit{Input: node}
		pb := &binder{b: b, noAgg: "LIMIT"}
		if sel.Limit != nil {
			if lim.Limit, err = pb.bind(sel.Limit, types.Int8); err != nil {
				return nil, err
			}
		}
		if sel.Offset != nil {
			if lim.Offset, err = pb.bind(sel.Offset, types.Int8); err != nil {
				return nil, err
			}
		}
		node = lim
	}
	if len(exprs) > nvis {
		node = &Trim{Input: node, N: nvis}
	}
	return node, nil
}

func (b *Builder) buildValuesQuery(sel *ast.Select, v *ast.ValuesClause) (Node, error) {
	bd := &binder{b: b, noAgg: "VALUES"}
	out := &Values{}
	for ri, row := range v.Rows {
		var r []Expr
		for ci, e := range row {
			be, err := bd.bind(e, types.Unknown)
			if err != nil {
				return nil, err
			}
			r = append(r, be)
			if ri == 0 {
				out.Cols = append(out.Cols, Column{Name: "column" + itoa(ci+1), T: be.Type()})
			}
		}
		if ri > 0 && len(r) != len(out.Cols) {
			return nil, errAt(errs.SyntaxError, v.Pos, "VALUES lists must all be the same length")
		}
		out.Rows = append(out.Rows, r)
	}
	var node Node = out
	if len(sel.OrderBy) > 0 || sel.Limit != nil || sel.Offset != nil {
		return nil, errAt(errs.FeatureNotSupported, sel.Pos, "ORDER BY/LIMIT on VALUES is not supported yet")
	}
	return node, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

func newScope(coll *catalog.Collection, alias string) *scope {
	sc := &scope{coll: coll, alias: alias}
	sc.cols = scanColumns(coll)
	return sc
}

// scanColumns is the row layout a Scan of coll produces.
func scanColumns(coll *catalog.Collection) []Column {
	if coll.Kind != catalog.Strict {
		return []Column{{Name: "_doc", T: types.Doc}}
	}
	cols := make([]Column, len(coll.Columns))
	for i, c := range coll.Columns {
		cols[i] = Column{Name: c.Name, T: c.Type, TypeMod: int32(c.TypeMod), TableOID: coll.ID, AttrNum: int16(i + 1)}
	}
	return cols
}

func colFor(name string, e Expr, sc *scope) Column {
	c := Column{Name: name, T: e.Type(), TypeMod: -1}
	if cr, ok := e.(*ColRef); ok && sc != nil && sc.coll != nil && sc.coll.Kind == catalog.Strict && cr.Idx < len(sc.coll.Columns) && cr.Name == sc.coll.Columns[cr.Idx].Name {
		c.TableOID = sc.coll.ID
		c.AttrNum = int16(cr.Idx + 1)
		c.TypeMod = int32(sc.coll.Columns[cr.Idx].TypeMod)
	}
	return c
}

// expandItems expands * and t.* into column references.
func (b *Builder) expandItems(items []ast.SelectItem, sc *scope) ([]ast.SelectItem, error) {
	var out []ast.SelectItem
	for _, it := range items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		if sc.coll == nil {
			return nil, errAt(errs.SyntaxError, it.Pos, "SELECT * with no tables specified is not valid")
		}
		if it.StarTable != "" && it.StarTable != sc.alias && it.StarTable != sc.coll.Name {
			return nil, errAt(errs.UndefinedTable, it.Pos, "missing FROM-clause entry for table %q", it.StarTable)
		}
		for _, name := range StarNames(sc.coll) {
			out = append(out, ast.SelectItem{Pos: it.Pos, Expr: &ast.ColumnRef{Pos: it.Pos, Parts: []string{name}}})
		}
	}
	return out, nil
}

// StarNames lists the columns SELECT * shows: declared columns (without a
// hidden row id) for strict collections; id and the observed fields, in
// first-seen order, for schemaless ones.
func StarNames(coll *catalog.Collection) []string {
	var names []string
	if coll.Kind == catalog.Strict {
		for _, c := range coll.Columns {
			if !c.Hidden {
				names = append(names, c.Name)
			}
		}
		return names
	}
	names = append(names, "id")
	for _, f := range coll.Fields.List() {
		if f.Name != "id" {
			names = append(names, f.Name)
		}
	}
	return names
}

func resolveGroupRef(g ast.Expr, items []ast.SelectItem) ast.Expr {
	if lit, ok := g.(*ast.Literal); ok && lit.Kind == "int" {
		if n, ok := lit.Value.(int64); ok && n >= 1 && int(n) <= len(items) {
			return items[n-1].Expr
		}
	}
	if cr, ok := g.(*ast.ColumnRef); ok && len(cr.Parts) == 1 {
		for _, it := range items {
			if it.Alias == cr.Parts[0] {
				return it.Expr
			}
		}
	}
	return g
}

func itemsHaveAgg(items []ast.SelectItem) bool {
	for _, it := range items {
		if hasAgg(it.Expr) {
			return true
		}
	}
	return false
}

func orderHasAgg(items []ast.OrderItem) bool {
	for _, it := range items {
		if hasAgg(it.Expr) {
			return true
		}
	}
	return false
}
