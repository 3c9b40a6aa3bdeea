package oracle

import "testing"

// insertAliasScript: INSERT INTO t AS alias, after which ON CONFLICT's
// SET and WHERE and RETURNING name the table by the alias only.
var insertAliasScript = []string{
	`CREATE TABLE counters (k text PRIMARY KEY, n int)`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = c.n + EXCLUDED.n WHERE c.n < 100 RETURNING c.k, c.n`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = c.n + EXCLUDED.n WHERE c.n < 100 RETURNING c.k, c.n`,
	`INSERT INTO counters AS c VALUES ('a', 200) ON CONFLICT (k) DO UPDATE SET n = c.n + excluded.n WHERE c.n < 2 RETURNING c.*`,
	`INSERT INTO counters AS c VALUES ('a', 5) ON CONFLICT (k) DO UPDATE SET n = c.n + excluded.n WHERE c.n < 100 RETURNING *, c`,
	// The table's own name is out of reach once it has an alias.
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = counters.n + 1`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = 1 WHERE counters.n > 1`,
	`INSERT INTO counters AS c VALUES ('b', 1) RETURNING counters.n`,
	`INSERT INTO counters AS c VALUES ('b', 1) RETURNING counters.*`,
	`INSERT INTO counters AS c VALUES ('b', 1) RETURNING counters`,
	`INSERT INTO counters AS c VALUES ('b', 1) RETURNING excluded.n`,
	`INSERT INTO counters AS c VALUES ('b', 1) ON CONFLICT (k) DO UPDATE SET n = 3 WHERE x.n = 1`,
	`INSERT INTO counters AS c VALUES ('b', 1) ON CONFLICT (k) DO UPDATE SET n = 3 WHERE c.nosuch = 1`,
	// Subqueries see the alias as an outer reference, and their own.
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = (SELECT max(x.n) FROM counters x WHERE x.k = counters.k)`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = (SELECT count(*) FROM counters x WHERE x.n <= c.n) + c.n RETURNING c.n`,
	// The alias without ON CONFLICT, with a column list, with a
	// query, and a second time for a conflict.
	`INSERT INTO counters AS c (k, n) VALUES ('b', 2) RETURNING c.k, n`,
	`INSERT INTO counters AS c SELECT 'd', 4 RETURNING c`,
	`INSERT INTO counters AS c (n, k) SELECT n * 10, k || 'x' FROM counters WHERE k < 'c' RETURNING c.k`,
	`INSERT INTO counters AS c VALUES ('b', 2) ON CONFLICT (k) DO UPDATE SET n = excluded.n + c.n`,
	// An alias named excluded is allowed, but excluded.x is then
	// ambiguous in ON CONFLICT DO UPDATE.
	`INSERT INTO counters AS excluded VALUES ('e', 1) RETURNING excluded.n`,
	`INSERT INTO counters AS excluded VALUES ('e', 1) ON CONFLICT (k) DO UPDATE SET n = excluded.n + 1`,
	`INSERT INTO counters AS excluded VALUES ('e', 7) ON CONFLICT (k) DO UPDATE SET n = 70 RETURNING excluded.*`,
	// Without an alias the table's name still works; an alias is
	// written with AS.
	`INSERT INTO counters VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n = counters.n + 1 RETURNING counters.n`,
	`INSERT INTO counters c VALUES ('f', 1)`,
	`INSERT INTO counters AS VALUES ('f', 1)`,
	// Elsewhere too, a table's name is out of reach behind its alias.
	`SELECT counters.n FROM counters c`,
	`SELECT counters.* FROM counters c`,
	`SELECT (SELECT counters.n FROM counters x LIMIT 1) FROM counters c`,
	`UPDATE counters c SET n = 1 WHERE counters.k = 'a'`,
	`DELETE FROM counters c WHERE counters.k = 'a'`,
	`SELECT nosuch.n FROM counters c`,
	// ON CONFLICT DO NOTHING with an alias; a SET target is a column
	// of the table, never qualified by its name or alias.
	`INSERT INTO counters AS c VALUES ('a', 0), ('g', 7) ON CONFLICT (k) DO NOTHING RETURNING c.k, c.n`,
	`INSERT INTO counters AS c VALUES ('a', 0) ON CONFLICT DO NOTHING RETURNING c.*`,
	`INSERT INTO counters AS c VALUES ('a', 0) ON CONFLICT DO NOTHING RETURNING counters.k`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET c.n = 3`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET counters.n = 3`,
	`INSERT INTO counters AS c VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET n.x = 3`,
	`SELECT * FROM counters ORDER BY k`,
}

func TestOracleInsertAlias(t *testing.T) { compareScriptMessages(t, insertAliasScript) }

// setSubselectScript: UPDATE ... SET (a, b) = (SELECT ...), the sub-SELECT
// giving one row (correlated with the row updated, or not), also in ON
// CONFLICT DO UPDATE.
var setSubselectScript = []string{
	`CREATE TABLE ss (id int PRIMARY KEY, a text, b int DEFAULT 7, c int)`,
	`CREATE TABLE src (id int, a text, b int)`,
	`INSERT INTO ss VALUES (1, 'x', 1, 1), (2, 'y', 2, 2), (3, 'z', 3, 3), (4, 'w', 4, 4)`,
	`INSERT INTO src VALUES (1, 's1', 10), (2, 's2', 20), (2, 's2b', 21), (4, 's4', 40)`,
	// Correlated: no row sets the columns to NULL.
	`UPDATE ss SET (a, b) = (SELECT s.a, s.b FROM src s WHERE s.id = ss.id) WHERE id IN (1, 3) RETURNING *`,
	`UPDATE ss AS t SET (b, a) = (SELECT s.b + t.c, s.a || '!' FROM src s WHERE s.id = t.id), c = c * 10 WHERE t.id = 4 RETURNING t.*`,
	// More than one row: the statement fails as a whole.
	`UPDATE ss SET (a, b) = (SELECT s.a, s.b FROM src s WHERE s.id = ss.id)`,
	`SELECT * FROM ss ORDER BY id`,
	// Other sources: uncorrelated, an aggregate, VALUES, WITH, a
	// union, extra parentheses, an empty result; several groups and
	// plain assignments together.
	`UPDATE ss SET (a, b) = (SELECT 'm', count(*) FROM src) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (a, b) = (VALUES ('v', 6)) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (a, b) = (WITH w AS (SELECT 'cte' AS x, 42 AS y) SELECT x, y FROM w) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT 'u', 1 UNION ALL SELECT 'v', 2 ORDER BY 2 DESC LIMIT 1) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (a, b) = ((SELECT 'pp', 5)) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT 'e', 1 WHERE false) WHERE id = 1 RETURNING *`,
	`UPDATE ss SET (b, c) = (SELECT c, b), a = 'sw' WHERE id = 2 RETURNING *`,
	`UPDATE ss SET (a, c) = (SELECT 'g', 9), (b) = (SELECT max(b) FROM src) WHERE id = 2 RETURNING *`,
	`UPDATE ss SET b = DEFAULT, (a, c) = (SELECT a, b FROM src WHERE id = 4) WHERE id = 2 RETURNING *`,
	`UPDATE ss SET (a) = (SELECT 'one') WHERE id = 3 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT a || '+', b + 1 FROM src WHERE src.id = ss.id ORDER BY b LIMIT 1) WHERE id = 2 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT x.a, x.b FROM ss x WHERE x.id = ss.id + 1) WHERE id < 3 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT 1, 2.7) WHERE id = 3 RETURNING *`,
	`UPDATE ss SET (a, b) = (SELECT 'u', 1 UNION ALL SELECT 'v', 2) WHERE id = 99`,
	`UPDATE ss SET (a, b) = (SELECT 'u', 1 UNION ALL SELECT 'v', 2) WHERE id = 3`,
	// The sub-SELECT's columns must be as many as the columns set.
	`UPDATE ss SET (a, b) = (SELECT s.a FROM src s WHERE s.id = ss.id)`,
	`UPDATE ss SET (a, b) = (SELECT s.a, s.b, 1 FROM src s WHERE s.id = ss.id)`,
	`UPDATE ss SET (a, b) = (SELECT * FROM src s WHERE s.id = ss.id)`,
	`UPDATE ss SET (nosuch, a) = (SELECT 1)`,
	`UPDATE ss SET (a, nosuch) = (SELECT 1, 2)`,
	`UPDATE ss SET (a, b) = (SELECT nosuch, 1)`,
	`UPDATE ss SET (a, b) = (SELECT 'q', 1) WHERE id = 4 RETURNING *`,
	// ON CONFLICT DO UPDATE: the sub-SELECT sees the existing row (by
	// name or alias) and EXCLUDED.
	`INSERT INTO ss VALUES (1, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (SELECT excluded.a || ss.b, ss.c + 100) RETURNING *`,
	`INSERT INTO ss AS t VALUES (1, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (SELECT s.a, s.b FROM src s WHERE s.id = t.id) RETURNING *`,
	`INSERT INTO ss VALUES (5, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (SELECT s.a, s.b FROM src s WHERE s.id = excluded.id) RETURNING *`,
	`INSERT INTO ss VALUES (2, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (SELECT s.a, s.b FROM src s WHERE s.id = excluded.id) RETURNING *`,
	`INSERT INTO ss VALUES (2, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (SELECT s.a FROM src s WHERE s.id = excluded.id)`,
	`INSERT INTO ss VALUES (4, 'n', 0, 0), (3, 'm', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, b) = (SELECT s.a, s.b FROM src s WHERE s.id = excluded.id) WHERE ss.c > 0 RETURNING *`,
	// A source that is neither a sub-SELECT nor a row, for one column
	// too.
	`UPDATE ss SET (a) = ('q')`,
	`UPDATE ss SET (b) = (DEFAULT)`,
	`UPDATE ss SET (a, b) = (SELECT 'w', 1) + 1`,
	`UPDATE ss SET (b) = (SELECT 1)::int`,
	`UPDATE ss SET (a, b) = ('w', 1) || 'x'`,
	`UPDATE ss SET (a, b) = ROW('w', 1)::text`,
	`INSERT INTO ss VALUES (1) ON CONFLICT (id) DO UPDATE SET (b) = (5)`,
	`UPDATE ss SET (b) = ROW(5) WHERE id = 5 RETURNING *`,
	// One column set twice, once the assignments are bound.
	`UPDATE ss SET b = 1, b = 2`,
	`UPDATE ss SET (a, b) = (SELECT 'x', 1), b = 3`,
	`UPDATE ss SET (b, b) = (1, 2)`,
	`UPDATE ss SET b = 1, nosuch = 2, b = 3`,
	`UPDATE ss SET b = 1, b = nosuch`,
	`INSERT INTO ss VALUES (1) ON CONFLICT (id) DO UPDATE SET b = 1, (c, b) = (SELECT 2, 3)`,
	// A SET target is a column; x.y would set a field of column x.
	`UPDATE ss SET ss.b = 1`,
	`UPDATE ss SET b.x = 1`,
	`UPDATE ss SET a.x = 1`,
	`SELECT * FROM ss ORDER BY id`,
}

func TestOracleSetSubselect(t *testing.T) { compareScriptMessages(t, setSubselectScript) }
