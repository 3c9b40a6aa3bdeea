// Package resp is the small pipelined Redis (RESP2) client the benchmarks
// use to drive their Redis peer.
package resp
