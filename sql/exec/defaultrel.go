package exec

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/types"
)

// resolveDefault resolves the relations a DEFAULT expression names by
// regclass constants when the default is created, as PostgreSQL does:
// 'name'::regclass, the untyped literal nextval, currval and setval take
// as their regclass argument, and a literal default of a regclass column
// (t). A name no relation has is 42P01. The result writes each of them
// as 'name'::regclass with the relation's own name, as PostgreSQL stores
// a default (nextval('S1') is nextval('s1'::regclass)). taken lists the
// relations the statement creates itself (a serial column's sequence).
// A text argument (nextval('s'::text)) is still looked up at each call.
func (d *DDL) resolveDefault(e ast.Expr, t types.T, taken map[string]bool) (ast.Expr, error) {
	var err error
	resolve := func(lit *ast.Literal) *ast.Cast {
		s, _ := lit.Value.(string)
		name, ok, rerr := d.regclassName(s, taken)
		if rerr != nil && err == nil {
			err = rerr.WithPosition(lit.Pos)
		}
		if ok {
			lit = &ast.Literal{Pos: lit.Pos, Kind: "string", Value: name}
		}
		return &ast.Cast{Pos: lit.Pos, X: lit, Type: types.RegClass, TypeName: "regclass"}
	}
	if lit, ok := e.(*ast.Literal); ok && lit.Kind == "string" && t == types.RegClass {
		c := resolve(lit)
		return c, err
	}
	ast.Inspect(e, func(n any) {
		switch x := n.(type) {
		case *ast.Cast:
			if lit, ok := x.X.(*ast.Literal); ok && lit.Kind == "string" && x.Type == types.RegClass && !x.Array {
				x.X = resolve(lit).X
			}
		case *ast.FuncCall:
			switch strings.TrimPrefix(x.Name, "pg_catalog.") {
			case "nextval", "currval", "setval":
				if lit, ok := firstArg(x).(*ast.Literal); ok && lit.Kind == "string" {
					x.Args[0] = resolve(lit)
				}
			}
		}
	})
	return e, err
}

func firstArg(x *ast.FuncCall) ast.Expr {
	if len(x.Args) == 0 || x.Over != nil || x.Star {
		return nil
	}
	return x.Args[0]
}

// regclassName is the relation regclass input s names, as a default
// shows it: its name, quoted where needed (user relations are all in
// public). ok is false for an OID or a system relation's name, which
// stay as written; a user relation that does not exist is 42P01.
func (d *DDL) regclassName(s string, taken map[string]bool) (string, bool, *errs.Error) {
	x := strings.TrimSpace(s)
	if _, err := strconv.ParseInt(x, 10, 64); err == nil || x == "-" {
		return "", false, nil
	}
	schema, name := types.SplitQualified(x)
	if schema != "" && schema != "public" {
		return "", false, nil
	}
	if d.relationTaken(name, taken) {
		return ast.QuoteIdent(name), true, nil
	}
	if _, _, ok := d.Cat.FindIndex(name); ok {
		return ast.QuoteIdent(name), true, nil
	}
	if base, ok := strings.CutSuffix(name, "_pkey"); ok {
		if c, ok := d.Cat.Get(base); ok && len(c.PK) > 0 && !slices.ContainsFunc(c.PK, func(k string) bool {
			i := c.ColumnIndex(k)
			return i >= 0 && c.Columns[i].Hidden
		}) {
			return ast.QuoteIdent(name), true, nil
		}
	}
	if schema == "" && (strings.HasPrefix(name, "pg_") || strings.HasPrefix(name, "information_schema")) {
		return "", false, nil // a system relation: checked where it is read
	}
	shown := name
	if schema != "" {
		shown = schema + "." + name
	}
	return "", false, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", shown)
}
