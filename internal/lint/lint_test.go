package lint

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/nodedb-go/nodedb"

type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	GoFiles    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// layer gives each package group its level; a package may import only
// packages of a strictly lower level, or of its own group. Leaf helpers
// (errs, sql/types, internal/metrics) are importable from anywhere above
// storage.
func layer(path string) (group string, level int) {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	switch {
	case rel == "errs":
		return "errs", 0
	case rel == "storage":
		return "storage", 1
	case strings.HasPrefix(rel, "engine/"):
		return rel, 2 // engines never import each other
	case rel == "sql/types":
		return "sql/types", 1
	case rel == "txn":
		return "txn", 3
	case rel == "catalog":
		return "catalog", 4
	case rel == "event" || strings.HasPrefix(rel, "event/"):
		return "event", 5
	case rel == "sql/funcs":
		return "sql/funcs", 2
	case rel == "sql/ast":
		return "sql/ast", 2
	case rel == "sql/parser":
		return "sql/parser", 3
	case rel == "sql/plan":
		return "sql/plan", 5
	case rel == "sql/pgcatalog":
		return "sql/pgcatalog", 6
	case rel == "sql/exec":
		return "sql/exec", 6
	case rel == "session":
		return "session", 7
	case rel == "internal/metrics":
		return "internal/metrics", 7
	case rel == "internal/netsrv":
		return "internal/netsrv", 1 // the listener lifecycle protocols share
	case strings.HasPrefix(rel, "protocol/"):
		return rel, 8 // protocols never import each other
	case rel == "server":
		return "server", 9
	case rel == "config":
		return "config", 0
	case strings.HasPrefix(rel, "cmd/"):
		return rel, 10
	}
	return "", -1 // tests, benches, lint: unconstrained
}

func TestImportLayering(t *testing.T) {
	forbiddenForProtocols := []string{"/sql/plan", "/sql/exec", "/engine/"}
	for _, p := range listPackages(t) {
		g, l := layer(p.ImportPath)
		if l < 0 {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			ig, il := layer(imp)
			if ig == g {
				continue
			}
			if il >= l && il >= 0 {
				t.Errorf("%s (level %d) imports %s (level %d): imports must go downward", p.ImportPath, l, imp, il)
			}
			if strings.HasPrefix(g, "protocol/") {
				for _, f := range forbiddenForProtocols {
					if strings.Contains(imp, f) {
						t.Errorf("%s imports %s: protocols must not import plans, executors or engines", p.ImportPath, imp)
					}
				}
			}
		}
	}
}

func TestEveryPackageHasDocGo(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 || strings.HasPrefix(strings.TrimPrefix(p.ImportPath, module+"/"), "bench") {
			continue
		}
		if _, err := os.Stat(filepath.Join(p.Dir, "doc.go")); err != nil && !strings.HasSuffix(p.ImportPath, "/main") {
			if len(p.GoFiles) == 1 && p.GoFiles[0] == "main.go" {
				continue
			}
			t.Errorf("%s has no doc.go", p.ImportPath)
		}
	}
}
