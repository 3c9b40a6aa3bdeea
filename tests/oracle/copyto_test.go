package oracle

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// copyToSetup is a table whose values need COPY's escaping and quoting.
var copyToSetup = []string{
	`SET TIME ZONE 'UTC'`,
	`CREATE TABLE ct (id int PRIMARY KEY, s text, n numeric(6,2), t timestamptz, b boolean, j jsonb, d date, f float8, by bytea, i8 bigint)`,
	`INSERT INTO ct VALUES (1, E'tab\there', 1.5, '2024-01-02 03:04:05+00', true, '{"a": [1, "x,y"]}', '2024-02-03', 1.25, '\x00ff', 9000000000),
	 (2, E'back\\slash\nnl\r', NULL, NULL, false, NULL, NULL, -0.5, NULL, -1),
	 (3, 'a,b "q"', -2, NULL, NULL, '"s"', NULL, 1e20, '', NULL),
	 (4, '', 0, NULL, NULL, NULL, NULL, NULL, NULL, 0),
	 (5, '\.', 0, '1999-12-31 23:59:59.5+00', NULL, '[]', '0001-01-01', 'NaN', E'\\x5c', 7)`,
}

// copyToStatements: COPY ... TO STDOUT in each format, of a table (its
// rows in no set order, as in PostgreSQL, so compared as sorted lines)
// and of queries (compared byte for byte).
var copyToStatements = []struct {
	sql     string
	ordered bool
}{
	{`COPY ct TO STDOUT`, false},
	{`COPY ct (id, s) TO STDOUT WITH (FORMAT csv, HEADER)`, false},
	{`COPY ct TO STDOUT CSV`, false},
	{`COPY ct (s, id) TO STDOUT WITH (DELIMITER '|', NULL 'NULL')`, false},
	{`COPY ct TO STDOUT WITH (FORMAT text, HEADER)`, false},
	{`COPY ct TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL '-')`, false},
	{`COPY (SELECT id, s FROM ct WHERE id > 2 ORDER BY id DESC) TO STDOUT WITH (FORMAT csv, HEADER true)`, true},
	{`COPY (SELECT s FROM ct ORDER BY id) TO STDOUT CSV`, true},
	{`COPY (SELECT * FROM ct ORDER BY id) TO STDOUT WITH (FORMAT binary)`, true},
	{`COPY (SELECT id, s, n, b, j, by, i8 FROM ct ORDER BY id) TO STDOUT WITH (FORMAT binary)`, true},
	{`COPY (SELECT count(*), sum(n) FROM ct) TO STDOUT`, true},
	{`COPY (SELECT id FROM ct WHERE false) TO STDOUT`, true},
	{`COPY (SELECT 'NaN'::float4, 1.5::float4, 'NaN'::float8) TO STDOUT (FORMAT binary)`, true},
	{`COPY ct (nosuch) TO STDOUT`, true},
	{`COPY nosuch TO STDOUT`, true},
	{`COPY (SELECT nosuch FROM ct) TO STDOUT`, true},
}

// TestOracleCopyTo compares COPY ... TO STDOUT's data, tags and errors
// with PostgreSQL's.
func TestOracleCopyTo(t *testing.T) {
	pg, nd := connect(t, startPostgres(t)), connect(t, startNodeDB(t))
	ctx := context.Background()
	for _, s := range copyToSetup {
		for _, c := range []interface {
			Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
		}{pg, nd} {
			if _, err := c.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	run := func(c *pgconn.PgConn, sql string, ordered bool) string {
		var buf bytes.Buffer
		tag, err := c.CopyTo(ctx, &buf, sql)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "ERROR " + pe.Code + ": " + pe.Message
		} else if err != nil {
			return "ERROR " + err.Error()
		}
		out := buf.String()
		if !ordered {
			lines := strings.SplitAfter(out, "\n")
			slices.Sort(lines)
			out = strings.Join(lines, "")
		}
		return tag.String() + "\n" + out
	}
	for _, st := range copyToStatements {
		want, got := run(pg.PgConn(), st.sql, st.ordered), run(nd.PgConn(), st.sql, st.ordered)
		if want != got {
			t.Errorf("%s\n--- postgres\n%q\n--- nodedb\n%q", st.sql, want, got)
		}
	}
}
