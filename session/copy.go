package session

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

func randRead(b []byte) (int, error) { return rand.Read(b) }

// copyState buffers the rows of one COPY FROM STDIN.
type copyState struct {
	s       *Session
	coll    *catalog.Collection
	targets []string
	rows    [][]plan.Expr
	done    bool
}

// maxCopyRows bounds one COPY's buffered rows (they commit in one
// transaction).
const maxCopyRows = 5_000_000

func (s *Session) copyFrom(st *ast.CopyFrom) (*Result, error) {
	coll, err := s.names().MustGet(st.Table)
	if err != nil {
		return nil, err
	}
	targets := st.Columns
	if len(targets) == 0 {
		targets = plan.StarNames(coll)
	}
	cols := make([]Column, len(targets))
	for i, name := range targets {
		t := types.Text
		if coll.Tuple() {
			ci := coll.ColumnIndex(name)
			if ci < 0 {
				return nil, errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", name, coll.Name)
			}
			t = coll.Columns[ci].Type
		} else if f, ok := coll.Fields.Lookup(name); ok && f.Type != types.Unknown && f.Type != types.Doc {
			t = f.Type
		}
		cols[i] = Column{Name: name, Type: t, TypeMod: -1}
	}
	format := st.Format
	if format == "" {
		format = "text"
	}
	delim := byte('\t')
	if format == "csv" {
		delim = ','
	}
	if st.Delimiter != "" {
		if len(st.Delimiter) != 1 {
			return nil, errs.New(errs.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		delim = st.Delimiter[0]
	}
	null := st.Null
	if null == "" && format == "text" {
		null = `\N`
	}
	return &Result{Copy: &CopyIn{Columns: cols, Format: format, Delim: delim, Null: null, Header: st.Header,
		cp: &copyState{s: s, coll: coll, targets: targets}}}, nil
}

// Append adds one decoded row.
func (c *CopyIn) Append(row types.Row) error {
	cp := c.cp
	if len(row) != len(c.Columns) {
		return errs.Errorf(errs.BadCopyFileFormat, "row has %d columns, expected %d", len(row), len(c.Columns))
	}
	if len(cp.rows) >= maxCopyRows {
		return errs.Errorf(errs.ProgramLimitExceeded, "COPY is limited to %d rows per statement", maxCopyRows)
	}
	exprs := make([]plan.Expr, len(row))
	for i, v := range row {
		exprs[i] = &plan.Const{V: v, T: c.Columns[i].Type}
	}
	cp.rows = append(cp.rows, exprs)
	return nil
}

// Finish writes the rows in one transaction and returns the COPY result.
func (c *CopyIn) Finish(ctx context.Context) (*Result, error) {
	cp := c.cp
	if cp.done {
		return nil, errs.New(errs.InvalidTxnState, "COPY already finished")
	}
	cp.done = true
	// COPY writes identity columns, GENERATED ALWAYS ones too, as
	// PostgreSQL's does (pg_dump's data loads rely on it).
	ins := &ast.Insert{Table: cp.coll.Name, Columns: cp.targets, OverridingSystem: true}
	// Build VALUES with placeholder literals, then swap in the decoded
	// constants: the planner applies defaults, coercion and constraints.
	for range cp.rows {
		ins.Rows = append(ins.Rows, make([]ast.Expr, len(cp.targets)))
	}
	for i := range ins.Rows {
		for j := range ins.Rows[i] {
			ins.Rows[i][j] = &ast.Literal{Kind: "null"}
		}
	}
	p := &Prepared{prep: &prepared{ast: ins}}
	if err := cp.s.plan(p); err != nil {
		return nil, err
	}
	node := p.prep.node.(*plan.Insert)
	vals, ok := node.Source.(*plan.Values)
	if !ok {
		return nil, errs.New(errs.InternalError, "copy: unexpected plan")
	}
	for i := range vals.Rows {
		fillConsts(vals.Rows[i], cp.rows[i], cp)
	}
	p.prep.planned = true
	res, err := cp.s.execute(ctx, p, nil)
	cp.rows = nil
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmt.Sprintf("COPY %d", res.RowsAffected), RowsAffected: res.RowsAffected}, nil
}

// fillConsts replaces the placeholder NULLs of one planned VALUES row with
// the decoded values.
func fillConsts(row []plan.Expr, vals []plan.Expr, cp *copyState) {
	if !cp.coll.Tuple() {
		obj := row[0].(*plan.Object)
		for j := range obj.Values {
			obj.Values[j] = vals[j]
		}
		return
	}
	for j, name := range cp.targets {
		ci := cp.coll.ColumnIndex(name)
		if co, ok := row[ci].(*plan.Coerce); ok {
			co.SetInput(vals[j])
		}
	}
}

// Abort discards the rows.
func (c *CopyIn) Abort() {
	c.cp.rows = nil
	c.cp.done = true
}

// copyTo runs COPY ... TO STDOUT: the table's rows (its columns, or those
// listed) or the query's, sent by the protocol as COPY data.
func (s *Session) copyTo(ctx context.Context, st *ast.CopyTo, params []types.Value) (*Result, error) {
	delim := byte('\t')
	null := `\N`
	if st.Format == "csv" {
		delim, null = ',', ""
	}
	if st.Delimiter != "" {
		delim = st.Delimiter[0]
	}
	if st.NullSet {
		null = st.Null
	}
	q := st.Query
	if q == nil {
		coll, err := s.names().MustGet(st.Table)
		if err != nil {
			if _, isView := s.mgr.db.cat.View(st.Table); isView {
				return nil, errs.Errorf(errs.WrongObjectType, "cannot copy from view %q", st.Table).
					WithHint("Try the COPY (SELECT ...) TO variant.")
			}
			return nil, err
		}
		items := "*"
		if len(st.Columns) > 0 {
			names := make([]string, len(st.Columns))
			for i, c := range st.Columns {
				if coll.Tuple() && (coll.ColumnIndex(c) < 0 || coll.Columns[coll.ColumnIndex(c)].Hidden) {
					return nil, errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", c, coll.Name)
				}
				names[i] = ast.QuoteIdent(c)
			}
			items = strings.Join(names, ", ")
		}
		stmts, err := parser.Parse("SELECT " + items + " FROM " + ast.QuoteIdent(coll.Name))
		if err != nil {
			return nil, err
		}
		q = stmts[0].AST.(*ast.Select)
	}
	inner := &Prepared{prep: &prepared{ast: q}}
	if err := s.plan(inner); err != nil {
		return nil, err
	}
	res, err := s.run(ctx, inner, params)
	if err != nil {
		return nil, err
	}
	n := int64(len(res.Rows))
	return &Result{Columns: res.Columns, Rows: res.Rows, Tag: fmt.Sprintf("COPY %d", n), RowsAffected: n,
		CopyOut: &CopyOut{Format: st.Format, Delim: delim, Null: null, Header: st.Header}}, nil
}
