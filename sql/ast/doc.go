// Package ast is the one syntax tree for every NodeDB SQL statement. The
// parser (sql/parser) builds it; the planner (sql/plan) and the session read
// it. It has no behaviour beyond String methods used in golden tests and
// error messages, and imports only sql/types.
//
// Every node records Pos, the 1-based byte offset of its first token in the
// statement text, so later stages can report errors with a position.
package ast
