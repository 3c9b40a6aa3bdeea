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
