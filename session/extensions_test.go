package session

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nodedb-go/nodedb/errs"
)

// CREATE EXTENSION records the extensions whose functions are built in,
// across a restart; others are 58P01 (PostgreSQL's "not available");
// pgcrypto says what of it is not provided. TestOracleExtensions compares
// the rest with PostgreSQL.
func TestExtensions(t *testing.T) {
	dir := t.TempDir()
	d := openT(t, dir)
	s := d.m.NewSession("admin", "db")
	e := d.fail(s, "58P01", `CREATE EXTENSION postgis`)
	require.Contains(t, e.Hint, "uuid-ossp")
	r, err := run(s, `CREATE EXTENSION pgcrypto`)
	require.NoError(t, err)
	require.Len(t, r.Notices, 1)
	require.Contains(t, r.Notices[0].Message, "crypt")
	d.fail(s, errs.FeatureNotSupported, `DROP EXTENSION plpgsql`)
	s.Close()
	d.close()

	d = openT(t, dir)
	defer d.close()
	s = d.m.NewSession("admin", "db")
	defer s.Close()
	require.Equal(t, "pgcrypto\nplpgsql", d.q(s, `SELECT extname FROM pg_extension ORDER BY 1`))
	d.fail(s, errs.DuplicateObject, `CREATE EXTENSION pgcrypto`)
	d.q(s, `DROP EXTENSION pgcrypto`)
	require.Equal(t, "plpgsql", d.q(s, `SELECT extname FROM pg_extension`))
}
