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
	// Columns: a view reading one keeps it from being dropped or retyped.
	`CREATE TABLE vc (id int PRIMARY KEY, a text, b int, c int)`,
	`INSERT INTO vc VALUES (1, 'x', 2, 3)`,
	`CREATE VIEW vca AS SELECT id, a FROM vc WHERE b > 0`,
	`CREATE VIEW vcs AS SELECT * FROM vc`,
	`CREATE VIEW vcv AS SELECT a FROM vca`,
	`ALTER TABLE vc DROP COLUMN b`,
	`ALTER TABLE vc DROP COLUMN c`,
	`DROP VIEW vcs`,
	`ALTER TABLE vc DROP COLUMN c`,
	`ALTER TABLE vc ALTER COLUMN a TYPE varchar(10)`,
	`ALTER TABLE vc ALTER COLUMN id TYPE bigint`,
	`ALTER TABLE vc ADD COLUMN d int`,
	`ALTER TABLE vc ALTER COLUMN d TYPE bigint`,
	`SELECT * FROM vcv`,
	`ALTER TABLE vc DROP COLUMN b CASCADE`,
	`SELECT table_name FROM information_schema.views WHERE table_name LIKE 'vc%' ORDER BY 1`,
	`SELECT * FROM vc`,
}

func TestOracleViewDependencies(t *testing.T) { compareScriptMessages(t, viewDepsScript) }
