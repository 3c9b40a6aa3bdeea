package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// queryString renders a query's rows as "a|b" lines.
func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	rows, err := conn.Query(testCtx(t), sql)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("values: %v", err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = fmt.Sprint(v)
		}
		lines = append(lines, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return strings.Join(lines, "\n")
}

// execCode runs sql and returns the SQLSTATE it failed with ("" on success).
func execCode(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	_, err := conn.Exec(testCtx(t), sql)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	return ""
}

func eventually(t *testing.T, conn *pgx.Conn, sql, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		if got = queryString(t, conn, sql); got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s:\n got  %q\n want %q", sql, got, want)
}

// TestTriggersOverPgx drives every trigger timing, procedures, DO and a
// streaming view through pgx over TCP.
func TestTriggersOverPgx(t *testing.T) {
	s := startServer(t)
	c := s.pgxConnect(t)
	mustExec(t, c, `CREATE TABLE orders (id INT PRIMARY KEY, total INT, note TEXT)`)
	mustExec(t, c, `CREATE TABLE audit (id TEXT PRIMARY KEY, order_id INT, how TEXT)`)

	// BEFORE: change NEW, reject with a SQLSTATE.
	mustExec(t, c, `CREATE TRIGGER norm BEFORE INSERT ON orders FOR EACH ROW BEGIN
		IF NEW.total < 0 THEN RAISE EXCEPTION 'negative total' USING ERRCODE = '23514'; END IF;
		NEW.note := upper(COALESCE(NEW.note, 'none'));
	END`)
	// SYNC AFTER in the writing transaction, ASYNC AFTER from the change
	// log with WHEN, DEFERRED at commit.
	mustExec(t, c, `CREATE SYNC TRIGGER a_sync AFTER INSERT ON orders FOR EACH ROW BEGIN
		INSERT INTO audit VALUES ('s' || NEW.id, NEW.id, 'sync'); END`)
	mustExec(t, c, `CREATE TRIGGER a_async AFTER INSERT ON orders FOR EACH ROW WHEN (NEW.total >= 100) BEGIN
		INSERT INTO audit VALUES ('a' || NEW.id, NEW.id, 'async'); END`)
	mustExec(t, c, `CREATE DEFERRED TRIGGER a_def AFTER INSERT ON orders FOR EACH ROW BEGIN
		INSERT INTO audit VALUES ('d' || NEW.id, NEW.id, 'deferred'); END`)

	mustExec(t, c, `INSERT INTO orders VALUES (1, 50, 'x'), (2, 150, NULL)`)
	if code := execCode(t, c, `INSERT INTO orders VALUES (3, -1, 'bad')`); code != "23514" {
		t.Fatalf("BEFORE rejection: SQLSTATE %q, want 23514", code)
	}
	if got := queryString(t, c, `SELECT id, total, note FROM orders ORDER BY id`); got != "1|50|X\n2|150|NONE" {
		t.Fatalf("orders: %q", got)
	}
	eventually(t, c, `SELECT how, count(*) FROM audit GROUP BY how ORDER BY how`, "async|1\ndeferred|2\nsync|2")

	// DISABLE: no firing for changes made meanwhile.
	mustExec(t, c, `ALTER TRIGGER a_sync ON orders DISABLE`)
	mustExec(t, c, `INSERT INTO orders VALUES (4, 10, 'y')`)
	if got := queryString(t, c, `SELECT count(*) FROM audit WHERE order_id = 4 AND how = 'sync'`); got != "0" {
		t.Fatalf("disabled trigger fired: %s", got)
	}
	mustExec(t, c, `ALTER TRIGGER a_sync ON orders ENABLE`)

	// Dead letters and replay of an ASYNC trigger.
	mustExec(t, c, `CREATE TABLE one (id INT PRIMARY KEY)`)
	mustExec(t, c, `CREATE TRIGGER dup AFTER INSERT ON orders FOR EACH ROW WHEN (NEW.id >= 10) BEGIN INSERT INTO one VALUES (1); END`)
	mustExec(t, c, `INSERT INTO orders VALUES (10, 1, 'a'), (11, 1, 'b')`)
	eventually(t, c, `SELECT count(*) FROM one`, "1")
	deadline := time.Now().Add(15 * time.Second)
	for {
		rows, err := c.Query(testCtx(t), `SHOW TRIGGER DEAD LETTERS FOR dup ON orders`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dead letter after the retries (%d)", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustExec(t, c, `DELETE FROM one`)
	mustExec(t, c, `REPLAY TRIGGER DEAD LETTERS FOR dup ON orders`)
	if got := queryString(t, c, `SELECT count(*) FROM one`); got != "1" {
		t.Fatalf("replay: %s", got)
	}

	// Cascade limit on a SYNC trigger writing its own table.
	mustExec(t, c, `CREATE TABLE chain (n INT PRIMARY KEY)`)
	mustExec(t, c, `CREATE SYNC TRIGGER next AFTER INSERT ON chain FOR EACH ROW BEGIN INSERT INTO chain VALUES (NEW.n + 1); END`)
	if code := execCode(t, c, `INSERT INTO chain VALUES (0)`); code != "54001" {
		t.Fatalf("cascade: SQLSTATE %q, want 54001", code)
	}

	// Procedures with loops, exceptions and the fuel limit; DO.
	mustExec(t, c, `CREATE PROCEDURE fill(n INT) WITH (MAX_ITERATIONS = 100) AS $$
	DECLARE i INT := 0;
	BEGIN
		WHILE i < n LOOP
			i := i + 1;
			INSERT INTO chain VALUES (n * 1000 + i);
		END LOOP;
		IF n > 50 THEN RAISE EXCEPTION 'too many: %', n USING ERRCODE = '22023'; END IF;
	END $$`)
	mustExec(t, c, `ALTER TRIGGER next ON chain DISABLE`)
	mustExec(t, c, `CALL fill(5)`)
	if code := execCode(t, c, `CALL fill(60)`); code != "22023" {
		t.Fatalf("RAISE in CALL: %q", code)
	}
	if code := execCode(t, c, `CALL fill(150)`); code != "54000" {
		t.Fatalf("fuel: %q", code)
	}
	if got := queryString(t, c, `SELECT count(*) FROM chain WHERE n > 1000`); got != "5" {
		t.Fatalf("failed calls left rows: %s", got)
	}
	mustExec(t, c, `DO $$ BEGIN FOR i IN 1..3 LOOP INSERT INTO chain VALUES (-i); END LOOP; END $$`)
	if got := queryString(t, c, `SELECT count(*) FROM chain WHERE n < 0`); got != "3" {
		t.Fatalf("DO: %s", got)
	}

	// A streaming view over a change stream.
	mustExec(t, c, `CREATE CHANGE STREAM orders_s ON orders`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW totals STREAMING AS SELECT event_type AS op, count(*) AS n,
		sum((new_value->>'total')::int) AS total FROM orders_s GROUP BY event_type`)
	mustExec(t, c, `INSERT INTO orders VALUES (20, 200, 'z'), (21, 300, 'z')`)
	eventually(t, c, `SELECT op, n, total FROM totals`, "INSERT|2|500")
}

// TestTriggerGapsOverPgx covers, over pgx and TCP: INSTEAD OF UPDATE and
// DELETE on a view (with parameters), ASYNC statement triggers, exception
// handlers, savepoints, and SECURITY DEFINER with two users.
func TestTriggerGapsOverPgx(t *testing.T) {
	s := startServer(t)
	c := s.pgxConnect(t)
	ctx := testCtx(t)
	mustExec(t, c, `CREATE TABLE people (id INT PRIMARY KEY, first TEXT, last TEXT)`)
	mustExec(t, c, `INSERT INTO people VALUES (1, 'Ada', 'Lovelace'), (2, 'Alan', 'Turing')`)
	mustExec(t, c, `CREATE VIEW names AS SELECT id, first || ' ' || last AS full_name FROM people`)
	mustExec(t, c, `CREATE TRIGGER rename INSTEAD OF UPDATE ON names FOR EACH ROW BEGIN
		UPDATE people SET first = split_part(NEW.full_name, ' ', 1), last = split_part(NEW.full_name, ' ', 2) WHERE id = OLD.id;
	END`)
	mustExec(t, c, `CREATE TRIGGER remove INSTEAD OF DELETE ON names FOR EACH ROW BEGIN DELETE FROM people WHERE id = OLD.id; END`)
	mustExec(t, c, `CREATE TRIGGER split INSTEAD OF INSERT ON names FOR EACH ROW BEGIN
		INSERT INTO people VALUES (NEW.id, split_part(NEW.full_name, ' ', 1), split_part(NEW.full_name, ' ', 2));
	END`)
	tag, err := c.Exec(ctx, `INSERT INTO names VALUES ($1, $2)`, 3, "Grace Hopper")
	if err != nil || tag.String() != "INSERT 0 1" {
		t.Fatalf("INSERT into view: %v %q", err, tag)
	}
	tag, err = c.Exec(ctx, `UPDATE names SET full_name = $1 WHERE id = $2`, "Ada King", 1)
	if err != nil || tag.String() != "UPDATE 1" {
		t.Fatalf("UPDATE on view: %v %q", err, tag)
	}
	tag, err = c.Exec(ctx, `DELETE FROM names WHERE full_name LIKE $1`, "Alan%")
	if err != nil || tag.String() != "DELETE 1" {
		t.Fatalf("DELETE on view: %v %q", err, tag)
	}
	if got := queryString(t, c, `SELECT * FROM people ORDER BY id`); got != "1|Ada|King\n3|Grace|Hopper" {
		t.Fatalf("people: %q", got)
	}

	// ASYNC statement trigger: once per statement, after commit.
	mustExec(t, c, `CREATE TABLE ev (id INT PRIMARY KEY)`)
	mustExec(t, c, `CREATE TABLE stmts (id TEXT PRIMARY KEY, op TEXT)`)
	mustExec(t, c, `CREATE TRIGGER per_stmt AFTER INSERT OR DELETE ON ev FOR EACH STATEMENT BEGIN
		INSERT INTO stmts VALUES (gen_random_uuid()::text, TG_OP); END`)
	// ... and SYNC and DEFERRED statement triggers inside the write.
	mustExec(t, c, `CREATE SYNC TRIGGER per_stmt_sync AFTER DELETE ON ev FOR EACH STATEMENT BEGIN
		INSERT INTO stmts VALUES ('sync ' || gen_random_uuid()::text, 'SYNC ' || TG_OP); END`)
	mustExec(t, c, `CREATE DEFERRED TRIGGER per_stmt_def AFTER INSERT ON ev FOR EACH STATEMENT BEGIN
		INSERT INTO stmts VALUES ('def ' || gen_random_uuid()::text, 'DEFERRED ' || TG_OP); END`)
	mustExec(t, c, `INSERT INTO ev SELECT * FROM generate_series(1, 50)`)
	mustExec(t, c, `DELETE FROM ev WHERE id > 10`)
	eventually(t, c, `SELECT op, count(*) FROM stmts GROUP BY op ORDER BY op`, "DEFERRED INSERT|1\nDELETE|1\nINSERT|1\nSYNC DELETE|1")
	mustExec(t, c, `DROP TRIGGER per_stmt_def ON ev`)

	// Exception handler in a procedure; a savepoint after an error.
	mustExec(t, c, `CREATE PROCEDURE add_ev(n INT) BEGIN
		INSERT INTO ev VALUES (n);
	EXCEPTION WHEN unique_violation THEN
		INSERT INTO stmts VALUES ('dup ' || n, SQLSTATE);
	END`)
	mustExec(t, c, `CALL add_ev(5)`)
	mustExec(t, c, `CALL add_ev(500)`)
	if got := queryString(t, c, `SELECT op FROM stmts WHERE id = 'dup 5'`); got != "23505" {
		t.Fatalf("handler: %q", got)
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ev VALUES (600)`); err != nil {
		t.Fatal(err)
	}
	nested, err := tx.Begin(ctx) // pgx: SAVEPOINT
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nested.Exec(ctx, `INSERT INTO ev VALUES (1)`); err == nil {
		t.Fatal("duplicate accepted")
	}
	if err := nested.Rollback(ctx); err != nil { // ROLLBACK TO SAVEPOINT
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit after ROLLBACK TO: %v", err)
	}
	if got := queryString(t, c, `SELECT count(*) FROM ev WHERE id >= 500`); got != "2" {
		t.Fatalf("ev: %q", got)
	}

	// SECURITY DEFINER: the body runs as the owner, else as the caller.
	mustExec(t, c, `CREATE TABLE who (k TEXT PRIMARY KEY, u TEXT)`)
	mustExec(t, c, `CREATE PROCEDURE stamp_owner(k TEXT) SECURITY DEFINER BEGIN INSERT INTO who VALUES (k, current_user); END`)
	mustExec(t, c, `CREATE PROCEDURE stamp_caller(k TEXT) BEGIN INSERT INTO who VALUES (k, current_user); END`)
	cfg, err := pgx.ParseConfig(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = "bob"
	bob, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close(ctx)
	mustExec(t, bob, `CALL stamp_owner('definer')`)
	mustExec(t, bob, `CALL stamp_caller('invoker')`)
	if got := queryString(t, c, `SELECT * FROM who ORDER BY k`); got != "definer|admin\ninvoker|bob" {
		t.Fatalf("who: %q", got)
	}
}
