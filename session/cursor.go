package session

import (
	"context"
	"fmt"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Cursors (DECLARE ... CURSOR FOR, FETCH, MOVE, CLOSE), as psycopg2's
// named cursors, Django's QuerySet.iterator() and SQLAlchemy's
// stream_results use them. A cursor's query runs when it is declared, in
// the transaction declaring it (so it sees that transaction's snapshot and
// writes, as PostgreSQL's does), and its rows are kept in the session:
// FETCH hands them out, forward or, with SCROLL, in any direction. A
// cursor ends with its transaction unless declared WITH HOLD; a held one
// lasts until CLOSE or the session's end, and goes if the transaction that
// declared it rolls back.

type cursor struct {
	cols      []Column
	rows      []types.Row
	pos       int // 0: before the first row; len(rows)+1: after the last
	noScroll  bool
	hold      bool
	committed bool // declared by a transaction that committed (held cursors)
}

// declareCursor runs DECLARE.
func (s *Session) declareCursor(ctx context.Context, st *ast.DeclareCursor, params []types.Value) (*Result, error) {
	if !st.Hold && !s.explicit {
		return nil, errs.New(errs.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[st.Name]; ok {
		return nil, errs.Errorf(errs.DuplicateCursor, "cursor %q already exists", st.Name)
	}
	if st.Binary {
		return nil, errs.New(errs.FeatureNotSupported, "BINARY cursors are not supported yet")
	}
	inner := &Prepared{prep: &prepared{ast: st.Query}}
	if err := s.plan(inner); err != nil {
		return nil, err
	}
	res, err := s.run(ctx, inner, params)
	if err != nil {
		return nil, err
	}
	if s.cursors == nil {
		s.cursors = make(map[string]*cursor)
	}
	// Outside a block (WITH HOLD only) the query's own transaction has
	// committed already.
	s.cursors[st.Name] = &cursor{cols: res.Columns, rows: res.Rows, noScroll: st.Scroll < 0, hold: st.Hold, committed: !s.explicit}
	return &Result{Tag: "DECLARE CURSOR"}, nil
}

// fetch runs FETCH and MOVE.
func (s *Session) fetch(st *ast.Fetch) (*Result, error) {
	c, ok := s.cursors[st.Name]
	if !ok {
		return nil, errs.Errorf(errs.InvalidCursorName, "cursor %q does not exist", st.Name)
	}
	rows, err := c.fetch(st)
	if err != nil {
		return nil, err
	}
	if st.Move {
		return &Result{Tag: fmt.Sprintf("MOVE %d", len(rows))}, nil
	}
	return &Result{Columns: c.cols, Rows: rows, Tag: fmt.Sprintf("FETCH %d", len(rows)), RowsAffected: int64(len(rows))}, nil
}

// fetch moves the cursor as st says and returns the rows it passed over
// (PostgreSQL's positions: before the first row, on a row, after the last).
func (c *cursor) fetch(st *ast.Fetch) ([]types.Row, error) {
	n := len(c.rows)
	backward := func() error {
		if c.noScroll {
			return errs.New(errs.ObjectNotInState, "cursor can only scan forward").
				WithHint("Declare it with SCROLL option to enable backward scan.")
		}
		return nil
	}
	// at moves to position p and returns its row, if it is one.
	at := func(p int64) []types.Row {
		switch {
		case p <= 0:
			c.pos = 0
		case p > int64(n):
			c.pos = n + 1
		default:
			c.pos = int(p)
			return []types.Row{c.rows[p-1]}
		}
		return nil
	}
	switch st.Dir {
	case "ABSOLUTE", "RELATIVE":
		target := st.Count
		if st.Dir == "RELATIVE" {
			target += int64(c.pos)
		} else if target < 0 {
			target += int64(n) + 1
		}
		if target < int64(c.pos) || (target == int64(c.pos) && target > 0) {
			if err := backward(); err != nil {
				return nil, err
			}
		}
		return at(target), nil
	case "FORWARD":
		if !st.All && st.Count < 0 {
			return c.fetch(&ast.Fetch{Dir: "BACKWARD", Count: -st.Count})
		}
		if !st.All && st.Count == 0 {
			if err := backward(); err != nil {
				return nil, err
			}
			return at(int64(c.pos)), nil
		}
		var out []types.Row
		for (st.All || int64(len(out)) < st.Count) && c.pos < n {
			c.pos++
			out = append(out, c.rows[c.pos-1])
		}
		if c.pos == n && (st.All || int64(len(out)) < st.Count) {
			c.pos = n + 1
		}
		return out, nil
	default: // BACKWARD
		if !st.All && st.Count < 0 {
			return c.fetch(&ast.Fetch{Dir: "FORWARD", Count: -st.Count})
		}
		if err := backward(); err != nil {
			return nil, err
		}
		if !st.All && st.Count == 0 {
			return at(int64(c.pos)), nil
		}
		var out []types.Row
		for (st.All || int64(len(out)) < st.Count) && c.pos > 1 {
			c.pos--
			out = append(out, c.rows[c.pos-1])
		}
		if c.pos == 1 && (st.All || int64(len(out)) < st.Count) {
			c.pos = 0
		}
		return out, nil
	}
}

// closeCursor runs CLOSE.
func (s *Session) closeCursor(st *ast.CloseCursor) (*Result, error) {
	if st.All {
		s.cursors = nil
		return &Result{Tag: "CLOSE CURSOR ALL"}, nil
	}
	if _, ok := s.cursors[st.Name]; !ok {
		return nil, errs.Errorf(errs.InvalidCursorName, "cursor %q does not exist", st.Name)
	}
	delete(s.cursors, st.Name)
	return &Result{Tag: "CLOSE CURSOR"}, nil
}

// endCursors settles the cursors at a transaction's end: those without
// HOLD end with it; held ones it declared stay if it committed.
func (s *Session) endCursors(committed bool) {
	for name, c := range s.cursors {
		switch {
		case !c.hold, !committed && !c.committed:
			delete(s.cursors, name)
		default:
			c.committed = true
		}
	}
}
