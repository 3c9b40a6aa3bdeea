package exec_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// db runs statements through parse → plan → exec on a real store, one
// transaction per statement.
type db struct {
	t   *testing.T
	txm *txn.Manager
	cat *catalog.Catalog
	ids *exec.IDGen
}

func openDB(t *testing.T) *db {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	txm, err := txn.NewManager(st, txn.Options{})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, txm.Close())
		require.NoError(t, st.Close())
	})
	cat, err := catalog.Open(txm)
	require.NoError(t, err)
	return &db{t: t, txm: txm, cat: cat, ids: &exec.IDGen{}}
}

// run executes one statement and returns its rows (RETURNING rows or the
// query result).
func (d *db) run(sql string, params ...types.Value) ([]types.Row, error) {
	stmts, err := parser.Parse(sql)
	if err != nil {
		return nil, err
	}
	require.Len(d.t, stmts, 1, sql)
	ctx := context.Background()
	tx := d.txm.Begin()
	defer tx.Rollback()
	env := &exec.Env{Ctx: ctx, Txn: tx, Params: params, IDs: d.ids, Refs: d.cat}
	ddl := &exec.DDL{Cat: d.cat.Scope(0), Env: func(tx *txn.Txn) *exec.Env {
		return &exec.Env{Ctx: ctx, Txn: tx, IDs: d.ids, Refs: d.cat}
	}}
	b := &plan.Builder{Cat: d.cat}
	for i := range params {
		b.Params = append(b.Params, types.TypeOf(params[i]))
	}
	var rows []types.Row
	switch x := stmts[0].AST.(type) {
	case *ast.CreateCollection:
		_, err = ddl.CreateCollection(x)
		return nil, err
	case *ast.CreateIndex:
		_, err = ddl.CreateIndex(x)
		return nil, err
	case *ast.AlterAddColumn:
		return nil, ddl.AddColumn(x)
	case *ast.Analyze:
		return nil, ddl.Analyze(x)
	case *ast.Select:
		var n plan.Node
		if n, err = b.BuildSelect(x); err != nil {
			return nil, err
		}
		rows, err = env.Query(n)
	case *ast.Insert:
		var n *plan.Insert
		if n, err = b.BuildInsert(x); err != nil {
			return nil, err
		}
		var wr *exec.WriteResult
		if wr, err = env.Insert(n); err == nil {
			rows = wr.Rows
		}
	case *ast.Update:
		var n *plan.Update
		if n, err = b.BuildUpdate(x); err != nil {
			return nil, err
		}
		var wr *exec.WriteResult
		if wr, err = env.Update(n); err == nil {
			rows = wr.Rows
		}
	default:
		d.t.Fatalf("unsupported statement %T", x)
	}
	if err != nil {
		return nil, err
	}
	if tx.HasWrites() {
		if _, err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	for _, f := range env.Fields {
		catalog.ApplyFields(f.Coll, f.Fields)
	}
	return rows, nil
}

// q runs a statement that must succeed and renders its rows as
// "a|b" lines joined by newlines (NULL as "NULL").
func (d *db) q(sql string, params ...types.Value) string {
	d.t.Helper()
	rows, err := d.run(sql, params...)
	require.NoError(d.t, err, sql)
	var lines []string
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			if v == nil {
				cells[i] = "NULL"
			} else {
				cells[i] = types.FormatText(v)
			}
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	return strings.Join(lines, "\n")
}

func (d *db) fail(code, sql string, params ...types.Value) {
	d.t.Helper()
	_, err := d.run(sql, params...)
	require.Error(d.t, err, sql)
	require.Equal(d.t, code, errs.Code(err), "%s: %v", sql, err)
}

func TestThreeValuedLogic(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE t (id INT PRIMARY KEY, a INT, b BOOLEAN)`)
	d.q(`INSERT INTO t VALUES (1, NULL, false), (2, NULL, true), (3, 1, NULL), (4, 2, true)`)

	require.Equal(t, "f|t|NULL|NULL|NULL", d.q(`SELECT NULL AND false, NULL OR true, NULL AND true, NULL OR false, NOT CAST(NULL AS BOOLEAN)`))
	require.Equal(t, "", d.q(`SELECT id FROM t WHERE NULL AND false`))
	require.Equal(t, "1\n2\n3\n4", d.q(`SELECT id FROM t WHERE NOT (NULL AND false) ORDER BY id`), "NULL AND false is false")
	require.Equal(t, "1\n2\n3\n4", d.q(`SELECT id FROM t WHERE NULL OR true ORDER BY id`))
	require.Equal(t, "", d.q(`SELECT id FROM t WHERE NOT (NULL OR false)`), "NOT NULL is NULL, which filters")
	require.Equal(t, "", d.q(`SELECT id FROM t WHERE NOT (NULL AND true)`))

	// With column values.
	require.Equal(t, "1", d.q(`SELECT id FROM t WHERE NOT b`))
	require.Equal(t, "2\n4", d.q(`SELECT id FROM t WHERE b ORDER BY id`))
	require.Equal(t, "1\n2\n3\n4", d.q(`SELECT id FROM t WHERE b OR true ORDER BY id`))
	require.Equal(t, "", d.q(`SELECT id FROM t WHERE b AND false`))
	require.Equal(t, "4", d.q(`SELECT id FROM t WHERE a > 1 OR a < 1`), "comparisons with NULL are NULL")
	require.Equal(t, "3\n4", d.q(`SELECT id FROM t WHERE NOT (a = 5) ORDER BY id`))
	require.Equal(t, "1\n2", d.q(`SELECT id FROM t WHERE a IS NULL ORDER BY id`))
	require.Equal(t, "3", d.q(`SELECT id FROM t WHERE b IS NULL`))
	require.Equal(t, "", d.q(`SELECT id FROM t WHERE a NOT IN (2, NULL)`), "NOT IN with a NULL member is never true")
	require.Equal(t, "4", d.q(`SELECT id FROM t WHERE a IN (2, NULL)`))
}

func TestOrderByNulls(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE t (id INT PRIMARY KEY, a INT)`)
	d.q(`INSERT INTO t VALUES (1, 2), (2, NULL), (3, 1), (4, NULL)`)
	cases := map[string]string{
		`SELECT a FROM t ORDER BY a, id`:                   "1\n2\nNULL\nNULL", // ASC: NULLS LAST
		`SELECT a FROM t ORDER BY a DESC, id`:              "NULL\nNULL\n2\n1", // DESC: NULLS FIRST
		`SELECT a FROM t ORDER BY a NULLS FIRST, id`:       "NULL\nNULL\n1\n2",
		`SELECT a FROM t ORDER BY a ASC NULLS LAST, id`:    "1\n2\nNULL\nNULL",
		`SELECT a FROM t ORDER BY a DESC NULLS LAST, id`:   "2\n1\nNULL\nNULL",
		`SELECT a FROM t ORDER BY a DESC NULLS FIRST, id`:  "NULL\nNULL\n2\n1",
		`SELECT id FROM t ORDER BY a NULLS FIRST, id DESC`: "4\n2\n3\n1",
	}
	for sql, want := range cases {
		require.Equal(t, want, d.q(sql), sql)
	}
}

func TestDistinctAndGroupMixedNumbers(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE COLLECTION c`)
	d.q(`INSERT INTO c { id: 'a', v: 1 }`)
	d.q(`INSERT INTO c { id: 'b', v: CAST(1 AS float8) }`)
	d.q(`INSERT INTO c { id: 'c', v: 2 }`)
	d.q(`INSERT INTO c { id: 'd', v: 2.5 }`)
	d.q(`INSERT INTO c { id: 'e' }`)
	d.q(`INSERT INTO c { id: 'f', v: CAST(2 AS float8) }`)
	require.Equal(t, "bigint|double precision", d.q(`SELECT typeof(v)::text FROM c WHERE id = 'a'`)+"|"+d.q(`SELECT typeof(v)::text FROM c WHERE id = 'b'`))
	rows, err := d.run(`SELECT DISTINCT v FROM c`)
	require.NoError(t, err)
	require.Len(t, rows, 4, "int 1 and float 1 are one value: %v", rows)
	require.Equal(t, "2\n2\n1\n1", d.q(`SELECT count(*) FROM c GROUP BY v ORDER BY count(*) DESC, v NULLS LAST`))
	require.Equal(t, "3", d.q(`SELECT count(DISTINCT v) FROM c`), "count(DISTINCT) folds 1 and 1.0 and skips NULL")
}

// TestUniqueIndexMixedNumbers: in a schemaless collection a unique index
// admits 1 and 1.0 although the rest of the engine (DISTINCT, GROUP BY,
// =, index seeks) treats them as one value.
func TestUniqueIndexMixedNumbers(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE COLLECTION c`)
	d.q(`CREATE UNIQUE INDEX ON c FIELDS v`)
	d.q(`INSERT INTO c { id: 'a', v: 1 }`)
	d.fail(errs.UniqueViolation, `INSERT INTO c { id: 'b', v: 1.0 }`)
	d.fail(errs.UniqueViolation, `INSERT INTO c { id: 'c', v: CAST(1 AS float8) }`)
}

func TestLimitOffsetParams(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(`INSERT INTO t VALUES (1), (2), (3), (4), (5)`)
	require.Equal(t, "2\n3", d.q(`SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2`, int64(2), int64(1)))
	require.Equal(t, "5", d.q(`SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2`, int64(10), int64(4)))
	require.Equal(t, "", d.q(`SELECT id FROM t ORDER BY id LIMIT $1 OFFSET $2`, int64(10), int64(5)))
	require.Equal(t, "", d.q(`SELECT id FROM t ORDER BY id LIMIT $1`, int64(0)))
	require.Equal(t, "1\n2\n3\n4\n5", d.q(`SELECT id FROM t ORDER BY id LIMIT $1`, nil), "LIMIT NULL is no limit")
	require.Equal(t, "4\n5", d.q(`SELECT id FROM t ORDER BY id LIMIT ALL OFFSET $1`, int64(3)))
	require.Equal(t, "4\n3", d.q(`SELECT id FROM t ORDER BY id DESC LIMIT 2 OFFSET $1`, int64(1)))
	// LIMIT applies after DISTINCT and aggregation.
	require.Equal(t, "5", d.q(`SELECT count(*) FROM t LIMIT $1`, int64(1)))
}

// TestNegativeLimitClosesInput: a rejected LIMIT/OFFSET must not leak the
// input's storage iterator (the store then refuses to close cleanly).
func TestNegativeLimitClosesInput(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(`INSERT INTO t VALUES (1)`)
	d.fail(errs.InvalidParameterValue, `SELECT id FROM t LIMIT $1`, int64(-1))
	d.fail(errs.InvalidParameterValue, `SELECT id FROM t OFFSET $1`, int64(-1))
	// The cleanup's store Close fails if an iterator leaked.
}

// TestGroupKeysKeepNumbersApart: grouping keys must separate distinct
// numbers and merge equal ones across int, float and numeric.
func TestGroupKeysKeepNumbersApart(t *testing.T) {
	d := openDB(t)
	require.Equal(t, "2", d.q(`SELECT count(*) FROM (SELECT DISTINCT x FROM (SELECT 9007199254740992 AS x UNION ALL SELECT 9007199254740993) s) s2`))
	require.Equal(t, "1\n1", d.q(`SELECT count(*) FROM (SELECT 9007199254740992 AS x UNION ALL SELECT 9007199254740993) s GROUP BY x`))
	require.Equal(t, "1", d.q(`SELECT count(*) FROM (SELECT DISTINCT x FROM (SELECT 1::float8 AS x UNION ALL SELECT 1.0::numeric) s) s2`))
	d.q(`CREATE COLLECTION c`)
	d.q(`INSERT INTO c { id: 'a', v: 1 }`)
	d.q(`INSERT INTO c { id: 'b', v: 1.0 }`)
	require.Equal(t, "1", d.q(`SELECT count(*) FROM (SELECT DISTINCT v FROM c) s`), "int 1 and numeric 1.0")
	require.Equal(t, "1", d.q(`SELECT count(DISTINCT v) FROM c`))
	// PostgreSQL: SELECT 1 UNION SELECT 1.0 is one row.
	require.Equal(t, "1", d.q(`SELECT count(*) FROM (SELECT 1 AS x UNION SELECT 1.0) s`))
}

func TestDocIDsUniqueAndTimeOrdered(t *testing.T) {
	g := &exec.IDGen{}
	const n = 50000
	type stamped struct {
		id     string
		before int64 // ms before generating
		after  int64 // ms after
	}
	ids := make([]stamped, n)
	seen := make(map[string]bool, n)
	for i := range ids {
		b := time.Now().UnixMilli()
		id := g.DocID()
		ids[i] = stamped{id, b, time.Now().UnixMilli()}
		if len(id) != 26 || seen[id] {
			t.Fatalf("id %q: wrong length or duplicate", id)
		}
		seen[id] = true
	}
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	msOf := func(id string) int64 {
		// The first 10 characters carry the 48-bit millisecond time (the
		// top 2 of their 50 bits are zero).
		var ms int64
		for _, c := range id[:10] {
			i := strings.IndexRune(crockford, c)
			if i < 0 {
				t.Fatalf("%s is not Crockford base32", id)
			}
			ms = ms<<5 | int64(i)
		}
		return ms
	}
	for i, s := range ids {
		if strings.Trim(s.id, crockford) != "" {
			t.Fatalf("%s is not Crockford base32", s.id)
		}
		ms := msOf(s.id)
		if ms < s.before || ms > s.after {
			t.Fatalf("id %s carries %d, generated in [%d, %d]", s.id, ms, s.before, s.after)
		}
		if i > 0 && msOf(ids[i-1].id) < ms && ids[i-1].id >= s.id {
			t.Fatalf("id %s of a later millisecond sorts before %s", s.id, ids[i-1].id)
		}
	}
	// Sorting the ids sorts them by time.
	sorted := make([]string, n)
	for i := range ids {
		sorted[i] = ids[i].id
	}
	sort.Strings(sorted)
	for i := 1; i < n; i++ {
		if msOf(sorted[i-1]) > msOf(sorted[i]) {
			t.Fatalf("sorted ids out of time order: %s, %s", sorted[i-1], sorted[i])
		}
	}

	// Row ids are strictly increasing.
	last := g.RowID()
	for i := 0; i < 100000; i++ {
		id := g.RowID()
		if id <= last {
			t.Fatalf("row id %d after %d", id, last)
		}
		last = id
	}
}

func TestGeneratedDocIDsInCollection(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE COLLECTION c`)
	for i := 0; i < 50; i++ {
		d.q(`INSERT INTO c { v: 1 }`)
	}
	require.Equal(t, "50|50", d.q(`SELECT count(*), count(DISTINCT id) FROM c`))
}

// TestMultiColumnIndexPrefix: equality on the leading columns of a
// multi-column index finds the rows (found by the sqllogictest corpus).
func TestMultiColumnIndexPrefix(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE m (id INT PRIMARY KEY, a INT, b INT, c INT)`)
	d.q(`INSERT INTO m VALUES (1, 1, 2, 3), (2, 4, 5, 6), (3, 1, 2, 9), (4, 1, 7, 3)`)
	d.q(`CREATE INDEX mi ON m (a, b, c)`)
	require.Equal(t, "1\n3", d.q(`SELECT id FROM m WHERE a = 1 AND b = 2 ORDER BY id`))
	require.Equal(t, "1", d.q(`SELECT id FROM m WHERE a = 1 AND b = 2 AND c = 3`))
	require.Equal(t, "1\n3\n4", d.q(`SELECT id FROM m WHERE a = 1 ORDER BY id`))
	require.Equal(t, "3\n4", d.q(`SELECT id FROM m WHERE a = 1 AND b >= 2 AND c > 3 OR (a = 1 AND b = 7) ORDER BY id`))
	require.Equal(t, "1\n3", d.q(`SELECT id FROM m WHERE a = 1.0 AND b = 2 ORDER BY id`), "numeric literal on an int column")
	require.Equal(t, "4", d.q(`SELECT id FROM m WHERE a = 1 AND b > 2`))
	d.q(`CREATE COLLECTION c`)
	d.q(`CREATE INDEX ON c FIELDS x, y`)
	d.q(`INSERT INTO c { id: 'p', x: 1.5, y: 'k' }`)
	d.q(`INSERT INTO c { id: 'q', x: 2, y: 'k' }`)
	require.Equal(t, "p", d.q(`SELECT id FROM c WHERE x = 1.5 AND y = 'k'`))
	require.Equal(t, "q", d.q(`SELECT id FROM c WHERE x = 2.0 AND y = 'k'`))
}

// character(n) values are stored blank-padded, and as in PostgreSQL the
// padding is insignificant to comparisons, IN, LIKE and ||, also through an
// index on the column (TPC-H compares CHAR columns with literals).
func TestBpcharPaddingInsignificant(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE c (id INT PRIMARY KEY, seg CHAR(10), code CHAR(5), v VARCHAR(10))`)
	d.q(`CREATE INDEX c_seg ON c (seg)`)
	d.q(`INSERT INTO c VALUES (1, 'BUILDING', 'ab', 'ab'), (2, 'MACHINERY', 'ab  ', 'x'), (3, 'AUTO', 'zz', 'zz')`)

	require.Equal(t, "BUILDING  ", d.q(`SELECT seg FROM c WHERE id = 1`), "stored and returned padded")
	require.Equal(t, "1", d.q(`SELECT id FROM c WHERE seg = 'BUILDING'`))
	require.Equal(t, "1", d.q(`SELECT id FROM c WHERE 'BUILDING' = seg`))
	require.Equal(t, "2\n3", d.q(`SELECT id FROM c WHERE seg <> 'BUILDING' ORDER BY id`))
	require.Equal(t, "1\n2", d.q(`SELECT id FROM c WHERE seg IN ('BUILDING', 'MACHINERY') ORDER BY id`))
	require.Equal(t, "3", d.q(`SELECT id FROM c WHERE seg < 'BUILDING'`))
	require.Equal(t, "1\n2", d.q(`SELECT id FROM c WHERE code = 'ab' ORDER BY id`))
	require.Equal(t, "1\n3", d.q(`SELECT id FROM c WHERE code = v ORDER BY id`), "char(5) against varchar: padding ignored")
	require.Equal(t, "1\n2", d.q(`SELECT id FROM c WHERE code LIKE '%b' ORDER BY id`))
	require.Equal(t, "BUILDING|", d.q(`SELECT seg || '|' FROM c WHERE id = 1`))
}

// Index range bounds computed from constants (date + interval) seek the
// right rows; a range open on one side reads the table instead.
func TestIndexRangeComputedBounds(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE ev (id INT PRIMARY KEY, day DATE)`)
	d.q(`CREATE INDEX ev_day ON ev (day)`)
	d.q(`INSERT INTO ev VALUES (1, '2023-12-31'), (2, '2024-01-01'), (3, '2024-01-31'), (4, '2024-02-01'), (5, '2024-03-01')`)
	require.Equal(t, "2\n3", d.q(`SELECT id FROM ev WHERE day >= date '2024-01-01' AND day < date '2024-01-01' + interval '1' month ORDER BY id`))
	require.Equal(t, "2\n3\n4", d.q(`SELECT id FROM ev WHERE day >= date '2024-01-01' AND day <= date '2024-03-01' - interval '1 month' ORDER BY id`))
	require.Equal(t, "4\n5", d.q(`SELECT id FROM ev WHERE day > date '2024-01-01' + 30 ORDER BY id`))
}

// An inner hash join hashes whichever input is smaller; the rows are the
// same either way (duplicates, NULL keys and the residual ON condition).
func TestHashJoinEitherBuildSide(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE small (id INT PRIMARY KEY, k INT)`)
	d.q(`CREATE TABLE big (id INT PRIMARY KEY, k INT, v INT)`)
	d.q(`INSERT INTO small VALUES (1, 10), (2, 20), (3, NULL), (4, 10)`)
	d.q(`INSERT INTO big VALUES (1, 10, 1), (2, 10, 2), (3, 20, 3), (4, 30, 4), (5, NULL, 5), (6, 20, 6), (7, 10, 7)`)
	want := "1|1\n1|2\n1|7\n2|3\n2|6\n4|1\n4|2\n4|7"
	require.Equal(t, want, d.q(`SELECT s.id, b.id FROM small s JOIN big b ON s.k = b.k ORDER BY 1, 2`))
	require.Equal(t, want, d.q(`SELECT s.id, b.id FROM big b JOIN small s ON s.k = b.k ORDER BY 1, 2`))
	require.Equal(t, "1|7\n2|6\n4|7", d.q(`SELECT s.id, b.id FROM small s JOIN big b ON s.k = b.k AND b.v > 5 ORDER BY 1, 2`))
	require.Equal(t, "1|7\n2|6\n4|7", d.q(`SELECT s.id, b.id FROM small s, big b WHERE s.k = b.k AND b.v > 5 ORDER BY 1, 2`))
}

// Hash join keys of different numeric kinds match as their values do
// (1 = 1.0 = 1::float8; 2.5 matches only 2.5), whichever side is built,
// with one key (looked up as int64 when integral) or several (encoded).
func TestHashJoinMixedNumericKeys(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE ki (id INT PRIMARY KEY, k BIGINT, j INT)`)
	d.q(`CREATE TABLE kn (id INT PRIMARY KEY, k NUMERIC(30,2), j INT)`)
	d.q(`CREATE TABLE kf (id INT PRIMARY KEY, k FLOAT8, j INT)`)
	d.q(`INSERT INTO ki VALUES (1, 1, 0), (2, 2, 1), (3, NULL, 0), (4, 9000000000000000000, 1), (5, -7, 0), (6, 1, 1)`)
	d.q(`INSERT INTO kn VALUES (1, 1.00, 0), (2, 2.50, 1), (3, NULL, 0), (4, 9000000000000000000, 1), (5, -7.00, 0), (6, 1, 1), (7, 3, 0)`)
	d.q(`INSERT INTO kf VALUES (1, 1.0, 0), (2, 2.5, 1), (3, NULL, 0), (4, -7, 0), (5, 0.1, 1)`)
	for _, c := range []struct{ q, want string }{
		{`SELECT a.id, b.id FROM ki a JOIN kn b ON a.k = b.k ORDER BY 1, 2`, "1|1\n1|6\n4|4\n5|5\n6|1\n6|6"},
		{`SELECT a.id, b.id FROM kn b JOIN ki a ON a.k = b.k ORDER BY 1, 2`, "1|1\n1|6\n4|4\n5|5\n6|1\n6|6"},
		{`SELECT a.id, b.id FROM kn a JOIN kf b ON a.k = b.k ORDER BY 1, 2`, "1|1\n2|2\n5|4\n6|1"},
		{`SELECT a.id, b.id FROM ki a JOIN kf b ON a.k = b.k ORDER BY 1, 2`, "1|1\n5|4\n6|1"},
		{`SELECT a.id, b.id FROM ki a JOIN kn b ON a.k = b.k AND a.j = b.j ORDER BY 1, 2`, "1|1\n4|4\n5|5\n6|6"},
		{`SELECT a.id, b.id FROM ki a JOIN kn b ON a.k + 0 = b.k * 1 ORDER BY 1, 2`, "1|1\n1|6\n4|4\n5|5\n6|1\n6|6"},
	} {
		require.Equal(t, c.want, d.q(c.q), c.q)
	}
}

// An index scan reads its rows in batches sorted by row key: several
// batches, and rows the statement's own transaction changed, come out
// right.
func TestIndexScanBatches(t *testing.T) {
	d := openDB(t)
	d.q(`CREATE TABLE big (id INT PRIMARY KEY, k INT, v INT)`)
	d.q(`CREATE INDEX big_k ON big (k)`)
	d.q(`INSERT INTO big SELECT g, g % 1000, 1 FROM generate_series(1, 10000) g`)
	require.Equal(t, "9000|9000", d.q(`SELECT count(*), sum(v) FROM big WHERE k >= 100 AND k < 1000`))
	d.q(`UPDATE big SET v = v + 1 WHERE k >= 100 AND k < 1000`)
	require.Equal(t, "9000|18000", d.q(`SELECT count(*), sum(v) FROM big WHERE k >= 100 AND k < 1000`))
	require.Equal(t, "10|20", d.q(`SELECT count(*), sum(v) FROM big WHERE k >= 500 AND k <= 500`))
}
