package oracle

import "testing"

// recordScript: (x).field on row values (whole rows, ROW(...), a
// subquery's row-valued column, a set-returning function's row) and
// information_schema._pg_expandarray, as pgjdbc's getPrimaryKeys and
// getIndexInfo use them.
var recordScript = []string{
	`SELECT (row(1, 2)).f1, (row(1, 'x'::text)).f2`,
	`SELECT (s).a, (s).b FROM (SELECT 1 AS a, 'x' AS b) s`,
	`SELECT (s.r).f2 FROM (SELECT row(1, 2) AS r) s`,
	`SELECT (x).n, (x).x FROM (SELECT information_schema._pg_expandarray(array[10, 20]) AS x) s`,
	`SELECT (information_schema._pg_expandarray(array[10, 20])).n`,
	`SELECT * FROM information_schema._pg_expandarray(array['a', 'b'])`,
	`SELECT * FROM information_schema._pg_expandarray(array['a', 'b']) AS e(v, i)`,
	`SELECT information_schema._pg_expandarray(array['a', 'b'])`,
	`SELECT (1).x`,
	`SELECT ('{"a":1}'::jsonb).a`,
	`SELECT ((SELECT row(1, 2))).f1`,
	`SELECT (jsonb_each('{"a":1}')).key, (jsonb_each('{"a":1}')).value`,
	`SELECT (jsonb_each('{"a":1}')).nope`,
	`SELECT (s).b.c FROM (SELECT 1 AS b) s`,
	`SELECT (s).r.f1 FROM (SELECT row(7, 8) AS r) s`,
	`WITH w AS (SELECT row(1, 'a'::text) AS r) SELECT (r).f2, (w.r).f1 FROM w`,
	`WITH w(q) AS (SELECT information_schema._pg_expandarray(array[5, 6])) SELECT (q).x FROM w ORDER BY (q).n DESC`,
	`CREATE TABLE rt (a int, b text, c float8, PRIMARY KEY (a, b))`,
	`CREATE INDEX rt_c ON rt (c)`,
	`INSERT INTO rt VALUES (1, 'x', 0.5), (2, 'y', NULL)`,
	`SELECT (rt).b, (rt).c FROM rt ORDER BY a`,
	`SELECT (t2).a FROM rt, rt t2 WHERE (rt).a = 1 AND (t2).b = 'y'`,
	`SELECT (rt).nope FROM rt`,
	`SELECT (rt.*).nope FROM rt`,
	`SELECT (s).nope FROM (SELECT 1 AS a) s`,
	`SELECT (s.r).nope FROM (SELECT row(1, 2) AS r) s`,
	// pgjdbc's getPrimaryKeys
	`SELECT result.TABLE_SCHEM, result.TABLE_NAME, result.COLUMN_NAME, result.KEY_SEQ, result.PK_NAME
	 FROM (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,
	   (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,
	   information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM
	   FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
	   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)
	   JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)
	   JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
	   WHERE true AND n.nspname = E'public' AND ct.relname = E'rt' AND i.indisprimary) result
	 WHERE result.A_ATTNUM = (result.KEYS).x ORDER BY result.table_name, result.pk_name, result.key_seq`,
	// pgjdbc's getIndexInfo
	`SELECT tmp.INDEX_NAME, tmp.ORDINAL_POSITION, trim(both '"' from pg_catalog.pg_get_indexdef(tmp.CI_OID, tmp.ORDINAL_POSITION, false)) AS COLUMN_NAME,
	   CASE tmp.AM_NAME WHEN 'btree' THEN CASE tmp.I_INDOPTION[tmp.ORDINAL_POSITION - 1] & 1::smallint WHEN 1 THEN 'D' ELSE 'A' END ELSE NULL END AS ASC_OR_DESC
	 FROM (SELECT ct.relname AS TABLE_NAME, NOT i.indisunique AS NON_UNIQUE, ci.relname AS INDEX_NAME,
	   (information_schema._pg_expandarray(i.indkey)).n AS ORDINAL_POSITION, ci.oid AS CI_OID, i.indoption AS I_INDOPTION, am.amname AS AM_NAME
	   FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)
	   JOIN pg_catalog.pg_index i ON (ct.oid = i.indrelid) JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
	   JOIN pg_catalog.pg_am am ON (ci.relam = am.oid)
	   WHERE true AND n.nspname = E'public' AND ct.relname = E'rt') AS tmp
	 ORDER BY NON_UNIQUE, INDEX_NAME, ORDINAL_POSITION`,
	// pgjdbc's getBestRowIdentifier
	`SELECT a.attname, a.atttypid FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
	 JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)
	 JOIN (SELECT i.indexrelid, i.indrelid, i.indisprimary, information_schema._pg_expandarray(i.indkey) AS keys FROM pg_catalog.pg_index i) i
	   ON (a.attnum = (i.keys).x AND a.attrelid = i.indrelid)
	 WHERE true AND n.nspname = E'public' AND ct.relname = E'rt' AND i.indisprimary ORDER BY a.attnum`,
	// generate_subscripts: an int2vector counts from 0, other arrays from 1.
	`SELECT generate_subscripts(array['a', 'b', 'c'], 1), generate_subscripts(array[1, 2], 1, true)`,
	`SELECT * FROM generate_subscripts(array[[1, 2, 3], [4, 5, 6]], 2) g`,
	`SELECT generate_subscripts(array[1], 2), generate_subscripts(NULL::int[], 1)`,
	`SELECT i.indoption[0], i.indkey[0], i.indkey[1], i.indkey[2] FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'rt_pkey'`,
	// SQLAlchemy's primary-key reflection
	`SELECT a.attname FROM pg_attribute a JOIN (
	   SELECT unnest(ix.indkey) attnum, generate_subscripts(ix.indkey, 1) ord FROM pg_index ix
	   WHERE ix.indrelid = 'rt'::regclass AND ix.indisprimary) k ON a.attnum = k.attnum
	 WHERE a.attrelid = 'rt'::regclass ORDER BY k.ord`,
	// pgjdbc's getSQLKeywords reads the keyword list.
	`SELECT count(*), count(*) FILTER (WHERE catcode = 'R'), string_agg(word, ',' ORDER BY word) FILTER (WHERE word LIKE 'sel%' OR word LIKE 'ab%') FROM pg_catalog.pg_get_keywords()`,
	`SELECT * FROM pg_get_keywords() WHERE word IN ('select', 'abort', 'between', 'authorization') ORDER BY word`,
}

func TestOracleRecords(t *testing.T) { compareScriptMessages(t, recordScript) }
