package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// waitQ waits until a query renders as want.
func (d *tdb) waitQ(s *Session, sql, want string) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = d.q(s, sql); got == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.t.Fatalf("%s:\n got  %q\n want %q", sql, got, want)
}

func TestAsyncTriggerAudit(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, total INT, note TEXT)`)
	d.q(s, `CREATE TABLE audit (lsn_id TEXT PRIMARY KEY, order_id INT, op TEXT, old_total INT, new_total INT, note TEXT)`)
	d.q(s, `INSERT INTO orders VALUES (0, 0, 'before')`) // before the trigger: does not fire

	d.fail(s, errs.InvalidParameterValue, `CREATE TRIGGER b BEFORE INSERT ON orders FOR EACH ROW WITH (EXECUTION = 'ASYNC') BEGIN SELECT 1; END`)
	d.fail(s, errs.WrongObjectType, `CREATE TRIGGER b INSTEAD OF INSERT ON orders FOR EACH ROW BEGIN SELECT 1; END`)
	d.fail(s, errs.FeatureNotSupported, `CREATE TRIGGER b AFTER INSERT ON orders FOR EACH ROW BEGIN CREATE TABLE x (a INT); END`)
	d.fail(s, errs.UndefinedTable, `CREATE TRIGGER b AFTER INSERT ON nope FOR EACH ROW BEGIN SELECT 1; END`)
	d.fail(s, errs.SyntaxError, `CREATE TRIGGER b AFTER INSERT ON orders FOR EACH ROW WITH (colour = 'red') BEGIN SELECT 1; END`)

	d.q(s, `CREATE TRIGGER audit_ins AFTER INSERT OR UPDATE OR DELETE ON orders FOR EACH ROW BEGIN
		INSERT INTO audit VALUES (gen_random_uuid()::text, COALESCE(NEW.id, OLD.id), CASE WHEN NEW.id IS NULL THEN 'D' WHEN OLD.id IS NULL THEN 'I' ELSE 'U' END, OLD.total, NEW.total, NEW.note);
	END`)
	d.q(s, `CREATE TRIGGER big AFTER INSERT ON orders FOR EACH ROW WHEN (NEW.total >= 100) PRIORITY 2 AS $$
		UPDATE orders SET note = 'big' WHERE id = NEW.id;
	$$`)
	d.fail(s, errs.DuplicateObject, `CREATE TRIGGER big AFTER INSERT ON orders FOR EACH ROW BEGIN SELECT 1; END`)

	d.q(s, `INSERT INTO orders VALUES (1, 10, 'it''s'), (2, 200, NULL)`)
	d.q(s, `UPDATE orders SET total = 11 WHERE id = 1`)
	d.q(s, `DELETE FROM orders WHERE id = 1`)
	// audit: 2 inserts, the update of row 1, the delete, and the update the
	// "big" trigger made to row 2 (triggers fire for trigger writes too).
	d.waitQ(s, `SELECT order_id, op, old_total, new_total, note FROM audit ORDER BY order_id, op`,
		"1|D|11|NULL|NULL\n1|I|NULL|10|it's\n1|U|10|11|it's\n2|I|NULL|200|NULL\n2|U|200|200|big")
	require.Equal(t, "0|0|before\n2|200|big", d.q(s, `SELECT * FROM orders ORDER BY id`))

	// The counters move just after each commit.
	require.Eventually(t, func() bool {
		return dropLastCol(d.q(s, `SHOW TRIGGERS`)) == "audit_ins|orders|AFTER|INSERT OR UPDATE OR DELETE|ROW|ASYNC|t|0|NULL|5|0|admin\nbig|orders|AFTER|INSERT|ROW|ASYNC|t|2|NEW.total >= 100|1|0|admin"
	}, 10*time.Second, 10*time.Millisecond, "%s", d.q(s, `SHOW TRIGGERS`))

	// Disabled triggers do not fire, not even later for what happened
	// meanwhile.
	d.q(s, `ALTER TRIGGER audit_ins ON orders DISABLE`)
	d.q(s, `INSERT INTO orders VALUES (3, 3, 'unseen')`)
	d.q(s, `ALTER TRIGGER audit_ins ON orders ENABLE`)
	d.q(s, `INSERT INTO orders VALUES (4, 4, 'seen')`)
	d.waitQ(s, `SELECT count(*) FROM audit WHERE order_id = 4`, "1")
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM audit WHERE order_id = 3`))

	// A failing body is retried, then dead-lettered; the write stands and
	// later events still fire.
	d.q(s, `CREATE TABLE strictlog (id INT PRIMARY KEY)`)
	d.q(s, `CREATE TRIGGER dup AFTER INSERT ON orders FOR EACH ROW BEGIN INSERT INTO strictlog VALUES (1); END`)
	d.q(s, `INSERT INTO orders VALUES (5, 5, 'first'), (6, 6, 'second')`)
	d.waitQ(s, `SELECT count(*) FROM strictlog`, "1")
	require.Eventually(t, func() bool {
		r, err := run(s, `SHOW TRIGGER DEAD LETTERS`)
		return err == nil && len(r.Rows) == 1 && r.Rows[0][0] == "dup" && r.Rows[0][6] == int64(5)
	}, 15*time.Second, 10*time.Millisecond)
	r, err := run(s, `SHOW TRIGGER DEAD LETTERS FOR dup ON orders`)
	require.NoError(t, err)
	require.Len(t, r.Rows, 1)
	require.Contains(t, r.Rows[0][5], "duplicate key")
	require.Equal(t, "5\n6", d.q(s, `SELECT id FROM orders WHERE id >= 5 ORDER BY id`))

	// Replay: the body still fails for row 6 (strictlog has id 1) until
	// the conflicting row is gone; then the letter fires and is removed.
	r, err = run(s, `REPLAY TRIGGER DEAD LETTERS FOR dup ON orders`)
	require.NoError(t, err)
	require.Equal(t, "REPLAY 0", r.Tag)
	require.Len(t, r.Notices, 1)
	r, err = run(s, `SHOW TRIGGER DEAD LETTERS`)
	require.NoError(t, err)
	require.Equal(t, int64(6), r.Rows[0][6], "one more attempt recorded")
	d.q(s, `DELETE FROM strictlog`)
	r, err = run(s, `REPLAY TRIGGER DEAD LETTERS`)
	require.NoError(t, err)
	require.Equal(t, "REPLAY 1", r.Tag)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM strictlog`))
	r, err = run(s, `SHOW TRIGGER DEAD LETTERS`)
	require.NoError(t, err)
	require.Empty(t, r.Rows)
	r, err = run(s, `PURGE TRIGGER DEAD LETTERS`)
	require.NoError(t, err)
	require.Equal(t, "PURGE 0", r.Tag)

	d.fail(s, errs.DependentObjects, `DROP TABLE orders`)
	d.q(s, `DROP TRIGGER dup ON orders`)
	d.fail(s, errs.UndefinedObject, `DROP TRIGGER dup ON orders`)
	d.q(s, `DROP TRIGGER IF EXISTS dup ON orders`)
	s.Close()
	d.close()

	// After a restart triggers resume from their committed position:
	// exactly one audit row per change.
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	for i := 10; i < 60; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d, %d, 'x')`, i, i))
	}
	d.waitQ(s, `SELECT count(*) FROM audit WHERE order_id >= 10`, "50")
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM (SELECT order_id, op FROM audit GROUP BY order_id, op HAVING count(*) > 1) x`))
}

// dropLastCol drops each line's last "|"-separated cell (a timestamp).
func dropLastCol(s string) string {
	var out []string
	for _, l := range splitLines(s) {
		for i := len(l) - 1; i >= 0; i-- {
			if l[i] == '|' {
				l = l[:i]
				break
			}
		}
		out = append(out, l)
	}
	res := ""
	for i, l := range out {
		if i > 0 {
			res += "\n"
		}
		res += l
	}
	return res
}

// TestTriggerCascadeLimit: a trigger that writes to its own collection
// stops after MaxTriggerDepth levels, and the change that would go deeper
// is dead-lettered with 54001.
func TestTriggerCascadeLimit(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE chain (n INT PRIMARY KEY)`)
	d.q(s, `CREATE TRIGGER next AFTER INSERT ON chain FOR EACH ROW BEGIN INSERT INTO chain VALUES (NEW.n + 1); END`)
	d.q(s, `INSERT INTO chain VALUES (0)`)
	// The client's row (depth 0) and one row per trigger level.
	d.waitQ(s, `SELECT count(*), max(n) FROM chain`, fmt.Sprintf("%d|%d", MaxTriggerDepth+1, MaxTriggerDepth))
	require.Eventually(t, func() bool {
		r, err := run(s, `SHOW TRIGGER DEAD LETTERS`)
		return err == nil && len(r.Rows) == 1
	}, 10*time.Second, 10*time.Millisecond)
	r, err := run(s, `SHOW TRIGGER DEAD LETTERS`)
	require.NoError(t, err)
	require.Contains(t, r.Rows[0][5], "trigger cascade too deep")
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, fmt.Sprintf("%d", MaxTriggerDepth+1), d.q(s, `SELECT count(*) FROM chain`), "the chain stopped")
}

func TestSyncTriggers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, total INT, note TEXT)`)
	d.q(s, `CREATE TABLE audit (id TEXT PRIMARY KEY, order_id INT, op TEXT)`)
	d.q(s, `CREATE COLLECTION docs`)

	// BEFORE: change NEW, reject, skip.
	d.q(s, `CREATE TRIGGER norm BEFORE INSERT OR UPDATE ON orders FOR EACH ROW BEGIN
		IF NEW.total < 0 THEN
			RAISE EXCEPTION 'total must not be negative, got %', NEW.total USING ERRCODE = '23514';
		END IF;
		NEW.note := upper(COALESCE(NEW.note, 'none'));
	END`)
	d.q(s, `CREATE TRIGGER keep BEFORE DELETE ON orders FOR EACH ROW WHEN (OLD.note = 'KEEP') BEGIN RETURN NULL; END`)
	d.q(s, `CREATE SYNC TRIGGER audit_sync AFTER INSERT OR DELETE ON orders FOR EACH ROW BEGIN
		INSERT INTO audit VALUES (gen_random_uuid()::text, COALESCE(NEW.id, OLD.id), CASE WHEN NEW.id IS NULL THEN 'D' ELSE 'I' END);
	END`)
	d.q(s, `INSERT INTO orders VALUES (1, 10, 'a'), (2, 20, NULL), (3, 30, 'keep')`)
	require.Equal(t, "1|10|A\n2|20|NONE\n3|30|KEEP", d.q(s, `SELECT * FROM orders ORDER BY id`))
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM audit`), "SYNC AFTER ran in the same transaction: visible at once")
	e := d.fail(s, "23514", `INSERT INTO orders VALUES (4, -1, 'x')`)
	require.Equal(t, "total must not be negative, got -1", e.Message)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM orders WHERE id = 4`))
	d.q(s, `UPDATE orders SET note = 'changed' WHERE id = 1`)
	require.Equal(t, "CHANGED", d.q(s, `SELECT note FROM orders WHERE id = 1`))
	d.fail(s, "23514", `UPDATE orders SET total = -5 WHERE id = 1`)
	d.q(s, `DELETE FROM orders`)
	require.Equal(t, "3|30|KEEP", d.q(s, `SELECT * FROM orders`), "RETURN NULL in BEFORE DELETE kept the row")
	require.Equal(t, "2", d.q(s, `SELECT count(*) FROM audit WHERE op = 'D'`))

	// A rolled-back write takes its SYNC trigger's writes with it.
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO orders VALUES (5, 5, 'x')`)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM audit WHERE order_id = 5`))
	d.q(s, `ROLLBACK`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM audit WHERE order_id = 5`))

	// A failing SYNC AFTER body fails the write.
	d.q(s, `CREATE SYNC TRIGGER boom AFTER INSERT ON orders FOR EACH ROW WHEN (NEW.total = 13) BEGIN RAISE EXCEPTION 'unlucky'; END`)
	d.fail(s, "P0001", `INSERT INTO orders VALUES (13, 13, 'x')`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM orders WHERE id = 13`))
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM audit WHERE order_id = 13`))

	// Schemaless documents.
	d.q(s, `CREATE TRIGGER stamp BEFORE INSERT ON docs FOR EACH ROW BEGIN NEW.stamped := true; END`)
	d.q(s, `INSERT INTO docs { id: 'd1', n: 1 }`)
	require.Equal(t, "t", d.q(s, `SELECT stamped FROM docs WHERE id = 'd1'`))

	// Cascades stop at the limit, failing the write.
	d.q(s, `CREATE TABLE chain (n INT PRIMARY KEY)`)
	d.q(s, `CREATE SYNC TRIGGER next AFTER INSERT ON chain FOR EACH ROW BEGIN INSERT INTO chain VALUES (NEW.n + 1); END`)
	e = d.fail(s, "54001", `INSERT INTO chain VALUES (0)`)
	require.Contains(t, e.Message, "trigger cascade too deep")
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM chain`))
	d.q(s, `ALTER TRIGGER next ON chain DISABLE`)
	d.q(s, `INSERT INTO chain VALUES (0)`)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM chain`))
}

func TestDeferredTriggers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE lines (id INT PRIMARY KEY, order_id INT, amount INT)`)
	d.q(s, `CREATE TABLE totals (order_id INT PRIMARY KEY, total INT)`)
	d.q(s, `INSERT INTO totals VALUES (1, 0)`)
	d.fail(s, errs.InvalidParameterValue, `CREATE DEFERRED TRIGGER x BEFORE INSERT ON lines FOR EACH ROW BEGIN NULL; END`)
	// At commit, each line checks the order's lines add up within a limit.
	d.q(s, `CREATE DEFERRED TRIGGER check_total AFTER INSERT ON lines FOR EACH ROW BEGIN
		DECLARE sum_amount INT;
		SELECT sum(amount) INTO sum_amount FROM lines WHERE order_id = NEW.order_id;
		IF sum_amount > 100 THEN
			RAISE EXCEPTION 'order % over its limit: %', NEW.order_id, sum_amount USING ERRCODE = '23514';
		END IF;
		UPDATE totals SET total = sum_amount WHERE order_id = NEW.order_id;
	END`)
	// Inside a transaction the check sees every line, including later ones.
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO lines VALUES (1, 1, 60)`)
	require.Equal(t, "1|0", d.q(s, `SELECT * FROM totals`), "deferred: nothing ran before COMMIT")
	d.q(s, `INSERT INTO lines VALUES (2, 1, 30)`)
	d.q(s, `COMMIT`)
	require.Equal(t, "1|90", d.q(s, `SELECT * FROM totals`))
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO lines VALUES (3, 1, 20)`)
	e := d.fail(s, "23514", `COMMIT`)
	require.Equal(t, "order 1 over its limit: 110", e.Message)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM lines WHERE id = 3`), "the failed commit rolled back")
	// Autocommit statements run them at the statement's end.
	d.fail(s, "23514", `INSERT INTO lines VALUES (4, 1, 11)`)
	d.q(s, `INSERT INTO lines VALUES (5, 1, 10)`)
	require.Equal(t, "1|100", d.q(s, `SELECT * FROM totals`))
	// A multi-statement query string is one implicit transaction: its
	// deferred triggers run when it ends.
	s.BeginImplicit()
	d.q(s, `INSERT INTO lines VALUES (6, 2, 50)`)
	d.q(s, `INSERT INTO lines VALUES (7, 2, 60)`)
	e = nil
	err := s.EndImplicit()
	require.Error(t, err)
	require.Contains(t, err.Error(), "order 2 over its limit: 110")
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM lines WHERE order_id = 2`))
}

func TestStatementTriggers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	d.q(s, `CREATE TABLE counters (k TEXT PRIMARY KEY, n INT)`)
	d.q(s, `INSERT INTO counters VALUES ('before', 0), ('after', 0), ('deferred', 0)`)
	d.q(s, `CREATE TRIGGER b BEFORE INSERT OR DELETE ON t FOR EACH STATEMENT BEGIN UPDATE counters SET n = n + 1 WHERE k = 'before'; END`)
	d.q(s, `CREATE SYNC TRIGGER a AFTER INSERT ON t FOR EACH STATEMENT BEGIN
		IF (SELECT count(*) FROM t) > 5 THEN RAISE EXCEPTION 'too many rows'; END IF;
		UPDATE counters SET n = n + 1 WHERE k = 'after';
	END`)
	d.q(s, `CREATE DEFERRED TRIGGER c AFTER INSERT ON t FOR EACH STATEMENT BEGIN UPDATE counters SET n = n + 1 WHERE k = 'deferred'; END`)
	d.q(s, `INSERT INTO t VALUES (1), (2), (3)`)
	d.q(s, `INSERT INTO t VALUES (4)`)
	require.Equal(t, "after|2\nbefore|2\ndeferred|2", d.q(s, `SELECT * FROM counters ORDER BY k`), "once per statement, not per row")
	d.fail(s, "P0001", `INSERT INTO t VALUES (5), (6)`)
	require.Equal(t, "4", d.q(s, `SELECT count(*) FROM t`))
	d.q(s, `DELETE FROM t WHERE id > 2`)
	require.Equal(t, "after|2\nbefore|3\ndeferred|2", d.q(s, `SELECT * FROM counters ORDER BY k`))
}

func TestInsteadOfTriggers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE people (id INT PRIMARY KEY, first TEXT, last TEXT)`)
	d.q(s, `CREATE VIEW names AS SELECT id, first || ' ' || last AS full_name FROM people`)
	d.fail(s, errs.WrongObjectType, `CREATE TRIGGER x INSTEAD OF INSERT ON people FOR EACH ROW BEGIN NULL; END`)
	d.fail(s, errs.WrongObjectType, `CREATE TRIGGER x BEFORE INSERT ON names FOR EACH ROW BEGIN NULL; END`)
	d.q(s, `CREATE TRIGGER split INSTEAD OF INSERT ON names FOR EACH ROW BEGIN
		INSERT INTO people VALUES (NEW.id, split_part(NEW.full_name, ' ', 1), split_part(NEW.full_name, ' ', 2));
	END`)
	r, err := run(s, `INSERT INTO names VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing')`)
	require.NoError(t, err)
	require.Equal(t, "INSERT 0 2", r.Tag)
	d.q(s, `INSERT INTO names (full_name, id) SELECT 'Grace Hopper', 3`)
	require.Equal(t, "1|Ada|Lovelace\n2|Alan|Turing\n3|Grace|Hopper", d.q(s, `SELECT * FROM people ORDER BY id`))
	require.Equal(t, "Grace Hopper", d.q(s, `SELECT full_name FROM names WHERE id = 3`))
	// A failing row fails the whole INSERT.
	d.fail(s, errs.UniqueViolation, `INSERT INTO names VALUES (4, 'Ok Person'), (1, 'Dup Licate')`)
	require.Equal(t, "3", d.q(s, `SELECT count(*) FROM people`))

	// UPDATE and DELETE: OLD is the view's row, NEW the row with the SET
	// columns changed; WHERE picks the view's rows; parameters work.
	d.q(s, `CREATE TRIGGER rename INSTEAD OF UPDATE ON names FOR EACH ROW BEGIN
		IF NEW.id <> OLD.id THEN RAISE EXCEPTION 'ids are fixed' USING ERRCODE = '23514'; END IF;
		UPDATE people SET first = split_part(NEW.full_name, ' ', 1), last = split_part(NEW.full_name, ' ', 2) WHERE id = OLD.id;
	END`)
	d.q(s, `CREATE TRIGGER remove INSTEAD OF DELETE ON names FOR EACH ROW BEGIN
		IF OLD.full_name = 'Alan Turing' THEN RETURN NULL; END IF; -- kept, and not counted
		DELETE FROM people WHERE id = OLD.id;
	END`)
	r, err = run(s, `UPDATE names SET full_name = upper(full_name) WHERE id >= 2`)
	require.NoError(t, err)
	require.Equal(t, "UPDATE 2", r.Tag)
	require.Equal(t, "1|Ada|Lovelace\n2|ALAN|TURING\n3|GRACE|HOPPER", d.q(s, `SELECT * FROM people ORDER BY id`))
	ps, err := s.Prepare(`UPDATE names AS n SET full_name = $1 WHERE n.id = $2`, nil)
	require.NoError(t, err)
	r, err = s.Execute(t.Context(), ps, []types.Value{"Alan Turing", int64(2)})
	require.NoError(t, err)
	require.Equal(t, "UPDATE 1", r.Tag)
	d.fail(s, "23514", `UPDATE names SET id = id + 10`)
	d.fail(s, errs.UndefinedColumn, `UPDATE names SET nope = 1`)
	require.Equal(t, "1|Ada|Lovelace\n2|Alan|Turing\n3|GRACE|HOPPER", d.q(s, `SELECT * FROM people ORDER BY id`))
	r, err = run(s, `DELETE FROM names WHERE id IN (1, 2)`)
	require.NoError(t, err)
	require.Equal(t, "DELETE 1", r.Tag)
	require.Equal(t, "2|Alan|Turing\n3|GRACE|HOPPER", d.q(s, `SELECT * FROM people ORDER BY id`))
	// Inside a transaction block, a rollback undoes what the triggers did.
	d.q(s, `BEGIN`)
	d.q(s, `DELETE FROM names`)
	require.Equal(t, "2|Alan|Turing", d.q(s, `SELECT * FROM people`))
	d.q(s, `ROLLBACK`)
	require.Equal(t, "2|Alan|Turing\n3|GRACE|HOPPER", d.q(s, `SELECT * FROM people ORDER BY id`))

	d.q(s, `DROP TRIGGER split ON names`)
	d.fail(s, errs.UndefinedTable, `INSERT INTO names VALUES (5, 'No Trigger')`) // views are not writable without a trigger
}

func TestAsyncStatementTriggers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	d.q(s, `CREATE TABLE other (id INT PRIMARY KEY)`)
	d.q(s, `CREATE TABLE log (id TEXT PRIMARY KEY, op TEXT, level TEXT, rows_now INT)`)
	// Once per statement and op that changed rows, after commit, with
	// TG_OP and TG_LEVEL; NEW and OLD are empty.
	d.q(s, `CREATE TRIGGER stmt AFTER INSERT OR UPDATE OR DELETE ON t FOR EACH STATEMENT BEGIN
		INSERT INTO log VALUES (gen_random_uuid()::text, TG_OP, TG_LEVEL, COALESCE(NEW.id, -1));
	END`)
	d.q(s, `INSERT INTO t VALUES (1, 0), (2, 0), (3, 0)`) // 1 INSERT
	d.q(s, `UPDATE t SET v = v + 1`)                      // 1 UPDATE
	d.q(s, `UPDATE t SET v = v + 1 WHERE id = 99`)        // no rows: nothing
	d.q(s, `INSERT INTO other VALUES (1), (2)`)           // another collection
	d.q(s, `UPSERT INTO t VALUES (3, 9), (4, 9)`)         // 1 UPDATE + 1 INSERT
	d.q(s, `BEGIN`)
	d.q(s, `DELETE FROM t WHERE id = 1`) // 1 DELETE
	d.q(s, `DELETE FROM t WHERE id = 2`) // 1 DELETE
	d.q(s, `COMMIT`)
	d.q(s, `BEGIN`)
	d.q(s, `DELETE FROM t`)
	d.q(s, `ROLLBACK`) // nothing
	d.waitQ(s, `SELECT op, level, rows_now, count(*) FROM log GROUP BY op, level, rows_now ORDER BY op`,
		"DELETE|STATEMENT|-1|2\nINSERT|STATEMENT|-1|2\nUPDATE|STATEMENT|-1|2")
	require.Equal(t, "3|9\n4|9", d.q(s, `SELECT * FROM t ORDER BY id`))
}

func TestSyncTriggersOnUpsert(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, v INT, note TEXT)`)
	d.q(s, `CREATE TABLE log (id TEXT PRIMARY KEY, what TEXT)`)
	d.q(s, `CREATE TRIGGER clamp BEFORE UPDATE ON t FOR EACH ROW BEGIN
		IF NEW.v > 100 THEN NEW.v := 100; END IF;
		IF NEW.v < 0 THEN RETURN NULL; END IF;
	END`)
	d.q(s, `CREATE SYNC TRIGGER upd AFTER UPDATE ON t FOR EACH ROW BEGIN
		INSERT INTO log VALUES (gen_random_uuid()::text, TG_OP || ' ' || OLD.v || '->' || NEW.v);
	END`)
	d.q(s, `CREATE SYNC TRIGGER stmt AFTER UPDATE ON t FOR EACH STATEMENT BEGIN
		INSERT INTO log VALUES (gen_random_uuid()::text, 'statement');
	END`)
	d.q(s, `INSERT INTO t VALUES (1, 1, 'a')`)
	d.q(s, `UPSERT INTO t VALUES (1, 500, 'b'), (2, 2, 'new')`)
	d.q(s, `INSERT INTO t VALUES (2, 0, 'x') ON CONFLICT (id) DO UPDATE SET v = -5`) // skipped by BEFORE UPDATE
	d.q(s, `INSERT INTO t VALUES (2, 0, 'x') ON CONFLICT (id) DO UPDATE SET v = t.v + 7`)
	require.Equal(t, "1|100|b\n2|9|new", d.q(s, `SELECT * FROM t ORDER BY id`))
	require.Equal(t, "UPDATE 1->100\nUPDATE 2->9\nstatement\nstatement\nstatement",
		d.q(s, `SELECT what FROM log ORDER BY what`))
}
