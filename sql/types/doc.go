// Package types is the SQL value model shared by every layer: the dynamic
// Go types a value may have, the static SQL types (T) with their
// PostgreSQL OIDs, comparison, casts and assignment coercion, and the pg
// text and binary codecs (pgcodec.go). It imports only errs and standard
// or numeric libraries.
package types
