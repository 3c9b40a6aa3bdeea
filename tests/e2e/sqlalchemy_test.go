package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runPython runs a Python script (args: the interpreter, then its
// arguments) with bytecode caches off, failing the test when it fails;
// it returns what the script wrote to stdout and stderr.
func runPython(t *testing.T, timeout time.Duration, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], append([]string{"-B"}, args[1:]...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(args[1]), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// pythonWith finds a python3 that imports modules (Debian's python3-*
// packages install them for /usr/bin/python3, which a python3 earlier on
// PATH may not see).
func pythonWith(modules string) (string, bool) {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import "+modules).Run() == nil {
			return path, true
		}
	}
	return "", false
}

// TestSQLAlchemy runs SQLAlchemy 1.4's ORM (with an Enum column, which
// makes a PostgreSQL enum type), Core and schema reflection
// (what Alembic autogenerate and Table(..., autoload_with=...) read)
// over psycopg2. Each line is what PostgreSQL 15 gives for the same
// script, but for the CHECK's text, which PostgreSQL prints after its
// implicit casts: price >= (0)::numeric.
func TestSQLAlchemy(t *testing.T) {
	python, ok := pythonWith("sqlalchemy, psycopg2")
	if !ok {
		t.Skip("no python3 with sqlalchemy and psycopg2 (install python3-sqlalchemy python3-psycopg2 to run this test)")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "sqlalchemy", "smoke.py"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	url := "postgresql+psycopg2://admin@127.0.0.1:" + strconv.Itoa(s.port) + "/nodedb"
	stdout, stderr := runPython(t, 2*time.Minute, python, script, url)
	want := strings.Join([]string{
		`create_all None`,
		`orm [[('ann', 2)], Decimal('9.99'), 'ann', datetime.datetime(1990, 1, 2, 3, 4, 5), True, 1, 0]`,
		`has_table (True, False)`,
		`table_names ['sa_author', 'sa_book', 'sa_visit']`,
		`columns [('id', 'INTEGER', False, "nextval('sa_book_id_seq'::regclass)"), ('title', 'TEXT', False, None), ('price', 'NUMERIC(10, 2)', True, None), ('rating', 'DOUBLE_PRECISION', True, None), ('ok', 'BOOLEAN', True, None), ('author_id', 'INTEGER', True, None)]`,
		`pk {'constrained_columns': ['id'], 'name': 'sa_book_pkey'}`,
		`fks [{'name': 'sa_book_author_id_fkey', 'constrained_columns': ['author_id'], 'referred_schema': None, 'referred_table': 'sa_author', 'referred_columns': ['id'], 'options': {'ondelete': 'CASCADE'}}]`,
		`indexes [{'name': 'ix_sa_book_author_id', 'unique': False, 'column_names': ['author_id'], 'include_columns': [], 'dialect_options': {'postgresql_include': []}}]`,
		`uniques [{'name': 'sa_author_name_key', 'column_names': ['name']}]`,
		`checks [{'name': 'sa_book_price_ok', 'sqltext': 'price >= 0'}]`,
		`sequences ['sa_author_id_seq', 'sa_book_id_seq', 'sa_visit_id_seq']`,
		`reflect (['id', 'title', 'price', 'rating', 'ok', 'author_id'], ['sa_author.id'], ['id'])`,
		`core [('x',), ('y',)]`,
		`enums (['sad', 'ok', 'happy'], 2, [('id', 'INTEGER'), ('mood', 'VARCHAR(5)')], [{'name': 'sa_mood', 'schema': 'public', 'visible': True, 'labels': ['sad', 'ok', 'happy']}])`,
		`stream (2500, (1, 2), (2500, 5000), 6252500)`,
		`drop_all None`,
		`create_again None`,
		`sequences_again ['sa_author_id_seq', 'sa_book_id_seq', 'sa_visit_id_seq']`,
		`default_again ["nextval('sa_book_id_seq'::regclass)"]`,
	}, "\n") + "\n"
	if got := stdout; got != want {
		t.Errorf("smoke.py output:\n%s\nwant:\n%s\nstderr:\n%s", got, want, stderr)
	}
}
