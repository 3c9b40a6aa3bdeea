// Package columnar holds rows as columns: typed vectors (integers,
// floats, decimals, times, text, booleans; anything else as values) with
// their NULLs, filter kernels that test a whole vector against a
// constant, another vector or a list without evaluating an expression per
// row, and Cache, a memory-bounded set of column copies of collections
// (Table) that sql/exec reads instead of decoding every stored row again.
//
// It knows nothing of keys, transactions or SQL plans: its callers decode
// the rows, decide when a copy is still the collection's content (see
// txn's RowEpoch) and which filter terms a kernel may evaluate. Values go
// in and come out as the dynamic types sql/types documents (int64,
// float64, *apd.Decimal, string, time.Time, bool, ...); a value handed
// out points into the vector that holds it and must not be written to.
// It imports only storage (for the vShard count).
package columnar
