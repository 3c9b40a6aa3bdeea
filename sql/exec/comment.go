package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// Comment runs COMMENT ON: the text is kept in the object's descriptor
// (pg_description shows it); NULL or an empty string removes it.
func (d *DDL) Comment(st *ast.Comment) error {
	text := ""
	if st.Text != nil {
		text = *st.Text
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		switch st.Kind {
		case "VIEW":
			v, ok := d.Cat.View(st.Name)
			if !ok {
				return d.notRelation(st.Name, "a view")
			}
			n := *v
			n.Comment = text
			return tx.PutView(&n)
		case "TYPE":
			e, ok := d.Cat.Enum(st.Name)
			if !ok {
				return errs.Errorf(errs.UndefinedObject, "type %q does not exist", st.Name)
			}
			n := *e
			n.Comment = text
			return tx.PutEnum(&n)
		case "EXTENSION":
			e, ok := d.Cat.Extension(st.Name)
			if !ok {
				if st.Name == "plpgsql" {
					return errs.New(errs.FeatureNotSupported, "comments on extension plpgsql are not supported")
				}
				return errs.Errorf(errs.UndefinedObject, "extension %q does not exist", st.Name)
			}
			n := *e
			n.Comment = text
			return tx.PutExtension(&n)
		case "SEQUENCE":
			sq, ok := d.Cat.Sequence(st.Name)
			if !ok {
				return d.notRelation(st.Name, "a sequence")
			}
			n := *sq
			n.Comment = text
			return tx.PutSequence(&n)
		case "INDEX":
			col, ix, ok := d.Cat.FindIndex(st.Name)
			if !ok {
				if c, isKey := d.pkeyIndex(st.Name); isKey {
					return errs.Errorf(errs.FeatureNotSupported, "comments on primary-key indexes are not supported yet (%q is %q's)", st.Name, c)
				}
				return d.notRelation(st.Name, "an index")
			}
			tx.LockCollection(col.ID)
			n := catalog.Clone(col)
			for i := range n.Indexes {
				if n.Indexes[i].ID == ix.ID {
					n.Indexes[i].Comment = text
				}
			}
			tx.Put(n)
			return nil
		case "COLUMN":
			if v, ok := d.Cat.View(st.Name); ok {
				n := *v
				n.Attrs = append([]catalog.ViewColumn(nil), v.Attrs...)
				for i := range n.Attrs {
					if n.Attrs[i].Name == st.Column {
						n.Attrs[i].Comment = text
						return tx.PutView(&n)
					}
				}
				return errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", st.Column, st.Name)
			}
		}
		col, err := d.Cat.MustGet(st.Name)
		if err != nil {
			return d.notRelation(st.Name, "a table")
		}
		if !col.Tuple() {
			return errs.Errorf(errs.FeatureNotSupported, "comments on schemaless collections are not supported yet")
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(st.Name); err != nil {
			return err
		}
		n := catalog.Clone(col)
		if st.Kind == "TABLE" {
			n.Comment = text
			tx.Put(n)
			return nil
		}
		i := n.ColumnIndex(st.Column)
		if i < 0 || n.Columns[i].Dropped || n.Columns[i].Hidden {
			return errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", st.Column, st.Name)
		}
		n.Columns[i].Comment = text
		tx.Put(n)
		return nil
	})
}

// notRelation is COMMENT ON's error for a name that is no relation of
// the kind asked (42809), or no relation at all (42P01).
func (d *DDL) notRelation(name, what string) error {
	if d.relationTaken(name, nil) {
		return errs.Errorf(errs.WrongObjectType, "%q is not %s", name, what)
	}
	if _, ok := d.pkeyIndex(name); ok && what != "an index" {
		return errs.Errorf(errs.WrongObjectType, "%q is not %s", name, what)
	}
	return errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
}

// pkeyIndex finds the collection whose primary-key index is named name
// (<table>_pkey, which is not in its Indexes).
func (d *DDL) pkeyIndex(name string) (string, bool) {
	for _, c := range d.Cat.List() {
		if len(c.PK) > 0 && c.Name+"_pkey" == name {
			return c.Name, true
		}
	}
	return "", false
}
