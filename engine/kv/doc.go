// Package kv holds the key-value engine's semantics that do not depend on
// transactions or the catalog: the names of a key-value collection's
// columns (the key, the value, the ttl, the hidden expiry deadline and
// value kind), expiry checks, and glob patterns (SCAN/KEYS MATCH).
//
// A key-value collection is stored like a strict collection: each row is a
// MessagePack tuple in column order under <row tag><collection id><vshard>
// <encoded key> (docs/format.md), written through the commit pipeline by
// sql/exec, so key-value writes reach the change log, change streams and
// LIVE SELECT like any other row change. Its columns are the text key, the
// declared value columns (`value TEXT` when none are declared), `ttl`
// (seconds, as written), the hidden `_expires_at` deadline and the hidden
// `_kind` (NULL for strings; "hash" or "zset" for RESP values stored as
// JSON). A non-unique index on `_expires_at` (the expiry index) lets the
// background reclaimer find expired keys with one range scan.
//
// Sorted indexes (CREATE SORTED INDEX, RANK, TOPK, RANGE, SORTED_COUNT)
// are index entries in index order: engine/document writes them with
// their rows (document.SortedEntry) and sql/exec reads them (sorted.go);
// docs/format.md has the layout.
//
// Who calls it: sql/exec (DDL, expiry filtering, writes, scans) and
// session (the key-value API and the reclaimer). It imports only the
// standard library: engines never import each other or anything above
// storage.
package kv
