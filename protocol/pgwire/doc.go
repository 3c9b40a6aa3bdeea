// Package pgwire serves the PostgreSQL v3 frontend/backend protocol.
//
// It owns the bytes on a client connection and nothing else: startup and
// SSL/GSS negotiation, authentication (trust or SCRAM-SHA-256), the simple
// and extended query protocols (statements, portals, row limits), the COPY
// FROM STDIN sub-protocol in text, CSV and binary formats, cancel requests,
// and the mapping of errors to ErrorResponse fields. Values travel through
// the codec in sql/types (EncodeText/EncodeBinary/DecodeText/DecodeBinary).
//
// Behaviour worth knowing, where it differs from or simplifies PostgreSQL:
//   - Each Execute runs its statement on its own; there is no implicit
//     transaction spanning the messages up to Sync (the session decides
//     transaction boundaries). Portals are dropped at a Sync that finds
//     the session idle.
//   - A portal's Result is computed at its first Execute and cached, so an
//     Execute with a row limit (PortalSuspended) resumes without re-running.
//   - Describe answers from session.Prepared: parameter types the session
//     could not infer are reported as text (OID 25) and accepted as text;
//     rows are encoded with the described column types.
//   - ParameterStatus is re-sent before ReadyForQuery whenever the session's
//     reported parameters change (after SET).
//   - Errors in the extended protocol discard messages until Sync; errors
//     during COPY FROM STDIN drop the client's remaining copy messages.
//   - Malformed or oversized messages (Config.MaxMessageSize) get a FATAL
//     08P01 and close that connection only.
//
// Who calls it: the server package builds one Server per listener with
// NewServer(cfg, FromManager(mgr)), then Listen, Serve and, at shutdown,
// Close. Close stops accepting, closes every connection and waits for each
// goroutine the Server started.
//
// What it may call: session (through the SessionManager and Session
// interfaces declared here, so tests use fakes), sql/types and errs. It
// never imports sql/parser, sql/plan, sql/exec, catalog, txn or engines; it
// knows nothing about SQL beyond the protocol's message shapes.
//
// Goroutines: Serve runs in its caller's goroutine. Each accepted connection
// runs in one goroutine owned by the Server and tracked in its WaitGroup,
// plus one watcher goroutine for the Serve context. A panic while handling a
// connection is recovered, logged, and closes that connection only.
package pgwire
