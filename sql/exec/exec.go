package exec

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/columnar"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Env is what one statement executes with.
type Env struct {
	Ctx    context.Context
	Txn    *txn.Txn
	Params []types.Value
	Fn     *funcs.Context
	IDs    *IDGen
	// Fields collects schemaless fields observed by writes; the caller
	// publishes them after the transaction commits.
	Fields []ObservedFields

	// Streams serves change-stream reads; nil where streams are unavailable.
	Streams *Streams
	// Refs resolves foreign keys; writes to a table with foreign keys
	// fail without it.
	Refs ForeignKeys
	// Triggers runs SYNC row triggers inside the writing transaction; nil
	// when there are none to run.
	Triggers RowTriggers
	// Workers is how many goroutines one operator may use at once
	// (parallel aggregation, parallel.go); 0 or 1 runs everything on the
	// calling goroutine.
	Workers int
	// Clock, when set, is the time key-value expiry and TTLs are judged
	// at (a RESP round reads the clock once for all its commands);
	// otherwise each check reads the clock.
	Clock time.Time
	// Columns holds the column copies of collections full scans read
	// instead of their stored rows (colscan.go); nil: none are made.
	Columns *columnar.Cache

	decs    funcs.DecAlloc               // numeric results of + - * (BinaryIn)
	stats   map[plan.Node]*NodeStats     // EXPLAIN ANALYZE, when on
	cteRows map[*plan.CTEDef][]types.Row // WITH queries computed so far
	// writingWith: the statement has data-modifying WITH queries, and its
	// parts read the tables as it found them (withWriteQueries).
	writingWith bool
	work        map[*plan.WorkTable][]types.Row // recursive CTEs' previous rounds

	// pushed: the probe-row checks an inner hash join hands the inner
	// hash join that is its probe input (probeChecks).
	pushed map[*plan.Join][]*probeCheck

	slots    []types.Value                   // the current row's shared aggregate arguments (aggSlots)
	aggPlans map[*plan.Aggregate]*sharedArgs // aggSlots per aggregate, for one that runs per outer row
	outer    []types.Row                     // enclosing rows of correlated subqueries
	subCache map[*plan.Subquery][]types.Row  // uncorrelated subquery results

	kvKey kvKeyCache // the key KVGet read last (a pipeline repeats keys)

	fk *fkState // the current write statement's foreign-key work (fk.go)
	// Deferred, when set, takes the checks of DEFERRABLE foreign keys in
	// deferred mode for the transaction's end (fkdefer.go); nil: every
	// check runs when its statement ends.
	Deferred *DeferredFK
	noFK     bool // TRUNCATE: foreign keys are not checked
}

// ObservedFields are new or widened fields of one collection.
type ObservedFields struct {
	Coll   *catalog.Collection
	Fields []catalog.Field
}

// IDGen makes generated ids: sortable text ids for documents (48-bit
// millisecond time + 80 random bits, Crockford base32, 26 characters) and
// increasing int8 row ids for keyless tables.
type IDGen struct {
	mu      sync.Mutex
	lastRow int64
}

// RowID returns a unique, increasing int8 (ms since epoch << 16 | counter).
func (g *IDGen) RowID() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	id := time.Now().UnixMilli() << 16
	if id <= g.lastRow {
		id = g.lastRow + 1
	}
	g.lastRow = id
	return id
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// DocID returns a new sortable unique id.
func (g *IDGen) DocID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	// 128 bits → 26 base32 characters.
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// RowTriggers runs the triggers that fire inside a writing transaction
// (BEFORE, and AFTER with SYNC execution), one row at a time. Rows are in
// the collection's row layout (strict: column order; schemaless: one
// document).
type RowTriggers interface {
	// Has reports whether any trigger of coll fires at timing for op, so
	// writers skip the call otherwise.
	Has(coll *catalog.Collection, timing, op string) bool
	// Fire runs them for one row. BEFORE triggers may return a changed new
	// row, or skip = true to leave the row alone; an error fails the write.
	Fire(env *Env, coll *catalog.Collection, timing, op string, old, new types.Row) (out types.Row, skip bool, err error)
	// FireStatement runs FOR EACH STATEMENT triggers once for a write
	// statement (BEFORE it starts, AFTER it ends).
	FireStatement(env *Env, coll *catalog.Collection, timing, op string) error
}

// fireStatement runs env's statement triggers when there are any.
func (env *Env) fireStatement(coll *catalog.Collection, timing, op string) error {
	if env.Triggers == nil {
		return nil
	}
	return env.Triggers.FireStatement(env, coll, timing, op)
}

// fire runs env's row triggers when there are any; it returns the new row
// to write (unchanged without triggers).
func (env *Env) fire(coll *catalog.Collection, timing, op string, old, new types.Row) (types.Row, bool, error) {
	if env.Triggers == nil || !env.Triggers.Has(coll, timing, op) {
		return new, false, nil
	}
	return env.Triggers.Fire(env, coll, timing, op, old, new)
}

// writer adapts a transaction to the document engine's Writer.
type writer struct{ *txn.Txn }

// ownedWriter hands the transaction its keys and values without copies:
// for a caller whose every key and value is built for the write and left
// alone afterwards (the key-value engine's overwrite).
type ownedWriter struct{ writer }

func (w ownedWriter) Set(key, val []byte) { w.SetOwned(key, val) }

func (w writer) RecordChange(c document.Change) {
	w.AddChange(txn.Change{Collection: c.Collection, CollName: c.CollName, VShard: c.VShard, PK: c.PK,
		RowID: c.RowID, Op: txn.Op(c.Op), Old: c.Old, New: c.New})
}

// iter yields rows.
type iter interface {
	Next() (types.Row, bool, error)
	Close() error
}

// Query runs a read plan and returns all its rows.
func (env *Env) Query(n plan.Node) ([]types.Row, error) {
	it, err := env.open(n)
	if err != nil {
		return nil, err
	}
	var rows []types.Row
	for {
		r, ok, err := it.Next()
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		if !ok {
			break
		}
		rows = append(rows, r)
	}
	return rows, it.Close()
}

// NodeStats are one operator's EXPLAIN ANALYZE figures.
type NodeStats struct {
	Rows  int64
	Loops int64
	Time  time.Duration // inclusive of the operator's inputs
}

// Analyze turns on per-operator statistics for this Env.
func (env *Env) Analyze() { env.stats = map[plan.Node]*NodeStats{} }

// Stats returns an operator's statistics (nil when it never ran).
func (env *Env) Stats(n plan.Node) *NodeStats { return env.stats[n] }

func (env *Env) open(n plan.Node) (iter, error) {
	if env.stats == nil {
		return env.openNode(n)
	}
	st := env.stats[n]
	if st == nil {
		st = &NodeStats{}
		env.stats[n] = st
	}
	start := time.Now()
	it, err := env.openNode(n)
	st.Time += time.Since(start)
	st.Loops++
	if err != nil {
		return nil, err
	}
	return &statIter{in: it, st: st}, nil
}

// statIter counts rows and time for EXPLAIN ANALYZE.
type statIter struct {
	in iter
	st *NodeStats
}

func (s *statIter) Next() (types.Row, bool, error) {
	start := time.Now()
	r, ok, err := s.in.Next()
	s.st.Time += time.Since(start)
	if ok {
		s.st.Rows++
	}
	return r, ok, err
}

func (s *statIter) Close() error { return s.in.Close() }

func (env *Env) openNode(n plan.Node) (iter, error) {
	switch x := n.(type) {
	case *plan.Scan:
		return env.openScan(x)
	case *plan.Values:
		return &valuesIter{env: env, node: x}, nil
	case *plan.Filter:
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		return &filterIter{env: env, in: in, pred: x.Pred}, nil
	case *plan.Project:
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		return &projectIter{env: env, in: in, exprs: x.Exprs}, nil
	case *plan.Trim:
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		return &trimIter{in: in, n: x.N}, nil
	case *plan.ProjectSet:
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		return &projectSetIter{env: env, in: in, node: x}, nil
	case *plan.LockRows:
		if env.Txn == nil {
			return nil, errs.New(errs.FeatureNotSupported, "FOR UPDATE/SHARE needs a transaction here")
		}
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		return &lockIter{env: env, in: in, node: x}, nil
	case *plan.Limit:
		// LIMIT/OFFSET are evaluated before the input is opened, so a
		// bad value leaves nothing open.
		li := &limitIter{limit: -1}
		var err error
		if li.limit, err = env.evalCount(x.Limit, "LIMIT", -1); err != nil {
			return nil, err
		}
		if li.offset, err = env.evalCount(x.Offset, "OFFSET", 0); err != nil {
			return nil, err
		}
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		li.in = in
		return li, nil
	case *plan.Sort:
		rows, err := env.Query(x.Input)
		if err != nil {
			return nil, err
		}
		keys := make([][]types.Value, len(rows))
		for i, r := range rows {
			if keys[i], err = env.sortKeys(x.Keys, r); err != nil {
				return nil, err
			}
		}
		sortByKeys(rows, keys, x.Keys)
		return &sliceIter{rows: rows}, nil
	case *plan.Distinct:
		in, err := env.open(x.Input)
		if err != nil {
			return nil, err
		}
		if len(x.On) > 0 {
			return &distinctOnIter{in: in, on: x.On}, nil
		}
		return &distinctIter{in: in, seen: map[string]bool{}}, nil
	case *plan.Aggregate:
		return env.openAggregate(x)
	case *plan.Window:
		return materialized(env.runWindow(x))
	case *plan.Join:
		return materialized(env.runJoin(x))
	case *plan.Apply:
		in, err := env.open(x.Left)
		if err != nil {
			return nil, err
		}
		return &applyIter{env: env, node: x, in: in, width: len(x.Right.Columns())}, nil
	case *plan.SetOp:
		return materialized(env.runSetOp(x))
	case *plan.CTEScan:
		return materialized(env.runCTE(x))
	case *plan.WithWrites:
		return materialized(env.withWrites(x))
	case *plan.RecursiveCTE:
		return materialized(env.runRecursive(x))
	case *plan.WorkTableScan:
		return &sliceIter{rows: env.work[x.Work]}, nil
	case *plan.StreamScan:
		return env.openStreamScan(x)
	case *plan.FuncScan:
		rows, err := env.runFuncScan(x)
		if x.Ordinality {
			for i, r := range rows {
				rows[i] = append(r[:len(r):len(r)], int64(i+1))
			}
		}
		return materialized(rows, err)
	case *plan.SystemScan:
		return materialized(x.Table.Rows(env.Ctx))
	case *plan.SequenceScan:
		return materialized(env.sequenceRow(x.Seq))
	}
	return nil, errs.Errorf(errs.InternalError, "cannot execute %T", n)
}

// materialized wraps the rows of an operator that computes all its output
// at once.
func materialized(rows []types.Row, err error) (iter, error) {
	if err != nil {
		return nil, err
	}
	return &sliceIter{rows: rows}, nil
}

// evalCount evaluates a LIMIT or OFFSET: absent or NULL gives def, a
// negative count is 22023.
func (env *Env) evalCount(e plan.Expr, what string, def int64) (int64, error) {
	if e == nil {
		return def, nil
	}
	v, err := env.Eval(e, nil)
	if err != nil || v == nil {
		return def, err
	}
	n, err := types.Cast(v, types.Int8)
	if err != nil {
		return 0, err
	}
	if n.(int64) < 0 {
		return 0, errs.Errorf(errs.InvalidParameterValue, "%s must not be negative", what)
	}
	return n.(int64), nil
}

// compareKey orders two sort-key values; NULL placement per NullsFirst.
func compareKey(a, b types.Value, desc, nullsFirst bool) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			if nullsFirst {
				return -1
			}
			return 1
		default:
			if nullsFirst {
				return 1
			}
			return -1
		}
	}
	c := types.Compare(a, b)
	if desc {
		c = -c
	}
	return c
}

// sortKeys evaluates row's sort keys.
func (env *Env) sortKeys(keys []plan.SortKey, row types.Row) ([]types.Value, error) {
	vals := make([]types.Value, len(keys))
	for i, k := range keys {
		v, err := env.Eval(k.X, row)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// sortByKeys orders items (rows, or an aggregate's inputs) stably by
// their evaluated keys: each key is computed once per item, not once per
// comparison.
func sortByKeys[T any](items []T, vals [][]types.Value, keys []plan.SortKey) {
	perm := make([]int, len(items))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(i, j int) bool {
		a, b := vals[perm[i]], vals[perm[j]]
		for k, key := range keys {
			if c := compareKey(a[k], b[k], key.Desc, key.NullsFirst); c != 0 {
				return c < 0
			}
		}
		return false
	})
	sorted := make([]T, len(items))
	for i, p := range perm {
		sorted[i] = items[p]
	}
	copy(items, sorted)
}

// rowKey is a grouping/distinct key: equal values give equal keys.
func rowKey(r types.Row) string {
	var b []byte
	for _, v := range r {
		b = appendGroupKey(b, v)
	}
	return string(b)
}

func appendGroupKey(b []byte, v types.Value) []byte {
	switch x := v.(type) {
	case map[string]any, []any:
		return storage.AppendKey(b, types.FormatText(x))
	case types.JSONText:
		return storage.AppendKey(b, string(x))
	case *types.Composite:
		// A row value: its field count, then each field, so rows equal
		// field by field group together.
		b = storage.AppendKey(b, int64(len(x.Vals)))
		for _, f := range x.Vals {
			b = appendGroupKey(b, f)
		}
		return b
	}
	return storage.AppendKey(b, canonicalNumber(v))
}

// canonicalNumber picks one representative for numerically equal values
// of different kinds, so grouping, DISTINCT, set operations and unique
// index keys treat 1, 1.0 and 1::float8 as one value: integral values
// that fit int64 become int64; a numeric equal to a float64 becomes that
// float64. Other values are returned unchanged.
func canonicalNumber(v types.Value) types.Value {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && x >= -9.223372036854775e18 && x <= 9.223372036854775e18 {
			return int64(x)
		}
	case *apd.Decimal:
		var r apd.Decimal
		r.Reduce(x)
		if r.Exponent >= 0 {
			if n, err := r.Int64(); err == nil {
				return n
			}
			return x
		}
		if f, err := x.Float64(); err == nil {
			if back, _, err := apd.NewFromString(strconv.FormatFloat(f, 'g', -1, 64)); err == nil && back.Cmp(x) == 0 {
				return f
			}
		}
	}
	return v
}

type sliceIter struct {
	rows []types.Row
	i    int
}

func (s *sliceIter) Next() (types.Row, bool, error) {
	if s.i >= len(s.rows) {
		return nil, false, nil
	}
	s.i++
	return s.rows[s.i-1], true, nil
}
func (s *sliceIter) Close() error { return nil }

// distinctIter passes the first of equal rows, in input order.
type distinctIter struct {
	in   iter
	seen map[string]bool
}

func (d *distinctIter) Next() (types.Row, bool, error) {
	for {
		r, ok, err := d.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		if k := rowKey(r); !d.seen[k] {
			d.seen[k] = true
			return r, true, nil
		}
	}
}

func (d *distinctIter) Close() error { return d.in.Close() }

// distinctOnIter is DISTINCT ON over rows sorted on its columns: the first
// row of each run of rows equal in them (NULLs equal, as in DISTINCT).
type distinctOnIter struct {
	in   iter
	on   []int
	last []byte
	any  bool
	key  []byte
}

func (d *distinctOnIter) Next() (types.Row, bool, error) {
	for {
		r, ok, err := d.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		d.key = d.key[:0]
		for _, c := range d.on {
			d.key = appendGroupKey(d.key, r[c])
		}
		if d.any && bytes.Equal(d.key, d.last) {
			continue
		}
		d.any = true
		d.last = append(d.last[:0], d.key...)
		return r, true, nil
	}
}

func (d *distinctOnIter) Close() error { return d.in.Close() }

type valuesIter struct {
	env  *Env
	node *plan.Values
	i    int
}

func (v *valuesIter) Next() (types.Row, bool, error) {
	if v.i >= len(v.node.Rows) {
		return nil, false, nil
	}
	exprs := v.node.Rows[v.i]
	v.i++
	row := make(types.Row, len(exprs))
	for i, e := range exprs {
		val, err := v.env.Eval(e, nil)
		if err != nil {
			return nil, false, err
		}
		row[i] = val
	}
	return row, true, nil
}
func (v *valuesIter) Close() error { return nil }

type filterIter struct {
	env  *Env
	in   iter
	pred plan.Expr
}

func (f *filterIter) Next() (types.Row, bool, error) {
	for {
		r, ok, err := f.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		pass, err := f.env.Truthy(f.pred, r)
		if err != nil {
			return nil, false, err
		}
		if pass {
			return r, true, nil
		}
	}
}
func (f *filterIter) Close() error { return f.in.Close() }

type projectIter struct {
	env   *Env
	in    iter
	exprs []plan.Expr
}

func (p *projectIter) Next() (types.Row, bool, error) {
	r, ok, err := p.in.Next()
	if err != nil || !ok {
		return nil, false, err
	}
	out := make(types.Row, len(p.exprs))
	for i, e := range p.exprs {
		if out[i], err = p.env.Eval(e, r); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}
func (p *projectIter) Close() error { return p.in.Close() }

// projectSetIter yields, for each input row, the rows of its
// set-returning functions side by side (plan.ProjectSet).
type projectSetIter struct {
	env  *Env
	in   iter
	node *plan.ProjectSet
	row  types.Row     // the current input row
	sets [][]types.Row // its functions' results
	i, n int           // the next of its n output rows
}

func (p *projectSetIter) Next() (types.Row, bool, error) {
	for p.i >= p.n {
		r, ok, err := p.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		p.row, p.i, p.n = r, 0, 0
		p.sets = p.sets[:0]
		for _, f := range p.node.Funcs {
			rows, err := p.env.evalTableFunc(f, r)
			if err != nil {
				return nil, false, err
			}
			p.sets = append(p.sets, rows)
			p.n = max(p.n, len(rows))
		}
	}
	out := make(types.Row, len(p.row), len(p.row)+len(p.sets))
	copy(out, p.row)
	for _, rows := range p.sets {
		var v types.Value
		if p.i < len(rows) {
			v = rows[p.i][0]
		}
		out = append(out, v)
	}
	p.i++
	return out, true, nil
}

func (p *projectSetIter) Close() error { return p.in.Close() }

type trimIter struct {
	in iter
	n  int
}

func (t *trimIter) Next() (types.Row, bool, error) {
	r, ok, err := t.in.Next()
	if err != nil || !ok {
		return nil, false, err
	}
	return r[:t.n], true, nil
}
func (t *trimIter) Close() error { return t.in.Close() }

type limitIter struct {
	in            iter
	limit, offset int64
	n             int64
}

func (l *limitIter) Next() (types.Row, bool, error) {
	for l.offset > 0 {
		_, ok, err := l.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		l.offset--
	}
	if l.limit >= 0 && l.n >= l.limit {
		return nil, false, nil
	}
	r, ok, err := l.in.Next()
	if ok {
		l.n++
	}
	return r, ok, err
}
func (l *limitIter) Close() error { return l.in.Close() }

// ---------------------------------------------------------------- aggregate

type group struct {
	keys []types.Value
	accs []funcs.Accumulator
	seen []map[string]bool // per DISTINCT aggregate
	// ordered holds, per aggregate with an ORDER BY, its inputs and their
	// sort keys until the group is complete (feedOrdered).
	ordered [][]orderedInput
}

type orderedInput struct {
	args []types.Value
	keys []types.Value
}

// feedOrdered sorts an ORDER BY aggregate's inputs and adds them in that
// order (DISTINCT then keeps the first of equal arguments).
func (g *group) feedOrdered(i int, a plan.AggCall) error {
	in := g.ordered[i]
	vals := make([][]types.Value, len(in))
	for j := range in {
		vals[j] = in[j].keys
	}
	sortByKeys(in, vals, a.OrderBy)
	for _, o := range in {
		if a.Distinct {
			dk := rowKey(o.args)
			if g.seen[i][dk] {
				continue
			}
			g.seen[i][dk] = true
		}
		if err := g.accs[i].Add(o.args); err != nil {
			return err
		}
	}
	g.ordered[i] = nil
	return nil
}

func (env *Env) openAggregate(x *plan.Aggregate) (iter, error) {
	if scan, workers, ok := env.parallelAggregate(x); ok {
		return env.runParallelAggregate(x, scan, workers)
	}
	in, err := env.open(x.Input)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	_, order, err := env.aggregateRows(x, in)
	if err != nil {
		return nil, err
	}
	return aggregateResult(x, order)
}

// newGroup starts a group of x's aggregates with its key values.
func newGroup(x *plan.Aggregate, keys []types.Value) *group {
	g := &group{keys: keys, accs: make([]funcs.Accumulator, len(x.Aggs)), seen: make([]map[string]bool, len(x.Aggs)),
		ordered: make([][]orderedInput, len(x.Aggs))}
	for i, a := range x.Aggs {
		g.accs[i] = a.Agg.New()
		if a.Distinct {
			g.seen[i] = map[string]bool{}
		}
	}
	return g
}

// aggregateRows groups in's rows and feeds their aggregates; order lists
// the groups as first seen.
func (env *Env) aggregateRows(x *plan.Aggregate, in iter) (groups map[string]*group, order []*group, err error) {
	if si, ok := in.(*scanIter); ok && si.col != nil && colAggregates {
		if ca, ok := colAggregate(x); ok {
			return env.aggregateColumns(x, si, ca, env.aggSlotsOf(x).recycle)
		}
	}
	reuseRows(in) // keys and arguments are copied out of each row
	groups = map[string]*group{}
	keys := make([]types.Value, len(x.GroupBy))
	var kb []byte
	// Accumulators do not keep the argument slice (Accumulator.Add), so
	// one per aggregate serves every row.
	argBufs := make([][]types.Value, len(x.Aggs))
	for i, a := range x.Aggs {
		argBufs[i] = make([]types.Value, len(a.Args))
	}
	// Subexpressions the arguments share are computed once per row into
	// slots (aggSlots). An argument may run a subquery that aggregates
	// too, through this Env: the slots are put back on return.
	sl := env.aggSlotsOf(x)
	aggArgs, slotExprs := sl.args, sl.slots
	if len(slotExprs) > 0 {
		saved := env.slots
		env.slots = make([]types.Value, len(slotExprs))
		defer func() { env.slots = saved }()
	}
	// When nothing keeps a row's decimals past the row (recyclesDecimals),
	// the scan's decoded decimals and the arithmetic results are cut from
	// slabs of this aggregate's own and reused row after row.
	recycle := sl.recycle
	rc, _ := in.(decimalRecycler)
	if recycle {
		env.decs.Fresh()
		if rc != nil {
			rc.newDecimalSlab()
		}
	}
	n := 0
	for {
		r, ok, err := in.Next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		if n++; n%1024 == 0 {
			if err := checkCtx(env.Ctx); err != nil {
				return nil, nil, err
			}
		}
		// The row's group key is built in scratch buffers; a group keeps
		// copies only when it is new.
		kb = kb[:0]
		for i, g := range x.GroupBy {
			if keys[i], err = env.Eval(g, r); err != nil {
				return nil, nil, err
			}
			kb = appendGroupKey(kb, keys[i])
		}
		g := groups[string(kb)]
		if g == nil {
			gk := append([]types.Value(nil), keys...)
			if recycle {
				ownDecimals(gk)
			}
			g = newGroup(x, gk)
			groups[string(kb)] = g
			order = append(order, g)
		}
		for k := len(slotExprs) - 1; k >= 0; k-- { // a slot reads those after it
			if env.slots[k], err = env.Eval(slotExprs[k], r); err != nil {
				return nil, nil, err
			}
		}
		for i, a := range x.Aggs {
			if a.Filter != nil {
				pass, err := env.Truthy(a.Filter, r)
				if err != nil {
					return nil, nil, err
				}
				if !pass {
					continue
				}
			}
			args := argBufs[i]
			for j, ae := range aggArgs[i] {
				if args[j], err = env.Eval(ae, r); err != nil {
					return nil, nil, err
				}
			}
			if len(a.OrderBy) > 0 {
				sk, err := env.sortKeys(a.OrderBy, r)
				if err != nil {
					return nil, nil, err
				}
				g.ordered[i] = append(g.ordered[i], orderedInput{args: append([]types.Value(nil), args...), keys: sk})
				continue
			}
			if a.Distinct {
				dk := rowKey(args)
				if g.seen[i][dk] {
					continue
				}
				g.seen[i][dk] = true
			}
			if err := g.accs[i].Add(args); err != nil {
				return nil, nil, err
			}
		}
		if recycle {
			env.decs.Recycle()
			if rc != nil {
				rc.recycleDecimals()
			}
		}
	}
	return groups, order, nil
}

// colAggregates enables aggregateColumns (tests compare with it off).
var colAggregates = true

// recycleDecimals enables recyclesDecimals (tests compare with it off).
var recycleDecimals = true

// recyclesDecimals reports whether an aggregation keeps no decimal of an
// input row once the row is folded, so the row's decimals (decoded by its
// scan or computed by its arithmetic) may be reused for the next: it reads
// a scan directly (an operator in between, a sort or a join's build, may
// hold computed rows while the aggregate folds them), its aggregates only
// count or add (count, sum, avg copy what they add), none is DISTINCT or
// ordered (those keep their arguments), no subquery runs in it (a cached
// subquery result may hold arithmetic results), and its group keys are
// copied when a group is made (ownDecimals).
func recyclesDecimals(x *plan.Aggregate) bool {
	if !recycleDecimals || plan.HasSubquery(x) {
		return false
	}
	if _, ok := x.Input.(*plan.Scan); !ok {
		return false
	}
	for _, a := range x.Aggs {
		if a.Distinct || len(a.OrderBy) > 0 {
			return false
		}
		switch a.Agg.Name {
		case "count", "sum", "avg":
		default:
			return false
		}
	}
	return true
}

// decimalRecycler is an input whose decoded decimals can be reused
// (scanIter).
type decimalRecycler interface {
	newDecimalSlab()
	recycleDecimals()
}

// ownDecimals replaces the decimals of vs, also inside documents and
// arrays, by copies of their own.
func ownDecimals(vs []types.Value) {
	for i, v := range vs {
		vs[i] = deepCopy(v)
	}
}

// aggregateResult turns the groups into rows: the group-by values, then
// each aggregate's result. Without GROUP BY there is one row even over no
// input.
func aggregateResult(x *plan.Aggregate, order []*group) (iter, error) {
	if len(order) == 0 && len(x.GroupBy) == 0 {
		order = append(order, newGroup(x, nil))
	}
	rows := make([]types.Row, 0, len(order))
	for _, g := range order {
		for i, a := range x.Aggs {
			if len(a.OrderBy) > 0 {
				if err := g.feedOrdered(i, a); err != nil {
					return nil, err
				}
			}
		}
		row := append(types.Row(nil), g.keys...)
		for _, acc := range g.accs {
			v, err := acc.Result()
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	return &sliceIter{rows: rows}, nil
}

// ---------------------------------------------------------------- scan

// Layout returns the engine layout of a collection.
func Layout(coll *catalog.Collection) *document.Layout {
	l := &document.Layout{ID: coll.ID, Name: coll.Name, ShardCols: coll.ShardCols, Placement: coll.Placement, NoChanges: coll.Temp()}
	for _, ix := range coll.Indexes {
		l.Indexes = append(l.Indexes, document.IndexLayout{ID: ix.ID, Name: ix.Name, Unique: ix.Unique, Sorted: ix.Sorted, Desc: ix.Desc})
	}
	return l
}

// scanned is one row found by a scan: its decoded row (scan layout) and
// the stored bytes.
type scanned struct {
	row types.Row
	raw []byte
}

type scanIter struct {
	env  *Env
	scan *plan.Scan
	// full/index scans
	it       *txn.Iterator
	idxUniq  bool
	rowKeys  [][]byte         // index scans: row keys of the current batch, sorted
	rows     *txn.PointReader // index scans: reads the batch's rows in key order
	lastRaw  []byte
	point    bool     // pk lookups (also a lookup join's by whole key)
	pending  [][]byte // pk lookups: encoded keys still to read (row keys: wholeKey)
	wholeKey bool     // pending holds whole row keys, not encoded keys
	seenPK   map[string]bool
	lay      *document.Layout // pk lookups: the collection's layout
	stop     []byte           // a lookup join's key range: where it ends
	n        int
	isStrict bool
	// expIdx is a key-value collection's deadline column (-1 otherwise):
	// rows whose deadline passed before the scan began are skipped.
	expIdx int
	now    time.Time
	// used: the columns to decode (nil: all), from plan.Scan.Used.
	used []bool
	// query: a SELECT's scan (plan.Scan.Used set); next then returns raw
	// aliasing the iterator, valid until the next call, which only Next
	// (discarding it) sees.
	query bool
	// advance: the iterator still has to move past the last row returned.
	advance bool
	// dec decodes the scan's rows (decimals from slabs).
	dec document.Decoder
	// reuse: the consumer keeps no row past the next call (reuseRows), so
	// one row array serves them all.
	reuse  bool
	rowBuf types.Row
	// keysGiven: an index scan whose row keys were read beforehand (a
	// parallel worker's share, in rowKeys); it reads no index entries.
	keysGiven bool
	// staged: the filter evaluated a term at a time on partly decoded
	// rows (nil: decode, then evaluate).
	staged *stagedFilter
	// col: the scan reads a column copy of the collection instead of its
	// stored rows (colscan.go).
	col *colScan
	// order: an ordered scan's source of row keys (orderscan.go).
	order rowKeySource
}

// reuseRows tells in, when it is a scan of a strict collection, that its
// consumer keeps none of its rows past the next call: only values (which
// are never shared between rows) or copies.
func reuseRows(in iter) {
	if si, ok := in.(*scanIter); ok {
		si.reuse = true
	}
}

// newScanIter sets up a scan's decoding; the caller positions it.
func (env *Env) newScanIter(s *plan.Scan) *scanIter {
	si := &scanIter{env: env, scan: s, isStrict: s.Coll.Tuple(), expIdx: kvExpiresIdx(s.Coll)}
	if si.expIdx >= 0 {
		si.now = env.now()
	}
	si.query = s.Used != nil
	si.point = s.Access == plan.AccessPK
	if s.Used != nil && si.isStrict && slices.Contains(s.Used, false) {
		si.used = slices.Clone(s.Used)
		if si.expIdx >= 0 && si.expIdx < len(si.used) {
			si.used[si.expIdx] = true
		}
	}
	si.staged = newStagedFilter(si, nil)
	return si
}

// openScanShare is a full scan of s's collection limited to the vShards
// [vlo, vhi) (a parallel worker's share), reading t, the collection's
// column copy, when it is not nil (see columnTable).
func (env *Env) openScanShare(s *plan.Scan, t *columnar.Table, vlo, vhi int) (*scanIter, error) {
	si := env.newScanIter(s)
	if t != nil && si.query {
		si.col = env.newColScan(si, t, vlo, vhi)
		return si, nil
	}
	it, err := env.Txn.NewIter(vshardBound(s.Coll.ID, vlo), vshardBound(s.Coll.ID, vhi))
	if err != nil {
		return nil, err
	}
	si.it = it
	return si, nil
}

func (env *Env) openScan(s *plan.Scan) (*scanIter, error) {
	si := env.newScanIter(s)
	switch s.Access {
	case plan.AccessPK:
		if len(s.PKKeys) > 1 {
			si.seenPK = map[string]bool{}
		}
		for _, key := range s.PKKeys {
			pkb, ok, err := env.encodeKeyValues(s.Coll, key, nil, nil, false)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if si.seenPK != nil {
				if si.seenPK[string(pkb)] {
					continue
				}
				si.seenPK[string(pkb)] = true
			}
			si.pending = append(si.pending, pkb)
		}
		return si, nil
	case plan.AccessPKPrefix:
		lo, ok, err := env.keyPrefixRange(s.Coll, s.PKKeys[0], nil, nil, false)
		if err != nil || !ok {
			return si, err // no key matches a NULL or a value of no key's type
		}
		it, err := env.Txn.NewIter(lo, storage.PrefixEnd(lo))
		if err != nil {
			return nil, err
		}
		si.it = it
		return si, nil
	case plan.AccessIndex:
		if s.Index.CreatedLSN > env.Txn.SnapshotLSN() && s.Order != 0 {
			return env.orderedFallback(s)
		}
		if s.Index.CreatedLSN > env.Txn.SnapshotLSN() {
			// The index was built after this transaction's snapshot: its
			// entries are invisible here, so read the rows instead (the
			// residual filter holds the whole predicate).
			return env.openScan(&plan.Scan{Coll: s.Coll, Access: plan.AccessFull, Filter: s.Filter, Cols: s.Cols})
		}
		var prefix []byte
		for _, e := range s.IndexEq {
			v, err := env.Eval(e, nil)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return si, nil // = NULL matches nothing
			}
			// Equality values encode exactly as stored index values do
			// (canonical numbers), so several of them form a prefix.
			prefix = storage.AppendKey(prefix, indexValue(v))
		}
		lo, hi := document.IndexRange(s.Index.ID, prefix)
		if s.RangeLo != nil {
			v, err := env.Eval(s.RangeLo, nil)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return si, nil
			}
			b := appendIndexBound(append([]byte(nil), lo...), v)
			if !s.LoIncl {
				b = storage.PrefixEnd(b)
			}
			lo = b
		}
		if s.RangeHi != nil {
			v, err := env.Eval(s.RangeHi, nil)
			if err != nil {
				return nil, err
			}
			if v == nil {
				return si, nil
			}
			b := appendIndexBound(append(storage.IndexPrefix(s.Index.ID), prefix...), v)
			if s.HiIncl {
				b = storage.PrefixEnd(b)
			}
			hi = b
		}
		if s.Order != 0 {
			base, _ := document.IndexRange(s.Index.ID, prefix)
			si.order = &indexOrder{env: env, lay: Layout(s.Coll), uniq: s.Index.Unique, rev: s.Order < 0,
				segs: orderSegments(s, base, lo, hi, s.RangeLo != nil || s.RangeHi != nil)}
			return si, nil
		}
		it, err := env.Txn.NewIter(lo, hi)
		if err != nil {
			return nil, err
		}
		si.it = it
		si.idxUniq = s.Index.Unique
		return si, nil
	default:
		if s.Order != 0 {
			// In primary-key order: the vShards merged.
			si.order = &pkMerge{env: env, coll: s.Coll.ID, rev: s.Order < 0}
			return si, nil
		}
		return env.openScanShare(s, env.columnTable(s), 0, storage.NumVShards)
	}
}

// appendIndexBound encodes a value for an index seek: numbers use the
// shared numeric prefix, so 3 finds 3 and 3.0.
func appendIndexBound(b []byte, v types.Value) []byte {
	switch x := v.(type) {
	case int64:
		return append(b, storage.NumberPrefix(float64(x))...)
	case float64:
		return append(b, storage.NumberPrefix(x)...)
	case *apd.Decimal:
		f, _ := x.Float64()
		return append(b, storage.NumberPrefix(f)...)
	}
	return storage.AppendKey(b, v)
}

// encodeKeyValues evaluates the values of a collection's leading key
// columns (over row) and appends their key encoding to b. ok is false when
// no row can match: a value is NULL, or is of no value of its column's type
// (1.5 for an integer column); a value that is not of the column's type at
// all (text for a number) is an error, as in a comparison.
//
// A lookup join's keys (lenient) treat a value of another type as matching
// nothing too: the join's condition compares it with the column's values
// without converting it, which finds no equal one.
func (env *Env) encodeKeyValues(coll *catalog.Collection, exprs []plan.Expr, row types.Row, b []byte, lenient bool) ([]byte, bool, error) {
	for i, e := range exprs {
		v, err := env.Eval(e, row)
		if err != nil {
			return nil, false, err
		}
		if v == nil {
			return nil, false, nil
		}
		if v, err = pkValue(coll, i, v); err != nil {
			if !lenient && (errs.Is(err, errs.InvalidTextRep) || errs.Is(err, errs.NumericOutOfRange) || errs.Is(err, errs.DatatypeMismatch)) {
				return nil, false, err
			}
			return nil, false, nil
		}
		b = storage.AppendKey(b, v)
	}
	return b, true, nil
}

// keyPrefixRange appends to b the row-key prefix shared by the rows whose
// leading key columns equal exprs (evaluated over row; at least the
// columns the vShard is hashed from): their key range starts there and
// ends at storage.PrefixEnd of it. When no row can match (ok false) b is
// returned as it was.
func (env *Env) keyPrefixRange(coll *catalog.Collection, exprs []plan.Expr, row types.Row, b []byte, lenient bool) ([]byte, bool, error) {
	start := len(b)
	var room [storage.RowKeyPrefixLen]byte
	kb, ok, err := env.encodeKeyValues(coll, exprs, row, append(b, room[:]...), lenient)
	if err != nil || !ok {
		return b, ok, err
	}
	storage.PutRowKeyPrefix(kb[start:], coll.ID, storage.VShardPrefix(coll.PlacementName(), kb[start+storage.RowKeyPrefixLen:], coll.ShardCols))
	return kb, true, nil
}

// pkValue converts a lookup value to the key column's type.
func pkValue(coll *catalog.Collection, i int, v types.Value) (types.Value, error) {
	if !coll.Tuple() {
		return v, nil
	}
	ci := coll.ColumnIndex(coll.PK[i])
	return types.Coerce(v, coll.Columns[ci].Type)
}

func (si *scanIter) Next() (types.Row, bool, error) {
	r, _, ok, err := si.next()
	return r, ok, err
}

// next returns the next row (decoded, with its stored bytes).
func (si *scanIter) next() (types.Row, []byte, bool, error) {
	if si.col != nil {
		row, ok, err := si.col.nextRow(si)
		return row, nil, ok, err
	}
	for {
		if si.advance {
			si.it.Next()
			si.advance = false
		}
		if si.n++; si.n%1024 == 0 {
			if err := checkCtx(si.env.Ctx); err != nil {
				return nil, nil, false, err
			}
		}
		var raw []byte
		switch {
		case si.point:
			if len(si.pending) == 0 {
				return nil, nil, false, nil
			}
			pkb := si.pending[0]
			si.pending = si.pending[1:]
			var v []byte
			var ok bool
			var err error
			if si.wholeKey {
				v, ok, err = si.env.Txn.Get(pkb)
			} else {
				if si.lay == nil {
					si.lay = Layout(si.scan.Coll)
				}
				v, ok, err = si.lay.Get(si.env.Txn, pkb)
			}
			if err != nil {
				return nil, nil, false, err
			}
			if !ok {
				continue
			}
			raw = v
		case si.order != nil || si.scan.Access == plan.AccessIndex && (si.it != nil || si.keysGiven):
			if len(si.rowKeys) == 0 {
				if si.keysGiven {
					return nil, nil, false, nil
				}
				if err := si.nextIndexBatch(); err != nil {
					return nil, nil, false, err
				}
				if len(si.rowKeys) == 0 {
					return nil, nil, false, nil
				}
			}
			if si.rows == nil {
				if err := si.openPointReader(); err != nil {
					return nil, nil, false, err
				}
			}
			key := si.rowKeys[0]
			si.rowKeys = si.rowKeys[1:]
			v, ok, err := si.rows.Get(key)
			if err != nil {
				return nil, nil, false, err
			}
			if !ok {
				continue
			}
			raw = v // a query's row is decoded (copied) before the next Get
			if !si.query {
				raw = append([]byte(nil), v...)
			}
		case si.it == nil:
			return nil, nil, false, nil
		default:
			if !si.it.Valid() || (si.stop != nil && bytes.Compare(si.it.Key(), si.stop) >= 0) {
				return nil, nil, false, nil
			}
			if si.query {
				// A query's row: decoded (copied) out of the iterator's
				// buffer before the iterator moves on, at the next call.
				raw = si.it.Value()
				si.advance = true
			} else {
				raw = append([]byte(nil), si.it.Value()...)
				si.it.Next()
			}
		}
		if si.staged != nil {
			row, pass, err := si.staged.eval(si.env, si.scan.Coll.Name, raw, &si.dec, si.reuse)
			if err != nil {
				return nil, nil, false, err
			}
			if pass {
				return row, raw, true, nil
			}
			continue
		}
		var row types.Row
		var err error
		if si.used != nil && si.reuse {
			row, err = decodeUsedInto(si.rowBuf, si.scan.Coll, raw, si.used, &si.dec)
			si.rowBuf = row
		} else if si.used != nil {
			row, err = decodeUsed(si.scan.Coll, raw, si.used, &si.dec)
		} else {
			row, err = decodeRow(si.scan.Coll, raw)
		}
		if err != nil {
			return nil, nil, false, err
		}
		if si.expIdx >= 0 && si.expIdx < len(row) && kv.Expired(row[si.expIdx], si.now) {
			continue
		}
		pass, err := si.env.Truthy(si.scan.Filter, row)
		if err != nil {
			return nil, nil, false, err
		}
		if pass {
			return row, raw, true, nil
		}
	}
}

// indexBatch is how many index entries an index scan reads before it
// fetches their rows.
const indexBatch = 4096

// nextIndexBatch reads the next index entries and sorts their row keys:
// rows are spread over the table by vShard, and reading them in key order
// through one iterator (as PostgreSQL's bitmap heap scan reads pages in
// order) costs far less than one random point read each. Rows come out in
// key order within a batch, not in index order.
func (si *scanIter) nextIndexBatch() error {
	if si.order != nil {
		// In index order: one key at a time, so that a LIMIT above reads
		// no row it does not return.
		k, ok, err := si.order.next()
		if ok {
			si.rowKeys = append(si.rowKeys, k)
		}
		return err
	}
	lay := Layout(si.scan.Coll)
	for len(si.rowKeys) < indexBatch && si.it.Valid() {
		pkb, err := document.PKFromIndexEntry(si.it.Key(), si.it.Value(), si.idxUniq)
		if err != nil {
			return err
		}
		si.rowKeys = append(si.rowKeys, lay.Key(pkb))
		si.it.Next()
	}
	if len(si.rowKeys) == 0 {
		return nil
	}
	slices.SortFunc(si.rowKeys, bytes.Compare)
	return nil
}

// openPointReader opens the reader an index scan reads its rows through.
func (si *scanIter) openPointReader() error {
	lo := storage.RowPrefix(si.scan.Coll.ID)
	r, err := si.env.Txn.NewPointReader(lo, storage.PrefixEnd(lo))
	if err != nil {
		return err
	}
	si.rows = r
	return nil
}

// indexRowKeys reads every entry of an index scan's range and returns
// the row keys they point at, sorted (ok false when the scan does not read
// through its index: one built after the snapshot).
func (env *Env) indexRowKeys(s *plan.Scan) (keys [][]byte, ok bool, err error) {
	si, err := env.openScan(s)
	if err != nil {
		return nil, false, err
	}
	defer si.Close()
	if si.scan.Access != plan.AccessIndex {
		return nil, false, nil
	}
	if si.it == nil {
		return nil, true, nil // the range is empty (a NULL bound)
	}
	lay := Layout(s.Coll)
	for n := 0; si.it.Valid(); n++ {
		if n%4096 == 0 {
			if err := checkCtx(env.Ctx); err != nil {
				return nil, false, err
			}
		}
		pkb, err := document.PKFromIndexEntry(si.it.Key(), si.it.Value(), si.idxUniq)
		if err != nil {
			return nil, false, err
		}
		keys = append(keys, lay.Key(pkb))
		si.it.Next()
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys, true, nil
}

func (si *scanIter) newDecimalSlab() {
	si.dec.NewDecimalSlab()
	if si.col != nil {
		si.col.decs, si.col.decSlab = nil, nil
	}
}

func (si *scanIter) recycleDecimals() {
	si.dec.RecycleDecimals()
	if si.col != nil {
		si.col.decs = si.col.decSlab
	}
}

func (si *scanIter) Close() error {
	var err error
	if si.rows != nil {
		err = si.rows.Close()
	}
	if si.order != nil {
		if e := si.order.closeIter(); e != nil {
			err = e
		}
	}
	if si.it != nil {
		if e := si.it.Close(); e != nil {
			err = e
		}
	}
	return err
}

// decodeUsed decodes only the used columns of a strict row (the others
// are NULL).
func decodeUsed(coll *catalog.Collection, raw []byte, used []bool, dec *document.Decoder) (types.Row, error) {
	return decodeUsedInto(nil, coll, raw, used, dec)
}

// decodeUsedInto is decodeUsed into dst's array when it is large enough.
func decodeUsedInto(dst types.Row, coll *catalog.Collection, raw []byte, used []bool, dec *document.Decoder) (types.Row, error) {
	t, err := dec.DecodeTupleUsedInto(dst, raw, len(coll.Columns), used)
	if err != nil {
		return nil, errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll.Name, err)
	}
	return t, nil
}

func decodeRow(coll *catalog.Collection, raw []byte) (types.Row, error) {
	if coll.Tuple() {
		t, err := document.DecodeTuple(raw, len(coll.Columns))
		if err != nil {
			return nil, errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll.Name, err)
		}
		return t, nil
	}
	d, err := document.DecodeDoc(raw)
	if err != nil {
		return nil, errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll.Name, err)
	}
	return types.Row{d}, nil
}

// rowParts computes what the engine needs of a row in scan layout: primary
// key values, row id text and index values. Only an index's expression
// can fail (the row's value makes it raise an error).
func rowParts(coll *catalog.Collection, row types.Row) (pk []any, rowID string, idx [][]any, err error) {
	pk, rowID = rowPK(coll, row)
	idx, err = indexValues(coll, row)
	return pk, rowID, idx, err
}

// rowPK is rowParts' primary key values and row id text.
func rowPK(coll *catalog.Collection, row types.Row) (pk []any, rowID string) {
	pk = make([]any, len(coll.PK))
	if len(pk) == 1 {
		pk[0] = columnValue(coll, row, coll.PK[0])
		rowID = types.FormatText(pk[0])
	} else {
		ids := make([]string, len(pk))
		for i, name := range coll.PK {
			pk[i] = columnValue(coll, row, name)
			ids[i] = types.FormatText(pk[i])
		}
		rowID = strings.Join(ids, ",")
	}
	return pk, rowID
}

// columnValue is a stored row's value of a column (a dotted path into a
// schemaless document).
func columnValue(coll *catalog.Collection, row types.Row, name string) types.Value {
	if coll.Tuple() {
		return row[coll.ColumnIndex(name)]
	}
	return fieldOf(row[0], strings.Split(name, "."))
}

// indexValues is rowParts' index values alone. A partial index's values
// are nil for a row its predicate is not true for: the row has no entry.
func indexValues(coll *catalog.Collection, row types.Row) ([][]any, error) {
	if len(coll.Indexes) == 0 {
		return nil, nil
	}
	var bound []plan.BoundIndex
	if computedIndexes(coll) {
		var err error
		if bound, err = plan.IndexBindings(coll); err != nil {
			return nil, err
		}
	}
	idx := make([][]any, len(coll.Indexes))
	for i, ix := range coll.Indexes {
		var elems []plan.Expr
		if bound != nil {
			if w := bound[i].Where; w != nil {
				if v, err := evalIndexExpr(w, row); err != nil {
					return nil, err
				} else if v != true {
					continue
				}
			}
			elems = bound[i].Elems
		}
		n := len(ix.Columns)
		if ix.Sorted {
			n += 2 // the key, the expiry deadline
		}
		vals := make([]any, n)
		for j, c := range ix.Columns {
			if elems != nil && elems[j] != nil {
				v, err := evalIndexExpr(elems[j], row)
				if err != nil {
					return nil, err
				}
				vals[j] = indexValue(v)
				continue
			}
			vals[j] = indexValue(columnValue(coll, row, c))
		}
		if ix.Sorted {
			vals[len(ix.Columns)] = indexValue(columnValue(coll, row, ix.Key))
			if ei := kvExpiresIdx(coll); ei >= 0 {
				vals[len(ix.Columns)+1] = row[ei]
			}
		}
		idx[i] = vals
	}
	return idx, nil
}

// computedIndexes reports whether an index of coll has a key expression
// or a predicate.
func computedIndexes(coll *catalog.Collection) bool {
	for i := range coll.Indexes {
		if coll.Indexes[i].Where != "" || len(coll.Indexes[i].Exprs) > 0 {
			return true
		}
	}
	return false
}

// indexFuncs is the function context of index expressions: they call
// immutable functions only, which read none of it.
var indexFuncs = &funcs.Context{}

// evalIndexExpr evaluates an index's key expression or predicate over a
// row in scan layout.
func evalIndexExpr(e plan.Expr, row types.Row) (types.Value, error) {
	env := Env{Fn: indexFuncs}
	return env.Eval(e, row)
}

// indexValue normalizes a value for an index key: documents index as
// text, equal numbers of different kinds as one value.
func indexValue(v types.Value) types.Value {
	switch v.(type) {
	case map[string]any, []any:
		return types.FormatText(v)
	}
	return canonicalNumber(v)
}
