package session

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/plan"
)

func (s *Session) createView(st *ast.CreateView) (*Result, error) {
	cat := s.mgr.db.cat
	// Plan the query now: errors surface at CREATE, and the column count is
	// checked against the column list.
	if w := st.Query.With; w != nil && slices.ContainsFunc(w.CTEs, func(c ast.CTE) bool { return c.DML != nil }) {
		return nil, errs.New(errs.FeatureNotSupported, "views must not contain data-modifying statements in WITH")
	}
	b := &plan.Builder{Cat: cat, Sys: s.mgr.db.sys}
	node, err := b.BuildSelect(st.Query)
	if err != nil {
		return nil, err
	}
	if len(b.Params) > 0 {
		return nil, errs.New(errs.UndefinedParameter, "a view cannot use parameters")
	}
	if n := len(node.Columns()); len(st.Columns) > n {
		return nil, errs.Errorf(errs.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	// A view's columns, once the column list renames them, have distinct
	// names (a query's output need not: SELECT 1 AS a, 2 AS a).
	seen := map[string]bool{}
	for i, c := range node.Columns() {
		name := c.Name
		if i < len(st.Columns) {
			name = st.Columns[i]
		}
		if seen[name] {
			return nil, errs.Errorf(errs.DuplicateColumn, "column %q specified more than once", name)
		}
		seen[name] = true
	}
	err = cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := cat.Get(st.Name); ok {
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
		}
		id := uint32(0)
		old, replacing := cat.View(st.Name)
		if replacing {
			if !st.OrReplace {
				return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
			}
			id = old.ID
		} else {
			id = tx.NewID()
		}
		v := &catalog.View{ID: id, Name: st.Name, Columns: st.Columns, SQL: ast.Format(st.Query), Created: time.Now().UTC()}
		if replacing {
			v.Comment = old.Comment // CREATE OR REPLACE keeps the comments, as in PostgreSQL
		}
		for i, c := range node.Columns() {
			name := c.Name
			if i < len(st.Columns) {
				name = st.Columns[i]
			}
			vc := catalog.ViewColumn{Name: name, Type: c.T, TypeMod: int(c.TypeMod)}
			if replacing && i < len(old.Attrs) && old.Attrs[i].Name == name {
				vc.Comment = old.Attrs[i].Comment
			}
			v.Attrs = append(v.Attrs, vc)
		}
		return tx.PutView(v)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}

func (s *Session) dropView(st *ast.DropView) (*Result, error) {
	d := &exec.DDL{Cat: s.names()}
	cascaded, err := d.DropViews(st)
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP VIEW", Notices: cascadeNotices(cascaded)}, nil
}

// cascadeNotices is PostgreSQL's notice of what a DROP ... CASCADE dropped
// besides ("drop cascades to view v").
func cascadeNotices(cascaded []string) []Notice {
	switch len(cascaded) {
	case 0:
		return nil
	case 1:
		return []Notice{{Severity: "NOTICE", Code: "00000", Message: "drop cascades to " + cascaded[0]}}
	}
	return []Notice{{Severity: "NOTICE", Code: "00000", Message: fmt.Sprintf("drop cascades to %d other objects", len(cascaded)),
		Detail: "drop cascades to " + strings.Join(cascaded, "\ndrop cascades to ")}}
}
