// Package crash holds the process-crash suite: it builds the nodedb binary,
// runs it as a subprocess under concurrent pgwire load, kills it with
// SIGKILL at random moments and checks after every restart that each
// acknowledged write survived, that nothing unwritten appeared, and that
// transactions and secondary indexes are consistent. See README.md.
package crash
