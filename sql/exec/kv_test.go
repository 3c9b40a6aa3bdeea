package exec_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/sql/exec"
)

// TestKVPutPlainMatchesRow: overwriting a string key of a plain key-value
// collection encodes its row from the parts (kvPutPlain); the stored
// bytes must be those of the row the general path builds and encodes.
func TestKVPutPlainMatchesRow(t *testing.T) {
	d := openDB(t)
	_, err := d.run("CREATE COLLECTION kvp TYPE KEY_VALUE")
	require.NoError(t, err)
	coll, ok := d.cat.Get("kvp")
	require.True(t, ok)
	ctx := context.Background()
	// put writes key = val (over an existing value) and returns the stored row.
	put := func(key string, val []byte) []byte {
		tx := d.txm.Begin()
		defer tx.Rollback()
		sh, err := exec.NewKVShape(coll)
		require.NoError(t, err)
		env := &exec.Env{Ctx: ctx, Txn: tx, IDs: d.ids, Clock: time.Now(), Refs: d.cat}
		cur, err := env.KVGet(sh, key)
		require.NoError(t, err)
		require.NoError(t, env.KVPut(sh, cur, val, "", time.Time{}))
		raw, ok, err := exec.Layout(coll).Get(tx, document.EncodePK([]any{key}))
		require.NoError(t, err)
		require.True(t, ok)
		_, err = tx.Commit()
		require.NoError(t, err)
		return append([]byte(nil), raw...)
	}
	for _, c := range []struct{ key, val string }{
		{"k", "xxx"},
		{"k", ""},
		{"empty value's key", "a value of more than 31 bytes, so its header is longer"},
		{"k", strings.Repeat("v", 300)},
		{"k", strings.Repeat("v", 70000)},
		{"ключ", "\xff\xfe not UTF-8"},
		{strings.Repeat("K", 40), "1"},
	} {
		put(c.key, []byte("first")) // the key exists (the fast path needs a live key)
		fast := put(c.key, []byte(c.val))
		restore := exec.SetKVPlainPut(false)
		general := put(c.key, []byte(c.val))
		restore()
		require.Equal(t, general, fast, "key %q value %q", c.key, c.val)
	}
}
