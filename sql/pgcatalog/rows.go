package pgcatalog

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// systemOIDs are PostgreSQL's own OIDs for the catalog relations that
// clients name with 'pg_class'::regclass and the like; the rest get
// OIDs from 12000.
var systemOIDs = map[string]int64{
	"pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_class": 1259, "pg_authid": 1260,
	"pg_auth_members": 1261, "pg_database": 1262, "pg_tablespace": 1213, "pg_foreign_server": 1417,
	"pg_shdescription": 2396, "pg_am": 2601, "pg_attrdef": 2604, "pg_cast": 2605, "pg_constraint": 2606,
	"pg_conversion": 2607, "pg_depend": 2608, "pg_description": 2609, "pg_index": 2610,
	"pg_inherits": 2611, "pg_language": 2612, "pg_opclass": 2616, "pg_operator": 2617,
	"pg_rewrite": 2618, "pg_trigger": 2620, "pg_namespace": 2615, "pg_sequence": 2224,
	"pg_foreign_data_wrapper": 2328, "pg_extension": 3079, "pg_foreign_table": 3118,
	"pg_policy": 3256, "pg_partitioned_table": 3350, "pg_statistic_ext": 3381, "pg_collation": 3456,
	"pg_event_trigger": 3466, "pg_enum": 3501, "pg_range": 3541, "pg_publication": 6104,
	"pg_publication_rel": 6106, "pg_publication_namespace": 6237, "pg_init_privs": 3394, "pg_transform": 3576,
	"pg_opfamily": 2753, "pg_ts_parser": 3601, "pg_ts_template": 3764, "pg_ts_dict": 3600, "pg_ts_config": 3602,
	"pg_default_acl": 826, "pg_subscription": 6100, "pg_largeobject_metadata": 2995, "pg_amop": 2602,
	"pg_amproc": 2603, "pg_seclabel": 3596, "pg_db_role_setting": 2964, "pg_shseclabel": 3592,
}

// viewNames are the pg_catalog relations that are views in PostgreSQL.
var viewNames = map[string]bool{
	"pg_roles": true, "pg_user": true, "pg_settings": true, "pg_stat_activity": true, "pg_tables": true,
	"pg_indexes": true, "pg_views": true, "pg_matviews": true, "pg_sequences": true,
	"pg_stat_user_tables": true, "pg_stats": true, "pg_locks": true, "pg_prepared_statements": true, "pg_timezone_names": true,
}

// infoSchemaSpecs are the information_schema views (PostgreSQL 15
// layouts; the domains sql_identifier, cardinal_number, character_data
// and yes_or_no become name, integer and text).
var infoSchemaSpecs = map[string]string{
	"tables": "table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, table_type character_data, " +
		"self_referencing_column_name sql_identifier, reference_generation character_data, user_defined_type_catalog sql_identifier, " +
		"user_defined_type_schema sql_identifier, user_defined_type_name sql_identifier, is_insertable_into yes_or_no, " +
		"is_typed yes_or_no, commit_action character_data",
	"columns": "table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, column_name sql_identifier, " +
		"ordinal_position cardinal_number, column_default character_data, is_nullable yes_or_no, data_type character_data, " +
		"character_maximum_length cardinal_number, character_octet_length cardinal_number, numeric_precision cardinal_number, " +
		"numeric_precision_radix cardinal_number, numeric_scale cardinal_number, datetime_precision cardinal_number, " +
		"interval_type character_data, interval_precision cardinal_number, character_set_catalog sql_identifier, " +
		"character_set_schema sql_identifier, character_set_name sql_identifier, collation_catalog sql_identifier, " +
		"collation_schema sql_identifier, collation_name sql_identifier, domain_catalog sql_identifier, " +
		"domain_schema sql_identifier, domain_name sql_identifier, udt_catalog sql_identifier, udt_schema sql_identifier, " +
		"udt_name sql_identifier, scope_catalog sql_identifier, scope_schema sql_identifier, scope_name sql_identifier, " +
		"maximum_cardinality cardinal_number, dtd_identifier sql_identifier, is_self_referencing yes_or_no, " +
		"is_identity yes_or_no, identity_generation character_data, identity_start character_data, " +
		"identity_increment character_data, identity_maximum character_data, identity_minimum character_data, " +
		"identity_cycle yes_or_no, is_generated character_data, generation_expression character_data, is_updatable yes_or_no",
	"schemata": "catalog_name sql_identifier, schema_name sql_identifier, schema_owner sql_identifier, " +
		"default_character_set_catalog sql_identifier, default_character_set_schema sql_identifier, " +
		"default_character_set_name sql_identifier, sql_path character_data",
	"table_constraints": "constraint_catalog sql_identifier, constraint_schema sql_identifier, constraint_name sql_identifier, " +
		"table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, constraint_type character_data, " +
		"is_deferrable yes_or_no, initially_deferred yes_or_no, enforced yes_or_no, nulls_distinct yes_or_no",
	"key_column_usage": "constraint_catalog sql_identifier, constraint_schema sql_identifier, constraint_name sql_identifier, " +
		"table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, column_name sql_identifier, " +
		"ordinal_position cardinal_number, position_in_unique_constraint cardinal_number",
	"constraint_column_usage": "table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, " +
		"column_name sql_identifier, constraint_catalog sql_identifier, constraint_schema sql_identifier, constraint_name sql_identifier",
	"referential_constraints": "constraint_catalog sql_identifier, constraint_schema sql_identifier, constraint_name sql_identifier, " +
		"unique_constraint_catalog sql_identifier, unique_constraint_schema sql_identifier, unique_constraint_name sql_identifier, " +
		"match_option character_data, update_rule character_data, delete_rule character_data",
	"views": "table_catalog sql_identifier, table_schema sql_identifier, table_name sql_identifier, view_definition character_data, " +
		"check_option character_data, is_updatable yes_or_no, is_insertable_into yes_or_no, is_trigger_updatable yes_or_no, " +
		"is_trigger_deletable yes_or_no, is_trigger_insertable_into yes_or_no",
}

type rowsFn = func(*Tables, context.Context, *builder) error

var pgRows = map[string]rowsFn{
	"pg_namespace":   namespaceRows,
	"pg_class":       classRows,
	"pg_attribute":   attributeRows,
	"pg_type":        typeRows,
	"pg_database":    databaseRows,
	"pg_index":       indexRows,
	"pg_constraint":  constraintRows,
	"pg_attrdef":     attrdefRows,
	"pg_am":          amRows,
	"pg_roles":       rolesRows,
	"pg_user":        userRows,
	"pg_authid":      authidRows,
	"pg_settings":    settingsRows,
	"pg_collation":   collationRows,
	"pg_tablespace":  tablespaceRows,
	"pg_tables":      tablesRows,
	"pg_stats":       statsRows,
	"pg_proc":        procRows,
	"pg_indexes":     indexesRows,
	"pg_language":    languageRows,
	"pg_views":       viewsRows,
	"pg_sequence":    sequenceRows,
	"pg_depend":      dependRows,
	"pg_sequences":   sequencesRows,
	"pg_description": descriptionRows,
	"pg_enum":        enumRows,
	"pg_extension":   extensionRows,
	"pg_init_privs":  initPrivsRows,
}

// schemaACL is the ACL of every schema: the owner may use and create in
// it, everyone may use it (PostgreSQL 15's public schema default).
var schemaACL = []any{"admin=UC/admin", "=U/admin"}

// initPrivsRows is pg_init_privs: the schemas' privileges as the database
// began with them, which they still are (pg_dump dumps a system object's
// privileges only where they differ from these).
func initPrivsRows(_ *Tables, _ context.Context, b *builder) error {
	for _, ns := range []int64{nsPgCatalog, nsPublic, nsInfoSchema} {
		b.add(m{"objoid": ns, "classoid": systemOIDs["pg_namespace"], "objsubid": int64(0), "privtype": "i", "initprivs": schemaACL})
	}
	return nil
}

// plpgsqlExtOID is plpgsql's pg_extension OID in PostgreSQL 15's initdb.
const plpgsqlExtOID = 13743

// extensionRows is pg_extension: plpgsql, always there, and those CREATE
// EXTENSION installed.
func extensionRows(t *Tables, _ context.Context, b *builder) error {
	b.add(m{"oid": int64(plpgsqlExtOID), "extname": "plpgsql", "extowner": int64(ownerOID), "extnamespace": nsPgCatalog,
		"extrelocatable": false, "extversion": "1.0"})
	for _, e := range t.cat.Extensions() {
		b.add(m{"oid": RelOID(e.ID), "extname": e.Name, "extowner": int64(ownerOID), "extnamespace": nsPublic,
			"extrelocatable": true, "extversion": e.Version})
	}
	return nil
}

// description is one comment COMMENT ON left: on relation oid (pg_class),
// on its column sub (0: on the relation itself).
type description struct {
	oid      int64
	classoid int64 // the catalog of the object: pg_class, pg_type, pg_extension
	sub      int64
	text     string
}

// descriptions lists the comments on relations and their columns.
func (t *Tables) descriptions() []description {
	var out []description
	classoid := int64(systemOIDs["pg_class"])
	add := func(oid int64, sub int, text string) {
		if text != "" {
			out = append(out, description{oid: oid, classoid: classoid, sub: int64(sub), text: text})
		}
	}
	for _, c := range t.rels() {
		add(RelOID(c.ID), 0, c.Comment)
		for i, col := range c.Columns {
			add(RelOID(c.ID), i+1, col.Comment)
		}
		for _, ix := range c.Indexes {
			add(RelOID(ix.ID), 0, ix.Comment)
		}
	}
	for _, v := range t.cat.Views() {
		add(RelOID(v.ID), 0, v.Comment)
		for i, a := range v.Attrs {
			add(RelOID(v.ID), i+1, a.Comment)
		}
	}
	for _, sq := range t.cat.Sequences() {
		add(RelOID(sq.ID), 0, sq.Comment)
	}
	classoid = systemOIDs["pg_namespace"]
	add(nsPublic, 0, "standard public schema") // PostgreSQL's comment on it
	classoid = systemOIDs["pg_type"]
	for _, e := range t.cat.Enums() {
		add(int64(e.OID()), 0, e.Comment)
	}
	classoid = systemOIDs["pg_extension"]
	add(plpgsqlExtOID, 0, funcs.Extensions["plpgsql"].Comment)
	for _, e := range t.cat.Extensions() {
		add(RelOID(e.ID), 0, e.Comment)
	}
	return out
}

// descriptionRows is pg_description: the comments COMMENT ON left.
func descriptionRows(t *Tables, _ context.Context, b *builder) error {
	for _, d := range t.descriptions() {
		b.add(m{"objoid": d.oid, "classoid": d.classoid, "objsubid": d.sub, "description": d.text})
	}
	return nil
}

// Description implements funcs.CatalogInfo (obj_description,
// col_description): the comment on relation oid or its column sub.
func (t *Tables) Description(oid int64, sub int) (string, bool) {
	for _, d := range t.descriptions() {
		if d.oid == oid && d.sub == int64(sub) {
			return d.text, true
		}
	}
	return "", false
}

// dependRows is pg_depend: the sequences columns own (deptype a, i for
// an identity column's), which psql's \d of a sequence reads.
func dependRows(t *Tables, _ context.Context, b *builder) error {
	const pgClass = 1259
	for _, sq := range t.cat.Sequences() {
		if sq.OwnedBy == 0 {
			continue
		}
		c, ok := t.cat.ByID(sq.OwnedBy)
		if !ok || c.Dropped {
			continue
		}
		i := c.ColumnIndex(sq.OwnedCol)
		if i < 0 {
			continue
		}
		dep := "a"
		if c.Columns[i].Identity != "" {
			dep = "i"
		}
		b.add(m{"classid": int64(pgClass), "objid": RelOID(sq.ID), "objsubid": int64(0), "refclassid": int64(pgClass),
			"refobjid": RelOID(c.ID), "refobjsubid": int64(i + 1), "deptype": dep})
	}
	// A column default depends on its column (automatically) and on the
	// relations it names as regclass constants: a serial column's
	// nextval('t_id_seq'::regclass) on its sequence (Django's
	// get_sequences reads this one).
	const pgAttrdef = 2604
	for _, c := range t.rels() {
		for _, a := range attrs(c) {
			if a.def == "" || a.ident != "" {
				continue
			}
			b.add(m{"classid": int64(pgAttrdef), "objid": attrdefOID(c, a.num), "objsubid": int64(0),
				"refclassid": int64(pgClass), "refobjid": RelOID(c.ID), "refobjsubid": int64(a.num), "deptype": "a"})
			for _, sub := range regclassConst.FindAllStringSubmatch(a.def, -1) {
				if oid, ok := t.ResolveRelation(strings.ReplaceAll(sub[1], "''", "'")); ok {
					b.add(m{"classid": int64(pgAttrdef), "objid": attrdefOID(c, a.num), "objsubid": int64(0),
						"refclassid": int64(pgClass), "refobjid": oid, "refobjsubid": int64(0), "deptype": "n"})
				}
			}
		}
	}
	return nil
}

// regclassConst matches a regclass constant in an expression's text
// ('name'::regclass), the name in group 1 (quotes doubled).
var regclassConst = regexp.MustCompile(`'((?:[^']|'')+)'::regclass`)

// attrdefOID is the pg_attrdef OID of column num's default in c.
func attrdefOID(c *catalog.Collection, num int16) int64 {
	return attrdefBase | int64(c.ID&0x3ffff)<<10 | int64(num&0x3ff)
}

func sequenceRows(t *Tables, _ context.Context, b *builder) error {
	for _, sq := range t.cat.Sequences() {
		b.add(m{"seqrelid": RelOID(sq.ID), "seqtypid": int64(sq.Type.OID()), "seqstart": sq.Start, "seqincrement": sq.Inc,
			"seqmax": sq.Max, "seqmin": sq.Min, "seqcache": int64(1), "seqcycle": sq.Cycle})
	}
	return nil
}

// sequencesRows is pg_sequences; last_value is NULL (the value handed
// out last is session state here, currval/lastval).
func sequencesRows(t *Tables, _ context.Context, b *builder) error {
	for _, sq := range t.cat.Sequences() {
		b.add(m{"schemaname": "public", "sequencename": sq.Name, "sequenceowner": "admin", "data_type": int64(sq.Type.OID()),
			"start_value": sq.Start, "min_value": sq.Min, "max_value": sq.Max, "increment_by": sq.Inc, "cycle": sq.Cycle,
			"cache_size": int64(1)})
	}
	return nil
}

var infoRows = map[string]rowsFn{
	"tables":                  infoTablesRows,
	"columns":                 infoColumnsRows,
	"schemata":                infoSchemataRows,
	"table_constraints":       infoTableConstraintsRows,
	"key_column_usage":        infoKeyColumnUsageRows,
	"constraint_column_usage": infoConstraintColumnUsageRows,
	"referential_constraints": infoReferentialConstraintsRows,
	"views":                   infoViewsRows,
}

// infoViewsRows is information_schema.views: the user's views (none is
// updatable here).
func infoViewsRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, v := range t.cat.Views() {
		b.add(m{"table_catalog": db, "table_schema": "public", "table_name": v.Name, "view_definition": v.SQL + ";",
			"check_option": "NONE", "is_updatable": "NO", "is_insertable_into": "NO", "is_trigger_updatable": "NO",
			"is_trigger_deletable": "NO", "is_trigger_insertable_into": "NO"})
	}
	return nil
}

// attr is one column of a user relation as pg_attribute shows it.
type attr struct {
	num     int16
	name    string
	t       types.T
	typmod  int32 // PostgreSQL encoding (varchar(n) = n+4), -1 for none
	notNull bool
	def     string
	ident   string // "a" or "d": an identity column (catalog.Column.Identity)
	enum    uint32 // the enum type's OID when t is types.Enum
}

// enumOID is the OID of the enum type of a column of type t with catalog
// type modifier mod, or 0.
func enumOID(t types.T, mod int) uint32 {
	if t == types.Enum && mod > 0 {
		return uint32(mod)
	}
	return 0
}

// pgTypmod converts a catalog TypeMod (the declared length) to
// PostgreSQL's atttypmod.
func pgTypmod(t types.T, mod int) int32 {
	if mod > 0 && (t == types.Varchar || t == types.Bpchar) {
		return int32(mod + 4)
	}
	if mod >= 4 && t == types.Numeric {
		return int32(mod) // stored in PostgreSQL's encoding
	}
	return -1
}

// attrs lists the visible columns of a collection. Strict collections
// number columns by position (as RowDescription does); schemaless ones
// show the key field, then the observed fields in first-seen order.
func attrs(c *catalog.Collection) []attr {
	var out []attr
	if c.Tuple() || len(c.Columns) > 0 {
		for i, col := range c.Columns {
			if col.Hidden {
				continue
			}
			out = append(out, attr{num: int16(i + 1), name: col.Name, t: col.Type, typmod: pgTypmod(col.Type, col.TypeMod),
				notNull: col.NotNull || inPK(c, col.Name), def: col.Default, ident: col.Identity, enum: enumOID(col.Type, col.TypeMod)})
		}
		return out
	}
	seen := map[string]bool{}
	for _, k := range c.PK {
		t := types.Text
		if c.Fields != nil {
			if f, ok := c.Fields.Lookup(k); ok && f.Type != types.Unknown {
				t = fieldType(f.Type)
			}
		}
		out = append(out, attr{num: int16(len(out) + 1), name: k, t: t, typmod: -1, notNull: true})
		seen[k] = true
	}
	if c.Fields != nil {
		for _, f := range c.Fields.List() {
			if seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			out = append(out, attr{num: int16(len(out) + 1), name: f.Name, t: fieldType(f.Type), typmod: -1})
		}
	}
	return out
}

func fieldType(t types.T) types.T {
	switch t {
	case types.Unknown:
		return types.Text
	case types.Doc:
		return types.JSON
	}
	return t
}

func inPK(c *catalog.Collection, name string) bool {
	for _, k := range c.PK {
		if k == name {
			return true
		}
	}
	return false
}

func attnumOf(as []attr, name string) int16 {
	for _, a := range as {
		if a.name == name {
			return a.num
		}
	}
	return 0
}

// indexRels lists a collection's index relations: the synthetic primary
// key first, then secondary indexes by name.
func indexRels(c *catalog.Collection) []rel {
	var out []rel
	if hasPK(c) {
		out = append(out, rel{coll: c, pkey: true})
	}
	ixs := make([]*catalog.Index, 0, len(c.Indexes))
	for i := range c.Indexes {
		if !overHidden(c, &c.Indexes[i]) {
			ixs = append(ixs, &c.Indexes[i])
		}
	}
	sort.Slice(ixs, func(i, j int) bool { return ixs[i].Name < ixs[j].Name })
	for _, ix := range ixs {
		out = append(out, rel{coll: c, index: ix})
	}
	return out
}

// overHidden reports an index over a hidden column (a key-value
// collection's expiry index): internal, as its column is, so the catalogs
// leave it out (an index on a column pg_attribute does not show could not
// be restored).
func overHidden(c *catalog.Collection, ix *catalog.Index) bool {
	for _, col := range ix.Columns {
		if i := c.ColumnIndex(col); i >= 0 && c.Columns[i].Hidden {
			return true
		}
	}
	return false
}

func (r rel) oid() int64 {
	switch {
	case r.pkey:
		return PKIndexOID(r.coll.ID)
	case r.index != nil:
		return RelOID(r.index.ID)
	}
	return RelOID(r.coll.ID)
}

func pgType(t types.T) *types.PgType {
	pt, ok := types.PgTypeByOID(t.OID())
	if !ok {
		pt, _ = types.PgTypeByOID(types.OIDText)
	}
	return pt
}

func char(b byte) string {
	if b == 0 {
		return ""
	}
	return string([]byte{b})
}

// ------------------------------------------------------------ pg_catalog

func namespaceRows(t *Tables, _ context.Context, b *builder) error {
	for _, ns := range []struct {
		oid  int64
		name string
	}{{nsPgCatalog, "pg_catalog"}, {nsPublic, "public"}, {nsInfoSchema, "information_schema"}} {
		b.add(m{"oid": ns.oid, "nspname": ns.name, "nspowner": int64(ownerOID), "nspacl": schemaACL})
	}
	// Each session's temporary schema, and its TOAST twin PostgreSQL
	// makes with it, while the session has temporary tables.
	for _, ns := range t.cat.TempNamespaces() {
		b.add(m{"oid": TempNamespaceOID(ns), "nspname": catalog.TempSchemaName(ns), "nspowner": int64(ownerOID)})
		b.add(m{"oid": tempToastNamespaceOID(ns), "nspname": fmt.Sprintf("pg_toast_temp_%d", ns), "nspowner": int64(ownerOID)})
	}
	return nil
}

func classRow(oid int64, name string, ns int64, kind string, am int64, natts int, hasIndex bool) m {
	replident := "d"
	if kind != "r" {
		replident = "n"
	}
	return m{
		"oid": oid, "relname": name, "relnamespace": ns, "reltype": int64(0), "reloftype": int64(0),
		"relowner": int64(ownerOID), "relam": am, "relfilenode": oid, "reltablespace": int64(0),
		"relpages": int64(0), "reltuples": float64(-1), "relallvisible": int64(0), "reltoastrelid": int64(0),
		"relhasindex": hasIndex, "relisshared": false, "relpersistence": "p", "relkind": kind,
		"relnatts": int64(natts), "relchecks": int64(0), "relhasrules": false, "relhastriggers": false,
		"relhassubclass": false, "relrowsecurity": false, "relforcerowsecurity": false, "relispopulated": true,
		"relreplident": replident, "relispartition": false, "relrewrite": int64(0), "relfrozenxid": int64(0),
		"relminmxid": int64(0),
	}
}

func classRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		ixs := indexRels(c)
		row := classRow(RelOID(c.ID), c.Name, nsOf(c), "r", amHeap, len(attrs(c)), len(ixs) > 0)
		if c.Temp() {
			row["relpersistence"] = "t"
		}
		row["relchecks"] = int64(len(c.Checks)) // psql's \d lists them when nonzero
		// As PostgreSQL's foreign keys are triggers; psql's \d lists them
		// (and the keys referencing the table) only then.
		row["relhastriggers"] = len(c.FKs) > 0 || len(t.cat.ReferencedBy(c.ID)) > 0
		if st, ok := t.cat.Stats(c.ID); ok {
			row["reltuples"] = float64(st.Rows)
		}
		b.add(row)
		for _, r := range ixs {
			ix := classRow(r.oid(), r.name(), nsOf(c), "i", amBtree, len(r.indexCols()), false)
			if c.Temp() {
				ix["relpersistence"] = "t"
			}
			b.add(ix)
		}
	}
	for _, v := range t.cat.Views() {
		b.add(classRow(RelOID(v.ID), v.Name, nsPublic, "v", 0, 0, false))
	}
	for _, sq := range t.cat.Sequences() {
		b.add(classRow(RelOID(sq.ID), sq.Name, nsPublic, "S", 0, 3, false))
	}
	for _, tb := range t.list {
		kind, am := "r", int64(amHeap)
		if tb.view {
			kind, am = "v", 0
		}
		ns := nsPgCatalog
		if tb.schema == "information_schema" {
			ns = nsInfoSchema
		}
		b.add(classRow(tb.oid, tb.name, ns, kind, am, len(tb.cols), false))
	}
	return nil
}

func attributeRow(relid int64, a attr) m {
	pt := pgType(a.t)
	if a.enum != 0 {
		e := enumPgType // a copy: the description is shared
		e.OID = a.enum
		pt = &e
	}
	return m{
		"attrelid": relid, "attname": a.name, "atttypid": int64(pt.OID), "attstattarget": int64(-1),
		"attlen": int64(pt.Len), "attnum": int64(a.num), "attndims": int64(0), "attcacheoff": int64(-1),
		"atttypmod": int64(a.typmod), "attbyval": pt.ByVal, "attalign": char(pt.Align), "attstorage": char(pt.Storage),
		"attcompression": "", "attnotnull": a.notNull, "atthasdef": a.def != "" && a.ident == "", "atthasmissing": false,
		"attidentity": a.ident, "attgenerated": "", "attisdropped": false, "attislocal": true, "attinhcount": int64(0),
		"attcollation": int64(pt.Collation),
	}
}

// enumPgType is how pg_type describes an enum type (its OID and name are
// each type's own).
var enumPgType = types.PgType{Len: 4, ByVal: true, Type: 'e', Category: 'E', Align: 'i', Storage: 'p',
	Input: "enum_in", Output: "enum_out", Receive: "enum_recv", Send: "enum_send"}

// enumTypeRows adds the enum types to pg_type.
func enumTypeRows(t *Tables, b *builder) {
	for _, e := range t.cat.Enums() {
		pt := enumPgType
		b.add(m{
			"oid": int64(e.OID()), "typname": e.Name, "typnamespace": nsPublic, "typowner": int64(ownerOID),
			"typlen": int64(pt.Len), "typbyval": pt.ByVal, "typtype": char(pt.Type), "typcategory": char(pt.Category),
			"typispreferred": false, "typisdefined": true, "typdelim": ",", "typrelid": int64(0),
			"typsubscript": "-", "typelem": int64(0), "typarray": int64(0),
			"typinput": pt.Input, "typoutput": pt.Output, "typreceive": pt.Receive, "typsend": pt.Send,
			"typmodin": "-", "typmodout": "-", "typanalyze": "-", "typalign": char(pt.Align),
			"typstorage": char(pt.Storage), "typnotnull": false, "typbasetype": int64(0), "typtypmod": int64(-1),
			"typndims": int64(0), "typcollation": int64(0),
		})
	}
}

// enumRows is pg_enum: each label with its place in its type's order.
// A label's OID is not kept; it is derived from the type's and the
// label's position.
func enumRows(t *Tables, _ context.Context, b *builder) error {
	for _, e := range t.cat.Enums() {
		for i, l := range e.Labels {
			b.add(m{"oid": int64(e.OID())<<8 + int64(i), "enumtypid": int64(e.OID()), "enumsortorder": float64(i + 1), "enumlabel": l})
		}
	}
	return nil
}

// viewAttrs are a view's columns as pg_attribute shows them.
func viewAttrs(v *catalog.View) []attr {
	out := make([]attr, len(v.Attrs))
	for i, c := range v.Attrs {
		out[i] = attr{num: int16(i + 1), name: c.Name, t: c.Type, typmod: pgTypmod(c.Type, c.TypeMod), enum: enumOID(c.Type, c.TypeMod)}
	}
	return out
}

func attributeRows(t *Tables, _ context.Context, b *builder) error {
	for _, v := range t.cat.Views() {
		for _, a := range viewAttrs(v) {
			b.add(attributeRow(RelOID(v.ID), a))
		}
	}
	for _, c := range t.rels() {
		as := attrs(c)
		for _, a := range as {
			b.add(attributeRow(RelOID(c.ID), a))
		}
		for _, r := range indexRels(c) {
			for i, col := range r.indexCols() {
				a := attr{num: int16(i + 1), name: col, t: types.Text, typmod: -1}
				for _, ca := range as {
					if ca.name == col {
						a.t, a.typmod = ca.t, ca.typmod
					}
				}
				b.add(attributeRow(r.oid(), a))
			}
		}
	}
	for _, tb := range t.list {
		for _, col := range tb.cols {
			b.add(attributeRow(tb.oid, attr{num: col.AttrNum, name: col.Name, t: col.T, typmod: -1}))
		}
	}
	return nil
}

func typeRows(t *Tables, _ context.Context, b *builder) error {
	enumTypeRows(t, b)
	for i := range types.PgTypes {
		pt := &types.PgTypes[i]
		subscript := "-"
		if pt.Category == 'A' && pt.Elem != 0 && pt.Len == -1 {
			subscript = "array_subscript_handler"
		}
		b.add(m{
			"oid": int64(pt.OID), "typname": pt.Name, "typnamespace": nsPgCatalog, "typowner": int64(ownerOID),
			"typlen": int64(pt.Len), "typbyval": pt.ByVal, "typtype": char(pt.Type), "typcategory": char(pt.Category),
			"typispreferred": pt.Preferred, "typisdefined": true, "typdelim": ",", "typrelid": int64(0),
			"typsubscript": subscript, "typelem": int64(pt.Elem), "typarray": int64(pt.Array),
			"typinput": pt.Input, "typoutput": pt.Output, "typreceive": pt.Receive, "typsend": pt.Send,
			"typmodin": "-", "typmodout": "-", "typanalyze": "-", "typalign": char(pt.Align),
			"typstorage": char(pt.Storage), "typnotnull": false, "typbasetype": int64(0), "typtypmod": int64(-1),
			"typndims": int64(0), "typcollation": int64(pt.Collation),
		})
	}
	return nil
}

func databaseRows(_ *Tables, ctx context.Context, b *builder) error {
	db := func(oid int64, name string) {
		b.add(m{
			"oid": oid, "datname": name, "datdba": int64(ownerOID), "encoding": int64(6), "datlocprovider": "c",
			"datistemplate": false, "datallowconn": true, "datconnlimit": int64(-1), "datfrozenxid": int64(0),
			"datminmxid": int64(1), "dattablespace": int64(spcDefault), "datcollate": "C", "datctype": "C",
		})
	}
	db(DatabaseOID, "nodedb")
	db(5, "postgres")
	if s := sessionOf(ctx); s.Database != "nodedb" && s.Database != "postgres" {
		db(DatabaseOID+1, s.Database)
	}
	return nil
}

func int2vector(nums []int16) string {
	s := make([]string, len(nums))
	for i, n := range nums {
		s[i] = strconv.Itoa(int(n))
	}
	return strings.Join(s, " ")
}

func indexRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		as := attrs(c)
		for _, r := range indexRels(c) {
			cols := r.indexCols()
			keys := make([]int16, len(cols))
			colls := make([]string, len(cols))
			zeros := make([]string, len(cols))
			options := make([]string, len(cols))
			for i, col := range cols {
				keys[i] = attnumOf(as, col)
				colls[i] = "0"
				for _, a := range as {
					if a.name == col {
						colls[i] = strconv.Itoa(int(pgType(a.t).Collation))
					}
				}
				zeros[i], options[i] = "0", "0"
				if r.index != nil && i < len(r.index.Opts) {
					o := ast.IndexElemOpts(r.index.Opts[i])
					bits := 0
					if o.Desc {
						bits |= 1 // INDOPTION_DESC
					}
					if o.NullsFirst() {
						bits |= 2 // INDOPTION_NULLS_FIRST
					}
					options[i] = strconv.Itoa(bits)
				}
			}
			// Expressions and predicates as their SQL text (pg_get_expr
			// returns it), not PostgreSQL's node trees.
			var exprs, pred any
			if r.index != nil {
				var es []string
				for _, e := range r.index.Exprs {
					if e != "" {
						es = append(es, e)
					}
				}
				if len(es) > 0 {
					exprs = strings.Join(es, ", ")
				}
				if r.index.Where != "" {
					pred = r.index.Where
				}
			}
			b.add(m{
				"indexprs": exprs, "indpred": pred,
				"indexrelid": r.oid(), "indrelid": RelOID(c.ID), "indnatts": int64(len(cols)), "indnkeyatts": int64(len(cols)),
				"indisunique": r.unique(), "indnullsnotdistinct": false, "indisprimary": r.pkey, "indisexclusion": false,
				"indimmediate": true, "indisclustered": false, "indisvalid": true, "indcheckxmin": false,
				"indisready": true, "indislive": true, "indisreplident": false, "indkey": int2vector(keys),
				"indcollation": strings.Join(colls, " "), "indclass": strings.Join(zeros, " "), "indoption": strings.Join(options, " "),
			})
		}
	}
	return nil
}

// constraint is a primary-key, unique, check or foreign-key constraint
// of a collection.
type constraint struct {
	oid   int64
	name  string
	typ   string // "p", "u", "c" or "f"
	coll  *catalog.Collection
	index int64 // the index relation's oid (a foreign key's: the referenced key's)
	cols  []string
	fk    *catalog.ForeignKey
	check *catalog.Check
}

// notValid reports a CHECK or foreign key added NOT VALID and not
// validated since.
func (k constraint) notValid() bool {
	return (k.check != nil && k.check.NotValid) || (k.fk != nil && k.fk.NotValid)
}

func constraints(c *catalog.Collection) []constraint {
	var out []constraint
	for _, r := range indexRels(c) {
		switch {
		case r.pkey:
			out = append(out, constraint{oid: pkConOID(c.ID), name: r.name(), typ: "p", coll: c, index: r.oid(), cols: c.PK})
		case r.index.Unique && r.index.Plain():
			out = append(out, constraint{oid: uniqConOID(r.index.ID), name: r.name(), typ: "u", coll: c, index: r.oid(), cols: r.index.Columns})
		}
	}
	if c.ID < 1<<23 {
		for i, ck := range c.Checks {
			if i < fkConOffset {
				out = append(out, constraint{oid: checkConBase + int64(c.ID)<<8 + int64(i), name: ck.Name, typ: "c", coll: c, check: &c.Checks[i],
					cols: checkColumns(ck.Expr)})
			}
		}
		for i := range c.FKs {
			if i < 0x100-fkConOffset {
				fk := &c.FKs[i]
				out = append(out, constraint{oid: checkConBase + int64(c.ID)<<8 + fkConOffset + int64(i), name: fk.Name, typ: "f",
					coll: c, cols: fk.Columns, fk: fk})
			}
		}
	}
	return out
}

// checkColumns are the columns a CHECK's expression reads (its conkey).
func checkColumns(expr string) []string {
	e, err := parser.ParseExpr(expr)
	if err != nil {
		return nil
	}
	return plan.ColumnsOf(e)
}

// referencedIndex returns the oid of the index holding the key a foreign
// key references (the primary key's or a unique index's) and its columns.
func referencedIndex(parent *catalog.Collection, cols []string) (int64, []string) {
	for _, r := range indexRels(parent) {
		ixCols := parent.PK
		if !r.pkey {
			if !r.index.Unique || !r.index.Plain() {
				continue
			}
			ixCols = r.index.Columns
		}
		if len(ixCols) == len(cols) && !slices.ContainsFunc(cols, func(c string) bool { return !slices.Contains(ixCols, c) }) {
			return r.oid(), ixCols
		}
	}
	return 0, nil
}

func constraintRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		as := attrs(c)
		for _, k := range constraints(c) {
			key := make([]any, len(k.cols))
			for i, col := range k.cols {
				key[i] = int64(attnumOf(as, col))
			}
			row := m{
				"oid": k.oid, "conname": k.name, "connamespace": nsOf(c), "contype": k.typ,
				"condeferrable": k.fk != nil && k.fk.Deferrable, "condeferred": k.fk != nil && k.fk.InitiallyDeferred,
				"convalidated": !k.notValid(), "conrelid": RelOID(c.ID), "contypid": int64(0),
				"conindid": k.index, "conparentid": int64(0), "confrelid": int64(0), "confupdtype": " ",
				"confdeltype": " ", "confmatchtype": " ", "conislocal": true, "coninhcount": int64(0),
				"connoinherit": k.typ != "c", "conkey": key,
			}
			if fk := k.fk; fk != nil {
				if parent, ok := t.cat.ByID(fk.RefID); ok {
					pas := attrs(parent)
					fkey := make([]any, len(fk.RefColumns))
					for i, col := range fk.RefColumns {
						fkey[i] = int64(attnumOf(pas, col))
					}
					match := "s"
					if fk.MatchFull {
						match = "f"
					}
					ix, _ := referencedIndex(parent, fk.RefColumns)
					row["confrelid"], row["confkey"], row["conindid"] = RelOID(parent.ID), fkey, ix
					row["confupdtype"], row["confdeltype"], row["confmatchtype"] = fk.OnUpdate, fk.OnDelete, match
				}
			}
			b.add(row)
		}
	}
	return nil
}

func attrdefRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		for _, a := range attrs(c) {
			if a.def == "" || a.ident != "" {
				continue // an identity column's nextval is not a default in PostgreSQL's catalogs
			}
			b.add(m{"oid": attrdefOID(c, a.num), "adrelid": RelOID(c.ID),
				"adnum": int64(a.num), "adbin": a.def})
		}
	}
	return nil
}

func amRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"oid": int64(amHeap), "amname": "heap", "amhandler": "heap_tableam_handler", "amtype": "t"})
	b.add(m{"oid": int64(amBtree), "amname": "btree", "amhandler": "bthandler", "amtype": "i"})
	return nil
}

func rolesRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"rolname": "admin", "rolsuper": true, "rolinherit": true, "rolcreaterole": true, "rolcreatedb": true,
		"rolcanlogin": true, "rolreplication": true, "rolconnlimit": int64(-1), "rolpassword": "********",
		"rolbypassrls": true, "oid": int64(ownerOID)})
	return nil
}

func userRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"usename": "admin", "usesysid": int64(ownerOID), "usecreatedb": true, "usesuper": true, "userepl": true,
		"usebypassrls": true, "passwd": "********"})
	return nil
}

func authidRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"oid": int64(ownerOID), "rolname": "admin", "rolsuper": true, "rolinherit": true, "rolcreaterole": true,
		"rolcreatedb": true, "rolcanlogin": true, "rolreplication": true, "rolbypassrls": true, "rolconnlimit": int64(-1)})
	return nil
}

// defaultSettings are shown by pg_settings when the context carries no
// session.
var defaultSettings = map[string]string{
	"server_version": "15.0 (NodeDB-Go)", "server_version_num": "150000", "server_encoding": "UTF8",
	"client_encoding": "UTF8", "datestyle": "ISO, MDY", "timezone": "UTC", "intervalstyle": "postgres",
	"integer_datetimes": "on", "standard_conforming_strings": "on", "application_name": "",
	"search_path": `"$user", public`, "max_identifier_length": "63", "max_index_keys": "32", "block_size": "8192",
	"lc_collate": "C", "lc_ctype": "C", "default_transaction_read_only": "off", "transaction_read_only": "off",
}

func settingsRows(_ *Tables, ctx context.Context, b *builder) error {
	vars := map[string]string{}
	for k, v := range defaultSettings {
		vars[k] = v
	}
	for k, v := range sessionOf(ctx).Settings {
		vars[strings.ToLower(k)] = v
	}
	for _, k := range sortedKeys(vars) {
		b.add(m{"name": k, "setting": vars[k], "category": "Ungrouped", "short_desc": "", "context": "user",
			"vartype": "string", "source": "default", "boot_val": vars[k], "reset_val": vars[k], "pending_restart": false})
	}
	return nil
}

func collationRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"oid": int64(collDefault), "collname": "default", "collnamespace": nsPgCatalog, "collowner": int64(ownerOID),
		"collprovider": "d", "collisdeterministic": true, "collencoding": int64(-1)})
	b.add(m{"oid": int64(collC), "collname": "C", "collnamespace": nsPgCatalog, "collowner": int64(ownerOID),
		"collprovider": "c", "collisdeterministic": true, "collencoding": int64(-1), "collcollate": "C", "collctype": "C"})
	b.add(m{"oid": int64(951), "collname": "POSIX", "collnamespace": nsPgCatalog, "collowner": int64(ownerOID),
		"collprovider": "c", "collisdeterministic": true, "collencoding": int64(-1), "collcollate": "POSIX", "collctype": "POSIX"})
	return nil
}

func tablespaceRows(_ *Tables, _ context.Context, b *builder) error {
	b.add(m{"oid": int64(spcDefault), "spcname": "pg_default", "spcowner": int64(ownerOID)})
	b.add(m{"oid": int64(1664), "spcname": "pg_global", "spcowner": int64(ownerOID)})
	return nil
}

func languageRows(_ *Tables, _ context.Context, b *builder) error {
	for _, l := range []struct {
		oid  int64
		name string
	}{{12, "internal"}, {13, "c"}, {14, "sql"}} {
		b.add(m{"oid": l.oid, "lanname": l.name, "lanowner": int64(ownerOID), "lanispl": false,
			"lanpltrusted": l.name == "sql", "lanplcallfoid": int64(0), "laninline": int64(0), "lanvalidator": int64(0)})
	}
	return nil
}

func tablesRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		b.add(m{"schemaname": schemaOf(c), "tablename": c.Name, "tableowner": "admin", "hasindexes": len(indexRels(c)) > 0,
			"hasrules": false, "hastriggers": false, "rowsecurity": false})
	}
	return nil
}

func indexesRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.rels() {
		for _, r := range indexRels(c) {
			b.add(m{"schemaname": schemaOf(c), "tablename": c.Name, "indexname": r.name(), "indexdef": indexDef(r, false)})
		}
	}
	return nil
}

// ---------------------------------------------------- information_schema

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func infoTablesRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, c := range t.cat.List() {
		b.add(m{"table_catalog": db, "table_schema": "public", "table_name": c.Name, "table_type": "BASE TABLE",
			"is_insertable_into": "YES", "is_typed": "NO"})
	}
	for _, v := range t.cat.Views() {
		b.add(m{"table_catalog": db, "table_schema": "public", "table_name": v.Name, "table_type": "VIEW",
			"is_insertable_into": "NO", "is_typed": "NO"})
	}
	for _, tb := range t.list {
		typ := "BASE TABLE"
		if tb.view {
			typ = "VIEW"
		}
		b.add(m{"table_catalog": db, "table_schema": tb.schema, "table_name": tb.name, "table_type": typ,
			"is_insertable_into": "NO", "is_typed": "NO"})
	}
	return nil
}

// DataType is information_schema.columns.data_type for t: PostgreSQL's
// type spelling without modifiers ("character varying", "timestamp
// without time zone"), "ARRAY" for arrays.
func DataType(t types.T) string {
	pt := pgType(t)
	switch {
	case pt.Category == 'A' && pt.Len == -1:
		return "ARRAY"
	case pt.OID == types.OIDBpchar:
		return "character"
	}
	return pt.Format
}

func infoColumnsRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	type relation struct {
		name  string
		attrs []attr
		view  bool
	}
	var rels []relation
	for _, c := range t.cat.List() {
		rels = append(rels, relation{c.Name, attrs(c), false})
	}
	for _, v := range t.cat.Views() {
		rels = append(rels, relation{v.Name, viewAttrs(v), true})
	}
	for _, c := range rels {
		for _, a := range c.attrs {
			pt := pgType(a.t)
			row := m{
				"table_catalog": db, "table_schema": "public", "table_name": c.name, "column_name": a.name,
				"ordinal_position": int64(a.num), "is_nullable": yesNo(!a.notNull), "data_type": DataType(a.t),
				"udt_catalog": db, "udt_schema": "pg_catalog", "udt_name": pt.Name,
				"dtd_identifier": strconv.Itoa(int(a.num)), "is_self_referencing": "NO", "is_identity": "NO",
				"identity_cycle": "NO", "is_generated": "NEVER", "is_updatable": yesNo(!c.view),
			}
			if e, ok := t.cat.EnumByOID(a.enum); ok && a.enum != 0 {
				row["data_type"], row["udt_schema"], row["udt_name"] = "USER-DEFINED", "public", e.Name
			}
			switch {
			case a.ident != "":
				// PostgreSQL shows an identity column's generation, not its
				// default.
				row["is_identity"], row["identity_generation"] = "YES", "BY DEFAULT"
				if a.ident == "a" {
					row["identity_generation"] = "ALWAYS"
				}
			case a.def != "":
				row["column_default"] = a.def
			}
			switch a.t {
			case types.Varchar, types.Bpchar:
				if a.typmod >= 4 {
					n := int64(a.typmod - 4)
					row["character_maximum_length"] = n
					row["character_octet_length"] = n * 4
				} else if a.t == types.Varchar {
					row["character_octet_length"] = int64(1073741824)
				}
			case types.Text, types.Name:
				row["character_octet_length"] = int64(1073741824)
			case types.Int2:
				row["numeric_precision"], row["numeric_precision_radix"], row["numeric_scale"] = int64(16), int64(2), int64(0)
			case types.Int4:
				row["numeric_precision"], row["numeric_precision_radix"], row["numeric_scale"] = int64(32), int64(2), int64(0)
			case types.Int8:
				row["numeric_precision"], row["numeric_precision_radix"], row["numeric_scale"] = int64(64), int64(2), int64(0)
			case types.Float4:
				row["numeric_precision"], row["numeric_precision_radix"] = int64(24), int64(2)
			case types.Float8:
				row["numeric_precision"], row["numeric_precision_radix"] = int64(53), int64(2)
			case types.Numeric:
				row["numeric_precision_radix"] = int64(10)
				if p, sc, ok := types.NumericPrecScale(int(a.typmod)); ok {
					row["numeric_precision"], row["numeric_scale"] = int64(p), int64(sc)
				}
			case types.Timestamp, types.Timestamptz:
				row["datetime_precision"] = int64(6)
			case types.Date:
				row["datetime_precision"] = int64(0)
			}
			b.add(row)
		}
	}
	return nil
}

func infoSchemataRows(_ *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, s := range []string{"information_schema", "pg_catalog", "public"} {
		b.add(m{"catalog_name": db, "schema_name": s, "schema_owner": "admin"})
	}
	return nil
}

func infoTableConstraintsRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, c := range t.cat.List() {
		for _, k := range constraints(c) {
			row := m{"constraint_catalog": db, "constraint_schema": "public", "constraint_name": k.name,
				"table_catalog": db, "table_schema": "public", "table_name": c.Name, "constraint_type": "PRIMARY KEY",
				"is_deferrable": yesNo(k.fk != nil && k.fk.Deferrable), "initially_deferred": yesNo(k.fk != nil && k.fk.InitiallyDeferred),
				"enforced": "YES"}
			switch k.typ {
			case "u":
				row["constraint_type"], row["nulls_distinct"] = "UNIQUE", "YES"
			case "c":
				row["constraint_type"] = "CHECK"
			case "f":
				row["constraint_type"] = "FOREIGN KEY"
			}
			b.add(row)
		}
	}
	return nil
}

func infoKeyColumnUsageRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, c := range t.cat.List() {
		for _, k := range constraints(c) {
			if k.typ == "c" {
				continue // a CHECK's columns are no key
			}
			var keyCols []string // a foreign key's referenced key
			if k.fk != nil {
				if parent, ok := t.cat.ByID(k.fk.RefID); ok {
					_, keyCols = referencedIndex(parent, k.fk.RefColumns)
				}
			}
			for i, col := range k.cols {
				row := m{"constraint_catalog": db, "constraint_schema": "public", "constraint_name": k.name,
					"table_catalog": db, "table_schema": "public", "table_name": c.Name, "column_name": col,
					"ordinal_position": int64(i + 1)}
				if keyCols != nil {
					row["position_in_unique_constraint"] = int64(slices.Index(keyCols, k.fk.RefColumns[i]) + 1)
				}
				b.add(row)
			}
		}
	}
	return nil
}

func infoConstraintColumnUsageRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	for _, c := range t.cat.List() {
		for _, k := range constraints(c) {
			// A foreign key uses the referenced table's columns.
			table, cols := c.Name, k.cols
			if k.fk != nil {
				parent, ok := t.cat.ByID(k.fk.RefID)
				if !ok {
					continue
				}
				table, cols = parent.Name, k.fk.RefColumns
			}
			for _, col := range cols {
				b.add(m{"table_catalog": db, "table_schema": "public", "table_name": table, "column_name": col,
					"constraint_catalog": db, "constraint_schema": "public", "constraint_name": k.name})
			}
		}
	}
	return nil
}

func infoReferentialConstraintsRows(t *Tables, ctx context.Context, b *builder) error {
	db := sessionOf(ctx).Database
	rules := map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
	for _, c := range t.cat.List() {
		for _, k := range constraints(c) {
			if k.fk == nil {
				continue
			}
			parent, ok := t.cat.ByID(k.fk.RefID)
			if !ok {
				continue
			}
			unique := ""
			ix, _ := referencedIndex(parent, k.fk.RefColumns)
			for _, pk := range constraints(parent) {
				if pk.typ != "f" && pk.index == ix {
					unique = pk.name
				}
			}
			match := "NONE"
			if k.fk.MatchFull {
				match = "FULL"
			}
			b.add(m{"constraint_catalog": db, "constraint_schema": "public", "constraint_name": k.name,
				"unique_constraint_catalog": db, "unique_constraint_schema": "public", "unique_constraint_name": unique,
				"match_option": match, "update_rule": rules[k.fk.OnUpdate], "delete_rule": rules[k.fk.OnDelete]})
		}
	}
	return nil
}

func viewsRows(t *Tables, _ context.Context, b *builder) error {
	for _, v := range t.cat.Views() {
		b.add(m{"schemaname": "public", "viewname": v.Name, "viewowner": "admin", "definition": v.SQL + ";"})
	}
	return nil
}

// statsRows is pg_stats: one row per column of each analyzed collection.
// n_distinct follows PostgreSQL: a count, or minus a fraction of the rows
// when the distinct values are more than a tenth of them (so it scales
// as the collection grows). histogram_bounds and correlation are not
// collected.
func statsRows(t *Tables, _ context.Context, b *builder) error {
	for _, c := range t.cat.List() {
		st, ok := t.cat.Stats(c.ID)
		if !ok {
			continue
		}
		for _, cs := range st.Columns {
			nd := cs.Distinct
			if st.Rows > 0 && nd > 0.1*float64(st.Rows) {
				nd = -nd / float64(st.Rows)
			}
			row := m{"schemaname": "public", "tablename": c.Name, "attname": cs.Name, "inherited": false,
				"null_frac": cs.NullFrac, "avg_width": int64(cs.AvgWidth), "n_distinct": nd}
			if len(cs.MCV) > 0 {
				vals := make([]any, len(cs.MCV))
				freqs := make([]string, len(cs.MCV))
				for i, v := range cs.MCV {
					vals[i] = v.Value
					freqs[i] = strconv.FormatFloat(v.Freq, 'g', 6, 32)
				}
				row["most_common_vals"] = types.FormatArrayText(vals)
				row["most_common_freqs"] = "{" + strings.Join(freqs, ",") + "}"
			}
			b.add(row)
		}
	}
	return nil
}

// langSQL is pg_language's OID of "sql".
const langSQL = 14

// procRows is pg_proc for user functions (prokind 'f', language sql) and
// procedures (prokind 'p'); built-in functions are not listed.
func procRows(t *Tables, _ context.Context, b *builder) error {
	add := func(id uint32, name, kind string, params []catalog.ProcParam, ret int64, src string) {
		var argTypes []string
		var argNames []any
		for _, p := range params {
			ty := types.Text
			if pt, ok := types.ParseTypeName(p.Type); ok {
				ty = pt
			}
			argTypes = append(argTypes, strconv.FormatInt(int64(ty.OID()), 10))
			argNames = append(argNames, p.Name)
		}
		row := m{"oid": RelOID(id), "proname": name, "pronamespace": int64(nsPublic), "proowner": int64(ownerOID),
			"prolang": int64(langSQL), "procost": float64(100), "prorows": float64(0), "provariadic": int64(0),
			"prosupport": "-", "prokind": kind, "prosecdef": false, "proleakproof": false, "proisstrict": false,
			"proretset": false, "provolatile": "v", "proparallel": "u", "pronargs": int64(len(params)),
			"pronargdefaults": int64(0), "prorettype": ret, "proargtypes": strings.Join(argTypes, " "), "prosrc": src}
		if len(params) > 0 {
			row["proargnames"] = argNames
		}
		b.add(row)
	}
	for _, f := range t.cat.Functions() {
		ret := types.Text
		if rt, ok := types.ParseTypeName(f.Returns); ok {
			ret = rt
		}
		add(f.ID, f.Name, "f", f.Params, int64(ret.OID()), f.Body)
	}
	for _, p := range t.cat.Procedures() {
		add(p.ID, p.Name, "p", p.Params, 0, p.Body)
	}
	return nil
}
