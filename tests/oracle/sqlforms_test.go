package oracle

import "testing"

// joinedReturningScript: RETURNING * and RETURNING t.*, m.* in UPDATE
// ... FROM and DELETE ... USING give the target's columns followed by
// the other entries'.
var joinedReturningScript = []string{
	`CREATE TABLE jr_acct (id int PRIMARY KEY, bal int, note text)`,
	`CREATE TABLE jr_move (acct_id int, amt int, note text)`,
	`CREATE TABLE jr_tag (id int PRIMARY KEY, tag text)`,
	`INSERT INTO jr_acct VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')`,
	`INSERT INTO jr_move VALUES (1, 5, 'm1'), (2, 7, 'm2')`,
	`INSERT INTO jr_tag VALUES (1, 'one'), (2, 'two'), (3, 'three')`,
	`UPDATE jr_acct a SET bal = a.bal + m.amt FROM jr_move m WHERE m.acct_id = a.id RETURNING *`,
	`UPDATE jr_acct a SET bal = a.bal + m.amt FROM jr_move m WHERE m.acct_id = a.id RETURNING m.*, a.*`,
	`UPDATE jr_acct a SET bal = a.bal + 1 FROM jr_move m, jr_tag g WHERE m.acct_id = a.id AND g.id = a.id RETURNING *`,
	`UPDATE jr_acct a SET bal = a.bal + 1 FROM jr_move m, jr_tag g WHERE m.acct_id = a.id AND g.id = a.id RETURNING g.*, a.id, m.note`,
	`UPDATE jr_acct a SET bal = 0 FROM jr_move m JOIN jr_tag g ON g.id = m.acct_id WHERE m.acct_id = a.id RETURNING *`,
	`UPDATE jr_acct SET bal = bal + 1 FROM (SELECT 2 AS k, 'x' AS v) s WHERE s.k = jr_acct.id RETURNING *, s.v`,
	`UPDATE jr_acct a SET bal = 1 FROM jr_move m WHERE m.acct_id = a.id RETURNING nosuch.*`,
	`UPDATE jr_acct a SET bal = 1 FROM jr_move m WHERE m.acct_id = a.id RETURNING jr_move.*`,
	`UPDATE jr_acct a SET bal = 1 FROM jr_move m WHERE m.acct_id = a.id RETURNING jr_acct.*`,
	`WITH w AS (SELECT 3 AS id, 'w' AS note) UPDATE jr_acct a SET bal = 2 FROM w JOIN jr_tag USING (id) WHERE w.id = a.id RETURNING *`,
	`DELETE FROM jr_acct a USING jr_move m WHERE m.acct_id = a.id AND a.id = 2 RETURNING *`,
	`DELETE FROM jr_acct a USING jr_tag g WHERE g.id = a.id AND a.id = 1 RETURNING g.*, a.*, g.tag`,
	`SELECT * FROM jr_acct ORDER BY id`,
}

func TestOracleJoinedReturning(t *testing.T) { compareScriptMessages(t, joinedReturningScript) }

// fromMultiAssignScript: SET (a, b) = (SELECT ...) in UPDATE ... FROM,
// the sub-SELECT reading the target row and the match.
var fromMultiAssignScript = []string{
	`CREATE TABLE fm_acct (id int PRIMARY KEY, bal int, note text)`,
	`CREATE TABLE fm_move (acct_id int, amt int, note text)`,
	`CREATE TABLE fm_rate (amt int, factor int)`,
	`INSERT INTO fm_acct VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd')`,
	`INSERT INTO fm_move VALUES (1, 5, 'm1'), (2, 7, 'm2'), (3, 9, 'm3'), (4, 1, 'm4'), (4, 1, 'm4')`,
	`INSERT INTO fm_rate VALUES (5, 2), (7, 3), (9, 4), (9, 5)`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT a.bal + m.amt, m.note || '!') FROM fm_move m WHERE m.acct_id = a.id AND a.id = 1 RETURNING *`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT a.bal * r.factor, m.note FROM fm_rate r WHERE r.amt = m.amt) FROM fm_move m WHERE m.acct_id = a.id AND a.id IN (1, 2) RETURNING a.*`,
	// No row sets NULLs; more than one is 21000; several matches are fine.
	`UPDATE fm_acct a SET (bal, note) = (SELECT r.factor, 'x' FROM fm_rate r WHERE r.amt = m.amt) FROM fm_move m WHERE m.acct_id = a.id AND a.id = 4 RETURNING a.id, a.bal, a.note`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT r.factor, 'y' FROM fm_rate r WHERE r.amt = m.amt) FROM fm_move m WHERE m.acct_id = a.id AND a.id = 1 RETURNING a.*`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT r.factor, 'y' FROM fm_rate r WHERE r.amt = m.amt) FROM fm_move m WHERE m.acct_id = a.id AND m.amt < 8 RETURNING a.*`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT r.factor, 'x' FROM fm_rate r WHERE r.amt = m.amt) FROM fm_move m WHERE m.acct_id = a.id AND a.id = 3`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT g.factor + m.amt, m.note) FROM fm_move m, fm_rate g WHERE m.acct_id = a.id AND g.amt = m.amt AND g.factor < 5 RETURNING a.*`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT g.factor, m.note) FROM fm_move m JOIN fm_rate g ON g.amt = m.amt WHERE m.acct_id = a.id AND a.id = 2 RETURNING *`,
	`UPDATE fm_acct a SET (note, bal) = (SELECT m.note, a.bal + 1), id = a.id FROM fm_move m WHERE m.acct_id = a.id AND a.id = 4 RETURNING a.*`,
	// Mixed with plain SET items, two sources, and the count check.
	`UPDATE fm_acct a SET bal = m.amt, (note) = (SELECT m.note || a.note) FROM fm_move m WHERE m.acct_id = a.id AND a.id = 2 RETURNING a.*`,
	`UPDATE fm_acct a SET (bal) = (SELECT m.amt), (note) = (SELECT 'n' || m.amt) FROM fm_move m WHERE m.acct_id = a.id RETURNING a.*`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT m.amt) FROM fm_move m WHERE m.acct_id = a.id`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT m.amt, m.note, 1) FROM fm_move m WHERE m.acct_id = a.id`,
	`UPDATE fm_acct a SET (bal, note) = (SELECT nosuch, 1) FROM fm_move m WHERE m.acct_id = a.id`,
	`SELECT * FROM fm_acct ORDER BY id`,
}

func TestOracleFromMultiAssign(t *testing.T) { compareScriptMessages(t, fromMultiAssignScript) }

// rowsFromScript: ROWS FROM (f(...), g(...)) [WITH ORDINALITY] in FROM.
var rowsFromScript = []string{
	`SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY['a', 'b'])) AS x(a, b)`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2), unnest(ARRAY['a', 'b', 'c'])) WITH ORDINALITY AS x(a, b, n)`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(10, 12)) AS x`,
	`SELECT x.* FROM ROWS FROM (generate_series(1, 2), unnest(ARRAY[1.5])) WITH ORDINALITY x`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(5, 6))`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2)) AS x`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2)) WITH ORDINALITY AS x(v, n)`,
	`SELECT b, a FROM ROWS FROM (unnest(ARRAY[3, 1, 2]), json_array_elements_text('["p", "q"]')) AS x(a, b) ORDER BY a`,
	`SELECT * FROM ROWS FROM (json_each('{"k": 1}'), generate_series(1, 2)) AS x`,
	`SELECT t.n, x.* FROM (VALUES (1), (2)) t(n), ROWS FROM (generate_series(1, t.n), unnest(ARRAY[t.n * 10])) x(a, b) ORDER BY 1, 2`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2), unnest(ARRAY['a'])) AS x(a, b, c)`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2)) WITH ORDINALITY AS x(a, b, c)`,
	`SELECT * FROM generate_series(1, 2) AS x(a, b)`,
	`SELECT * FROM ROWS FROM () AS x`,
	`SELECT * FROM ROWS FROM (generate_series(1, 2), 1) AS x`,
}

func TestOracleRowsFrom(t *testing.T) { compareScriptMessages(t, rowsFromScript) }

// joinAliasScript: an alias on a parenthesized join names the join as
// one FROM entry, hiding the tables inside it.
var joinAliasScript = []string{
	`CREATE TABLE ja_a (id int PRIMARY KEY, x text)`,
	`CREATE TABLE ja_b (id int PRIMARY KEY, y text)`,
	`INSERT INTO ja_a VALUES (1, 'a1'), (2, 'a2'), (3, 'a3')`,
	`INSERT INTO ja_b VALUES (1, 'b1'), (2, 'b2'), (4, 'b4')`,
	`SELECT * FROM (ja_a JOIN ja_b ON ja_a.id = ja_b.id) AS j ORDER BY 1`,
	`SELECT * FROM (ja_a JOIN ja_b USING (id)) AS j ORDER BY id`,
	`SELECT j.y, j.x FROM (ja_a JOIN ja_b USING (id)) j ORDER BY j.id`,
	`SELECT * FROM (ja_a JOIN ja_b ON ja_a.id = ja_b.id) AS j(p, q, r, s) ORDER BY p`,
	`SELECT j.r, j.* FROM (ja_a JOIN ja_b USING (id)) AS j(k) ORDER BY k`,
	`SELECT * FROM (ja_a FULL JOIN ja_b USING (id)) AS j ORDER BY id`,
	`SELECT * FROM (ja_a LEFT JOIN ja_b ON ja_a.id = ja_b.id) AS j(p, q, r, s) WHERE s IS NULL`,
	`SELECT * FROM (ja_a NATURAL JOIN ja_b) AS j, ja_a WHERE ja_a.id = j.id ORDER BY 1`,
	`SELECT k.* FROM (ja_a CROSS JOIN ja_b) AS k WHERE k.x = 'a1' AND k.y = 'b2'`,
	`SELECT count(*) FROM (ja_a JOIN ja_b USING (id)) AS j JOIN ja_a a2 ON a2.id = j.id`,
	`SELECT row_to_json(j) FROM (ja_a JOIN ja_b USING (id)) AS j ORDER BY j.id`,
	// The tables inside are out of reach; an id of both is ambiguous.
	`SELECT ja_a.x FROM (ja_a JOIN ja_b USING (id)) AS j`,
	`SELECT j.id FROM (ja_a JOIN ja_b ON ja_a.id = ja_b.id) AS j`,
	`SELECT * FROM (ja_a JOIN ja_b USING (id)) AS j(a, b, c, d)`,
	`SELECT * FROM (SELECT 1, 2) AS s(a, b, c)`,
	`SELECT * FROM ((ja_a JOIN ja_b USING (id)) AS j1 JOIN ja_a USING (id)) AS j2 ORDER BY 1`,
}

func TestOracleJoinAlias(t *testing.T) { compareScriptMessages(t, joinAliasScript) }

// outerStarScript: t.* of an enclosing query's entry inside a subquery
// (LATERAL or not) is that entry's columns, read from the outer row.
var outerStarScript = []string{
	`CREATE TABLE os_t (id int PRIMARY KEY, x text)`,
	`CREATE TABLE os_u (id int, y text)`,
	`INSERT INTO os_t VALUES (1, 'a'), (2, 'b')`,
	`INSERT INTO os_u VALUES (1, 'u1'), (1, 'u2'), (3, 'u3')`,
	`SELECT * FROM os_t t, LATERAL (SELECT t.*) s ORDER BY 1`,
	`SELECT * FROM os_t t, LATERAL (SELECT t.*, 1 AS k) s(p, q, r) ORDER BY 1`,
	`SELECT s.* FROM os_t t CROSS JOIN LATERAL (SELECT u.y, t.* FROM os_u u WHERE u.id = t.id) s ORDER BY 1`,
	`SELECT * FROM os_t t LEFT JOIN LATERAL (SELECT t.*, u.* FROM os_u u WHERE u.id = t.id) s ON true ORDER BY 1, 6`,
	`SELECT * FROM os_t, LATERAL (SELECT os_t.* LIMIT 1) s ORDER BY 1`,
	`SELECT id FROM os_t t WHERE EXISTS (SELECT t.* FROM os_u u WHERE u.id = t.id) ORDER BY 1`,
	`SELECT id, (SELECT max(q) FROM os_u u, LATERAL (SELECT t.*) s(p, q) WHERE u.id = s.p) FROM os_t t ORDER BY 1`,
	`SELECT (SELECT t.*) FROM os_t t`,
	`SELECT * FROM os_t t, LATERAL (SELECT nosuch.*) s`,
	`SELECT * FROM os_t t, LATERAL (SELECT *) s`,
	`SELECT * FROM os_t AS t, LATERAL (SELECT os_t.*) s`,
}

func TestOracleOuterStar(t *testing.T) { compareScriptMessages(t, outerStarScript) }
