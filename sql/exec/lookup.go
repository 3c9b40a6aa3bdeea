package exec

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// lookupJoin runs an index nested-loop join (plan.Join.LookupKeys): it
// streams the left input and, for each row, reads the right collection's
// rows with those key values, a point read for a whole key or one key
// range for a prefix (rows sharing the columns their vShard is hashed
// from are contiguous), through one scan whose iterator is moved from
// range to range. Each pair is kept when the join's whole condition
// holds. The output follows the left rows' order, each row's matches in
// key order.
func (env *Env) lookupJoin(x *plan.Join) ([]types.Row, error) {
	rs, ok := x.Right.(*plan.Scan)
	if !ok || rs.Access != plan.AccessLookup {
		return nil, errs.Errorf(errs.InternalError, "lookup join over %T", x.Right)
	}
	left, err := env.open(x.Left)
	if err != nil {
		return nil, err
	}
	defer left.Close()
	coll := rs.Coll
	si := env.newScanIter(rs)
	defer si.Close()
	si.point = len(x.LookupKeys) == len(coll.PK)
	var right iter = si
	var st *NodeStats
	if env.stats != nil {
		st = &NodeStats{}
		env.stats[rs] = st
		right = &statIter{in: si, st: st}
	}
	lw := len(x.Left.Columns())
	rw := len(rs.Columns())
	var out []types.Row
	var kb, hi []byte
	for {
		l, ok, err := left.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		if st != nil {
			st.Loops++
		}
		if si.point {
			kb, ok, err = env.encodeKeyValues(coll, x.LookupKeys, l, kb[:0], true)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			si.pending = append(si.pending[:0], kb)
		} else {
			kb, ok, err = env.keyPrefixRange(coll, x.LookupKeys, l, kb, true)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			hi = appendPrefixEnd(hi[:0], kb)
			if si.it == nil {
				if si.it, err = env.Txn.NewIter(kb, hi); err != nil {
					return nil, err
				}
			} else {
				si.it.Reset(kb, hi)
			}
			si.advance = false
		}
		for {
			r, ok, err := right.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			row := make(types.Row, 0, lw+rw)
			row = append(append(row, l...), r...)
			pass, err := env.Truthy(x.On, row)
			if err != nil {
				return nil, err
			}
			if pass {
				out = append(out, row)
			}
		}
	}
}

// appendPrefixEnd appends storage.PrefixEnd(p) to b (p is a row key
// prefix, whose tag byte always leaves it an end).
func appendPrefixEnd(b, p []byte) []byte {
	b = append(b, p...)
	for i := len(b) - 1; i >= 0; i-- {
		b[i]++
		if b[i] != 0 {
			return b[:i+1]
		}
	}
	return b[:0]
}
