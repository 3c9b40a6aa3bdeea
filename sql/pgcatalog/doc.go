// Package pgcatalog serves the PostgreSQL system catalogs (pg_catalog.*)
// and the information_schema views that psql, pgx, lib/pq, JDBC and
// node-postgres query for metadata, computed from the live NodeDB catalog
// each time a query reads them.
//
// New(cat) returns a *Tables that is both a plan.SystemTables (the
// planner's Lookup for FROM names that are not collections: "pg_class",
// "pg_catalog.pg_class", "information_schema.columns") and a
// funcs.CatalogInfo (what regclass casts, to_regclass, pg_get_indexdef
// and pg_get_constraintdef ask through funcs.Context.Catalog).
//
// OIDs: a collection or secondary index with catalog id n is n+16384
// (RelOID); each collection with a primary key has a synthetic
// "<name>_pkey" unique index (PKIndexOID) and a primary-key constraint;
// every unique index also shows as a UNIQUE constraint. Namespaces are
// pg_catalog 11, public 2200, information_schema 13000; the admin role
// is 10; the catalog relations themselves have PostgreSQL's OIDs where
// clients hard-code them ('pg_class'::regclass = 1259).
//
// Strict collections show their declared columns (the hidden row id of
// a keyless table is left out); schemaless collections show their key
// field then the observed fields, with the observed type (documents as
// json, mixed types as text).
//
// Per-session facts (user, database name, session variables for
// pg_settings) come from the context given to Rows: see WithSession.
//
// Imports: catalog, sql/plan (interfaces and Column only), sql/funcs
// (CatalogInfo), sql/types.
package pgcatalog
