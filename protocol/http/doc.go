// Package http serves NodeDB's HTTP/JSON API:
//
//	POST /query          {"sql": "...", "params": [...]} → the last statement's result
//	                     (with "notices": every statement's notices and warnings)
//	POST /query/stream   same request → NDJSON: {"columns":[...]}, one array per row,
//	                     then {"status":"ok","rows_affected":n,"notices":[...]} or an
//	                     error line
//	GET  /health         {"status":"ok","last_lsn":n}; 503 while the server closes
//	GET  /health/live    200 while the process serves HTTP at all
//	GET  /health/ready   like /health
//	GET  /metrics        Prometheus text format of the server's registry
//
// Change streams (docs/streams.md):
//
//	GET  /v1/streams/{s}/poll?group=g[&limit=n][&partition=p][&consumer=c][&wait_ms=t]
//	                     {"events":[...],"partition_offsets":{"5":42},"count":n,
//	                     "evicted_since_last_poll":0,"oldest_available_lsn":17};
//	                     with wait_ms (capped at 60000) a long poll that answers
//	                     as soon as an event commits. Never commits offsets.
//	POST /v1/streams/{s}/offsets?group=g   {"partition_offsets":{"5":42}} commits,
//	                     forward only (backwards → 400 / 22023)
//	GET  /v1/streams/{s}/events?group=g[&partition=p][&consumer=c]
//	POST /v1/topics/{t}/publish           one message (JSON or text) or a JSON array
//	GET  /v1/topics/{t}/poll, POST .../offsets, GET .../events: as for streams
//	                     Server-Sent Events: "event: change", "id: <partition>:<lsn>",
//	                     "data: <event JSON>"; a per-connection cursor that resumes
//	                     after Last-Event-ID; ": keepalive" comments while idle;
//	                     never commits. A failure after the stream opened is sent
//	                     as "event: error" with the usual error object.
//
// Unknown stream or group → 404 / 42704; a missing group or a bad limit,
// partition, wait_ms, consumer or Last-Event-ID → 400 / 22023. Close ends
// long polls (with what there is) and event streams at once.
//
// Each query runs in a fresh session that is closed when the request ends:
// without params the body may hold several statements (PrepareMulti, run in
// order as one implicit transaction, the last one answers); with params it
// must hold exactly one (Prepare + Execute), and each JSON param is
// converted to the statement's inferred parameter type (strings are parsed
// as text input, like a pgwire text parameter; other JSON values are
// coerced).
//
// Errors are {"error": msg, "code": SQLSTATE} plus "position", "detail" and
// "hint" when known, with the HTTP status errs.HTTPStatus gives. Request
// errors: a body over the limit (16 MiB by default) → 413 / 54000; text that
// is not JSON → 400 / 22P02; JSON that is not a query request (wrong type,
// unknown field, missing "sql", wrong number of params) → 400 / 08P01.
//
// In password mode (Config.Password set) /query, /query/stream and
// /v1/streams/* require HTTP Basic authentication as the superuser admin;
// /health* and /metrics stay open.
//
// Callers: server builds a Server from a Backend (FromManager) and a
// metrics.Registry, and runs it. It may call session, sql/types, errs and
// internal/metrics; it knows nothing of SQL itself.
package http
