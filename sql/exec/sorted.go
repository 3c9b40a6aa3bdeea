package exec

import (
	"bytes"
	"sort"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// Reads of sorted indexes (CREATE SORTED INDEX): RANK, TOPK, RANGE and
// SORTED_COUNT. A sorted index's entries are keys in index order under
// the index prefix (document.SortedEntry), written in the same batch as
// their rows, so every read here is an ordered scan of the statement's
// transaction: its snapshot plus its own writes. An entry whose
// key-value row has expired is skipped (its deadline is the entry's
// value), so expired keys are invisible at once, as in every other read.

// SortedIndexes finds indexes by name (the catalog does).
type SortedIndexes interface {
	FindIndex(name string) (*catalog.Collection, *catalog.Index, bool)
}

// ResolveSorted returns the collection and the sorted index named name:
// 42704 when there is no such index, 42809 when it is not a sorted one.
func ResolveSorted(cat SortedIndexes, name string) (*catalog.Collection, *catalog.Index, error) {
	coll, ix, ok := cat.FindIndex(name)
	if !ok {
		return nil, nil, errs.Errorf(errs.UndefinedObject, "sorted index %q does not exist", name)
	}
	if !ix.Sorted {
		return nil, nil, errs.Errorf(errs.WrongObjectType, "%q is not a sorted index", name)
	}
	return coll, ix, nil
}

// entryCursor walks sorted index entries in index order.
type entryCursor interface {
	Valid() bool
	Key() []byte
	Value() []byte
	Next()
	Close() error
}

// sortedLayout is the engine view of a sorted index.
func sortedLayout(ix *catalog.Index) document.IndexLayout {
	return document.IndexLayout{ID: ix.ID, Name: ix.Name, Sorted: true, Desc: ix.Desc}
}

// sortedIndexPos is the position of ix among coll's indexes.
func sortedIndexPos(coll *catalog.Collection, ix *catalog.Index) int {
	for i := range coll.Indexes {
		if coll.Indexes[i].ID == ix.ID {
			return i
		}
	}
	return -1
}

// openEntries returns the index's entries in [lo, hi). An index built
// after the transaction's snapshot has no entries the snapshot can see:
// they are then computed from the rows the snapshot holds.
func (env *Env) openEntries(coll *catalog.Collection, ix *catalog.Index, lo, hi []byte) (entryCursor, error) {
	if ix.CreatedLSN <= env.Txn.SnapshotLSN() {
		return env.Txn.NewIter(lo, hi)
	}
	pos := sortedIndexPos(coll, ix)
	if pos < 0 {
		return nil, errs.Errorf(errs.UndefinedObject, "sorted index %q does not exist", ix.Name)
	}
	prefix := storage.RowPrefix(coll.ID)
	it, err := env.Txn.NewIter(prefix, storage.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	il := sortedLayout(ix)
	c := &sliceCursor{}
	for ; it.Valid(); it.Next() {
		row, err := decodeRow(coll, it.Value())
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		pk, _, idx, err := rowParts(coll, row)
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		k, v := document.SortedEntry(il, idx[pos], document.EncodePK(pk))
		if k != nil && bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0) {
			c.ents = append(c.ents, [2][]byte{k, v})
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	sort.Slice(c.ents, func(i, j int) bool { return bytes.Compare(c.ents[i][0], c.ents[j][0]) < 0 })
	return c, nil
}

type sliceCursor struct {
	ents [][2][]byte
	i    int
}

func (c *sliceCursor) Valid() bool   { return c.i < len(c.ents) }
func (c *sliceCursor) Key() []byte   { return c.ents[c.i][0] }
func (c *sliceCursor) Value() []byte { return c.ents[c.i][1] }
func (c *sliceCursor) Next()         { c.i++ }
func (c *sliceCursor) Close() error  { return nil }

// sortedLive reports whether an entry's row is live (its deadline, the
// entry's value, has not passed).
func (env *Env) sortedLive(val []byte) (bool, error) {
	if len(val) == 0 {
		return true, nil
	}
	d, _, err := storage.DecodeKey(val)
	if err != nil {
		return false, errs.Errorf(errs.DataCorrupted, "sorted index entry: bad deadline: %w", err)
	}
	return !kv.Expired(d, env.now()), nil
}

// eachLive calls fn with the key of every live entry in [lo, hi), in
// index order, until fn says stop; the query's cancellation is checked
// every 4,096 entries.
func (env *Env) eachLive(coll *catalog.Collection, ix *catalog.Index, lo, hi []byte, fn func(key []byte) (more bool, err error)) error {
	c, err := env.openEntries(coll, ix, lo, hi)
	if err != nil {
		return err
	}
	if err := env.walkLive(c, fn); err != nil {
		_ = c.Close()
		return err
	}
	return c.Close()
}

func (env *Env) walkLive(c entryCursor, fn func(key []byte) (bool, error)) error {
	for n := 1; c.Valid(); c.Next() {
		if n%4096 == 0 {
			if err := checkCtx(env.Ctx); err != nil {
				return err
			}
		}
		n++
		live, err := env.sortedLive(c.Value())
		if err != nil {
			return err
		}
		if !live {
			continue
		}
		if more, err := fn(c.Key()); err != nil || !more {
			return err
		}
	}
	return nil
}

// countLive counts the live entries in [lo, hi).
func (env *Env) countLive(coll *catalog.Collection, ix *catalog.Index, lo, hi []byte) (int64, error) {
	var n int64
	err := env.eachLive(coll, ix, lo, hi, func([]byte) (bool, error) { n++; return true, nil })
	return n, err
}

// SortedCount counts the live entries of a sorted index (SORTED_COUNT):
// one scan of the index.
func (env *Env) SortedCount(coll *catalog.Collection, ix *catalog.Index) (int64, error) {
	p := storage.IndexPrefix(ix.ID)
	return env.countLive(coll, ix, p, storage.PrefixEnd(p))
}

// keyArg converts a key argument to the KEY column's type (in tuple
// collections) and normalizes it as index values are.
func keyArg(coll *catalog.Collection, col string, v types.Value) (types.Value, error) {
	if coll.Tuple() {
		if i := coll.ColumnIndex(col); i >= 0 {
			c, err := types.Coerce(v, coll.Columns[i].Type)
			if err != nil {
				return nil, err
			}
			v = c
		}
	}
	return indexValue(v), nil
}

// SortedRank returns the 1-based position of key's entry in index order
// (RANK), or NULL when the index holds no live entry for it. When KEY is
// the primary key, the row is read to find its entry and only the
// entries before it are counted (O(rank)); otherwise the index is
// scanned from the start until the key (O(rank), O(n) when absent). With
// several rows of one key (a non-unique KEY), the first ranks.
func (env *Env) SortedRank(coll *catalog.Collection, ix *catalog.Index, key types.Value) (types.Value, error) {
	if key == nil {
		return nil, nil
	}
	key, err := keyArg(coll, ix.Key, key)
	if err != nil {
		return nil, err
	}
	prefix := storage.IndexPrefix(ix.ID)
	if len(coll.PK) == 1 && coll.PK[0] == ix.Key {
		lay := Layout(coll)
		raw, ok, err := lay.Get(env.Txn, document.EncodePK([]any{key}))
		if err != nil || !ok {
			return nil, err
		}
		row, err := decodeRow(coll, raw)
		if err != nil {
			return nil, err
		}
		if ei := kvExpiresIdx(coll); ei >= 0 && kv.Expired(row[ei], env.now()) {
			return nil, nil
		}
		pos := sortedIndexPos(coll, ix)
		pk, _, idx, err := rowParts(coll, row)
		if err != nil {
			return nil, err
		}
		ek, _ := document.SortedEntry(sortedLayout(ix), idx[pos], document.EncodePK(pk))
		if ek == nil {
			return nil, nil // a NULL sort value: not in the index
		}
		n, err := env.countLive(coll, ix, prefix, ek)
		if err != nil {
			return nil, err
		}
		return n + 1, nil
	}
	var n int64
	var found bool
	err = env.eachLive(coll, ix, prefix, storage.PrefixEnd(prefix), func(k []byte) (bool, error) {
		n++
		_, kval, _, err := document.DecodeSortedEntry(ix.Desc, k)
		if err != nil {
			return false, errs.Errorf(errs.DataCorrupted, "%w", err)
		}
		found = types.Compare(kval, key) == 0
		return !found, nil
	})
	if err != nil || !found {
		return nil, err
	}
	return n, nil
}

// sortedRow is one output row of TOPK or RANGE.
func sortedRow(ix *catalog.Index, ts []types.T, rank int64, key []byte) (types.Row, error) {
	sv, kval, _, err := document.DecodeSortedEntry(ix.Desc, key)
	if err != nil {
		return nil, errs.Errorf(errs.DataCorrupted, "%w", err)
	}
	row := make(types.Row, 0, 2+len(sv))
	row = append(row, rank, outValue(kval, ts[1]))
	for i, v := range sv {
		row = append(row, outValue(v, ts[2+i]))
	}
	return row, nil
}

// outValue converts a value decoded from an index key to its column's
// type (index keys hold normalized values: 3.0 is stored as 3).
func outValue(v types.Value, t types.T) types.Value {
	if v == nil {
		return nil
	}
	if c, err := types.Cast(v, t); err == nil {
		return c
	}
	return types.FormatText(v)
}

// SortedTop returns the first k live entries in index order (TOPK): it
// reads k entries (plus any expired ones it skips), not the index.
// ts are the output column types (plan.FuncScan's).
func (env *Env) SortedTop(coll *catalog.Collection, ix *catalog.Index, ts []types.T, k int64) ([]types.Row, error) {
	if k < 0 {
		return nil, errs.Errorf(errs.InvalidParameterValue, "TOPK needs k >= 0, not %d", k)
	}
	prefix := storage.IndexPrefix(ix.ID)
	var rows []types.Row
	if k == 0 {
		return nil, nil
	}
	err := env.eachLive(coll, ix, prefix, storage.PrefixEnd(prefix), func(key []byte) (bool, error) {
		row, err := sortedRow(ix, ts, int64(len(rows))+1, key)
		if err != nil {
			return false, err
		}
		rows = append(rows, row)
		return int64(len(rows)) < k, nil
	})
	return rows, err
}

// boundKey is the encoding prefix every value equal to v starts with:
// numbers of every kind share NumberPrefix.
func boundKey(v types.Value) []byte {
	b := storage.AppendKey(nil, v)
	if len(b) > 9 && b[0] == storage.AppendKey(nil, int64(0))[0] {
		b = b[:9]
	}
	return b
}

// SortedRange returns the live entries whose first sort value lies in
// [lo, hi] (NULL: unbounded), in index order (RANGE), each with its rank
// in the whole index. It seeks to the range; the ranks cost a count of
// the entries before it.
func (env *Env) SortedRange(coll *catalog.Collection, ix *catalog.Index, ts []types.T, lo, hi types.Value) ([]types.Row, error) {
	var err error
	if lo != nil {
		if lo, err = keyArg(coll, ix.Columns[0], lo); err != nil {
			return nil, err
		}
	}
	if hi != nil {
		if hi, err = keyArg(coll, ix.Columns[0], hi); err != nil {
			return nil, err
		}
	}
	if lo != nil && hi != nil && types.Compare(lo, hi) > 0 {
		return nil, nil
	}
	prefix := storage.IndexPrefix(ix.ID)
	start, end := prefix, storage.PrefixEnd(prefix)
	first, last := lo, hi // in index order
	enc := func(v types.Value) []byte { return boundKey(v) }
	if ix.Desc[0] {
		first, last = hi, lo
		enc = func(v types.Value) []byte { return storage.Invert(boundKey(v)) }
	}
	if first != nil {
		start = append(append([]byte(nil), prefix...), enc(first)...)
	}
	if last != nil {
		end = storage.PrefixEnd(append(append([]byte(nil), prefix...), enc(last)...))
	}
	before, err := env.countLive(coll, ix, prefix, start)
	if err != nil {
		return nil, err
	}
	var rows []types.Row
	rank := before
	err = env.eachLive(coll, ix, start, end, func(key []byte) (bool, error) {
		rank++
		sv, _, _, err := document.DecodeSortedEntry(ix.Desc, key)
		if err != nil {
			return false, errs.Errorf(errs.DataCorrupted, "%w", err)
		}
		if (lo != nil && types.Compare(sv[0], lo) < 0) || (hi != nil && types.Compare(sv[0], hi) > 0) {
			return true, nil // inside the seek's prefix, outside the exact bounds
		}
		row, err := sortedRow(ix, ts, rank, key)
		if err != nil {
			return false, err
		}
		rows = append(rows, row)
		return true, nil
	})
	return rows, err
}
