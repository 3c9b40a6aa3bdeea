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
	`SELECT * FROM counters ORDER BY k`,
}

func TestOracleInsertAlias(t *testing.T) { compareScriptMessages(t, insertAliasScript) }
