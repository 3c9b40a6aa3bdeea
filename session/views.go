package session

import (
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/plan"
)

func (s *Session) createView(st *ast.CreateView) (*Result, error) {
	cat := s.mgr.db.cat
	// Plan the query now: errors surface at CREATE, and the column count is
	// checked against the column list.
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
	err = cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := cat.Get(st.Name); ok {
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
		}
		id := uint32(0)
		if old, ok := cat.View(st.Name); ok {
			if !st.OrReplace {
				return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
			}
			id = old.ID
		} else {
			id = tx.NewID()
		}
		v := &catalog.View{ID: id, Name: st.Name, Columns: st.Columns, SQL: ast.Format(st.Query), Created: time.Now().UTC()}
		for i, c := range node.Columns() {
			name := c.Name
			if i < len(st.Columns) {
				name = st.Columns[i]
			}
			v.Attrs = append(v.Attrs, catalog.ViewColumn{Name: name, Type: c.T, TypeMod: int(c.TypeMod)})
		}
		return tx.PutView(v)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}

func (s *Session) dropView(st *ast.DropView) (*Result, error) {
	cat := s.mgr.db.cat
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		for _, name := range st.Names {
			v, ok := cat.View(name)
			if !ok {
				if _, isColl := cat.Get(name); isColl {
					return errs.Errorf(errs.WrongObjectType, "%q is not a view", name).WithHint("Use DROP COLLECTION (or DROP TABLE).")
				}
				if st.IfExists {
					continue
				}
				return errs.Errorf(errs.UndefinedTable, "view %q does not exist", name)
			}
			tx.RemoveView(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "DROP VIEW"}, nil
}
