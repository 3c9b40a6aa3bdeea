package session

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
)

type tdb struct {
	t  *testing.T
	db *DB
	m  *Manager
}

func openT(t *testing.T, dir string) *tdb {
	t.Helper()
	db, err := OpenDB(DBConfig{Dir: dir})
	require.NoError(t, err)
	return &tdb{t: t, db: db, m: NewManager(db)}
}

func (d *tdb) close() { require.NoError(d.t, d.db.Close()) }

// run executes a script and returns the last result, rendered as lines.
func run(s *Session, sql string, params ...types.Value) (*Result, error) {
	if len(params) > 0 {
		p, err := s.Prepare(sql, nil)
		if err != nil {
			return nil, err
		}
		return s.Execute(context.Background(), p, params)
	}
	ps, err := s.PrepareMulti(sql)
	if err != nil {
		return nil, err
	}
	var last *Result
	for _, p := range ps {
		if last, err = s.Execute(context.Background(), p, nil); err != nil {
			return nil, err
		}
	}
	return last, nil
}

func render(r *Result) string {
	var lines []string
	for _, row := range r.Rows {
		var cells []string
		for i, v := range row {
			if v == nil {
				cells = append(cells, "NULL")
				continue
			}
			cells = append(cells, types.FormatTyped(v, r.Columns[i].Type))
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func (d *tdb) q(s *Session, sql string, params ...types.Value) string {
	d.t.Helper()
	r, err := run(s, sql, params...)
	require.NoError(d.t, err, sql)
	return render(r)
}

func (d *tdb) fail(s *Session, code, sql string, params ...types.Value) *errs.Error {
	d.t.Helper()
	_, err := run(s, sql, params...)
	require.Error(d.t, err, sql)
	e, ok := errs.As(err)
	require.True(d.t, ok, "%v", err)
	require.Equal(d.t, code, e.Code, "%s: %v", sql, err)
	return e
}

func TestStrictTableCRUD(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()

	d.q(s, `CREATE TABLE t1 (id INT PRIMARY KEY, name TEXT NOT NULL, score FLOAT, tag VARCHAR(3) DEFAULT 'x')`)
	r, err := run(s, `INSERT INTO t1 (id, name, score) VALUES (1, 'a', 1.5), (2, 'b', 2.5), (3, 'c', NULL)`)
	require.NoError(t, err)
	require.Equal(t, "INSERT 0 3", r.Tag)
	require.Equal(t, "1|a|1.5|x\n2|b|2.5|x\n3|c|NULL|x", d.q(s, `SELECT * FROM t1 ORDER BY id`))
	require.Equal(t, "b", d.q(s, `SELECT name FROM t1 WHERE id = $1`, int64(2)))
	require.Equal(t, "2", d.q(s, `SELECT count(score) FROM t1`))
	require.Equal(t, "4", d.q(s, `SELECT sum(score) FROM t1 WHERE id >= 1`))
	d.q(s, `UPDATE t1 SET score = score * 2 WHERE id = 2`)
	require.Equal(t, "5", d.q(s, `SELECT score FROM t1 WHERE id = 2`))
	require.Equal(t, "3|c", d.q(s, `DELETE FROM t1 WHERE score IS NULL RETURNING id, name`))
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM t1`))

	d.fail(s, errs.UniqueViolation, `INSERT INTO t1 (id, name) VALUES (1, 'dup')`)
	d.fail(s, errs.NotNullViolation, `INSERT INTO t1 (id) VALUES (9)`)
	d.fail(s, errs.InvalidTextRep, `INSERT INTO t1 (id, name) VALUES ('abc', 'x')`)
	d.fail(s, errs.StringTooLong, `INSERT INTO t1 (id, name, tag) VALUES (7, 'x', 'long')`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM nope`)
	d.fail(s, errs.UndefinedColumn, `SELECT nope FROM t1`)
	e := d.fail(s, errs.SyntaxError, `SELEC 1`)
	require.Equal(t, 1, e.Position)

	// ON CONFLICT and UPSERT.
	d.q(s, `INSERT INTO t1 (id, name) VALUES (1, 'z') ON CONFLICT DO NOTHING`)
	require.Equal(t, "a", d.q(s, `SELECT name FROM t1 WHERE id = 1`))
	d.q(s, `INSERT INTO t1 (id, name, score) VALUES (1, 'z', 10) ON CONFLICT (id) DO UPDATE SET score = t1.score + EXCLUDED.score`)
	require.Equal(t, "11.5", d.q(s, `SELECT score FROM t1 WHERE id = 1`))
	d.q(s, `UPSERT INTO t1 (id, name) VALUES (1, 'up')`)
	require.Equal(t, "up|NULL", d.q(s, `SELECT name, score FROM t1 WHERE id = 1`))

	// GROUP BY / HAVING / ORDER BY / LIMIT / DISTINCT.
	d.q(s, `CREATE TABLE sales (id INT PRIMARY KEY, region TEXT, amount INT)`)
	d.q(s, `INSERT INTO sales VALUES (1,'n',10),(2,'n',20),(3,'s',5),(4,'e',7),(5,'s',1)`)
	require.Equal(t, "n|30\ns|6", d.q(s, `SELECT region, sum(amount) AS total FROM sales GROUP BY region HAVING count(*) > 1 ORDER BY total DESC`))
	require.Equal(t, "e\nn", d.q(s, `SELECT DISTINCT region FROM sales ORDER BY region LIMIT 2`))
	require.Equal(t, "n\ne", d.q(s, `SELECT DISTINCT region FROM sales ORDER BY region DESC LIMIT 2 OFFSET 1`))
	d.fail(s, errs.GroupingError, `SELECT region, amount FROM sales GROUP BY region`)
}

func TestSchemalessDocuments(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")

	d.q(s, `CREATE COLLECTION users`)
	d.q(s, `INSERT INTO users (id, name, age) VALUES ('u1', 'Alice', 30), ('u2', 'Bob', 25)`)
	d.q(s, `INSERT INTO users { id: 'u3', name: 'Carol', age: 35, tags: ['a','b'], addr: { city: 'Oslo' } }`)
	d.q(s, `INSERT INTO users [ { name: 'Dana' }, { name: 'Eve', age: 41 } ]`)
	require.Equal(t, "5", d.q(s, `SELECT count(*) FROM users`))
	require.Equal(t, "Carol|Oslo", d.q(s, `SELECT name, addr.city FROM users WHERE addr.city = 'Oslo'`))
	require.Equal(t, "Eve\nCarol\nAlice", d.q(s, `SELECT name FROM users WHERE age >= 30 ORDER BY age DESC`))
	r, err := run(s, `SELECT * FROM users WHERE id = 'u3'`)
	require.NoError(t, err)
	var names []string
	for _, c := range r.Columns {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"id", "name", "age", "tags", "addr"}, names)
	require.Equal(t, `u3|Carol|35|["a","b"]|{"city":"Oslo"}`, render(r))
	d.q(s, `UPDATE users SET age = age + 1, addr.zip = '0150' WHERE id = 'u1'`)
	require.Equal(t, "31|0150", d.q(s, `SELECT age, addr.zip FROM users WHERE id = 'u1'`))
	d.q(s, `CREATE INDEX ON users FIELDS age`)
	require.Equal(t, "Alice\nCarol", d.q(s, `SELECT name FROM users WHERE age BETWEEN 31 AND 35 ORDER BY name`))
	r, err = run(s, `EXPLAIN SELECT name FROM users WHERE age = 31`)
	require.NoError(t, err)
	require.Contains(t, render(r), "Index Scan using users_age_idx")
	d.fail(s, errs.UniqueViolation, `INSERT INTO users { id: 'u1', name: 'again' }`)
	s.Close()
	d.close()

	// Everything, including observed fields, survives a restart.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "5", d.q(s, `SELECT count(*) FROM users`))
	require.Equal(t, "Alice", d.q(s, `SELECT name FROM users WHERE age = 31`))
	r, err = run(s, `SELECT * FROM users WHERE id = 'u2'`)
	require.NoError(t, err)
	require.Len(t, r.Columns, 5)
}

func TestTransactionsAndConflicts(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	a := d.m.NewSession("admin", "db")
	b := d.m.NewSession("admin", "db")
	defer a.Close()
	defer b.Close()
	d.q(a, `CREATE TABLE acct (id INT PRIMARY KEY, bal INT)`)
	d.q(a, `INSERT INTO acct VALUES (1, 100), (2, 100)`)

	d.q(a, `BEGIN`)
	d.q(a, `UPDATE acct SET bal = bal - 10 WHERE id = 1`)
	require.Equal(t, "90", d.q(a, `SELECT bal FROM acct WHERE id = 1`))
	require.Equal(t, "100", d.q(b, `SELECT bal FROM acct WHERE id = 1`), "uncommitted writes are invisible")
	d.q(b, `BEGIN`)
	d.q(b, `UPDATE acct SET bal = bal + 5 WHERE id = 1`)
	d.q(a, `COMMIT`)
	d.fail(b, errs.SerializationFailure, `COMMIT`)
	require.Equal(t, TxIdle, b.TxStatus())
	require.Equal(t, "90", d.q(b, `SELECT bal FROM acct WHERE id = 1`))

	d.q(a, `BEGIN`)
	d.q(a, `INSERT INTO acct VALUES (3, 1)`)
	d.fail(a, errs.UniqueViolation, `INSERT INTO acct VALUES (3, 1)`)
	require.Equal(t, TxFailed, a.TxStatus())
	d.fail(a, errs.InFailedSQLTransaction, `SELECT 1`)
	r, err := run(a, `COMMIT`)
	require.NoError(t, err)
	require.Equal(t, "ROLLBACK", r.Tag)
	require.Equal(t, "", d.q(a, `SELECT bal FROM acct WHERE id = 3`))

	d.q(a, `BEGIN; INSERT INTO acct VALUES (4, 4); ROLLBACK`)
	require.Equal(t, "0", d.q(a, `SELECT count(*) FROM acct WHERE id = 4`))
}

func TestDropUndropPurge(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION c; INSERT INTO c { id: 'a', v: 1 }`)
	d.q(s, `DROP COLLECTION c`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM c`)
	d.q(s, `UNDROP COLLECTION c`)
	require.Equal(t, "1", d.q(s, `SELECT v FROM c`))
	d.q(s, `DROP COLLECTION c PURGE`)
	d.fail(s, errs.UndefinedTable, `UNDROP COLLECTION c`)
	d.q(s, `CREATE COLLECTION c`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM c`))
	d.q(s, `CREATE TABLE t (a INT, b TEXT UNIQUE)`)
	d.q(s, `INSERT INTO t VALUES (1, 'x'), (2, 'y')`)
	d.fail(s, errs.UniqueViolation, `INSERT INTO t VALUES (3, 'x')`)
	d.q(s, `ALTER TABLE t ADD COLUMN c INT DEFAULT 7`)
	require.Equal(t, "1|x|7\n2|y|7", d.q(s, `SELECT * FROM t ORDER BY a`))
	d.q(s, `TRUNCATE t`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM t`))
}

func TestJoinsSubqueriesSetOps(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE cust (id INT PRIMARY KEY, name TEXT)`)
	d.q(s, `CREATE TABLE ord (id INT PRIMARY KEY, cust_id INT, total INT)`)
	d.q(s, `INSERT INTO cust VALUES (1,'ann'),(2,'bob'),(3,'cy')`)
	d.q(s, `INSERT INTO ord VALUES (10,1,5),(11,1,7),(12,2,3),(13,9,1)`)
	require.Equal(t, "ann|5\nann|7\nbob|3", d.q(s, `SELECT c.name, o.total FROM cust c JOIN ord o ON o.cust_id = c.id ORDER BY o.id`))
	require.Equal(t, "ann|12\nbob|3\ncy|NULL", d.q(s, `SELECT c.name, sum(o.total) FROM cust c LEFT JOIN ord o ON o.cust_id = c.id GROUP BY c.name ORDER BY c.name`))
	require.Equal(t, "NULL|13", d.q(s, `SELECT c.name, o.id FROM cust c RIGHT JOIN ord o ON o.cust_id = c.id WHERE c.id IS NULL`))
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM cust c FULL JOIN ord o ON o.cust_id = c.id WHERE c.id IS NULL OR o.id IS NULL OR c.id = 2`))
	require.Equal(t, "9", d.q(s, `SELECT count(*) FROM cust, cust AS c2`))
	require.Equal(t, "ann\nbob", d.q(s, `SELECT name FROM cust WHERE id IN (SELECT cust_id FROM ord) ORDER BY 1`))
	require.Equal(t, "cy", d.q(s, `SELECT name FROM cust c WHERE NOT EXISTS (SELECT 1 FROM ord o WHERE o.cust_id = c.id)`))
	require.Equal(t, "ann|2\nbob|1\ncy|0", d.q(s, `SELECT name, (SELECT count(*) FROM ord o WHERE o.cust_id = c.id) FROM cust c ORDER BY name`))
	require.Equal(t, "12", d.q(s, `SELECT max(t) FROM (SELECT cust_id, sum(total) AS t FROM ord GROUP BY cust_id) AS x`))
	require.Equal(t, "1\n2\n3\n9", d.q(s, `SELECT id FROM cust UNION SELECT cust_id FROM ord ORDER BY 1`))
	require.Equal(t, "1\n2", d.q(s, `SELECT id FROM cust INTERSECT SELECT cust_id FROM ord ORDER BY 1`))
	require.Equal(t, "3", d.q(s, `SELECT id FROM cust EXCEPT SELECT cust_id FROM ord`))
	require.Equal(t, "ann|5", d.q(s, `SELECT name, total FROM cust JOIN ord USING (id)`+" WHERE false UNION ALL SELECT 'ann', 5"))
	d.fail(s, errs.CardinalityViolation, `SELECT (SELECT id FROM cust)`)
	d.fail(s, errs.AmbiguousColumn, `SELECT id FROM cust, ord`)
}

func TestGroupByNameResolution(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE tab2 (id INT PRIMARY KEY, col1 INT)`)
	d.q(s, `INSERT INTO tab2 VALUES (1, 5), (2, 5), (3, 7)`)
	// The input column col1 wins over the output alias col1.
	require.Equal(t, "-5\n-7", d.q(s, `SELECT - cor0.col1 AS col1 FROM tab2 AS cor0 GROUP BY col1 HAVING NOT (cor0.col1) IS NULL ORDER BY 1 DESC`))
	// An alias that is not an input column still works.
	require.Equal(t, "5|2\n7|1", d.q(s, `SELECT col1 AS k, count(*) FROM tab2 GROUP BY k ORDER BY k`))
}

func TestWithQueries(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE emp (id INT PRIMARY KEY, boss INT, name TEXT, pay INT)`)
	d.q(s, `INSERT INTO emp VALUES (1, NULL, 'ceo', 300), (2, 1, 'cto', 200), (3, 2, 'dev', 100), (4, 2, 'ops', 90), (5, 1, 'cfo', 150)`)
	require.Equal(t, "cto|200\ncfo|150", d.q(s, `WITH rich AS (SELECT name, pay FROM emp WHERE pay >= 150)
		SELECT name, pay FROM rich WHERE name <> 'ceo' ORDER BY pay DESC`))
	require.Equal(t, "2|3", d.q(s, `WITH a AS (SELECT count(*) AS n FROM emp WHERE boss = 1), b(m) AS (SELECT count(*) FROM emp WHERE boss = 2)
		SELECT a.n, b.m + 1 FROM a, b`))
	// Recursive: everyone under the CTO, with depth.
	require.Equal(t, "cto|0\ndev|1\nops|1", d.q(s, `WITH RECURSIVE sub(id, name, depth) AS (
			SELECT id, name, 0 FROM emp WHERE name = 'cto'
			UNION ALL
			SELECT e.id, e.name, sub.depth + 1 FROM emp e JOIN sub ON e.boss = sub.id)
		SELECT name, depth FROM sub ORDER BY depth, name`))
	require.Equal(t, "55", d.q(s, `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT sum(x) FROM n`))
	// UNION (not ALL) stops a cycle.
	require.Equal(t, "3", d.q(s, `WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT (x % 3) + 1 FROM c) SELECT count(*) FROM c`))
	d.fail(s, errs.ProgramLimitExceeded, `WITH RECURSIVE inf(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM inf) SELECT count(*) FROM inf`)
	d.fail(s, errs.DuplicateAlias, `WITH a AS (SELECT 1), a AS (SELECT 2) SELECT * FROM a`)
	// A CTE name shadows a collection.
	require.Equal(t, "7", d.q(s, `WITH emp AS (SELECT 7 AS id) SELECT id FROM emp`))
}

func TestViews(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t1 (x INT PRIMARY KEY, y TEXT)`)
	d.q(s, `INSERT INTO t1 VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	d.q(s, `CREATE VIEW big AS SELECT x, y FROM t1 WHERE x > 1`)
	require.Equal(t, "2|b\n3|c", d.q(s, `SELECT * FROM big ORDER BY x`))
	require.Equal(t, "3", d.q(s, `SELECT b.x FROM big b JOIN t1 ON t1.x = b.x WHERE t1.y = 'c'`))
	d.q(s, `CREATE VIEW named (a, b) AS SELECT x * 10, y FROM t1`)
	require.Equal(t, "10|a", d.q(s, `SELECT a, b FROM named WHERE a = 10`))
	d.fail(s, errs.DuplicateTable, `CREATE VIEW big AS SELECT 1`)
	d.fail(s, errs.DuplicateTable, `CREATE TABLE big (a INT)`)
	d.fail(s, errs.DuplicateTable, `CREATE VIEW t1 AS SELECT 1`)
	d.fail(s, errs.UndefinedColumn, `CREATE VIEW bad AS SELECT nope FROM t1`)
	d.q(s, `CREATE OR REPLACE VIEW big AS SELECT x FROM t1 WHERE x > 2`)
	require.Equal(t, "3", d.q(s, `SELECT * FROM big`))
	d.q(s, `CREATE OR REPLACE VIEW big AS SELECT x FROM big`) // refers to itself now
	d.fail(s, errs.InvalidObjectDefinition, `SELECT * FROM big`)
	d.fail(s, errs.WrongObjectType, `DROP VIEW t1`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "10|a", d.q(s, `SELECT a, b FROM named WHERE a = 10`), "views survive a restart")
	// pg_get_viewdef (psql's \d+, SQLAlchemy's get_view_definition) by
	// oid, regclass or name.
	def := d.q(s, `SELECT definition FROM pg_views WHERE viewname = 'named'`)
	require.Contains(t, def, "SELECT")
	require.Equal(t, def+"|"+def+"|t", d.q(s, `SELECT pg_get_viewdef('named'::regclass), pg_get_viewdef('named', true), pg_get_viewdef(c.oid) IS NOT NULL FROM pg_class c WHERE relname = 'named'`))
	d.fail(s, errs.UndefinedTable, `SELECT pg_get_viewdef('nosuch')`)
	d.q(s, `DROP VIEW big, named`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM named`)
	d.fail(s, errs.UndefinedTable, `DROP VIEW named`)
	d.q(s, `DROP VIEW IF EXISTS named`)
}

func TestExplainAnalyze(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, g INT)`)
	d.q(s, `INSERT INTO t VALUES (1, 1), (2, 1), (3, 2)`)
	out := d.q(s, `EXPLAIN ANALYZE SELECT g, count(*) FROM t GROUP BY g`)
	require.Contains(t, out, "HashAggregate (1 keys, 1 aggregates) (rows=200) (actual time=")
	require.Contains(t, out, "rows=2 loops=1)")
	require.Contains(t, out, "Seq Scan on t (rows=1000) (actual time=")
	require.Contains(t, out, "rows=3 loops=1)")
	require.Contains(t, out, "Execution Time:")
	d.fail(s, errs.FeatureNotSupported, `EXPLAIN ANALYZE DELETE FROM t`)
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM t`), "EXPLAIN ANALYZE DELETE changed nothing")
}

// TestArrayTextCasts: PostgreSQL's array text input in casts, each
// element cast to the element type.
func TestArrayTextCasts(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, `[1,2]|[1,null,3]|[]|["a","b c"]|[1,2]|NULL`,
		d.q(s, `SELECT '{1,2}'::int[], '{1,NULL,3}'::bigint[], '{}'::text[], '{a,"b c"}'::text[], ARRAY['1','2']::int[], NULL::int[]`))
	r, err := run(s, `SELECT $1::int[]`, "{4,5}")
	require.NoError(t, err)
	require.Equal(t, "[4,5]", render(r))
	d.fail(s, errs.InvalidTextRep, `SELECT '{x}'::int[]`)
	d.fail(s, errs.InvalidTextRep, `SELECT 'nope'::int[]`)
}

// TestCheckpointFlushesMemtables: CHECKPOINT answers with its tag and
// leaves the memtables empty (their rows are in sstables), inside a
// transaction block too; the rows read the same afterwards.
func TestCheckpointFlushesMemtables(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	_, err := run(s, "CREATE TABLE cp (id INT PRIMARY KEY, v TEXT); INSERT INTO cp VALUES (1, 'a'), (2, 'b')")
	require.NoError(t, err)
	pdb := d.db.txm.Store().DB()
	before := pdb.Metrics().Levels[0].TablesCount
	r, err := run(s, "CHECKPOINT")
	require.NoError(t, err)
	require.Equal(t, "CHECKPOINT", r.Tag)
	require.Greater(t, pdb.Metrics().Levels[0].TablesCount, before, "the flush wrote an sstable")
	_, err = run(s, "BEGIN; INSERT INTO cp VALUES (3, 'c'); CHECKPOINT; COMMIT")
	require.NoError(t, err)
	r, err = run(s, "SELECT id, v FROM cp ORDER BY id")
	require.NoError(t, err)
	require.Equal(t, "1|a\n2|b\n3|c", render(r))
}

// TestParallelAggregateMatchesSerial: aggregates over a full scan of a
// table large enough to run on several goroutines, and hash joins probing
// with such a scan, give exactly what the serial run gives (SET
// max_parallel_workers_per_gather = 0), rows and groups in the same order;
// DISTINCT, ordered aggregates and function calls stay serial.
func TestParallelAggregateMatchesSerial(t *testing.T) {
	const (
		lookupShare  = "SELECT b.id, p.k, p.v FROM big b, pairs p WHERE p.g = b.id AND b.label = 'l1' AND b.g = 3"
		lookupChunks = "SELECT x.id, p.v FROM (SELECT id FROM big WHERE label = 'l1' AND g = 3 ORDER BY id DESC) x, pairs p WHERE p.g = x.id AND p.k = 1"
		indexBuild   = "SELECT b.id, b.x, p.k FROM big b, pairs p WHERE p.v = b.id AND b.n BETWEEN 3000 AND 15000 AND b.g <> 2"
	)
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2")
	}
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	_, err := run(s, `CREATE TABLE big (id INT PRIMARY KEY, g INT, x NUMERIC(12,2), n BIGINT, label TEXT);
		INSERT INTO big SELECT i, i % 7, (i % 1000) / 100.0 - 3, i * 3, 'l' || (i % 5) FROM generate_series(1, 60000) i;
		INSERT INTO big VALUES (60001, NULL, NULL, NULL, NULL);
		CREATE TABLE small (g INT PRIMARY KEY, name TEXT);
		INSERT INTO small VALUES (1, 'one'), (2, 'two'), (3, 'three'), (5, 'five');
		CREATE TABLE pairs (g INT, k INT, v INT, PRIMARY KEY (g, k));
		INSERT INTO pairs SELECT i / 4, i % 4, i FROM generate_series(0, 39999) i;
		CREATE INDEX big_n ON big (n);
		ANALYZE`)
	require.NoError(t, err)
	queries := []struct {
		sql      string
		parallel bool
	}{
		{"SELECT g, count(*), sum(x), avg(x), min(x), max(x), sum(n), min(label), max(label) FROM big GROUP BY g", true},
		{"SELECT sum(x * (1 - x)), count(x), avg(n) FROM big WHERE x > 0 AND g IN (1, 3, 5)", true},
		{"SELECT label, count(*) FILTER (WHERE x < 0), sum(n) FROM big WHERE id % 2 = 0 GROUP BY label", true},
		{"SELECT count(*), sum(x) FROM big WHERE id > 100000", true},
		// inner hash joins probing with the large scan
		{"SELECT b.id, s.name, b.x FROM big b JOIN small s ON s.g = b.g WHERE b.id % 997 = 0", true},
		{"SELECT s.name, b.label FROM small s, big b WHERE b.g = s.g AND b.x > 5 AND b.id < 3000", true},
		// both inputs large: the build scan is read in parallel too
		{"SELECT a.id, b.id, a.x + b.x FROM big a JOIN big b ON a.id = b.id + 1 WHERE a.g = 1 AND b.x > 6", true},
		// lookup joins: the large scan on the left split among workers,
		// and a materialized left input's rows split into chunks
		{lookupShare, true},
		{lookupChunks, true},
		// a hash join building from an index scan: its rows read by workers
		{indexBuild, true},
		{"SELECT b.id FROM big b JOIN small s ON s.g = b.g AND length(s.name) < b.id WHERE b.id < 100", false},
		{"SELECT count(DISTINCT g), sum(x) FROM big", false},
		{"SELECT sum(abs(x)) FROM big", false},
	}
	for _, q := range []string{lookupShare, lookupChunks} {
		r, err := run(s, "EXPLAIN "+q)
		require.NoError(t, err)
		require.Contains(t, render(r), "Lookup Join by key prefix", q)
	}
	r, err := run(s, "EXPLAIN "+indexBuild)
	require.NoError(t, err)
	require.Contains(t, render(r), "Hash Join (INNER) (rows=3426)\n    -> Index Scan using big_n on big", indexBuild)
	for _, q := range queries {
		_, err := run(s, "SET max_parallel_workers_per_gather = 0")
		require.NoError(t, err)
		serial, err := run(s, q.sql)
		require.NoError(t, err, q.sql)
		_, err = run(s, "RESET max_parallel_workers_per_gather")
		require.NoError(t, err)
		before := exec.ParallelRuns()
		par, err := run(s, q.sql)
		require.NoError(t, err, q.sql)
		require.Equal(t, q.parallel, exec.ParallelRuns() > before, "ran in parallel: %s", q.sql)
		require.Equal(t, render(serial), render(par), q.sql)
	}
	// Inside a transaction block the workers see its own writes.
	_, err = run(s, "BEGIN; INSERT INTO big VALUES (70000, 1, 0.5, 7, 'own'), (70001, 9, 0.25, 8, 'own'); DELETE FROM big WHERE id = 5")
	require.NoError(t, err)
	before := exec.ParallelRuns()
	r, err = run(s, "SELECT count(*), sum(n), count(*) FILTER (WHERE label = 'own') FROM big")
	require.NoError(t, err)
	require.Greater(t, exec.ParallelRuns(), before)
	require.Equal(t, "60002|5400090000|2", render(r)) // 3·(1+…+60000) + 7 + 8 - 15
	_, err = run(s, "ROLLBACK")
	require.NoError(t, err)

	_, err = run(s, "SET max_parallel_workers_per_gather = 'lots'")
	require.Error(t, err)
	require.Equal(t, errs.InvalidParameterValue, errs.Code(err))
}

// TestSetReturningFunctionsInSelectList: set-returning functions in the
// select list run side by side per input row (the shorter padded with
// NULL), also over an aggregate's rows and nested in one another, as in
// PostgreSQL; where they cannot run (WHERE) the query is refused as not
// supported, not as a function that does not exist.
func TestSetReturningFunctionsInSelectList(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE posts (id INT PRIMARY KEY, tags TEXT[])`)
	d.q(s, `INSERT INTO posts VALUES (1, ARRAY['a', 'b']), (2, ARRAY[]::text[]), (3, ARRAY['c']), (4, NULL)`)
	for q, want := range map[string]string{
		`SELECT generate_series(1, 3) AS a, generate_series(1, 4) AS b`:  "1 1|2 2|3 3|<nil> 4",
		`SELECT id, unnest(tags) FROM posts ORDER BY id`:                 "1 a|1 b|3 c",
		`SELECT id, generate_series(1, id) * 10 FROM posts WHERE id < 3`: "1 10|2 10|2 20",
		`SELECT count(*), unnest(ARRAY[7, 8]) FROM posts`:                "4 7|4 8",
		`SELECT generate_series(1, generate_series(1, 2))`:               "1|1|2",
	} {
		r, err := run(s, q)
		require.NoError(t, err, q)
		var got []string
		for _, row := range r.Rows {
			var f []string
			for _, v := range row {
				f = append(f, fmt.Sprint(v))
			}
			got = append(got, strings.Join(f, " "))
		}
		require.Equal(t, want, strings.Join(got, "|"), q)
	}
	for _, q := range []string{
		`SELECT * FROM posts WHERE id = generate_series(1, 2)`,
		`SELECT topk(1)`,
	} {
		_, err := run(s, q)
		require.Error(t, err, q)
		require.Equal(t, "0A000", errs.Code(err), q)
		require.Contains(t, err.Error(), "is not supported here", q)
	}
	_, err := run(s, `SELECT no_such_function(1)`)
	require.Equal(t, "42883", errs.Code(err))
}
