// Package txn owns transactions and the commit pipeline: snapshots, the LSN
// sequencer, write-write conflict detection (snapshot isolation, first
// committer wins, 40001 for the loser) and group commit. Every mutation in
// NodeDB-Go reaches the store through Txn.Commit: one Pebble batch holding
// the rows, index entries, change-log records and the last LSN, synced
// before the commit is acknowledged. See manager.go for the pipeline.
//
// Point reads (Txn.Get) go through a small cache of committed values
// (readcache.go, 32 MiB by default): the committer drops a key's entry
// before the batch writing it is applied, and an entry serves only
// snapshots that show the batch it was read at, so every read returns
// exactly what its snapshot holds.
//
// Called by catalog, session and sql/exec; calls storage only.
package txn
