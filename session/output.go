package session

import (
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// EncodeText renders a non-NULL value in PostgreSQL's text output format
// for a column of type t, as types.EncodeText does, except that a
// regclass shows the relation's name, which needs the catalog
// (PostgreSQL's regclassout): users, pg_class,
// information_schema.tables; "-" for OID 0; an OID no relation has stays
// a number. Binary output stays the OID (types.EncodeBinary).
func (s *Session) EncodeText(v types.Value, t types.T) []byte {
	if t == types.RegClass && v != nil {
		out, err := funcs.CastTyped(&funcs.Context{Catalog: s.catalogInfo()}, v, types.RegClass, types.Text)
		if str, ok := out.(string); ok && err == nil {
			return []byte(str)
		}
	}
	return types.EncodeText(v, t)
}
