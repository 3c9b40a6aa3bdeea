package pgwire

import (
	"context"

	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// SessionManager opens sessions and routes cancel requests. *session.Manager
// satisfies it through FromManager.
type SessionManager interface {
	// NewSession opens a session for an authenticated user.
	NewSession(user, database string) Session
	// Cancel cancels the running statement of the session with this
	// BackendKeyData; unknown pairs are ignored.
	Cancel(pid, secret uint32)
}

// Session is the per-connection state the protocol drives.
type Session interface {
	// Prepare parses one statement; paramTypes are the client's declared
	// parameter types (Unknown where not declared).
	Prepare(sql string, paramTypes []types.T) (*session.Prepared, error)
	// PrepareMulti parses a simple-query string of several statements.
	PrepareMulti(sql string) ([]*session.Prepared, error)
	// Execute runs a statement with decoded parameters.
	Execute(ctx context.Context, p *session.Prepared, params []types.Value) (*session.Result, error)
	// BeginImplicit starts an implicit transaction block (a multi-statement
	// query string, or extended-protocol messages up to Sync).
	BeginImplicit()
	// EndImplicit commits the implicit block unless a statement failed.
	EndImplicit() error
	// CopySink returns where the rows of a COPY FROM STDIN go.
	CopySink(c *session.CopyIn) CopySink
	// TxStatus is the ReadyForQuery indicator.
	TxStatus() session.TxStatus
	// ID returns the BackendKeyData pair.
	ID() (pid, secret uint32)
	// ParamStatus returns the server parameters to report (after startup
	// and whenever they change).
	ParamStatus() map[string]string
	// Notifications delivers the session's LISTEN notifications (nil:
	// none).
	Notifications() <-chan session.Notification
	// DroppedNotifications counts notifications lost to a full mailbox.
	DroppedNotifications() uint64
	// BlockNotifications gives, once the session is ready outside a
	// transaction block, the notifications held during it to send, as
	// PostgreSQL delivers them at the block's end
	// (session.Session.BlockNotifications).
	BlockNotifications(held []session.Notification) []session.Notification
	// TakeOwnNotifications returns the notifications the session sent
	// itself, which go out before ReadyForQuery.
	TakeOwnNotifications() []session.Notification
	// EncodeText renders a non-NULL value in a column's text output
	// format; unlike types.EncodeText it may need the catalog (a
	// regclass shows the relation's name).
	EncodeText(v types.Value, t types.T) []byte
	// Close ends the session, rolling back any open transaction.
	Close()
}

// CopySink receives the decoded rows of a COPY FROM STDIN. *session.CopyIn
// satisfies it.
type CopySink interface {
	Append(row types.Row) error
	Finish(ctx context.Context) (*session.Result, error)
	Abort()
}

// FromManager adapts a *session.Manager to SessionManager.
func FromManager(m *session.Manager) SessionManager { return managerAdapter{m} }

type managerAdapter struct{ m *session.Manager }

func (a managerAdapter) NewSession(user, database string) Session {
	s := a.m.NewSession(user, database)
	s.SyncOwnNotifications()
	return sessionAdapter{s}
}

func (a managerAdapter) Cancel(pid, secret uint32) { a.m.Cancel(pid, secret) }

type sessionAdapter struct{ *session.Session }

func (sessionAdapter) CopySink(c *session.CopyIn) CopySink { return c }
