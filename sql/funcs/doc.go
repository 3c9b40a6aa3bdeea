// Package funcs is the operator, scalar function and aggregate library that
// the SQL executor calls. Everything here is a pure function over the value
// model of sql/types: no catalog, no storage, no session state beyond the
// small Context a statement passes in (statement time, user, database).
//
// What it owns:
//
//   - Operators: BinaryType gives the static result type of `l op r` (or a
//     42883 "operator does not exist" error); Binary evaluates it with
//     PostgreSQL semantics (NULL propagation, overflow → 22003, division by
//     zero → 22012, mixed int/float/numeric promotion, LIKE/ILIKE, POSIX
//     regex, JSON operators, timestamp and interval arithmetic); UnaryMinus.
//   - Scalar functions: Lookup returns a *Func with its arity, a Type
//     function for planning and an Eval function for execution.
//   - Aggregates: LookupAgg returns an *Agg whose New makes a fresh
//     Accumulator per group.
//   - Helpers the executor may reuse: CompileLike and CompileRegex (cached
//     pattern compilation), Interval and ParseInterval, DocGet (the JSONPath
//     subset of doc_get), JSONContains.
//
// Values returned by functions have the "natural" dynamic type for their
// result (int64 for every integer type, float64 for real and double,
// *apd.Decimal for numeric, ...). Where a function's dynamic result may
// differ from its static type (for example sum over bigint, typed numeric,
// returns int64 while it fits), the executor coerces with types.Coerce.
//
// Intervals have no types.T of their own: an INTERVAL value is the Interval
// struct defined here, its static type is IntervalType (types.Text, so it is
// sent as text, rendered by Interval.String in PostgreSQL's style).
//
// Conventions the parser and executor rely on: extract(field FROM x)
// arrives as extract('field', x); POSITION(sub IN s) must be passed as
// position(s, sub) (PostgreSQL's own argument order, same as strpos);
// TRIM([LEADING|TRAILING|BOTH] chars FROM s) maps to ltrim/rtrim/btrim(s,
// chars). Arrays are document arrays ([]any, static type Doc). pg_typeof
// needs static argument types: call Func.Call (or EvalTyped) with them.
// Non-Volatile functions may be constant-folded; everything that reads the
// clock, the session or a random source is Volatile.
//
// Imports: sql/types, errs, github.com/cockroachdb/apd/v3 and the standard
// library only. Callers: sql/exec (and the planner for typing and constant
// folding of non-Volatile functions).
package funcs
