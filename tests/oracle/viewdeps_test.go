package oracle

import "testing"

// viewDepsScript: views depend on what they read, as in PostgreSQL: DROP
// needs CASCADE (which drops the views), and a renamed table's views
// follow it.
var viewDepsScript = []string{
	`CREATE TABLE vt (id int PRIMARY KEY, a text, b int)`,
	`CREATE TABLE vu (id int PRIMARY KEY, vt_id int)`,
	`INSERT INTO vt VALUES (1, 'x', 10), (2, 'y', 20)`,
	`INSERT INTO vu VALUES (7, 1)`,
	`CREATE VIEW v1 AS SELECT vt.id, vt.a FROM vt WHERE vt.b > 5`,
	`CREATE VIEW v2 AS SELECT * FROM v1 WHERE id IN (SELECT vt_id FROM vu)`,
	`CREATE VIEW v3 AS WITH w AS (SELECT vt.* FROM vt) SELECT count(*) AS n FROM w`,
	`DROP TABLE vt`,
	`DROP TABLE vu`,
	`DROP VIEW v1`,
	`SELECT * FROM v2`,
	`ALTER TABLE vt RENAME TO vt2`,
	`SELECT * FROM v1 ORDER BY id`,
	`SELECT * FROM v2`,
	`SELECT * FROM v3`,
	`ALTER TABLE vu RENAME TO vu2`,
	`SELECT * FROM v2`,
	`INSERT INTO vt2 VALUES (3, 'z', 30)`,
	`SELECT * FROM v1 ORDER BY id`,
	`CREATE TABLE vt (id int)`,
	`SELECT * FROM v1 ORDER BY id`,
	`DROP VIEW v1 CASCADE`,
	`SELECT * FROM v2`,
	`SELECT table_name FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1`,
	`DROP TABLE vt2 CASCADE`,
	`SELECT table_name FROM information_schema.views WHERE table_schema = 'public' ORDER BY 1`,
	`SELECT count(*) FROM vu2`,
}

func TestOracleViewDependencies(t *testing.T) { compareScriptMessages(t, viewDepsScript) }
