package plan

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Column is one output column of a plan node.
type Column struct {
	Name     string
	T        types.T
	TypeMod  int32
	TableOID uint32
	AttrNum  int16
	Fields   []Column // a row value's fields (type Record), when known
}

// Node is a relational operator. Every node produces rows whose layout is
// Columns().
type Node interface {
	Columns() []Column
}

// Access is how a Scan finds its rows.
type Access int

// Access paths, cheapest first.
const (
	AccessPK       Access = iota // primary-key point lookups (PKKeys)
	AccessPKPrefix               // rows sharing leading key columns (PKKeys[0]): one key range
	AccessIndex                  // secondary index range (Index, IndexEq / bounds)
	AccessFull                   // every row of the collection
	AccessLookup                 // the rows of a lookup join's keys, read per outer row (Join.LookupKeys)
)

// Scan reads a collection. The output row of a strict collection is its
// columns in order; of a schemaless collection, one Doc column holding the
// whole document (fields are read with FieldRef).
type Scan struct {
	Coll   *catalog.Collection
	Access Access
	// PKKeys: for AccessPK, one []Expr per point lookup (pk values); for
	// AccessPKPrefix, one []Expr: the values of the leading key columns
	// (at least the collection's ShardCols, fewer than all).
	PKKeys [][]Expr
	// Index access: equality values on the leading columns, then an
	// optional range on the next column.
	Index    *catalog.Index
	IndexEq  []Expr
	RangeLo  Expr // nil: unbounded
	RangeHi  Expr
	LoIncl   bool
	HiIncl   bool
	Filter   Expr // residual predicate, nil for none
	Cols     []Column
	Estimate string // for EXPLAIN
	// Stats are the collection's ANALYZE statistics when planned (nil:
	// never analyzed); row estimates read them.
	Stats *catalog.TableStats
	// Used marks the columns of a strict collection the query reads; the
	// scan may leave the others NULL. nil: every column (DML scans, whose
	// rows are written back whole).
	Used []bool
	// Cached: when planned, a full scan of the collection would read a
	// column copy in memory (Builder.Columns), which costs a fraction of
	// reading the stored rows (costCachedRow).
	Cached bool
	// Order: an index scan returns its rows in the order of the index
	// column after those pinned by IndexEq (then the next ones), 1
	// ascending, -1 descending (0: any order); NullsFirst places that
	// column's NULLs. See orderByIndex.
	Order      int8
	NullsFirst bool
}

// Filter keeps rows where Pred is true.
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes Exprs over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  []Column
}

// AggCall is one aggregate in an Aggregate node.
type AggCall struct {
	Agg      *funcs.Agg
	Args     []Expr
	Distinct bool
	Filter   Expr
	// OrderBy orders the rows the aggregate sees (string_agg(x, ',' ORDER
	// BY y)); empty: input order.
	OrderBy []SortKey
	T       types.T
}

// Aggregate groups rows by GroupBy and computes Aggs. Its output row is
// the group-by values followed by the aggregate results.
type Aggregate struct {
	Input   Node
	GroupBy []Expr
	Aggs    []AggCall
	Cols    []Column
}

// SortKey is one ORDER BY key.
type SortKey struct {
	X          Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders rows.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit applies LIMIT/OFFSET (nil for absent).
type Limit struct {
	Input         Node
	Limit, Offset Expr
}

// Distinct removes duplicate rows.
type Distinct struct {
	Input Node
	// On, when set, makes it DISTINCT ON: the first row of each run of
	// rows equal in these columns (the input is sorted on them).
	On []int
}

// Values produces literal rows (also the single empty row of a FROM-less
// SELECT).
type Values struct {
	Rows [][]Expr
	Cols []Column
}

// Trim drops trailing columns added for ORDER BY on non-projected values.
type Trim struct {
	Input Node
	N     int
}

// ProjectSet runs the select list's set-returning functions for each
// input row, as PostgreSQL (10 and later) does: it yields the input row
// followed by one value per function, as many rows as the longest result,
// the shorter results padded with NULL (no row when every result is
// empty). Each function is a FuncScan whose Args read the input row.
type ProjectSet struct {
	Input Node
	Funcs []*FuncScan
	Cols  []Column // the input's, then one per function
}

// Columns implementations.
func (n *Scan) Columns() []Column       { return n.Cols }
func (n *Filter) Columns() []Column     { return n.Input.Columns() }
func (n *Project) Columns() []Column    { return n.Cols }
func (n *ProjectSet) Columns() []Column { return n.Cols }
func (n *Aggregate) Columns() []Column  { return n.Cols }
func (n *Sort) Columns() []Column       { return n.Input.Columns() }
func (n *Limit) Columns() []Column      { return n.Input.Columns() }
func (n *Distinct) Columns() []Column   { return n.Input.Columns() }
func (n *Values) Columns() []Column     { return n.Cols }
func (n *Trim) Columns() []Column       { return n.Input.Columns()[:n.N] }

// ---------------------------------------------------------------- writes

// Conflict is a bound ON CONFLICT clause.
type Conflict struct {
	DoNothing bool
	// Arbiter, when set, is the columns of the unique constraint (not
	// the primary key) that ON CONFLICT names: a row conflicts when one
	// holds its values there.
	Arbiter []string
	// ArbiterIndex, when not -1, is the position in the collection's
	// Indexes of the expression or partial unique index ON CONFLICT's
	// target inferred: a row conflicts when it has an entry there and
	// another row holds it.
	ArbiterIndex int
	// Set assigns new values; expressions see the existing row followed by
	// the excluded (proposed) row, then the rows of Sources.
	Set []SetCol
	// Sources are the sub-SELECTs of SET (a, b) = (SELECT ...), each run
	// once per row updated (see Update.Sources).
	Sources []*Subquery
	Where   Expr
}

// SetCol assigns one column (strict: Idx; schemaless: Path) from Value.
type SetCol struct {
	Idx   int
	Path  []string
	Value Expr
}

// Insert writes rows produced by Source. For strict collections Source rows
// are full tuples in column order (defaults applied); for schemaless, one
// Doc column.
type Insert struct {
	Coll      *catalog.Collection
	Source    Node
	Upsert    bool
	Conflict  *Conflict
	Returning []Expr // over the written row layout (Scan layout)
	RetCols   []Column
	// Writes are the data-modifying WITH queries run before it.
	Writes []*CTEDef
}

// Update rewrites rows found by Scan.
type Update struct {
	Coll *catalog.Collection
	Scan *Scan
	// Set assigns new values over the row found followed by the rows of
	// Sources.
	Set []SetCol
	// Sources are the sub-SELECTs of SET (a, b) = (SELECT ...) (of kind
	// SubRow), each run once per row updated, with that row as their
	// outer row; their rows' values follow it, in order, in the row the
	// Set values read.
	Sources   []*Subquery
	Returning []Expr
	RetCols   []Column
	// Writes are the data-modifying WITH queries run before it.
	Writes []*CTEDef
}

// Delete removes rows found by Scan.
type Delete struct {
	Coll      *catalog.Collection
	Scan      *Scan
	Returning []Expr
	RetCols   []Column
	// Writes are the data-modifying WITH queries run before it.
	Writes []*CTEDef
}

// Columns of write nodes are their RETURNING columns (nil without one).
func (n *Insert) Columns() []Column { return n.RetCols }

// Columns returns the RETURNING columns.
func (n *Update) Columns() []Column { return n.RetCols }

// Columns returns the RETURNING columns.
func (n *Delete) Columns() []Column { return n.RetCols }

// Join combines two inputs; its row is the left row followed by the right.
// EqLeft/EqRight, when set, are equi-join keys (hash join); On is the
// (remaining) join condition over the combined row.
type Join struct {
	Kind            string // "INNER", "LEFT", "RIGHT", "FULL", "CROSS"
	Left, Right     Node
	On              Expr
	EqLeft, EqRight []Expr
	// LookupKeys, when set, make the join an index nested-loop join (a
	// lookup join; INNER or LEFT): Right is a Scan (AccessLookup) whose rows
	// are read for each left row by the values of its collection's
	// leading key columns, these expressions over the left row: all of
	// them (one point read) or at least the columns its vShard is hashed
	// from (one key range). On still holds the whole condition.
	LookupKeys []Expr
	Cols       []Column
	est        float64 // cached Estimate; 0 until computed
}

// Apply is a lateral join: Right is run once for each row of Left, with
// that row as the innermost outer row (Right reads it through OuterRef
// depth 1), and each of its rows is appended to the left row. Outer keeps
// a left row that Right gave nothing for (LEFT JOIN LATERAL), with NULLs;
// On, over the combined row, filters as a join condition.
type Apply struct {
	Left, Right Node
	Outer       bool
	On          Expr
	Cols        []Column
	// One refuses more than one row of Right for a left row (21000): the
	// sub-SELECT of SET (a, b) = (SELECT ...) in UPDATE ... FROM.
	One bool
}

// Columns returns the combined layout.
func (n *Apply) Columns() []Column { return n.Cols }

// SetOp is UNION / INTERSECT / EXCEPT [ALL] over inputs of equal arity.
type SetOp struct {
	Op          string
	All         bool
	Left, Right Node
	Cols        []Column
}

// Columns returns the combined layout.
func (n *Join) Columns() []Column { return n.Cols }

// Columns returns the left input's layout (names) with unified types.
func (n *SetOp) Columns() []Column { return n.Cols }
