package oracle

import "testing"

// TestOracleExpressionIndexes compares expression and partial indexes
// with PostgreSQL's: what they enforce (a unique key over lower(email),
// uniqueness among the rows a predicate holds for), the rows queries
// through them return, their definitions in pg_indexes and pg_index,
// their names when unnamed, the errors of bad definitions, and how
// RENAME COLUMN, DROP COLUMN and ALTER COLUMN TYPE carry them along.
func TestOracleExpressionIndexes(t *testing.T) {
	compareScriptMessages(t, []string{
		`CREATE TABLE users (id int PRIMARY KEY, email text, deleted_at date, n int, tag text)`,
		`INSERT INTO users VALUES (1, 'A@x.com', NULL, 1, 'a'), (2, 'b@x.com', NULL, 2, 'b'), (3, 'a@X.com', '2020-01-01', 3, 'c')`,
		// A unique expression index over rows that collide in it.
		`CREATE UNIQUE INDEX ON users (lower(email))`,
		`CREATE UNIQUE INDEX users_email_live ON users (lower(email)) WHERE deleted_at IS NULL`,
		`CREATE INDEX ON users ((n + 1))`,
		`CREATE INDEX ON users ((n * 2), (n * 3))`,
		`CREATE INDEX ON users (n)`,
		`CREATE INDEX ON users (n)`,
		`CREATE INDEX users_tag_pattern ON users (tag text_pattern_ops DESC NULLS LAST) INCLUDE (n) WITH (fillfactor = 70)`,
		`CREATE INDEX users_tag_c ON users (tag COLLATE "C")`,
		// Operator classes, collations, directions and NULLS orders are
		// kept for the definition (keys sort one way here); storage
		// parameters are accepted and not shown.
		`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' AND indexname <> 'users_tag_pattern' ORDER BY indexname`,
		`CREATE INDEX users_opts ON users (n DESC, tag NULLS FIRST, email DESC NULLS LAST, id ASC NULLS LAST, (n + 2) DESC NULLS FIRST)`,
		`SELECT pg_get_indexdef('users_opts'::regclass), pg_get_indexdef('users_opts'::regclass, 0, true)`,
		`SELECT indoption::text FROM pg_index WHERE indexrelid = 'users_opts'::regclass`,
		`SELECT indoption::text FROM pg_index WHERE indexrelid = 'users_tag_pattern'::regclass`,
		`DROP INDEX users_opts`,
		`SELECT pg_get_indexdef('users_email_live'::regclass, 0, true), pg_get_indexdef('users_expr_idx'::regclass, 0, true)`,
		`SELECT pg_get_indexdef('users_email_live'::regclass, 1, true)`,
		`SELECT indkey::text, indisunique, indexprs IS NOT NULL, indpred IS NOT NULL FROM pg_index WHERE indexrelid = 'users_email_live'::regclass`,
		`SELECT conname FROM pg_constraint WHERE conrelid = 'users'::regclass ORDER BY 1`,
		// Uniqueness among live rows only.
		`INSERT INTO users VALUES (4, 'B@X.com', NULL, 4, 'd')`,
		`INSERT INTO users VALUES (5, 'b@x.com', '2021-01-01', 5, 'e')`,
		`UPDATE users SET deleted_at = NULL WHERE id = 3`,
		`UPDATE users SET deleted_at = '2022-02-02' WHERE id = 1`,
		`UPDATE users SET deleted_at = NULL WHERE id = 3`,
		`UPDATE users SET deleted_at = NULL WHERE id = 1`,
		`DELETE FROM users WHERE id = 3`,
		`UPDATE users SET deleted_at = NULL WHERE id = 1`,
		`INSERT INTO users VALUES (6, NULL, NULL, NULL, NULL), (7, NULL, NULL, NULL, NULL)`,
		// Reads through the indexes.
		`SELECT id FROM users WHERE lower(email) = 'b@x.com' AND deleted_at IS NULL ORDER BY id`,
		`SELECT id FROM users WHERE lower(email) = 'b@x.com' ORDER BY id`,
		`SELECT id FROM users WHERE n + 1 = 3`,
		`SELECT id FROM users WHERE n + 1 > 2 AND n + 1 <= 5 ORDER BY id`,
		`SELECT id FROM users WHERE n * 2 = 4 AND n * 3 = 6`,
		`SELECT id, email FROM users ORDER BY id`,
		// Definitions PostgreSQL refuses.
		`CREATE INDEX ON users (random())`,
		`CREATE INDEX ON users ((now()))`,
		`CREATE INDEX ON users ((SELECT 1))`,
		`CREATE INDEX ON users (((SELECT 1)))`,
		`CREATE INDEX ON users (n) WHERE n`,
		`CREATE INDEX ON users (n) WHERE count(*) > 1`,
		`CREATE INDEX ON users (n) WHERE id IN (SELECT 1)`,
		`CREATE INDEX ON users (lower(nosuch))`,
		`CREATE INDEX ON users (n) WHERE nosuch > 1`,
		`CREATE INDEX ON users ((count(*)))`,
		`CREATE INDEX users_expr_idx ON users (n)`,
		// Neither ON CONFLICT nor a foreign key takes a partial or
		// expression index as a unique key.
		`INSERT INTO users VALUES (8, 'b@x.com', NULL, 8, 'h') ON CONFLICT (email) DO NOTHING`,
		`CREATE TABLE refs (e text REFERENCES users (email))`,
		`INSERT INTO users VALUES (8, 'B@x.COM', NULL, 8, 'h') ON CONFLICT DO NOTHING`,
		`SELECT count(*) FROM users WHERE id = 8`,
		// ALTER TABLE carries the expressions along.
		`ALTER TABLE users RENAME COLUMN email TO mail`,
		`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE '%live%'`,
		`INSERT INTO users VALUES (9, 'b@X.com', NULL, 9, 'i')`,
		`ALTER TABLE users ALTER COLUMN n TYPE bigint`,
		`SELECT id FROM users WHERE n + 1 = 3`,
		`ALTER TABLE users DROP COLUMN deleted_at`,
		`SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY indexname`,
		`INSERT INTO users VALUES (10, 'b@x.com', 10, 'j')`,
		`ALTER TABLE users DROP COLUMN n`,
		`SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY indexname`,
		// LIKE ... INCLUDING INDEXES copies them.
		`CREATE TABLE logs (id int PRIMARY KEY, who text, done bool)`,
		`CREATE UNIQUE INDEX logs_open ON logs (lower(who)) WHERE NOT done`,
		`CREATE TABLE logs2 (LIKE logs INCLUDING INDEXES)`,
		`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'logs2' ORDER BY indexname`,
		`INSERT INTO logs2 VALUES (1, 'Ann', false), (2, 'ann', true)`,
		`INSERT INTO logs2 VALUES (3, 'ANN', false)`,
		// ON CONFLICT infers an expression or partial unique index.
		`CREATE TABLE acct (id int PRIMARY KEY, email text, gone bool NOT NULL DEFAULT false, hits int DEFAULT 0)`,
		`CREATE UNIQUE INDEX acct_live ON acct (lower(email)) WHERE NOT gone`,
		`CREATE UNIQUE INDEX acct_id2 ON acct ((id * 2))`,
		`INSERT INTO acct VALUES (1, 'Ann@x', false), (2, 'ann@x', true)`,
		`INSERT INTO acct VALUES (3, 'ANN@X', false) ON CONFLICT (lower(email)) WHERE NOT gone DO UPDATE SET hits = acct.hits + 1 RETURNING id, hits`,
		`INSERT INTO acct VALUES (4, 'ann@X', false) ON CONFLICT (lower(email)) WHERE NOT gone DO NOTHING RETURNING id`,
		`INSERT INTO acct VALUES (5, 'ann@X', true) ON CONFLICT (lower(email)) WHERE NOT gone DO UPDATE SET hits = 100 RETURNING id, hits`,
		`INSERT INTO acct AS a VALUES (6, 'bob@x', false) ON CONFLICT (lower(email)) WHERE NOT gone AND id > 0 DO UPDATE SET hits = a.hits + 1 RETURNING id, hits`,
		`INSERT INTO acct VALUES (7, 'BOB@x', false) ON CONFLICT (lower(email)) WHERE NOT gone AND id > 0 DO UPDATE SET hits = excluded.id RETURNING id, hits`,
		`INSERT INTO acct VALUES (1, 'zed@x') ON CONFLICT ((id * 2)) DO UPDATE SET email = excluded.email RETURNING id, email`,
		`INSERT INTO acct VALUES (8, 'ann@x') ON CONFLICT (lower(email)) DO NOTHING`,
		`INSERT INTO acct VALUES (8, 'ann@x') ON CONFLICT (email) WHERE NOT gone DO NOTHING`,
		`INSERT INTO acct VALUES (8, 'ann@x') ON CONFLICT (upper(email)) WHERE NOT gone DO NOTHING`,
		`INSERT INTO acct VALUES (8, 'ann@x') ON CONFLICT (lower(nosuch)) WHERE NOT gone DO NOTHING`,
		`INSERT INTO acct VALUES (8, 'ann@x') ON CONFLICT (id) WHERE gone DO UPDATE SET hits = 5 RETURNING id, hits`,
		`INSERT INTO acct VALUES (1, 'ann@x') ON CONFLICT (id) WHERE gone DO UPDATE SET hits = 5 RETURNING id, hits`,
		`SELECT * FROM acct ORDER BY id`,
		// An expression that fails on a row fails the write (or the build).
		`CREATE TABLE dz (id int PRIMARY KEY, n int)`,
		`INSERT INTO dz VALUES (1, 0)`,
		`CREATE INDEX ON dz ((10 / n))`,
		`DELETE FROM dz`,
		`CREATE INDEX ON dz ((10 / n))`,
		`INSERT INTO dz VALUES (2, 0)`,
		`INSERT INTO dz VALUES (3, 5), (4, 2)`,
		`UPDATE dz SET n = 0 WHERE id = 3`,
		`SELECT id FROM dz WHERE 10 / n = 2`,
		`SELECT id FROM dz ORDER BY id`,
	})
}
