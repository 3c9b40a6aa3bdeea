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

func TestKVFunctions(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION scores TYPE KEY_VALUE (key TEXT PRIMARY KEY, value INT)`)
	d.q(s, `CREATE COLLECTION state TYPE KEY_VALUE`)

	require.Equal(t, "10", d.q(s, `SELECT KV_INCR('scores', 'p1', 10)`))
	require.Equal(t, "7", d.q(s, `SELECT KV_INCR('scores', 'p1', -3)`))
	require.Equal(t, "p1|7|NULL", d.q(s, `SELECT * FROM scores`))
	// A TTL applies to a key KV_INCR creates.
	require.Equal(t, "1", d.q(s, `SELECT KV_INCR('scores', 'rate:1', 1, 60)`))
	require.Equal(t, "2", d.q(s, `SELECT KV_INCR('scores', 'rate:1', 1, 60)`))
	require.Equal(t, "60", d.q(s, `SELECT ttl FROM scores WHERE key = 'rate:1'`))
	require.Equal(t, "2.5", d.q(s, `SELECT KV_INCR_FLOAT('state', 'f', 2.5)`))
	require.Equal(t, "3", d.q(s, `SELECT KV_INCR_FLOAT('state', 'f', 0.5)`))

	// CAS: NULL expects an absent key; NULL as the new value deletes.
	require.Equal(t, "t", d.q(s, `SELECT KV_CAS('state', 'p1', NULL, 'idle')`))
	require.Equal(t, "f", d.q(s, `SELECT KV_CAS('state', 'p1', 'busy', 'done')`))
	require.Equal(t, "t", d.q(s, `SELECT KV_CAS('state', 'p1', 'idle', 'busy')`))
	require.Equal(t, "busy", d.q(s, `SELECT value FROM state WHERE key = 'p1'`))
	require.Equal(t, "busy", d.q(s, `SELECT KV_GETSET('state', 'p1', 'free')`))
	require.Equal(t, "NULL", d.q(s, `SELECT KV_GETSET('state', 'new', 'x')`))
	require.Equal(t, "t", d.q(s, `SELECT KV_CAS('state', 'new', 'x', NULL)`))
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM state WHERE key = 'new'`))

	// In a transaction block the writes commit or roll back with it.
	d.q(s, `BEGIN`)
	d.q(s, `SELECT KV_INCR('scores', 'p1', 100)`)
	d.q(s, `ROLLBACK`)
	require.Equal(t, "7", d.q(s, `SELECT value FROM scores WHERE key = 'p1'`))

	d.fail(s, errs.UndefinedTable, `SELECT KV_INCR('nope', 'k', 1)`)
	d.q(s, `CREATE TABLE plain (a INT PRIMARY KEY)`)
	d.fail(s, errs.WrongObjectType, `SELECT KV_INCR('plain', 'k', 1)`)
	d.fail(s, errs.InvalidTextRep, `SELECT KV_INCR('state', 'p1', 1)`)
}

// TestKVExpiredKeysFreeUniqueValues: an expired key no longer holds its
// unique index values, even before the reclaimer deletes it.
func TestKVExpiredKeysFreeUniqueValues(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION sessions TYPE KEY_VALUE (key TEXT PRIMARY KEY, user_id TEXT UNIQUE)`)
	d.q(s, `INSERT INTO sessions { key: 'old', user_id: 'alice', ttl: 1 }`)
	d.fail(s, errs.UniqueViolation, `INSERT INTO sessions { key: 'new', user_id: 'alice' }`)
	time.Sleep(1100 * time.Millisecond)
	d.q(s, `INSERT INTO sessions { key: 'new', user_id: 'alice' }`)
	require.Equal(t, "new|alice", d.q(s, `SELECT key, user_id FROM sessions`))
	d.q(s, `INSERT INTO sessions { key: 'b', user_id: 'bob', ttl: 1 }`)
	d.q(s, `INSERT INTO sessions { key: 'c', user_id: 'carol' }`)
	time.Sleep(1100 * time.Millisecond)
	d.q(s, `UPDATE sessions SET user_id = 'bob' WHERE key = 'c'`)
	require.Equal(t, "c|bob\nnew|alice", d.q(s, `SELECT key, user_id FROM sessions ORDER BY key`))
	require.Equal(t, "0", d.q(s, `SELECT count(*) FROM sessions WHERE key = 'b'`))
}

func TestRateGates(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION api_gate TYPE KEY_VALUE`)
	for i := 0; i < 3; i++ {
		require.Equal(t, "t", d.q(s, `SELECT RATE_CHECK('api_gate', 'alice', 3, 1)`))
	}
	require.Equal(t, "f", d.q(s, `SELECT RATE_CHECK('api_gate', 'alice', 3, 1)`))
	require.Equal(t, "0", d.q(s, `SELECT RATE_REMAINING('api_gate', 'alice', 3)`))
	require.Equal(t, "5", d.q(s, `SELECT RATE_REMAINING('api_gate', 'bob', 5)`))
	require.Equal(t, "alice|3|1", d.q(s, `SELECT * FROM api_gate`))
	// The window ends with the key's deadline.
	time.Sleep(1100 * time.Millisecond)
	require.Equal(t, "t", d.q(s, `SELECT RATE_CHECK('api_gate', 'alice', 3, 1)`))
	require.Equal(t, "2", d.q(s, `SELECT RATE_REMAINING('api_gate', 'alice', 3)`))
	require.Equal(t, "t", d.q(s, `SELECT RATE_RESET('api_gate', 'alice')`))
	require.Equal(t, "f", d.q(s, `SELECT RATE_RESET('api_gate', 'alice')`))
	require.Equal(t, "3", d.q(s, `SELECT RATE_REMAINING('api_gate', 'alice', 3)`))
	d.fail(s, errs.InvalidParameterValue, `SELECT RATE_CHECK('api_gate', 'x', 3, 0)`)
	d.fail(s, errs.UndefinedTable, `SELECT RATE_CHECK('nogate', 'x', 3, 10)`)
}

// TestKVBeforeTrigger: SQL BEFORE triggers see and change key-value rows
// as tuples (columns by name), like strict rows.
func TestKVBeforeTrigger(t *testing.T) {
	d := openT(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("u", "db")
	defer s.Close()
	d.q(s, `CREATE COLLECTION cache TYPE KEY_VALUE`)
	d.q(s, `CREATE TRIGGER up BEFORE INSERT ON cache FOR EACH ROW BEGIN NEW.value := upper(NEW.value); END`)
	d.q(s, `INSERT INTO cache (key, value, ttl) VALUES ('k', 'abc', 100)`)
	require.Equal(t, "k|ABC|100", d.q(s, `SELECT * FROM cache`))
}
