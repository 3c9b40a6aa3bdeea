package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

func TestProceduralLanguage(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE out (k TEXT PRIMARY KEY, v TEXT)`)
	d.q(s, `CREATE TABLE nums (n INT PRIMARY KEY, sq INT)`)

	// Loops, conditions, assignment, SELECT INTO, records.
	d.q(s, `DO $$
	DECLARE
		i INT := 0;
		total BIGINT := 0;
		label TEXT;
		biggest INT;
	BEGIN
		WHILE i < 10 LOOP
			i := i + 1;
			CONTINUE WHEN i % 2 = 0;
			INSERT INTO nums VALUES (i, i * i);
		END LOOP;
		FOR j IN 1..3 LOOP
			total := total + j;
		END LOOP;
		FOR j IN REVERSE 3..1 LOOP
			total := total * 10 + j;
		END LOOP;
		LOOP
			total := total + 1;
			EXIT WHEN total % 7 = 0;
		END LOOP;
		SELECT max(n) INTO biggest FROM nums;
		FOR r IN SELECT n, sq FROM nums ORDER BY n LOOP
			IF r.n = 1 THEN
				label := 'one';
			ELSIF r.n < 5 THEN
				label := 'small ' || r.sq;
			ELSE
				label := CASE WHEN r.n = biggest THEN 'biggest' ELSE 'big' END;
			END IF;
			INSERT INTO out VALUES ('n' || r.n, label);
		END LOOP;
		INSERT INTO out VALUES ('total', total::text);
		BEGIN
			DECLARE inner_v TEXT := 'nested';
			BEGIN
				INSERT INTO out VALUES ('inner', inner_v);
			END;
		END;
	END $$`)
	require.Equal(t, "1|1\n3|9\n5|25\n7|49\n9|81", d.q(s, `SELECT * FROM nums ORDER BY n`))
	// total: 1+2+3 = 6; then *10+3, *10+2, *10+1 = 6321; then +1 until a
	// multiple of 7: 6321 is 7*903, so the LOOP runs once more to 6328.
	require.Equal(t, "inner|nested\nn1|one\nn3|small 9\nn5|big\nn7|big\nn9|biggest\ntotal|6328",
		d.q(s, `SELECT * FROM out ORDER BY k`))

	// CASE statements, simple and searched; no match without ELSE is 20000.
	r0, err := run(s, `DO $$ DECLARE x INT := 2; BEGIN
		CASE x WHEN 1 THEN RAISE NOTICE 'one'; WHEN 2 THEN RAISE NOTICE 'two'; ELSE RAISE NOTICE 'many'; END CASE;
		CASE WHEN x > 5 THEN RAISE NOTICE 'big'; WHEN x > 1 THEN RAISE NOTICE 'medium'; END CASE;
	END $$`)
	require.NoError(t, err)
	require.Equal(t, "two", r0.Notices[0].Message)
	require.Equal(t, "medium", r0.Notices[1].Message)
	d.fail(s, "20000", `DO $$ BEGIN CASE 3 WHEN 1 THEN NULL; END CASE; END $$`)

	// RAISE: notices reach the client; an exception aborts the whole block
	// (nothing it wrote stays) with its SQLSTATE.
	r, err := run(s, `DO $$ BEGIN RAISE NOTICE 'hello % and %', 1 + 1, 'x'; RAISE WARNING '100%% sure'; END $$`)
	require.NoError(t, err)
	require.Len(t, r.Notices, 2)
	require.Equal(t, "hello 2 and x", r.Notices[0].Message)
	require.Equal(t, "NOTICE", r.Notices[0].Severity)
	require.Equal(t, "100% sure", r.Notices[1].Message)
	e := d.fail(s, "23514", `DO $$ BEGIN INSERT INTO out VALUES ('gone', 'x'); RAISE EXCEPTION 'bad value %', 42 USING ERRCODE = '23514'; END $$`)
	require.Equal(t, "bad value 42", e.Message)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM out WHERE k = 'gone'`))
	d.fail(s, "P0001", `DO $$ BEGIN RAISE EXCEPTION 'plain'; END $$`)

	// Inside an explicit transaction a DO joins it.
	d.q(s, `BEGIN`)
	d.q(s, `DO $$ BEGIN INSERT INTO out VALUES ('txn', 'x'); END $$`)
	d.q(s, `ROLLBACK`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM out WHERE k = 'txn'`))

	// Fuel: a loop that never ends stops with 54000 (iterations) or 57014
	// (time).
	saved := defaultMaxIterations
	defaultMaxIterations = 1000
	e = d.fail(s, errs.ProgramLimitExceeded, `DO $$ DECLARE n INT := 0; BEGIN LOOP n := n + 1; END LOOP; END $$`)
	require.Contains(t, e.Message, "budget of 1000 loop iterations")
	defaultMaxIterations = saved
	savedT := defaultBodyTimeout
	defaultBodyTimeout = 50 * time.Millisecond
	e = d.fail(s, errs.QueryCanceled, `DO $$ DECLARE n INT := 0; BEGIN LOOP n := n + 1; END LOOP; END $$`)
	require.Contains(t, e.Message, "time budget")
	defaultBodyTimeout = savedT

	// Errors at parse and run time.
	d.fail(s, errs.SyntaxError, `DO $$ BEGIN IF true THEN SELECT 1; END $$`)
	d.fail(s, errs.SyntaxError, `DO $$ BEGIN COMMIT; END $$`)
	d.fail(s, errs.UndefinedObject, `DO $$ BEGIN nope := 1; END $$`)
	d.fail(s, errs.FeatureNotSupported, `DO $$ BEGIN CREATE TABLE zz (a INT); END $$`)
	d.fail(s, errs.SyntaxError, `DO $$ BEGIN RAISE NOTICE 'a % b'; END $$`)
	d.q(s, `DO BEGIN RETURN; INSERT INTO out VALUES ('after return', 'x'); END`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM out WHERE k = 'after return'`))
}

func TestProcedures(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE accounts (id INT PRIMARY KEY, balance INT)`)
	d.q(s, `INSERT INTO accounts VALUES (1, 100), (2, 0)`)
	d.q(s, `CREATE PROCEDURE transfer(src INT, dst INT, amount INT) WITH (MAX_ITERATIONS = 10) BEGIN
		DECLARE have INT;
		SELECT balance INTO have FROM accounts WHERE id = src;
		IF have IS NULL THEN
			RAISE EXCEPTION 'no account %', src USING ERRCODE = '02000';
		END IF;
		IF have < amount THEN
			RAISE EXCEPTION 'insufficient funds: % < %', have, amount USING ERRCODE = '23514';
		END IF;
		UPDATE accounts SET balance = balance - amount WHERE id = src;
		UPDATE accounts SET balance = balance + amount WHERE id = dst;
		RAISE NOTICE 'moved %', amount;
	END`)
	d.fail(s, "42723", `CREATE PROCEDURE transfer(a INT) BEGIN END`)
	d.fail(s, errs.SyntaxError, `CREATE PROCEDURE p2(a INT) WITH (colour = 'red') BEGIN END`)
	d.fail(s, errs.InvalidParameterValue, `CREATE PROCEDURE p2(a INT) WITH (TIMEOUT = 'never') BEGIN END`)

	r, err := run(s, `CALL transfer(1, 2, 30)`)
	require.NoError(t, err)
	require.Equal(t, "CALL", r.Tag)
	require.Equal(t, "moved 30", r.Notices[0].Message)
	require.Equal(t, "1|70\n2|30", d.q(s, `SELECT * FROM accounts ORDER BY id`))
	e := d.fail(s, "23514", `CALL transfer(2, 1, 31)`)
	require.Equal(t, "insufficient funds: 30 < 31", e.Message)
	d.fail(s, "02000", `CALL transfer(9, 1, 1)`)
	require.Equal(t, "1|70\n2|30", d.q(s, `SELECT * FROM accounts ORDER BY id`), "a failed CALL changes nothing")
	d.fail(s, errs.UndefinedFunction, `CALL transfer(1, 2)`)
	d.fail(s, errs.UndefinedFunction, `CALL nope()`)
	d.q(s, `CALL transfer(1, 2, '5')`) // arguments are cast to the parameter types

	// OR REPLACE, a procedure that loops beyond its own budget, restart.
	d.q(s, `CREATE OR REPLACE PROCEDURE spin() WITH (MAX_ITERATIONS = 5) BEGIN LOOP NULL; END LOOP; END`)
	e = d.fail(s, errs.ProgramLimitExceeded, `CALL spin()`)
	require.Contains(t, e.Message, "budget of 5 loop iterations")
	s.Close()
	d.close()
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CALL transfer(2, 1, 35)`)
	require.Equal(t, "1|100\n2|0", d.q(s, `SELECT * FROM accounts ORDER BY id`))
	d.q(s, `DROP PROCEDURE transfer`)
	d.fail(s, errs.UndefinedFunction, `DROP PROCEDURE transfer`)
	d.q(s, `DROP PROCEDURE IF EXISTS transfer`)
}

func TestFunctions(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	d.q(s, `CREATE TABLE items (id INT PRIMARY KEY, price NUMERIC(10,2), qty INT)`)
	d.q(s, `INSERT INTO items VALUES (1, 2.50, 4), (2, 10.00, 1)`)
	d.q(s, `CREATE FUNCTION line_total(p NUMERIC, q INT) RETURNS NUMERIC(12,2) LANGUAGE sql IMMUTABLE AS $$ SELECT p * q $$`)
	d.q(s, `CREATE FUNCTION with_tax(x NUMERIC) RETURNS NUMERIC(12,2) AS $$ BEGIN RETURN round(x * 1.25, 2); END $$`)
	d.q(s, `CREATE FUNCTION item_count() RETURNS BIGINT AS $$ SELECT count(*) FROM items $$`)
	require.Equal(t, "1|10.00|12.50\n2|10.00|12.50", d.q(s, `SELECT id, line_total(price, qty), with_tax(line_total(price, qty)) FROM items ORDER BY id`))
	require.Equal(t, "2", d.q(s, `SELECT item_count()`))
	require.Equal(t, "1", d.q(s, `SELECT id FROM items WHERE line_total(price, qty) = 10 AND qty > 1`))
	d.fail(s, errs.UndefinedFunction, `SELECT line_total(1)`)
	d.fail(s, "42723", `CREATE FUNCTION upper(x TEXT) RETURNS TEXT AS $$ SELECT x $$`)
	d.fail(s, "42723", `CREATE FUNCTION item_count() RETURNS INT AS $$ SELECT 1 $$`)
	d.fail(s, errs.FeatureNotSupported, `CREATE FUNCTION f2(x INT) RETURNS INT AS $$ BEGIN x := x + 1; RETURN x; END $$`)
	// Self-reference stops at the nesting limit.
	d.q(s, `CREATE FUNCTION loop_f(x INT) RETURNS INT AS $$ SELECT loop_f(x) $$`)
	d.fail(s, "54001", `SELECT loop_f(1)`)
	// OR REPLACE changes what prepared and new queries compute; restarts keep it.
	d.q(s, `CREATE OR REPLACE FUNCTION item_count() RETURNS BIGINT AS $$ SELECT count(*) * 10 FROM items $$`)
	require.Equal(t, "20", d.q(s, `SELECT item_count()`))
	s.Close()
	d.close()
	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "20", d.q(s, `SELECT item_count()`))
	d.q(s, `DROP FUNCTION item_count()`)
	d.fail(s, errs.UndefinedFunction, `SELECT item_count()`)
	d.q(s, `DROP FUNCTION IF EXISTS item_count`)
}

func TestExceptionHandlers(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE acct (id INT PRIMARY KEY, bal INT)`)
	d.q(s, `CREATE TABLE log (n INT PRIMARY KEY, msg TEXT)`)
	d.q(s, `INSERT INTO acct VALUES (1, 100)`)

	// A caught error rolls back the block's own changes, not earlier ones;
	// the handler sees SQLSTATE and SQLERRM; execution goes on after it.
	d.q(s, `DO $$
	BEGIN
		INSERT INTO log VALUES (1, 'before');
		BEGIN
			UPDATE acct SET bal = bal - 500 WHERE id = 1;
			INSERT INTO acct VALUES (1, 0); -- duplicate key
		EXCEPTION
			WHEN check_violation THEN INSERT INTO log VALUES (98, 'wrong handler');
			WHEN unique_violation OR not_null_violation THEN
				INSERT INTO log VALUES (2, SQLSTATE || ': ' || SQLERRM);
		END;
		INSERT INTO log VALUES (3, 'after');
	END $$`)
	require.Equal(t, "1|100", d.q(s, `SELECT * FROM acct`), "the failed block's UPDATE was rolled back")
	require.Equal(t, "1|before\n2|23505: duplicate key value violates unique constraint \"acct_pkey\"\n3|after",
		d.q(s, `SELECT * FROM log ORDER BY n`))

	// OTHERS, SQLSTATE codes, class names; RAISE with ERRCODE is caught by
	// its code; an uncaught error fails the whole statement; RAISE; in a
	// handler re-raises.
	d.q(s, `CREATE PROCEDURE safe_div(a INT, b INT) BEGIN
		DECLARE r INT;
		BEGIN
			r := a / b;
			INSERT INTO log VALUES (10 + a, 'ok ' || r);
		EXCEPTION WHEN SQLSTATE '22012' THEN
			INSERT INTO log VALUES (10 + a, 'div by zero');
		END;
		BEGIN
			RAISE EXCEPTION 'custom %', a USING ERRCODE = '22023';
		EXCEPTION WHEN data_exception THEN
			INSERT INTO log VALUES (20 + a, SQLERRM);
		END;
		BEGIN
			PERFORM 1 / 0;
		EXCEPTION WHEN OTHERS THEN
			IF a = 7 THEN RAISE; END IF;
		END;
	END`)
	d.q(s, `CALL safe_div(4, 2)`)
	d.q(s, `CALL safe_div(5, 0)`)
	e := d.fail(s, errs.DivisionByZero, `CALL safe_div(7, 1)`)
	require.Equal(t, "division by zero", e.Message)
	require.Equal(t, "14|ok 2\n15|div by zero\n24|custom 4\n25|custom 5", d.q(s, `SELECT * FROM log WHERE n > 10 ORDER BY n`),
		"the failed CALL left nothing")

	// Inside a transaction block, a caught error leaves the transaction
	// usable; NOTIFYs of the rolled-back part are dropped.
	d.q(s, `BEGIN`)
	d.q(s, `DO $$ BEGIN
		BEGIN INSERT INTO log VALUES (30, 'kept'); END;
		BEGIN INSERT INTO log VALUES (31, 'undone'); INSERT INTO log VALUES (30, 'dup');
		EXCEPTION WHEN unique_violation THEN NULL; END;
	END $$`)
	d.q(s, `INSERT INTO log VALUES (32, 'later')`)
	d.q(s, `COMMIT`)
	require.Equal(t, "30|kept\n32|later", d.q(s, `SELECT * FROM log WHERE n >= 30 ORDER BY n`))

	// Running out of fuel is never caught.
	d.q(s, `CREATE PROCEDURE spin() WITH (MAX_ITERATIONS = 50) BEGIN
		BEGIN LOOP NULL; END LOOP;
		EXCEPTION WHEN OTHERS THEN INSERT INTO log VALUES (99, 'caught fuel'); END;
	END`)
	d.fail(s, errs.ProgramLimitExceeded, `CALL spin()`)
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM log WHERE n = 99`))

	// Bad handlers fail at CREATE.
	d.fail(s, errs.UndefinedObject, `CREATE PROCEDURE bad() BEGIN BEGIN NULL; EXCEPTION WHEN no_such_thing THEN NULL; END; END`)
	d.fail(s, errs.SyntaxError, `CREATE PROCEDURE bad() BEGIN BEGIN NULL; EXCEPTION NULL; END; END`)
	d.fail(s, "0Z002", `DO $$ BEGIN RAISE; END $$`)
}

func TestSavepoints(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY, v TEXT)`)
	d.fail(s, errs.NoActiveSQLTransaction, `SAVEPOINT a`)
	d.q(s, `BEGIN`)
	d.q(s, `INSERT INTO t VALUES (1, 'one')`)
	d.q(s, `SAVEPOINT a`)
	d.q(s, `INSERT INTO t VALUES (2, 'two')`)
	d.q(s, `UPDATE t SET v = 'ONE' WHERE id = 1`)
	d.q(s, `SAVEPOINT b`)
	d.q(s, `DELETE FROM t`)
	d.q(s, `ROLLBACK TO SAVEPOINT b`)
	require.Equal(t, "1|ONE\n2|two", d.q(s, `SELECT * FROM t ORDER BY id`))
	d.q(s, `ROLLBACK TO a`) // also drops b
	d.fail(s, errs.InvalidSavepoint, `RELEASE SAVEPOINT b`)
	d.q(s, `ROLLBACK TO a`) // a stays after ROLLBACK TO
	require.Equal(t, "1|one", d.q(s, `SELECT * FROM t ORDER BY id`))
	// An error, then ROLLBACK TO: the transaction is usable again (psql's
	// ON_ERROR_ROLLBACK works this way).
	d.q(s, `SAVEPOINT c`)
	d.fail(s, errs.UniqueViolation, `INSERT INTO t VALUES (3, 'x'), (1, 'dup')`)
	d.fail(s, errs.InFailedSQLTransaction, `SELECT 1`)
	d.q(s, `ROLLBACK TO SAVEPOINT c`)
	d.q(s, `RELEASE c`)
	d.q(s, `INSERT INTO t VALUES (4, 'four')`)
	d.q(s, `COMMIT`)
	require.Equal(t, "1|one\n4|four", d.q(s, `SELECT * FROM t ORDER BY id`))
}

func TestSecurityDefiner(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	alice := d.m.NewSession("alice", "db")
	defer alice.Close()
	bob := d.m.NewSession("bob", "db")
	defer bob.Close()
	d.q(alice, `CREATE TABLE who (k TEXT PRIMARY KEY, u TEXT)`)
	d.q(alice, `CREATE TABLE src (id INT PRIMARY KEY)`)
	d.q(alice, `CREATE PROCEDURE as_owner(k TEXT) SECURITY DEFINER BEGIN INSERT INTO who VALUES (k, current_user); END`)
	d.q(alice, `CREATE PROCEDURE as_caller(k TEXT) BEGIN INSERT INTO who VALUES (k, current_user); END`)
	d.q(alice, `CREATE SYNC TRIGGER t_owner AFTER INSERT ON src FOR EACH ROW SECURITY DEFINER BEGIN
		INSERT INTO who VALUES ('trig_definer_' || NEW.id, current_user); END`)
	d.q(alice, `CREATE SYNC TRIGGER t_caller AFTER INSERT ON src FOR EACH ROW BEGIN
		INSERT INTO who VALUES ('trig_invoker_' || NEW.id, current_user || ' ' || TG_OP || ' ' || TG_WHEN || ' ' || TG_TABLE_NAME); END`)
	d.q(bob, `CALL as_owner('p1')`)
	d.q(bob, `CALL as_caller('p2')`)
	d.q(bob, `INSERT INTO src VALUES (1)`)
	require.Equal(t, "bob", d.q(bob, `SELECT current_user`), "the caller's identity is back after the call")
	require.Equal(t, "p1|alice\np2|bob\ntrig_definer_1|alice\ntrig_invoker_1|bob INSERT AFTER src", d.q(bob, `SELECT * FROM who ORDER BY k`))
}
