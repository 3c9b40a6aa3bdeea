package exec

import (
	"encoding/binary"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// Foreign keys are enforced as PostgreSQL's referential-integrity
// triggers do it: each row a statement writes notes its work (a key to
// find in the referenced table, a referenced key that went away), and the
// work runs when the statement has written all its rows, so a statement
// may insert a parent after its child or delete a whole self-referencing
// tree. The lookups are planned like WHERE c1 = $1 AND ... (plan.KeyScan),
// so they use a key or an index when there is one.
//
// Concurrent transactions are kept apart by row locks (txn.Txn.LockRow):
// a row found as a parent is locked shared, a parent row deleted or whose
// referenced key changes is locked exclusively, and the later of two
// conflicting commits fails with 40001. Without them, snapshot isolation
// would let a child be inserted while its parent is deleted.

// ForeignKeys resolves foreign keys for writes (a *catalog.Catalog): the
// collection a key references and the keys referencing a collection.
type ForeignKeys interface {
	ByID(id uint32) (*catalog.Collection, bool)
	ReferencedBy(id uint32) []catalog.FKRef
}

// fkState is one write statement's foreign-key work.
type fkState struct {
	checks []fkCheck
	seen   map[string]bool // checks queued: constraint and key
	gone   []fkGone
	// refs caches ForeignKeys.ReferencedBy per collection for the
	// statement, which asks once per row written (the keys cannot change
	// meanwhile: DDL adding or dropping one waits for the statement's
	// collection locks).
	refs map[uint32][]catalog.FKRef
}

// referencedBy is env.Refs.ReferencedBy(id), through the statement's
// cache when there is a statement.
func (env *Env) referencedBy(id uint32) []catalog.FKRef {
	st := env.fk
	if st == nil {
		return env.Refs.ReferencedBy(id)
	}
	if r, ok := st.refs[id]; ok {
		return r
	}
	if st.refs == nil {
		st.refs = make(map[uint32][]catalog.FKRef)
	}
	r := env.Refs.ReferencedBy(id)
	st.refs[id] = r
	return r
}

// fkCheck is a key of a written row that its referenced table must hold.
type fkCheck struct {
	child *catalog.Collection
	fk    *catalog.ForeignKey
	key   []types.Value
}

// fkGone is a referenced key a parent row no longer holds: new is its
// new value after an update, nil after a delete.
type fkGone struct {
	parent   *catalog.Collection
	ref      catalog.FKRef
	old, new []types.Value
}

// action is the referential action for g: ON UPDATE's when the key
// changed, ON DELETE's when it went.
func (g fkGone) action() string {
	if g.new != nil {
		return g.ref.FK.OnUpdate
	}
	return g.ref.FK.OnDelete
}

// fkStatement runs a write statement's body, then its foreign-key work.
// Statements nest (a trigger's writes are statements of their own), so
// each has its own.
func (env *Env) fkStatement(body func() (*WriteResult, error)) (*WriteResult, error) {
	saved := env.fk
	env.fk = &fkState{}
	defer func() { env.fk = saved }()
	res, err := body()
	if err != nil {
		return nil, err
	}
	if err := env.fkFinish(); err != nil {
		return nil, err
	}
	return res, nil
}

// fkInvolved reports whether writes to coll have foreign-key work.
func (env *Env) fkInvolved(coll *catalog.Collection) bool {
	if env.noFK || coll.Kind != catalog.Strict {
		return false
	}
	return len(coll.FKs) > 0 || (env.Refs != nil && len(env.referencedBy(coll.ID)) > 0)
}

// fkWritten notes the foreign-key work of a row written to coll: old is
// the row replaced (nil: inserted), new the row written (nil: deleted).
func (env *Env) fkWritten(coll *catalog.Collection, old, new types.Row) error {
	if env.noFK || coll.Kind != catalog.Strict {
		return nil
	}
	if len(coll.FKs) > 0 && new != nil {
		if err := env.fkNoteChecks(coll, old, new); err != nil {
			return err
		}
	}
	if old == nil {
		return nil
	}
	if env.Refs == nil {
		return errs.Errorf(errs.InternalError, "foreign keys of %q cannot be enforced here", coll.Name)
	}
	refs := env.referencedBy(coll.ID)
	locked := false
	for _, ref := range refs {
		okey, nulls := fkKey(coll, ref.FK.RefColumns, old)
		if nulls > 0 {
			continue // no row references a key holding a NULL
		}
		var nkey []types.Value
		if new != nil {
			nkey, _ = fkKey(coll, ref.FK.RefColumns, new)
			if sameKey(okey, nkey) {
				continue
			}
		}
		if env.fk == nil {
			return errs.Errorf(errs.InternalError, "a write to %q outside a statement", coll.Name)
		}
		if !locked {
			env.Txn.LockRow(rowLockKey(coll, old), true)
			locked = true
		}
		env.fk.gone = append(env.fk.gone, fkGone{parent: coll, ref: ref, old: okey, new: nkey})
	}
	return nil
}

// fkNoteChecks notes the keys of a row written to coll that its
// referenced tables must hold (a key left unchanged by an update is not
// checked again).
func (env *Env) fkNoteChecks(coll *catalog.Collection, old, new types.Row) error {
	for i := range coll.FKs {
		fk := &coll.FKs[i]
		key, nulls := fkKey(coll, fk.Columns, new)
		if nulls > 0 {
			if fk.MatchFull && nulls < len(key) {
				return errs.Errorf(errs.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", coll.Name, fk.Name).
					WithDetail("MATCH FULL does not allow mixing of null and nonnull key values.")
			}
			continue
		}
		if old != nil {
			if okey, _ := fkKey(coll, fk.Columns, old); sameKey(okey, key) {
				continue
			}
		}
		if env.fk == nil {
			return errs.Errorf(errs.InternalError, "a write to %q outside a statement", coll.Name)
		}
		seen := fk.Name + "\x00" + string(binary.BigEndian.AppendUint32(nil, coll.ID)) + string(encodeKey(key))
		if env.fk.seen[seen] {
			continue
		}
		if env.fk.seen == nil {
			env.fk.seen = make(map[string]bool)
		}
		env.fk.seen[seen] = true
		env.fk.checks = append(env.fk.checks, fkCheck{child: coll, fk: fk, key: key})
	}
	return nil
}

// fkFinish does a statement's foreign-key work: actions on the rows
// referencing keys that went away (which may note more work), then the
// checks of new keys.
func (env *Env) fkFinish() error {
	st := env.fk
	for len(st.gone) > 0 || len(st.checks) > 0 {
		if err := checkCtx(env.Ctx); err != nil {
			return err
		}
		if len(st.gone) > 0 {
			g := st.gone[0]
			st.gone = st.gone[1:]
			if env.Deferred.deferred(g.ref.FK) && g.action() == "a" {
				env.Deferred.gone = append(env.Deferred.gone, g)
				continue
			}
			if err := env.fkAct(g); err != nil {
				return err
			}
			continue
		}
		c := st.checks[0]
		st.checks = st.checks[1:]
		if env.Deferred.deferred(c.fk) {
			env.Deferred.checks = append(env.Deferred.checks, c)
			continue
		}
		if err := env.fkCheckParent(c); err != nil {
			return err
		}
	}
	return nil
}

// fkCheckParent fails with 23503 unless the referenced table holds c's key,
// and locks the row holding it (shared) until the transaction ends.
func (env *Env) fkCheckParent(c fkCheck) error {
	var parent *catalog.Collection
	ok := env.Refs != nil
	if ok {
		parent, ok = env.Refs.ByID(c.fk.RefID)
	}
	if !ok || parent.Dropped {
		return errs.Errorf(errs.InternalError, "the table foreign key %q references is missing", c.fk.Name)
	}
	rows, err := env.fkFind(parent, c.fk.RefColumns, c.key, 1)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return errs.Errorf(errs.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", c.child.Name, c.fk.Name).
			WithDetail("Key " + keyText(c.child, c.fk.Columns, c.key) + " is not present in table \"" + parent.Name + "\".")
	}
	env.Txn.LockRow(rowLockKey(parent, rows[0].row), false)
	return nil
}

// fkAct runs the referential action for the rows referencing a key that
// went away.
func (env *Env) fkAct(g fkGone) error {
	fk, child := g.ref.FK, g.ref.Child
	action := g.action()
	if action == "a" {
		// No action: a row holding the key again (written by the same
		// statement) keeps the references valid.
		rows, err := env.fkFind(g.parent, fk.RefColumns, g.old, 1)
		if err != nil || len(rows) > 0 {
			return err
		}
	}
	limit := 0
	if action == "a" || action == "r" {
		limit = 1
	}
	rows, err := env.fkFind(child, fk.Columns, g.old, limit)
	if err != nil || len(rows) == 0 {
		return err
	}
	lay := Layout(child)
	switch action {
	case "a", "r":
		return errs.Errorf(errs.ForeignKeyViolation, "update or delete on table %q violates foreign key constraint %q on table %q", g.parent.Name, fk.Name, child.Name).
			WithDetail("Key " + keyText(g.parent, fk.RefColumns, g.old) + " is still referenced from table \"" + child.Name + "\".")
	case "c":
		if g.new == nil {
			for _, r := range rows {
				if _, err := env.deleteRow(child, lay, r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var vals []types.Value
	switch action {
	case "c":
		vals = g.new
	case "n":
		vals = make([]types.Value, len(fk.Columns))
	case "d":
		for _, name := range fk.Columns {
			v, err := env.EvalDefault(child.Columns[child.ColumnIndex(name)])
			if err != nil {
				return err
			}
			vals = append(vals, v)
		}
	default:
		return errs.Errorf(errs.InternalError, "unknown referential action %q", action)
	}
	for _, r := range rows {
		newRow := append(types.Row(nil), r.row...)
		for i, name := range fk.Columns {
			j := child.ColumnIndex(name)
			v, err := castKey(vals[i], child.Columns[j].Type)
			if err != nil {
				return err
			}
			newRow[j] = v
		}
		if _, _, err := env.updateRow(child, lay, r, newRow); err != nil {
			return err
		}
	}
	return nil
}

// keyScan is a planned lookup of coll's rows by the values of some
// columns (plan.KeyScan) and those columns' types.
type keyScan struct {
	scan  *plan.Scan
	types []types.T
}

type keyScanID struct {
	coll *catalog.Collection
	cols string
}

// keyScans caches lookups per collection descriptor (descriptors are
// immutable; DDL makes new ones).
var keyScans sync.Map // keyScanID -> *keyScan

func keyScanOf(coll *catalog.Collection, cols []string) (*keyScan, error) {
	id := keyScanID{coll, strings.Join(cols, "\x00")}
	if v, ok := keyScans.Load(id); ok {
		return v.(*keyScan), nil
	}
	s, err := plan.KeyScan(coll, cols)
	if err != nil {
		return nil, err
	}
	ks := &keyScan{scan: s}
	for _, name := range cols {
		ks.types = append(ks.types, coll.Columns[coll.ColumnIndex(name)].Type)
	}
	keyScans.Store(id, ks)
	return ks, nil
}

// fkFind returns the rows of coll (as this transaction sees them) whose
// columns cols hold key, at most limit of them (0: all). A key no value of
// the columns' types can equal finds nothing.
func (env *Env) fkFind(coll *catalog.Collection, cols []string, key []types.Value, limit int) ([]scanned, error) {
	ks, err := keyScanOf(coll, cols)
	if err != nil {
		return nil, err
	}
	params := make([]types.Value, len(key))
	for i, v := range key {
		if params[i], err = castKey(v, ks.types[i]); err != nil {
			return nil, nil
		}
	}
	saved := env.Params
	env.Params = params
	defer func() { env.Params = saved }()
	return env.collectN(ks.scan, limit)
}

// castKey converts a key value to a column's type.
func castKey(v types.Value, t types.T) (types.Value, error) {
	if v == nil {
		return nil, nil
	}
	return types.Cast(v, t)
}

// fkKey returns the values of cols in row and how many are NULL.
func fkKey(coll *catalog.Collection, cols []string, row types.Row) ([]types.Value, int) {
	key := make([]types.Value, len(cols))
	nulls := 0
	for i, name := range cols {
		key[i] = row[coll.ColumnIndex(name)]
		if key[i] == nil {
			nulls++
		}
	}
	return key, nulls
}

func encodeKey(key []types.Value) []byte {
	var b []byte
	for _, v := range key {
		b = storage.AppendKey(b, v)
	}
	return b
}

func sameKey(a, b []types.Value) bool { return string(encodeKey(a)) == string(encodeKey(b)) }

// rowLockKey names a row for txn.Txn.LockRow: its collection and key.
func rowLockKey(coll *catalog.Collection, row types.Row) []byte {
	pk, _ := rowPK(coll, row)
	return append(binary.BigEndian.AppendUint32(nil, coll.ID), document.EncodePK(pk)...)
}

// keyText writes a key as PostgreSQL's messages do: (a, b)=(1, x).
func keyText(coll *catalog.Collection, cols []string, key []types.Value) string {
	vals := make([]string, len(key))
	for i, v := range key {
		if v == nil {
			vals[i] = "null"
			continue
		}
		vals[i] = types.FormatTyped(v, coll.Columns[coll.ColumnIndex(cols[i])].Type)
	}
	return "(" + strings.Join(cols, ", ") + ")=(" + strings.Join(vals, ", ") + ")"
}
