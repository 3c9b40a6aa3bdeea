package exec

import (
	"fmt"
	"slices"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/storage"
)

// DropColumn runs ALTER TABLE ... DROP [COLUMN] [IF EXISTS] c [CASCADE]:
// false when IF EXISTS found no such column. As in PostgreSQL the rows
// are not rewritten: the column stays in them, hidden (catalog.Column
// Dropped), and what depends on it goes with it: the indexes, CHECK
// constraints and foreign keys of the table naming it, and the sequence
// it owns. Foreign keys of other tables referencing it fail the drop
// (2BP01) unless CASCADE drops them too. A primary-key column cannot be
// dropped (the key places the rows); views naming it fail when next run.
func (d *DDL) DropColumn(st *ast.DropColumn) (bool, error) {
	dropped := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "its fields come and go with its documents")
		if err != nil {
			return err
		}
		if col.Kind != catalog.Strict {
			return errs.Errorf(errs.FeatureNotSupported, "cannot drop a column of key-value collection %q", col.Name)
		}
		i := col.ColumnIndex(st.Column)
		if i < 0 || col.Columns[i].Hidden {
			if st.IfExists {
				dropped = false
				return nil
			}
			return errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", st.Column, col.Name)
		}
		if isPK(col, st.Column) {
			return errs.Errorf(errs.FeatureNotSupported, "cannot drop column %q of table %q: it is in the primary key", st.Column, col.Name).
				WithHint("The primary key places the rows; create a new table and copy them instead.")
		}
		visible := 0
		for _, c := range col.Columns {
			if !c.Hidden {
				visible++
			}
		}
		if visible == 1 {
			return errs.Errorf(errs.FeatureNotSupported, "cannot drop the last column of %q", col.Name)
		}
		if err := d.dropColumnRefs(tx, col, st); err != nil {
			return err
		}
		n := catalog.Clone(col)
		n.Columns[i] = catalog.Column{Name: fmt.Sprintf("........pg.dropped.%d........", i+1), Type: col.Columns[i].Type, Hidden: true, Dropped: true}
		for _, ix := range col.Indexes {
			if indexUses(ix, st.Column) {
				if err := deletePrefix(tx.Txn, storage.IndexPrefix(ix.ID)); err != nil {
					return err
				}
			}
		}
		n.Indexes = slices.DeleteFunc(n.Indexes, func(ix catalog.Index) bool {
			return indexUses(ix, st.Column)
		})
		n.FKs = slices.DeleteFunc(n.FKs, func(fk catalog.ForeignKey) bool {
			return slices.Contains(fk.Columns, st.Column) || (fk.RefID == col.ID && slices.Contains(fk.RefColumns, st.Column))
		})
		// A CHECK that no longer binds named the column.
		n.Checks = slices.DeleteFunc(n.Checks, func(c catalog.Check) bool {
			e, perr := parser.ParseExpr(c.Expr)
			if perr != nil {
				return false
			}
			_, berr := plan.BindCheck(n, e)
			return errs.Code(berr) == errs.UndefinedColumn
		})
		for _, sq := range d.Cat.SequencesOwnedBy(col.ID) {
			if sq.OwnedCol == st.Column {
				tx.RemoveSequence(sq)
			}
		}
		if err := d.dropColumnViews(tx, col, n, st.Column, st.Cascade); err != nil {
			return err
		}
		tx.Put(n)
		return nil
	})
	return dropped, err
}

// dropColumnRefs handles the foreign keys of other tables referencing a
// column being dropped: 2BP01 without CASCADE, dropped with it.
func (d *DDL) dropColumnRefs(tx *catalog.DDLTxn, col *catalog.Collection, st *ast.DropColumn) error {
	changed := map[uint32]*catalog.Collection{}
	for _, ref := range d.Cat.ReferencedBy(col.ID) {
		if ref.Child.ID == col.ID || !slices.Contains(ref.FK.RefColumns, st.Column) {
			continue
		}
		if !st.Cascade {
			return errs.Errorf(errs.DependentObjects, "cannot drop column %s of table %s because other objects depend on it", st.Column, col.Name).
				WithDetail(fmt.Sprintf("constraint %s on table %s depends on column %s of table %s", ref.FK.Name, ref.Child.Name, st.Column, col.Name)).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		c, ok := changed[ref.Child.ID]
		if !ok {
			c = catalog.Clone(ref.Child)
			changed[ref.Child.ID] = c
		}
		c.FKs = slices.DeleteFunc(c.FKs, func(fk catalog.ForeignKey) bool { return fk.Name == ref.FK.Name })
	}
	for _, c := range changed {
		tx.LockCollection(c.ID)
		tx.Put(c)
	}
	return nil
}
