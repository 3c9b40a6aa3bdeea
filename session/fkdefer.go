package session

import (
	"context"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
)

// runDeferredFK runs the block's deferred foreign-key checks that are due
// (all of them at commit) in the block's transaction.
func (s *Session) runDeferredFK(ctx context.Context, commit bool) error {
	if !s.fkDeferred.Pending() || s.tx == nil {
		return nil
	}
	db := s.mgr.db
	env := &exec.Env{Ctx: ctx, Txn: s.tx, IDs: db.ids, Fn: s.funcContext(s.tx), Refs: db.cat}
	return env.RunDeferred(s.fkDeferred, commit)
}

// setConstraints runs SET CONSTRAINTS: the named foreign keys (or all)
// deferred or immediate for the rest of the block; IMMEDIATE runs their
// waiting checks now (23503 for one that fails), as in PostgreSQL.
func (s *Session) setConstraints(ctx context.Context, st *ast.SetConstraints) (*Result, error) {
	res := &Result{Tag: "SET CONSTRAINTS"}
	if !s.explicit {
		res.Notices = []Notice{{Severity: "WARNING", Code: errs.NoActiveSQLTransaction, Message: "SET CONSTRAINTS can only be used in transaction blocks"}}
		return res, nil
	}
	for _, name := range st.Names {
		found, deferrable := false, false
		for _, c := range s.mgr.db.cat.List() {
			for _, fk := range c.FKs {
				if fk.Name == name {
					found, deferrable = true, deferrable || fk.Deferrable
				}
			}
			for _, ck := range c.Checks {
				found = found || ck.Name == name
			}
			for _, ix := range c.Indexes {
				found = found || (ix.Unique && ix.Name == name)
			}
			found = found || (len(c.PK) > 0 && c.Name+"_pkey" == name)
		}
		switch {
		case !found:
			return nil, errs.Errorf(errs.UndefinedObject, "constraint %q does not exist", name)
		case !deferrable:
			return nil, errs.Errorf(errs.WrongObjectType, "constraint %q is not deferrable", name)
		}
	}
	if s.fkDeferred == nil {
		s.fkDeferred = &exec.DeferredFK{}
	}
	s.fkDeferred.SetMode(st.Names, st.Deferred)
	if !st.Deferred {
		if err := s.runDeferredFK(ctx, false); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// adoptDeferredFK takes the deferred foreign-key checks a trigger body's
// statements queued in inner, which shares s's transaction: into s's
// block's queue, or, when s has none (its statement is not in a block),
// they run now, as the statement's own do when it ends.
func (s *Session) adoptDeferredFK(ctx context.Context, inner *Session) error {
	q := inner.fkDeferred
	inner.fkDeferred = nil
	if !q.Pending() {
		return nil
	}
	if s.fkDeferred != nil {
		s.fkDeferred.Adopt(q)
		return nil
	}
	db := s.mgr.db
	env := &exec.Env{Ctx: ctx, Txn: inner.tx, IDs: db.ids, Fn: s.funcContext(inner.tx), Refs: db.cat}
	return env.RunDeferred(q, true)
}
