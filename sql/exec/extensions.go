package exec

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/parser"
)

// undefinedFile is PostgreSQL's 58P01, its code for an extension that is
// not available.
const undefinedFile = "58P01"

// CreateExtension runs CREATE EXTENSION for the extensions whose
// functions are built in (funcs.Extensions): it records the extension
// (pg_extension). plpgsql is always there, as in PostgreSQL. It returns
// PostgreSQL's notices (IF NOT EXISTS of one installed) and, for an
// extension of which some functions are not provided, a notice naming
// them.
func (d *DDL) CreateExtension(st *ast.CreateExtension) (notices []string, err error) {
	known, ok := funcs.Extensions[st.Name]
	if !ok {
		return nil, errs.Errorf(undefinedFile, "extension %q is not available", st.Name).
			WithHint("NodeDB provides plpgsql, pgcrypto and uuid-ossp (their functions are built in).")
	}
	if st.Schema != "" && st.Schema != "public" && st.Schema != "pg_catalog" {
		return nil, errs.Errorf(errs.InvalidSchemaName, "schema %q does not exist", st.Schema)
	}
	_, installed := d.Cat.Extension(st.Name)
	if installed || st.Name == "plpgsql" {
		if st.IfNotExists {
			return []string{fmt.Sprintf("extension %q already exists, skipping", st.Name)}, nil
		}
		return nil, errs.Errorf(errs.DuplicateObject, "extension %q already exists", st.Name)
	}
	if st.Version != "" && st.Version != known.Version {
		return nil, errs.Errorf(errs.InvalidParameterValue, "extension %q has no installation script nor update path for version %q", st.Name, st.Version)
	}
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		return tx.PutExtension(&catalog.Extension{ID: tx.NewID(), Name: st.Name, Version: known.Version, Created: time.Now().UTC(),
			Comment: known.Comment})
	})
	if err == nil && known.Missing != "" {
		notices = append(notices, fmt.Sprintf("extension %q: %s are not provided", st.Name, known.Missing))
	}
	return notices, err
}

// DropExtension runs DROP EXTENSION; it returns the IF EXISTS notices.
func (d *DDL) DropExtension(st *ast.DropExtension) (notices []string, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		for _, name := range st.Names {
			if name == "plpgsql" {
				return errs.Errorf(errs.FeatureNotSupported, "cannot drop extension plpgsql: procedures and triggers need it")
			}
			e, ok := d.Cat.Extension(name)
			if !ok {
				if st.IfExists {
					notices = append(notices, fmt.Sprintf("extension %q does not exist, skipping", name))
					continue
				}
				return errs.Errorf(errs.UndefinedObject, "extension %q does not exist", name)
			}
			if deps := d.extensionDependents(funcs.Extensions[name]); len(deps) > 0 {
				if st.Cascade {
					return errs.Errorf(errs.FeatureNotSupported, "DROP EXTENSION ... CASCADE of an extension column defaults use is not supported yet").
						WithDetail(strings.Join(deps, "\n"))
				}
				return errs.Errorf(errs.DependentObjects, "cannot drop extension %s because other objects depend on it", name).
					WithDetail(strings.Join(deps, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			}
			tx.RemoveExtension(e)
		}
		return nil
	})
	return notices, err
}

// extensionDependents lists the column defaults that call one of ext's
// functions, as PostgreSQL's dependency detail names them.
func (d *DDL) extensionDependents(ext funcs.Extension) []string {
	var out []string
	for _, c := range d.Cat.List() {
		for _, col := range c.Columns {
			if col.Default == "" || col.Dropped {
				continue
			}
			e, err := parser.ParseExpr(col.Default)
			if err != nil {
				continue
			}
			ast.Inspect(e, func(x any) {
				if f, ok := x.(*ast.FuncCall); ok && slices.Contains(ext.Functions, strings.ToLower(f.Name)) {
					out = append(out, fmt.Sprintf("default value for column %s of table %s depends on function %s()", col.Name, c.Name, strings.ToLower(f.Name)))
				}
			})
		}
	}
	return out
}
