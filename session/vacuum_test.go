package session

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

// VACUUM compacts a collection's rows and index entries into the bottom
// level: after it no table of a higher level holds any of them (a bulk
// load leaves them in level 0); the rows read the same. VACUUM ANALYZE
// also analyzes; inside a transaction block VACUUM fails with 25001.
func TestVacuumCompactsIntoTheBottomLevel(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()

	d.q(s, `CREATE TABLE v (id INT PRIMARY KEY, k INT, note TEXT)`)
	d.q(s, `CREATE INDEX v_k ON v (k)`)
	d.q(s, `INSERT INTO v SELECT g, g % 10, 'n' || g FROM generate_series(1, 3000) g`)
	d.q(s, `UPDATE v SET note = 'u' WHERE id % 3 = 0`)
	d.q(s, `DELETE FROM v WHERE id % 7 = 0`)
	d.q(s, `CHECKPOINT`)
	coll, _ := d.db.cat.Get("v")
	ranges := [][2][]byte{{storage.RowPrefix(coll.ID), storage.PrefixEnd(storage.RowPrefix(coll.ID))},
		{storage.IndexPrefix(coll.Indexes[0].ID), storage.PrefixEnd(storage.IndexPrefix(coll.Indexes[0].ID))}}
	above := func() int {
		levels, err := d.db.store.DB().SSTables()
		require.NoError(t, err)
		n := 0
		for l := 0; l < len(levels)-1; l++ {
			for _, tab := range levels[l] {
				for _, r := range ranges {
					if bytes.Compare(tab.Smallest.UserKey, r[1]) < 0 && bytes.Compare(tab.Largest.UserKey, r[0]) >= 0 {
						n++
					}
				}
			}
		}
		return n
	}
	require.Positive(t, above(), "the rows start above the bottom level")
	want := d.q(s, `SELECT count(*), sum(id), count(*) FILTER (WHERE note = 'u') FROM v`)
	require.Equal(t, "-1", d.q(s, `SELECT reltuples FROM pg_class WHERE relname = 'v'`))

	d.q(s, `VACUUM (VERBOSE, ANALYZE) v`)
	require.Zero(t, above())
	require.Equal(t, want, d.q(s, `SELECT count(*), sum(id), count(*) FILTER (WHERE note = 'u') FROM v`))
	require.Equal(t, "258", d.q(s, `SELECT count(*) FROM v WHERE k = 3`))
	require.Equal(t, "2572", d.q(s, `SELECT reltuples FROM pg_class WHERE relname = 'v'`))

	for _, q := range []string{`VACUUM`, `VACUUM FULL VERBOSE ANALYZE`, `VACUUM v (k), public.v`, `VACUUM (FULL false, ANALYZE) v`} {
		r, err := run(s, q)
		require.NoError(t, err, q)
		require.Equal(t, "VACUUM", r.Tag)
	}
	r, err := run(s, `VACUUM VERBOSE v`)
	require.NoError(t, err)
	require.Len(t, r.Notices, 1)
	require.Equal(t, "INFO", r.Notices[0].Severity)
	require.Regexp(t, `^vacuuming "public.v": rows and 1 index\(es\) compacted into the bottom level, [0-9.]+ (kB|MB|bytes) -> [0-9.]+ (kB|MB|bytes) on disk, in [0-9.]+m?s$`, r.Notices[0].Message)
	r, err = run(s, `VACUUM v`)
	require.NoError(t, err)
	require.Empty(t, r.Notices, "quiet without VERBOSE")
	d.fail(s, "42P01", `VACUUM nope`)
	d.fail(s, "42601", `VACUUM (SHRINK) v`)
	d.q(s, `BEGIN`)
	d.fail(s, "25001", `VACUUM v`)
	d.q(s, `ROLLBACK`)
}

// A NUMERIC(p,s) column shows its precision and scale in DESCRIBE and
// format_type, and rounds what it is given.
func TestNumericTypmodShown(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE m (id INT PRIMARY KEY, amt NUMERIC(8,2), n DECIMAL(5), v VARCHAR(3))`)
	require.Equal(t, "id|integer|f|NULL|t\namt|numeric(8,2)|t|NULL|f\nn|numeric(5,0)|t|NULL|f\nv|varchar(3)|t|NULL|f", d.q(s, `DESCRIBE m`))
	require.Equal(t, "integer\nnumeric(8,2)\nnumeric(5,0)\ncharacter varying(3)", d.q(s,
		`SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'm'::regclass AND attnum > 0 ORDER BY attnum`))
	d.q(s, `INSERT INTO m VALUES (1, 2.345, 2.5, 'abc'), (2, -2.345, -2.5, 'x')`)
	require.Equal(t, "1|2.35|3\n2|-2.35|-3", d.q(s, `SELECT id, amt, n FROM m ORDER BY id`))
	d.fail(s, "22003", `INSERT INTO m VALUES (3, 1000000, 1, 'y')`)
}
