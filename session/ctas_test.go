package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// CREATE TABLE ... AS leaves a filled table or, when its rows cannot be
// written, none; inside a transaction block the table (DDL) stays and
// the rows go with the block. TestOracleCreateTableAs compares the rest
// with PostgreSQL.
func TestCreateTableAs(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE src (id INT PRIMARY KEY, v TEXT); INSERT INTO src SELECT g, 'v' || g FROM generate_series(1, 500) g`)
	r, err := run(s, `CREATE TABLE dst AS SELECT id, v, id * 2 AS d FROM src WHERE id % 2 = 0`)
	require.NoError(t, err)
	require.Equal(t, "SELECT 250", r.Tag)
	d.fail(s, errs.DivisionByZero, `CREATE TABLE bad AS SELECT id / (id - 250) FROM src`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM bad`)
	d.q(s, `CREATE TABLE bad AS SELECT 1 AS x`) // the name is free again

	d.q(s, `BEGIN`)
	d.q(s, `CREATE TABLE inblock AS SELECT id FROM src WHERE id <= 3`)
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM inblock`))
	d.q(s, `ROLLBACK`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM inblock`), "the rows went with the block; the table, DDL, stayed")
	d.q(s, `BEGIN`)
	d.fail(s, errs.DivisionByZero, `CREATE TABLE inblock2 AS SELECT 1 / 0`)
	d.q(s, `ROLLBACK`)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM pg_class WHERE relname = 'inblock2'`), "in a block the table stays, empty")
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "250|125500|v500", d.q(s, `SELECT count(*), sum(d), max(v) FILTER (WHERE id = 500) FROM dst`))
	d.q(s, `INSERT INTO dst VALUES (1, 'x', 2)`) // no primary key: rows may repeat
	d.q(s, `INSERT INTO dst VALUES (1, 'x', 2)`)
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM dst WHERE id = 1`))
}
