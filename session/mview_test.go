package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

func TestMaterializedViews(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, status TEXT, total INT)`)
	d.q(s, `CREATE CHANGE STREAM orders_s ON orders`)
	d.fail(s, errs.UndefinedObject, `CREATE MATERIALIZED VIEW bad STREAMING AS SELECT count(*) FROM nope GROUP BY 1`)
	d.fail(s, errs.GroupingError, `CREATE MATERIALIZED VIEW bad STREAMING AS SELECT new_value->>'status' AS status, count(*) AS n FROM orders_s`)
	d.q(s, `CREATE MATERIALIZED VIEW by_status STREAMING AS
		SELECT new_value->>'status' AS status, count(*) AS n, sum((new_value->>'total')::int) AS total,
		       min((new_value->>'total')::int) AS lo, max((new_value->>'total')::int) AS hi, avg((new_value->>'total')::int) AS mean
		FROM orders_s WHERE event_type = 'INSERT' GROUP BY new_value->>'status'`)
	d.q(s, `CREATE MATERIALIZED VIEW hourly STREAMING AS
		SELECT time_bucket('1 hour', event_time) AS hour, count(*) AS n, sum(doc_get(new_value, '$.total')::int) AS total
		FROM orders_s GROUP BY time_bucket('1 hour', event_time)`)
	for i := 1; i <= 30; i++ {
		status := []string{"new", "paid", "shipped"}[i%3]
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d, '%s', %d)`, i, status, i*10))
	}
	d.q(s, `UPDATE orders SET status = 'x' WHERE id = 1`) // not an INSERT: filtered out
	want := "new|10|1650|30|300|165\npaid|10|1450|10|280|145\nshipped|10|1550|20|290|155"
	d.waitQ(s, `SELECT status, n, total, lo, hi, mean FROM by_status ORDER BY status`, want)
	d.waitQ(s, `SELECT sum(n), sum(total) FROM hourly`, "31|4660") // 30 inserts + the update (total 10)

	// Plain views: computed at creation, again at REFRESH.
	d.q(s, `CREATE MATERIALIZED VIEW big AS SELECT id, total FROM orders WHERE total >= 280 ORDER BY id`)
	require.Equal(t, "28|280\n29|290\n30|300", d.q(s, `SELECT id, total FROM big ORDER BY id`))
	d.q(s, `INSERT INTO orders VALUES (31, 'new', 310)`)
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM big`))
	d.q(s, `REFRESH MATERIALIZED VIEW big`)
	require.Equal(t, "4", d.q(s, `SELECT count(*) FROM big`))
	d.fail(s, errs.WrongObjectType, `REFRESH MATERIALIZED VIEW by_status`)
	d.fail(s, errs.DuplicateTable, `CREATE MATERIALIZED VIEW big AS SELECT 1`)

	// After a restart the streaming view carries on from its offsets:
	// exactly the events it had not folded in.
	s.Close()
	d.close()
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.waitQ(s, `SELECT n FROM by_status WHERE status = 'new'`, "11")
	d.q(s, `INSERT INTO orders VALUES (32, 'new', 5)`)
	d.waitQ(s, `SELECT n, lo FROM by_status WHERE status = 'new'`, "12|5")
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, "12|5", d.q(s, `SELECT n, lo FROM by_status WHERE status = 'new'`))

	d.q(s, `DROP MATERIALIZED VIEW by_status`)
	d.q(s, `DROP MATERIALIZED VIEW hourly`)
	d.fail(s, errs.UndefinedTable, `SELECT * FROM by_status`)
	d.q(s, `DROP MATERIALIZED VIEW big`)
	d.fail(s, errs.UndefinedTable, `DROP MATERIALIZED VIEW big`)
	d.q(s, `DROP MATERIALIZED VIEW IF EXISTS big`)
	d.q(s, `DROP CHANGE STREAM orders_s`)
}
