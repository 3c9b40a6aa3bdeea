package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// TestDataDriven runs the golden files in testdata. Commands:
//
//	parse   each statement formatted with ast.Format, one per line, or the error
//	error   the same; used for cases that are expected to fail
//	expr    ParseExpr
//	split   each statement's Pos and SQL text
//
// Every successfully parsed input is also checked to round-trip:
// Parse(Format(ast)) formats identically. Regenerate with -rewrite.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "parse", "error":
				stmts, err := Parse(d.Input)
				if err != nil {
					return formatErr(t, d.Input, err)
				}
				var b strings.Builder
				for _, s := range stmts {
					out := ast.Format(s.AST)
					checkRoundTrip(t, d.Pos, out)
					b.WriteString(out)
					b.WriteString("\n")
				}
				if len(stmts) == 0 {
					return "(no statements)\n"
				}
				return b.String()
			case "expr":
				e, err := ParseExpr(d.Input)
				if err != nil {
					return formatErr(t, d.Input, err)
				}
				out := ast.Format(e)
				e2, err := ParseExpr(out)
				if err != nil {
					t.Errorf("%s: re-parse of %q: %v", d.Pos, out, err)
				} else if out2 := ast.Format(e2); out2 != out {
					t.Errorf("%s: round trip differs:\n%s\n%s", d.Pos, out, out2)
				}
				return out + "\n"
			case "split":
				stmts, err := Parse(d.Input)
				if err != nil {
					return formatErr(t, d.Input, err)
				}
				var b strings.Builder
				for _, s := range stmts {
					fmt.Fprintf(&b, "%d: %s\n", s.Pos, s.SQL)
				}
				if len(stmts) == 0 {
					return "(no statements)\n"
				}
				return b.String()
			}
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
			return ""
		})
	})
}

func formatErr(t *testing.T, input string, err error) string {
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error is not *errs.Error: %T %v", err, err)
	}
	checkErr(t, input, err)
	s := fmt.Sprintf("error %s at %d: %s\n", e.Code, e.Position, e.Message)
	if e.Hint != "" {
		s += "hint: " + e.Hint + "\n"
	}
	return s
}

func checkRoundTrip(t *testing.T, pos, out string) {
	t.Helper()
	again, err := Parse(out)
	if err != nil {
		t.Errorf("%s: formatted statement does not parse: %q: %v", pos, out, err)
		return
	}
	if len(again) != 1 {
		t.Errorf("%s: formatted statement gave %d statements: %q", pos, len(again), out)
		return
	}
	if out2 := ast.Format(again[0].AST); out2 != out {
		t.Errorf("%s: round trip differs:\n  %s\n  %s", pos, out, out2)
	}
}

// checkErr asserts the error contract: a typed error with an allowed code
// and a position inside the input (or just past its end).
func checkErr(t testing.TB, input string, err error) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok {
		t.Fatalf("Parse(%q): error is %T, want *errs.Error", input, err)
	}
	switch {
	case e.Code == errs.SyntaxError, e.Code == errs.UndefinedObject, e.Code == codeTooComplex,
		e.Code == codeInvalidTableDefinition, e.Code == errs.DuplicateColumn, e.Code == "42P02", e.Code == errs.InvalidSchemaName,
		e.Code == errs.FeatureNotSupported, // PostgreSQL's code for a bad SET (a, b) = source
		strings.HasPrefix(e.Code, "22"):
	default:
		t.Fatalf("Parse(%q): unexpected code %s (%s)", input, e.Code, e.Message)
	}
	if e.Position < 1 || e.Position > len(input)+1 {
		t.Fatalf("Parse(%q): position %d out of range 1..%d (%s)", input, e.Position, len(input)+1, e.Message)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "select a, b from t where x = 1 and y like 'a%' order by 1 desc limit 5",
		"INSERT INTO t { a: 1, b: [1, 2, {c: 'x'}] }", "CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR(10) NOT NULL)",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r",
		"SELECT count(*) FILTER (WHERE x) OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t",
		"SELECT $1::int[], E'\\x41', $$x$$, $a$y$a$, x->>'k', CASE WHEN a THEN 1 ELSE 2 END",
		"COPY t FROM STDIN WITH (FORMAT csv, HEADER)", "BEGIN ISOLATION LEVEL SERIALIZABLE; COMMIT",
		"SELECT * FROM STREAM s PARTITION 1 CONSUMER GROUP g LIMIT 10", "/* a /* b */ */ -- c\n;",
		"UPDATE t SET a.b = 1 WHERE x IN (SELECT 1) RETURNING *", "SET search_path TO a, b",
		"CREATE CHANGE STREAM IF NOT EXISTS s ON * WITH (FORMAT = 'json', RETRY = 3)",
		"COMMIT OFFSET PARTITION 5 AT 42 ON s CONSUMER GROUP g; COMMIT OFFSETS ON s CONSUMER GROUP g",
		"ALTER CONSUMER GROUP g ON s SET OFFSET TO LSN 7 PARTITION 1; SHOW PARTITIONS ON s CONSUMER GROUP g",
		"DROP CONSUMER GROUP IF EXISTS g ON s; SHOW CONSUMER GROUPS ON s; DROP CHANGE STREAM s",
		"CREATE TRIGGER t AFTER INSERT OR DELETE ON o FOR EACH ROW WHEN (NEW.a > 1) BEGIN INSERT INTO a VALUES (NEW.id); END",
		"CREATE SCHEDULE s CRON '*/5 * * * *' WITH (MISSED = 'SKIP') AS $$ DELETE FROM x; $$",
		"DO $$ DECLARE i INT := 0; BEGIN WHILE i < 3 LOOP i := i + 1; END LOOP; RAISE NOTICE '%', i; END $$",
		"CREATE PROCEDURE p(a INT, b TEXT) BEGIN IF a > 1 THEN RETURN; ELSE FOR r IN SELECT 1 AS x LOOP EXIT; END LOOP; END IF; END; CALL p(1, 'x')",
		"SELECT DISTINCT ON (a, b + 1) row_to_json(t.*), ROW(1, 'x') FROM t LEFT JOIN LATERAL (SELECT t.a) s ON true, LATERAL f(t.x) g ORDER BY a",
		"UPDATE t AS x SET a = u.b FROM u WHERE u.id = x.id; DELETE FROM t USING u, v WHERE u.k = t.k",
		"CREATE SEQUENCE IF NOT EXISTS s AS int INCREMENT BY -2 MINVALUE -9 NO MAXVALUE START 1 CACHE 3 CYCLE OWNED BY t.c",
		"ALTER SEQUENCE s RESTART WITH 5; DROP SEQUENCE IF EXISTS s, q; INSERT INTO t DEFAULT VALUES; TRUNCATE t RESTART IDENTITY",
		"CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 3) PRIMARY KEY, s serial)",
		"ALTER TABLE t ALTER COLUMN a SET DEFAULT 1; ALTER TABLE t RENAME a TO b; SELECT j #- '{a,0}', j #> '{a}', j ?| '{x}'",
		"CREATE TABLE public.o (c INT REFERENCES p ON DELETE CASCADE ON UPDATE SET NULL, d INT, FOREIGN KEY (c, d) REFERENCES q (a, b) MATCH FULL)",
		"ALTER TABLE ONLY public.t ADD CONSTRAINT k FOREIGN KEY (a) REFERENCES public.p(id) ON DELETE SET DEFAULT; ALTER TABLE t DROP CONSTRAINT k",
		"ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (a, b); ALTER TABLE t ADD UNIQUE (c); ALTER TABLE t OWNER TO admin",
		"ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.s START WITH 1 NO MINVALUE CACHE 1)",
		"ALTER TABLE t ALTER a SET DATA TYPE numeric(10,2) USING a::numeric / 100; ALTER TABLE t DROP COLUMN IF EXISTS b CASCADE",
		"INSERT INTO t (id) OVERRIDING SYSTEM VALUE VALUES (1); SELECT * FROM unnest(a) WITH ORDINALITY AS u(x, n); DROP TABLE t CASCADE",
		"SELECT (information_schema._pg_expandarray(i.indkey)).n, (r.keys).x, (s).a.b, (t.*).\"Q\" FROM pg_index i WHERE (row(1, 2)).f1 = 1",
		"COMMENT ON COLUMN public.t.c IS 'x''y'; COMMENT ON TABLE t IS NULL; SELECT * FROM t ORDER BY a LIMIT 1 FOR UPDATE OF t SKIP LOCKED",
		"BEGIN; DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT 1; FETCH BACKWARD 2 FROM c; MOVE ABSOLUTE -1 IN c; CLOSE c; CLOSE ALL",
		"CREATE TYPE public.mood AS ENUM ('a', 'b''c'); ALTER TYPE mood ADD VALUE IF NOT EXISTS 'x' BEFORE 'a'; ALTER TYPE mood RENAME VALUE 'a' TO 'z'; ALTER TYPE mood RENAME TO m2; DROP TYPE IF EXISTS m2, m3 CASCADE; CREATE TABLE t (m mood, n mood[]); SELECT 'a'::mood, CAST(x AS public.mood)",
		"COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER, NULL ''); COPY (SELECT 1 ORDER BY 1) TO STDOUT CSV HEADER DELIMITER ';'",
		"CREATE TABLE IF NOT EXISTS t2 (a, b) AS SELECT x, y FROM t WITH NO DATA; CREATE TABLE t3 AS VALUES (1)",
		"SELECT a INTO t2 FROM t; SELECT 1 INTO x UNION SELECT 2; SELECT (SELECT 1 INTO y)",
		"CREATE UNIQUE INDEX ON t (lower(a), (b + 1) DESC NULLS LAST, c text_pattern_ops) INCLUDE (d) WITH (fillfactor = 70) WHERE e IS NULL",
		"INSERT INTO t AS x VALUES (1) ON CONFLICT (lower(a), (b + 1)) WHERE NOT c DO UPDATE SET n = x.n + 1",
		"SELECT * FROM t AS x(a, b) JOIN u y (c) USING (c)",
		"(SELECT 0 INTO a)",
		"ALTER TABLE a ADD a \"0\"; CREATE TABLE t (m \"Mood\"); SELECT 'x'::\"Mood\"; ALTER TABLE t ALTER m TYPE \"Mood\"",
		"CREATE INDEX CONCURRENTLY i ON t (a); DROP INDEX CONCURRENTLY i; ALTER TABLE IF EXISTS t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c; TABLE t",
		"CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA public VERSION '1.1'; DROP EXTENSION IF EXISTS pgcrypto, x RESTRICT",
		"ALTER INDEX IF EXISTS i RENAME TO j; ALTER TABLE t RENAME CONSTRAINT a TO b",
		"CREATE TABLE t2 (a int, LIKE t INCLUDING ALL EXCLUDING INDEXES, b text); CREATE TABLE t3 (LIKE t)",
		"ALTER TABLE c ADD FOREIGN KEY (p) REFERENCES p DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS a, b DEFERRED",
		"PREPARE p (int, text) AS SELECT $1, $2; EXECUTE p(1, 'x'); DEALLOCATE p; DEALLOCATE ALL",
		"INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT t_a_key DO NOTHING; CREATE SCHEMA IF NOT EXISTS public",
		"UPDATE t SET (a, b) = (1, DEFAULT), c = 3; UPDATE t SET (a, b) = ROW(1)",
		"INSERT INTO t AS x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = x.b + excluded.b WHERE x.b < 9 RETURNING x.*",
		"UPDATE t SET (a, b) = (SELECT s.a, s.b FROM s WHERE s.id = t.id), (c) = ((VALUES (1))); UPDATE t SET (a) = (WITH w AS (SELECT 1) TABLE w)",
		"UPDATE t SET (a) = (1); UPDATE t SET (a, b) = (SELECT 1, 2) + 1",
		"DO $$A:=''$$", "DO $$ x := 1; y := 2 -- the end $$", "DO $$A:=(A0$$", "DO $$A:=)$$", "DO $$--$$", "DO $$ x := 1; -- c $$",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		stmts, err := Parse(s)
		if err != nil {
			checkErr(t, s, err)
			return
		}
		for _, st := range stmts {
			if st.Pos < 1 || st.Pos > len(s) {
				t.Fatalf("statement position %d out of range", st.Pos)
			}
			// Formatting must round-trip for anything that parses.
			out := ast.Format(st.AST)
			again, err := Parse(out)
			if err != nil {
				t.Fatalf("formatted %q does not parse: %v (from %q)", out, err, st.SQL)
			}
			if len(again) != 1 {
				t.Fatalf("formatted %q gave %d statements", out, len(again))
			}
			if out2 := ast.Format(again[0].AST); out2 != out {
				t.Fatalf("round trip differs:\n%s\n%s", out, out2)
			}
		}
		if _, err := ParseExpr(s); err != nil {
			checkErr(t, s, err)
		}
	})
}

func TestDepthLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		sql  string
	}{
		{"parens", "SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000)},
		{"unary", "SELECT " + strings.Repeat("- ", 5000) + "1"},
		{"not", "SELECT " + strings.Repeat("NOT ", 5000) + "TRUE"},
		{"subquery", strings.Repeat("SELECT * FROM (", 2000) + "SELECT 1" + strings.Repeat(") x", 2000)},
		{"array", "SELECT " + strings.Repeat("[", 5000)},
		{"object", "INSERT INTO t " + strings.Repeat("{a: ", 5000)},
		{"binary", "SELECT 1" + strings.Repeat(" + 1", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.sql)
			if tc.name == "binary" {
				if err != nil {
					t.Fatalf("long flat expression should parse: %v", err)
				}
				return
			}
			if !errs.Is(err, codeTooComplex) {
				t.Fatalf("want 54001, got %v", err)
			}
			checkErr(t, tc.sql, err)
		})
	}
}

// TestQuoteWordsCoverKeywords checks that ast.Format quotes every word the
// parser will not accept as a bare identifier, so formatted output re-parses.
func TestQuoteWordsCoverKeywords(t *testing.T) {
	for w := range reserved {
		if ast.QuoteIdent(w) == w {
			t.Errorf("reserved word %q is not quoted by ast.QuoteIdent", w)
		}
	}
	for w := range noBareAlias {
		if ast.QuoteIdent(w) == w {
			t.Errorf("clause word %q is not quoted by ast.QuoteIdent", w)
		}
	}
}

func TestStmtText(t *testing.T) {
	in := "  SELECT 1 ; \n-- c\n insert into t values (1);;SELECT 'a;b'  "
	stmts, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stmt{{SQL: "SELECT 1", Pos: 3}, {SQL: "insert into t values (1)", Pos: 21}, {SQL: "SELECT 'a;b'", Pos: 47}}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements", len(stmts))
	}
	for i, w := range want {
		if stmts[i].SQL != w.SQL || stmts[i].Pos != w.Pos {
			t.Errorf("stmt %d: got %d %q, want %d %q", i, stmts[i].Pos, stmts[i].SQL, w.Pos, w.SQL)
		}
		if in[stmts[i].Pos-1:stmts[i].Pos-1+len(w.SQL)] != w.SQL {
			t.Errorf("stmt %d: Pos does not point at its text", i)
		}
	}
}

func TestASTPositions(t *testing.T) {
	in := "SELECT 1;\nSELECT a + b FROM t WHERE c IS NULL"
	stmts, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	sel := stmts[1].AST.(*ast.Select)
	core := sel.Body.(*ast.SelectCore)
	bin := core.Items[0].Expr.(*ast.Binary)
	if got := in[bin.Pos-1 : bin.Pos]; got != "a" {
		t.Errorf("binary position points at %q", got)
	}
	if r := bin.R.(*ast.ColumnRef); in[r.Pos-1:r.Pos] != "b" {
		t.Errorf("right operand position wrong: %d", r.Pos)
	}
	if w := core.Where.(*ast.IsNull); in[w.Pos-1:w.Pos] != "c" {
		t.Errorf("where position wrong: %d", w.Pos)
	}
	if tn := core.From[0].(*ast.TableName); in[tn.Pos-1:tn.Pos] != "t" {
		t.Errorf("table position wrong: %d", tn.Pos)
	}
}

func TestReplaceRowRefs(t *testing.T) {
	got, err := ReplaceRowRefs(`INSERT INTO a VALUES (NEW.id, old.total, 'NEW.x', new . y, "new".z, NEW.missing)`,
		func(row, field string) (string, bool) {
			if field == "missing" {
				return "", false
			}
			return "<" + row + ":" + field + ">", true
		})
	if err != nil {
		t.Fatal(err)
	}
	want := `INSERT INTO a VALUES (<new:id>, <old:total>, 'NEW.x', new . y, "new".z, NEW.missing)`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func FuzzParseBlock(f *testing.F) {
	for _, s := range []string{
		"BEGIN END", "DECLARE a INT := 1; BEGIN a := a + 1; END",
		"BEGIN IF a THEN NULL; ELSIF b THEN PERFORM 1; ELSE RAISE EXCEPTION 'x %', 1 USING ERRCODE = '22000'; END IF; END",
		"BEGIN FOR i IN REVERSE 10..1 LOOP CONTINUE WHEN i = 2; END LOOP; LOOP EXIT; END LOOP; END",
		"BEGIN SELECT a, b INTO x, y FROM t WHERE c = CASE WHEN d THEN 1 END; RETURN x; END",
		"INSERT INTO t VALUES (NEW.id); NOTIFY c", "BEGIN DECLARE x TEXT; x := 'a'; BEGIN NULL; END; END",
		"BEGIN INSERT INTO t VALUES (1); EXCEPTION WHEN unique_violation OR SQLSTATE '22012' THEN RAISE; WHEN OTHERS THEN NULL; END",
		"DECLARE x INT; BEGIN x := 1 / 0; EXCEPTION WHEN division_by_zero THEN x := 0; END",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseBlock(s)
		if err != nil {
			checkErr(t, s, err)
		}
		_, _ = SubstituteVars(s, func(name, field string, hasField bool) (string, bool) { return "1", true })
	})
}
