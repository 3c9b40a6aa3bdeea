// Package http serves NodeDB's HTTP/JSON API:
//
//	POST /query          {"sql": "...", "params": [...]} → the last statement's result
//	POST /query/stream   same request → NDJSON: {"columns":[...]}, one array per row,
//	                     then {"status":"ok","rows_affected":n} or an error line
//	GET  /health         {"status":"ok","last_lsn":n}; 503 while the server closes
//	GET  /health/live    200 while the process serves HTTP at all
//	GET  /health/ready   like /health
//	GET  /metrics        Prometheus text format of the server's registry
//
// Each query runs in a fresh session that is closed when the request ends:
// without params the body may hold several statements (PrepareMulti, run in
// order, the last one answers); with params it must hold exactly one
// (Prepare + Execute), and each JSON param is converted to the statement's
// inferred parameter type (strings are parsed as text input, like a pgwire
// text parameter; other JSON values are coerced).
//
// Errors are {"error": msg, "code": SQLSTATE} plus "position", "detail" and
// "hint" when known, with the HTTP status errs.HTTPStatus gives. Request
// errors: a body over the limit (16 MiB by default) → 413 / 54000; text that
// is not JSON → 400 / 22P02; JSON that is not a query request (wrong type,
// unknown field, missing "sql", wrong number of params) → 400 / 08P01.
//
// In password mode (Config.Password set) /query and /query/stream require
// HTTP Basic authentication as the superuser admin; /health* and /metrics
// stay open.
//
// Callers: server builds a Server from a Backend (FromManager) and a
// metrics.Registry, and runs it. It may call session, sql/types, errs and
// internal/metrics; it knows nothing of SQL itself.
package http
