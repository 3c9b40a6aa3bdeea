package funcs

import (
	"testing"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// fakeCatalog knows one table "users" (oid 16385) with index
// users_pkey (oid 16386) and constraint 99.
type fakeCatalog struct{}

func (fakeCatalog) ResolveRelation(name string) (int64, bool) {
	switch types.UnquoteIdent(name) {
	case "users":
		return 16385, true
	case "users_pkey":
		return 16386, true
	}
	return 0, false
}

func (fakeCatalog) RelationName(oid int64) (string, bool) {
	if oid == 16385 {
		return "users", true
	}
	return "", false
}

func (fakeCatalog) IndexDef(oid int64, col int, pretty bool) (string, bool) {
	if oid != 16386 {
		return "", false
	}
	if col == 1 {
		return "id", true
	}
	if pretty {
		return "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)", true
	}
	return "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)", true
}

func (fakeCatalog) ConstraintDef(oid int64, _ bool) (string, bool) {
	if oid == 99 {
		return "PRIMARY KEY (id)", true
	}
	return "", false
}

func (fakeCatalog) RelationSize(oid int64) (int64, bool)           { return 8192, oid == 16385 }
func (fakeCatalog) FunctionSignature(int64) (string, string, bool) { return "", "", false }
func (fakeCatalog) ViewDef(int64) (string, bool)                   { return "", false }
func (fakeCatalog) TypeName(int64) (string, bool)                  { return "", false }
func (fakeCatalog) Description(int64, int) (string, bool)          { return "", false }

func TestPgCompatFuncs(t *testing.T) {
	vars := map[string]string{"application_name": "psql"}
	ctx := &Context{
		User: "admin", Database: "nodedb", Catalog: fakeCatalog{},
		Setting: func(n string) (string, bool) { v, ok := vars[n]; return v, ok },
		SetSetting: func(n, v string, _ bool) error {
			vars[n] = v
			return nil
		},
		TxnID: func() int64 { return 42 },
	}
	a := func(v ...types.Value) []types.Value { return v }
	for _, c := range []struct {
		name string
		args []types.Value
		want string
	}{
		{"pg_catalog.pg_table_is_visible", a(int64(16385)), "t"},
		{"pg_get_userbyid", a(int64(10)), "admin"},
		{"pg_get_userbyid", a(int64(7)), "unknown (OID=7)"},
		{"format_type", a(int64(23), int64(-1)), "integer"},
		{"format_type", a(int64(23), nil), "integer"},
		{"format_type", a(int64(1043), int64(24)), "character varying(20)"},
		{"format_type", a(int64(1043), int64(-1)), "character varying"},
		{"format_type", a(int64(1700), int64(655366)), "numeric(10,2)"},
		{"format_type", a(int64(1700), int64(-1)), "numeric"},
		{"format_type", a(int64(1042), int64(5)), "character(1)"},
		{"format_type", a(int64(1042), int64(-1)), "bpchar"},
		{"format_type", a(int64(1042), nil), "character"},
		{"format_type", a(int64(1114), int64(-1)), "timestamp without time zone"},
		{"format_type", a(int64(1114), int64(3)), "timestamp(3) without time zone"},
		{"format_type", a(int64(1184), nil), "timestamp with time zone"},
		{"format_type", a(int64(1009), int64(-1)), "text[]"},
		{"format_type", a(int64(1015), int64(24)), "character varying(20)[]"},
		{"format_type", a(int64(18), int64(-1)), `"char"`},
		{"format_type", a(int64(19), int64(-1)), "name"},
		{"format_type", a(int64(0), int64(-1)), "-"},
		{"format_type", a(int64(99999), int64(-1)), "???"},
		{"format_type", a(nil, int64(-1)), "NULL"},
		{"format_type", a("23", int64(-1)), "integer"},
		{"pg_get_expr", a("now()", int64(16385)), "now()"},
		{"pg_get_expr", a("'x'", int64(16385), true), "'x'"},
		{"pg_get_expr", a(nil, int64(16385), true), "NULL"},
		{"pg_get_indexdef", a(int64(16386)), "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)"},
		{"pg_get_indexdef", a(int64(16386), int64(0), true), "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)"},
		{"pg_get_indexdef", a(int64(16386), int64(1), true), "id"},
		{"pg_get_indexdef", a(int64(1), int64(0), true), "NULL"},
		{"pg_get_constraintdef", a(int64(99), true), "PRIMARY KEY (id)"},
		{"pg_get_constraintdef", a(int64(98)), "NULL"},
		{"obj_description", a(int64(16385), "pg_class"), "NULL"},
		{"col_description", a(int64(16385), int64(1)), "NULL"},
		{"shobj_description", a(int64(1), "pg_database"), "NULL"},
		{"pg_encoding_to_char", a(int64(6)), "UTF8"},
		{"has_table_privilege", a("users", "select"), "t"},
		{"has_table_privilege", a("admin", "users", "select"), "t"},
		{"has_schema_privilege", a("public", "usage"), "t"},
		{"has_database_privilege", a("nodedb", "connect"), "t"},
		{"pg_is_in_recovery", nil, "f"},
		{"txid_current", nil, "42"},
		{"pg_current_xact_id", nil, "42"},
		{"pg_get_partkeydef", a(int64(16385)), "NULL"},
		{"pg_get_viewdef", a(int64(16385), true), "NULL"},
		{"pg_get_serial_sequence", a("users", "id"), "NULL"},
		{"pg_relation_size", a(int64(16385)), "8192"},
		{"pg_total_relation_size", a(int64(1)), "0"},
		{"pg_table_size", a(int64(16385)), "8192"},
		{"pg_indexes_size", a(int64(16385)), "8192"},
		{"pg_size_pretty", a(int64(0)), "0 bytes"},
		{"pg_size_pretty", a(int64(8192)), "8192 bytes"},
		{"pg_size_pretty", a(int64(10240)), "10 kB"},
		{"pg_size_pretty", a(int64(1000000)), "977 kB"},
		{"pg_size_pretty", a(int64(10485760)), "10 MB"},
		{"pg_size_pretty", a(int64(-20000)), "-20 kB"},
		{"pg_size_pretty", a(dec("1500000000000")), "1397 GB"},
		{"current_setting", a("application_name"), "psql"},
		{"current_setting", a("server_version_num"), "150000"},
		{"current_setting", a("no_such_thing"), "ERR:42704"},
		{"current_setting", a("no_such_thing", true), "NULL"},
		{"set_config", a("application_name", "x", false), "x"},
		{"current_setting", a("application_name"), "x"},
		{"inet_server_addr", nil, "NULL"},
		{"inet_server_port", nil, "NULL"},
		{"to_regclass", a("users"), "16385"},
		{"to_regclass", a("nope"), "NULL"},
		{"to_regtype", a("integer"), "23"},
		{"to_regtype", a("character varying"), "1043"},
		{"to_regtype", a("nope"), "NULL"},
		{"to_regnamespace", a("public"), "2200"},
		{"array_upper", a([]any{"a", "b"}, int64(1)), "2"},
		{"array_upper", a([]any{}, int64(1)), "NULL"},
		{"array_lower", a([]any{"a"}, int64(1)), "1"},
		{"pg_relation_is_publishable", a(int64(16385)), "f"},
	} {
		f, ok := Lookup(c.name)
		if !ok {
			t.Errorf("%s: not registered", c.name)
			continue
		}
		var ats []types.T
		for _, v := range c.args {
			ats = append(ats, types.TypeOf(v))
		}
		if _, err := f.Type(ats); err != nil {
			t.Errorf("%s%v: Type: %v", c.name, ats, err)
		}
		got, err := f.Call(ctx, c.args, nil)
		check(t, c.name, got, err, c.want)
	}
	// Without hooks the catalog functions answer NULL / defaults.
	f, _ := Lookup("pg_get_indexdef")
	if v, err := f.Call(&Context{}, []types.Value{int64(16386)}, nil); v != nil || err != nil {
		t.Errorf("pg_get_indexdef without catalog = %v, %v", v, err)
	}
	f, _ = Lookup("txid_current")
	v1, _ := f.Call(&Context{}, nil, nil)
	v2, _ := f.Call(&Context{}, nil, nil)
	if v1.(int64) >= v2.(int64) {
		t.Errorf("txid_current counter: %v then %v", v1, v2)
	}
}

func TestCastTyped(t *testing.T) {
	ctx := &Context{Catalog: fakeCatalog{}}
	for _, c := range []struct {
		v        types.Value
		from, to types.T
		want     string
	}{
		{"users", types.Text, types.RegClass, "16385"},
		{`"users"`, types.Unknown, types.RegClass, "16385"},
		{"16385", types.Text, types.RegClass, "16385"},
		{int64(16385), types.Int4, types.RegClass, "16385"},
		{"nope", types.Text, types.RegClass, "ERR:42P01"},
		{int64(16385), types.RegClass, types.Text, "users"},
		{int64(424242), types.RegClass, types.Text, "424242"},
		{int64(23), types.RegType, types.Text, "integer"},
		{int64(1043), types.RegType, types.Text, "character varying"},
		{int64(0), types.RegType, types.Text, "-"},
		{int64(2200), types.RegNamespace, types.Text, "public"},
		{"int4", types.Text, types.RegType, "23"},
		{"pg_catalog.text", types.Text, types.RegType, "25"},
		{"text[]", types.Text, types.RegType, "1009"},
		{"nope", types.Text, types.RegType, "ERR:42704"},
		{"public", types.Text, types.RegNamespace, "2200"},
		{"16385", types.Text, types.OID, "16385"},
		{int64(-1), types.Int4, types.OID, "4294967295"},
		{"x", types.Text, types.OID, "ERR:22P02"},
		{int64(1) << 33, types.Int8, types.OID, "ERR:22003"},
		{[]any{"a", "b c", nil}, types.TextArray, types.Text, `{a,"b c",NULL}`},
		{[]any{int64(1), int64(3)}, types.Int2Array, types.Text, "{1,3}"},
		{"{1,2}", types.Text, types.Int2Array, "[1,2]"},
		{`{a,"b,c",NULL}`, types.Text, types.TextArray, `["a","b,c",null]`},
		{"1 2", types.Text, types.Int2Vector, "1 2"},
		{[]any{int64(1), int64(2)}, types.Doc, types.Int2Vector, "1 2"},
		{"abcdef", types.Text, types.Char, "a"},
		{"x", types.Text, types.Name, "x"},
		{"array_in", types.Text, types.RegProc, "array_in"},
	} {
		got, err := CastTyped(ctx, c.v, c.from, c.to)
		check(t, c.to.String(), got, err, c.want)
	}
}

func TestNewTypeNames(t *testing.T) {
	for name, want := range map[string]types.T{
		"oid": types.OID, "regclass": types.RegClass, "pg_catalog.regtype": types.RegType, "regproc": types.RegProc,
		"regnamespace": types.RegNamespace, "name": types.Name, `"char"`: types.Char, "int2vector": types.Int2Vector,
	} {
		got, ok := types.ParseTypeName(name)
		if !ok || got != want {
			t.Errorf("ParseTypeName(%s) = %v, %v", name, got, ok)
		}
		if types.FromOID(want.OID()) != want {
			t.Errorf("FromOID(%d) != %v", want.OID(), want)
		}
	}
	if !types.Name.IsString() || !types.OID.IsInteger() || types.RegProc.IsInteger() {
		t.Error("type classes")
	}
	if _, err := BinaryType("=", types.OID, types.Int4); err != nil {
		t.Errorf("oid = int4: %v", err)
	}
	if _, err := BinaryType("~", types.Name, types.Text); err != nil {
		t.Errorf("name ~ text: %v", err)
	}
	if _, err := CastTyped(&Context{}, "users", types.Text, types.RegClass); errs.Code(err) != errs.UndefinedTable {
		t.Errorf("regclass without a catalog: %v", err)
	}
}

func TestCatalogWireForms(t *testing.T) {
	for _, c := range []struct {
		v    types.Value
		t    types.T
		text string
	}{
		{int64(23), types.RegType, "integer"},
		{int64(2200), types.RegNamespace, "public"},
		{[]any{"a", "b c", nil}, types.TextArray, `{a,"b c",NULL}`},
		{[]any{int64(1), int64(2)}, types.Int2Array, "{1,2}"},
	} {
		got, ok := types.CatalogText(c.v, c.t)
		if !ok || string(got) != c.text {
			t.Errorf("CatalogText(%v, %s) = %q, %v", c.v, c.t, got, ok)
		}
	}
	if _, ok := types.CatalogText(int64(1), types.RegClass); ok {
		t.Error("regclass text needs the catalog")
	}
	for _, c := range []struct {
		v    types.Value
		t    types.T
		want string // rendered after the round trip
	}{
		{int64(4294967295), types.OID, "4294967295"},
		{int64(16385), types.RegClass, "16385"},
		{"r", types.Char, "r"},
		{"", types.Char, ""},
		{"1 3", types.Int2Vector, "1 3"},
		{"", types.Int2Vector, ""},
		{"0 100", types.OIDVector, "0 100"},
		{[]any{"a", nil, "b"}, types.TextArray, `["a",null,"b"]`},
		{[]any{}, types.TextArray, `[]`},
		{[]any{int64(1), int64(-2)}, types.Int2Array, `[1,-2]`},
		{[]any{int64(26)}, types.OIDArray, `[26]`},
	} {
		b, ok, err := types.CatalogBinary(c.v, c.t)
		if !ok || err != nil {
			t.Errorf("CatalogBinary(%v, %s): %v %v", c.v, c.t, ok, err)
			continue
		}
		v, ok, err := types.CatalogDecodeBinary(b, c.t)
		if !ok || err != nil {
			t.Errorf("CatalogDecodeBinary(%x, %s): %v %v", b, c.t, ok, err)
			continue
		}
		if r := render(v); r != c.want {
			t.Errorf("%s round trip: %q, want %q", c.t, r, c.want)
		}
	}
	if b, _, _ := types.CatalogBinary(int64(26), types.OID); len(b) != 4 || b[3] != 26 {
		t.Errorf("oid binary = %x", b)
	}
	if _, ok, err := types.CatalogDecodeBinary([]byte{1, 2}, types.OID); !ok || errs.Code(err) != errs.ProtocolViolation {
		t.Errorf("short oid: %v", err)
	}
	if _, ok, _ := types.CatalogBinary("x", types.Text); ok {
		t.Error("CatalogBinary claims text")
	}
}
