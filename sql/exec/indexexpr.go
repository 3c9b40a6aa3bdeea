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
// predicate. DROP COLUMN drops such indexes, as PostgreSQL does.
func indexUses(ix catalog.Index, column string) bool {
	if slices.Contains(ix.Columns, column) || slices.Contains(ix.Include, column) || ix.Key == column {
		return true
	}
	found := false
	for _, text := range append(slices.Clone(ix.Exprs), ix.Where) {
		mapColumnRefs(text, func(c *ast.ColumnRef) {
			found = found || c.Parts[len(c.Parts)-1] == column
		})
	}
	return found
}

// renameInIndexExprs rewrites the key expressions and predicates of n's
// indexes for a column renamed from to to. The expressions' slices are
// copied first: n is a clone sharing them with the published descriptor.
func renameInIndexExprs(n *catalog.Collection, from, to string) {
	rename := func(c *ast.ColumnRef) {
		if c.Parts[len(c.Parts)-1] == from {
			c.Parts[len(c.Parts)-1] = to
		}
	}
	for i := range n.Indexes {
		ix := &n.Indexes[i]
		if ix.Where == "" && !ix.HasExprs() {
			continue
		}
		ix.Exprs = slices.Clone(ix.Exprs)
		for j := range ix.Exprs {
			ix.Exprs[j] = mapColumnRefs(ix.Exprs[j], rename)
		}
		ix.Where = mapColumnRefs(ix.Where, rename)
	}
}

// mapColumnRefs calls fn with each column reference of the expression
// text holds and returns the expression's text after it; text that is
// empty or no longer parses is returned as it is.
func mapColumnRefs(text string, fn func(*ast.ColumnRef)) string {
	if text == "" {
		return text
	}
	e, err := parser.ParseExpr(text)
	if err != nil {
		return text
	}
	ast.Inspect(e, func(x any) {
		if c, ok := x.(*ast.ColumnRef); ok && !c.WholeRow && len(c.Parts) > 0 {
			fn(c)
		}
	})
	return ast.Format(e)
}
