package types

import (
	"fmt"
	"strings"
)

// T is a SQL column or expression type. The zero value is Unknown, the type of
// an untyped NULL or of a schemaless field whose type has not been observed.
type T uint8

// The SQL types. Each maps to one PostgreSQL type OID (see OID).
const (
	Unknown T = iota
	Bool
	Int2
	Int4
	Int8
	Float4
	Float8
	Numeric
	Text
	Varchar
	Bpchar
	Bytea
	Timestamp
	Timestamptz
	Date
	JSON
	JSONB
	UUID
	// Doc is a schemaless value (object, array or scalar) that has no single
	// SQL type; it is sent to clients as JSON text.
	Doc
)

var typeNames = [...]string{
	Unknown:     "unknown",
	Bool:        "boolean",
	Int2:        "smallint",
	Int4:        "integer",
	Int8:        "bigint",
	Float4:      "real",
	Float8:      "double precision",
	Numeric:     "numeric",
	Text:        "text",
	Varchar:     "varchar",
	Bpchar:      "char",
	Bytea:       "bytea",
	Timestamp:   "timestamp",
	Timestamptz: "timestamptz",
	Date:        "date",
	JSON:        "json",
	JSONB:       "jsonb",
	UUID:        "uuid",
	Doc:         "json",
}

// String returns the PostgreSQL spelling of the type.
func (t T) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// PostgreSQL type OIDs (from pg_type.h).
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDJSON        uint32 = 114
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDUnknown     uint32 = 705
	OIDBpchar      uint32 = 1042
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTimestamp   uint32 = 1114
	OIDTimestamptz uint32 = 1184
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
	OIDJSONB       uint32 = 3802
)

// OID returns the PostgreSQL type OID used in RowDescription.
func (t T) OID() uint32 {
	switch t {
	case Bool:
		return OIDBool
	case Int2:
		return OIDInt2
	case Int4:
		return OIDInt4
	case Int8:
		return OIDInt8
	case Float4:
		return OIDFloat4
	case Float8:
		return OIDFloat8
	case Numeric:
		return OIDNumeric
	case Varchar:
		return OIDVarchar
	case Bpchar:
		return OIDBpchar
	case Bytea:
		return OIDBytea
	case Timestamp:
		return OIDTimestamp
	case Timestamptz:
		return OIDTimestamptz
	case Date:
		return OIDDate
	case JSON, Doc:
		return OIDJSON
	case JSONB:
		return OIDJSONB
	case UUID:
		return OIDUUID
	default:
		return OIDText
	}
}

// FromOID maps a PostgreSQL type OID to a T; unknown OIDs give Unknown.
func FromOID(oid uint32) T {
	switch oid {
	case OIDBool:
		return Bool
	case OIDInt2:
		return Int2
	case OIDInt4:
		return Int4
	case OIDInt8:
		return Int8
	case OIDFloat4:
		return Float4
	case OIDFloat8:
		return Float8
	case OIDNumeric:
		return Numeric
	case OIDText:
		return Text
	case OIDVarchar:
		return Varchar
	case OIDBpchar:
		return Bpchar
	case OIDBytea:
		return Bytea
	case OIDTimestamp:
		return Timestamp
	case OIDTimestamptz:
		return Timestamptz
	case OIDDate:
		return Date
	case OIDJSON:
		return JSON
	case OIDJSONB:
		return JSONB
	case OIDUUID:
		return UUID
	}
	return Unknown
}

// Size is the pg typlen reported in RowDescription (-1 for variable length).
func (t T) Size() int16 {
	switch t {
	case Bool:
		return 1
	case Int2:
		return 2
	case Int4, Float4, Date:
		return 4
	case Int8, Float8, Timestamp, Timestamptz:
		return 8
	case UUID:
		return 16
	}
	return -1
}

// IsInteger reports whether t is one of the integer types.
func (t T) IsInteger() bool { return t == Int2 || t == Int4 || t == Int8 }

// IsNumeric reports whether t is an integer, float or numeric type.
func (t T) IsNumeric() bool { return t.IsInteger() || t == Float4 || t == Float8 || t == Numeric }

// IsString reports whether t is a character type.
func (t T) IsString() bool { return t == Text || t == Varchar || t == Bpchar }

// ParseTypeName maps a SQL type name (already lower-cased, without length
// modifiers) to a T. Multi-word names are given with single spaces.
func ParseTypeName(name string) (T, bool) {
	switch strings.ToLower(name) {
	case "bool", "boolean":
		return Bool, true
	case "smallint", "int2":
		return Int2, true
	case "int", "integer", "int4":
		return Int4, true
	case "bigint", "int8", "serial", "bigserial":
		return Int8, true
	case "real", "float4":
		return Float4, true
	case "float", "float8", "double", "double precision":
		return Float8, true
	case "numeric", "decimal":
		return Numeric, true
	case "text", "string":
		return Text, true
	case "varchar", "character varying":
		return Varchar, true
	case "char", "character", "bpchar":
		return Bpchar, true
	case "bytea", "blob", "bytes":
		return Bytea, true
	case "timestamp", "timestamp without time zone", "datetime":
		return Timestamp, true
	case "timestamptz", "timestamp with time zone":
		return Timestamptz, true
	case "date":
		return Date, true
	case "json":
		return JSON, true
	case "jsonb":
		return JSONB, true
	case "uuid":
		return UUID, true
	}
	return Unknown, false
}
