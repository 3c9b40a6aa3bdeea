package oracle

import "testing"

// migrationScript: statements migration tools (Rails, Django, Alembic,
// strong_migrations) emit: CREATE/DROP INDEX CONCURRENTLY, ALTER TABLE IF
// EXISTS, constraints added NOT VALID and validated later, TABLE t.
var migrationScript = []string{
	`CREATE TABLE mg (id int PRIMARY KEY, a text, n int)`,
	`CREATE TABLE mgp (id int PRIMARY KEY)`,
	`INSERT INTO mgp VALUES (1), (2)`,
	`INSERT INTO mg VALUES (1, 'x', -1), (2, 'y', 5), (3, NULL, 7)`,
	`CREATE INDEX CONCURRENTLY mg_a ON mg (a)`,
	`CREATE INDEX CONCURRENTLY IF NOT EXISTS mg_a ON mg (a)`,
	`SELECT indexname FROM pg_indexes WHERE tablename = 'mg' ORDER BY 1`,
	`BEGIN`,
	`CREATE INDEX CONCURRENTLY mg_n ON mg (n)`,
	`ROLLBACK`,
	`DROP INDEX CONCURRENTLY IF EXISTS mg_a`,
	`DROP INDEX CONCURRENTLY IF EXISTS mg_a`,
	`ALTER TABLE IF EXISTS nosuch ADD COLUMN b int`,
	`ALTER TABLE IF EXISTS mg ADD COLUMN b int`,
	`ALTER TABLE IF EXISTS mg RENAME COLUMN b TO c`,
	`ALTER TABLE IF EXISTS nosuch RENAME TO other`,
	`SELECT column_name FROM information_schema.columns WHERE table_name = 'mg' ORDER BY ordinal_position`,
	`ALTER TABLE mg ADD CONSTRAINT mg_n_pos CHECK (n > 0)`,
	`ALTER TABLE mg ADD CONSTRAINT mg_n_pos CHECK (n > 0) NOT VALID`,
	`SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'mg'::regclass ORDER BY conname`,
	`INSERT INTO mg (id, n) VALUES (4, -2)`,
	`INSERT INTO mg (id, n) VALUES (4, 2)`,
	`UPDATE mg SET n = -5 WHERE id = 2`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_n_pos`,
	`UPDATE mg SET n = 1 WHERE id = 1`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_n_pos`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_n_pos`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_pkey`,
	`ALTER TABLE mg VALIDATE CONSTRAINT nosuch`,
	`ALTER TABLE mg ADD CONSTRAINT mg_fk FOREIGN KEY (n) REFERENCES mgp (id)`,
	`ALTER TABLE mg ADD CONSTRAINT mg_fk FOREIGN KEY (n) REFERENCES mgp (id) NOT VALID`,
	`SELECT conname, convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'mg'::regclass ORDER BY conname`,
	`INSERT INTO mg (id, n) VALUES (5, 9)`,
	`INSERT INTO mg (id, n) VALUES (5, 1)`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_fk`,
	`DELETE FROM mg WHERE n NOT IN (1, 2)`,
	`ALTER TABLE mg VALIDATE CONSTRAINT mg_fk`,
	`SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'mg'::regclass ORDER BY conname`,
	`TABLE mgp`,
	`TABLE mg ORDER BY id`,
	`SELECT * FROM mgp UNION ALL TABLE mgp ORDER BY 1`,
	`CREATE TABLE mg2 AS TABLE mgp`,
	`SELECT count(*) FROM mg2`,
	`CREATE SCHEMA IF NOT EXISTS public`,
	`CREATE SCHEMA public`,
}

func TestOracleMigrationStatements(t *testing.T) { compareScriptMessages(t, migrationScript) }

// renameIndexScript: ALTER INDEX ... RENAME TO and ALTER TABLE ... RENAME
// CONSTRAINT (Django's RenameIndex, Rails' rename_index).
var renameIndexScript = []string{
	`CREATE TABLE rn (id int PRIMARY KEY, a text UNIQUE, b int CHECK (b > 0), p int)`,
	`CREATE TABLE rnp (id int PRIMARY KEY)`,
	`INSERT INTO rnp VALUES (1)`,
	`ALTER TABLE rn ADD CONSTRAINT rn_p_fk FOREIGN KEY (p) REFERENCES rnp (id)`,
	`CREATE INDEX rn_b ON rn (b)`,
	`ALTER INDEX rn_b RENAME TO rn_b2`,
	`ALTER INDEX rn_b RENAME TO rn_b3`,
	`ALTER INDEX IF EXISTS rn_b RENAME TO rn_b3`,
	`ALTER INDEX rn_b2 RENAME TO rnp`,
	`ALTER INDEX rn_b2 RENAME TO rn_a_key`,
	`SELECT indexname FROM pg_indexes WHERE tablename = 'rn' ORDER BY 1`,
	`ALTER TABLE rn RENAME CONSTRAINT rn_b_check TO rn_b_pos`,
	`ALTER TABLE rn RENAME CONSTRAINT rn_p_fk TO rn_p_ref`,
	`ALTER TABLE rn RENAME CONSTRAINT rn_a_key TO rn_a_uniq`,
	`ALTER TABLE rn RENAME CONSTRAINT nosuch TO x`,
	`ALTER TABLE rn RENAME CONSTRAINT rn_b_pos TO rn_p_ref`,
	`SELECT conname, contype FROM pg_constraint WHERE conrelid = 'rn'::regclass ORDER BY conname`,
	`SELECT indexname FROM pg_indexes WHERE tablename = 'rn' ORDER BY 1`,
	`INSERT INTO rn VALUES (1, 'x', -1, NULL)`,
	`INSERT INTO rn VALUES (1, 'x', 1, 7)`,
	`INSERT INTO rn VALUES (1, 'x', 1, 1)`,
	`INSERT INTO rn VALUES (2, 'x', 1, 1)`,
	`ALTER TABLE rn DROP CONSTRAINT rn_b_pos`,
	`INSERT INTO rn VALUES (2, 'y', -1, 1)`,
	`SELECT id FROM rn WHERE b = 1`,
}

func TestOracleRenameIndexConstraint(t *testing.T) { compareScriptMessages(t, renameIndexScript) }
