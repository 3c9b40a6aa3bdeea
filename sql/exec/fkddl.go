package exec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// fkActions maps a referential action as written to its letter
// (catalog.ForeignKey).
var fkActions = map[string]string{"": "a", "NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}

// constraintNames returns the names of coll's constraints (a new one may
// not take them).
func constraintNames(coll *catalog.Collection) map[string]bool {
	taken := map[string]bool{coll.Name + "_pkey": true}
	for _, ix := range coll.Indexes {
		if ix.Unique {
			taken[ix.Name] = true
		}
	}
	for _, c := range coll.Checks {
		taken[c.Name] = true
	}
	for _, fk := range coll.FKs {
		taken[fk.Name] = true
	}
	return taken
}

// foreignKey resolves a FOREIGN KEY definition of child (whose descriptor
// may be one being built) and names it as PostgreSQL would
// (<table>_<columns>_fkey, numbered while taken). The referenced table is
// locked against writes until the DDL ends; parent is nil when it is
// child itself.
func (d *DDL) foreignKey(tx *catalog.DDLTxn, child *catalog.Collection, def ast.ForeignKeyDef, taken map[string]bool) (catalog.ForeignKey, *catalog.Collection, error) {
	fk := catalog.ForeignKey{Name: def.Name, Columns: def.Columns, RefColumns: def.RefColumns,
		OnDelete: fkActions[def.OnDelete], OnUpdate: fkActions[def.OnUpdate], MatchFull: def.MatchFull,
		Deferrable: def.Deferrable, InitiallyDeferred: def.InitiallyDeferred}
	if child.Kind != catalog.Strict {
		return fk, nil, errs.Errorf(errs.FeatureNotSupported, "%q is not a strict table: foreign keys need typed columns", child.Name).WithPosition(def.Pos)
	}
	parent := child
	if def.RefTable != child.Name {
		p, err := d.Cat.MustGet(def.RefTable)
		if err != nil {
			return fk, nil, err
		}
		if p.Kind != catalog.Strict {
			return fk, nil, errs.Errorf(errs.WrongObjectType, "referenced relation %q is not a table", p.Name).
				WithHint("Foreign keys can reference strict tables only.")
		}
		switch {
		case child.Temp() && !p.Temp():
			return fk, nil, errs.New(errs.InvalidTableDefinition, "constraints on temporary tables may reference only temporary tables")
		case !child.Temp() && p.Temp():
			return fk, nil, errs.New(errs.InvalidTableDefinition, "constraints on permanent tables may reference only permanent tables")
		}
		tx.LockCollection(p.ID)
		if parent, err = d.Cat.MustGet(def.RefTable); err != nil {
			return fk, nil, err
		}
	}
	fk.RefID = parent.ID
	for _, name := range fk.Columns {
		if i := child.ColumnIndex(name); i < 0 || child.Columns[i].Hidden {
			return fk, nil, errs.Errorf(errs.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", name)
		}
	}
	if fk.RefColumns == nil {
		if parent.Columns[parent.ColumnIndex(parent.PK[0])].Hidden {
			return fk, nil, errs.Errorf(errs.UndefinedObject, "there is no primary key for referenced table %q", parent.Name)
		}
		fk.RefColumns = append([]string(nil), parent.PK...)
	}
	for _, name := range fk.RefColumns {
		if i := parent.ColumnIndex(name); i < 0 || parent.Columns[i].Hidden {
			return fk, nil, errs.Errorf(errs.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", name)
		}
	}
	if len(fk.Columns) != len(fk.RefColumns) {
		return fk, nil, errs.New(errs.InvalidForeignKey, "number of referencing and referenced columns for foreign key disagree")
	}
	if !uniqueKey(parent, fk.RefColumns) {
		return fk, nil, errs.Errorf(errs.InvalidForeignKey, "there is no unique constraint matching given keys for referenced table %q", parent.Name)
	}
	name, err := constraintName(taken, fk.Name, child.Name+"_"+strings.Join(fk.Columns, "_")+"_fkey", child.Name)
	if err != nil {
		return fk, nil, err
	}
	fk.Name = name
	for i, name := range fk.Columns {
		ct := child.Columns[child.ColumnIndex(name)].Type
		pt := parent.Columns[parent.ColumnIndex(fk.RefColumns[i])].Type
		if !keyTypesMatch(ct, pt) {
			return fk, nil, errs.Errorf(errs.DatatypeMismatch, "foreign key constraint %q cannot be implemented", fk.Name).
				WithDetail(fmt.Sprintf("Key columns %q and %q are of incompatible types: %s and %s.", name, fk.RefColumns[i], ct, pt))
		}
	}
	for i, name := range fk.Columns {
		if slices.Index(fk.Columns[:i], name) >= 0 {
			return fk, nil, errs.Errorf(errs.DuplicateColumn, "foreign key referenced-columns list must not contain duplicates")
		}
	}
	if parent == child {
		parent = nil
	}
	return fk, parent, nil
}

// uniqueKey reports whether cols (in any order) are coll's primary key or
// the columns of one of its unique indexes.
func uniqueKey(coll *catalog.Collection, cols []string) bool {
	same := func(a []string) bool {
		if len(a) != len(cols) {
			return false
		}
		for _, c := range cols {
			if !slices.Contains(a, c) {
				return false
			}
		}
		return true
	}
	if same(coll.PK) {
		return true
	}
	for _, ix := range coll.Indexes {
		if ix.Unique && !ix.Sorted && ix.Plain() && same(ix.Columns) {
			return true
		}
	}
	return false
}

// keyTypesMatch reports whether a referencing column of type a may hold
// the values of a referenced column of type b: the same type, or both
// integers, or both character strings (values convert between them
// without loss).
func keyTypesMatch(a, b types.T) bool {
	text := func(t types.T) bool { return t == types.Text || t == types.Varchar || t == types.Bpchar }
	return a == b || (a.IsInteger() && b.IsInteger()) || (text(a) && text(b))
}

// addForeignKeys puts a new table's foreign keys in its descriptor.
func (d *DDL) addForeignKeys(tx *catalog.DDLTxn, col *catalog.Collection, st *ast.CreateCollection) error {
	defs := slices.Clone(st.ForeignKeys)
	for _, cd := range st.Columns {
		defs = append(defs, cd.References...)
	}
	if len(defs) == 0 {
		return nil
	}
	taken := constraintNames(col)
	for _, def := range defs {
		fk, _, err := d.foreignKey(tx, col, def, taken)
		if err != nil {
			return err
		}
		col.FKs = append(col.FKs, fk)
	}
	return nil
}

// AddForeignKey runs ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN KEY:
// every row already there must reference a row of the referenced table
// (23503 otherwise), unless NOT VALID. Both tables are locked against
// writes meanwhile.
func (d *DDL) AddForeignKey(st *ast.AddForeignKey) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		fk, parent, err := d.foreignKey(tx, col, st.FK, constraintNames(col))
		if err != nil {
			return err
		}
		fk.NotValid = st.NotValid
		n := catalog.Clone(col)
		n.FKs = append(n.FKs, fk)
		if parent == nil {
			parent = n
		}
		if !st.NotValid {
			if err := d.checkRows(tx, col, parent, &fk); err != nil {
				return err
			}
		}
		tx.Put(n)
		return nil
	})
}

// keepValidKeys drops from n (a table being restored) the foreign keys
// whose referenced table is gone or that one of its rows breaks, and
// returns their names.
func (d *DDL) keepValidKeys(tx *catalog.DDLTxn, n *catalog.Collection) ([]string, error) {
	var dropped []string
	kept := n.FKs[:0:0]
	for _, fk := range n.FKs {
		parent, ok := d.Cat.ByID(fk.RefID)
		if fk.RefID == n.ID {
			parent, ok = n, true
		}
		if ok && !parent.Dropped {
			if fk.RefID != n.ID {
				tx.LockCollection(parent.ID)
			}
			err := d.checkRows(tx, n, parent, &fk)
			if err == nil {
				kept = append(kept, fk)
				continue
			}
			if errs.Code(err) != errs.ForeignKeyViolation {
				return nil, err
			}
		}
		dropped = append(dropped, fk.Name)
	}
	n.FKs = kept
	return dropped, nil
}

// checkRows fails with 23503 unless every row of child satisfies fk.
func (d *DDL) checkRows(tx *catalog.DDLTxn, child, parent *catalog.Collection, fk *catalog.ForeignKey) error {
	env := d.Env(tx.Txn)
	return eachTuple(tx, child, len(child.Columns), func(row types.Row) error {
		if err := checkCtx(env.Ctx); err != nil {
			return err
		}
		key, nulls := fkKey(child, fk.Columns, row)
		if nulls > 0 {
			if fk.MatchFull && nulls < len(key) {
				return errs.Errorf(errs.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", child.Name, fk.Name).
					WithDetail("MATCH FULL does not allow mixing of null and nonnull key values.")
			}
			return nil
		}
		rows, err := env.fkFind(parent, fk.RefColumns, key, 1)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return errs.Errorf(errs.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", child.Name, fk.Name).
				WithDetail("Key " + keyText(child, fk.Columns, key) + " is not present in table \"" + parent.Name + "\".")
		}
		return nil
	})
}

// renameFKColumns renames a column of coll (whose new descriptor is n) in
// the foreign keys naming it: coll's own and those referencing it.
func (d *DDL) renameFKColumns(tx *catalog.DDLTxn, coll, n *catalog.Collection, from, to string) {
	rename := func(names []string) []string {
		out := slices.Clone(names)
		for j, name := range out {
			if name == from {
				out[j] = to
			}
		}
		return out
	}
	for i := range n.FKs {
		n.FKs[i].Columns = rename(n.FKs[i].Columns)
		if n.FKs[i].RefID == coll.ID {
			n.FKs[i].RefColumns = rename(n.FKs[i].RefColumns)
		}
	}
	changed := map[uint32]*catalog.Collection{}
	for _, ref := range d.Cat.ReferencedBy(coll.ID) {
		if ref.Child.ID == coll.ID || !slices.Contains(ref.FK.RefColumns, from) {
			continue
		}
		c, ok := changed[ref.Child.ID]
		if !ok {
			c = catalog.Clone(ref.Child)
			changed[ref.Child.ID] = c
		}
		for i := range c.FKs {
			if c.FKs[i].RefID == coll.ID {
				c.FKs[i].RefColumns = rename(c.FKs[i].RefColumns)
			}
		}
	}
	for _, c := range changed {
		tx.Put(c)
	}
}

// dropReferences handles the foreign keys referencing tables being
// dropped (ids) from tables that are not: without CASCADE the drop fails
// (2BP01), with it they are dropped from their tables.
func (d *DDL) dropReferences(tx *catalog.DDLTxn, dropping map[uint32]bool, cascade bool) ([]string, error) {
	ids := slices.Sorted(maps.Keys(dropping))
	changed := map[uint32]*catalog.Collection{}
	var deps, cascaded []string
	first := ""
	for _, id := range ids {
		parent, _ := d.Cat.ByID(id)
		for _, ref := range d.Cat.ReferencedBy(id) {
			if dropping[ref.Child.ID] {
				continue
			}
			if first == "" {
				first = parent.Name
			}
			dep := fmt.Sprintf("constraint %s on table %s", ref.FK.Name, ref.Child.Name)
			cascaded = append(cascaded, dep)
			deps = append(deps, dep+" depends on table "+parent.Name)
			c, ok := changed[ref.Child.ID]
			if !ok {
				c = catalog.Clone(ref.Child)
				changed[ref.Child.ID] = c
			}
			c.FKs = slices.DeleteFunc(c.FKs, func(fk catalog.ForeignKey) bool { return fk.Name == ref.FK.Name })
		}
	}
	if len(deps) > 0 && !cascade {
		return nil, errs.Errorf(errs.DependentObjects, "cannot drop table %s because other objects depend on it", first).
			WithDetail(strings.Join(deps, "\n")).
			WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	for _, c := range changed {
		tx.LockCollection(c.ID)
		tx.Put(c)
	}
	return cascaded, nil
}

// TruncateSet returns the tables a TRUNCATE of names clears: with
// CASCADE, every table referencing one of them too; without it, a table
// referenced from a table not in the list fails the statement (0A000), as
// in PostgreSQL.
func TruncateSet(refs ForeignKeys, colls []*catalog.Collection, cascade bool) ([]*catalog.Collection, error) {
	in := map[uint32]bool{}
	for _, c := range colls {
		in[c.ID] = true
	}
	out := slices.Clone(colls)
	for i := 0; i < len(out); i++ {
		for _, ref := range refs.ReferencedBy(out[i].ID) {
			if in[ref.Child.ID] {
				continue
			}
			if !cascade {
				return nil, errs.New(errs.FeatureNotSupported, "cannot truncate a table referenced in a foreign key constraint").
					WithDetail(fmt.Sprintf("Table %q references %q.", ref.Child.Name, out[i].Name)).
					WithHint(fmt.Sprintf("Truncate table %q at the same time, or use TRUNCATE ... CASCADE.", ref.Child.Name))
			}
			in[ref.Child.ID] = true
			out = append(out, ref.Child)
		}
	}
	return out, nil
}
