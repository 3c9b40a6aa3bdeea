package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Coerce converts a value for assignment into a column (assignment
// casts, 42804/22P02/22001 on failure).
type Coerce struct {
	X       Expr
	T       types.T
	TypeMod int
	Col     string
}

// GenID generates a value for a missing key: a sortable unique text id for
// schemaless documents, an int8 row id for keyless strict tables.
type GenID struct{ T types.T }

// Type implementations.
func (e *Coerce) Type() types.T { return e.T }

// Type implementations.
func (e *GenID) Type() types.T { return e.T }

// BuildInsert plans INSERT / UPSERT.
func (b *Builder) BuildInsert(ins *ast.Insert) (*Insert, error) {
	return withWriteQueries(b, ins.With, func() (*Insert, error) { return b.buildInsert(ins) },
		func(n *Insert, w []*CTEDef) { n.Writes = w })
}

// buildInsert plans INSERT once its WITH list is in scope.
func (b *Builder) buildInsert(ins *ast.Insert) (*Insert, error) {
	coll, err := b.Cat.MustGet(ins.Table)
	if err != nil {
		return nil, withPos(err, ins.Pos)
	}
	out := &Insert{Coll: coll, Upsert: ins.Upsert}
	sc := newScope(coll, ins.Alias)
	bd := &binder{b: b, sc: &scope{unreachable: coll}, noAgg: "VALUES"}
	strict := coll.Tuple()

	var targets []int // strict: target column positions
	if strict {
		if len(ins.Columns) == 0 {
			for i, c := range coll.Columns {
				if !c.Hidden {
					targets = append(targets, i)
				}
			}
		} else {
			seen := map[int]bool{}
			for _, name := range ins.Columns {
				i := coll.ColumnIndex(name)
				if i < 0 {
					return nil, errAt(errs.UndefinedColumn, ins.Pos, "column %q of relation %q does not exist", name, coll.Name)
				}
				if seen[i] {
					return nil, errAt(errs.DuplicateColumn, ins.Pos, "column %q specified more than once", name)
				}
				seen[i] = true
				targets = append(targets, i)
			}
		}
	}

	switch {
	case ins.Select != nil:
		src, err := b.BuildSelect(ins.Select)
		if err != nil {
			return nil, err
		}
		scols := src.Columns()
		var exprs []Expr
		if strict {
			if len(scols) > len(targets) {
				return nil, errAt(errs.SyntaxError, ins.Pos, "INSERT has more expressions than target columns")
			}
			given := map[int]Expr{}
			for i, c := range scols {
				if err := identityAlways(coll.Columns[targets[i]], ins.OverridingSystem); err != nil {
					return nil, err
				}
				if item, typed := selectTarget(ins.Select, i); typed {
					pos := ins.Select.Pos
					if item != nil {
						pos = item.Position()
					}
					if err := b.textAssigned(nil, &ColRef{Idx: i, T: c.T}, coll.Columns[targets[i]], pos); err != nil {
						return nil, err
					}
				}
				given[targets[i]] = &ColRef{Idx: i, T: c.T, Name: c.Name}
			}
			if exprs, err = b.fullTuple(coll, given); err != nil {
				return nil, err
			}
			out.Source = &Project{Input: src, Exprs: exprs, Cols: ScanColumns(coll)}
		} else {
			obj := &Object{}
			for i, c := range scols {
				name := c.Name
				if i < len(ins.Columns) {
					name = ins.Columns[i]
				}
				obj.Keys = append(obj.Keys, name)
				obj.Values = append(obj.Values, &ColRef{Idx: i, T: c.T, Name: c.Name})
			}
			out.Source = &Project{Input: src, Exprs: []Expr{obj}, Cols: ScanColumns(coll)}
		}
	case len(ins.Docs) > 0:
		vals := &Values{Cols: ScanColumns(coll)}
		for _, d := range ins.Docs {
			if strict {
				ol, ok := d.(*ast.ObjectLit)
				if !ok {
					return nil, errAt(errs.FeatureNotSupported, d.Position(), "a document parameter cannot be inserted into a strict collection")
				}
				given := map[int]Expr{}
				for i, k := range ol.Keys {
					ci := coll.ColumnIndex(k)
					if ci < 0 {
						return nil, errAt(errs.UndefinedColumn, ol.Pos, "column %q of relation %q does not exist", k, coll.Name)
					}
					if err := identityAlways(coll.Columns[ci], ins.OverridingSystem); err != nil {
						return nil, err
					}
					e, err := bd.bind(ol.Values[i], coll.Columns[ci].Type)
					if err != nil {
						return nil, err
					}
					given[ci] = e
				}
				row, err := b.fullTuple(coll, given)
				if err != nil {
					return nil, err
				}
				vals.Rows = append(vals.Rows, row)
				continue
			}
			e, err := bd.bind(d, types.JSON)
			if err != nil {
				return nil, err
			}
			vals.Rows = append(vals.Rows, []Expr{e})
		}
		out.Source = vals
	default:
		vals := &Values{Cols: ScanColumns(coll)}
		for _, r := range ins.Rows {
			if strict {
				if len(r) > len(targets) {
					return nil, errAt(errs.SyntaxError, ins.Pos, "INSERT has more expressions than target columns")
				}
				given := map[int]Expr{}
				for i, e := range r {
					ci := targets[i]
					if _, isDefault := e.(*ast.DefaultExpr); isDefault {
						continue // the column's default, as if not named
					}
					if err := identityAlways(coll.Columns[ci], ins.OverridingSystem); err != nil {
						return nil, err
					}
					be, err := bd.bind(e, coll.Columns[ci].Type)
					if err != nil {
						return nil, err
					}
					if err := b.textAssigned(e, be, coll.Columns[ci], e.Position()); err != nil {
						return nil, err
					}
					given[ci] = be
				}
				row, err := b.fullTuple(coll, given)
				if err != nil {
					return nil, err
				}
				vals.Rows = append(vals.Rows, row)
				continue
			}
			if len(ins.Columns) == 0 {
				return nil, errAt(errs.SyntaxError, ins.Pos, "INSERT INTO a schemaless collection needs a column list or an object literal")
			}
			if len(r) != len(ins.Columns) {
				return nil, errAt(errs.SyntaxError, ins.Pos, "INSERT has %s expressions than target columns", moreOrFewer(len(r), len(ins.Columns)))
			}
			obj := &Object{}
			for i, e := range r {
				// A field already seen with one type lends it to an
				// untyped parameter or literal.
				hint := types.Unknown
				if f, ok := coll.Fields.Lookup(ins.Columns[i]); ok && f.Type != types.Doc {
					hint = f.Type
				}
				be, err := bd.bind(e, hint)
				if err != nil {
					return nil, err
				}
				obj.Keys = append(obj.Keys, ins.Columns[i])
				obj.Values = append(obj.Values, be)
			}
			vals.Rows = append(vals.Rows, []Expr{obj})
		}
		out.Source = vals
	}

	if oc := ins.OnConflict; oc != nil {
		c := &Conflict{DoNothing: oc.DoNothing, ArbiterIndex: -1}
		for _, t := range oc.Target {
			if !strict && t != "id" {
				return nil, errAt(errs.InvalidColumnReference, oc.Pos, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
			}
		}
		if c.Arbiter, c.ArbiterIndex, err = conflictTarget(coll, oc); err != nil {
			return nil, err
		}
		csc := newScope(coll, ins.Alias)
		csc.add(&rel{name: "excluded", coll: coll, cols: ScanColumns(coll), qualifiedOnly: true})
		cbd := &binder{b: b, sc: csc, noAgg: "ON CONFLICT"}
		srcs := &setSources{base: len(csc.cols)}
		for _, a := range oc.Set {
			sc, err := b.bindSet(coll, cbd, srcs, a)
			if err != nil {
				return nil, err
			}
			c.Set = append(c.Set, sc)
		}
		c.Sources = srcs.subs
		if err := setTwice(coll, c.Set); err != nil {
			return nil, err
		}
		if oc.Where != nil {
			if c.Where, err = cbd.bind(oc.Where, types.Bool); err != nil {
				return nil, err
			}
		}
		out.Conflict = c
	}
	if out.Returning, out.RetCols, err = b.bindReturning(ins.Returning, sc); err != nil {
		return nil, err
	}
	return out, nil
}

func moreOrFewer(have, want int) string {
	if have > want {
		return "more"
	}
	return "fewer"
}

// textAssigned refuses, as PostgreSQL does when planning, a text
// expression v (bound from src, when there is one) assigned to a column
// of a type text has no assignment cast to: numbers, booleans, dates and
// times, uuid, bytea, json, enums (42804). A string literal or parameter
// written as the whole value takes the column's type instead ('12' into
// an integer converts at run time), even when binding folded it.
func (b *Builder) textAssigned(src ast.Expr, v Expr, c catalog.Column, pos int) error {
	switch v.Type() {
	case types.Text, types.Varchar, types.Bpchar, types.Name:
	default:
		return nil
	}
	if src != nil && untyped(src) {
		return nil
	}
	if _, ok := v.(*Param); ok {
		return nil
	}
	switch {
	case c.Type.IsNumeric(), c.Type == types.Bool, c.Type == types.Date, c.Type == types.Timestamp,
		c.Type == types.Timestamptz, c.Type == types.UUID, c.Type == types.Bytea,
		c.Type == types.JSON, c.Type == types.JSONB, c.Type == types.Enum:
		return errs.Errorf(errs.DatatypeMismatch, "column %q is of type %s but expression is of type %s", c.Name, b.typeName(c), v.Type()).
			WithHint("You will need to rewrite or cast the expression.").WithPosition(pos)
	}
	return nil
}

// selectTarget returns the expression of INSERT ... SELECT's i-th output
// column in its (leftmost) select list, nil when there is none to point
// at, and whether the column has a type of its own: a string literal,
// NULL or parameter written directly in a plain SELECT's list takes the
// target column's type instead, as in PostgreSQL (in a set operation, a
// subquery or a CTE it is text).
func selectTarget(sel *ast.Select, i int) (ast.Expr, bool) {
	body := sel.Body
	for {
		op, ok := body.(*ast.SetOp)
		if !ok {
			break
		}
		body = op.Left
	}
	core, ok := body.(*ast.SelectCore)
	if !ok || i >= len(core.Items) || slices.ContainsFunc(core.Items, func(it ast.SelectItem) bool { return it.Star }) {
		return nil, true
	}
	e := core.Items[i].Expr
	if body == sel.Body && !core.Distinct && core.DistinctOn == nil {
		switch x := e.(type) {
		case *ast.Param:
			return e, false
		case *ast.Literal:
			if x.Kind == "string" || x.Kind == "null" {
				return e, false
			}
		}
	}
	return e, true
}

// coerce converts e to column c's type as an assignment does (an enum
// column's value must be a label of its type).
func (b *Builder) coerce(e Expr, c catalog.Column) Expr {
	if c.Type == types.Enum {
		if et := b.enumByMod(c.TypeMod); et != nil {
			e = enumLabel(e, et, c.Name)
		}
	}
	return &Coerce{X: e, T: c.Type, TypeMod: c.TypeMod, Col: c.Name}
}

// fullTuple builds the stored tuple: given values coerced to their column,
// defaults or generated ids elsewhere.
func (b *Builder) fullTuple(coll *catalog.Collection, given map[int]Expr) ([]Expr, error) {
	row := make([]Expr, len(coll.Columns))
	for i, c := range coll.Columns {
		if e, ok := given[i]; ok {
			row[i] = b.coerce(e, c)
			continue
		}
		switch {
		case c.Dropped:
			row[i] = &Const{V: nil, T: c.Type}
		case c.Hidden && coll.Kind != catalog.KeyValue:
			row[i] = &GenID{T: types.Int8}
		case c.Default != "":
			be, err := b.columnDefault(c)
			if err != nil {
				return nil, err
			}
			row[i] = b.coerce(be, c)
		default:
			row[i] = &Const{V: nil, T: c.Type}
		}
	}
	return row, nil
}

// setSources binds the sub-SELECTs of SET (a, b) = (SELECT ...) in one
// statement's assignments: each runs once per row written, its row's
// values appended, in order, to the row (of width base) that the SET
// values read.
type setSources struct {
	base  int
	width int // the columns of subs
	subs  []*Subquery
	bound map[*ast.Select]setSource
}

// setSource is a bound sub-SELECT and its first column in the row the
// SET values read.
type setSource struct {
	sub *Subquery
	off int
}

// value is the expression for m's column of its sub-SELECT's row,
// binding the sub-SELECT (over bd's scope) on its first use; a sub-SELECT
// whose columns are not as many as the columns assigned is 42601.
func (ss *setSources) value(bd *binder, m *ast.MultiAssignRef) (Expr, error) {
	src, ok := ss.bound[m.Query]
	if !ok {
		e, err := bd.bindSubquery(m.Query, SubRow, nil, false, m.Pos)
		if err != nil {
			return nil, err
		}
		sub := e.(*Subquery)
		n := len(sub.Plan.Columns())
		if n != m.N {
			return nil, errAt(errs.SyntaxError, m.Pos, "number of columns does not match number of values")
		}
		src = setSource{sub: sub, off: ss.base + ss.width}
		ss.width += n
		ss.subs = append(ss.subs, sub)
		if ss.bound == nil {
			ss.bound = map[*ast.Select]setSource{}
		}
		ss.bound[m.Query] = src
	}
	c := src.sub.Plan.Columns()[m.Col]
	return &ColRef{Idx: src.off + m.Col, T: c.T, Name: c.Name, Fields: c.Fields}, nil
}

// bindSet binds one assignment of UPDATE or ON CONFLICT DO UPDATE; the
// values of SET (a, b) = (SELECT ...) come from srcs.
func (b *Builder) bindSet(coll *catalog.Collection, bd *binder, srcs *setSources, a ast.Assignment) (SetCol, error) {
	if m, ok := a.Value.(*ast.MultiAssignRef); ok {
		// As in PostgreSQL, the sub-SELECT is checked before the
		// columns it sets.
		if _, err := srcs.value(bd, m); err != nil {
			return SetCol{}, err
		}
	}
	path := strings.Split(a.Column, ".")
	if coll.Tuple() {
		// As in PostgreSQL, SET x.y = ... sets field y of column x
		// (even when x is the table's name or alias).
		i := coll.ColumnIndex(path[0])
		if i < 0 {
			return SetCol{}, errAt(errs.UndefinedColumn, a.Pos, "column %q of relation %q does not exist", path[0], coll.Name)
		}
		c := coll.Columns[i]
		if len(path) > 1 {
			return SetCol{}, errAt(errs.DatatypeMismatch, a.Pos, "cannot assign to field %q of column %q because its type %s is not a composite type", path[1], c.Name, b.typeName(c))
		}
		if _, isDefault := a.Value.(*ast.DefaultExpr); isDefault {
			// SET c = DEFAULT: the column's default (NULL without one).
			def, err := b.columnDefault(c)
			if err != nil {
				return SetCol{}, err
			}
			return SetCol{Idx: i, Value: b.coerce(def, c)}, nil
		}
		if c.Identity == "a" {
			return SetCol{}, errs.Errorf(errs.GeneratedAlways, "column %q can only be updated to DEFAULT", c.Name).
				WithDetail(fmt.Sprintf("Column %q is an identity column defined as GENERATED ALWAYS.", c.Name))
		}
		v, err := srcs.bind(bd, a.Value, c.Type)
		if err != nil {
			return SetCol{}, err
		}
		if err := b.textAssigned(a.Value, v, c, a.Value.Position()); err != nil {
			return SetCol{}, err
		}
		return SetCol{Idx: i, Value: b.coerce(v, c)}, nil
	}
	if path[0] == "id" && len(path) == 1 {
		return SetCol{}, errAt(errs.FeatureNotSupported, a.Pos, "updating a document's id is not supported; insert a new document instead")
	}
	v, err := srcs.bind(bd, a.Value, types.Unknown)
	if err != nil {
		return SetCol{}, err
	}
	return SetCol{Idx: -1, Path: path, Value: v}, nil
}

// typeName is column c's type as PostgreSQL's format_type names it,
// without its modifier.
func (b *Builder) typeName(c catalog.Column) string {
	if c.Type == types.Enum {
		if e := b.enumByMod(c.TypeMod); e != nil {
			return e.Name
		}
	}
	return funcs.FormatType(int64(c.Type.OID()), 0, false)
}

// setTwice refuses two assignments to one column (or document path) in
// one SET list (42601), as PostgreSQL does once they are bound.
func setTwice(coll *catalog.Collection, set []SetCol) error {
	seen := map[string]bool{}
	for _, s := range set {
		name := strings.Join(s.Path, ".")
		if s.Idx >= 0 {
			name = coll.Columns[s.Idx].Name
		}
		if seen[name] {
			return errs.Errorf(errs.SyntaxError, "multiple assignments to same column %q", name)
		}
		seen[name] = true
	}
	return nil
}

// bind binds a SET value: a column of a sub-SELECT's row, or an
// expression (hint typing its untyped literals and parameters).
func (ss *setSources) bind(bd *binder, e ast.Expr, hint types.T) (Expr, error) {
	if m, ok := e.(*ast.MultiAssignRef); ok {
		return ss.value(bd, m)
	}
	return bd.bind(e, hint)
}

// bindReturning binds RETURNING's items over the written row (sc). With
// FROM / USING (jw set), an item reading the other entries' columns is
// read from the matched row, as a SET value is (joinedWrite.value).
func (b *Builder) bindReturning(items []ast.SelectItem, sc *scope, jw ...*joinedWrite) ([]Expr, []Column, error) {
	if len(items) == 0 {
		return nil, nil, nil
	}
	var other map[int]bool // items read from the match only
	var err error
	if len(jw) > 0 {
		items, other, err = b.expandJoinedItems(items, sc, jw[0])
	} else {
		items, err = b.expandItems(items, sc)
	}
	if err != nil {
		return nil, nil, err
	}
	bd := &binder{b: b, sc: sc, noAgg: "RETURNING"}
	var exprs []Expr
	var cols []Column
	for i, it := range items {
		if other[i] {
			e, err := bd.bind(jw[0].value(it.Expr), types.Unknown)
			if err != nil {
				return nil, nil, err
			}
			exprs = append(exprs, e)
			cols = append(cols, colFor(exprName(it.Expr), e, sc))
			continue
		}
		e, err := bd.bind(it.Expr, types.Unknown)
		if err != nil && len(jw) > 0 && (errs.Is(err, errs.UndefinedColumn) || errs.Is(err, errs.UndefinedTable)) {
			if other, oerr := bd.bind(jw[0].value(it.Expr), types.Unknown); oerr == nil {
				e, err = other, nil
			}
		}
		if err != nil {
			return nil, nil, err
		}
		name := it.Alias
		if name == "" {
			name = exprName(it.Expr)
		}
		exprs = append(exprs, e)
		cols = append(cols, colFor(name, e, sc))
	}
	return exprs, cols, nil
}

// BuildUpdate plans UPDATE.
func (b *Builder) BuildUpdate(up *ast.Update) (*Update, error) {
	return withWriteQueries(b, up.With, func() (*Update, error) { return b.buildUpdate(up) },
		func(n *Update, w []*CTEDef) { n.Writes = w })
}

// buildUpdate plans UPDATE once its WITH list is in scope.
func (b *Builder) buildUpdate(up *ast.Update) (*Update, error) {
	coll, err := b.Cat.MustGet(up.Table)
	if err != nil {
		return nil, withPos(err, up.Pos)
	}
	where, set := up.Where, up.Set
	var jws []*joinedWrite
	if len(up.From) > 0 {
		jw, w, err := b.newJoinedWrite(coll, up.Alias, up.From, where, up.Pos)
		if err != nil {
			return nil, err
		}
		jws = append(jws, jw)
		where, set = w, nil
		sources := map[*ast.Select]*ast.Select{}
		for _, a := range up.Set {
			if m, ok := a.Value.(*ast.MultiAssignRef); ok {
				q, ok := sources[m.Query]
				if !ok {
					q = jw.source(m.Query, m.Pos)
					sources[m.Query] = q
				}
				a.Value = &ast.MultiAssignRef{Pos: m.Pos, Query: q, Col: m.Col, N: m.N}
			} else {
				a.Value = jw.value(a.Value)
			}
			set = append(set, a)
		}
	}
	sc := newScope(coll, up.Alias)
	scan, err := b.buildScan(coll, sc, where, false)
	if err != nil {
		return nil, err
	}
	out := &Update{Coll: coll, Scan: scan}
	bd := &binder{b: b, sc: sc, noAgg: "UPDATE"}
	srcs := &setSources{base: len(sc.cols)}
	for _, a := range set {
		s, err := b.bindSet(coll, bd, srcs, a)
		if err != nil {
			return nil, err
		}
		out.Set = append(out.Set, s)
	}
	out.Sources = srcs.subs
	if len(jws) > 0 {
		for _, sub := range srcs.subs {
			if err := oneSourceRow(sub.Plan); err != nil {
				return nil, err
			}
		}
	}
	if err := setTwice(coll, out.Set); err != nil {
		return nil, err
	}
	if out.Returning, out.RetCols, err = b.bindReturning(up.Returning, sc, jws...); err != nil {
		return nil, err
	}
	return out, nil
}

// BuildDelete plans DELETE.
func (b *Builder) BuildDelete(del *ast.Delete) (*Delete, error) {
	return withWriteQueries(b, del.With, func() (*Delete, error) { return b.buildDelete(del) },
		func(n *Delete, w []*CTEDef) { n.Writes = w })
}

// buildDelete plans DELETE once its WITH list is in scope.
func (b *Builder) buildDelete(del *ast.Delete) (*Delete, error) {
	coll, err := b.Cat.MustGet(del.Table)
	if err != nil {
		return nil, withPos(err, del.Pos)
	}
	where := del.Where
	var jws []*joinedWrite
	if len(del.Using) > 0 {
		var jw *joinedWrite
		if jw, where, err = b.newJoinedWrite(coll, del.Alias, del.Using, where, del.Pos); err != nil {
			return nil, err
		}
		jws = append(jws, jw)
	}
	sc := newScope(coll, del.Alias)
	scan, err := b.buildScan(coll, sc, where, false)
	if err != nil {
		return nil, err
	}
	out := &Delete{Coll: coll, Scan: scan}
	if out.Returning, out.RetCols, err = b.bindReturning(del.Returning, sc, jws...); err != nil {
		return nil, err
	}
	return out, nil
}

// columnDefault binds a column's DEFAULT expression (NULL without one).
func (b *Builder) columnDefault(c catalog.Column) (Expr, error) {
	if c.Default == "" {
		return &Const{V: nil, T: c.Type}, nil
	}
	de, err := parser.ParseExpr(c.Default)
	if err != nil {
		return nil, err
	}
	bd := &binder{b: b, sc: &scope{}, noAgg: "DEFAULT"}
	return bd.bind(de, c.Type)
}

// identityAlways refuses a value for a GENERATED ALWAYS identity column
// (428C9), as PostgreSQL does without OVERRIDING SYSTEM VALUE
// (overriding).
func identityAlways(c catalog.Column, overriding bool) error {
	if c.Identity != "a" || overriding {
		return nil
	}
	return errs.Errorf(errs.GeneratedAlways, "cannot insert a non-DEFAULT value into column %q", c.Name).
		WithDetail(fmt.Sprintf("Column %q is an identity column defined as GENERATED ALWAYS.", c.Name)).
		WithHint("Use OVERRIDING SYSTEM VALUE to override.")
}

// conflictTarget checks ON CONFLICT's target against coll's unique keys,
// as PostgreSQL infers its arbiter: ON CONSTRAINT names the primary key
// or a unique constraint (42704 otherwise); a column list must be the
// columns of one of them, in any order (42P10 otherwise). It returns the
// columns of the unique constraint that is not the primary key (nil for
// the primary key or no target), or the position of the expression or
// partial unique index a target with expressions or a WHERE infers
// (inferArbiter; -1 otherwise).
func conflictTarget(coll *catalog.Collection, oc *ast.OnConflict) ([]string, int, error) {
	if !coll.Tuple() {
		return nil, -1, nil
	}
	if oc.TargetWhere != nil || slices.ContainsFunc(oc.TargetExprs, func(e ast.Expr) bool { return e != nil }) {
		return inferArbiter(coll, oc)
	}
	hiddenKey := slices.ContainsFunc(coll.Columns, func(c catalog.Column) bool { return c.Hidden && slices.Contains(coll.PK, c.Name) })
	if oc.Constraint != "" {
		if oc.Constraint == coll.Name+"_pkey" && len(coll.PK) > 0 && !hiddenKey {
			return nil, -1, nil
		}
		for _, ix := range coll.Indexes {
			if ix.Unique && ix.Plain() && ix.Name == oc.Constraint {
				return ix.Columns, -1, nil
			}
		}
		return nil, -1, errAt(errs.UndefinedObject, oc.Pos, "constraint %q for table %q does not exist", oc.Constraint, coll.Name)
	}
	if len(oc.Target) == 0 {
		if !oc.DoNothing {
			return nil, -1, errs.New(errs.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name").
				WithHint("For example, ON CONFLICT (column_name).").WithPosition(oc.Pos)
		}
		return nil, -1, nil
	}
	same := func(cols []string) bool {
		if len(cols) != len(oc.Target) {
			return false
		}
		for _, t := range oc.Target {
			if !slices.Contains(cols, t) {
				return false
			}
		}
		return true
	}
	if !hiddenKey && same(coll.PK) {
		return nil, -1, nil
	}
	for _, ix := range coll.Indexes {
		if ix.Unique && ix.Plain() && same(ix.Columns) {
			return ix.Columns, -1, nil
		}
	}
	for _, t := range oc.Target {
		if coll.ColumnIndex(t) < 0 {
			return nil, -1, errAt(errs.UndefinedColumn, oc.Pos, "column %q does not exist", t)
		}
	}
	return nil, -1, errAt(errs.InvalidColumnReference, oc.Pos, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
}
