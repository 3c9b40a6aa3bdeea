package plan_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
)

// Operators over constants are computed once, when the statement is
// planned; one that fails is left for evaluation (which fails only if it
// reaches it).
func TestFoldConstants(t *testing.T) {
	stmts, err := parser.Parse("SELECT 1 + 2, 0.06 - 0.01, date '1994-01-01' + interval '1' year, 1 / 0, $1 + 1")
	require.NoError(t, err)
	n, err := (&plan.Builder{}).BuildSelect(stmts[0].AST.(*ast.Select))
	require.NoError(t, err)
	p, ok := n.(*plan.Project)
	require.True(t, ok, "%T", n)
	require.Len(t, p.Exprs, 5)
	c, ok := p.Exprs[0].(*plan.Const)
	require.True(t, ok, "1 + 2 is %T", p.Exprs[0])
	require.Equal(t, int64(3), c.V)
	for i, want := range []string{"0.05", "1995-01-01"} {
		c, ok := p.Exprs[i+1].(*plan.Const)
		require.True(t, ok, "expression %d is %T", i+2, p.Exprs[i+1])
		require.Contains(t, fmtValue(c.V), want)
	}
	_, ok = p.Exprs[3].(*plan.BinOp)
	require.True(t, ok, "1 / 0 must stay an operator, is %T", p.Exprs[3])
	_, ok = p.Exprs[4].(*plan.BinOp)
	require.True(t, ok, "a parameter is not a constant, got %T", p.Exprs[4])
}

func fmtValue(v any) string {
	if s, ok := v.(interface{ String() string }); ok {
		return s.String()
	}
	return ""
}
