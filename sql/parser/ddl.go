package parser

import (
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
)

// codeInvalidTableDefinition is PostgreSQL's invalid_table_definition.
const codeInvalidTableDefinition = "42P16"

// create dispatches on the object keyword after CREATE.
func (p *parser) create() ast.Statement {
	start := p.expectKw("create")
	t := p.peek()
	if t.kind == tIdent && !t.quoted {
		switch t.val {
		case "collection":
			return p.createCollection(start, ast.KindSchemaless, nil)
		case "table":
			return p.createCollection(start, ast.KindStrict, nil)
		case "timeseries":
			return p.createCollection(start, ast.KindTimeseries, nil)
		case "temp", "temporary", "global", "local":
			if st := p.createTemp(start); st != nil {
				return st
			}
		case "index", "unique":
			return p.createIndex(start)
		case "sorted":
			if isKw(p.peekN(1), "index") {
				return p.createSortedIndex(start)
			}
		case "change":
			return p.createChangeStream(start)
		case "consumer":
			return p.createConsumerGroup(start)
		case "sync", "deferred", "trigger":
			return p.createTrigger(start)
		case "view":
			return p.createView(start, false)
		case "topic":
			p.i++
			c := &ast.CreateTopic{Pos: start.pos}
			c.IfNotExists = p.ifNotExists()
			c.Name = p.name()
			if p.acceptKw("with") {
				c.With = p.uniqueOptions()
			}
			return c
		case "or":
			if p.peekN(1).kind == tIdent && p.peekN(1).val == "replace" && p.peekN(2).kind == tIdent && p.peekN(2).val == "view" {
				p.i += 2
				return p.createView(start, true)
			}
			if p.peekN(1).kind == tIdent && p.peekN(1).val == "replace" && p.peekN(2).kind == tIdent &&
				(p.peekN(2).val == "trigger" || p.peekN(2).val == "sync" || p.peekN(2).val == "deferred") {
				return p.createTrigger(start)
			}
			if p.peekN(1).kind == tIdent && p.peekN(1).val == "replace" && isKw(p.peekN(2), "procedure") {
				p.i += 2
				return p.createProcedure(start, true)
			}
			if p.peekN(1).kind == tIdent && p.peekN(1).val == "replace" && isKw(p.peekN(2), "function") {
				p.i += 2
				return p.createFunction(start, true)
			}
			p.notYet(t, "CREATE OR REPLACE")
		case "schedule":
			return p.createSchedule(start)
		case "procedure":
			return p.createProcedure(start, false)
		case "function":
			return p.createFunction(start, false)
		case "materialized":
			if isKw(p.peekN(1), "view") {
				return p.createMaterializedView(start)
			}
			p.notYet(t, "CREATE MATERIALIZED")
		case "sequence":
			p.i++
			cs := &ast.CreateSequence{Pos: start.pos}
			cs.IfNotExists = p.ifNotExists()
			cs.Name = p.newRelName()
			cs.Options = p.seqOptions(false)
			return cs
		case "schema":
			p.i++
			cs := &ast.CreateSchema{Pos: start.pos}
			cs.IfNotExists = p.ifNotExists()
			if p.isKw("authorization") {
				p.notYet(p.peek(), "CREATE SCHEMA AUTHORIZATION")
			}
			cs.Name = p.name()
			if p.acceptKw("authorization") {
				p.roleName()
			}
			return cs
		case "extension":
			p.i++
			ce := &ast.CreateExtension{Pos: start.pos}
			ce.IfNotExists = p.ifNotExists()
			ce.Name = p.name()
			p.acceptKw("with")
			for {
				switch {
				case p.acceptKw("schema"):
					ce.Schema = p.name()
				case p.acceptKw("version"):
					ce.Version = p.nameOrString()
				case p.acceptKw("cascade"):
					ce.Cascade = true
				default:
					return ce
				}
			}
		case "type":
			k := 2 // after TYPE name, or TYPE schema.name
			if isOp(p.peekN(2), ".") {
				k = 4
			}
			if isKw(p.peekN(k), "as") && isKw(p.peekN(k+1), "enum") {
				return p.createEnum(start)
			}
			p.notYet(t, "CREATE TYPE other than AS ENUM")
		case "vector", "search", "user", "role", "rls",
			"policy", "tenant", "continuous",
			"database":
			p.notYet(t, "CREATE "+objectWords(t.val))
		}
	}
	p.fail(t)
	return nil
}

// objectWords names the object a leading word introduces, for hints.
func objectWords(w string) string {
	switch w {
	case "materialized":
		return "MATERIALIZED VIEW"
	case "vector":
		return "VECTOR INDEX"
	case "search":
		return "SEARCH INDEX"
	case "continuous":
		return "CONTINUOUS AGGREGATE"
	case "rls":
		return "RLS POLICY"
	case "changes":
		return "CHANGES FOR"
	}
	return strings.ToUpper(w)
}

func (p *parser) ifNotExists() bool { return p.acceptKws("if", "not", "exists") }

func (p *parser) ifExists() bool { return p.acceptKws("if", "exists") }

// tempOpts is what CREATE [GLOBAL | LOCAL] TEMP[ORARY] said before TABLE.
type tempOpts struct{ global bool }

// createTemp parses CREATE [GLOBAL | LOCAL] {TEMP | TEMPORARY} TABLE ...;
// nil when the words are not that (the caller fails on them).
func (p *parser) createTemp(start token) ast.Statement {
	var o tempOpts
	if p.isKw("global") || p.isKw("local") {
		if n := p.peekN(1); !isKw(n, "temp") && !isKw(n, "temporary") {
			return nil
		}
		o.global = p.next().val == "global"
	}
	p.i++ // TEMP or TEMPORARY
	if t := p.peek(); !isKw(t, "table") {
		if t.kind == tIdent && !t.quoted {
			p.notYet(t, "CREATE TEMP "+objectWords(t.val))
		}
		p.fail(t)
	}
	return p.createCollection(start, ast.KindStrict, &o)
}

// createCollection parses CREATE COLLECTION|TABLE|TIMESERIES; temp is
// set for CREATE TEMP TABLE.
func (p *parser) createCollection(start token, kind ast.CollectionKind, temp *tempOpts) ast.Statement {
	p.i++ // object keyword
	c := &ast.CreateCollection{Pos: start.pos, Kind: kind}
	c.IfNotExists = p.ifNotExists()
	if kind == ast.KindStrict {
		c.Name, c.Temp = p.newTableName(temp != nil)
		c.Global = temp != nil && temp.global
	} else {
		c.Name = p.newRelName()
	}
	if kind == ast.KindStrict && (p.isKw("as") || p.isKw("on") || (p.isOp("(") && p.peekN(1).kind == tIdent &&
		(isOp(p.peekN(2), ",") || isOp(p.peekN(2), ")")))) {
		return p.createTableAs(c)
	}
	if kind == ast.KindSchemaless && p.acceptKw("type") {
		t := p.next()
		switch {
		case isKw(t, "document"):
			if p.acceptKw("strict") {
				c.Kind = ast.KindStrict
			} else {
				p.acceptKw("schemaless")
			}
		case isKw(t, "strict"):
			c.Kind = ast.KindStrict
		case isKw(t, "key_value") || isKw(t, "kv"):
			c.Kind = ast.KindKeyValue
		case isKw(t, "columnar"):
			c.Kind = ast.KindColumnar
		case isKw(t, "timeseries"):
			c.Kind = ast.KindTimeseries
		default:
			p.fail(t)
		}
	}
	if p.isOp("(") {
		p.tableElements(c)
	} else if kind == ast.KindStrict {
		p.fail(p.peek())
	}
	if p.acceptKw("with") {
		c.With = p.options()
	}
	if kind == ast.KindStrict {
		c.OnCommit = p.onCommit(c.Temp)
	}
	return c
}

// newTableName reads the name of a table CREATE [TEMP] TABLE makes:
// [schema.]name, where schema pg_temp makes a temporary table and
// public a permanent one (a TEMP table there is 42P16); temp reports
// whether the table is temporary.
func (p *parser) newTableName(tempKw bool) (name string, temp bool) {
	t := p.peek()
	schema, n := p.schemaName()
	switch schema {
	case "":
		return n, tempKw
	case "pg_temp":
		return n, true
	case "public":
		if tempKw {
			p.throw(errs.New(codeInvalidTableDefinition, "cannot create temporary relation in non-temporary schema").WithPosition(t.pos))
		}
		return n, false
	}
	p.throw(errs.Errorf(errs.InvalidSchemaName, "schema \"%s\" does not exist", schema).WithPosition(t.pos))
	return "", false
}

// onCommit parses [ON COMMIT {PRESERVE ROWS | DELETE ROWS | DROP}], only
// allowed on a temporary table.
func (p *parser) onCommit(temp bool) ast.OnCommit {
	if !p.isKw("on") || !isKw(p.peekN(1), "commit") {
		return ""
	}
	on := p.peek()
	p.i += 2
	var oc ast.OnCommit
	switch {
	case p.acceptKws("preserve", "rows"):
		oc = ast.OnCommitPreserve
	case p.acceptKws("delete", "rows"):
		oc = ast.OnCommitDelete
	case p.acceptKw("drop"):
		oc = ast.OnCommitDrop
	default:
		if isKw(p.peek(), "preserve") || isKw(p.peek(), "delete") {
			p.i++
		}
		p.fail(p.peek())
	}
	if !temp {
		p.throw(errs.New(codeInvalidTableDefinition, "ON COMMIT can only be used on temporary tables").WithPosition(on.pos))
	}
	return oc
}

// tableElements parses ( coldef | PRIMARY KEY (..) | UNIQUE (..), ... ).
func (p *parser) tableElements(c *ast.CreateCollection) {
	p.expectOp("(")
	cols := map[string]bool{}
	pkTok := token{}
	hasPK := false
	setPK := func(t token, names []string) {
		if hasPK {
			p.throw(errs.Errorf(codeInvalidTableDefinition,
				"multiple primary keys for table \"%s\" are not allowed", c.Name).WithPosition(t.pos))
		}
		hasPK, pkTok = true, t
		c.PrimaryKey = names
	}
	for {
		t := p.peek()
		cname := ""
		if isKw(t, "constraint") {
			p.i++
			cname = p.name()
			t = p.peek()
		}
		switch {
		case isKw(t, "like") && cname == "":
			p.i++
			c.Likes = append(c.Likes, p.likeDef(t, len(c.Columns)))
		case isKw(t, "primary"):
			p.expectKw("primary", "key")
			setPK(t, p.parenNames(false))
		case isKw(t, "unique"):
			p.i++
			c.Uniques = append(c.Uniques, p.parenNames(false))
			c.UniqueNames = append(c.UniqueNames, cname)
		case isKw(t, "check"):
			c.Checks = append(c.Checks, p.checkDef(cname))
		case isKw(t, "foreign"):
			c.ForeignKeys = append(c.ForeignKeys, p.foreignKeyDef(cname))
		default:
			def := p.columnDef()
			if cols[def.Name] {
				p.throw(errs.Errorf(errs.DuplicateColumn, "column \"%s\" specified more than once", def.Name).WithPosition(def.Pos))
			}
			cols[def.Name] = true
			if def.PrimaryKey {
				setPK(t, []string{def.Name})
			}
			c.Columns = append(c.Columns, def)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	_ = pkTok
	p.expectOp(")")
}

// columnDef parses name type [constraints...].
func (p *parser) columnDef() ast.ColumnDef {
	t := p.peek()
	d := ast.ColumnDef{Pos: t.pos, Name: p.name()}
	ts := p.typeName()
	d.Type, d.TypeName, d.TypeMod, d.Array = ts.t, ts.name, ts.mod, ts.array
	named := "" // a CONSTRAINT name, for the constraint that follows it
	for {
		switch {
		case p.acceptKws("primary", "key"):
			d.PrimaryKey = true
		case p.acceptKws("not", "null"):
			d.NotNull = true
		case p.acceptKw("null"):
		case p.acceptKw("unique"):
			d.Unique, d.UniqueName = true, named
		case p.acceptKw("time_key"):
			d.TimeKey = true
		case p.isKw("default"):
			if d.Default != nil {
				p.failf(p.peek(), "multiple default values specified for column \"%s\"", d.Name)
			}
			p.i++
			d.Default = p.expr(precCmp)
		case p.isKw("constraint") && isKw(p.peekN(2), "check"):
			p.i++
			name := p.name()
			d.Checks = append(d.Checks, p.checkDef(name))
		case p.isKw("constraint") && isKw(p.peekN(2), "references"):
			p.i++
			name := p.name()
			d.References = append(d.References, p.references(name, []string{d.Name}))
		case p.isKw("references"):
			d.References = append(d.References, p.references("", []string{d.Name}))
		case p.isKw("constraint"):
			p.i++
			named = p.name()
			continue
		case p.isKw("check"):
			d.Checks = append(d.Checks, p.checkDef(""))
		case p.isKw("generated") && (isKw(p.peekN(1), "always") || isKw(p.peekN(1), "by")):
			p.i++
			d.Identity = "ALWAYS"
			if p.acceptKw("by") {
				p.expectKw("default")
				d.Identity = "BY DEFAULT"
			} else {
				p.expectKw("always")
			}
			if !p.acceptKws("as", "identity") {
				p.notYet(p.peek(), "GENERATED ... AS (expression) columns")
			}
			if p.acceptOp("(") {
				d.IdentityOpt = p.seqOptions(false)
				p.expectOp(")")
			}
		case p.isKw("generated") || p.isKw("collate"):
			p.notYet(p.peek(), strings.ToUpper(p.peek().val)+" in column definitions")
		default:
			return d
		}
		named = ""
	}
}

// options parses ( key = value, ... ).
func (p *parser) options() []ast.Option {
	p.expectOp("(")
	var out []ast.Option
	for {
		t := p.peek()
		o := ast.Option{Pos: t.pos, Key: strings.ToLower(p.label())}
		p.expectOp("=")
		o.Value = p.expr(0)
		out = append(out, o)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	return out
}

// createIndex parses CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON t (cols)
// or ON t FIELDS a, b.
func (p *parser) createIndex(start token) ast.Statement {
	ci := &ast.CreateIndex{Pos: start.pos}
	ci.Unique = p.acceptKw("unique")
	p.expectKw("index")
	ci.Concurrently = p.acceptKw("concurrently")
	ci.IfNotExists = p.ifNotExists()
	if !p.isKw("on") {
		ci.Name = p.name()
	}
	p.expectKw("on")
	p.acceptKw("only")
	ci.Table = p.relName()
	if p.acceptKw("using") {
		p.name()
	}
	if p.acceptKw("fields") {
		ci.Columns = p.nameList(true)
	} else {
		p.indexElems(ci)
		if p.acceptKw("include") {
			ci.Include = p.parenNames(false)
		}
		if p.acceptKw("with") {
			p.storageParams()
		}
		if p.acceptKw("where") {
			ci.Where = p.expr(0)
		}
	}
	return ci
}

// indexElems parses an index's parenthesized key elements into ci (also
// ON CONFLICT's target).
func (p *parser) indexElems(ci *ast.CreateIndex) {
	p.expectOp("(")
	for {
		p.indexElem(ci)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
}

// indexElem parses one key element of CREATE INDEX: a column (a dotted
// field path), a function call or a parenthesized expression, then an
// optional COLLATE, operator class, ASC/DESC and NULLS FIRST/LAST, which
// change nothing here (keys sort bytewise, NULLs apart).
func (p *parser) indexElem(ci *ast.CreateIndex) {
	var e ast.Expr
	switch t := p.peek(); {
	case isOp(t, "("):
		p.i++
		e = p.expr(0)
		p.expectOp(")")
	case t.kind == tIdent && isOp(p.peekN(1), "("):
		e = p.prefix()
	}
	if c, ok := e.(*ast.ColumnRef); ok {
		// (a) is the column a.
		ci.Columns, e = append(ci.Columns, strings.Join(c.Parts, ".")), nil
	} else if e == nil {
		ci.Columns = append(ci.Columns, p.qualifiedName())
	} else {
		if ci.Exprs == nil {
			ci.Exprs = make([]ast.Expr, len(ci.Columns))
		}
		ci.Columns = append(ci.Columns, "")
	}
	if ci.Exprs != nil {
		ci.Exprs = append(ci.Exprs, e)
	}
	var o ast.IndexElemOpts
	if p.acceptKw("collate") {
		o.Collate = p.qualifiedLabelOrString()
	}
	if t := p.peek(); t.kind == tIdent && !isKw(t, "asc") && !isKw(t, "desc") && !isKw(t, "nulls") {
		o.OpClass = p.qualifiedName() // text_pattern_ops, ...
	}
	if !p.acceptKw("asc") {
		o.Desc = p.acceptKw("desc")
	}
	if p.acceptKw("nulls") {
		o.Nulls = "first"
		if !p.acceptKw("first") {
			p.expectKw("last")
			o.Nulls = "last"
		}
	}
	if o != (ast.IndexElemOpts{}) && ci.Opts == nil {
		ci.Opts = make([]ast.IndexElemOpts, len(ci.Columns)-1)
	}
	if ci.Opts != nil {
		ci.Opts = append(ci.Opts, o)
	}
}

// storageParams reads (name [= value], ...) after WITH: an index's or a
// table's storage parameters (fillfactor, ...), which tune PostgreSQL's
// pages and mean nothing here.
func (p *parser) storageParams() {
	p.expectOp("(")
	for {
		p.qualifiedName()
		if p.acceptOp("=") {
			p.prefix()
		}
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
}

// createSortedIndex parses CREATE SORTED INDEX [IF NOT EXISTS] name ON t
// (col [ASC|DESC], ...) KEY col.
func (p *parser) createSortedIndex(start token) ast.Statement {
	p.expectKw("sorted", "index")
	ci := &ast.CreateSortedIndex{Pos: start.pos}
	ci.IfNotExists = p.ifNotExists()
	ci.Name = p.name()
	p.expectKw("on")
	p.acceptKw("only")
	ci.Table = p.relName()
	p.expectOp("(")
	for {
		ci.Columns = append(ci.Columns, p.qualifiedName())
		desc := false
		if !p.acceptKw("asc") {
			desc = p.acceptKw("desc")
		}
		ci.Desc = append(ci.Desc, desc)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
	p.expectKw("key")
	ci.Key = p.qualifiedName()
	return ci
}

// drop dispatches on the object keyword after DROP.
func (p *parser) drop() ast.Statement {
	start := p.expectKw("drop")
	t := p.peek()
	if t.kind == tIdent && !t.quoted {
		switch t.val {
		case "collection", "table", "timeseries":
			p.i++
			d := &ast.DropCollection{Pos: start.pos, Table: t.val == "table"}
			d.IfExists = p.ifExists()
			d.Names = p.relList()
			for {
				switch {
				case p.acceptKw("purge"):
					d.Purge = true
				case p.acceptKw("cascade"):
					d.Cascade = true
				case p.acceptKw("restrict"):
				default:
					return d
				}
			}
		case "trigger":
			return p.dropTrigger(start)
		case "extension":
			p.i++
			d := &ast.DropExtension{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Names = p.nameList(false)
			d.Cascade = p.cascadeOpt()
			return d
		case "type":
			p.i++
			d := &ast.DropType{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Names = p.relList()
			d.Cascade = p.cascadeOpt()
			return d
		case "topic":
			p.i++
			d := &ast.DropTopic{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Name = p.name()
			return d
		case "view":
			p.i++
			d := &ast.DropView{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Names = p.relList()
			d.Cascade = p.cascadeOpt()
			return d
		case "sorted", "index":
			d := &ast.DropIndex{Pos: start.pos, Sorted: t.val == "sorted"}
			if d.Sorted {
				p.i++
				if !p.isKw("index") {
					p.fail(p.peek())
				}
			}
			p.i++
			d.Concurrently = !d.Sorted && p.acceptKw("concurrently")
			d.IfExists = p.ifExists()
			d.Name = p.relName()
			if p.acceptKw("on") {
				d.Table = p.relName()
			}
			if !p.acceptKw("cascade") {
				p.acceptKw("restrict")
			}
			return d
		case "change":
			return p.dropChangeStream(start)
		case "consumer":
			return p.dropConsumerGroup(start)
		case "schedule":
			return p.dropSchedule(start)
		case "function":
			p.i++
			d := &ast.DropFunction{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Name = p.name()
			if p.acceptOp("(") {
				for !p.acceptOp(")") && p.peek().kind != tEOF {
					p.i++
				}
			}
			return d
		case "procedure":
			p.i++
			d := &ast.DropProcedure{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Name = p.name()
			if p.acceptOp("(") {
				for !p.acceptOp(")") && p.peek().kind != tEOF {
					p.i++
				}
			}
			return d
		case "materialized":
			p.expectKw("materialized", "view")
			d := &ast.DropMaterializedView{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Name = p.name()
			return d
		case "sequence":
			p.i++
			d := &ast.DropSequence{Pos: start.pos}
			d.IfExists = p.ifExists()
			d.Names = p.relList()
			if !p.acceptKw("cascade") {
				p.acceptKw("restrict")
			}
			return d
		case "user", "role", "rls",
			"policy", "tenant", "continuous", "vector", "search", "schema",
			"database", "owned":
			p.notYet(t, "DROP "+objectWords(t.val))
		}
	}
	p.fail(t)
	return nil
}

func (p *parser) undrop() ast.Statement {
	start := p.expectKw("undrop")
	if !p.acceptKw("collection") {
		p.expectKw("table")
	}
	return &ast.UndropCollection{Pos: start.pos, Name: p.name()}
}

// alter parses ALTER TABLE|COLLECTION name ADD [COLUMN] [IF NOT EXISTS] def
// and ALTER CONSUMER GROUP.
func (p *parser) alter() ast.Statement {
	start := p.expectKw("alter")
	if p.isKw("consumer") {
		return p.alterConsumerGroup(start)
	}
	if p.isKw("change") {
		return p.alterChangeStream(start)
	}
	if p.isKw("trigger") {
		return p.alterTrigger(start)
	}
	if p.isKw("schedule") {
		return p.alterSchedule(start)
	}
	if p.acceptKw("sequence") {
		as := &ast.AlterSequence{Pos: start.pos}
		as.IfExists = p.ifExists()
		as.Name = p.relName()
		if p.acceptKws("owner", "to") {
			return &ast.AlterOwner{Pos: start.pos, Kind: "SEQUENCE", Name: as.Name, Role: p.roleName()}
		}
		as.Options = p.seqOptions(true)
		return as
	}
	if p.acceptKw("type") {
		return p.alterEnum(start)
	}
	if p.acceptKw("index") {
		ri := &ast.RenameIndex{Pos: start.pos}
		ri.IfExists = p.ifExists()
		ri.Name = p.relName()
		if !p.acceptKws("rename", "to") {
			t := p.peek()
			if t.kind == tIdent && !t.quoted {
				p.notYet(t, "ALTER INDEX ... "+strings.ToUpper(t.val))
			}
			p.fail(t)
		}
		ri.To = p.name()
		return ri
	}
	if p.isKw("schema") && isKw(p.peekN(2), "owner") {
		p.i++
		name := p.name()
		p.expectKw("owner", "to")
		return &ast.AlterOwner{Pos: start.pos, Kind: "SCHEMA", Name: name, Role: p.roleName()}
	}
	if p.acceptKw("view") {
		name := p.relName()
		p.expectKw("owner", "to")
		return &ast.AlterOwner{Pos: start.pos, Kind: "VIEW", Name: name, Role: p.roleName()}
	}
	if !p.acceptKw("table") && !p.acceptKw("collection") {
		t := p.peek()
		if t.kind == tIdent && !t.quoted {
			p.notYet(t, "ALTER "+strings.ToUpper(t.val))
		}
		p.fail(t)
	}
	ifExists := p.ifExists()
	p.acceptKw("only") // no table has descendants
	table := p.relName()
	st := p.alterTable(start, table)
	if ifExists {
		return &ast.AlterIfExists{Pos: start.pos, Table: table, Stmt: st}
	}
	return st
}

// alterTable parses what follows ALTER TABLE name.
func (p *parser) alterTable(start token, table string) ast.Statement {
	switch {
	case p.acceptKw("alter"):
		p.acceptKw("column")
		ac := &ast.AlterColumn{Pos: start.pos, Table: table, Column: p.name()}
		switch {
		case p.acceptKws("set", "default"):
			ac.Action, ac.Default = "SET DEFAULT", p.expr(0)
		case p.acceptKws("drop", "default"):
			ac.Action = "DROP DEFAULT"
		case p.acceptKws("set", "not", "null"):
			ac.Action = "SET NOT NULL"
		case p.acceptKws("drop", "not", "null"):
			ac.Action = "DROP NOT NULL"
		case p.acceptKws("set", "data", "type"), p.acceptKw("type"):
			ts := p.typeName()
			ac.Action, ac.Type, ac.TypeName, ac.TypeMod, ac.Array = "TYPE", ts.t, ts.name, ts.mod, ts.array
			if p.isKw("collate") {
				p.notYet(p.peek(), "COLLATE")
			}
			if p.acceptKw("using") {
				ac.Using = p.expr(0)
			}
		case p.acceptKws("add", "generated"):
			ac.Action, ac.Identity = "ADD IDENTITY", "ALWAYS"
			if p.acceptKw("by") {
				p.expectKw("default")
				ac.Identity = "BY DEFAULT"
			} else {
				p.expectKw("always")
			}
			p.expectKw("as", "identity")
			if p.acceptOp("(") {
				ac.IdentityOpt = p.seqOptions(false)
				p.expectOp(")")
			}
		default:
			t := p.peek()
			if t.kind == tIdent && !t.quoted {
				p.notYet(t, "ALTER TABLE ... ALTER COLUMN ... "+strings.ToUpper(t.val))
			}
			p.fail(t)
		}
		return ac
	case p.isKw("rename"):
		if isKw(p.peekN(1), "to") {
			p.i += 2
			return &ast.RenameTable{Pos: start.pos, Table: table, To: p.name()}
		}
		if isKw(p.peekN(1), "constraint") {
			p.i += 2
			rc := &ast.RenameConstraint{Pos: start.pos, Table: table, From: p.name()}
			p.expectKw("to")
			rc.To = p.name()
			return rc
		}
		p.i++
		p.acceptKw("column")
		rc := &ast.RenameColumn{Pos: start.pos, Table: table, From: p.name()}
		p.expectKw("to")
		rc.To = p.name()
		return rc
	}
	if p.isKw("add") && (isKw(p.peekN(1), "check") || (isKw(p.peekN(1), "constraint") && isKw(p.peekN(3), "check"))) {
		p.i++
		name := ""
		if p.acceptKw("constraint") {
			name = p.name()
		}
		ac := &ast.AddCheck{Pos: start.pos, Table: table, Check: p.checkDef(name)}
		ac.NotValid = p.acceptKws("not", "valid")
		return ac
	}
	if p.acceptKws("validate", "constraint") {
		return &ast.ValidateConstraint{Pos: start.pos, Table: table, Name: p.name()}
	}
	if p.acceptKws("owner", "to") {
		return &ast.AlterOwner{Pos: start.pos, Kind: "TABLE", Name: table, Role: p.roleName()}
	}
	if k := p.peekN(1); p.isKw("add") && (isKw(k, "primary") || isKw(k, "unique") ||
		(isKw(k, "constraint") && (isKw(p.peekN(3), "primary") || isKw(p.peekN(3), "unique")))) {
		p.i++
		ak := &ast.AddKey{Pos: start.pos, Table: table}
		if p.acceptKw("constraint") {
			ak.Name = p.name()
		}
		if p.acceptKws("primary", "key") {
			ak.Primary = true
		} else {
			p.expectKw("unique")
		}
		if p.isKw("using") {
			p.notYet(p.peek(), "ADD CONSTRAINT ... USING INDEX")
		}
		ak.Columns = p.parenNames(false)
		return ak
	}
	if p.isKw("add") && (isKw(p.peekN(1), "foreign") || (isKw(p.peekN(1), "constraint") && isKw(p.peekN(3), "foreign"))) {
		p.i++
		name := ""
		if p.acceptKw("constraint") {
			name = p.name()
		}
		af := &ast.AddForeignKey{Pos: start.pos, Table: table, FK: p.foreignKeyDef(name)}
		af.NotValid = p.acceptKws("not", "valid")
		return af
	}
	if p.isKw("drop") && !isKw(p.peekN(1), "constraint") {
		p.i++
		p.acceptKw("column")
		dc := &ast.DropColumn{Pos: start.pos, Table: table}
		dc.IfExists = p.ifExists()
		dc.Column = p.name()
		if p.acceptKw("cascade") {
			dc.Cascade = true
		} else {
			p.acceptKw("restrict")
		}
		return dc
	}
	if p.acceptKws("drop", "constraint") {
		dc := &ast.DropConstraint{Pos: start.pos, Table: table}
		dc.IfExists = p.ifExists()
		dc.Name = p.name()
		if !p.acceptKw("cascade") {
			p.acceptKw("restrict")
		}
		return dc
	}
	a := &ast.AlterAddColumn{Pos: start.pos}
	a.Table = table
	if !p.isKw("add") {
		t := p.peek()
		if t.kind == tIdent && !t.quoted {
			p.notYet(t, "ALTER TABLE ... "+strings.ToUpper(t.val))
		}
		p.fail(t)
	}
	p.i++
	p.acceptKw("column")
	a.IfNotExists = p.ifNotExists()
	if p.isKw("primary") || p.isKw("unique") || p.isKw("constraint") {
		p.notYet(p.peek(), "ALTER TABLE ... ADD CONSTRAINT")
	}
	a.Column = p.columnDef()
	return a
}

// show parses SHOW COLLECTIONS|TABLES|INDEXES [ON t]|ALL|TRANSACTION
// ISOLATION LEVEL|<variable>.
func (p *parser) show() ast.Statement {
	start := p.expectKw("show")
	s := &ast.Show{Pos: start.pos}
	t := p.peek()
	switch {
	case isKw(t, "indexes") || isKw(t, "index"):
		p.i++
		s.What = "indexes"
		if p.acceptKw("on") || p.acceptKw("from") {
			s.Table = p.qualifiedName()
		}
		return s
	case isKw(t, "transaction"):
		p.expectKw("transaction", "isolation", "level")
		s.What = "transaction_isolation"
		return s
	case isKw(t, "time"):
		p.expectKw("time", "zone")
		s.What = "timezone"
		return s
	case isKw(t, "change"), isKw(t, "consumer"), isKw(t, "partitions"):
		return p.showStreamInfo(start)
	case isKw(t, "dead"):
		return p.deadLetters(start, "show")
	case isKw(t, "triggers"), isKw(t, "trigger"):
		return p.showTriggers(start)
	case isKw(t, "schedules"), isKw(t, "schedule"):
		return p.showSchedules(start)
	case isKw(t, "changes"):
		p.i++
		sc := &ast.ShowChanges{Pos: start.pos}
		p.expectKw("for")
		sc.Collection = p.name()
		if p.acceptKw("since") {
			if p.acceptKw("lsn") {
				sc.SinceLSN = p.expr(0)
			} else {
				sc.Since = p.expr(0)
			}
		}
		if p.acceptKw("limit") {
			sc.Limit = p.expr(0)
		}
		return sc
	case t.kind == tIdent:
		p.i++
		s.What = t.val
		for p.isOp(".") && p.peekN(1).kind == tIdent {
			p.i++
			s.What += "." + p.next().val
		}
		return s
	}
	p.fail(t)
	return nil
}

func (p *parser) describe() ast.Statement {
	start := p.expectKw("describe")
	return &ast.Describe{Pos: start.pos, Name: p.qualifiedName()}
}

// analyze parses ANALYZE [VERBOSE] [name [(columns)] [, ...]]. A column
// list is accepted and ignored: every column is analyzed.
func (p *parser) analyze() ast.Statement {
	a := &ast.Analyze{Pos: p.next().pos}
	p.acceptKw("verbose")
	a.Tables = p.tableList()
	return a
}

// tableList parses ANALYZE's and VACUUM's optional [name [(columns)] [,
// ...]] up to the statement's end; column lists are accepted and ignored.
func (p *parser) tableList() []string {
	var names []string
	if p.isOp(";") || p.peek().kind == tEOF {
		return nil
	}
	for {
		names = append(names, p.qualifiedName())
		if p.isOp("(") {
			p.parenNames(false)
		}
		if !p.acceptOp(",") {
			return names
		}
	}
}

// vacuum parses VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [name [(columns)]
// [, ...]] and VACUUM (option [value] [, ...]) [names], PostgreSQL's forms;
// of the options only ANALYZE changes what it does.
func (p *parser) vacuum() ast.Statement {
	v := &ast.Vacuum{Pos: p.expectKw("vacuum").pos}
	if p.isOp("(") {
		valued := func(key string) bool {
			return key == "index_cleanup" || key == "parallel" || key == "buffer_usage_limit"
		}
		p.optionList(valued, func(t token, key string, on bool) {
			switch key {
			case "analyze", "analyse":
				v.Analyze = on
			case "verbose":
				v.Verbose = on
			case "full", "freeze", "skip_locked", "index_cleanup", "process_main", "process_toast",
				"truncate", "parallel", "disable_page_skipping", "skip_database_stats", "only_database_stats", "buffer_usage_limit":
			default:
				p.failf(t, "unrecognized VACUUM option \"%s\"", key)
			}
		})
	} else {
		for {
			if p.acceptKw("verbose") {
				v.Verbose = true
			} else if !p.acceptKw("full") && !p.acceptKw("freeze") {
				break
			}
		}
		if p.acceptKw("analyze") || p.acceptKw("analyse") {
			v.Analyze = true
		}
		if p.acceptKw("verbose") {
			v.Verbose = true
		}
	}
	v.Tables = p.tableList()
	return v
}

// optionList parses PostgreSQL's parenthesized option list, "(name
// [value] [, ...])", the parser at its "(": set gets each option's token,
// name and boolean value (true when none is given); an option valued
// says takes a value of another kind (FORMAT TEXT), which is skipped.
func (p *parser) optionList(valued func(key string) bool, set func(t token, key string, on bool)) {
	p.expectOp("(")
	for {
		t := p.peek()
		key := p.label()
		on := true
		if !p.isOp(",") && !p.isOp(")") {
			if valued(key) {
				p.next()
			} else {
				on = p.boolOpt()
			}
		}
		set(t, key, on)
		if !p.acceptOp(",") {
			break
		}
	}
	p.expectOp(")")
}

// explain parses EXPLAIN [ANALYZE] [VERBOSE] stmt and EXPLAIN (opts) stmt.
func (p *parser) explain() ast.Statement {
	e := &ast.Explain{Pos: p.expectKw("explain").pos}
	if p.isOp("(") && !p.startsQuery() {
		p.optionList(func(key string) bool { return key == "format" }, func(t token, key string, on bool) {
			switch key {
			case "analyze", "analyse":
				e.Analyze = on
			case "verbose", "costs", "buffers", "timing", "summary", "settings", "wal", "format":
			default:
				p.failf(t, "unrecognized EXPLAIN option \"%s\"", key)
			}
		})
	} else {
		if p.acceptKw("analyze") || p.acceptKw("analyse") {
			e.Analyze = true
		}
		p.acceptKw("verbose")
	}
	t := p.peek()
	if isKw(t, "explain") {
		p.fail(t)
	}
	e.Stmt = p.statement()
	return e
}

// createView parses VIEW name [(cols)] AS query after CREATE [OR REPLACE].
func (p *parser) createView(start token, orReplace bool) ast.Statement {
	p.expectKw("view")
	v := &ast.CreateView{Pos: start.pos, OrReplace: orReplace}
	v.Name = p.newRelName()
	if isOp(p.peek(), "(") {
		v.Columns = p.parenNames(false)
	}
	p.expectKw("as")
	v.Query = p.query()
	return v
}

// seqOptions parses a sequence's options, in any order: AS type,
// INCREMENT [BY] n, MINVALUE n | NO MINVALUE, MAXVALUE n | NO MAXVALUE,
// START [WITH] n, CACHE n, [NO] CYCLE, OWNED BY t.c | NONE, and with
// alter RESTART [[WITH] n].
func (p *parser) seqOptions(alter bool) ast.SeqOptions {
	var o ast.SeqOptions
	for {
		switch {
		case p.acceptKw("as"):
			o.Type = p.typeName().name
		case p.acceptKw("increment"):
			p.acceptKw("by")
			o.Inc = p.seqInt()
		case p.acceptKw("minvalue"):
			o.Min = p.seqInt()
		case p.acceptKw("maxvalue"):
			o.Max = p.seqInt()
		case p.acceptKws("no", "minvalue"):
			o.NoMin = true
		case p.acceptKws("no", "maxvalue"):
			o.NoMax = true
		case p.acceptKws("no", "cycle"):
			f := false
			o.Cycle = &f
		case p.acceptKw("cycle"):
			t := true
			o.Cycle = &t
		case p.acceptKw("start"):
			p.acceptKw("with")
			o.Start = p.seqInt()
		case p.acceptKw("cache"):
			o.Cache = p.seqInt()
		case !alter && p.isKw("sequence") && isKw(p.peekN(1), "name"):
			p.i += 2
			o.Name = p.newRelName()
		case p.acceptKws("owned", "by"):
			if p.acceptKw("none") {
				o.OwnedBy = []string{"none"}
			} else {
				o.OwnedBy = strings.Split(p.qualifiedName(), ".")
				if len(o.OwnedBy) == 3 && o.OwnedBy[0] == "public" {
					o.OwnedBy = o.OwnedBy[1:]
				}
			}
		case alter && p.acceptKw("restart"):
			o.Restart = true
			if p.acceptKw("with") || p.peek().kind == tInt || isOp(p.peek(), "-") {
				o.RestartWith = p.seqInt()
			}
		default:
			return o
		}
	}
}

// seqInt parses an optionally negative integer literal.
func (p *parser) seqInt() *int64 {
	neg := p.acceptOp("-")
	if !neg {
		p.acceptOp("+")
	}
	t := p.next()
	if t.kind != tInt {
		p.fail(t)
	}
	v := t.ival
	if neg {
		v = -v
	}
	return &v
}

// roleName parses a role: a name, CURRENT_USER, SESSION_USER or
// CURRENT_ROLE (the session's user).
func (p *parser) roleName() string {
	switch t := p.peek(); {
	case isKw(t, "current_user"), isKw(t, "session_user"), isKw(t, "current_role"):
		p.i++
		return strings.ToUpper(t.val)
	}
	return p.label()
}

// foreignKeyDef parses FOREIGN KEY (cols) REFERENCES ...
func (p *parser) foreignKeyDef(name string) ast.ForeignKeyDef {
	p.expectKw("foreign", "key")
	cols := p.parenNames(false)
	return p.references(name, cols)
}

// references parses REFERENCES t [(cols)] [MATCH FULL|SIMPLE] [ON DELETE
// action] [ON UPDATE action] [[NOT] DEFERRABLE] [INITIALLY DEFERRED |
// IMMEDIATE] for the referencing columns cols.
func (p *parser) references(name string, cols []string) ast.ForeignKeyDef {
	t := p.expectKw("references")
	d := ast.ForeignKeyDef{Pos: t.pos, Name: name, Columns: cols, RefTable: p.relName()}
	if p.isOp("(") {
		d.RefColumns = p.parenNames(false)
	}
	notDeferrable := false
	for {
		switch {
		case p.acceptKw("match"):
			switch m := p.peek(); {
			case p.acceptKw("full"):
				d.MatchFull = true
			case p.acceptKw("simple"):
			case isKw(m, "partial"):
				p.notYet(m, "MATCH PARTIAL")
			default:
				p.fail(m)
			}
		case p.acceptKw("on"):
			del := p.acceptKw("delete")
			if !del {
				p.expectKw("update")
			}
			a := p.fkAction()
			if del {
				d.OnDelete = a
			} else {
				d.OnUpdate = a
			}
		case p.isKw("not") && isKw(p.peekN(1), "deferrable"):
			t := p.peek()
			p.i += 2
			if d.InitiallyDeferred {
				p.throw(errs.New(errs.SyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE").WithPosition(t.pos))
			}
			notDeferrable = true
		case p.acceptKw("deferrable"):
			d.Deferrable = true
		case p.acceptKws("initially", "immediate"):
			d.InitiallyDeferred = false
		case p.isKw("initially") && isKw(p.peekN(1), "deferred"):
			t := p.peek()
			p.i += 2
			if notDeferrable {
				p.throw(errs.New(errs.SyntaxError, "constraint declared INITIALLY DEFERRED must be DEFERRABLE").WithPosition(t.pos))
			}
			d.Deferrable, d.InitiallyDeferred = true, true
		default:
			return d
		}
	}
}

// fkAction parses a referential action.
func (p *parser) fkAction() string {
	t := p.peek()
	switch {
	case p.acceptKws("no", "action"):
		return "NO ACTION"
	case p.acceptKw("restrict"):
		return "RESTRICT"
	case p.acceptKw("cascade"):
		return "CASCADE"
	case p.acceptKw("set"):
		a := "SET NULL"
		if !p.acceptKw("null") {
			p.expectKw("default")
			a = "SET DEFAULT"
		}
		if p.isOp("(") {
			p.notYet(p.peek(), a+" with a column list")
		}
		return a
	}
	p.fail(t)
	return ""
}

// checkDef parses CHECK (expr) [NO INHERIT].
func (p *parser) checkDef(name string) ast.CheckDef {
	t := p.expectKw("check")
	p.expectOp("(")
	d := ast.CheckDef{Pos: t.pos, Name: name, Expr: p.expr(0)}
	p.expectOp(")")
	p.acceptKws("no", "inherit")
	return d
}

// comment parses COMMENT ON TABLE|VIEW|INDEX|SEQUENCE name | COLUMN
// [public.]rel.col IS 'text' | NULL.
func (p *parser) comment() ast.Statement {
	start := p.expectKw("comment")
	p.expectKw("on")
	c := &ast.Comment{Pos: start.pos}
	t := p.peek()
	switch {
	case p.acceptKw("table"):
		c.Kind = "TABLE"
	case p.acceptKw("view"):
		c.Kind = "VIEW"
	case p.acceptKw("index"):
		c.Kind = "INDEX"
	case p.acceptKw("sequence"):
		c.Kind = "SEQUENCE"
	case p.acceptKw("type"):
		c.Kind = "TYPE"
	case p.acceptKw("extension"):
		c.Kind = "EXTENSION"
	case p.acceptKw("column"):
		c.Kind = "COLUMN"
	case isName(t):
		p.notYet(t, "COMMENT ON "+strings.ToUpper(t.val))
	default:
		p.fail(t)
	}
	if c.Kind == "COLUMN" {
		parts := []string{p.name()}
		for p.acceptOp(".") {
			parts = append(parts, p.label())
		}
		switch {
		case len(parts) == 3 && parts[0] == "public":
			parts = parts[1:]
		case len(parts) == 3:
			p.throw(errs.Errorf(errs.InvalidSchemaName, "schema %q does not exist", parts[0]).WithPosition(t.pos))
		case len(parts) != 2:
			p.throw(errs.Errorf(errs.SyntaxError, "column name must be qualified").WithPosition(t.pos))
		}
		c.Name, c.Column = parts[0], parts[1]
	} else {
		c.Name = p.relName()
	}
	p.expectKw("is")
	if !p.acceptKw("null") {
		s := p.next()
		if s.kind != tString {
			p.fail(s)
		}
		c.Text = &s.val
	}
	return c
}

// createEnum parses, after CREATE, TYPE name AS ENUM ('label', ...).
func (p *parser) createEnum(start token) ast.Statement {
	p.expectKw("type")
	c := &ast.CreateEnum{Pos: start.pos, Name: p.relName()}
	p.expectKw("as", "enum")
	p.expectOp("(")
	if !p.acceptOp(")") {
		for {
			c.Labels = append(c.Labels, p.enumLabel())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")")
	}
	return c
}

// enumLabel reads an enum label: a string literal of at most 63 bytes
// (PostgreSQL's NAMEDATALEN-1), not empty.
func (p *parser) enumLabel() string {
	t := p.peek()
	l := p.stringLit("An enum label is a string literal: 'label'.")
	if l == "" || len(l) > 63 {
		p.throw(errs.Errorf(errs.InvalidParameterValue, "invalid enum label \"%s\"", l).
			WithDetail("Labels must be 63 bytes or less.").WithPosition(t.pos))
	}
	return l
}

// alterEnum parses, after ALTER TYPE, name ADD VALUE [IF NOT EXISTS]
// 'label' [BEFORE | AFTER 'label'], RENAME VALUE 'a' TO 'b', RENAME TO
// name, or OWNER TO role.
func (p *parser) alterEnum(start token) ast.Statement {
	a := &ast.AlterEnum{Pos: start.pos, Name: p.relName()}
	switch {
	case p.acceptKws("add", "value"):
		a.Action = "ADD VALUE"
		if p.acceptKws("if", "not", "exists") {
			a.IfNotExists = true
		}
		a.Label = p.enumLabel()
		if p.acceptKw("before") {
			a.Before = true
			a.Neighbor = p.stringLit("BEFORE names an existing label: 'label'.")
		} else if p.acceptKw("after") {
			a.Neighbor = p.stringLit("AFTER names an existing label: 'label'.")
		}
	case p.acceptKws("rename", "value"):
		a.Action = "RENAME VALUE"
		a.Label = p.stringLit("RENAME VALUE names an existing label: 'label'.")
		p.expectKw("to")
		a.To = p.enumLabel()
	case p.acceptKws("rename", "to"):
		a.Action = "RENAME"
		a.To = p.name()
	case p.acceptKws("owner", "to"):
		return &ast.AlterOwner{Pos: start.pos, Kind: "TYPE", Name: a.Name, Role: p.roleName()}
	default:
		p.notYet(p.peek(), "this ALTER TYPE")
	}
	return a
}

// createTableAs parses the rest of CREATE TABLE name [(col, ...)] AS
// query [WITH [NO] DATA].
func (p *parser) createTableAs(c *ast.CreateCollection) ast.Statement {
	ct := &ast.CreateTableAs{Pos: c.Pos, Name: c.Name, IfNotExists: c.IfNotExists, Temp: c.Temp, Global: c.Global}
	if p.isOp("(") {
		ct.Columns = p.parenNames(false)
	}
	ct.OnCommit = p.onCommit(c.Temp)
	p.expectKw("as")
	if p.isKw("execute") {
		p.notYet(p.peek(), "CREATE TABLE ... AS EXECUTE")
	}
	ct.Query = p.query()
	if p.acceptKw("with") {
		ct.NoData = p.acceptKw("no")
		p.expectKw("data")
	}
	return ct
}

// nameOrString reads a name or a string literal (VERSION '1.1').
func (p *parser) nameOrString() string {
	if t := p.peek(); t.kind == tString {
		p.i++
		return t.val
	}
	return p.name()
}

// cascadeOpt reads a DROP's [CASCADE | RESTRICT]: true for CASCADE.
func (p *parser) cascadeOpt() bool {
	if p.acceptKw("cascade") {
		return true
	}
	p.acceptKw("restrict")
	return false
}

// likeOptions are what LIKE's INCLUDING and EXCLUDING name.
var likeOptions = []string{"comments", "compression", "constraints", "defaults", "generated", "identity", "indexes", "statistics", "storage"}

// likeDef parses, after LIKE, t [{INCLUDING | EXCLUDING} option ...].
func (p *parser) likeDef(t token, at int) ast.LikeDef {
	l := ast.LikeDef{Pos: t.pos, Table: p.relName(), At: at, Including: map[string]bool{}}
	for {
		include := p.acceptKw("including")
		if !include && !p.acceptKw("excluding") {
			return l
		}
		o := p.peek()
		name := p.label()
		switch {
		case name == "all":
			for _, n := range likeOptions {
				l.Including[n] = include
			}
		case slices.Contains(likeOptions, name):
			l.Including[name] = include
		default:
			p.fail(o)
		}
	}
}
