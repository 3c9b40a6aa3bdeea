package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

type queryResult struct {
	q     Query
	runs  []*runResult // per system, in rep.systems order
	match bool
	diff  string
}

type report struct {
	cfg       *config
	started   time.Time
	loadAfter string
	systems   []*system
	queries   []*queryResult
	problems  []string
}

func (r *report) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	logf("problem: %s", msg)
	r.problems = append(r.problems, msg)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if s, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (r *report) markdown() string {
	var b strings.Builder
	c := r.cfg
	fmt.Fprintf(&b, "# TPC-H-like queries: nodedb vs PostgreSQL 15\n\n")
	fmt.Fprintf(&b, "- date: %s\n- nodedb commit: %s\n", r.started.UTC().Format(time.RFC3339), c.commit)
	for _, s := range r.systems {
		fmt.Fprintf(&b, "- %s server_version: %s\n", s.name, s.version)
	}
	fmt.Fprintf(&b, "- machine: %s\n- load average before / after: %s / %s\n", machine(), c.loadBefore, r.loadAfter)
	fmt.Fprintf(&b, "- scale factor %g, seed %d, money and quantity columns %s, %d rows per COPY\n", c.sf, c.seed, c.decType, c.batch)
	fmt.Fprintf(&b, "- per query: one warm-up run (its rows are compared), then the median of %d timed runs "+
		"(only the warm-up if it took over %s); simple query protocol, all rows fetched; numbers compared "+
		"within %g relative\n\n", c.runs, c.slow, c.tol)

	fmt.Fprintf(&b, "## Queries\n\n")
	fmt.Fprintf(&b, "ratio = PostgreSQL ms / nodedb ms: above 1 nodedb is faster, below 1 slower.\n\n")
	fmt.Fprintf(&b, "| query | nodedb ms | postgres ms | ratio | rows | results match |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
	for _, q := range r.queries {
		cells := []string{"", ""}
		rows := "?"
		for i, rr := range q.runs {
			if rr.err != nil {
				cells[i] = "FAILED"
				continue
			}
			cells[i] = ms(rr.median)
			rows = fmt.Sprint(len(rr.rows))
		}
		ratio, match := "n/a", "n/a"
		if len(q.runs) == 2 && q.runs[0].err == nil && q.runs[1].err == nil {
			if q.runs[0].median > 0 {
				ratio = fmt.Sprintf("%.2f", float64(q.runs[1].median)/float64(q.runs[0].median))
			}
			match = "yes"
			if !q.match {
				match = "NO: " + q.diff
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", q.q.Name, cells[0], cells[1], ratio, rows, match)
	}
	b.WriteString("\n")

	var fails []string
	for _, q := range r.queries {
		for i, rr := range q.runs {
			if rr.err != nil {
				fails = append(fails, fmt.Sprintf("- %s on %s: `%s`", q.q.Name, r.systems[i].name, oneLine(rr.err.Error())))
			}
			if rr.note != "" {
				fails = append(fails, fmt.Sprintf("- %s on %s: %s", q.q.Name, r.systems[i].name, rr.note))
			}
		}
	}
	if len(fails) > 0 || len(r.problems) > 0 {
		fmt.Fprintf(&b, "## Problems\n\n")
		for _, f := range fails {
			b.WriteString(f + "\n")
		}
		for _, p := range r.problems {
			fmt.Fprintf(&b, "- %s\n", oneLine(p))
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "## Every run, ms\n\nThe warm-up is not in the median: it is where caches fill (PostgreSQL's buffers, "+
		"nodedb's block cache and, for collections unchanged since the load, its column copies).\n\n"+
		"| query | system | warm-up | timed runs |\n| --- | --- | ---: | --- |\n")
	for _, q := range r.queries {
		for i, rr := range q.runs {
			var ts []string
			for _, t := range rr.times {
				ts = append(ts, ms(t))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", q.q.Name, r.systems[i].name, ms(rr.warm), strings.Join(ts, ", "))
		}
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "## Load (COPY FROM STDIN through pgx CopyFrom)\n\n| table | rows |")
	for _, s := range r.systems {
		fmt.Fprintf(&b, " %s s |", s.name)
	}
	b.WriteString("\n| --- | ---: |" + strings.Repeat(" ---: |", len(r.systems)) + "\n")
	if len(r.systems) > 0 {
		for i, l := range r.systems[0].loads {
			rows := ""
			if l.rows > 0 {
				rows = fmt.Sprint(l.rows)
			}
			fmt.Fprintf(&b, "| %s | %s |", l.table, rows)
			for _, s := range r.systems {
				if i < len(s.loads) {
					fmt.Fprintf(&b, " %.2f |", s.loads[i].took.Seconds())
				} else {
					b.WriteString(" |")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	for _, s := range r.systems {
		fmt.Fprintf(&b, "- %s VACUUM ANALYZE: %s\n", s.name, oneLine(s.analyze))
	}
	fmt.Fprintf(&b, "\nSecondary indexes on both (after the load):\n\n```sql\n%s;\n```\n\n", strings.Join(indexes, ";\n"))
	fmt.Fprintf(&b, "## Queries as run\n\n")
	for _, q := range r.queries {
		fmt.Fprintf(&b, "### %s\n\n```sql\n%s\n```\n\n", q.q.Name, q.q.SQL)
	}
	return b.String()
}
