// Package logic runs SQLite's sqllogictest corpus against a NodeDB server
// over the PostgreSQL wire protocol.
//
// A test file is a sequence of records: "statement ok" / "statement error"
// followed by SQL, "query <types> [nosort|rowsort|valuesort] [label]"
// followed by SQL, "----" and the expected values (one per line, or
// "N values hashing to <md5>"), plus "hash-threshold N", "halt", and the
// conditions "skipif <db>" / "onlyif <db>" that apply to the next record.
// The runner identifies as both "postgresql" and "nodedb".
//
// Each file runs against a fresh in-process server (relaxed durability, OS
// ports) over one connection that uses the simple query protocol, so every
// value arrives in its text form. Values are formatted as the reference
// runner does: I as an integer (reals truncated toward zero, booleans as
// 1/0), R with "%.3f", T as text with "" shown as "(empty)" and bytes
// outside printable ASCII as "@"; NULL is "NULL". rowsort sorts rows and
// valuesort sorts values by byte-wise string comparison after formatting;
// the MD5 hash covers every value followed by "\n".
//
// TestLogic runs the CI slice listed in ci.txt and fails when a file's pass
// count drops below baseline.txt; cmd/slt runs any part of the corpus and
// prints a per-file table and the top failure categories. See README.md.
package logic
