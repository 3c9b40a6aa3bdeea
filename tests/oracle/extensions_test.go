package oracle

import "testing"

// extensionScript: CREATE EXTENSION of the extensions whose functions are
// built in, pg_extension, and uuid-ossp's and pgcrypto's functions
// (deterministic ones compared by value).
var extensionScript = []string{
	`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`,
	`CREATE EXTENSION "uuid-ossp"`,
	`CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public`,
	`CREATE EXTENSION IF NOT EXISTS plpgsql`,
	`CREATE EXTENSION plpgsql`,
	`CREATE EXTENSION pgcrypto VERSION '9.9'`,
	`SELECT extname, extversion, extrelocatable FROM pg_extension ORDER BY 1`,
	`SELECT uuid_generate_v5(uuid_ns_dns(), 'example.com'), uuid_generate_v3(uuid_ns_url(), 'http://x/'), uuid_nil(), uuid_ns_oid(), uuid_ns_x500()`,
	`SELECT uuid_generate_v5('not a uuid', 'x')`,
	`SELECT encode(digest('abc', 'sha256'), 'hex'), encode(digest('abc'::bytea, 'md5'), 'hex'), encode(digest('', 'sha224'), 'hex')`,
	`SELECT encode(digest('x', 'sha384'), 'hex'), encode(digest('x', 'sha512'), 'hex'), encode(digest('x', 'sha1'), 'hex')`,
	`SELECT encode(hmac('data', 'key', 'sha256'), 'hex'), encode(hmac('data'::bytea, 'key'::bytea, 'md5'), 'hex')`,
	`SELECT length(gen_random_bytes(16)), substr(uuid_generate_v1()::text, 15, 1), substr(uuid_generate_v1mc()::text, 15, 1), uuid_generate_v1() <> uuid_generate_v1()`,
	`SELECT gen_random_bytes(0)`,
	`SELECT digest('x', 'nope')`,
	`CREATE TABLE ext_t (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), h bytea DEFAULT digest('seed', 'sha1'))`,
	`INSERT INTO ext_t DEFAULT VALUES`,
	`SELECT length(h), length(id::text) FROM ext_t`,
	`DROP EXTENSION IF EXISTS nosuchext`,
	`DROP EXTENSION nosuchext`,
	`DROP EXTENSION "uuid-ossp"`,
	`ALTER TABLE ext_t ALTER COLUMN id DROP DEFAULT`,
	`DROP EXTENSION "uuid-ossp"`,
	`SELECT extname FROM pg_extension ORDER BY 1`,
}

func TestOracleExtensions(t *testing.T) { compareScriptMessages(t, extensionScript) }
