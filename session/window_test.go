package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Expected values below are PostgreSQL 15's answers to the same queries
// over the same data. Ties are broken explicitly wherever the result
// would otherwise depend on the scan order.
func TestWindowFunctions(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()

	d.q(s, `CREATE TABLE emp (id INT PRIMARY KEY, dept TEXT, name TEXT, salary INT, bonus INT)`)
	d.q(s, `INSERT INTO emp VALUES (1,'eng','ann',100,10),(2,'eng','bob',120,NULL),(3,'eng','cid',100,5),
		(4,'ops','dan',90,1),(5,'ops','eve',NULL,2),(6,NULL,'fay',70,3),(7,'ops','gus',90,4),(8,NULL,'hal',NULL,NULL),
		(9,'eng','ivy',130,7)`)
	d.q(s, `CREATE TABLE ev (id INT PRIMARY KEY, d DATE, v NUMERIC, f FLOAT)`)
	d.q(s, `INSERT INTO ev VALUES (1,'2024-01-01',1.5,0.5),(2,'2024-01-03',2.25,NULL),(3,'2024-01-03',NULL,1.25),
		(4,'2024-01-10',4,2),(5,NULL,5,3),(6,'2024-01-11',-1,4)`)
	d.q(s, `CREATE TABLE empty_t (a INT, b INT)`)

	// ranking with ties
	require.Equal(t, "1|100|4|4|3|0.375|0.5555555555555556\n2|120|6|6|4|0.625|0.6666666666666666\n3|100|5|4|3|0.375|0.5555555555555556\n4|90|2|2|2|0.125|0.3333333333333333\n5|NULL|8|8|6|0.875|1\n6|70|1|1|1|0|0.1111111111111111\n7|90|3|2|2|0.125|0.3333333333333333\n8|NULL|9|8|6|0.875|1\n9|130|7|7|5|0.75|0.7777777777777778",
		d.q(s, `SELECT id, salary, row_number() OVER (ORDER BY salary, id), rank() OVER (ORDER BY salary), dense_rank() OVER (ORDER BY salary), percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary) FROM emp ORDER BY id`))
	// partition by + order by, NULL partition key, NULL order keys
	require.Equal(t, "1|eng|100|3\n2|eng|120|2\n3|eng|100|3\n4|ops|90|2\n5|ops|NULL|1\n6|NULL|70|2\n7|ops|90|2\n8|NULL|NULL|1\n9|eng|130|1",
		d.q(s, `SELECT id, dept, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) FROM emp ORDER BY id`))
	require.Equal(t, "NULL|NULL|1|70\nNULL|70|2|70\neng|100|1|450\neng|100|1|450\neng|120|3|450\neng|130|4|450\nops|NULL|1|180\nops|90|2|180\nops|90|2|180",
		d.q(s, `SELECT dept, salary, rank() OVER (PARTITION BY dept ORDER BY salary NULLS FIRST), sum(salary) OVER (PARTITION BY dept) FROM emp ORDER BY dept NULLS FIRST, salary NULLS FIRST, id`))
	// running sums: rows-distinct order, and peers included by the default RANGE frame
	require.Equal(t, "1|eng|100|100|4\n2|eng|120|220|4\n3|eng|100|320|4\n4|ops|90|90|3\n5|ops|NULL|90|3\n6|NULL|70|70|2\n7|ops|90|180|3\n8|NULL|NULL|70|2\n9|eng|130|450|4",
		d.q(s, `SELECT id, dept, salary, sum(salary) OVER (PARTITION BY dept ORDER BY id) AS run, count(*) OVER (PARTITION BY dept) AS n FROM emp ORDER BY id`))
	require.Equal(t, "1|100|450\n2|120|570\n3|100|450\n4|90|250\n5|NULL|700\n6|70|70\n7|90|250\n8|NULL|700\n9|130|700",
		d.q(s, `SELECT id, salary, sum(salary) OVER (ORDER BY salary) FROM emp ORDER BY id`))
	require.Equal(t, "1|1|45\n2|3|44\n3|6|42\n4|10|39\n5|15|35\n6|21|30\n7|28|24\n8|36|17\n9|45|9",
		d.q(s, `SELECT id, sum(id) OVER (ORDER BY id RANGE UNBOUNDED PRECEDING), sum(id) OVER (ORDER BY id RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id`))
	// ROWS frames
	require.Equal(t, "1|100|220|110.0000000000000000\n2|120|320|106.6666666666666667\n3|100|310|103.3333333333333333\n4|90|190|95.0000000000000000\n5|NULL|160|80.0000000000000000\n6|70|160|80.0000000000000000\n7|90|160|80.0000000000000000\n8|NULL|220|110.0000000000000000\n9|130|130|130.0000000000000000",
		d.q(s, `SELECT id, salary, sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), avg(salary) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id`))
	require.Equal(t, "1|160|NULL\n2|160|NULL\n3|160|NULL\n4|220|100\n5|130|220\n6|130|320\n7|NULL|310\n8|NULL|190\n9|NULL|160",
		d.q(s, `SELECT id, sum(salary::bigint) OVER (ORDER BY id ROWS BETWEEN 3 FOLLOWING AND 5 FOLLOWING), sum(salary) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND 3 PRECEDING) FROM emp ORDER BY id`))
	require.Equal(t, "1|ann|130|100\n2|ann,bob|130|100\n3|ann,bob,cid|130|100\n4|bob,cid,dan|90|90\n5|cid,dan,eve|90|90\n6|dan,eve,fay|70|70\n7|eve,fay,gus|90|70\n8|fay,gus,hal|70|70\n9|gus,hal,ivy|130|70",
		d.q(s, `SELECT id, string_agg(name, ',') OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), max(salary) OVER (PARTITION BY dept), min(salary) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) FROM emp ORDER BY id`))
	require.Equal(t, "1|1|NULL\n2|1|10\n3|2|10\n4|2|15\n5|2|16\n6|2|18\n7|3|21\n8|3|25\n9|4|25",
		d.q(s, `SELECT id, count(bonus) FILTER (WHERE bonus > 3) OVER (ORDER BY id), sum(bonus) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM emp ORDER BY id`))
	require.Equal(t, "1|9|1|9\n2|9|1|9\n3|9|1|9\n4|9|1|9\n5|9|1|9\n6|9|1|9\n7|9|1|9\n8|9|1|9\n9|9|1|9",
		d.q(s, `SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING), count(*) OVER (ORDER BY id ROWS BETWEEN 0 PRECEDING AND 0 FOLLOWING), count(*) OVER (ORDER BY id ROWS BETWEEN 9223372036854775807 PRECEDING AND 9223372036854775807 FOLLOWING) FROM emp ORDER BY id`))
	require.Equal(t, "1|106.66666666666667\n2|102.5\n3|102.5\n4|95\n5|87.5\n6|83.33333333333333\n7|96.66666666666667\n8|96.66666666666667\n9|110",
		d.q(s, `SELECT id, avg(salary::float8) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM emp ORDER BY id`))
	// RANGE and GROUPS
	require.Equal(t, "1|100|450|2\n2|120|250|1\n3|100|450|2\n4|90|630|2\n5|NULL|NULL|2\n6|70|700|1\n7|90|630|2\n8|NULL|NULL|2\n9|130|130|1",
		d.q(s, `SELECT id, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(*) OVER (ORDER BY salary RANGE BETWEEN CURRENT ROW AND CURRENT ROW) FROM emp ORDER BY id`))
	require.Equal(t, "1|100|380|3\n2|120|250|2\n3|100|380|3\n4|90|380|4\n5|NULL|NULL|2\n6|70|70|3\n7|90|380|4\n8|NULL|NULL|2\n9|130|250|1",
		d.q(s, `SELECT id, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN 10 PRECEDING AND 10 FOLLOWING), count(*) OVER (ORDER BY salary DESC RANGE BETWEEN 20 PRECEDING AND CURRENT ROW) FROM emp ORDER BY id`))
	require.Equal(t, "1|1.5|3.75|0\n2|2.25|3.75|1\n3|NULL|NULL|1\n4|4|9|1\n5|5|9|0\n6|-1|-1|0",
		d.q(s, `SELECT id, v, sum(v) OVER (ORDER BY v NULLS FIRST RANGE BETWEEN 1 PRECEDING AND 1.5 FOLLOWING), count(*) OVER (ORDER BY v DESC RANGE BETWEEN 2 PRECEDING AND 1 PRECEDING) FROM ev ORDER BY id`))
	require.Equal(t, "1|2024-01-01|1\n2|2024-01-03|3\n3|2024-01-03|3\n4|2024-01-10|1\n5|NULL|1\n6|2024-01-11|2",
		d.q(s, `SELECT id, d, count(*) OVER (ORDER BY d RANGE BETWEEN '2 days' PRECEDING AND CURRENT ROW) FROM ev ORDER BY id`))
	require.Equal(t, "1|0.5|0.875|0.5\n2|NULL|NULL|0.5\n3|1.25|1.25|1.75\n4|2|2.0833333333333335|3.75\n5|3|3|6.75\n6|4|3.5|10.75",
		d.q(s, `SELECT id, f, avg(f) OVER (ORDER BY f RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING), sum(f) OVER (ORDER BY id) FROM ev ORDER BY id`))
	require.Equal(t, "1|100|17|4\n2|120|15|3\n3|100|17|4\n4|90|21|3\n5|NULL|22|3\n6|70|17|1\n7|90|21|3\n8|NULL|22|3\n9|130|24|2",
		d.q(s, `SELECT id, salary, sum(id) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING), count(*) OVER (ORDER BY salary GROUPS 1 PRECEDING) FROM emp ORDER BY id`))
	// lag / lead
	require.Equal(t, "1|100|NULL|100|none\n2|120|100|90|ann\n3|100|120|NULL|bob\n4|90|100|70|cid\n5|NULL|90|90|dan\n6|70|NULL|NULL|eve\n7|90|70|130|fay\n8|NULL|90|-1|gus\n9|130|NULL|-1|hal",
		d.q(s, `SELECT id, salary, lag(salary) OVER w, lead(salary, 2, -1) OVER w, lag(name, 1, 'none') OVER w FROM emp WINDOW w AS (ORDER BY id) ORDER BY id`))
	require.Equal(t, "1|1|NULL|NULL|0.5\n2|2|1|NULL|100\n3|3|2|NULL|120\n4|4|3|NULL|100\n5|5|4|NULL|90\n6|6|5|NULL|NULL\n7|7|6|NULL|70\n8|8|7|NULL|90\n9|9|8|NULL|NULL",
		d.q(s, `SELECT id, lag(id, 0) OVER (ORDER BY id), lead(id, -1) OVER (ORDER BY id), lag(id, NULL) OVER (ORDER BY id), lag(salary, 1, 0.5) OVER (ORDER BY id) FROM emp ORDER BY id`))
	require.Equal(t, "1|2024-01-03|0\n2|2024-01-03|0\n3|2024-01-10|0.5\n4|NULL|NULL\n5|2024-01-11|1.25\n6|1999-12-31|2",
		d.q(s, `SELECT id, lead(d, 1, '1999-12-31') OVER (ORDER BY id), lag(f, 2, 0) OVER (ORDER BY id) FROM ev ORDER BY id`))
	// first_value / last_value / nth_value with frames
	require.Equal(t, "1|100|fay|ann|dan\n2|120|fay|bob|dan\n3|100|fay|cid|dan\n4|90|fay|dan|dan\n5|NULL|fay|eve|dan\n6|70|fay|fay|NULL\n7|90|fay|gus|dan\n8|NULL|fay|hal|dan\n9|130|fay|ivy|dan",
		d.q(s, `SELECT id, salary, first_value(name) OVER w, last_value(name) OVER w, nth_value(name, 2) OVER w FROM emp WINDOW w AS (ORDER BY salary, id) ORDER BY id`))
	require.Equal(t, "1|ann|ivy|cid\n2|ann|ivy|dan\n3|ann|ivy|eve\n4|bob|ivy|fay\n5|cid|ivy|gus\n6|dan|ivy|hal\n7|eve|ivy|ivy\n8|fay|ivy|ivy\n9|gus|ivy|NULL",
		d.q(s, `SELECT id, first_value(name) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), last_value(name) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), last_value(name) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) FROM emp ORDER BY id`))
	require.Equal(t, "1|100|100|3\n2|120|120|3\n3|100|100|3\n4|90|90|3\n5|NULL|NULL|3\n6|70|70|3\n7|90|90|3\n8|NULL|NULL|3\n9|130|130|3",
		d.q(s, `SELECT id, salary, last_value(salary) OVER (ORDER BY salary), nth_value(id, 3) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id`))
	// ntile
	require.Equal(t, "1|1|1|1\n2|1|1|2\n3|1|2|3\n4|2|1|4\n5|2|1|5\n6|3|1|6\n7|3|2|7\n8|4|2|8\n9|4|2|9",
		d.q(s, `SELECT id, ntile(4) OVER (ORDER BY id), ntile(2) OVER (PARTITION BY dept ORDER BY id), ntile(20) OVER (ORDER BY id) FROM emp ORDER BY id`))
	// over GROUP BY
	require.Equal(t, "eng|4|9|1\nops|3|9|2\nNULL|2|9|3",
		d.q(s, `SELECT dept, count(*), sum(count(*)) OVER (), rank() OVER (ORDER BY count(*) DESC) FROM emp GROUP BY dept ORDER BY dept`))
	require.Equal(t, "eng|450|450\nops|180|630\nNULL|70|700",
		d.q(s, `SELECT dept, sum(salary) AS s, sum(sum(salary)) OVER (ORDER BY dept) FROM emp GROUP BY dept HAVING count(*) > 1 ORDER BY dept`))
	require.Equal(t, "1",
		d.q(s, `SELECT rank() OVER (ORDER BY count(*)) FROM emp`))
	// named windows
	require.Equal(t, "1|1|1\n2|2|3\n3|3|6\n4|1|4\n5|2|9\n6|1|6\n7|3|16\n8|2|14\n9|4|15",
		d.q(s, `SELECT id, row_number() OVER w1, sum(id) OVER w2 FROM emp WINDOW w1 AS (PARTITION BY dept), w2 AS (w1 ORDER BY id) ORDER BY id`))
	// ORDER BY a window result; DISTINCT; expressions; subqueries
	require.Equal(t, "9|ivy|1\n8|hal|2\n7|gus|3\n6|fay|4\n5|eve|5\n4|dan|6\n3|cid|7\n2|bob|8\n1|ann|9",
		d.q(s, `SELECT id, name, row_number() OVER (ORDER BY name DESC) AS rn FROM emp ORDER BY rn`))
	require.Equal(t, "9|ivy\n2|bob\n1|ann",
		d.q(s, `SELECT id, name FROM emp ORDER BY row_number() OVER (ORDER BY salary DESC NULLS LAST, id) LIMIT 3`))
	require.Equal(t, "NULL|2\nops|3\neng|4",
		d.q(s, `SELECT DISTINCT dept, count(*) OVER (PARTITION BY dept) FROM emp ORDER BY 2, 1`))
	require.Equal(t, "1|900|4\n2|940|4\n3|900|4\n4|880|3\n5|NULL|3\n6|840|0\n7|880|3\n8|NULL|0\n9|960|4",
		d.q(s, `SELECT id, salary * 2 + sum(salary) OVER (), (SELECT count(*) FROM emp e2 WHERE e2.dept = emp.dept) FROM emp ORDER BY id`))
	require.Equal(t, "1|701|4\n2|702|4\n3|703|4\n4|704|3\n5|705|3\n6|706|NULL\n7|707|3\n8|708|NULL\n9|709|4",
		d.q(s, `SELECT e.id, (SELECT sum(x.salary) OVER (ORDER BY x.id) + e.id FROM emp x ORDER BY x.id DESC LIMIT 1), (SELECT count(*) OVER () FROM emp x WHERE x.dept = e.dept LIMIT 1) FROM emp e ORDER BY e.id`))
	require.Equal(t, "4|4\n5|6\n6|5",
		d.q(s, `SELECT id, r FROM (SELECT id, rank() OVER (ORDER BY d) AS r FROM ev) s WHERE r > 2 ORDER BY id`))
	require.Equal(t, "1|1|1\n2|1|2\n2|2|1\n3|1|3\n3|2|2\n3|3|1",
		d.q(s, `SELECT a.id, b.id, row_number() OVER (PARTITION BY a.id ORDER BY b.id DESC) FROM ev a JOIN ev b ON b.id <= a.id WHERE a.id < 4 ORDER BY 1, 2`))
	// empty input
	require.Equal(t, "",
		d.q(s, `SELECT a, row_number() OVER (ORDER BY a), sum(b) OVER () FROM empty_t`))
	require.Equal(t, "",
		d.q(s, `SELECT count(*) OVER () FROM empty_t`))

	// Offsets may be parameters.
	require.Equal(t, "1|1\n2|3\n3|5", d.q(s, `SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND CURRENT ROW) FROM emp WHERE id <= 3 ORDER BY id`, int64(1)))

	// Result types as in PostgreSQL.
	r, err := run(s, `SELECT row_number() OVER (), rank() OVER (), dense_rank() OVER (), percent_rank() OVER (),
		cume_dist() OVER (), ntile(2) OVER (), sum(salary) OVER (), count(*) OVER (), avg(salary) OVER (), lag(name) OVER () FROM emp`)
	require.NoError(t, err)
	var got []types.T
	for _, c := range r.Columns {
		got = append(got, c.Type)
	}
	require.Equal(t, []types.T{types.Int8, types.Int8, types.Int8, types.Float8, types.Float8, types.Int4,
		types.Int8, types.Int8, types.Numeric, types.Text}, got)

	// Schemaless documents.
	d.q(s, `CREATE COLLECTION docs`)
	d.q(s, `INSERT INTO docs [ { name: 'a', g: 'x', n: 3 }, { name: 'b', g: 'x', n: 5 }, { name: 'c', g: 'y', n: 1 } ]`)
	require.Equal(t, "a|3|2|NULL\nb|8|1|a\nc|1|3|b",
		d.q(s, `SELECT name, sum(n) OVER (PARTITION BY g ORDER BY name), rank() OVER (ORDER BY n DESC), lag(name) OVER (ORDER BY name) FROM docs ORDER BY name`))

	require.Equal(t, "Sort (1 keys) (rows=1000)\n  -> Project (2 columns) (rows=1000)\n    -> WindowAgg (1 functions) (rows=1000)\n      -> Seq Scan on emp (rows=1000)",
		d.q(s, `EXPLAIN SELECT id, sum(id) OVER (ORDER BY id) FROM emp ORDER BY 2 DESC`))

	// Errors, with PostgreSQL's SQLSTATEs.
	d.fail(s, "42P20", `SELECT id FROM emp WHERE row_number() OVER () > 1`)
	d.fail(s, "42P20", `SELECT dept FROM emp GROUP BY dept HAVING rank() OVER () > 1`)
	d.fail(s, "42P20", `SELECT count(*) FROM emp GROUP BY row_number() OVER ()`)
	d.fail(s, "42809", `SELECT row_number() FROM emp`)
	d.fail(s, "42809", `SELECT lower(name) OVER () FROM emp`)
	d.fail(s, errs.GroupingError, `SELECT sum(row_number() OVER ()) FROM emp`)
	d.fail(s, "42P20", `SELECT sum(row_number() OVER ()) OVER () FROM emp`)
	d.fail(s, "42P20", `SELECT row_number() OVER (ORDER BY sum(id) OVER ()) FROM emp`)
	d.fail(s, errs.UndefinedObject, `SELECT count(*) OVER w FROM emp`)
	d.fail(s, "42P20", `SELECT id, row_number() OVER w FROM emp WINDOW w AS (ORDER BY id), w AS (ORDER BY salary)`)
	d.fail(s, "42P20", `SELECT sum(id) OVER (w ORDER BY salary) FROM emp WINDOW w AS (ORDER BY id)`)
	d.fail(s, "42P20", `SELECT sum(id) OVER (w PARTITION BY dept) FROM emp WINDOW w AS (ORDER BY id)`)
	d.fail(s, "42P20", `SELECT sum(id) OVER (w ROWS 1 PRECEDING) FROM emp WINDOW w AS (ORDER BY id ROWS 2 PRECEDING)`)
	d.fail(s, "42P20", `SELECT sum(salary) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM emp`)
	d.fail(s, "42P20", `SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM emp`)
	d.fail(s, "42P20", `SELECT sum(salary) OVER (ORDER BY id ROWS UNBOUNDED FOLLOWING) FROM emp`)
	d.fail(s, "42P20", `SELECT sum(salary) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp`)
	d.fail(s, "42P20", `SELECT sum(salary) OVER (GROUPS 1 PRECEDING) FROM emp`)
	d.fail(s, "22013", `SELECT sum(salary) OVER (ORDER BY id ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM emp`)
	d.fail(s, "22013", `SELECT sum(id) OVER (ORDER BY salary RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM emp`)
	d.fail(s, "22004", `SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN NULL PRECEDING AND CURRENT ROW) FROM emp`)
	d.fail(s, "42P10", `SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN id PRECEDING AND CURRENT ROW) FROM emp`)
	d.fail(s, "22014", `SELECT ntile(0) OVER () FROM emp`)
	d.fail(s, "22016", `SELECT nth_value(id, 0) OVER () FROM emp`)
	d.fail(s, errs.FeatureNotSupported, `SELECT count(DISTINCT dept) OVER () FROM emp`)
	d.fail(s, errs.FeatureNotSupported, `SELECT row_number() FILTER (WHERE id > 1) OVER () FROM emp`)
}
