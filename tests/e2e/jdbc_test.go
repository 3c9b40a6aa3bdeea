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

const jdbcJar = "/usr/share/java/postgresql.jar"

func TestJDBC(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not on PATH (install default-jre-headless to run this test)")
	}
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Skipf("%s missing (install libpostgresql-jdbc-java to run this test)", jdbcJar)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "jdbc", "JdbcSmoke.java"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	url := "jdbc:postgresql://127.0.0.1:" + strconv.Itoa(s.port) + "/nodedb?user=admin&sslmode=disable&connectTimeout=10"

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, "-cp", jdbcJar, src, url)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	out := stdout.String()
	if runErr != nil {
		t.Fatalf("java JdbcSmoke: %v\nstdout:\n%s\nstderr:\n%s", runErr, out, stderr.String())
	}
	want := strings.Join([]string{
		"created",
		"insert 1 -> 1",
		"insert 2 -> 1",
		"insert 3 -> 1",
		"row 2 row2 3.0 false 2025-01-02 10:20:30.5",
		"row 3 row3 4.5 true 2025-01-03 10:20:30.5",
		"reuse 19",
		"nulls 0.0 true null null",
		"update -> 1",
		"after tx 1 row1 1.5",
		"after tx 2 renamed 3.0",
		"count 4",
		"error 23505",
		// DatabaseMetaData: getTables and getColumns (their queries
		// cast 'pg_class'::regclass and join pg_catalog relations).
		"table public.jdocs TABLE",
		"table public.jt TABLE",
		"column jt.id int4 4 pos=1 nullable=NO",
		"column jt.name text 12 pos=2 nullable=NO",
		"column jt.score float8 8 pos=3 nullable=YES",
		"column jt.ok bool -7 pos=4 nullable=YES",
		"column jt.at timestamp 93 pos=5 nullable=YES",
		"column jdocs.id text",
		"column jdocs.n int8",
		// getImportedKeys / getExportedKeys: pg_constraint's keys,
		// actions (0 cascade, 3 no action) and the referenced key's index.
		"fk jchild.jt_id -> jt.id jchild_jt_id_fkey jt_pkey seq=1 delete=0 update=3",
		"exported jt <- jchild.jt_id",
		"pk jchild.cid seq=1 jchild_pkey",
		"index jchild_pkey unique=true 1:cid A",
		"index jchild_two unique=false 1:jt_id A",
		"index jchild_two unique=false 2:cid A",
		"best row cid int4",
		// getSQLKeywords lists the keywords that are not SQL:2003's.
		"keywords true false",
		"notification smoke hello",
		"notification live UPDATE of row 2",
		"done",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("JdbcSmoke output:\n%s\nwant:\n%s", out, want)
	}
}
