// Package plan binds a parsed statement (sql/ast) against the catalog into
// a tree of typed relational operators (Scan, Filter, Project, Aggregate,
// Sort, Limit, Distinct, Values) and write operators (Insert, Update,
// Delete). It resolves names and types, infers parameter types, picks
// the access path of each scan (primary-key lookups, the key range of a
// composite key's leading columns, a secondary index range, or a full
// scan) and, for inner joins, the join order by estimated cost and where
// a lookup join beats a hash join (from.go). sql/exec runs the result. Imports sql/ast,
// sql/parser (for stored DEFAULT expressions), sql/types, sql/funcs,
// catalog and errs.
package plan
