package exec

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/columnar"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Column-cached scans. A full scan of a large strict collection whose
// rows have stayed the same (below) copies the columns the query reads
// into a columnar.Table (Env.Columns holds them), and it and later scans
// read that copy instead of the stored rows: no Pebble step and no tuple
// decoding per row, and the filter's simple terms (column op constant, a
// lower and an upper bound together, column op column, column IN
// (constants)) and a hash join's integer probe are tested a block of rows
// at a time by the vector kernels; the other terms run per row on the
// rows that pass those, as before (aggregations over such a scan:
// colagg.go). Over TPC-H's
// lineitem that is what separates a row store's scan from a column
// store's.
//
// A copy is the collection's content as of the snapshot it was read from,
// tagged with that snapshot's batch count; a scan uses it only while the
// collection's row epoch (txn.Manager.RowEpoch: the last batch that wrote
// one of its rows) is at or below both that tag and its own snapshot's
// batch count, so both snapshots show the same rows (see txn's
// rowEpochs). A transaction that wrote anything, or reads queued commits
// (ReadLatest), reads the stored rows. The copy is built by the first
// full scan when the rows have not changed for a second (or since the
// server started), else by the second uncached full scan that finds them
// unchanged (a collection written between every two scans is never
// copied), on parallel workers like the scans themselves; a copy missing
// columns a query reads gets them read and added. Copies live in memory
// only, within the cache's byte budget; one that does not fit is not
// built again until the collection's rows change.

// colMinRows is the least number of rows (by the collection's
// statistics) a collection has for its scans to be copied.
const colMinRows = 10_000

// stable reports whether rows last written at since (zero: not since the
// server started) have stayed the same for age (the cache's StableAge:
// then their first full scan copies them, else the second scan of the
// same rows does).
func stable(since time.Time, age time.Duration) bool {
	return since.IsZero() || time.Since(since) >= age
}

// colBlock is how many rows the kernels test at a time.
const colBlock = 1024

// colShape is the fingerprint of a collection's column layout a copy is
// made under: the column types in order.
func colShape(coll *catalog.Collection) string {
	var b strings.Builder
	for _, c := range coll.Columns {
		fmt.Fprintf(&b, "%d.%d,", c.Type, c.TypeMod)
	}
	return b.String()
}

// HasColumnCopy reports whether full scans of coll would now read a
// column copy from cache (one made under its current layout, of its
// current rows), for the planner's costs.
func HasColumnCopy(cache *columnar.Cache, m *txn.Manager, coll *catalog.Collection) bool {
	if cache == nil || !coll.Tuple() || kvExpiresIdx(coll) >= 0 {
		return false
	}
	t := cache.Peek(coll.ID)
	return t != nil && t.Shape == colShape(coll) && m.RowEpoch(coll.ID) <= t.Tag
}

// columnTable returns the copy of s's collection a scan may read instead
// of the stored rows, or nil, building one when the policy above asks for
// it. A scan calls it once: its parallel shares read the copy it returns.
func (env *Env) columnTable(s *plan.Scan) *columnar.Table {
	cache := env.Columns
	if cache == nil || s.Access != plan.AccessFull || s.Used == nil || !s.Coll.Tuple() ||
		kvExpiresIdx(s.Coll) >= 0 || env.Txn == nil || env.Txn.HasWrites() || env.Txn.ReadsLatest() {
		return nil
	}
	// A collection too small to be copied (by its statistics) is not
	// looked up at all: its scans pay nothing for the cache.
	rows := plan.Estimate(&plan.Scan{Coll: s.Coll, Access: plan.AccessFull, Stats: s.Stats})
	if rows < float64(colMinRows) {
		return nil
	}
	id := s.Coll.ID
	epoch, batches := env.Txn.Manager().RowEpoch(id), env.Txn.BatchCount()
	if epoch > batches {
		return nil // the snapshot may miss a write others see
	}
	shape := colShape(s.Coll)
	need := s.Used
	t := cache.Get(id)
	if t != nil && (t.Shape != shape || epoch > t.Tag) {
		cache.Drop(t)
		t = nil
	}
	if t != nil && t.Holds(need) {
		cache.Hit()
		return t
	}
	if cache.Rejected(id, epoch) {
		return nil
	}
	if t == nil && !cache.Seen(id, epoch) && !stable(env.Txn.Manager().RowEpochSince(id), cache.StableAge()) {
		return nil
	}
	if !cache.StartBuild(id) {
		return nil
	}
	var nt *columnar.Table
	var err error
	if t != nil {
		// The copy holds the rows this snapshot shows (both are at or
		// above the epoch): read only the columns it lacks, into segments
		// of the same vShards, and add them.
		var missing []int
		for c, u := range need {
			if u && c < len(s.Coll.Columns) && !(c < len(t.Held) && t.Held[c]) {
				missing = append(missing, c)
			}
		}
		var segs []*columnar.Segment
		if segs, err = env.buildSegments(s.Coll, segRanges(t), missing, t.Rows); err == nil {
			nt, err = t.With(segs, missing, min(t.Tag, batches))
		}
	} else {
		var segs []*columnar.Segment
		workers := max(env.parallelWorkers(), 1)
		ranges := make([][2]int, workers)
		for w := range ranges {
			ranges[w] = [2]int{w * storage.NumVShards / workers, (w + 1) * storage.NumVShards / workers}
		}
		var cols []int
		for c, u := range need {
			if u && c < len(s.Coll.Columns) {
				cols = append(cols, c)
			}
		}
		if segs, err = env.buildSegments(s.Coll, ranges, cols, int(min(rows, 1<<26))); err == nil {
			nt = columnar.NewTable(id, shape, batches, slices.Clone(need), segs)
		}
	}
	if err != nil || env.Txn.Manager().RowEpoch(id) > batches {
		nt = nil
	}
	if !cache.EndBuild(id, nt) {
		if nt != nil {
			cache.Reject(id, epoch) // too large for the budget: not again until the rows change
		}
		return nil
	}
	cache.Hit() // the scan that made the copy reads it too
	return nt
}

// segRanges are the vShard ranges of t's segments.
func segRanges(t *columnar.Table) [][2]int {
	r := make([][2]int, len(t.Segs))
	for i, g := range t.Segs {
		r[i] = [2]int{g.VLo, g.VHi}
	}
	return r
}

// buildSegments reads the columns cols of every row of coll (about
// rowsHint of them) from the transaction's snapshot into one segment per
// vShard range, a worker each.
func (env *Env) buildSegments(coll *catalog.Collection, ranges [][2]int, cols []int, rowsHint int) ([]*columnar.Segment, error) {
	n := len(ranges)
	segs := make([]*columnar.Segment, n)
	werrs := make([]error, n)
	ctx, cancel := env.parallelContext()
	defer cancel()
	runWorkers(werrs, cancel, func(w int) error {
		vlo, vhi := ranges[w][0], ranges[w][1]
		it, err := env.Txn.NewIter(vshardBound(coll.ID, vlo), vshardBound(coll.ID, vhi))
		if err != nil {
			return err
		}
		defer it.Close()
		share := rowsHint * (vhi - vlo) / storage.NumVShards
		b := columnar.NewSegmentBuilder(vlo, vhi, len(coll.Columns), cols, share+share/8+16)
		var dec document.Decoder
		var tup document.Tuple
		vals := make([]any, len(cols))
		for n := 0; it.Valid(); n++ {
			if n%1024 == 0 {
				if err := checkCtx(ctx); err != nil {
					return err
				}
			}
			key := it.Key()
			if len(key) < storage.RowKeyPrefixLen {
				return errs.Errorf(errs.DataCorrupted, "collection %s: short row key", coll.Name)
			}
			if err := tup.Reset(it.Value()); err != nil {
				return errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll.Name, err)
			}
			for k, c := range cols {
				v, err := dec.Column(&tup, c)
				if err != nil {
					return errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll.Name, err)
				}
				vals[k] = v
			}
			b.Add(int(binary.BigEndian.Uint16(key[5:storage.RowKeyPrefixLen])), vals)
			it.Next()
		}
		segs[w] = b.Finish()
		return nil
	})
	for _, err := range werrs {
		if err != nil {
			return nil, err
		}
	}
	return segs, nil
}

// colKernel is a filter term a vector kernel evaluates.
type colKernel struct {
	e    plan.Expr // the term
	col  int
	op   columnar.Op
	c    any   // column op c
	col2 int   // column op column col2 (-1: none)
	list []any // column IN list
	in   bool
	not  bool
	// padded: the column is character(n), whose values compare without
	// their trailing blanks (c and list are stripped already when they
	// are character(n) too).
	padded bool
	// A range: column op c AND column hiOp hi (op > or >=, hiOp < or <=),
	// the terms e and e2, tested in one pass where the vector allows.
	isRange bool
	hiOp    columnar.Op
	hi      any
	e2      plan.Expr
	tmp     []int32
}

// run appends to out the rows of rs of segment g that pass k; ok false
// when the kernel does not apply to the segment's vectors.
func (k *colKernel) run(g *columnar.Segment, rs columnar.Rows, out []int32) ([]int32, bool) {
	v := g.Cols[k.col]
	if k.isRange {
		if o, ok := v.CompareRange(k.op, k.c, k.hiOp, k.hi, rs, out); ok {
			return o, true
		}
		first, ok := v.CompareConst(k.op, k.c, rs, k.tmp[:0])
		if !ok {
			return out, false
		}
		k.tmp = first
		return v.CompareConst(k.hiOp, k.hi, columnar.Rows{Sel: first}, out)
	}
	switch {
	case k.in && k.padded:
		return v.InPadded(k.list, k.not, rs, out)
	case k.in:
		return v.In(k.list, k.not, rs, out)
	case k.col2 >= 0:
		return v.CompareVector(k.op, g.Cols[k.col2], rs, out)
	case k.padded:
		s, ok := k.c.(string)
		if !ok {
			return out, false
		}
		return v.ComparePadded(k.op, s, rs, out)
	}
	return v.CompareConst(k.op, k.c, rs, out)
}

// constExpr reports whether e's value is the same for every row and
// evaluating it once cannot do what evaluating it per row would not:
// constants, parameters and operators and casts over them.
func constExpr(e plan.Expr) bool {
	ok := true
	plan.WalkExpr(e, func(x plan.Expr) {
		switch x.(type) {
		case *plan.Const, *plan.Param, *plan.BinOp, *plan.Neg, *plan.CastTo:
		default:
			ok = false
		}
	})
	return ok
}

// kernelCol is e as a column of the scan a kernel may compare, and
// whether it is character(n).
func kernelCol(e plan.Expr) (col int, padded, ok bool) {
	c, ok := e.(*plan.ColRef)
	if !ok {
		return 0, false, false
	}
	return c.Idx, c.T == types.Bpchar, true
}

// kernelConst evaluates e once when it is a constant a kernel may compare
// with (not NULL, no error), stripped of trailing blanks when it is
// character(n), as Env.Eval compares it.
func (env *Env) kernelConst(e plan.Expr) (any, bool) {
	if !constExpr(e) {
		return nil, false
	}
	v, err := env.Eval(e, nil)
	if err != nil || v == nil {
		return nil, false
	}
	return bpcharText(v, e.Type()), true
}

// colKernelOf turns a filter term into a kernel when it is one.
func (env *Env) colKernelOf(e plan.Expr) (colKernel, bool) {
	switch x := e.(type) {
	case *plan.BinOp:
		op, ok := columnar.ParseOp(x.Op)
		if !ok || x.T != types.Bool {
			return colKernel{}, false
		}
		if c, pad, ok := kernelCol(x.L); ok {
			if c2, pad2, ok := kernelCol(x.R); ok {
				if pad || pad2 {
					return colKernel{}, false
				}
				return colKernel{e: e, col: c, op: op, col2: c2}, true
			}
			if v, ok := env.kernelConst(x.R); ok {
				return colKernel{e: e, col: c, op: op, c: v, col2: -1, padded: pad}, true
			}
		}
		if c, pad, ok := kernelCol(x.R); ok {
			if v, ok := env.kernelConst(x.L); ok {
				return colKernel{e: e, col: c, op: op.Flip(), c: v, col2: -1, padded: pad}, true
			}
		}
	case *plan.InList:
		c, pad, ok := kernelCol(x.X)
		if !ok {
			return colKernel{}, false
		}
		list := make([]any, len(x.List))
		for i, le := range x.List {
			if list[i], ok = env.kernelConst(le); !ok {
				return colKernel{}, false
			}
		}
		return colKernel{e: e, col: c, in: true, list: list, not: x.Not, col2: -1, padded: pad}, true
	}
	return colKernel{}, false
}

// mergeRanges joins a lower and an upper bound on one column (l_shipdate
// >= a AND l_shipdate < b) into one range kernel, tested in one pass.
func mergeRanges(ks []colKernel) []colKernel {
	lower := func(k *colKernel) bool {
		return !k.in && !k.padded && !k.isRange && k.col2 < 0 && (k.op == columnar.OpGt || k.op == columnar.OpGe)
	}
	upper := func(k *colKernel) bool {
		return !k.in && !k.padded && !k.isRange && k.col2 < 0 && (k.op == columnar.OpLt || k.op == columnar.OpLe)
	}
	var out []colKernel
	used := make([]bool, len(ks))
	for i := range ks {
		if used[i] {
			continue
		}
		k := ks[i]
		for j := i + 1; j < len(ks) && (lower(&k) || upper(&k)); j++ {
			h := &ks[j]
			if used[j] || h.col != k.col || !(lower(&k) && upper(h) || upper(&k) && lower(h)) {
				continue
			}
			lo, hi := k, *h
			if upper(&k) {
				lo, hi = *h, k
			}
			k = colKernel{e: lo.e, e2: hi.e, col: k.col, op: lo.op, c: lo.c, col2: -1,
				isRange: true, hiOp: hi.op, hi: hi.c}
			used[j] = true
			break
		}
		out = append(out, k)
	}
	return out
}

// colScan reads a scan's rows from a copy: the segments' rows of the
// vShards [vlo, vhi), a block at a time through the kernels, then per row
// the other terms and a hash join's probe checks, each after the columns
// it reads (and no others yet) were taken from the vectors; the rest of
// the row's columns only for a row that passes them all.
type colScan struct {
	t        *columnar.Table
	vlo, vhi int
	kerns    []colKernel
	resid    []plan.Expr // terms no kernel evaluates
	probes   []*probeCheck
	used     []int // the columns a row holds
	ncol     int

	seg     int // the current segment (index into t.Segs)
	started bool
	pos, hi int // the current segment's rows still to test
	segK    []*colKernel
	segP    []colProbe // probe checks run as kernels after segK
	stages  []colStage // the current segment's per-row tests
	rest    []int      // the used columns no stage reads
	sel     []int32    // rows of the current block that passed the kernels
	next    int        // the next of sel to return
	a, b    []int32
	row     types.Row // the row being tested
	kb      []byte
	// decs: the decimals of compact vectors are made here, from slabs
	// (as document.Decoder makes them); decSlab is the current slab,
	// which recycleDecimals hands out again.
	decs, decSlab []apd.Decimal
}

// get is value r of v, a compact vector's decimal made from a slab.
func (cs *colScan) get(v *columnar.Vector, r int) any {
	if !v.Compact() || v.Null(r) {
		return v.Get(r)
	}
	if len(cs.decs) == 0 {
		cs.decSlab = make([]apd.Decimal, 32)
		cs.decs = cs.decSlab
	}
	d := &cs.decs[0]
	cs.decs = cs.decs[1:]
	v.DecimalAt(r, d)
	return d
}

// colProbe is a hash join's probe check of an integer column against
// integer keys, run on a block's rows: a row whose key the table lacks
// can meet nothing.
type colProbe struct {
	col int
	tab *joinTable
	set *intSet // nil: test the table's map
}

func (p *colProbe) run(g *columnar.Segment, rs columnar.Rows, out []int32) []int32 {
	v := g.Cols[p.col]
	if p.set != nil {
		out, _ = v.InBits(p.set.lo, p.set.bits, rs, out)
		return out
	}
	ints := p.tab.ints
	out, _ = v.IntsWhere(func(x int64) bool { _, ok := ints[x]; return ok }, rs, out)
	return out
}

// singleColRef is keys' only expression when it is a column.
func singleColRef(keys []plan.Expr) (*plan.ColRef, bool) {
	if len(keys) != 1 {
		return nil, false
	}
	c, ok := keys[0].(*plan.ColRef)
	return c, ok
}

// colStage is a per-row test: a term (or, when e is nil, a probe check)
// and the columns taken just before it.
type colStage struct {
	cols  []int
	e     plan.Expr
	probe *probeCheck
}

// newColScan plans the reading of t for si's scan over the vShards
// [vlo, vhi).
func (env *Env) newColScan(si *scanIter, t *columnar.Table, vlo, vhi int) *colScan {
	cs := &colScan{t: t, vlo: vlo, vhi: vhi, ncol: len(si.scan.Coll.Columns)}
	for _, e := range plan.Conjuncts(si.scan.Filter) {
		if k, ok := env.colKernelOf(e); ok {
			cs.kerns = append(cs.kerns, k)
		} else {
			cs.resid = append(cs.resid, e)
		}
	}
	cs.kerns = mergeRanges(cs.kerns)
	for c := range cs.ncol {
		if si.used == nil || (c < len(si.used) && si.used[c]) {
			cs.used = append(cs.used, c)
		}
	}
	cs.a, cs.b = make([]int32, 0, colBlock), make([]int32, 0, colBlock)
	cs.row = make(types.Row, cs.ncol)
	return cs
}

// setProbes adds a hash join's probe checks (see probeCheck); the next
// segment begun tests them.
func (cs *colScan) setProbes(checks []*probeCheck) { cs.probes = checks }

// startSegment moves to segment g's rows of the scan's vShards, picks the
// kernels that apply to its vectors (the others' terms run per row) and
// plans the per-row stages.
func (cs *colScan) startSegment() {
	g := cs.t.Segs[cs.seg]
	cs.pos, cs.hi = g.Range(cs.vlo, cs.vhi)
	cs.segK = cs.segK[:0]
	resid := cs.resid
	for i := range cs.kerns {
		k := &cs.kerns[i]
		if _, ok := k.run(g, columnar.Rows{Sel: []int32{}}, nil); ok {
			cs.segK = append(cs.segK, k)
		} else {
			resid = append(resid[:len(resid):len(resid)], k.e)
			if k.e2 != nil {
				resid = append(resid, k.e2)
			}
		}
	}
	taken := make([]bool, cs.ncol)
	take := func(cols []int, all bool) []int {
		var need []int
		for _, c := range cs.used {
			if !taken[c] && (all || slices.Contains(cols, c)) {
				taken[c] = true
				need = append(need, c)
			}
		}
		return need
	}
	cs.stages = cs.stages[:0]
	for _, e := range resid {
		cols, ok := plan.RowColumns(e)
		cs.stages = append(cs.stages, colStage{cols: take(cols, !ok), e: e})
	}
	cs.segP = cs.segP[:0]
	for _, p := range cs.probes {
		if k, ok := singleColRef(p.keys); ok && k.Idx < len(g.Cols) && g.Cols[k.Idx] != nil && g.Cols[k.Idx].Kind() == columnar.KindInt {
			if set, ok := p.tab.intKeys(); ok {
				// An integer column probing integer keys: a kernel tests
				// the block's rows (a bit each when the keys are dense).
				cs.segP = append(cs.segP, colProbe{col: k.Idx, tab: p.tab, set: set})
				continue
			}
		}
		all := false
		var cols []int
		for _, e := range p.keys {
			c, ok := plan.RowColumns(e)
			all = all || !ok
			cols = append(cols, c...)
		}
		cs.stages = append(cs.stages, colStage{cols: take(cols, all), probe: p})
	}
	cs.rest = take(nil, true)
}

// pass takes row r's columns stage by stage and reports whether it
// passes every test; the rest of the used columns only then.
func (cs *colScan) pass(env *Env, g *columnar.Segment, r int) (bool, error) {
	ok, err := cs.test(env, g, r)
	if !ok || err != nil {
		return false, err
	}
	for _, c := range cs.rest {
		cs.row[c] = cs.get(g.Cols[c], r)
	}
	return true, nil
}

// test takes row r's columns stage by stage (into cs.row) and reports
// whether it passes every per-row test.
func (cs *colScan) test(env *Env, g *columnar.Segment, r int) (bool, error) {
	row := cs.row
	for i := range cs.stages {
		st := &cs.stages[i]
		for _, c := range st.cols {
			row[c] = cs.get(g.Cols[c], r)
		}
		if st.e != nil {
			v, err := env.Eval(st.e, row)
			if err != nil || v != true {
				return false, err
			}
			continue
		}
		var match []int
		var err error
		if match, cs.kb, err = st.probe.tab.lookup(env, st.probe.keys, row, cs.kb); err != nil || len(match) == 0 {
			return false, err
		}
	}
	return true, nil
}

// nextRow returns the next row that passes the filter.
func (cs *colScan) nextRow(si *scanIter) (types.Row, bool, error) {
	g, r, ok, err := cs.nextIndex(si)
	if !ok || err != nil {
		return nil, false, err
	}
	for _, c := range cs.rest {
		cs.row[c] = cs.get(g.Cols[c], r)
	}
	if si.reuse {
		return cs.row, true, nil
	}
	return slices.Clone(cs.row), true, nil
}

// nextIndex moves to the next row that passes the filter and returns its
// segment and number; of its columns only those the per-row tests read
// are in cs.row.
func (cs *colScan) nextIndex(si *scanIter) (*columnar.Segment, int, bool, error) {
	env := si.env
	for {
		if cs.next < len(cs.sel) {
			r := int(cs.sel[cs.next])
			cs.next++
			g := cs.t.Segs[cs.seg]
			ok, err := cs.test(env, g, r)
			if err != nil {
				return nil, 0, false, err
			}
			if ok {
				return g, r, true, nil
			}
			continue
		}
		if cs.started && cs.pos >= cs.hi {
			cs.seg++
			cs.started = false
		}
		if !cs.started {
			if cs.seg >= len(cs.t.Segs) {
				return nil, 0, false, nil
			}
			cs.startSegment()
			cs.started = true
			continue
		}
		if err := checkCtx(env.Ctx); err != nil {
			return nil, 0, false, err
		}
		g := cs.t.Segs[cs.seg]
		rs := columnar.Rows{Lo: cs.pos, Hi: min(cs.pos+colBlock, cs.hi)}
		cs.pos = rs.Hi
		if len(cs.segK)+len(cs.segP) == 0 {
			cs.sel = cs.a[:0]
			for i := rs.Lo; i < rs.Hi; i++ {
				cs.sel = append(cs.sel, int32(i))
			}
		} else {
			// Each kernel reads the rows the previous one passed from one
			// buffer and writes those it passes to the other.
			bufs := [2][]int32{cs.a, cs.b}
			cur := rs
			i := 0
			for _, k := range cs.segK {
				out, _ := k.run(g, cur, bufs[i%2][:0])
				bufs[i%2], cur, i = out, columnar.Rows{Sel: out}, i+1
				if len(out) == 0 {
					break
				}
			}
			for j := range cs.segP {
				if cur.Sel != nil && len(cur.Sel) == 0 {
					break
				}
				out := cs.segP[j].run(g, cur, bufs[i%2][:0])
				bufs[i%2], cur, i = out, columnar.Rows{Sel: out}, i+1
			}
			cs.a, cs.b = bufs[0], bufs[1]
			cs.sel = cur.Sel
		}
		cs.next = 0
	}
}
