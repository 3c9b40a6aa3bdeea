package resp

import (
	"context"

	"github.com/nodedb-go/nodedb/session"
)

// Store is what the RESP server needs of the database: the key-value API
// of session.DB. Tests may give a fake.
type Store interface {
	KVCheck(coll string) error
	KVGet(ctx context.Context, coll string, keys []string) ([]session.KVEntry, error)
	KVUpdate(ctx context.Context, coll string, keys []string, fn func(cur []session.KVEntry) ([]session.KVWrite, error)) error
	KVScan(ctx context.Context, coll string, cursor uint64, pattern []byte, count int) (uint64, []string, error)
	KVCount(ctx context.Context, coll string) (int64, error)
	KVFlush(ctx context.Context, coll string) error
	KVBatch(ctx context.Context, coll string, keys []string, write bool, fn func(t *session.KVTxn)) error
	Publish(channel, message string) (int, error)
	NewSubscriber() *session.Subscriber
}

// FromManager returns the Store of a session manager's database.
func FromManager(m *session.Manager) Store { return m.DB() }
