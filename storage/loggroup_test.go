package storage_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/storage"
)

// TestLogGroupsReadInLSNOrder writes a log the way an upgraded directory
// holds it, one-record entries of format 4 followed by group entries, and
// reads it back from every starting LSN the way readers do: seek to
// LSNIndexKey(from+1), decode each entry, skip records at or below from.
// Every record must come back once, in LSN order, with its fields.
func TestLogGroupsReadInLSNOrder(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	require.NoError(t, err)
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	type rec struct {
		lsn    uint64
		coll   uint32
		vshard uint16
		raw    string
	}
	var want []rec
	b := st.DB().NewBatch()
	lsn := uint64(0)
	for range 50 { // format 4: a key per record
		lsn++
		r := rec{lsn, rng.Uint32N(5), uint16(rng.IntN(1024)), fmt.Sprintf("old-%d", lsn)}
		want = append(want, r)
		require.NoError(t, b.Set(storage.LSNIndexKey(lsn), storage.LSNIndexValue(r.coll, r.vshard, []byte(r.raw)), nil))
	}
	var g storage.LogGroup
	for range 40 { // format 5: groups of 1-20 records, LSNs with gaps
		for range 1 + rng.IntN(20) {
			lsn += 1 + uint64(rng.IntN(3))
			r := rec{lsn, rng.Uint32N(5), uint16(rng.IntN(1024)), string(bytes.Repeat([]byte{'x'}, rng.IntN(300)))}
			want = append(want, r)
			g.Add(r.lsn, r.coll, r.vshard, []byte(r.raw))
		}
		require.NoError(t, b.Set(g.Key(), g.Value(), nil))
		g.Reset()
	}
	require.NoError(t, b.Commit(pebble.Sync))

	read := func(from uint64) []rec {
		it, err := st.DB().NewIter(&pebble.IterOptions{LowerBound: storage.LSNIndexKey(from + 1), UpperBound: []byte{storage.TagLSNIndex + 1}})
		require.NoError(t, err)
		defer it.Close()
		out := []rec{}
		var recs []storage.LogRecord
		for it.First(); it.Valid(); it.Next() {
			var ok bool
			recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value())
			require.True(t, ok, "entry %x", it.Key())
			for _, r := range recs {
				if r.LSN > from {
					out = append(out, rec{r.LSN, r.Coll, r.VShard, string(r.Raw)})
				}
			}
		}
		return out
	}
	require.Equal(t, want, read(0))
	for i, r := range want {
		require.Equal(t, want[i+1:], read(r.lsn), "from %d", r.lsn)
		require.Equal(t, want[i:], read(r.lsn-1), "from %d", r.lsn-1)
	}
}

func TestLogGroupRejectsMalformed(t *testing.T) {
	var g storage.LogGroup
	g.Add(5, 1, 2, []byte("abc"))
	g.Add(7, 1, 3, []byte("de"))
	k, v := g.Key(), g.Value()
	recs, ok := storage.AppendLogRecords(nil, k, v)
	require.True(t, ok)
	require.Equal(t, []storage.LogRecord{{LSN: 5, Coll: 1, VShard: 2, Raw: []byte("abc")}, {LSN: 7, Coll: 1, VShard: 3, Raw: []byte("de")}}, recs)
	bad := map[string][2][]byte{
		"truncated":        {k, v[:len(v)-1]},
		"key LSN differs":  {append(storage.LSNIndexKey(8), 'g'), v},
		"unknown version":  {k, append([]byte{9}, v[1:]...)},
		"unknown suffix":   {append(storage.LSNIndexKey(7), 'x'), v},
		"empty group":      {k, []byte{1}},
		"no value":         {k, nil},
		"short old record": {storage.LSNIndexKey(7), []byte{0, 0}},
	}
	for name, kv := range bad {
		_, ok := storage.AppendLogRecords(nil, kv[0], kv[1])
		require.False(t, ok, name)
	}
}

// FuzzLogRecords: no entry panics the decoder, every record it accepts
// lies inside the value, LSNs increase and end at the key's.
func FuzzLogRecords(f *testing.F) {
	var g storage.LogGroup
	g.Add(3, 1, 1, []byte("a"))
	g.Add(4, 2, 9, nil)
	f.Add(g.Key(), g.Value())
	f.Add(storage.LSNIndexKey(3), storage.LSNIndexValue(1, 1, []byte("r")))
	f.Add(append(storage.LSNIndexKey(1), 'g'), []byte{1, 1, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		recs, ok := storage.AppendLogRecords(nil, k, v)
		if !ok {
			return
		}
		var prev uint64
		for i, r := range recs {
			if i > 0 && r.LSN <= prev {
				t.Fatalf("LSNs do not increase: %d after %d", r.LSN, prev)
			}
			prev = r.LSN
		}
		if len(recs) == 0 {
			t.Fatal("an accepted entry has no record")
		}
	})
}
