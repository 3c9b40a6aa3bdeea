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

// renameColumnScript: a renamed column's views follow it, as PostgreSQL's
// do: references become the new name, and the views' columns keep theirs.
var renameColumnScript = []string{
	`CREATE TABLE rt (id int PRIMARY KEY, a int, c text)`,
	`CREATE TABLE ru (id int PRIMARY KEY, a int)`,
	`INSERT INTO rt VALUES (1, 5, 'x'), (2, 7, 'y'), (3, -1, 'z')`,
	`INSERT INTO ru VALUES (5, 50), (7, 70), (9, 5)`,
	`CREATE VIEW r1 AS SELECT a, rt.a + 1 AS a1, c FROM rt WHERE a > 0 ORDER BY a`,
	`CREATE VIEW r2 AS SELECT * FROM rt`,
	`CREATE VIEW r3 AS SELECT rt.id, ru.a FROM rt JOIN ru ON ru.id = rt.a`,
	`CREATE VIEW r4 AS SELECT id FROM rt WHERE EXISTS (SELECT 1 FROM ru WHERE ru.a = rt.a)`,
	`CREATE VIEW r5 AS SELECT a, count(*) AS n, sum(a) FILTER (WHERE a > 5) AS s FROM rt GROUP BY a`,
	`CREATE VIEW r6 AS SELECT a FROM r1 WHERE a1 > 6`,
	`CREATE VIEW r7 AS SELECT s.a FROM (SELECT a FROM rt) s WHERE s.a < 6`,
	`CREATE VIEW r8 AS WITH w AS (SELECT id, a AS x FROM rt) SELECT x, rank() OVER (ORDER BY x DESC) FROM w`,
	`ALTER TABLE rt RENAME COLUMN a TO b`,
	`SELECT * FROM r1`,
	`SELECT * FROM r2 ORDER BY id`,
	`SELECT * FROM r3 ORDER BY id`,
	`SELECT * FROM r4 ORDER BY id`,
	`SELECT * FROM r5 ORDER BY a`,
	`SELECT * FROM r6`,
	`SELECT * FROM r7`,
	`SELECT * FROM r8`,
	`SELECT table_name, column_name FROM information_schema.columns WHERE table_name IN ('r1', 'r2', 'r7') ORDER BY table_name, ordinal_position`,
	`SELECT b FROM rt ORDER BY id`,
	`SELECT a FROM rt`,
	`ALTER TABLE ru RENAME a TO z`,
	`SELECT * FROM r3 ORDER BY id`,
	`SELECT * FROM r4 ORDER BY id`,
	`ALTER TABLE rt RENAME COLUMN b TO a`,
	`SELECT * FROM r1`,
	`SELECT * FROM r2 ORDER BY id`,
	`INSERT INTO rt VALUES (4, 9, 'w')`,
	`SELECT * FROM r6`,
	`SELECT * FROM r5 ORDER BY a`,
	`ALTER TABLE rt RENAME c TO a`,
	`ALTER TABLE rt RENAME nope TO d`,
}

func TestOracleRenameColumnViews(t *testing.T) { compareScriptMessages(t, renameColumnScript) }
