package oracle

import "testing"

// djangoScript: statements Django 3.2's PostgreSQL backend sends (its
// schema editor, its introspection, its ORM), reduced to their core, as
// the Django end-to-end test (tests/e2e, TestDjango) found them.
var djangoScript = []string{
	// Introspection's get_constraints: unnest of several arrays in FROM
	// (ROWS FROM), the shorter padded with NULLs, WITH ORDINALITY.
	`SELECT * FROM unnest(ARRAY[1, 2, 3], ARRAY['a', 'b']) WITH ORDINALITY AS u(n, s, i)`,
	`SELECT u.a, u.b FROM unnest(ARRAY[1, 2], ARRAY['x']) AS u(a, b)`,
	`SELECT count(*) FROM unnest('{1,2}'::int2[], '{3}'::int2[], '{4,5,6}'::int2[]) u`,
	`CREATE TABLE dj_book (id bigint PRIMARY KEY, status varchar(5) NOT NULL, price numeric(8, 2) NOT NULL, title varchar(200))`,
	`CREATE INDEX dj_book_status_price_idx ON dj_book (status, price DESC)`,
	`CREATE INDEX dj_book_title_like ON dj_book (title varchar_pattern_ops)`,
	`SELECT c2.relname, string_agg(attr.attname, ',' ORDER BY arridx), max(arridx)
		FROM (SELECT * FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)) idx
		LEFT JOIN pg_class c ON idx.indrelid = c.oid
		LEFT JOIN pg_class c2 ON idx.indexrelid = c2.oid
		LEFT JOIN pg_attribute attr ON attr.attrelid = c.oid AND attr.attnum = idx.key
		WHERE c.relname = 'dj_book' GROUP BY c2.relname ORDER BY 1`,
	// Introspection reads a CHECK's columns from conkey (in the order
	// the expression names them, each once), an index's as array_agg
	// of name (a name[], not a document).
	`CREATE TABLE dj_review (id bigint PRIMARY KEY, rating smallint NOT NULL CHECK (rating >= 0), lo int, hi int, CONSTRAINT dj_range CHECK (hi >= lo AND lo >= 0 AND hi < 100))`,
	`SELECT c.conname, array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY cols(colid, arridx) JOIN pg_attribute AS ca ON cols.colid = ca.attnum WHERE ca.attrelid = c.conrelid ORDER BY cols.arridx)
		FROM pg_constraint c JOIN pg_class cl ON c.conrelid = cl.oid WHERE cl.relname = 'dj_review' ORDER BY 1`,
	`SELECT table_name, column_name, constraint_name FROM information_schema.key_column_usage WHERE table_name = 'dj_review' ORDER BY 1, 2, 3`,
	`SELECT column_name, constraint_name FROM information_schema.constraint_column_usage WHERE table_name = 'dj_review' ORDER BY 1, 2`,
	`SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'dj_review'::regclass AND attnum > 0`,
	`SELECT array_agg(x ORDER BY x DESC), array_agg(x::varchar) FILTER (WHERE x > 'a') FROM (VALUES ('a'), ('b,c'), (NULL), ('d"e')) v(x)`,
	`SELECT array_agg(x ORDER BY x) @> ARRAY['b'], ARRAY['a', 'z'] <@ array_agg(x) FROM (VALUES ('a'), ('b')) v(x)`,
	// Columns of a table whose primary key GROUP BY lists (Django's
	// annotate groups by the model's key and selects all its fields).
	`INSERT INTO dj_book VALUES (1, 'pub', 10.50, 'a'), (2, 'draft', 20, 'b'), (3, 'pub', 5, 'c')`,
	`INSERT INTO dj_review VALUES (1, 3, 1, 2), (2, 4, 1, 2), (3, 5, 2, 3)`,
	`CREATE TABLE dj_rel (book bigint, review bigint)`,
	`INSERT INTO dj_rel VALUES (1, 1), (1, 2), (2, 3)`,
	`SELECT b.title, b.price * 2, count(r.review), sum(v.rating) FROM dj_book b LEFT JOIN dj_rel r ON r.book = b.id LEFT JOIN dj_review v ON v.id = r.review
		GROUP BY b.id ORDER BY b.status, b.title`,
	`SELECT b.title FROM dj_book b JOIN dj_rel r ON r.book = b.id GROUP BY b.id HAVING b.price > 10 AND count(*) > 1`,
	`SELECT r.review, count(*) FROM dj_book b JOIN dj_rel r ON r.book = b.id GROUP BY b.id`,
	`SELECT title FROM dj_book GROUP BY status`,
	`SELECT x.title FROM (SELECT * FROM dj_book) x GROUP BY x.id`,
	`SELECT v.lo, count(*) FROM dj_review v GROUP BY v.id, v.hi ORDER BY 1, 2`,
	`SELECT review FROM dj_rel r JOIN dj_book b ON b.id = r.book GROUP BY b.status`,
	// get_table_list: information_schema's views are not on the search
	// path (inspectdb must not list them).
	`SELECT relname, relkind, pg_table_is_visible(oid) FROM pg_class WHERE relname IN ('dj_book', 'dj_book_pkey', 'pg_class', 'columns', 'tables') ORDER BY 1`,
	`SELECT pg_table_is_visible(0), pg_table_is_visible(NULL)`,
	// get_sequences (flush, the test runner's sequence reset): a serial
	// column's default depends on its sequence in pg_depend.
	`CREATE SEQUENCE dj_book_title_seq`,
	`CREATE TABLE dj_serial (id bigserial PRIMARY KEY, n int DEFAULT 0, m int DEFAULT nextval('dj_book_title_seq'::regclass))`,
	`SELECT s.relname, col.attname, d.deptype FROM pg_class s
		JOIN pg_namespace sn ON sn.oid = s.relnamespace
		JOIN pg_depend d ON d.refobjid = s.oid AND d.refclassid = 'pg_class'::regclass
		JOIN pg_attrdef ad ON ad.oid = d.objid AND d.classid = 'pg_attrdef'::regclass
		JOIN pg_attribute col ON col.attrelid = ad.adrelid AND col.attnum = ad.adnum
		JOIN pg_class tbl ON tbl.oid = ad.adrelid
		WHERE s.relkind = 'S' AND d.deptype IN ('a', 'n') AND pg_catalog.pg_table_is_visible(tbl.oid) AND tbl.relname = 'dj_serial' ORDER BY 1`,
	`SELECT count(*) FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid WHERE d.classid = 'pg_attrdef'::regclass AND ad.adrelid = 'dj_serial'::regclass`,
}

func TestOracleDjango(t *testing.T) { compareScriptMessages(t, djangoScript) }
