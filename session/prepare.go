package session

import (
	"context"
	"fmt"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// ProtocolStatements lets SQL's EXECUTE and DEALLOCATE reach the named
// statements the wire protocol prepared (Parse): PostgreSQL has one
// namespace for both, and drivers free protocol statements with SQL
// DEALLOCATE (Rails' statement cache does).
type ProtocolStatements struct {
	Lookup  func(name string) (*Prepared, bool)
	Drop    func(name string) bool
	DropAll func()
}

// SetProtocolStatements is called by the protocol that owns the session.
func (s *Session) SetProtocolStatements(ps ProtocolStatements) { s.proto = ps }

// SQLPrepared reports whether SQL PREPARE named a statement name (the
// protocol's Parse may not take the name).
func (s *Session) SQLPrepared(name string) bool {
	_, ok := s.sqlStmts[name]
	return ok
}

// namedStatement finds a statement SQL PREPARE or the protocol prepared.
func (s *Session) namedStatement(name string) (*Prepared, bool) {
	if p, ok := s.sqlStmts[name]; ok {
		return p, true
	}
	if s.proto.Lookup != nil {
		return s.proto.Lookup(name)
	}
	return nil, false
}

// sqlPrepare runs PREPARE name [(types)] AS statement.
func (s *Session) sqlPrepare(st *ast.PrepareStmt) (*Result, error) {
	if _, ok := s.namedStatement(st.Name); ok {
		return nil, errs.Errorf(errs.DuplicatePreparedStmt, "prepared statement %q already exists", st.Name)
	}
	p, err := s.Prepare(ast.Format(st.Stmt), st.Types)
	if err != nil {
		return nil, err
	}
	if err := s.plan(p); err != nil {
		return nil, err
	}
	if s.sqlStmts == nil {
		s.sqlStmts = map[string]*Prepared{}
	}
	s.sqlStmts[st.Name] = p
	return &Result{Tag: "PREPARE"}, nil
}

// sqlExecute runs EXECUTE name [(args)]: the arguments are evaluated and
// cast to the parameters' types, then the statement runs as its own.
func (s *Session) sqlExecute(ctx context.Context, st *ast.ExecuteStmt, params []types.Value) (*Result, error) {
	p, ok := s.namedStatement(st.Name)
	if !ok {
		return nil, errs.Errorf(errs.InvalidPreparedStmt, "prepared statement %q does not exist", st.Name)
	}
	if p.prep == nil {
		return &Result{}, nil // an empty statement
	}
	if !p.prep.planned {
		if err := s.plan(p); err != nil {
			return nil, err
		}
	}
	if len(st.Args) != len(p.ParamTypes) {
		return nil, errs.Errorf(errs.SyntaxError, "wrong number of parameters for prepared statement %q", st.Name).
			WithDetail(fmt.Sprintf("Expected %d parameters but got %d.", len(p.ParamTypes), len(st.Args)))
	}
	var vals []types.Value
	if len(st.Args) > 0 {
		core := &ast.SelectCore{Pos: st.Pos}
		for _, a := range st.Args {
			core.Items = append(core.Items, ast.SelectItem{Pos: st.Pos, Expr: a})
		}
		args := &Prepared{prep: &prepared{ast: &ast.Select{Pos: st.Pos, Body: core}}}
		if err := s.plan(args); err != nil {
			return nil, err
		}
		res, err := s.run(ctx, args, params)
		if err != nil {
			return nil, err
		}
		vals = res.Rows[0]
		for i, v := range vals {
			if t := p.ParamTypes[i]; t != types.Unknown && v != nil {
				if vals[i], err = types.Cast(v, t); err != nil {
					return nil, err
				}
			}
		}
	}
	return s.run(ctx, p, vals)
}

// deallocate runs DEALLOCATE name | ALL.
func (s *Session) deallocate(st *ast.Deallocate) (*Result, error) {
	res := &Result{Tag: "DEALLOCATE"}
	if st.Name == "" {
		s.sqlStmts = nil
		if s.proto.DropAll != nil {
			s.proto.DropAll()
		}
		res.Tag = "DEALLOCATE ALL"
		return res, nil
	}
	if _, ok := s.sqlStmts[st.Name]; ok {
		delete(s.sqlStmts, st.Name)
		return res, nil
	}
	if s.proto.Drop != nil && s.proto.Drop(st.Name) {
		return res, nil
	}
	return nil, errs.Errorf(errs.InvalidPreparedStmt, "prepared statement %q does not exist", st.Name)
}
