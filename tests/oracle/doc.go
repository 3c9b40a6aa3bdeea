// Package oracle runs the same queries against NodeDB and a real
// PostgreSQL 15 over the same small dataset and compares the rows as text
// (order-insensitive unless the query orders them). PostgreSQL is started
// from /usr/lib/postgresql/15/bin (or $NODEDB_PG_BIN) on a temporary data
// directory; without it the test skips. Error queries must fail with the
// same SQLSTATE on both. Queries where NodeDB is known to differ are
// listed separately with the reason, and the test fails if one of them
// starts to match (move it to the main list then).
package oracle
