package plan

import (
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// CTEDef is one WITH query. Its plan runs at most once per statement;
// every reference reads the same rows. A data-modifying one (Writes) has
// an *Insert, *Update or *Delete plan, runs once before the statement
// whether it is read or not, and its rows are its RETURNING rows.
type CTEDef struct {
	Name   string
	Plan   Node
	Cols   []Column
	Writes bool
	// NoReturning: a data-modifying query without RETURNING (it cannot be
	// read). Read: the statement reads a data-modifying query's rows.
	NoReturning bool
	Read        bool
	work        *WorkTable // set while a recursive CTE's step is planned
}

// WithWrites runs the data-modifying WITH queries of a SELECT, then the
// SELECT (which reads the tables as they were before them, as in
// PostgreSQL, and their RETURNING rows through CTE scans).
type WithWrites struct {
	Writes []*CTEDef
	Input  Node
}

// Columns returns the query's columns.
func (n *WithWrites) Columns() []Column { return n.Input.Columns() }

// AllowWritesIn lets the WITH list w, the statement's own, hold INSERT,
// UPDATE and DELETE queries: PostgreSQL allows them at the top level of a
// statement only (not in subqueries, views or CREATE TABLE AS).
func (b *Builder) AllowWritesIn(w *ast.With) { b.topWith = w }

// statementWith plans a statement's WITH list (nil: none): its names are
// visible until pop; writes are its data-modifying queries, which run
// before the statement.
func (b *Builder) statementWith(w *ast.With, outer *scope) (pop func(), writes []*CTEDef, err error) {
	if w == nil {
		return func() {}, nil, nil
	}
	n := len(b.writeCTEs)
	if pop, err = b.pushWith(w, outer); err != nil {
		b.writeCTEs = b.writeCTEs[:n]
		return nil, nil, err
	}
	writes = slices.Clone(b.writeCTEs[n:])
	b.writeCTEs = b.writeCTEs[:n]
	return pop, writes, nil
}

// withWriteQueries plans an INSERT, UPDATE or DELETE (build) with its
// WITH list w in scope and gives it (set) the list's data-modifying
// queries.
func withWriteQueries[N Node](b *Builder, w *ast.With, build func() (N, error), set func(N, []*CTEDef)) (N, error) {
	var none N
	pop, writes, err := b.statementWith(w, nil)
	if err != nil {
		return none, err
	}
	defer pop()
	n, err := build()
	if err != nil {
		return none, err
	}
	set(n, writes)
	return n, nil
}

// buildWriteCTE plans a data-modifying WITH query.
func (b *Builder) buildWriteCTE(c ast.CTE, w *ast.With, outer *scope) (*CTEDef, error) {
	if w != b.topWith || outer != nil {
		return nil, errAt(errs.FeatureNotSupported, c.Pos, "WITH clause containing a data-modifying statement must be at the top level")
	}
	def := &CTEDef{Name: c.Name, Writes: true}
	var err error
	switch x := c.DML.(type) {
	case *ast.Insert:
		def.Plan, err = b.BuildInsert(x)
		def.NoReturning = x.Returning == nil
	case *ast.Update:
		def.Plan, err = b.BuildUpdate(x)
		def.NoReturning = x.Returning == nil
	case *ast.Delete:
		def.Plan, err = b.BuildDelete(x)
		def.NoReturning = x.Returning == nil
	default:
		err = errAt(errs.FeatureNotSupported, c.Pos, "unsupported WITH query %T", c.DML)
	}
	if err != nil {
		return nil, err
	}
	b.writeCTEs = append(b.writeCTEs, def)
	return def, nil
}

// CTEScan reads a WITH query's rows.
type CTEScan struct {
	Def  *CTEDef
	Cols []Column
}

// Columns returns the CTE's columns.
func (n *CTEScan) Columns() []Column { return n.Cols }

// RecursiveCTE evaluates WITH RECURSIVE: Base once, then Step repeatedly
// over the rows the previous round produced (read by WorkTableScan) until
// a round adds nothing. With All false, rows already produced are dropped.
type RecursiveCTE struct {
	Base, Step Node
	All        bool
	Work       *WorkTable
	Cols       []Column
}

// Columns returns the CTE's columns.
func (n *RecursiveCTE) Columns() []Column { return n.Cols }

// WorkTable identifies the rows of the previous round of a recursive CTE.
type WorkTable struct{ Name string }

// WorkTableScan reads the previous round of a recursive CTE.
type WorkTableScan struct {
	Work *WorkTable
	Cols []Column
}

// Columns returns the CTE's columns.
func (n *WorkTableScan) Columns() []Column { return n.Cols }

// MaxRecursion bounds the rounds of a recursive CTE.
const MaxRecursion = 100_000

// pushWith plans a WITH list and makes its names visible until pop.
func (b *Builder) pushWith(w *ast.With, outer *scope) (func(), error) {
	frame := map[string]*CTEDef{}
	b.ctes = append(b.ctes, frame)
	pop := func() { b.ctes = b.ctes[:len(b.ctes)-1] }
	for _, c := range w.CTEs {
		if _, dup := frame[c.Name]; dup {
			pop()
			return nil, errAt(errs.DuplicateAlias, c.Pos, "WITH query name %q specified more than once", c.Name)
		}
		def := &CTEDef{Name: c.Name}
		var err error
		switch {
		case c.DML != nil:
			def, err = b.buildWriteCTE(c, w, outer)
		case w.Recursive && refersTo(c.Query, c.Name):
			def.Plan, err = b.buildRecursive(c, outer)
		default:
			def.Plan, err = b.buildSelect(c.Query, outer)
		}
		if err != nil {
			pop()
			return nil, err
		}
		def.Cols = renameCols(def.Plan.Columns(), c.Columns)
		if len(c.Columns) > len(def.Cols) {
			pop()
			return nil, errAt(errs.InvalidColumnReference, c.Pos, "WITH query %q has %d columns available but %d columns specified",
				c.Name, len(def.Cols), len(c.Columns))
		}
		frame[c.Name] = def
	}
	return pop, nil
}

func renameCols(cols []Column, names []string) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.Name, T: c.T, TypeMod: -1, Fields: c.Fields}
		if c.T == types.Enum {
			out[i].TypeMod = c.TypeMod // which enum it is
		}
		if i < len(names) {
			out[i].Name = names[i]
		}
	}
	return out
}

// cteRef resolves a FROM name to a WITH query (or a recursive CTE's
// working table), innermost first.
func (b *Builder) cteRef(name string) (Node, []Column, bool) {
	for i := len(b.ctes) - 1; i >= 0; i-- {
		def, ok := b.ctes[i][name]
		if !ok {
			continue
		}
		if def.Plan == nil { // a recursive CTE's own name inside its step
			wt := def.work
			return &WorkTableScan{Work: wt, Cols: def.Cols}, def.Cols, true
		}
		return &CTEScan{Def: def, Cols: def.Cols}, def.Cols, true
	}
	return nil, nil, false
}

// buildRecursive plans `base UNION [ALL] step` where step reads the CTE.
func (b *Builder) buildRecursive(c ast.CTE, outer *scope) (Node, error) {
	body, ok := c.Query.Body.(*ast.SetOp)
	if !ok || body.Op != "UNION" || c.Query.OrderBy != nil || c.Query.Limit != nil {
		return nil, errAt(errs.FeatureNotSupported, c.Pos,
			"recursive query %q must have the form non_recursive_term UNION [ALL] recursive_term", c.Name)
	}
	base, err := b.buildBody(body.Left, outer)
	if err != nil {
		return nil, err
	}
	cols := renameCols(base.Columns(), c.Columns)
	wt := &WorkTable{Name: c.Name}
	// While the step is planned, the CTE's name reads the working table.
	frame := b.ctes[len(b.ctes)-1]
	frame[c.Name] = &CTEDef{Name: c.Name, Cols: cols, work: wt}
	step, err := b.buildBody(body.Right, outer)
	delete(frame, c.Name)
	if err != nil {
		return nil, err
	}
	sc := step.Columns()
	if len(sc) != len(cols) {
		return nil, errAt(errs.SyntaxError, c.Pos, "each UNION query must have the same number of columns")
	}
	for i := range cols {
		t, err := funcs.CommonType([]types.T{cols[i].T, sc[i].T})
		if err == nil {
			cols[i].T = t
		}
	}
	return &RecursiveCTE{Base: base, Step: step, All: body.All, Work: wt, Cols: cols}, nil
}

// refersTo reports whether a query mentions name in a FROM clause.
func refersTo(q *ast.Select, name string) bool {
	found := false
	var visitBody func(ast.SelectBody)
	var visitTable func(ast.TableExpr)
	visitTable = func(t ast.TableExpr) {
		switch x := t.(type) {
		case *ast.TableName:
			if x.Name == name {
				found = true
			}
		case *ast.Join:
			visitTable(x.Left)
			visitTable(x.Right)
		case *ast.Subquery:
			visitBody(x.Query.Body)
		}
	}
	visitBody = func(b ast.SelectBody) {
		switch x := b.(type) {
		case *ast.SelectCore:
			for _, t := range x.From {
				visitTable(t)
			}
		case *ast.SetOp:
			visitBody(x.Left)
			visitBody(x.Right)
		}
	}
	visitBody(q.Body)
	return found
}

// isCTE reports whether a name refers to a WITH query in scope.
func (b *Builder) isCTE(name string) bool {
	_, _, ok := b.cteRef(name)
	return ok
}

// ViewCatalog is what the planner needs to expand views.
type ViewCatalog interface {
	View(name string) (*catalog.View, bool)
}

// maxViewDepth bounds nested view expansion (a view defined over itself
// through OR REPLACE would otherwise never end).
const maxViewDepth = 32

// TempCatalog is implemented by a catalog that holds the session's
// temporary tables (catalog.Scope): they shadow views of the same name,
// and a view's query, bound when it was made to the permanent tables,
// must not find them.
type TempCatalog interface {
	GetTemp(name string) (*catalog.Collection, bool)
	Permanent() *catalog.Catalog
}

// viewRef expands a view named in FROM into a derived table (a WITH query
// of the same name, or a temporary table, shadows it).
func (b *Builder) viewRef(x *ast.TableName) (Node, []Column, bool, error) {
	vc, ok := b.Cat.(ViewCatalog)
	if !ok || b.isCTE(x.Name) {
		return nil, nil, false, nil
	}
	if tc, ok := b.Cat.(TempCatalog); ok {
		if _, isTemp := tc.GetTemp(x.Name); isTemp {
			return nil, nil, false, nil
		}
		cat := b.Cat
		b.Cat = tc.Permanent()
		defer func() { b.Cat = cat }()
	}
	v, ok := vc.View(strings.TrimPrefix(x.Name, "public."))
	if !ok {
		return nil, nil, false, nil
	}
	if b.viewDepth >= maxViewDepth {
		return nil, nil, true, errAt(errs.InvalidObjectDefinition, x.Pos, "infinite recursion detected in view %q", v.Name)
	}
	stmts, err := parser.Parse(v.SQL)
	if err != nil {
		return nil, nil, true, err
	}
	q, ok := stmts[0].AST.(*ast.Select)
	if len(stmts) != 1 || !ok {
		return nil, nil, true, errs.Errorf(errs.DataCorrupted, "view %q has a bad definition", v.Name)
	}
	b.viewDepth++
	n, err := b.buildSelect(q, nil)
	b.viewDepth--
	if err != nil {
		return nil, nil, true, err
	}
	return n, renameCols(n.Columns(), v.Columns), true, nil
}
