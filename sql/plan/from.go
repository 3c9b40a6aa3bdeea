package plan

import (
	"errors"
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// buildFrom plans a FROM list and its WHERE clause. A single collection
// gets an access path from WHERE (primary key, index, full scan); anything
// else is joined left to right with WHERE applied on top.
func (b *Builder) buildFrom(from []ast.TableExpr, where ast.Expr, outer *scope) (Node, *scope, error) {
	if len(from) == 0 {
		sc := &scope{outer: outer}
		var node Node = &Values{Rows: [][]Expr{{}}}
		if where != nil {
			bd := &binder{b: b, sc: sc, noAgg: "WHERE"}
			pred, err := bd.bind(where, types.Bool)
			if err != nil {
				return nil, nil, err
			}
			node = &Filter{Input: node, Pred: pred}
		}
		return node, sc, nil
	}
	if len(from) == 1 {
		if tn, ok := from[0].(*ast.TableName); ok && !b.isCTE(tn.Name) && len(tn.Columns) == 0 {
			if coll, ok := b.collection(tn.Name); ok {
				sc := newScope(coll, tn.Alias)
				sc.outer = outer
				used := trackUse(coll, sc.rels[0])
				scan, err := b.buildScan(coll, sc, where, true)
				if err != nil {
					return nil, nil, err
				}
				scan.Used = used
				return scan, sc, nil
			}
		}
	}
	sc := &scope{outer: outer}
	var units []fromUnit
	var preds []Expr
	for _, te := range from {
		if err := b.flattenFrom(te, sc, &units, &preds); err != nil {
			return nil, nil, err
		}
	}
	if where != nil {
		bd := &binder{b: b, sc: sc, noAgg: "WHERE"}
		p, err := bd.bind(where, types.Bool)
		if err != nil {
			return nil, nil, err
		}
		preds = append(preds, p)
	}
	var pred Expr
	if len(preds) > 0 {
		pred = and(preds)
	}
	return joinUnits(units, sc, pred), sc, nil
}

// flattenFrom adds a FROM entry to units. Inner and cross joins are
// flattened into their inputs, their ON (or USING) conditions added to
// preds (bound over the whole FROM row), so joinUnits may order them
// freely; outer joins and everything else are one unit each.
func (b *Builder) flattenFrom(te ast.TableExpr, sc *scope, units *[]fromUnit, preds *[]Expr) error {
	if x, ok := te.(*ast.Join); ok && x.Alias == "" && (x.Kind == "" || x.Kind == "INNER" || x.Kind == "CROSS") {
		if err := b.flattenFrom(x.Left, sc, units, preds); err != nil {
			return err
		}
		if err := b.flattenFrom(x.Right, sc, units, preds); err != nil {
			return err
		}
		pred, err := sc.joinEntries("INNER", x.Using, x.Natural, x.Pos)
		if err != nil {
			return err
		}
		if x.On != nil {
			bd := &binder{b: b, sc: sc, noAgg: "JOIN conditions"}
			if pred, err = bd.bind(x.On, types.Bool); err != nil {
				return err
			}
		}
		if pred != nil {
			*preds = append(*preds, pred)
		}
		return nil
	}
	lo := len(sc.cols)
	if len(*units) > 0 && lateralEntry(te) {
		n, r, apply, err := b.buildLateral(te, sc)
		if err != nil {
			return err
		}
		sc.add(r)
		if !apply {
			*units = append(*units, fromUnit{node: n, lo: lo, hi: len(sc.cols)})
			return nil
		}
		// It reads the entries before it: they are joined first (with
		// the conditions that reach only them), and it runs once per
		// joined row.
		var pred Expr
		if len(*preds) > 0 {
			pred = and(*preds)
		}
		prefix := &scope{outer: sc.outer, rels: sc.rels[:len(sc.rels)-1], cols: sc.cols[:lo]}
		left := joinUnits(*units, prefix, pred)
		*preds = nil
		ap := &Apply{Left: left, Right: n, Cols: append([]Column(nil), sc.cols...)}
		*units = []fromUnit{{node: ap, lo: 0, hi: len(sc.cols)}}
		return nil
	}
	n, err := b.buildTableExpr(te, sc)
	if err != nil {
		return err
	}
	*units = append(*units, fromUnit{node: n, lo: lo, hi: len(sc.cols)})
	return nil
}

// aliasedJoin plans (a JOIN b ...) AS j(x, y) as PostgreSQL means it: the
// derived table (SELECT * FROM a JOIN b ...) AS j(x, y), one FROM entry
// whose columns are the join's (USING columns once, first), a and b out
// of reach (sc.hidden records their names).
func (b *Builder) aliasedJoin(x *ast.Join, sc *scope) (Node, error) {
	if sc.hidden == nil {
		sc.hidden = map[string]bool{}
	}
	var hide func(te ast.TableExpr)
	hide = func(te ast.TableExpr) {
		switch y := te.(type) {
		case *ast.TableName:
			if y.Alias != "" {
				sc.hidden[y.Alias] = true
			} else {
				sc.hidden[y.Name] = true
			}
		case *ast.Subquery:
			sc.hidden[y.Alias] = true
		case *ast.FuncTable:
			if y.Alias != "" {
				sc.hidden[y.Alias] = true
			} else {
				sc.hidden[y.Func.Name] = true
			}
		case *ast.Join:
			if y.Alias != "" {
				sc.hidden[y.Alias] = true
				return
			}
			hide(y.Left)
			hide(y.Right)
		}
	}
	hide(x.Left)
	hide(x.Right)
	inner := *x
	inner.Alias, inner.Columns = "", nil
	core := &ast.SelectCore{Items: []ast.SelectItem{{Pos: x.Pos, Star: true}}, From: []ast.TableExpr{&inner}}
	sq := &ast.Subquery{Pos: x.Pos, Query: &ast.Select{Pos: x.Pos, Body: core}, Alias: x.Alias}
	n, err := b.buildSelect(sq.Query, nil)
	if err != nil {
		return nil, err
	}
	r, err := subqueryRel(sq, n)
	if err != nil {
		return nil, err
	}
	if len(x.Columns) > len(r.cols) {
		return nil, errAt(errs.InvalidColumnReference, x.Pos, "join expression %q has %d columns available but %d columns specified", x.Alias, len(r.cols), len(x.Columns))
	}
	for i, c := range x.Columns {
		r.cols[i].Name = c
	}
	sc.add(r)
	return n, nil
}

// fromUnit is one FROM-list entry: its plan and its columns [lo, hi) in
// the query's row.
type fromUnit struct {
	node   Node
	lo, hi int
}

// joinUnits joins FROM-list entries. WHERE conjuncts that read one entry
// filter it (choosing an index or key lookup for a plain collection scan);
// conjuncts that read several become join conditions (equalities are hash
// join keys). Entries are joined greedily: after the first, the next is the
// first one connected to what is joined so far by a condition, so a chain
// of equalities never degenerates into cross products. The result is put
// back in FROM order; conjuncts with correlated subqueries or no column
// stay on top.
func joinUnits(units []fromUnit, sc *scope, pred Expr) Node {
	unitOf := func(col int) int {
		for i, u := range units {
			if col >= u.lo && col < u.hi {
				return i
			}
		}
		return -1
	}
	type cond struct {
		e    Expr
		refs map[int]bool
		used bool
	}
	var conds []*cond
	var top []Expr
	if pred != nil {
		for _, c := range conjuncts(pred, nil) {
			refs, ok := unitRefs(c, unitOf)
			switch {
			case !ok || len(refs) == 0:
				top = append(top, c)
			case len(refs) == 1:
				for u := range refs {
					units[u] = pushFilter(units[u], shift(c, -units[u].lo))
				}
			default:
				conds = append(conds, &cond{e: c, refs: refs})
			}
		}
	}
	if len(units) == 1 && len(conds) == 0 {
		return withFilter(units[0].node, top)
	}
	if len(units) <= dpMaxUnits {
		js := make([]joinCond, len(conds))
		for i, c := range conds {
			js[i] = joinCond{e: c.e, refs: c.refs, class: -1}
		}
		js = impliedEqualities(js, sc, unitOf)
		node, pos := orderJoins(units, sc, js)
		return withFilter(inFromOrder(node, pos, sc), top)
	}
	// pos maps a query column to its position in the joined row.
	pos := make([]int, len(sc.cols))
	for i := range pos {
		pos[i] = -1
	}
	place := func(u fromUnit, at int) {
		for c := u.lo; c < u.hi; c++ {
			pos[c] = at + c - u.lo
		}
	}
	// Start from the smallest input (after its filters).
	start := 0
	for i := range units {
		if estimate(units[i].node) < estimate(units[start].node) {
			start = i
		}
	}
	joined := map[int]bool{start: true}
	node := units[start].node
	width := units[start].hi - units[start].lo
	place(units[start], 0)
	remaining := make([]int, 0, len(units)-1)
	for i := range units {
		if i != start {
			remaining = append(remaining, i)
		}
	}
	ready := func(c *cond, r int) bool {
		if c.used || !c.refs[r] {
			return false
		}
		for u := range c.refs {
			if u != r && !joined[u] {
				return false
			}
		}
		return true
	}
	// join builds the join of what is joined so far with unit r.
	join := func(r int) (*Join, []int) {
		u := units[r]
		p := append([]int(nil), pos...)
		for c := u.lo; c < u.hi; c++ {
			p[c] = width + c - u.lo
		}
		var on []Expr
		for _, c := range conds {
			if ready(c, r) {
				on = append(on, remap(c.e, p))
			}
		}
		j := &Join{Kind: "CROSS", Left: node, Right: u.node,
			Cols: append(append([]Column(nil), node.Columns()...), u.node.Columns()...)}
		if len(on) > 0 {
			j.Kind = "INNER"
			j.On = and(on)
			j.EqLeft, j.EqRight = equiKeys(j.On, width)
		}
		return j, p
	}
	for len(remaining) > 0 {
		// Next: of the entries connected to what is joined by a
		// condition (all of them when none is), the one whose join has
		// the fewest estimated rows, so a chain of equalities never
		// degenerates into cross products and selective joins go first.
		var cands []int
		for i, r := range remaining {
			for _, c := range conds {
				if ready(c, r) {
					cands = append(cands, i)
					break
				}
			}
		}
		if len(cands) == 0 {
			for i := range remaining {
				cands = append(cands, i)
			}
		}
		pick, best := -1, 0.0
		var bestJoin *Join
		var bestPos []int
		for _, i := range cands {
			j, p := join(remaining[i])
			if est := estimate(j); pick < 0 || est < best {
				pick, best, bestJoin, bestPos = i, est, j, p
			}
		}
		if lj := lookupJoin(bestJoin, width); lj != nil {
			bestJoin = lj
		}
		r := remaining[pick]
		remaining = append(remaining[:pick], remaining[pick+1:]...)
		for _, c := range conds {
			if ready(c, r) {
				c.used = true
			}
		}
		joined[r] = true
		pos = bestPos
		node = bestJoin
		width += units[r].hi - units[r].lo
	}
	for _, c := range conds {
		if !c.used {
			top = append(top, c.e)
		}
	}
	return withFilter(inFromOrder(node, pos, sc), top)
}

// inFromOrder puts a joined row's columns back in FROM order, the layout
// every other expression is bound to (pos maps a query column to its
// position in node's row).
func inFromOrder(node Node, pos []int, sc *scope) Node {
	inOrder := true
	for i, p := range pos {
		if p != i {
			inOrder = false
			break
		}
	}
	if inOrder {
		return node
	}
	exprs := make([]Expr, len(sc.cols))
	for i, c := range sc.cols {
		exprs[i] = &ColRef{Idx: pos[i], T: c.T, Name: c.Name}
	}
	return &Project{Input: node, Exprs: exprs, Cols: sc.cols}
}

// dpMaxUnits is the most FROM entries whose join order is chosen by
// comparing every left-deep order (2^n partial joins); more are joined
// greedily.
const dpMaxUnits = 8

// orderJoins joins units in the left-deep order of least estimated cost,
// found by dynamic programming over the sets of units joined so far: a
// set's cheapest plan is extended by each unit a condition connects to it
// (any unit when none is), joined by hash or, where cheaper, by lookup
// (lookupJoin). The cost of a plan is what its steps read and produce:
// each hash join the rows of its right input read once (readCost), its
// left rows and its output; each lookup join a seek per left row and its
// output. cond(i) returns condition i of n and the units it reads; each
// is applied at the join that brings in the last of them. It returns the
// joined node and where each query column sits in its row.
func orderJoins(units []fromUnit, sc *scope, conds []joinCond) (Node, []int) {
	type partial struct {
		node  Node
		pos   []int
		width int
		cost  float64
	}
	full := 1<<len(units) - 1
	best := make([]*partial, full+1)
	for i, u := range units {
		pos := make([]int, len(sc.cols))
		for c := range pos {
			pos[c] = -1
		}
		for c := u.lo; c < u.hi; c++ {
			pos[c] = c - u.lo
		}
		best[1<<i] = &partial{node: u.node, pos: pos, width: u.hi - u.lo, cost: nodeReadCost(u.node)}
	}
	// ready: the conditions that adding unit r to set joins. Of the
	// equalities of one class, one per column of r: the others follow
	// from it and those already applied (and would make the estimate
	// count one restriction twice).
	ready := func(set, r int) []int {
		var out []int
		type classCol struct{ class, col int }
		var seen map[classCol]bool
		for i, c := range conds {
			if !c.refs[r] {
				continue
			}
			all := true
			for u := range c.refs {
				if u != r && set&(1<<u) == 0 {
					all = false
					break
				}
			}
			if !all {
				continue
			}
			if c.class >= 0 {
				col := c.cols[0]
				if units[r].lo > col || col >= units[r].hi {
					col = c.cols[1]
				}
				k := classCol{c.class, col}
				if seen[k] {
					continue
				}
				if seen == nil {
					seen = map[classCol]bool{}
				}
				seen[k] = true
			}
			out = append(out, i)
		}
		return out
	}
	for set := 1; set < full; set++ {
		p := best[set]
		if p == nil {
			continue
		}
		var cands []int
		for r := range units {
			if set&(1<<r) == 0 && len(ready(set, r)) > 0 {
				cands = append(cands, r)
			}
		}
		if len(cands) == 0 {
			for r := range units {
				if set&(1<<r) == 0 {
					cands = append(cands, r)
				}
			}
		}
		for _, r := range cands {
			u := units[r]
			pos := append([]int(nil), p.pos...)
			for c := u.lo; c < u.hi; c++ {
				pos[c] = p.width + c - u.lo
			}
			var on []Expr
			for _, i := range ready(set, r) {
				on = append(on, remap(conds[i].e, pos))
			}
			j := &Join{Kind: "CROSS", Left: p.node, Right: u.node,
				Cols: append(append([]Column(nil), p.node.Columns()...), u.node.Columns()...)}
			if len(on) > 0 {
				j.Kind = "INNER"
				j.On = and(on)
				j.EqLeft, j.EqRight = equiKeys(j.On, p.width)
			}
			if lj := lookupJoin(j, p.width); lj != nil {
				j = lj
			}
			cost := p.cost + stepCost(j)
			next := set | 1<<r
			if q := best[next]; q == nil || cost < q.cost {
				best[next] = &partial{node: j, pos: pos, width: p.width + u.hi - u.lo, cost: cost}
			}
		}
	}
	return best[full].node, best[full].pos
}

// joinCond is a condition joining FROM entries (refs: the entries it
// reads). An equality between columns of equal type that shares a column
// with others is in an equivalence class (class >= 0, the columns in cols).
type joinCond struct {
	e     Expr
	refs  map[int]bool
	class int
	cols  [2]int
}

// impliedEqualities adds the equalities that follow from others: a = b
// and b = c between columns of one type (so equality is transitive)
// imply a = c, which lets a join order bring in c's entry right after
// a's (TPC-H's Q5 joins customer to nation only through supplier's
// nation key). Each equality of a class of three or more columns is
// marked with the class; orderJoins applies one per class and column.
func impliedEqualities(conds []joinCond, sc *scope, unitOf func(int) int) []joinCond {
	parent := map[int]int{}
	var find func(int) int
	find = func(x int) int {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	pairs := map[[2]int]bool{}
	var eqT types.T
	member := make([]bool, len(conds))
	for i, c := range conds {
		bo, ok := c.e.(*BinOp)
		if !ok || bo.Op != "=" {
			continue
		}
		l, ok1 := bo.L.(*ColRef)
		r, ok2 := bo.R.(*ColRef)
		if !ok1 || !ok2 || l.T != r.T || unitOf(l.Idx) == unitOf(r.Idx) || unitOf(l.Idx) < 0 || unitOf(r.Idx) < 0 {
			continue
		}
		member[i] = true
		eqT = bo.T
		conds[i].cols = [2]int{min(l.Idx, r.Idx), max(l.Idx, r.Idx)}
		pairs[conds[i].cols] = true
		parent[find(l.Idx)] = find(r.Idx)
	}
	classOf := map[int][]int{} // root -> columns
	inClass := map[int]bool{}
	for i, c := range conds {
		for _, x := range c.cols {
			if member[i] && !inClass[x] {
				inClass[x] = true
				classOf[find(x)] = append(classOf[find(x)], x)
			}
		}
	}
	roots := make([]int, 0, len(classOf))
	for root, cols := range classOf {
		if len(cols) >= 3 {
			roots = append(roots, root)
		}
	}
	slices.Sort(roots)
	for id, root := range roots {
		cols := classOf[root]
		slices.Sort(cols)
		for i, c := range conds {
			if member[i] && find(c.cols[0]) == root {
				conds[i].class = id
			}
		}
		for a := range cols {
			for b := a + 1; b < len(cols); b++ {
				x, y := cols[a], cols[b]
				if pairs[[2]int{x, y}] || unitOf(x) == unitOf(y) {
					continue
				}
				e := &BinOp{Op: "=", L: &ColRef{Idx: x, T: sc.cols[x].T, Name: sc.cols[x].Name},
					R: &ColRef{Idx: y, T: sc.cols[y].T, Name: sc.cols[y].Name}, T: eqT}
				conds = append(conds, joinCond{e: e, refs: map[int]bool{unitOf(x): true, unitOf(y): true}, class: id, cols: [2]int{x, y}})
			}
		}
	}
	return conds
}

// stepCost is the cost of one join step over its left input (see
// orderJoins).
func stepCost(j *Join) float64 {
	out := estimate(j)
	if len(j.LookupKeys) > 0 {
		return estimate(j.Left)*costSeek + out
	}
	return nodeReadCost(j.Right) + estimate(j.Left) + out
}

// nodeReadCost is the cost of reading an input once: a scan's readCost,
// else its estimated rows.
func nodeReadCost(n Node) float64 {
	if s, ok := n.(*Scan); ok {
		return readCost(s)
	}
	return estimate(n)
}

// unitRefs lists the FROM entries an expression reads; ok is false when
// it must be evaluated over the final row (a correlated subquery reads
// that row by position).
func unitRefs(e Expr, unitOf func(int) int) (map[int]bool, bool) {
	refs := map[int]bool{}
	ok := true
	mapExpr(e, func(x Expr) Expr {
		switch c := x.(type) {
		case *ColRef:
			refs[unitOf(c.Idx)] = true
		case *Subquery:
			if c.Correlated {
				ok = false
			}
		case *Quantified:
			if c.Sub != nil && c.Sub.Correlated {
				ok = false
			}
		case *Call:
			if c.F.Volatile {
				ok = false
			}
		}
		return x
	})
	delete(refs, -1)
	return refs, ok
}

// pushFilter adds a predicate (over the entry's own row) to an entry: a
// plain collection scan takes it as its filter and may then use a key or
// an index; anything else gets a Filter.
func pushFilter(u fromUnit, p Expr) fromUnit {
	u.node = pushInto(u.node, p)
	return u
}

// pushInto adds a predicate over n's row to n: into a collection scan's
// filter, through a LEFT join into its preserved (left) input when it
// reads only that side, else as a Filter above n.
func pushInto(n Node, p Expr) Node {
	if s, ok := n.(*Scan); ok && s.Access != AccessLookup {
		// Conditions arrive one at a time: the access path is chosen
		// again for all of them (the first may have picked an index).
		if s.Filter != nil {
			p = &Logic{And: true, L: s.Filter, R: p}
		}
		s.Access, s.PKKeys, s.Index, s.IndexEq, s.RangeLo, s.RangeHi, s.Estimate = AccessFull, nil, nil, nil, nil, nil, ""
		chooseAccess(s, p)
		return s
	}
	if ap, ok := n.(*Apply); ok {
		// A term on the left row filters it before the right side runs
		// for it (the same rows go, with their right rows or NULLs).
		lw := len(ap.Left.Columns())
		if cols, ok := RowColumns(p); ok && len(cols) > 0 && cols[len(cols)-1] < lw && !hasSubquery(p) {
			ap.Left = pushInto(ap.Left, p)
			return ap
		}
	}
	if j, ok := n.(*Join); ok && j.Kind == "LEFT" {
		// A WHERE term on the left side drops the same rows before the
		// join as after it: the left rows it rejects and their matches
		// or NULLs. Fewer left rows may make a lookup join pay.
		lw := len(j.Left.Columns())
		if cols, ok := RowColumns(p); ok && (len(cols) == 0 || cols[len(cols)-1] < lw) && !hasSubquery(p) {
			j.Left = pushInto(j.Left, p)
			j.est = 0
			if len(j.LookupKeys) == 0 {
				if lj := lookupJoin(j, lw); lj != nil {
					return lj
				}
			}
			return j
		}
	}
	if f, ok := n.(*Filter); ok {
		f.Pred = &Logic{And: true, L: f.Pred, R: p}
		return f
	}
	return &Filter{Input: n, Pred: p}
}

// hasSubquery reports whether e evaluates a subquery.
func hasSubquery(e Expr) bool {
	found := false
	mapExpr(e, func(x Expr) Expr {
		switch x.(type) {
		case *Subquery, *Quantified:
			found = true
		}
		return x
	})
	return found
}

func withFilter(n Node, preds []Expr) Node {
	if len(preds) == 0 {
		return n
	}
	return &Filter{Input: n, Pred: and(preds)}
}

func and(preds []Expr) Expr {
	e := preds[0]
	for _, p := range preds[1:] {
		e = &Logic{And: true, L: e, R: p}
	}
	return e
}

// remap moves ColRefs to their positions in a joined row.
func remap(e Expr, pos []int) Expr {
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			n := *c
			n.Idx = pos[c.Idx]
			return &n
		}
		return x
	})
}

// collection resolves a (possibly public.-qualified) collection name.
func (b *Builder) collection(name string) (*catalog.Collection, bool) {
	name = strings.TrimPrefix(name, "public.")
	coll, err := b.Cat.MustGet(name)
	if err != nil {
		return nil, false
	}
	return coll, true
}

// trackUse makes r record which of a strict collection's columns the
// query reads, for its scan to decode only those (Scan.Used). The slice
// fills in as the rest of the statement is bound, before it runs.
func trackUse(coll *catalog.Collection, r *rel) []bool {
	if !coll.Tuple() {
		return nil
	}
	r.used = make([]bool, len(r.cols))
	return r.used
}

// buildTableExpr plans one FROM entry and adds its relations to sc.
func (b *Builder) buildTableExpr(te ast.TableExpr, sc *scope) (Node, error) {
	if x, ok := te.(*ast.Join); ok && x.Alias != "" {
		return b.aliasedJoin(x, sc)
	}
	switch x := te.(type) {
	case *ast.TableName:
		if n, cols, ok, err := b.viewRef(x); ok || err != nil {
			if err != nil {
				return nil, err
			}
			alias := x.Alias
			if alias == "" {
				alias = x.Name
			}
			if cols, err = aliasColumns(cols, nil, x); err != nil {
				return nil, err
			}
			sc.add(&rel{name: x.Name, alias: alias, cols: cols})
			return n, nil
		}
		if n, cols, ok := b.cteRef(x.Name); ok {
			if cs, ok := n.(*CTEScan); ok && cs.Def.Writes {
				if cs.Def.NoReturning {
					return nil, errAt(errs.FeatureNotSupported, x.Pos, "WITH query %q does not have a RETURNING clause", x.Name)
				}
				cs.Def.Read = true
			}
			alias := x.Alias
			if alias == "" {
				alias = x.Name
			}
			cols, err := aliasColumns(cols, nil, x)
			if err != nil {
				return nil, err
			}
			sc.add(&rel{name: x.Name, alias: alias, cols: cols})
			return n, nil
		}
		if coll, ok := b.collection(x.Name); ok {
			r := &rel{name: coll.Name, alias: x.Alias, coll: coll, cols: ScanColumns(coll)}
			scan := &Scan{Coll: coll, Access: AccessFull, Cols: r.cols, Stats: b.stats(coll), Cached: b.cached(coll)}
			if len(x.Columns) > 0 {
				if !coll.Tuple() {
					return nil, errAt(errs.FeatureNotSupported, x.Pos, "column aliases for schemaless collection %q are not supported", coll.Name)
				}
				cols, err := aliasColumns(r.cols, coll, x)
				if err != nil {
					return nil, err
				}
				r.cols, r.aliased = cols, true
			}
			sc.add(r)
			scan.Used = trackUse(coll, r)
			return scan, nil
		}
		if sc2, ok := b.Cat.(SequenceCatalog); ok {
			if sq, ok := sc2.Sequence(strings.TrimPrefix(x.Name, "public.")); ok {
				cols, err := aliasColumns(sequenceColumns(uint32(sq.ID+catalog.FirstUserOID)), nil, x)
				if err != nil {
					return nil, err
				}
				r := &rel{name: sq.Name, alias: x.Alias, cols: cols, tableOID: uint32(sq.ID + catalog.FirstUserOID)}
				sc.add(r)
				return &SequenceScan{Seq: sq, Cols: sequenceColumns(uint32(sq.ID + catalog.FirstUserOID))}, nil
			}
		}
		if b.Sys != nil {
			if st, ok := b.Sys.Lookup(x.Name); ok {
				name := x.Name
				if i := strings.LastIndexByte(name, '.'); i >= 0 {
					name = name[i+1:]
				}
				cols, err := aliasColumns(st.Columns(), nil, x)
				if err != nil {
					return nil, err
				}
				r := &rel{name: name, alias: x.Alias, cols: cols}
				if to, ok := st.(TableOIDer); ok {
					if oid, ok := to.TableOID(); ok {
						r.tableOID = oid
					}
				}
				sc.add(r)
				return &SystemScan{Name: x.Name, Table: st, Cols: st.Columns()}, nil
			}
		}
		return nil, errAt(errs.UndefinedTable, x.Pos, "relation %q does not exist", x.Name)
	case *ast.Subquery:
		n, err := b.buildSelect(x.Query, nil)
		if err != nil {
			return nil, err
		}
		r, err := subqueryRel(x, n)
		if err != nil {
			return nil, err
		}
		sc.add(r)
		return n, nil
	case *ast.Join:
		left, err := b.buildTableExpr(x.Left, sc)
		if err != nil {
			return nil, err
		}
		leftWidth := len(sc.cols)
		var right Node
		if lateralEntry(x.Right) {
			// It may read the join's left side (not the FROM entries
			// before the join: a narrowing of PostgreSQL's rule).
			base := leftWidth - len(left.Columns())
			n, r, apply, err := b.buildLateral(x.Right, sc.tail(base))
			if err != nil {
				return nil, err
			}
			sc.add(r)
			if apply {
				return b.lateralJoin(x, left, n, sc, base)
			}
			right = n
		} else if right, err = b.buildTableExpr(x.Right, sc); err != nil {
			return nil, err
		}
		j := &Join{Kind: x.Kind, Left: left, Right: right, Cols: append([]Column(nil), sc.cols...)}
		if j.Kind == "" {
			j.Kind = "INNER"
		}
		// The join's own columns are the tail of the scope: left starts
		// at (leftWidth - width(left)).
		base := leftWidth - len(left.Columns())
		j.Cols = append([]Column(nil), sc.cols[base:]...)
		pred, err := b.joinCondition(x, j.Kind, sc)
		if err != nil {
			return nil, err
		}
		if pred != nil {
			// Bound over the whole scope; the join's own row starts at base.
			pred = shift(pred, -base)
			j.On = pred
			j.EqLeft, j.EqRight = equiKeys(pred, leftWidth-base)
		} else if j.Kind != "CROSS" && j.Kind != "INNER" {
			return nil, errAt(errs.SyntaxError, x.Pos, "%s JOIN requires a join condition", j.Kind)
		}
		if j.Kind == "LEFT" {
			if lj := lookupJoin(j, leftWidth-base); lj != nil {
				return lj, nil
			}
		}
		return j, nil
	case *ast.FuncTable:
		return b.buildFuncTable(x, sc)
	case *ast.StreamSource:
		return b.buildStreamScan(x, sc)
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "unsupported FROM entry %T", te)
}

// joinCondition merges a join's USING or NATURAL columns in sc and
// returns its condition over sc's whole row: the USING equalities, or ON.
func (b *Builder) joinCondition(x *ast.Join, kind string, sc *scope) (Expr, error) {
	pred, err := sc.joinEntries(kind, x.Using, x.Natural, x.Pos)
	if err != nil {
		return nil, err
	}
	if x.On != nil {
		bd := &binder{b: b, sc: sc, noAgg: "JOIN conditions"}
		if pred, err = bd.bind(x.On, types.Bool); err != nil {
			return nil, err
		}
	}
	return pred, nil
}

// lateralJoin finishes `left [INNER|LEFT] JOIN LATERAL right ON ...` whose
// right side reads the left row: an Apply. The scope already holds both
// sides; the join's row starts at column base.
func (b *Builder) lateralJoin(x *ast.Join, left, right Node, sc *scope, base int) (Node, error) {
	kind := x.Kind
	if kind == "" {
		kind = "INNER"
	}
	if kind != "INNER" && kind != "LEFT" && kind != "CROSS" {
		return nil, errAt(errs.InvalidColumnReference, x.Pos, "the combining JOIN type must be INNER or LEFT for a LATERAL reference")
	}
	ap := &Apply{Left: left, Right: right, Outer: kind == "LEFT", Cols: append([]Column(nil), sc.cols[base:]...)}
	pred, err := b.joinCondition(x, kind, sc)
	if err != nil {
		return nil, err
	}
	if pred != nil {
		ap.On = shift(pred, -base)
	} else if kind == "LEFT" {
		return nil, errAt(errs.SyntaxError, x.Pos, "LEFT JOIN requires a join condition")
	}
	return ap, nil
}

// shift moves ColRefs of a bound expression by d positions.
func shift(e Expr, d int) Expr {
	if d == 0 {
		return e
	}
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			n := *c
			n.Idx += d
			return &n
		}
		return x
	})
}

// Costs in units of one row of a sequential scan, for choosing between a
// hash join, which reads its right input once, and a lookup join, which
// seeks it once per left row: a point read or a key range's seek costs
// about what ten rows of a scan do (a row of TPC-H's lineitem: ~0.2 µs
// scanned, ~2 µs sought), a row read through a secondary index eight
// (see maxIndexRangeFraction).
//
// A full scan that reads a column copy (Scan.Cached) costs costCachedRow a
// row: its filter's simple terms test a block of values at a time (~3 ns
// a row of lineitem against ~200 ns decoding the stored row).
const (
	costSeek      = 10.0
	costIndexRow  = 8.0
	costCachedRow = 0.02
)

// lookupJoin returns j (inner, or left outer: a left row without a match
// is kept with NULLs) as a lookup join when its right input is a scan of
// a collection whose leading key columns j's equalities give from the
// left row (all of them, or at least those its vShard is hashed from) and
// seeking them for each left row costs less than reading the right input
// once; else nil.
func lookupJoin(j *Join, width int) *Join {
	rs, ok := j.Right.(*Scan)
	if !ok || (j.Kind != "INNER" && j.Kind != "LEFT") || len(j.EqLeft) == 0 || !rs.Coll.Tuple() || len(rs.Coll.PK) == 0 {
		return nil
	}
	coll := rs.Coll
	var keys []Expr
	for _, name := range coll.PK {
		var k Expr
		for m, e := range j.EqRight {
			if isKeyRef(e, coll, name) {
				k = j.EqLeft[m]
				break
			}
		}
		if k == nil {
			break
		}
		keys = append(keys, k)
	}
	if len(keys) < len(coll.PK) && (coll.ShardCols == 0 || len(keys) < coll.ShardCols) {
		return nil
	}
	out := estimate(j)
	if estimate(j.Left)*costSeek+out >= readCost(rs)+estimate(j.Left)+out {
		return nil
	}
	lr := *rs
	lr.Access, lr.PKKeys, lr.Index, lr.IndexEq, lr.RangeLo, lr.RangeHi = AccessLookup, nil, nil, nil, nil, nil
	lr.Estimate = "lookup"
	lj := *j
	lj.Right, lj.LookupKeys = &lr, keys
	return &lj
}

// readCost is the cost of reading a scan's rows once.
func readCost(s *Scan) float64 {
	switch s.Access {
	case AccessPK:
		return float64(len(s.PKKeys)) * costSeek
	case AccessPKPrefix:
		return costSeek + scanRows(s)
	case AccessIndex:
		return costSeek + scanRows(s)*costIndexRow
	}
	if s.Cached {
		return tableRows(s) * costCachedRow
	}
	return tableRows(s)
}

// equiKeys extracts left.x = right.y conjuncts (left columns below split).
func equiKeys(on Expr, split int) (l, r []Expr) {
	for _, c := range conjuncts(on, nil) {
		bo, ok := c.(*BinOp)
		if !ok || bo.Op != "=" {
			continue
		}
		ls, rs := side(bo.L, split), side(bo.R, split)
		switch {
		case ls == 1 && rs == 2:
			l = append(l, bo.L)
			r = append(r, shift(bo.R, -split))
		case ls == 2 && rs == 1:
			l = append(l, bo.R)
			r = append(r, shift(bo.L, -split))
		}
	}
	return l, r
}

// side reports which input an expression reads: 1 left, 2 right, 0 none,
// 3 both or unknown.
func side(e Expr, split int) int {
	s := 0
	ok := true
	mapExpr(e, func(x Expr) Expr {
		switch c := x.(type) {
		case *ColRef:
			if c.Idx < split {
				s |= 1
			} else {
				s |= 2
			}
		case *OuterRef, *Subquery, *Param:
			ok = false
		case *Call:
			if c.F.Volatile {
				ok = false
			}
		}
		return x
	})
	if !ok {
		return 3
	}
	return s
}

// mapExprs is mapExpr over each of exprs, into a new slice.
func mapExprs(exprs []Expr, f func(Expr) Expr) []Expr {
	out := make([]Expr, len(exprs))
	for i, e := range exprs {
		out[i] = mapExpr(e, f)
	}
	return out
}

// mapExpr rebuilds an expression bottom-up through f (subquery plans are
// not entered).
func mapExpr(e Expr, f func(Expr) Expr) Expr {
	switch x := e.(type) {
	case nil:
		return nil
	case *FieldRef:
		n := *x
		n.X = mapExpr(x.X, f)
		return f(&n)
	case *BinOp:
		n := *x
		n.L, n.R = mapExpr(x.L, f), mapExpr(x.R, f)
		return f(&n)
	case *Logic:
		n := *x
		n.L, n.R = mapExpr(x.L, f), mapExpr(x.R, f)
		return f(&n)
	case *Not:
		return f(&Not{X: mapExpr(x.X, f)})
	case *Neg:
		return f(&Neg{X: mapExpr(x.X, f), T: x.T})
	case *IsNull:
		return f(&IsNull{X: mapExpr(x.X, f), Not: x.Not})
	case *IsBool:
		return f(&IsBool{X: mapExpr(x.X, f), Not: x.Not, What: x.What})
	case *InList:
		n := &InList{X: mapExpr(x.X, f), Not: x.Not}
		for _, l := range x.List {
			n.List = append(n.List, mapExpr(l, f))
		}
		return f(n)
	case *Call:
		n := &Call{F: x.F, T: x.T}
		for _, a := range x.Args {
			n.Args = append(n.Args, mapExpr(a, f))
		}
		return f(n)
	case *CastTo:
		return f(&CastTo{X: mapExpr(x.X, f), T: x.T, TypeMod: x.TypeMod})
	case *Coerce:
		return f(&Coerce{X: mapExpr(x.X, f), T: x.T, TypeMod: x.TypeMod, Col: x.Col})
	case *CaseWhen:
		n := &CaseWhen{T: x.T, Else: mapExpr(x.Else, f)}
		for _, w := range x.Whens {
			n.Whens = append(n.Whens, WhenThen{Cond: mapExpr(w.Cond, f), Result: mapExpr(w.Result, f)})
		}
		return f(n)
	case *Object:
		n := &Object{Keys: x.Keys, Record: x.Record, NullIfAllNull: x.NullIfAllNull}
		for _, v := range x.Values {
			n.Values = append(n.Values, mapExpr(v, f))
		}
		return f(n)
	case *Array:
		n := &Array{}
		for _, v := range x.Elems {
			n.Elems = append(n.Elems, mapExpr(v, f))
		}
		return f(n)
	case *Subscript:
		return f(&Subscript{X: mapExpr(x.X, f), Index: mapExpr(x.Index, f)})
	case *RecordField:
		n := *x
		n.X = mapExpr(x.X, f)
		return f(&n)
	case *Subquery:
		n := *x
		n.X = mapExpr(x.X, f)
		return f(&n)
	case *Quantified:
		n := *x
		n.X = mapExpr(x.X, f)
		n.Array = mapExpr(x.Array, f)
		if x.Sub != nil {
			n.Sub = mapExpr(x.Sub, f).(*Subquery)
		}
		return f(&n)
	}
	return f(e)
}

// bindSubquery plans a nested query against the current scope as outer.
func (bd *binder) bindSubquery(q *ast.Select, kind SubKind, x Expr, not bool, pos int) (Expr, error) {
	outer := bd.sc
	if bd.agg != nil {
		outer = bd.agg.in
	}
	node, err := bd.b.buildSelect(q, outer)
	if err != nil {
		return nil, err
	}
	cols := node.Columns()
	sub := &Subquery{Kind: kind, Plan: node, X: x, Not: not, Correlated: correlated(node)}
	switch kind {
	case SubScalar:
		if len(cols) != 1 {
			return nil, errAt(errs.SyntaxError, pos, "subquery must return only one column")
		}
		sub.T = cols[0].T
	case SubIn:
		// A row constructor, (a, b) IN (SELECT x, y ...), is compared
		// with the subquery's rows field by field.
		want := 1
		if o, ok := x.(*Object); ok && o.Record {
			want = len(o.Values)
		}
		switch {
		case len(cols) > want:
			return nil, errAt(errs.SyntaxError, pos, "subquery has too many columns")
		case len(cols) < want:
			return nil, errAt(errs.SyntaxError, pos, "subquery has too few columns")
		}
		sub.T = types.Bool
	case SubArray:
		if len(cols) != 1 {
			return nil, errAt(errs.SyntaxError, pos, "subquery must return only one column")
		}
		sub.T = arrayOf(cols[0].T)
	case SubRow:
		sub.T = types.Record
	default:
		sub.T = types.Bool
	}
	return sub, nil
}

// correlated reports whether a subquery plan reads outer rows.
func correlated(n Node) bool {
	found := false
	walkNode(n, func(e Expr) {
		if _, ok := e.(*OuterRef); ok {
			found = true
		}
		if s, ok := e.(*Subquery); ok && s.Correlated {
			found = true
		}
	})
	return found
}

// walkNode visits every expression of a plan tree.
func walkNode(n Node, f func(Expr)) {
	visit := func(e Expr) {
		if e != nil {
			mapExpr(e, func(x Expr) Expr { f(x); return x })
		}
	}
	switch x := n.(type) {
	case *Scan:
		visit(x.Filter)
		for _, k := range x.PKKeys {
			for _, e := range k {
				visit(e)
			}
		}
		for _, e := range x.IndexEq {
			visit(e)
		}
		visit(x.RangeLo)
		visit(x.RangeHi)
	case *Filter:
		visit(x.Pred)
		walkNode(x.Input, f)
	case *Project:
		for _, e := range x.Exprs {
			visit(e)
		}
		walkNode(x.Input, f)
	case *ProjectSet:
		for _, fs := range x.Funcs {
			for _, e := range fs.Args {
				visit(e)
			}
		}
		walkNode(x.Input, f)
	case *Aggregate:
		for _, e := range x.GroupBy {
			visit(e)
		}
		for _, a := range x.Aggs {
			for _, e := range a.Args {
				visit(e)
			}
			visit(a.Filter)
			for _, k := range a.OrderBy {
				visit(k.X)
			}
		}
		walkNode(x.Input, f)
	case *Sort:
		for _, k := range x.Keys {
			visit(k.X)
		}
		walkNode(x.Input, f)
	case *Limit:
		visit(x.Limit)
		visit(x.Offset)
		walkNode(x.Input, f)
	case *LockRows:
		walkNode(x.Input, f)
	case *Distinct:
		walkNode(x.Input, f)
	case *Window:
		for i := range x.Funcs {
			for _, e := range x.Funcs[i].exprs() {
				visit(e)
			}
		}
		walkNode(x.Input, f)
	case *Trim:
		walkNode(x.Input, f)
	case *Values:
		for _, r := range x.Rows {
			for _, e := range r {
				visit(e)
			}
		}
	case *Join:
		visit(x.On)
		for _, e := range x.LookupKeys {
			visit(e)
		}
		walkNode(x.Left, f)
		walkNode(x.Right, f)
	case *SetOp:
		walkNode(x.Left, f)
		walkNode(x.Right, f)
	case *Apply:
		visit(x.On)
		walkNode(x.Left, f)
		walkNode(x.Right, f)
	case *FuncScan:
		for _, e := range x.Args {
			visit(e)
		}
		visit(x.Scalar)
		for _, z := range x.Zip {
			walkNode(z, f)
		}
	case *CTEScan:
		walkNode(x.Def.Plan, f)
	case *RecursiveCTE:
		walkNode(x.Base, f)
		walkNode(x.Step, f)
	}
}

// arrayOf is the array type of an element type, where one exists.
func arrayOf(t types.T) types.T {
	switch t {
	case types.Text, types.Varchar, types.Name, types.Bpchar:
		return types.TextArray
	case types.Int2:
		return types.Int2Array
	case types.OID, types.RegClass, types.RegType:
		return types.OIDArray
	}
	return types.Doc
}

// FuncScan produces the rows of a set-returning function in FROM:
// generate_series(start, stop[, step]) and unnest(array).
type FuncScan struct {
	Name string
	Args []Expr
	Cols []Column
	// Ordinality: each row ends with its number, from 1 (WITH
	// ORDINALITY).
	Ordinality bool
	// Coll and Index are the sorted index TOPK and RANGE read.
	Coll  *catalog.Collection
	Index *catalog.Index
	// Record, set for a function of several columns called in the select
	// list (json_each), are those columns: each row is returned as one
	// row value (a *types.Composite in Cols' single column).
	Record []Column
	// Zip, for ROWS FROM (f(...), g(...)), are the functions (Name is
	// the first's, Args unused): row i is each one's row i side by side,
	// NULLs for a function with fewer rows.
	Zip []*FuncScan
	// Scalar, for a function that returns one value (lower('A') in
	// FROM), is its call: the scan is one row holding its value.
	Scalar Expr
}

// Columns returns the single output column.
func (n *FuncScan) Columns() []Column { return n.Cols }

// tableFunctions are the set-returning functions FROM accepts; the
// select list accepts those mapped to true (TOPK and RANGE read a sorted
// index the planner resolves, in FROM only).
var tableFunctions = map[string]bool{"generate_series": true, "unnest": true, "pg_listening_channels": true, "topk": false, "range": false,
	"pg_partition_ancestors": true, "pg_get_keywords": true, "generate_subscripts": true, "information_schema._pg_expandarray": true,
	"json_array_elements": true, "jsonb_array_elements": true, "json_array_elements_text": true, "jsonb_array_elements_text": true,
	"json_object_keys": true, "jsonb_object_keys": true, "pg_options_to_table": true,
	"json_each": true, "jsonb_each": true, "json_each_text": true, "jsonb_each_text": true}

// namedTableFuncs are the set-returning functions whose output columns
// have names of their own (PostgreSQL's OUT parameters: an alias does not
// rename them, a column list does). The value column of the JSON
// functions' json_ forms is json, of the jsonb_ forms jsonb, of the _text
// forms text.
var namedTableFuncs = map[string][]string{
	"information_schema._pg_expandarray": {"x", "n"},
	"pg_get_keywords":                    {"word", "catcode", "barelabel", "catdesc", "baredesc"},
	"pg_options_to_table":                {"option_name", "option_value"},
	"json_array_elements":                {"value"}, "jsonb_array_elements": {"value"},
	"json_array_elements_text": {"value"}, "jsonb_array_elements_text": {"value"},
	"json_each": {"key", "value"}, "jsonb_each": {"key", "value"},
	"json_each_text": {"key", "value"}, "jsonb_each_text": {"key", "value"},
}

// tableFuncCols are a table function's output columns in FROM, before
// aliases: a JSON function's named columns, or one column named after
// the function.
func tableFuncCols(name string, args []Expr, pos int) ([]Column, error) {
	if name == "unnest" && len(args) > 1 {
		// unnest(a, b, ...) in FROM is ROWS FROM (unnest(a), unnest(b),
		// ...): a column per array, each named unnest.
		cols := make([]Column, len(args))
		for i, a := range args {
			cols[i] = Column{Name: name, T: elemOf(a.Type()), TypeMod: -1}
		}
		return cols, nil
	}
	t, err := tableFuncType(name, args, pos)
	if err != nil {
		return nil, err
	}
	names, ok := namedTableFuncs[name]
	if !ok {
		return []Column{{Name: name, T: t, TypeMod: -1}}, nil
	}
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, T: t, TypeMod: -1}
	}
	switch name {
	case "information_schema._pg_expandarray":
		cols[1].T = types.Int4 // the element's position
	case "pg_get_keywords":
		cols[1].T, cols[2].T, cols[3].T, cols[4].T = types.Char, types.Bool, types.Text, types.Text
	default:
		if len(cols) == 2 {
			cols[0].T = types.Text // the key
		}
	}
	return cols, nil
}

// tableFuncType checks a set-returning function's arguments and returns
// the type of its one output column.
func tableFuncType(name string, args []Expr, pos int) (types.T, error) {
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return 0, errAt(errs.UndefinedFunction, pos, "function generate_series with %d arguments does not exist", len(args))
		}
		isTime := func(t types.T) bool { return t == types.Timestamp || t == types.Timestamptz || t == types.Date }
		if isTime(args[0].Type()) || isTime(args[1].Type()) {
			// generate_series(start, stop, interval): timestamptz when an
			// end is, else timestamp when an end is, else (dates)
			// timestamptz, as PostgreSQL resolves it.
			if len(args) != 3 || !(args[2].Type() == types.Interval || args[2].Type() == types.Unknown || args[2].Type().IsString()) {
				return 0, errAt(errs.UndefinedFunction, pos, "function generate_series(%s, %s) does not exist", args[0].Type(), args[1].Type())
			}
			switch a, b := args[0].Type(), args[1].Type(); {
			case a == types.Timestamptz || b == types.Timestamptz:
				return types.Timestamptz, nil
			case a == types.Timestamp || b == types.Timestamp:
				return types.Timestamp, nil
			}
			return types.Timestamptz, nil
		}
		for _, a := range args {
			switch a.Type() {
			case types.Numeric, types.Float8, types.Float4:
				return types.Numeric, nil
			case types.Interval:
				return 0, errAt(errs.UndefinedFunction, pos, "function generate_series(%s, %s, interval) does not exist", args[0].Type(), args[1].Type())
			}
		}
		if args[0].Type() == types.Int4 && args[1].Type() == types.Int4 {
			return types.Int4, nil
		}
		return types.Int8, nil
	case "unnest":
		if len(args) != 1 {
			return 0, errAt(errs.UndefinedFunction, pos, "function unnest with %d arguments does not exist", len(args))
		}
		return elemOf(args[0].Type()), nil
	case "pg_listening_channels":
		if len(args) != 0 {
			return 0, errAt(errs.UndefinedFunction, pos, "function pg_listening_channels with %d arguments does not exist", len(args))
		}
		return types.Text, nil
	case "generate_subscripts":
		if len(args) < 2 || len(args) > 3 {
			return 0, errAt(errs.UndefinedFunction, pos, "function generate_subscripts with %d arguments does not exist", len(args))
		}
		return types.Int4, nil
	case "pg_get_keywords":
		if len(args) != 0 {
			return 0, errAt(errs.UndefinedFunction, pos, "function pg_get_keywords with %d arguments does not exist", len(args))
		}
		return types.Text, nil
	case "pg_options_to_table":
		if len(args) != 1 {
			return 0, errAt(errs.UndefinedFunction, pos, "function pg_options_to_table with %d arguments does not exist", len(args))
		}
		return types.Text, nil
	case "information_schema._pg_expandarray":
		if len(args) != 1 {
			return 0, errAt(errs.UndefinedFunction, pos, "function information_schema._pg_expandarray with %d arguments does not exist", len(args))
		}
		return elemOf(args[0].Type()), nil
	case "pg_partition_ancestors":
		if len(args) != 1 {
			return 0, errAt(errs.UndefinedFunction, pos, "function pg_partition_ancestors with %d arguments does not exist", len(args))
		}
		return types.RegClass, nil
	case "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
		"json_object_keys", "jsonb_object_keys", "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		if len(args) != 1 {
			return 0, errAt(errs.UndefinedFunction, pos, "function %s with %d arguments does not exist", name, len(args))
		}
		switch a := args[0].Type(); {
		case a == types.JSON || a == types.JSONB || a == types.Doc || a == types.Unknown || a.IsString():
		default:
			return 0, errAt(errs.UndefinedFunction, pos, "function %s(%s) does not exist", name, a)
		}
		switch {
		case strings.HasSuffix(name, "_text") || strings.HasSuffix(name, "_keys"):
			return types.Text, nil
		case strings.HasPrefix(name, "jsonb"):
			return types.JSONB, nil
		}
		return types.JSON, nil
	}
	return 0, errNotTableFunc
}

// errNotTableFunc: the function is not a table function (it may be one
// that returns one value).
var errNotTableFunc = errors.New("not a table function")

func (b *Builder) buildFuncTable(x *ast.FuncTable, sc *scope) (Node, error) {
	name := strings.TrimPrefix(x.Func.Name, "pg_catalog.")
	if name == "topk" || name == "range" {
		return b.buildSortedScan(x, name, sc)
	}
	n, r, err := b.funcTable(x, name, &scope{outer: sc.outer})
	if err != nil {
		return nil, err
	}
	sc.add(r)
	return n, nil
}

// funcTable binds a table function's arguments in scope in (whose outer
// scopes its arguments may read) and returns its scan and its relation.
func (b *Builder) funcTable(x *ast.FuncTable, name string, in *scope) (*FuncScan, *rel, error) {
	bd := &binder{b: b, sc: in, noAgg: "functions in FROM"}
	args, cols, call, err := bd.fromFunc(x.Func, name)
	if err != nil {
		return nil, nil, err
	}
	var zip []*FuncScan
	if len(x.More) > 0 {
		// ROWS FROM (f(...), g(...)): each function's columns in turn.
		zip = append(zip, &FuncScan{Name: name, Args: args, Cols: cols, Scalar: call})
		cols = append([]Column(nil), cols...)
		for _, f := range x.More {
			fname := strings.TrimPrefix(f.Name, "pg_catalog.")
			fargs, fcols, fcall, err := bd.fromFunc(f, fname)
			if err != nil {
				return nil, nil, err
			}
			zip = append(zip, &FuncScan{Name: fname, Args: fargs, Cols: fcols, Scalar: fcall})
			cols = append(cols, fcols...)
		}
		args, call = nil, nil
	}
	scalar := len(cols) == 1 && !x.Ordinality
	if x.Ordinality {
		cols = append(cols, Column{Name: "ordinality", T: types.Int8})
	}
	if len(x.Columns) > len(cols) {
		return nil, nil, errAt(errs.InvalidColumnReference, x.Pos, "table %q has %d columns available but %d columns specified", x.Alias, len(cols), len(x.Columns))
	}
	for i, c := range x.Columns {
		cols[i].Name = c
	}
	if _, named := namedTableFuncs[name]; !named && len(x.Columns) == 0 && x.Alias != "" && !(name == "unnest" && len(args) > 1) && zip == nil {
		cols[0].Name = x.Alias // an unnamed column takes the alias (of a single function)
	}
	alias := x.Alias
	if alias == "" {
		alias = name
	}
	return &FuncScan{Name: name, Args: args, Cols: cols, Ordinality: x.Ordinality, Zip: zip, Scalar: call},
		&rel{name: alias, alias: alias, cols: cols, scalar: scalar}, nil
}

// fromFunc binds a function called in FROM: a table function's arguments
// and columns, or, for a function that returns one value, its call (one
// row, one column named after it, as in PostgreSQL); an unknown function
// is PostgreSQL's 42883.
func (bd *binder) fromFunc(f *ast.FuncCall, name string) (args []Expr, cols []Column, call Expr, err error) {
	if args, err = bd.bindArgs(f.Args); err != nil {
		return nil, nil, nil, err
	}
	cols, err = tableFuncCols(name, args, f.Pos)
	if !errors.Is(err, errNotTableFunc) {
		return args, cols, nil, err
	}
	if call, err = bd.bind(f, types.Unknown); err != nil {
		return nil, nil, nil, err
	}
	return nil, []Column{{Name: name, T: call.Type(), TypeMod: -1}}, call, nil
}

// lateralEntry reports whether a FROM entry may read the entries before
// it: LATERAL (SELECT ...) and table functions (as in PostgreSQL, which
// makes functions in FROM lateral without the keyword).
func lateralEntry(te ast.TableExpr) bool {
	switch x := te.(type) {
	case *ast.Subquery:
		return x.Lateral
	case *ast.FuncTable:
		name := strings.TrimPrefix(x.Func.Name, "pg_catalog.")
		return name != "topk" && name != "range"
	}
	return false
}

// buildLateral plans a lateral entry over prefix, the scope of the
// entries before it. apply reports whether it reads them (or an enclosing
// query's row): it must then run once per prefix row (Apply); otherwise
// it is an ordinary entry. The caller adds r to its scope.
func (b *Builder) buildLateral(te ast.TableExpr, prefix *scope) (n Node, r *rel, apply bool, err error) {
	switch x := te.(type) {
	case *ast.FuncTable:
		in := &scope{outer: prefix}
		fs, r, err := b.funcTable(x, strings.TrimPrefix(x.Func.Name, "pg_catalog."), in)
		if err != nil {
			return nil, nil, false, err
		}
		return fs, r, in.correlated, nil
	case *ast.Subquery:
		n, err := b.buildSelect(x.Query, prefix)
		if err != nil {
			return nil, nil, false, err
		}
		r, err := subqueryRel(x, n)
		return n, r, true, err
	}
	return nil, nil, false, errs.Errorf(errs.InternalError, "not a lateral FROM entry: %T", te)
}

// aliasColumns renames a FROM entry's columns by its alias's column list
// (t AS x(a, b)): the first columns a query sees (a collection's visible
// ones, coll given), in order. More names than columns is PostgreSQL's
// 42P10. cols is not changed.
func aliasColumns(cols []Column, coll *catalog.Collection, x *ast.TableName) ([]Column, error) {
	if len(x.Columns) == 0 {
		return cols, nil
	}
	out := append([]Column(nil), cols...)
	n := 0
	for i := range out {
		if coll != nil && i < len(coll.Columns) && coll.Columns[i].Hidden {
			continue
		}
		if n < len(x.Columns) {
			out[i].Name = x.Columns[n]
		}
		n++
	}
	if len(x.Columns) > n {
		return nil, errs.Errorf(errs.InvalidColumnReference, "table %q has %d columns available but %d columns specified", x.Alias, n, len(x.Columns))
	}
	return out, nil
}

// subqueryRel is the relation of a derived table: its query's columns,
// renamed by the alias's column list.
func subqueryRel(x *ast.Subquery, n Node) (*rel, error) {
	cols := append([]Column(nil), n.Columns()...)
	if len(x.Columns) > len(cols) {
		return nil, errAt(errs.InvalidColumnReference, x.Pos, "table %q has %d columns available but %d columns specified", x.Alias, len(cols), len(x.Columns))
	}
	for i := range cols {
		if i < len(x.Columns) {
			cols[i].Name = x.Columns[i]
		}
		cols[i].TableOID, cols[i].AttrNum = 0, 0
	}
	return &rel{name: x.Alias, alias: x.Alias, cols: cols}, nil
}

// tail is the scope of sc's entries from column base on, their columns
// renumbered from 0 (the left side of a join inside a FROM list).
func (sc *scope) tail(base int) *scope {
	out := &scope{outer: sc.outer, cols: sc.cols[base:]}
	for _, r := range sc.rels {
		if r.off >= base {
			c := *r
			c.off -= base
			out.rels = append(out.rels, &c)
		}
	}
	return out
}

// SortedIndexCatalog finds indexes by name; the catalog implements it.
type SortedIndexCatalog interface {
	FindIndex(name string) (*catalog.Collection, *catalog.Index, bool)
}

// sortedIndexArg resolves the first argument of RANK, TOPK, RANGE and
// SORTED_COUNT when it names a sorted index: a bare identifier or a string
// literal. ok is false when the argument is another expression.
func (b *Builder) sortedIndexArg(a ast.Expr, pos int, fn string) (coll *catalog.Collection, ix *catalog.Index, ok bool, err error) {
	var name string
	switch x := a.(type) {
	case *ast.ColumnRef:
		if len(x.Parts) != 1 {
			return nil, nil, false, nil
		}
		name = x.Parts[0]
	case *ast.Literal:
		s, isStr := x.Value.(string)
		if !isStr {
			return nil, nil, false, nil
		}
		name = s
	default:
		return nil, nil, false, nil
	}
	cat, isCat := b.Cat.(SortedIndexCatalog)
	if !isCat {
		return nil, nil, false, errAt(errs.FeatureNotSupported, pos, "%s: sorted indexes are not available here", fn)
	}
	coll, ix, found := cat.FindIndex(name)
	if !found {
		return nil, nil, true, errAt(errs.UndefinedObject, pos, "sorted index %q does not exist", name)
	}
	if !ix.Sorted {
		return nil, nil, true, errAt(errs.WrongObjectType, pos, "%q is not a sorted index", name)
	}
	return coll, ix, true, nil
}

// buildSortedScan plans TOPK(index, k) and RANGE(index, lo, hi) in FROM:
// rows of rank, key and the index's sort columns.
func (b *Builder) buildSortedScan(x *ast.FuncTable, name string, sc *scope) (Node, error) {
	fn := strings.ToUpper(name)
	want := 2
	if name == "range" {
		want = 3
	}
	if len(x.Func.Args) != want {
		return nil, errAt(errs.UndefinedFunction, x.Pos, "function %s with %d arguments does not exist", name, len(x.Func.Args))
	}
	coll, ix, ok, err := b.sortedIndexArg(x.Func.Args[0], x.Pos, fn)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errAt(errs.InvalidParameterValue, x.Pos, "the first argument of %s must name a sorted index", fn)
	}
	bd := &binder{b: b, sc: &scope{outer: sc.outer}, noAgg: "functions in FROM"}
	var args []Expr
	for i, a := range x.Func.Args[1:] {
		hint := types.Int8
		if name == "range" {
			hint = types.Unknown
			if coll.Tuple() {
				if ci := coll.ColumnIndex(ix.Columns[0]); ci >= 0 {
					hint = coll.Columns[ci].Type
				}
			}
		}
		e, err := bd.bind(a, hint)
		if err != nil {
			return nil, err
		}
		if name == "topk" && i == 0 && !e.Type().IsNumeric() && e.Type() != types.Unknown {
			return nil, errAt(errs.InvalidParameterValue, x.Pos, "TOPK needs an integer k, not %s", e.Type())
		}
		args = append(args, e)
	}
	names, ts := sortedColumns(coll, ix)
	cols := make([]Column, len(names))
	for i := range names {
		cols[i] = Column{Name: names[i], T: ts[i], TypeMod: -1}
	}
	if len(x.Columns) > len(cols) {
		return nil, errAt(errs.SyntaxError, x.Pos, "%s returns %d columns, %d column names given", fn, len(cols), len(x.Columns))
	}
	for i, c := range x.Columns {
		cols[i].Name = c
	}
	alias := x.Alias
	if alias == "" {
		alias = name
	}
	sc.add(&rel{name: alias, alias: alias, cols: cols})
	return &FuncScan{Name: name, Args: args, Cols: cols, Coll: coll, Index: ix}, nil
}

// sortedColumns are the columns TOPK and RANGE return: rank (bigint,
// 1-based), key (the KEY column), then the sort columns.
func sortedColumns(coll *catalog.Collection, ix *catalog.Index) (names []string, ts []types.T) {
	typeOf := func(c string) types.T {
		if coll.Tuple() {
			if i := coll.ColumnIndex(c); i >= 0 {
				return coll.Columns[i].Type
			}
		} else if coll.Fields != nil {
			if f, ok := coll.Fields.Lookup(c); ok && f.Type != types.Unknown {
				return f.Type
			}
		}
		return types.Text
	}
	names = append(names, "rank", "key")
	ts = append(ts, types.Int8, typeOf(ix.Key))
	for _, c := range ix.Columns {
		names = append(names, c)
		ts = append(ts, typeOf(c))
	}
	return names, ts
}

func elemOf(t types.T) types.T {
	switch t {
	case types.TextArray:
		return types.Text
	case types.Int2Array, types.Int2Vector:
		return types.Int2
	case types.OIDArray, types.OIDVector:
		return types.OID
	}
	return types.Doc
}

// StreamScan reads a change stream for a consumer group (reads never
// commit offsets). Limit caps the events read; Unfiltered is set when the
// query returns the events as read (no WHERE, ORDER BY or grouping), so
// the read counts as delivered through its last event.
type StreamScan struct {
	Stream     *catalog.Stream
	Group      *catalog.Group
	Partition  Expr   // nil: every partition
	Limit      Expr   // nil: the default (100)
	Consumer   string // a named member: reads only its share of partitions
	Topic      bool   // a topic: rows are TopicColumns
	Unfiltered bool
	// After, when set, skips events at or below this LSN (a consumer's
	// `WHERE lsn > n`, read without waiting for its offset commit).
	After Expr
	Cols  []Column
}

// Columns returns the event columns.
func (n *StreamScan) Columns() []Column { return n.Cols }

// StreamColumns are the columns of a stream read.
var StreamColumns = []Column{
	{Name: "sequence", T: types.Int8, TypeMod: -1},
	{Name: "partition", T: types.Int4, TypeMod: -1},
	{Name: "collection", T: types.Text, TypeMod: -1},
	{Name: "event_type", T: types.Text, TypeMod: -1},
	{Name: "row_id", T: types.Text, TypeMod: -1},
	{Name: "lsn", T: types.Int8, TypeMod: -1},
	{Name: "event_time", T: types.Timestamptz, TypeMod: -1},
	{Name: "new_value", T: types.JSON, TypeMod: -1},
	{Name: "old_value", T: types.JSON, TypeMod: -1},
}

// TopicColumns are the columns of a topic read.
var TopicColumns = []Column{
	{Name: "sequence", T: types.Int8, TypeMod: -1},
	{Name: "partition", T: types.Int4, TypeMod: -1},
	{Name: "lsn", T: types.Int8, TypeMod: -1},
	{Name: "published_at", T: types.Timestamptz, TypeMod: -1},
	{Name: "payload", T: types.JSON, TypeMod: -1},
}

// StreamCatalog is what the planner needs to resolve streams and groups.
type StreamCatalog interface {
	MustStream(name string) (*catalog.Stream, error)
	MustTopicStream(name string) (*catalog.Stream, error)
	MustGroup(st *catalog.Stream, name string) (*catalog.Group, error)
}

func (b *Builder) buildStreamScan(x *ast.StreamSource, sc *scope) (Node, error) {
	cat, ok := b.Cat.(StreamCatalog)
	if !ok {
		return nil, errAt(errs.FeatureNotSupported, x.Pos, "change streams are not available here")
	}
	var st *catalog.Stream
	var err error
	if x.Topic {
		st, err = cat.MustTopicStream(x.Name)
	} else {
		st, err = cat.MustStream(x.Name)
	}
	if err != nil {
		return nil, withPos(err, x.Pos)
	}
	g, err := cat.MustGroup(st, x.Group)
	if err != nil {
		return nil, withPos(err, x.Pos)
	}
	cols := StreamColumns
	if x.Topic {
		cols = TopicColumns
	}
	n := &StreamScan{Stream: st, Group: g, Consumer: x.Consumer, Topic: x.Topic, Cols: cols}
	if x.Partition != nil {
		bd := &binder{b: b, sc: &scope{}, noAgg: "PARTITION"}
		if n.Partition, err = bd.bind(x.Partition, types.Int4); err != nil {
			return nil, err
		}
	}
	alias := x.Alias
	if alias == "" {
		alias = x.Name
	}
	sc.add(&rel{name: x.Name, alias: alias, cols: cols})
	return n, nil
}
