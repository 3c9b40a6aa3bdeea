package exec_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/sql/exec"
)

// TestStagedFilterMatchesRows: a strict scan's filter, evaluated a term at
// a time on partly decoded rows, selects exactly the rows (and values) the
// predicate selects, whether its consumer keeps the rows (ORDER BY) or not,
// with NULLs in filtered columns, text, decimals and dates, and rows
// written before a column was added (which read it as NULL).
func TestStagedFilterMatchesRows(t *testing.T) {
	d := openDB(t)
	d.q("CREATE TABLE t (id INT PRIMARY KEY, a INT, b TEXT, c DECIMAL(10,2), dt DATE, pad TEXT)")
	type row struct {
		id, a int
		aNull bool
		b     string
		c     int // cents
		day   int
		e     int
		eNull bool
	}
	rng := rand.New(rand.NewPCG(7, 7))
	var rows []row
	ins := func(id int, withE bool) {
		r := row{id: id, a: rng.IntN(20), aNull: rng.IntN(5) == 0, b: []string{"x", "yy", "zzz"}[rng.IntN(3)],
			c: rng.IntN(1000), day: 1 + rng.IntN(28), eNull: !withE}
		a := fmt.Sprint(r.a)
		if r.aNull {
			a = "NULL"
		}
		cols, vals := "id, a, b, c, dt, pad", fmt.Sprintf("%d, %s, '%s', %d.%02d, '2024-02-%02d', '%s'", id, a, r.b, r.c/100, r.c%100, r.day, strings.Repeat("p", id%300))
		if withE {
			r.e = rng.IntN(4)
			cols += ", e"
			vals += fmt.Sprintf(", %d", r.e)
		}
		d.q(fmt.Sprintf("INSERT INTO t (%s) VALUES (%s)", cols, vals))
		rows = append(rows, r)
	}
	for id := range 200 {
		ins(id, false)
	}
	d.q("ALTER TABLE t ADD COLUMN e INT")
	for id := 200; id < 400; id++ {
		ins(id, true)
	}
	want := func(keep func(r row) bool, format func(r row) string) string {
		var out []string
		for _, r := range rows {
			if keep(r) {
				out = append(out, format(r))
			}
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	sorted := func(s string) string {
		lines := strings.Split(s, "\n")
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	// Terms read one column each, then two; the output needs columns no
	// term reads.
	got := d.q("SELECT id, c, pad FROM t WHERE a > 10 AND b = 'yy' AND c < 5.00 + a")
	require.Equal(t, want(func(r row) bool { return !r.aNull && r.a > 10 && r.b == "yy" && r.c < 500+100*r.a },
		func(r row) string {
			return fmt.Sprintf("%d|%d.%02d|%s", r.id, r.c/100, r.c%100, strings.Repeat("p", r.id%300))
		}), sorted(got))
	// A consumer that keeps its rows (ORDER BY), a date range, the added
	// column (NULL in older rows), IS NULL.
	got = d.q("SELECT id, e, dt FROM t WHERE dt >= '2024-02-10' AND dt < '2024-02-20' AND (e IS NULL OR e = 2) ORDER BY id")
	var lines []string
	for _, r := range rows {
		if r.day >= 10 && r.day < 20 && (r.eNull || r.e == 2) {
			e := "NULL"
			if !r.eNull {
				e = fmt.Sprint(r.e)
			}
			lines = append(lines, fmt.Sprintf("%d|%s|2024-02-%02d 00:00:00", r.id, e, r.day))
		}
	}
	require.Equal(t, strings.Join(lines, "\n"), got)
	// An aggregate over the filtered scan, and a term that is NULL for
	// some rows (a NULL a never passes).
	got = d.q("SELECT count(*), sum(c) FROM t WHERE a IS NOT NULL AND a % 3 = 0 AND e > 0")
	n, sum := 0, 0
	for _, r := range rows {
		if !r.aNull && r.a%3 == 0 && !r.eNull && r.e > 0 {
			n, sum = n+1, sum+r.c
		}
	}
	require.Equal(t, fmt.Sprintf("%d|%d.%02d", n, sum/100, sum%100), got)
}

// TestProbeStageDropsUnmatchedRows: a hash join whose probe side is a
// strict scan drops the probe rows without a partner inside the scan
// (before their other columns are decoded); the join's rows are exactly
// the matching pairs, NULL keys matching nothing, with the probe row's
// undecoded-until-matched columns intact.
func TestProbeStageDropsUnmatchedRows(t *testing.T) {
	d := openDB(t)
	d.q("CREATE TABLE big (id INT PRIMARY KEY, k INT, b TEXT, c DECIMAL(10,2), pad TEXT)")
	d.q("CREATE TABLE small (k INT PRIMARY KEY, name TEXT)")
	for k := 0; k < 10; k += 3 {
		d.q(fmt.Sprintf("INSERT INTO small VALUES (%d, 'n%d')", k, k))
	}
	var lines []string
	for id := range 300 {
		k := fmt.Sprint(id % 13)
		if id%17 == 0 {
			k = "NULL"
		}
		b := []string{"x", "yy"}[id%2]
		d.q(fmt.Sprintf("INSERT INTO big VALUES (%d, %s, '%s', %d.25, '%s')", id, k, b, id, strings.Repeat("p", id%50)))
		if id%17 != 0 && id%13%3 == 0 && id%13 < 10 && b == "yy" {
			lines = append(lines, fmt.Sprintf("%d|%d.25|%s|n%d", id, id, strings.Repeat("p", id%50), id%13))
		}
	}
	got := d.q("SELECT big.id, big.c, big.pad, small.name FROM big JOIN small ON big.k = small.k WHERE big.b = 'yy' ORDER BY big.id")
	require.Equal(t, strings.Join(lines, "\n"), got)
	got = d.q("SELECT count(*), sum(big.c) FROM big, small WHERE big.k = small.k")
	n, sum := 0, 0.0
	for id := range 300 {
		if id%17 != 0 && id%13%3 == 0 && id%13 < 10 {
			n, sum = n+1, sum+float64(id)+0.25
		}
	}
	require.Equal(t, fmt.Sprintf("%d|%.2f", n, sum), got)
}

// TestPushedProbeChecks: in a chain of inner hash joins, a probe scan
// also drops the rows that cannot meet an enclosing join's build (a check
// pushed down through the inner join); the result is exactly the rows all
// the joins' keys select, whichever tables the checks come from.
func TestPushedProbeChecks(t *testing.T) {
	d := openDB(t)
	d.q("CREATE TABLE fact (id INT PRIMARY KEY, a INT, b INT, v DECIMAL(10,2), pad TEXT)")
	d.q("CREATE TABLE da (k INT PRIMARY KEY, na TEXT)")
	d.q("CREATE TABLE db (k INT PRIMARY KEY, nb TEXT)")
	for k := 0; k < 20; k += 4 {
		d.q(fmt.Sprintf("INSERT INTO da VALUES (%d, 'a%d')", k, k))
	}
	for k := 0; k < 30; k += 5 {
		d.q(fmt.Sprintf("INSERT INTO db VALUES (%d, 'b%d')", k, k))
	}
	var lines []string
	for id := range 600 {
		a, b := id%20, id%30
		d.q(fmt.Sprintf("INSERT INTO fact VALUES (%d, %d, %d, %d.50, 'p%d')", id, a, b, id, id))
		if a%4 == 0 && b%5 == 0 {
			lines = append(lines, fmt.Sprintf("%d|%d.50|p%d|a%d|b%d", id, id, id, a, b))
		}
	}
	d.q("ANALYZE") // fact is the probe of (da JOIN fact), which is the probe of its join with db
	got := d.q("SELECT fact.id, fact.v, fact.pad, da.na, db.nb FROM fact, da, db WHERE fact.a = da.k AND fact.b = db.k ORDER BY fact.id")
	require.Equal(t, strings.Join(lines, "\n"), got)
	got = d.q("SELECT count(*) FROM db JOIN fact ON db.k = fact.b JOIN da ON da.k = fact.a")
	require.Equal(t, fmt.Sprint(len(lines)), got)
}

// TestStagedMatchesUnstaged: random filters and joins give the same rows
// with staged filters (and the probe checks pushed into scans) as without
// them. Seeded: a failure names the query to replay.
func TestStagedMatchesUnstaged(t *testing.T) {
	d := openDB(t)
	d.q("CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b TEXT, c DECIMAL(10,2), dt DATE, e INT, pad TEXT)")
	d.q("CREATE TABLE t2 (k INT PRIMARY KEY, x INT, y TEXT)")
	d.q("CREATE TABLE t3 (k INT PRIMARY KEY, z DECIMAL(8,2))")
	rng := rand.New(rand.NewPCG(11, 3))
	maybe := func(s string) string {
		if rng.IntN(6) == 0 {
			return "NULL"
		}
		return s
	}
	for id := range 400 {
		d.q(fmt.Sprintf("INSERT INTO t1 VALUES (%d, %s, %s, %s, %s, %s, '%s')", id,
			maybe(fmt.Sprint(rng.IntN(30)-5)), maybe("'"+[]string{"x", "yy", "zzz", ""}[rng.IntN(4)]+"'"),
			maybe(fmt.Sprintf("%d.%02d", rng.IntN(50)-10, rng.IntN(100))), maybe(fmt.Sprintf("'2024-02-%02d'", 1+rng.IntN(28))),
			maybe(fmt.Sprint(rng.IntN(25))), strings.Repeat("p", rng.IntN(40))))
	}
	for k := range 40 {
		d.q(fmt.Sprintf("INSERT INTO t2 VALUES (%d, %s, 'y%d')", k-5, maybe(fmt.Sprint(rng.IntN(10))), k))
	}
	for k := range 15 {
		d.q(fmt.Sprintf("INSERT INTO t3 VALUES (%d, %d.5)", 2*k, k))
	}
	d.q("ANALYZE")
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	atom := func() string {
		op := ops[rng.IntN(len(ops))]
		switch rng.IntN(10) {
		case 0:
			return fmt.Sprintf("t1.a %s %d", op, rng.IntN(30)-5)
		case 1:
			return fmt.Sprintf("t1.c %s %d.%d", op, rng.IntN(40)-10, rng.IntN(10))
		case 2:
			return fmt.Sprintf("t1.b %s '%s'", op, []string{"x", "yy", "zzz", ""}[rng.IntN(4)])
		case 3:
			return "t1.b IN ('x', 'zzz')"
		case 4:
			return fmt.Sprintf("t1.dt %s '2024-02-%02d'", op, 1+rng.IntN(28))
		case 5:
			return []string{"t1.a IS NULL", "t1.e IS NOT NULL", "t1.c IS NULL", "t1.b IS NOT NULL"}[rng.IntN(4)]
		case 6:
			return fmt.Sprintf("t1.a + t1.e %s %d", op, rng.IntN(40))
		case 7:
			return fmt.Sprintf("t1.a %% 3 %s %d", op, rng.IntN(3))
		case 8:
			return fmt.Sprintf("t1.c * 2 %s t1.a", op)
		}
		return fmt.Sprintf("length(t1.pad) %s %d", op, rng.IntN(40))
	}
	var pred func(depth int) string
	pred = func(depth int) string {
		if depth == 0 || rng.IntN(3) == 0 {
			return atom()
		}
		switch rng.IntN(6) {
		case 0:
			return "(" + pred(depth-1) + " OR " + pred(depth-1) + ")"
		case 1:
			return "NOT (" + pred(depth-1) + ")"
		}
		return pred(depth-1) + " AND " + pred(depth-1)
	}
	for i := range 300 {
		p := pred(3)
		if i%4 >= 2 {
			// A lighter filter keeps t1 the largest input, the probe two
			// joins deep (the checks pushed down reach its scan).
			p = pred(1)
		}
		var q string
		switch i % 4 {
		case 0:
			q = "SELECT t1.id, t1.c, t1.pad, t1.dt FROM t1 WHERE " + p + " ORDER BY t1.id"
		case 1:
			q = "SELECT count(*), sum(t1.c), min(t1.b), max(t1.dt) FROM t1 WHERE " + p
		case 2:
			q = "SELECT t1.id, t2.y, t3.z, t1.c FROM t1, t2, t3 WHERE t1.a = t2.k AND t1.e = t3.k AND " + p + " ORDER BY t1.id"
		default:
			q = "SELECT t1.id, t2.y, t1.pad FROM t1 JOIN t2 ON t1.e = t2.k WHERE " + p + " ORDER BY t1.id, t2.y"
		}
		staged := d.q(q)
		restore := exec.SetStaging(false)
		plain := d.q(q)
		restore()
		require.Equal(t, plain, staged, "query %d: %s", i, q)
	}
}
