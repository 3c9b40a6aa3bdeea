// Package netsrv is the TCP listener lifecycle the protocol servers
// (pgwire, RESP) share: Listen, Serve with back-off on temporary accept
// errors, tracked connection goroutines, and a Close that stops
// accepting, kills every connection and waits for every goroutine.
package netsrv
