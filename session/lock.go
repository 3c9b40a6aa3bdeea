package session

import (
	"sync"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// lockTable runs LOCK TABLE. The modes that only conflict with schema
// changes and table-wide locks (ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE)
// take the collection's shared lock until the transaction ends, the lock
// a writing transaction holds: the DDL that keeps writers out of a
// collection (DROP, ADD COLUMN, the index statements, ...) waits for it,
// as PostgreSQL's ACCESS EXCLUSIVE lock waits for them (pg_dump takes
// ACCESS SHARE on each table it dumps). The stronger
// modes are not supported yet. A view or sequence has no lock here: it
// is checked to exist.
func (s *Session) lockTable(st *ast.LockTable) (*Result, error) {
	if !s.explicit {
		return nil, errs.New(errs.NoActiveSQLTransaction, "LOCK TABLE can only be used in transaction blocks")
	}
	switch st.Mode {
	case "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE":
	default:
		return nil, errs.Errorf(errs.FeatureNotSupported, "LOCK TABLE IN %s MODE is not supported yet", st.Mode).
			WithHint("ACCESS SHARE, ROW SHARE and ROW EXCLUSIVE are.")
	}
	cat := s.mgr.db.cat
	type target struct {
		id   uint32
		name string
	}
	var colls []target
	for _, name := range st.Names {
		if c, ok := cat.Get(name); ok {
			colls = append(colls, target{c.ID, name})
			continue
		}
		if _, ok := cat.View(name); ok {
			continue
		}
		if _, ok := cat.Sequence(name); ok {
			continue
		}
		return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
	}
	for _, c := range colls {
		if _, ok := s.held[c.id]; ok {
			continue
		}
		if !st.NoWait {
			s.lockForWrite(c.id)
			continue
		}
		l := cat.CollectionLock(c.id)
		if !l.TryRLock() {
			return nil, errs.Errorf(errs.LockNotAvailable, "could not obtain lock on relation %q", c.name)
		}
		if s.held == nil {
			s.held = make(map[uint32]*sync.RWMutex)
		}
		s.held[c.id] = l
	}
	return &Result{Tag: "LOCK TABLE"}, nil
}
