package pgcatalog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// fixture builds a catalog with
//
//	users  strict: id int4 pk, name varchar(20) not null default 'x',
//	       email text (unique index users_email_key), score numeric,
//	       created timestamp default now(); index users_name_idx (name)
//	docs   schemaless: key id, observed fields title (text), n (int8),
//	       meta (document)
//	logs   strict without a key (hidden row id)
func fixture(t *testing.T) (*catalog.Catalog, *Tables) {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	txm, err := txn.NewManager(st, txn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = txm.Close() })
	cat, err := catalog.Open(txm)
	if err != nil {
		t.Fatal(err)
	}
	err = cat.DDL(func(tx *catalog.DDLTxn) error {
		users := &catalog.Collection{ID: tx.NewID(), Name: "users", Kind: catalog.Strict, Created: time.Now().UTC(),
			Columns: []catalog.Column{
				{Name: "id", Type: types.Int4, NotNull: true},
				{Name: "name", Type: types.Varchar, TypeMod: 20, NotNull: true, Default: "'x'"},
				{Name: "email", Type: types.Text},
				{Name: "score", Type: types.Numeric},
				{Name: "created", Type: types.Timestamp, Default: "now()"},
			},
			PK:     []string{"id"},
			Checks: []catalog.Check{{Name: "users_score_check", Expr: "(score >= 0)"}},
		}
		users.Indexes = []catalog.Index{
			{ID: tx.NewID(), Name: "users_email_key", Columns: []string{"email"}, Unique: true},
			{ID: tx.NewID(), Name: "users_name_idx", Columns: []string{"name"}},
		}
		tx.Put(users)
		tx.Put(&catalog.Collection{ID: tx.NewID(), Name: "docs", Kind: catalog.Schemaless, PK: []string{"id"}, Created: time.Now().UTC()})
		tx.Put(&catalog.Collection{ID: tx.NewID(), Name: "logs", Kind: catalog.Strict, Created: time.Now().UTC(),
			Columns: []catalog.Column{{Name: "msg", Type: types.Text}, {Name: "_rowid", Type: types.Int8, NotNull: true, Hidden: true}},
			PK:      []string{"_rowid"}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := cat.Get("docs")
	doc := map[string]any{"id": "d1", "title": "hello", "n": int64(3), "meta": map[string]any{"a": int64(1)}}
	fields := docs.Fields.Observe(doc, []string{"id", "title", "n", "meta"}, nil)
	for i := range fields {
		fields[i].Seq = uint64(i + 1)
	}
	catalog.ApplyFields(docs, fields)
	return cat, New(cat)
}

// query reads a system table and renders the rows that match where as
// "col=val col=val" lines (only the named columns).
func query(t *testing.T, tabs *Tables, name string, where func(r map[string]any) bool, cols ...string) []string {
	t.Helper()
	st, ok := tabs.Lookup(name)
	if !ok {
		t.Fatalf("no system table %s", name)
	}
	rows, err := st.Rows(WithSession(context.Background(), Session{Database: "nodedb", User: "admin"}))
	if err != nil {
		t.Fatal(err)
	}
	layout := st.Columns()
	var out []string
	for _, row := range rows {
		if len(row) != len(layout) {
			t.Fatalf("%s: row has %d values for %d columns", name, len(row), len(layout))
		}
		r := map[string]any{}
		for i, c := range layout {
			r[c.Name] = row[i]
			checkValueType(t, name, c.Name, c.T, row[i])
		}
		if where != nil && !where(r) {
			continue
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			v, ok := r[c]
			if !ok {
				t.Fatalf("%s has no column %s", name, c)
			}
			parts[i] = c + "=" + render(v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []any:
		return types.FormatArrayText(x)
	}
	return types.FormatText(v)
}

// checkValueType checks that a value's dynamic type fits its column type.
func checkValueType(t *testing.T, table, col string, ct types.T, v any) {
	t.Helper()
	if v == nil {
		return
	}
	ok := true
	switch {
	case ct == types.RegProc || ct.IsString() || ct == types.Int2Vector || ct == types.OIDVector:
		_, ok = v.(string)
		if ct == types.Char && ok && len(v.(string)) > 1 {
			ok = false
		}
	case ct.IsInteger():
		_, ok = v.(int64)
	case ct == types.Bool:
		_, ok = v.(bool)
	case ct == types.Float4 || ct == types.Float8:
		_, ok = v.(float64)
	case ct.IsArray():
		_, ok = v.([]any)
	}
	if !ok {
		t.Errorf("%s.%s (%s): value %#v has the wrong kind", table, col, ct, v)
	}
}

func eq(col string, want any) func(map[string]any) bool {
	return func(r map[string]any) bool { return types.Compare(r[col], want) == 0 && r[col] != nil }
}

func expect(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestLookup(t *testing.T) {
	_, tabs := fixture(t)
	for _, n := range []string{"pg_class", "pg_catalog.pg_class", "information_schema.columns", "pg_type", "pg_settings", "pg_stat_activity"} {
		if _, ok := tabs.Lookup(n); !ok {
			t.Errorf("Lookup(%q) failed", n)
		}
	}
	for _, n := range []string{"columns", "public.pg_class", "users", "pg_nope"} {
		if _, ok := tabs.Lookup(n); ok {
			t.Errorf("Lookup(%q) succeeded", n)
		}
	}
	// Every table's rows fit its layout.
	for _, n := range tabs.Names() {
		query(t, tabs, n, nil)
	}
}

func TestPgClass(t *testing.T) {
	cat, tabs := fixture(t)
	users, _ := cat.Get("users")
	got := query(t, tabs, "pg_class", func(r map[string]any) bool { return r["relnamespace"] == int64(2200) },
		"relname", "relkind", "relnatts", "relhasindex", "relam", "relowner")
	expect(t, "pg_class", got,
		"relname=docs relkind=r relnatts=4 relhasindex=t relam=2 relowner=10",
		"relname=docs_pkey relkind=i relnatts=1 relhasindex=f relam=403 relowner=10",
		"relname=logs relkind=r relnatts=1 relhasindex=f relam=2 relowner=10",
		"relname=users relkind=r relnatts=5 relhasindex=t relam=2 relowner=10",
		"relname=users_pkey relkind=i relnatts=1 relhasindex=f relam=403 relowner=10",
		"relname=users_email_key relkind=i relnatts=1 relhasindex=f relam=403 relowner=10",
		"relname=users_name_idx relkind=i relnatts=1 relhasindex=f relam=403 relowner=10",
	)
	got = query(t, tabs, "pg_catalog.pg_class", eq("relname", "users"), "oid")
	expect(t, "users oid", got, fmt.Sprintf("oid=%d", int64(users.ID)+16384))
	got = query(t, tabs, "pg_class", eq("relname", "pg_class"), "oid", "relnamespace", "relkind")
	expect(t, "pg_class row", got, "oid=1259 relnamespace=11 relkind=r")
	got = query(t, tabs, "pg_class", eq("relname", "columns"), "relnamespace", "relkind")
	expect(t, "information_schema.columns row", got, "relnamespace=13000 relkind=v")
}

func TestPgAttribute(t *testing.T) {
	cat, tabs := fixture(t)
	users, _ := cat.Get("users")
	got := query(t, tabs, "pg_attribute", eq("attrelid", RelOID(users.ID)),
		"attnum", "attname", "atttypid", "atttypmod", "attlen", "attnotnull", "atthasdef", "attcollation", "attisdropped")
	expect(t, "users attributes", got,
		"attnum=1 attname=id atttypid=23 atttypmod=-1 attlen=4 attnotnull=t atthasdef=f attcollation=0 attisdropped=f",
		"attnum=2 attname=name atttypid=1043 atttypmod=24 attlen=-1 attnotnull=t atthasdef=t attcollation=100 attisdropped=f",
		"attnum=3 attname=email atttypid=25 atttypmod=-1 attlen=-1 attnotnull=f atthasdef=f attcollation=100 attisdropped=f",
		"attnum=4 attname=score atttypid=1700 atttypmod=-1 attlen=-1 attnotnull=f atthasdef=f attcollation=0 attisdropped=f",
		"attnum=5 attname=created atttypid=1114 atttypmod=-1 attlen=8 attnotnull=f atthasdef=t attcollation=0 attisdropped=f",
	)
	docs, _ := cat.Get("docs")
	got = query(t, tabs, "pg_attribute", eq("attrelid", RelOID(docs.ID)), "attnum", "attname", "atttypid", "attnotnull")
	expect(t, "docs attributes", got,
		"attnum=1 attname=id atttypid=25 attnotnull=t",
		"attnum=2 attname=title atttypid=25 attnotnull=f",
		"attnum=3 attname=n atttypid=20 attnotnull=f",
		"attnum=4 attname=meta atttypid=114 attnotnull=f",
	)
	logs, _ := cat.Get("logs")
	got = query(t, tabs, "pg_attribute", eq("attrelid", RelOID(logs.ID)), "attnum", "attname")
	expect(t, "logs attributes (row id hidden)", got, "attnum=1 attname=msg")
	got = query(t, tabs, "pg_attribute", eq("attrelid", PKIndexOID(users.ID)), "attnum", "attname", "atttypid")
	expect(t, "users_pkey attributes", got, "attnum=1 attname=id atttypid=23")
	got = query(t, tabs, "pg_attribute", eq("attrelid", int64(1259)), "attname", "atttypid")
	if len(got) != 33 || got[0] != "attname=oid atttypid=26" || got[1] != "attname=relname atttypid=19" {
		t.Errorf("pg_class attributes: %v", got)
	}
}

func TestPgIndexAndConstraints(t *testing.T) {
	cat, tabs := fixture(t)
	users, _ := cat.Get("users")
	got := query(t, tabs, "pg_index", eq("indrelid", RelOID(users.ID)),
		"indexrelid", "indnatts", "indisunique", "indisprimary", "indkey", "indcollation", "indisvalid")
	email, _ := users.IndexByName("users_email_key")
	name, _ := users.IndexByName("users_name_idx")
	expect(t, "pg_index", got,
		fmt.Sprintf("indexrelid=%d indnatts=1 indisunique=t indisprimary=t indkey=1 indcollation=0 indisvalid=t", PKIndexOID(users.ID)),
		fmt.Sprintf("indexrelid=%d indnatts=1 indisunique=t indisprimary=f indkey=3 indcollation=100 indisvalid=t", RelOID(email.ID)),
		fmt.Sprintf("indexrelid=%d indnatts=1 indisunique=f indisprimary=f indkey=2 indcollation=100 indisvalid=t", RelOID(name.ID)),
	)
	got = query(t, tabs, "pg_constraint", eq("conrelid", RelOID(users.ID)), "conname", "contype", "conkey", "conindid")
	expect(t, "pg_constraint", got,
		fmt.Sprintf("conname=users_pkey contype=p conkey={1} conindid=%d", PKIndexOID(users.ID)),
		fmt.Sprintf("conname=users_email_key contype=u conkey={3} conindid=%d", RelOID(email.ID)),
		"conname=users_score_check contype=c conkey={4} conindid=0",
	)
	got = query(t, tabs, "pg_class", eq("oid", RelOID(users.ID)), "relchecks")
	expect(t, "pg_class relchecks (psql's \\d lists the checks when nonzero)", got, "relchecks=1")
	if def, ok := tabs.ConstraintDef(checkConBase+int64(users.ID)<<8, false); !ok || def != "CHECK ((score >= 0))" {
		t.Errorf("pg_get_constraintdef of the check: %q %v", def, ok)
	}
	if def, ok := tabs.ConstraintDef(checkConBase+int64(users.ID)<<8, true); !ok || def != "CHECK (score >= 0)" {
		t.Errorf("pg_get_constraintdef(oid, true) of the check: %q %v", def, ok)
	}
	for in, want := range map[string]string{"(a > 0)": "a > 0", "(a > 0) AND (b > 0)": "(a > 0) AND (b > 0)",
		"(a = ')(')": "a = ')('", `("x)" > 0)`: `"x)" > 0`, "a": "a"} {
		if got := stripParens(in); got != want {
			t.Errorf("stripParens(%q) = %q, want %q", in, got, want)
		}
	}
	got = query(t, tabs, "pg_attrdef", eq("adrelid", RelOID(users.ID)), "adnum", "adbin")
	expect(t, "pg_attrdef", got, "adnum=2 adbin='x'", "adnum=5 adbin=now()")
	got = query(t, tabs, "pg_indexes", eq("tablename", "users"), "indexname", "indexdef")
	expect(t, "pg_indexes", got,
		"indexname=users_pkey indexdef=CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)",
		"indexname=users_email_key indexdef=CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)",
		"indexname=users_name_idx indexdef=CREATE INDEX users_name_idx ON public.users USING btree (name)",
	)
	logs, _ := cat.Get("logs")
	if got := query(t, tabs, "pg_index", eq("indrelid", RelOID(logs.ID)), "indexrelid"); len(got) != 0 {
		t.Errorf("keyless table has indexes: %v", got)
	}
}

func TestInformationSchema(t *testing.T) {
	_, tabs := fixture(t)
	got := query(t, tabs, "information_schema.columns", eq("table_name", "users"),
		"column_name", "ordinal_position", "column_default", "is_nullable", "data_type", "character_maximum_length",
		"numeric_precision", "udt_name")
	expect(t, "columns", got,
		"column_name=id ordinal_position=1 column_default=NULL is_nullable=NO data_type=integer character_maximum_length=NULL numeric_precision=32 udt_name=int4",
		"column_name=name ordinal_position=2 column_default='x' is_nullable=NO data_type=character varying character_maximum_length=20 numeric_precision=NULL udt_name=varchar",
		"column_name=email ordinal_position=3 column_default=NULL is_nullable=YES data_type=text character_maximum_length=NULL numeric_precision=NULL udt_name=text",
		"column_name=score ordinal_position=4 column_default=NULL is_nullable=YES data_type=numeric character_maximum_length=NULL numeric_precision=NULL udt_name=numeric",
		"column_name=created ordinal_position=5 column_default=now() is_nullable=YES data_type=timestamp without time zone character_maximum_length=NULL numeric_precision=NULL udt_name=timestamp",
	)
	got = query(t, tabs, "information_schema.columns", eq("table_name", "docs"), "column_name", "data_type", "is_nullable")
	expect(t, "docs columns", got,
		"column_name=id data_type=text is_nullable=NO",
		"column_name=title data_type=text is_nullable=YES",
		"column_name=n data_type=bigint is_nullable=YES",
		"column_name=meta data_type=json is_nullable=YES",
	)
	got = query(t, tabs, "information_schema.tables", eq("table_schema", "public"), "table_catalog", "table_name", "table_type")
	expect(t, "tables", got,
		"table_catalog=nodedb table_name=docs table_type=BASE TABLE",
		"table_catalog=nodedb table_name=logs table_type=BASE TABLE",
		"table_catalog=nodedb table_name=users table_type=BASE TABLE",
	)
	got = query(t, tabs, "information_schema.table_constraints", eq("table_name", "users"), "constraint_name", "constraint_type")
	expect(t, "table_constraints", got,
		"constraint_name=users_pkey constraint_type=PRIMARY KEY",
		"constraint_name=users_email_key constraint_type=UNIQUE",
		"constraint_name=users_score_check constraint_type=CHECK",
	)
	got = query(t, tabs, "information_schema.key_column_usage", eq("table_name", "users"), "constraint_name", "column_name", "ordinal_position")
	expect(t, "key_column_usage", got,
		"constraint_name=users_pkey column_name=id ordinal_position=1",
		"constraint_name=users_email_key column_name=email ordinal_position=1",
	)
	got = query(t, tabs, "information_schema.schemata", nil, "schema_name")
	expect(t, "schemata", got, "schema_name=information_schema", "schema_name=pg_catalog", "schema_name=public")
}

func TestSmallTables(t *testing.T) {
	_, tabs := fixture(t)
	expect(t, "pg_namespace", query(t, tabs, "pg_namespace", nil, "oid", "nspname"),
		"oid=11 nspname=pg_catalog", "oid=2200 nspname=public", "oid=13000 nspname=information_schema")
	expect(t, "pg_database", query(t, tabs, "pg_database", nil, "datname", "datdba", "encoding", "datcollate", "datallowconn", "datlocprovider"),
		"datname=nodedb datdba=10 encoding=6 datcollate=C datallowconn=t datlocprovider=c",
		"datname=postgres datdba=10 encoding=6 datcollate=C datallowconn=t datlocprovider=c")
	expect(t, "pg_am", query(t, tabs, "pg_am", nil, "oid", "amname"), "oid=2 amname=heap", "oid=403 amname=btree")
	expect(t, "pg_roles", query(t, tabs, "pg_roles", nil, "oid", "rolname", "rolsuper"), "oid=10 rolname=admin rolsuper=t")
	expect(t, "pg_type int4", query(t, tabs, "pg_type", eq("typname", "int4"),
		"oid", "typlen", "typbyval", "typtype", "typcategory", "typarray", "typinput", "typnamespace"),
		"oid=23 typlen=4 typbyval=t typtype=b typcategory=N typarray=1007 typinput=int4in typnamespace=11")
	expect(t, "pg_type _varchar", query(t, tabs, "pg_type", eq("oid", int64(1015)), "typname", "typelem", "typcategory"),
		"typname=_varchar typelem=1043 typcategory=A")
	got := query(t, tabs, "pg_settings", eq("name", "server_version_num"), "setting")
	expect(t, "pg_settings", got, "setting=150000")
	// Without COMMENT ON, pg_description holds the public schema's and
	// plpgsql's comments alone (PostgreSQL's).
	expect(t, "pg_description", query(t, tabs, "pg_description", nil, "objoid", "classoid"),
		"objoid=2200 classoid=2615", "objoid=13743 classoid=3079")
	st, _ := tabs.Lookup("pg_settings")
	rows, err := st.Rows(WithSession(context.Background(), Session{Settings: map[string]string{"application_name": "psql"}}))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if r[0] == "application_name" && r[1] == "psql" {
			found = true
		}
	}
	if !found {
		t.Error("session setting not shown in pg_settings")
	}
}

func TestCatalogInfo(t *testing.T) {
	cat, tabs := fixture(t)
	users, _ := cat.Get("users")
	email, _ := users.IndexByName("users_email_key")
	for _, c := range []struct {
		name string
		oid  int64
		ok   bool
	}{
		{"users", RelOID(users.ID), true},
		{"public.users", RelOID(users.ID), true},
		{`"users"`, RelOID(users.ID), true},
		{"USERS", RelOID(users.ID), true},
		{`"USERS"`, 0, false},
		{"users_pkey", PKIndexOID(users.ID), true},
		{"users_email_key", RelOID(email.ID), true},
		{"pg_class", 1259, true},
		{"pg_catalog.pg_type", 1247, true},
		{"information_schema.tables", 0, true},
		{"nope", 0, false},
		{"pg_catalog.users", 0, false},
	} {
		oid, ok := tabs.ResolveRelation(c.name)
		if ok != c.ok || (c.oid != 0 && oid != c.oid) {
			t.Errorf("ResolveRelation(%s) = %d, %v; want %d, %v", c.name, oid, ok, c.oid, c.ok)
		}
		if ok {
			if n, ok := tabs.RelationName(oid); !ok || !strings.HasSuffix(types.UnquoteIdent(c.name), n[strings.LastIndexByte(n, '.')+1:]) {
				t.Errorf("RelationName(%d) = %q, %v", oid, n, ok)
			}
		}
	}
	if s, ok := tabs.IndexDef(PKIndexOID(users.ID), 0, true); !ok || s != "CREATE UNIQUE INDEX users_pkey ON users USING btree (id)" {
		t.Errorf("IndexDef pkey = %q, %v", s, ok)
	}
	if s, ok := tabs.IndexDef(RelOID(email.ID), 1, true); !ok || s != "email" {
		t.Errorf("IndexDef column = %q, %v", s, ok)
	}
	if _, ok := tabs.IndexDef(RelOID(users.ID), 0, true); ok {
		t.Error("IndexDef of a table succeeded")
	}
	if s, ok := tabs.ConstraintDef(pkConOID(users.ID), true); !ok || s != "PRIMARY KEY (id)" {
		t.Errorf("ConstraintDef pk = %q, %v", s, ok)
	}
	if s, ok := tabs.ConstraintDef(uniqConOID(email.ID), true); !ok || s != "UNIQUE (email)" {
		t.Errorf("ConstraintDef unique = %q, %v", s, ok)
	}

	// Through the function library.
	ctx := &funcs.Context{Catalog: tabs}
	v, err := funcs.CastTyped(ctx, "users", types.Text, types.RegClass)
	if err != nil || v != RelOID(users.ID) {
		t.Errorf("'users'::regclass = %v, %v", v, err)
	}
	v, err = funcs.CastTyped(ctx, RelOID(users.ID), types.RegClass, types.Text)
	if err != nil || v != "users" {
		t.Errorf("regclass::text = %v, %v", v, err)
	}
	if _, err := funcs.CastRegClass(ctx, "nope"); errs.Code(err) != errs.UndefinedTable {
		t.Errorf("'nope'::regclass error = %v", err)
	}
	f, _ := funcs.Lookup("pg_catalog.pg_get_indexdef")
	v, err = f.Call(ctx, []types.Value{RelOID(email.ID), int64(0), true}, nil)
	if err != nil || v != "CREATE UNIQUE INDEX users_email_key ON users USING btree (email)" {
		t.Errorf("pg_get_indexdef = %v, %v", v, err)
	}
	f, _ = funcs.Lookup("to_regclass")
	if v, _ := f.Call(ctx, []types.Value{"pg_catalog.pg_class"}, nil); v != int64(1259) {
		t.Errorf("to_regclass(pg_class) = %v", v)
	}
}
