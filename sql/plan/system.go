package plan

import (
	"context"
	"slices"

	"github.com/nodedb-go/nodedb/catalog"
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

// TableOIDer is a SystemTable that is a table (not a view) with an OID:
// its rows have the system column tableoid, that OID. The first column of
// such a table is never NULL in its rows (as in PostgreSQL's catalogs),
// which tells a row from the NULL row an outer join adds.
type TableOIDer interface {
	TableOID() (uint32, bool)
}

// SystemScan reads a system table.
type SystemScan struct {
	Name  string
	Table SystemTable
	Cols  []Column
}

// Columns returns the system table's layout.
func (n *SystemScan) Columns() []Column { return n.Cols }

// SequenceCatalog is implemented by catalogs that hold sequences: a
// sequence named in FROM reads as PostgreSQL's one-row sequence relation.
type SequenceCatalog interface {
	Sequence(name string) (*catalog.Sequence, bool)
}

// SequenceScan reads a sequence as a relation: one row (last_value
// bigint, log_cnt bigint, is_called boolean), as PostgreSQL's sequence
// relation shows it (pg_dump reads it to restore the sequence's place).
type SequenceScan struct {
	Seq  *catalog.Sequence
	Cols []Column
}

// Columns returns the sequence relation's layout.
func (n *SequenceScan) Columns() []Column { return n.Cols }

// sequenceColumns is the layout of a sequence relation with OID oid.
func sequenceColumns(oid uint32) []Column {
	return []Column{
		{Name: "last_value", T: types.Int8, TypeMod: -1, TableOID: oid, AttrNum: 1},
		{Name: "log_cnt", T: types.Int8, TypeMod: -1, TableOID: oid, AttrNum: 2},
		{Name: "is_called", T: types.Bool, TypeMod: -1, TableOID: oid, AttrNum: 3},
	}
}

// UsesSystem reports whether a plan reads a system table (directly or in a
// subquery).
func UsesSystem(n Node) bool {
	found := false
	var visitNode func(Node)
	visitNode = func(n Node) {
		switch n.(type) {
		case *SystemScan, *SequenceScan:
			found = true
			return
		}
		walkNode(n, func(e Expr) {
			if s, ok := e.(*Subquery); ok && !found {
				visitNode(s.Plan)
			}
			if q, ok := e.(*Quantified); ok && q.Sub != nil && !found {
				visitNode(q.Sub.Plan)
			}
		})
		for _, c := range children(n) {
			visitNode(c)
		}
	}
	visitNode(n)
	return found
}

// children returns a node's inputs.
func children(n Node) []Node {
	switch x := n.(type) {
	case *Filter:
		return []Node{x.Input}
	case *Project:
		return []Node{x.Input}
	case *Aggregate:
		return []Node{x.Input}
	case *Sort:
		return []Node{x.Input}
	case *Limit:
		return []Node{x.Input}
	case *LockRows:
		return []Node{x.Input}
	case *Distinct:
		return []Node{x.Input}
	case *Window:
		return []Node{x.Input}
	case *Trim:
		return []Node{x.Input}
	case *ProjectSet:
		return []Node{x.Input}
	case *Join:
		return []Node{x.Left, x.Right}
	case *Apply:
		return []Node{x.Left, x.Right}
	case *SetOp:
		return []Node{x.Left, x.Right}
	case *Insert:
		return append([]Node{x.Source}, writePlans(x.Writes)...)
	case *Update:
		return append([]Node{x.Scan}, writePlans(x.Writes)...)
	case *Delete:
		return append([]Node{x.Scan}, writePlans(x.Writes)...)
	case *WithWrites:
		return append([]Node{x.Input}, writePlans(x.Writes)...)
	case *CTEScan:
		return []Node{x.Def.Plan}
	case *RecursiveCTE:
		return []Node{x.Base, x.Step}
	}
	return nil
}

// ParallelSafe reports whether several goroutines may evaluate a plan's
// expressions at once: only columns, constants, parameters, operators,
// casts and CASE. Function calls are left out (some have side effects or
// session state: pg_notify, set_config, the KV functions), as are
// subqueries and outer references.
func ParallelSafe(n Node) bool {
	ok := true
	walkNode(n, func(e Expr) { ok = ok && parallelSafeExpr(e) })
	return ok
}

// ParallelSafeExprs is ParallelSafe for expressions (nil ones included).
func ParallelSafeExprs(es ...Expr) bool {
	ok := true
	for _, e := range es {
		if e != nil {
			mapExpr(e, func(x Expr) Expr { ok = ok && parallelSafeExpr(x); return x })
		}
	}
	return ok
}

func parallelSafeExpr(e Expr) bool {
	switch e.(type) {
	case *Const, *ColRef, *FieldRef, *Param, *BinOp, *Logic, *Not, *Neg, *IsNull, *IsBool, *InList, *CastTo, *CaseWhen:
		return true
	}
	return false
}

// HasSubquery reports whether a plan evaluates a subquery anywhere.
func HasSubquery(n Node) bool {
	found := false
	var visit func(Node)
	visit = func(n Node) {
		walkNode(n, func(e Expr) {
			switch e.(type) {
			case *Subquery, *Quantified:
				found = true
			}
		})
		for _, c := range children(n) {
			visit(c)
		}
	}
	visit(n)
	return found
}

func writePlans(defs []*CTEDef) []Node {
	out := make([]Node, len(defs))
	for i, d := range defs {
		out[i] = d.Plan
	}
	return out
}

// WriteNodes returns the *Insert, *Update and *Delete plans a statement's
// plan n runs: n itself when it is one, and its data-modifying WITH
// queries.
func WriteNodes(n Node) []Node {
	switch x := n.(type) {
	case *Insert:
		return append([]Node{x}, writePlans(x.Writes)...)
	case *Update:
		return append([]Node{x}, writePlans(x.Writes)...)
	case *Delete:
		return append([]Node{x}, writePlans(x.Writes)...)
	case *WithWrites:
		return writePlans(x.Writes)
	}
	return nil
}

// WriteTargets returns the collections a statement's plan n writes
// itself (WriteNodes' targets, each once; not those foreign-key actions
// reach).
func WriteTargets(n Node) []*catalog.Collection {
	var out []*catalog.Collection
	for _, w := range WriteNodes(n) {
		var c *catalog.Collection
		switch x := w.(type) {
		case *Insert:
			c = x.Coll
		case *Update:
			c = x.Coll
		case *Delete:
			c = x.Coll
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
