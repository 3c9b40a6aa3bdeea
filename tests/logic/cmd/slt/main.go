// Command slt runs sqllogictest files against fresh in-process NodeDB
// servers and prints a per-file table, the top failure categories and the
// failure rate per SQL feature.
//
//	go run ./tests/logic/cmd/slt -corpus /path/to/sqllogictest [-files 'random/*'] [-v]
//
// See tests/logic/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/tests/logic"
)

func main() {
	var (
		corpus   = flag.String("corpus", defaultCorpus(), "corpus directory (env NODEDB_SLT_CORPUS)")
		globs    = flag.String("files", "", "only files whose corpus-relative path matches this glob or starts with it; comma-separated")
		list     = flag.String("list", "", "only the files named in this list file (one a line, corpus-relative)")
		verbose  = flag.Bool("v", false, "print every failure as it happens")
		timeout  = flag.Duration("timeout", 5*time.Second, "per-record timeout")
		short    = flag.Duration("short-timeout", 250*time.Millisecond, "per-record timeout after 3 timeouts in a file")
		parallel = flag.Int("parallel", 1, "files run at once (each on its own server)")
		ncat     = flag.Int("categories", 40, "failure categories to print")
		nex      = flag.Int("examples", 3, "examples per category")
		feats    = flag.Bool("features", true, "print failures per SQL feature")
		dump     = flag.String("failures", "", "write every failure (file, line, kind, message, SQL) to this file")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	files, err := selectFiles(*corpus, *globs, *list)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slt:", err)
		os.Exit(2)
	}
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "slt: no test files selected under", *corpus)
		os.Exit(2)
	}
	var logw io.Writer
	if *verbose {
		logw = &lockedWriter{w: os.Stdout}
	}
	results := make([]*logic.FileResult, len(files))
	sem := make(chan struct{}, max(1, *parallel))
	var wg sync.WaitGroup
	start := time.Now()
	for i, file := range files {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			dir, err := os.MkdirTemp("", "slt-*")
			if err != nil {
				results[i] = &logic.FileResult{File: file.Name, Err: err}
				return
			}
			defer os.RemoveAll(dir)
			r := logic.RunFile(ctx, file.Name, file.Path, dir, logic.Options{Timeout: *timeout, ShortTimeout: *short, Log: logw})
			results[i] = r
			fmt.Fprintf(os.Stderr, "%-45s %6d/%-6d %5.1fs\n", file.Name, r.Passed, r.Total, r.Elapsed.Seconds())
		}()
	}
	wg.Wait()
	var done []*logic.FileResult
	for _, r := range results {
		if r != nil {
			done = append(done, r)
		}
	}
	fmt.Println()
	logic.PrintTable(os.Stdout, done)
	fmt.Printf("wall time %.1fs\n\n", time.Since(start).Seconds())
	logic.PrintCategories(os.Stdout, done, *ncat, *nex)
	if *feats {
		fmt.Println()
		logic.PrintFeatures(os.Stdout, done)
	}
	if *dump != "" {
		if err := writeFailures(*dump, done); err != nil {
			fmt.Fprintln(os.Stderr, "slt:", err)
			os.Exit(1)
		}
	}
}

func defaultCorpus() string {
	if d := os.Getenv("NODEDB_SLT_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("tests", "logic", "testdata")
}

// selectFiles lists the corpus files that pass the filters.
func selectFiles(corpus, globs, list string) ([]logic.CorpusFile, error) {
	all, err := logic.ListCorpus(corpus)
	if err != nil {
		return nil, err
	}
	if list != "" {
		want, err := logic.ReadList(list)
		if err != nil {
			return nil, err
		}
		all = slices.DeleteFunc(all, func(f logic.CorpusFile) bool { return !slices.Contains(want, f.Name) })
	}
	if globs != "" {
		all = slices.DeleteFunc(all, func(f logic.CorpusFile) bool { return !logic.MatchName(globs, f.Name) })
	}
	return all, nil
}

func writeFailures(path string, results []*logic.FileResult) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, r := range results {
		for _, e := range r.Failures {
			fmt.Fprintf(f, "%s:%d\t%s\t%s\t%s\t%s\n", e.File, e.Line, e.Kind, e.Code,
				strings.Join(strings.Fields(e.Message), " "), strings.Join(strings.Fields(e.SQL), " "))
		}
	}
	return f.Close()
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
