package exec

import (
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// runJoin joins two inputs: an inner equi-join streams the larger input
// through a hash of the smaller (hashJoinStream); outer joins and joins
// without equi-join keys materialize both inputs and join them, on a hash
// of the right rows when there are equi-join keys, else in a nested loop.
// The ON condition is always re-checked on candidate pairs.
func (env *Env) runJoin(x *plan.Join) ([]types.Row, error) {
	if len(x.LookupKeys) > 0 {
		return env.lookupJoin(x)
	}
	if x.Kind == "INNER" && len(x.EqLeft) > 0 {
		return env.hashJoinStream(x)
	}
	left, err := env.Query(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := env.Query(x.Right)
	if err != nil {
		return nil, err
	}
	lw, rw := len(x.Left.Columns()), len(x.Right.Columns())
	var out []types.Row
	rightMatched := make([]bool, len(right))
	combine := func(l, r types.Row) types.Row {
		row := make(types.Row, 0, lw+rw)
		if l == nil {
			l = make(types.Row, lw)
		}
		if r == nil {
			r = make(types.Row, rw)
		}
		return append(append(row, l...), r...)
	}
	var buckets map[string][]int
	if len(x.EqLeft) > 0 {
		buckets = make(map[string][]int, len(right))
		for i, r := range right {
			k, ok, err := env.joinKey(x.EqRight, r)
			if err != nil {
				return nil, err
			}
			if ok {
				buckets[k] = append(buckets[k], i)
			}
		}
	}
	n := 0
	for _, l := range left {
		matched := false
		try := func(i int) error {
			if n++; n%4096 == 0 {
				if err := checkCtx(env.Ctx); err != nil {
					return err
				}
			}
			row := combine(l, right[i])
			pass, err := env.Truthy(x.On, row)
			if err != nil {
				return err
			}
			if pass {
				matched = true
				rightMatched[i] = true
				out = append(out, row)
			}
			return nil
		}
		if buckets != nil {
			k, ok, err := env.joinKey(x.EqLeft, l)
			if err != nil {
				return nil, err
			}
			if ok {
				for _, i := range buckets[k] {
					if err := try(i); err != nil {
						return nil, err
					}
				}
			}
		} else {
			for i := range right {
				if err := try(i); err != nil {
					return nil, err
				}
			}
		}
		if !matched && (x.Kind == "LEFT" || x.Kind == "FULL") {
			out = append(out, combine(l, nil))
		}
	}
	if x.Kind == "RIGHT" || x.Kind == "FULL" {
		for i, r := range right {
			if !rightMatched[i] {
				out = append(out, combine(nil, r))
			}
		}
	}
	return out, nil
}

// hashJoinStream is an inner equi-join that materializes and hashes only
// the input the planner expects to be smaller (the build side) and
// streams the other through it, so the larger input (a fact table's scan)
// is never held in memory. The output follows the streamed rows' order,
// each row's matches in build order, as the materializing join does.
func (env *Env) hashJoinStream(x *plan.Join) ([]types.Row, error) {
	buildLeft := plan.Estimate(x.Left) <= plan.Estimate(x.Right)
	buildNode, probeNode, buildKeys, probeKeys := x.Right, x.Left, x.EqRight, x.EqLeft
	if buildLeft {
		buildNode, probeNode, buildKeys, probeKeys = x.Left, x.Right, x.EqLeft, x.EqRight
	}
	build, err := env.queryParallel(buildNode)
	if err != nil {
		return nil, err
	}
	buckets, err := env.buildJoinTable(buildKeys, build)
	if err != nil {
		return nil, err
	}
	checks := env.probeChecks(x, probeKeys, buckets, buildLeft)
	if scan, workers, ok := env.parallelProbe(x, probeNode, probeKeys); ok {
		return env.runParallelProbe(x, scan, workers, probeKeys, build, buckets, buildLeft, checks)
	}
	if j, ok := probeNode.(*plan.Join); ok && j.Kind == "INNER" && len(j.EqLeft) > 0 {
		// The probe is an inner hash join too: its probe rows that
		// cannot meet this build are dropped inside it (and, through it,
		// inside the scan it streams).
		if env.pushed == nil {
			env.pushed = map[*plan.Join][]*probeCheck{}
		}
		env.pushed[j] = checks
		defer delete(env.pushed, j)
	}
	probe, err := env.open(probeNode)
	if err != nil {
		return nil, err
	}
	out, err := env.probeJoin(x, probe, probeKeys, build, buckets, buildLeft, checks)
	if cerr := probe.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// probeChecks lists the tests a probe row of join x must pass to be worth
// joining (a scan as the probe applies them before decoding the rest of
// a row, stagedFilter): that x's build holds its key, and the checks an
// enclosing inner hash join pushed down onto x's output whose keys read
// only the probe side's columns, rewritten over them. An inner join's
// output row without a partner in the enclosing build is dropped there
// anyway, and so is every probe row that could only produce such rows.
func (env *Env) probeChecks(x *plan.Join, probeKeys []plan.Expr, buckets *joinTable, buildLeft bool) []*probeCheck {
	checks := []*probeCheck{{keys: probeKeys, tab: buckets}}
	off, width := 0, len(x.Left.Columns())
	if buildLeft {
		off, width = width, len(x.Right.Columns())
	}
	for _, c := range env.pushed[x] {
		keys := make([]plan.Expr, 0, len(c.keys))
		for _, k := range c.keys {
			s, ok := plan.ShiftColumns(k, off, width)
			if !ok || !plan.ParallelSafeExprs(s) {
				keys = nil
				break
			}
			keys = append(keys, s)
		}
		if keys != nil {
			checks = append(checks, &probeCheck{keys: keys, tab: c.tab})
		}
	}
	return checks
}

// probeJoin streams probe's rows through the hashed build rows. When probe
// is a scan, the rows that fail checks are dropped inside it.
func (env *Env) probeJoin(x *plan.Join, probe iter, probeKeys []plan.Expr, build []types.Row, buckets *joinTable, buildLeft bool, checks []*probeCheck) ([]types.Row, error) {
	reuseRows(probe) // output rows copy the probe row's values
	if si, ok := probe.(*scanIter); ok {
		if si.col != nil {
			si.col.setProbes(checks)
		} else if sf := newStagedFilter(si, checks); sf != nil {
			si.staged = sf
		}
	}
	lw, rw := len(x.Left.Columns()), len(x.Right.Columns())
	var out []types.Row
	var kb []byte
	n := 0
	for {
		p, ok, err := probe.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		var match []int
		if match, kb, err = buckets.lookup(env, probeKeys, p, kb); err != nil {
			return nil, err
		}
		for _, i := range match {
			if n++; n%4096 == 0 {
				if err := checkCtx(env.Ctx); err != nil {
					return nil, err
				}
			}
			l, r := p, build[i]
			if buildLeft {
				l, r = build[i], p
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
	return out, nil
}

// joinTable maps the keys of a hash join's build rows to the rows'
// indexes. A single key whose canonical value (canonicalNumber) is an
// int64, what integer equi-joins have, is found in ints without being
// encoded; any other key by its group-key encoding in strs. Both find the
// same rows as encoding every key would: an int64's encoding belongs to
// no other canonical value.
type joinTable struct {
	single bool // one key expression
	ints   map[int64][]int
	strs   map[string][]int
	// set: the integer keys as a bitmap, for probes of a column copy's
	// integers (intSet); made once, shared by parallel probes.
	setOnce sync.Once
	set     *intSet
}

// intSet is a set of integers as a bitmap: bit x-lo of bits.
type intSet struct {
	lo   int64
	bits []uint64
}

// intKeys reports whether the table's keys are all single integers, and
// returns them as a bitmap when they are dense enough (a range of fewer
// than 64 values per key, at most 2^26): a probe then tests a bit rather
// than hashing.
func (t *joinTable) intKeys() (set *intSet, ok bool) {
	if !t.single || len(t.strs) > 0 {
		return nil, false
	}
	t.setOnce.Do(func() {
		if len(t.ints) == 0 {
			return
		}
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for k := range t.ints {
			lo, hi = min(lo, k), max(hi, k)
		}
		span := uint64(hi) - uint64(lo)
		if span >= 1<<26 || span >= 64*uint64(len(t.ints))+4096 {
			return
		}
		s := &intSet{lo: lo, bits: make([]uint64, span/64+1)}
		for k := range t.ints {
			d := uint64(k - lo)
			s.bits[d/64] |= 1 << (d % 64)
		}
		t.set = s
	})
	return t.set, true
}

// buildJoinTable hashes build on keys (rows with a NULL key are left out:
// they never match).
func (env *Env) buildJoinTable(keys []plan.Expr, build []types.Row) (*joinTable, error) {
	t := &joinTable{single: len(keys) == 1}
	if t.single { // sized for the kind integer keys need, the other grows
		t.ints, t.strs = make(map[int64][]int, len(build)), map[string][]int{}
	} else {
		t.ints, t.strs = map[int64][]int{}, make(map[string][]int, len(build))
	}
	var kb []byte
	for i, r := range build {
		n, isInt, k, ok, err := t.key(env, keys, r, kb)
		if err != nil {
			return nil, err
		}
		kb = k
		switch {
		case !ok:
		case isInt:
			t.ints[n] = append(t.ints[n], i)
		default:
			t.strs[string(kb)] = append(t.strs[string(kb)], i)
		}
	}
	return t, nil
}

// key computes row's key: an int64 (isInt) or an encoding in kb (which it
// returns for reuse); ok is false when a key value is NULL.
func (t *joinTable) key(env *Env, keys []plan.Expr, row types.Row, kb []byte) (n int64, isInt bool, _ []byte, ok bool, err error) {
	if t.single {
		v, err := env.Eval(keys[0], row)
		if err != nil || v == nil {
			return 0, false, kb, false, err
		}
		if n, isInt := canonicalNumber(v).(int64); isInt {
			return n, true, kb, true, nil
		}
		return 0, false, appendGroupKey(kb[:0], v), true, nil
	}
	kb, ok, err = env.appendJoinKey(kb[:0], keys, row)
	return 0, false, kb, ok, err
}

// lookup returns the indexes of the build rows whose key equals row's
// (none for a NULL key) and kb for reuse.
func (t *joinTable) lookup(env *Env, keys []plan.Expr, row types.Row, kb []byte) ([]int, []byte, error) {
	n, isInt, kb, ok, err := t.key(env, keys, row, kb)
	switch {
	case err != nil || !ok:
		return nil, kb, err
	case isInt:
		return t.ints[n], kb, nil
	}
	return t.strs[string(kb)], kb, nil
}

// appendJoinKey appends row's hash key to b; ok is false when a key
// value is NULL (such rows never match).
func (env *Env) appendJoinKey(b []byte, exprs []plan.Expr, row types.Row) ([]byte, bool, error) {
	for _, e := range exprs {
		v, err := env.Eval(e, row)
		if err != nil {
			return b, false, err
		}
		if v == nil {
			return b, false, nil
		}
		b = appendGroupKey(b, v)
	}
	return b, true, nil
}

// joinKey computes a hash key; rows with a NULL key never match.
func (env *Env) joinKey(exprs []plan.Expr, row types.Row) (string, bool, error) {
	kb, ok, err := env.appendJoinKey(nil, exprs, row)
	return string(kb), ok, err
}

// runSetOp evaluates UNION / INTERSECT / EXCEPT [ALL].
func (env *Env) runSetOp(x *plan.SetOp) ([]types.Row, error) {
	left, err := env.Query(x.Left)
	if err != nil {
		return nil, err
	}
	right, err := env.Query(x.Right)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "UNION":
		all := append(left, right...)
		if x.All {
			return all, nil
		}
		return distinctRows(all), nil
	case "INTERSECT", "EXCEPT":
		counts := map[string]int{}
		for _, r := range right {
			counts[rowKey(r)]++
		}
		var out []types.Row
		seen := map[string]bool{}
		for _, r := range left {
			k := rowKey(r)
			in := counts[k] > 0
			keep := in == (x.Op == "INTERSECT")
			if x.All {
				if in {
					counts[k]--
				}
			} else {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			if keep {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "set operation %s", x.Op)
}

func distinctRows(rows []types.Row) []types.Row {
	seen := make(map[string]bool, len(rows))
	out := rows[:0:0]
	for _, r := range rows {
		k := rowKey(r)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// subqueryRows runs a subquery for the current (outer) row: once per
// statement when it is not correlated.
func (env *Env) subqueryRows(x *plan.Subquery, row types.Row) ([]types.Row, error) {
	if !x.Correlated {
		if env.subCache == nil {
			env.subCache = map[*plan.Subquery][]types.Row{}
		}
		cached, ok := env.subCache[x]
		if !ok {
			r, err := env.Query(x.Plan)
			if err != nil {
				return nil, err
			}
			env.subCache[x] = r
			cached = r
		}
		return cached, nil
	}
	env.outer = append(env.outer, row)
	r, err := env.Query(x.Plan)
	env.outer = env.outer[:len(env.outer)-1]
	return r, err
}

// subqueryRow is the row of a SubRow subquery (the source of SET (a, b)
// = (SELECT ...)) for the current row: NULLs when it gives no row, 21000
// when it gives more than one.
func (env *Env) subqueryRow(x *plan.Subquery, row types.Row) (types.Row, error) {
	rows, err := env.subqueryRows(x, row)
	if err != nil {
		return nil, err
	}
	n := len(x.Plan.Columns())
	switch len(rows) {
	case 0:
		return make(types.Row, n), nil
	case 1:
		return rows[0][:n], nil
	}
	return nil, errs.New(errs.CardinalityViolation, "more than one row returned by a subquery used as an expression")
}

// evalSubquery evaluates a subquery expression for the current row.
func (env *Env) evalSubquery(x *plan.Subquery, row types.Row) (types.Value, error) {
	rows, err := env.subqueryRows(x, row)
	if err != nil {
		return nil, err
	}
	switch x.Kind {
	case plan.SubScalar:
		switch len(rows) {
		case 0:
			return nil, nil
		case 1:
			return rows[0][0], nil
		}
		return nil, errs.New(errs.CardinalityViolation, "more than one row returned by a subquery used as an expression")
	case plan.SubExists:
		return (len(rows) > 0) != x.Not, nil
	case plan.SubArray:
		arr := make([]any, len(rows))
		for i, r := range rows {
			arr[i] = r[0]
		}
		return arr, nil
	}
	// IN
	v, err := env.Eval(x.X, row)
	if err != nil {
		return nil, err
	}
	if v == nil {
		if len(rows) == 0 {
			return x.Not, nil
		}
		return nil, nil
	}
	if c, ok := v.(*types.Composite); ok && len(rows) > 0 && len(rows[0]) > 1 {
		return rowIn(c.Vals, rows, x.Not), nil
	}
	sawNull := false
	for _, r := range rows {
		if r[0] == nil {
			sawNull = true
			continue
		}
		if types.Compare(v, r[0]) == 0 {
			return !x.Not, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return x.Not, nil
}

// rowIn is (a, b) [NOT] IN (SELECT x, y ...) as PostgreSQL evaluates it:
// true when a row equals vals in every field, NULL when none does but
// one might (its only non-equal fields are NULL), false otherwise.
func rowIn(vals []types.Value, rows []types.Row, not bool) types.Value {
	sawNull := false
	for _, r := range rows {
		unknown, differs := false, false
		for i, v := range vals {
			switch {
			case v == nil || r[i] == nil:
				unknown = true
			case types.Compare(v, r[i]) != 0:
				differs = true
			}
		}
		switch {
		case !differs && !unknown:
			return !not
		case !differs:
			sawNull = true
		}
	}
	if sawNull {
		return nil
	}
	return not
}

// evalQuantified evaluates x op ANY/ALL (list) with three-valued logic.
func (env *Env) evalQuantified(q *plan.Quantified, row types.Row) (types.Value, error) {
	v, err := env.Eval(q.X, row)
	if err != nil {
		return nil, err
	}
	var list types.Value
	if q.Sub != nil {
		list, err = env.evalSubquery(q.Sub, row)
	} else {
		list, err = env.Eval(q.Array, row)
	}
	if err != nil {
		return nil, err
	}
	elems, err := asList(list)
	if err != nil {
		return nil, err
	}
	sawNull := false
	for _, e := range elems {
		r, err := funcs.Binary(q.Op, v, e, types.Bool)
		if err != nil {
			return nil, err
		}
		switch {
		case r == nil:
			sawNull = true
		case r == true && !q.All:
			return true, nil
		case r == false && q.All:
			return false, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return q.All, nil
}

// asList reads an array value: a []any, or pg array text such as {1,2}.
func asList(v types.Value) ([]any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return x, nil
	case string:
		if strings.HasPrefix(x, "{") {
			return types.ParseArrayText(x)
		}
		if strings.HasPrefix(x, "[") {
			d, err := types.ParseJSON(x)
			if err != nil {
				return nil, err
			}
			if a, ok := d.([]any); ok {
				return a, nil
			}
		}
		// An int2vector/oidvector is space separated.
		var out []any
		for _, f := range strings.Fields(x) {
			if n, err := strconv.ParseInt(f, 10, 64); err == nil {
				out = append(out, n)
			} else {
				out = append(out, f)
			}
		}
		return out, nil
	}
	return nil, errs.Errorf(errs.DatatypeMismatch, "op ANY/ALL (array) requires array on right side")
}

// runFuncScan evaluates a set-returning function in FROM.
func (env *Env) runFuncScan(x *plan.FuncScan) ([]types.Row, error) {
	if len(x.Zip) == 0 {
		return env.evalTableFunc(x, nil)
	}
	// ROWS FROM: row i of each function side by side.
	var out []types.Row
	off, width := 0, 0
	for _, z := range x.Zip {
		width += len(z.Cols)
	}
	for _, z := range x.Zip {
		rows, err := env.evalTableFunc(z, nil)
		if err != nil {
			return nil, err
		}
		for len(out) < len(rows) {
			out = append(out, make(types.Row, width))
		}
		for i, r := range rows {
			copy(out[i][off:], r)
		}
		off += len(z.Cols)
	}
	return out, nil
}

// evalTableFunc evaluates a set-returning function with its arguments over
// row (nil in FROM; a ProjectSet's input row in the select list).
func (env *Env) evalTableFunc(x *plan.FuncScan, row types.Row) ([]types.Row, error) {
	rows, err := env.tableFuncRows(x, row)
	if err != nil || len(x.Record) == 0 {
		return rows, err
	}
	names, ts := make([]string, len(x.Record)), make([]types.T, len(x.Record))
	for i, c := range x.Record {
		names[i], ts[i] = c.Name, c.T
	}
	for i, r := range rows {
		rows[i] = types.Row{&types.Composite{Names: names, Types: ts, Vals: r}}
	}
	return rows, nil
}

func (env *Env) tableFuncRows(x *plan.FuncScan, row types.Row) ([]types.Row, error) {
	if x.Scalar != nil {
		v, err := env.Eval(x.Scalar, row)
		if err != nil {
			return nil, err
		}
		return []types.Row{{v}}, nil
	}
	args := make([]types.Value, len(x.Args))
	for i, a := range x.Args {
		v, err := env.Eval(a, row)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	switch x.Name {
	case "topk", "range":
		ts := make([]types.T, len(x.Cols))
		for i, c := range x.Cols {
			ts[i] = c.T
		}
		if x.Name == "range" {
			return env.SortedRange(x.Coll, x.Index, ts, args[0], args[1])
		}
		if args[0] == nil {
			return nil, nil
		}
		k, err := types.Cast(args[0], types.Int8)
		if err != nil {
			return nil, errs.Errorf(errs.InvalidParameterValue, "TOPK needs an integer k: %w", err)
		}
		return env.SortedTop(x.Coll, x.Index, ts, k.(int64))
	case "generate_series":
		for _, a := range args {
			if a == nil {
				return nil, nil
			}
		}
		switch x.Cols[0].T {
		case types.Timestamp, types.Timestamptz:
			return env.timeSeries(args, x.Cols[0].T)
		case types.Numeric:
			return env.numericSeries(args)
		}
		ints := make([]int64, len(args))
		for i, a := range args {
			n, err := types.Cast(a, types.Int8)
			if err != nil {
				return nil, err
			}
			ints[i] = n.(int64)
		}
		step := int64(1)
		if len(ints) == 3 {
			step = ints[2]
		}
		if step == 0 {
			return nil, errs.New(errs.InvalidParameterValue, "step size cannot equal zero")
		}
		var rows []types.Row
		for v := ints[0]; (step > 0 && v <= ints[1]) || (step < 0 && v >= ints[1]); v += step {
			if err := env.seriesGuard(len(rows)); err != nil {
				return nil, err
			}
			rows = append(rows, types.Row{v})
		}
		return rows, nil
	case "pg_partition_ancestors":
		// No table is partitioned: a relation is its only ancestor.
		if args[0] == nil {
			return nil, nil
		}
		oid, err := funcs.CastRegClass(env.Fn, args[0])
		if err != nil {
			return nil, err
		}
		return []types.Row{{oid}}, nil
	case "pg_listening_channels":
		var rows []types.Row
		if env.Fn != nil && env.Fn.Channels != nil {
			for _, ch := range env.Fn.Channels() {
				rows = append(rows, types.Row{ch})
			}
		}
		return rows, nil
	case "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
		"json_object_keys", "jsonb_object_keys", "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		return jsonTableFunc(x.Name, args[0])
	case "pg_get_keywords":
		var rows []types.Row
		for _, k := range funcs.Keywords() {
			rows = append(rows, types.Row{k.Word, k.CatCode, k.BareLabel, funcs.KeywordCatDesc(k.CatCode), funcs.KeywordBareDesc(k.BareLabel)})
		}
		return rows, nil
	case "pg_options_to_table":
		return optionRows(args[0])
	case "information_schema._pg_expandarray":
		return elementRows(args[0], true) // each element with its 1-based position (x, n)
	case "generate_subscripts":
		return generateSubscripts(x.Args[0].Type(), args)
	case "unnest":
		if len(args) > 1 {
			return zipElementRows(args)
		}
		return elementRows(args[0], false)
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "table function %s", x.Name)
}

// applyIter runs a lateral join (plan.Apply): for each left row, the
// right plan with that row as the innermost outer row.
type applyIter struct {
	env   *Env
	node  *plan.Apply
	in    iter
	width int // of the right side's rows

	left    types.Row
	right   []types.Row
	i       int
	pending bool // left has not been returned yet (for Outer)
}

func (a *applyIter) Next() (types.Row, bool, error) {
	for {
		for a.i < len(a.right) {
			r := a.right[a.i]
			a.i++
			row := append(append(make(types.Row, 0, len(a.left)+len(r)), a.left...), r...)
			if a.node.On != nil {
				ok, err := a.env.Truthy(a.node.On, row)
				if err != nil {
					return nil, false, err
				}
				if !ok {
					continue
				}
			}
			a.pending = false
			return row, true, nil
		}
		if a.pending && a.node.Outer {
			a.pending = false
			return append(append(make(types.Row, 0, len(a.left)+a.width), a.left...), make(types.Row, a.width)...), true, nil
		}
		if err := checkCtx(a.env.Ctx); err != nil {
			return nil, false, err
		}
		l, ok, err := a.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		a.env.outer = append(a.env.outer, l)
		rows, err := a.env.Query(a.node.Right)
		a.env.outer = a.env.outer[:len(a.env.outer)-1]
		if err != nil {
			return nil, false, err
		}
		if a.node.One && len(rows) > 1 {
			return nil, false, errs.New(errs.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
		a.left, a.right, a.i, a.pending = l, rows, 0, true
	}
}

func (a *applyIter) Close() error { return a.in.Close() }

// elementRows is a row per element of an array, with its 1-based
// position when numbered.
func elementRows(arr types.Value, numbered bool) ([]types.Row, error) {
	elems, err := asList(arr)
	if err != nil {
		return nil, err
	}
	rows := make([]types.Row, len(elems))
	for i, e := range elems {
		if numbered {
			rows[i] = types.Row{e, int64(i + 1)}
		} else {
			rows[i] = types.Row{e}
		}
	}
	return rows, nil
}

// zipElementRows is unnest(a, b, ...) in FROM: row i holds each array's
// element i, NULL where an array is shorter than the longest.
func zipElementRows(arrs []types.Value) ([]types.Row, error) {
	var rows []types.Row
	for j, arr := range arrs {
		elems, err := asList(arr)
		if err != nil {
			return nil, err
		}
		for len(rows) < len(elems) {
			rows = append(rows, make(types.Row, len(arrs)))
		}
		for i, e := range elems {
			rows[i][j] = e
		}
	}
	return rows, nil
}

// lowerBound is the first subscript of an array of static type t:
// PostgreSQL's int2vector and oidvector count from 0, other arrays from 1.
func lowerBound(t types.T) int {
	if t == types.Int2Vector || t == types.OIDVector {
		return 0
	}
	return 1
}

// generateSubscripts is generate_subscripts(array, dim [, reverse]): the
// subscripts of the array's dimension dim (arrays of arrays have a second
// dimension as long as their first element).
func generateSubscripts(t types.T, args []types.Value) ([]types.Row, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	elems, err := asList(args[0])
	if err != nil {
		return nil, err
	}
	dim, err := types.Cast(args[1], types.Int8)
	if err != nil {
		return nil, err
	}
	for d := int64(1); d < dim.(int64) && len(elems) > 0; d++ {
		sub, ok := elems[0].([]any)
		if !ok {
			return nil, nil
		}
		elems = sub
	}
	if dim.(int64) < 1 {
		return nil, nil
	}
	reverse := len(args) == 3 && args[2] == true
	lo := lowerBound(t)
	rows := make([]types.Row, len(elems))
	for i := range elems {
		n := i
		if reverse {
			n = len(elems) - 1 - i
		}
		rows[i] = types.Row{int64(lo + n)}
	}
	return rows, nil
}

// optionRows is pg_options_to_table(options): each "name=value" entry of
// a text[] of storage options as (option_name, option_value), the value
// NULL for an entry without "=".
func optionRows(arr types.Value) ([]types.Row, error) {
	if arr == nil {
		return nil, nil
	}
	elems, err := asList(arr)
	if err != nil {
		return nil, err
	}
	rows := make([]types.Row, 0, len(elems))
	for _, e := range elems {
		if e == nil {
			continue
		}
		name, value, ok := strings.Cut(types.FormatText(e), "=")
		if ok {
			rows = append(rows, types.Row{name, value})
		} else {
			rows = append(rows, types.Row{name, nil})
		}
	}
	return rows, nil
}
