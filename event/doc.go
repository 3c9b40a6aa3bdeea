// Package event is the event plane: it reads the durable change log that
// txn writes with every commit (per-partition records plus an LSN-ordered
// index) and serves change streams and consumer groups from it. Offsets
// are durable per (group, partition) and only move forward unless a group
// is explicitly reset. Nothing here holds events in memory that a restart
// could lose; in-memory state is only what was delivered since the last
// commit. Called by sql/exec and session; calls catalog, txn, storage and
// engine/document (to decode row values).
package event
