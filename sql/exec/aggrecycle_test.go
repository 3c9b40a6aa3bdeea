package exec_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/sql/exec"
)

// TestAggregateRecycledDecimals: an aggregation that reuses its rows'
// decimals (decoded and computed) from row to row gives what it gives
// without reuse, also when decimals are its group keys (which must be
// copied) and over more rows than a slab holds.
func TestAggregateRecycledDecimals(t *testing.T) {
	d := openDB(t)
	_, err := d.run("CREATE TABLE t (id INT PRIMARY KEY, g TEXT, d NUMERIC(10,2), e NUMERIC(10,2), n INT)")
	require.NoError(t, err)
	_, err = d.run("CREATE COLLECTION docs")
	require.NoError(t, err)
	var vals, docs []string
	for i := range 1500 {
		vals = append(vals, fmt.Sprintf("(%d, 'g%d', %d.%02d, %d.%02d, %d)", i, i%7, i%13, i%100, i%5, (i*7)%100, i%3))
		docs = append(docs, fmt.Sprintf(`{ id: %d, k: { v: %d.5::numeric }, x: %d.25::numeric }`, i, i%4, i%9))
	}
	_, err = d.run("INSERT INTO t VALUES " + strings.Join(vals, ", "))
	require.NoError(t, err)
	_, err = d.run("INSERT INTO docs [ " + strings.Join(docs, ", ") + " ]")
	require.NoError(t, err)
	queries := []string{
		"SELECT g, sum(d), avg(e), count(*) FROM t GROUP BY g ORDER BY g",
		"SELECT d, count(*), sum(e) FROM t GROUP BY d ORDER BY d",
		"SELECT d * 2 AS k, sum(e * (1 - d)), avg(d + e) FROM t GROUP BY d * 2 ORDER BY k",
		"SELECT e, d - e AS diff, count(*) FROM t GROUP BY e, d - e ORDER BY e, diff",
		"SELECT sum(d) FILTER (WHERE e > 2), sum(d * e), count(*) FROM t WHERE n <> 1",
		"SELECT g, min(d), max(e * 2), sum(d) FROM t GROUP BY g ORDER BY g",
		"SELECT count(*), sum(n) FROM t",
		"SELECT k, sum(x), count(*) FROM docs GROUP BY k ORDER BY count(*), sum(x)",
		// Inputs that hold rows computed before the aggregate folds them.
		"SELECT sum(y), count(*) FROM (SELECT d * 3 AS y FROM t ORDER BY y) s",
		"SELECT s.g, sum(s.y * u.e) FROM (SELECT g, id, d * 3 AS y FROM t ORDER BY y) s JOIN t u ON u.id = s.id GROUP BY s.g ORDER BY s.g",
		"SELECT sum(y) FROM (SELECT DISTINCT d + e AS y FROM t) s",
	}
	for _, q := range queries {
		restore := exec.SetRecycleDecimals(false)
		want := d.q(q)
		restore()
		require.Equal(t, want, d.q(q), q)
	}
}
