// Package lint holds convention tests: the import layering of DESIGN.md
// (imports go downward only), a doc.go in every package, gofmt. They run
// with the ordinary test suite, so nobody has to remember the rules.
package lint
