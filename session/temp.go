package session

import (
	"context"
	"fmt"
	"slices"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Temporary tables (CREATE TEMP TABLE): the session holds a temporary
// namespace (pg_temp_N) from its first temporary table to its end; the
// catalog files its tables there, and s.names() (a catalog.Scope over
// that namespace) finds them before the permanent tables. A session
// that never made one resolves names against the catalog itself, with
// nothing in between.
//
// Their writes record no change events (see exec.Layout), so change
// streams, LIVE SELECT, SHOW CHANGES and ASYNC triggers never see them,
// as PostgreSQL's logical replication never sees temporary tables; the
// statements that would read their changes refuse them (refuseTemp).

// tempState is a session's temporary namespace and the ON COMMIT
// actions of its tables.
type tempState struct {
	ns uint32
	// deleteRows: the tables ON COMMIT DELETE ROWS empties at every
	// commit.
	deleteRows []*catalog.Collection
	// dropAtEnd: the tables ON COMMIT DROP drops when the transaction
	// block that made them ends.
	dropAtEnd []string
	// created: the tables the open transaction block made, dropped
	// again if it rolls back (DDL runs in a transaction of its own, but
	// a temporary table nobody else sees can be undone).
	created []string
	// sys is the catalog functions as the session sees them (regclass,
	// pg_table_is_visible: its temporary tables by bare name).
	sys funcs.CatalogInfo
}

// names is the catalog as this session names collections: its
// temporary tables first.
func (s *Session) names() *catalog.Scope {
	if s.scope == nil {
		s.scope = s.mgr.db.cat.Scope(0)
	}
	return s.scope
}

// planCatalog is what statements are bound against: the catalog itself
// until the session makes a temporary table.
func (s *Session) planCatalog() plan.Catalog {
	if s.temp == nil {
		return s.mgr.db.cat
	}
	return s.names()
}

// catalogInfo is what catalog functions (regclass, pg_table_is_visible)
// see: the session's temporary tables by their bare names.
func (s *Session) catalogInfo() funcs.CatalogInfo {
	if s.temp == nil {
		return s.mgr.db.sys
	}
	if s.temp.sys == nil {
		s.temp.sys = s.mgr.db.sys.ForSession(s.temp.ns)
	}
	return s.temp.sys
}

// tempNamespace returns the session's temporary namespace, taking one
// on first use.
func (s *Session) tempNamespace() uint32 {
	if s.temp == nil {
		ns := s.mgr.db.cat.AcquireTempNS()
		s.temp = &tempState{ns: ns}
		s.scope = s.mgr.db.cat.Scope(ns)
	}
	return s.temp.ns
}

// inBlock reports whether statements run in a transaction block
// (explicit, or a multi-statement string's implicit one).
func (s *Session) inBlock() bool { return s.explicit || s.implicit }

// createdTemp notes a temporary table the session just made.
func (s *Session) createdTemp(name string, oc ast.OnCommit) error {
	col, ok := s.names().GetTemp(name)
	if !ok {
		return nil
	}
	t := s.temp
	if s.inBlock() {
		t.created = append(t.created, name)
	}
	switch oc {
	case ast.OnCommitDelete:
		t.deleteRows = append(t.deleteRows, col)
	case ast.OnCommitDrop:
		if !s.inBlock() {
			// Its transaction is the statement's own: it ends now.
			return s.dropTemps(context.Background(), []string{name})
		}
		t.dropAtEnd = append(t.dropAtEnd, name)
	}
	return nil
}

// forgetTemp drops what the session noted of a temporary table that is
// gone.
func (s *Session) forgetTemp(id uint32, name string) {
	t := s.temp
	if t == nil {
		return
	}
	t.deleteRows = slices.DeleteFunc(t.deleteRows, func(c *catalog.Collection) bool { return c.ID == id })
	t.dropAtEnd = slices.DeleteFunc(t.dropAtEnd, func(n string) bool { return n == name })
	t.created = slices.DeleteFunc(t.created, func(n string) bool { return n == name })
}

// tempPreCommit adds to a committing transaction that wrote what ON
// COMMIT DELETE ROWS removes: every row and index entry of those tables,
// in the same commit.
func (s *Session) tempPreCommit(tx *txn.Txn) error {
	if s.temp == nil || len(s.temp.deleteRows) == 0 || !tx.HasWrites() {
		return nil
	}
	for _, col := range s.temp.deleteRows {
		cur, ok := s.mgr.db.cat.ByID(col.ID)
		if !ok {
			continue
		}
		prefixes := [][]byte{storage.RowPrefix(cur.ID)}
		for _, ix := range cur.Indexes {
			prefixes = append(prefixes, storage.IndexPrefix(ix.ID))
		}
		for _, p := range prefixes {
			if err := tx.DeleteRange(p, storage.PrefixEnd(p)); err != nil {
				return fmt.Errorf("ON COMMIT DELETE ROWS of %q: %w", cur.Name, err)
			}
		}
	}
	return nil
}

// tempBlockEnd runs when a transaction block ends: ON COMMIT DROP
// tables go, and a rolled-back block's tables are dropped again.
func (s *Session) tempBlockEnd(committed bool) {
	t := s.temp
	if t == nil || (len(t.dropAtEnd) == 0 && len(t.created) == 0) {
		return
	}
	names := t.dropAtEnd
	if !committed {
		names = append(names, t.created...)
	}
	t.dropAtEnd, t.created = nil, nil
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > 0 {
		// Failing leaves the tables to the session's end.
		_ = s.dropTemps(context.Background(), names)
	}
}

// dropTemps drops the session's temporary tables of the given names
// (those still there), whatever references them.
func (s *Session) dropTemps(_ context.Context, names []string) error {
	var cols []*catalog.Collection
	for _, n := range names {
		if col, ok := s.names().GetTemp(n); ok {
			cols = append(cols, col)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	if err := s.mgr.db.cat.DropTemps(cols); err != nil {
		return err
	}
	for _, col := range cols {
		s.forgetTemp(col.ID, col.Name)
		if s.mgr.db.columns != nil {
			s.mgr.db.columns.Forget(col.ID)
		}
	}
	return nil
}

// closeTemps drops every temporary table of the session and gives its
// namespace back (at the session's end).
func (s *Session) closeTemps() {
	t := s.temp
	if t == nil {
		return
	}
	cols := s.mgr.db.cat.Temps(t.ns)
	if err := s.mgr.db.cat.DropTemps(cols); err != nil {
		// The namespace stays taken: its tables go at the next start.
		return
	}
	if s.mgr.db.columns != nil {
		for _, col := range cols {
			s.mgr.db.columns.Forget(col.ID)
		}
	}
	s.mgr.db.cat.ReleaseTempNS(t.ns)
	s.temp, s.scope = nil, nil
}

// refuseTemp is the error for statements that read a collection's change
// events when the collection is a temporary table (whose writes record
// none).
func refuseTemp(col *catalog.Collection, what string) error {
	if col == nil || !col.Temp() {
		return nil
	}
	return errs.Errorf(errs.FeatureNotSupported, "%s cannot be used on temporary table %q", what, col.Name).
		WithHint("Writes to temporary tables record no change events.")
}
