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
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// TestExplain runs testdata/explain: "ddl" creates collections and
// indexes, "explain" prints plan.Explain of one statement (access-path
// choice, operator shape and row estimates). Rewrite with -rewrite.
func TestExplain(t *testing.T) { runPlanTest(t, "testdata/explain") }

// TestStats runs testdata/stats: "ddl" also takes INSERT and ANALYZE,
// "query" prints a SELECT's rows, so a file can show that ANALYZE changes
// a plan (join order, estimates) and not the rows.
func TestStats(t *testing.T) { runPlanTest(t, "testdata/stats") }

// TestUsing runs testdata/using: USING and NATURAL joins (merged columns,
// SELECT * order, bare and qualified names) over strict and schemaless
// collections; "query columns" also prints the column names.
func TestUsing(t *testing.T) { runPlanTest(t, "testdata/using") }

func runPlanTest(t *testing.T, path string) {
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
	ids := &exec.IDGen{}
	newEnv := func(tx *txn.Txn) *exec.Env {
		return &exec.Env{Ctx: context.Background(), Txn: tx, IDs: ids}
	}
	ddl := &exec.DDL{Cat: cat.Scope(0), Env: newEnv}
	var cached cachedNames
	build := func(s ast.Statement) (plan.Node, error) {
		b := &plan.Builder{Cat: cat, Columns: cached}
		switch x := s.(type) {
		case *ast.Select:
			b.AllowWritesIn(x.With)
			return b.BuildSelect(x)
		case *ast.Insert:
			b.AllowWritesIn(x.With)
			return b.BuildInsert(x)
		case *ast.Update:
			b.AllowWritesIn(x.With)
			return b.BuildUpdate(x)
		case *ast.Delete:
			b.AllowWritesIn(x.With)
			return b.BuildDelete(x)
		}
		return nil, fmt.Errorf("unsupported %T", s)
	}

	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
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
				case *ast.Analyze:
					err = ddl.Analyze(x)
				case *ast.Insert:
					var n plan.Node
					if n, err = build(x); err == nil {
						tx := txm.Begin()
						if _, err = newEnv(tx).Insert(n.(*plan.Insert)); err == nil {
							_, err = tx.Commit()
						}
						tx.Rollback()
					}
				default:
					d.Fatalf(t, "ddl: unsupported %T", x)
				}
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
			}
			return "ok\n"
		case "explain", "query":
			if len(stmts) != 1 {
				d.Fatalf(t, "%s takes one statement", d.Cmd)
			}
			cached = nil
			for _, a := range d.CmdArgs {
				if a.Key == "cached" {
					cached = a.Vals
				}
			}
			n, err := build(stmts[0].AST)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			var sb strings.Builder
			if d.HasArg("columns") {
				for i, c := range n.Columns() {
					if i > 0 {
						sb.WriteString("|")
					}
					sb.WriteString(c.Name)
				}
				sb.WriteString("\n")
			}
			if d.Cmd == "explain" {
				for _, l := range plan.Explain(n) {
					fmt.Fprintln(&sb, l)
				}
				return sb.String()
			}
			tx := txm.Begin()
			defer tx.Rollback()
			rows, err := newEnv(tx).Query(n)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			for _, r := range rows {
				for i, v := range r {
					if i > 0 {
						sb.WriteString("|")
					}
					sb.WriteString(types.FormatText(v))
				}
				sb.WriteString("\n")
			}
			return sb.String()
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// cachedNames are the collections an "explain cached=(a,b)" plans as
// having a column copy.
type cachedNames []string

func (c cachedNames) Cached(coll *catalog.Collection) bool {
	for _, n := range c {
		if n == coll.Name {
			return true
		}
	}
	return false
}
