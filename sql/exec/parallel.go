package exec

import (
	"context"
	"encoding/binary"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/storage"
)

// Parallel aggregation: an aggregate over a full scan of a large
// collection (TPC-H's Q1 and Q6: sums over a filtered fact table) runs on
// several goroutines, each scanning a contiguous share of the collection's
// vShards (every row key starts with its vShard, so a share is one key
// range) into groups of its own; the groups are then merged in share
// order, which gives the groups in the order a serial scan first sees
// them. All workers read the statement's snapshot (Pebble snapshots serve
// concurrent iterators); each has its own Env and decoder.
//
// Env.Workers bounds the goroutines (the session sets it from
// max_parallel_workers_per_gather, as PostgreSQL's: that many workers
// besides the leader; 0 turns it off), and so do GOMAXPROCS and
// parallelMaxWorker. It applies only when every piece can run concurrently and merge: the
// input is a plain full scan, the expressions are plan.ParallelSafe (no
// function calls, no subqueries), no aggregate is DISTINCT or ordered,
// every accumulator is a funcs.Merger (count, sum, avg, min, max), the
// statement is not under EXPLAIN ANALYZE, and the collection holds at
// least parallelMinRows rows by its statistics (a small table is not
// worth the goroutines).

const (
	parallelMinRows   = 50_000
	parallelMaxWorker = 4
)

// parallelRuns counts the aggregates run in parallel in this process.
var parallelRuns atomic.Uint64

// ParallelAggregates returns how many aggregates ran in parallel in this
// process (for tests and metrics).
func ParallelAggregates() uint64 { return parallelRuns.Load() }

// parallelAggregate reports whether x runs in parallel, and on how many
// workers.
func (env *Env) parallelAggregate(x *plan.Aggregate) (*plan.Scan, int, bool) {
	workers := min(env.Workers, runtime.GOMAXPROCS(0), parallelMaxWorker)
	scan, ok := x.Input.(*plan.Scan)
	if workers < 2 || !ok || scan.Access != plan.AccessFull || env.stats != nil || len(env.outer) > 0 {
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
	if plan.Estimate(&plan.Scan{Coll: scan.Coll, Access: plan.AccessFull, Stats: scan.Stats}) < parallelMinRows || !plan.ParallelSafe(x) {
		return nil, 0, false
	}
	return scan, workers, true
}

// runParallelAggregate runs x over workers shares of scan's collection.
func (env *Env) runParallelAggregate(x *plan.Aggregate, scan *plan.Scan, workers int) (iter, error) {
	parent := env.Ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type share struct {
		env    *Env
		in     *scanIter
		groups map[string]*group
		order  []*group
		err    error
	}
	parallelRuns.Add(1)
	shares := make([]*share, workers)
	closeAll := func() {
		for _, sh := range shares {
			if sh != nil && sh.in != nil {
				_ = sh.in.Close()
			}
		}
	}
	// The iterators are opened here, one goroutine; each is then used by
	// its worker only.
	for w := range workers {
		lo := vshardBound(scan.Coll.ID, w*storage.NumVShards/workers)
		hi := vshardBound(scan.Coll.ID, (w+1)*storage.NumVShards/workers)
		wenv := env.workerEnv(ctx)
		in, err := wenv.openScanRange(scan, lo, hi)
		if err != nil {
			closeAll()
			return nil, err
		}
		shares[w] = &share{env: wenv, in: in}
	}
	var wg sync.WaitGroup
	for _, sh := range shares {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					sh.err = errs.Errorf(errs.InternalError, "parallel aggregate worker: %v\n%s", r, debug.Stack())
				}
				if sh.err != nil {
					cancel() // the others stop at their next check
				}
			}()
			sh.groups, sh.order, sh.err = sh.env.aggregateRows(x, sh.in)
		}()
	}
	wg.Wait()
	for _, sh := range shares {
		if err := sh.in.Close(); err != nil && sh.err == nil {
			sh.err = err
		}
	}
	for _, sh := range shares {
		if sh.err != nil {
			return nil, sh.err
		}
	}
	groups, order := shares[0].groups, shares[0].order
	for _, sh := range shares[1:] {
		for _, g := range sh.order {
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

// workerEnv is an Env for a worker goroutine: the statement's transaction,
// parameters and functions, none of env's per-query caches.
func (env *Env) workerEnv(ctx context.Context) *Env {
	return &Env{Ctx: ctx, Txn: env.Txn, Params: env.Params, Fn: env.Fn, IDs: env.IDs,
		Streams: env.Streams, Triggers: env.Triggers, Clock: env.Clock, Workers: 1}
}

// vshardBound is the first row key of vShard v of a collection (v =
// NumVShards: the end of the collection's rows).
func vshardBound(coll uint32, v int) []byte {
	if v >= storage.NumVShards {
		return storage.PrefixEnd(storage.RowPrefix(coll))
	}
	return binary.BigEndian.AppendUint16(storage.RowPrefix(coll), uint16(v))
}
