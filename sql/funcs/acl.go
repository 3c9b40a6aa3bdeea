package funcs

import (
	"strconv"

	"github.com/nodedb-go/nodedb/errs"

	"github.com/nodedb-go/nodedb/sql/types"
)

// aclDefaults are the privileges an object's owner (and PUBLIC, the
// empty grantee) hold when its ACL is NULL, by acldefault's object kind,
// as PostgreSQL 15 defines them: "" is PUBLIC's, "o" the owner's.
var aclDefaults = map[string][2]string{
	"c": {"", ""},        // column: none beyond the table's
	"r": {"", "arwdDxt"}, // relation
	"s": {"", "rwU"},     // sequence
	"d": {"Tc", "CTc"},   // database
	"f": {"X", "X"},      // function
	"l": {"U", "U"},      // language
	"L": {"", "rw"},      // large object
	"n": {"", "UC"},      // schema
	"t": {"", "C"},       // tablespace
	"F": {"", "U"},       // foreign-data wrapper
	"S": {"", "U"},       // foreign server
	"T": {"U", "U"},      // type
	"p": {"", "sA"},      // parameter
}

// roleName is a role's name as an aclitem shows it: admin, or the OID
// for a role that does not exist.
func roleName(oid int64) string {
	if oid == SuperuserOID {
		return "admin"
	}
	return strconv.FormatInt(oid, 10)
}

func init() {
	// acldefault(kind, owner): the ACL an object of kind owned by owner
	// has while its stored ACL is NULL (pg_dump compares the two).
	def("acldefault", 2, 2, "aa", types.TextArray, func(_ *Context, a []types.Value) (types.Value, error) {
		kind := toText(a[0])
		d, ok := aclDefaults[kind]
		if !ok {
			return nil, errs.Errorf(errs.InternalError, "unrecognized object type abbreviation: %s", kind)
		}
		owner := roleName(oidArg(a[1]))
		out := []any{}
		if d[0] != "" {
			out = append(out, "="+d[0]+"/"+owner)
		}
		if d[1] != "" {
			out = append(out, owner+"="+d[1]+"/"+owner)
		}
		return out, nil
	})
	// array_remove(array, value): the array without the elements equal
	// to value (IS NOT DISTINCT FROM: NULL removes the NULLs).
	def("array_remove", 2, 2, "aa", argType(0), func(_ *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		arr, ok := asDoc(a[0]).([]any)
		if !ok {
			return nil, errs.New(errs.DatatypeMismatch, "array_remove needs an array")
		}
		out := []any{}
		for _, e := range arr {
			if (e == nil && a[1] == nil) || (e != nil && a[1] != nil && types.Compare(e, a[1]) == 0) {
				continue
			}
			out = append(out, e)
		}
		return out, nil
	}, nonStrict)
}
