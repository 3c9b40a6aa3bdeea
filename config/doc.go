// Package config owns the server's typed configuration: defaults,
// validation, the TOML file, the NODEDB_* environment variables and the
// precedence between them (defaults < file < environment < flags).
//
// cmd/nodedb calls it to build a Config and then hands that Config to
// server.New; tests build one with Default and change fields directly. It
// imports only the standard library and go-toml, keeps no globals, and never
// reads the process environment itself: ApplyEnv takes a lookup function
// (os.LookupEnv in main, a map in tests).
//
// Naming scheme: every setting has one snake_case name. The TOML key is
// that name (data_dir, port_pgwire, ...), the environment variable is
// NODEDB_ followed by the name in upper case (NODEDB_DATA_DIR,
// NODEDB_PORT_PGWIRE, ...), and the command-line flag is spelled as in
// docs/configuration.md (--data-dir, --pgwire-port, ...).
package config
