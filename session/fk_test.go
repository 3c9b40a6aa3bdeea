package session

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// A child inserted while its parent is deleted by a concurrent
// transaction: whichever commits second fails with 40001, so no row is
// left referencing a deleted parent. A change to another column of the
// parent does not conflict with its children.
func TestForeignKeyConcurrentTransactions(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	a, b := d.m.NewSession("admin", "db"), d.m.NewSession("admin", "db")
	defer a.Close()
	defer b.Close()
	d.q(a, `CREATE TABLE p (id INT PRIMARY KEY, name TEXT); CREATE TABLE c (id INT PRIMARY KEY, pid INT REFERENCES p)`)
	d.q(a, `INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c')`)

	// The child commits first: the delete, whose snapshot predates it,
	// does not see it but fails at commit.
	d.q(a, `BEGIN; SELECT 1`)
	d.q(b, `INSERT INTO c VALUES (10, 1)`)
	d.q(a, `DELETE FROM p WHERE id = 1`)
	d.fail(a, errs.SerializationFailure, `COMMIT`)

	// The delete commits first: the child, begun before it, fails.
	d.q(a, `BEGIN; INSERT INTO c VALUES (11, 2)`)
	d.q(b, `DELETE FROM p WHERE id = 2`)
	d.fail(a, errs.SerializationFailure, `COMMIT`)

	// A concurrent update of the parent's other columns is no conflict.
	d.q(a, `BEGIN; INSERT INTO c VALUES (12, 3)`)
	d.q(b, `UPDATE p SET name = 'cc' WHERE id = 3`)
	d.q(a, `COMMIT`)
	// Nor are two children of one parent.
	d.q(a, `BEGIN; INSERT INTO c VALUES (13, 3)`)
	d.q(b, `INSERT INTO c VALUES (14, 3)`)
	d.q(a, `COMMIT`)
	require.Equal(t, "10|1\n12|3\n13|3\n14|3", d.q(a, `SELECT * FROM c ORDER BY id`))
}

// Sessions insert children of random parents while others delete parents
// (NO ACTION and CASCADE): at the end no child references a missing
// parent. Every failure is 23503 or 40001.
func TestForeignKeyNoOrphansUnderLoad(t *testing.T) {
	for _, action := range []string{"NO ACTION", "CASCADE"} {
		t.Run(action, func(t *testing.T) {
			d := openT(t, t.TempDir())
			defer d.close()
			admin := d.m.NewSession("admin", "db")
			defer admin.Close()
			d.q(admin, `CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, pid INT REFERENCES p ON DELETE `+action+`)`)
			d.q(admin, `INSERT INTO p SELECT g FROM generate_series(1, 40) g`)
			const workers, each = 4, 60
			var wg sync.WaitGroup
			errc := make(chan error, workers*each)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := d.m.NewSession("admin", "db")
					defer s.Close()
					rng := rand.New(rand.NewPCG(uint64(w), 7))
					for i := range each {
						var sql string
						if w%2 == 0 {
							sql = fmt.Sprintf(`INSERT INTO c VALUES (%d, %d)`, w*1000+i, 1+rng.IntN(40))
						} else {
							sql = fmt.Sprintf(`DELETE FROM p WHERE id = %d`, 1+rng.IntN(40))
						}
						if _, err := run(s, sql); err != nil {
							if c := errs.Code(err); c != errs.ForeignKeyViolation && c != errs.SerializationFailure {
								errc <- fmt.Errorf("%s: %w", sql, err)
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Error(err)
			}
			require.Equal(t, "0", d.q(admin, `SELECT count(*) FROM c WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.id = c.pid)`))
		})
	}
}

// Foreign keys survive a restart; they need strict tables on both sides.
func TestForeignKeyDefinitions(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT REFERENCES p ON DELETE CASCADE)`)
	d.q(s, `CREATE COLLECTION docs`)
	d.fail(s, errs.WrongObjectType, `CREATE TABLE x (d TEXT REFERENCES docs)`)
	d.fail(s, errs.FeatureNotSupported, `CREATE COLLECTION kv1 TYPE KEY_VALUE (k TEXT PRIMARY KEY, v INT REFERENCES p)`)
	d.q(s, `INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (1), (2), (2)`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.fail(s, errs.ForeignKeyViolation, `INSERT INTO c VALUES (3)`)
	d.q(s, `DELETE FROM p WHERE id = 2`)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM c`))
	d.fail(s, errs.DependentObjects, `DROP TABLE p`)
	d.q(s, `ALTER TABLE p RENAME COLUMN id TO pk`)
	d.fail(s, errs.ForeignKeyViolation, `INSERT INTO c VALUES (5)`)
	d.q(s, `ALTER TABLE c RENAME COLUMN pid TO parent`)
	d.q(s, `INSERT INTO c VALUES (1)`)
	d.fail(s, errs.ForeignKeyViolation, `UPDATE c SET parent = 9`)
}

// A table restored by UNDROP keeps the foreign keys that still hold and
// loses (with a notice) those a row broke while it was dropped.
func TestForeignKeyUndrop(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE p2 (id INT PRIMARY KEY); CREATE TABLE p3 (id INT PRIMARY KEY)`)
	d.q(s, `CREATE TABLE c2 (a INT REFERENCES p2, b INT REFERENCES p3)`)
	d.q(s, `INSERT INTO p2 VALUES (1); INSERT INTO p3 VALUES (1); INSERT INTO c2 VALUES (1, 1)`)
	d.q(s, `DROP TABLE c2`)
	d.q(s, `DELETE FROM p2`) // no longer referenced by a live table
	r, err := run(s, `UNDROP COLLECTION c2`)
	require.NoError(t, err)
	require.Len(t, r.Notices, 1)
	require.Contains(t, r.Notices[0].Message, `"c2_a_fkey"`)
	d.q(s, `INSERT INTO c2 VALUES (5, 1)`) // c2_a_fkey is gone
	d.fail(s, errs.ForeignKeyViolation, `INSERT INTO c2 VALUES (1, 5)`)
	d.fail(s, errs.ForeignKeyViolation, `DELETE FROM p3`)
}
