package session

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

// A strict collection with a composite primary key hashes only its first
// column into the vShard: every row sharing it is stored in one vShard,
// and reads, updates and deletes by the whole key find the rows there. A
// single-column key is hashed whole, as before.
func TestCompositeKeyShardsByFirstColumn(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")

	d.q(s, `CREATE TABLE li (ok INT, ln INT, qty NUMERIC, PRIMARY KEY (ok, ln))`)
	d.q(s, `CREATE TABLE one (id TEXT PRIMARY KEY, v INT)`)
	d.q(s, `INSERT INTO li SELECT g / 7, g % 7, g FROM generate_series(0, 699) g`)
	d.q(s, `INSERT INTO one VALUES ('a', 1), ('b', 2)`)
	coll, ok := d.db.cat.Get("li")
	require.True(t, ok)
	require.Equal(t, 1, coll.ShardCols)
	one, _ := d.db.cat.Get("one")
	require.Equal(t, 0, one.ShardCols)

	vshards := func(id uint32) map[string]uint16 {
		lo := storage.RowPrefix(id)
		it, err := d.db.store.DB().NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: storage.PrefixEnd(lo)})
		require.NoError(t, err)
		defer it.Close()
		out := map[string]uint16{}
		for it.First(); it.Valid(); it.Next() {
			vs, pk := storage.SplitRowKey(it.Key())
			n, err := storage.KeyPrefixLen(pk, 1)
			require.NoError(t, err)
			first := string(pk[:n])
			if prev, seen := out[first]; seen {
				require.Equal(t, prev, vs, "rows sharing their first key column are in one vShard")
			}
			out[first] = vs
			if id == coll.ID {
				require.Equal(t, storage.VShard("li", pk[:n]), vs)
			} else {
				require.Equal(t, storage.VShard("one", pk), vs)
			}
		}
		return out
	}
	require.Len(t, vshards(coll.ID), 100)
	require.Len(t, vshards(one.ID), 2)

	require.Equal(t, "355", d.q(s, `SELECT qty FROM li WHERE ok = 50 AND ln = 5`))
	d.q(s, `UPDATE li SET qty = -1 WHERE ok = 50 AND ln = 5`)
	d.q(s, `DELETE FROM li WHERE ok = 51 AND ln = 0`)
	d.fail(s, "23505", `INSERT INTO li VALUES (50, 5, 0)`)
	require.Equal(t, "-1\n699", d.q(s, `SELECT qty FROM li WHERE (ok = 50 AND ln = 5) OR (ok = 99 AND ln = 6) ORDER BY 1`))
	require.Equal(t, "699|243937", d.q(s, `SELECT count(*), sum(qty) FROM li`))

	// Equality on the first key column reads that one key range.
	require.Equal(t, "Project (3 columns) (rows=5)\n  -> Key Range Scan on li (primary key prefix, 1 column(s)) (rows=5)\n    Filter: yes",
		d.q(s, `EXPLAIN SELECT * FROM li WHERE ok = 50`))
	require.Equal(t, "50|0|350\n50|1|351\n50|2|352\n50|3|353\n50|4|354\n50|5|-1\n50|6|356",
		d.q(s, `SELECT * FROM li WHERE ok = 50 ORDER BY ln`))
	for _, q := range []string{`ok = 50.0`, `ok = '50'`, `ok = 50 AND ln >= 0`, `50 = ok AND qty > -5`} {
		require.Equal(t, "7", d.q(s, `SELECT count(*) FROM li WHERE `+q), q)
	}
	require.Equal(t, "7", d.q(s, `SELECT count(*) FROM li WHERE ok = $1`, int64(50)))
	for _, q := range []string{`ok = 50.5`, `ok = NULL`, `ok = 1000`, `ok = 51 AND ln = 0`} {
		require.Equal(t, "0", d.q(s, `SELECT count(*) FROM li WHERE `+q), q)
	}
	d.fail(s, "22P02", `SELECT count(*) FROM li WHERE ok = 'x'`)
	require.Equal(t, "UPDATE 7", mustTag(t, s, `UPDATE li SET qty = qty + 1 WHERE ok = 50`))
	require.Equal(t, "DELETE 6", mustTag(t, s, `DELETE FROM li WHERE ok = 51`))
	require.Equal(t, "693|241781", d.q(s, `SELECT count(*), sum(qty) FROM li`))
	s.Close()
	d.close()

	// The layout is part of the collection's descriptor: after a restart
	// the rows are found where they were written.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "0", d.q(s, `SELECT qty FROM li WHERE ok = 50 AND ln = 5`))
	require.Equal(t, "", d.q(s, `SELECT qty FROM li WHERE ok = 51 AND ln = 0`))
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM li WHERE ok = 51`))
	require.Equal(t, "7", d.q(s, `SELECT count(*) FROM li WHERE ok = 52`))
}

func mustTag(t *testing.T, s *Session, sql string) string {
	t.Helper()
	r, err := run(s, sql)
	require.NoError(t, err, sql)
	return r.Tag
}

// Lookup joins (a point read or key range of the right collection per
// left row) return what the hash join of the same condition does: the
// same query with the key wrapped in an expression (+ 0, or an appended empty string) cannot
// seek and is the reference. Covered: whole keys and key prefixes, NULL
// keys, values of another numeric type (2.0 finds 2, 2.5 nothing), text
// keys, a residual filter on the looked-up rows, and a transaction's own
// uncommitted writes and deletes.
func TestLookupJoinMatchesHashJoin(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()

	d.q(s, `CREATE TABLE ord (ok INT PRIMARY KEY, cust TEXT, day INT)`)
	d.q(s, `CREATE TABLE li (ok INT, ln INT, qty NUMERIC, PRIMARY KEY (ok, ln))`)
	d.q(s, `CREATE TABLE cust (name TEXT PRIMARY KEY, region TEXT)`)
	d.q(s, `CREATE TABLE probe (id INT PRIMARY KEY, k NUMERIC, name TEXT)`)
	d.q(s, `INSERT INTO ord SELECT g, 'c' || (g % 13), g % 30 FROM generate_series(1, 3000) g`)
	d.q(s, `INSERT INTO li SELECT g / 4, g % 4, g % 17 FROM generate_series(4, 12003) g`)
	d.q(s, `INSERT INTO cust SELECT 'c' || g, 'r' || (g % 3) FROM generate_series(0, 1999) g`)
	d.q(s, `INSERT INTO probe VALUES (1, 2, 'c1'), (2, 2.0, 'c2'), (3, 2.5, NULL), (4, NULL, 'zz'), (5, 2999, 'c12'), (6, -1, 'c5'), (7, 3001, 'c0'), (8, 1e30, 'c1')`)
	d.q(s, `ANALYZE`)

	type pair struct{ lookup, ref, plan string }
	pairs := []pair{
		{`SELECT o.ok, l.ln, l.qty FROM ord o, li l WHERE o.day = 7 AND l.ok = o.ok AND l.qty > 3 ORDER BY 1, 2`,
			`SELECT o.ok, l.ln, l.qty FROM ord o, li l WHERE o.day = 7 AND l.ok + 0 = o.ok AND l.qty > 3 ORDER BY 1, 2`,
			"Lookup Join by key prefix (1 column(s))"},
		{`SELECT p.id, l.ok, l.ln FROM probe p, li l WHERE l.ok = p.k ORDER BY 1, 2, 3`,
			`SELECT p.id, l.ok, l.ln FROM probe p, li l WHERE l.ok + 0 = p.k ORDER BY 1, 2, 3`,
			"Lookup Join by key prefix (1 column(s))"},
		{`SELECT p.id, l.qty FROM probe p, li l WHERE l.ok = p.k AND l.ln = p.id - 1 ORDER BY 1, 2`,
			`SELECT p.id, l.qty FROM probe p, li l WHERE l.ok + 0 = p.k AND l.ln = p.id - 1 ORDER BY 1, 2`,
			"Lookup Join by primary key"},
		{`SELECT p.id, o.cust FROM probe p, ord o WHERE o.ok = p.k ORDER BY 1`,
			`SELECT p.id, o.cust FROM probe p, ord o WHERE o.ok + 0 = p.k ORDER BY 1`,
			"Lookup Join by primary key"},
		{`SELECT p.id, c.region FROM probe p, cust c WHERE c.name = p.name ORDER BY 1`,
			`SELECT p.id, c.region FROM probe p, cust c WHERE c.name || '' = p.name ORDER BY 1`,
			"Lookup Join by primary key"},
		// LEFT joins keep a left row without a match (a NULL key, a key
		// of no row, a match the rest of ON rejects) with NULLs
		{`SELECT p.id, o.cust FROM probe p LEFT JOIN ord o ON o.ok = p.k ORDER BY 1`,
			`SELECT p.id, o.cust FROM probe p LEFT JOIN ord o ON o.ok + 0 = p.k ORDER BY 1`,
			"Lookup Join by primary key (LEFT)"},
		{`SELECT p.id, l.ln, l.qty FROM probe p LEFT JOIN li l ON l.ok = p.k AND l.ln > p.id - 3 ORDER BY 1, 2`,
			`SELECT p.id, l.ln, l.qty FROM probe p LEFT JOIN li l ON l.ok + 0 = p.k AND l.ln > p.id - 3 ORDER BY 1, 2`,
			"Lookup Join by key prefix (1 column(s)) (LEFT)"},
	}
	check := func() {
		for _, p := range pairs {
			require.Contains(t, d.q(s, `EXPLAIN `+p.lookup), p.plan, p.lookup)
			require.NotContains(t, d.q(s, `EXPLAIN `+p.ref), "Lookup Join", p.ref)
			got, want := d.q(s, p.lookup), d.q(s, p.ref)
			require.NotEmpty(t, want, p.ref)
			require.Equal(t, want, got, p.lookup)
		}
	}
	check()
	require.Equal(t, "1|2|0\n1|2|1\n1|2|2\n1|2|3\n2|2|0\n2|2|1\n2|2|2\n2|2|3\n5|2999|0\n5|2999|1\n5|2999|2\n5|2999|3",
		d.q(s, pairs[1].lookup))

	// Inside a transaction the lookups see its own writes and deletes.
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO li VALUES (2, 9, 99), (3001, 0, 1)`)
	d.q(s, `DELETE FROM li WHERE ok = 2999 AND ln = 1`)
	d.q(s, `UPDATE li SET qty = 50 WHERE ok = 2 AND ln = 0`)
	d.q(s, `DELETE FROM ord WHERE ok = 2999`)
	d.q(s, `INSERT INTO ord VALUES (3001, 'new', 7)`)
	check()
	require.Contains(t, d.q(s, pairs[1].lookup), "7|3001|0")
	d.q(s, `ROLLBACK`)
	check()
}
