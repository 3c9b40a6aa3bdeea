package plan

import (
	"reflect"
	"strconv"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// BuildSelect plans a query.
func (b *Builder) BuildSelect(sel *ast.Select) (Node, error) { return b.buildSelect(sel, nil) }

// buildSelect plans a query whose names may also resolve in outer (for
// subqueries).
func (b *Builder) buildSelect(sel *ast.Select, outer *scope) (Node, error) {
	if sel.With == nil {
		return b.buildSelectBody(sel, outer)
	}
	pop, writes, err := b.statementWith(sel.With, outer)
	if err != nil {
		return nil, err
	}
	defer pop()
	n, err := b.buildSelectBody(sel, outer)
	if err != nil || len(writes) == 0 {
		return n, err
	}
	return &WithWrites{Writes: writes, Input: n}, nil
}

// buildSelectBody plans a query once its WITH list is in scope.
func (b *Builder) buildSelectBody(sel *ast.Select, outer *scope) (Node, error) {
	if core, ok := sel.Body.(*ast.SelectCore); ok {
		return b.buildCore(sel, core, outer)
	}
	if len(sel.Locking) > 0 {
		l := sel.Locking[0]
		if _, values := sel.Body.(*ast.ValuesClause); values {
			return nil, errAt(errs.FeatureNotSupported, l.Pos, "FOR %s cannot be applied to VALUES", l.Strength)
		}
		return nil, errAt(errs.FeatureNotSupported, l.Pos, "FOR %s is not allowed with UNION/INTERSECT/EXCEPT", l.Strength)
	}
	node, err := b.buildBody(sel.Body, outer)
	if err != nil {
		return nil, err
	}
	return b.finishOverOutput(node, sel, outer)
}

// buildBody plans a select body without its own ORDER BY/LIMIT.
func (b *Builder) buildBody(body ast.SelectBody, outer *scope) (Node, error) {
	switch x := body.(type) {
	case *ast.SelectCore:
		return b.buildCore(&ast.Select{Body: x}, x, outer)
	case *ast.ValuesClause:
		return b.buildValues(x)
	case *ast.SetOp:
		l, err := b.buildBody(x.Left, outer)
		if err != nil {
			return nil, err
		}
		r, err := b.buildBody(x.Right, outer)
		if err != nil {
			return nil, err
		}
		lc, rc := l.Columns(), r.Columns()
		if len(lc) != len(rc) {
			return nil, errAt(errs.SyntaxError, x.Pos, "each %s query must have the same number of columns", x.Op)
		}
		cols := make([]Column, len(lc))
		for i := range lc {
			t, err := funcs.CommonType([]types.T{lc[i].T, rc[i].T})
			if err != nil {
				return nil, withPos(err, x.Pos)
			}
			cols[i] = Column{Name: lc[i].Name, T: t, TypeMod: -1}
			if lc[i].TypeMod == rc[i].TypeMod && t == lc[i].T {
				cols[i].TypeMod = lc[i].TypeMod // an enum stays one
			}
		}
		return &SetOp{Op: x.Op, All: x.All, Left: l, Right: r, Cols: cols}, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "unsupported query body %T", body)
}

// finishOverOutput applies ORDER BY (output names and positions) and
// LIMIT/OFFSET over a node's output columns.
func (b *Builder) finishOverOutput(node Node, sel *ast.Select, outer *scope) (Node, error) {
	cols := node.Columns()
	if len(sel.OrderBy) > 0 {
		sc := &scope{outer: outer}
		sc.add(&rel{name: "", cols: cols})
		bd := &binder{b: b, sc: sc, noAgg: "ORDER BY"}
		var keys []SortKey
		for _, o := range sel.OrderBy {
			var x Expr
			if lit, ok := o.Expr.(*ast.Literal); ok && lit.Kind == "int" {
				n, _ := lit.Value.(int64)
				if n < 1 || int(n) > len(cols) {
					return nil, errAt(errs.InvalidColumnReference, lit.Pos, "ORDER BY position %d is not in select list", n)
				}
				x = &ColRef{Idx: int(n - 1), T: cols[n-1].T}
			} else {
				e, err := bd.bind(o.Expr, types.Unknown)
				if err != nil {
					return nil, err
				}
				x = e
			}
			nf := o.Desc
			if o.NullsFirst != nil {
				nf = *o.NullsFirst
			}
			x, err := bd.enumSortKey(x)
			if err != nil {
				return nil, err
			}
			keys = append(keys, SortKey{X: x, Desc: o.Desc, NullsFirst: nf})
		}
		node = &Sort{Input: node, Keys: keys}
	}
	return b.applyLimit(node, sel)
}

func (b *Builder) applyLimit(node Node, sel *ast.Select) (Node, error) {
	if sel.Limit == nil && sel.Offset == nil {
		return node, nil
	}
	if limitCutsGroupRead(node) {
		return nil, errs.New(errs.FeatureNotSupported,
			"LIMIT and OFFSET cannot apply over ORDER BY, grouping, window functions, joins or set operations on a consumer group read: events the query reads but does not return would count as delivered").
			WithHint("Read in LSN order without them (LIMIT then counts events), or leave out the LIMIT (a read returns at most 10,000 events).")
	}
	lim := &Limit{Input: node}
	pb := &binder{b: b, sc: &scope{}, noAgg: "LIMIT"}
	var err error
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
	return lim, nil
}

// limitCutsGroupRead reports whether a consumer group read lies under a
// node that reads all of its input before returning rows (a sort, an
// aggregate, a window, a join, a set operation, a CTE): a LIMIT or OFFSET
// above it would drop rows of events the read counts as delivered. Over
// filters and projections alone the read counts only the events the
// query pulled (exec's stream iterator), so LIMIT is exact there.
func limitCutsGroupRead(n Node) bool {
	var under func(n Node, blocked bool) bool
	under = func(n Node, blocked bool) bool {
		switch x := n.(type) {
		case *StreamScan:
			return blocked && x.Group != nil
		case *Filter, *Project, *ProjectSet, *Trim, *Distinct, *Limit, *LockRows:
		default:
			blocked = true
		}
		for _, c := range children(n) {
			if under(c, blocked) {
				return true
			}
		}
		return false
	}
	return under(n, false)
}

// splitLSNFloor takes a top-level `lsn > x` conjunct (x a constant or a
// parameter) out of a stream read's WHERE: the read skips those events
// itself, so it stays a direct read of up to LIMIT events after them. It
// returns the rest of the WHERE and x (nil when there is none).
func splitLSNFloor(where ast.Expr, src *ast.StreamSource) (ast.Expr, ast.Expr) {
	if src.Topic {
		return where, nil
	}
	isLSN := func(e ast.Expr) bool {
		c, ok := e.(*ast.ColumnRef)
		if !ok {
			return false
		}
		switch len(c.Parts) {
		case 1:
			return c.Parts[0] == "lsn"
		case 2:
			alias := src.Alias
			if alias == "" {
				alias = src.Name
			}
			return c.Parts[0] == alias && c.Parts[1] == "lsn"
		}
		return false
	}
	isValue := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.Param:
			return true
		case *ast.Literal:
			return x.Kind == "int"
		}
		return false
	}
	bin, ok := where.(*ast.Binary)
	if !ok {
		return where, nil
	}
	switch {
	case bin.Op == ">" && isLSN(bin.L) && isValue(bin.R):
		return nil, bin.R
	case bin.Op == "<" && isLSN(bin.R) && isValue(bin.L):
		return nil, bin.L
	case bin.Op == "AND":
		if rest, after := splitLSNFloor(bin.L, src); after != nil {
			if rest == nil {
				return bin.R, after
			}
			return &ast.Binary{Pos: bin.Pos, Op: bin.Op, L: rest, R: bin.R}, after
		}
		if rest, after := splitLSNFloor(bin.R, src); after != nil {
			if rest == nil {
				return bin.L, after
			}
			return &ast.Binary{Pos: bin.Pos, Op: bin.Op, L: bin.L, R: rest}, after
		}
	}
	return where, nil
}

// buildCore plans SELECT ... FROM ... with the query's ORDER BY and LIMIT.
func (b *Builder) buildCore(sel *ast.Select, core *ast.SelectCore, outer *scope) (Node, error) {
	if core.Into != "" {
		// A statement's own SELECT ... INTO is CREATE TABLE AS (parser).
		return nil, errAt(errs.SyntaxError, core.Pos, "SELECT ... INTO is not allowed here")
	}
	where, after := core.Where, ast.Expr(nil)
	if len(core.From) == 1 {
		if src, ok := core.From[0].(*ast.StreamSource); ok {
			where, after = splitLSNFloor(where, src)
		}
	}
	input, sc, err := b.buildFrom(core.From, where, outer)
	if err != nil {
		return nil, err
	}
	if ss := streamScanOf(input); ss != nil && after != nil {
		bd := &binder{b: b, sc: &scope{}, noAgg: "WHERE"}
		if ss.After, err = bd.bind(after, types.Int8); err != nil {
			return nil, err
		}
	}
	if ss := streamScanOf(input); ss != nil {
		direct := input == Node(ss) && len(core.GroupBy) == 0 && core.Having == nil && !core.Distinct &&
			len(sel.OrderBy) == 0 && sel.Offset == nil && !itemsHaveAgg(core.Items)
		if direct {
			// The query returns events as read: the read itself takes
			// the LIMIT (default 100, at most 10,000).
			ss.Limit, ss.Unfiltered = nil, true
			if sel.Limit != nil {
				bd := &binder{b: b, sc: &scope{}, noAgg: "LIMIT"}
				if ss.Limit, err = bd.bind(sel.Limit, types.Int8); err != nil {
					return nil, err
				}
			}
		} else {
			// Filtering or reshaping: read a full window, then apply the
			// query (LIMIT still applies on top).
			ss.Limit = &Const{V: int64(MaxStreamRead), T: types.Int8}
		}
	}
	items, err := b.expandItems(core.Items, sc)
	if err != nil {
		return nil, err
	}
	hasAgg := len(core.GroupBy) > 0 || core.Having != nil || itemsHaveAgg(items) || orderHasAgg(sel.OrderBy) ||
		windowsHaveAgg(core, sel.OrderBy)
	bd := &binder{b: b, sc: sc}
	var agg *Aggregate
	if hasAgg {
		agg = &Aggregate{Input: input}
		// Set-returning functions in GROUP BY run in a ProjectSet under
		// the aggregate, as in PostgreSQL.
		ac := &aggCtx{in: sc, srf: &srfCtx{}}
		plain := &binder{b: b, sc: sc, noAgg: "GROUP BY", srf: ac.srf}
		for _, g := range core.GroupBy {
			g = resolveGroupRef(g, items, sc)
			ge, err := plain.bind(g, types.Unknown)
			if err != nil {
				return nil, err
			}
			ac.groupBy = append(ac.groupBy, ge)
		}
		bd = &binder{b: b, sc: sc, agg: ac}
		agg.Input, agg.GroupBy = ac.srf.attach(input, ac.groupBy)
	}
	if bd.win, err = newWinCtx(core.Windows); err != nil {
		return nil, err
	}
	// Set-returning functions in the select list (and ORDER BY) run in a
	// ProjectSet between the input (or the aggregate) and the projection.
	bd.srf = &srfCtx{}

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
		c := colFor(name, e, sc)
		if c.T == types.Enum && c.TypeMod <= 0 {
			if et := bd.enumOf(e); et != nil {
				c.TypeMod = int32(et.OID()) // a group key's, over an aggregate
			}
		}
		cols = append(cols, c)
	}
	var having Expr
	if core.Having != nil {
		srf := bd.srf
		bd.srf = nil
		bd.win.forbid = "HAVING"
		if having, err = bd.bind(core.Having, types.Bool); err != nil {
			return nil, err
		}
		bd.win.forbid = ""
		bd.srf = srf
	}
	nvis := len(exprs)
	// outputIdx resolves an ORDER BY or DISTINCT ON expression to a
	// column of the projection: a select-list position, an output name,
	// an expression equal to a select-list entry, or else a hidden column
	// appended for it (trimmed at the end).
	outputIdx := func(x ast.Expr, what string) (int, error) {
		if lit, ok := x.(*ast.Literal); ok && lit.Kind == "int" {
			n, _ := lit.Value.(int64)
			if n < 1 || int(n) > nvis {
				return 0, errAt(errs.InvalidColumnReference, lit.Pos, "%s position %d is not in select list", what, n)
			}
			return int(n - 1), nil
		}
		if cr, ok := x.(*ast.ColumnRef); ok && len(cr.Parts) == 1 && !cr.WholeRow {
			// A bare name is an output column's first (PostgreSQL's
			// SQL92 rule); two of that name must be one expression.
			found := -1
			for i := 0; i < nvis; i++ {
				if cols[i].Name != cr.Parts[0] {
					continue
				}
				if found >= 0 && !reflect.DeepEqual(exprs[found], exprs[i]) {
					return 0, errAt(errs.AmbiguousColumn, cr.Pos, "%s %q is ambiguous", what, cr.Parts[0])
				}
				if found < 0 {
					found = i
				}
			}
			if found >= 0 {
				return found, nil
			}
		}
		e, err := bd.bind(x, types.Unknown)
		if err != nil {
			return 0, err
		}
		for i := 0; i < len(exprs); i++ {
			if reflect.DeepEqual(exprs[i], e) {
				return i, nil
			}
		}
		if core.Distinct {
			return 0, errAt(errs.InvalidColumnReference, x.Position(), "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
		}
		exprs = append(exprs, e)
		cols = append(cols, Column{Name: "?sort?", T: e.Type()})
		return len(exprs) - 1, nil
	}
	var keys []SortKey
	for _, o := range sel.OrderBy {
		idx, err := outputIdx(o.Expr, "ORDER BY")
		if err != nil {
			return nil, err
		}
		nf := o.Desc
		if o.NullsFirst != nil {
			nf = *o.NullsFirst
		}
		var key Expr = &ColRef{Idx: idx, T: exprs[idx].Type()}
		if key.Type() == types.Enum {
			et := bd.enumOf(exprs[idx])
			if et == nil {
				if _, err := bd.enumSortKey(exprs[idx]); err != nil {
					return nil, err
				}
			}
			key = enumPosition(key, et)
		}
		keys = append(keys, SortKey{X: key, Desc: o.Desc, NullsFirst: nf})
	}
	var distinctOn []int
	if len(core.DistinctOn) > 0 {
		if distinctOn, keys, err = distinctOnKeys(core.DistinctOn, keys, func(x ast.Expr) (int, error) {
			return outputIdx(x, "DISTINCT ON")
		}, func(i int) types.T { return exprs[i].Type() }); err != nil {
			return nil, err
		}
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
	// Window functions run below the set-returning ones (over the input's
	// rows, not the expanded ones), as in PostgreSQL; the set-returning
	// functions' arguments may read them.
	args := bd.srf.args()
	node, exprs = bd.win.attach(node, append(exprs, args...))
	bd.srf.setArgs(exprs[len(exprs)-len(args):])
	exprs = exprs[:len(exprs)-len(args)]
	var lock *LockRows
	if len(sel.Locking) > 0 {
		// The locked rows' keys ride along as hidden columns.
		lr, keys, err := lockRows(sel, core, sc, hasAgg, bd.win != nil && len(bd.win.calls) > 0, len(bd.srf.funcs) > 0)
		if err != nil {
			return nil, err
		}
		for i, key := range keys {
			for _, e := range key {
				lr.Targets[i].Key = append(lr.Targets[i].Key, len(exprs))
				exprs = append(exprs, e)
				cols = append(cols, Column{Name: "?lock?", T: e.Type()})
			}
		}
		lock = lr
	}
	node, exprs = bd.srf.attach(node, exprs)
	node = &Project{Input: node, Exprs: exprs, Cols: cols}
	if core.Distinct {
		node = &Distinct{Input: node}
	}
	if len(keys) > 0 {
		node = &Sort{Input: node, Keys: keys}
	}
	if len(distinctOn) > 0 {
		node = &Distinct{Input: node, On: distinctOn}
	}
	if lock != nil {
		lock.Input = node
		node = lock
	}
	if node, err = b.applyLimit(node, sel); err != nil {
		return nil, err
	}
	node = orderByIndex(node)
	if len(exprs) > nvis {
		node = &Trim{Input: node, N: nvis}
	}
	return node, nil
}

func (b *Builder) buildValues(v *ast.ValuesClause) (Node, error) {
	bd := &binder{b: b, sc: &scope{}, noAgg: "VALUES"}
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
				out.Cols = append(out.Cols, Column{Name: "column" + itoa(ci+1), T: be.Type(), TypeMod: -1})
			} else if ci < len(out.Cols) && out.Cols[ci].T == types.Unknown {
				out.Cols[ci].T = be.Type()
			}
		}
		if ri > 0 && len(r) != len(out.Cols) {
			return nil, errAt(errs.SyntaxError, v.Pos, "VALUES lists must all be the same length")
		}
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

func newScope(coll *catalog.Collection, alias string) *scope {
	sc := &scope{coll: coll, alias: alias}
	sc.add(&rel{name: coll.Name, alias: alias, coll: coll, cols: ScanColumns(coll)})
	return sc
}

// ScanColumns is the row layout a Scan of coll produces.
func ScanColumns(coll *catalog.Collection) []Column {
	if !coll.Tuple() {
		return []Column{{Name: "_doc", T: types.Doc}}
	}
	cols := make([]Column, len(coll.Columns))
	for i, c := range coll.Columns {
		cols[i] = Column{Name: c.Name, T: c.Type, TypeMod: int32(c.TypeMod), TableOID: coll.ID + catalog.FirstUserOID, AttrNum: int16(i + 1)}
	}
	return cols
}

func colFor(name string, e Expr, sc *scope) Column {
	c := Column{Name: name, T: e.Type(), TypeMod: -1, Fields: recordFields(e)}
	if cr, ok := e.(*ColRef); ok && sc != nil && cr.Idx < len(sc.cols) && sc.cols[cr.Idx].Name == cr.Name {
		src := sc.cols[cr.Idx]
		c.TableOID, c.AttrNum, c.TypeMod = src.TableOID, src.AttrNum, src.TypeMod
		if c.TypeMod == 0 {
			c.TypeMod = -1
		}
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
		if len(sc.rels) == 0 && it.StarTable == "" {
			return nil, errAt(errs.SyntaxError, it.Pos, "SELECT * with no tables specified is not valid")
		}
		// nth counts the columns of one name a relation has shown so far
		// (a subquery may have two: SELECT 1 AS a, 2 AS a).
		nth := map[nsCol]int{}
		if it.StarTable == "" {
			// *: every FROM entry's columns, a USING join's merged
			// columns once, first.
			for _, n := range sc.items {
				for _, c := range n.visible() {
					out = append(out, starItem(it.Pos, c, nth, len(sc.rels) > 1))
				}
			}
			continue
		}
		matched := false
		for _, r := range sc.rels {
			if r.qualifiedOnly || it.StarTable != r.ref() {
				continue
			}
			matched = true
			for _, name := range relNames(r) {
				out = append(out, starItem(it.Pos, nsCol{name: name, rel: r}, nth, len(sc.rels) > 1))
			}
		}
		if !matched {
			// An enclosing query's entry (a LATERAL subquery's t.* of an
			// entry before it): its columns, qualified, read as outer
			// references.
			r := outerRel(sc.outer, it.StarTable)
			if r == nil {
				return nil, missingRTE(sc, it.StarTable, it.Pos)
			}
			for _, name := range relNames(r) {
				out = append(out, ast.SelectItem{Pos: it.Pos, Expr: &ast.ColumnRef{Pos: it.Pos, Parts: []string{r.ref(), name}}})
			}
		}
	}
	return out, nil
}

// outerRel is the entry named name that sc or a scope around it has
// (the innermost), or nil.
func outerRel(sc *scope, name string) *rel {
	for ; sc != nil; sc = sc.outer {
		for _, r := range sc.rels {
			if !r.qualifiedOnly && r.ref() == name {
				return r
			}
		}
	}
	return nil
}

// starItem is the select-list entry * makes for a column: qualified by
// its relation when the FROM clause has several. A name a relation has
// twice is no reference to either column, so * names those by position
// (nth counts the ones shown).
func starItem(pos int, c nsCol, nth map[nsCol]int, qualify bool) ast.SelectItem {
	parts := []string{c.name}
	switch {
	case c.m != nil:
		parts = c.m.ref()
	case repeatedCol(c.rel, c.name):
		k := nth[c]
		nth[c]++
		for i, rc := range c.rel.cols {
			if rc.Name != c.name {
				continue
			}
			if k == 0 {
				parts = []string{starMarker, strconv.Itoa(c.rel.off + i), c.name}
				break
			}
			k--
		}
	case qualify:
		parts = []string{c.rel.ref(), c.name}
	}
	return ast.SelectItem{Pos: pos, Expr: &ast.ColumnRef{Pos: pos, Parts: parts}}
}

// StarNames lists the columns SELECT * shows: declared columns (without a
// hidden row id) for strict collections; id and the observed fields, in
// first-seen order, for schemaless ones.
func StarNames(coll *catalog.Collection) []string {
	var names []string
	if coll.Tuple() {
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

// resolveGroupRef resolves GROUP BY n (a select-list position) and GROUP
// BY name, where, as in PostgreSQL, an input column of that name wins over
// an output alias.
func resolveGroupRef(g ast.Expr, items []ast.SelectItem, sc *scope) ast.Expr {
	if lit, ok := g.(*ast.Literal); ok && lit.Kind == "int" {
		if n, ok := lit.Value.(int64); ok && n >= 1 && int(n) <= len(items) {
			return items[n-1].Expr
		}
	}
	if cr, ok := g.(*ast.ColumnRef); ok && len(cr.Parts) == 1 && inputColumn(sc, cr.Parts[0]) {
		return g
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

// MaxStreamRead caps the events one stream read returns.
const MaxStreamRead = 10000

// streamScanOf finds a stream scan at the base of a FROM result.
func streamScanOf(n Node) *StreamScan {
	switch x := n.(type) {
	case *StreamScan:
		return x
	case *Filter:
		return streamScanOf(x.Input)
	}
	return nil
}

// inputColumn reports whether a bare name is a column of the FROM clause
// (not counting schemaless documents, where every name is a field).
func inputColumn(sc *scope, name string) bool {
	for _, r := range sc.rels {
		if r.qualifiedOnly || r.schemaless() {
			continue
		}
		for _, c := range r.cols {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// distinctOnKeys resolves DISTINCT ON (on...) to output columns (idx)
// and returns the sort that brings each group's rows together: the
// ORDER BY keys, whose leading ones must be DISTINCT ON expressions until
// all of them appeared (PostgreSQL's rule, 42P10), then the DISTINCT ON
// columns ORDER BY did not name.
func distinctOnKeys(on []ast.Expr, keys []SortKey, idx func(ast.Expr) (int, error), typ func(int) types.T) ([]int, []SortKey, error) {
	var cols []int
	isOn := map[int]bool{}
	for _, x := range on {
		i, err := idx(x)
		if err != nil {
			return nil, nil, err
		}
		if !isOn[i] {
			isOn[i] = true
			cols = append(cols, i)
		}
	}
	seen := map[int]bool{}
	for _, k := range keys {
		if len(seen) == len(isOn) {
			break
		}
		c := k.X.(*ColRef).Idx
		if !isOn[c] {
			return nil, nil, errAt(errs.InvalidColumnReference, on[0].Position(), "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
		}
		seen[c] = true
	}
	for _, c := range cols {
		if !seen[c] {
			keys = append(keys, SortKey{X: &ColRef{Idx: c, T: typ(c)}})
		}
	}
	return cols, keys, nil
}
