package session

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// ANALYZE stores statistics that survive a restart, show in pg_stats and
// pg_class.reltuples, and change a join's order in EXPLAIN without
// changing its rows.
func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")

	d.q(s, `CREATE TABLE big (id INT PRIMARY KEY, k INT, note TEXT)`)
	d.q(s, `CREATE TABLE small (id INT PRIMARY KEY, name TEXT)`)
	d.q(s, `INSERT INTO big SELECT g, g % 5, CASE WHEN g % 4 = 0 THEN 'x' END FROM generate_series(1, 2000) g`)
	d.q(s, `INSERT INTO small SELECT g, 'n' || g FROM generate_series(0, 4) g`)
	query := `SELECT s.name, count(*) FROM big b, small s WHERE b.k = s.id GROUP BY s.name ORDER BY 1`
	rows := d.q(s, query)
	require.Equal(t, "n0|400\nn1|400\nn2|400\nn3|400\nn4|400", rows)

	explain := `EXPLAIN SELECT count(*) FROM big b, small s WHERE b.k = s.id`
	require.Equal(t, "Project (1 columns) (rows=1)\n"+
		"  -> Aggregate (1 aggregates) (rows=1)\n"+
		"    -> Hash Join (INNER) (rows=1000)\n"+
		"      -> Seq Scan on big (rows=1000)\n"+
		"      -> Seq Scan on small (rows=1000)", d.q(s, explain))
	require.Equal(t, "-1", d.q(s, `SELECT reltuples FROM pg_class WHERE relname = 'big'`))

	r, err := run(s, `ANALYZE`)
	require.NoError(t, err)
	require.Equal(t, "ANALYZE", r.Tag)
	after := "Project (1 columns) (rows=1)\n" +
		"  -> Aggregate (1 aggregates) (rows=1)\n" +
		"    -> Project (5 columns) (rows=2000)\n" +
		"      -> Hash Join (INNER) (rows=2000)\n" +
		"        -> Seq Scan on small (rows=5)\n" +
		"        -> Seq Scan on big (rows=2000)"
	require.Equal(t, after, d.q(s, explain), "a prepared plan is replanned too")
	require.Equal(t, rows, d.q(s, query))
	require.Equal(t, "2000", d.q(s, `SELECT reltuples FROM pg_class WHERE relname = 'big'`))
	require.Equal(t, "id|0|-1\nk|0|5\nnote|0.75|1", d.q(s,
		`SELECT attname, null_frac, n_distinct FROM pg_stats WHERE tablename = 'big' ORDER BY attname`))
	require.Equal(t, "{0,1,2,3,4}|{0.2,0.2,0.2,0.2,0.2}", d.q(s,
		`SELECT most_common_vals, most_common_freqs FROM pg_stats WHERE tablename = 'big' AND attname = 'k'`))
	d.q(s, `ANALYZE small, public.big (k)`)
	d.fail(s, "42P01", `ANALYZE nope`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, after, d.q(s, explain), "statistics are durable")
}
