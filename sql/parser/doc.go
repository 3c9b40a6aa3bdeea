// Package parser turns NodeDB SQL text into sql/ast trees.
//
// It owns the lexer (lexer.go), the statement dispatcher (parser.go), and
// one file per statement family: queries (query.go), expressions with Pratt
// parsing and PostgreSQL precedence (expr.go), writes (dml.go), definitions
// and SHOW/EXPLAIN (ddl.go), and transaction and session statements
// (session.go). The session calls Parse for every query string and ParseExpr
// for DEFAULT expressions stored as text; the planner reads the trees.
//
// It imports only sql/ast, sql/types and errs. Every error it returns is an
// *errs.Error with a SQLSTATE (42601 syntax, 42704 unknown type, 22xxx bad
// literal, 54001 nesting deeper than MaxDepth) and a 1-based byte Position
// into the whole input, so clients can point at the offending token. Parse
// never panics on any input (FuzzParse checks this).
//
// Lexing follows PostgreSQL: keywords are case-insensitive, unquoted
// identifiers fold ASCII letters to lower case, "quoted" identifiers keep
// case, strings are '...', E'...' or $tag$...$tag$, and -- and nested /* */
// comments are skipped. Object literal keys ({ name: 1 }) are identifiers and
// fold like any other identifier, so they match unquoted column references.
//
// Statements the dialect reserves room for but the AST does not have yet
// (change streams, consumer groups, topics, triggers, LIVE SELECT, graph and
// search statements, ...) fail with 42601 and a hint naming the statement.
// Adding one is a case in statement (or in create/drop/show) calling one new
// function that returns its AST node.
//
// The golden tests in testdata/*.txt use datadriven; regenerate them with
// `go test ./sql/parser -rewrite`. Each parsed case is also checked to
// round-trip through ast.Format.
package parser
