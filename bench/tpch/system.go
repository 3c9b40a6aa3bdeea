package main

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// system is one server under test, over one pgx connection.
type system struct {
	name    string
	dsn     string
	conn    *pgx.Conn
	version string
	broken  bool

	loads   []loadResult
	analyze string // ANALYZE's outcome: "ok" or the error
}

type loadResult struct {
	table string
	rows  int
	took  time.Duration
}

func (s *system) connect(ctx context.Context) error {
	c, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return err
	}
	s.conn = c
	return nil
}

// reconnect replaces a connection that a timed-out query closed.
func (s *system) reconnect(ctx context.Context) {
	if !s.conn.IsClosed() {
		return
	}
	if err := s.connect(ctx); err != nil {
		logf("%s: reconnect: %v", s.name, err)
		s.broken = true
	}
}

func (s *system) serverVersion(ctx context.Context) string {
	var v string
	if err := s.conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "?"
	}
	return v
}

// setup creates the tables, loads them, creates the indexes and runs
// VACUUM ANALYZE.
func (s *system) setup(ctx context.Context, g *Gen, cfg *config) error {
	for i := len(schema) - 1; i >= 0; i-- {
		_, _ = s.conn.Exec(ctx, "DROP TABLE IF EXISTS "+schema[i].name)
	}
	for _, t := range schema {
		if _, err := s.conn.Exec(ctx, t.ddl(cfg.decType)); err != nil {
			return fmt.Errorf("%s: %w", t.ddl(cfg.decType), err)
		}
	}
	for _, name := range Tables {
		start := time.Now()
		n, err := copyRows(ctx, s.conn, tableByName(name), g.Rows(name), cfg.batch, isFloat(cfg.decType))
		if err != nil {
			return fmt.Errorf("loading %s (after %d rows): %w", name, n, err)
		}
		s.loads = append(s.loads, loadResult{name, n, time.Since(start)})
		logf("%s: %s: %d rows in %s", s.name, name, n, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	for _, ix := range indexes {
		if _, err := s.conn.Exec(ctx, ix); err != nil {
			return fmt.Errorf("%s: %w", ix, err)
		}
	}
	s.loads = append(s.loads, loadResult{"(indexes)", 0, time.Since(start)})
	// VACUUM ANALYZE, the usual step after a bulk load on both: PostgreSQL
	// sets its hint bits and visibility map, nodedb compacts what the load
	// left over several LSM levels into the bottom one (queries timed
	// while its background compactions still run vary by 1.5x); both
	// gather statistics. A server without VACUUM gets ANALYZE alone.
	start = time.Now()
	s.analyze = "ok"
	if _, err := s.conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		s.analyze = "VACUUM ANALYZE failed (" + err.Error() + "); ANALYZE: ok"
		if _, err := s.conn.Exec(ctx, "ANALYZE"); err != nil {
			s.analyze = err.Error()
		}
	}
	s.loads = append(s.loads, loadResult{"(VACUUM ANALYZE)", 0, time.Since(start)})
	return nil
}

// isFloat reports whether the decimal columns are floating point.
func isFloat(decType string) bool {
	u := strings.ToUpper(decType)
	return strings.Contains(u, "DOUBLE") || strings.Contains(u, "FLOAT") || strings.Contains(u, "REAL")
}

// copyRows loads rows into t with one COPY FROM STDIN per batch rows;
// decimal values are sent as float64 when floats is set.
func copyRows(ctx context.Context, conn *pgx.Conn, t *table, rows iter.Seq[[]any], batch int, floats bool) (int, error) {
	next, stop := iter.Pull(rows)
	defer stop()
	total := 0
	done := false
	for !done {
		n := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if n == batch {
				return nil, nil
			}
			r, ok := next()
			if !ok {
				done = true
				return nil, nil
			}
			n++
			if floats {
				r = slices.Clone(r)
				for i, v := range r {
					if d, ok := v.(dec); ok {
						r[i] = d.float()
					}
				}
			}
			return r, nil
		})
		c, err := conn.CopyFrom(ctx, pgx.Identifier{t.name}, t.columnNames(), src)
		total += int(c)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

type runResult struct {
	rows   [][]string
	times  []time.Duration
	warm   time.Duration // the warm-up run (its rows are the ones compared)
	median time.Duration
	err    error
	note   string
}

// run executes q once as a warm-up (its rows are the ones compared) and
// then cfg.runs times, unless the warm-up took longer than cfg.slow.
func (s *system) run(ctx context.Context, q Query, cfg *config) *runResult {
	rr := &runResult{}
	start := time.Now()
	rows, err := s.query(ctx, q.SQL, cfg.timeout)
	warm := time.Since(start)
	if err != nil {
		rr.err = err
		s.reconnect(ctx)
		return rr
	}
	rr.rows = rows
	rr.warm = warm
	if warm > cfg.slow {
		rr.times = []time.Duration{warm}
		rr.median = warm
		rr.note = "warm-up over " + cfg.slow.String() + ": one run only"
		return rr
	}
	for i := 0; i < cfg.runs; i++ {
		start := time.Now()
		if _, err := s.query(ctx, q.SQL, cfg.timeout); err != nil {
			rr.err = fmt.Errorf("run %d: %w", i+1, err)
			s.reconnect(ctx)
			return rr
		}
		rr.times = append(rr.times, time.Since(start))
	}
	sorted := slices.Clone(rr.times)
	slices.Sort(sorted)
	rr.median = sorted[len(sorted)/2]
	return rr
}

// query runs sql over the simple protocol (both servers then answer in
// text) and returns every value as text, NULL as "NULL".
func (s *system) query(ctx context.Context, sql string, timeout time.Duration) ([][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rows, err := s.conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
