package oracle

import "testing"

// ctasScript: CREATE TABLE ... AS takes the query's columns (names, types
// with their modifiers, enums), writes its rows, and leaves no table when
// they cannot be written.
var ctasScript = []string{
	`CREATE TYPE ctas_mood AS ENUM ('a', 'b')`,
	`CREATE TABLE cs (id int PRIMARY KEY, m ctas_mood, s varchar(10), n numeric(8,2), ts timestamptz, j jsonb, c char(3))`,
	`INSERT INTO cs VALUES (1, 'a', 'x', 1.5, '2024-01-01 00:00:00+00', '{"k": 1}', 'ab'), (2, 'b', NULL, NULL, NULL, NULL, NULL)`,
	`CREATE TABLE cs2 AS SELECT * FROM cs`,
	`SELECT * FROM cs2 ORDER BY id`,
	`SELECT column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, is_nullable FROM information_schema.columns WHERE table_name = 'cs2' ORDER BY ordinal_position`,
	`CREATE TABLE cs3 (a, b) AS SELECT id, s || '!', 'lit', NULL AS z, count(*) OVER () FROM cs`,
	`SELECT * FROM cs3 ORDER BY a`,
	`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cs3' ORDER BY ordinal_position`,
	`CREATE TABLE cs2 AS SELECT 1`,
	`CREATE TABLE IF NOT EXISTS cs2 AS SELECT 1`,
	`CREATE TABLE cs4 AS SELECT * FROM cs WITH NO DATA`,
	`SELECT count(*) FROM cs4`,
	`INSERT INTO cs4 SELECT * FROM cs WHERE id = 2`,
	`SELECT id, m FROM cs4`,
	`CREATE TABLE cs5 (a, b, c) AS SELECT 1, 2`,
	`CREATE TABLE cs6 AS SELECT 1/0 AS x`,
	`CREATE TABLE cs6 AS SELECT id, id AS id FROM cs`,
	`SELECT count(*) FROM pg_class WHERE relname = 'cs6'`,
	`CREATE TABLE cs7 AS VALUES (1, 'x'), (2, 'y')`,
	`SELECT * FROM cs7 ORDER BY 1`,
	`CREATE TABLE cs8 AS SELECT m, count(*) AS n FROM cs GROUP BY m ORDER BY m`,
	`SELECT * FROM cs8 WHERE m > 'a'`,
	`CREATE TABLE cs9 AS WITH w AS (SELECT id * 10 AS x FROM cs) SELECT x, x + 1 AS y FROM w WHERE x > 10`,
	`SELECT * FROM cs9`,
	`CREATE TABLE cs10 AS SELECT g, g % 3 AS r FROM generate_series(1, 1000) g`,
	`SELECT count(*), sum(g), max(r) FROM cs10`,
	`SELECT conname FROM pg_constraint WHERE conrelid = 'cs10'::regclass`,
	`CREATE TABLE cs11 AS SELECT nosuch FROM cs`,
	`CREATE TABLE cs12 AS SELECT ROW(1, 2) AS r`,
	`SELECT id, s INTO cs13 FROM cs WHERE id > 1`,
	`SELECT * FROM cs13`,
	`SELECT * INTO TABLE cs14 FROM cs ORDER BY id DESC LIMIT 1`,
	`SELECT id, m FROM cs14`,
	`SELECT 1 AS x INTO cs15 UNION SELECT 2 ORDER BY x`,
	`SELECT * FROM cs15 ORDER BY x`,
	`SELECT 1 UNION SELECT 2 INTO cs16`,
}

func TestOracleCreateTableAs(t *testing.T) { compareScriptMessages(t, ctasScript) }
