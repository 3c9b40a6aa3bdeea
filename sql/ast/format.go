package ast

import (
	"sort"
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/sql/types"
)

// Format prints a statement, expression, table expression or select body as
// canonical SQL: keywords upper case, every compound expression fully
// parenthesized, identifiers quoted only when needed. The output parses back
// to an equal tree (positions aside), which the parser's golden tests check.
func Format(node any) string {
	var f formatter
	f.node(node)
	return f.b.String()
}

type formatter struct{ b strings.Builder }

func (f *formatter) w(ss ...string) {
	for _, s := range ss {
		f.b.WriteString(s)
	}
}

// quoteWords are words printed quoted when used as identifiers: every word
// the parser treats as reserved or as a clause continuation, plus a few that
// start special syntax in expression position.
var quoteWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric
		both case cast check collate column constraint create current_catalog current_date
		current_role current_time current_timestamp current_user current_schema default deferrable desc
		distinct do else end except false fetch for foreign from grant group having in
		initially intersect into lateral leading limit localtime localtimestamp not null
		offset on only or order placing primary references returning select session_user
		some symmetric table then to trailing true union unique user using variadic when
		where window with join inner left right full outer cross natural is isnull notnull
		like ilike between similar escape overlaps at set exists stream topic operator interval date time timetz timestamp timestamptz
		double character char varying`) {
		m[w] = true
	}
	return m
}()

func simpleIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_', c >= 0x80:
		case i > 0 && (c >= '0' && c <= '9' || c == '$'):
		default:
			return false
		}
	}
	return true
}

// QuoteIdent returns s as an identifier: bare when it is a lower-case plain
// word that is not a keyword, double-quoted otherwise.
func QuoteIdent(s string) string {
	if simpleIdent(s) && !quoteWords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLabel quotes s only when it is not a plain word (keywords are fine
// after AS and as option keys).
func quoteLabel(s string) string {
	if simpleIdent(s) {
		return s
	}
	return QuoteIdent(s)
}

// QuoteString returns s as a standard SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func quotePath(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = QuoteIdent(p)
	}
	return strings.Join(parts, ".")
}

func (f *formatter) names(ns []string, path bool) {
	for i, n := range ns {
		if i > 0 {
			f.w(", ")
		}
		if path {
			f.w(quotePath(n))
		} else {
			f.w(QuoteIdent(n))
		}
	}
}

func (f *formatter) exprs(es []Expr) {
	for i, e := range es {
		if i > 0 {
			f.w(", ")
		}
		f.expr(e)
	}
}

func (f *formatter) node(n any) {
	switch n := n.(type) {
	case nil:
	case Statement:
		f.stmt(n)
	case Expr:
		f.expr(n)
	case TableExpr:
		f.table(n)
	case SelectBody:
		f.body(n)
	default:
		f.w("<?>")
	}
}

// ---------------------------------------------------------------- statements

func (f *formatter) stmt(s Statement) {
	switch s := s.(type) {
	case *CreateCollection:
		f.createCollection(s)
	case *DropCollection:
		f.w("DROP COLLECTION ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.names(s.Names, false)
		if s.Purge {
			f.w(" PURGE")
		}
		if s.Cascade {
			f.w(" CASCADE")
		}
	case *UndropCollection:
		f.w("UNDROP COLLECTION ", QuoteIdent(s.Name))
	case *AlterColumn:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " ALTER COLUMN ", QuoteIdent(s.Column), " ")
		if s.Action == "TYPE" {
			f.w("TYPE ", typeText(s.Type, s.TypeName))
			if s.Array {
				f.w("[]")
			}
			if s.Using != nil {
				f.w(" USING ")
				f.expr(s.Using)
			}
		} else if s.Action == "ADD IDENTITY" {
			f.w("ADD GENERATED ", s.Identity, " AS IDENTITY")
			var opts formatter
			opts.seqOptions(s.IdentityOpt)
			if o := strings.TrimSpace(opts.b.String()); o != "" {
				f.w(" (", o, ")")
			}
		} else {
			f.w(s.Action)
		}
		if s.Default != nil {
			f.w(" ")
			f.expr(s.Default)
		}
	case *AddCheck:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " ADD ")
		f.check(s.Check)
		if s.NotValid {
			f.w(" NOT VALID")
		}
	case *ValidateConstraint:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " VALIDATE CONSTRAINT ", QuoteIdent(s.Name))
	case *AddKey:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " ADD ")
		if s.Name != "" {
			f.w("CONSTRAINT ", QuoteIdent(s.Name), " ")
		}
		if s.Primary {
			f.w("PRIMARY KEY (")
		} else {
			f.w("UNIQUE (")
		}
		f.names(s.Columns, false)
		f.w(")")
	case *RenameTable:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " RENAME TO ", QuoteIdent(s.To))
	case *DropColumn:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " DROP COLUMN ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Column))
		if s.Cascade {
			f.w(" CASCADE")
		}
	case *AlterOwner:
		f.w("ALTER ", s.Kind, " ", QuoteIdent(s.Name), " OWNER TO ", QuoteIdent(s.Role))
	case *DeclareCursor:
		f.w("DECLARE ", QuoteIdent(s.Name))
		if s.Binary {
			f.w(" BINARY")
		}
		switch s.Scroll {
		case 1:
			f.w(" SCROLL")
		case -1:
			f.w(" NO SCROLL")
		}
		f.w(" CURSOR")
		if s.Hold {
			f.w(" WITH HOLD")
		}
		f.w(" FOR ")
		f.query(s.Query)
	case *Fetch:
		if s.Move {
			f.w("MOVE ")
		} else {
			f.w("FETCH ")
		}
		switch {
		case s.All:
			f.w(s.Dir, " ALL")
		default:
			f.w(s.Dir, " ", strconv.FormatInt(s.Count, 10))
		}
		f.w(" FROM ", QuoteIdent(s.Name))
	case *CloseCursor:
		if s.All {
			f.w("CLOSE ALL")
		} else {
			f.w("CLOSE ", QuoteIdent(s.Name))
		}
	case *Comment:
		f.w("COMMENT ON ", s.Kind, " ", QuoteIdent(s.Name))
		if s.Kind == "COLUMN" {
			f.w(".", QuoteIdent(s.Column))
		}
		if s.Text == nil {
			f.w(" IS NULL")
		} else {
			f.w(" IS ", QuoteString(*s.Text))
		}
	case *AddForeignKey:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " ADD ")
		f.foreignKey(s.FK, false)
		if s.NotValid {
			f.w(" NOT VALID")
		}
	case *DropConstraint:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " DROP CONSTRAINT ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *RenameColumn:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " RENAME COLUMN ", QuoteIdent(s.From), " TO ", QuoteIdent(s.To))
	case *AlterAddColumn:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " ADD COLUMN ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.columnDef(&s.Column)
	case *CreateIndex:
		f.w("CREATE ")
		if s.Unique {
			f.w("UNIQUE ")
		}
		f.w("INDEX ")
		if s.Concurrently {
			f.w("CONCURRENTLY ")
		}
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		if s.Name != "" {
			f.w(QuoteIdent(s.Name), " ")
		}
		f.w("ON ", quotePath(s.Table), " ")
		f.indexKeys(s.Columns, s.Exprs, s.Opts)
		if len(s.Include) > 0 {
			f.w(" INCLUDE (")
			f.names(s.Include, false)
			f.w(")")
		}
		if s.Where != nil {
			f.w(" WHERE ")
			f.expr(s.Where)
		}
	case *CreateSortedIndex:
		f.w("CREATE SORTED INDEX ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " ON ", quotePath(s.Table), " (")
		for i, c := range s.Columns {
			if i > 0 {
				f.w(", ")
			}
			f.w(quotePath(c))
			if s.Desc[i] {
				f.w(" DESC")
			} else {
				f.w(" ASC")
			}
		}
		f.w(") KEY ", quotePath(s.Key))
	case *DropIndex:
		f.w("DROP ")
		if s.Sorted {
			f.w("SORTED ")
		}
		f.w("INDEX ")
		if s.Concurrently {
			f.w("CONCURRENTLY ")
		}
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
		if s.Table != "" {
			f.w(" ON ", quotePath(s.Table))
		}
	case *Show:
		f.show(s)
	case *Describe:
		f.w("DESCRIBE ", quotePath(s.Name))
	case *Analyze:
		f.w("ANALYZE")
		if len(s.Tables) > 0 {
			f.w(" ")
			f.names(s.Tables, true)
		}
	case *Insert:
		f.insert(s)
	case *Update:
		f.with(s.With)
		f.w("UPDATE ", quotePath(s.Table))
		if s.Alias != "" {
			f.w(" AS ", QuoteIdent(s.Alias))
		}
		f.w(" SET ")
		f.assignments(s.Set)
		if len(s.From) > 0 {
			f.w(" FROM ")
			f.tableList(s.From)
		}
		if s.Where != nil {
			f.w(" WHERE ")
			f.expr(s.Where)
		}
		f.returning(s.Returning)
	case *Delete:
		f.with(s.With)
		f.w("DELETE FROM ", quotePath(s.Table))
		if s.Alias != "" {
			f.w(" AS ", QuoteIdent(s.Alias))
		}
		if len(s.Using) > 0 {
			f.w(" USING ")
			f.tableList(s.Using)
		}
		if s.Where != nil {
			f.w(" WHERE ")
			f.expr(s.Where)
		}
		f.returning(s.Returning)
	case *Truncate:
		f.w("TRUNCATE ")
		f.names(s.Tables, true)
		if s.RestartIdentity {
			f.w(" RESTART IDENTITY")
		}
		if s.Cascade {
			f.w(" CASCADE")
		}
	case *CopyFrom:
		f.w("COPY ", quotePath(s.Table))
		if len(s.Columns) > 0 {
			f.w(" (")
			f.names(s.Columns, true)
			f.w(")")
		}
		f.w(" FROM STDIN")
		f.copyOptions(s.Format, s.Delimiter, s.Null, s.NullSet, s.Header)
	case *CopyTo:
		f.w("COPY ")
		if s.Query != nil {
			f.w("(")
			f.query(s.Query)
			f.w(")")
		} else {
			f.w(quotePath(s.Table))
			if len(s.Columns) > 0 {
				f.w(" (")
				f.names(s.Columns, true)
				f.w(")")
			}
		}
		f.w(" TO STDOUT")
		f.copyOptions(s.Format, s.Delimiter, s.Null, s.NullSet, s.Header)
	case *Select:
		f.query(s)
	case *Explain:
		f.w("EXPLAIN ")
		if s.Analyze {
			f.w("ANALYZE ")
		}
		f.stmt(s.Stmt)
	case *Begin:
		f.w("BEGIN")
		if s.Isolation != "" {
			f.w(" ISOLATION LEVEL ", s.Isolation)
		}
		if s.ReadOnly {
			f.w(" READ ONLY")
		}
	case *Commit:
		f.w("COMMIT")
	case *Rollback:
		f.w("ROLLBACK")
	case *Savepoint:
		f.w("SAVEPOINT ", QuoteIdent(s.Name))
	case *ReleaseSavepoint:
		f.w("RELEASE SAVEPOINT ", QuoteIdent(s.Name))
	case *RollbackTo:
		f.w("ROLLBACK TO SAVEPOINT ", QuoteIdent(s.Name))
	case *Set:
		f.set(s)
	case *Discard:
		f.w("DISCARD ", s.What)
	case *Checkpoint:
		f.w("CHECKPOINT")
	case *LockTable:
		f.w("LOCK TABLE ")
		f.names(s.Names, true)
		f.w(" IN ", s.Mode, " MODE")
		if s.NoWait {
			f.w(" NOWAIT")
		}
	case *CreateChangeStream, *DropChangeStream, *CreateConsumerGroup, *DropConsumerGroup,
		*CommitOffset, *AlterConsumerGroup, *ShowStreamInfo, *AlterChangeStream, *DeadLetters:
		f.streamStmt(s)
	case *CreateTrigger:
		f.w("CREATE ")
		if s.OrReplace {
			f.w("OR REPLACE ")
		}
		if s.Mode != "" {
			f.w(s.Mode, " ")
		}
		f.w("TRIGGER ", QuoteIdent(s.Name), " ", s.Timing, " ", strings.Join(s.Events, " OR "), " ON ",
			QuoteIdent(s.Collection), " FOR EACH ", s.ForEach)
		if s.When != "" {
			f.w(" WHEN (", s.When, ")")
		}
		if s.Priority != 0 {
			f.w(" PRIORITY ", strconv.Itoa(s.Priority))
		}
		if s.Definer {
			f.w(" SECURITY DEFINER")
		}
		f.options(s.With)
		f.w(" ", s.Body)
	case *Do:
		f.w("DO ", s.Body)
	case *CreateMaterializedView:
		f.w("CREATE MATERIALIZED VIEW ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
		if s.Streaming {
			f.w(" STREAMING")
		}
		f.w(" AS ", s.Query)
	case *DropMaterializedView:
		f.w("DROP MATERIALIZED VIEW ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *RefreshMaterializedView:
		f.w("REFRESH MATERIALIZED VIEW ", QuoteIdent(s.Name))
	case *CreateProcedure:
		f.w("CREATE ")
		if s.OrReplace {
			f.w("OR REPLACE ")
		}
		f.w("PROCEDURE ", QuoteIdent(s.Name), "(")
		for i, prm := range s.Params {
			if i > 0 {
				f.w(", ")
			}
			f.w(QuoteIdent(prm.Name), " ", prm.Type)
		}
		f.w(")")
		f.options(s.With)
		if s.Definer {
			f.w(" SECURITY DEFINER")
		}
		f.w(" ", s.Body)
	case *CreateFunction:
		f.w("CREATE ")
		if s.OrReplace {
			f.w("OR REPLACE ")
		}
		f.w("FUNCTION ", QuoteIdent(s.Name), "(")
		for i, prm := range s.Params {
			if i > 0 {
				f.w(", ")
			}
			f.w(QuoteIdent(prm.Name), " ", prm.Type)
		}
		f.w(") RETURNS ", s.Returns, " AS $fn$", s.Body, "$fn$")
	case *DropFunction:
		f.w("DROP FUNCTION ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *DropProcedure:
		f.w("DROP PROCEDURE ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *Call:
		f.w("CALL ", QuoteIdent(s.Name), "(", strings.Join(s.Args, ", "), ")")
	case *CreateSchedule:
		f.w("CREATE SCHEDULE ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " CRON ", QuoteString(s.Cron))
		f.options(s.With)
		f.w(" AS ", s.Body)
	case *AlterSchedule:
		f.w("ALTER SCHEDULE ", QuoteIdent(s.Name))
		if s.Action == "cron" {
			f.w(" SET CRON ", QuoteString(s.Cron))
		} else {
			f.w(" ", strings.ToUpper(s.Action))
		}
	case *DropSchedule:
		f.w("DROP SCHEDULE ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *ShowSchedules:
		if s.History != "" {
			f.w("SHOW SCHEDULE HISTORY ", QuoteIdent(s.History))
		} else {
			f.w("SHOW SCHEDULES")
		}
	case *DropTrigger:
		f.w("DROP TRIGGER ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " ON ", QuoteIdent(s.Collection))
	case *AlterTrigger:
		f.w("ALTER TRIGGER ", QuoteIdent(s.Name), " ON ", QuoteIdent(s.Collection))
		if s.Enable {
			f.w(" ENABLE")
		} else {
			f.w(" DISABLE")
		}
	case *ShowTriggers:
		f.w("SHOW TRIGGERS")
		if s.Collection != "" {
			f.w(" ON ", QuoteIdent(s.Collection))
		}
	case *TriggerDeadLetters:
		f.w(strings.ToUpper(s.Action), " TRIGGER DEAD LETTERS")
		if s.Name != "" {
			f.w(" FOR ", QuoteIdent(s.Name), " ON ", QuoteIdent(s.Collection))
		}
	case *CreateTopic:
		f.w("CREATE TOPIC ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
		f.options(s.With)
	case *DropTopic:
		f.w("DROP TOPIC ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *Publish:
		if s.Param > 0 {
			f.w("PUBLISH TO ", QuoteIdent(s.Topic), " $", strconv.Itoa(s.Param))
		} else {
			f.w("PUBLISH TO ", QuoteIdent(s.Topic), " ", QuoteString(s.Payload))
		}
	case *LiveSelect:
		f.w("LIVE ")
		f.stmt(s.Query)
	case *CancelLive:
		f.w("CANCEL LIVE SELECT ", QuoteString(s.ID))
	case *Listen:
		f.w("LISTEN ", QuoteIdent(s.Channel))
	case *Unlisten:
		if s.Channel == "*" {
			f.w("UNLISTEN *")
		} else {
			f.w("UNLISTEN ", QuoteIdent(s.Channel))
		}
	case *Notify:
		f.w("NOTIFY ", QuoteIdent(s.Channel))
		if s.Payload != "" {
			f.w(", ", QuoteString(s.Payload))
		}
	case *ShowChanges:
		f.w("SHOW CHANGES FOR ", QuoteIdent(s.Collection))
		if s.SinceLSN != nil {
			f.w(" SINCE LSN ")
			f.expr(s.SinceLSN)
		} else if s.Since != nil {
			f.w(" SINCE ")
			f.expr(s.Since)
		}
		if s.Limit != nil {
			f.w(" LIMIT ")
			f.expr(s.Limit)
		}
	case *CreateView:
		f.w("CREATE ")
		if s.OrReplace {
			f.w("OR REPLACE ")
		}
		f.w("VIEW ", QuoteIdent(s.Name))
		if len(s.Columns) > 0 {
			f.w(" (")
			for i, c := range s.Columns {
				if i > 0 {
					f.w(", ")
				}
				f.w(QuoteIdent(c))
			}
			f.w(")")
		}
		f.w(" AS ")
		f.stmt(s.Query)
	case *CreateSchema:
		f.w("CREATE SCHEMA ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *PrepareStmt:
		f.w("PREPARE ", QuoteIdent(s.Name))
		if len(s.TypeNames) > 0 {
			f.w(" (", strings.Join(s.TypeNames, ", "), ")")
		}
		f.w(" AS ")
		f.stmt(s.Stmt)
	case *ExecuteStmt:
		f.w("EXECUTE ", QuoteIdent(s.Name))
		if len(s.Args) > 0 {
			f.w(" (")
			f.exprs(s.Args)
			f.w(")")
		}
	case *Deallocate:
		if s.Name == "" {
			f.w("DEALLOCATE ALL")
		} else {
			f.w("DEALLOCATE ", QuoteIdent(s.Name))
		}
	case *SetConstraints:
		f.w("SET CONSTRAINTS ")
		if s.Names == nil {
			f.w("ALL")
		} else {
			f.names(s.Names, false)
		}
		if s.Deferred {
			f.w(" DEFERRED")
		} else {
			f.w(" IMMEDIATE")
		}
	case *RenameIndex:
		f.w("ALTER INDEX ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " RENAME TO ", QuoteIdent(s.To))
	case *RenameConstraint:
		f.w("ALTER COLLECTION ", QuoteIdent(s.Table), " RENAME CONSTRAINT ", QuoteIdent(s.From), " TO ", QuoteIdent(s.To))
	case *CreateExtension:
		f.w("CREATE EXTENSION ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
		if s.Schema != "" {
			f.w(" SCHEMA ", QuoteIdent(s.Schema))
		}
		if s.Version != "" {
			f.w(" VERSION ", QuoteString(s.Version))
		}
		if s.Cascade {
			f.w(" CASCADE")
		}
	case *DropExtension:
		f.dropList("EXTENSION", s.Names, s.IfExists, s.Cascade)
	case *AlterIfExists:
		// Every ALTER TABLE formats as ALTER COLLECTION name ...
		f.w(strings.Replace(Format(s.Stmt), "ALTER COLLECTION ", "ALTER COLLECTION IF EXISTS ", 1))
	case *CreateTableAs:
		f.w("CREATE ")
		if s.Global {
			f.w("GLOBAL ")
		}
		if s.Temp {
			f.w("TEMPORARY ")
		}
		f.w("TABLE ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
		if len(s.Columns) > 0 {
			f.w(" (")
			f.names(s.Columns, true)
			f.w(")")
		}
		if s.OnCommit != "" {
			f.w(" ON COMMIT ", string(s.OnCommit))
		}
		f.w(" AS ")
		f.query(s.Query)
		if s.NoData {
			f.w(" WITH NO DATA")
		}
	case *CreateEnum:
		f.w("CREATE TYPE ", QuoteIdent(s.Name), " AS ENUM (")
		for i, l := range s.Labels {
			if i > 0 {
				f.w(", ")
			}
			f.w(QuoteString(l))
		}
		f.w(")")
	case *DropType:
		f.dropList("TYPE", s.Names, s.IfExists, s.Cascade)
	case *AlterEnum:
		f.w("ALTER TYPE ", QuoteIdent(s.Name))
		switch s.Action {
		case "ADD VALUE":
			f.w(" ADD VALUE ")
			if s.IfNotExists {
				f.w("IF NOT EXISTS ")
			}
			f.w(QuoteString(s.Label))
			if s.Neighbor != "" {
				if s.Before {
					f.w(" BEFORE ")
				} else {
					f.w(" AFTER ")
				}
				f.w(QuoteString(s.Neighbor))
			}
		case "RENAME VALUE":
			f.w(" RENAME VALUE ", QuoteString(s.Label), " TO ", QuoteString(s.To))
		case "RENAME":
			f.w(" RENAME TO ", QuoteIdent(s.To))
		}
	case *DropView:
		f.dropList("VIEW", s.Names, s.IfExists, s.Cascade)
	case *CreateSequence:
		f.w("CREATE SEQUENCE ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(quotePath(s.Name))
		f.seqOptions(s.Options)
	case *AlterSequence:
		f.w("ALTER SEQUENCE ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(quotePath(s.Name))
		f.seqOptions(s.Options)
	case *DropSequence:
		f.w("DROP SEQUENCE ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.names(s.Names, true)
	case *Empty:
	case nil:
	default:
		f.w("<?>")
	}
}

// seqOptions writes a sequence's options, each with a leading space.
func (f *formatter) seqOptions(o SeqOptions) {
	num := func(kw string, v *int64) {
		if v != nil {
			f.w(" ", kw, " ", strconv.FormatInt(*v, 10))
		}
	}
	if o.Name != "" {
		f.w(" SEQUENCE NAME ", QuoteIdent(o.Name))
	}
	if o.Type != "" {
		f.w(" AS ", o.Type)
	}
	num("INCREMENT BY", o.Inc)
	num("MINVALUE", o.Min)
	if o.NoMin {
		f.w(" NO MINVALUE")
	}
	num("MAXVALUE", o.Max)
	if o.NoMax {
		f.w(" NO MAXVALUE")
	}
	num("START WITH", o.Start)
	num("CACHE", o.Cache)
	if o.Cycle != nil {
		if *o.Cycle {
			f.w(" CYCLE")
		} else {
			f.w(" NO CYCLE")
		}
	}
	if o.Restart {
		f.w(" RESTART")
		num("WITH", o.RestartWith)
	}
	switch {
	case len(o.OwnedBy) == 1:
		f.w(" OWNED BY NONE")
	case len(o.OwnedBy) == 2:
		f.w(" OWNED BY ", QuoteIdent(o.OwnedBy[0]), ".", QuoteIdent(o.OwnedBy[1]))
	}
}

// streamStmt prints the change stream and consumer group statements.
func (f *formatter) streamStmt(s Statement) {
	switch s := s.(type) {
	case *CreateChangeStream:
		f.w("CREATE CHANGE STREAM ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " ON ")
		if s.Collection == "*" {
			f.w("*")
		} else {
			f.w(QuoteIdent(s.Collection))
		}
		f.options(s.With)
	case *DropChangeStream:
		f.w("DROP CHANGE STREAM ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name))
	case *CreateConsumerGroup:
		f.w("CREATE CONSUMER GROUP ")
		if s.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " ON ", QuoteIdent(s.Stream))
	case *DropConsumerGroup:
		f.w("DROP CONSUMER GROUP ")
		if s.IfExists {
			f.w("IF EXISTS ")
		}
		f.w(QuoteIdent(s.Name), " ON ", QuoteIdent(s.Stream))
	case *CommitOffset:
		if s.All {
			f.w("COMMIT OFFSETS")
		} else {
			f.w("COMMIT OFFSET PARTITION ")
			f.expr(s.Partition)
			f.w(" AT ")
			f.expr(s.LSN)
		}
		f.w(" ON ", QuoteIdent(s.Stream), " CONSUMER GROUP ", QuoteIdent(s.Group))
	case *AlterConsumerGroup:
		f.w("ALTER CONSUMER GROUP ", QuoteIdent(s.Name), " ON ", QuoteIdent(s.Stream),
			" SET OFFSET TO ", s.To)
		if s.Value != nil {
			f.w(" ")
			f.expr(s.Value)
		}
		if s.Partition != nil {
			f.w(" PARTITION ")
			f.expr(s.Partition)
		}
	case *AlterChangeStream:
		f.w("ALTER CHANGE STREAM ", QuoteIdent(s.Name))
		switch s.Action {
		case "set":
			f.optionList(" SET (", s.Set)
		default:
			f.w(" ", strings.ToUpper(s.Action))
		}
	case *DeadLetters:
		f.w(strings.ToUpper(s.Action), " DEAD LETTERS FOR STREAM ", QuoteIdent(s.Stream))
	case *ShowStreamInfo:
		switch s.What {
		case "streams":
			f.w("SHOW CHANGE STREAMS")
		case "groups":
			f.w("SHOW CONSUMER GROUPS ON ", QuoteIdent(s.Stream))
		case "partitions":
			f.w("SHOW PARTITIONS ON ", QuoteIdent(s.Stream))
			if s.Group != "" {
				f.w(" CONSUMER GROUP ", QuoteIdent(s.Group))
			}
		default:
			f.w("<?>")
		}
	}
}

// options prints " WITH (key = value, ...)" when there are options.
func (f *formatter) options(opts []Option) {
	if len(opts) == 0 {
		return
	}
	f.optionList(" WITH (", opts)
}

// optionList prints lead, then "key = value, ...)".
func (f *formatter) optionList(lead string, opts []Option) {
	f.w(lead)
	for i, o := range opts {
		if i > 0 {
			f.w(", ")
		}
		f.w(quoteLabel(o.Key), " = ")
		f.expr(o.Value)
	}
	f.w(")")
}

func (f *formatter) createCollection(s *CreateCollection) {
	switch {
	case s.Temp:
		f.w("CREATE ")
		if s.Global {
			f.w("GLOBAL ")
		}
		f.w("TEMPORARY TABLE ")
	case s.Kind == KindTimeseries:
		f.w("CREATE TIMESERIES ")
	default:
		f.w("CREATE COLLECTION ")
	}
	if s.IfNotExists {
		f.w("IF NOT EXISTS ")
	}
	f.w(QuoteIdent(s.Name))
	switch {
	case s.Temp:
	case s.Kind == KindStrict:
		f.w(" TYPE DOCUMENT STRICT")
	case s.Kind == KindKeyValue:
		f.w(" TYPE KEY_VALUE")
	case s.Kind == KindColumnar:
		f.w(" TYPE COLUMNAR")
	}
	colPK := false
	for i := range s.Columns {
		colPK = colPK || s.Columns[i].PrimaryKey
	}
	var elems []func()
	likes := func(at int) {
		for _, l := range s.Likes {
			if l.At == at {
				elems = append(elems, func() { f.likeDef(l) })
			}
		}
	}
	for i := range s.Columns {
		likes(i)
		c := &s.Columns[i]
		elems = append(elems, func() { f.columnDef(c) })
	}
	likes(len(s.Columns))
	if len(s.PrimaryKey) > 0 && !colPK {
		elems = append(elems, func() {
			f.w("PRIMARY KEY (")
			f.names(s.PrimaryKey, false)
			f.w(")")
		})
	}
	for i, u := range s.Uniques {
		elems = append(elems, func() {
			if i < len(s.UniqueNames) && s.UniqueNames[i] != "" {
				f.w("CONSTRAINT ", QuoteIdent(s.UniqueNames[i]), " ")
			}
			f.w("UNIQUE (")
			f.names(u, false)
			f.w(")")
		})
	}
	for _, c := range s.Checks {
		elems = append(elems, func() { f.check(c) })
	}
	for _, fk := range s.ForeignKeys {
		elems = append(elems, func() { f.foreignKey(fk, false) })
	}
	if len(elems) > 0 {
		f.w(" (")
		for i, e := range elems {
			if i > 0 {
				f.w(", ")
			}
			e()
		}
		f.w(")")
	}
	f.options(s.With)
	if s.OnCommit != "" {
		f.w(" ON COMMIT ", string(s.OnCommit))
	}
}

func (f *formatter) columnDef(c *ColumnDef) {
	f.w(QuoteIdent(c.Name), " ", typeText(c.Type, c.TypeName))
	if c.Array {
		f.w("[]")
	}
	if c.PrimaryKey {
		f.w(" PRIMARY KEY")
	}
	if c.NotNull {
		f.w(" NOT NULL")
	}
	if c.Unique {
		if c.UniqueName != "" {
			f.w(" CONSTRAINT ", QuoteIdent(c.UniqueName))
		}
		f.w(" UNIQUE")
	}
	if c.Default != nil {
		f.w(" DEFAULT ")
		f.expr(c.Default)
	}
	if c.Identity != "" {
		f.w(" GENERATED ", c.Identity, " AS IDENTITY")
		var opts formatter
		opts.seqOptions(c.IdentityOpt)
		if o := strings.TrimSpace(opts.b.String()); o != "" {
			f.w(" (", o, ")")
		}
	}
	if c.TimeKey {
		f.w(" TIME_KEY")
	}
	for _, ck := range c.Checks {
		f.w(" ")
		f.check(ck)
	}
	for _, fk := range c.References {
		f.w(" ")
		f.foreignKey(fk, true)
	}
}

// foreignKey writes [CONSTRAINT name] FOREIGN KEY (cols) REFERENCES
// t[(cols)] [MATCH FULL] [ON DELETE a] [ON UPDATE a]; a column's (column
// set) leaves out FOREIGN KEY (cols).
func (f *formatter) foreignKey(fk ForeignKeyDef, column bool) {
	if fk.Name != "" {
		f.w("CONSTRAINT ", QuoteIdent(fk.Name), " ")
	}
	if !column {
		f.w("FOREIGN KEY (")
		f.names(fk.Columns, false)
		f.w(") ")
	}
	f.w("REFERENCES ", QuoteIdent(fk.RefTable))
	if fk.RefColumns != nil {
		f.w(" (")
		f.names(fk.RefColumns, false)
		f.w(")")
	}
	if fk.MatchFull {
		f.w(" MATCH FULL")
	}
	if fk.OnDelete != "" && fk.OnDelete != "NO ACTION" {
		f.w(" ON DELETE ", fk.OnDelete)
	}
	if fk.OnUpdate != "" && fk.OnUpdate != "NO ACTION" {
		f.w(" ON UPDATE ", fk.OnUpdate)
	}
	if fk.Deferrable {
		f.w(" DEFERRABLE")
	}
	if fk.InitiallyDeferred {
		f.w(" INITIALLY DEFERRED")
	}
}

// check writes [CONSTRAINT name] CHECK (expr).
func (f *formatter) check(c CheckDef) {
	if c.Name != "" {
		f.w("CONSTRAINT ", QuoteIdent(c.Name), " ")
	}
	f.w("CHECK (")
	f.expr(c.Expr)
	f.w(")")
}

func (f *formatter) show(s *Show) {
	switch s.What {
	case "collections", "tables", "all":
		f.w("SHOW ", strings.ToUpper(s.What))
	case "indexes":
		f.w("SHOW INDEXES")
		if s.Table != "" {
			f.w(" ON ", quotePath(s.Table))
		}
	case "transaction_isolation":
		f.w("SHOW TRANSACTION ISOLATION LEVEL")
	default:
		f.w("SHOW ", quotePath(s.What))
	}
}

func (f *formatter) set(s *Set) {
	if s.Reset && !s.Local {
		if s.Name == "all" {
			f.w("RESET ALL")
			return
		}
		f.w("RESET ", quotePath(s.Name))
		return
	}
	f.w("SET ")
	if s.Local {
		f.w("LOCAL ")
	}
	f.w(quotePath(s.Name), " TO ")
	if s.Reset {
		f.w("DEFAULT")
		return
	}
	for i, v := range s.Values {
		if i > 0 {
			f.w(", ")
		}
		f.w(QuoteString(v))
	}
}

func (f *formatter) insert(s *Insert) {
	f.with(s.With)
	if s.Upsert {
		f.w("UPSERT INTO ")
	} else {
		f.w("INSERT INTO ")
	}
	f.w(quotePath(s.Table))
	if s.Alias != "" {
		f.w(" AS ", QuoteIdent(s.Alias))
	}
	if len(s.Columns) > 0 {
		f.w(" (")
		f.names(s.Columns, true)
		f.w(")")
	}
	if s.OverridingSystem {
		f.w(" OVERRIDING SYSTEM VALUE")
	}
	switch {
	case s.DefaultValues:
		f.w(" DEFAULT VALUES")
	case s.Select != nil:
		f.w(" ")
		f.query(s.Select)
	case len(s.Docs) == 1:
		f.w(" ")
		f.expr(s.Docs[0])
	case len(s.Docs) > 1:
		f.w(" [")
		f.exprs(s.Docs)
		f.w("]")
	default:
		f.w(" VALUES ")
		f.rows(s.Rows)
	}
	if oc := s.OnConflict; oc != nil {
		f.w(" ON CONFLICT")
		if oc.Constraint != "" {
			f.w(" ON CONSTRAINT ", QuoteIdent(oc.Constraint))
		}
		if len(oc.Target) > 0 {
			f.w(" ")
			f.indexKeys(oc.Target, oc.TargetExprs, nil)
			if oc.TargetWhere != nil {
				f.w(" WHERE ")
				f.expr(oc.TargetWhere)
			}
		}
		if oc.DoNothing {
			f.w(" DO NOTHING")
		} else {
			f.w(" DO UPDATE SET ")
			f.assignments(oc.Set)
			if oc.Where != nil {
				f.w(" WHERE ")
				f.expr(oc.Where)
			}
		}
	}
	f.returning(s.Returning)
}

func (f *formatter) rows(rows [][]Expr) {
	for i, r := range rows {
		if i > 0 {
			f.w(", ")
		}
		f.w("(")
		f.exprs(r)
		f.w(")")
	}
}

func (f *formatter) assignments(as []Assignment) {
	for i := 0; i < len(as); i++ {
		if i > 0 {
			f.w(", ")
		}
		a := as[i]
		if m, ok := a.Value.(*MultiAssignRef); ok && m.Col == 0 && i+m.N <= len(as) {
			// (a, b) = (SELECT ...): the assignments that share it.
			f.w("(")
			for j := 0; j < m.N; j++ {
				if j > 0 {
					f.w(", ")
				}
				f.w(quotePath(as[i+j].Column))
			}
			f.w(") = (")
			f.query(m.Query)
			f.w(")")
			i += m.N - 1
			continue
		}
		f.w(quotePath(a.Column), " = ")
		f.expr(a.Value)
	}
}

func (f *formatter) returning(items []SelectItem) {
	if len(items) > 0 {
		f.w(" RETURNING ")
		f.items(items)
	}
}

// ---------------------------------------------------------------- queries

// with writes a WITH list and the space after it (nothing for nil).
func (f *formatter) with(w *With) {
	if w == nil {
		return
	}
	f.w("WITH ")
	if w.Recursive {
		f.w("RECURSIVE ")
	}
	for i, c := range w.CTEs {
		if i > 0 {
			f.w(", ")
		}
		f.w(QuoteIdent(c.Name))
		if len(c.Columns) > 0 {
			f.w(" (")
			f.names(c.Columns, false)
			f.w(")")
		}
		f.w(" AS (")
		if c.DML != nil {
			f.stmt(c.DML)
		} else {
			f.query(c.Query)
		}
		f.w(")")
	}
	f.w(" ")
}

func (f *formatter) query(s *Select) {
	f.with(s.With)
	f.body(s.Body)
	if len(s.OrderBy) > 0 {
		f.w(" ORDER BY ")
		f.orderItems(s.OrderBy)
	}
	if s.Limit != nil {
		f.w(" LIMIT ")
		f.expr(s.Limit)
	}
	if s.Offset != nil {
		f.w(" OFFSET ")
		f.expr(s.Offset)
	}
	for _, l := range s.Locking {
		f.w(" FOR ", l.Strength)
		if len(l.Of) > 0 {
			f.w(" OF ")
			f.names(l.Of, false)
		}
		if l.Wait != "" {
			f.w(" ", l.Wait)
		}
	}
}

func (f *formatter) body(b SelectBody) {
	switch b := b.(type) {
	case *SelectCore:
		f.core(b)
	case *ValuesClause:
		f.w("VALUES ")
		f.rows(b.Rows)
	case *SetOp:
		f.w("(")
		f.body(b.Left)
		f.w(") ", b.Op)
		if b.All {
			f.w(" ALL")
		}
		f.w(" (")
		f.body(b.Right)
		f.w(")")
	default:
		f.w("<?>")
	}
}

// tableList writes FROM entries separated by commas.
func (f *formatter) tableList(ts []TableExpr) {
	for i, t := range ts {
		if i > 0 {
			f.w(", ")
		}
		f.table(t)
	}
}

func (f *formatter) core(c *SelectCore) {
	f.w("SELECT ")
	if c.Distinct {
		f.w("DISTINCT ")
	}
	if len(c.DistinctOn) > 0 {
		f.w("DISTINCT ON (")
		f.exprs(c.DistinctOn)
		f.w(") ")
	}
	f.items(c.Items)
	if c.Into != "" {
		f.w(" INTO ")
		if c.IntoTemp {
			f.w("TEMPORARY ")
		}
		f.w(QuoteIdent(c.Into))
	}
	if len(c.From) > 0 {
		f.w(" FROM ")
		f.tableList(c.From)
	}
	if c.Where != nil {
		f.w(" WHERE ")
		f.expr(c.Where)
	}
	if len(c.GroupBy) > 0 {
		f.w(" GROUP BY ")
		f.exprs(c.GroupBy)
	}
	if c.Having != nil {
		f.w(" HAVING ")
		f.expr(c.Having)
	}
	if len(c.Windows) > 0 {
		f.w(" WINDOW ")
		for i := range c.Windows {
			if i > 0 {
				f.w(", ")
			}
			f.w(QuoteIdent(c.Windows[i].Name), " AS ")
			f.window(&c.Windows[i])
		}
	}
}

func (f *formatter) items(items []SelectItem) {
	for i, it := range items {
		if i > 0 {
			f.w(", ")
		}
		switch {
		case it.Star && it.StarTable != "":
			f.w(quotePath(it.StarTable), ".*")
		case it.Star:
			f.w("*")
		default:
			f.expr(it.Expr)
			if it.Alias != "" {
				f.w(" AS ", quoteLabel(it.Alias))
			}
		}
	}
}

func (f *formatter) orderItems(items []OrderItem) {
	for i, o := range items {
		if i > 0 {
			f.w(", ")
		}
		f.expr(o.Expr)
		if o.Desc {
			f.w(" DESC")
		}
		if o.NullsFirst != nil {
			if *o.NullsFirst {
				f.w(" NULLS FIRST")
			} else {
				f.w(" NULLS LAST")
			}
		}
	}
}

func (f *formatter) alias(a string, cols []string) {
	if a != "" {
		f.w(" AS ", QuoteIdent(a))
		if len(cols) > 0 {
			f.w(" (")
			f.names(cols, false)
			f.w(")")
		}
	}
}

func (f *formatter) table(t TableExpr) {
	switch t := t.(type) {
	case *TableName:
		f.w(quotePath(t.Name))
		f.alias(t.Alias, t.Columns)
	case *Subquery:
		if t.Lateral {
			f.w("LATERAL ")
		}
		f.w("(")
		f.query(t.Query)
		f.w(")")
		f.alias(t.Alias, t.Columns)
	case *FuncTable:
		if t.RowsFrom {
			f.w("ROWS FROM (")
			f.expr(t.Func)
			for _, m := range t.More {
				f.w(", ")
				f.expr(m)
			}
			f.w(")")
		} else {
			f.expr(t.Func)
		}
		if t.Ordinality {
			f.w(" WITH ORDINALITY")
		}
		f.alias(t.Alias, t.Columns)
	case *StreamSource:
		if t.Topic {
			f.w("TOPIC ")
		} else {
			f.w("STREAM ")
		}
		f.w(QuoteIdent(t.Name))
		if t.Partition != nil {
			f.w(" PARTITION ")
			f.expr(t.Partition)
		}
		f.w(" CONSUMER GROUP ", QuoteIdent(t.Group))
		if t.Consumer != "" {
			f.w(" CONSUMER ", QuoteString(t.Consumer))
		}
		f.alias(t.Alias, nil)
	case *Join:
		if t.Alias != "" {
			f.w("(")
			f.join(t)
			f.w(")")
			f.alias(t.Alias, t.Columns)
			return
		}
		f.join(t)
	default:
		f.w("<?>")
	}
}

// join prints a join without its alias.
func (f *formatter) join(t *Join) {
	f.table(t.Left)
	f.w(" ")
	if t.Natural {
		f.w("NATURAL ")
	}
	f.w(t.Kind, " JOIN ")
	if r, ok := t.Right.(*Join); ok && r.Alias == "" {
		f.w("(")
		f.table(t.Right)
		f.w(")")
	} else {
		f.table(t.Right)
	}
	if t.On != nil {
		f.w(" ON ")
		f.expr(t.On)
	}
	if len(t.Using) > 0 {
		f.w(" USING (")
		f.names(t.Using, false)
		f.w(")")
	}
}

func (f *formatter) window(w *WindowDef) {
	f.w("(")
	sep := ""
	if w.Ref != "" {
		f.w(QuoteIdent(w.Ref))
		sep = " "
	}
	if len(w.PartitionBy) > 0 {
		f.w(sep, "PARTITION BY ")
		f.exprs(w.PartitionBy)
		sep = " "
	}
	if len(w.OrderBy) > 0 {
		f.w(sep, "ORDER BY ")
		f.orderItems(w.OrderBy)
		sep = " "
	}
	if fr := w.Frame; fr != nil {
		f.w(sep, fr.Mode, " BETWEEN ")
		f.bound(fr.Start)
		f.w(" AND ")
		f.bound(fr.End)
	}
	f.w(")")
}

func (f *formatter) bound(b FrameBound) {
	if b.Offset != nil {
		f.expr(b.Offset)
		f.w(" ")
	}
	f.w(b.Kind)
}

// ---------------------------------------------------------------- expressions

// noParenFuncs print without parentheses when called without arguments.
var noParenFuncs = map[string]bool{"current_timestamp": true, "current_date": true,
	"current_time": true, "localtime": true, "localtimestamp": true, "current_user": true,
	"session_user": true, "user": true, "current_role": true, "current_catalog": true,
	"current_schema": true}

func (f *formatter) expr(e Expr) {
	switch e := e.(type) {
	case nil:
		f.w("<nil>")
	case *Literal:
		f.literal(e)
	case *ColumnRef:
		for i, p := range e.Parts {
			if i > 0 {
				f.w(".")
			}
			f.w(QuoteIdent(p))
		}
	case *Param:
		f.w("$", strconv.Itoa(e.N))
	case *Unary:
		if e.Op == "NOT" {
			f.w("(NOT ")
		} else {
			f.w("(", e.Op, " ")
		}
		if l, ok := e.X.(*Literal); ok && (l.Kind == "int" || l.Kind == "number") {
			// keep "- (5)" from folding into the literal -5 when re-parsed
			f.w("(")
			f.expr(l)
			f.w("))")
			return
		}
		f.expr(e.X)
		f.w(")")
	case *Binary:
		f.w("(")
		f.expr(e.L)
		f.w(" ", e.Op, " ")
		f.expr(e.R)
		f.w(")")
	case *IsNull:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" IS NOT NULL)")
		} else {
			f.w(" IS NULL)")
		}
	case *IsBool:
		f.w("(")
		f.expr(e.X)
		f.w(" IS ")
		if e.Not {
			f.w("NOT ")
		}
		f.w(e.What, ")")
	case *Between:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" BETWEEN ")
		if e.Symmetric {
			f.w("SYMMETRIC ")
		}
		f.expr(e.Lo)
		f.w(" AND ")
		f.expr(e.Hi)
		f.w(")")
	case *InList:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" IN (")
		f.exprs(e.List)
		f.w("))")
	case *InSubquery:
		f.w("(")
		f.expr(e.X)
		if e.Not {
			f.w(" NOT")
		}
		f.w(" IN (")
		f.query(e.Query)
		f.w("))")
	case *Exists:
		f.w("(")
		if e.Not {
			f.w("NOT ")
		}
		f.w("EXISTS (")
		f.query(e.Query)
		f.w("))")
	case *SubqueryExpr:
		f.w("(")
		f.query(e.Query)
		f.w(")")
	case *MultiAssignRef:
		// Only assignments hold one (see assignments).
		f.w("(")
		f.query(e.Query)
		f.w(")")
	case *Quantified:
		f.w("(")
		f.expr(e.X)
		f.w(" ", e.Op, " ", e.Quant, " (")
		if e.Query != nil {
			f.query(e.Query)
		} else {
			f.expr(e.Array)
		}
		f.w("))")
	case *FuncCall:
		f.funcCall(e)
	case *Cast:
		// PostgreSQL's form: x::type, the operand in parentheses unless
		// it is a single term.
		if l, ok := e.X.(*Literal); ok && !strings.HasPrefix(l.Text, "-") {
			f.expr(e.X)
		} else if _, ok := e.X.(*Literal); !ok && isTerm(e.X) {
			f.expr(e.X)
		} else {
			f.w("(")
			f.expr(e.X)
			f.w(")")
		}
		f.w("::", typeText(e.Type, e.TypeName))
		if e.Array {
			f.w("[]")
		}
	case *Case:
		f.w("CASE")
		if e.Operand != nil {
			f.w(" ")
			f.expr(e.Operand)
		}
		for _, w := range e.Whens {
			f.w(" WHEN ")
			f.expr(w.Cond)
			f.w(" THEN ")
			f.expr(w.Result)
		}
		if e.Else != nil {
			f.w(" ELSE ")
			f.expr(e.Else)
		}
		f.w(" END")
	case *ArrayLit:
		f.w("ARRAY[")
		f.exprs(e.Elems)
		f.w("]")
	case *ObjectLit:
		f.w("{")
		for i, k := range e.Keys {
			if i > 0 {
				f.w(", ")
			}
			if simpleIdent(k) {
				f.w(k)
			} else {
				f.w(QuoteString(k))
			}
			f.w(": ")
			if i < len(e.Values) {
				f.expr(e.Values[i])
			}
		}
		f.w("}")
	case *Subscript:
		if _, cast := e.X.(*Cast); cast {
			f.w("(")
			f.expr(e.X)
			f.w(")")
		} else if l, ok := e.X.(*Literal); ok && strings.HasPrefix(l.Text, "-") {
			f.w("(")
			f.expr(e.X)
			f.w(")")
		} else {
			f.expr(e.X)
		}
		f.w("[")
		f.expr(e.Index)
		f.w("]")
	case *FieldSelect:
		f.w("(")
		f.expr(e.X)
		f.w(").", QuoteIdent(e.Field))
	case *TypedString:
		f.w(strings.ToUpper(e.TypeName), " ", QuoteString(e.Value))
	case *DefaultExpr:
		f.w("DEFAULT")
	default:
		f.w("<?>")
	}
}

// isTerm reports whether e prints as one term that a :: may follow
// without parentheses.
func isTerm(e Expr) bool {
	switch x := e.(type) {
	case *ColumnRef, *Param, *Cast:
		return true
	case *FuncCall:
		return x.Over == nil && x.Filter == nil
	}
	return false
}

func (f *formatter) literal(l *Literal) {
	switch l.Kind {
	case "null":
		f.w("NULL")
	case "bool":
		if b, _ := l.Value.(bool); b {
			f.w("true")
		} else {
			f.w("false")
		}
	case "int":
		n, _ := l.Value.(int64)
		f.w(strconv.FormatInt(n, 10))
	case "number":
		f.w(l.Text)
	case "string":
		s, _ := l.Value.(string)
		f.w(QuoteString(s))
	default:
		f.w("<?>")
	}
}

func (f *formatter) funcCall(e *FuncCall) {
	if noParenFuncs[e.Name] && len(e.Args) == 0 && !e.Star && len(e.Named) == 0 &&
		e.Filter == nil && e.Over == nil && len(e.OrderBy) == 0 {
		f.w(strings.ToUpper(e.Name))
		return
	}
	f.w(quotePath(e.Name), "(")
	if e.Distinct {
		f.w("DISTINCT ")
	}
	if e.Star {
		f.w("*")
	}
	f.exprs(e.Args)
	if len(e.Named) > 0 {
		keys := make([]string, 0, len(e.Named))
		for k := range e.Named {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i > 0 || len(e.Args) > 0 {
				f.w(", ")
			}
			f.w(QuoteIdent(k), " => ")
			f.expr(e.Named[k])
		}
	}
	if len(e.OrderBy) > 0 {
		f.w(" ORDER BY ")
		f.orderItems(e.OrderBy)
	}
	f.w(")")
	if e.Filter != nil {
		f.w(" FILTER (WHERE ")
		f.expr(e.Filter)
		f.w(")")
	}
	if e.Over != nil {
		f.w(" OVER ")
		if e.Over.Ref != "" && len(e.Over.PartitionBy) == 0 && len(e.Over.OrderBy) == 0 && e.Over.Frame == nil {
			f.w(QuoteIdent(e.Over.Ref))
		} else {
			f.window(e.Over)
		}
	}
}

// copyOptions writes COPY's WITH (...) options.
func (f *formatter) copyOptions(format, delim, null string, nullSet, header bool) {
	f.w(" WITH (FORMAT ", format)
	if delim != "" {
		f.w(", DELIMITER ", QuoteString(delim))
	}
	if null != "" || nullSet {
		f.w(", NULL ", QuoteString(null))
	}
	if header {
		f.w(", HEADER true")
	}
	f.w(")")
}

// dropList writes DROP <kind> [IF EXISTS] name, ... [CASCADE].
func (f *formatter) dropList(kind string, names []string, ifExists, cascade bool) {
	f.w("DROP ", kind, " ")
	if ifExists {
		f.w("IF EXISTS ")
	}
	for i, n := range names {
		if i > 0 {
			f.w(", ")
		}
		f.w(QuoteIdent(n))
	}
	if cascade {
		f.w(" CASCADE")
	}
}

// likeDef writes LIKE t with its options, in name order.
func (f *formatter) likeDef(l LikeDef) {
	f.w("LIKE ", quotePath(l.Table))
	names := make([]string, 0, len(l.Including))
	for n := range l.Including {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if l.Including[n] {
			f.w(" INCLUDING ", strings.ToUpper(n))
		} else {
			f.w(" EXCLUDING ", strings.ToUpper(n))
		}
	}
}

// IndexExprText is how an index's key expression is written in its
// definition, as PostgreSQL writes it: a function call as it is, any
// other expression in parentheses.
func IndexExprText(e Expr) string {
	if _, ok := e.(*FuncCall); ok {
		return Format(e)
	}
	return "(" + Format(e) + ")"
}

// indexKeys writes an index's key elements in parentheses: columns (or
// expressions where exprs has one) and their options.
func (f *formatter) indexKeys(cols []string, exprs []Expr, opts []IndexElemOpts) {
	f.w("(")
	for i, c := range cols {
		if i > 0 {
			f.w(", ")
		}
		if i < len(exprs) && exprs[i] != nil {
			f.w(IndexExprText(exprs[i]))
		} else {
			f.w(quotePath(c))
		}
		if i < len(opts) {
			f.w(opts[i].Suffix())
		}
	}
	f.w(")")
}

// typeText is a type as written: a built-in type's name, or a user
// type's (an enum's) name quoted when it needs to be ("0", "Mood").
func typeText(t types.T, name string) string {
	if t == types.Enum {
		return QuoteIdent(name)
	}
	return name
}
