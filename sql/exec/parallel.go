package exec

import (
	"context"
	"encoding/binary"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// Parallel scans. These operators split a full scan of a large collection
// among goroutines, each reading a contiguous share of the collection's
// vShards (every row key starts with its vShard, so a share is one key
// range) from the statement's snapshot (Pebble snapshots serve concurrent
// iterators), each with its own Env and decoder:
//
//   - an aggregate over the scan (TPC-H's Q1 and Q6: sums over a filtered
//     fact table): each worker builds groups of its own, and they are
//     merged in share order, which lists the groups in the order a serial
//     scan first sees them;
//   - an inner hash join (hashJoinStream): its build input, when it is such
//     a scan, is read by the workers and their rows concatenated in share
//     order (the serial scan's order); its probe, when it is, has each
//     worker stream its share through the built table, which it only
//     reads, and the outputs are concatenated in share order, the serial
//     probe's order;
//   - a lookup join (lookupJoin): a left input that is such a scan is
//     split the same way, each worker seeking the right collection for its
//     share's rows; any other left input with many rows is materialized
//     and its rows split into contiguous chunks (runChunks). Outputs are
//     concatenated in share or chunk order;
//   - an index scan a hash join builds from (queryIndexParallel): its
//     entries are read first, then the sorted row keys they point at are
//     split among the workers, which read, decode and filter the rows.
//
// Env.Workers bounds the goroutines (the session sets it from
// max_parallel_workers_per_gather, as PostgreSQL's: that many workers
// besides the leader; 0 turns it off), and so do GOMAXPROCS and
// parallelMaxWorker. It applies only when every piece can run
// concurrently: the input is a plain full scan of a collection that holds
// at least parallelMinRows rows by its statistics (a small table is not
// worth the goroutines), the expressions evaluated by the workers are
// plan.ParallelSafe (no function calls, no subqueries), the statement is
// not under EXPLAIN ANALYZE, and, for an aggregate, none is DISTINCT or
// ordered and every accumulator is a funcs.Merger (count, sum, avg, min,
// max).

// A scan planned to read a column copy (plan.Scan.Cached) is split from
// parallelMinCachedRows rows: its rows cost less than a stored row's, but
// a join's serial probe of TPC-H's part (20,000 rows) was still a third of
// Q14's time.
const (
	parallelMinRows       = 50_000
	parallelMinCachedRows = 10_000
	parallelMaxWorker     = 4
)

// parallelRuns counts the operators (aggregates, join probes) run in
// parallel in this process.
var parallelRuns atomic.Uint64

// ParallelRuns returns how many operators ran in parallel in this process
// (for tests and metrics).
func ParallelRuns() uint64 { return parallelRuns.Load() }

// parallelScan reports whether a full scan may be split among workers,
// and among how many: env allows it, the collection is large by its
// statistics and the scan's filter is ParallelSafe.
func (env *Env) parallelScan(n plan.Node) (*plan.Scan, int, bool) {
	workers := env.parallelWorkers()
	scan, ok := n.(*plan.Scan)
	if workers < 2 || !ok || scan.Access != plan.AccessFull || scan.Order != 0 {
		return nil, 0, false
	}
	minRows := float64(parallelMinRows)
	if scan.Cached {
		minRows = parallelMinCachedRows
	}
	if plan.Estimate(&plan.Scan{Coll: scan.Coll, Access: plan.AccessFull, Stats: scan.Stats}) < minRows || !plan.ParallelSafe(scan) {
		return nil, 0, false
	}
	return scan, workers, true
}

// parallelWorkers is how many workers an operator of this statement may
// split its work among (below 2: none): env's bound, the CPUs (a
// GOMAXPROCS set above them adds no parallelism to CPU-bound work),
// GOMAXPROCS (which honours a container's CPU quota) and
// parallelMaxWorker; none under EXPLAIN ANALYZE or inside a correlated
// subquery.
func (env *Env) parallelWorkers() int {
	if env.stats != nil || len(env.outer) > 0 {
		return 0
	}
	return min(env.Workers, runtime.NumCPU(), runtime.GOMAXPROCS(0), parallelMaxWorker)
}

// parallelAggregate reports whether x runs in parallel, and on how many
// workers.
func (env *Env) parallelAggregate(x *plan.Aggregate) (*plan.Scan, int, bool) {
	scan, workers, ok := env.parallelScan(x.Input)
	if !ok || !plan.ParallelSafe(x) {
		return nil, 0, false
	}
	for _, a := range x.Aggs {
		if a.Distinct || len(a.OrderBy) > 0 {
			return nil, 0, false
		}
		if _, ok := a.Agg.New().(funcs.Merger); !ok {
			return nil, 0, false
		}
	}
	return scan, workers, true
}

// parallelProbe reports whether an inner hash join's probe input (probe)
// is streamed through the built table by several workers: a large full
// scan, and an ON condition and probe keys that are ParallelSafe. Workers
// only read the table.
func (env *Env) parallelProbe(x *plan.Join, probe plan.Node, probeKeys []plan.Expr) (*plan.Scan, int, bool) {
	scan, workers, ok := env.parallelScan(probe)
	if !ok || !plan.ParallelSafeExprs(append([]plan.Expr{x.On}, probeKeys...)...) {
		return nil, 0, false
	}
	return scan, workers, true
}

// runShares runs work on workers shares of scan's collection, each with
// its own Env and iterator over a contiguous range of vShards, and
// returns the first error. The iterators are opened and closed on the
// calling goroutine; a worker's panic becomes its error, and an error
// cancels the other workers (they stop at their next context check).
func (env *Env) runShares(scan *plan.Scan, workers int, work func(w int, wenv *Env, in iter) error) error {
	ctx, cancel := env.parallelContext()
	defer cancel()
	ins := make([]*scanIter, workers)
	werrs := make([]error, workers)
	defer func() {
		for _, in := range ins {
			if in != nil {
				_ = in.Close()
			}
		}
	}()
	envs := make([]*Env, workers)
	ct := env.columnTable(scan) // the shares read one copy (made now when it is time to)
	for w := range workers {
		envs[w] = env.workerEnv(ctx)
		in, err := envs[w].openScanShare(scan, ct, w*storage.NumVShards/workers, (w+1)*storage.NumVShards/workers)
		if err != nil {
			return err
		}
		ins[w] = in
	}
	runWorkers(werrs, cancel, func(w int) error { return work(w, envs[w], ins[w]) })
	for w, in := range ins {
		if err := in.Close(); err != nil && werrs[w] == nil {
			werrs[w] = err
		}
		ins[w] = nil
	}
	for _, err := range werrs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parallelContext counts a parallel run and returns the context its
// workers stop on: the statement's, canceled too when one fails.
func (env *Env) parallelContext() (context.Context, context.CancelFunc) {
	parallelRuns.Add(1)
	parent := env.Ctx
	if parent == nil {
		parent = context.Background()
	}
	return context.WithCancel(parent)
}

// runWorkers runs work(w) for every w of errs on its own goroutine and
// waits for them all: a worker's panic becomes its error, and an error
// calls cancel (the others stop at their next context check).
func runWorkers(werrs []error, cancel func(), work func(w int) error) {
	var wg sync.WaitGroup
	for w := range werrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					werrs[w] = errs.Errorf(errs.InternalError, "parallel worker: %v\n%s", r, debug.Stack())
				}
				if werrs[w] != nil {
					cancel()
				}
			}()
			werrs[w] = work(w)
		}()
	}
	wg.Wait()
}

// runChunks runs work on workers contiguous chunks of rows, each with its
// own Env, and concatenates their outputs in chunk order (the order of
// one pass over rows).
func (env *Env) runChunks(rows []types.Row, workers int, work func(wenv *Env, in iter) ([]types.Row, error)) ([]types.Row, error) {
	return runSplit(env, rows, workers, func(wenv *Env, chunk []types.Row) ([]types.Row, error) {
		return work(wenv, &sliceIter{rows: chunk})
	})
}

// runSplit runs work on workers contiguous chunks of items, each with its
// own Env, and concatenates their outputs in chunk order.
func runSplit[T any](env *Env, items []T, workers int, work func(wenv *Env, chunk []T) ([]types.Row, error)) ([]types.Row, error) {
	ctx, cancel := env.parallelContext()
	defer cancel()
	outs := make([][]types.Row, workers)
	werrs := make([]error, workers)
	runWorkers(werrs, cancel, func(w int) error {
		var err error
		outs[w], err = work(env.workerEnv(ctx), items[w*len(items)/workers:(w+1)*len(items)/workers])
		return err
	})
	for _, err := range werrs {
		if err != nil {
			return nil, err
		}
	}
	return slices.Concat(outs...), nil
}

// runParallelAggregate runs x over workers shares of scan's collection
// and merges the partial groups in share order.
func (env *Env) runParallelAggregate(x *plan.Aggregate, scan *plan.Scan, workers int) (iter, error) {
	type part struct {
		groups map[string]*group
		order  []*group
	}
	parts := make([]part, workers)
	err := env.runShares(scan, workers, func(w int, wenv *Env, in iter) error {
		var err error
		parts[w].groups, parts[w].order, err = wenv.aggregateRows(x, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	groups, order := parts[0].groups, parts[0].order
	for _, p := range parts[1:] {
		for _, g := range p.order {
			k := rowKey(g.keys)
			into := groups[k]
			if into == nil {
				groups[k] = g
				order = append(order, g)
				continue
			}
			for i, acc := range into.accs {
				if err := acc.(funcs.Merger).Merge(g.accs[i]); err != nil {
					return nil, err
				}
			}
		}
	}
	return aggregateResult(x, order)
}

// queryParallel is Query, reading a large full scan on several workers (its
// rows concatenated in share order: the serial scan's order).
func (env *Env) queryParallel(n plan.Node) ([]types.Row, error) {
	scan, workers, ok := env.parallelScan(n)
	if !ok {
		if s, w, ok := env.parallelIndexScan(n); ok {
			return env.queryIndexParallel(s, w)
		}
		return env.Query(n)
	}
	outs := make([][]types.Row, workers)
	err := env.runShares(scan, workers, func(w int, _ *Env, in iter) error {
		for {
			r, ok, err := in.Next()
			if err != nil || !ok {
				return err
			}
			outs[w] = append(outs[w], r)
		}
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(outs...), nil
}

// parallelMinIndexRows is the fewest rows an index scan is estimated to
// read for its row reads (a point read each) to be split among workers.
const parallelMinIndexRows = 2000

// parallelIndexScan reports whether an index scan's rows are read on
// several workers: its estimate is large enough and its filter
// ParallelSafe.
func (env *Env) parallelIndexScan(n plan.Node) (*plan.Scan, int, bool) {
	workers := env.parallelWorkers()
	scan, ok := n.(*plan.Scan)
	if workers < 2 || !ok || scan.Access != plan.AccessIndex || scan.Order != 0 || plan.Estimate(scan) < parallelMinIndexRows || !plan.ParallelSafe(scan) {
		return nil, 0, false
	}
	return scan, workers, true
}

// queryIndexParallel reads an index scan's entries, then splits the sorted
// row keys they point at among workers, each reading, decoding and
// filtering its share's rows through its own reader; the rows come out in
// row-key order.
func (env *Env) queryIndexParallel(scan *plan.Scan, workers int) ([]types.Row, error) {
	keys, ok, err := env.indexRowKeys(scan)
	if err != nil {
		return nil, err
	}
	if !ok {
		return env.Query(scan)
	}
	read := func(env *Env, keys [][]byte) (out []types.Row, err error) {
		si := env.newScanIter(scan)
		defer func() {
			if cerr := si.Close(); err == nil {
				err = cerr
			}
		}()
		si.keysGiven, si.rowKeys = true, keys
		for {
			r, ok, err := si.Next()
			if err != nil || !ok {
				return out, err
			}
			out = append(out, r)
		}
	}
	if len(keys) < parallelMinIndexRows {
		return read(env, keys)
	}
	return runSplit(env, keys, workers, read)
}

// runParallelProbe streams workers shares of the probe scan through the
// built table and concatenates their output in share order: the rows of
// a serial probe, in its order.
func (env *Env) runParallelProbe(x *plan.Join, scan *plan.Scan, workers int, probeKeys []plan.Expr, build []types.Row, buckets *joinTable, buildLeft bool, checks []*probeCheck) ([]types.Row, error) {
	outs := make([][]types.Row, workers)
	err := env.runShares(scan, workers, func(w int, wenv *Env, in iter) error {
		var err error
		outs[w], err = wenv.probeJoin(x, in, probeKeys, build, buckets, buildLeft, checks)
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(outs...), nil
}

// workerEnv is an Env for a worker goroutine: the statement's transaction,
// parameters and functions, none of env's per-query caches.
func (env *Env) workerEnv(ctx context.Context) *Env {
	return &Env{Ctx: ctx, Txn: env.Txn, Params: env.Params, Fn: env.Fn, IDs: env.IDs,
		Streams: env.Streams, Triggers: env.Triggers, Clock: env.Clock, Workers: 1, Columns: env.Columns}
}

// vshardBound is the first row key of vShard v of a collection (v =
// NumVShards: the end of the collection's rows).
func vshardBound(coll uint32, v int) []byte {
	if v >= storage.NumVShards {
		return storage.PrefixEnd(storage.RowPrefix(coll))
	}
	return binary.BigEndian.AppendUint16(storage.RowPrefix(coll), uint16(v))
}
