package plan

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Catalog is what the planner needs of the catalog.
type Catalog interface {
	MustGet(name string) (*catalog.Collection, error)
}

// Builder binds one statement against the catalog. Params collects the
// types inferred for $n placeholders.
type Builder struct {
	Cat    Catalog
	Sys    SystemTables // nil: no system tables
	Params []types.T
	// Columns tells which collections have a column copy full scans read
	// (Scan.Cached); nil: none do.
	Columns ColumnCopies
	// OnColumn, when set, is told of every column reference that resolves
	// to a column of a collection with columns, ref.Parts[part] naming the
	// column (what ALTER TABLE ... RENAME COLUMN rewrites in views).
	OnColumn func(ref *ast.ColumnRef, part int, coll *catalog.Collection)

	ctes []map[string]*CTEDef // WITH frames, innermost last
	// topWith is the WITH list of the statement planned, the only one
	// that may hold data-modifying queries (see AllowWritesIn); writeCTEs
	// collects them as they are planned.
	topWith   *ast.With
	writeCTEs []*CTEDef
	viewDepth int // views being expanded
	funcDepth int // user functions being inlined
}

// FunctionCatalog is implemented by catalogs that hold user functions.
type FunctionCatalog interface {
	Function(name string) (*catalog.Function, bool)
}

// maxFuncDepth bounds nested inlining (a function calling itself).
const maxFuncDepth = 16

// inlineFunction expands a call of a user SQL function into its
// expression, with the arguments in place of the parameters.
func (bd *binder) inlineFunction(x *ast.FuncCall, name string) (ast.Expr, bool, error) {
	fc, ok := bd.b.Cat.(FunctionCatalog)
	if !ok {
		return nil, false, nil
	}
	uf, ok := fc.Function(name)
	if !ok {
		return nil, false, nil
	}
	if x.Star || x.Distinct || x.Over != nil || x.Filter != nil || len(x.Args) != len(uf.Params) {
		return nil, true, errAt(errs.UndefinedFunction, x.Pos, "function %s with %d arguments does not exist", name, len(x.Args))
	}
	if bd.b.funcDepth >= maxFuncDepth {
		return nil, true, errAt(errs.StatementTooComplex, x.Pos, "function %s nests more than %d calls deep", name, maxFuncDepth)
	}
	args := map[string]string{}
	for i, prm := range uf.Params {
		args[prm.Name] = "(" + ast.Format(x.Args[i]) + ")"
	}
	text, err := parser.SubstituteVars(uf.Expr, func(n, _ string, hasField bool) (string, bool) {
		if hasField {
			return "", false
		}
		a, ok := args[n]
		return a, ok
	})
	if err != nil {
		return nil, true, err
	}
	e, err := parser.ParseExpr("CAST((" + text + ") AS " + uf.Returns + ")")
	if err != nil {
		return nil, true, errAt(errs.InvalidFunctionDefinition, x.Pos, "function %s: %v", name, err)
	}
	return e, true, nil
}

// rel is one relation visible in a scope: a collection, a system table or
// a derived table, occupying cols [off, off+len(cols)) of the input row.
type rel struct {
	name  string
	alias string
	coll  *catalog.Collection // nil unless a collection
	cols  []Column
	off   int
	// qualifiedOnly relations (EXCLUDED) are reachable only by qualifier.
	qualifiedOnly bool
	// used, when not nil, records which columns expressions read (see
	// Scan.Used); every reference is resolved through inRel.
	used []bool
	// scalar marks a function of one column in FROM: its name as a
	// column is that column's value, not a row (PostgreSQL's rule for
	// functions returning a base type).
	scalar bool
	// aliased marks a collection whose columns the alias renamed (t AS
	// x(a, b)): * shows cols' names, not the collection's.
	aliased bool
	// tableOID, when not 0, is the OID the system column tableoid reads
	// (a system catalog table; see TableOIDer).
	tableOID uint32
}

func (r *rel) ref() string {
	if r.alias != "" {
		return r.alias
	}
	return r.name
}

func (r *rel) schemaless() bool { return r.coll != nil && !r.coll.Tuple() }

// scope resolves column names for expressions over one input row layout:
// the relations of a FROM clause side by side, and the enclosing query's
// scope for correlated references.
type scope struct {
	rels  []*rel
	cols  []Column
	outer *scope
	// correlated is set when a name resolved in an outer scope.
	correlated bool
	// coll and alias describe the single collection of DML statements.
	coll  *catalog.Collection
	alias string
	// items are the FROM entries as namespaces (see fromNode); merged
	// are the USING columns of its joins, and replaced the columns a
	// merged column stands for, which bare names no longer reach.
	items    []*fromNode
	merged   []*mergedCol
	replaced map[nsCol]bool
	// unreachable is a table whose columns are out of this scope's reach
	// (an INSERT's target in its VALUES): naming it or one of its columns
	// gets PostgreSQL's hint.
	unreachable *catalog.Collection
	// hidden are the names of the entries inside aliased joins ((a JOIN
	// b) AS j), which only an error message still mentions.
	hidden map[string]bool
}

// undefinedColumn is 42703 for a bare name, with PostgreSQL's hint when
// the name is a column of sc's unreachable table.
func (sc *scope) undefinedColumn(name string, pos int) error {
	err := errs.Errorf(errs.UndefinedColumn, "column %q does not exist", name).WithPosition(pos)
	if sc != nil && sc.unreachable != nil && sc.unreachable.ColumnIndex(name) >= 0 {
		err = err.WithHint(fmt.Sprintf("There is a column named %q in table %q, but it cannot be referenced from this part of the query.", name, sc.unreachable.Name))
	}
	return err
}

func (sc *scope) add(r *rel) {
	r.off = len(sc.cols)
	sc.rels = append(sc.rels, r)
	sc.cols = append(sc.cols, r.cols...)
	sc.items = append(sc.items, &fromNode{rel: r})
}

// aggCtx collects aggregates while binding over an Aggregate's output.
type aggCtx struct {
	in      *scope
	groupBy []Expr // as bound (set-returning calls as srfRefs of srf)
	srf     *srfCtx
	aggs    []AggCall
}

type binder struct {
	b   *Builder
	sc  *scope
	agg *aggCtx
	// noAgg is set while binding inside an aggregate's arguments or WHERE.
	noAgg string
	// win collects window calls where they are allowed (nil elsewhere).
	win *winCtx
	// srf collects the set-returning functions of a select list where
	// they are allowed (nil elsewhere).
	srf *srfCtx
}

// srfCtx collects a select list's set-returning functions for the
// ProjectSets under the projection; each binds to an srfRef, which attach
// turns into a reference to its output column once the input is known
// (under an aggregate, the aggregates found later widen it). As in
// PostgreSQL, a function runs one level above the highest function in its
// arguments (level 0 when there is none), the functions of one level side
// by side in one ProjectSet.
type srfCtx struct {
	funcs  []*FuncScan
	levels []int
}

// srfCall is a set-returning call with its arguments, for comparing
// expressions bound by different binders (see normalize).
type srfCall struct {
	Name string
	Args []Expr
	T    types.T
}

func (e *srfCall) Type() types.T { return e.T }

// normalize replaces the srfRefs of e by the calls they stand for.
func (sc *srfCtx) normalize(e Expr) Expr {
	if sc == nil || len(sc.funcs) == 0 {
		return e
	}
	return mapExpr(e, func(x Expr) Expr {
		if r, ok := x.(*srfRef); ok {
			f := sc.funcs[r.I]
			args := make([]Expr, len(f.Args))
			for i, a := range f.Args {
				args[i] = sc.normalize(a)
			}
			return &srfCall{Name: f.Name, Args: args, T: r.T}
		}
		return x
	})
}

// srfRef stands for the output of set-returning function I until attach.
type srfRef struct {
	I      int
	T      types.T
	Name   string
	Fields []Column
}

func (e *srfRef) Type() types.T { return e.T }

// add records a function whose arguments are bound and returns its
// reference.
func (sc *srfCtx) add(f *FuncScan) *srfRef {
	level := 0
	for _, a := range f.Args {
		mapExpr(a, func(x Expr) Expr {
			if r, ok := x.(*srfRef); ok {
				level = max(level, sc.levels[r.I]+1)
			}
			return x
		})
	}
	sc.funcs = append(sc.funcs, f)
	sc.levels = append(sc.levels, level)
	return &srfRef{I: len(sc.funcs) - 1, T: f.Cols[0].T, Name: f.Name, Fields: f.Cols[0].Fields}
}

// args returns the collected functions' arguments, in order.
func (sc *srfCtx) args() []Expr {
	var out []Expr
	for _, f := range sc.funcs {
		out = append(out, f.Args...)
	}
	return out
}

// setArgs replaces the functions' arguments with args (as args returned
// them, rewritten).
func (sc *srfCtx) setArgs(args []Expr) {
	for _, f := range sc.funcs {
		f.Args, args = args[:len(f.Args):len(f.Args)], args[len(f.Args):]
	}
}

// attach puts the ProjectSets running the collected functions over input,
// level by level, and returns the top one with exprs reading its columns;
// without functions it returns input and exprs as they are.
func (sc *srfCtx) attach(input Node, exprs []Expr) (Node, []Expr) {
	if sc == nil || len(sc.funcs) == 0 {
		return input, exprs
	}
	out := make([]*ColRef, len(sc.funcs)) // each function's column, once placed
	resolve := func(x Expr) Expr {
		if r, ok := x.(*srfRef); ok && out[r.I] != nil {
			c := *out[r.I]
			return &c
		}
		return x
	}
	node := input
	for level := 0; ; level++ {
		ps := &ProjectSet{Input: node, Cols: slices.Clone(node.Columns())}
		for i, f := range sc.funcs {
			if sc.levels[i] != level {
				continue
			}
			f.Args = mapExprs(f.Args, resolve) // functions of lower levels
			out[i] = &ColRef{Idx: len(ps.Cols), T: f.Cols[0].T, Name: f.Name, Fields: f.Cols[0].Fields}
			ps.Funcs = append(ps.Funcs, f)
			ps.Cols = append(ps.Cols, f.Cols[0])
		}
		if len(ps.Funcs) == 0 {
			break
		}
		node = ps
	}
	return node, mapExprs(exprs, resolve)
}

func (b *Builder) paramType(n int, hint types.T) types.T {
	for len(b.Params) < n {
		b.Params = append(b.Params, types.Unknown)
	}
	if b.Params[n-1] == types.Unknown && hint != types.Unknown && hint != types.Doc {
		b.Params[n-1] = hint
	}
	return b.Params[n-1]
}

func errAt(code string, pos int, format string, args ...any) error {
	return errs.Errorf(code, format, args...).WithPosition(pos)
}

// bind binds an expression; hint is the expected type for untyped
// literals and parameters (Unknown when none).
func (bd *binder) bind(e ast.Expr, hint types.T) (Expr, error) {
	if bd.agg != nil && bd.noAgg == "" {
		// Over an aggregate: a whole expression equal to a GROUP BY key
		// reads that key.
		if ge, ok := bd.matchGroup(e, hint); ok {
			return ge, nil
		}
	}
	switch x := e.(type) {
	case *ast.Literal:
		return bindLiteral(x, hint)
	case *ast.TypedString:
		return bindTypedString(x)
	case *ast.Param:
		if x.N < 1 || x.N > 65535 {
			return nil, errAt(errs.UndefinedObject, x.Pos, "there is no parameter $%d", x.N)
		}
		return &Param{N: x.N, T: bd.b.paramType(x.N, hint)}, nil
	case *ast.ColumnRef:
		return bd.bindColumn(x)
	case *ast.Unary:
		switch x.Op {
		case "NOT":
			in, err := bd.bind(x.X, types.Bool)
			if err != nil {
				return nil, err
			}
			return &Not{X: in}, nil
		case "-":
			if lit, ok := x.X.(*ast.Literal); ok && (lit.Kind == "int" || lit.Kind == "number") {
				neg := *lit
				neg.Text = "-" + lit.Text
				if lit.Kind == "int" {
					if v, ok := lit.Value.(int64); ok {
						neg.Value = -v
					}
				}
				return bindLiteral(&neg, hint)
			}
			in, err := bd.bind(x.X, hint)
			if err != nil {
				return nil, err
			}
			return &Neg{X: in, T: in.Type()}, nil
		case "+":
			return bd.bind(x.X, hint)
		}
		return nil, errAt(errs.UndefinedFunction, x.Pos, "operator does not exist: %s", x.Op)
	case *ast.Binary:
		return bd.bindBinary(x)
	case *ast.IsNull:
		in, err := bd.bind(x.X, types.Unknown)
		if err != nil {
			return nil, err
		}
		return &IsNull{X: in, Not: x.Not}, nil
	case *ast.IsBool:
		in, err := bd.bind(x.X, types.Bool)
		if err != nil {
			return nil, err
		}
		return &IsBool{X: in, Not: x.Not, What: x.What}, nil
	case *ast.Between:
		lo := &ast.Binary{Pos: x.Pos, Op: ">=", L: x.X, R: x.Lo}
		hi := &ast.Binary{Pos: x.Pos, Op: "<=", L: x.X, R: x.Hi}
		var cond ast.Expr = &ast.Binary{Pos: x.Pos, Op: "AND", L: lo, R: hi}
		if x.Symmetric {
			lo2 := &ast.Binary{Pos: x.Pos, Op: ">=", L: x.X, R: x.Hi}
			hi2 := &ast.Binary{Pos: x.Pos, Op: "<=", L: x.X, R: x.Lo}
			cond = &ast.Binary{Pos: x.Pos, Op: "OR", L: cond, R: &ast.Binary{Pos: x.Pos, Op: "AND", L: lo2, R: hi2}}
		}
		if x.Not {
			cond = &ast.Unary{Pos: x.Pos, Op: "NOT", X: cond}
		}
		return bd.bind(cond, types.Bool)
	case *ast.InList:
		if e, ok, err := rowInList(x); ok || err != nil {
			if err != nil {
				return nil, err
			}
			return bd.bind(e, types.Bool)
		}
		in, err := bd.bind(x.X, types.Unknown)
		if err != nil {
			return nil, err
		}
		list := make([]Expr, len(x.List))
		for i, le := range x.List {
			if list[i], err = bd.bind(le, in.Type()); err != nil {
				return nil, err
			}
		}
		if in.Type() == types.Unknown {
			if p, ok := in.(*Param); ok && len(list) > 0 {
				p.T = bd.b.paramType(p.N, list[0].Type())
			}
		}
		return &InList{X: in, List: list, Not: x.Not}, nil
	case *ast.FuncCall:
		return bd.bindFunc(x, hint)
	case *ast.Cast:
		t := x.Type
		if x.Array {
			if t == types.Enum { // arrays are jsonb: their labels are not checked
				if _, err := bd.b.enumNamed(x.TypeName, x.Pos); err != nil {
					return nil, err
				}
				t = types.Text
			}
			in, err := bd.bind(x.X, types.Unknown)
			if err != nil {
				return nil, err
			}
			return &CastTo{X: in, T: types.Doc, TypeMod: -1, ToArray: true, Elem: t}, nil
		}
		if t == types.Enum {
			et, err := bd.b.enumNamed(x.TypeName, x.Pos)
			if err != nil {
				return nil, err
			}
			in, err := bd.bind(x.X, types.Unknown)
			if err != nil {
				return nil, err
			}
			if src := bd.enumOf(in); src != nil && src.ID == et.ID {
				return in, nil
			}
			return enumLabel(in, et, ""), nil
		}
		in, err := bd.bind(x.X, t)
		if err != nil {
			return nil, err
		}
		return &CastTo{X: in, T: t, TypeMod: x.TypeMod}, nil
	case *ast.Case:
		return bd.bindCase(x, hint)
	case *ast.ArrayLit:
		out := &Array{}
		for _, el := range x.Elems {
			be, err := bd.bind(el, types.Unknown)
			if err != nil {
				return nil, err
			}
			out.Elems = append(out.Elems, be)
		}
		return out, nil
	case *ast.ObjectLit:
		out := &Object{Keys: x.Keys}
		for _, v := range x.Values {
			be, err := bd.bind(v, types.Unknown)
			if err != nil {
				return nil, err
			}
			out.Values = append(out.Values, be)
		}
		return out, nil
	case *ast.Subscript:
		in, err := bd.bind(x.X, types.Unknown)
		if err != nil {
			return nil, err
		}
		ix, err := bd.bind(x.Index, types.Unknown)
		if err != nil {
			return nil, err
		}
		return &Subscript{X: in, Index: ix}, nil
	case *ast.FieldSelect:
		return bd.bindFieldSelect(x)
	case *ast.SubqueryExpr:
		return bd.bindSubquery(x.Query, SubScalar, nil, false, x.Pos)
	case *ast.Exists:
		return bd.bindSubquery(x.Query, SubExists, nil, x.Not, x.Pos)
	case *ast.InSubquery:
		in, err := bd.bind(x.X, types.Unknown)
		if err != nil {
			return nil, err
		}
		return bd.bindSubquery(x.Query, SubIn, in, x.Not, x.Pos)
	case *ast.Quantified:
		in, err := bd.bind(x.X, types.Unknown)
		if err != nil {
			return nil, err
		}
		op := x.Op
		if op == "!=" {
			op = "<>"
		}
		if !comparisonOps[op] {
			return nil, errAt(errs.FeatureNotSupported, x.Pos, "operator %s ANY/ALL is not supported", x.Op)
		}
		q := &Quantified{X: in, Op: op, All: x.Quant == "ALL"}
		if x.Query != nil {
			sq, err := bd.bindSubquery(x.Query, SubArray, nil, false, x.Pos)
			if err != nil {
				return nil, err
			}
			q.Sub = sq.(*Subquery)
		} else {
			if q.Array, err = bd.bind(x.Array, types.Unknown); err != nil {
				return nil, err
			}
		}
		return q, nil
	}
	return nil, errAt(errs.FeatureNotSupported, e.Position(), "unsupported expression %T", e)
}

func (bd *binder) matchGroup(e ast.Expr, hint types.T) (Expr, bool) {
	if _, isLit := e.(*ast.Literal); isLit {
		return nil, false
	}
	plain := &binder{b: bd.b, sc: bd.agg.in, noAgg: "grouping", srf: &srfCtx{}}
	be, err := plain.bind(e, hint)
	if err != nil {
		return nil, false
	}
	be = plain.srf.normalize(be)
	for i, g := range bd.agg.groupBy {
		if reflect.DeepEqual(bd.agg.srf.normalize(g), be) {
			return &ColRef{Idx: i, T: g.Type(), Name: exprName(e), Fields: recordFields(g)}, true
		}
	}
	return nil, false
}

func bindLiteral(x *ast.Literal, hint types.T) (Expr, error) {
	switch x.Kind {
	case "null":
		return &Const{V: nil, T: hint}, nil
	case "bool":
		return &Const{V: x.Value, T: types.Bool}, nil
	case "int":
		v, ok := x.Value.(int64)
		if !ok {
			return bindLiteral(&ast.Literal{Pos: x.Pos, Kind: "number", Text: x.Text}, hint)
		}
		if hint == types.Float8 || hint == types.Float4 {
			return &Const{V: float64(v), T: hint}, nil
		}
		if hint == types.Numeric {
			return castConst(v, types.Numeric, x.Pos)
		}
		if v >= -2147483648 && v <= 2147483647 {
			return &Const{V: v, T: types.Int4}, nil
		}
		return &Const{V: v, T: types.Int8}, nil
	case "number":
		if hint == types.Float8 || hint == types.Float4 {
			return castConst(x.Text, types.Float8, x.Pos)
		}
		return castConst(x.Text, types.Numeric, x.Pos)
	case "string":
		s, _ := x.Value.(string)
		switch {
		case hint == types.Unknown || hint == types.Doc || hint.IsString():
			return &Const{V: s, T: types.Text}, nil
		case hint == funcs.IntervalType:
			iv, err := funcs.ParseInterval(s)
			if err != nil {
				if e, ok := errs.As(err); ok && e.Position == 0 {
					e.Position = x.Pos
				}
				return nil, err
			}
			return &Const{V: iv, T: funcs.IntervalType}, nil
		case hint == types.RegClass:
			// A relation name needs the catalog: cast when the
			// statement runs ('pg_class'::regclass), as funcs.CastTyped
			// does with the session's catalog.
			if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err != nil {
				return &CastTo{X: &Const{V: s, T: types.Text}, T: types.RegClass, TypeMod: -1}, nil
			}
		}
		return castConst(s, hint, x.Pos)
	}
	return &Const{V: x.Value, T: types.TypeOf(x.Value)}, nil
}

func castConst(v types.Value, t types.T, pos int) (Expr, error) {
	out, err := types.Cast(v, t)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Position == 0 {
			e.Position = pos
		}
		return nil, err
	}
	return &Const{V: out, T: t}, nil
}

func bindTypedString(x *ast.TypedString) (Expr, error) {
	if x.TypeName == "interval" {
		iv, err := funcs.ParseInterval(x.Value)
		if err != nil {
			return nil, err
		}
		return &Const{V: iv, T: funcs.IntervalType}, nil
	}
	t, ok := types.ParseTypeName(x.TypeName)
	if !ok {
		return nil, errAt(errs.UndefinedObject, x.Pos, "type %q does not exist", x.TypeName)
	}
	return castConst(x.Value, t, x.Pos)
}

func (bd *binder) bindColumn(x *ast.ColumnRef) (Expr, error) {
	if bd.agg != nil && bd.noAgg == "" {
		if e, ok := bd.dependentColumn(x); ok {
			return e, nil
		}
		return nil, errAt(errs.GroupingError, x.Pos,
			"column %q must appear in the GROUP BY clause or be used in an aggregate function", bd.groupedName(x))
	}
	if x.WholeRow {
		for sc, depth := bd.sc, 0; sc != nil; sc, depth = sc.outer, depth+1 {
			if e := wholeRow(sc, x.Parts[0], depth); e != nil {
				for in := bd.sc; in != sc; in = in.outer {
					in.correlated = true // as resolve marks each scope it climbs
				}
				return e, nil
			}
		}
		return nil, missingRTE(bd.sc, x.Parts[0], x.Pos)
	}
	var seen func(r *rel, part int)
	if on := bd.b.OnColumn; on != nil {
		seen = func(r *rel, part int) {
			if r.coll != nil && r.coll.Tuple() {
				on(x, part, r.coll)
			}
		}
	}
	e, err := resolve(bd.sc, x, 0, seen)
	if err != nil {
		if len(x.Parts) >= 2 && errs.Is(err, errs.UndefinedTable) {
			// No FROM entry of that name, here or outside: name the
			// alias of a table of that name if one is in reach.
			return nil, missingRTE(bd.sc, x.Parts[0], x.Pos)
		}
		return nil, err
	}
	return e, nil
}

// groupedName is a column as the error for reading it ungrouped names
// it: qualified by its FROM entry, as PostgreSQL does.
func (bd *binder) groupedName(x *ast.ColumnRef) string {
	plain := &binder{b: bd.b, sc: bd.agg.in, noAgg: "grouping"}
	if e, err := plain.bind(x, types.Unknown); err == nil && !x.WholeRow {
		if cr, ok := e.(*ColRef); ok {
			for _, r := range bd.agg.in.rels {
				if cr.Idx >= r.off && cr.Idx < r.off+len(r.cols) && r.ref() != "" {
					return r.ref() + "." + r.cols[cr.Idx-r.off].Name
				}
			}
		}
	}
	return refText(x.Parts)
}

// dependentColumn binds, over an aggregate, a column of a table of the
// FROM clause whose primary key columns GROUP BY all lists: PostgreSQL
// lets the query read it ungrouped, since the key determines it. Its
// value is the group's one value (any_value over the group).
func (bd *binder) dependentColumn(x *ast.ColumnRef) (Expr, bool) {
	if x.WholeRow {
		return nil, false
	}
	plain := &binder{b: bd.b, sc: bd.agg.in, noAgg: "grouping"}
	e, err := plain.bind(x, types.Unknown)
	if err != nil {
		return nil, false
	}
	cr, ok := e.(*ColRef)
	if !ok {
		return nil, false
	}
	var r *rel
	for _, c := range bd.agg.in.rels {
		if c.coll != nil && c.coll.Tuple() && cr.Idx >= c.off && cr.Idx < c.off+len(c.cols) {
			r = c
		}
	}
	if r == nil || len(r.coll.PK) == 0 {
		return nil, false
	}
	for _, pk := range r.coll.PK {
		grouped := false
		for j, c := range r.cols {
			if c.Name != pk {
				continue
			}
			for _, g := range bd.agg.groupBy {
				if gr, ok := g.(*ColRef); ok && gr.Idx == r.off+j {
					grouped = true
				}
			}
		}
		if !grouped {
			return nil, false
		}
	}
	anyValue, ok := funcs.LookupAgg("any_value")
	if !ok {
		return nil, false
	}
	call := AggCall{Agg: anyValue, Args: []Expr{cr}, T: cr.T}
	idx := slices.IndexFunc(bd.agg.aggs, func(have AggCall) bool { return reflect.DeepEqual(have, call) })
	if idx < 0 {
		bd.agg.aggs = append(bd.agg.aggs, call)
		idx = len(bd.agg.aggs) - 1
	}
	return &ColRef{Idx: len(bd.agg.groupBy) + idx, T: cr.T, Name: cr.Name, Fields: cr.Fields}, true
}

// missingRTE is PostgreSQL's error for a reference to a FROM entry name
// that sc and its enclosing scopes do not have (42P01): when a table of
// that name is there under an alias, the reference is invalid and the
// hint names the alias.
func missingRTE(sc *scope, name string, pos int) error {
	for s := sc; s != nil; s = s.outer {
		if s.hidden[name] || (s.unreachable != nil && s.unreachable.Name == name) {
			return errs.Errorf(errs.UndefinedTable, "invalid reference to FROM-clause entry for table %q", name).
				WithHint(fmt.Sprintf("There is an entry for table %q, but it cannot be referenced from this part of the query.", name)).WithPosition(pos)
		}
		for _, r := range s.rels {
			if r.name == name && r.alias != "" && r.alias != name && !r.qualifiedOnly {
				return errs.Errorf(errs.UndefinedTable, "invalid reference to FROM-clause entry for table %q", name).
					WithHint(fmt.Sprintf("Perhaps you meant to reference the table alias %q.", r.alias)).WithPosition(pos)
			}
		}
	}
	return errAt(errs.UndefinedTable, pos, "missing FROM-clause entry for table %q", name)
}

// resolve finds a column reference in sc or, failing that, in an outer
// scope (depth counts the levels climbed). seen, when not nil, is told
// which relation a reference resolved to, x.Parts[part] naming the column.
func resolve(sc *scope, x *ast.ColumnRef, depth int, seen func(r *rel, part int)) (Expr, error) {
	name := refText(x.Parts)
	if sc == nil {
		return nil, errAt(errs.UndefinedColumn, x.Pos, "column %q does not exist", name)
	}
	parts := x.Parts
	if len(parts) == 3 && parts[0] == usingMarker && depth == 0 {
		// A merged column as SELECT * names it.
		if i, err := strconv.Atoi(parts[1]); err == nil && i >= 0 && i < len(sc.merged) {
			return sc.merged[i].expr, nil
		}
	}
	if len(parts) == 3 && parts[0] == starMarker && depth == 0 {
		// A column as SELECT * names it, by position.
		if i, err := strconv.Atoi(parts[1]); err == nil {
			for _, r := range sc.rels {
				if i >= r.off && i < r.off+len(r.cols) {
					return relCol(r, i-r.off, 0), nil
				}
			}
		}
	}
	if len(parts) >= 2 {
		for i, r := range sc.rels {
			if r.ref() == parts[0] && !(r.schemaless() && hasField(r, parts[0])) {
				if slices.ContainsFunc(sc.rels[i+1:], func(o *rel) bool { return o.ref() == parts[0] }) {
					// INSERT INTO t AS excluded ... ON CONFLICT: two
					// entries answer to the name.
					return nil, errAt(errs.AmbiguousAlias, x.Pos, "table reference %q is ambiguous", parts[0])
				}
				e, ok := inRel(r, parts[1:], depth)
				if !ok {
					return nil, errAt(errs.UndefinedColumn, x.Pos, "column %s does not exist", name)
				}
				if repeatedCol(r, parts[1]) {
					return nil, errAt(errs.AmbiguousColumn, x.Pos, "column reference %q is ambiguous", parts[1])
				}
				if depth > 0 {
					sc.correlated = true
				}
				if seen != nil {
					seen(r, 1)
				}
				return e, nil
			}
		}
	}
	found, n := resolveMerged(sc, parts, depth)
	if n > 1 {
		return nil, errAt(errs.AmbiguousColumn, x.Pos, "column reference %q is ambiguous", name)
	}
	var docRels []*rel
	var foundRel *rel
	for _, r := range sc.rels {
		if r.qualifiedOnly || sc.replaced[nsCol{name: parts[0], rel: r}] {
			continue
		}
		if r.schemaless() {
			docRels = append(docRels, r)
			if parts[0] == "id" || hasField(r, parts[0]) {
				// Known fields resolve like columns.
			} else {
				continue
			}
		}
		if e, ok := inRel(r, parts, depth); ok {
			if found != nil || repeatedCol(r, parts[0]) {
				return nil, errAt(errs.AmbiguousColumn, x.Pos, "column reference %q is ambiguous", name)
			}
			found, foundRel = e, r
		}
	}
	if foundRel != nil && seen != nil {
		seen(foundRel, 0)
	}
	if found == nil && len(parts) == 1 {
		// No column of that name: a FROM entry's name is its whole row,
		// as in PostgreSQL (columns win over it).
		found = wholeRow(sc, parts[0], depth)
	}
	if found == nil && len(docRels) == 1 {
		found, _ = inRel(docRels[0], parts, depth)
	} else if found == nil && len(docRels) > 1 {
		return nil, errAt(errs.AmbiguousColumn, x.Pos, "column reference %q is ambiguous", name)
	}
	if found != nil {
		return found, nil
	}
	if sc.outer != nil {
		e, err := resolve(sc.outer, x, depth+1, seen)
		if err == nil {
			sc.correlated = true
		}
		return e, err
	}
	if len(parts) >= 2 {
		return nil, errAt(errs.UndefinedTable, x.Pos, "missing FROM-clause entry for table %q", parts[0])
	}
	return nil, sc.undefinedColumn(name, x.Pos)
}

// wholeRow is the row value of the FROM entry named name, or nil: its
// columns as SELECT name.* lists them (a schemaless collection's id and
// known fields).
func wholeRow(sc *scope, name string, depth int) Expr {
	for _, r := range sc.rels {
		if r.qualifiedOnly || r.ref() != name {
			continue
		}
		// A collection's rows always have their key, so all-NULL fields
		// mean the null-extended side of an outer join: the NULL row.
		if r.scalar {
			return relCol(r, 0, depth)
		}
		obj := &Object{Record: true, NullIfAllNull: r.coll != nil}
		if r.coll == nil {
			// A subquery or function: its columns by position (names
			// may repeat).
			for i, c := range r.cols {
				obj.Keys = append(obj.Keys, c.Name)
				obj.Values = append(obj.Values, relCol(r, i, depth))
			}
			return obj
		}
		for _, n := range relNames(r) {
			if e, ok := inRel(r, []string{n}, depth); ok {
				obj.Keys = append(obj.Keys, n)
				obj.Values = append(obj.Values, e)
			}
		}
		return obj
	}
	return nil
}

func hasField(r *rel, name string) bool {
	_, ok := r.coll.Fields.Lookup(name)
	return ok
}

// repeatedCol reports whether a subquery's output has two columns named
// name (SELECT 1 AS a, 2 AS a): a reference to it is ambiguous.
func repeatedCol(r *rel, name string) bool {
	if r.coll != nil {
		return false
	}
	n := 0
	for _, c := range r.cols {
		if c.Name == name {
			n++
		}
	}
	return n > 1
}

// relCol is a reference to column idx of r (depth scopes out).
func relCol(r *rel, idx, depth int) Expr {
	if r.used != nil && idx < len(r.used) {
		r.used[idx] = true
	}
	t, name := types.Doc, "_doc"
	var fields []Column
	if idx < len(r.cols) {
		t, name, fields = r.cols[idx].T, r.cols[idx].Name, r.cols[idx].Fields
	}
	if depth > 0 {
		return &OuterRef{Depth: depth, Idx: r.off + idx, T: t, Fields: fields}
	}
	return &ColRef{Idx: r.off + idx, T: t, Name: name, Fields: fields}
}

// inRel resolves a column path inside one relation.
func inRel(r *rel, parts []string, depth int) (Expr, bool) {
	mk := func(idx int, t types.T, name string, fields []Column) Expr {
		if r.used != nil && idx < len(r.used) {
			r.used[idx] = true
		}
		if depth > 0 {
			return &OuterRef{Depth: depth, Idx: r.off + idx, T: t, Fields: fields}
		}
		return &ColRef{Idx: r.off + idx, T: t, Name: name, Fields: fields}
	}
	if r.schemaless() {
		t := types.Unknown
		if len(parts) == 1 {
			if f, ok := r.coll.Fields.Lookup(parts[0]); ok {
				t = f.Type
			}
			if parts[0] == "id" {
				t = types.Text
			}
		}
		if t == types.Unknown {
			t = types.Doc
		}
		return &FieldRef{X: mk(0, types.Doc, "_doc", nil), Path: append([]string(nil), parts...), T: t}, true
	}
	for i, c := range r.cols {
		if c.Name == parts[0] {
			return fieldPath(mk(i, c.T, c.Name, c.Fields), parts[1:]), true
		}
	}
	if parts[0] == "tableoid" && len(parts) == 1 && r.tableOID != 0 && len(r.cols) > 0 {
		// The system column: the table's OID, NULL in the row an outer
		// join adds (the first column is never NULL otherwise).
		first := mk(0, r.cols[0].T, r.cols[0].Name, nil)
		return &CaseWhen{Whens: []WhenThen{{Cond: &IsNull{X: first}, Result: &Const{V: nil, T: types.OID}}},
			Else: &Const{V: int64(r.tableOID), T: types.OID}, T: types.OID}, true
	}
	return nil, false
}

func fieldPath(base Expr, rest []string) Expr {
	if len(rest) == 0 {
		return base
	}
	return &FieldRef{X: base, Path: append([]string(nil), rest...), T: types.Doc}
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"IS DISTINCT FROM": true, "IS NOT DISTINCT FROM": true}

func (bd *binder) bindBinary(x *ast.Binary) (Expr, error) {
	if x.Op == "AND" || x.Op == "OR" {
		l, err := bd.bind(x.L, types.Bool)
		if err != nil {
			return nil, err
		}
		r, err := bd.bind(x.R, types.Bool)
		if err != nil {
			return nil, err
		}
		return &Logic{And: x.Op == "AND", L: l, R: r}, nil
	}
	if e, ok, err := rowComparison(x); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return bd.bind(e, types.Bool)
	}
	op := x.Op
	if op == "!=" {
		op = "<>"
	}
	// Bind the side that is not an untyped literal/param first, so the
	// other can take its type (as PostgreSQL resolves unknown literals).
	var l, r Expr
	var err error
	if untyped(x.L) && !untyped(x.R) {
		if r, err = bd.bind(x.R, types.Unknown); err != nil {
			return nil, err
		}
		if l, err = bd.bind(x.L, hintFor(op, r.Type())); err != nil {
			return nil, err
		}
	} else {
		if l, err = bd.bind(x.L, types.Unknown); err != nil {
			return nil, err
		}
		if r, err = bd.bind(x.R, hintFor(op, l.Type())); err != nil {
			return nil, err
		}
	}
	if e, ok, err := bd.enumCompare(op, l, r, x.Pos); ok {
		return e, err
	}
	// regproc compares with oid as the function's OID (PostgreSQL's
	// regproc is an oid; here its value is the function's name).
	switch lt, rt := l.Type(), r.Type(); {
	case lt == types.RegProc && rt.IsOIDLike():
		l = &CastTo{X: l, T: types.OID, TypeMod: -1}
	case rt == types.RegProc && lt.IsOIDLike():
		r = &CastTo{X: r, T: types.OID, TypeMod: -1}
	}
	t, err := funcs.BinaryType(op, l.Type(), r.Type())
	if err != nil {
		if e, ok := errs.As(err); ok && e.Position == 0 {
			e.Position = x.Pos
		}
		return nil, err
	}
	return foldBinOp(&BinOp{Op: op, L: l, R: r, T: t}), nil
}

// foldBinOp computes an operator over two constants once, at planning,
// instead of for every row (date '1994-01-01' + interval '1' year in a
// WHERE clause): funcs.Binary is what evaluation would call, and it reads
// nothing but its operands. An operation that fails (1/0) is left for
// evaluation, where it fails only if it is reached; character(n) operands
// are left too (evaluation strips their padding first).
func foldBinOp(b *BinOp) Expr {
	l, lok := b.L.(*Const)
	r, rok := b.R.(*Const)
	if !lok || !rok || l.T == types.Bpchar || r.T == types.Bpchar {
		return b
	}
	v, err := funcs.Binary(b.Op, l.V, r.V, b.T)
	if err != nil {
		return b
	}
	return &Const{V: v, T: b.T}
}

func hintFor(op string, other types.T) types.T {
	switch op {
	case "#>", "#>>", "#-", "?|", "?&":
		return types.TextArray // a path or a list of keys: '{a,b}'
	case "-":
		if other == types.JSONB || other == types.JSON {
			return types.Unknown // jsonb - 'key' (a literal stays text)
		}
	case "||", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "~", "!~", "~*", "!~*", "->", "->>", "?":
		return types.Unknown
	}
	if other == types.Doc {
		return types.Unknown
	}
	return other
}

func untyped(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Literal:
		return x.Kind == "string" || x.Kind == "null"
	case *ast.Param:
		return true
	}
	return false
}

func (bd *binder) bindCase(x *ast.Case, hint types.T) (Expr, error) {
	out := &CaseWhen{}
	var operand Expr
	var err error
	if x.Operand != nil {
		if operand, err = bd.bind(x.Operand, types.Unknown); err != nil {
			return nil, err
		}
	}
	var resTypes []types.T
	for _, w := range x.Whens {
		var cond Expr
		if operand != nil {
			v, err := bd.bind(w.Cond, operand.Type())
			if err != nil {
				return nil, err
			}
			cond = &BinOp{Op: "=", L: operand, R: v, T: types.Bool}
		} else if cond, err = bd.bind(w.Cond, types.Bool); err != nil {
			return nil, err
		}
		res, err := bd.bind(w.Result, hint)
		if err != nil {
			return nil, err
		}
		resTypes = append(resTypes, res.Type())
		out.Whens = append(out.Whens, WhenThen{Cond: cond, Result: res})
	}
	if x.Else != nil {
		if out.Else, err = bd.bind(x.Else, hint); err != nil {
			return nil, err
		}
		resTypes = append(resTypes, out.Else.Type())
	}
	out.T, _ = funcs.CommonType(resTypes)
	return out, nil
}

// bindSortedFunc binds RANK(index, key) (RANK with two arguments and no
// OVER) and SORTED_COUNT(index) as the scalar functions sorted_rank and
// sorted_count; a bare identifier as the first argument names the index.
func (bd *binder) bindSortedFunc(x *ast.FuncCall, name string) (Expr, error) {
	fn := strings.ToUpper(name)
	if name == "sorted_count" && len(x.Args) != 1 {
		return nil, errAt(errs.UndefinedFunction, x.Pos, "function sorted_count with %d arguments does not exist", len(x.Args))
	}
	args := append([]ast.Expr(nil), x.Args...)
	_, ix, ok, err := bd.b.sortedIndexArg(args[0], x.Pos, fn)
	if err != nil {
		return nil, err
	}
	if ok {
		args[0] = &ast.Literal{Pos: x.Pos, Value: ix.Name, Kind: "string"}
	}
	f, _ := funcs.Lookup("sorted_" + strings.TrimPrefix(name, "sorted_"))
	return bd.bindCall(f, args, x.Pos)
}

func (bd *binder) bindFunc(x *ast.FuncCall, hint types.T) (Expr, error) {
	name := strings.TrimPrefix(x.Name, "pg_catalog.")
	if name == "array" && len(x.Args) == 1 {
		if sq, ok := x.Args[0].(*ast.SubqueryExpr); ok {
			return bd.bindSubquery(sq.Query, SubArray, nil, false, x.Pos)
		}
	}
	if ((name == "rank" && len(x.Args) == 2) || name == "sorted_count") && x.Over == nil && x.Filter == nil {
		return bd.bindSortedFunc(x, name)
	}
	if (name == "nextval" || name == "currval" || name == "setval") && len(x.Args) > 0 {
		// nextval('s'::regclass), as PostgreSQL's defaults and pg_dump
		// write it: the sequence's name (sequences are not in pg_class).
		if c, ok := x.Args[0].(*ast.Cast); ok && c.Type == types.RegClass {
			if lit, ok := c.X.(*ast.Literal); ok && lit.Kind == "string" {
				args := append([]ast.Expr{lit}, x.Args[1:]...)
				y := *x
				y.Args = args
				x = &y
			}
		}
	}
	if x.Name == "row" && x.Over == nil && x.Filter == nil && !x.Star && !x.Distinct {
		// ROW(a, b): a row value with fields f1, f2, ... (PostgreSQL's
		// anonymous record).
		obj := &Object{Record: true}
		for i, a := range x.Args {
			e, err := bd.bind(a, types.Unknown)
			if err != nil {
				return nil, err
			}
			obj.Keys = append(obj.Keys, "f"+strconv.Itoa(i+1))
			obj.Values = append(obj.Values, e)
		}
		return obj, nil
	}
	if name == "pg_typeof" && len(x.Args) == 1 && x.Over == nil && !x.Star {
		// An enum's type is its name, known here only.
		if a, err := bd.bind(x.Args[0], types.Unknown); err == nil {
			if et := bd.enumOf(a); et != nil {
				return &Const{V: et.Name, T: types.Text}, nil
			}
		}
	}
	if isWindowCall(x, name) {
		return bd.bindWindow(x, name)
	}
	if agg, ok := funcs.LookupAgg(name); ok && x.Over == nil {
		if bd.agg == nil || bd.noAgg != "" {
			where := bd.noAgg
			if where == "" || where == "grouping" {
				where = "this context"
			}
			return nil, errAt(errs.GroupingError, x.Pos, "aggregate functions are not allowed in %s", where)
		}
		inner := &binder{b: bd.b, sc: bd.agg.in, noAgg: "aggregate function calls"}
		call := AggCall{Agg: agg, Distinct: x.Distinct}
		var argTypes []types.T
		var enumAgg *catalog.EnumType // min/max of an enum: of its positions
		if !x.Star {
			for _, a := range x.Args {
				ba, err := inner.bind(a, types.Unknown)
				if err != nil {
					return nil, err
				}
				if (agg.Name == "min" || agg.Name == "max") && ba.Type() == types.Enum {
					if enumAgg = inner.enumOf(ba); enumAgg == nil {
						return nil, errAt(errs.FeatureNotSupported, x.Pos, "cannot compute %s of enum values here: their type is not known", agg.Name)
					}
					ba = enumPosition(ba, enumAgg)
				}
				if t := ba.Type(); jsonAggs[agg.Name] && (t == types.Date || t == types.Timestamp || t == types.JSONB) {
					// As PostgreSQL: "2026-02-03", not a timestamptz;
					// jsonb in its text form.
					ba = &Call{F: funcs.JSONScalar, Args: []Expr{ba}, T: types.Text}
				}
				call.Args = append(call.Args, ba)
				argTypes = append(argTypes, ba.Type())
			}
		}
		if x.Filter != nil {
			f, err := inner.bind(x.Filter, types.Bool)
			if err != nil {
				return nil, err
			}
			call.Filter = f
		}
		var err error
		if call.OrderBy, err = inner.sortKeys(x.OrderBy); err != nil {
			return nil, err
		}
		t, err := agg.Type(argTypes)
		if err != nil {
			return nil, withPos(err, x.Pos)
		}
		call.T = t
		idx := -1
		for i, have := range bd.agg.aggs {
			if reflect.DeepEqual(have, call) {
				idx = i
				break
			}
		}
		if idx < 0 {
			bd.agg.aggs = append(bd.agg.aggs, call)
			idx = len(bd.agg.aggs) - 1
		}
		var ref Expr = &ColRef{Idx: len(bd.agg.groupBy) + idx, T: t, Name: name}
		if enumAgg != nil {
			ref = enumAt(ref, enumAgg)
		}
		return ref, nil
	}
	f, ok := funcs.Lookup(name)
	if !ok {
		if e, ok, err := bd.inlineFunction(x, name); ok || err != nil {
			if err != nil {
				return nil, err
			}
			bd.b.funcDepth++
			defer func() { bd.b.funcDepth-- }()
			return bd.bind(e, hint)
		}
		if inSelect, ok := tableFunctions[strings.TrimPrefix(name, "pg_catalog.")]; ok {
			if inSelect && bd.srf != nil {
				return bd.bindSetReturning(x, strings.TrimPrefix(name, "pg_catalog."))
			}
			return nil, errs.Errorf(errs.FeatureNotSupported, "set-returning function %s is not supported here", name).
				WithPosition(x.Pos).WithHint(fmt.Sprintf("Call it in FROM (SELECT ... FROM %s(...) AS alias), or in the select list.", name))
		}
		return nil, bd.undefinedFunction(x, name)
	}
	n := len(x.Args)
	if n < f.MinArgs || (f.MaxArgs >= 0 && n > f.MaxArgs) {
		return nil, bd.undefinedFunction(x, name)
	}
	return bd.bindCall(f, x.Args, x.Pos)
}

// undefinedFunction is PostgreSQL's 42883 for a call no function matches,
// naming the arguments' types ("unknown" for a bare literal or
// parameter); an argument that does not bind fails first, as there.
func (bd *binder) undefinedFunction(x *ast.FuncCall, name string) error {
	ts := make([]string, len(x.Args))
	for i, a := range x.Args {
		ts[i] = "unknown"
		if untyped(a) {
			continue
		}
		e, err := bd.bind(a, types.Unknown)
		if err != nil {
			return err
		}
		ts[i] = funcs.FormatType(int64(e.Type().OID()), -1, false)
	}
	return errs.Errorf(errs.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(ts, ", ")).WithPosition(x.Pos).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// sortKeys binds ORDER BY items (of an aggregate call or a window) to sort
// keys; NULLS FIRST defaults to DESC, as in PostgreSQL.
func (bd *binder) sortKeys(items []ast.OrderItem) ([]SortKey, error) {
	var keys []SortKey
	for _, o := range items {
		e, err := bd.bind(o.Expr, types.Unknown)
		if err != nil {
			return nil, err
		}
		nf := o.Desc
		if o.NullsFirst != nil {
			nf = *o.NullsFirst
		}
		if e, err = bd.enumSortKey(e); err != nil {
			return nil, err
		}
		keys = append(keys, SortKey{X: e, Desc: o.Desc, NullsFirst: nf})
	}
	return keys, nil
}

// bindCall binds a function's arguments (untyped) and types the call.
func (bd *binder) bindCall(f *funcs.Func, args []ast.Expr, pos int) (Expr, error) {
	call := &Call{F: f}
	argTypes := make([]types.T, 0, len(args))
	for i, a := range args {
		hint := types.Unknown
		if f.ArgHint != nil {
			hint = f.ArgHint(len(args), i)
		}
		ba, err := bd.bind(a, hint)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, ba)
		argTypes = append(argTypes, ba.Type())
	}
	t, err := f.Type(argTypes)
	if err != nil {
		return nil, withPos(err, pos)
	}
	call.T = t
	return call, nil
}

func withPos(err error, pos int) error {
	if e, ok := errs.As(err); ok && e.Position == 0 {
		e.Position = pos
	}
	return err
}

// jsonAggs are the aggregates that build JSON from their arguments.
var jsonAggs = map[string]bool{"json_agg": true, "jsonb_agg": true, "json_object_agg": true, "jsonb_object_agg": true}

// exprName is the output column name PostgreSQL would give an expression.
func exprName(e ast.Expr) string {
	n, _ := figureName(e)
	return n
}

// figureName is PostgreSQL's FigureColname: the name and its strength (2:
// a column or function name, 1: a type name from a cast, CASE; 0: none,
// "?column?", as for any constant, TRUE included). A cast keeps its
// operand's name unless that is weak.
func figureName(e ast.Expr) (string, int) {
	switch x := e.(type) {
	case *ast.ColumnRef:
		return x.Parts[len(x.Parts)-1], 2
	case *ast.FuncCall:
		n := x.Name
		if i := strings.LastIndexByte(n, '.'); i >= 0 {
			n = n[i+1:]
		}
		return n, 2
	case *ast.Cast:
		if n, st := figureName(x.X); st > 1 {
			return n, st
		}
		// PostgreSQL names it after the type's pg_type name (int4, bool).
		if x.Type == types.Enum && !x.Array {
			return strings.TrimPrefix(x.TypeName, "public."), 1
		}
		if pt, ok := types.PgTypeByOID(x.Type.OID()); ok {
			return pt.Name, 1
		}
		return strings.ToLower(x.Type.String()), 1
	case *ast.TypedString:
		// DATE '...' is a cast of a string constant: named after the type.
		return x.TypeName, 1
	case *ast.Case:
		return "case", 1
	case *ast.Subscript:
		return figureName(x.X)
	case *ast.FieldSelect:
		return x.Field, 2
	case *ast.SubqueryExpr:
		// A scalar subquery takes its (first) output column's name.
		if x.Query != nil {
			if core, ok := x.Query.Body.(*ast.SelectCore); ok && len(core.Items) > 0 && !core.Items[0].Star {
				if core.Items[0].Alias != "" {
					return core.Items[0].Alias, 2
				}
				return figureName(core.Items[0].Expr)
			}
		}
	case *ast.Exists:
		if !x.Not {
			return "exists", 2
		}
	}
	return "?column?", 0
}

// constInt evaluates a constant integer expression (LIMIT 10).
func constInt(e Expr) (int64, bool) {
	c, ok := e.(*Const)
	if !ok {
		return 0, false
	}
	switch v := c.V.(type) {
	case int64:
		return v, true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

var _ = fmt.Sprint

// BindStandalone binds an expression that references no columns (a
// DEFAULT, a SET value).
func (b *Builder) BindStandalone(e ast.Expr, hint types.T) (Expr, error) {
	bd := &binder{b: b, sc: &scope{}, noAgg: "this context"}
	return bd.bind(e, hint)
}

// bindArgs binds a set-returning function's arguments (their types come
// from the values).
func (bd *binder) bindArgs(in []ast.Expr) ([]Expr, error) {
	var args []Expr
	for _, a := range in {
		e, err := bd.bind(a, types.Unknown)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return args, nil
}

// bindSetReturning binds a set-returning function of the select list:
// its arguments over the input row (set-returning calls among them run in
// a ProjectSet below), the call itself to an srfRef (see srfCtx).
func (bd *binder) bindSetReturning(x *ast.FuncCall, name string) (Expr, error) {
	if x.Star || x.Distinct || len(x.OrderBy) > 0 || x.Filter != nil || x.Over != nil {
		return nil, errAt(errs.SyntaxError, x.Pos, "syntax error in the call of set-returning function %s", name)
	}
	args, err := bd.bindArgs(x.Args) // set-returning calls among them run below
	if err != nil {
		return nil, err
	}
	if name == "unnest" && len(args) > 1 {
		// Several arrays are unnest's FROM-only form.
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = a.Type().String()
		}
		return nil, errs.Errorf(errs.UndefinedFunction, "function unnest(%s) does not exist", strings.Join(ts, ", ")).WithPosition(x.Pos).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	cols, err := tableFuncCols(name, args, x.Pos)
	if errors.Is(err, errNotTableFunc) {
		err = errAt(errs.FeatureNotSupported, x.Pos, "set-returning function %s is not supported yet", name)
	}
	if err != nil {
		return nil, err
	}
	fs := &FuncScan{Name: name, Args: args, Cols: []Column{{Name: name, T: cols[0].T, TypeMod: -1}}}
	if len(cols) > 1 {
		// json_each(j) in the select list: one row value per row, (k,v).
		fs.Record, fs.Cols[0].T, fs.Cols[0].Fields = cols, types.Record, cols
	}
	return bd.srf.add(fs), nil
}

// BindRowExpr binds an expression over the rows of coll (the layout
// ScanColumns gives), of any type, without subqueries or aggregates:
// ALTER COLUMN ... TYPE ... USING.
func BindRowExpr(cat Catalog, coll *catalog.Collection, e ast.Expr, what string) (Expr, error) {
	if err := noSubquery(e, what); err != nil {
		return nil, err
	}
	bd := &binder{b: &Builder{Cat: cat}, sc: newScope(coll, ""), noAgg: what}
	return bd.bind(e, types.Unknown)
}

// noSubquery refuses a subquery in e (0A000 "cannot use subquery in
// <what>").
func noSubquery(e ast.Expr, what string) error {
	sub := false
	walk(e, func(x ast.Expr) bool {
		switch x.(type) {
		case *ast.SubqueryExpr, *ast.Exists, *ast.InSubquery, *ast.Quantified:
			sub = true
		}
		return !sub
	})
	if sub {
		return errAt(errs.FeatureNotSupported, e.Position(), "cannot use subquery in %s", what)
	}
	return nil
}

// FirstColumn returns the first column e names ("" for none): PostgreSQL
// names a table's CHECK constraint after it (<table>_<column>_check).
func FirstColumn(e ast.Expr) string {
	first := ""
	walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.ColumnRef); ok && first == "" && len(c.Parts) > 0 && !c.WholeRow {
			first = c.Parts[len(c.Parts)-1]
		}
		return first == ""
	})
	return first
}

// ColumnsOf returns the columns e names, each once, in the order they
// first appear: PostgreSQL's conkey of a CHECK constraint.
func ColumnsOf(e ast.Expr) []string {
	var out []string
	walk(e, func(x ast.Expr) bool {
		if c, ok := x.(*ast.ColumnRef); ok && len(c.Parts) > 0 && !c.WholeRow {
			if name := c.Parts[len(c.Parts)-1]; !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		return true
	})
	return out
}

// BindCheck binds a CHECK constraint's expression over the rows of coll
// (the layout ScanColumns gives): a boolean of the row's own columns,
// without subqueries or aggregates, as PostgreSQL requires.
func BindCheck(coll *catalog.Collection, e ast.Expr) (Expr, error) {
	if err := noSubquery(e, "check constraint"); err != nil {
		return nil, err
	}
	bd := &binder{b: &Builder{}, sc: newScope(coll, ""), noAgg: "check constraints"}
	x, err := bd.bind(e, types.Bool)
	if err != nil {
		return nil, err
	}
	if t := x.Type(); t != types.Bool && t != types.Unknown && t != types.Doc {
		return nil, errAt(errs.DatatypeMismatch, e.Position(), "argument of CHECK must be type boolean, not type %s", t)
	}
	return x, nil
}

// bindFieldSelect binds (x).field: the field of a row value whose fields
// are known, as PostgreSQL resolves it when parsing.
func (bd *binder) bindFieldSelect(x *ast.FieldSelect) (Expr, error) {
	in, err := bd.bind(x.X, types.Unknown)
	if err != nil {
		return nil, err
	}
	if t := in.Type(); t != types.Record {
		return nil, errAt(errs.WrongObjectType, x.Pos, "column notation .%s applied to type %s, which is not a composite type", x.Field, t)
	}
	for i, f := range recordFields(in) {
		if f.Name == x.Field {
			return &RecordField{X: in, Idx: i, Name: f.Name, T: f.T}, nil
		}
	}
	if c, ok := x.X.(*ast.ColumnRef); ok && len(c.Parts) == 1 {
		if _, whole := in.(*Object); whole {
			// (t).f of a FROM entry t reads like t.f.
			return nil, errAt(errs.UndefinedColumn, c.Pos, "column %s.%s does not exist", c.Parts[0], x.Field)
		}
	}
	return nil, errAt(errs.UndefinedColumn, x.Pos, "could not identify column %q in record data type", x.Field)
}

// rowArgs returns the fields of a row constructor, ROW(a, b) or (a, b).
func rowArgs(e ast.Expr) ([]ast.Expr, bool) {
	f, ok := e.(*ast.FuncCall)
	if !ok || f.Name != "row" || f.Star || f.Distinct || f.Over != nil || f.Filter != nil || len(f.OrderBy) > 0 {
		return nil, false
	}
	return f.Args, true
}

// rowComparison expands a comparison of two row constructors as
// PostgreSQL evaluates one: = and <> field by field, <, <=, > and >= by
// the first pair of fields that differ (NULL when a pair before it is
// NULL). Rows of different lengths are 42601.
func rowComparison(x *ast.Binary) (ast.Expr, bool, error) {
	ls, lok := rowArgs(x.L)
	rs, rok := rowArgs(x.R)
	if !lok || !rok {
		return nil, false, nil
	}
	op := x.Op
	switch op {
	case "!=":
		op = "<>"
	case "=", "<>", "<", "<=", ">", ">=":
	default:
		return nil, false, nil
	}
	if len(ls) != len(rs) || len(ls) == 0 {
		return nil, true, errAt(errs.SyntaxError, x.Pos, "unequal number of entries in row expressions")
	}
	bin := func(op string, l, r ast.Expr) ast.Expr { return &ast.Binary{Pos: x.Pos, Op: op, L: l, R: r} }
	switch op {
	case "=", "<>":
		join := "AND"
		if op == "<>" {
			join = "OR"
		}
		e := bin(op, ls[0], rs[0])
		for i := 1; i < len(ls); i++ {
			e = bin(join, e, bin(op, ls[i], rs[i]))
		}
		return e, true, nil
	}
	strict := op[:1] // "<" or ">"
	n := len(ls) - 1
	e := bin(op, ls[n], rs[n])
	for i := n - 1; i >= 0; i-- {
		e = bin("OR", bin(strict, ls[i], rs[i]), bin("AND", bin("=", ls[i], rs[i]), e))
	}
	return e, true, nil
}

// rowInList expands a row constructor IN a list of row constructors into
// comparisons of rows, OR'd (NOT IN: <>, AND'd), as PostgreSQL does.
func rowInList(x *ast.InList) (ast.Expr, bool, error) {
	if _, ok := rowArgs(x.X); !ok {
		return nil, false, nil
	}
	op, join := "=", "OR"
	if x.Not {
		op, join = "<>", "AND"
	}
	var out ast.Expr
	for _, le := range x.List {
		if _, ok := rowArgs(le); !ok {
			return nil, false, nil
		}
		e, _, err := rowComparison(&ast.Binary{Pos: x.Pos, Op: op, L: x.X, R: le})
		if err != nil {
			return nil, true, err
		}
		if out == nil {
			out = e
		} else {
			out = &ast.Binary{Pos: x.Pos, Op: join, L: out, R: e}
		}
	}
	return out, out != nil, nil
}
