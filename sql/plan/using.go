package plan

import (
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// A FROM clause is a list of entries, each a relation or a join of two
// entries. For column names, PostgreSQL treats a join with USING (or
// NATURAL) as one relation whose columns are the merged USING columns,
// then the other columns of its left input, then those of its right: a
// bare name c means the merged column, not a.c or b.c (which stay
// reachable qualified), and SELECT * shows c once, first. fromNode keeps
// that tree; the row layout underneath is unchanged (every relation's
// columns side by side), a merged column being an expression over it.

// fromNode is one FROM entry as a namespace: a relation, or a join of two
// entries with the columns its USING clause merged.
type fromNode struct {
	rel         *rel
	left, right *fromNode
	merged      []*mergedCol
}

// mergedCol is the one column a USING join shows for a.c and b.c.
type mergedCol struct {
	idx  int // position in scope.merged
	name string
	// expr reads it from the scope's row: the left column (inner and
	// LEFT joins), the right one (RIGHT), COALESCE of both (FULL).
	expr Expr
	from [2]nsCol // the left and right columns it replaces
}

// nsCol is a column as a bare name sees it: a relation's column or a
// merged column.
type nsCol struct {
	name string
	rel  *rel
	m    *mergedCol
}

func (c nsCol) expr() Expr {
	if c.m != nil {
		return c.m.expr
	}
	e, _ := inRel(c.rel, []string{c.name}, 0)
	return e
}

// usingMarker qualifies the column references SELECT * makes for merged
// columns: a merged column may be unreachable by its bare name (another
// FROM entry has a column of that name), so * names it by its position in
// scope.merged ({usingMarker, "3", "id"}).
const usingMarker = "\x00using"

func (m *mergedCol) ref() []string { return []string{usingMarker, strconv.Itoa(m.idx), m.name} }

// starMarker qualifies the column references SELECT * makes for a column
// whose relation has another of the same name (SELECT * FROM (SELECT 1 AS
// a, 2 AS a) s): the name alone is ambiguous, so * names it by its
// position in the scope's row ({starMarker, "1", "a"}).
const starMarker = "\x00star"

// refText is a column reference as messages show it.
func refText(parts []string) string {
	if len(parts) == 3 && (parts[0] == usingMarker || parts[0] == starMarker) {
		return parts[2]
	}
	return strings.Join(parts, ".")
}

// visible lists the columns of a FROM entry in SELECT * order.
func (n *fromNode) visible() []nsCol {
	if n.rel != nil {
		if n.rel.qualifiedOnly {
			return nil
		}
		var out []nsCol
		for _, name := range relNames(n.rel) {
			out = append(out, nsCol{name: name, rel: n.rel})
		}
		return out
	}
	var out []nsCol
	for _, m := range n.merged {
		out = append(out, nsCol{name: m.name, m: m})
	}
	for _, side := range []*fromNode{n.left, n.right} {
		for _, c := range side.visible() {
			if !n.replaces(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func (n *fromNode) replaces(c nsCol) bool {
	for _, m := range n.merged {
		if m.from[0] == c || m.from[1] == c {
			return true
		}
	}
	return false
}

// lookup finds the columns of a FROM entry a bare name reaches. A
// schemaless collection has every name as a field, seen yet or not.
func (n *fromNode) lookup(name string) []nsCol {
	var out []nsCol
	for _, c := range n.visible() {
		if c.name == name {
			out = append(out, c)
		}
	}
	if len(out) == 0 && n.rel != nil && n.rel.schemaless() && !n.rel.qualifiedOnly {
		out = append(out, nsCol{name: name, rel: n.rel})
	}
	return out
}

// relNames are the columns of a relation that SELECT * shows.
func relNames(r *rel) []string {
	if r.coll != nil && r.aliased {
		var names []string
		for i, c := range r.cols {
			if !r.coll.Columns[i].Hidden {
				names = append(names, c.Name)
			}
		}
		return names
	}
	if r.coll != nil {
		return StarNames(r.coll)
	}
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.Name
	}
	return names
}

// joinEntries replaces the last two FROM entries of sc (a join's inputs)
// with their join. With USING or NATURAL it merges the named columns and
// returns the join condition (left.c = right.c for each) over sc's row.
func (sc *scope) joinEntries(kind string, using []string, natural bool, pos int) (Expr, error) {
	n := len(sc.items)
	left, right := sc.items[n-2], sc.items[n-1]
	j := &fromNode{left: left, right: right}
	sc.items = append(sc.items[:n-2], j)
	if natural {
		using = nil
		seen := map[string]bool{}
		rnames := map[string]bool{}
		for _, c := range right.visible() {
			rnames[c.name] = true
		}
		for _, c := range left.visible() {
			if rnames[c.name] && !seen[c.name] {
				seen[c.name] = true
				using = append(using, c.name)
			}
		}
		if len(using) == 0 {
			// No common column: a cross join (ON TRUE for outer joins).
			if kind == "INNER" || kind == "CROSS" {
				return nil, nil
			}
			return &Const{V: true, T: types.Bool}, nil
		}
	}
	var cond Expr
	seen := map[string]bool{}
	for _, u := range using {
		if seen[u] {
			return nil, errAt(errs.DuplicateColumn, pos, "column name %q appears more than once in USING clause", u)
		}
		seen[u] = true
		var pair [2]nsCol
		for i, side := range []*fromNode{left, right} {
			which := [2]string{"left", "right"}[i]
			found := side.lookup(u)
			switch {
			case len(found) == 0:
				return nil, errAt(errs.UndefinedColumn, pos, "column %q specified in USING clause does not exist in %s table", u, which)
			case len(found) > 1:
				return nil, errAt(errs.AmbiguousColumn, pos, "common column name %q appears more than once in %s table", u, which)
			}
			pair[i] = found[0]
		}
		l, r := pair[0].expr(), pair[1].expr()
		m := &mergedCol{idx: len(sc.merged), name: u, expr: l, from: pair}
		switch kind {
		case "RIGHT":
			m.expr = r
		case "FULL":
			f, _ := funcs.Lookup("coalesce")
			t, err := f.Type([]types.T{l.Type(), r.Type()})
			if err != nil {
				return nil, withPos(err, pos)
			}
			m.expr = &Call{F: f, Args: []Expr{l, r}, T: t}
		}
		j.merged = append(j.merged, m)
		sc.merged = append(sc.merged, m)
		if sc.replaced == nil {
			sc.replaced = map[nsCol]bool{}
		}
		sc.replaced[pair[0]], sc.replaced[pair[1]] = true, true
		eq := &BinOp{Op: "=", L: l, R: r, T: types.Bool}
		if cond == nil {
			cond = eq
		} else {
			cond = &Logic{And: true, L: cond, R: eq}
		}
	}
	return cond, nil
}

// resolveMerged finds a bare name among the merged columns of sc that no
// enclosing join merged again; n counts the matches (more than one is
// ambiguous).
func resolveMerged(sc *scope, parts []string, depth int) (e Expr, n int) {
	for _, m := range sc.merged {
		if m.name != parts[0] || sc.replaced[nsCol{name: m.name, m: m}] {
			continue
		}
		n++
		e = fieldPath(atDepth(m.expr, depth), parts[1:])
	}
	return e, n
}

// atDepth turns the column references of an expression over a scope's row
// into references from a query nested depth levels inside it.
func atDepth(e Expr, depth int) Expr {
	if depth == 0 {
		return e
	}
	return mapExpr(e, func(x Expr) Expr {
		if c, ok := x.(*ColRef); ok {
			return &OuterRef{Depth: depth, Idx: c.Idx, T: c.T}
		}
		return x
	})
}
