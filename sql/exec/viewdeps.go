package exec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
)

// Views depend on the relations their queries read, as in PostgreSQL:
// dropping a table or view that a view reads needs CASCADE, which drops
// the view too, and renaming a table rewrites the views over it. A view
// keeps its query as text, so the relations are found by parsing it.

// viewQuery parses a view's stored query.
func viewQuery(v *catalog.View) (*ast.Select, error) {
	stmts, err := parser.Parse(v.SQL)
	if err != nil || len(stmts) != 1 {
		return nil, fmt.Errorf("view %q: stored query: %w", v.Name, err)
	}
	q, ok := stmts[0].AST.(*ast.Select)
	if !ok {
		return nil, errs.Errorf(errs.InternalError, "view %q: stored query is not a query", v.Name)
	}
	return q, nil
}

// viewDependents returns the views that read the relations dropping names
// (tables, or views with isView), directly or through other views, in
// dependency order, each with PostgreSQL's "view v depends on table t".
func (d *DDL) viewDependents(dropping map[string]string) ([]*catalog.View, []string, error) {
	views := d.Cat.Views()
	reads := make([][]string, len(views)) // each view's relations, parsed once
	for i, v := range views {
		q, err := viewQuery(v)
		if err != nil {
			return nil, nil, err
		}
		reads[i] = plan.RelationsIn(q)
	}
	var out []*catalog.View
	var deps []string
	for changed := true; changed; {
		changed = false
		for i, v := range views {
			if _, done := dropping[v.Name]; done {
				continue
			}
			for _, rel := range reads[i] {
				if kind, ok := dropping[rel]; ok {
					out = append(out, v)
					deps = append(deps, fmt.Sprintf("view %s depends on %s %s", v.Name, kind, rel))
					dropping[v.Name] = "view"
					changed = true
					break
				}
			}
		}
	}
	return out, deps, nil
}

// dropDependentViews removes the views over the relations being dropped,
// or, without cascade, refuses (2BP01) naming what depends on what; it
// returns the cascaded views' notices ("view v").
func (d *DDL) dropDependentViews(tx *catalog.DDLTxn, dropping map[string]string, cascade bool, what, first string) ([]string, error) {
	views, deps, err := d.viewDependents(dropping)
	if err != nil || len(views) == 0 {
		return nil, err
	}
	if !cascade {
		return nil, errs.Errorf(errs.DependentObjects, "cannot drop %s %s because other objects depend on it", what, first).
			WithDetail(strings.Join(deps, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	var cascaded []string
	for _, v := range views {
		tx.RemoveView(v)
		cascaded = append(cascaded, "view "+v.Name)
	}
	return cascaded, nil
}

// DropViews runs DROP VIEW; it returns the views CASCADE dropped besides.
func (d *DDL) DropViews(st *ast.DropView) (cascaded []string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		dropping := map[string]string{}
		first := ""
		for _, name := range st.Names {
			v, ok := d.Cat.View(name)
			if !ok {
				if _, isColl := d.Cat.Get(name); isColl {
					return errs.Errorf(errs.WrongObjectType, "%q is not a view", name).WithHint("Use DROP COLLECTION (or DROP TABLE).")
				}
				if st.IfExists {
					continue
				}
				return errs.Errorf(errs.UndefinedTable, "view %q does not exist", name)
			}
			if first == "" {
				first = name
			}
			dropping[name] = "view"
			tx.RemoveView(v)
		}
		cascaded, err = d.dropDependentViews(tx, dropping, st.Cascade, "view", first)
		return err
	})
	return cascaded, err
}

// renameInViews rewrites the queries of the views that read table from
// to read it as to (ALTER TABLE ... RENAME TO).
func (d *DDL) renameInViews(tx *catalog.DDLTxn, from, to string) error {
	for _, v := range d.Cat.Views() {
		q, err := viewQuery(v)
		if err != nil {
			return err
		}
		if !slices.Contains(plan.RelationsIn(q), from) {
			continue
		}
		plan.RenameRelation(q, from, to)
		n := *v
		n.SQL = ast.Format(q)
		if err := tx.PutView(&n); err != nil {
			return err
		}
	}
	return nil
}

// withDescriptor is the catalog with one collection's descriptor replaced:
// what the views over it would plan against after a change.
type withDescriptor struct {
	*catalog.Scope
	coll *catalog.Collection
}

func (w withDescriptor) MustGet(name string) (*catalog.Collection, error) {
	if name == w.coll.Name {
		return w.coll, nil
	}
	return w.Scope.MustGet(name)
}

// viewsUsingColumns returns the views over collection old that the new
// descriptor n breaks: their query no longer plans, or plans to other
// columns (a view's SELECT * keeps the columns it had, as PostgreSQL's
// does). Views that do not plan now are left out.
func (d *DDL) viewsUsingColumns(old, n *catalog.Collection) ([]*catalog.View, error) {
	var out []*catalog.View
	for _, v := range d.Cat.Views() {
		q, err := viewQuery(v)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(plan.RelationsIn(q), old.Name) {
			continue
		}
		if _, err := (&plan.Builder{Cat: d.Cat}).BuildSelect(q); err != nil {
			continue // broken already
		}
		q, _ = viewQuery(v) // planning may rewrite the AST it is given
		node, err := (&plan.Builder{Cat: withDescriptor{d.Cat, n}}).BuildSelect(q)
		if err != nil || (len(v.Attrs) > 0 && len(node.Columns()) != len(v.Attrs)) {
			out = append(out, v)
		}
	}
	return out, nil
}

// dropColumnViews refuses (2BP01) to drop a column views read, or with
// cascade drops those views and the views over them.
func (d *DDL) dropColumnViews(tx *catalog.DDLTxn, old, n *catalog.Collection, column string, cascade bool) error {
	views, err := d.viewsUsingColumns(old, n)
	if err != nil || len(views) == 0 {
		return err
	}
	if !cascade {
		// Each view, then the views over it, as PostgreSQL lists them.
		var deps []string
		listed := map[string]bool{}
		for _, v := range views {
			if listed[v.Name] {
				continue
			}
			listed[v.Name] = true
			deps = append(deps, fmt.Sprintf("view %s depends on column %s of table %s", v.Name, column, old.Name))
			over, overDeps, err := d.viewDependents(map[string]string{v.Name: "view"})
			if err != nil {
				return err
			}
			for j, o := range over {
				if !listed[o.Name] {
					listed[o.Name] = true
					deps = append(deps, overDeps[j])
				}
			}
		}
		return errs.Errorf(errs.DependentObjects, "cannot drop column %s of table %s because other objects depend on it", column, old.Name).
			WithDetail(strings.Join(deps, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	dropping := map[string]string{}
	for _, v := range views {
		tx.RemoveView(v)
		dropping[v.Name] = "view"
	}
	_, err = d.dropDependentViews(tx, dropping, true, "view", views[0].Name)
	return err
}

// renameColumnInViews rewrites the views over collection old after its
// column from became to in n, as PostgreSQL's views follow a renamed
// column (they hold its number): each reference to it becomes to, a
// select-list entry that was just the column keeps its name (b AS a),
// and a view's columns keep the names they had. A view whose query does
// not plan the same way afterwards (a NATURAL join or USING over the
// column) makes the rename fail (0A000) rather than break the view.
func (d *DDL) renameColumnInViews(tx *catalog.DDLTxn, old, n *catalog.Collection, from, to string) error {
	for _, v := range d.Cat.Views() {
		q, err := viewQuery(v)
		if err != nil {
			return err
		}
		if !slices.Contains(plan.RelationsIn(q), old.Name) {
			continue
		}
		// Plan one copy of the query to learn which references are the
		// column, by position; the planner may change the copy it is
		// given, so rewrite a second one.
		refs := map[*ast.ColumnRef]int{} // reference => the part naming the column
		b := &plan.Builder{Cat: d.Cat, OnColumn: func(ref *ast.ColumnRef, part int, c *catalog.Collection) {
			if c.ID == old.ID && ref.Parts[part] == from {
				refs[ref] = part
			}
		}}
		if _, err := b.BuildSelect(q); err != nil {
			continue // broken already
		}
		at := map[int]int{} // position => part
		ast.Inspect(q, func(x any) {
			if c, ok := x.(*ast.ColumnRef); ok {
				if part, ok := refs[c]; ok {
					at[c.Pos] = part
				}
			}
		})
		q, _ = viewQuery(v)
		ast.Inspect(q, func(x any) {
			switch x := x.(type) {
			case *ast.SelectItem:
				if c, ok := x.Expr.(*ast.ColumnRef); ok && x.Alias == "" {
					if part, ok := at[c.Pos]; ok && part == len(c.Parts)-1 {
						x.Alias = from // the entry keeps its name
					}
				}
			case *ast.ColumnRef:
				if part, ok := at[x.Pos]; ok && part < len(x.Parts) && x.Parts[part] == from {
					x.Parts[part] = to
				}
			}
		})
		nv := *v
		nv.SQL = ast.Format(q)
		if len(nv.Columns) == 0 {
			for _, a := range v.Attrs {
				nv.Columns = append(nv.Columns, a.Name)
			}
		}
		if nv.SQL == v.SQL && slices.Equal(nv.Columns, v.Columns) {
			continue
		}
		q, _ = viewQuery(&nv)
		node, err := (&plan.Builder{Cat: withDescriptor{d.Cat, n}}).BuildSelect(q)
		if err != nil || (len(v.Attrs) > 0 && len(node.Columns()) != len(v.Attrs)) {
			return errs.Errorf(errs.FeatureNotSupported, "cannot rename column %s of table %s: view %s reads it in a way that cannot be rewritten", from, old.Name, v.Name).
				WithHint("Drop the view, rename the column, and create the view again.")
		}
		if err := tx.PutView(&nv); err != nil {
			return err
		}
	}
	return nil
}
