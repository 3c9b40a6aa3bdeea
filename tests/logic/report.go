package logic

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

// PrintTable writes one line per file (total, passed, failed, skipped, pass
// rate, time, the most common failure category) and an overall line.
func PrintTable(w io.Writer, results []*FileResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\ttotal\tpassed\tfailed\tskipped\tpass\ttime\t  top failure\t")
	var total, passed, skipped int
	var elapsed time.Duration
	for _, r := range results {
		top := ""
		if r.Err != nil {
			top = "ERROR: " + oneLine(r.Err.Error(), 80)
		} else if cats := Categories([]*FileResult{r}); len(cats) > 0 {
			top = fmt.Sprintf("%d× %s", cats[0].Count, oneLine(cats[0].Key, 80))
		}
		if r.Halted {
			top = "(halted) " + top
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%.1fs\t  %s\t\n", r.File, r.Total, r.Passed, r.Failed(),
			r.Skipped, pct(r.Passed, r.Total), r.Elapsed.Seconds(), top)
		total += r.Total
		passed += r.Passed
		skipped += r.Skipped
		elapsed += r.Elapsed
	}
	fmt.Fprintf(tw, "TOTAL (%d files)\t%d\t%d\t%d\t%d\t%s\t%.1fs\t\t\n", len(results), total, passed,
		total-passed, skipped, pct(passed, total), elapsed.Seconds())
	tw.Flush()
}

// Category is a group of failures with the same Failure.Category.
type Category struct {
	Key      string
	Count    int
	Files    map[string]int
	Examples []Failure
}

// Categories groups every failure in results, most frequent first.
func Categories(results []*FileResult) []*Category {
	m := map[string]*Category{}
	for _, r := range results {
		for _, f := range r.Failures {
			k := f.Category()
			c := m[k]
			if c == nil {
				c = &Category{Key: k, Files: map[string]int{}}
				m[k] = c
			}
			c.Count++
			c.Files[f.File]++
			// Keep examples from different files where possible.
			if len(c.Examples) < 5 && (c.Files[f.File] == 1 || len(c.Examples) < 2) {
				c.Examples = append(c.Examples, f)
			}
		}
	}
	out := make([]*Category, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Category) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// PrintCategories writes the top n failure categories with up to ex
// examples each.
func PrintCategories(w io.Writer, results []*FileResult, n, ex int) {
	cats := Categories(results)
	failed := 0
	for _, c := range cats {
		failed += c.Count
	}
	fmt.Fprintf(w, "%d failures in %d categories\n", failed, len(cats))
	for i, c := range cats {
		if i == n {
			break
		}
		fmt.Fprintf(w, "\n%6d (%s) in %d files: %s\n", c.Count, pct(c.Count, failed), len(c.Files), c.Key)
		for j, e := range c.Examples {
			if j == ex {
				break
			}
			fmt.Fprintf(w, "        %s:%d  %s\n", e.File, e.Line, oneLine(e.SQL, 160))
			if e.Kind != FailError {
				fmt.Fprintf(w, "          -> %s\n", oneLine(e.Message, 160))
			}
		}
	}
}

// PrintFeatures writes, per SQL feature, how many records using it ran and
// failed, sorted by failures.
func PrintFeatures(w io.Writer, results []*FileResult) {
	m := map[string]*FeatureCount{}
	for _, r := range results {
		for k, v := range r.Features {
			fc := m[k]
			if fc == nil {
				fc = &FeatureCount{}
				m[k] = fc
			}
			fc.Run += v.Run
			fc.Failed += v.Failed
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b].Failed, m[a].Failed); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "feature\trun\tfailed\tfail rate\t")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", k, m[k].Run, m[k].Failed, pct(m[k].Failed, m[k].Run))
	}
	tw.Flush()
}

// BaselineEntry is one line of the baseline: a file's pass count and total.
type BaselineEntry struct{ Passed, Total int }

// ReadBaseline reads "<file> <passed> <total>" lines; # starts a comment.
func ReadBaseline(path string) (map[string]BaselineEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]BaselineEntry{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"<file> <passed> <total>\"", path, n)
		}
		p, err1 := strconv.Atoi(fs[1])
		t, err2 := strconv.Atoi(fs[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: bad counts", path, n)
		}
		out[fs[0]] = BaselineEntry{Passed: p, Total: t}
	}
	return out, sc.Err()
}

// WriteBaseline writes the baseline sorted by file name.
func WriteBaseline(path string, b map[string]BaselineEntry) error {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	sb.WriteString("# sqllogictest pass counts: <file> <passed> <total>. TestLogic fails when a\n")
	sb.WriteString("# count drops; go test ./tests/logic -run TestLogic -update-baseline raises them.\n")
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s %d %d\n", k, b[k].Passed, b[k].Total)
	}
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// ReadList reads a list of corpus files, one a line; # starts a comment.
func ReadList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if k := strings.Index(l, "#"); k >= 0 {
			l = l[:k]
		}
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// CorpusFile is a test file: its corpus-relative name (slash separated,
// without a .gz suffix) and its path.
type CorpusFile struct{ Name, Path string }

// ListCorpus lists every .test and .test.gz file under dir, sorted by name.
func ListCorpus(dir string) ([]CorpusFile, error) {
	var out []CorpusFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".test") || strings.HasSuffix(p, ".test.gz")) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, CorpusFile{Name: strings.TrimSuffix(filepath.ToSlash(rel), ".gz"), Path: p})
		return nil
	})
	slices.SortFunc(out, func(a, b CorpusFile) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

// MatchName reports whether a corpus-relative name matches one of the
// comma-separated patterns: a filepath.Match glob or a plain prefix such
// as "random/" or "select".
func MatchName(patterns, name string) bool {
	for _, g := range strings.Split(patterns, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if ok, _ := filepath.Match(g, name); ok {
			return true
		}
		if !strings.ContainsAny(g, "*?[") && strings.HasPrefix(name, g) {
			return true
		}
	}
	return false
}
