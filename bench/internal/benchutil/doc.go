// Package benchutil holds the small helpers every side-by-side benchmark
// program under bench/ uses: timestamped progress lines, the machine's load
// average, and number formatting for the Markdown reports.
package benchutil
