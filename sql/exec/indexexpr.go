package exec

import (
	"slices"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
)

// Key expressions and predicates of indexes (catalog.Index's Exprs and
// Where) are kept as SQL text; these helpers follow the column changes
// of ALTER TABLE through them.

// indexUses reports whether an index reads a column: as a key column, an
// INCLUDE column, a sorted index's key, or in a key expression or its
// predicate. DROP
// COLUMN drops such indexes, as PostgreSQL does.
func indexUses(ix catalog.Index, column string) bool {
	if slices.Contains(ix.Columns, column) || slices.Contains(ix.Include, column) || ix.Key == column {
		return true
	}
	found := false
	eachIndexExpr(ix, func(e ast.Expr) ast.Expr {
		ast.Inspect(e, func(x any) {
			if c, ok := x.(*ast.ColumnRef); ok && !c.WholeRow && len(c.Parts) > 0 && c.Parts[len(c.Parts)-1] == column {
				found = true
			}
		})
		return nil
	})
	return found
}

// renameInIndexExprs rewrites the key expressions and predicates of n's
// indexes for a column renamed from to to. The indexes' slices are
// copied first: n is a clone sharing them with the published descriptor.
func renameInIndexExprs(n *catalog.Collection, from, to string) {
	for i := range n.Indexes {
		ix := &n.Indexes[i]
		if ix.Where == "" && !ix.HasExprs() {
			continue
		}
		ix.Exprs = slices.Clone(ix.Exprs)
		where := &ix.Where
		eachIndexExpr(*ix, func(e ast.Expr) ast.Expr {
			ast.Inspect(e, func(x any) {
				if c, ok := x.(*ast.ColumnRef); ok && !c.WholeRow && len(c.Parts) > 0 && c.Parts[len(c.Parts)-1] == from {
					c.Parts[len(c.Parts)-1] = to
				}
			})
			return e
		}, func(j int, text string) {
			if j < 0 {
				*where = text
			} else {
				ix.Exprs[j] = text
			}
		})
	}
}

// eachIndexExpr calls fn with each parsed key expression, then the
// predicate, of an index; when fn returns an expression and set is
// given, set receives its text (j is the key element, -1 the predicate).
// Text that no longer parses is skipped.
func eachIndexExpr(ix catalog.Index, fn func(ast.Expr) ast.Expr, set ...func(j int, text string)) {
	visit := func(j int, text string) {
		if text == "" {
			return
		}
		e, err := parser.ParseExpr(text)
		if err != nil {
			return
		}
		if out := fn(e); out != nil && len(set) > 0 {
			set[0](j, ast.Format(out))
		}
	}
	for j, text := range ix.Exprs {
		visit(j, text)
	}
	visit(-1, ix.Where)
}
