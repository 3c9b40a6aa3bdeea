package exec

import (
	"bytes"
	"slices"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// now is the clock key-value expiry reads.
func (env *Env) now() time.Time {
	if !env.Clock.IsZero() {
		return env.Clock
	}
	return time.Now()
}

// kvStamp sets a key-value row's expiry deadline from its ttl column: a
// row replacing old keeps old's deadline while the ttl is unchanged; a new
// row without a ttl takes the collection's default TTL.
func kvStamp(coll *catalog.Collection, row, old types.Row, now time.Time) error {
	ti, ei := coll.ColumnIndex(kv.TTLColumn), coll.ColumnIndex(kv.ExpiresColumn)
	if ti < 0 || ei < 0 {
		return errs.Errorf(errs.DataCorrupted, "key-value collection %q lacks its ttl columns", coll.Name)
	}
	ttl := row[ti]
	switch {
	case old != nil && types.CompareNullsFirst(old[ti], ttl) == 0:
		row[ei] = old[ei]
	case ttl != nil:
		secs, ok := ttl.(int64)
		if !ok {
			return errs.Errorf(errs.DatatypeMismatch, "column %q must be an integer number of seconds", kv.TTLColumn)
		}
		if secs <= 0 {
			return errs.Errorf(errs.InvalidParameterValue, "ttl must be a positive number of seconds, not %d", secs)
		}
		row[ei] = kv.Deadline(now, time.Duration(secs)*time.Second)
	case old == nil && coll.DefaultTTLMs > 0:
		d := time.Duration(coll.DefaultTTLMs) * time.Millisecond
		row[ti] = kv.TTLSeconds(d)
		row[ei] = kv.Deadline(now, d)
	default:
		row[ei] = nil
	}
	return nil
}

// kvExpiresIdx returns the position of a key-value collection's deadline
// column, or -1 for other collections.
func kvExpiresIdx(coll *catalog.Collection) int {
	if coll.Kind != catalog.KeyValue {
		return -1
	}
	return coll.ColumnIndex(kv.ExpiresColumn)
}

// kvLive reports whether a stored key-value row is live; an expired one
// is deleted in w (recording its DELETE) and reported absent.
func (env *Env) kvLive(coll *catalog.Collection, lay *document.Layout, w document.Writer, raw []byte) (bool, error) {
	row, err := decodeRow(coll, raw)
	if err != nil {
		return false, err
	}
	if !kv.Expired(row[kvExpiresIdx(coll)], env.now()) {
		return true, nil
	}
	pk, id, idx, err := rowParts(coll, row)
	if err != nil {
		return false, err
	}
	return false, lay.Delete(w, &document.Row{PK: pk, Value: raw, IdxVals: idx, RowID: id})
}

// kvFreeUniques deletes the expired rows of a key-value collection that
// still hold a unique index value row is about to take: an expired key is
// gone, so its values must not block new keys before the reclaimer runs.
func (env *Env) kvFreeUniques(coll *catalog.Collection, row types.Row) error {
	if coll.Kind != catalog.KeyValue || !slices.ContainsFunc(coll.Indexes, func(ix catalog.Index) bool { return ix.Unique }) {
		return nil
	}
	pk, _, idx, err := rowParts(coll, row)
	if err != nil {
		return err
	}
	pkb := document.EncodePK(pk)
	var lay *document.Layout
	for i, ix := range coll.Indexes {
		if !ix.Unique || idx[i] == nil {
			continue
		}
		key := storage.IndexPrefix(ix.ID)
		hasNull := false
		for _, v := range idx[i] {
			hasNull = hasNull || v == nil
			key = storage.AppendKey(key, v)
		}
		if hasNull {
			continue // NULLs never collide
		}
		owner, ok, err := env.Txn.Get(key)
		if err != nil {
			return err
		}
		if !ok || bytes.Equal(owner, pkb) {
			continue
		}
		if lay == nil {
			lay = Layout(coll)
		}
		raw, ok, err := lay.Get(env.Txn, owner)
		if err != nil || !ok {
			return err
		}
		if _, err := env.kvLive(coll, lay, writer{env.Txn}, raw); err != nil {
			return err
		}
	}
	return nil
}

// KVShape locates the columns of a key-value collection the key-value API
// reads and writes.
type KVShape struct {
	Coll    *catalog.Collection
	Key     int // the primary-key column
	Value   int // the value column: "value", else the first other visible column; -1 when none
	TTL     int
	Expires int
	Kind    int // the hidden value kind (NULL: string)

	// plain: a strict collection of just the key, value, ttl, deadline and
	// kind columns whose only indexes are plain ones on the deadline (what
	// RESP creates): a live key's new row then needs nothing of its old
	// row but the entry's fields.
	plain  bool
	nilIdx [][]any // a plain collection's index values without a deadline (read only)
	// plainText: plain, with a TEXT value column (what RESP creates), so
	// a string value is stored as it is (kvPutPlain).
	plainText bool

	lay *document.Layout
}

// NewKVShape returns the shape of a key-value collection (42809 for other
// kinds).
func NewKVShape(coll *catalog.Collection) (*KVShape, error) {
	if coll.Kind != catalog.KeyValue {
		return nil, errs.Errorf(errs.WrongObjectType, "%q is not a key-value collection", coll.Name)
	}
	sh := &KVShape{Coll: coll, Key: coll.ColumnIndex(coll.PK[0]), Value: coll.ColumnIndex(kv.ValueColumn),
		TTL: coll.ColumnIndex(kv.TTLColumn), Expires: coll.ColumnIndex(kv.ExpiresColumn), Kind: coll.ColumnIndex(kv.KindColumn)}
	if sh.TTL < 0 || sh.Expires < 0 || sh.Kind < 0 {
		return nil, errs.Errorf(errs.DataCorrupted, "key-value collection %q lacks its ttl columns", coll.Name)
	}
	if sh.Value < 0 {
		for i, c := range coll.Columns {
			if i != sh.Key && i != sh.TTL && !c.Hidden {
				sh.Value = i
				break
			}
		}
	}
	// Five columns, each one of the five: nothing else to keep.
	sh.plain = coll.Tuple() && sh.Value >= 0 && len(coll.Columns) == 5
	for i := range coll.Columns {
		if i != sh.Key && i != sh.Value && i != sh.TTL && i != sh.Expires && i != sh.Kind {
			sh.plain = false
		}
	}
	for _, ix := range coll.Indexes {
		if ix.Sorted || ix.Unique || len(ix.Columns) != 1 || ix.Columns[0] != kv.ExpiresColumn {
			sh.plain = false
		}
	}
	sh.plainText = sh.plain && coll.Columns[sh.Value].Type == types.Text
	if sh.plain {
		for range coll.Indexes {
			sh.nilIdx = append(sh.nilIdx, []any{nil})
		}
	}
	return sh, nil
}

// KVEntry is what a key holds as the key-value API sees it.
type KVEntry struct {
	Key     string
	Live    bool      // the key exists and has not expired
	Value   []byte    // the value column as text (nil when NULL or absent)
	Null    bool      // the value column is NULL
	Expires time.Time // zero when the key never expires
	Kind    string    // "" for a string, kv.KindHash, kv.KindZSet

	row    types.Row // stored row (also when expired)
	raw    []byte
	pkb    []byte // the encoded primary key (set by KVGet)
	rowKey []byte // the row's key (set by KVGet)
	ttl    any    // the stored ttl column (strict rows)
	exp    any    // the stored deadline column (strict rows)
}

func (sh *KVShape) layout() *document.Layout {
	if sh.lay == nil {
		sh.lay = Layout(sh.Coll)
	}
	return sh.lay
}

// storedRow is the entry's stored row, decoded on first use (a GET needs
// only the columns fill reads).
func (e *KVEntry) storedRow(sh *KVShape) (types.Row, error) {
	if e.row == nil && e.raw != nil {
		row, err := decodeRow(sh.Coll, e.raw)
		if err != nil {
			return nil, err
		}
		e.row = row
	}
	return e.row, nil
}

// stored is the engine view of the entry's stored row (read earlier).
func (e *KVEntry) stored(sh *KVShape) (*document.Row, error) {
	row, err := e.storedRow(sh)
	if err != nil {
		return nil, err
	}
	pk, id, idx, err := rowParts(sh.Coll, row)
	if err != nil {
		return nil, err
	}
	return &document.Row{PK: pk, Value: e.raw, IdxVals: idx, RowID: id}, nil
}

// keys returns key's row key and encoded primary key (document.EncodePK
// of []any{key}), the second the tail of the first (one allocation).
func (sh *KVShape) keys(key string) (rowKey, pkb []byte) {
	b := make([]byte, storage.RowKeyPrefixLen, storage.RowKeyPrefixLen+len(key)+8)
	b = sh.layout().KeyInPlace(storage.AppendKeyString(b, key))
	return b, b[storage.RowKeyPrefixLen:]
}

// kvKeyCache keeps the keys KVShape.keys made for the last key read; they
// are never changed, so the transaction may keep them as well.
type kvKeyCache struct {
	sh          *KVShape
	key         string
	rowKey, pkb []byte
}

// KVGet reads one key in the environment's transaction.
func (env *Env) KVGet(sh *KVShape, key string) (KVEntry, error) {
	e := KVEntry{Key: key}
	if c := &env.kvKey; c.sh == sh && c.key == key {
		e.rowKey, e.pkb = c.rowKey, c.pkb
	} else {
		e.rowKey, e.pkb = sh.keys(key)
		*c = kvKeyCache{sh: sh, key: key, rowKey: e.rowKey, pkb: e.pkb}
	}
	raw, ok, err := env.Txn.Get(e.rowKey)
	if err != nil || !ok {
		return e, err
	}
	e.raw = raw
	if err := e.fill(sh, env.now()); err != nil {
		return KVEntry{Key: key, pkb: e.pkb, rowKey: e.rowKey}, err
	}
	return e, nil
}

// fill sets the entry's fields from its stored row, decoding only the
// deadline, kind and value columns; a text value aliases raw (which may
// be shared: see txn.Txn.Get).
func (e *KVEntry) fill(sh *KVShape, now time.Time) error {
	var exp, kind, val any
	var text []byte // the value when it is text (isText)
	var isText bool
	if sh.Coll.Tuple() {
		var vals [4]any
		idx := [4]int{sh.Expires, sh.Kind, sh.Value, sh.TTL}
		var err error
		if text, isText, err = document.ReadColumns(e.raw, idx[:], sh.Value, vals[:]); err != nil {
			return errs.Errorf(errs.DataCorrupted, "collection %s: %w", sh.Coll.Name, err)
		}
		exp, kind, val, e.ttl = vals[0], vals[1], vals[2], vals[3]
		e.exp = exp
	} else {
		row, err := e.storedRow(sh)
		if err != nil {
			return err
		}
		exp, kind = row[sh.Expires], row[sh.Kind]
		if sh.Value >= 0 {
			val = row[sh.Value]
		}
	}
	if kv.Expired(exp, now) {
		return nil
	}
	e.Live = true
	if t, ok := exp.(time.Time); ok {
		e.Expires = t
	}
	e.Kind, _ = kind.(string)
	if sh.Value < 0 {
		e.Null = true
		return nil
	}
	switch v := val.(type) {
	case nil:
		e.Value, e.Null = text, !isText
	case string:
		e.Value = []byte(v)
	case []byte:
		e.Value = v
	default:
		e.Value = []byte(types.FormatText(v))
	}
	return nil
}

// KVPut writes key's value, value kind ("" for a string) and deadline
// (zero: none) over the entry cur read in the same transaction. Other
// columns of a live row are kept; the ttl column is kept when the deadline
// is unchanged and otherwise set to the remaining whole seconds.
func (env *Env) KVPut(sh *KVShape, cur KVEntry, val []byte, kind string, expires time.Time) error {
	if sh.Value < 0 {
		return errs.Errorf(errs.WrongObjectType, "key-value collection %q has no value column", sh.Coll.Name)
	}
	if kvPlainPut && sh.plainText && cur.Live && cur.rowKey != nil && kind == "" && cur.exp == nil && expires.IsZero() {
		return env.kvPutPlain(sh, cur, val)
	}
	var row types.Row
	switch {
	case cur.Live && sh.plain:
		// Every column is set below; the ttl is kept with the deadline.
		row = make(types.Row, len(sh.Coll.Columns))
		row[sh.TTL], row[sh.Expires] = cur.ttl, cur.exp
	case cur.Live:
		stored, err := cur.storedRow(sh)
		if err != nil {
			return err
		}
		row = append(types.Row(nil), stored...)
	default:
		row = make(types.Row, len(sh.Coll.Columns))
	}
	row[sh.Key] = cur.Key
	v, err := types.Coerce(string(val), sh.Coll.Columns[sh.Value].Type)
	if err != nil {
		return err
	}
	row[sh.Value] = v
	row[sh.Kind] = nil
	if kind != "" {
		row[sh.Kind] = kind
	}
	now := env.now()
	switch {
	case expires.IsZero():
		row[sh.TTL], row[sh.Expires] = nil, nil
	case cur.Live && expires.Equal(cur.Expires):
	default:
		row[sh.TTL] = kv.TTLSeconds(expires.Sub(now))
		row[sh.Expires] = expires.UTC()
	}
	return env.kvWrite(sh, cur, row)
}

// kvPlainPut enables kvPutPlain (tests compare it with the general path).
var kvPlainPut = true

// kvPutPlain is KVPut's common case, a string value over a live string
// without a deadline in a plain collection with a text value column: the
// new row is encoded from its parts, as EncodeTuple encodes the row KVPut
// would build, and only the row changes (the deadline index keeps its NULL
// entry).
func (env *Env) kvPutPlain(sh *KVShape, cur KVEntry, val []byte) error {
	b := make([]byte, 0, 8+len(cur.Key)+len(val)+len(sh.Coll.Columns))
	b = document.AppendTupleHeader(b, len(sh.Coll.Columns))
	for i := range sh.Coll.Columns {
		switch i {
		case sh.Key:
			b = document.AppendTextString(b, cur.Key)
		case sh.Value:
			b = document.AppendText(b, val)
		default: // ttl, deadline, kind: NULL
			b, _ = document.AppendValue(b, nil)
		}
	}
	return sh.layout().UpdateInPlace(ownedWriter{writer{env.Txn}}, cur.rowKey, cur.pkb,
		&document.Row{Value: cur.raw, IdxVals: sh.nilIdx},
		&document.Row{Value: b, IdxVals: sh.nilIdx, RowID: cur.Key})
}

// KVExpire changes a live key's deadline (zero: persist) keeping its value.
func (env *Env) KVExpire(sh *KVShape, cur KVEntry, expires time.Time) error {
	stored, err := cur.storedRow(sh)
	if err != nil {
		return err
	}
	row := append(types.Row(nil), stored...)
	if expires.IsZero() {
		row[sh.TTL], row[sh.Expires] = nil, nil
	} else {
		row[sh.TTL] = kv.TTLSeconds(expires.Sub(env.now()))
		row[sh.Expires] = expires.UTC()
	}
	return env.kvWrite(sh, cur, row)
}

func (env *Env) kvWrite(sh *KVShape, cur KVEntry, row types.Row) error {
	lay, w := sh.layout(), writer{env.Txn}
	if sh.plain && cur.Live && cur.rowKey != nil {
		// A plain collection has no unique index and its row no column
		// that may be NULL but the optional ones; the old index values
		// are the old deadline's. The row key (read for this write) and
		// the encoded row are the transaction's to keep.
		val, err := document.EncodeTuple(row)
		if err != nil {
			return errs.Errorf(errs.InternalError, "encode row: %w", err)
		}
		oldIdx, newIdx := sh.nilIdx, sh.nilIdx
		if cur.exp != nil || row[sh.Expires] != nil {
			oldIdx = make([][]any, len(sh.Coll.Indexes))
			for i := range oldIdx {
				oldIdx[i] = []any{indexValue(cur.exp)}
			}
			var err error
			if newIdx, err = indexValues(sh.Coll, row); err != nil {
				return err
			}
		}
		return lay.UpdateInPlace(ownedWriter{w}, cur.rowKey, cur.pkb,
			&document.Row{Value: cur.raw, IdxVals: oldIdx},
			&document.Row{Value: val, IdxVals: newIdx, RowID: cur.Key})
	}
	if err := env.kvFreeUniques(sh.Coll, row); err != nil {
		return err
	}
	nr, err := env.encodeStored(sh.Coll, row, nil)
	if err != nil {
		return err
	}
	if cur.raw == nil {
		return lay.InsertAbsent(w, nr)
	}
	if cur.Live && cur.rowKey != nil {
		// The key, and so the encoded primary key, stays: only the old
		// index values are needed of the stored row.
		stored, err := cur.storedRow(sh)
		if err != nil {
			return err
		}
		oldIdx, err := indexValues(sh.Coll, stored)
		if err != nil {
			return err
		}
		old := &document.Row{Value: cur.raw, IdxVals: oldIdx}
		return lay.UpdateInPlace(w, cur.rowKey, cur.pkb, old, nr)
	}
	old, err := cur.stored(sh)
	if err != nil {
		return err
	}
	if cur.Live {
		return lay.Update(w, old, nr)
	}
	if err := lay.Delete(w, old); err != nil {
		return err
	}
	return lay.InsertAbsent(w, nr)
}

// KVDelete deletes the stored row of an entry (live or expired).
func (env *Env) KVDelete(sh *KVShape, cur KVEntry) error {
	if cur.raw == nil {
		return nil
	}
	old, err := cur.stored(sh)
	if err != nil {
		return err
	}
	return sh.layout().Delete(writer{env.Txn}, old)
}

// KVScan lists live keys matching pattern (nil: all) from vShard from on,
// whole vShards at a time, until at least count keys were seen. next is
// the vShard to resume from, 0 when the scan is complete.
func (env *Env) KVScan(sh *KVShape, from uint16, count int, pattern []byte) (keys []string, next uint16, err error) {
	id := sh.Coll.ID
	lo := storage.RowKey(id, from, nil)
	it, err := env.Txn.NewIter(lo, storage.PrefixEnd(storage.RowPrefix(id)))
	if err != nil {
		return nil, 0, err
	}
	defer func() {
		if cerr := it.Close(); err == nil {
			err = cerr
		}
	}()
	now := env.now()
	seen := 0
	cur := from
	for ; it.Valid(); it.Next() {
		vs, _ := storage.SplitRowKey(it.Key())
		if vs != cur {
			if seen >= count {
				return keys, vs, nil
			}
			cur = vs
		}
		if seen%1024 == 1023 {
			if err := checkCtx(env.Ctx); err != nil {
				return nil, 0, err
			}
		}
		seen++
		row, err := decodeRow(sh.Coll, it.Value())
		if err != nil {
			return nil, 0, err
		}
		if kv.Expired(row[sh.Expires], now) {
			continue
		}
		k, _ := row[sh.Key].(string)
		if pattern == nil || kv.Match(pattern, []byte(k)) {
			keys = append(keys, k)
		}
	}
	return keys, 0, nil
}

// KVCount counts the live keys of a collection.
func (env *Env) KVCount(sh *KVShape) (int64, error) {
	si, err := env.openScan(&plan.Scan{Coll: sh.Coll, Access: plan.AccessFull})
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		_, _, ok, err := si.next()
		if err != nil {
			_ = si.Close()
			return 0, err
		}
		if !ok {
			break
		}
		n++
	}
	return n, si.Close()
}

// KVReclaim deletes up to limit keys whose deadline passed, found through
// the expiry index; it returns how many it deleted.
func (env *Env) KVReclaim(sh *KVShape, limit int) (int, error) {
	ix, ok := sh.Coll.IndexByName(kv.ExpiryIndexName(sh.Coll.Name))
	if !ok {
		return 0, nil
	}
	now := env.now()
	prefix := storage.IndexPrefix(ix.ID)
	lo := append(append([]byte(nil), prefix...), storage.AppendKey(nil, time.Time{})[0]) // first deadline
	hi := storage.AppendKey(append([]byte(nil), prefix...), now)
	it, err := env.Txn.NewIter(lo, hi)
	if err != nil {
		return 0, err
	}
	var pks [][]byte
	for ; it.Valid() && len(pks) < limit; it.Next() {
		pkb, err := document.PKFromIndexEntry(it.Key(), it.Value(), false)
		if err != nil {
			_ = it.Close()
			return 0, err
		}
		pks = append(pks, append([]byte(nil), pkb...))
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	lay, w := sh.layout(), writer{env.Txn}
	n := 0
	for _, pkb := range pks {
		raw, ok, err := lay.Get(env.Txn, pkb)
		if err != nil {
			return n, err
		}
		if !ok {
			continue
		}
		row, err := decodeRow(sh.Coll, raw)
		if err != nil {
			return n, err
		}
		if !kv.Expired(row[sh.Expires], now) {
			continue
		}
		pk, id, idx, err := rowParts(sh.Coll, row)
		if err != nil {
			return n, err
		}
		if err := lay.Delete(w, &document.Row{PK: pk, Value: raw, IdxVals: idx, RowID: id}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
