package exec

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Enum types (CREATE TYPE ... AS ENUM) share names with relations, as in
// PostgreSQL, where every table has a row type of its name.

// typeNameTaken is PostgreSQL's error for a type name in use.
func (d *DDL) typeNameTaken(name string) error {
	_, isEnum := d.Cat.Enum(name)
	_, isColl := d.Cat.Get(name)
	_, isView := d.Cat.View(name)
	_, builtin := types.ParseTypeName(name)
	if isEnum || isColl || isView || builtin {
		return errs.Errorf(errs.DuplicateObject, "type %q already exists", name)
	}
	return nil
}

// CreateEnum runs CREATE TYPE name AS ENUM (...).
func (d *DDL) CreateEnum(st *ast.CreateEnum) error {
	if err := catalog.ValidateName(st.Name); err != nil {
		return err
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		if err := d.typeNameTaken(st.Name); err != nil {
			return err
		}
		id := tx.NewID()
		for i, l := range st.Labels {
			if slices.Contains(st.Labels[:i], l) {
				// PostgreSQL's error comes from its pg_enum index.
				return errs.Errorf(errs.UniqueViolation, "duplicate key value violates unique constraint %q", "pg_enum_typid_label_index").
					WithDetail(fmt.Sprintf("Key (enumtypid, enumlabel)=(%d, %s) already exists.", id+catalog.FirstUserOID, l))
			}
		}
		return tx.PutEnum(&catalog.EnumType{ID: id, Name: st.Name, Labels: st.Labels, Created: time.Now().UTC()})
	})
}

// enumColumns lists the columns of live collections whose type is e, as
// PostgreSQL's dependency detail names them.
// (each table's newest column first, as PostgreSQL lists them), then the
// views with a column of the type.
func (d *DDL) enumColumns(e *catalog.EnumType) []string {
	var out []string
	for _, c := range d.Cat.List() {
		for i := len(c.Columns) - 1; i >= 0; i-- {
			col := c.Columns[i]
			if col.Type == types.Enum && uint32(col.TypeMod) == e.OID() && !col.Dropped {
				out = append(out, fmt.Sprintf("column %s of table %s depends on type %s", col.Name, c.Name, e.Name))
			}
		}
	}
	for _, v := range d.Cat.Views() {
		for _, a := range v.Attrs {
			if a.Type == types.Enum && uint32(a.TypeMod) == e.OID() {
				out = append(out, fmt.Sprintf("view %s depends on type %s", v.Name, e.Name))
				break
			}
		}
	}
	return out
}

// DropTypes runs DROP TYPE. A type a column has cannot be dropped (2BP01);
// CASCADE, which would drop those columns in PostgreSQL, is not supported
// yet (0A000).
func (d *DDL) DropTypes(st *ast.DropType) (notices []string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		for _, name := range st.Names {
			e, ok := d.Cat.Enum(name)
			if !ok {
				if st.IfExists {
					notices = append(notices, fmt.Sprintf("type %q does not exist, skipping", name))
					continue
				}
				if _, builtin := types.ParseTypeName(name); builtin {
					return errs.Errorf(errs.DependentObjects, "cannot drop type %s because it is required by the database system", name)
				}
				return errs.Errorf(errs.UndefinedObject, "type %q does not exist", name)
			}
			if deps := d.enumColumns(e); len(deps) > 0 {
				if st.Cascade {
					return errs.Errorf(errs.FeatureNotSupported, "DROP TYPE ... CASCADE of a type columns have is not supported yet").
						WithDetail(strings.Join(deps, "\n")).WithHint("Drop or retype the columns first.")
				}
				return errs.Errorf(errs.DependentObjects, "cannot drop type %s because other objects depend on it", name).
					WithDetail(strings.Join(deps, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			}
			tx.RemoveEnum(e)
		}
		return nil
	})
	return notices, err
}

// AlterEnum runs ALTER TYPE ... ADD VALUE, RENAME VALUE and RENAME TO.
// It returns PostgreSQL's notice for ADD VALUE IF NOT EXISTS of a label
// there already.
func (d *DDL) AlterEnum(st *ast.AlterEnum) (notice string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		e, ok := d.Cat.Enum(st.Name)
		if !ok {
			return errs.Errorf(errs.UndefinedObject, "type %q does not exist", st.Name)
		}
		n := &catalog.EnumType{ID: e.ID, Name: e.Name, Labels: slices.Clone(e.Labels), Created: e.Created, Comment: e.Comment}
		switch st.Action {
		case "ADD VALUE":
			if slices.Contains(n.Labels, st.Label) {
				if st.IfNotExists {
					notice = fmt.Sprintf("enum label %q already exists, skipping", st.Label)
					return nil
				}
				return errs.Errorf(errs.DuplicateObject, "enum label %q already exists", st.Label)
			}
			at := len(n.Labels)
			if st.Neighbor != "" {
				i := slices.Index(n.Labels, st.Neighbor)
				if i < 0 {
					return errs.Errorf(errs.InvalidParameterValue, "%q is not an existing enum label", st.Neighbor)
				}
				at = i
				if !st.Before {
					at++
				}
			}
			n.Labels = slices.Insert(n.Labels, at, st.Label)
		case "RENAME VALUE":
			i := slices.Index(n.Labels, st.Label)
			switch {
			case i < 0:
				return errs.Errorf(errs.InvalidParameterValue, "%q is not an existing enum label", st.Label)
			case slices.Contains(n.Labels, st.To):
				return errs.Errorf(errs.DuplicateObject, "enum label %q already exists", st.To)
			}
			n.Labels[i] = st.To
			if err := d.renameLabelInRows(tx, e, st.Label, st.To); err != nil {
				return err
			}
		case "RENAME":
			if err := catalog.ValidateName(st.To); err != nil {
				return err
			}
			if err := d.typeNameTaken(st.To); err != nil {
				return err
			}
			n.Name = st.To
		}
		return tx.PutEnum(n)
	})
	return notice, err
}

// columnType resolves a column definition's type: an enum type named
// typeName when t is types.Enum (its OID as the modifier), an array as
// jsonb; other types as written.
func (d *DDL) columnType(name string, t types.T, typeName string, mod int, array bool) (types.T, int, error) {
	if err := storableType(name, t); err != nil {
		return 0, 0, err
	}
	if t == types.Enum {
		e, ok := d.Cat.Enum(strings.TrimPrefix(typeName, "public."))
		if !ok {
			return 0, 0, errs.Errorf(errs.UndefinedObject, "type %q does not exist", typeName)
		}
		mod = int(e.OID())
	}
	if array {
		return types.JSONB, 0, nil // arrays are jsonb
	}
	return t, mod, nil
}

// renameLabelInRows rewrites the rows holding label from in a column of
// type e to hold to (columns store the label's text), with their index
// entries, in the DDL's one commit. A column of the type in a foreign key
// is refused (0A000): the other side's rows would keep the old label.
func (d *DDL) renameLabelInRows(tx *catalog.DDLTxn, e *catalog.EnumType, from, to string) error {
	ofType := func(c catalog.Column) bool {
		return c.Type == types.Enum && uint32(c.TypeMod) == e.OID() && !c.Dropped
	}
	for _, c := range d.Cat.List() {
		if !slices.ContainsFunc(c.Columns, ofType) {
			continue
		}
		tx.LockCollection(c.ID)
		cur, ok := d.Cat.ByID(c.ID)
		if !ok || cur.Dropped {
			continue
		}
		var cols []int
		for i, col := range cur.Columns {
			if ofType(col) {
				cols = append(cols, i)
			}
		}
		for _, fk := range cur.FKs {
			for _, i := range cols {
				if slices.Contains(fk.Columns, cur.Columns[i].Name) {
					return errs.Errorf(errs.FeatureNotSupported, "ALTER TYPE ... RENAME VALUE of a type a foreign key's column has is not supported yet").
						WithDetail(fmt.Sprintf("Column %s of table %s is in foreign key %s.", cur.Columns[i].Name, cur.Name, fk.Name))
				}
			}
		}
		for _, ref := range d.Cat.ReferencedBy(cur.ID) {
			for _, i := range cols {
				if slices.Contains(ref.FK.RefColumns, cur.Columns[i].Name) {
					return errs.Errorf(errs.FeatureNotSupported, "ALTER TYPE ... RENAME VALUE of a type a foreign key's column has is not supported yet").
						WithDetail(fmt.Sprintf("Column %s of table %s is referenced by foreign key %s.", cur.Columns[i].Name, cur.Name, ref.FK.Name))
				}
			}
		}
		err := rewriteRows(tx, cur, catalog.Clone(cur), func(row types.Row) (types.Row, error) {
			for _, i := range cols {
				if row[i] == from {
					row[i] = to
				}
			}
			return row, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
