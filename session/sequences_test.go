package session

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSequenceValuesSurviveRestart: values handed out are never handed
// out again after a restart (the rest of a reserved block is skipped),
// and setval and rolled-back nextvals stick.
func TestSequenceValuesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE SEQUENCE q; CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT)`)
	require.Equal(t, "1", d.q(s, `SELECT nextval('q')`))
	require.Equal(t, "2", d.q(s, `SELECT nextval('q')`))
	d.q(s, `BEGIN; SELECT nextval('q'); ROLLBACK`) // 3 is gone anyway
	d.q(s, `INSERT INTO t (v) VALUES ('a'), ('b')`)
	s.Close()
	d.close()

	d = openT(t, dir)
	s = d.m.NewSession("admin", "db")
	next, err := strconv.Atoi(d.q(s, `SELECT nextval('q')`))
	require.NoError(t, err)
	require.Greater(t, next, 3, "a value was handed out twice")
	d.q(s, `INSERT INTO t (v) VALUES ('c')`)
	require.Equal(t, "3", d.q(s, `SELECT count(DISTINCT id) FROM t`))
	require.Equal(t, "100", d.q(s, `SELECT setval('q', 100)`))
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "101", d.q(s, `SELECT nextval('q')`), "setval is durable and exact")
	d.q(s, `SELECT setval('q', 7, false)`)
	require.Equal(t, "7", d.q(s, `SELECT nextval('q')`))
}

// TestSequenceConcurrentNextval: sessions drawing at once get distinct
// values, and a table's serial column gives distinct keys.
func TestSequenceConcurrentNextval(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	admin := d.m.NewSession("admin", "db")
	defer admin.Close()
	d.q(admin, `CREATE SEQUENCE q INCREMENT BY 3 START 10; CREATE TABLE t (id BIGSERIAL PRIMARY KEY, w INT)`)
	const workers, each = 4, 150
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := d.m.NewSession("admin", "db")
			defer s.Close()
			for range each {
				r, err := run(s, `SELECT nextval('q')`)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := run(s, fmt.Sprintf(`INSERT INTO t (w) VALUES (%d)`, w)); err != nil {
					t.Error(err)
					return
				}
				v := render(r)
				mu.Lock()
				if seen[v] {
					t.Errorf("value %s handed out twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Len(t, seen, workers*each)
	require.Equal(t, strconv.Itoa(workers*each), d.q(admin, `SELECT count(DISTINCT id) FROM t`))
	for v := range seen {
		n, err := strconv.Atoi(v)
		require.NoError(t, err)
		require.Equal(t, 0, (n-10)%3, "value %d is not on the increment's grid", n) // 10 + 3k, k ≥ 0
	}
}

// TestDroppedTableSequence: DROP TABLE takes the table's serial sequence
// out of sight (catalogs, the name, CREATE) as PostgreSQL drops it, so a
// table created again under that name gets the same sequence name and
// starts from 1; UNDROP brings the old sequence back with its count,
// under a new name when the old one was taken meanwhile, also after a
// restart.
func TestDroppedTableSequence(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT)`)
	d.q(s, `INSERT INTO t (v) VALUES ('a'), ('b')`)
	d.q(s, `DROP TABLE t`)
	require.Equal(t, "", d.q(s, `SELECT relname FROM pg_class WHERE relkind = 'S'`))
	require.Equal(t, "", d.q(s, `SELECT sequencename FROM pg_sequences`))
	d.q(s, `CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT)`)
	require.Equal(t, "t_id_seq", d.q(s, `SELECT relname FROM pg_class WHERE relkind = 'S'`))
	require.Equal(t, "nextval('t_id_seq'::regclass)", d.q(s, `SELECT column_default FROM information_schema.columns WHERE table_name = 't' AND column_name = 'id'`))
	d.q(s, `INSERT INTO t (v) VALUES ('new')`)
	require.Equal(t, "1|new", d.q(s, `SELECT * FROM t`))
	d.q(s, `ALTER TABLE t RENAME TO t2`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "t_id_seq", d.q(s, `SELECT relname FROM pg_class WHERE relkind = 'S'`))
	d.q(s, `UNDROP COLLECTION t`)
	require.Equal(t, "t_id_seq\nt_id_seq1", d.q(s, `SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1`))
	require.Equal(t, "nextval('t_id_seq1'::regclass)", d.q(s, `SELECT column_default FROM information_schema.columns WHERE table_name = 't' AND column_name = 'id'`))
	d.q(s, `INSERT INTO t (v) VALUES ('c')`)
	d.q(s, `INSERT INTO t2 (v) VALUES ('newer')`)
	// The old count goes on (past the block reserved before the restart).
	require.Equal(t, "a\nb\nc", d.q(s, `SELECT v FROM t ORDER BY id`))
	require.Equal(t, "t", d.q(s, `SELECT id > 2 FROM t WHERE v = 'c'`))
	require.Equal(t, "new\nnewer", d.q(s, `SELECT v FROM t2 ORDER BY id`))
	d.q(s, `DROP TABLE t2 PURGE`)
	require.Equal(t, "t_id_seq1", d.q(s, `SELECT relname FROM pg_class WHERE relkind = 'S'`))
}
