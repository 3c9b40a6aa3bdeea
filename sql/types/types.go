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
	// SQL type; it is sent to clients as text (objects and arrays as JSON).
	Doc

	// PostgreSQL system-catalog types (used by pg_catalog and
	// information_schema relations and catalog functions).
	//
	// Runtime values: OID, RegClass, RegType and RegNamespace are int64
	// (0..4294967295); RegProc is a string (the function name, "-" for
	// none); Name and Char are strings (Char holds at most one byte);
	// Int2Vector and OIDVector are strings of space-separated numbers
	// ("1 2"); TextArray, Int2Array and OIDArray are []any of string or
	// int64 elements (NULL elements as nil).
	OID
	RegClass
	RegType
	RegProc
	RegNamespace
	Name
	Char // "char": the single-byte internal type, not character(n)
	Int2Vector
	OIDVector
	TextArray
	Int2Array
	OIDArray
	// Interval is an interval value (sql/funcs.Interval, which implements
	// IntervalValue); it is computed and sent, not stored in columns.
	Interval
	// Record is a row value: a whole-row reference (SELECT t FROM t) or a
	// ROW(...) constructor; its runtime value is *Composite.
	Record
	// Enum is a value of a CREATE TYPE ... AS ENUM type: its runtime value
	// is the label (a string); which type it is travels as the type
	// modifier, the type's OID (see ColumnOID).
	Enum
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

	OID:          "oid",
	RegClass:     "regclass",
	RegType:      "regtype",
	RegProc:      "regproc",
	RegNamespace: "regnamespace",
	Name:         "name",
	Char:         `"char"`,
	Int2Vector:   "int2vector",
	OIDVector:    "oidvector",
	TextArray:    "text[]",
	Int2Array:    "smallint[]",
	OIDArray:     "oid[]",
	Interval:     "interval",
	Record:       "record",
	Enum:         "enum",
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
	OIDInterval    uint32 = 1186
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
	OIDJSONB       uint32 = 3802
	OIDRecord      uint32 = 2249

	OIDChar         uint32 = 18
	OIDName         uint32 = 19
	OIDInt2Vector   uint32 = 22
	OIDRegProc      uint32 = 24
	OIDOID          uint32 = 26
	OIDOIDVector    uint32 = 30
	OIDInt2Array    uint32 = 1005
	OIDTextArray    uint32 = 1009
	OIDOIDArray     uint32 = 1028
	OIDRegClass     uint32 = 2205
	OIDRegType      uint32 = 2206
	OIDRegNamespace uint32 = 4089
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
	case JSON:
		return OIDJSON
	case JSONB:
		return OIDJSONB
	case UUID:
		return OIDUUID
	case OID:
		return OIDOID
	case RegClass:
		return OIDRegClass
	case RegType:
		return OIDRegType
	case RegProc:
		return OIDRegProc
	case RegNamespace:
		return OIDRegNamespace
	case Name:
		return OIDName
	case Char:
		return OIDChar
	case Int2Vector:
		return OIDInt2Vector
	case OIDVector:
		return OIDOIDVector
	case TextArray:
		return OIDTextArray
	case Int2Array:
		return OIDInt2Array
	case Interval:
		return OIDInterval
	case OIDArray:
		return OIDOIDArray
	case Record:
		return OIDRecord
	default:
		return OIDText
	}
}

// ColumnOID is the type OID a column or parameter of type t with type
// modifier mod is described with: an enum's own OID, else t's.
func ColumnOID(t T, mod int32) uint32 {
	if t == Enum && mod > 0 {
		return uint32(mod)
	}
	return t.OID()
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
	case OIDInterval:
		return Interval
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
	case OIDOID:
		return OID
	case OIDRegClass:
		return RegClass
	case OIDRegType:
		return RegType
	case OIDRegProc:
		return RegProc
	case OIDRegNamespace:
		return RegNamespace
	case OIDName:
		return Name
	case OIDChar:
		return Char
	case OIDInt2Vector:
		return Int2Vector
	case OIDOIDVector:
		return OIDVector
	case OIDTextArray:
		return TextArray
	case OIDInt2Array:
		return Int2Array
	case OIDOIDArray:
		return OIDArray
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
	case Char:
		return 1
	case Int4, Float4, Date, OID, RegClass, RegType, RegProc, RegNamespace:
		return 4
	case Int8, Float8, Timestamp, Timestamptz:
		return 8
	case UUID:
		return 16
	case Name:
		return 64
	}
	return -1
}

// IsInteger reports whether t is one of the integer types. The object
// identifier types (oid, regclass, regtype, regnamespace) count as
// integers: their values are int64 and they compare with integers.
func (t T) IsInteger() bool {
	return t == Int2 || t == Int4 || t == Int8 || t.IsOIDLike()
}

// IsOIDLike reports whether t is oid or one of the reg* alias types
// whose runtime value is an int64 object id.
func (t T) IsOIDLike() bool {
	return t == OID || t == RegClass || t == RegType || t == RegNamespace
}

// IsArray reports whether t is one of the PostgreSQL array types whose
// runtime value is []any.
func (t T) IsArray() bool { return t == TextArray || t == Int2Array || t == OIDArray }

// IsNumeric reports whether t is an integer, float or numeric type.
func (t T) IsNumeric() bool { return t.IsInteger() || t == Float4 || t == Float8 || t == Numeric }

// IsString reports whether t is a character type (name and "char"
// included: their values are strings).
func (t T) IsString() bool {
	return t == Text || t == Varchar || t == Bpchar || t == Name || t == Char
}

// IntervalValue is an interval's parts as PostgreSQL keeps them
// (implemented by sql/funcs.Interval).
type IntervalValue interface {
	PGInterval() (months, days int32, micros int64)
}

// ParseTypeName maps a SQL type name (already lower-cased, without length
// modifiers) to a T. Multi-word names are given with single spaces.
func ParseTypeName(name string) (T, bool) {
	switch strings.TrimPrefix(strings.ToLower(name), "pg_catalog.") {
	case "bool", "boolean":
		return Bool, true
	case "smallint", "int2", "smallserial", "serial2":
		return Int2, true
	case "int", "integer", "int4":
		return Int4, true
	case "bigint", "int8", "serial", "bigserial", "serial4", "serial8":
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
	case "interval":
		return Interval, true
	case "json":
		return JSON, true
	case "jsonb":
		return JSONB, true
	case "uuid":
		return UUID, true
	case "oid":
		return OID, true
	case "regclass":
		return RegClass, true
	case "regtype":
		return RegType, true
	case "regproc", "regprocedure":
		return RegProc, true
	case "regnamespace":
		return RegNamespace, true
	case "name":
		return Name, true
	case `"char"`:
		return Char, true
	case "int2vector":
		return Int2Vector, true
	case "oidvector":
		return OIDVector, true
	case "_text", "text[]":
		return TextArray, true
	case "_int2", "int2[]", "smallint[]":
		return Int2Array, true
	case "_oid", "oid[]":
		return OIDArray, true
	}
	return Unknown, false
}

// PgType describes a built-in PostgreSQL type as pg_type shows it. The
// table backs pg_catalog.pg_type, format_type, and regtype input/output.
type PgType struct {
	OID       uint32
	Name      string // typname
	Format    string // format_type spelling without a modifier
	Len       int16
	ByVal     bool
	Type      byte // typtype: 'b' base, 'p' pseudo
	Category  byte
	Preferred bool
	Elem      uint32
	Array     uint32
	Align     byte
	Storage   byte
	Collation uint32
	Input     string
	Output    string
	Receive   string
	Send      string
}

// PgTypes lists the built-in types, ordered by OID (values from a
// PostgreSQL 15 pg_type).
var PgTypes = []PgType{
	{16, "bool", "boolean", 1, true, 'b', 'B', true, 0, 1000, 'c', 'p', 0, "boolin", "boolout", "boolrecv", "boolsend"},
	{17, "bytea", "bytea", -1, false, 'b', 'U', false, 0, 1001, 'i', 'x', 0, "byteain", "byteaout", "bytearecv", "byteasend"},
	{18, "char", `"char"`, 1, true, 'b', 'Z', false, 0, 1002, 'c', 'p', 0, "charin", "charout", "charrecv", "charsend"},
	{19, "name", "name", 64, false, 'b', 'S', false, 18, 1003, 'c', 'p', 950, "namein", "nameout", "namerecv", "namesend"},
	{20, "int8", "bigint", 8, true, 'b', 'N', false, 0, 1016, 'd', 'p', 0, "int8in", "int8out", "int8recv", "int8send"},
	{21, "int2", "smallint", 2, true, 'b', 'N', false, 0, 1005, 's', 'p', 0, "int2in", "int2out", "int2recv", "int2send"},
	{22, "int2vector", "int2vector", -1, false, 'b', 'A', false, 21, 1006, 'i', 'p', 0, "int2vectorin", "int2vectorout", "int2vectorrecv", "int2vectorsend"},
	{23, "int4", "integer", 4, true, 'b', 'N', false, 0, 1007, 'i', 'p', 0, "int4in", "int4out", "int4recv", "int4send"},
	{24, "regproc", "regproc", 4, true, 'b', 'N', false, 0, 1008, 'i', 'p', 0, "regprocin", "regprocout", "regprocrecv", "regprocsend"},
	{25, "text", "text", -1, false, 'b', 'S', true, 0, 1009, 'i', 'x', 100, "textin", "textout", "textrecv", "textsend"},
	{26, "oid", "oid", 4, true, 'b', 'N', true, 0, 1028, 'i', 'p', 0, "oidin", "oidout", "oidrecv", "oidsend"},
	{28, "xid", "xid", 4, true, 'b', 'U', false, 0, 1011, 'i', 'p', 0, "xidin", "xidout", "xidrecv", "xidsend"},
	{30, "oidvector", "oidvector", -1, false, 'b', 'A', false, 26, 1013, 'i', 'p', 0, "oidvectorin", "oidvectorout", "oidvectorrecv", "oidvectorsend"},
	{114, "json", "json", -1, false, 'b', 'U', false, 0, 199, 'i', 'x', 0, "json_in", "json_out", "json_recv", "json_send"},
	{194, "pg_node_tree", "pg_node_tree", -1, false, 'b', 'Z', false, 0, 0, 'i', 'x', 100, "pg_node_tree_in", "pg_node_tree_out", "pg_node_tree_recv", "pg_node_tree_send"},
	{199, "_json", "json[]", -1, false, 'b', 'A', false, 114, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{700, "float4", "real", 4, true, 'b', 'N', false, 0, 1021, 'i', 'p', 0, "float4in", "float4out", "float4recv", "float4send"},
	{701, "float8", "double precision", 8, true, 'b', 'N', true, 0, 1022, 'd', 'p', 0, "float8in", "float8out", "float8recv", "float8send"},
	{705, "unknown", "unknown", -2, false, 'p', 'X', false, 0, 0, 'c', 'p', 0, "unknownin", "unknownout", "unknownrecv", "unknownsend"},
	{1000, "_bool", "boolean[]", -1, false, 'b', 'A', false, 16, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1001, "_bytea", "bytea[]", -1, false, 'b', 'A', false, 17, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1002, "_char", `"char"[]`, -1, false, 'b', 'A', false, 18, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1003, "_name", "name[]", -1, false, 'b', 'A', false, 19, 0, 'i', 'x', 950, "array_in", "array_out", "array_recv", "array_send"},
	{1005, "_int2", "smallint[]", -1, false, 'b', 'A', false, 21, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1006, "_int2vector", "int2vector[]", -1, false, 'b', 'A', false, 22, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1007, "_int4", "integer[]", -1, false, 'b', 'A', false, 23, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1008, "_regproc", "regproc[]", -1, false, 'b', 'A', false, 24, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1009, "_text", "text[]", -1, false, 'b', 'A', false, 25, 0, 'i', 'x', 100, "array_in", "array_out", "array_recv", "array_send"},
	{1013, "_oidvector", "oidvector[]", -1, false, 'b', 'A', false, 30, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1014, "_bpchar", "character[]", -1, false, 'b', 'A', false, 1042, 0, 'i', 'x', 100, "array_in", "array_out", "array_recv", "array_send"},
	{1015, "_varchar", "character varying[]", -1, false, 'b', 'A', false, 1043, 0, 'i', 'x', 100, "array_in", "array_out", "array_recv", "array_send"},
	{1016, "_int8", "bigint[]", -1, false, 'b', 'A', false, 20, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1021, "_float4", "real[]", -1, false, 'b', 'A', false, 700, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1022, "_float8", "double precision[]", -1, false, 'b', 'A', false, 701, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1028, "_oid", "oid[]", -1, false, 'b', 'A', false, 26, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1033, "aclitem", "aclitem", 12, false, 'b', 'U', false, 0, 1034, 'i', 'p', 0, "aclitemin", "aclitemout", "-", "-"},
	{1034, "_aclitem", "aclitem[]", -1, false, 'b', 'A', false, 1033, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1042, "bpchar", "character", -1, false, 'b', 'S', false, 0, 1014, 'i', 'x', 100, "bpcharin", "bpcharout", "bpcharrecv", "bpcharsend"},
	{1043, "varchar", "character varying", -1, false, 'b', 'S', false, 0, 1015, 'i', 'x', 100, "varcharin", "varcharout", "varcharrecv", "varcharsend"},
	{1082, "date", "date", 4, true, 'b', 'D', false, 0, 1182, 'i', 'p', 0, "date_in", "date_out", "date_recv", "date_send"},
	{1083, "time", "time without time zone", 8, true, 'b', 'D', false, 0, 1183, 'd', 'p', 0, "time_in", "time_out", "time_recv", "time_send"},
	{1114, "timestamp", "timestamp without time zone", 8, true, 'b', 'D', false, 0, 1115, 'd', 'p', 0, "timestamp_in", "timestamp_out", "timestamp_recv", "timestamp_send"},
	{1115, "_timestamp", "timestamp without time zone[]", -1, false, 'b', 'A', false, 1114, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1182, "_date", "date[]", -1, false, 'b', 'A', false, 1082, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1183, "_time", "time without time zone[]", -1, false, 'b', 'A', false, 1083, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1184, "timestamptz", "timestamp with time zone", 8, true, 'b', 'D', true, 0, 1185, 'd', 'p', 0, "timestamptz_in", "timestamptz_out", "timestamptz_recv", "timestamptz_send"},
	{1185, "_timestamptz", "timestamp with time zone[]", -1, false, 'b', 'A', false, 1184, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1186, "interval", "interval", 16, false, 'b', 'T', true, 0, 1187, 'd', 'p', 0, "interval_in", "interval_out", "interval_recv", "interval_send"},
	{1187, "_interval", "interval[]", -1, false, 'b', 'A', false, 1186, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1231, "_numeric", "numeric[]", -1, false, 'b', 'A', false, 1700, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{1700, "numeric", "numeric", -1, false, 'b', 'N', false, 0, 1231, 'i', 'm', 0, "numeric_in", "numeric_out", "numeric_recv", "numeric_send"},
	{2205, "regclass", "regclass", 4, true, 'b', 'N', false, 0, 2210, 'i', 'p', 0, "regclassin", "regclassout", "regclassrecv", "regclasssend"},
	{2206, "regtype", "regtype", 4, true, 'b', 'N', false, 0, 2211, 'i', 'p', 0, "regtypein", "regtypeout", "regtyperecv", "regtypesend"},
	{2210, "_regclass", "regclass[]", -1, false, 'b', 'A', false, 2205, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{2211, "_regtype", "regtype[]", -1, false, 'b', 'A', false, 2206, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{2249, "record", "record", -1, false, 'p', 'P', false, 0, 2287, 'd', 'x', 0, "record_in", "record_out", "record_recv", "record_send"},
	{2276, "any", `"any"`, 4, true, 'p', 'P', false, 0, 0, 'i', 'p', 0, "any_in", "any_out", "-", "-"},
	{2277, "anyarray", "anyarray", -1, false, 'p', 'P', false, 0, 0, 'd', 'x', 0, "anyarray_in", "anyarray_out", "anyarray_recv", "anyarray_send"},
	{2278, "void", "void", 4, true, 'p', 'P', false, 0, 0, 'i', 'p', 0, "void_in", "void_out", "void_recv", "void_send"},
	{2287, "_record", "record[]", -1, false, 'p', 'P', false, 2249, 0, 'd', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{2950, "uuid", "uuid", 16, false, 'b', 'U', false, 0, 2951, 'c', 'p', 0, "uuid_in", "uuid_out", "uuid_recv", "uuid_send"},
	{2951, "_uuid", "uuid[]", -1, false, 'b', 'A', false, 2950, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{3802, "jsonb", "jsonb", -1, false, 'b', 'U', false, 0, 3807, 'i', 'x', 0, "jsonb_in", "jsonb_out", "jsonb_recv", "jsonb_send"},
	{3807, "_jsonb", "jsonb[]", -1, false, 'b', 'A', false, 3802, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
	{4089, "regnamespace", "regnamespace", 4, true, 'b', 'N', false, 0, 4090, 'i', 'p', 0, "regnamespacein", "regnamespaceout", "regnamespacerecv", "regnamespacesend"},
	{4090, "_regnamespace", "regnamespace[]", -1, false, 'b', 'A', false, 4089, 0, 'i', 'x', 0, "array_in", "array_out", "array_recv", "array_send"},
}

var (
	pgTypeByOID  = map[uint32]*PgType{}
	pgTypeByName = map[string]*PgType{}
)

func init() {
	for i := range PgTypes {
		pt := &PgTypes[i]
		pgTypeByOID[pt.OID] = pt
		pgTypeByName[pt.Name] = pt
	}
	for i := range PgTypes {
		pt := &PgTypes[i]
		if _, ok := pgTypeByName[pt.Format]; !ok {
			pgTypeByName[pt.Format] = pt
		}
	}
}

// PgTypeByOID returns a built-in type by OID.
func PgTypeByOID(oid uint32) (*PgType, bool) {
	pt, ok := pgTypeByOID[oid]
	return pt, ok
}

// PgTypeByName resolves a type name as regtype input does: typnames
// ("int4", "_text"), format_type spellings ("integer", "text[]"), SQL
// aliases known to ParseTypeName ("int", "varchar"), an optional
// "pg_catalog." prefix and a trailing "[]".
func PgTypeByName(name string) (*PgType, bool) {
	n := strings.TrimSpace(strings.ToLower(name))
	n = strings.TrimPrefix(n, "pg_catalog.")
	if elem, ok := strings.CutSuffix(n, "[]"); ok {
		if pt, ok := PgTypeByName(elem); ok && pt.Array != 0 {
			return PgTypeByOID(pt.Array)
		}
		return nil, false
	}
	// SQL spellings first: "char" means character(1), as in PostgreSQL.
	if t, ok := ParseTypeName(n); ok && t != Doc {
		return PgTypeByOID(t.OID())
	}
	pt, ok := pgTypeByName[n]
	return pt, ok
}

// RegTypeName renders an OID as regtype output does: the format_type
// spelling, "-" for 0, the number for unknown OIDs.
func RegTypeName(oid int64) string {
	if oid == 0 {
		return "-"
	}
	if pt, ok := PgTypeByOID(uint32(oid)); ok {
		return pt.Format
	}
	return fmt.Sprint(oid)
}

// Namespace OIDs of the fixed schemas.
const (
	NamespacePgCatalog         int64 = 11
	NamespacePublic            int64 = 2200
	NamespaceInformationSchema int64 = 13000
)

// NamespaceOID resolves a schema name to its OID.
func NamespaceOID(name string) (int64, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "pg_catalog":
		return NamespacePgCatalog, true
	case "public":
		return NamespacePublic, true
	case "information_schema":
		return NamespaceInformationSchema, true
	}
	return 0, false
}

// NamespaceName renders a namespace OID as regnamespace output does.
func NamespaceName(oid int64) string {
	switch oid {
	case NamespacePgCatalog:
		return "pg_catalog"
	case NamespacePublic:
		return "public"
	case NamespaceInformationSchema:
		return "information_schema"
	case 0:
		return "-"
	}
	return fmt.Sprint(oid)
}

// NumericTypmod is PostgreSQL's type modifier of numeric(precision,
// scale): (precision<<16 | scale) + 4.
func NumericTypmod(precision, scale int) int { return (precision<<16 | scale) + 4 }

// NumericPrecScale decodes a numeric type modifier; ok is false for none
// (below 4).
func NumericPrecScale(mod int) (precision, scale int, ok bool) {
	if mod < 4 {
		return 0, 0, false
	}
	return (mod - 4) >> 16 & 0xffff, (mod - 4) & 0xffff, true
}
