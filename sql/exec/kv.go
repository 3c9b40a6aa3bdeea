package exec

import (
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// now is the clock key-value expiry reads.
func (env *Env) now() time.Time { return time.Now() }

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
	pk, id, idx := rowParts(coll, row)
	return false, lay.Delete(w, &document.Row{PK: pk, Value: raw, IdxVals: idx, RowID: id})
}
