package exec

import "github.com/nodedb-go/nodedb/sql/plan"

// SetStaging turns staged filters on or off and returns the function
// that restores the previous setting.
func SetStaging(on bool) (restore func()) {
	old := staging
	staging = on
	return func() { staging = old }
}

// SharedAggArgs returns how many subexpressions aggSlots computes once
// per row for aggs.
func SharedAggArgs(aggs []plan.AggCall) int {
	_, slots := aggSlots(aggs)
	return len(slots)
}

// SetKVPlainPut turns KVPut's plain-row fast path on or off and returns
// the function that restores the previous setting.
func SetKVPlainPut(on bool) (restore func()) {
	old := kvPlainPut
	kvPlainPut = on
	return func() { kvPlainPut = old }
}

// SetRecycleDecimals turns the reuse of an aggregation's row decimals on
// or off and returns the function that restores the previous setting.
func SetRecycleDecimals(on bool) (restore func()) {
	old := recycleDecimals
	recycleDecimals = on
	return func() { recycleDecimals = old }
}
