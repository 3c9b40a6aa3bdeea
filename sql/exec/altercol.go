package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// strictColumn finds a strict table and one of its columns for ALTER
// COLUMN and RENAME COLUMN, taking the table's DDL lock.
func (d *DDL) strictColumn(tx *catalog.DDLTxn, table, column string) (*catalog.Collection, int, error) {
	col, err := d.strictTable(tx, table, "its fields have no definitions to change")
	if err != nil {
		return nil, 0, err
	}
	i := col.ColumnIndex(column)
	if i < 0 || col.Columns[i].Hidden {
		return nil, 0, errs.Errorf(errs.UndefinedColumn, "column %q does not exist", column)
	}
	return col, i, nil
}

// AlterColumn runs ALTER TABLE ... ALTER COLUMN: SET/DROP DEFAULT and
// SET/DROP NOT NULL. SET NOT NULL reads the rows and fails (23502) on a
// NULL; a key column's NOT NULL cannot be dropped (42P16).
func (d *DDL) AlterColumn(st *ast.AlterColumn) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, i, err := d.strictColumn(tx, st.Table, st.Column)
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
				c.Default = defaultText(st.Default)
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
// primary key, indexes and owned sequences that name it. Views, triggers,
// procedures and stream filters keep their SQL as written: one that names
// the old column fails when it next runs.
func (d *DDL) RenameColumn(st *ast.RenameColumn) error {
	if err := catalog.ValidateName(st.To); err != nil {
		return err
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, i, err := d.strictColumn(tx, st.Table, st.From)
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
		}
		d.renameFKColumns(tx, col, n, st.From, st.To)
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
