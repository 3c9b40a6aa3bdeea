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
}

func TestOracleDjango(t *testing.T) { compareScriptMessages(t, djangoScript) }
