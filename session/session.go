package session

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Manager creates sessions over one database and routes cancel requests.
type Manager struct {
	db     *DB
	nextID atomic.Uint32

	mu struct {
		sync.Mutex
		sessions map[uint32]*Session
	}
}

// NewManager returns a Manager over db.
func NewManager(db *DB) *Manager {
	m := &Manager{db: db}
	m.mu.sessions = make(map[uint32]*Session)
	return m
}

// DB returns the database the sessions run against.
func (m *Manager) DB() *DB { return m.db }

// NewSession opens a session for an authenticated user. database is the
// name from the startup message; any name is accepted.
func (m *Manager) NewSession(user, database string) *Session {
	s := newSession(m, m.nextID.Add(1), user, database)
	m.mu.Lock()
	m.mu.sessions[s.id] = s
	m.mu.Unlock()
	return s
}

// internalSession opens a session for work the database does by itself
// (trigger bodies, schedules, streaming views): it is not listed among the
// client sessions (Count), a client's CancelRequest cannot reach it, and
// its notification mailbox is small (it never LISTENs; NOTIFYs it queues
// move to the session it works for or go out at its commit). One is made
// per SYNC trigger firing, so it must be cheap.
func (m *Manager) internalSession(user string) *Session {
	id := m.nextID.Add(1)
	return &Session{mgr: m, id: id, user: user, database: "nodedb", vars: defaultVars(),
		listener: event.NewListener(id, internalMailboxSize), channels: map[string]uint64{}}
}

// Cancel cancels the running statement of the session with the given id
// and secret; unknown pairs are ignored, as PostgreSQL does.
func (m *Manager) Cancel(id, secret uint32) {
	m.mu.Lock()
	s := m.mu.sessions[id]
	m.mu.Unlock()
	if s != nil && s.secret == secret {
		s.Cancel()
	}
}

// Count returns the number of open sessions.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mu.sessions)
}

func (m *Manager) remove(s *Session) {
	m.mu.Lock()
	delete(m.mu.sessions, s.id)
	m.mu.Unlock()
}

// ID returns the session's process id and cancel secret (pg BackendKeyData).
func (s *Session) ID() (pid, secret uint32) { return s.id, s.secret }

// User returns the session's user name.
func (s *Session) User() string { return s.user }

// Cancel cancels the statement the session is running, if any.
func (s *Session) Cancel() {
	s.cancelMu.Lock()
	c := s.cancel
	s.cancelMu.Unlock()
	if c != nil {
		c()
	}
}

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		s.abortTxn()
		s.closeTemps()
		s.mgr.db.advisory.release(s, true, true)
		s.stopLive()
		s.mgr.db.hub.Unlisten("*", s.listener)
		s.mgr.remove(s)
	})
}

// Prepare parses and plans exactly one statement. paramTypes gives the types
// the client declared for $1..$n (Unknown or missing entries are inferred).
func (s *Session) Prepare(sql string, paramTypes []types.T) (*Prepared, error) {
	ps, err := s.prepare(sql, paramTypes, false)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, errs.New(errs.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	return ps[0], nil
}

// PrepareMulti parses a string that may hold several statements separated by
// semicolons (the simple query protocol). The whole string is parsed before
// anything runs; a syntax error anywhere fails it all. Statements are
// planned lazily by Execute, since earlier ones may create what later ones use.
func (s *Session) PrepareMulti(sql string) ([]*Prepared, error) {
	return s.prepare(sql, nil, true)
}

// Execute runs a prepared statement with bound parameter values (already
// decoded to the declared or inferred ParamTypes). ctx cancellation aborts it.
func (s *Session) Execute(ctx context.Context, p *Prepared, params []types.Value) (*Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	s.cancelMu.Lock()
	s.cancel = cancel
	s.cancelMu.Unlock()
	defer func() {
		s.cancelMu.Lock()
		s.cancel = nil
		s.cancelMu.Unlock()
		cancel()
	}()
	return s.execute(ctx, p, params)
}
