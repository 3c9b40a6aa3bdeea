package exec

import (
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// AddKey runs ALTER TABLE ... ADD [CONSTRAINT name] PRIMARY KEY (cols) or
// UNIQUE (cols), as pg_dump writes them after loading a table's rows.
//
// UNIQUE builds a unique index named after the constraint. PRIMARY KEY
// applies to a table created without one (whose rows are keyed by a
// hidden row id): the columns become NOT NULL and the key, and every row
// and index entry is rewritten under its new key in the DDL's one commit
// (no change events: no row changes). Rows holding a NULL in a key
// column fail it with 23502, rows sharing a key with 23505.
func (d *DDL) AddKey(st *ast.AddKey) error {
	if !st.Primary {
		name := st.Name
		if name == "" {
			name = st.Table + "_" + strings.Join(st.Columns, "_") + "_key"
		}
		_, err := d.CreateIndex(&ast.CreateIndex{Pos: st.Pos, Name: name, Table: st.Table, Columns: st.Columns, Unique: true})
		return err
	}
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		if hasKey := !col.Columns[col.ColumnIndex(col.PK[0])].Hidden; hasKey || col.Kind != catalog.Strict {
			return errs.Errorf(errs.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", col.Name)
		}
		if st.Name != "" && st.Name != col.Name+"_pkey" {
			return errs.Errorf(errs.FeatureNotSupported, "a primary key is named %q", col.Name+"_pkey").
				WithHint("Leave out CONSTRAINT name, or name it so.")
		}
		n := catalog.Clone(col)
		n.PK = append([]string(nil), st.Columns...)
		n.ShardCols = 0
		if len(n.PK) > 1 {
			n.ShardCols = 1
		}
		for i, name := range st.Columns {
			j := n.ColumnIndex(name)
			if j < 0 || n.Columns[j].Hidden {
				return errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", name, col.Name)
			}
			for _, prev := range st.Columns[:i] {
				if prev == name {
					return errs.Errorf(errs.DuplicateColumn, "column %q appears twice in primary key constraint", name)
				}
			}
			n.Columns[j].NotNull = true
		}
		return rewriteRows(tx, col, n, nil)
	})
}

// storedRow is a row as stored: its key and value.
type storedRow struct{ key, val []byte }

// storedRows reads every stored row of col (for DDL that rewrites them).
func storedRows(tx *catalog.DDLTxn, col *catalog.Collection) ([]storedRow, error) {
	lo := storage.RowPrefix(col.ID)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	var rows []storedRow
	for ; it.Valid(); it.Next() {
		rows = append(rows, storedRow{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
	}
	return rows, it.Close()
}

// rewriteRows rewrites every row of col, and its index entries, as n
// (col's new descriptor) lays them out, each row first changed by conv
// when it is not nil, and stages n.
func rewriteRows(tx *catalog.DDLTxn, col, n *catalog.Collection, conv func(types.Row) (types.Row, error)) error {
	rows, err := storedRows(tx, col)
	if err != nil {
		return err
	}
	// As PostgreSQL: rows sharing a key (23505) before NULLs (23502).
	tuples := make([]types.Row, len(rows))
	seen := make(map[string]bool, len(rows))
	var nullCol string
	for i, r := range rows {
		t, err := document.DecodeTuple(r.val, len(n.Columns))
		if err != nil {
			return err
		}
		tuples[i] = t
		if conv != nil {
			if t, err = conv(t); err != nil {
				return err
			}
			tuples[i] = t
		}
		key, nulls := fkKey(n, n.PK, t)
		if nulls > 0 {
			for _, name := range n.PK {
				if t[n.ColumnIndex(name)] == nil && nullCol == "" {
					nullCol = name
				}
			}
			continue
		}
		pkb := encodeKey(key)
		if seen[string(pkb)] {
			return errs.Errorf(errs.UniqueViolation, "could not create unique index %q", col.Name+"_pkey").
				WithDetail("Key " + keyText(n, n.PK, key) + " is duplicated.")
		}
		seen[string(pkb)] = true
	}
	if nullCol != "" {
		return errs.Errorf(errs.NotNullViolation, "column %q of relation %q contains null values", nullCol, col.Name)
	}
	// Every old key and index entry goes before any new one is written:
	// a row's new key may be another row's old one.
	oldLay, newLay := Layout(col), Layout(n)
	for _, r := range rows {
		old, err := document.DecodeTuple(r.val, len(col.Columns))
		if err != nil {
			return err
		}
		oldPK, _, oldIdx, err := rowParts(col, old)
		if err != nil {
			return err
		}
		tx.Delete(r.key)
		oldLay.DeleteIndexEntries(writer{tx.Txn}, oldIdx, document.EncodePK(oldPK))
	}
	for i, r := range rows {
		t := tuples[i]
		pk, _, idx, err := rowParts(n, t)
		if err != nil {
			return err
		}
		pkb := document.EncodePK(pk)
		val := r.val
		if conv != nil {
			if val, err = document.EncodeTuple(t); err != nil {
				return err
			}
		}
		tx.Set(newLay.Key(pkb), val)
		if err := newLay.PutIndexEntries(writer{tx.Txn}, idx, pkb); err != nil {
			return err
		}
	}
	tx.Put(n)
	return nil
}
