package oracle

import "testing"

// TestOracleWithWrites compares WITH on INSERT, UPDATE and DELETE, and
// data-modifying WITH queries (WITH d AS (DELETE ... RETURNING *) ...),
// with PostgreSQL: each runs once, whether it is read or not; the
// statement reads its RETURNING rows, and a SELECT or an INSERT's rows
// read the tables as the statement found them.
func TestOracleWithWrites(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE wt (id int PRIMARY KEY, v text)`,
		`CREATE TABLE wa (id int PRIMARY KEY, v text, n int DEFAULT 1)`,
		`INSERT INTO wt SELECT i, 'v' || i FROM generate_series(1, 8) i`,
		// WITH queries read by the statement.
		`WITH s AS (SELECT 10 AS id, 'x' AS v) INSERT INTO wt SELECT id, v FROM s RETURNING *`,
		`WITH s AS (SELECT 10 AS id) UPDATE wt SET v = 'y' FROM s WHERE wt.id = s.id RETURNING wt.*`,
		`WITH s AS (SELECT 10 AS id) UPDATE wt SET v = (SELECT v || '!' FROM wt x, s WHERE x.id = s.id) WHERE id IN (SELECT id FROM s) RETURNING *`,
		`WITH s AS (SELECT id FROM wt WHERE id > 7) DELETE FROM wt WHERE id IN (SELECT id FROM s) RETURNING id`,
		`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) INSERT INTO wa (id, v) SELECT n + 200, 'r' FROM r RETURNING id`,
		`WITH s AS (SELECT 201 AS id) INSERT INTO wa (id, v) SELECT id, 'again' FROM s ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING id, v`,
		`WITH s AS (SELECT 1) INSERT INTO wa (id) SELECT * FROM nosuch`,
		`WITH s AS (SELECT 1), s AS (SELECT 2) DELETE FROM wa`,
		// Moving rows: the DELETE's rows are what the INSERT reads.
		`WITH d AS (DELETE FROM wt WHERE id <= 2 RETURNING *) INSERT INTO wa (id, v) SELECT id, v FROM d`,
		`SELECT * FROM wa WHERE id < 100 ORDER BY id`,
		`WITH d AS (DELETE FROM wt WHERE id = 3 RETURNING *) SELECT * FROM d`,
		// The statement reads the tables as they were before its WITH
		// queries wrote them.
		`WITH d AS (DELETE FROM wt WHERE id = 4 RETURNING *) SELECT (SELECT count(*) FROM wt) AS n, d.id FROM d`,
		`WITH u AS (UPDATE wt SET v = 'new' WHERE id = 5 RETURNING *) SELECT wt.v, u.v FROM wt, u WHERE wt.id = u.id`,
		`WITH d AS (DELETE FROM wt WHERE id = 5 RETURNING *) INSERT INTO wa (id, v) SELECT id + 1000, v FROM wt WHERE id = 5 RETURNING id, v`,
		`SELECT count(*) FROM wt WHERE id = 5`,
		// Run once even when nothing reads them; not readable without
		// RETURNING.
		`WITH d AS (DELETE FROM wt WHERE id = 6) SELECT 1`,
		`SELECT count(*) FROM wt WHERE id = 6`,
		`WITH d AS (DELETE FROM wt WHERE id = 7) SELECT * FROM d`,
		`WITH d AS (DELETE FROM wt WHERE id = 7 RETURNING id) SELECT a.id, b.id FROM d a, d b`,
		`WITH i AS (INSERT INTO wt VALUES (20, 'a'), (21, 'b') RETURNING id) SELECT sum(id) FROM i`,
		`WITH u AS (UPDATE wt SET v = v || '!' RETURNING id, v) SELECT * FROM u ORDER BY id`,
		// One chained to another.
		`WITH a AS (INSERT INTO wt VALUES (30, 'p') RETURNING id), b AS (INSERT INTO wa (id, v) SELECT id + 100, 'c' FROM a RETURNING id) SELECT * FROM b`,
		`WITH d AS (DELETE FROM wt WHERE id = 30 RETURNING id) UPDATE wa SET v = 'gone' WHERE id IN (SELECT id + 100 FROM d) RETURNING id, v`,
		`WITH d AS (UPDATE wt SET v = 'q' WHERE id = 21 RETURNING *) DELETE FROM wa WHERE id = 1 RETURNING id`,
		// A failing WITH query fails the statement, nothing of it kept.
		`WITH a AS (INSERT INTO wa (id, v) VALUES (500, 'x') RETURNING id), b AS (INSERT INTO wt VALUES (20, 'dup') RETURNING id) SELECT * FROM a, b`,
		`SELECT count(*) FROM wa WHERE id = 500`,
		`WITH a AS (INSERT INTO wa (id, v) VALUES (501, 'x') RETURNING id) INSERT INTO wt SELECT 20, 'dup' FROM a`,
		`SELECT count(*) FROM wa WHERE id = 501`,
		// In a transaction block, undone by ROLLBACK.
		`BEGIN`,
		`WITH d AS (DELETE FROM wt RETURNING id) SELECT count(*) FROM d`,
		`SELECT count(*) FROM wt`,
		`ROLLBACK`,
		`SELECT id, v FROM wt ORDER BY id`,
		// An UPDATE or DELETE finds the rows as the statement found them
		// and passes over a row another part of it already changed; a
		// WITH query the statement does not read runs after it.
		`CREATE TABLE wt2 (id int PRIMARY KEY, v text)`,
		`CREATE TABLE wa2 (id int PRIMARY KEY, v text)`,
		`INSERT INTO wt2 SELECT i, 'v' || i FROM generate_series(1, 9) i`,
		`WITH u AS (UPDATE wt2 SET v = 'new' WHERE id = 5 RETURNING *) UPDATE wt2 SET v = v || '!' WHERE id IN (5, 6) RETURNING *`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 7 RETURNING *) UPDATE wt2 SET v = 'x' WHERE id = 7 RETURNING *`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 8 RETURNING *) DELETE FROM wt2 WHERE id = 8 RETURNING *`,
		`WITH i AS (INSERT INTO wt2 VALUES (50, 'n') RETURNING *) UPDATE wt2 SET v = 'u' WHERE id = 50 RETURNING *`,
		`WITH i AS (INSERT INTO wt2 VALUES (51, 'n') RETURNING *) DELETE FROM wt2 WHERE id IN (SELECT id FROM i) RETURNING *`,
		`WITH u AS (UPDATE wt2 SET v = 'w' WHERE id = 1 RETURNING *) DELETE FROM wt2 WHERE v = 'v1' RETURNING *`,
		`WITH u AS (UPDATE wt2 SET v = 'z' WHERE id = 2 RETURNING *) UPDATE wt2 SET v = v || '?' WHERE id <= 4 RETURNING *`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 3 RETURNING *) UPDATE wt2 SET v = (SELECT count(*) FROM wt2)::text WHERE id = 4 RETURNING *`,
		`WITH i AS (INSERT INTO wa2 VALUES (9, 'a') RETURNING id) DELETE FROM wt2 USING wa2 WHERE wt2.id = wa2.id RETURNING wt2.id`,
		`WITH u AS (UPDATE wt2 SET v = 'first' WHERE id = 9 RETURNING id), d AS (DELETE FROM wt2 WHERE id = 9 RETURNING id) SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM d)`,
		`WITH u AS (UPDATE wt2 SET v = 'a' WHERE id = 6 RETURNING id), w AS (UPDATE wt2 SET v = 'b' WHERE id = 6 RETURNING id) SELECT 1`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 2 RETURNING id) UPDATE wt2 SET v = (SELECT count(*) FROM wt2)::text WHERE id IN (SELECT id + 3 FROM d) RETURNING *`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 5 RETURNING id) INSERT INTO wa2 SELECT id, 'c' FROM d ON CONFLICT (id) DO UPDATE SET v = (SELECT string_agg(id::text, ',' ORDER BY id) FROM wt2) RETURNING *`,
		`WITH d AS (DELETE FROM wt2 WHERE id = 9 RETURNING id) INSERT INTO wa2 SELECT id, 'c' FROM d ON CONFLICT (id) DO UPDATE SET v = (SELECT string_agg(id::text, ',' ORDER BY id) FROM wt2) RETURNING *`,
		`SELECT * FROM wt2 ORDER BY id`,
		`SELECT * FROM wa2 ORDER BY id`,
		// Only at a statement's top level.
		`SELECT * FROM (WITH d AS (DELETE FROM wt RETURNING *) SELECT * FROM d) s`,
		`INSERT INTO wa WITH d AS (DELETE FROM wt WHERE id = 20 RETURNING *) SELECT id, v FROM d`,
		`WITH x AS (SELECT 1) SELECT * FROM x, (WITH d AS (DELETE FROM wa RETURNING *) SELECT * FROM d) y`,
		`SELECT (WITH d AS (DELETE FROM wa RETURNING id) SELECT max(id) FROM d)`,
		`CREATE VIEW wv AS WITH d AS (DELETE FROM wt RETURNING *) SELECT * FROM d`,
		`WITH d AS (DELETE FROM nosuch RETURNING *) SELECT * FROM d`,
		`WITH d AS (DELETE FROM wt RETURNING nosuch) SELECT * FROM d`,
		`SELECT id, v FROM wt ORDER BY id`,
		`SELECT id, v, n FROM wa ORDER BY id`,
	})
}
