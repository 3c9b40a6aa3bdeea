package funcs

// PostgreSQL catalog functions: the ones psql, pgx, lib/pq, JDBC and
// node-postgres call in their metadata queries. Those that need the
// catalog or the session go through hooks in Context (Catalog, Setting,
// SetSetting, TxnID); without them they answer as an empty database would.

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// CatalogInfo is what catalog-aware functions ask of the catalog.
// sql/pgcatalog.Tables implements it; the executor puts one in
// Context.Catalog.
type CatalogInfo interface {
	// ResolveRelation maps a relation name as regclass input accepts it
	// (users, "Users", public.users, pg_catalog.pg_class) to its OID.
	ResolveRelation(name string) (oid int64, ok bool)
	// RelationName is regclass output: the relation's name (qualified
	// when it is not on the search path).
	RelationName(oid int64) (string, bool)
	// IndexDef is pg_get_indexdef: column 0 gives the CREATE INDEX
	// statement, column n the n-th key column's name.
	IndexDef(indexOID int64, column int, pretty bool) (string, bool)
	// ConstraintDef is pg_get_constraintdef ("PRIMARY KEY (id)").
	ConstraintDef(constraintOID int64, pretty bool) (string, bool)
	// RelationSize estimates a relation's size in bytes.
	RelationSize(oid int64) (int64, bool)
	// FunctionSignature is what pg_get_function_arguments and
	// pg_get_function_result show for a user function or procedure
	// ("a integer, b text" and "integer"; result is "" for a procedure).
	FunctionSignature(oid int64) (args, result string, ok bool)
	// TypeName is the name of a user type (an enum) by OID.
	TypeName(oid int64) (string, bool)
	// ViewDef is pg_get_viewdef: a view's query.
	ViewDef(oid int64) (string, bool)
	// Description is obj_description (sub 0) and col_description: the
	// comment on relation oid or its column sub.
	Description(oid int64, sub int) (string, bool)
}

// TempSchemas is implemented by a CatalogInfo that knows the temporary
// schemas (pg_temp_N).
type TempSchemas interface {
	// TempNamespace is the OID of the session's own (0: none).
	TempNamespace() int64
	// IsTempNamespace reports whether oid is any session's.
	IsTempNamespace(oid int64) bool
}

func tempSchemas(ctx *Context) (TempSchemas, bool) {
	if ctx == nil || ctx.Catalog == nil {
		return nil, false
	}
	ts, ok := ctx.Catalog.(TempSchemas)
	return ts, ok
}

// SuperuserOID is the OID of the admin role (PostgreSQL's bootstrap
// superuser OID).
const SuperuserOID = 10

// startTime is pg_postmaster_start_time().
var startTime = time.Now().UTC()

var txidCounter atomic.Int64

// CastTyped converts v from static type from to type to. It is
// types.Cast plus the conversions that need the catalog or the static
// source type; the executor should use it for every CAST / :: (and for
// coercing literals compared with regclass columns):
//
//   - text → regclass resolves the name with ctx.Catalog (42P01
//     `relation "x" does not exist` when unknown);
//   - regclass → text gives the relation name, regtype → text the type
//     name, regnamespace → text the schema name;
//   - int2vector/oidvector → text gives "1 2"; text[]/int2[]/oid[] →
//     text gives the array literal {a,b}.
func CastTyped(ctx *Context, v types.Value, from, to types.T) (types.Value, error) {
	if v == nil {
		return nil, nil
	}
	if from == to && from == types.JSONB {
		// Already jsonb: a string here is a JSON string, not JSON text
		// to parse ('"s"'::jsonb binds its literal as jsonb).
		return v, nil
	}
	if to == types.RegClass {
		if s, ok := v.(string); ok {
			return regclassIn(ctx, s)
		}
	}
	if from == types.RegProc && to.IsOIDLike() {
		if s, ok := v.(string); ok {
			return regprocOID(ctx, s)
		}
	}
	if to == IntervalType {
		switch x := v.(type) {
		case Interval:
			return x, nil
		case string:
			return ParseInterval(x)
		}
		return nil, errs.Errorf(errs.CannotCoerce, "cannot cast type %s to interval", from)
	}
	if from == IntervalType || to.IsString() {
		if iv, ok := v.(Interval); ok {
			if !to.IsString() {
				return nil, errs.Errorf(errs.CannotCoerce, "cannot cast type interval to %s", to)
			}
			return types.Cast(iv.String(), to)
		}
	}
	if to.IsString() {
		var s string
		ok := true
		switch from {
		case types.RegClass:
			s = regclassOut(ctx, v)
		case types.RegType:
			s = types.RegTypeName(oidArg(v))
		case types.RegNamespace:
			s = types.NamespaceName(oidArg(v))
		case types.TextArray, types.Int2Array, types.OIDArray:
			if a, isArr := v.([]any); isArr {
				s = types.FormatArrayText(a)
			} else {
				ok = false
			}
		case types.JSONB:
			// jsonb's text is its output form (keys shorter first, spaced).
			s = string(types.EncodeText(v, types.JSONB))
		default:
			ok = false
		}
		if ok {
			return types.Cast(s, to)
		}
	}
	return types.Cast(v, to)
}

// CastRegClass is CastTyped(ctx, v, <v's type>, types.RegClass): an OID
// stays as is, a name is resolved through ctx.Catalog.
func CastRegClass(ctx *Context, v types.Value) (types.Value, error) {
	return CastTyped(ctx, v, types.TypeOf(v), types.RegClass)
}

func regclassIn(ctx *Context, s string) (types.Value, error) {
	x := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(x, 10, 64); err == nil {
		return types.Cast(n, types.OID)
	}
	if x == "-" {
		return int64(0), nil
	}
	if ctx != nil && ctx.Catalog != nil {
		if oid, ok := ctx.Catalog.ResolveRelation(x); ok {
			return oid, nil
		}
	}
	return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", types.UnquoteIdent(x))
}

// FunctionOIDs is what a CatalogInfo implements when it knows the OIDs
// of user functions by name (regproc to oid).
type FunctionOIDs interface {
	FunctionOID(name string) (int64, bool)
}

// regprocOID is a regproc value (a function's name, "-" for none, or an
// OID) as an oid: a name is looked up among the user functions, which
// are the functions with OIDs here (42883 for any other).
func regprocOID(ctx *Context, s string) (types.Value, error) {
	x := strings.TrimSpace(s)
	if x == "-" {
		return int64(0), nil
	}
	if n, err := strconv.ParseInt(x, 10, 64); err == nil {
		return types.Cast(n, types.OID)
	}
	if ctx != nil && ctx.Catalog != nil {
		if fo, ok := ctx.Catalog.(FunctionOIDs); ok {
			if oid, ok := fo.FunctionOID(x); ok {
				return oid, nil
			}
		}
	}
	return nil, errs.Errorf(errs.UndefinedFunction, "function %q does not exist", x)
}

func regclassOut(ctx *Context, v types.Value) string {
	oid := oidArg(v)
	if oid == 0 {
		return "-"
	}
	if ctx != nil && ctx.Catalog != nil {
		if name, ok := ctx.Catalog.RelationName(oid); ok {
			return name
		}
	}
	return strconv.FormatInt(oid, 10)
}

// oidArg reads an OID-valued argument (int64 or numeric text); bad
// input gives -1, which matches nothing.
func oidArg(v types.Value) int64 {
	o, err := types.Cast(v, types.OID)
	if err != nil {
		return -1
	}
	return o.(int64)
}

func boolArg(v types.Value) bool {
	b, err := types.Cast(v, types.Bool)
	return err == nil && b == true
}

func textArg(v types.Value) string {
	if s, ok := v.(string); ok {
		return s
	}
	return types.FormatText(v)
}

// FormatType is format_type(oid, typmod): PostgreSQL's spelling of a
// type with its modifier. typmod is PostgreSQL's encoding (varchar(n) is
// n+4, numeric(p,s) is (p<<16|s)+4, timestamp(p) is p); modGiven false
// means a NULL typmod.
func FormatType(oid, typmod int64, modGiven bool) string {
	if oid == 0 {
		return "-"
	}
	pt, ok := types.PgTypeByOID(uint32(oid))
	if !ok {
		return "???"
	}
	if pt.Category == 'A' && pt.Elem != 0 && pt.Len == -1 {
		return FormatType(int64(pt.Elem), typmod, modGiven) + "[]"
	}
	hasMod := modGiven && typmod >= 0
	switch uint32(oid) {
	case types.OIDBpchar:
		switch {
		case hasMod && typmod >= 4:
			return fmt.Sprintf("character(%d)", typmod-4)
		case modGiven:
			return "bpchar"
		}
		return "character"
	case types.OIDVarchar:
		if hasMod && typmod >= 4 {
			return fmt.Sprintf("character varying(%d)", typmod-4)
		}
	case types.OIDNumeric:
		if p, s, ok := types.NumericPrecScale(int(typmod)); hasMod && ok {
			return fmt.Sprintf("numeric(%d,%d)", p, s)
		}
	case types.OIDTimestamp:
		if hasMod {
			return fmt.Sprintf("timestamp(%d) without time zone", typmod)
		}
	case types.OIDTimestamptz:
		if hasMod {
			return fmt.Sprintf("timestamp(%d) with time zone", typmod)
		}
	}
	return pt.Format
}

// SizePretty is pg_size_pretty with PostgreSQL 15's rounding: bytes
// below 10240, then kB, MB, GB, TB, PB, each used while the rounded
// value stays below 20480 of it.
func SizePretty(size int64) string {
	const limit = 10 * 1024
	const limit2 = limit*2 - 1
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	half := func(x int64) int64 {
		if x < 0 {
			return (x - 1) / 2
		}
		return (x + 1) / 2
	}
	if abs(size) < limit {
		return fmt.Sprintf("%d bytes", size)
	}
	size >>= 9 // keep one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < limit2 {
			return fmt.Sprintf("%d %s", half(size), unit)
		}
		size >>= 10
	}
	return fmt.Sprintf("%d PB", half(size))
}

func settingOf(ctx *Context, name string) (string, bool) {
	if ctx != nil && ctx.Setting != nil {
		if v, ok := ctx.Setting(strings.ToLower(name)); ok {
			return v, true
		}
	}
	switch strings.ToLower(name) {
	case "server_version":
		return "15.0 (NodeDB-Go)", true
	case "server_version_num":
		return "150000", true
	case "server_encoding", "client_encoding":
		return "UTF8", true
	case "standard_conforming_strings":
		return "on", true
	case "max_identifier_length":
		return "63", true
	case "search_path":
		return `"$user", public`, true
	case "timezone":
		return "UTC", true
	case "datestyle":
		return "ISO, MDY", true
	case "integer_datetimes":
		return "on", true
	case "block_size":
		return "8192", true
	case "lc_collate", "lc_ctype":
		return "C", true
	case "default_transaction_read_only", "transaction_read_only", "is_superuser":
		if strings.EqualFold(name, "is_superuser") {
			return "on", true
		}
		return "off", true
	}
	return "", false
}

// tableIsVisible is pg_table_is_visible(oid): whether the relation's
// schema is on the search path (public and pg_catalog), so that its bare
// name finds it; information_schema's views are not. NULL for an OID no
// relation has.
func tableIsVisible(ctx *Context, a []types.Value) (types.Value, error) {
	if ctx == nil || ctx.Catalog == nil {
		return true, nil
	}
	name, ok := ctx.Catalog.RelationName(oidArg(a[0]))
	if !ok {
		return nil, nil
	}
	// regclass output qualifies exactly the names off the search path
	// (a quoted name's dots are its own).
	return strings.HasPrefix(name, `"`) || !strings.Contains(name, "."), nil
}

func pgNotify(ctx *Context, a []types.Value) (types.Value, error) {
	if ctx == nil || ctx.Notify == nil {
		return nil, errs.New(errs.FeatureNotSupported, "pg_notify is not available here")
	}
	payload := ""
	if a[1] != nil {
		payload = toText(a[1])
	}
	if a[0] == nil {
		return nil, errs.New(errs.InvalidParameterValue, "channel name cannot be empty")
	}
	return nil, ctx.Notify(toText(a[0]), payload)
}

func init() {
	def("pg_notify", 2, 2, "aa", types.Unknown, pgNotify, volatile, nonStrict)
	def("pg_notification_queue_usage", 0, 0, "", types.Float8, func(ctx *Context, _ []types.Value) (types.Value, error) {
		if ctx == nil || ctx.NotifyQueueUsage == nil {
			return 0.0, nil
		}
		return ctx.NotifyQueueUsage(), nil
	}, volatile)
	yes := func(*Context, []types.Value) (types.Value, error) { return true, nil }
	no := func(*Context, []types.Value) (types.Value, error) { return false, nil }
	null := func(*Context, []types.Value) (types.Value, error) { return nil, nil }

	def("pg_table_is_visible", 1, 1, "a", types.Bool, tableIsVisible)
	def("pg_type_is_visible pg_function_is_visible pg_collation_is_visible pg_opclass_is_visible pg_operator_is_visible pg_conversion_is_visible pg_ts_config_is_visible", 1, 1, "a", types.Bool, yes)
	def("pg_is_other_temp_schema", 1, 1, "a", types.Bool, func(ctx *Context, a []types.Value) (types.Value, error) {
		ts, ok := tempSchemas(ctx)
		if !ok {
			return false, nil
		}
		oid := oidArg(a[0])
		return ts.IsTempNamespace(oid) && oid != ts.TempNamespace(), nil
	})
	def("pg_my_temp_schema", 0, 0, "", types.OID, func(ctx *Context, _ []types.Value) (types.Value, error) {
		if ts, ok := tempSchemas(ctx); ok {
			return ts.TempNamespace(), nil
		}
		return int64(0), nil
	})
	def("pg_get_userbyid", 1, 1, "a", types.Name, func(_ *Context, a []types.Value) (types.Value, error) {
		oid := oidArg(a[0])
		if oid == SuperuserOID {
			return "admin", nil
		}
		return fmt.Sprintf("unknown (OID=%d)", oid), nil
	})
	def("format_type", 2, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		if _, builtin := types.PgTypeByOID(uint32(oidArg(a[0]))); !builtin && ctx != nil && ctx.Catalog != nil {
			if name, ok := ctx.Catalog.TypeName(oidArg(a[0])); ok {
				return name, nil
			}
		}
		mod := int64(-1)
		if a[1] != nil {
			m, err := intArg(a[1])
			if err != nil {
				return nil, err
			}
			mod = m
		}
		return FormatType(oidArg(a[0]), mod, a[1] != nil), nil
	}, nonStrict)
	def("pg_get_expr", 2, 3, "a", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		return textArg(a[0]), nil
	})
	def("pg_get_indexdef", 1, 3, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		col := int64(0)
		if len(a) > 1 {
			c, err := intArg(a[1])
			if err != nil {
				return nil, err
			}
			col = c
		}
		pretty := len(a) > 2 && boolArg(a[2])
		if ctx == nil || ctx.Catalog == nil {
			return nil, nil
		}
		if s, ok := ctx.Catalog.IndexDef(oidArg(a[0]), int(col), pretty); ok {
			return s, nil
		}
		return nil, nil
	})
	def("pg_get_constraintdef", 1, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx == nil || ctx.Catalog == nil {
			return nil, nil
		}
		if s, ok := ctx.Catalog.ConstraintDef(oidArg(a[0]), len(a) > 1 && boolArg(a[1])); ok {
			return s, nil
		}
		return nil, nil
	})
	def("obj_description", 1, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx == nil || ctx.Catalog == nil || a[0] == nil || (len(a) > 1 && textArg(a[1]) != "pg_class") {
			return nil, nil // comments are kept on relations only
		}
		if s, ok := ctx.Catalog.Description(oidArg(a[0]), 0); ok {
			return s, nil
		}
		return nil, nil
	})
	def("shobj_description", 1, 2, "a", types.Text, null, nonStrict)
	def("col_description", 2, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx == nil || ctx.Catalog == nil || a[0] == nil || a[1] == nil {
			return nil, nil
		}
		n, err := types.Cast(a[1], types.Int8)
		if err != nil {
			return nil, err
		}
		if s, ok := ctx.Catalog.Description(oidArg(a[0]), int(n.(int64))); ok && n.(int64) > 0 {
			return s, nil
		}
		return nil, nil
	})
	def("pg_get_viewdef", 1, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx == nil || ctx.Catalog == nil {
			return nil, nil
		}
		oid := oidArg(a[0])
		if name, ok := a[0].(string); ok && oid < 0 {
			// pg_get_viewdef('name'), PostgreSQL's older form.
			if oid, ok = ctx.Catalog.ResolveRelation(name); !ok {
				return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
			}
		}
		if s, ok := ctx.Catalog.ViewDef(oid); ok {
			return s + ";", nil // PostgreSQL's ends the query (pg_dump strips it)
		}
		return nil, nil
	})
	def("pg_get_triggerdef pg_get_ruledef pg_get_partkeydef pg_get_statisticsobjdef_columns pg_get_function_sqlbody", 1, 2, "a", types.Text, null, nonStrict)
	signature := func(result bool) func(*Context, []types.Value) (types.Value, error) {
		return func(ctx *Context, a []types.Value) (types.Value, error) {
			if ctx == nil || ctx.Catalog == nil {
				return nil, nil
			}
			args, res, ok := ctx.Catalog.FunctionSignature(oidArg(a[0]))
			switch {
			case !ok:
				return nil, nil
			case !result:
				return args, nil
			case res == "":
				return nil, nil // a procedure has no result type
			}
			return res, nil
		}
	}
	def("pg_get_function_arguments pg_get_function_identity_arguments", 1, 1, "a", types.Text, signature(false))
	def("pg_get_function_result", 1, 1, "a", types.Text, signature(true))
	def("pg_tablespace_location", 1, 1, "a", types.Text, func(*Context, []types.Value) (types.Value, error) { return "", nil })
	def("pg_relation_is_publishable", 1, 1, "a", types.Bool, no)
	def("pg_encoding_to_char", 1, 1, "a", types.Name, func(_ *Context, a []types.Value) (types.Value, error) {
		n, err := intArg(a[0])
		if err != nil {
			return nil, err
		}
		switch n {
		case 0:
			return "SQL_ASCII", nil
		case 6:
			return "UTF8", nil
		}
		return "", nil
	})
	def("pg_char_to_encoding", 1, 1, "a", types.Int4, func(_ *Context, a []types.Value) (types.Value, error) {
		switch strings.ToUpper(strings.ReplaceAll(textArg(a[0]), "-", "")) {
		case "UTF8", "UNICODE":
			return int64(6), nil
		case "SQL_ASCII":
			return int64(0), nil
		}
		return int64(-1), nil
	})
	def("has_table_privilege has_schema_privilege has_database_privilege has_column_privilege has_any_column_privilege has_function_privilege has_sequence_privilege has_tablespace_privilege has_type_privilege has_language_privilege has_foreign_data_wrapper_privilege has_server_privilege pg_has_role", 2, 4, "a", types.Bool, yes)
	def("pg_is_in_recovery pg_jit_available", 0, 0, "", types.Bool, no)
	def("pg_postmaster_start_time pg_conf_load_time", 0, 0, "", types.Timestamptz, func(*Context, []types.Value) (types.Value, error) { return startTime, nil })
	def("txid_current pg_current_xact_id txid_current_if_assigned pg_current_xact_id_if_assigned", 0, 0, "", types.Int8, func(ctx *Context, _ []types.Value) (types.Value, error) {
		if ctx != nil && ctx.TxnID != nil {
			return ctx.TxnID(), nil
		}
		return txidCounter.Add(1), nil
	}, volatile)
	def("pg_trigger_depth", 0, 0, "", types.Int4, func(*Context, []types.Value) (types.Value, error) { return int64(0), nil })
	def("pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size", 1, 2, "a", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx != nil && ctx.Catalog != nil {
			if n, ok := ctx.Catalog.RelationSize(oidArg(a[0])); ok {
				return n, nil
			}
		}
		return int64(0), nil
	}, volatile)
	def("pg_database_size", 1, 1, "a", types.Int8, func(*Context, []types.Value) (types.Value, error) { return int64(0), nil }, volatile)
	def("pg_size_pretty", 1, 1, "n", types.Text, func(_ *Context, a []types.Value) (types.Value, error) {
		switch x := a[0].(type) {
		case int64:
			return SizePretty(x), nil
		case float64:
			return SizePretty(int64(x)), nil
		case *apd.Decimal:
			f, _ := x.Float64()
			return SizePretty(int64(f)), nil
		}
		return nil, invalidParam("pg_size_pretty: bad argument")
	})
	def("current_setting", 1, 2, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, nil
		}
		name := textArg(a[0])
		if v, ok := settingOf(ctx, name); ok {
			return v, nil
		}
		if len(a) > 1 && boolArg(a[1]) {
			return nil, nil
		}
		return nil, errs.Errorf(errs.UndefinedObject, "unrecognized configuration parameter %q", name)
	}, nonStrict, volatile)
	def("set_config", 3, 3, "a", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if a[0] == nil {
			return nil, errs.New(codeNullNotAllowed, "SET requires parameter name")
		}
		name := strings.ToLower(textArg(a[0]))
		val := ""
		if a[1] != nil {
			val = textArg(a[1])
		}
		if ctx != nil && ctx.SetSetting != nil {
			if err := ctx.SetSetting(name, val, boolArg(a[2])); err != nil {
				return nil, err
			}
		}
		return val, nil
	}, nonStrict, volatile)
	def("inet_server_addr inet_client_addr", 0, 0, "", types.Text, null, nonStrict)
	def("inet_server_port inet_client_port", 0, 0, "", types.Int4, null, nonStrict)
	def("to_regclass", 1, 1, "a", types.RegClass, func(ctx *Context, a []types.Value) (types.Value, error) {
		v, err := regclassIn(ctx, textArg(a[0]))
		if err != nil {
			return nil, nil
		}
		return v, nil
	})
	def("to_regtype", 1, 1, "a", types.RegType, func(_ *Context, a []types.Value) (types.Value, error) {
		if pt, ok := types.PgTypeByName(textArg(a[0])); ok {
			return int64(pt.OID), nil
		}
		return nil, nil
	})
	def("to_regnamespace", 1, 1, "a", types.RegNamespace, func(_ *Context, a []types.Value) (types.Value, error) {
		if oid, ok := types.NamespaceOID(types.UnquoteIdent(textArg(a[0]))); ok {
			return oid, nil
		}
		return nil, nil
	})
	arrayBound := func(upper bool) evalFn {
		return func(_ *Context, a []types.Value) (types.Value, error) {
			arr, ok := a[0].([]any)
			if !ok {
				if s, isStr := a[0].(string); isStr {
					parsed, err := types.ParseArrayText(s)
					if err != nil {
						return nil, err
					}
					arr = parsed
				} else {
					return nil, invalidParam("array_upper: argument is not an array")
				}
			}
			dim, err := intArg(a[1])
			if err != nil {
				return nil, err
			}
			if dim != 1 || len(arr) == 0 {
				return nil, nil
			}
			if upper {
				return int64(len(arr)), nil
			}
			return int64(1), nil
		}
	}
	def("array_upper", 2, 2, "a", types.Int4, arrayBound(true))
	def("array_lower", 2, 2, "a", types.Int4, arrayBound(false))
}
