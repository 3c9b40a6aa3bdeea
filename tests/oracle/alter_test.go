package oracle

import "testing"

// keyScript: PRIMARY KEY and UNIQUE constraints added by ALTER TABLE (as
// pg_dump writes them), with PostgreSQL's errors.
var keyScript = []string{
	`CREATE TABLE k1 (a int, b text, c int)`,
	`CREATE INDEX k1_c ON k1 (c)`,
	`INSERT INTO k1 VALUES (1, 'x', 10), (2, 'y', 20), (2, 'z', 30), (NULL, 'w', 40)`,
	`ALTER TABLE k1 ADD PRIMARY KEY (a)`,
	`DELETE FROM k1 WHERE a IS NULL`,
	`ALTER TABLE k1 ADD PRIMARY KEY (a)`,
	`ALTER TABLE k1 ADD PRIMARY KEY (nosuch)`,
	`ALTER TABLE k1 ADD CONSTRAINT k1_pkey PRIMARY KEY (a, b)`,
	`SELECT * FROM k1 WHERE a = 2 AND b = 'z'`,
	`SELECT * FROM k1 WHERE c = 30`,
	`SELECT * FROM k1 ORDER BY a, b`,
	`INSERT INTO k1 VALUES (2, 'z', 1)`,
	`INSERT INTO k1 VALUES (NULL, 'z', 1)`,
	`ALTER TABLE k1 ADD PRIMARY KEY (c)`,
	`ALTER TABLE k1 ADD UNIQUE (c)`,
	`INSERT INTO k1 VALUES (3, 'q', 10)`,
	`UPDATE k1 SET c = 20 WHERE a = 1`,
	`ALTER TABLE k1 ADD CONSTRAINT k1_b_uq UNIQUE (b)`,
	`ALTER TABLE k1 ADD UNIQUE (a)`,
	`SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'k1'::regclass ORDER BY 1`,
	`CREATE TABLE k2 (id int NOT NULL, v text)`,
	`INSERT INTO k2 VALUES (1, 'a'), (2, 'b')`,
	`ALTER TABLE k2 ADD PRIMARY KEY (id)`,
	`CREATE TABLE k3 (k2_id int REFERENCES k2)`,
	`INSERT INTO k3 VALUES (2)`,
	`DELETE FROM k2 WHERE id = 2`,
	`UPDATE k2 SET v = 'c' WHERE id = 2 RETURNING *`,
}

func TestOracleAddKey(t *testing.T) { compareScriptMessages(t, keyScript) }

// dropColumnScript: ALTER TABLE ... DROP COLUMN and what goes with it.
var dropColumnScript = []string{
	`CREATE TABLE d1 (id serial PRIMARY KEY, a int, b text UNIQUE, c int CHECK (c > 0), d int, CHECK (a < d))`,
	`CREATE INDEX d1_a ON d1 (a)`,
	`INSERT INTO d1 (a, b, c, d) VALUES (1, 'x', 5, 9), (2, 'y', 6, 8)`,
	`ALTER TABLE d1 DROP COLUMN a`,
	`SELECT * FROM d1 ORDER BY id`,
	`INSERT INTO d1 (b, c, d) VALUES ('z', 7, 1) RETURNING *`,
	`INSERT INTO d1 (b, c, d) VALUES ('w', -7, 1)`,
	`INSERT INTO d1 (a) VALUES (1)`,
	`SELECT a FROM d1`,
	`ALTER TABLE d1 DROP COLUMN a`,
	`ALTER TABLE d1 DROP COLUMN IF EXISTS a`,
	`ALTER TABLE d1 DROP b`,
	`INSERT INTO d1 (c, d) VALUES (8, 2), (9, 2)`,
	`SELECT indexname FROM pg_indexes WHERE tablename = 'd1' ORDER BY 1`,
	`SELECT conname FROM pg_constraint WHERE conrelid = 'd1'::regclass ORDER BY 1`,
	`ALTER TABLE d1 ADD COLUMN a text DEFAULT 'new'`,
	`SELECT * FROM d1 ORDER BY id`,
	`UPDATE d1 SET a = 'u' WHERE id = 1 RETURNING *`,
	`SELECT column_name, ordinal_position FROM information_schema.columns WHERE table_name = 'd1' ORDER BY ordinal_position`,
	`SELECT attname, attnum FROM pg_attribute WHERE attrelid = 'd1'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
	`CREATE TABLE d2 (id int PRIMARY KEY, code text UNIQUE)`,
	`CREATE TABLE d3 (x text REFERENCES d2 (code), y int REFERENCES d2)`,
	`ALTER TABLE d2 DROP COLUMN code`,
	`ALTER TABLE d2 DROP COLUMN code CASCADE`,
	`INSERT INTO d3 VALUES ('zzz', NULL)`,
	`INSERT INTO d3 VALUES ('zzz', 5)`,
	`ALTER TABLE d3 DROP COLUMN y`,
	`INSERT INTO d3 VALUES ('q')`,
	`SELECT * FROM d3 ORDER BY 1`,
	`CREATE TABLE d4 (id int PRIMARY KEY, s serial)`,
	`ALTER TABLE d4 DROP COLUMN s`,
	`SELECT nextval('d4_s_seq')`,
}

func TestOracleDropColumn(t *testing.T) { compareScriptMessages(t, dropColumnScript) }

// alterTypeScript: ALTER COLUMN ... TYPE, with and without USING.
var alterTypeScript = []string{
	`CREATE TABLE t1 (id int PRIMARY KEY, n int, s text, v varchar(10), price numeric(8,3), at timestamp, CHECK (n < 1000))`,
	`CREATE INDEX t1_n ON t1 (n)`,
	`INSERT INTO t1 VALUES (1, 10, '42', 'abc', 1.25, '2024-01-02 03:04:05'), (2, 20, '7', 'defgh', 2.5, NULL), (3, NULL, NULL, NULL, NULL, NULL)`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE bigint`,
	`SELECT * FROM t1 WHERE n = 20`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE text`,
	`SELECT id, n, pg_typeof(n) FROM t1 ORDER BY id`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE int`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE int USING n::int`,
	`SELECT id, n + 1 FROM t1 ORDER BY id`,
	`ALTER TABLE t1 ALTER COLUMN s SET DATA TYPE int USING s::int * 2`,
	`SELECT id, s FROM t1 ORDER BY id`,
	`ALTER TABLE t1 ALTER COLUMN v TYPE varchar(3)`,
	`ALTER TABLE t1 ALTER COLUMN v TYPE varchar(5)`,
	`ALTER TABLE t1 ALTER COLUMN price TYPE numeric(8,1)`,
	`ALTER TABLE t1 ALTER COLUMN price TYPE int`,
	`ALTER TABLE t1 ALTER COLUMN at TYPE date`,
	`SELECT * FROM t1 ORDER BY id`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE int USING n * 100`,
	`ALTER TABLE t1 ALTER COLUMN n TYPE int USING (SELECT 1)`,
	`ALTER TABLE t1 ALTER COLUMN nosuch TYPE int`,
	`ALTER TABLE t1 ALTER COLUMN id TYPE bigint`,
	`SELECT * FROM t1 WHERE id = 2`,
	`INSERT INTO t1 (id) VALUES (2)`,
	`SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_name = 't1' ORDER BY ordinal_position`,
	`CREATE TABLE t2 (id numeric PRIMARY KEY)`,
	`INSERT INTO t2 VALUES (1.2), (1.4), (2)`,
	`ALTER TABLE t2 ALTER COLUMN id TYPE int`,
	`CREATE TABLE t3 (id int PRIMARY KEY, d text DEFAULT 'x')`,
	`ALTER TABLE t3 ALTER COLUMN d TYPE int USING 0`,
	`CREATE TABLE t4 (pid int REFERENCES t1)`,
	`ALTER TABLE t4 ALTER COLUMN pid TYPE text`,
	`ALTER TABLE t4 ALTER COLUMN pid TYPE bigint`,
	`INSERT INTO t4 VALUES (2)`,
	`INSERT INTO t4 VALUES (9)`,
}

func TestOracleAlterType(t *testing.T) { compareScriptMessages(t, alterTypeScript) }

// viewCatalogScript: a view's columns in the catalogs.
var viewCatalogScript = []string{
	`CREATE TABLE vt (id int PRIMARY KEY, name varchar(20), price numeric(8,2), at timestamptz)`,
	`CREATE VIEW vv AS SELECT id, upper(name) AS uname, price * 2 AS dbl, at FROM vt`,
	`CREATE VIEW vw (a, b) AS SELECT id, name FROM vt`,
	`SELECT a.attname, a.attnum, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'vv'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
	`SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'vw'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
	`SELECT column_name, data_type, ordinal_position FROM information_schema.columns WHERE table_name IN ('vv', 'vw') ORDER BY table_name, ordinal_position`,
	`CREATE TABLE sq (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, v int)`,
	`SELECT c.relname, c.relkind, d.refobjsubid, d.deptype FROM pg_depend d JOIN pg_class c ON c.oid = d.objid WHERE d.classid = 'pg_class'::regclass AND d.refobjid = 'sq'::regclass AND d.deptype IN ('a', 'i') AND c.relkind = 'S' ORDER BY 1`,
	`SELECT relname, relkind FROM pg_class WHERE relkind = 'S' ORDER BY 1`,
	`SELECT seqtypid::regtype, seqstart, seqincrement, seqmax, seqmin, seqcycle FROM pg_sequence WHERE seqrelid = 'sq_id_seq'::regclass`,
}

func TestOracleViewCatalog(t *testing.T) { compareScript(t, viewCatalogScript) }

// renameScript: ALTER TABLE ... RENAME TO.
var renameScript = []string{
	`CREATE TABLE r1 (id int PRIMARY KEY, v text)`,
	`INSERT INTO r1 SELECT g, 'v' || g FROM generate_series(1, 50) g`,
	`ALTER TABLE r1 RENAME TO r2`,
	`SELECT * FROM r2 WHERE id = 17`,
	`SELECT count(*) FROM r2`,
	`SELECT * FROM r1`,
	`CREATE TABLE r3 (x int)`,
	`ALTER TABLE r2 RENAME TO r3`,
	`ALTER TABLE nosuch RENAME TO r9`,
	`INSERT INTO r2 VALUES (51, 'x') RETURNING *`,
	`SELECT relname FROM pg_class WHERE relname IN ('r1', 'r2', 'r3') ORDER BY 1`,
}

func TestOracleRename(t *testing.T) { compareScriptMessages(t, renameScript) }

// uniqueNameScript: UNIQUE constraints' names in CREATE TABLE.
var uniqueNameScript = []string{
	`CREATE TABLE u1 (a int CONSTRAINT a_uq UNIQUE, b int UNIQUE, c int, d int, CONSTRAINT cd_uq UNIQUE (c, d), UNIQUE (c, d))`,
	`SELECT indexname FROM pg_indexes WHERE tablename = 'u1' ORDER BY 1`,
	`SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'u1'::regclass ORDER BY 1`,
	`INSERT INTO u1 VALUES (1, 1, 1, 1)`,
	`INSERT INTO u1 VALUES (1, 2, 2, 2)`,
	`INSERT INTO u1 VALUES (2, 2, 1, 1)`,
	`CREATE TABLE u2 (x int CONSTRAINT a_uq UNIQUE)`,
}

func TestOracleUniqueNames(t *testing.T) { compareScriptMessages(t, uniqueNameScript) }
