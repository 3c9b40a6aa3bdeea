// Package session holds per-connection state (transaction block, prepared
// statements, session variables, cancellation) and runs each statement
// through parse → plan → exec. Protocols (protocol/*) call it through
// Manager and Session; it calls sql/parser, sql/plan, sql/exec, catalog and
// txn, and nothing above it.
package session
