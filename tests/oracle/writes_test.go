package oracle

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// writeScript is run step by step on both servers: each statement's result
// (rows with RETURNING, or the error's SQLSTATE) and, after each write, the
// tables' contents must be the same.
var writeScript = []string{
	`CREATE TABLE acct (id INT PRIMARY KEY, owner TEXT, bal INT, tier TEXT)`,
	`CREATE TABLE moves (id INT PRIMARY KEY, acct_id INT, amount INT)`,
	`CREATE TABLE tiers (name TEXT PRIMARY KEY, bonus INT)`,
	`CREATE INDEX moves_acct ON moves (acct_id)`,
	`INSERT INTO acct VALUES (1, 'ann', 100, 'gold'), (2, 'bob', 50, 'base'), (3, 'cid', 0, NULL), (4, 'dee', 10, 'gold')`,
	`INSERT INTO moves VALUES (10, 1, 5), (11, 2, -20), (12, 4, 7), (13, 9, 1)`,
	`INSERT INTO tiers VALUES ('gold', 3), ('base', 1)`,
	// UPDATE ... FROM: the SET reads the joined row, the WHERE joins
	`UPDATE acct a SET bal = a.bal + m.amount FROM moves m WHERE m.acct_id = a.id RETURNING a.id, a.bal`,
	`UPDATE acct SET bal = bal * t.bonus, owner = upper(owner) FROM tiers t WHERE t.name = acct.tier AND acct.id > 1 RETURNING id, owner, bal`,
	`UPDATE acct a SET tier = 'none' FROM tiers t WHERE a.tier IS NULL RETURNING id, tier`,
	`UPDATE acct a SET bal = 0 FROM moves m WHERE m.acct_id = a.id AND m.amount > 100`,
	`UPDATE acct a SET bal = s.total FROM (SELECT acct_id, sum(amount) AS total FROM moves GROUP BY acct_id) s WHERE s.acct_id = a.id RETURNING a.id, a.bal`,
	// DELETE ... USING
	`DELETE FROM moves m USING acct a WHERE a.id = m.acct_id AND a.owner = 'BOB' RETURNING m.id`,
	`DELETE FROM moves USING tiers WHERE tiers.bonus > 100`,
	`DELETE FROM acct a USING tiers t, moves m WHERE t.name = a.tier AND m.acct_id = a.id AND t.bonus = 3 RETURNING a.id`,
	// errors
	`UPDATE acct SET bal = 1 FROM acct WHERE true`,
	`DELETE FROM acct USING nosuch n WHERE n.id = acct.id`,
	`UPDATE acct a SET bal = m.nosuch FROM moves m WHERE m.acct_id = a.id`,
}

func TestOracleJoinedWrites(t *testing.T) {
	pg, nd := connect(t, startPostgres(t)), connect(t, startNodeDB(t))
	ctx := context.Background()
	contents := func(c *pgx.Conn) string {
		return result(ctx, c, `SELECT * FROM acct ORDER BY id`) + "\n" + result(ctx, c, `SELECT * FROM moves ORDER BY id`)
	}
	for _, s := range writeScript {
		want, got := result(ctx, pg, s), result(ctx, nd, s)
		if want != got {
			t.Errorf("%s\n--- postgres\n%s\n--- nodedb\n%s", s, want, got)
		}
		if want, got := contents(pg), contents(nd); want != got {
			t.Fatalf("after %s\n--- postgres\n%s\n--- nodedb\n%s", s, want, got)
		}
	}
}
