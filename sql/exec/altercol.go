package exec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// strictColumn finds a strict table and one of its columns for ALTER
// COLUMN and RENAME COLUMN, taking the table's DDL lock.
func (d *DDL) strictColumn(tx *catalog.DDLTxn, table, column string, ofRelation bool) (*catalog.Collection, int, error) {
	col, err := d.strictTable(tx, table, "its fields have no definitions to change")
	if err != nil {
		return nil, 0, err
	}
	i := col.ColumnIndex(column)
	if i < 0 || col.Columns[i].Hidden {
		if ofRelation { // PostgreSQL's ALTER COLUMN names the table, RENAME COLUMN does not
			return nil, 0, errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", column, col.Name)
		}
		return nil, 0, errs.Errorf(errs.UndefinedColumn, "column %q does not exist", column)
	}
	return col, i, nil
}

// AlterColumn runs ALTER TABLE ... ALTER COLUMN: SET/DROP DEFAULT and
// SET/DROP NOT NULL. SET NOT NULL reads the rows and fails (23502) on a
// NULL; a key column's NOT NULL cannot be dropped (42P16).
func (d *DDL) AlterColumn(st *ast.AlterColumn) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, i, err := d.strictColumn(tx, st.Table, st.Column, true)
		if err != nil {
			return err
		}
		n := catalog.Clone(col)
		c := &n.Columns[i]
		switch st.Action {
		case "SET DEFAULT", "DROP DEFAULT":
			if c.Identity != "" {
				return errs.Errorf(errs.SyntaxError, "column %q of relation %q is an identity column", c.Name, col.Name).
					WithHint("Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead (not supported yet).")
			}
			c.Default = ""
			if st.Default != nil {
				def, err := d.resolveDefault(st.Default, c.Type, nil)
				if err != nil {
					return err
				}
				c.Default = defaultText(def)
				if _, err := bindDefault(*c); err != nil {
					return err
				}
			}
		case "ADD IDENTITY":
			switch {
			case c.Identity != "":
				return errs.Errorf(errs.ObjectNotInState, "column %q of relation %q is already an identity column", c.Name, col.Name)
			case c.Default != "":
				return errs.Errorf(errs.ObjectNotInState, "column %q of relation %q already has a default value", c.Name, col.Name)
			case !c.NotNull && !contains(col.PK, c.Name):
				return errs.Errorf(errs.ObjectNotInState, "column %q of relation %q must be declared NOT NULL before identity can be added", c.Name, col.Name)
			case !c.Type.IsInteger():
				return errs.Errorf(errs.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
			}
			c.Identity = map[string]string{"ALWAYS": "a", "BY DEFAULT": "d"}[st.Identity]
			if _, err := d.ownedSequence(tx, col, c, st.IdentityOpt, map[string]bool{}); err != nil {
				return err
			}
		case "TYPE":
			return d.alterType(tx, col, n, i, st)
		case "DROP NOT NULL":
			if contains(col.PK, c.Name) {
				return errs.Errorf(errs.InvalidTableDefinition, "column %q is in a primary key", c.Name)
			}
			if c.Identity != "" {
				return errs.Errorf(errs.SyntaxError, "column %q of relation %q is an identity column", c.Name, col.Name)
			}
			c.NotNull = false
		case "SET NOT NULL":
			if err := noNulls(tx, col, i); err != nil {
				return err
			}
			c.NotNull = true
		default:
			return errs.Errorf(errs.FeatureNotSupported, "ALTER COLUMN %s is not supported", st.Action)
		}
		tx.Put(n)
		return nil
	})
}

// noNulls fails with 23502 when a row of col has NULL in column i.
func noNulls(tx *catalog.DDLTxn, col *catalog.Collection, i int) error {
	return eachTuple(tx, col, len(col.Columns), func(t types.Row) error {
		if t[i] == nil {
			return errs.Errorf(errs.NotNullViolation, "column %q of relation %q contains null values", col.Columns[i].Name, col.Name)
		}
		return nil
	})
}

// eachTuple calls fn with every stored row of a strict collection,
// decoded to width columns, in key order.
func eachTuple(tx *catalog.DDLTxn, col *catalog.Collection, width int, fn func(types.Row) error) error {
	lo := storage.RowPrefix(col.ID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		t, err := document.DecodeTuple(it.Value(), width)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return nil
}

// RenameColumn runs ALTER TABLE ... RENAME COLUMN: the column, and the
// primary key, indexes, owned sequences and views that name it. Triggers,
// procedures and stream filters keep their SQL as written: one that names
// the old column fails when it next runs.
func (d *DDL) RenameColumn(st *ast.RenameColumn) error {
	if err := catalog.ValidateName(st.To); err != nil {
		return err
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, i, err := d.strictColumn(tx, st.Table, st.From, false)
		if err != nil {
			return err
		}
		if col.ColumnIndex(st.To) >= 0 {
			return errs.Errorf(errs.DuplicateColumn, "column %q of relation %q already exists", st.To, col.Name)
		}
		n := catalog.Clone(col)
		n.Columns[i].Name = st.To
		rename := func(names []string) {
			for j, name := range names {
				if name == st.From {
					names[j] = st.To
				}
			}
		}
		rename(n.PK)
		for j := range n.Indexes {
			// The clone shares the descriptors' slices: copy before renaming.
			n.Indexes[j].Columns = append([]string(nil), n.Indexes[j].Columns...)
			rename(n.Indexes[j].Columns)
			if n.Indexes[j].Key == st.From {
				n.Indexes[j].Key = st.To
			}
			n.Indexes[j].Include = slices.Clone(n.Indexes[j].Include)
			rename(n.Indexes[j].Include)
		}
		renameInIndexExprs(n, st.From, st.To)
		d.renameFKColumns(tx, col, n, st.From, st.To)
		if err := d.renameColumnInViews(tx, col, n, st.From, st.To); err != nil {
			return err
		}
		for _, sq := range d.Cat.SequencesOwnedBy(col.ID) {
			if sq.OwnedCol == st.From {
				s := *sq
				s.OwnedCol = st.To
				if err := tx.PutSequence(&s); err != nil {
					return err
				}
			}
		}
		tx.Put(n)
		return nil
	})
}

// alterType runs ALTER COLUMN c [SET DATA] TYPE t [USING expr]: every row
// is rewritten with the column's value converted (by expr over the old
// row when given, else by an assignment cast: a string column needs
// USING to become anything but a string, 42804, as in PostgreSQL), the
// table's CHECK constraints checked again, and its index entries (and
// row keys, for a key column) rebuilt, in the DDL's one commit.
func (d *DDL) alterType(tx *catalog.DDLTxn, col, n *catalog.Collection, i int, st *ast.AlterColumn) error {
	c := &n.Columns[i]
	old := col.Columns[i]
	t, mod, err := d.columnType(c.Name, st.Type, st.TypeName, st.TypeMod, st.Array)
	if err != nil {
		return err
	}
	var enum *catalog.EnumType // the new type, when an enum
	if t == types.Enum {
		enum, _ = d.Cat.EnumByOID(uint32(mod))
		if old.Type == types.Enum && old.TypeMod == mod {
			return nil // the type it has
		}
	}
	switch {
	case col.Kind != catalog.Strict:
		return errs.Errorf(errs.FeatureNotSupported, "cannot change a column type of key-value collection %q", col.Name)
	case c.Identity != "":
		return errs.Errorf(errs.FeatureNotSupported, "cannot alter the type of identity column %q", c.Name)
	}
	if err := d.fkTypesAfter(col, c.Name, t); err != nil {
		return err
	}
	// A view reading the column would change under it: PostgreSQL refuses.
	without := catalog.Clone(col)
	without.Columns[i] = catalog.Column{Name: fmt.Sprintf("........pg.dropped.%d........", i+1), Type: old.Type, Hidden: true, Dropped: true}
	if views, err := d.viewsUsingColumns(col, without); err != nil {
		return err
	} else if len(views) > 0 {
		return errs.Errorf(errs.FeatureNotSupported, "cannot alter type of a column used by a view or rule").
			WithDetail(fmt.Sprintf("rule _RETURN on view %s depends on column %q", views[0].Name, c.Name))
	}
	c.Type, c.TypeMod = t, mod
	env := d.Env(tx.Txn)
	from := old.Type
	var using plan.Expr
	if st.Using != nil {
		var err error
		if using, err = plan.BindRowExpr(d.Cat, col, st.Using, "transform expression"); err != nil {
			return err
		}
		from = using.Type()
		if _, isConst := using.(*plan.Const); enum != nil && from != types.Enum && !isConst {
			// Text is not assigned to an enum: the USING must cast.
			return errs.Errorf(errs.DatatypeMismatch, "result of USING clause for column %q cannot be cast automatically to type %s", c.Name, enum.Name).
				WithHint("You might need to add an explicit cast.")
		}
	} else if !assignable(old.Type, t) || enum != nil {
		shown := t.String()
		if enum != nil {
			shown = enum.Name
		}
		return errs.Errorf(errs.DatatypeMismatch, "column %q cannot be cast automatically to type %s", c.Name, shown).
			WithHint(fmt.Sprintf("You might need to specify \"USING %s::%s\".", ast.QuoteIdent(c.Name), st.TypeName))
	}
	if c.Default != "" {
		if _, err := bindDefault(*c); err != nil {
			return errs.Errorf(errs.DatatypeMismatch, "default for column %q cannot be cast automatically to type %s", c.Name, t)
		}
	}
	if _, err := checksOf(n); err != nil {
		return err
	}
	if _, err := plan.IndexBindings(n); err != nil {
		return err // an index expression does not take the new type
	}
	return rewriteRows(tx, col, n, func(row types.Row) (types.Row, error) {
		v := row[i]
		if using != nil {
			var err error
			if v, err = env.Eval(using, row); err != nil {
				return nil, err
			}
		}
		v, err := funcs.CastTyped(env.Fn, v, from, t)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok && enum != nil {
			if err := enum.CheckLabel(s); err != nil {
				return nil, err
			}
		}
		if v, err = applyTypeMod(v, t, mod, false, c.Name); err != nil {
			return nil, err
		}
		row[i] = v
		if v == nil && c.NotNull {
			return nil, errs.Errorf(errs.NotNullViolation, "column %q of relation %q contains null values", c.Name, col.Name)
		}
		if len(n.Checks) > 0 {
			if err := env.checkExisting(n, row); err != nil {
				return nil, err
			}
		}
		return row, nil
	})
}

// assignable reports whether PostgreSQL converts a value of type from to
// type to when assigned (an implicit or assignment cast).
func assignable(from, to types.T) bool {
	temporal := func(t types.T) bool { return t == types.Date || t == types.Timestamp || t == types.Timestamptz }
	switch {
	case from == to, to.IsString() && to != types.JSON && to != types.JSONB:
		return true
	case from.IsNumeric() && to.IsNumeric():
		return true
	case temporal(from) && temporal(to):
		return true
	case from == types.JSON && to == types.JSONB, from == types.JSONB && to == types.JSON:
		return true
	}
	return false
}

// fkTypesAfter fails with 42804 when giving column name of col type t
// breaks a foreign key on either side of it.
func (d *DDL) fkTypesAfter(col *catalog.Collection, name string, t types.T) error {
	check := func(fk *catalog.ForeignKey, j int, child, parent types.T) error {
		if !keyTypesMatch(child, parent) {
			return errs.Errorf(errs.DatatypeMismatch, "foreign key constraint %q cannot be implemented", fk.Name).
				WithDetail(fmt.Sprintf("Key columns %q and %q are of incompatible types: %s and %s.", fk.Columns[j], fk.RefColumns[j], child, parent))
		}
		return nil
	}
	for k := range col.FKs {
		fk := &col.FKs[k]
		parent, ok := d.Cat.ByID(fk.RefID)
		if !ok {
			continue
		}
		for j, cn := range fk.Columns {
			pt := parent.Columns[parent.ColumnIndex(fk.RefColumns[j])].Type
			if fk.RefID == col.ID && fk.RefColumns[j] == name {
				pt = t
			}
			if cn == name {
				if err := check(fk, j, t, pt); err != nil {
					return err
				}
			}
		}
	}
	for _, ref := range d.Cat.ReferencedBy(col.ID) {
		if ref.Child.ID == col.ID {
			continue // checked above
		}
		for j, rc := range ref.FK.RefColumns {
			if rc == name {
				ct := ref.Child.Columns[ref.Child.ColumnIndex(ref.FK.Columns[j])].Type
				if err := check(ref.FK, j, ct, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// RenameTable runs ALTER TABLE ... RENAME TO. Only the name changes: the
// rows stay where they are (their vShards keep being hashed with the
// first name, catalog.Collection.Placement), and what refers to the
// collection by id (indexes, foreign keys, sequences, change streams,
// triggers) follows it. Views, procedures and triggers' bodies keep
// their SQL as written: one naming the old name fails when it next runs.
// Key-value collections keep their names (their expiry index is named
// after them).
func (d *DDL) RenameTable(st *ast.RenameTable) error {
	if err := catalog.ValidateName(st.To); err != nil {
		return err
	}
	if strings.HasPrefix(st.To, catalog.TopicPrefix) {
		return errs.Errorf(errs.ReservedName, "name %q is reserved (the %s prefix belongs to topics)", st.To, catalog.TopicPrefix)
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.Cat.MustGet(st.Table)
		if err != nil {
			return err
		}
		switch {
		case col.Internal:
			return errs.Errorf(errs.WrongObjectType, "%q holds a topic's messages and cannot be renamed", col.Name)
		case col.Kind == catalog.KeyValue:
			return errs.Errorf(errs.FeatureNotSupported, "cannot rename key-value collection %q", col.Name)
		case d.relationTaken(st.To, nil):
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.To)
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(st.Table); err != nil {
			return err
		}
		n := catalog.Clone(col)
		n.Placement = col.PlacementName()
		n.Name = st.To
		tx.Put(n)
		return d.renameInViews(tx, st.Table, st.To)
	})
}
