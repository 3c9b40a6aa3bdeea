package exec

// SetStaging turns staged filters on or off and returns the function
// that restores the previous setting.
func SetStaging(on bool) (restore func()) {
	old := staging
	staging = on
	return func() { staging = old }
}
