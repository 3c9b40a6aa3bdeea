// Package exec runs plans from sql/plan inside a transaction: pull
// iterators for scans (primary-key lookups, key ranges, index ranges,
// full scans), filters, projections, limits; materializing sort, distinct,
// hash aggregation and joins (hash, lookup: lookup.go; some on several
// workers: parallel.go); full scans and aggregations that read column
// copies of unchanged collections instead of their stored rows
// (colscan.go, colagg.go); and the write operators, which go through the
// document engine so every row write also records its change-log entry.
// Imports sql/plan, sql/funcs, sql/types, catalog, txn, engine/document,
// engine/columnar, storage.
package exec
