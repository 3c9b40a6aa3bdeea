package exec

import (
	"bytes"
	"encoding/binary"
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
		pk, _ := rowPK(s.Coll, r.row)
		si.rowKeys = append(si.rowKeys, lay.Key(document.EncodePK(pk)))
	}
	return si, nil
}

// rowKeySource yields the row keys an ordered scan reads, in order.
type rowKeySource interface {
	next() ([]byte, bool, error)
	closeIter() error
}

// pkMerge yields a collection's row keys in primary-key order. Rows are
// spread over vShards by a hash of the key, each vShard's rows in key
// order, so it merges the vShards: it holds the next key of each and
// moves one iterator between them by seeking (an iterator each would
// cost more to open than the seeks). Opening it costs a seek per
// non-empty vShard; each row after that one more.
type pkMerge struct {
	env  *Env
	coll uint32
	rev  bool
	fwd  *txn.Iterator
	bwd  *txn.ReverseIterator
	heap [][]byte // the next key of each vShard not yet done, a heap by primary key
	init bool
	// keys: every row key, in order, read beforehand (a backward merge in
	// a transaction with writes of its own, which a reverse iterator would
	// not see); read says they were.
	keys [][]byte
	read bool
}

func (p *pkMerge) less(a, b []byte) bool {
	c := bytes.Compare(a[storage.RowKeyPrefixLen:], b[storage.RowKeyPrefixLen:])
	if p.rev {
		return c > 0
	}
	return c < 0
}

func (p *pkMerge) push(k []byte) {
	p.heap = append(p.heap, k)
	for i := len(p.heap) - 1; i > 0; {
		parent := (i - 1) / 2
		if !p.less(p.heap[i], p.heap[parent]) {
			break
		}
		p.heap[i], p.heap[parent] = p.heap[parent], p.heap[i]
		i = parent
	}
}

func (p *pkMerge) pop() []byte {
	top := p.heap[0]
	last := len(p.heap) - 1
	p.heap[0] = p.heap[last]
	p.heap = p.heap[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(p.heap) && p.less(p.heap[l], p.heap[m]) {
			m = l
		}
		if r < len(p.heap) && p.less(p.heap[r], p.heap[m]) {
			m = r
		}
		if m == i {
			return top
		}
		p.heap[i], p.heap[m] = p.heap[m], p.heap[i]
		i = m
	}
}

// vshardKey is the first key of vShard v (v == NumVShards: the end).
func (p *pkMerge) vshardKey(v int) []byte {
	if v >= storage.NumVShards {
		return storage.PrefixEnd(storage.RowPrefix(p.coll))
	}
	b := make([]byte, storage.RowKeyPrefixLen)
	storage.PutRowKeyPrefix(b, p.coll, uint16(v))
	return b
}

func sameVShard(a, b []byte) bool {
	return len(a) >= storage.RowKeyPrefixLen && len(b) >= storage.RowKeyPrefixLen &&
		bytes.Equal(a[:storage.RowKeyPrefixLen], b[:storage.RowKeyPrefixLen])
}

// start reads each non-empty vShard's first key (last, backward).
func (p *pkMerge) start() error {
	p.init = true
	lo := storage.RowPrefix(p.coll)
	hi := storage.PrefixEnd(lo)
	if p.rev && p.env.Txn.HasWrites() {
		return p.readAll(lo, hi)
	}
	var err error
	if !p.rev {
		if p.fwd, err = p.env.Txn.NewIter(lo, hi); err != nil {
			return err
		}
		for v := 0; v < storage.NumVShards; {
			p.fwd.SeekGE(p.vshardKey(v))
			if !p.fwd.Valid() {
				break
			}
			k := bytes.Clone(p.fwd.Key())
			p.push(k)
			v = int(binary.BigEndian.Uint16(k[5:storage.RowKeyPrefixLen])) + 1
		}
		return nil
	}
	if p.bwd, err = p.env.Txn.NewReverseIter(lo, hi); err != nil {
		return err
	}
	for v := storage.NumVShards - 1; v >= 0; {
		p.bwd.SeekLT(p.vshardKey(v + 1))
		if !p.bwd.Valid() {
			break
		}
		k := bytes.Clone(p.bwd.Key())
		p.push(k)
		v = int(binary.BigEndian.Uint16(k[5:storage.RowKeyPrefixLen])) - 1
	}
	return nil
}

func (p *pkMerge) next() ([]byte, bool, error) {
	if !p.init {
		if err := p.start(); err != nil {
			return nil, false, err
		}
	}
	if p.read {
		if len(p.keys) == 0 {
			return nil, false, nil
		}
		k := p.keys[0]
		p.keys = p.keys[1:]
		return k, true, nil
	}
	if len(p.heap) == 0 {
		return nil, false, nil
	}
	k := p.pop()
	// The vShard's next key.
	if p.rev {
		p.bwd.SeekLT(k)
		if p.bwd.Valid() && sameVShard(p.bwd.Key(), k) {
			p.push(bytes.Clone(p.bwd.Key()))
		}
	} else {
		p.fwd.SeekGE(append(bytes.Clone(k), 0))
		if p.fwd.Valid() && sameVShard(p.fwd.Key(), k) {
			p.push(bytes.Clone(p.fwd.Key()))
		}
	}
	return k, true, nil
}

// readAll reads every row key forward (seeing the transaction's own
// writes) and keeps them in backward primary-key order.
func (p *pkMerge) readAll(lo, hi []byte) error {
	p.read = true
	it, err := p.env.Txn.NewIter(lo, hi)
	if err != nil {
		return err
	}
	for ; it.Valid(); it.Next() {
		p.keys = append(p.keys, bytes.Clone(it.Key()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	slices.SortFunc(p.keys, func(a, b []byte) int {
		return bytes.Compare(b[storage.RowKeyPrefixLen:], a[storage.RowKeyPrefixLen:])
	})
	return nil
}

func (p *pkMerge) closeIter() error {
	var err error
	if p.fwd != nil {
		err = p.fwd.Close()
		p.fwd = nil
	}
	if p.bwd != nil {
		if e := p.bwd.Close(); e != nil {
			err = e
		}
		p.bwd = nil
	}
	return err
}
