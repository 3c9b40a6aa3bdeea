package http

import (
	"context"

	"github.com/nodedb-go/nodedb/session"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Backend is what the HTTP API needs from the database.
type Backend interface {
	// NewSession opens a session for an authenticated user.
	NewSession(user string) Session
	// Stats reports the database counters (last_lsn for /health).
	Stats() session.Stats
	// PollStream reads a change stream for a consumer group after its
	// committed offsets, waiting up to opts.Wait for a first event. It
	// never commits.
	PollStream(ctx context.Context, stream, group string, opts session.PollOptions) (*session.PollResult, error)
	// CommitStreamOffsets commits per-partition positions for a group,
	// forward only.
	CommitStreamOffsets(stream, group string, offsets map[int]uint64) error
}

// Session is the part of *session.Session the HTTP API uses.
type Session interface {
	Prepare(sql string, paramTypes []types.T) (*session.Prepared, error)
	PrepareMulti(sql string) ([]*session.Prepared, error)
	Execute(ctx context.Context, p *session.Prepared, params []types.Value) (*session.Result, error)
	// LiveFrom starts a live subscription replaying changes after an LSN,
	// with the query's parameter values.
	LiveFrom(sql string, since uint64, params []types.Value) (string, error)
	// Notifications delivers live and LISTEN messages.
	Notifications() <-chan session.Notification
	// DroppedNotifications counts messages lost to a full mailbox.
	DroppedNotifications() uint64
	// TxStatus tells whether the session is in a transaction block.
	TxStatus() session.TxStatus
	// BeginImplicit and EndImplicit make a request's statements one
	// implicit transaction (session.Session.BeginImplicit).
	BeginImplicit()
	EndImplicit() error
	// BlockNotifications gives, out of a transaction block, the held
	// NOTIFY messages to send (session.Session.BlockNotifications).
	BlockNotifications(held []session.Notification) []session.Notification
	// PublishMessages publishes messages to a topic in one transaction.
	PublishMessages(ctx context.Context, topic string, payloads []string) error
	Close()
}

// FromManager adapts a session.Manager to Backend.
func FromManager(m *session.Manager) Backend { return managerBackend{m} }

type managerBackend struct{ m *session.Manager }

// database is the database name HTTP sessions report; HTTP has no startup
// message to take one from.
const database = "nodedb"

func (b managerBackend) NewSession(user string) Session { return b.m.NewSession(user, database) }

func (b managerBackend) Stats() session.Stats { return b.m.DB().Stats() }

func (b managerBackend) PollStream(ctx context.Context, stream, group string, opts session.PollOptions) (*session.PollResult, error) {
	return b.m.PollStream(ctx, stream, group, opts)
}

func (b managerBackend) CommitStreamOffsets(stream, group string, offsets map[int]uint64) error {
	return b.m.CommitStreamOffsets(stream, group, offsets)
}
