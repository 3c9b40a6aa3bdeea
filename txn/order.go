package txn

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// mergeTail sorts the tail of the key-order index (t.byKey) and merges it
// into the sorted part. Writes that came in key order (a scan's) cost one
// pass; a tail wholly after the sorted part is appended, not merged.
func (t *Txn) mergeTail() {
	bk := &t.byKey
	if len(bk.tail) == 0 {
		return
	}
	sortByKey(t.ws, bk.tail)
	keyAt := func(i int) []byte { return t.ws[i].key }
	if len(bk.sorted) == 0 || bytes.Compare(keyAt(bk.sorted[len(bk.sorted)-1]), keyAt(bk.tail[0])) < 0 {
		bk.sorted = append(bk.sorted, bk.tail...)
		bk.tail = bk.tail[:0]
		return
	}
	merged := make([]int, 0, len(bk.sorted)+len(bk.tail))
	i, j := 0, 0
	for i < len(bk.sorted) && j < len(bk.tail) {
		if bytes.Compare(keyAt(bk.sorted[i]), keyAt(bk.tail[j])) <= 0 {
			merged = append(merged, bk.sorted[i])
			i++
		} else {
			merged = append(merged, bk.tail[j])
			j++
		}
	}
	merged = append(append(merged, bk.sorted[i:]...), bk.tail[j:]...)
	bk.sorted, bk.tail = merged, bk.tail[:0]
}

// sortByKey sorts idx, indices of ws, by the keys of their writes. Input
// already in order costs one pass. Otherwise it sorts the indices with
// each key's first 16 bytes as two integers beside them, so most
// comparisons compare integers in the entry (keys of one table share
// their first bytes, so a byte-wise compare would go far into both keys
// in memory elsewhere); equal prefixes fall back to comparing the keys.
func sortByKey(ws []write, idx []int) {
	if slices.IsSortedFunc(idx, func(a, b int) int { return bytes.Compare(ws[a].key, ws[b].key) }) {
		return
	}
	type entry struct {
		p0, p1 uint64
		i      int
	}
	es := make([]entry, len(idx))
	for n, i := range idx {
		k := ws[i].key
		es[n] = entry{p0: prefix64(k), p1: prefix64(k[min(len(k), 8):]), i: i}
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case a.p0 != b.p0:
			if a.p0 < b.p0 {
				return -1
			}
			return 1
		case a.p1 != b.p1:
			if a.p1 < b.p1 {
				return -1
			}
			return 1
		}
		return bytes.Compare(ws[a.i].key, ws[b.i].key)
	})
	for n := range es {
		idx[n] = es[n].i
	}
}

// prefix64 is k's first 8 bytes as a big-endian integer, zero-padded:
// prefix64(a) < prefix64(b) implies a < b byte-wise (equal prefixes say
// nothing, a shorter key padding with zeros).
func prefix64(k []byte) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}
