package exec

import (
	"bytes"
	"slices"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// lookupJoin runs an index nested-loop join (plan.Join.LookupKeys): it
// streams the left input and, for each row, reads the right collection's
// rows with those key values, a point read for a whole key or one key
// range for a prefix (rows sharing the columns their vShard is hashed
// from are contiguous), through one scan whose iterator is moved from
// range to range. Each pair is kept when the join's whole condition
// holds; a LEFT join keeps a left row that has none with NULLs. The
// output follows the left rows' order, each row's matches in key order.
func (env *Env) lookupJoin(x *plan.Join) ([]types.Row, error) {
	rs, ok := x.Right.(*plan.Scan)
	if !ok || rs.Access != plan.AccessLookup {
		return nil, errs.Errorf(errs.InternalError, "lookup join over %T", x.Right)
	}
	work := func(wenv *Env, in iter) ([]types.Row, error) { return wenv.lookupRows(x, rs, in) }
	if plan.ParallelSafeExprs(append([]plan.Expr{x.On}, x.LookupKeys...)...) && plan.ParallelSafe(rs) {
		// A large scan on the left is split among workers by vShard
		// ranges (a hash join's probe would be); other left inputs are
		// materialized and, when they hold many rows, their lookups
		// split among workers.
		if scan, workers, ok := env.parallelScan(x.Left); ok {
			outs := make([][]types.Row, workers)
			err := env.runShares(scan, workers, func(w int, wenv *Env, in iter) error {
				var err error
				outs[w], err = work(wenv, in)
				return err
			})
			if err != nil {
				return nil, err
			}
			return slices.Concat(outs...), nil
		}
		if workers := env.parallelWorkers(); workers >= 2 {
			rows, err := env.Query(x.Left)
			if err != nil {
				return nil, err
			}
			if len(rows) < parallelMinLookups {
				return work(env, &sliceIter{rows: rows})
			}
			return env.runChunks(rows, workers, work)
		}
	}
	left, err := env.open(x.Left)
	if err != nil {
		return nil, err
	}
	defer left.Close()
	return env.lookupRows(x, rs, left)
}

// parallelMinLookups is the fewest left rows whose lookups are split among
// workers (a lookup costs a few microseconds; a worker's start far less).
const parallelMinLookups = 512

// lookupRows is the lookup join of the rows of left.
func (env *Env) lookupRows(x *plan.Join, rs *plan.Scan, left iter) ([]types.Row, error) {
	coll := rs.Coll
	si := env.newScanIter(rs)
	defer si.Close()
	si.point = len(x.LookupKeys) == len(coll.PK)
	si.wholeKey = true
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
	// Left rows are taken a batch at a time and their keys sought in key
	// order: consecutive seeks then stay in the same tables and blocks
	// (in random order each seek may open another table's iterator on
	// every level). Each row's matches are then emitted in left order.
	batch := make([]types.Row, 0, lookupBatch)
	var keys []lookupKey
	var buf []byte
	var matches [][]types.Row
	for {
		batch, keys, buf = batch[:0], keys[:0], buf[:0]
		for len(batch) < lookupBatch {
			l, ok, err := left.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			start := len(buf)
			buf, ok, err = env.keyPrefixRange(coll, x.LookupKeys, l, buf, true)
			if err != nil {
				return nil, err
			}
			if ok {
				keys = append(keys, lookupKey{row: len(batch), lo: start, hi: len(buf)})
			}
			batch = append(batch, l)
		}
		if len(batch) == 0 {
			return out, nil
		}
		slices.SortFunc(keys, func(a, b lookupKey) int { return bytes.Compare(buf[a.lo:a.hi], buf[b.lo:b.hi]) })
		matches = slices.Grow(matches[:0], len(batch))[:len(batch)]
		clear(matches)
		for _, k := range keys {
			if st != nil {
				st.Loops++
			}
			kb := buf[k.lo:k.hi]
			if si.point {
				si.pending = append(si.pending[:0], kb)
			} else {
				if si.it == nil {
					all := storage.RowPrefix(coll.ID)
					it, err := env.Txn.NewIter(all, storage.PrefixEnd(all))
					if err != nil {
						return nil, err
					}
					si.it = it
				}
				si.it.SeekGE(kb)
				si.stop = storage.AppendPrefixEnd(si.stop[:0], kb)
				si.advance = false
			}
			l := batch[k.row]
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
					matches[k.row] = append(matches[k.row], row)
				}
			}
		}
		for i, m := range matches {
			if len(m) == 0 && x.Kind == "LEFT" {
				// No right row passed the condition (or the key could
				// match none): the left row with NULLs.
				row := make(types.Row, lw+rw)
				copy(row, batch[i])
				out = append(out, row)
				continue
			}
			out = append(out, m...)
		}
	}
}

// lookupBatch is how many left rows a lookup join seeks in key order at a
// time.
const lookupBatch = 1024

// lookupKey is a left row's key (buf[lo:hi]) in a lookup join's batch.
type lookupKey struct{ row, lo, hi int }
