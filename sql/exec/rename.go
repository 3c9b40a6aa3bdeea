package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// indexNameTaken reports whether an index of col may be named name: it
// is a relation's or an index's (a primary key's index is <table>_pkey),
// which share one namespace in PostgreSQL. A temporary table's namespace
// is its session's pg_temp_N: its other temporary tables and their
// indexes.
func (d *DDL) indexNameTaken(col *catalog.Collection, name string) bool {
	if col != nil && col.Temp() {
		if _, ok := d.Cat.GetTemp(name); ok {
			return true
		}
		if _, _, ok := d.Cat.FindIndex("pg_temp." + name); ok {
			return true
		}
		for _, c := range d.Cat.Temps(d.Cat.NS) {
			if c.Name+"_pkey" == name && len(c.PK) > 0 {
				return true
			}
		}
		return false
	}
	if d.relationTaken(name, nil) {
		return true
	}
	if _, _, ok := d.Cat.Catalog.FindIndex(name); ok {
		return true
	}
	for _, c := range d.Cat.List() {
		if c.Name+"_pkey" == name && len(c.PK) > 0 {
			return true
		}
	}
	return false
}

// renameIndex renames index from of col to to in a new descriptor.
func (d *DDL) renameIndex(tx *catalog.DDLTxn, col *catalog.Collection, from, to string) error {
	if err := catalog.ValidateName(to); err != nil {
		return err
	}
	if d.indexNameTaken(col, to) {
		return errs.Errorf(errs.DuplicateTable, "relation %q already exists", to)
	}
	n := catalog.Clone(col)
	n.Indexes = append([]catalog.Index(nil), n.Indexes...)
	for i := range n.Indexes {
		if n.Indexes[i].Name == from {
			n.Indexes[i].Name = to
		}
	}
	tx.Put(n)
	return nil
}

// RenameIndex runs ALTER INDEX [IF EXISTS] name RENAME TO to: false when
// IF EXISTS found no such index. A primary key's index keeps its name
// (<table>_pkey; 0A000).
func (d *DDL) RenameIndex(st *ast.RenameIndex) (found bool, err error) {
	found = true
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, _, ok := d.Cat.FindIndex(st.Name)
		if !ok {
			for _, c := range d.Cat.List() {
				if c.Name+"_pkey" == st.Name && len(c.PK) > 0 {
					return errs.Errorf(errs.FeatureNotSupported, "cannot rename primary key index %q: it is named after its table", st.Name)
				}
			}
			if _, isRel := d.Cat.Get(st.Name); isRel {
				return errs.Errorf(errs.WrongObjectType, "%q is not an index", st.Name)
			}
			if st.IfExists {
				found = false
				return nil
			}
			return errs.Errorf(errs.UndefinedTable, "relation %q does not exist", st.Name)
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(col.Name); err != nil {
			return err
		}
		return d.renameIndex(tx, col, st.Name, st.To)
	})
	return found, err
}

// RenameConstraint runs ALTER TABLE t RENAME CONSTRAINT from TO to: a
// CHECK or foreign key is renamed in the table's descriptor, a unique
// constraint with its index (they are one). The primary key keeps its
// name (0A000).
func (d *DDL) RenameConstraint(st *ast.RenameConstraint) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		if st.From == col.Name+"_pkey" && len(col.PK) > 0 {
			return errs.Errorf(errs.FeatureNotSupported, "cannot rename primary key constraint %q: it is named after its table", st.From)
		}
		if constraintNames(col)[st.To] {
			return errs.Errorf(errs.DuplicateObject, "constraint %q for relation %q already exists", st.To, col.Name)
		}
		if err := catalog.ValidateName(st.To); err != nil {
			return err
		}
		n := catalog.Clone(col)
		for i := range n.Checks {
			if n.Checks[i].Name == st.From {
				n.Checks = append([]catalog.Check(nil), n.Checks...)
				n.Checks[i].Name = st.To
				tx.Put(n)
				return nil
			}
		}
		for i := range n.FKs {
			if n.FKs[i].Name == st.From {
				n.FKs = append([]catalog.ForeignKey(nil), n.FKs...)
				n.FKs[i].Name = st.To
				tx.Put(n)
				return nil
			}
		}
		for _, ix := range col.Indexes {
			if ix.Name == st.From && ix.Unique {
				return d.renameIndex(tx, col, st.From, st.To)
			}
		}
		return errs.Errorf(errs.UndefinedObject, "constraint %q for table %q does not exist", st.From, col.Name)
	})
}
