package funcs

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// The functions of the extensions CREATE EXTENSION accepts (see
// Extensions): uuid-ossp's generators and namespaces, and pgcrypto's
// digest, hmac and gen_random_bytes (gen_random_uuid is built in, as in
// PostgreSQL 13 and later).

// Extension is an extension CREATE EXTENSION installs: its functions are
// built in, so installing it records it (pg_extension) and nothing more.
type Extension struct {
	Name, Version string
	Comment       string // its control file's, the comment CREATE EXTENSION gives it
	// Missing names what PostgreSQL's extension has that is not here.
	Missing string
	// Functions are the extension's functions here (what DROP EXTENSION
	// finds column defaults using).
	Functions []string
}

// Extensions are those CREATE EXTENSION accepts.
var Extensions = map[string]Extension{
	"plpgsql": {Name: "plpgsql", Version: "1.0", Comment: "PL/pgSQL procedural language"},
	"uuid-ossp": {Name: "uuid-ossp", Version: "1.1", Comment: "generate universally unique identifiers (UUIDs)",
		Functions: []string{"uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v3", "uuid_generate_v4", "uuid_generate_v5",
			"uuid_nil", "uuid_ns_dns", "uuid_ns_oid", "uuid_ns_url", "uuid_ns_x500"}},
	"pgcrypto": {Name: "pgcrypto", Version: "1.3", Comment: "cryptographic functions",
		Missing:   "crypt, gen_salt, encrypt, decrypt and the pgp_ functions",
		Functions: []string{"digest", "hmac", "gen_random_bytes"}},
}

// externalRoutine is PostgreSQL's 39000, pgcrypto's code for bad input.
const externalRoutine = "39000"

// uuidText formats 16 bytes as a UUID.
func uuidText(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// uuidBytes parses a UUID's text.
func uuidBytes(v types.Value) ([]byte, error) {
	s := strings.ReplaceAll(strings.Trim(str(v), "{}"), "-", "")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 16 {
		return nil, errs.Errorf(errs.InvalidTextRep, "invalid input syntax for type uuid: %q", str(v))
	}
	return b, nil
}

// nameUUID is a version 3 (MD5) or 5 (SHA-1) UUID of name in namespace ns
// (RFC 4122, as uuid-ossp's uuid_generate_v3 and _v5).
func nameUUID(ns []byte, name string, version byte) string {
	var h hash.Hash = md5.New()
	if version == 5 {
		h = sha1.New()
	}
	h.Write(ns)
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	return uuidText(b)
}

// v1 is the state of time-based (version 1) UUIDs: a random node and
// clock sequence, and the last timestamp given, so that two in the same
// 100 ns tick differ.
var v1 struct {
	sync.Mutex
	node  [6]byte
	seq   uint16
	last  uint64
	ready bool
}

// timeUUID is a version 1 UUID with a random (multicast) node, as
// uuid_generate_v1mc gives; uuid_generate_v1 gives the same here (this
// server does not read its MAC address).
func timeUUID() string {
	v1.Lock()
	if !v1.ready {
		var r [8]byte
		_, _ = rand.Read(r[:])
		copy(v1.node[:], r[:6])
		v1.node[0] |= 0x01 // multicast: not a real MAC address
		v1.seq = binary.BigEndian.Uint16(r[6:]) & 0x3fff
		v1.ready = true
	}
	// 100 ns intervals since 1582-10-15.
	ts := uint64(time.Now().UnixNano()/100) + 0x01b21dd213814000
	if ts <= v1.last {
		ts = v1.last + 1
	}
	v1.last = ts
	node, seq := v1.node, v1.seq
	v1.Unlock()
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:], uint32(ts))
	binary.BigEndian.PutUint16(b[4:], uint16(ts>>32))
	binary.BigEndian.PutUint16(b[6:], uint16(ts>>48)&0x0fff|0x1000)
	binary.BigEndian.PutUint16(b[8:], seq|0x8000)
	copy(b[10:], node[:])
	return uuidText(b[:])
}

// hashNamed is pgcrypto's digest algorithms.
func hashNamed(name string) (func() hash.Hash, error) {
	switch strings.ToLower(name) {
	case "md5":
		return md5.New, nil
	case "sha1":
		return sha1.New, nil
	case "sha224":
		return sha256.New224, nil
	case "sha256":
		return sha256.New, nil
	case "sha384":
		return sha512.New384, nil
	case "sha512":
		return sha512.New, nil
	}
	return nil, errs.Errorf(errs.InvalidParameterValue, "Cannot use %q: No such hash algorithm", name)
}

// bytesOf is a text or bytea argument's bytes.
func bytesOf(v types.Value) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	return []byte(str(v))
}

func init() {
	namespaces := map[string]string{
		"uuid_ns_dns":  "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"uuid_ns_url":  "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
		"uuid_ns_oid":  "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
		"uuid_ns_x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
		"uuid_nil":     "00000000-0000-0000-0000-000000000000",
	}
	for name, u := range namespaces {
		def(name, 0, 0, "", types.UUID, func(*Context, []types.Value) (types.Value, error) { return u, nil })
	}
	def("uuid_generate_v1 uuid_generate_v1mc", 0, 0, "", types.UUID, func(*Context, []types.Value) (types.Value, error) {
		return timeUUID(), nil
	}, volatile)
	for _, version := range []byte{3, 5} {
		def("uuid_generate_v"+string('0'+version), 2, 2, "as", types.UUID, func(_ *Context, a []types.Value) (types.Value, error) {
			ns, err := uuidBytes(a[0])
			if err != nil {
				return nil, err
			}
			return nameUUID(ns, str(a[1]), version), nil
		})
	}
	def("digest", 2, 2, "as", types.Bytea, func(_ *Context, a []types.Value) (types.Value, error) {
		h, err := hashNamed(str(a[1]))
		if err != nil {
			return nil, err
		}
		d := h()
		d.Write(bytesOf(a[0]))
		return d.Sum(nil), nil
	})
	def("hmac", 3, 3, "aas", types.Bytea, func(_ *Context, a []types.Value) (types.Value, error) {
		h, err := hashNamed(str(a[2]))
		if err != nil {
			return nil, err
		}
		m := hmac.New(h, bytesOf(a[1]))
		m.Write(bytesOf(a[0]))
		return m.Sum(nil), nil
	})
	def("gen_random_bytes", 1, 1, "i", types.Bytea, func(_ *Context, a []types.Value) (types.Value, error) {
		n, err := intArg(a[0])
		if err != nil {
			return nil, err
		}
		if n < 1 || n > 1024 {
			return nil, errs.New(externalRoutine, "Length not in range")
		}
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b, nil
	}, volatile)
}
