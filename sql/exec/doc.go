// Package exec runs plans from sql/plan inside a transaction: pull
// iterators for scans (primary-key lookups, key ranges, index ranges,
// full scans), filters, projections, limits; materializing sort, distinct,
// hash aggregation and joins (hash, lookup: lookup.go; some on several
// workers: parallel.go); and the write operators, which go through the document
// engine so every row write also records its change-log entry. Imports
// sql/plan, sql/funcs, sql/types, catalog, txn, engine/document, storage.
package exec
