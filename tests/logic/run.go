package logic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Failure kinds.
const (
	FailError      = "error"              // a statement or query failed unexpectedly
	FailWrong      = "wrong result"       // a query's values differ
	FailColumns    = "wrong column count" // a query returned another number of columns
	FailSucceeded  = "unexpected success" // "statement error" succeeded
	FailTimeout    = "timeout"            // the record exceeded Options.Timeout
	FailLabel      = "label mismatch"     // differs from an earlier query with the same label
	FailConnection = "connection"         // the connection broke and could not be reopened
	FailNoColumns  = "no columns"         // a query answered without describing its columns
)

// Options tune a run.
type Options struct {
	// Timeout bounds each record; 0 means 5s.
	Timeout time.Duration
	// After SlowAfter timeouts in one file (0 means 3), later records get
	// ShortTimeout (0 means 250ms), so a file full of pathological queries
	// still finishes in reasonable time. (Ordinary records take well under
	// a millisecond; the server stops a statement promptly on cancel.)
	SlowAfter    int
	ShortTimeout time.Duration
	// Log, if set, receives one line per failure as it happens.
	Log io.Writer
}

// Failure is one failed record.
type Failure struct {
	File    string
	Line    int
	Kind    string
	Code    string // SQLSTATE, for FailError
	Message string
	SQL     string
	Query   bool // a query (not a statement) record
}

// Category is the key failures are grouped by: kind, SQLSTATE and the
// error message with numbers and literals masked.
func (f *Failure) Category() string {
	switch f.Kind {
	case FailError:
		return "error " + f.Code + ": " + NormalizeMessage(f.Message)
	case FailSucceeded:
		return "unexpected success"
	}
	return f.Kind
}

// FileResult is the outcome of one file.
type FileResult struct {
	File     string // name relative to the corpus
	Total    int    // records run (not skipped)
	Passed   int
	Skipped  int
	Halted   bool
	Failures []Failure
	Features map[string]*FeatureCount
	Elapsed  time.Duration
	Err      error // the file could not be run at all
}

// FeatureCount counts runs and failures of records that use a feature.
type FeatureCount struct{ Run, Failed int }

// Failed is Total - Passed.
func (r *FileResult) Failed() int { return r.Total - r.Passed }

// RunFile parses path, starts a fresh server in dataDir and runs every
// record. name is how the file is reported.
func RunFile(ctx context.Context, name, path, dataDir string, opt Options) *FileResult {
	res := &FileResult{File: name, Features: map[string]*FeatureCount{}}
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()
	recs, err := ParseFile(path)
	if err != nil {
		res.Err = err
		return res
	}
	srv, err := StartServer(dataDir)
	if err != nil {
		res.Err = err
		return res
	}
	defer srv.Close()
	r := &runner{srv: srv, opt: opt, res: res, labels: map[string]string{}}
	if r.opt.Timeout == 0 {
		r.opt.Timeout = 5 * time.Second
	}
	if r.opt.SlowAfter == 0 {
		r.opt.SlowAfter = 3
	}
	if r.opt.ShortTimeout == 0 {
		r.opt.ShortTimeout = 250 * time.Millisecond
	}
	if err := r.reconnect(ctx); err != nil {
		res.Err = err
		return res
	}
	defer func() {
		if r.conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = r.conn.Close(cctx)
			cancel()
		}
	}()
	for i := range recs {
		if ctx.Err() != nil {
			res.Err = ctx.Err()
			return res
		}
		rec := &recs[i]
		if rec.Skipped() {
			if rec.Kind == KindStatement || rec.Kind == KindQuery {
				res.Skipped++
			}
			continue
		}
		switch rec.Kind {
		case KindHalt:
			res.Halted = true
			return res
		case KindHashThreshold:
			continue
		}
		res.Total++
		f := r.run(ctx, rec)
		for _, feat := range Features(rec.SQL) {
			fc := res.Features[feat]
			if fc == nil {
				fc = &FeatureCount{}
				res.Features[feat] = fc
			}
			fc.Run++
			if f != nil {
				fc.Failed++
			}
		}
		if f == nil {
			res.Passed++
			continue
		}
		f.File, f.Line, f.SQL, f.Query = name, rec.Line, rec.SQL, rec.Kind == KindQuery
		res.Failures = append(res.Failures, *f)
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "%s:%d: %s: %s\n    %s\n", name, rec.Line, f.Kind,
				oneLine(f.Message, 300), oneLine(rec.SQL, 300))
		}
	}
	return res
}

type runner struct {
	srv    *Server
	conn   *pgx.Conn
	opt    Options
	res    *FileResult
	labels map[string]string
	// timeouts counts records that timed out so far in this file.
	timeouts int
}

func (r *runner) reconnect(ctx context.Context) error {
	if r.conn != nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_ = r.conn.Close(cctx)
		cancel()
		r.conn = nil
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := r.srv.Connect(cctx)
	if err != nil {
		return err
	}
	r.conn = c
	return nil
}

// exec runs sql and returns its results, or a Failure for an error.
func (r *runner) exec(ctx context.Context, sql string) ([]*pgconn.Result, *Failure) {
	if r.conn == nil || r.conn.IsClosed() {
		if err := r.reconnect(ctx); err != nil {
			return nil, &Failure{Kind: FailConnection, Message: err.Error()}
		}
	}
	timeout := r.opt.Timeout
	if r.timeouts >= r.opt.SlowAfter {
		timeout = min(timeout, r.opt.ShortTimeout)
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results, err := readAll(r.conn.PgConn().Exec(sctx, sql))
	if err == nil {
		return results, nil
	}
	var pgErr *pgconn.PgError
	timedOut := errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	if timedOut {
		r.timeouts++
		if r.conn.IsClosed() {
			_ = r.reconnect(ctx)
		}
		return nil, &Failure{Kind: FailTimeout, Message: fmt.Sprintf("no answer within %s", timeout)}
	}
	if errors.As(err, &pgErr) {
		return nil, &Failure{Kind: FailError, Code: pgErr.Code, Message: pgErr.Message}
	}
	if r.conn.IsClosed() {
		_ = r.reconnect(ctx)
		return nil, &Failure{Kind: FailConnection, Message: err.Error()}
	}
	return nil, &Failure{Kind: FailError, Code: "client", Message: err.Error()}
}

// readAll is MultiResultReader.ReadAll, except that it keeps the column
// descriptions of a result without rows (pgconn's ResultReader.Read only
// copies them along with the first row).
func readAll(mrr *pgconn.MultiResultReader) ([]*pgconn.Result, error) {
	var results []*pgconn.Result
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		res := &pgconn.Result{FieldDescriptions: slices.Clone(rr.FieldDescriptions())}
		for rr.NextRow() {
			if res.FieldDescriptions == nil {
				res.FieldDescriptions = slices.Clone(rr.FieldDescriptions())
			}
			vals := rr.Values()
			row := make([][]byte, len(vals))
			for i, v := range vals {
				if v != nil {
					row[i] = slices.Clone(v)
				}
			}
			res.Rows = append(res.Rows, row)
		}
		res.CommandTag, res.Err = rr.Close()
		results = append(results, res)
		if res.Err != nil {
			break
		}
	}
	err := mrr.Close()
	for _, res := range results {
		if res.Err != nil {
			return results, res.Err
		}
	}
	return results, err
}

func (r *runner) run(ctx context.Context, rec *Record) *Failure {
	results, f := r.exec(ctx, rec.SQL)
	if rec.Kind == KindStatement {
		if rec.ExpectError {
			if f == nil {
				return &Failure{Kind: FailSucceeded, Message: "statement succeeded, want an error"}
			}
			if f.Kind == FailError {
				return nil
			}
			return f
		}
		return f
	}
	if f != nil {
		return f
	}
	if len(results) == 0 {
		return &Failure{Kind: FailColumns, Message: "no result"}
	}
	last := results[len(results)-1]
	fields := last.FieldDescriptions
	if len(fields) == 0 && len(rec.Types) > 0 {
		return &Failure{Kind: FailNoColumns, Message: fmt.Sprintf("%d rows and no columns, want %d (%s)",
			len(last.Rows), len(rec.Types), rec.Types)}
	}
	if len(fields) != len(rec.Types) {
		return &Failure{Kind: FailColumns,
			Message: fmt.Sprintf("got %d columns, want %d (%s)", len(fields), len(rec.Types), rec.Types)}
	}
	vals := make([]string, 0, len(last.Rows)*len(fields))
	for _, row := range last.Rows {
		for c, v := range row {
			vals = append(vals, FormatValue(rec.Types[c], fields[c].DataTypeOID, v))
		}
	}
	SortValues(rec.Sort, vals, len(fields))
	if !rec.HasSep {
		return nil
	}
	if len(rec.Expected) == 1 {
		if n, h, ok := ParseHashLine(rec.Expected[0]); ok {
			got := HashValues(vals)
			if n != len(vals) || h != got {
				return &Failure{Kind: FailWrong, Message: fmt.Sprintf("got %d values hashing to %s, want %s%s",
					len(vals), got, rec.Expected[0], preview(vals))}
			}
			return r.checkLabel(rec, vals)
		}
	}
	if msg := diffValues(rec.Expected, vals); msg != "" {
		return &Failure{Kind: FailWrong, Message: msg}
	}
	return r.checkLabel(rec, vals)
}

func (r *runner) checkLabel(rec *Record, vals []string) *Failure {
	if rec.Label == "" {
		return nil
	}
	h := fmt.Sprintf("%d:%s", len(vals), HashValues(vals))
	if prev, ok := r.labels[rec.Label]; ok && prev != h {
		return &Failure{Kind: FailLabel, Message: "result differs from an earlier query labelled " + rec.Label}
	} else if !ok {
		r.labels[rec.Label] = h
	}
	return nil
}

func diffValues(want, got []string) string {
	for i := 0; i < len(want) && i < len(got); i++ {
		if want[i] != got[i] {
			return fmt.Sprintf("value %d: got %q, want %q (%d values, want %d)%s",
				i+1, got[i], want[i], len(got), len(want), preview(got))
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("got %d values, want %d%s", len(got), len(want), preview(got))
	}
	return ""
}

func preview(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	n := min(len(vals), 12)
	s := "; got: " + strings.Join(vals[:n], " ")
	if n < len(vals) {
		s += " ..."
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

var (
	reQuoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	reNumber = regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
)

// NormalizeMessage masks the parts of an error message that vary between
// otherwise identical failures: numbers anywhere, and quoted words that
// contain digits (column and table names like col1 or t29).
func NormalizeMessage(msg string) string {
	msg = reQuoted.ReplaceAllStringFunc(msg, func(q string) string {
		if strings.ContainsAny(q, "0123456789") && len(q) > 0 {
			return q[:1] + reNumber.ReplaceAllString(q[1:len(q)-1], "N") + q[:1]
		}
		return q
	})
	msg = reNumber.ReplaceAllString(msg, "N")
	if len(msg) > 140 {
		msg = msg[:140] + "..."
	}
	return msg
}

// FileExists reports whether path names a regular file.
func FileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
