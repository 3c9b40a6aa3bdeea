// Package errs defines the typed error that carries a SQLSTATE through every
// layer. Packages return *errs.Error (usually wrapped with %w); the protocol
// edge maps it with Code, HTTPStatus and friends. It imports nothing of ours,
// so every package may use it.
package errs
