package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

func TestKVCollectionSQL(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()

	d.q(s, `CREATE COLLECTION sessions TYPE KEY_VALUE (key TEXT PRIMARY KEY, user_id TEXT, hits INT)`)
	d.q(s, `INSERT INTO sessions { key: 'sess1', user_id: 'alice', ttl: 3600 }`)
	d.q(s, `INSERT INTO sessions (key, user_id, hits) VALUES ('sess2', 'bob', 1)`)
	require.Equal(t, "sess1|alice|NULL|3600\nsess2|bob|1|NULL", d.q(s, `SELECT * FROM sessions ORDER BY key`))
	require.Equal(t, "alice", d.q(s, `SELECT user_id FROM sessions WHERE key = 'sess1'`))
	require.Contains(t, d.q(s, `EXPLAIN SELECT user_id FROM sessions WHERE key = 'sess1'`), "Point Get")

	// UPDATE keeps the deadline while the ttl is unchanged.
	before := d.q(s, `SELECT _expires_at FROM sessions WHERE key = 'sess1'`)
	d.q(s, `UPDATE sessions SET hits = 5 WHERE key = 'sess1'`)
	require.Equal(t, before, d.q(s, `SELECT _expires_at FROM sessions WHERE key = 'sess1'`))
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM sessions WHERE _expires_at IS NULL`))

	d.q(s, `DELETE FROM sessions WHERE key = 'sess2'`)
	require.Equal(t, "1", d.q(s, `SELECT count(*) FROM sessions`))
	d.fail(s, errs.UniqueViolation, `INSERT INTO sessions (key) VALUES ('sess1')`)
	d.fail(s, errs.InvalidParameterValue, `INSERT INTO sessions { key: 'bad', ttl: 0 }`)
}

func TestKVCollectionExpiry(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()

	d.q(s, `CREATE COLLECTION cache TYPE KEY_VALUE WITH (DEFAULT_TTL = '1 hour')`)
	d.q(s, `INSERT INTO cache (key, value) VALUES ('a', 'x')`)
	d.q(s, `INSERT INTO cache (key, value, ttl) VALUES ('b', 'y', 1)`)
	require.Equal(t, "a|x|3600\nb|y|1", d.q(s, `SELECT * FROM cache ORDER BY key`))
	time.Sleep(1100 * time.Millisecond)
	// Expired keys are invisible at once, to scans and point reads alike.
	require.Equal(t, "a|x|3600", d.q(s, `SELECT * FROM cache ORDER BY key`))
	require.Equal(t, "", d.q(s, `SELECT value FROM cache WHERE key = 'b'`))
	// Inserting an expired key is not a duplicate.
	d.q(s, `INSERT INTO cache (key, value) VALUES ('b', 'z')`)
	require.Equal(t, "z|3600", d.q(s, `SELECT value, ttl FROM cache WHERE key = 'b'`))

	d.fail(s, errs.SyntaxError, `CREATE COLLECTION c2 TYPE KEY_VALUE WITH (COLOR = 'red')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE COLLECTION c3 TYPE KEY_VALUE WITH (DEFAULT_TTL = 'soon')`)
	d.fail(s, errs.InvalidObjectDefinition, `CREATE COLLECTION c4 TYPE KEY_VALUE (k INT PRIMARY KEY)`)
	d.q(s, `CREATE COLLECTION c5 TYPE KEY_VALUE WITH (DEFAULT_TTL = 90)`)
	d.q(s, `INSERT INTO c5 (key) VALUES ('k')`)
	require.Equal(t, "90", d.q(s, `SELECT ttl FROM c5`))
}
