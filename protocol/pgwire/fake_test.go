package pgwire

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// fakeManager answers a fixed set of statements with canned results and
// records what the protocol asked of it.
type fakeManager struct {
	mu       sync.Mutex
	next     uint32
	sessions map[uint32]*fakeSession
	cancels  int
	prepares map[string]int // SQL → Prepare calls
	execs    []string       // SQL of each Execute, in order
	params   [][]types.Value
	copied   map[string][]types.Row // table → rows that reached Finish
	// notify, when set before a connection opens, is its session's
	// mailbox, and dropped its drop counter.
	notify  chan session.Notification
	dropped atomic.Uint64
	// atCommit, when set, runs as a "commit" ends its transaction.
	atCommit func()
}

func newFakeManager() *fakeManager {
	return &fakeManager{
		sessions: make(map[uint32]*fakeSession),
		prepares: make(map[string]int),
		copied:   make(map[string][]types.Row),
	}
}

func (m *fakeManager) NewSession(user, database string) Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	s := &fakeSession{mgr: m, id: 1000 + m.next, secret: 77 * m.next, user: user, tx: session.TxIdle,
		vars: map[string]string{"application_name": ""}}
	m.sessions[s.id] = s
	return s
}

func (m *fakeManager) Cancel(pid, secret uint32) {
	m.mu.Lock()
	m.cancels++
	s := m.sessions[pid]
	m.mu.Unlock()
	if s != nil && s.secret == secret {
		s.cancelRunning()
	}
}

func (m *fakeManager) execCount(sql string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.execs {
		if e == sql {
			n++
		}
	}
	return n
}

func (m *fakeManager) openSessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

type fakeSession struct {
	mgr    *fakeManager
	id     uint32
	secret uint32
	user   string

	mu      sync.Mutex
	cancel  context.CancelFunc
	tx      session.TxStatus
	vars    map[string]string
	copying *fakeCopy
}

func (s *fakeSession) cancelRunning() {
	s.mu.Lock()
	c := s.cancel
	s.mu.Unlock()
	if c != nil {
		c()
	}
}

var (
	ts0     = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	uuid0   = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
	typedCo = []session.Column{
		{Name: "i8", Type: types.Int8}, {Name: "f8", Type: types.Float8}, {Name: "t", Type: types.Text},
		{Name: "b", Type: types.Bool}, {Name: "ts", Type: types.Timestamptz}, {Name: "n", Type: types.Numeric},
		{Name: "u", Type: types.UUID}, {Name: "by", Type: types.Bytea}, {Name: "d", Type: types.Date},
		{Name: "j", Type: types.JSONB}, {Name: "i4", Type: types.Int4},
	}
	typedRow = types.Row{int64(-9000000000), 2.5, "héllo", true, ts0, mustDec("12345.678900"), uuid0,
		[]byte{0, 1, 0xff}, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), map[string]any{"k": []any{int64(1), "v"}}, int64(42)}
	echoTypes = []types.T{types.Int8, types.Text, types.Float8, types.Bool, types.Timestamptz,
		types.Numeric, types.UUID, types.Bytea}
	copyCols = []session.Column{{Name: "id", Type: types.Int8}, {Name: "name", Type: types.Text},
		{Name: "score", Type: types.Float8}, {Name: "at", Type: types.Timestamptz}}
)

func mustDec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func colsOf(ts []types.T) []session.Column {
	cols := make([]session.Column, len(ts))
	for i, t := range ts {
		cols[i] = session.Column{Name: fmt.Sprintf("c%d", i+1), Type: t}
	}
	return cols
}

// plan describes a canned statement.
func (s *fakeSession) plan(sql string, declared []types.T) (*session.Prepared, error) {
	q := strings.ToLower(strings.TrimSpace(sql))
	p := &session.Prepared{SQL: q}
	switch {
	case q == "select 1":
		p.Columns = []session.Column{{Name: "?column?", Type: types.Int4}}
	case q == "select * from typed":
		p.Columns = typedCo
	case q == "select * from nulls":
		p.Columns = typedCo
	case q == "select n from series":
		p.Columns = []session.Column{{Name: "n", Type: types.Int8}}
	case q == "select echo($1, $2, $3, $4, $5, $6, $7, $8)":
		p.ParamTypes, p.Columns = echoTypes, colsOf(echoTypes)
	case q == "select $1":
		t := types.Unknown
		if len(declared) > 0 {
			t = declared[0]
		}
		p.ParamTypes = []types.T{t}
		p.Columns = colsOf([]types.T{types.Text})
	case q == "select $1::int8 + 1":
		p.ParamTypes, p.Columns = []types.T{types.Int8}, colsOf([]types.T{types.Int8})
	case q == `select "id", "name", "score", "at" from "people"`:
		p.Columns = copyCols
	case q == "select doc from docs":
		p.Columns = []session.Column{{Name: "doc", Type: types.Doc}}
	case strings.HasPrefix(q, "copy "), strings.HasPrefix(q, "begin"), q == "commit", q == "rollback",
		strings.HasPrefix(q, "set "), q == "notice", q == "select fail", q == "select pg_sleep(10)",
		q == "panic", strings.HasPrefix(q, "insert "), q == "create table t (a int)":
		if strings.HasPrefix(q, "select") {
			p.Columns = colsOf([]types.T{types.Int4})
		}
	default:
		return nil, errs.Errorf(errs.SyntaxError, "syntax error at or near %q", strings.Fields(q + " x")[0]).WithPosition(1)
	}
	s.mgr.mu.Lock()
	s.mgr.prepares[q]++
	s.mgr.mu.Unlock()
	return p, nil
}

func (s *fakeSession) Prepare(sql string, paramTypes []types.T) (*session.Prepared, error) {
	return s.plan(sql, paramTypes)
}

func (s *fakeSession) PrepareMulti(sql string) ([]*session.Prepared, error) {
	var out []*session.Prepared
	for _, part := range strings.Split(sql, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		p, err := s.plan(part, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *fakeSession) Execute(ctx context.Context, p *session.Prepared, params []types.Value) (*session.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
	}()
	s.mgr.mu.Lock()
	s.mgr.execs = append(s.mgr.execs, p.SQL)
	s.mgr.params = append(s.mgr.params, params)
	s.mgr.mu.Unlock()

	q := p.SQL
	switch {
	case q == "select 1":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{{int64(1)}}, Tag: "SELECT 1"}, nil
	case q == "select * from typed":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{typedRow}, Tag: "SELECT 1"}, nil
	case q == "select * from nulls":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{make(types.Row, len(typedCo))}, Tag: "SELECT 1"}, nil
	case q == "select n from series":
		rows := make([]types.Row, 10)
		for i := range rows {
			rows[i] = types.Row{int64(i + 1)}
		}
		return &session.Result{Columns: p.Columns, Rows: rows, Tag: "SELECT 10"}, nil
	case strings.HasPrefix(q, "select echo"), q == "select $1":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{params}, Tag: "SELECT 1"}, nil
	case q == "select $1::int8 + 1":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{{params[0].(int64) + 1}}, Tag: "SELECT 1"}, nil
	case q == "select doc from docs":
		return &session.Result{Columns: p.Columns, Rows: []types.Row{{map[string]any{"a": int64(1)}}, {"plain"}}, Tag: "SELECT 2"}, nil
	case q == "select fail":
		return nil, errs.New(errs.DivisionByZero, "division by zero").WithDetail("the detail").WithHint("the hint").WithPosition(8)
	case q == "select pg_sleep(10)":
		select {
		case <-ctx.Done():
			return nil, errs.New(errs.QueryCanceled, "canceling statement due to user request")
		case <-time.After(10 * time.Second):
			return &session.Result{Columns: p.Columns, Tag: "SELECT 0"}, nil
		}
	case q == "panic":
		panic("fake session panic")
	case q == "notice":
		return &session.Result{Tag: "DO", Notices: []session.Notice{{Severity: "NOTICE", Code: "00000", Message: "hello notice"}}}, nil
	case strings.HasPrefix(q, "begin"):
		s.setTx(session.TxActive)
		return &session.Result{Tag: "BEGIN"}, nil
	case q == "commit", q == "rollback":
		s.setTx(session.TxIdle)
		if q == "commit" && s.mgr.atCommit != nil {
			s.mgr.atCommit()
		}
		return &session.Result{Tag: strings.ToUpper(q)}, nil
	case strings.HasPrefix(q, "set "):
		f := strings.Fields(strings.NewReplacer("=", " ", "'", "").Replace(q))
		if len(f) >= 3 {
			s.mu.Lock()
			s.vars[f[1]] = f[2]
			s.mu.Unlock()
		}
		return &session.Result{Tag: "SET"}, nil
	case strings.HasPrefix(q, "insert "):
		return &session.Result{Tag: "INSERT 0 1", RowsAffected: 1}, nil
	case q == "create table t (a int)":
		return &session.Result{Tag: "CREATE TABLE"}, nil
	case strings.HasPrefix(q, "copy "):
		ci := &session.CopyIn{Columns: copyCols, Format: "text"}
		switch {
		case strings.Contains(q, "binary"):
			ci.Format = "binary"
		case strings.Contains(q, "csv"):
			ci.Format = "csv"
			ci.Header = strings.Contains(q, "header")
			if strings.Contains(q, "delimiter '|'") {
				ci.Delim = '|'
			}
			if strings.Contains(q, "null 'null'") {
				ci.Null = "NULL"
			}
		}
		table := strings.Trim(strings.Fields(q)[1], `"`)
		s.mu.Lock()
		s.copying = &fakeCopy{s: s, table: table}
		s.mu.Unlock()
		return &session.Result{Copy: ci}, nil
	}
	return nil, errs.New(errs.InternalError, "fake: no canned result for "+q)
}

func (s *fakeSession) setTx(t session.TxStatus) {
	s.mu.Lock()
	s.tx = t
	s.mu.Unlock()
}

func (s *fakeSession) CopySink(*session.CopyIn) CopySink {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copying
}

func (s *fakeSession) TxStatus() session.TxStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tx
}

func (s *fakeSession) ID() (uint32, uint32) { return s.id, s.secret }

func (s *fakeSession) EncodeText(v types.Value, t types.T) []byte { return types.EncodeText(v, t) }

func (s *fakeSession) ParamStatus() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.vars))
	for k, v := range s.vars {
		if k == "application_name" && v == "" {
			continue
		}
		out[k] = v
	}
	return out
}

func (s *fakeSession) Close() {
	s.mgr.mu.Lock()
	delete(s.mgr.sessions, s.id)
	s.mgr.mu.Unlock()
}

// fakeCopy collects COPY rows; rows whose name is "bad" fail Append.
type fakeCopy struct {
	s     *fakeSession
	table string
	rows  []types.Row
}

func (c *fakeCopy) Append(row types.Row) error {
	if len(row) > 1 && row[1] == "bad" {
		return errs.New(errs.NotNullViolation, "bad row")
	}
	c.rows = append(c.rows, row)
	return nil
}

func (c *fakeCopy) Finish(ctx context.Context) (*session.Result, error) {
	c.s.mgr.mu.Lock()
	c.s.mgr.copied[c.table] = append(c.s.mgr.copied[c.table], c.rows...)
	c.s.mgr.mu.Unlock()
	return &session.Result{Tag: fmt.Sprintf("COPY %d", len(c.rows)), RowsAffected: int64(len(c.rows))}, nil
}

func (c *fakeCopy) Abort() { c.rows = nil }

func (s *fakeSession) BeginImplicit()     {}
func (s *fakeSession) EndImplicit() error { return nil }

func (s *fakeSession) Notifications() <-chan session.Notification { return s.mgr.notify }

func (s *fakeSession) DroppedNotifications() uint64 { return s.mgr.dropped.Load() }
func (s *fakeSession) BlockNotifications(held []session.Notification) []session.Notification {
	return held
}

func (s *fakeSession) TakeOwnNotifications() []session.Notification { return nil }
