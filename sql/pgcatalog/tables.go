package pgcatalog

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// OID layout. Catalog ids (collections and secondary indexes share one
// id sequence) map to OIDs from FirstUserOID; the synthetic primary-key
// index and the constraints of a collection live in fixed high ranges,
// so catalog ids must stay below 1<<28.
const (
	FirstUserOID = catalog.FirstUserOID
	pkIndexBase  = 0x40000000 // <coll>_pkey index relation
	pkConBase    = 0x50000000 // <coll>_pkey constraint
	uniqConBase  = 0x60000000 // unique constraint of a unique index
	attrdefBase  = 0x70000000 // attrdef rows: base | id<<10 | attnum
	checkConBase = 0x80000000 // CHECK constraints: base | id<<8 | position (ids below 1<<23, positions below 128)
	fkConOffset  = 0x80       // FOREIGN KEY constraints: checkConBase | id<<8 | fkConOffset + position
	idMask       = 0x0fffffff
	// DatabaseOID is the OID of the "nodedb" database; "postgres" is 5.
	DatabaseOID = 16384
)

// Fixed OIDs.
const (
	nsPgCatalog  = types.NamespacePgCatalog
	nsPublic     = types.NamespacePublic
	nsInfoSchema = types.NamespaceInformationSchema
	ownerOID     = funcs.SuperuserOID
	amHeap       = 2
	amBtree      = 403
	collDefault  = 100
	collC        = 950
	spcDefault   = 1663
)

// RelOID is the OID of a collection or secondary index with catalog id id.
func RelOID(id uint32) int64 { return int64(id) + FirstUserOID }

// PKIndexOID is the OID of a collection's synthetic <name>_pkey index.
func PKIndexOID(collID uint32) int64 { return pkIndexBase | int64(collID&idMask) }

func pkConOID(collID uint32) int64 { return pkConBase | int64(collID&idMask) }

func uniqConOID(ixID uint32) int64 { return uniqConBase | int64(ixID&idMask) }

// Session carries per-connection facts that some relations show
// (pg_settings, pg_database, information_schema catalogs). Attach it to
// the context passed to Rows with WithSession.
type Session struct {
	User     string
	Database string
	Settings map[string]string // lower-case names
}

type sessionKey struct{}

// WithSession returns ctx carrying s for Rows.
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionOf(ctx context.Context) Session {
	s, _ := ctx.Value(sessionKey{}).(Session)
	if s.Database == "" {
		s.Database = "nodedb"
	}
	if s.User == "" {
		s.User = "admin"
	}
	return s
}

// Tables is the set of pg_catalog and information_schema relations over a
// live catalog. It implements plan.SystemTables and funcs.CatalogInfo.
type Tables struct {
	cat    *catalog.Catalog
	byName map[string]*table // "pg_catalog.pg_class", "information_schema.tables"
	byOID  map[int64]*table
	list   []*table
}

var (
	_ plan.SystemTables = (*Tables)(nil)
	_ funcs.CatalogInfo = (*Tables)(nil)
)

// table is one system relation.
type table struct {
	t      *Tables
	schema string
	name   string
	oid    int64
	view   bool
	cols   []plan.Column
	index  map[string]int
	rows   func(t *Tables, ctx context.Context, b *builder) error
}

// Columns implements plan.SystemTable.
func (tb *table) Columns() []plan.Column { return tb.cols }

// TableOID implements plan.TableOIDer: a catalog table (not a view) has
// the system column tableoid.
func (tb *table) TableOID() (uint32, bool) { return uint32(tb.oid), !tb.view }

// Rows implements plan.SystemTable.
func (tb *table) Rows(ctx context.Context) ([]types.Row, error) {
	b := &builder{tb: tb}
	if tb.rows != nil {
		if err := tb.rows(tb.t, ctx, b); err != nil {
			return nil, fmt.Errorf("pgcatalog: %s.%s: %w", tb.schema, tb.name, err)
		}
	}
	return b.out, nil
}

// builder collects rows given as column → value maps; columns not set
// are NULL.
type builder struct {
	tb  *table
	out []types.Row
}

type m = map[string]any

func (b *builder) add(vals m) {
	row := make(types.Row, len(b.tb.cols))
	for k, v := range vals {
		i, ok := b.tb.index[k]
		if !ok {
			panic("pgcatalog: " + b.tb.name + " has no column " + k)
		}
		row[i] = v
	}
	b.out = append(b.out, row)
}

// New builds the system relations over cat.
func New(cat *catalog.Catalog) *Tables {
	t := &Tables{cat: cat, byName: map[string]*table{}, byOID: map[int64]*table{}}
	names := make([]string, 0, len(pgCatalogSpecs))
	for n := range pgCatalogSpecs {
		names = append(names, n)
	}
	sort.Strings(names)
	next := int64(12000)
	for _, n := range names {
		oid, ok := systemOIDs[n]
		if !ok {
			oid = next
			next++
		}
		t.add("pg_catalog", n, oid, pgCatalogSpecs[n], pgRows[n])
	}
	next = 13100
	for _, n := range sortedKeys(infoSchemaSpecs) {
		t.add("information_schema", n, next, infoSchemaSpecs[n], infoRows[n])
		next++
	}
	return t
}

func sortedKeys[V any](mp map[string]V) []string {
	out := make([]string, 0, len(mp))
	for k := range mp {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (t *Tables) add(schema, name string, oid int64, spec string, rows func(*Tables, context.Context, *builder) error) {
	tb := &table{t: t, schema: schema, name: name, oid: oid, rows: rows, index: map[string]int{}}
	tb.view = schema == "information_schema" || viewNames[name]
	for _, part := range strings.Split(spec, ", ") {
		cn, tn, ok := strings.Cut(part, " ")
		if !ok {
			panic("pgcatalog: bad column spec " + part)
		}
		typ, mod := specType(tn)
		tb.index[cn] = len(tb.cols)
		tb.cols = append(tb.cols, plan.Column{Name: cn, T: typ, TypeMod: mod, TableOID: uint32(oid), AttrNum: int16(len(tb.cols) + 1)})
	}
	t.byName[schema+"."+name] = tb
	t.byOID[oid] = tb
	t.list = append(t.list, tb)
}

// specType maps a PostgreSQL column type of a catalog definition to T.
func specType(name string) (types.T, int32) {
	switch name {
	case "pg_node_tree", "pg_lsn", "anyarray", "real[]", "inet", "interval", "character_data", "yes_or_no":
		return types.Text, -1
	case "aclitem[]", `"char"[]`:
		return types.TextArray, -1
	case "regtype[]":
		return types.OIDArray, -1
	case "xid":
		return types.OID, -1
	case "sql_identifier":
		return types.Name, -1
	case "cardinal_number":
		return types.Int4, -1
	}
	t, ok := types.ParseTypeName(name)
	if !ok {
		panic("pgcatalog: unknown column type " + name)
	}
	return t, -1
}

// Lookup implements plan.SystemTables: "pg_class", "pg_catalog.pg_class"
// and "information_schema.tables" (lower-case, as written).
func (t *Tables) Lookup(name string) (plan.SystemTable, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !strings.Contains(n, ".") {
		n = "pg_catalog." + n
	}
	tb, ok := t.byName[n]
	if !ok {
		return nil, false
	}
	return tb, true
}

// Names lists the qualified names of every system relation.
func (t *Tables) Names() []string {
	out := make([]string, 0, len(t.list))
	for _, tb := range t.list {
		out = append(out, tb.schema+"."+tb.name)
	}
	sort.Strings(out)
	return out
}

// rel is what an OID names among user relations.
type rel struct {
	coll  *catalog.Collection
	index *catalog.Index // nil for the collection or its pkey index
	pkey  bool           // the synthetic primary-key index
}

func (r rel) name() string {
	switch {
	case r.pkey:
		return r.coll.Name + "_pkey"
	case r.index != nil:
		return r.index.Name
	}
	return r.coll.Name
}

// hasPK reports whether a collection has a user-visible primary key (a
// hidden row id is not one).
func hasPK(c *catalog.Collection) bool {
	if len(c.PK) == 0 {
		return false
	}
	for _, k := range c.PK {
		if i := c.ColumnIndex(k); i >= 0 && c.Columns[i].Hidden {
			return false
		}
	}
	return true
}

func (t *Tables) relByOID(oid int64) (rel, bool) {
	switch {
	case oid >= pkIndexBase && oid < pkConBase:
		if c, ok := t.cat.ByID(uint32(oid & idMask)); ok && !c.Dropped && hasPK(c) {
			return rel{coll: c, pkey: true}, true
		}
		return rel{}, false
	case oid < FirstUserOID || oid >= pkIndexBase:
		return rel{}, false
	}
	id := uint32(oid - FirstUserOID)
	if c, ok := t.cat.ByID(id); ok && !c.Dropped {
		return rel{coll: c}, true
	}
	for _, c := range t.rels() {
		for i := range c.Indexes {
			if c.Indexes[i].ID == id {
				return rel{coll: c, index: &c.Indexes[i]}, true
			}
		}
	}
	return rel{}, false
}

// ResolveRelation implements funcs.CatalogInfo (regclass input).
func (t *Tables) ResolveRelation(name string) (int64, bool) {
	schema, n := types.SplitQualified(name)
	if schema == "" || schema == "public" {
		if c, ok := t.cat.Get(n); ok {
			return RelOID(c.ID), true
		}
		if _, ix, ok := t.cat.FindIndex(n); ok {
			return RelOID(ix.ID), true
		}
		if base, ok := strings.CutSuffix(n, "_pkey"); ok {
			if c, ok := t.cat.Get(base); ok && hasPK(c) {
				return PKIndexOID(c.ID), true
			}
		}
		if v, ok := t.cat.View(n); ok {
			return RelOID(v.ID), true
		}
		if sq, ok := t.cat.Sequence(n); ok {
			return RelOID(sq.ID), true
		}
	}
	if schema == "" || schema == "pg_catalog" || schema == "information_schema" {
		s := schema
		if s == "" {
			s = "pg_catalog"
		}
		if tb, ok := t.byName[s+"."+n]; ok {
			return tb.oid, true
		}
	}
	return 0, false
}

// RelationName implements funcs.CatalogInfo (regclass output).
func (t *Tables) RelationName(oid int64) (string, bool) {
	if r, ok := t.relByOID(oid); ok {
		if r.coll.Temp() {
			// Another session's (see sessionTables for its own).
			return catalog.TempSchemaName(r.coll.TempNS) + "." + quoteIdent(r.name()), true
		}
		return quoteIdent(r.name()), true
	}
	for _, v := range t.cat.Views() {
		if RelOID(v.ID) == oid {
			return quoteIdent(v.Name), true
		}
	}
	for _, sq := range t.cat.Sequences() {
		if RelOID(sq.ID) == oid {
			return quoteIdent(sq.Name), true
		}
	}
	if tb, ok := t.byOID[oid]; ok {
		if tb.schema == "pg_catalog" {
			return tb.name, true
		}
		return tb.schema + "." + tb.name, true
	}
	return "", false
}

// indexCols returns a relation-index's key columns.
func (r rel) indexCols() []string {
	if r.pkey {
		return r.coll.PK
	}
	return r.index.Columns
}

func (r rel) unique() bool { return r.pkey || (r.index != nil && r.index.Unique) }

// IndexDef implements funcs.CatalogInfo (pg_get_indexdef).
func (t *Tables) IndexDef(oid int64, column int, pretty bool) (string, bool) {
	r, ok := t.relByOID(oid)
	if !ok || (!r.pkey && r.index == nil) {
		return "", false
	}
	cols := r.indexCols()
	if column > 0 {
		if column > len(cols) {
			return "", false
		}
		if r.index != nil && column <= len(r.index.Exprs) && r.index.Exprs[column-1] != "" {
			return r.index.Exprs[column-1], true
		}
		return quoteIdent(cols[column-1]), true
	}
	return indexDef(r, pretty), true
}

func indexDef(r rel, pretty bool) string {
	var sb strings.Builder
	if r.index != nil && r.index.Sorted {
		// Not a PostgreSQL index: show the statement that made it.
		sb.WriteString("CREATE SORTED INDEX ")
		sb.WriteString(quoteIdent(r.index.Name))
		sb.WriteString(" ON ")
		sb.WriteString(quoteIdent(r.coll.Name))
		sb.WriteString(" (")
		for i, c := range r.index.Columns {
			if i > 0 {
				sb.WriteString(", ")
			}
			parts := strings.Split(c, ".")
			for j := range parts {
				parts[j] = quoteIdent(parts[j])
			}
			sb.WriteString(strings.Join(parts, "."))
			if r.index.Desc[i] {
				sb.WriteString(" DESC")
			}
		}
		sb.WriteString(") KEY ")
		sb.WriteString(quoteIdent(r.index.Key))
		return sb.String()
	}
	sb.WriteString("CREATE ")
	if r.unique() {
		sb.WriteString("UNIQUE ")
	}
	sb.WriteString("INDEX ")
	sb.WriteString(quoteIdent(r.name()))
	sb.WriteString(" ON ")
	if !pretty {
		sb.WriteString("public.")
	}
	sb.WriteString(quoteIdent(r.coll.Name))
	sb.WriteString(" USING btree (")
	for i, c := range r.indexCols() {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(indexElemDef(r, i, c, pretty))
		if r.index != nil && i < len(r.index.Opts) {
			sb.WriteString(ast.IndexElemOpts(r.index.Opts[i]).Suffix())
		}
	}
	sb.WriteString(")")
	if r.index != nil && len(r.index.Include) > 0 {
		sb.WriteString(" INCLUDE (")
		sb.WriteString(quoteList(r.index.Include))
		sb.WriteString(")")
	}
	if r.index != nil && r.index.Where != "" {
		sb.WriteString(" WHERE ")
		if pretty {
			sb.WriteString(stripParens(r.index.Where))
		} else {
			sb.WriteString("(" + stripParens(r.index.Where) + ")")
		}
	}
	return sb.String()
}

// indexElemDef is key element i (column c) of an index as its definition
// shows it: a column quoted, a function call as it is, any other
// expression in parentheses (PostgreSQL's deparsing parenthesizes each
// operator unless pretty).
func indexElemDef(r rel, i int, c string, pretty bool) string {
	if r.index == nil || i >= len(r.index.Exprs) || r.index.Exprs[i] == "" {
		return quoteIdent(c)
	}
	e := r.index.Exprs[i]
	if x, err := parser.ParseExpr(e); err == nil {
		if _, ok := x.(*ast.FuncCall); ok {
			return e
		}
	}
	if pretty {
		return "(" + stripParens(e) + ")"
	}
	return "(" + e + ")"
}

func quoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	return strings.Join(q, ", ")
}

// ConstraintDef implements funcs.CatalogInfo (pg_get_constraintdef).
func (t *Tables) ConstraintDef(oid int64, pretty bool) (string, bool) {
	switch {
	case oid >= pkConBase && oid < uniqConBase:
		if c, ok := t.cat.ByID(uint32(oid & idMask)); ok && !c.Dropped && hasPK(c) {
			return "PRIMARY KEY (" + quoteList(c.PK) + ")", true
		}
	case oid >= uniqConBase && oid < attrdefBase:
		if r, ok := t.relByOID(RelOID(uint32(oid & idMask))); ok && r.index != nil && r.index.Unique {
			return "UNIQUE (" + quoteList(r.index.Columns) + ")", true
		}
	case oid >= checkConBase && oid <= 0xffffffff:
		i := int(oid & 0xff)
		c, ok := t.cat.ByID(uint32((oid - checkConBase) >> 8))
		switch {
		case !ok || c.Dropped:
		case i < fkConOffset && i < len(c.Checks):
			e := c.Checks[i].Expr
			if pretty {
				e = stripParens(e)
			}
			return "CHECK (" + e + ")" + notValid(c.Checks[i].NotValid), true
		case i >= fkConOffset && i-fkConOffset < len(c.FKs):
			def, ok := t.foreignKeyDef(&c.FKs[i-fkConOffset])
			return def + notValid(c.FKs[i-fkConOffset].NotValid), ok
		}
	}
	return "", false
}

// notValid is what pg_get_constraintdef appends for a NOT VALID
// constraint.
func notValid(b bool) string {
	if b {
		return " NOT VALID"
	}
	return ""
}

// stripParens drops the parentheses around a whole expression, as
// PostgreSQL's pretty output leaves them out: (a > 0) gives a > 0.
func stripParens(e string) string {
	if len(e) < 2 || e[0] != '(' || e[len(e)-1] != ')' {
		return e
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(e); i++ {
		switch c := e[i]; {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 && i != len(e)-1 {
				return e // the first group closes before the end
			}
		}
	}
	return e[1 : len(e)-1]
}

// foreignKeyDef is pg_get_constraintdef of a foreign key.
func (t *Tables) foreignKeyDef(fk *catalog.ForeignKey) (string, bool) {
	parent, ok := t.cat.ByID(fk.RefID)
	if !ok {
		return "", false
	}
	var sb strings.Builder
	sb.WriteString("FOREIGN KEY (" + quoteList(fk.Columns) + ") REFERENCES " + quoteIdent(parent.Name) + "(" + quoteList(fk.RefColumns) + ")")
	if fk.MatchFull {
		sb.WriteString(" MATCH FULL")
	}
	actions := map[string]string{"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
	if a, ok := actions[fk.OnUpdate]; ok {
		sb.WriteString(" ON UPDATE " + a)
	}
	if a, ok := actions[fk.OnDelete]; ok {
		sb.WriteString(" ON DELETE " + a)
	}
	if fk.Deferrable {
		sb.WriteString(" DEFERRABLE")
	}
	if fk.InitiallyDeferred {
		sb.WriteString(" INITIALLY DEFERRED")
	}
	return sb.String(), true
}

// RelationSize implements funcs.CatalogInfo. Sizes are not tracked yet.
func (t *Tables) RelationSize(int64) (int64, bool) { return 0, false }

// ViewDef implements funcs.CatalogInfo (pg_get_viewdef): the view's query
// as pg_views.definition shows it.
func (t *Tables) ViewDef(oid int64) (string, bool) {
	for _, v := range t.cat.Views() {
		if RelOID(v.ID) == oid {
			return v.SQL, true
		}
	}
	return "", false
}

// TypeName implements funcs.CatalogInfo for enum types.
func (t *Tables) TypeName(oid int64) (string, bool) {
	if e, ok := t.cat.EnumByOID(uint32(oid)); ok && oid > 0 {
		return e.Name, true
	}
	return "", false
}

// FunctionSignature implements funcs.CatalogInfo for user functions and
// procedures (OID: catalog id + catalog.FirstUserOID).
func (t *Tables) FunctionSignature(oid int64) (string, string, bool) {
	for _, f := range t.cat.Functions() {
		if RelOID(f.ID) == oid {
			return argList(f.Params), formatTypeName(f.Returns), true
		}
	}
	for _, p := range t.cat.Procedures() {
		if RelOID(p.ID) == oid {
			return argList(p.Params), "", true
		}
	}
	return "", "", false
}

// FunctionOID implements funcs.FunctionOIDs: a user function's or
// procedure's OID by name.
func (t *Tables) FunctionOID(name string) (int64, bool) {
	for _, f := range t.cat.Functions() {
		if f.Name == name {
			return RelOID(f.ID), true
		}
	}
	for _, p := range t.cat.Procedures() {
		if p.Name == name {
			return RelOID(p.ID), true
		}
	}
	return 0, false
}

func argList(ps []catalog.ProcParam) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = strings.TrimSpace(p.Name + " " + formatTypeName(p.Type))
	}
	return strings.Join(parts, ", ")
}

// formatTypeName spells a declared type name as format_type does
// ("INT" is integer); names it does not know stay as written.
func formatTypeName(name string) string {
	if t, ok := types.ParseTypeName(name); ok {
		return funcs.FormatType(int64(t.OID()), -1, false)
	}
	return strings.ToLower(name)
}

// quoteIdent quotes an identifier when PostgreSQL would.
func quoteIdent(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || (i > 0 && (r >= '0' && r <= '9' || r == '$'))) {
			plain = false
			break
		}
	}
	if plain && !reservedWords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

var reservedWords = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true, "array": true, "as": true,
	"asc": true, "both": true, "case": true, "cast": true, "check": true, "collate": true, "column": true,
	"constraint": true, "create": true, "default": true, "desc": true, "distinct": true, "do": true,
	"else": true, "end": true, "except": true, "false": true, "for": true, "foreign": true, "from": true,
	"grant": true, "group": true, "having": true, "in": true, "intersect": true, "into": true,
	"leading": true, "limit": true, "not": true, "null": true, "offset": true, "on": true, "only": true,
	"or": true, "order": true, "primary": true, "references": true, "select": true, "table": true,
	"then": true, "to": true, "trailing": true, "true": true, "union": true, "unique": true,
	"user": true, "using": true, "when": true, "where": true, "with": true,
}
