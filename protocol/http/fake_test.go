package http

import (
	"context"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// fakeBackend answers every statement with result(sql, params) and records
// what it was asked.
type fakeBackend struct {
	stats session.Stats
	// paramTypes is what Prepare infers; nil means one Unknown per '$'.
	paramTypes []types.T
	// result builds the answer for one statement.
	result func(ctx context.Context, sql string, params []types.Value) (*session.Result, error)
	// prepareErr fails Prepare/PrepareMulti.
	prepareErr error
	// noRecord turns off recording (long fuzz runs).
	noRecord bool

	mu struct {
		sync.Mutex
		users    []string
		executed []string
		params   [][]types.Value
		open     int
	}
}

func (b *fakeBackend) NewSession(user string) Session {
	b.mu.Lock()
	if !b.noRecord {
		b.mu.users = append(b.mu.users, user)
	}
	b.mu.open++
	b.mu.Unlock()
	return &fakeSession{b: b}
}

func (b *fakeBackend) Stats() session.Stats { return b.stats }

func (b *fakeBackend) PollStream(context.Context, string, string, session.PollOptions) (*session.PollResult, error) {
	return nil, errs.New(errs.UndefinedObject, "change stream does not exist")
}

func (b *fakeBackend) CommitStreamOffsets(string, string, map[int]uint64) error {
	return errs.New(errs.UndefinedObject, "change stream does not exist")
}

func (b *fakeBackend) openSessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mu.open
}

type fakeSession struct {
	b      *fakeBackend
	closed bool
}

func (s *fakeSession) Prepare(sql string, _ []types.T) (*session.Prepared, error) {
	if s.b.prepareErr != nil {
		return nil, s.b.prepareErr
	}
	pt := s.b.paramTypes
	if pt == nil {
		pt = make([]types.T, strings.Count(sql, "$"))
	}
	return &session.Prepared{SQL: sql, ParamTypes: pt}, nil
}

func (s *fakeSession) PrepareMulti(sql string) ([]*session.Prepared, error) {
	if s.b.prepareErr != nil {
		return nil, s.b.prepareErr
	}
	var ps []*session.Prepared
	for _, part := range strings.Split(sql, ";") {
		if strings.TrimSpace(part) != "" {
			ps = append(ps, &session.Prepared{SQL: strings.TrimSpace(part)})
		}
	}
	return ps, nil
}

func (s *fakeSession) Execute(ctx context.Context, p *session.Prepared, params []types.Value) (*session.Result, error) {
	if !s.b.noRecord {
		s.b.mu.Lock()
		s.b.mu.executed = append(s.b.mu.executed, p.SQL)
		s.b.mu.params = append(s.b.mu.params, params)
		s.b.mu.Unlock()
	}
	if s.b.result != nil {
		return s.b.result(ctx, p.SQL, params)
	}
	row := types.Row{p.SQL}
	row = append(row, params...)
	cols := []session.Column{{Name: "sql", Type: types.Text}}
	for range params {
		cols = append(cols, session.Column{Name: "p", Type: types.Unknown})
	}
	return &session.Result{Columns: cols, Rows: []types.Row{row}, Tag: "SELECT 1", RowsAffected: 1}, nil
}

func (s *fakeSession) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.b.mu.Lock()
	s.b.mu.open--
	s.b.mu.Unlock()
}

func (s *fakeSession) LiveFrom(string, uint64, []types.Value) (string, error) {
	return "", errs.New(errs.FeatureNotSupported, "fake")
}

func (s *fakeSession) Notifications() <-chan session.Notification { return nil }

func (s *fakeSession) DroppedNotifications() uint64 { return 0 }

func (s *fakeSession) TxStatus() session.TxStatus { return session.TxIdle }

func (s *fakeSession) BeginImplicit()     {}
func (s *fakeSession) EndImplicit() error { return nil }

func (s *fakeSession) BlockNotifications(held []session.Notification) []session.Notification {
	return held
}

func (s *fakeSession) PublishMessages(context.Context, string, []string) error {
	return errs.New(errs.FeatureNotSupported, "topics are not available in the fake backend")
}
