package document

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Reader is what the engine needs to read: a transaction's snapshot view.
type Reader interface {
	Get(key []byte) ([]byte, bool, error)
}

// Writer buffers the engine's writes and row changes in a transaction.
type Writer interface {
	Reader
	Set(key, val []byte)
	Delete(key []byte)
	RecordChange(c Change)
}

// keyOwner is a Writer that can keep a key without copying it; the
// engine hands it the keys it builds for one write and never changes
// afterwards (index entries, row keys of deletes), saving a copy each.
type keyOwner interface {
	SetOwnedKey(key, val []byte)
	DeleteOwnedKey(key []byte)
}

// setBuilt is w.Set(key, val) for a key built for this write alone.
func setBuilt(w Writer, key, val []byte) {
	if o, ok := w.(keyOwner); ok {
		o.SetOwnedKey(key, val)
		return
	}
	w.Set(key, val)
}

// deleteBuilt is w.Delete(key) for a key built for this write alone.
func deleteBuilt(w Writer, key []byte) {
	if o, ok := w.(keyOwner); ok {
		o.DeleteOwnedKey(key)
		return
	}
	w.Delete(key)
}

// Change is one row change, recorded for the change log.
type Change struct {
	Collection uint32
	CollName   string
	VShard     uint16
	PK         []byte
	RowID      string
	Op         byte // 'I', 'U', 'D'
	Old, New   []byte
}

// Layout is what the engine knows of a collection: ids and index ids. The
// caller computes key values (primary key and index values) from rows.
type Layout struct {
	ID      uint32
	Name    string
	Indexes []IndexLayout
	// ShardCols is how many leading primary-key values the vShard is
	// hashed from (0: all; see storage.VShardPrefix).
	ShardCols int
	// Placement, when set, is the name the vShard is hashed with instead
	// of Name (a renamed collection's rows stay where they are).
	Placement string
	// NoChanges: writes record no change events (a temporary table's).
	NoChanges bool
}

// VShard returns the vShard of a row by its encoded primary key.
func (l *Layout) VShard(pkb []byte) uint16 {
	name := l.Name
	if l.Placement != "" {
		name = l.Placement
	}
	return storage.VShardPrefix(name, pkb, l.ShardCols)
}

// IndexLayout is one secondary index.
type IndexLayout struct {
	ID     uint32
	Name   string
	Unique bool
	// Sorted marks a sorted index: its values are the sort columns (Desc
	// gives their directions), then the entry's key, then the row's expiry
	// deadline (a time.Time, or nil); see SortedEntry.
	Sorted bool
	Desc   []bool
}

// Row is a row as the engine stores it: its encoded value, its primary key
// values, and the values of each index (same order as Layout.Indexes); nil
// values mean the row has no entry in that index (a partial index whose
// predicate the row does not satisfy).
type Row struct {
	PK      []any
	Value   []byte
	IdxVals [][]any
	RowID   string
}

// EncodePK encodes primary-key values (order-preserving).
func EncodePK(pk []any) []byte {
	b := make([]byte, 0, keySize(pk))
	for _, v := range pk {
		b = storage.AppendKey(b, v)
	}
	return b
}

// keySize is about the size of vals encoded by storage.AppendKey (exact
// for the common types), so a key is built in one allocation.
func keySize(vals []any) int {
	n := 0
	for _, v := range vals {
		switch x := v.(type) {
		case int64, float64:
			n += 18
		case string:
			n += len(x) + 3
		case []byte:
			n += len(x) + 3
		default:
			n += 24
		}
	}
	return n
}

// DecodePK decodes n primary-key values.
func DecodePK(b []byte, n int) ([]any, error) {
	out := make([]any, 0, n)
	for i := 0; i < n; i++ {
		v, rest, err := storage.DecodeKey(b)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		b = rest
	}
	return out, nil
}

// Key returns the row key of a primary key in a collection.
func (l *Layout) Key(pkb []byte) []byte {
	return storage.RowKey(l.ID, l.VShard(pkb), pkb)
}

// KeyInPlace is Key for a buffer holding storage.RowKeyPrefixLen bytes of
// room and then the encoded primary key: it fills the room and returns b,
// whose tail stays the encoded primary key.
func (l *Layout) KeyInPlace(b []byte) []byte {
	pkb := b[storage.RowKeyPrefixLen:]
	storage.PutRowKeyPrefix(b, l.ID, l.VShard(pkb))
	return b
}

// Get reads a row's stored value by encoded primary key.
func (l *Layout) Get(r Reader, pkb []byte) ([]byte, bool, error) {
	return r.Get(l.Key(pkb))
}

// Prober is a Reader with a cheaper lookup for keys that are probably
// absent (txn.Txn.Probe).
type Prober interface {
	Probe(key []byte) ([]byte, bool, error)
}

// Probe reads a row that is probably absent (an INSERT's primary key).
func (l *Layout) Probe(r Reader, pkb []byte) ([]byte, bool, error) { return probe(r, l.Key(pkb)) }

func probe(r Reader, key []byte) ([]byte, bool, error) {
	if p, ok := r.(Prober); ok {
		return p.Probe(key)
	}
	return r.Get(key)
}

// indexKey builds an index key. Unique indexes store one key per value
// tuple (the value is the primary key) unless a value is NULL: NULLs never
// collide, so such entries carry the primary key in the key like
// non-unique entries do.
func indexKey(ix IndexLayout, vals []any, pkb []byte) (key []byte, unique bool) {
	key = storage.AppendIndexPrefix(make([]byte, 0, storage.IndexPrefixLen+keySize(vals)+1+len(pkb)), ix.ID)
	hasNull := false
	for _, v := range vals {
		if v == nil {
			hasNull = true
		}
		key = storage.AppendKey(key, v)
	}
	if ix.Unique && !hasNull {
		return key, true
	}
	// Separate the pk so that a prefix scan on values stays exact.
	key = append(key, 0xff)
	return append(key, pkb...), false
}

// UniqueIndexKey returns the key of a unique index's entry for values
// vals (its value is the primary key of the row holding them); ok is
// false when a value is NULL (such entries never collide).
func UniqueIndexKey(ix IndexLayout, vals []any) (key []byte, ok bool) {
	key, ok = indexKey(ix, vals, nil)
	if !ok {
		return nil, false
	}
	return key, true
}

// SortedEntry returns the entry of a sorted index for a row: the key is
// the index prefix, each sort value (inverted when descending), the
// entry's key value and the row's encoded primary key; the value is the
// row's expiry deadline (AppendKey of a time.Time) or empty. vals holds
// the sort values, the key value and the deadline. A row with a NULL sort
// or key value has no entry (key nil).
func SortedEntry(ix IndexLayout, vals []any, pkb []byte) (key, val []byte) {
	n := len(ix.Desc)
	if len(vals) != n+2 {
		return nil, nil
	}
	key = storage.AppendIndexPrefix(make([]byte, 0, storage.IndexPrefixLen+keySize(vals[:n+1])+len(pkb)), ix.ID)
	for i, v := range vals[:n+1] {
		if v == nil {
			return nil, nil
		}
		if i < n && ix.Desc[i] {
			key = storage.AppendKeyDesc(key, v)
		} else {
			key = storage.AppendKey(key, v)
		}
	}
	key = append(key, pkb...)
	if vals[n+1] != nil {
		val = storage.AppendKey(nil, vals[n+1])
	}
	return key, val
}

// DecodeSortedEntry splits a sorted index entry's key (after the 5-byte
// index prefix) into its sort values, its key value and the encoded
// primary key.
func DecodeSortedEntry(desc []bool, key []byte) (sortVals []any, keyVal any, pkb []byte, err error) {
	b := key[5:]
	sortVals = make([]any, len(desc))
	for i, d := range desc {
		if d {
			sortVals[i], b, err = storage.DecodeKeyDesc(b)
		} else {
			sortVals[i], b, err = storage.DecodeKey(b)
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("document: sorted index entry: %w", err)
		}
	}
	if keyVal, b, err = storage.DecodeKey(b); err != nil {
		return nil, nil, nil, fmt.Errorf("document: sorted index entry: %w", err)
	}
	return sortVals, keyVal, b, nil
}

// IndexRange returns the key range [lo, hi) of index entries whose leading
// values encode with prefix valPrefix (from storage.AppendKey).
func IndexRange(indexID uint32, valPrefix []byte) (lo, hi []byte) {
	lo = append(storage.IndexPrefix(indexID), valPrefix...)
	return lo, storage.PrefixEnd(lo)
}

// PKFromIndexEntry returns the encoded primary key an index entry points at.
func PKFromIndexEntry(key, val []byte, unique bool) ([]byte, error) {
	if len(val) > 0 {
		return val, nil
	}
	// Non-unique (or NULL-bearing) entry: pk follows the 0xff separator
	// after the values. Values never contain a raw 0xff tag byte at a
	// value boundary, so decode values until the separator.
	b := key[5:]
	for len(b) > 0 && b[0] != 0xff {
		_, rest, err := storage.DecodeKey(b)
		if err != nil {
			return nil, err
		}
		b = rest
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("document: index entry without primary key")
	}
	return b[1:], nil
}

func uniqueViolation(l *Layout, ix IndexLayout) error {
	return errs.Errorf(errs.UniqueViolation, "duplicate key value violates unique constraint %q", ix.Name)
}

// Insert writes a new row. It fails with 23505 when the primary key or a
// unique index value exists. exists lets callers skip the pk read when they
// already know the answer (-1 unknown, 0 absent).
func (l *Layout) Insert(w Writer, row *Row) error {
	pkb := EncodePK(row.PK)
	key := l.Key(pkb)
	if _, ok, err := l.Probe(w, pkb); err != nil {
		return err
	} else if ok {
		return errs.Errorf(errs.UniqueViolation, "duplicate key value violates unique constraint %q", l.Name+"_pkey").
			WithDetail(fmt.Sprintf("Key (%s) already exists.", row.RowID))
	}
	return l.insertAbsent(w, row, pkb, key)
}

// InsertAbsent writes a new row whose primary key the caller has just
// read as absent in the same transaction (saving a second read). Unique
// indexes are still checked.
func (l *Layout) InsertAbsent(w Writer, row *Row) error {
	pkb := EncodePK(row.PK)
	return l.insertAbsent(w, row, pkb, l.Key(pkb))
}

func (l *Layout) insertAbsent(w Writer, row *Row, pkb, key []byte) error {
	if err := l.putIndexes(w, nil, row.IdxVals, pkb); err != nil {
		return err
	}
	w.Set(key, row.Value)
	if !l.NoChanges {
		w.RecordChange(Change{Collection: l.ID, CollName: l.Name, VShard: vshardOf(key), PK: pkb, RowID: row.RowID, Op: 'I', New: row.Value})
	}
	return nil
}

// Update replaces an existing row (same primary key) whose old value and
// index values are given.
func (l *Layout) Update(w Writer, old, row *Row) error {
	pkb := EncodePK(row.PK)
	oldPKB := EncodePK(old.PK)
	if !bytes.Equal(pkb, oldPKB) {
		// A primary-key change is a delete plus an insert.
		if err := l.Delete(w, old); err != nil {
			return err
		}
		return l.Insert(w, row)
	}
	return l.UpdateInPlace(w, l.Key(pkb), pkb, old, row)
}

// UpdateInPlace replaces an existing row, at key, whose encoded primary
// key pkb the new row keeps (the PK fields of old and row are not read):
// the caller has both at hand, as the key-value engine does.
func (l *Layout) UpdateInPlace(w Writer, key, pkb []byte, old, row *Row) error {
	if err := l.putIndexes(w, old.IdxVals, row.IdxVals, pkb); err != nil {
		return err
	}
	w.Set(key, row.Value)
	if !l.NoChanges {
		w.RecordChange(Change{Collection: l.ID, CollName: l.Name, VShard: vshardOf(key), PK: pkb, RowID: row.RowID, Op: 'U', Old: old.Value, New: row.Value})
	}
	return nil
}

// Delete removes an existing row.
func (l *Layout) Delete(w Writer, old *Row) error {
	pkb := EncodePK(old.PK)
	l.DeleteIndexEntries(w, old.IdxVals, pkb)
	key := l.Key(pkb)
	deleteBuilt(w, key)
	if !l.NoChanges {
		w.RecordChange(Change{Collection: l.ID, CollName: l.Name, VShard: vshardOf(key), PK: pkb, RowID: old.RowID, Op: 'D', Old: old.Value})
	}
	return nil
}

// DeleteIndexEntries deletes the index entries of a row with key pkb
// and index values vals (Row.IdxVals).
func (l *Layout) DeleteIndexEntries(w Writer, vals [][]any, pkb []byte) {
	for i, ix := range l.Indexes {
		if vals[i] == nil {
			continue // a partial index without an entry for the row
		}
		if ix.Sorted {
			if k, _ := SortedEntry(ix, vals[i], pkb); k != nil {
				deleteBuilt(w, k)
			}
			continue
		}
		k, _ := indexKey(ix, vals[i], pkb)
		deleteBuilt(w, k)
	}
}

// PutIndexEntries writes the index entries of a row with key pkb and
// index values vals, checking unique indexes first (23505).
func (l *Layout) PutIndexEntries(w Writer, vals [][]any, pkb []byte) error {
	return l.putIndexes(w, nil, vals, pkb)
}

// putIndexes moves index entries from old values (nil for a new row) to
// new. Every unique check runs before anything is written, so a failed
// write leaves no partial index entries behind.
func (l *Layout) putIndexes(w Writer, oldVals, newVals [][]any, pkb []byte) error {
	type put struct {
		del, key []byte
		uniq     bool
		val      []byte // a sorted entry's value (key nil: no new entry)
		sorted   bool
	}
	var buf [4]put
	puts := buf[:0]
	for i, ix := range l.Indexes {
		if oldVals != nil && sameValues(oldVals[i], newVals[i]) {
			continue // the same values give the same entry
		}
		if ix.Sorted {
			nk, nv := SortedEntry(ix, newVals[i], pkb)
			var ok, ov []byte
			if oldVals != nil {
				ok, ov = SortedEntry(ix, oldVals[i], pkb)
			}
			if bytes.Equal(ok, nk) {
				if (ok == nil) == (nk == nil) && bytes.Equal(ov, nv) {
					continue
				}
				ok = nil // same key, new value: overwrite
			}
			puts = append(puts, put{del: ok, key: nk, val: nv, sorted: true})
			continue
		}
		var ok []byte
		if oldVals != nil && oldVals[i] != nil {
			ok, _ = indexKey(ix, oldVals[i], pkb)
		}
		if newVals[i] == nil {
			// A partial index the new row has no entry in.
			if ok != nil {
				puts = append(puts, put{del: ok})
			}
			continue
		}
		nk, uniq := indexKey(ix, newVals[i], pkb)
		if bytes.Equal(ok, nk) {
			continue
		}
		if uniq {
			if v, found, err := probe(w, nk); err != nil {
				return err
			} else if found && !bytes.Equal(v, pkb) {
				return uniqueViolation(l, ix)
			}
		}
		puts = append(puts, put{del: ok, key: nk, uniq: uniq})
	}
	for _, p := range puts {
		if p.del != nil {
			w.Delete(p.del)
		}
		if p.sorted {
			if p.key != nil {
				w.Set(p.key, p.val)
			}
			continue
		}
		switch {
		case p.key == nil:
		case p.uniq:
			w.Set(p.key, pkb)
		default:
			w.Set(p.key, nil)
		}
	}
	return nil
}

// sameValues reports whether a and b are certainly the same index values:
// element by element both NULL, or equal values of one of the common
// scalar types. false may still mean equal; the caller then compares keys.
func sameValues(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i, x := range a {
		switch x := x.(type) {
		case nil:
			if b[i] != nil {
				return false
			}
		case int64:
			if y, ok := b[i].(int64); !ok || x != y {
				return false
			}
		case string:
			if y, ok := b[i].(string); !ok || x != y {
				return false
			}
		case bool:
			if y, ok := b[i].(bool); !ok || x != y {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// AddIndexEntry writes one row's entry into a (new) index: used to build
// an index over existing rows.
func AddIndexEntry(w Writer, ix IndexLayout, vals []any, pk []any) error {
	if vals == nil {
		return nil // a partial index without an entry for the row
	}
	pkb := EncodePK(pk)
	if ix.Sorted {
		if k, v := SortedEntry(ix, vals, pkb); k != nil {
			setBuilt(w, k, v)
		}
		return nil
	}
	k, uniq := indexKey(ix, vals, pkb)
	if uniq {
		if v, found, err := w.Get(k); err != nil {
			return err
		} else if found && !bytes.Equal(v, pkb) {
			return errs.Errorf(errs.UniqueViolation, "could not create unique index %q", ix.Name).
				WithDetail("Key values are duplicated.")
		}
		setBuilt(w, k, pkb)
		return nil
	}
	setBuilt(w, k, nil)
	return nil
}

func vshardOf(rowKey []byte) uint16 { return binary.BigEndian.Uint16(rowKey[5:7]) }
