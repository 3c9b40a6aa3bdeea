package session

import (
	"context"
	"log/slog"
	"sync"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// DB is the database a Manager serves: storage, commit pipeline, catalog.
type DB struct{}

// DBConfig configures OpenDB.
type DBConfig struct {
	Dir string
	// Durability is "sync" (default: every commit is fsynced before it is
	// acknowledged, with group commit) or "relaxed" (no per-commit sync).
	Durability string
	Logger     *slog.Logger
}

// OpenDB opens (creating if needed) the database in cfg.Dir.
func OpenDB(cfg DBConfig) (*DB, error) { return &DB{}, nil }

// Close flushes and closes the database.
func (db *DB) Close() error { return nil }

// Stats is a point-in-time view for /health and /metrics.
type Stats struct {
	LastLSN     uint64 // highest durable LSN
	Commits     uint64 // commits acknowledged
	Syncs       uint64 // fsyncs issued by the commit pipeline
	DiskBytes   uint64 // storage size on disk
	Collections int
}

// Stats returns current counters.
func (db *DB) Stats() Stats { return Stats{} }

// Session is one client connection's state.
type Session struct {
	mgr       *Manager
	id        uint32
	secret    uint32
	user      string
	database  string
	closeOnce sync.Once
	cancelMu  sync.Mutex
	cancel    context.CancelFunc
	vars      map[string]string
}

type prepared struct{}
type copyState struct{}

func newSession(m *Manager, id uint32, user, database string) *Session {
	return &Session{mgr: m, id: id, secret: id * 2654435761, user: user, database: database, vars: map[string]string{}}
}

func (s *Session) abortTxn() {}

func (s *Session) prepare(sql string, paramTypes []types.T, multi bool) ([]*Prepared, error) {
	return nil, errs.New(errs.FeatureNotSupported, "not implemented yet")
}

func (s *Session) execute(ctx context.Context, p *Prepared, params []types.Value) (*Result, error) {
	return nil, errs.New(errs.FeatureNotSupported, "not implemented yet")
}

// TxStatus reports the transaction state for ReadyForQuery.
func (s *Session) TxStatus() TxStatus { return TxIdle }

// ParamStatus returns the server parameters reported at startup and after SET
// (server_version, client_encoding, DateStyle, TimeZone, ...).
func (s *Session) ParamStatus() map[string]string { return map[string]string{} }

// Append adds one decoded row.
func (c *CopyIn) Append(row types.Row) error {
	return errs.New(errs.FeatureNotSupported, "not implemented yet")
}

// Finish writes the rows and returns the COPY result.
func (c *CopyIn) Finish(ctx context.Context) (*Result, error) {
	return nil, errs.New(errs.FeatureNotSupported, "not implemented yet")
}

// Abort discards the rows.
func (c *CopyIn) Abort() {}
