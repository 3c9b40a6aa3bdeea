// Package document is the document engine: schemaless (MessagePack maps)
// and strict (MessagePack tuples in column order) rows, keyed by
// <row tag><collection id><vshard><primary key>, with secondary index
// entries maintained in the same transaction. It records one Change per
// row write for the change log. It imports only storage; callers give it a
// Writer (a transaction) and precomputed key values.
package document
