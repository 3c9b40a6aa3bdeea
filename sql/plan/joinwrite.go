package plan

import (
	"slices"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// UPDATE ... FROM and DELETE ... USING are planned as the single-table
// statements they mean: the target rows are those for which the other
// tables have a matching row,
//
//	UPDATE t SET c = v FROM s WHERE w
//	  = UPDATE t SET c = (SELECT v FROM s WHERE w' LIMIT 1)
//	    WHERE w_t AND EXISTS (SELECT 1 FROM s WHERE w')
//
// where w_t are the conjuncts of w that read only t (they choose t's
// access path) and w' the others. The subqueries read t's row as an outer
// row, so their lookups in s use its values (key and index lookups). As
// in PostgreSQL, a target row is written once, with one of its matches
// when it has several.

// joinedWrite rewrites the WHERE (and SET values) of a write whose target
// coll (named ref in the statement) is joined to the entries of from.
type joinedWrite struct {
	coll *catalog.Collection
	ref  string
	from []ast.TableExpr
	rest ast.Expr // w': the conjuncts that read the other entries
}

func (b *Builder) newJoinedWrite(coll *catalog.Collection, alias string, from []ast.TableExpr, where ast.Expr, pos int) (*joinedWrite, ast.Expr, error) {
	jw := &joinedWrite{coll: coll, ref: coll.Name, from: from}
	if alias != "" {
		jw.ref = alias
	}
	refs := map[string]bool{}
	plain := true // every entry is a collection whose columns are known
	var other []*catalog.Collection
	var visit func(te ast.TableExpr)
	visit = func(te ast.TableExpr) {
		switch x := te.(type) {
		case *ast.TableName:
			n := x.Name
			if x.Alias != "" {
				n = x.Alias
			}
			refs[n] = true
			if c, ok := b.collection(x.Name); ok && c.Tuple() && !b.isCTE(x.Name) && len(x.Columns) == 0 {
				other = append(other, c)
			} else {
				plain = false
			}
		case *ast.Subquery:
			refs[x.Alias] = true
			plain = false
		case *ast.FuncTable:
			n := x.Alias
			if n == "" {
				n = x.Func.Name
			}
			refs[n] = true
			plain = false
		case *ast.Join:
			if x.Alias != "" {
				refs[x.Alias] = true
				plain = false
				return
			}
			visit(x.Left)
			visit(x.Right)
		default:
			plain = false
		}
	}
	for _, te := range from {
		visit(te)
	}
	if refs[jw.ref] {
		return nil, nil, errAt(errs.DuplicateAlias, pos, "table name %q specified more than once", jw.ref)
	}
	// ownName: an unqualified name reads the target only when the target
	// has that column and no other entry can.
	ownName := func(n string) bool {
		if !coll.Tuple() || coll.ColumnIndex(n) < 0 || !plain {
			return false
		}
		for _, c := range other {
			if c.ColumnIndex(n) >= 0 {
				return false
			}
		}
		return true
	}
	var own []ast.Expr
	var rest []ast.Expr
	for _, c := range astConjuncts(where) {
		if readsOnly(c, jw.ref, refs, ownName) {
			own = append(own, c)
		} else {
			rest = append(rest, c)
		}
	}
	jw.rest = andAll(rest)
	exists := &ast.Exists{Pos: pos, Query: jw.query(&ast.Literal{Pos: pos, Kind: "int", Value: int64(1)}, false)}
	return jw, andAll(append(own, exists)), nil
}

// expandJoinedItems expands RETURNING's * and t.* in a write joined to
// jw's entries as PostgreSQL does: * is the target's columns followed by
// the other entries' (as SELECT * over them shows them), t.* names the
// target or one of the others. other marks the items that read the
// others' columns, each read from the match (jw.value).
func (b *Builder) expandJoinedItems(items []ast.SelectItem, sc *scope, jw *joinedWrite) ([]ast.SelectItem, map[int]bool, error) {
	var out []ast.SelectItem
	other := map[int]bool{}
	var osc *scope
	others := func() (*scope, error) {
		if osc == nil {
			_, s, err := b.buildFrom(jw.from, nil, nil)
			if err != nil {
				return nil, err
			}
			osc = s
		}
		return osc, nil
	}
	addOthers := func(it ast.SelectItem, s *scope) error {
		ex, err := b.expandItems([]ast.SelectItem{it}, s)
		if err != nil {
			return err
		}
		for _, e := range ex {
			other[len(out)] = true
			out = append(out, e)
		}
		return nil
	}
	for _, it := range items {
		if !it.Star {
			out = append(out, it)
			continue
		}
		if it.StarTable == "" || it.StarTable == sc.rels[0].ref() {
			own, err := b.expandItems([]ast.SelectItem{{Pos: it.Pos, Star: true}}, sc)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, own...)
			if it.StarTable != "" {
				continue
			}
		}
		s, err := others()
		if err != nil {
			return nil, nil, err
		}
		if it.StarTable == "" {
			if err := addOthers(it, s); err != nil {
				return nil, nil, err
			}
			continue
		}
		if !slices.ContainsFunc(s.rels, func(r *rel) bool { return !r.qualifiedOnly && r.ref() == it.StarTable }) {
			all := &scope{rels: append(append([]*rel{}, sc.rels...), s.rels...)}
			return nil, nil, missingRTE(all, it.StarTable, it.Pos)
		}
		if err := addOthers(it, s); err != nil {
			return nil, nil, err
		}
	}
	return out, other, nil
}

// query is SELECT item FROM the other entries WHERE w' [LIMIT 1].
func (jw *joinedWrite) query(item ast.Expr, one bool) *ast.Select {
	core := &ast.SelectCore{Items: []ast.SelectItem{{Expr: item}}, From: jw.from, Where: jw.rest}
	sel := &ast.Select{Body: core}
	if one {
		sel.Limit = &ast.Literal{Kind: "int", Value: int64(1)}
	}
	return sel
}

// sourceAlias names the sub-SELECT of SET (a, b) = (SELECT ...) in the
// query source makes of it (not a name SQL text can spell).
const sourceAlias = "set source"

// source is the query SET (a, b) = (q) reads in UPDATE ... FROM: q
// evaluated over the match,
//
//	SELECT s.* FROM <others>, LATERAL (q) AS s WHERE w' LIMIT 1
//
// whose lateral join oneSourceRow then marks to refuse more than one row
// of q (21000, as PostgreSQL's sub-SELECT does), several matches being
// fine.
func (jw *joinedWrite) source(q *ast.Select, pos int) *ast.Select {
	from := append(append([]ast.TableExpr{}, jw.from...), &ast.Subquery{Pos: pos, Query: q, Alias: sourceAlias, Lateral: true})
	core := &ast.SelectCore{Items: []ast.SelectItem{{Pos: pos, Star: true, StarTable: sourceAlias}}, From: from, Where: jw.rest}
	return &ast.Select{Pos: pos, Body: core, Limit: &ast.Literal{Pos: pos, Kind: "int", Value: int64(1)}}
}

// oneSourceRow marks the lateral join of a query source made (the first
// Apply below its projection, filters and limit) to refuse more than one
// row of the sub-SELECT per match.
func oneSourceRow(n Node) error {
	for {
		switch x := n.(type) {
		case *Project:
			n = x.Input
		case *Limit:
			n = x.Input
		case *Filter:
			n = x.Input
		case *Apply:
			x.One = true
			return nil
		default:
			return errs.Errorf(errs.InternalError, "UPDATE ... FROM: no lateral join in the plan of SET's sub-SELECT (%T)", n)
		}
	}
}

// value is a SET value over the joined row: unchanged when it reads no
// column (a constant, DEFAULT), else a scalar subquery over the match.
func (jw *joinedWrite) value(v ast.Expr) ast.Expr {
	if _, ok := v.(*ast.DefaultExpr); ok {
		return v
	}
	reads := false
	walk(v, func(x ast.Expr) bool {
		switch x.(type) {
		case *ast.ColumnRef, *ast.SubqueryExpr, *ast.Exists, *ast.InSubquery, *ast.Quantified:
			reads = true
		}
		return !reads
	})
	if !reads {
		return v
	}
	return &ast.SubqueryExpr{Pos: v.Position(), Query: jw.query(v, true)}
}

// readsOnly reports whether conjunct c reads only the target (named ref):
// plain expressions whose column references are qualified by ref, or
// unqualified names ownName accepts. Anything else (subqueries, window
// or aggregate syntax, other entries' columns) is not.
func readsOnly(c ast.Expr, ref string, others map[string]bool, ownName func(string) bool) bool {
	ok := true
	walk(c, func(x ast.Expr) bool {
		switch e := x.(type) {
		case *ast.ColumnRef:
			switch {
			case e.WholeRow:
				ok = false
			case len(e.Parts) >= 2 && e.Parts[0] == ref:
			case len(e.Parts) >= 2 && others[e.Parts[0]]:
				ok = false
			default:
				ok = ownName(e.Parts[0])
			}
		case *ast.FuncCall:
			ok = e.Over == nil && e.Filter == nil && len(e.OrderBy) == 0 && !e.Star && len(e.Named) == 0
		case *ast.Literal, *ast.Param, *ast.Unary, *ast.Binary, *ast.IsNull, *ast.IsBool, *ast.Between,
			*ast.InList, *ast.Cast, *ast.Case, *ast.TypedString, *ast.ArrayLit, *ast.Subscript:
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// astConjuncts splits a WHERE into its top-level AND terms.
func astConjuncts(e ast.Expr) []ast.Expr {
	if e == nil {
		return nil
	}
	if x, ok := e.(*ast.Binary); ok && x.Op == "AND" {
		return append(astConjuncts(x.L), astConjuncts(x.R)...)
	}
	return []ast.Expr{e}
}

// andAll joins terms with AND (nil for none).
func andAll(terms []ast.Expr) ast.Expr {
	var out ast.Expr
	for _, t := range terms {
		if out == nil {
			out = t
			continue
		}
		out = &ast.Binary{Pos: t.Position(), Op: "AND", L: out, R: t}
	}
	return out
}
