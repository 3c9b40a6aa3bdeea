package plan

import (
	"slices"

	"github.com/nodedb-go/nodedb/sql/ast"
)

// queryVisitor walks a query and every query inside it (WITH queries,
// FROM subqueries, subqueries in expressions): table sees each relation
// named in a FROM clause, item each select-list entry, expr each
// expression (walked whole by the caller's function too).
type queryVisitor struct {
	cte   func(name string)
	table func(*ast.TableName)
	item  func(*ast.SelectItem)
	expr  func(ast.Expr)
}

func (v *queryVisitor) query(q *ast.Select) {
	if q == nil {
		return
	}
	if q.With != nil {
		for _, c := range q.With.CTEs {
			if v.cte != nil {
				v.cte(c.Name)
			}
		}
		for _, c := range q.With.CTEs {
			v.query(c.Query)
		}
	}
	v.body(q.Body)
	for _, o := range q.OrderBy {
		v.exprs(o.Expr)
	}
}

func (v *queryVisitor) body(b ast.SelectBody) {
	switch x := b.(type) {
	case *ast.SelectCore:
		for _, t := range x.From {
			v.tableExpr(t)
		}
		for i := range x.Items {
			if v.item != nil {
				v.item(&x.Items[i])
			}
			v.exprs(x.Items[i].Expr)
		}
		v.exprs(x.Where)
		for _, g := range x.GroupBy {
			v.exprs(g)
		}
		v.exprs(x.Having)
	case *ast.SetOp:
		v.body(x.Left)
		v.body(x.Right)
	case *ast.ValuesClause:
		for _, r := range x.Rows {
			for _, e := range r {
				v.exprs(e)
			}
		}
	}
}

func (v *queryVisitor) tableExpr(t ast.TableExpr) {
	switch x := t.(type) {
	case *ast.TableName:
		v.table(x)
	case *ast.Join:
		v.tableExpr(x.Left)
		v.tableExpr(x.Right)
		v.exprs(x.On)
	case *ast.Subquery:
		v.query(x.Query)
	case *ast.FuncTable:
		for _, f := range append([]*ast.FuncCall{x.Func}, x.More...) {
			for _, a := range f.Args {
				v.exprs(a)
			}
		}
	}
}

// exprs visits an expression's nodes and the queries inside it.
func (v *queryVisitor) exprs(e ast.Expr) {
	walk(e, func(x ast.Expr) bool {
		if v.expr != nil {
			v.expr(x)
		}
		switch s := x.(type) {
		case *ast.SubqueryExpr:
			v.query(s.Query)
		case *ast.Exists:
			v.query(s.Query)
		case *ast.InSubquery:
			v.query(s.Query)
		case *ast.Quantified:
			v.query(s.Query)
		}
		return true
	})
}

// RelationsIn lists the relations (tables, views) a query reads, in the
// order first named, without the names of its WITH queries: what a view
// defined by it depends on.
func RelationsIn(q *ast.Select) []string {
	var out []string
	ctes := map[string]bool{}
	v := &queryVisitor{
		cte: func(name string) { ctes[name] = true },
		table: func(t *ast.TableName) {
			if !ctes[t.Name] && !slices.Contains(out, t.Name) {
				out = append(out, t.Name)
			}
		},
	}
	v.query(q)
	return out
}

// RenameRelation renames relation from to to wherever q (or a query in
// it) names it: FROM entries, and the qualifiers of columns and of t.*
// when no alias stands for it. It is a view's query after ALTER TABLE ...
// RENAME TO, which PostgreSQL's views follow (they hold the table's OID).
func RenameRelation(q *ast.Select, from, to string) {
	v := &queryVisitor{
		table: func(t *ast.TableName) {
			if t.Name == from {
				t.Name = to
			}
		},
		item: func(it *ast.SelectItem) {
			if it.Star && it.StarTable == from {
				it.StarTable = to
			}
		},
		expr: func(x ast.Expr) {
			if c, ok := x.(*ast.ColumnRef); ok && (len(c.Parts) > 1 || c.WholeRow) && c.Parts[0] == from {
				c.Parts[0] = to
			}
		},
	}
	v.query(q)
}
