package exec

import (
	"slices"
	"strconv"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/types"
)

// expandLikes puts the columns of each LIKE t entry of a CREATE TABLE in
// its place, as PostgreSQL's LIKE does: names, types and NOT NULL
// always; with INCLUDING DEFAULTS the defaults, IDENTITY the identity
// (a new sequence), COMMENTS the column comments, CONSTRAINTS the CHECK
// constraints (foreign keys are never copied), INDEXES the primary key,
// unique constraints and indexes (named for the new table).
func (d *DDL) expandLikes(st *ast.CreateCollection) error {
	if len(st.Likes) == 0 {
		return nil
	}
	var cols []ast.ColumnDef
	at := 0
	for _, l := range st.Likes {
		src, err := d.Cat.MustGet(l.Table)
		if err != nil {
			if _, isView := d.Cat.View(l.Table); isView {
				return errs.Errorf(errs.FeatureNotSupported, "LIKE of a view is not supported yet").WithPosition(l.Pos)
			}
			return err
		}
		if !src.Tuple() || src.Kind == catalog.KeyValue {
			return errs.Errorf(errs.FeatureNotSupported, "LIKE %q: only a table with columns can be copied", src.Name).WithPosition(l.Pos)
		}
		cols = append(cols, st.Columns[at:l.At]...)
		at = l.At
		for _, c := range src.Columns {
			if c.Hidden {
				continue
			}
			cd := ast.ColumnDef{Pos: l.Pos, Name: c.Name, Type: c.Type, TypeMod: c.TypeMod, TypeName: c.Type.String(),
				NotNull: c.NotNull || slices.Contains(src.PK, c.Name)}
			if c.Type == types.Enum {
				e, ok := d.Cat.EnumByOID(uint32(c.TypeMod))
				if !ok {
					return errs.Errorf(errs.InternalError, "LIKE %q: column %q has an unknown enum type", src.Name, c.Name)
				}
				cd.TypeName = e.Name
			}
			switch {
			case c.Identity != "" && l.Including["identity"]:
				cd.Identity = "BY DEFAULT"
				if c.Identity == "a" {
					cd.Identity = "ALWAYS"
				}
			case c.Default != "" && c.Identity == "" && l.Including["defaults"]:
				e, err := parser.ParseExpr(c.Default)
				if err != nil {
					return err
				}
				cd.Default = e
			}
			if l.Including["comments"] {
				cd.Comment = c.Comment
			}
			cols = append(cols, cd)
		}
		if l.Including["constraints"] {
			for _, ck := range src.Checks {
				e, err := parser.ParseExpr(ck.Expr)
				if err != nil {
					return err
				}
				st.Checks = append(st.Checks, ast.CheckDef{Pos: l.Pos, Name: ck.Name, Expr: e})
			}
		}
		if l.Including["indexes"] {
			if len(src.PK) > 0 && !slices.ContainsFunc(src.Columns, func(c catalog.Column) bool { return c.Hidden && slices.Contains(src.PK, c.Name) }) {
				if len(st.PrimaryKey) > 0 {
					return errs.Errorf(errs.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", st.Name).WithPosition(l.Pos)
				}
				st.PrimaryKey = append([]string(nil), src.PK...)
			}
			for _, ix := range src.Indexes {
				switch {
				case ix.Sorted:
				case ix.Unique && ix.Plain():
					st.Uniques = append(st.Uniques, append([]string(nil), ix.Columns...))
					st.UniqueNames = append(st.UniqueNames, "")
				default:
					ci := &ast.CreateIndex{Columns: slices.Clone(ix.Columns), Unique: ix.Unique, Include: slices.Clone(ix.Include)}
					for _, o := range ix.Opts {
						ci.Opts = append(ci.Opts, ast.IndexElemOpts(o))
					}
					for j, text := range ix.Exprs {
						if text != "" {
							if ci.Exprs == nil {
								ci.Exprs = make([]ast.Expr, len(ix.Columns))
							}
							ci.Exprs[j] = mustParseExpr(text)
						}
					}
					if ix.Where != "" {
						ci.Where = mustParseExpr(ix.Where)
					}
					st.Indexes = append(st.Indexes, ci)
				}
			}
		}
	}
	st.Columns = append(cols, st.Columns[at:]...)
	return nil
}

// likeIndexes creates the indexes LIKE ... INCLUDING INDEXES copied
// (other than unique constraints), named as CREATE INDEX names them
// after the new table (numbered while taken).
func (d *DDL) likeIndexes(tx *catalog.DDLTxn, col *catalog.Collection, st *ast.CreateCollection, taken map[string]bool) error {
	for _, ci := range st.Indexes {
		named := *ci
		named.Table = st.Name
		base := IndexName(&named)
		name := base
		for i := 1; ; i++ {
			if _, _, exists := d.Cat.FindIndex(name); !exists && !d.relationTaken(name, taken) &&
				!slices.ContainsFunc(col.Indexes, func(ix catalog.Index) bool { return ix.Name == name }) {
				break
			}
			name = base + strconv.Itoa(i)
		}
		ix := catalog.Index{ID: tx.NewID(), Name: name, Columns: ci.Columns, Unique: ci.Unique, Include: ci.Include, Opts: indexElemOpts(ci.Opts)}
		for j, e := range ci.Exprs {
			if e != nil {
				if ix.Exprs == nil {
					ix.Exprs = make([]string, len(ci.Columns))
				}
				ix.Exprs[j] = ast.Format(e)
			}
		}
		if ci.Where != nil {
			ix.Where = ast.Format(ci.Where)
		}
		col.Indexes = append(col.Indexes, ix)
	}
	return nil
}
