// Package kv holds the key-value engine's semantics that do not depend on
// transactions or the catalog: the shape of a key-value collection's rows
// (which columns hold the key, the value, the ttl and the expiry
// deadline), expiry checks, and the Redis-compatible value rules the RESP
// protocol and the KV functions share (integer and float parsing and
// formatting for INCR/INCRBYFLOAT, glob patterns for SCAN/KEYS).
//
// A key-value collection is stored like a strict collection: each row is a
// MessagePack tuple in column order under <row tag><collection id><vshard>
// <encoded key> (docs/format.md), written through the commit pipeline by
// sql/exec, so key-value writes reach the change log, change streams and
// LIVE SELECT like any other row change. Its columns are the text key, the
// declared value columns (`value TEXT` when none are declared), `ttl`
// (seconds, as written) and the hidden `_expires_at` deadline, which a
// non-unique index (the expiry index) orders so the background reclaimer
// finds expired keys with one range scan.
//
// Who calls it: sql/exec (DDL, expiry filtering, writes, scans) and
// session (the key-value API and the reclaimer). It
// imports only the standard library: engines never import each other or
// anything above storage.
package kv
