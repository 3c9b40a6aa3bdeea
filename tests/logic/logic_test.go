package logic

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	updateBaseline = flag.Bool("update-baseline", false, "TestLogic: raise the pass counts in baseline.txt")
	full           = flag.Bool("full", false, "run TestLogicFull over the whole corpus")
	corpusDir      = flag.String("corpus", "", "TestLogicFull: corpus directory (default $NODEDB_SLT_CORPUS, else testdata)")
	filesGlob      = flag.String("files", "", "TestLogicFull: only files whose corpus-relative path matches this glob")
	verboseFails   = flag.Bool("slt.v", false, "log every failure")
)

const (
	ciList       = "ci.txt"
	baselineFile = "baseline.txt"
	ciCorpus     = "testdata"
)

// TestLogic runs the CI slice (ci.txt, files under testdata/) and fails
// when a file passes fewer records than baseline.txt records.
func TestLogic(t *testing.T) {
	if testing.Short() {
		t.Skip("sqllogictest slice skipped in -short mode")
	}
	names, err := ReadList(ciList)
	if err != nil {
		t.Fatal(err)
	}
	base, err := ReadBaseline(baselineFile)
	if err != nil && !(os.IsNotExist(err) && *updateBaseline) {
		t.Fatal(err)
	}
	if base == nil {
		base = map[string]BaselineEntry{}
	}
	var results []*FileResult
	updated := false
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(ciCorpus, filepath.FromSlash(name))
			if !FileExists(path) {
				path += ".gz"
			}
			r := runOne(t, name, path)
			results = append(results, r)
			if r.Err != nil {
				t.Fatalf("%s: %v", name, r.Err)
			}
			b, ok := base[name]
			switch {
			case !ok && *updateBaseline:
				t.Logf("%s: new in the baseline: %d/%d", name, r.Passed, r.Total)
				base[name] = BaselineEntry{Passed: r.Passed, Total: r.Total}
				updated = true
			case !ok:
				t.Errorf("%s is not in %s; run go test ./tests/logic -run TestLogic -update-baseline", name, baselineFile)
			case r.Passed < b.Passed:
				t.Errorf("%s: %d of %d records pass, the baseline says %d of %d; failures:\n%s",
					name, r.Passed, r.Total, b.Passed, b.Total, firstFailures(r, 15))
			case r.Passed > b.Passed:
				if *updateBaseline {
					t.Logf("%s: improved from %d to %d of %d", name, b.Passed, r.Passed, r.Total)
					base[name] = BaselineEntry{Passed: r.Passed, Total: r.Total}
					updated = true
				} else {
					t.Logf("%s: %d of %d pass, more than the baseline's %d; raise it with -update-baseline",
						name, r.Passed, r.Total, b.Passed)
				}
			}
		})
	}
	if updated {
		if err := WriteBaseline(baselineFile, base); err != nil {
			t.Fatal(err)
		}
	}
	if testing.Verbose() {
		var sb strings.Builder
		PrintTable(&sb, results)
		t.Log("\n" + sb.String())
	}
}

// TestLogicFull runs the whole corpus (or -files) when -full is given and
// prints the table, the top failure categories and the per-feature counts.
//
//	go test ./tests/logic -run TestLogicFull -full -timeout 0 -corpus DIR
func TestLogicFull(t *testing.T) {
	if !*full {
		t.Skip("run with -full (and -corpus DIR or NODEDB_SLT_CORPUS)")
	}
	dir := *corpusDir
	if dir == "" {
		dir = os.Getenv("NODEDB_SLT_CORPUS")
	}
	if dir == "" {
		dir = ciCorpus
	}
	files, err := ListCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if *filesGlob != "" {
		files = slices.DeleteFunc(files, func(f CorpusFile) bool { return !MatchName(*filesGlob, f.Name) })
	}
	var results []*FileResult
	for _, f := range files {
		r := runOne(t, f.Name, f.Path)
		fmt.Fprintf(os.Stderr, "%-45s %6d/%-6d %5.1fs\n", f.Name, r.Passed, r.Total, r.Elapsed.Seconds())
		results = append(results, r)
	}
	PrintTable(os.Stdout, results)
	fmt.Println()
	PrintCategories(os.Stdout, results, 40, 3)
	fmt.Println()
	PrintFeatures(os.Stdout, results)
}

func runOne(t *testing.T, name, path string) *FileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	opt := Options{}
	if *verboseFails {
		opt.Log = os.Stderr
	}
	return RunFile(ctx, name, path, t.TempDir(), opt)
}

func firstFailures(r *FileResult, n int) string {
	var sb strings.Builder
	for i, f := range r.Failures {
		if i == n {
			fmt.Fprintf(&sb, "  ... %d more\n", len(r.Failures)-n)
			break
		}
		fmt.Fprintf(&sb, "  %s:%d: %s: %s\n      %s\n", f.File, f.Line, f.Kind, oneLine(f.Message, 200), oneLine(f.SQL, 200))
	}
	return sb.String()
}
