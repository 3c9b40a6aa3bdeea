package plan

import (
	"slices"

	"github.com/nodedb-go/nodedb/sql/types"
)

// maxOrderedLimit is the largest constant LIMIT (plus OFFSET) read through
// an index in order: each row is a point read, so past some thousands a
// full scan and a sort cost less.
const maxOrderedLimit = 10000

// orderByIndex turns Limit → [LockRows] → Sort → Project → Scan of a
// strict collection, whose sort keys are the columns of an index that
// follow those the WHERE pins by equality, into the same without the
// Sort, the scan reading the index in order (Scan.Order): ORDER BY
// created DESC LIMIT 20 then reads 20 rows, not all of them. Rows come
// out in index order, ties in key order, which ORDER BY leaves free.
//
// The sort keys must be of types whose index encoding orders as SQL does,
// all in one direction; the first may hold NULLs (the scan reads them
// where NULLS FIRST/LAST puts them), the others must be NOT NULL.
func orderByIndex(n Node) Node {
	lim, ok := n.(*Limit)
	if !ok || !smallLimit(lim) {
		return n
	}
	var lock *LockRows
	in := lim.Input
	if lr, ok := in.(*LockRows); ok {
		lock, in = lr, lr.Input
	}
	sort, ok := in.(*Sort)
	if !ok {
		return n
	}
	proj, ok := sort.Input.(*Project)
	if !ok {
		return n
	}
	scan, ok := proj.Input.(*Scan)
	if !ok || !scan.Coll.Tuple() || (scan.Access != AccessFull && scan.Access != AccessIndex) {
		return n
	}
	coll := scan.Coll
	cols := make([]string, len(sort.Keys))
	desc := sort.Keys[0].Desc
	for i, k := range sort.Keys {
		cr, ok := k.X.(*ColRef)
		if !ok || cr.Idx >= len(proj.Exprs) {
			return n
		}
		src, ok := proj.Exprs[cr.Idx].(*ColRef)
		if !ok || src.Idx >= len(coll.Columns) {
			return n
		}
		c := coll.Columns[src.Idx]
		if !orderedInIndex(c.Type) || k.Desc != desc {
			return n
		}
		if i > 0 && !c.NotNull && !slices.Contains(coll.PK, c.Name) {
			return n
		}
		cols[i] = c.Name
	}
	conj := conjuncts(scan.Filter, nil)
	for i := range coll.Indexes {
		ix := &coll.Indexes[i]
		if ix.Sorted || (scan.Access == AccessIndex && scan.Index != ix) {
			continue
		}
		elems, where, ok := indexElems(coll, i)
		if !ok || (where != nil && !predImplied(where, conj)) {
			continue
		}
		eq := indexEqPrefix(elems, coll, conj)
		m := len(eq)
		if m+len(cols) > len(ix.Columns) || !slices.Equal(ix.Columns[m:m+len(cols)], cols) {
			continue
		}
		lo, hi, loIncl, hiIncl := rangeBounds(coll, elems[m], conj)
		scan.Access, scan.Index = AccessIndex, ix
		scan.IndexEq, scan.RangeLo, scan.RangeHi, scan.LoIncl, scan.HiIncl = eq, lo, hi, loIncl, hiIncl
		scan.Order, scan.NullsFirst = 1, sort.Keys[0].NullsFirst
		if desc {
			scan.Order = -1
		}
		scan.Estimate = "index " + ix.Name + " in order"
		dropSort(lim, lock, proj)
		return n
	}
	// The primary key's columns: the vShards' rows, each in key order,
	// merged (exec's pkMerge).
	if scan.Access == AccessFull && len(cols) <= len(coll.PK) && slices.Equal(coll.PK[:len(cols)], cols) {
		scan.Order = 1
		if desc {
			scan.Order = -1
		}
		scan.Estimate = "primary key in order"
		dropSort(lim, lock, proj)
	}
	return n
}

// dropSort takes the Sort out from under a LIMIT (and its LockRows): the
// scan returns the rows in its order.
func dropSort(lim *Limit, lock *LockRows, proj *Project) {
	if lock != nil {
		lock.Input = proj
	} else {
		lim.Input = proj
	}
}

// smallLimit reports whether a LIMIT reads few enough rows for an index
// read in order: a constant (with its OFFSET) up to maxOrderedLimit, or a
// parameter (a page size).
func smallLimit(l *Limit) bool {
	if l.Limit == nil {
		return false
	}
	if _, ok := l.Limit.(*Param); ok {
		return l.Offset == nil
	}
	n, ok := constInt(l.Limit)
	if !ok || n < 0 {
		return false
	}
	if l.Offset != nil {
		off, ok := constInt(l.Offset)
		if !ok || off < 0 {
			return false
		}
		n += off
	}
	return n <= maxOrderedLimit
}

// orderedInIndex reports whether index keys of a column type sort as SQL
// sorts its values (storage.AppendKey): numbers, text, bytes, booleans,
// dates and timestamps. Not character(n), whose comparisons ignore the
// padding its keys keep.
func orderedInIndex(t types.T) bool {
	switch t {
	case types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric,
		types.Text, types.Varchar, types.Bool, types.Bytea, types.Date, types.Timestamp, types.Timestamptz:
		return true
	}
	return false
}
