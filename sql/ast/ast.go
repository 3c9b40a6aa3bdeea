package ast

import (
	"strings"

	"github.com/nodedb-go/nodedb/sql/types"
)

// Statement is any top-level statement.
type Statement interface {
	stmt()
}

// Expr is any scalar expression.
type Expr interface {
	expr()
	Position() int
}

// TableExpr is anything that can stand in a FROM clause.
type TableExpr interface {
	tableExpr()
}

// ---------------------------------------------------------------- DDL

// ColumnDef is one column in CREATE TABLE / CREATE COLLECTION ... STRICT.
type ColumnDef struct {
	Pos        int
	Name       string
	Type       types.T
	TypeName   string // as written, e.g. "varchar(20)"
	TypeMod    int    // length for varchar(n)/char(n), -1 when absent
	PrimaryKey bool
	NotNull    bool
	Unique     bool
	UniqueName string // CONSTRAINT name of the column's UNIQUE, "" when not given
	Default    Expr   // nil when absent
	TimeKey    bool   // TIME_KEY marker (columnar collections)
	Array      bool   // type[]: an array of Type
	// Identity is "ALWAYS" or "BY DEFAULT" for GENERATED ... AS
	// IDENTITY, with the sequence's options.
	Identity    string
	IdentityOpt SeqOptions
	Checks      []CheckDef // column-level CHECK (expr)
	Comment     string     // from LIKE ... INCLUDING COMMENTS
	// References are column-level REFERENCES constraints (Columns holds
	// the column).
	References []ForeignKeyDef
}

// ForeignKeyDef is a FOREIGN KEY (or column REFERENCES) constraint as
// written. RefColumns is nil when the referenced table's primary key is
// meant. Actions are "NO ACTION" (the default), "RESTRICT", "CASCADE",
// "SET NULL" or "SET DEFAULT".
type ForeignKeyDef struct {
	Pos        int
	Name       string
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   string
	OnUpdate   string
	MatchFull  bool
	// Deferrable and InitiallyDeferred are DEFERRABLE and INITIALLY
	// DEFERRED (which implies DEFERRABLE).
	Deferrable        bool
	InitiallyDeferred bool
}

// CheckDef is a CHECK constraint as written; Name is "" when not given.
type CheckDef struct {
	Pos  int
	Name string
	Expr Expr
}

// CollectionKind is the storage model requested by CREATE COLLECTION.
type CollectionKind string

// Collection kinds.
const (
	KindSchemaless CollectionKind = "document"
	KindStrict     CollectionKind = "strict"
	KindKeyValue   CollectionKind = "kv"
	KindColumnar   CollectionKind = "columnar"
	KindTimeseries CollectionKind = "timeseries"
)

// CreateCollection is CREATE COLLECTION, CREATE TABLE and CREATE TIMESERIES.
type CreateCollection struct {
	Pos         int
	Name        string
	IfNotExists bool
	Kind        CollectionKind
	Columns     []ColumnDef     // empty for schemaless
	PrimaryKey  []string        // table-level PRIMARY KEY (a, b); column-level keys are folded in here too
	Uniques     [][]string      // table-level UNIQUE (a, b)
	UniqueNames []string        // their CONSTRAINT names, "" when not given
	Checks      []CheckDef      // table-level [CONSTRAINT name] CHECK (expr)
	ForeignKeys []ForeignKeyDef // table-level FOREIGN KEY (...) REFERENCES ...
	With        []Option        // WITH (k = v, ...)
	Likes       []LikeDef       // LIKE other [INCLUDING ...] entries
	// Indexes are indexes to create with the table (LIKE ... INCLUDING
	// INDEXES fills them in; the grammar has none). Their Table and Name
	// are not used: each is named after the new table.
	Indexes []*CreateIndex
	// Temp is CREATE TEMP TABLE (or a table created in schema pg_temp):
	// a table only the creating session sees, dropped when it ends.
	// Global is set when it was written CREATE GLOBAL TEMP (deprecated,
	// the same as TEMP). OnCommit is the ON COMMIT action.
	Temp     bool
	Global   bool
	OnCommit OnCommit
}

// OnCommit is a temporary table's ON COMMIT action.
type OnCommit string

// ON COMMIT actions ("" when the clause is absent: PRESERVE ROWS).
const (
	OnCommitPreserve OnCommit = "PRESERVE ROWS"
	OnCommitDelete   OnCommit = "DELETE ROWS"
	OnCommitDrop     OnCommit = "DROP"
)

// LikeDef is a LIKE t [{INCLUDING | EXCLUDING} option ...] entry of a
// table's elements: t's columns go at column position At. Including
// holds the options included (DEFAULTS, CONSTRAINTS, INDEXES,
// IDENTITY, COMMENTS, ...; ALL expanded).
type LikeDef struct {
	Pos       int
	Table     string
	At        int
	Including map[string]bool
}

// Option is one `key = value` pair in a WITH (...) list. Key is lower-cased.
type Option struct {
	Pos   int
	Key   string
	Value Expr
}

// DropCollection is DROP COLLECTION / DROP TABLE.
type DropCollection struct {
	Pos      int
	Names    []string
	IfExists bool
	Purge    bool
	Cascade  bool // drops the foreign keys referencing them too
	Table    bool // written DROP TABLE (the command tag says so)
}

// UndropCollection is UNDROP COLLECTION name.
type UndropCollection struct {
	Pos  int
	Name string
}

// AlterAddColumn is ALTER TABLE/COLLECTION name ADD [COLUMN] [IF NOT EXISTS] def.
type AlterAddColumn struct {
	Pos         int
	Table       string
	Column      ColumnDef
	IfNotExists bool
}

// AlterColumn is ALTER TABLE t ALTER [COLUMN] c SET DEFAULT e | DROP
// DEFAULT | SET NOT NULL | DROP NOT NULL.
type AlterColumn struct {
	Pos     int
	Table   string
	Column  string
	Action  string // "SET DEFAULT", "DROP DEFAULT", "SET NOT NULL", "DROP NOT NULL", "ADD IDENTITY"
	Default Expr   // SET DEFAULT's expression
	// ADD GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(options)]
	Identity    string
	IdentityOpt SeqOptions
	// [SET DATA] TYPE t [USING expr] (Action "TYPE")
	Type     types.T
	TypeName string
	TypeMod  int
	Array    bool
	Using    Expr
}

// RenameColumn is ALTER TABLE t RENAME [COLUMN] a TO b.
type RenameColumn struct {
	Pos      int
	Table    string
	From, To string
}

// AddCheck is ALTER TABLE t ADD [CONSTRAINT name] CHECK (expr).
type AddCheck struct {
	Pos   int
	Table string
	Check CheckDef
	// NotValid is NOT VALID: the rows already there are not checked
	// (VALIDATE CONSTRAINT checks them later); new ones are.
	NotValid bool
}

// AddKey is ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY (cols) or
// UNIQUE (cols).
type AddKey struct {
	Pos     int
	Table   string
	Name    string
	Primary bool
	Columns []string
}

// RenameTable is ALTER TABLE t RENAME TO n.
type RenameTable struct {
	Pos   int
	Table string
	To    string
}

// DropColumn is ALTER TABLE t DROP [COLUMN] [IF EXISTS] c [CASCADE].
type DropColumn struct {
	Pos      int
	Table    string
	Column   string
	IfExists bool
	Cascade  bool
}

// DeclareCursor is DECLARE name [BINARY] [[NO] SCROLL] CURSOR [WITH[OUT]
// HOLD] FOR query.
type DeclareCursor struct {
	Pos    int
	Name   string
	Binary bool
	Scroll int // 1 SCROLL, -1 NO SCROLL, 0 neither
	Hold   bool
	Query  *Select
}

// Fetch is FETCH (or, with Move, MOVE) [direction] [FROM | IN] name:
// Dir is "ABSOLUTE", "RELATIVE", "FORWARD" or "BACKWARD" with Count (NEXT
// is FORWARD 1, PRIOR BACKWARD 1, FIRST ABSOLUTE 1, LAST ABSOLUTE -1), All
// for FORWARD/BACKWARD ALL.
type Fetch struct {
	Pos   int
	Move  bool
	Dir   string
	Count int64
	All   bool
	Name  string
}

// CloseCursor is CLOSE name | ALL.
type CloseCursor struct {
	Pos  int
	Name string // "" with All
	All  bool
}

// Comment is COMMENT ON TABLE|VIEW|INDEX|SEQUENCE name | COLUMN rel.col
// IS 'text' | NULL (Text nil, or empty: the comment is removed).
type Comment struct {
	Pos    int
	Kind   string // "TABLE", "COLUMN", "VIEW", "INDEX", "SEQUENCE"
	Name   string // the relation
	Column string // for COLUMN
	Text   *string
}

// AlterOwner is ALTER TABLE|VIEW|SEQUENCE name OWNER TO role.
type AlterOwner struct {
	Pos  int
	Kind string // "TABLE", "VIEW", "SEQUENCE"
	Name string
	Role string
}

// AddForeignKey is ALTER TABLE t ADD [CONSTRAINT name] FOREIGN KEY ...
type AddForeignKey struct {
	Pos      int
	Table    string
	FK       ForeignKeyDef
	NotValid bool // as AddCheck's
}

// ValidateConstraint is ALTER TABLE t VALIDATE CONSTRAINT name: the rows
// a NOT VALID constraint was not checked against are checked now.
type ValidateConstraint struct {
	Pos   int
	Table string
	Name  string
}

func (*ValidateConstraint) stmt() {}

// DropConstraint is ALTER TABLE t DROP CONSTRAINT [IF EXISTS] name.
type DropConstraint struct {
	Pos      int
	Table    string
	Name     string
	IfExists bool
}

func (*AddCheck) stmt()       {}
func (*AddForeignKey) stmt()  {}
func (*AddKey) stmt()         {}
func (*AlterOwner) stmt()     {}
func (*Comment) stmt()        {}
func (*DeclareCursor) stmt()  {}
func (*Fetch) stmt()          {}
func (*CloseCursor) stmt()    {}
func (*DropColumn) stmt()     {}
func (*RenameTable) stmt()    {}
func (*DropConstraint) stmt() {}
func (*AlterColumn) stmt()    {}
func (*RenameColumn) stmt()   {}

// CreateIndex is CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON t (cols) and
// CREATE INDEX [name] ON t FIELDS a, b.
type CreateIndex struct {
	Pos     int
	Name    string // empty: generated
	Table   string
	Columns []string // field paths; dotted for nested document fields
	// Exprs, when set, is parallel to Columns: a key element written as
	// an expression ((expr) or func(...)) has it here and "" in Columns.
	Exprs       []Expr
	Unique      bool
	IfNotExists bool
	// Concurrently is CREATE INDEX CONCURRENTLY: built as any index is
	// (writers of the table wait), refused in a transaction block as in
	// PostgreSQL.
	Concurrently bool
	// Include is INCLUDE (cols): columns carried for index-only scans in
	// PostgreSQL; kept for the index's definition only.
	Include []string
	// Opts, when set, is parallel to Columns: each key element's
	// COLLATE, operator class, direction and NULLS order as written,
	// kept for the index's definition only (keys sort one way here).
	Opts []IndexElemOpts
	// Where is a partial index's predicate: only rows for which it is
	// true have entries (and, when Unique, must differ).
	Where Expr
}

// IndexElemOpts are the options of a key element of CREATE INDEX.
type IndexElemOpts struct {
	Collate string // COLLATE name ("" for none)
	OpClass string // an operator class (text_pattern_ops; "" for none)
	Desc    bool
	// Nulls is "first" or "last" when NULLS FIRST / LAST is written.
	Nulls string
}

// Suffix is how PostgreSQL's index definition shows the options after
// the element: COLLATE "C" text_pattern_ops DESC NULLS LAST, leaving out
// NULLS when it is the direction's default (LAST ascending, FIRST
// descending).
func (o IndexElemOpts) Suffix() string {
	var b strings.Builder
	if o.Collate != "" {
		b.WriteString(" COLLATE " + QuoteIdent(o.Collate))
	}
	if o.OpClass != "" {
		b.WriteString(" " + o.OpClass)
	}
	if o.Desc {
		b.WriteString(" DESC")
		if o.Nulls == "last" {
			b.WriteString(" NULLS LAST")
		}
	} else if o.Nulls == "first" {
		b.WriteString(" NULLS FIRST")
	}
	return b.String()
}

// NullsFirst reports whether the element sorts NULLs first: written so,
// or descending without NULLS LAST.
func (o IndexElemOpts) NullsFirst() bool {
	return o.Nulls == "first" || (o.Desc && o.Nulls != "last")
}

// DropIndex is DROP INDEX [IF EXISTS] name [ON table] and DROP SORTED
// INDEX [IF EXISTS] name (Sorted).
type DropIndex struct {
	Pos          int
	Name         string
	Table        string
	IfExists     bool
	Sorted       bool
	Concurrently bool // DROP INDEX CONCURRENTLY (as CreateIndex's)
}

// CreateSortedIndex is CREATE SORTED INDEX [IF NOT EXISTS] name ON t
// (col [ASC|DESC], ...) KEY col.
type CreateSortedIndex struct {
	Pos         int
	Name        string
	Table       string
	Columns     []string // sort columns, most significant first
	Desc        []bool   // per sort column
	Key         string   // the column identifying an entry
	IfNotExists bool
}

// Show is SHOW <what> [...]: SHOW COLLECTIONS, SHOW TABLES, SHOW INDEXES
// [ON t], SHOW <variable>, SHOW ALL. What is lower-cased.
type Show struct {
	Pos   int
	What  string
	Table string // for SHOW INDEXES ON t
}

// Analyze is ANALYZE [name, ...]: collect statistics for the named
// collections (every collection when Tables is empty).
type Analyze struct {
	Pos    int
	Tables []string
}

// Vacuum is VACUUM [options] [name [, ...]]: rewrite the collections'
// storage compactly (every collection when Tables is empty); Analyze also
// runs ANALYZE on them.
type Vacuum struct {
	Pos     int
	Tables  []string
	Analyze bool
	Verbose bool // report each collection's compaction (INFO notices)
}

// Describe is DESCRIBE name.
type Describe struct {
	Pos  int
	Name string
}

// ---------------------------------------------------------------- DML

// OnConflict is the ON CONFLICT clause of INSERT.
type OnConflict struct {
	Pos    int
	Target []string // conflict target columns; empty means any unique key
	// TargetExprs, when set, is parallel to Target: an element written
	// as an expression (lower(email)) has it here and "" in Target.
	TargetExprs []Expr
	// TargetWhere is the target's predicate: a partial unique index
	// whose predicate it implies may be the arbiter.
	TargetWhere Expr
	// Constraint is ON CONFLICT ON CONSTRAINT name: the primary key or a
	// unique constraint, whose columns are the target.
	Constraint string
	DoNothing  bool
	Set        []Assignment // DO UPDATE SET ...
	Where      Expr         // DO UPDATE ... WHERE
}

// Assignment is `col = expr` in UPDATE and ON CONFLICT DO UPDATE.
type Assignment struct {
	Pos    int
	Column string // may be a dotted document path
	Value  Expr
}

// Insert is INSERT and UPSERT in all three forms: VALUES (Columns + Rows),
// object literals (Docs: each an *ObjectLit, possibly with Params), and
// INSERT ... SELECT (Select).
type Insert struct {
	Pos    int
	With   *With // WITH queries the statement reads (nil: none)
	Table  string
	Upsert bool // UPSERT INTO
	// Alias is INSERT INTO t AS alias: ON CONFLICT and RETURNING then
	// name the table by the alias only.
	Alias   string
	Columns []string
	Rows    [][]Expr // VALUES rows
	Docs    []Expr   // object literals; each *ObjectLit or a Param
	Select  *Select  // INSERT ... SELECT
	// DefaultValues is INSERT ... DEFAULT VALUES: one row of defaults.
	DefaultValues bool
	// OverridingSystem is OVERRIDING SYSTEM VALUE: values are taken for
	// GENERATED ALWAYS identity columns too (as COPY takes them).
	OverridingSystem bool
	OnConflict       *OnConflict
	Returning        []SelectItem
}

// Update is UPDATE t SET ... [WHERE] [RETURNING].
type Update struct {
	Pos       int
	With      *With // WITH queries the statement reads (nil: none)
	Table     string
	Alias     string
	Set       []Assignment
	From      []TableExpr // UPDATE ... FROM: other tables the SET and WHERE read
	Where     Expr
	Returning []SelectItem
}

// Delete is DELETE FROM t [WHERE] [RETURNING].
type Delete struct {
	Pos       int
	With      *With // WITH queries the statement reads (nil: none)
	Table     string
	Alias     string
	Using     []TableExpr // DELETE ... USING: other tables the WHERE reads
	Where     Expr
	Returning []SelectItem
}

// WithOf returns the WITH list of an INSERT, UPDATE or DELETE (nil for
// none and for other statements).
func WithOf(st Statement) *With {
	switch x := st.(type) {
	case *Insert:
		return x.With
	case *Update:
		return x.With
	case *Delete:
		return x.With
	}
	return nil
}

// Truncate is TRUNCATE [TABLE] t[, ...].
type Truncate struct {
	Pos    int
	Tables []string
	// RestartIdentity restarts the sequences the tables own (RESTART
	// IDENTITY).
	RestartIdentity bool
	Cascade         bool // also truncates the tables referencing them
}

// CopyFrom is COPY t [(cols)] FROM STDIN [WITH (FORMAT csv|text|binary, ...)].
type CopyFrom struct {
	Pos       int
	Table     string
	Columns   []string
	Format    string // "text" (default), "csv", "binary"
	Delimiter string // empty: format default
	Null      string // NULL marker; empty means format default unless NullSet
	NullSet   bool   // NULL 'x' was given (so an empty Null is the empty string)
	Header    bool
}

// CopyTo is COPY t [(cols)] TO STDOUT or COPY (query) TO STDOUT, with
// CopyFrom's options.
type CopyTo struct {
	Pos       int
	Table     string
	Columns   []string
	Query     *Select // nil for a table
	Format    string
	Delimiter string
	Null      string
	NullSet   bool
	Header    bool
}

func (*CopyTo) stmt() {}

// ---------------------------------------------------------------- queries

// Select is a full query: WITH, a body (select core or set operation),
// ORDER BY, LIMIT, OFFSET. It is also used for subqueries.
type Select struct {
	Pos     int
	With    *With
	Body    SelectBody
	OrderBy []OrderItem
	Limit   Expr
	Offset  Expr
	Locking []LockClause
}

// LockClause is FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF t,
// ...] [NOWAIT | SKIP LOCKED]: the rows a query returns are locked.
type LockClause struct {
	Pos      int
	Strength string   // "UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"
	Of       []string // the FROM entries locked (none: all)
	OfPos    []int
	Wait     string // "", "NOWAIT", "SKIP LOCKED"
}

// SelectBody is a *SelectCore, a *SetOp, or a *ValuesClause.
type SelectBody interface {
	selectBody()
}

// With is a WITH [RECURSIVE] list of CTEs.
type With struct {
	Pos       int
	Recursive bool
	CTEs      []CTE
}

// CTE is one `name [(cols)] AS (query)`: Query, or DML, a
// data-modifying statement (*Insert, *Update or *Delete) whose RETURNING
// rows are the CTE's.
type CTE struct {
	Pos     int
	Name    string
	Columns []string
	Query   *Select
	DML     Statement
}

// SelectCore is SELECT [DISTINCT] items FROM ... WHERE ... GROUP BY ... HAVING.
type SelectCore struct {
	Pos      int
	Distinct bool
	// DistinctOn is DISTINCT ON (e, ...): one row per distinct value of
	// the expressions, the first in ORDER BY order (Distinct is false).
	DistinctOn []Expr
	Items      []SelectItem
	From       []TableExpr // comma-separated entries (implicit cross join)
	Where      Expr
	GroupBy    []Expr
	Having     Expr
	Windows    []WindowDef // WINDOW w AS (...)
	// Into is SELECT ... INTO name: at the top of a statement the parser
	// makes it CREATE TABLE name AS; anywhere else it is an error.
	// IntoTemp: INTO TEMP[ORARY] [TABLE] name.
	Into     string
	IntoTemp bool
}

// SetOp is UNION [ALL] / INTERSECT [ALL] / EXCEPT [ALL].
type SetOp struct {
	Pos   int
	Op    string // "UNION", "INTERSECT", "EXCEPT"
	All   bool
	Left  SelectBody
	Right SelectBody
}

// ValuesClause is VALUES (..), (..) used as a query body.
type ValuesClause struct {
	Pos  int
	Rows [][]Expr
}

// SelectItem is one projection: `*`, `t.*`, or `expr [AS alias]`.
type SelectItem struct {
	Pos       int
	Star      bool
	StarTable string // for t.*
	Expr      Expr
	Alias     string
}

// OrderItem is one ORDER BY term.
type OrderItem struct {
	Pos        int
	Expr       Expr
	Desc       bool
	NullsFirst *bool // nil: default (NULLS LAST for ASC, FIRST for DESC)
}

// TableName is a named relation in FROM, with an optional alias.
type TableName struct {
	Pos   int
	Name  string
	Alias string
	// Columns is the alias's column list (t AS x(a, b)): new names for
	// the first columns.
	Columns []string
}

// Subquery is (SELECT ...) [AS] alias [(cols)] in FROM.
type Subquery struct {
	Pos     int
	Query   *Select
	Alias   string
	Columns []string
	// Lateral is LATERAL (SELECT ...): the query may read the columns
	// of the FROM entries before it (table functions always may).
	Lateral bool
}

// Join is `left [kind] JOIN right ON/USING ...`.
type Join struct {
	Pos     int
	Kind    string // "INNER", "LEFT", "RIGHT", "FULL", "CROSS"
	Natural bool
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []string
	// Alias is (a JOIN b ...) AS j [(x, y, ...)]: the join is one FROM
	// entry named j (hiding a and b), its columns renamed by Columns.
	Alias   string
	Columns []string
}

// FuncTable is a table function in FROM: generate_series(1, 10) [AS] g(x).
type FuncTable struct {
	Pos     int
	Func    *FuncCall
	Alias   string
	Columns []string
	// Ordinality: WITH ORDINALITY adds a bigint column numbering the
	// function's rows from 1.
	Ordinality bool
	// RowsFrom is ROWS FROM (f(...), g(...), ...): Func is f, More the
	// functions after it. Row i holds each function's row i (NULLs for a
	// function with fewer rows), their columns side by side.
	RowsFrom bool
	More     []*FuncCall
}

// StreamSource is STREAM s [PARTITION p] CONSUMER GROUP g [CONSUMER 'c'] and
// TOPIC t CONSUMER GROUP g in FROM (used by the real-time layer).
type StreamSource struct {
	Pos       int
	Topic     bool
	Name      string
	Group     string
	Partition Expr // nil: all partitions
	Consumer  string
	Alias     string
}

// WindowDef is a named or inline window specification.
type WindowDef struct {
	Pos         int
	Name        string // WINDOW name AS (...) ; empty inline
	Ref         string // OVER (w ...) base window name
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *Frame
}

// Frame is ROWS/RANGE/GROUPS BETWEEN start AND end.
type Frame struct {
	Mode  string // "ROWS", "RANGE", "GROUPS"
	Start FrameBound
	End   FrameBound
}

// FrameBound is one end of a frame.
type FrameBound struct {
	Kind   string // "UNBOUNDED PRECEDING", "PRECEDING", "CURRENT ROW", "FOLLOWING", "UNBOUNDED FOLLOWING"
	Offset Expr
}

// Explain is EXPLAIN [ANALYZE] statement.
type Explain struct {
	Pos     int
	Analyze bool
	Stmt    Statement
}

// ---------------------------------------------------------------- session

// Begin is BEGIN / START TRANSACTION [ISOLATION LEVEL ...] [READ ONLY].
type Begin struct {
	Pos       int
	Isolation string // as written, upper case; empty when absent
	ReadOnly  bool
}

// Commit is COMMIT / END.
type Commit struct{ Pos int }

// Rollback is ROLLBACK / ABORT.
type Rollback struct{ Pos int }

// Savepoint, ReleaseSavepoint and RollbackTo are parsed so clients that emit
// them get a clear 0A000 rather than a syntax error.
type Savepoint struct {
	Pos  int
	Name string
}

// ReleaseSavepoint is RELEASE [SAVEPOINT] name.
type ReleaseSavepoint struct {
	Pos  int
	Name string
}

// RollbackTo is ROLLBACK TO [SAVEPOINT] name.
type RollbackTo struct {
	Pos  int
	Name string
}

// Set is SET [SESSION|LOCAL] name = / TO value[, ...] and SET TIME ZONE x.
// Values are kept as text.
type Set struct {
	Pos    int
	Name   string // lower-cased
	Values []string
	Local  bool
	Reset  bool // RESET name / SET name TO DEFAULT
}

// Discard is DISCARD ALL|PLANS|... (sent by poolers).
type Discard struct {
	Pos  int
	What string
}

// Checkpoint is CHECKPOINT: write the data held in memory to the data
// files, as PostgreSQL's CHECKPOINT flushes its buffers.
type Checkpoint struct {
	Pos int
}

// CreateView is CREATE [OR REPLACE] VIEW name [(cols)] AS query.
type CreateView struct {
	Pos       int
	Name      string
	Columns   []string
	Query     *Select
	OrReplace bool
}

// DropView is DROP VIEW [IF EXISTS] name[, ...].
type DropView struct {
	Pos      int
	Names    []string
	IfExists bool
	Cascade  bool // drops the views over them too
}

// LockTable is LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE]
// [NOWAIT]; Mode is PostgreSQL's lock mode in upper case ("ACCESS
// SHARE"; "ACCESS EXCLUSIVE" when none is given).
type LockTable struct {
	Pos    int
	Names  []string
	Mode   string
	NoWait bool
}

// Empty is an empty statement (";" alone or only comments).
type Empty struct{}

func (*CreateCollection) stmt()  {}
func (*DropCollection) stmt()    {}
func (*UndropCollection) stmt()  {}
func (*AlterAddColumn) stmt()    {}
func (*CreateIndex) stmt()       {}
func (*DropIndex) stmt()         {}
func (*CreateSortedIndex) stmt() {}
func (*Show) stmt()              {}
func (*Describe) stmt()          {}
func (*Analyze) stmt()           {}
func (*Vacuum) stmt()            {}
func (*Insert) stmt()            {}
func (*Update) stmt()            {}
func (*Delete) stmt()            {}
func (*Truncate) stmt()          {}
func (*CopyFrom) stmt()          {}
func (*Select) stmt()            {}
func (*Explain) stmt()           {}
func (*Begin) stmt()             {}
func (*Commit) stmt()            {}
func (*Rollback) stmt()          {}
func (*Savepoint) stmt()         {}
func (*ReleaseSavepoint) stmt()  {}
func (*RollbackTo) stmt()        {}
func (*Set) stmt()               {}
func (*Discard) stmt()           {}
func (*Checkpoint) stmt()        {}
func (*Empty) stmt()             {}
func (*LockTable) stmt()         {}
func (*CreateView) stmt()        {}
func (*DropView) stmt()          {}

func (*SelectCore) selectBody()   {}
func (*SetOp) selectBody()        {}
func (*ValuesClause) selectBody() {}

func (*TableName) tableExpr()    {}
func (*Subquery) tableExpr()     {}
func (*Join) tableExpr()         {}
func (*FuncTable) tableExpr()    {}
func (*StreamSource) tableExpr() {}

// SeqOptions are a sequence's options as written (CREATE SEQUENCE, ALTER
// SEQUENCE, an identity column's parenthesized options); nil fields were
// not given. NoMin and NoMax are NO MINVALUE and NO MAXVALUE.
type SeqOptions struct {
	Type         string // AS smallint|integer|bigint
	Inc          *int64
	Min, Max     *int64
	NoMin, NoMax bool
	Start        *int64
	Cache        *int64
	Cycle        *bool
	OwnedBy      []string // table, column; ["none"] for OWNED BY NONE
	Name         string   // SEQUENCE NAME s, in an identity column's options
	Restart      bool     // ALTER SEQUENCE ... RESTART [WITH n]
	RestartWith  *int64
}

// CreateSequence is CREATE SEQUENCE [IF NOT EXISTS] name [options].
type CreateSequence struct {
	Pos         int
	Name        string
	IfNotExists bool
	Options     SeqOptions
}

// DropSequence is DROP SEQUENCE [IF EXISTS] name[, ...].
type DropSequence struct {
	Pos      int
	Names    []string
	IfExists bool
}

// AlterSequence is ALTER SEQUENCE [IF EXISTS] name options.
type AlterSequence struct {
	Pos      int
	Name     string
	IfExists bool
	Options  SeqOptions
}

func (*CreateSequence) stmt() {}
func (*DropSequence) stmt()   {}
func (*AlterSequence) stmt()  {}

// CreateEnum is CREATE TYPE name AS ENUM ('label', ...).
type CreateEnum struct {
	Pos    int
	Name   string
	Labels []string
}

// DropType is DROP TYPE [IF EXISTS] name, ... [CASCADE | RESTRICT].
type DropType struct {
	Pos      int
	Names    []string
	IfExists bool
	Cascade  bool
}

// AlterEnum is ALTER TYPE name followed by one of: ADD VALUE [IF NOT
// EXISTS] 'label' [BEFORE | AFTER 'neighbor'] (Action "ADD VALUE"),
// RENAME VALUE 'label' TO 'to' ("RENAME VALUE"), RENAME TO to
// ("RENAME").
type AlterEnum struct {
	Pos         int
	Name        string
	Action      string
	Label       string
	Neighbor    string // ADD VALUE's BEFORE/AFTER label, "" for the end
	Before      bool
	IfNotExists bool
	To          string
}

func (*CreateEnum) stmt() {}
func (*DropType) stmt()   {}
func (*AlterEnum) stmt()  {}

// CreateTableAs is CREATE TABLE [IF NOT EXISTS] name [(col, ...)] AS query
// [WITH [NO] DATA]: a table with the query's columns (renamed by the
// list) and, unless NoData, its rows.
type CreateTableAs struct {
	Pos         int
	Name        string
	IfNotExists bool
	Columns     []string
	Query       *Select
	NoData      bool
	// Temp, Global and OnCommit are as CreateCollection's.
	Temp     bool
	Global   bool
	OnCommit OnCommit
}

func (*CreateTableAs) stmt() {}

// AlterIfExists is ALTER TABLE IF EXISTS t ...: Stmt (an ALTER TABLE of
// t), or a notice when there is no t.
type AlterIfExists struct {
	Pos   int
	Table string
	Stmt  Statement
}

func (*AlterIfExists) stmt() {}

// CreateExtension is CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA
// s] [VERSION v] [CASCADE].
type CreateExtension struct {
	Pos         int
	Name        string
	IfNotExists bool
	Schema      string
	Version     string
	Cascade     bool
}

// DropExtension is DROP EXTENSION [IF EXISTS] name, ... [CASCADE |
// RESTRICT].
type DropExtension struct {
	Pos      int
	Names    []string
	IfExists bool
	Cascade  bool
}

func (*CreateExtension) stmt() {}
func (*DropExtension) stmt()   {}

// RenameIndex is ALTER INDEX [IF EXISTS] name RENAME TO to.
type RenameIndex struct {
	Pos      int
	Name     string
	To       string
	IfExists bool
}

// RenameConstraint is ALTER TABLE t RENAME CONSTRAINT from TO to.
type RenameConstraint struct {
	Pos      int
	Table    string
	From, To string
}

func (*RenameIndex) stmt()      {}
func (*RenameConstraint) stmt() {}

// SetConstraints is SET CONSTRAINTS {ALL | name, ...} {DEFERRED |
// IMMEDIATE} (Names nil for ALL).
type SetConstraints struct {
	Pos      int
	Names    []string
	Deferred bool
}

func (*SetConstraints) stmt() {}

// PrepareStmt is PREPARE name [(type, ...)] AS statement.
type PrepareStmt struct {
	Pos       int
	Name      string
	TypeNames []string // the parameters' declared types, as written
	Types     []types.T
	Stmt      Statement
}

// ExecuteStmt is EXECUTE name [(arg, ...)].
type ExecuteStmt struct {
	Pos  int
	Name string
	Args []Expr
}

// Deallocate is DEALLOCATE [PREPARE] {name | ALL} (Name "" for ALL).
type Deallocate struct {
	Pos  int
	Name string
}

func (*PrepareStmt) stmt() {}
func (*ExecuteStmt) stmt() {}
func (*Deallocate) stmt()  {}

// CreateSchema is CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role].
type CreateSchema struct {
	Pos         int
	Name        string
	IfNotExists bool
}

func (*CreateSchema) stmt() {}
