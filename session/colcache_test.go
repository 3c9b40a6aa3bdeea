package session

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// openColumnCache opens a database whose scans may read column copies.
func openColumnCache(t *testing.T) *tdb {
	t.Helper()
	db, err := OpenDB(DBConfig{Dir: t.TempDir(), ColumnCacheSize: 256 << 20})
	require.NoError(t, err)
	return &tdb{t: t, db: db, m: NewManager(db)}
}

// colCacheSchema is a table of every kind a column copy stores (and of
// blank-padded text, whose comparisons no kernel makes), with NULLs, large
// numerics that leave the scaled form, and more than colMinRows rows.
const colCacheSchema = `CREATE TABLE cc (id INT PRIMARY KEY, i INT, b BIGINT, n NUMERIC(12,2), big NUMERIC,
		f FLOAT8, t TEXT, v VARCHAR(10), c CHAR(3), d DATE, ts TIMESTAMP, ok BOOL);
	INSERT INTO cc SELECT g,
		CASE WHEN g % 13 = 0 THEN NULL ELSE g % 50 END,
		g::bigint * 1000003,
		CASE WHEN g % 17 = 0 THEN NULL ELSE (g % 1000) / 100.0 - 2 END,
		CASE WHEN g % 1000 = 7 THEN 1e30 + g WHEN g % 11 = 0 THEN NULL ELSE g / 8.0 END,
		g / 3.0,
		CASE WHEN g % 19 = 0 THEN NULL ELSE 'w' || (g % 7) END,
		'v' || (g % 5),
		CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b  ' END,
		DATE '1994-01-01' + (g % 2000),
		CASE WHEN g % 23 = 0 THEN NULL WHEN g % 2 = 0 THEN (DATE '2020-01-01' + g % 900)::timestamp ELSE (DATE '2020-01-01' + g % 900) + INTERVAL '5 hours 7 minutes' END,
		g % 3 = 0
	FROM generate_series(1, 12000) g;
	CREATE TABLE dim (k INT PRIMARY KEY, name TEXT, grp CHAR(2));
	INSERT INTO dim SELECT g, 'x' || g, CASE WHEN g % 3 = 0 THEN 'g1' ELSE 'g2' END FROM generate_series(0, 49) g;
	CREATE TABLE sparse (k BIGINT PRIMARY KEY, w TEXT);
	INSERT INTO sparse VALUES (3000009, 'a'), (5000015000, 'b'), (11998035994, 'c'), (1, 'd'), (9000000000000000, 'e');
	ANALYZE`

// colCacheQueries read cc through every kernel (constants either side,
// column against column, IN lists) and terms no kernel evaluates.
var colCacheQueries = []string{
	"SELECT count(*), sum(n), sum(big), min(t), max(ts) FROM cc",
	"SELECT count(*), sum(n) FROM cc WHERE i = 7",
	"SELECT count(*), sum(b) FROM cc WHERE i <> 7 AND i >= 3 AND 40 > i",
	"SELECT count(*), sum(i) FROM cc WHERE n < 2.5 AND n > -1.25",
	"SELECT count(*), sum(i) FROM cc WHERE n <= 3 AND n >= 0.055",
	"SELECT count(*), sum(i) FROM cc WHERE big > 700 AND big <= 1e30 + 5000",
	"SELECT count(*) FROM cc WHERE d >= DATE '1995-01-01' AND d < DATE '1995-01-01' + INTERVAL '1' YEAR",
	"SELECT count(*), min(id) FROM cc WHERE ts > TIMESTAMP '2020-03-01 12:00:00' AND ts <= TIMESTAMP '2020-04-01'",
	"SELECT count(*), max(id) FROM cc WHERE t = 'w3' OR t = 'w4'",
	"SELECT count(*), max(id) FROM cc WHERE t IN ('w1', 'w5') AND v NOT IN ('v0', 'v2')",
	"SELECT count(*) = 0, 'NOT IN with a NULL is never true' FROM cc WHERE t NOT IN ('w1', NULL)",
	"SELECT count(*) FROM cc WHERE i IN (1, 2, 3) AND i < b",
	"SELECT count(*), sum(i) FROM cc WHERE c = 'b' AND c < 'bb'",
	// columns without NULLs: the kernels' plain loops, over a block's row
	// range (the first term) and over the rows earlier terms passed
	"SELECT count(*) FROM cc WHERE d <= DATE '1995-06-30' AND b >= 2000006000 AND b <= 9000027000 AND v <> 'v3'",
	"SELECT count(*) FROM cc WHERE b < 7000021000 AND d > DATE '1994-03-01' AND v = 'v2' AND id >= 10",
	"SELECT count(*) FROM cc WHERE id <= 6000 AND v >= 'v3' AND d <> DATE '1994-01-05' AND v < 'v4'",
	"SELECT count(*) FROM cc WHERE 5000 >= id AND DATE '1995-01-01' < d AND 'v1' <= v AND b > 0",
	"SELECT count(*) FROM cc WHERE b = 7000021 OR id = 3 OR b = 3000009000",
	"SELECT count(*) FROM cc WHERE v <> 'v1'",
	"SELECT count(*) FROM cc WHERE b <> 5000015",
	"SELECT count(*) FROM cc WHERE f > 1000.5 AND ok",
	"SELECT count(*) FROM cc WHERE i < 2.5",
	"SELECT count(*) FROM cc WHERE n = i AND n < b",
	"SELECT count(*) FROM cc WHERE d < ts",
	"SELECT count(*) FROM cc WHERE t > v AND t < 'w4'",
	"SELECT id, i, n, big, t, v, c, d, ts, ok FROM cc WHERE id % 997 = 0 ORDER BY id",
	"SELECT i, count(*), sum(n), avg(b), min(f) FROM cc WHERE d > DATE '1996-06-30' GROUP BY i ORDER BY i",
	"SELECT a.id, b.id FROM cc a JOIN cc b ON a.id = b.i WHERE a.n > 1 AND b.t = 'w2' ORDER BY 1, 2 LIMIT 20",
	// aggregates computed from the vectors: arithmetic with zero
	// operands (n is 0.00 and 1.00 on some rows), an integer column in
	// numeric arithmetic, non-compact numerics (big), counts of a column
	// with NULLs, groups by text and by integer
	"SELECT t, count(*), sum(n), sum(n * (1 - n)), avg(n), sum(n * (1 + n) * 3), count(i), avg(big), sum(big * 2) FROM cc WHERE d <= DATE '1998-01-01' GROUP BY t ORDER BY t",
	"SELECT i, sum(n * 2 - i), avg(i * n), count(n) FROM cc GROUP BY i ORDER BY i",
	"SELECT count(*), sum(n - n), sum(-1 * n), avg(n + 0.001) FROM cc WHERE v = 'v1'",
	// hash joins probing the copy, with the checks of enclosing joins
	"SELECT d.name, count(*), sum(c.n) FROM cc c JOIN dim d ON c.i = d.k WHERE d.grp = 'g1' GROUP BY d.name ORDER BY 1",
	"SELECT count(*), sum(c.b), min(e.name) FROM cc c JOIN dim d ON c.i = d.k JOIN dim e ON c.i + 1 = e.k WHERE d.grp = 'g1' AND e.grp <> 'g1' AND c.v <> 'v2'",
	"SELECT c.c, count(*) FROM cc c JOIN dim d ON c.c = d.grp GROUP BY c.c",
	// keys too far apart for a bitmap: the probe kernel asks the table
	"SELECT s.w, c.id, c.n FROM cc c JOIN sparse s ON c.b = s.k ORDER BY 1",
	"SELECT count(*) FROM cc WHERE c IN ('a', 'zz') AND c <> 'b'",
}

// colCacheResults runs the queries with column copies on and off and
// requires the same rows; it returns the results.
func colCacheResults(t *testing.T, d *tdb, s *Session) []string {
	t.Helper()
	var out []string
	for _, q := range colCacheQueries {
		d.q(s, "SET enable_column_cache = off")
		want := d.q(s, q)
		require.NotRegexp(t, `^0(\|[^\n]*)?$`, want, "a query that finds nothing tests little: %s", q)
		d.q(s, "SET enable_column_cache = on")
		for range 3 { // the second scan builds the copy, the third reads it
			require.Equal(t, want, d.q(s, q), q)
		}
		out = append(out, want)
	}
	return out
}

func TestColumnCacheMatchesStoredRows(t *testing.T) {
	d := openColumnCache(t)
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, colCacheSchema)
	colCacheResults(t, d, s)
	hits, builds := d.db.columns.Stats()
	require.Positive(t, hits)
	require.Positive(t, builds)
	require.Positive(t, d.db.columns.Bytes())
	defer func() {
		// Dropping the collection drops its copy.
		d.q(s, "DROP TABLE cc")
		require.Zero(t, d.db.columns.Bytes())
	}()

	// The planner costs scans of the copy: a range the index would read
	// row by row is read from the copy, and a prepared statement planned
	// before the copy existed is planned again.
	require.Contains(t, d.q(s, "EXPLAIN SELECT count(*) FROM cc WHERE i = 3"), "Seq Scan on cc (column copy)")

	// Serial scans read the copy too.
	d.q(s, "SET max_parallel_workers_per_gather = 0")
	colCacheResults(t, d, s)
	d.q(s, "RESET max_parallel_workers_per_gather")

	// Writes: the copy made before them is not read after them.
	d.q(s, "UPDATE cc SET n = 9999.99, t = 'new' WHERE id % 1000 = 1; DELETE FROM cc WHERE id % 4000 = 2; INSERT INTO cc (id, i, n, t) VALUES (20000, 7, 1.5, 'w3')")
	colCacheResults(t, d, s)
	require.Equal(t, "12|119999.88", d.q(s, "SELECT count(*), sum(n) FROM cc WHERE t = 'new'"))

	// A transaction reads its own writes, not the copy.
	d.q(s, "BEGIN; UPDATE cc SET i = 7 WHERE id <= 100")
	require.Equal(t, "99", d.q(s, "SELECT count(*) FROM cc WHERE i = 7 AND id <= 100")) // id 2 was deleted
	d.q(s, "ROLLBACK")
	require.Equal(t, "2", d.q(s, "SELECT count(*) FROM cc WHERE i = 7 AND id <= 100"))

	// A column added later: copies made before do not hold it.
	d.q(s, "ALTER TABLE cc ADD COLUMN extra INT")
	d.q(s, "UPDATE cc SET extra = id % 3 WHERE id < 50")
	// ids 1-49 not divisible by 3, less id 2 (deleted) and 13 and 26 (i
	// is NULL): 30 rows, extra 1 or 2.
	for range 3 {
		require.Equal(t, "30|44", d.q(s, "SELECT count(*), sum(extra) FROM cc WHERE extra >= 1 AND i > 0"))
	}
}

// TestColumnCacheSnapshots: a transaction whose snapshot predates a
// write keeps reading the rows its snapshot shows while other sessions
// build and read a copy of the new ones.
func TestColumnCacheSnapshots(t *testing.T) {
	d := openColumnCache(t)
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, colCacheSchema)
	const q = "SELECT count(*), sum(n), max(t) FROM cc WHERE i >= 10"
	for range 3 {
		d.q(s, q)
	}
	old := d.q(s, q)
	reader := d.m.NewSession("admin", "db")
	d.q(reader, "BEGIN")
	require.Equal(t, old, d.q(reader, q))

	d.q(s, "UPDATE cc SET n = n + 1, t = 'zz' WHERE id % 10 = 0")
	var fresh string
	for range 3 {
		fresh = d.q(s, q)
	}
	require.NotEqual(t, old, fresh)
	_, builds := d.db.columns.Stats()
	require.GreaterOrEqual(t, builds, uint64(2))
	require.Equal(t, old, d.q(reader, q), "the reader's snapshot predates the update")
	d.q(reader, "COMMIT")
	require.Equal(t, fresh, d.q(reader, q))
}

// TestColumnCacheBudget: a table larger than the budget is not copied,
// and not built again while its rows stay the same.
func TestColumnCacheBudget(t *testing.T) {
	db, err := OpenDB(DBConfig{Dir: t.TempDir(), ColumnCacheSize: 64 << 10})
	require.NoError(t, err)
	d := &tdb{t: t, db: db, m: NewManager(db)}
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, colCacheSchema)
	want := d.q(s, "SELECT count(*), sum(n) FROM cc WHERE i < 20")
	for i := range 5 {
		require.Equal(t, want, d.q(s, "SELECT count(*), sum(n) FROM cc WHERE i < 20"), fmt.Sprint(i))
	}
	hits, builds := d.db.columns.Stats()
	require.Zero(t, hits)
	require.Zero(t, builds)
	require.Zero(t, d.db.columns.Bytes())
	coll, ok := d.db.cat.Get("cc")
	require.True(t, ok)
	require.True(t, d.db.columns.Rejected(coll.ID, d.db.txm.RowEpoch(coll.ID)), "the build that did not fit is remembered")
}

// TestColumnCacheReplans: a statement prepared before a collection had
// a column copy is planned again once it has one (its costs change), and
// again when the copy goes.
func TestColumnCacheReplans(t *testing.T) {
	d := openColumnCache(t)
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, colCacheSchema+"; CREATE INDEX cc_d ON cc (d); ANALYZE cc")
	p, err := s.Prepare("SELECT count(*) FROM cc WHERE d >= $1 AND d < $2 AND i > 3", nil)
	require.NoError(t, err)
	exec := func() string {
		r, err := s.Execute(context.Background(), p, []types.Value{time.Date(1994, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(1994, 5, 1, 0, 0, 0, 0, time.UTC)})
		require.NoError(t, err)
		return render(r)
	}
	want := exec()
	require.NotRegexp(t, `^0$`, want)
	require.Contains(t, explainOf(t, s, p), "Index Scan using cc_d")
	for range 3 {
		d.q(s, "SELECT count(*), sum(n) FROM cc WHERE i > 3")
	}
	require.Equal(t, want, exec())
	require.Contains(t, explainOf(t, s, p), "Seq Scan on cc (column copy)")
	d.q(s, "UPDATE cc SET i = i WHERE id = 1")
	d.q(s, "SELECT count(*), sum(n) FROM cc WHERE i > 3") // finds the copy stale and drops it
	require.Equal(t, want, exec())
	require.Contains(t, explainOf(t, s, p), "Index Scan using cc_d")
}

// explainOf is the plan a prepared statement runs now.
func explainOf(t *testing.T, s *Session, p *Prepared) string {
	t.Helper()
	require.NotNil(t, p.prep.node)
	return strings.Join(plan.Explain(p.prep.node), "\n")
}

// TestColumnCacheStableRowsFirstScan: rows written within the stable age
// are copied by their second full scan; rows unchanged for longer by their
// first.
func TestColumnCacheStableRowsFirstScan(t *testing.T) {
	const q = "SELECT count(*), sum(n) FROM cc WHERE i > 3"
	for _, tc := range []struct {
		age   time.Duration
		first uint64 // copies made by the first scan
	}{{time.Hour, 0}, {time.Nanosecond, 1}} {
		db, err := OpenDB(DBConfig{Dir: t.TempDir(), ColumnCacheSize: 256 << 20, ColumnStableAge: tc.age})
		require.NoError(t, err)
		d := &tdb{t: t, db: db, m: NewManager(db)}
		s := d.m.NewSession("admin", "db")
		d.q(s, colCacheSchema)
		want := d.q(s, q)
		_, builds := d.db.columns.Stats()
		require.Equal(t, tc.first, builds, "stable age %s: copies after the first scan", tc.age)
		require.Equal(t, want, d.q(s, q))
		hits, builds := d.db.columns.Stats()
		require.Equal(t, uint64(1), builds, "the second scan of unchanged rows copies them either way")
		require.Positive(t, hits)
		d.close()
	}
}

// TestColumnCacheConcurrentWriters: while other sessions update, insert
// and delete rows, every reader transaction gets the same rows from a
// column copy as from the stored rows of its own snapshot (the same
// query with copies turned off, in the same transaction); copies are made
// and dropped meanwhile.
func TestColumnCacheConcurrentWriters(t *testing.T) {
	d := openColumnCache(t)
	defer d.close()
	setup := d.m.NewSession("admin", "db")
	d.q(setup, colCacheSchema)
	queries := []string{
		"SELECT count(*), sum(n), sum(n * (1 - n)), max(id) FROM cc WHERE d >= DATE '1995-01-01' AND i < 40",
		"SELECT t, count(*), avg(n) FROM cc WHERE v <> 'v3' GROUP BY t ORDER BY t",
		"SELECT count(*), sum(c.n) FROM cc c JOIN dim d ON c.i = d.k WHERE d.grp = 'g1'",
	}
	stop := make(chan struct{})
	var quiet atomic.Bool // writers pause, so copies get made
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	// loop runs body (k = 0, 1, ...) on a session of its own until stop
	// closes or body returns false.
	loop := func(body func(s *Session, k int) bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := d.m.NewSession("admin", "db")
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				if !body(s, k) {
					return
				}
			}
		}()
	}
	for w := range 2 {
		loop(func(s *Session, k int) bool {
			if quiet.Load() {
				time.Sleep(5 * time.Millisecond)
				return true
			}
			id := 1 + (k*7919+w*104729)%12000
			var q string
			switch k % 3 {
			case 0:
				q = fmt.Sprintf("UPDATE cc SET n = n + 1, t = 'w%d' WHERE id = %d", k%7, id)
			case 1:
				q = fmt.Sprintf("DELETE FROM cc WHERE id = %d", id)
			default:
				q = fmt.Sprintf("INSERT INTO cc (id, i, n, t, v, d) VALUES (%d, %d, 1.25, 'w1', 'v2', DATE '1996-01-01') ON CONFLICT (id) DO NOTHING", id, k%50)
			}
			if _, err := run(s, q); err != nil && !strings.Contains(err.Error(), "serialize") {
				errc <- fmt.Errorf("%s: %w", q, err)
				return false
			}
			return true
		})
	}
	checks := 0
	var mu sync.Mutex
	for r := range 2 {
		loop(func(s *Session, k int) bool {
			q := queries[(k+r)%len(queries)]
			res := func(sql string) string {
				out, err := run(s, sql)
				if err != nil {
					errc <- fmt.Errorf("%s: %w", sql, err)
					return ""
				}
				if out == nil {
					return ""
				}
				return render(out)
			}
			res("BEGIN")
			got := res(q)
			res("SET enable_column_cache = off")
			want := res(q)
			res("SET enable_column_cache = on")
			res("COMMIT")
			if got != want {
				errc <- fmt.Errorf("%s: with copies\n%s\nfrom stored rows\n%s", q, got, want)
				return false
			}
			mu.Lock()
			checks++
			mu.Unlock()
			return true
		})
	}
	// Writes and quiet spells alternate; under the race detector scans
	// are slow, so the spells are long enough for two scans. On a machine
	// busy with other tests a spell can pass without one: more spells
	// follow (at most 20 more) until a scan has read a copy.
	for spell := 0; spell < 24; spell++ {
		if hits, _ := d.db.columns.Stats(); spell >= 4 && hits > 0 {
			break
		}
		time.Sleep(250 * time.Millisecond)
		quiet.Store(true)
		time.Sleep(400 * time.Millisecond)
		quiet.Store(false)
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	hits, builds := d.db.columns.Stats()
	t.Logf("%d reader checks, %d scans read a copy, %d copies made", checks, hits, builds)
	require.Positive(t, checks)
	require.Positive(t, hits, "no reader read a copy: the test no longer covers them")
}

// TestColumnCacheRandomFilters: randomly generated filters (a column
// against a constant of its own or another kind, two columns, IN and NOT
// IN lists, BETWEEN, AND/OR) and aggregates over a table of every kind
// give the same rows, or the same error, from a column copy as from the
// stored rows. The seed is logged; NODEDB_COLCACHE_SEED replays one.
func TestColumnCacheRandomFilters(t *testing.T) {
	d := openColumnCache(t)
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, colCacheSchema)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("NODEDB_COLCACHE_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (NODEDB_COLCACHE_SEED replays it)", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	consts := map[string][]string{
		"i":   {"7", "0", "-3", "49", "2.5", "7.0", "'7'", "NULL"},
		"b":   {"5000015", "3000009000", "0", "1e10", "12000036000"},
		"n":   {"0", "1.5", "-1.25", "2.00", "0.055", "7", "-2", "3.141", "'1.5'"},
		"big": {"100", "1e30", "125.5", "0.125", "1000000000000000000000000000000"},
		"f":   {"1000.5", "0", "3999", "1e3"},
		"t":   {"'w1'", "'w3 '", "''", "'w6'", "'zz'", "NULL"},
		"v":   {"'v1'", "'v0'", "'v4'", "'v'"},
		"c":   {"'a'", "'b'", "'b  '", "'a '", "'bb'", "'c'::char(2)", "'b'::char(3)", "'a'::char(4)"},
		"d":   {"DATE '1995-01-01'", "DATE '1994-03-01' + INTERVAL '1' MONTH", "'1996-06-30'", "TIMESTAMP '1995-06-01 12:00:00'"},
		"ts":  {"TIMESTAMP '2020-03-01 05:07:00'", "DATE '2021-01-01'", "'2020-06-15 05:07:00'"},
	}
	cols := []string{"i", "b", "n", "big", "f", "t", "v", "c", "d", "ts"}
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	term := func() string {
		c := cols[r.IntN(len(cols))]
		k := consts[c][r.IntN(len(consts[c]))]
		switch r.IntN(7) {
		case 0:
			return fmt.Sprintf("%s %s %s", k, pick(ops...), c)
		case 1:
			var list []string
			for range 1 + r.IntN(3) {
				list = append(list, consts[c][r.IntN(len(consts[c]))])
			}
			return fmt.Sprintf("%s %s (%s)", c, pick("IN", "NOT IN"), strings.Join(list, ", "))
		case 2:
			same := map[string][]string{"i": {"b", "n"}, "n": {"i", "big"}, "t": {"v"}, "v": {"t"}, "d": {"ts"}, "ts": {"d"}, "b": {"i"}}
			if o := same[c]; o != nil {
				return fmt.Sprintf("%s %s %s", c, pick(ops...), o[r.IntN(len(o))])
			}
		case 3:
			return fmt.Sprintf("%s BETWEEN %s AND %s", c, consts[c][r.IntN(len(consts[c]))], k)
		}
		return fmt.Sprintf("%s %s %s", c, pick(ops...), k)
	}
	aggs := []string{"count(*)", "sum(n)", "sum(n * (1 - n))", "avg(big)", "count(t)", "min(d)", "max(c)", "sum(i * n)"}
	compared := 0
	for q := range 150 {
		where := term()
		for range r.IntN(3) {
			where += " " + pick("AND", "AND", "OR") + " " + term()
		}
		sel := pick(aggs...) + ", " + pick(aggs...)
		query := fmt.Sprintf("SELECT %s FROM cc WHERE %s", sel, where)
		if r.IntN(3) == 0 {
			g := pick("t", "c", "i", "v")
			query = fmt.Sprintf("SELECT %s, %s FROM cc WHERE %s GROUP BY %s ORDER BY 1", g, sel, where, g)
		}
		outcome := func() string {
			res, err := run(s, query)
			if err != nil {
				return "ERROR " + errs.Code(err)
			}
			return render(res)
		}
		d.q(s, "SET enable_column_cache = off")
		want := outcome()
		d.q(s, "SET enable_column_cache = on")
		for range 2 { // the copy is made by the first (or second) scan
			if got := outcome(); got != want {
				t.Fatalf("query %d: %s\n--- stored rows\n%s\n--- column copy\n%s", q, query, want, got)
			}
		}
		if !strings.HasPrefix(want, "ERROR") {
			compared++
		}
	}
	hits, _ := d.db.columns.Stats()
	t.Logf("%d of 150 queries compared on rows (the rest on their error), %d scans read a copy", compared, hits)
	require.Greater(t, compared, 75)
	require.Positive(t, hits)
}
