package session

import (
	"context"
	"fmt"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// createTableAs runs CREATE TABLE ... AS query: a table (without a
// primary key) with the query's columns, then INSERT INTO it the query's
// rows. The table is created by DDL in a transaction of its own; if the
// rows cannot be written it is dropped again, so the statement leaves a
// filled table or none (inside a transaction block it stays, as DDL
// there does). The tag is PostgreSQL's: SELECT n (CREATE TABLE
// AS for WITH NO DATA).
func (s *Session) createTableAs(ctx context.Context, st *ast.CreateTableAs, params []types.Value) (*Result, error) {
	cat := s.mgr.db.cat
	var exists bool
	if st.Temp {
		_, exists = s.names().GetTemp(st.Name)
	} else {
		_, isTable := cat.Get(st.Name)
		_, isView := cat.View(st.Name)
		exists = isTable || isView
	}
	if exists && st.IfNotExists {
		return &Result{Tag: "CREATE TABLE AS", Notices: []Notice{{Severity: "NOTICE", Code: errs.DuplicateTable,
			Message: fmt.Sprintf("relation %q already exists, skipping", st.Name)}}}, nil
	}
	inner := &Prepared{prep: &prepared{ast: st.Query}}
	if err := s.plan(inner); err != nil {
		return nil, err
	}
	cols := inner.prep.node.Columns()
	if len(st.Columns) > len(cols) {
		return nil, errs.New(errs.SyntaxError, "too many column names were specified")
	}
	cc := &ast.CreateCollection{Name: st.Name, Kind: ast.KindStrict, Temp: st.Temp, Global: st.Global, OnCommit: st.OnCommit}
	dropNow := st.Temp && st.OnCommit == ast.OnCommitDrop && !s.inBlock()
	if dropNow {
		// Its transaction is the statement's: the table goes once its
		// rows are counted.
		cc.OnCommit = ""
	}
	for i, c := range cols {
		name := c.Name
		if i < len(st.Columns) {
			name = st.Columns[i]
		}
		def := ast.ColumnDef{Name: name, Type: c.T, TypeMod: -1}
		switch c.T {
		case types.Unknown:
			def.Type = types.Text // an untyped literal, as PostgreSQL's
		case types.Doc:
			def.Type = types.JSONB // a schemaless field's values
		case types.Record:
			return nil, errs.Errorf(errs.InvalidTableDefinition, "column %q has pseudo-type record", name)
		case types.Varchar, types.Bpchar, types.Numeric:
			if c.TypeMod > 0 {
				def.TypeMod = int(c.TypeMod)
			}
		case types.Enum:
			e, ok := cat.EnumByOID(uint32(c.TypeMod))
			if !ok {
				return nil, errs.Errorf(errs.FeatureNotSupported, "column %q is of an enum type that is not known here", name)
			}
			def.TypeName = e.Name
		}
		cc.Columns = append(cc.Columns, def)
	}
	res, err := s.ddl(ctx, cc)
	if err != nil {
		return nil, err
	}
	if dropNow {
		defer func() { _ = s.dropTemps(ctx, []string{st.Name}) }()
	}
	if st.NoData {
		return &Result{Tag: "CREATE TABLE AS", Notices: res.Notices}, nil
	}
	table := st.Name
	if st.Temp {
		table = "pg_temp." + st.Name
	}
	ins := &Prepared{prep: &prepared{ast: &ast.Insert{Table: table, Select: st.Query}}}
	if err := s.plan(ins); err != nil {
		return nil, s.undoCreate(ctx, table, err)
	}
	out, err := s.run(ctx, ins, params)
	if err != nil {
		return nil, s.undoCreate(ctx, table, err)
	}
	return &Result{Tag: fmt.Sprintf("SELECT %d", out.RowsAffected), RowsAffected: out.RowsAffected, Notices: res.Notices}, nil
}

// undoCreate drops the table a failed CREATE TABLE AS created and returns
// the failure.
func (s *Session) undoCreate(ctx context.Context, name string, cause error) error {
	if s.explicit {
		// The block has failed; its table, DDL, stays (as DDL in a block
		// does), and DDL cannot run in the failed block.
		return cause
	}
	if _, err := s.ddl(ctx, &ast.DropCollection{Names: []string{name}, Table: true, Purge: true}); err != nil {
		return fmt.Errorf("%w (and dropping the table it created failed: %v)", cause, err)
	}
	return cause
}
