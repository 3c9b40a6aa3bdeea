package plan_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// TestExplain runs testdata/explain: "ddl" creates collections and
// indexes, "explain" prints plan.Explain of one statement (access-path
// choice and operator shape). Rewrite with -rewrite.
func TestExplain(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	txm, err := txn.NewManager(st, txn.Options{})
	require.NoError(t, err)
	defer func() {
		require.NoError(t, txm.Close())
		require.NoError(t, st.Close())
	}()
	cat, err := catalog.Open(txm)
	require.NoError(t, err)
	ddl := &exec.DDL{Cat: cat, Env: func(tx *txn.Txn) *exec.Env {
		return &exec.Env{Ctx: context.Background(), Txn: tx, IDs: &exec.IDGen{}}
	}}

	datadriven.RunTest(t, "testdata/explain", func(t *testing.T, d *datadriven.TestData) string {
		stmts, err := parser.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		switch d.Cmd {
		case "ddl":
			for _, s := range stmts {
				switch x := s.AST.(type) {
				case *ast.CreateCollection:
					_, err = ddl.CreateCollection(x)
				case *ast.CreateIndex:
					_, err = ddl.CreateIndex(x)
				default:
					d.Fatalf(t, "ddl: unsupported %T", x)
				}
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
			}
			return "ok\n"
		case "explain":
			if len(stmts) != 1 {
				d.Fatalf(t, "explain takes one statement")
			}
			b := &plan.Builder{Cat: cat}
			var n plan.Node
			switch x := stmts[0].AST.(type) {
			case *ast.Select:
				n, err = b.BuildSelect(x)
			case *ast.Insert:
				n, err = b.BuildInsert(x)
			case *ast.Update:
				n, err = b.BuildUpdate(x)
			case *ast.Delete:
				n, err = b.BuildDelete(x)
			default:
				d.Fatalf(t, "explain: unsupported %T", x)
			}
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			var sb strings.Builder
			for _, l := range plan.Explain(n) {
				fmt.Fprintln(&sb, l)
			}
			return sb.String()
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}
