package e2e

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDjango runs a Django 3.2 project against the server as its users
// do (testdata/django/run.py): migrate for contenttypes, auth and an app
// whose models use every common field, relation, constraint and index;
// rows written through the historical models; a second migration that
// renames a field, adds one with a default and alters an indexed one; a
// third that adds a column, fills it with RunPython and makes it unique
// (atomic = False: NodeDB refuses DDL in a transaction block after its
// writes); then the ORM (lookups, joins, prefetching, aggregation, F
// expressions, bulk operations, JSONField lookups, atomic blocks and
// savepoints, select_for_update, cascading deletes, loaddata's sequence
// reset, raw SQL) and auth users. Every step checks its results (the
// same script passes on PostgreSQL 15) and the script stops at the first
// mismatch.
func TestDjango(t *testing.T) {
	python, ok := pythonWith("django, psycopg2")
	if !ok {
		t.Skip("no python3 with django and psycopg2 (install python3-django python3-psycopg2 to run this test)")
	}
	script, err := filepath.Abs(filepath.Join("testdata", "django", "run.py"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	stdout, stderr := runPython(t, 3*time.Minute, python, script, s.host, strconv.Itoa(s.port))
	if !strings.HasSuffix(stdout, "all steps passed\n") {
		t.Errorf("run.py did not finish:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	t.Logf("run.py:\n%s", stdout)
}
