package oracle

import "testing"

// commentScript: COMMENT ON and where the comments show
// (pg_description, obj_description, col_description), with PostgreSQL's
// errors.
var commentScript = []string{
	`CREATE TABLE ct (id int PRIMARY KEY, a text, b int)`,
	`CREATE INDEX ct_a ON ct (a)`,
	`CREATE VIEW cv AS SELECT id, a FROM ct`,
	`CREATE SEQUENCE cs`,
	`COMMENT ON TABLE ct IS 'the table'`,
	`COMMENT ON COLUMN ct.a IS 'column a'`,
	`COMMENT ON COLUMN public.ct.b IS 'b''s'`,
	`COMMENT ON INDEX ct_a IS 'by a'`,
	`COMMENT ON VIEW cv IS 'a view'`,
	`COMMENT ON COLUMN cv.a IS 'view column'`,
	`COMMENT ON SEQUENCE cs IS 'seq'`,
	`SELECT c.relname, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid ORDER BY 1, 2`,
	`SELECT obj_description('ct'::regclass, 'pg_class'), obj_description('ct'::regclass), col_description('ct'::regclass, 2), col_description('ct'::regclass, 1)`,
	`SELECT obj_description('cv'::regclass, 'pg_class'), col_description('cv'::regclass, 2), obj_description('ct_a'::regclass, 'pg_class')`,
	`COMMENT ON TABLE ct IS NULL`,
	`COMMENT ON COLUMN ct.a IS ''`,
	`SELECT obj_description('ct'::regclass, 'pg_class'), col_description('ct'::regclass, 2), col_description('ct'::regclass, 3)`,
	`COMMENT ON TABLE nosuch IS 'x'`,
	`COMMENT ON COLUMN ct.nosuch IS 'x'`,
	`COMMENT ON COLUMN nosuch.a IS 'x'`,
	`COMMENT ON INDEX nosuch IS 'x'`,
	`COMMENT ON VIEW ct IS 'x'`,
	`COMMENT ON TABLE cv IS 'x'`,
	`COMMENT ON SEQUENCE ct IS 'x'`,
	`ALTER TABLE ct RENAME COLUMN b TO c`,
	`SELECT col_description('ct'::regclass, 3)`,
	`ALTER TABLE ct DROP COLUMN c`,
	`SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname = 'ct'`,
	`DROP VIEW cv`,
	`DROP TABLE ct`,
	`SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname IN ('ct', 'ct_a', 'cv')`,
}

func TestOracleComment(t *testing.T) { compareScriptMessages(t, commentScript) }
