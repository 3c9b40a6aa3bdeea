package plan

import (
	"context"

	"github.com/nodedb-go/nodedb/sql/types"
)

// SystemTable is a read-only virtual relation computed on demand:
// pg_catalog and information_schema tables, and NodeDB's own system views.
type SystemTable interface {
	// Columns is the fixed row layout.
	Columns() []Column
	// Rows computes the current rows.
	Rows(ctx context.Context) ([]types.Row, error)
}

// SystemTables resolves names such as "pg_class", "pg_catalog.pg_class"
// or "information_schema.tables" to system tables.
type SystemTables interface {
	Lookup(name string) (SystemTable, bool)
}

// SystemScan reads a system table.
type SystemScan struct {
	Name  string
	Table SystemTable
	Cols  []Column
}

// Columns returns the system table's layout.
func (n *SystemScan) Columns() []Column { return n.Cols }
