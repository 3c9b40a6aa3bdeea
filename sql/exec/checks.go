package exec

import (
	"fmt"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/parser"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// addChecks puts a new table's CHECK constraints in its descriptor, each
// bound once to prove it is a boolean over the table's columns. Unnamed
// ones are named as PostgreSQL names them: <table>_<column>_check for a
// column's, <table>_check for the table's, a number appended while taken.
func (d *DDL) addChecks(col *catalog.Collection, st *ast.CreateCollection) error {
	type named struct {
		def  ast.CheckDef
		base string
	}
	var all []named
	for _, cd := range st.Columns {
		for _, c := range cd.Checks {
			all = append(all, named{c, col.Name + "_" + cd.Name + "_check"})
		}
	}
	for _, c := range st.Checks {
		all = append(all, named{c, checkBase(col, c.Expr)})
	}
	taken := map[string]bool{}
	for _, n := range all {
		if _, err := plan.BindCheck(col, n.def.Expr); err != nil {
			return err
		}
		name, err := constraintName(taken, n.def.Name, n.base, col.Name)
		if err != nil {
			return err
		}
		col.Checks = append(col.Checks, catalog.Check{Name: name, Expr: ast.Format(n.def.Expr)})
	}
	return nil
}

// constraintName is the name of a new constraint of relation rel: given,
// unless taken (42710), or base, numbered while taken, as PostgreSQL
// names unnamed ones. It takes the name.
func constraintName(taken map[string]bool, given, base, rel string) (string, error) {
	name := given
	switch {
	case name == "":
		name = base
		for i := 1; taken[name]; i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
	case taken[name]:
		return "", errs.Errorf(errs.DuplicateObject, "constraint %q for relation %q already exists", name, rel)
	}
	taken[name] = true
	return name, nil
}

// checkBase is the name PostgreSQL gives a table's unnamed CHECK
// constraint: <table>_<first column it names>_check, or <table>_check.
func checkBase(col *catalog.Collection, e ast.Expr) string {
	if c := plan.FirstColumn(e); c != "" {
		return col.Name + "_" + c + "_check"
	}
	return col.Name + "_check"
}

// boundChecks caches the bound CHECK expressions of a collection
// descriptor (descriptors are immutable; DDL makes new ones).
var boundChecks sync.Map // *catalog.Collection -> []plan.Expr

func checksOf(coll *catalog.Collection) ([]plan.Expr, error) {
	if v, ok := boundChecks.Load(coll); ok {
		return v.([]plan.Expr), nil
	}
	out := make([]plan.Expr, len(coll.Checks))
	for i, c := range coll.Checks {
		e, err := parser.ParseExpr(c.Expr)
		if err != nil {
			return nil, err
		}
		if out[i], err = plan.BindCheck(coll, e); err != nil {
			return nil, err
		}
	}
	boundChecks.Store(coll, out)
	return out, nil
}

// checkRow fails with 23514 when a row about to be stored makes one of
// its table's CHECK constraints false (NULL passes, as in PostgreSQL).
func (env *Env) checkRow(coll *catalog.Collection, row types.Row) error {
	i, err := env.violatedCheck(coll, row)
	if err != nil || i < 0 {
		return err
	}
	return errs.Errorf(errs.CheckViolation, "new row for relation %q violates check constraint %q", coll.Name, coll.Checks[i].Name).
		WithDetail(failingRow(coll, row))
}

// violatedCheck returns the first of coll's CHECK constraints row makes
// false, or -1.
func (env *Env) violatedCheck(coll *catalog.Collection, row types.Row) (int, error) {
	exprs, err := checksOf(coll)
	if err != nil {
		return -1, err
	}
	for i, e := range exprs {
		v, err := env.Eval(e, row)
		if err != nil {
			return -1, err
		}
		if v == false {
			return i, nil
		}
	}
	return -1, nil
}

// checkStoredRows fails with PostgreSQL's 23514 when a stored row of n
// breaks its newest CHECK constraint, just added (the others hold). The
// constraint is bound here, not through checksOf: n is a descriptor
// being built, whose cache entry would never serve again.
func (env *Env) checkStoredRows(tx *catalog.DDLTxn, n *catalog.Collection) error {
	c := n.Checks[len(n.Checks)-1]
	e, err := parser.ParseExpr(c.Expr)
	if err != nil {
		return err
	}
	bound, err := plan.BindCheck(n, e)
	if err != nil {
		return err
	}
	return eachTuple(tx, n, len(n.Columns), func(row types.Row) error {
		v, err := env.Eval(bound, row)
		if err != nil {
			return err
		}
		if v == false {
			return errs.Errorf(errs.CheckViolation, "check constraint %q of relation %q is violated by some row", c.Name, n.Name)
		}
		return nil
	})
}

// checkExisting fails with PostgreSQL's 23514 for rows already stored
// (ADD CHECK, ALTER COLUMN TYPE) when row breaks one of coll's checks.
func (env *Env) checkExisting(coll *catalog.Collection, row types.Row) error {
	i, err := env.violatedCheck(coll, row)
	if err != nil || i < 0 {
		return err
	}
	return errs.Errorf(errs.CheckViolation, "check constraint %q of relation %q is violated by some row", coll.Checks[i].Name, coll.Name)
}

// failingRow is PostgreSQL's detail naming a row that breaks a
// constraint: Failing row contains (1, null, x).
func failingRow(coll *catalog.Collection, row types.Row) string {
	vals := make([]string, 0, len(row))
	for j, c := range coll.Columns {
		if c.Hidden {
			continue
		}
		if row[j] == nil {
			vals = append(vals, "null")
		} else {
			vals = append(vals, types.FormatTyped(row[j], c.Type))
		}
	}
	return "Failing row contains (" + strings.Join(vals, ", ") + ")."
}

// strictTable finds a strict table for ALTER TABLE, taking its DDL lock.
// why says, for a schemaless collection, why the statement does not apply.
func (d *DDL) strictTable(tx *catalog.DDLTxn, table, why string) (*catalog.Collection, error) {
	col, err := d.Cat.MustGet(table)
	if err != nil {
		return nil, err
	}
	if !col.Tuple() {
		return nil, errs.Errorf(errs.FeatureNotSupported, "%q is schemaless: %s", col.Name, why)
	}
	tx.LockCollection(col.ID)
	return d.Cat.MustGet(table)
}

// AddCheck runs ALTER TABLE ... ADD [CONSTRAINT name] CHECK (expr): the
// rows already there must pass it (23514 otherwise).
func (d *DDL) AddCheck(st *ast.AddCheck) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		if _, err := plan.BindCheck(col, st.Check.Expr); err != nil {
			return err
		}
		name, err := constraintName(constraintNames(col), st.Check.Name, checkBase(col, st.Check.Expr), col.Name)
		if err != nil {
			return err
		}
		n := catalog.Clone(col)
		n.Checks = append(n.Checks, catalog.Check{Name: name, Expr: ast.Format(st.Check.Expr), NotValid: st.NotValid})
		if !st.NotValid {
			if err := d.checkOne(tx, n, len(n.Checks)-1); err != nil {
				return err
			}
		}
		tx.Put(n)
		return nil
	})
}

// checkOne checks the stored rows of n against its i-th CHECK alone.
func (d *DDL) checkOne(tx *catalog.DDLTxn, n *catalog.Collection, i int) error {
	only := catalog.Clone(n)
	only.Checks = []catalog.Check{n.Checks[i]}
	return d.Env(tx.Txn).checkStoredRows(tx, only)
}

// ValidateConstraint runs ALTER TABLE ... VALIDATE CONSTRAINT: the rows of
// a NOT VALID CHECK or foreign key are checked (23514, 23503) and it is
// valid from then on; validating a valid one does nothing.
func (d *DDL) ValidateConstraint(st *ast.ValidateConstraint) error {
	return d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		n := catalog.Clone(col)
		for i := range n.Checks {
			if n.Checks[i].Name != st.Name {
				continue
			}
			if !n.Checks[i].NotValid {
				return nil
			}
			if err := d.checkOne(tx, n, i); err != nil {
				return err
			}
			n.Checks = append([]catalog.Check(nil), n.Checks...)
			n.Checks[i].NotValid = false
			tx.Put(n)
			return nil
		}
		for i := range n.FKs {
			if n.FKs[i].Name != st.Name {
				continue
			}
			if !n.FKs[i].NotValid {
				return nil
			}
			parent := n
			if n.FKs[i].RefID != n.ID {
				p, ok := d.Cat.ByID(n.FKs[i].RefID)
				if !ok {
					return errs.Errorf(errs.InternalError, "foreign key %q: referenced table is gone", st.Name)
				}
				tx.LockCollection(p.ID)
				parent = p
			}
			n.FKs = append([]catalog.ForeignKey(nil), n.FKs...)
			n.FKs[i].NotValid = false
			if err := d.checkRows(tx, col, parent, &n.FKs[i]); err != nil {
				return err
			}
			tx.Put(n)
			return nil
		}
		if constraintNames(col)[st.Name] {
			return errs.Errorf(errs.WrongObjectType, "constraint %q of relation %q is not a foreign key or check constraint", st.Name, col.Name)
		}
		return errs.Errorf(errs.UndefinedObject, "constraint %q of relation %q does not exist", st.Name, col.Name)
	})
}

// DropConstraint runs ALTER TABLE ... DROP CONSTRAINT for a CHECK or
// FOREIGN KEY constraint; false when IF EXISTS found none.
func (d *DDL) DropConstraint(st *ast.DropConstraint) (bool, error) {
	dropped := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		col, err := d.strictTable(tx, st.Table, "it has no constraints")
		if err != nil {
			return err
		}
		n := catalog.Clone(col)
		for i, c := range n.Checks {
			if c.Name == st.Name {
				n.Checks = append(n.Checks[:i], n.Checks[i+1:]...)
				tx.Put(n)
				return nil
			}
		}
		for i, fk := range n.FKs {
			if fk.Name == st.Name {
				n.FKs = append(n.FKs[:i], n.FKs[i+1:]...)
				tx.Put(n)
				return nil
			}
		}
		if st.IfExists {
			dropped = false
			return nil
		}
		return errs.Errorf(errs.UndefinedObject, "constraint %q of relation %q does not exist", st.Name, col.Name)
	})
	return dropped, err
}
