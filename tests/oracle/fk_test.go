package oracle

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// fkScript: foreign keys on every write path, their actions, their DDL
// and their errors (compared with message and detail).
var fkScript = []string{
	`CREATE TABLE fc (id int PRIMARY KEY, code text UNIQUE, name text)`,
	`CREATE TABLE fo (id int PRIMARY KEY, cid int REFERENCES fc ON DELETE CASCADE ON UPDATE CASCADE, code text REFERENCES fc (code) ON DELETE SET NULL ON UPDATE RESTRICT, amount int)`,
	`INSERT INTO fc VALUES (1, 'a', 'one'), (2, 'b', 'two'), (3, 'c', 'three')`,
	`INSERT INTO fo VALUES (10, 1, 'a', 5), (11, 1, 'b', 6), (12, 2, NULL, 7), (13, NULL, 'c', 8)`,
	`INSERT INTO fo VALUES (14, 4, NULL, 1)`,
	`INSERT INTO fo VALUES (14, 1, 'z', 1)`,
	`INSERT INTO fo VALUES (14, 1, 'a', 1), (15, 9, 'a', 1)`,
	`SELECT count(*) FROM fo`,
	`INSERT INTO fo SELECT 100 + g, 1 + g % 3, NULL, g FROM generate_series(1, 50) g`,
	`INSERT INTO fo SELECT 200 + g, g, NULL, g FROM generate_series(1, 5) g`,
	`DELETE FROM fo WHERE id > 100`,
	`UPDATE fo SET cid = 3 WHERE id = 12`,
	`UPDATE fo SET cid = 5 WHERE id = 12`,
	`UPDATE fo SET amount = amount + 1 WHERE cid = 1 RETURNING id, amount`,
	// ON UPDATE CASCADE and RESTRICT; a change of another column is free.
	`UPDATE fc SET id = 100 WHERE id = 1`,
	`SELECT * FROM fo ORDER BY id`,
	`UPDATE fc SET code = 'bb' WHERE code = 'b'`,
	`UPDATE fc SET name = 'uno' WHERE id = 100`,
	// ON DELETE SET NULL (code) and CASCADE (cid) in one statement.
	`DELETE FROM fc WHERE code = 'c'`,
	`SELECT * FROM fo ORDER BY id`,
	// Upserts.
	`INSERT INTO fo VALUES (20, 2, 'b', 1) ON CONFLICT (id) DO UPDATE SET cid = 7`,
	`INSERT INTO fo VALUES (20, 2, 'b', 1) ON CONFLICT (id) DO UPDATE SET cid = 7`,
	`INSERT INTO fo VALUES (20, 9, 'b', 1) ON CONFLICT (id) DO NOTHING`,
	`INSERT INTO fo VALUES (21, 9, 'b', 1) ON CONFLICT (id) DO NOTHING`,
	`INSERT INTO fo VALUES (20, 100, 'a', 2) ON CONFLICT (id) DO UPDATE SET cid = excluded.cid, code = excluded.code RETURNING *`,
	// A statement's checks run when it ends: a child before its parent,
	// a whole self-referencing tree deleted at once.
	`CREATE TABLE fe (id int PRIMARY KEY, boss int REFERENCES fe (id))`,
	`INSERT INTO fe VALUES (2, 1), (1, NULL), (3, 2)`,
	`DELETE FROM fe WHERE id = 1`,
	`DELETE FROM fe WHERE id = 2`,
	`DELETE FROM fe WHERE id >= 2`,
	`SELECT * FROM fe ORDER BY id`,
	// In a transaction: a parent and its child, then a rollback.
	`BEGIN`,
	`INSERT INTO fc VALUES (50, 'x', 'fifty')`,
	`INSERT INTO fo VALUES (50, 50, 'x', 1)`,
	`COMMIT`,
	`BEGIN`,
	`DELETE FROM fc WHERE id = 50`,
	`SELECT count(*) FROM fo WHERE id = 50`,
	`ROLLBACK`,
	`SELECT * FROM fo WHERE id = 50`,
	// SET DEFAULT, NO ACTION.
	`CREATE TABLE fp (k int PRIMARY KEY, v int)`,
	`INSERT INTO fp VALUES (1, 0), (2, 0), (3, 0)`,
	`CREATE TABLE fq (k int REFERENCES fp)`,
	`CREATE TABLE fd (id int PRIMARY KEY, k int DEFAULT 2 REFERENCES fp ON DELETE SET DEFAULT)`,
	`INSERT INTO fq VALUES (1)`,
	`INSERT INTO fd VALUES (1, 3)`,
	`INSERT INTO fp VALUES (1, 0) ON CONFLICT (k) DO UPDATE SET v = 1`,
	`DELETE FROM fp WHERE k = 1`,
	`DELETE FROM fp WHERE k = 3`,
	`SELECT * FROM fd`,
	`ALTER TABLE fd ALTER COLUMN k SET DEFAULT 9`,
	`DELETE FROM fp WHERE k = 2`,
	`SELECT * FROM fp ORDER BY k`,
	// Composite keys, MATCH SIMPLE and MATCH FULL.
	`CREATE TABLE fm (a int, b int, PRIMARY KEY (a, b))`,
	`INSERT INTO fm VALUES (1, 1), (1, 2)`,
	`CREATE TABLE fn (x int, y int, FOREIGN KEY (x, y) REFERENCES fm MATCH FULL)`,
	`INSERT INTO fn VALUES (1, 1), (NULL, NULL)`,
	`INSERT INTO fn VALUES (1, NULL)`,
	`CREATE TABLE fs (x int, y int, CONSTRAINT fs_ref FOREIGN KEY (y, x) REFERENCES fm (b, a))`,
	`INSERT INTO fs VALUES (1, NULL), (5, NULL), (1, 2)`,
	`INSERT INTO fs VALUES (2, 1)`,
	`DELETE FROM fm WHERE b = 2`,
	// ALTER TABLE ... ADD FOREIGN KEY checks the rows there; DROP CONSTRAINT.
	`CREATE TABLE fa (id int PRIMARY KEY, cid int)`,
	`INSERT INTO fa VALUES (1, 100), (2, 7)`,
	`ALTER TABLE fa ADD FOREIGN KEY (cid) REFERENCES fc`,
	`DELETE FROM fa WHERE id = 2`,
	`ALTER TABLE fa ADD CONSTRAINT fa_c FOREIGN KEY (cid) REFERENCES fc`,
	`ALTER TABLE fa ADD CONSTRAINT fa_c FOREIGN KEY (cid) REFERENCES fc`,
	`INSERT INTO fa VALUES (3, 8)`,
	`DELETE FROM fc WHERE id = 100`,
	`ALTER TABLE fa DROP CONSTRAINT fa_c`,
	`ALTER TABLE fa DROP CONSTRAINT fa_c`,
	`DELETE FROM fc WHERE id = 100`,
	`SELECT * FROM fo ORDER BY id`,
	// Definitions that fail.
	`CREATE TABLE fx1 (c int REFERENCES nope)`,
	`CREATE TABLE fx2 (c text REFERENCES fc)`,
	`CREATE TABLE fx3 (c int REFERENCES fc (name))`,
	`CREATE TABLE fx4 (c int, d int, FOREIGN KEY (c, d) REFERENCES fc)`,
	`CREATE TABLE fx5 (c int REFERENCES fc (nosuch))`,
	`CREATE TABLE fx6 (c int, FOREIGN KEY (nosuch) REFERENCES fc)`,
	`CREATE TABLE fx7 (c int)`,
	`CREATE TABLE fx8 (c int REFERENCES fx7)`,
	`CREATE TABLE fx9 (c bigint REFERENCES fc)`,
	`INSERT INTO fx9 VALUES (3000000000)`,
	`INSERT INTO fx9 VALUES (2)`,
	// The catalogs psql and ORMs read.
	`SELECT conname, contype, conrelid::regclass, confrelid::regclass, conkey, confkey, confupdtype, confdeltype, confmatchtype, conindid::regclass, convalidated, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE contype = 'f' ORDER BY conname`,
	`SELECT constraint_name, constraint_type, table_name FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' ORDER BY 1`,
	`SELECT constraint_name, unique_constraint_name, match_option, update_rule, delete_rule FROM information_schema.referential_constraints ORDER BY constraint_name`,
	`SELECT k.constraint_name, k.table_name, k.column_name, k.ordinal_position, k.position_in_unique_constraint FROM information_schema.key_column_usage k JOIN information_schema.table_constraints c USING (constraint_name) WHERE c.constraint_type = 'FOREIGN KEY' ORDER BY 1, 4`,
	`SELECT u.constraint_name, u.table_name, u.column_name FROM information_schema.constraint_column_usage u JOIN information_schema.table_constraints c USING (constraint_name) WHERE c.constraint_type = 'FOREIGN KEY' ORDER BY 1, 2, 3`,
	`SELECT conname, conrelid::regclass FROM pg_constraint WHERE confrelid = 'fc'::regclass ORDER BY 1`,
	// ADD COLUMN with REFERENCES and CHECK checks the rows there.
	`CREATE TABLE fac (id int PRIMARY KEY)`,
	`INSERT INTO fac VALUES (1), (2)`,
	`ALTER TABLE fac ADD COLUMN p int REFERENCES fc`,
	`ALTER TABLE fac ADD COLUMN q int DEFAULT 999 REFERENCES fc`,
	`ALTER TABLE fac ADD COLUMN r int DEFAULT 0 CHECK (r > 0)`,
	`ALTER TABLE fac ADD COLUMN s int DEFAULT 5 CONSTRAINT s_pos CHECK (s > 0)`,
	`INSERT INTO fac (id, p) VALUES (3, 12345)`,
	`INSERT INTO fac (id, s) VALUES (3, -1)`,
	`INSERT INTO fac (id, p, s) VALUES (3, 100, 7) RETURNING *`,
	`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'fac'::regclass ORDER BY 1`,
	`DROP TABLE fac`,
	// Dropping and truncating referenced tables.
	`DROP TABLE fc`,
	`TRUNCATE fc`,
	`TRUNCATE fc, fo`,
	`TRUNCATE fc, fo, fx9`,
	`SELECT count(*) FROM fc`,
	`TRUNCATE fm CASCADE`,
	`SELECT count(*) FROM fn`,
	`DROP TABLE fc CASCADE`,
	`INSERT INTO fo VALUES (30, 999, NULL, 1)`,
	`INSERT INTO fx9 VALUES (999)`,
	`DROP TABLE fp`,
	`DROP TABLE fq, fd, fp`,
}

func TestOracleForeignKeys(t *testing.T) { compareScriptMessages(t, fkScript) }

// compareScriptMessages is compareScript comparing errors' messages and
// details too, not only their SQLSTATEs.
func compareScriptMessages(t *testing.T, script []string) {
	pg, nd := connect(t, startPostgres(t)), connect(t, startNodeDB(t))
	ctx := context.Background()
	full := func(c interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
	}, q string) string {
		_, err := c.Exec(ctx, q)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code + ": " + pe.Message + " / " + pe.Detail + " / " + pe.Hint
		}
		return ""
	}
	for _, s := range script {
		want, got := result(ctx, pg, s), result(ctx, nd, s)
		if want == got && want != "" && want[:5] == "ERROR" {
			want, got = full(pg, s), full(nd, s)
		}
		if want != got {
			t.Errorf("%s\n--- postgres\n%s\n--- nodedb\n%s", s, want, got)
		}
	}
}
