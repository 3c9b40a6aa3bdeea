// Package server is the composition root: it builds every long-lived part
// of a NodeDB node from a config.Config, starts the listeners, and stops
// everything in reverse order.
//
// Start order (New, then Start):
//
//  1. the database (session.OpenDB: storage, commit pipeline, catalog)
//  2. the session manager over it
//  3. the per-server metrics registry (internal/metrics), reading db.Stats
//  4. the HTTP API (protocol/http)
//  5. the pgwire listener (protocol/pgwire)
//  6. the Redis protocol listener (protocol/resp), only when a RESP port is
//     set (config RESPPort, or WithRESPAddr)
//
// Every listener is bound before any is served, so a busy port fails Start
// with a clear error and nothing half-runs. Close stops 6 → 1: listeners
// first (each waits for its connections and goroutines), then the database.
//
// Callers: cmd/nodedb (config → New → Run until a signal → Close) and tests,
// which run whole servers in-process on port 0 (PgwireAddr, HTTPAddr,
// RESPAddr tell the bound ports). There are no globals: two Servers can run in one
// process. It may import config, session, protocol/*, internal/metrics.
package server
