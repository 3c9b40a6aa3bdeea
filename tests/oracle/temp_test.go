package oracle

import "testing"

// tempScript exercises temporary tables: shadowing a permanent table,
// pg_temp qualification, constraints and indexes, ON COMMIT actions,
// CREATE TEMP TABLE AS and SELECT INTO TEMP, foreign keys across
// persistence, and what pg_class shows.
var tempScript = []string{
	`CREATE TABLE perm (a int PRIMARY KEY)`,
	`INSERT INTO perm VALUES (100)`,
	`CREATE TEMP TABLE perm (z int)`,
	`INSERT INTO perm VALUES (7)`,
	`SELECT * FROM perm`,
	`SELECT * FROM pg_temp.perm`,
	`CREATE TEMP TABLE perm (z int)`,
	`CREATE TEMP TABLE IF NOT EXISTS perm (z int)`,
	`CREATE TEMP TABLE public.x (a int)`,
	`CREATE TABLE x (a int) ON COMMIT DROP`,
	`CREATE LOCAL TEMPORARY TABLE tt (a int PRIMARY KEY, b text NOT NULL DEFAULT 'x', c int UNIQUE, CHECK (a > 0))`,
	`INSERT INTO tt (a, c) VALUES (1, 10), (2, 20)`,
	`INSERT INTO tt (a) VALUES (1)`,
	`INSERT INTO tt (a) VALUES (-1)`,
	`INSERT INTO tt (a, b) VALUES (3, NULL)`,
	`INSERT INTO tt (a, c) VALUES (4, 10)`,
	`CREATE INDEX ON tt (b)`,
	`SELECT * FROM tt WHERE b = 'x' ORDER BY a`,
	`UPDATE tt SET c = c + 1 WHERE a = 2 RETURNING *`,
	`DELETE FROM tt WHERE a = 1`,
	`SELECT a, b, c FROM tt ORDER BY a`,
	// foreign keys: temporary to temporary works; across persistence is 42P16
	`CREATE TEMP TABLE tchild (a int REFERENCES tt)`,
	`INSERT INTO tchild VALUES (2)`,
	`INSERT INTO tchild VALUES (5)`,
	`CREATE TABLE pchild (a int REFERENCES tt)`,
	`CREATE TABLE p2 (a int PRIMARY KEY)`,
	`CREATE TEMP TABLE tchild2 (a int REFERENCES p2)`,
	// ON COMMIT DELETE ROWS: every commit empties it
	`CREATE TEMP TABLE d1 (a int) ON COMMIT DELETE ROWS`,
	`INSERT INTO d1 VALUES (1)`,
	`SELECT count(*) FROM d1`,
	`BEGIN`,
	`INSERT INTO d1 VALUES (2)`,
	`SELECT * FROM d1`,
	`COMMIT`,
	`SELECT count(*) FROM d1`,
	// ON COMMIT DROP: gone at the end of its transaction
	`CREATE TEMP TABLE t1 (a int) ON COMMIT DROP`,
	`SELECT * FROM t1`,
	`BEGIN`,
	`CREATE TEMP TABLE dd (a int) ON COMMIT DROP`,
	`INSERT INTO dd VALUES (1)`,
	`SELECT * FROM dd`,
	`COMMIT`,
	`SELECT * FROM dd`,
	// a rolled-back block takes its temporary tables with it
	`BEGIN`,
	`CREATE TEMP TABLE rb (a int)`,
	`ROLLBACK`,
	`SELECT * FROM rb`,
	// CREATE TEMP TABLE AS, SELECT INTO TEMP
	`CREATE GLOBAL TEMP TABLE g1 (a int)`,
	`CREATE TEMP TABLE ctas AS SELECT 1 AS z`,
	`SELECT 2 AS y INTO TEMP sit`,
	`SELECT 3 AS y INTO TEMPORARY TABLE sit2`,
	`SELECT * FROM ctas, sit, sit2`,
	`CREATE TEMP TABLE ctas3 (q) ON COMMIT DELETE ROWS AS SELECT 1`,
	`SELECT * FROM ctas3`,
	`CREATE TEMP TABLE ctas2 ON COMMIT DROP AS SELECT 1`,
	`SELECT * FROM ctas2`,
	`CREATE TABLE pg_temp.viaschema (a int)`,
	// pg_catalog
	`SELECT c.relname, c.relpersistence, n.nspname ~ '^pg_temp_' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname IN ('perm', 'tt', 'tt_pkey', 'tt_b_idx', 'viaschema', 'p2') ORDER BY 1, 2`,
	`SELECT relname FROM pg_class WHERE relname IN ('perm', 'tt', 'viaschema') AND pg_table_is_visible(oid) ORDER BY 1`,
	`SELECT count(*) FROM pg_namespace WHERE nspname ~ '^pg_temp_' AND oid = pg_my_temp_schema()`,
	`SELECT 'tt'::regclass, 'pg_temp.tt'::regclass`,
	// DROP TABLE drops the temporary table first
	`DROP TABLE perm`,
	`SELECT * FROM perm`,
	`DROP TABLE tt`,
	`DROP TABLE tchild, tt`,
	`SELECT * FROM pg_temp.tt`,
}

func TestOracleTempTables(t *testing.T) { compareScriptMessages(t, tempScript) }
