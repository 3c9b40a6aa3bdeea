package e2e

import (
	"testing"
)

// TestPsqlDescribe runs psql's catalog meta-commands (\dt, \d, \d+, \di,
// \dn, \l) against collections of both kinds and compares the output with
// a golden file. They exercise pg_catalog, joins, correlated subqueries,
// ARRAY(subquery), ANY and set-returning functions the way psql 15 uses
// them.
func TestPsqlDescribe(t *testing.T) {
	s := startServer(t)
	runPsql(t, s, "-c", `CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, email TEXT UNIQUE, score FLOAT DEFAULT 0)`,
		"-c", `CREATE INDEX ON users (name)`,
		"-c", `CREATE COLLECTION docs`,
		"-c", `INSERT INTO docs { id: 'a', n: 1, tags: ['x'] }`)
	var out string
	for _, cmd := range []string{`\dt`, `\d users`, `\d+ users`, `\d docs`, `\di`, `\dn`, `\d users_pkey`} {
		out += "== " + cmd + "\n" + runPsqlAligned(t, s, cmd)
	}
	checkGolden(t, "psql/describe.out", out)
}

// runPsqlAligned runs one command with psql's default aligned output, as a
// user sees it.
func runPsqlAligned(t *testing.T, s *testServer, cmd string) string {
	t.Helper()
	return runPsql(t, s, "-P", "format=aligned", "-P", "tuples_only=off", "-c", cmd)
}

// TestPsqlFunctions runs psql's \df and \df+ over user functions and
// procedures (pg_proc, pg_get_function_arguments/result).
func TestPsqlFunctions(t *testing.T) {
	s := startServer(t)
	runPsql(t, s, "-c", `CREATE TABLE items (id INT PRIMARY KEY)`,
		"-c", `CREATE FUNCTION with_tax(x NUMERIC, rate FLOAT) RETURNS NUMERIC AS $$ BEGIN RETURN round(x * rate, 2); END $$`,
		"-c", `CREATE FUNCTION item_count() RETURNS BIGINT AS $$ SELECT count(*) FROM items $$`,
		"-c", `CREATE PROCEDURE add_item(n INT) AS BEGIN INSERT INTO items VALUES (n); END`)
	var out string
	for _, cmd := range []string{`\df`, `\df with*`, `\df+ item_count`} {
		out += "== " + cmd + "\n" + runPsqlAligned(t, s, cmd)
	}
	checkGolden(t, "psql/functions.out", out)
}
