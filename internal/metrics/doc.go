// Package metrics defines NodeDB's Prometheus metrics on a registry owned by
// one server, never on the global default registry, so two servers can run
// in one process.
//
// server creates one Registry per Server and hands it to every protocol;
// protocols (protocol/http, protocol/pgwire, ...) count their queries and
// connections through it; protocol/http serves it on /metrics. It imports
// only the Prometheus client library; database counters reach it through a
// StatsFunc the server supplies, read at scrape time.
//
// A nil *Registry is valid and records nothing, so protocols and tests need
// no special case when metrics are off.
package metrics
