package exec

import (
	"slices"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// stagedFilter evaluates a strict scan's filter one conjunct at a time,
// decoding before each only the columns it reads that no earlier one did,
// and the rest of the columns the query uses only for a row that passes
// them all. A selective filter then decodes little of the rows it rejects:
// TPC-H's Q6 rejects 85% of lineitem on its ship date alone, and before
// this decoded three decimals of each of them as well. When the scan is
// the probe side of a hash join, last stages (probeCheck) drop the rows
// whose join key the build side does not hold, or that of an enclosing
// join, before the rest is decoded: Q3's lineitem rows find an order in 1
// case of 100; Q5's find a supplier of the region in 1 of 5 and an order
// of the year in 1 of 7.
//
// Conjuncts run in their written order; like PostgreSQL's, the order in
// which the terms of an AND are evaluated is not part of the language, so
// a term that errors (a division by zero) may or may not be reached.
type stagedFilter struct {
	conj []plan.Expr
	// need[k]: the columns decoded just before stage k (the conjuncts,
	// then the probes); rest: the used columns no stage reads.
	need   [][]int
	rest   []int
	probes []*probeCheck
	ncol   int
	tup    document.Tuple
	row    types.Row
	kb     []byte
}

// probeCheck is a hash join's test of a probe row: the row's join key
// (keys evaluated over it, as appendJoinKey builds it) is one the build
// side holds.
type probeCheck struct {
	keys []plan.Expr
	tab  *joinTable // the build whose keys a probe row's must be among
}

// staging turns stagedFilter off when false (tests compare the staged
// results with the plain ones).
var staging = true

// newStagedFilter plans the stages of si's filter and of probes, or
// returns nil when staging saves nothing: nothing to test, a test (or one
// of its terms) that reads the row other than through its columns, or a
// first stage that reads every column the query uses anyway.
func newStagedFilter(si *scanIter, probes []*probeCheck) *stagedFilter {
	s := si.scan
	if !staging || (s.Filter == nil && len(probes) == 0) || !si.isStrict || !si.query || si.expIdx >= 0 {
		return nil
	}
	ncol := len(s.Coll.Columns)
	usedCol := func(c int) bool { return si.used == nil || (c < len(si.used) && si.used[c]) }
	nused := 0
	for c := range ncol {
		if usedCol(c) {
			nused++
		}
	}
	sf := &stagedFilter{ncol: ncol, probes: probes}
	done := make([]bool, ncol)
	stage := func(cols []int) bool {
		var need []int
		for _, c := range cols {
			if c < 0 || c >= ncol {
				return false
			}
			if !done[c] {
				done[c] = true
				need = append(need, c)
			}
		}
		sf.need = append(sf.need, need)
		return true
	}
	for _, e := range plan.Conjuncts(s.Filter) {
		cols, ok := plan.RowColumns(e)
		if !ok || !stage(cols) {
			return nil
		}
		sf.conj = append(sf.conj, e)
	}
	for _, p := range probes {
		var cols []int
		for _, e := range p.keys {
			c, ok := plan.RowColumns(e)
			if !ok {
				return nil
			}
			cols = append(cols, c...)
		}
		if !stage(cols) {
			return nil
		}
	}
	if len(sf.need[0]) >= nused {
		return nil
	}
	for c := range ncol {
		if usedCol(c) && !done[c] {
			sf.rest = append(sf.rest, c)
		}
	}
	return sf
}

// eval decodes the row raw holds as far as its stages need and reports
// whether it passes; a passing row is then fully decoded (the used
// columns), into an array the next call reuses when reuse is set (the
// consumer keeps no row past it), else into a new one.
func (sf *stagedFilter) eval(env *Env, coll string, raw []byte, dec *document.Decoder, reuse bool) (types.Row, bool, error) {
	err := sf.tup.Reset(raw)
	if err != nil {
		return nil, false, errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll, err)
	}
	if cap(sf.row) < sf.ncol {
		sf.row = make(types.Row, sf.ncol)
	}
	row := sf.row[:sf.ncol]
	clear(row)
	decode := func(cols []int) error {
		for _, c := range cols {
			if row[c], err = dec.Column(&sf.tup, c); err != nil {
				return errs.Errorf(errs.DataCorrupted, "collection %s: %w", coll, err)
			}
		}
		return nil
	}
	for k, e := range sf.conj {
		if err := decode(sf.need[k]); err != nil {
			return nil, false, err
		}
		v, err := env.Eval(e, row)
		if err != nil {
			return nil, false, err
		}
		if v != true {
			return nil, false, nil
		}
	}
	for k, p := range sf.probes {
		if err := decode(sf.need[len(sf.conj)+k]); err != nil {
			return nil, false, err
		}
		var match []int
		if match, sf.kb, err = p.tab.lookup(env, p.keys, row, sf.kb); err != nil {
			return nil, false, err
		}
		if len(match) == 0 {
			return nil, false, nil
		}
	}
	if err := decode(sf.rest); err != nil {
		return nil, false, err
	}
	if reuse {
		return row, true, nil
	}
	return slices.Clone(row), true, nil
}
