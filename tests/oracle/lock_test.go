package oracle

import "testing"

// lockScript: SELECT ... FOR UPDATE / SHARE in one session: the rows, and
// where PostgreSQL refuses a locking clause, its errors.
var lockScript = []string{
	`CREATE TABLE fa (id int PRIMARY KEY, v text)`,
	`CREATE TABLE fb (id int PRIMARY KEY, a int)`,
	`INSERT INTO fa VALUES (1, 'x'), (2, 'y'), (3, 'z')`,
	`INSERT INTO fb VALUES (1, 1), (2, 5)`,
	`SELECT * FROM fa ORDER BY id FOR UPDATE`,
	`SELECT * FROM fa WHERE v > 'x' ORDER BY id DESC LIMIT 1 FOR UPDATE SKIP LOCKED`,
	`SELECT * FROM fa ORDER BY id FOR SHARE LIMIT 2 OFFSET 1`,
	`SELECT * FROM fa ORDER BY id FOR NO KEY UPDATE NOWAIT`,
	`SELECT fa.v, fb.id FROM fa JOIN fb ON fb.a = fa.id FOR KEY SHARE OF fa FOR UPDATE OF fb`,
	`SELECT * FROM fa LEFT JOIN fb ON fb.a = fa.id ORDER BY fa.id FOR UPDATE OF fa`,
	`SELECT g FROM generate_series(1, 2) g, fa WHERE fa.id = g ORDER BY g FOR UPDATE`,
	`SELECT id FROM fa WHERE id = (SELECT min(id) FROM fa) FOR UPDATE`,
	`SELECT count(*) FROM fa FOR UPDATE`,
	`SELECT v FROM fa GROUP BY v FOR UPDATE`,
	`SELECT DISTINCT v FROM fa FOR SHARE`,
	`SELECT v FROM fa UNION SELECT v FROM fa FOR UPDATE`,
	`SELECT * FROM fa LEFT JOIN fb ON fb.a = fa.id FOR UPDATE`,
	`SELECT * FROM fa FOR UPDATE OF nosuch`,
	`SELECT row_number() OVER () FROM fa FOR UPDATE`,
	`SELECT generate_series(1, 2) FROM fa FOR UPDATE`,
	`SELECT * FROM generate_series(1, 2) g FOR UPDATE OF g`,
	`VALUES (1) FOR UPDATE`,
	`BEGIN`,
	`SELECT * FROM fa WHERE id = 1 FOR UPDATE`,
	`UPDATE fa SET v = 'w' WHERE id = 1 RETURNING *`,
	`SELECT * FROM fa WHERE id = 1 FOR UPDATE NOWAIT`,
	`COMMIT`,
}

func TestOracleLocking(t *testing.T) { compareScriptMessages(t, lockScript) }
