package oracle

import "testing"

// TestOracleDuplicateColumnNames: a relation may have two columns of one
// name. A star expands to both; a reference by that name is ambiguous.
func TestOracleDuplicateColumnNames(t *testing.T) {
	compareScriptMessages(t, []string{
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT s.* FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT * FROM unnest(ARRAY[1], ARRAY[2])`,
		`SELECT * FROM (SELECT 1 AS a) x JOIN (SELECT 1 AS a) y ON true`,
		`SELECT x.*, y.* FROM (SELECT 1 AS a) x JOIN (SELECT 2 AS a) y ON true`,
		`SELECT a FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT s.a FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT a FROM (SELECT 1 AS a) x JOIN (SELECT 1 AS a) y ON true`,
		`SELECT unnest FROM unnest(ARRAY[1], ARRAY[2])`,
		`CREATE VIEW v AS SELECT 1 AS a, 2 AS a`,
		`CREATE TABLE t AS SELECT 1 AS a, 2 AS a`,
		`CREATE TABLE t AS SELECT * FROM (SELECT 1 AS a, 2 AS a) s`,
		`CREATE VIEW v AS SELECT * FROM (SELECT 1 AS a) x JOIN (SELECT 1 AS a) y ON true`,
		`SELECT count(*) FROM (SELECT * FROM (SELECT 1 AS a, 2 AS a) s) q`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s(b)`,
		`SELECT b, a FROM (SELECT 1 AS a, 2 AS a) s(b)`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s ORDER BY 1`,
		`WITH w AS (SELECT 1 AS a, 2 AS a) SELECT * FROM w`,
		`WITH w AS (SELECT 1 AS a, 2 AS a) SELECT a FROM w`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s WHERE a = 1`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s UNION ALL SELECT 3, 4`,
		`SELECT row_to_json(s) FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s JOIN (SELECT 3 AS b) t ON true`,
		`SELECT t.*, s.* FROM (SELECT 1 AS a, 2 AS a) s JOIN (SELECT 3 AS a) t ON true`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s NATURAL JOIN (SELECT 1 AS b) t`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s NATURAL JOIN (SELECT 1 AS a) t`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS b, 3 AS a) s JOIN (SELECT 2 AS b) t USING (b)`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s GROUP BY 1, 2`,
		`SELECT DISTINCT * FROM (VALUES (1, 2), (1, 2)) v(a, a)`,
		`SELECT * FROM (SELECT 1 AS a, 2 AS a) s ORDER BY a`,
		`SELECT 1 AS a, 2 AS a ORDER BY a`,
		`SELECT 1 AS a, 1 AS a ORDER BY a`,
		`SELECT g AS a, -g AS b, g AS a FROM generate_series(1, 3) g ORDER BY a DESC`,
		`SELECT DISTINCT ON (a) * FROM (SELECT 1 AS a, 2 AS a) s`,
		`SELECT DISTINCT ON (3) 1, 2`,
		`SELECT x.a FROM (SELECT 1 AS a) x, (SELECT 2 AS a) y ORDER BY a`,
		`SELECT count(*) FROM (SELECT 1 AS a) x ORDER BY count`,
		`SELECT * FROM (SELECT g AS a, -g AS a FROM generate_series(1, 3) g) s ORDER BY 2`,
		`CREATE VIEW v1(b) AS SELECT 1 AS a, 2 AS a`,
		`CREATE VIEW v2(a) AS SELECT 1 AS x, 2 AS a`,
		`CREATE VIEW v3 AS SELECT * FROM (SELECT 1 AS a, 2 AS a) s(b)`,
		`SELECT * FROM v1`,
		`SELECT * FROM v3`,
		`CREATE TABLE t1 AS SELECT * FROM (SELECT 1 AS a, 2 AS a) s(b)`,
		`SELECT * FROM t1`,
		`INSERT INTO t1 SELECT * FROM (SELECT 5 AS a, 6 AS a) s RETURNING *`,
	})
}

// TestOracleUsingStar: SELECT * over NATURAL and USING joins shows a
// merged column once, first; ORDER BY a name the output has twice, as
// different expressions, is ambiguous.
func TestOracleUsingStar(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE ua (k int, x text, z int)`,
		`CREATE TABLE ub (k int, y text, z int)`,
		`INSERT INTO ua VALUES (1, 'a1', 10), (2, 'a2', 20)`,
		`INSERT INTO ub VALUES (2, 'b2', 20), (3, 'b3', 30)`,
		`SELECT * FROM ua NATURAL JOIN ub`,
		`SELECT * FROM ua JOIN ub USING (k) ORDER BY 1`,
		`SELECT * FROM ua FULL JOIN ub USING (k) ORDER BY k`,
		`SELECT * FROM ua NATURAL FULL JOIN ub ORDER BY k, z`,
		`SELECT * FROM ua LEFT JOIN ub USING (k, z) ORDER BY k`,
		`SELECT * FROM ua RIGHT JOIN ub USING (z) ORDER BY z`,
		`SELECT ua.*, ub.* FROM ua JOIN ub USING (k)`,
		`SELECT ub.*, ua.* FROM ua JOIN ub USING (k) ORDER BY k`,
		`SELECT k, ua.k, ub.k FROM ua FULL JOIN ub USING (k) ORDER BY k`,
		`SELECT k, ua.k, ub.k FROM ua FULL JOIN ub USING (k) ORDER BY 1`,
		`SELECT * FROM ua JOIN ub USING (k) ORDER BY z`,
		`SELECT z FROM ua JOIN ub USING (k)`,
		`SELECT * FROM ua JOIN ub USING (k) JOIN (SELECT 2 AS k, 5 AS w) c USING (k)`,
		`SELECT * FROM (SELECT 1 AS k, 2 AS k) s JOIN ub USING (k)`,
		`SELECT * FROM ua x JOIN ua y USING (k, x, z)`,
		`SELECT * FROM (SELECT * FROM ua JOIN ub USING (k)) q`,
		`SELECT q.* FROM (SELECT * FROM ua NATURAL FULL JOIN ub) q ORDER BY 1, 2`,
		`SELECT z FROM (SELECT * FROM ua JOIN ub USING (k)) q`,
		`SELECT * FROM (SELECT * FROM ua JOIN ub USING (k)) q JOIN ub USING (z)`,
		`SELECT * FROM (ua JOIN ub USING (k)) JOIN (SELECT 20 AS z) c USING (z)`,
		`WITH w AS (SELECT * FROM ua JOIN ub USING (k)) SELECT * FROM w`,
		`CREATE TABLE uc AS SELECT * FROM ua JOIN ub USING (k)`,
		`CREATE TABLE uc AS SELECT * FROM ua NATURAL JOIN ub`,
		`SELECT * FROM uc`,
		`CREATE VIEW uv AS SELECT * FROM ua JOIN ub USING (k)`,
		`CREATE VIEW uv AS SELECT * FROM ua NATURAL JOIN ub`,
		`SELECT * FROM uv`,
	})
}

// TestOracleDefaultRegclass: a regclass constant in a DEFAULT, and the
// untyped literal nextval takes as one, names a relation when the
// default is created (42P01 otherwise); a text argument is looked up on
// each call.
func TestOracleDefaultRegclass(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE d1 (m int DEFAULT nextval('nosuch'::regclass))`,
		`CREATE TABLE d1 (m int DEFAULT nextval('nosuch'))`,
		`CREATE TABLE d1 (m int DEFAULT nextval('public.nosuch'))`,
		`CREATE TABLE d1 (m int DEFAULT nextval('"Nosuch"'))`,
		`CREATE TABLE d1 (m int DEFAULT currval('nosuch'))`,
		`CREATE TABLE d1 (m int DEFAULT setval('nosuch', 5))`,
		`CREATE TABLE d1 (m int DEFAULT ('nosuch'::regclass)::oid::int)`,
		`CREATE TABLE d1 (m int DEFAULT nextval('nosuch'::text))`,
		`INSERT INTO d1 DEFAULT VALUES`,
		`DROP TABLE d1`,
		`CREATE SEQUENCE s1`,
		`CREATE SEQUENCE "S2" START 100`,
		`CREATE TABLE d2 (k int, m int DEFAULT nextval('s1'), n bigint DEFAULT nextval('public.s1'::regclass), o int DEFAULT nextval('"S2"'))`,
		`INSERT INTO d2 (k) VALUES (1), (2)`,
		`SELECT * FROM d2 ORDER BY k`,
		`SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'd2' ORDER BY ordinal_position`,
		`ALTER TABLE d2 ALTER COLUMN m SET DEFAULT nextval('nosuch')`,
		`ALTER TABLE d2 ALTER COLUMN m SET DEFAULT nextval('nosuch'::regclass)`,
		`ALTER TABLE d2 ALTER COLUMN m SET DEFAULT nextval('S1')`,
		`ALTER TABLE d2 ADD COLUMN p int DEFAULT nextval('nosuch')`,
		`ALTER TABLE d2 ADD COLUMN p int DEFAULT nextval('s1')`,
		`INSERT INTO d2 (k) VALUES (3)`,
		`SELECT k, m, n, o FROM d2 ORDER BY k`,
		`SELECT count(DISTINCT p), min(p), max(p) FROM d2`,
		`SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'd2' ORDER BY ordinal_position`,
		`CREATE TABLE d7 (id serial, c bigint DEFAULT currval('d7_id_seq'), r regclass DEFAULT 'd7_id_seq'::regclass)`,
		`INSERT INTO d7 DEFAULT VALUES`,
		`SELECT * FROM d7`,
		`SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'd7' ORDER BY ordinal_position`,
		`CREATE TABLE d3 (id serial, k int)`,
		`INSERT INTO d3 (k) VALUES (7)`,
		`SELECT * FROM d3`,
		`SELECT column_default FROM information_schema.columns WHERE table_name = 'd3' AND column_name = 'id'`,
		`CREATE SEQUENCE public.d4_id_seq`,
		`CREATE TABLE public.d4 (id integer DEFAULT nextval('public.d4_id_seq'::regclass) NOT NULL, v text)`,
		`INSERT INTO d4 (v) VALUES ('x')`,
		`SELECT * FROM d4`,
		`CREATE TABLE d5 (r regclass DEFAULT 'd4')`,
		`CREATE TABLE d6 (r regclass DEFAULT 'nosuch')`,
	})
}

// TestOracleTableAliasColumns compares a table alias's column list (t AS
// x(a, b)) with PostgreSQL's: it renames the first columns (a table's,
// a view's, a CTE's, a catalog table's), the old names are gone, and more
// names than columns is 42P10.
func TestOracleTableAliasColumns(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE ub (k int PRIMARY KEY, v text, w int)`,
		`INSERT INTO ub VALUES (1, 'a', 10), (2, 'b', 20)`,
		`CREATE TABLE nopk (a int, b text)`,
		`INSERT INTO nopk VALUES (1, 'x')`,
		`CREATE VIEW uv AS SELECT k, w FROM ub`,
		`SELECT * FROM ub AS j(x, y)`,
		`SELECT j.x, y, w FROM ub j(x, y) WHERE x > 1 ORDER BY x`,
		`SELECT j.* FROM ub j(x, y) ORDER BY 1`,
		`SELECT k FROM ub j(x, y)`,
		`SELECT j.k FROM ub j(x, y)`,
		`SELECT * FROM ub j(a, b, c, d)`,
		`SELECT * FROM nopk n(p, q)`,
		`SELECT * FROM nopk n(p, q, r)`,
		`SELECT * FROM ub j(x) JOIN ub i(x) USING (x) ORDER BY x`,
		`SELECT * FROM ub j(x) NATURAL JOIN uv u(x) ORDER BY x`,
		`SELECT count(*), max(z) FROM ub j(x, y, z) GROUP BY y ORDER BY y`,
		`WITH c AS (SELECT 1 AS a, 2 AS b) SELECT * FROM c AS d(p)`,
		`SELECT p FROM pg_class AS c(p) WHERE p = 'ub'`,
		`SELECT x FROM ub j(x) WHERE EXISTS (SELECT 1 FROM nopk n(x) WHERE n.x = j.x)`,
		`UPDATE ub SET w = w + 1 FROM nopk n(p, q) WHERE ub.k = n.p AND q = 'x' RETURNING ub.k, w`,
		`DELETE FROM ub USING nopk n(p, q) WHERE ub.k = n.p + 1 AND q = 'x' RETURNING ub.k`,
		`SELECT * FROM ub ORDER BY k`,
	})
}

// TestOracleJoinedWriteReturning compares RETURNING items that read the
// other entries of UPDATE ... FROM and DELETE ... USING with PostgreSQL's.
func TestOracleJoinedWriteReturning(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE acct (id int PRIMARY KEY, owner text, bal int)`,
		`CREATE TABLE moves (id int PRIMARY KEY, acct_id int, amount int, note text)`,
		`INSERT INTO acct VALUES (1, 'ann', 100), (2, 'bob', 50), (3, 'cid', 0)`,
		`INSERT INTO moves VALUES (10, 1, 5, 'tip'), (11, 2, -20, 'fee')`,
		`UPDATE acct a SET bal = a.bal + m.amount FROM moves m WHERE m.acct_id = a.id RETURNING a.id, a.bal, m.id AS move, note, m.amount * 2 AS twice`,
		`UPDATE acct SET owner = upper(owner) FROM moves WHERE moves.acct_id = acct.id AND moves.amount < 0 RETURNING acct.owner, moves.note`,
		`DELETE FROM moves m USING acct a WHERE a.id = m.acct_id AND a.owner = 'BOB' RETURNING m.id, a.owner, a.bal`,
		`UPDATE acct a SET bal = 0 FROM moves m WHERE m.acct_id = a.id RETURNING nosuch`,
		`UPDATE acct a SET bal = 0 FROM moves m WHERE m.acct_id = a.id RETURNING q.id`,
		`SELECT * FROM acct ORDER BY id`,
		`SELECT * FROM moves ORDER BY id`,
	})
}

// TestOracleSetTextExpression compares UPDATE's SET of a text expression
// to a column text has no assignment cast to with PostgreSQL's 42804,
// and the literals and casts it still takes.
func TestOracleSetTextExpression(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE ty (id int PRIMARY KEY, b int, n numeric, f boolean, d date, ts timestamptz, u uuid, t text, v varchar(10), j jsonb)`,
		`INSERT INTO ty (id, b, t, j) VALUES (1, 2, '5', '{"k": "7"}')`,
		`UPDATE ty SET b = 'x'::text`,
		`UPDATE ty SET b = (SELECT '12')`,
		`UPDATE ty SET b = t`,
		`UPDATE ty SET n = t || '1'`,
		`UPDATE ty SET f = lower('TRUE')`,
		`UPDATE ty SET d = t`,
		`UPDATE ty SET ts = t`,
		`UPDATE ty SET u = t`,
		`UPDATE ty SET b = j->>'k'`,
		`UPDATE ty SET b = (j->>'k')::int, n = t::numeric, d = '2020-01-02', f = 'yes', v = t, t = 42 RETURNING b, n, d, f, v, t`,
		`UPDATE ty SET b = '13', n = '1.5', u = '6ba7b810-9dad-11d1-80b4-00c04fd430c8' RETURNING b, n, u`,
		`INSERT INTO ty (id, b) VALUES (2, 3) ON CONFLICT (id) DO NOTHING`,
		`INSERT INTO ty (id, b) VALUES (2, 3) ON CONFLICT (id) DO UPDATE SET b = excluded.t`,
		`INSERT INTO ty (id, b, t) VALUES (2, 3, '9') ON CONFLICT (id) DO UPDATE SET b = excluded.t::int RETURNING b`,
		`SELECT id, b, t FROM ty ORDER BY id`,
	})
}

// TestOracleInsertTextExpression compares INSERTs of text expressions
// into columns text has no assignment cast to with PostgreSQL's: a
// literal or parameter takes the column's type (also as a bare SELECT
// target of INSERT ... SELECT), anything typed text is 42804 when planned.
func TestOracleInsertTextExpression(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE it (id serial PRIMARY KEY, a int, b bool, c date, d uuid, f text, g numeric, h jsonb, v varchar(5), ts timestamptz)`,
		`INSERT INTO it (a) VALUES ('12'::text)`,
		`INSERT INTO it (a) VALUES ('12')`,
		`INSERT INTO it (a) SELECT '13'`,
		`INSERT INTO it (a, f) SELECT '14', 'x' FROM it WHERE a = 12`,
		`INSERT INTO it (a) SELECT x FROM (SELECT '12' AS x) s`,
		`INSERT INTO it (a) SELECT '1' UNION SELECT '2'`,
		`INSERT INTO it (a) VALUES ('1'), ('2'::text)`,
		`INSERT INTO it (b) VALUES (lower('TRUE'))`,
		`INSERT INTO it (h) VALUES ('{"a":1}'::text)`,
		`INSERT INTO it (f) VALUES (12)`,
		`INSERT INTO it (a) VALUES (1.5::text || '')`,
		`INSERT INTO it (a) SELECT f FROM it`,
		`INSERT INTO it (a, b) VALUES (1, 'x' || 'y')`,
		`INSERT INTO it (g) VALUES (('3' || '4'))`,
		`INSERT INTO it (a) VALUES (NULL::text)`,
		`INSERT INTO it (a) VALUES ($$5$$)`,
		`INSERT INTO it (a) VALUES (coalesce('1', '2'))`,
		`INSERT INTO it (a) VALUES ((SELECT '3'))`,
		`INSERT INTO it (c, d, ts) VALUES ('2020-01-02', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '2020-01-02 03:04:05+00')`,
		`INSERT INTO it (c) VALUES (f)`,
		`INSERT INTO it (c) VALUES ((SELECT max(x) FROM it))`,
		`INSERT INTO it (a) VALUES (it.a)`,
		`INSERT INTO it (c) SELECT f FROM it`,
		`INSERT INTO it (d) SELECT f FROM it`,
		`INSERT INTO it (ts) SELECT 'x' || f FROM it`,
		`INSERT INTO it (v, f) SELECT f, f FROM it WHERE f IS NOT NULL ORDER BY f`,
		`INSERT INTO it (a) SELECT f::int FROM it WHERE f ~ '^[0-9]+$'`,
		`INSERT INTO it (id, a) VALUES (100, 1) ON CONFLICT (id) DO NOTHING`,
		`INSERT INTO it (id, a, f) VALUES (100, 1, 'z') ON CONFLICT (id) DO UPDATE SET a = excluded.f`,
		`SELECT id, a, b, c, d, f, g, h, v, ts FROM it ORDER BY id`,
	})
}

// TestOracleReturningReadsStatementStart: RETURNING's subqueries read the
// tables as the statement found them, as in PostgreSQL (not the rows the
// statement has written so far).
func TestOracleReturningReadsStatementStart(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE rt (id int PRIMARY KEY, v int)`,
		`INSERT INTO rt SELECT i, i FROM generate_series(1, 5) i`,
		`UPDATE rt SET v = v + 10 RETURNING id, v, (SELECT sum(v) FROM rt) AS s`,
		`DELETE FROM rt WHERE id <= 2 RETURNING id, (SELECT count(*) FROM rt) AS c`,
		`INSERT INTO rt VALUES (10, 1), (11, 2) RETURNING id, (SELECT count(*) FROM rt) AS c`,
		`INSERT INTO rt VALUES (3, 0) ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING id, v, (SELECT sum(v) FROM rt) AS s`,
		`UPDATE rt SET v = 0 WHERE id = 4 RETURNING id, EXISTS (SELECT 1 FROM rt WHERE v = 0) AS z`,
		`BEGIN`,
		`UPDATE rt SET v = v * 2 WHERE id = 5`,
		`UPDATE rt SET v = v + 1 WHERE id >= 5 RETURNING id, v, (SELECT v FROM rt x WHERE x.id = 5) AS five`,
		`COMMIT`,
		`SELECT * FROM rt ORDER BY id`,
	})
}

// TestOracleScalarFunctionInFrom: a function that returns one value in
// FROM is one row of one column (named after the function, or the
// alias), as in PostgreSQL; an unknown function is 42883.
func TestOracleScalarFunctionInFrom(t *testing.T) {
	compareScriptMessages(t, []string{
		`SELECT * FROM lower('ABC')`,
		`SELECT x FROM lower('ABC') AS x`,
		`SELECT t.c FROM upper('abc') AS t(c)`,
		`SELECT * FROM abs(-3) AS a, length('four') AS l`,
		`SELECT * FROM lower('A') WITH ORDINALITY`,
		`SELECT g, s FROM generate_series(1, 3) g, LATERAL repeat('x', g) s ORDER BY g`,
		`SELECT * FROM ROWS FROM (generate_series(1, 2), lower('Q')) AS r(a, b)`,
		`SELECT * FROM nosuch(1)`,
		`SELECT * FROM count(*)`,
		`SELECT * FROM lower(1, 2)`,
		`SELECT * FROM coalesce(NULL, 5)`,
		`SELECT nosuch('a', 1.5, NULL, true, now())`,
		`SELECT lower()`,
		`SELECT nosuch(x) FROM (SELECT 1) s`,
	})
}

// TestOracleRowConstructors: (a, b) is ROW(a, b), and comparisons of row
// constructors go field by field as in PostgreSQL: NULL fields make them
// NULL, ordering comparisons decide at the first differing pair (keyset
// pagination), IN lists and subqueries of rows, rows of different
// lengths 42601.
func TestOracleRowConstructors(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE rv (id int PRIMARY KEY, a int, b text)`,
		`INSERT INTO rv VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'a'), (4, 2, NULL), (5, NULL, 'c')`,
		`SELECT id FROM rv WHERE (a, b) = (1, 'a')`,
		`SELECT id FROM rv WHERE ROW(a, b) <> ROW(1, 'a') ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) > (1, 'a') ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) >= (1, 'b') ORDER BY a, b LIMIT 2`,
		`SELECT id FROM rv WHERE (a, b) < (2, 'b') ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) <= (2, 'a') ORDER BY id`,
		`SELECT id FROM rv WHERE (a, id) > ($$1$$::int, 1) ORDER BY a, id LIMIT 2`,
		`SELECT id FROM rv WHERE (a, b) IN ((1, 'a'), (2, 'a')) ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) NOT IN ((1, 'a'), (2, 'a')) ORDER BY id`,
		`SELECT (1, 2) = (1, 2), (1, NULL) = (1, 2), (1, NULL) = (2, 2), (1, 2) < (1, 3), (NULL, 1) < (2, 0), (1, 'x')`,
		`SELECT (1, 2, 3) <> (1, 2, NULL), (1, 2) IN ((3, 4), (1, NULL)), (1, 2) NOT IN ((3, 4), (1, NULL))`,
		`SELECT id FROM rv WHERE (a, b) IN (SELECT a, b FROM rv WHERE id > 2) ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) NOT IN (SELECT 1, 'a') ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) NOT IN (SELECT a, b FROM rv WHERE id = 4) ORDER BY id`,
		`SELECT (1, NULL) IN (SELECT 1, 2), (1, NULL) NOT IN (SELECT 2, 2), (1, 2) IN (SELECT 1, 2 WHERE false), (1, 2) NOT IN (SELECT NULL::int, 2)`,
		`SELECT id, (a, id) IN (SELECT x.a, x.id + 1 FROM rv x) AS prev FROM rv ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) IN (SELECT 1) ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) IN (SELECT 1, 'a', 2) ORDER BY id`,
		`SELECT id FROM rv WHERE (a, b) = (1, 'a', 3)`,
		`SELECT (a, b) FROM rv ORDER BY id`,
		`SELECT ((a, b)).f1 FROM rv WHERE id = 1`,
	})
}

// TestOracleUpdateReadsStatementStart compares UPDATEs whose SET
// subqueries read the table being updated with PostgreSQL's: they see
// the table as the statement found it (an earlier statement's writes
// included), never the rows the UPDATE has already written.
func TestOracleUpdateReadsStatementStart(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE ss (id int PRIMARY KEY, b int, c int)`,
		`INSERT INTO ss SELECT i, i, 0 FROM generate_series(1, 6) i`,
		`UPDATE ss SET b = (SELECT x.b FROM ss x WHERE x.id = ss.id - 1) + 100 RETURNING id, b`,
		`UPDATE ss SET c = (SELECT count(*) FROM ss x WHERE x.b > ss.b) RETURNING id, c`,
		`UPDATE ss SET (b, c) = (SELECT x.c, x.b FROM ss x WHERE x.id = ss.id % 6 + 1) RETURNING id, b, c`,
		`UPDATE ss SET b = t2.c + 1 FROM ss t2 WHERE t2.id = ss.id + 1 RETURNING ss.id, ss.b`,
		`UPDATE ss SET c = (SELECT sum(b) FROM ss) WHERE id <= 3 RETURNING id, c`,
		`BEGIN`,
		`UPDATE ss SET b = id * 10`,
		`UPDATE ss SET c = (SELECT x.b FROM ss x WHERE x.id = ss.id + 1) RETURNING id, b, c`,
		`UPDATE ss SET b = (SELECT max(c) FROM ss x WHERE x.id < ss.id) RETURNING id, b`,
		`COMMIT`,
		`SELECT * FROM ss ORDER BY id`,
	})
}

// TestOracleOnConflictTwice compares an INSERT ... ON CONFLICT DO UPDATE
// proposing one key twice with PostgreSQL's 21000 (it may not update a
// row it inserted or updated itself), and DO NOTHING's skip.
func TestOracleOnConflictTwice(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE oc (id int PRIMARY KEY, v text, n int DEFAULT 0, email text UNIQUE)`,
		`INSERT INTO oc (id, v) VALUES (1, 'a'), (1, 'b') ON CONFLICT (id) DO UPDATE SET v = excluded.v`,
		`INSERT INTO oc (id, v) VALUES (1, 'a')`,
		`INSERT INTO oc (id, v) VALUES (1, 'x'), (1, 'y') ON CONFLICT (id) DO UPDATE SET v = excluded.v`,
		`INSERT INTO oc (id, v) VALUES (1, 'x'), (1, 'y') ON CONFLICT (id) DO UPDATE SET v = excluded.v WHERE false`,
		`INSERT INTO oc (id, v) VALUES (1, 'x'), (2, 'y') ON CONFLICT (id) DO UPDATE SET v = excluded.v RETURNING id, v`,
		`INSERT INTO oc (id, v) VALUES (2, 'x'), (2, 'y') ON CONFLICT (id) DO NOTHING`,
		`INSERT INTO oc (id, v, email) VALUES (3, 'p', 'e@x'), (4, 'q', 'e@x') ON CONFLICT (email) DO UPDATE SET v = excluded.v`,
		`INSERT INTO oc (id, v, email) VALUES (3, 'p', 'e@x')`,
		`INSERT INTO oc (id, v, email) VALUES (5, 'r', 'e@x'), (6, 's', 'f@x') ON CONFLICT (email) DO UPDATE SET n = oc.n + 1 RETURNING id, v, n, email`,
		// DO UPDATE's subqueries read the table as the statement found it.
		`INSERT INTO oc (id, v) VALUES (10, 'new'), (1, 'up') ON CONFLICT (id) DO UPDATE SET n = (SELECT count(*) FROM oc) RETURNING id, n`,
		`INSERT INTO oc (id, v) VALUES (11, 'new'), (2, 'up') ON CONFLICT (id) DO UPDATE SET (v, n) = (SELECT max(v), count(*) FROM oc) RETURNING id, v, n`,
		`SELECT * FROM oc ORDER BY id`,
	})
}
