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
