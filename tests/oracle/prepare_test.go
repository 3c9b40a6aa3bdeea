package oracle

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// prepareScript: SQL PREPARE, EXECUTE and DEALLOCATE.
var prepareScript = []string{
	`CREATE TABLE pt (id int PRIMARY KEY, v text)`,
	`PREPARE ins (int, text) AS INSERT INTO pt VALUES ($1, $2)`,
	`EXECUTE ins(1, 'a')`,
	`EXECUTE ins(2, 'b' || 'c')`,
	`PREPARE q AS SELECT * FROM pt WHERE id >= $1 ORDER BY id`,
	`EXECUTE q(1)`,
	`EXECUTE q('2')`,
	`EXECUTE q`,
	`EXECUTE nosuch`,
	`PREPARE q AS SELECT 1`,
	`DEALLOCATE q`,
	`EXECUTE q(1)`,
	`DEALLOCATE q`,
	`DEALLOCATE PREPARE ins`,
	`PREPARE r AS SELECT $1::int + 1`,
	`EXECUTE r(41)`,
	`DEALLOCATE ALL`,
	`EXECUTE r(1)`,
	`PREPARE u AS UPDATE pt SET v = 'z' WHERE id = $1 RETURNING *`,
	`EXECUTE u(2)`,
	`PREPARE d AS DELETE FROM pt WHERE id = $1`,
	`EXECUTE d(1)`,
	`SELECT * FROM pt`,
}

func TestOraclePrepareExecute(t *testing.T) { compareScriptMessages(t, prepareScript) }

// TestOracleDeallocateProtocolStatement: statements the protocol's Parse
// named and SQL's EXECUTE and DEALLOCATE share one namespace, as drivers
// expect (Rails frees its cached statements with DEALLOCATE).
func TestOracleDeallocateProtocolStatement(t *testing.T) {
	ctx := context.Background()
	steps := func(c *pgconn.PgConn) []string {
		var out []string
		note := func(err error) {
			var pe *pgconn.PgError
			switch {
			case errors.As(err, &pe):
				out = append(out, pe.Code+" "+pe.Message)
			case err != nil:
				out = append(out, err.Error())
			default:
				out = append(out, "ok")
			}
		}
		_, err := c.Prepare(ctx, "s1", "SELECT $1::int * 2", nil)
		note(err)
		rs, err := c.Exec(ctx, "EXECUTE s1(21)").ReadAll()
		if err == nil && len(rs) == 1 && len(rs[0].Rows) == 1 {
			out = append(out, string(rs[0].Rows[0][0]))
		}
		note(err)
		_, err = c.Prepare(ctx, "s1", "SELECT 1", nil)
		note(err)
		_, err = c.Exec(ctx, "DEALLOCATE s1").ReadAll()
		note(err)
		_, err = c.Prepare(ctx, "s1", "SELECT 1", nil)
		note(err)
		_, err = c.Prepare(ctx, "s2", "SELECT 2", nil)
		note(err)
		_, err = c.Exec(ctx, "DEALLOCATE ALL").ReadAll()
		note(err)
		_, err = c.Exec(ctx, "EXECUTE s2").ReadAll()
		note(err)
		_, err = c.Exec(ctx, "PREPARE s3 AS SELECT 3").ReadAll()
		note(err)
		_, err = c.Prepare(ctx, "s3", "SELECT 3", nil)
		note(err)
		return out
	}
	pg, nd := connect(t, startPostgres(t)), connect(t, startNodeDB(t))
	want, got := steps(pg.PgConn()), steps(nd.PgConn())
	if len(want) != len(got) {
		t.Fatalf("postgres %q\nnodedb   %q", want, got)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("step %d: postgres %q, nodedb %q", i, want[i], got[i])
		}
	}
}

// onConflictScript: ON CONFLICT's target is one of the table's unique
// keys (columns in any order, or ON CONSTRAINT name), as PostgreSQL
// infers its arbiter.
var onConflictScript = []string{
	`CREATE TABLE oc (id int PRIMARY KEY, a text UNIQUE, b int, c int, UNIQUE (b, c))`,
	`INSERT INTO oc VALUES (1, 'x', 1, 1) ON CONFLICT ON CONSTRAINT oc_pkey DO UPDATE SET b = oc.b + 1`,
	`INSERT INTO oc VALUES (1, 'x', 1, 1) ON CONFLICT ON CONSTRAINT oc_pkey DO UPDATE SET b = oc.b + 1 RETURNING *`,
	`INSERT INTO oc VALUES (2, 'x', 5, 5) ON CONFLICT ON CONSTRAINT oc_a_key DO NOTHING`,
	`INSERT INTO oc VALUES (2, 'y', 2, 1) ON CONFLICT ON CONSTRAINT oc_b_c_key DO UPDATE SET a = 'z'`,
	`INSERT INTO oc VALUES (3, 'w', 2, 1) ON CONFLICT (c, b) DO UPDATE SET a = excluded.a RETURNING *`,
	`INSERT INTO oc VALUES (4, 'q', 9, 9) ON CONFLICT ON CONSTRAINT nosuch DO NOTHING`,
	`INSERT INTO oc VALUES (4, 'q', 9, 9) ON CONFLICT (b) DO NOTHING`,
	`INSERT INTO oc VALUES (4, 'q', 9, 9) ON CONFLICT (nosuch) DO NOTHING`,
	`INSERT INTO oc VALUES (4, 'q', 9, 9) ON CONFLICT (a) DO NOTHING`,
	`SELECT * FROM oc ORDER BY id`,
}

func TestOracleOnConflictTarget(t *testing.T) { compareScriptMessages(t, onConflictScript) }

// multiSetScript: UPDATE ... SET (a, b) = (x, y), also in ON CONFLICT DO
// UPDATE.
var multiSetScript = []string{
	`CREATE TABLE ms (id int PRIMARY KEY, a text, b int DEFAULT 7, c int)`,
	`INSERT INTO ms VALUES (1, 'x', 1, 1), (2, 'y', 2, 2)`,
	`UPDATE ms SET (a, b) = ('z', b + 10) WHERE id = 1 RETURNING *`,
	`UPDATE ms SET (a, b) = ROW('w', DEFAULT), c = 5 WHERE id = 2 RETURNING *`,
	`UPDATE ms SET (a, b) = ('q')`,
	`UPDATE ms SET (a, b) = ROW('q')`,
	`UPDATE ms SET (a, b) = ('q', 1, 2)`,
	`UPDATE ms SET (a, nosuch) = ('q', 1)`,
	`INSERT INTO ms VALUES (1, 'n', 0, 0) ON CONFLICT (id) DO UPDATE SET (a, c) = (excluded.a, ms.c + 100) RETURNING *`,
	`SELECT * FROM ms ORDER BY id`,
}

func TestOracleMultiColumnSet(t *testing.T) { compareScriptMessages(t, multiSetScript) }
