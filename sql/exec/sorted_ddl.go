package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/storage"
)

// CreateSortedIndex executes CREATE SORTED INDEX: it records the index in
// the collection's descriptor and writes the entries of the existing rows
// (backfill) in the same commit, holding the collection lock so no
// concurrent write is missed. It reports false when IF NOT EXISTS found
// the name taken.
func (d *DDL) CreateSortedIndex(st *ast.CreateSortedIndex) (bool, error) {
	created := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		if err := catalog.ValidateName(st.Name); err != nil {
			return err
		}
		col, err := d.Cat.MustGet(st.Table)
		if err != nil {
			return err
		}
		if _, _, ok := d.Cat.FindIndex(st.Name); ok {
			if st.IfNotExists {
				created = false
				return nil
			}
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name)
		}
		if len(st.Columns) == 0 || len(st.Columns) != len(st.Desc) {
			return errs.New(errs.SyntaxError, "a sorted index needs at least one sort column")
		}
		seen := map[string]bool{}
		for _, c := range append(append([]string(nil), st.Columns...), st.Key) {
			if col.Tuple() && col.ColumnIndex(c) < 0 {
				return errs.Errorf(errs.UndefinedColumn, "column %q does not exist", c)
			}
			if seen[c] {
				return errs.Errorf(errs.DuplicateColumn, "column %q appears twice in sorted index %q", c, st.Name)
			}
			seen[c] = true
		}
		tx.LockCollection(col.ID)
		if col, err = d.Cat.MustGet(st.Table); err != nil {
			return err
		}
		n := catalog.Clone(col)
		ix := catalog.Index{ID: tx.NewIndexID(), Name: st.Name, Columns: st.Columns, Sorted: true,
			Desc: append([]bool(nil), st.Desc...), Key: st.Key}
		n.Indexes = append(n.Indexes, ix)
		lo := storage.RowPrefix(col.ID)
		it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
		if err != nil {
			return err
		}
		w := writer{tx.Txn}
		il := document.IndexLayout{ID: ix.ID, Name: ix.Name, Sorted: true, Desc: ix.Desc}
		for ; it.Valid(); it.Next() {
			row, err := decodeRow(n, it.Value())
			if err != nil {
				_ = it.Close()
				return err
			}
			pk, _, idx, err := rowParts(n, row)
			if err != nil {
				_ = it.Close()
				return err
			}
			if err := document.AddIndexEntry(w, il, idx[len(idx)-1], pk); err != nil {
				_ = it.Close()
				return err
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
		tx.Put(n)
		return nil
	})
	return created, err
}
