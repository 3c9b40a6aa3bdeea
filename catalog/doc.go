// Package catalog is the registry of collections, their columns, primary
// keys and indexes, persisted as JSON descriptors in the catalog keyspace
// and cached in memory as immutable values. DDL is serialized and committed
// through txn; readers never block. Schemaless collections also record the
// top-level fields observed in their documents (FieldSet), which is what
// SELECT * shows. Called by sql/* and session; calls txn and storage.
package catalog
