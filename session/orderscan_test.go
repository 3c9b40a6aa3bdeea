package session

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOrderedIndexScan: ORDER BY an indexed column with a LIMIT reads the
// index in order (EXPLAIN says so, and no Sort is left), and returns what
// the same query over an unindexed copy of the table returns: random
// data with NULLs and duplicates, random directions, NULLS placement,
// equality prefixes, ranges, limits and offsets, in and out of a
// transaction with writes of its own.
func TestOrderedIndexScan(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	for _, tbl := range []string{"ix", "plain"} {
		d.q(s, `CREATE TABLE `+tbl+` (id INT PRIMARY KEY, g INT NOT NULL, n INT, t TEXT)`)
	}
	d.q(s, `CREATE INDEX ix_n ON ix (n); CREATE INDEX ix_t ON ix (t); CREATE INDEX ix_gn ON ix (g, n)`)
	rng := rand.New(rand.NewPCG(11, 12))
	var rows []string
	for i := 1; i <= 600; i++ {
		n, tx := "NULL", "NULL"
		if rng.IntN(6) > 0 {
			n = fmt.Sprint(rng.IntN(80) - 20)
		}
		if rng.IntN(6) > 0 {
			tx = fmt.Sprintf("'%c%d'", 'a'+rune(rng.IntN(5)), rng.IntN(30))
		}
		rows = append(rows, fmt.Sprintf("(%d, %d, %s, %s)", i, rng.IntN(4), n, tx))
	}
	for _, tbl := range []string{"ix", "plain"} {
		d.q(s, `INSERT INTO `+tbl+` VALUES `+strings.Join(rows, ", "))
	}

	plan := d.q(s, `EXPLAIN SELECT n FROM ix ORDER BY n LIMIT 5`)
	require.Contains(t, plan, "Index Scan in order using ix_n")
	require.NotContains(t, plan, "Sort")
	require.Contains(t, d.q(s, `EXPLAIN SELECT g, n FROM ix WHERE g = 2 ORDER BY n DESC LIMIT 5`), "Index Scan Backward using ix_gn")
	require.Contains(t, d.q(s, `EXPLAIN SELECT n FROM ix ORDER BY n`), "Sort", "without a LIMIT every row is read anyway")
	require.Contains(t, d.q(s, `EXPLAIN SELECT n FROM ix ORDER BY n LIMIT 20000`), "Sort")
	require.Contains(t, d.q(s, `EXPLAIN SELECT g, n FROM ix ORDER BY g, n LIMIT 5`), "Sort", "a second sort key holding NULLs")
	require.Contains(t, d.q(s, `EXPLAIN SELECT n FROM ix ORDER BY n, t DESC LIMIT 5`), "Sort")
	// A key pinned by an uncorrelated subquery is looked up (it runs once).
	require.Contains(t, d.q(s, `EXPLAIN DELETE FROM ix WHERE id = (SELECT id FROM ix ORDER BY n LIMIT 1 FOR UPDATE SKIP LOCKED)`), "Point Get on ix")
	require.Contains(t, d.q(s, `EXPLAIN SELECT * FROM ix i WHERE id = (SELECT i.g)`), "Seq Scan", "a correlated one is not")

	require.Contains(t, d.q(s, `EXPLAIN SELECT id FROM ix ORDER BY id DESC LIMIT 5`), "Key Scan Backward on ix")
	query := func(tbl string) string {
		if rng.IntN(4) == 0 {
			// The primary key's order; over plain, the same through a
			// subquery, which sorts.
			src := "ix"
			if tbl == "plain" {
				src = "(SELECT * FROM plain) p"
			}
			q := "SELECT id FROM " + src
			if rng.IntN(2) == 0 {
				q += fmt.Sprintf(" WHERE n > %d", rng.IntN(60)-20)
			}
			return q + " ORDER BY id" + []string{"", " DESC"}[rng.IntN(2)] + fmt.Sprintf(" LIMIT %d OFFSET %d", 1+rng.IntN(50), rng.IntN(600))
		}
		col := []string{"n", "t"}[rng.IntN(2)]
		q := "SELECT " + col + " FROM " + tbl
		if rng.IntN(3) == 0 {
			q = fmt.Sprintf("SELECT g, n FROM %s WHERE g = %d", tbl, rng.IntN(4))
			col = "n"
			if rng.IntN(2) == 0 {
				q += fmt.Sprintf(" AND n < %d", rng.IntN(60))
			}
		} else if col == "n" && rng.IntN(3) == 0 {
			q += fmt.Sprintf(" WHERE n >= %d", rng.IntN(60)-20)
		}
		q += " ORDER BY " + col + []string{"", " ASC", " DESC"}[rng.IntN(3)]
		q += []string{"", " NULLS FIRST", " NULLS LAST"}[rng.IntN(3)]
		q += fmt.Sprintf(" LIMIT %d", 1+rng.IntN(120))
		if rng.IntN(3) == 0 {
			q += fmt.Sprintf(" OFFSET %d", rng.IntN(500))
		}
		return q
	}
	check := func(rounds int) {
		for range rounds {
			seed := rng.Uint64()
			rng = rand.New(rand.NewPCG(seed, 1))
			q := query("ix")
			rng = rand.New(rand.NewPCG(seed, 1))
			want := d.q(s, query("plain"))
			require.Equal(t, want, d.q(s, q), q)
			require.NotContains(t, d.q(s, "EXPLAIN "+q), "Sort", q)
		}
	}
	check(150)

	// Inside a transaction that wrote rows: backward scans read them too.
	d.q(s, `BEGIN`)
	for _, tbl := range []string{"ix", "plain"} {
		d.q(s, `DELETE FROM `+tbl+` WHERE n > 50; INSERT INTO `+tbl+` VALUES (1000, 1, 200, 'zz'), (1001, 2, NULL, NULL); UPDATE `+tbl+` SET n = -100 WHERE id % 50 = 0`)
	}
	check(80)
	d.q(s, `ROLLBACK`)

	// An index built after a transaction's snapshot: the scan reads and
	// sorts the rows instead.
	d.q(s, `CREATE TABLE late (id INT PRIMARY KEY, n INT)`)
	d.q(s, `INSERT INTO late SELECT g, (g * 7) % 13 FROM generate_series(1, 50) g`)
	other := d.m.NewSession("admin", "db")
	defer other.Close()
	d.q(s, `BEGIN; SELECT count(*) FROM late`)
	d.q(other, `CREATE INDEX late_n ON late (n)`)
	require.Contains(t, d.q(s, `EXPLAIN SELECT n FROM late ORDER BY n DESC LIMIT 3`), "Index Scan Backward using late_n")
	require.Equal(t, "12\n12\n12", d.q(s, `SELECT n FROM late ORDER BY n DESC LIMIT 3`))
	require.Equal(t, "0\n0\n0\n1", d.q(s, `SELECT n FROM late ORDER BY n LIMIT 4`))
	d.q(s, `COMMIT`)
}
