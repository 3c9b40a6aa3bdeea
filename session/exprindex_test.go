package session

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExpressionIndexPlans checks that queries read through expression
// and partial indexes where they may, not where a partial index lacks
// rows the query wants, and that the indexes survive a restart.
func TestExpressionIndexPlans(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE users (id int PRIMARY KEY, email text, deleted_at date, n int)`)
	d.q(s, `INSERT INTO users SELECT i, 'U' || i || '@x.com', CASE WHEN i % 2 = 0 THEN '2020-01-01'::date END, i FROM generate_series(1, 200) i`)
	d.q(s, `CREATE UNIQUE INDEX users_live ON users (lower(email)) WHERE deleted_at IS NULL`)
	d.q(s, `CREATE INDEX users_n1 ON users ((n + 1))`)
	d.q(s, `CREATE INDEX users_big ON users (n) WHERE n IS NOT NULL`)
	plan := func(q string) string {
		r, err := run(s, "EXPLAIN "+q)
		require.NoError(t, err)
		return render(r)
	}
	check := func() {
		require.Contains(t, plan(`SELECT id FROM users WHERE lower(email) = 'u7@x.com' AND deleted_at IS NULL`), "Index Scan using users_live")
		require.Equal(t, "7", d.q(s, `SELECT id FROM users WHERE lower(email) = 'u7@x.com' AND deleted_at IS NULL`))
		// Without the predicate the partial index lacks the deleted rows.
		require.NotContains(t, plan(`SELECT id FROM users WHERE lower(email) = 'u8@x.com'`), "users_live")
		require.Equal(t, "8", d.q(s, `SELECT id FROM users WHERE lower(email) = 'u8@x.com'`))
		require.Contains(t, plan(`SELECT id FROM users WHERE n + 1 = 11`), "Index Scan using users_n1")
		require.Contains(t, plan(`SELECT id FROM users WHERE n + 1 >= 11 AND n + 1 < 14`), "Index Scan using users_n1")
		require.Equal(t, "10\n11\n12", d.q(s, `SELECT id FROM users WHERE n + 1 >= 11 AND n + 1 < 14 ORDER BY id`))
		// n = 5 implies n IS NOT NULL.
		require.Contains(t, plan(`SELECT id FROM users WHERE n = 5`), "Index Scan using users_big")
	}
	check()
	d.q(s, `UPDATE users SET email = 'New@x.com' WHERE id = 7`)
	require.Equal(t, "", d.q(s, `SELECT id FROM users WHERE lower(email) = 'u7@x.com' AND deleted_at IS NULL`))
	require.Equal(t, "7", d.q(s, `SELECT id FROM users WHERE lower(email) = 'new@x.com' AND deleted_at IS NULL`))
	d.q(s, `UPDATE users SET email = 'U7@x.com' WHERE id = 7`)
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	check()
	d.fail(s, "23505", `INSERT INTO users VALUES (1000, 'u9@X.COM', NULL, 1000)`)
	d.q(s, `INSERT INTO users VALUES (1000, 'u9@X.COM', '2021-01-01', 1000)`)
}

// TestExpressionIndexOnDocuments indexes an expression over a schemaless
// collection's fields.
func TestExpressionIndexOnDocuments(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE COLLECTION people`)
	d.q(s, `INSERT INTO people (id, name, age) VALUES ('p1', 'Ann', 30), ('p2', 'bob', 40), ('p3', 'BOB', 50)`)
	d.q(s, `CREATE INDEX people_lname ON people (lower(name)) WHERE age > 35`)
	r, err := run(s, `EXPLAIN SELECT id FROM people WHERE lower(name) = 'bob' AND age > 35`)
	require.NoError(t, err)
	require.Contains(t, render(r), "Index Scan using people_lname")
	require.Equal(t, "p2\np3", d.q(s, `SELECT id FROM people WHERE lower(name) = 'bob' AND age > 35 ORDER BY id`))
	d.q(s, `UPDATE people SET age = 20 WHERE id = 'p3'`)
	require.Equal(t, "p2", d.q(s, `SELECT id FROM people WHERE lower(name) = 'bob' AND age > 35 ORDER BY id`))
}
