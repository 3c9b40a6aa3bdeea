// Package storage owns the one Pebble database under the data directory and
// the byte layout of its keys: a one-byte keyspace tag, fixed-width ids, the
// vShard, then order-preserving encoded values (see keyenc.go and
// docs/format.md). It knows nothing of SQL, transactions or engines; txn
// writes to it and engines lay their data out with its key builders.
package storage
