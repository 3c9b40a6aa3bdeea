package exec

import (
	"bytes"
	"slices"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// An ordered index scan (plan.Scan.Order) returns its rows in the order of
// the index column after the ones pinned by equality, so that ORDER BY
// that column with a LIMIT reads as many rows as it returns. Index keys
// sort NULL first; PostgreSQL's default puts NULLs last in ascending and
// first in descending order, so the scan reads the NULL entries and the
// others as two segments, in the order asked for.

// indexOrder yields an ordered index scan's row keys, segment by segment,
// forward or backward.
type indexOrder struct {
	env  *Env
	lay  *document.Layout
	uniq bool
	segs [][2][]byte
	rev  bool
	fwd  *txn.Iterator
	bwd  *txn.ReverseIterator
	// keys: the row keys, in order, read beforehand (a backward scan in a
	// transaction with writes of its own, which a reverse iterator would
	// not see); nil when read as the scan goes.
	keys [][]byte
	read bool
	// segLo is the forward segment being read, until its first key is
	// noted as a seek hint (nil after).
	segLo, segHi []byte
}

// orderSegments are the key ranges an ordered scan of [lo, hi) reads, in
// order: base is the index prefix of the pinned columns' values, bounded
// tells whether a range bound on the ordered column excludes NULLs.
func orderSegments(s *plan.Scan, base, lo, hi []byte, bounded bool) [][2][]byte {
	if bounded {
		return [][2][]byte{{lo, hi}}
	}
	nullLo := storage.AppendKey(append([]byte(nil), base...), nil)
	nullHi := storage.PrefixEnd(nullLo)
	nulls, rest := [2][]byte{nullLo, nullHi}, [2][]byte{nullHi, hi}
	if s.NullsFirst == (s.Order > 0) {
		// ASC NULLS FIRST, DESC NULLS LAST: the keys' own order (read
		// backward for DESC).
		if s.Order > 0 {
			return [][2][]byte{nulls, rest}
		}
		return [][2][]byte{rest, nulls}
	}
	if s.Order > 0 {
		return [][2][]byte{rest, nulls}
	}
	return [][2][]byte{nulls, rest}
}

// next returns the next row key (false at the end).
func (o *indexOrder) next() ([]byte, bool, error) {
	if o.rev && o.env.Txn.HasWrites() && !o.read {
		if err := o.readAll(); err != nil {
			return nil, false, err
		}
	}
	if o.read {
		if len(o.keys) == 0 {
			return nil, false, nil
		}
		k := o.keys[0]
		o.keys = o.keys[1:]
		return k, true, nil
	}
	for {
		if err := o.open(); err != nil {
			return nil, false, err
		}
		var key, val []byte
		switch {
		case o.fwd != nil && o.fwd.Valid():
			key, val = o.fwd.Key(), o.fwd.Value()
			if o.segLo != nil {
				o.env.Txn.NoteFirstKey(o.segLo, key)
				o.segLo = nil
			}
		case o.bwd != nil && o.bwd.Valid():
			key, val = o.bwd.Key(), o.bwd.Value()
		case o.fwd == nil && o.bwd == nil && len(o.segs) == 0:
			return nil, false, nil
		default:
			if o.fwd != nil && o.segLo != nil {
				o.env.Txn.NoteFirstKey(o.segLo, o.segHi) // nothing visible in it
				o.segLo = nil
			}
			if err := o.closeIter(); err != nil {
				return nil, false, err
			}
			continue
		}
		pkb, err := document.PKFromIndexEntry(key, val, o.uniq)
		if err != nil {
			return nil, false, err
		}
		k := o.lay.Key(pkb)
		if o.fwd != nil {
			o.fwd.Next()
		} else {
			o.bwd.Prev()
		}
		return k, true, nil
	}
}

// open opens the iterator of the next segment when none is open.
func (o *indexOrder) open() error {
	if o.fwd != nil || o.bwd != nil || len(o.segs) == 0 {
		return nil
	}
	seg := o.segs[0]
	o.segs = o.segs[1:]
	var err error
	if bytes.Compare(seg[0], seg[1]) >= 0 {
		return nil
	}
	if o.rev {
		o.bwd, err = o.env.Txn.NewReverseIter(seg[0], seg[1])
	} else {
		o.fwd, err = o.env.Txn.NewIterHinted(seg[0], seg[1])
		o.segLo, o.segHi = seg[0], seg[1]
	}
	return err
}

func (o *indexOrder) closeIter() error {
	var err error
	if o.fwd != nil {
		err = o.fwd.Close()
		o.fwd = nil
	}
	if o.bwd != nil {
		err = o.bwd.Close()
		o.bwd = nil
	}
	return err
}

// readAll reads every segment forward (seeing the transaction's own
// writes) and keeps the row keys in backward order.
func (o *indexOrder) readAll() error {
	o.read = true
	for _, seg := range o.segs {
		if bytes.Compare(seg[0], seg[1]) >= 0 {
			continue
		}
		it, err := o.env.Txn.NewIter(seg[0], seg[1])
		if err != nil {
			return err
		}
		var keys [][]byte
		for ; it.Valid(); it.Next() {
			pkb, err := document.PKFromIndexEntry(it.Key(), it.Value(), o.uniq)
			if err != nil {
				_ = it.Close()
				return err
			}
			keys = append(keys, o.lay.Key(pkb))
		}
		if err := it.Close(); err != nil {
			return err
		}
		slices.Reverse(keys)
		o.keys = append(o.keys, keys...)
	}
	o.segs = nil
	return nil
}

// orderedFallback is an ordered scan whose index was built after the
// transaction's snapshot: it reads the rows (the residual filter holds the
// whole predicate), sorts them as the index would have returned them, and
// hands their keys to the scan to read in that order.
func (env *Env) orderedFallback(s *plan.Scan) (*scanIter, error) {
	full := &plan.Scan{Coll: s.Coll, Access: plan.AccessFull, Filter: s.Filter, Cols: s.Cols}
	rows, err := env.collect(full)
	if err != nil {
		return nil, err
	}
	cols := make([]int, len(s.Index.Columns))
	for i, c := range s.Index.Columns {
		cols[i] = s.Coll.ColumnIndex(c)
	}
	desc := s.Order < 0
	slices.SortStableFunc(rows, func(a, b scanned) int {
		for i, ci := range cols {
			nullsFirst := desc // the index's own order for the pinned and later columns
			if i == len(s.IndexEq) {
				nullsFirst = s.NullsFirst
			}
			if c := compareKey(a.row[ci], b.row[ci], desc, nullsFirst); c != 0 {
				return c
			}
		}
		return 0
	})
	si := env.newScanIter(s)
	si.keysGiven = true
	lay := Layout(s.Coll)
	for _, r := range rows {
		pk, _, _ := rowParts(s.Coll, r.row)
		si.rowKeys = append(si.rowKeys, lay.Key(document.EncodePK(pk)))
	}
	return si, nil
}
