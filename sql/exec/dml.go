package exec

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/txn"
)

// WriteResult is the outcome of a DML statement.
type WriteResult struct {
	N    int64
	Rows []types.Row // RETURNING rows
	hide bool        // RETURNING reads tables: through the statement's view
}

// add counts one written row and projects its RETURNING values.
func (res *WriteResult) add(env *Env, returning []plan.Expr, row types.Row) error {
	res.N++
	if returning == nil {
		return nil
	}
	// RETURNING's subqueries read the tables as the statement found them
	// (the statement's view hides its writes), as in PostgreSQL.
	prev := env.Txn.HideStatementWrites(res.hide)
	r, err := env.project(returning, row)
	env.Txn.HideStatementWrites(prev)
	if err != nil {
		return err
	}
	res.Rows = append(res.Rows, r)
	return nil
}

// encodeRow validates a row in scan layout and encodes it for storage.
func (env *Env) encodeRow(coll *catalog.Collection, row types.Row, order []string) (*document.Row, error) {
	return env.encodeRowOver(coll, row, nil, order)
}

// encodeRowOver is encodeRow for a row replacing old (nil for a new row):
// a key-value row keeps old's expiry deadline unless its ttl changed.
func (env *Env) encodeRowOver(coll *catalog.Collection, row, old types.Row, order []string) (*document.Row, error) {
	if coll.Kind == catalog.KeyValue {
		if err := kvStamp(coll, row, old, env.now()); err != nil {
			return nil, err
		}
	}
	return env.encodeStored(coll, row, order)
}

// encodeStored validates and encodes a row as it is to be stored.
func (env *Env) encodeStored(coll *catalog.Collection, row types.Row, order []string) (*document.Row, error) {
	if coll.Tuple() {
		for i, c := range coll.Columns {
			if c.Dropped {
				row[i] = nil // the value of a dropped column is not kept
			}
			if row[i] == nil && (c.NotNull || isPK(coll, c.Name)) {
				return nil, errs.Errorf(errs.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, coll.Name).
					WithDetail(failingRow(coll, row))
			}
		}
		if len(coll.Checks) > 0 {
			if err := env.checkRow(coll, row); err != nil {
				return nil, err
			}
		}
		val, err := document.EncodeTuple(row)
		if err != nil {
			return nil, errs.Errorf(errs.InternalError, "encode row: %w", err)
		}
		pk, id, idx, err := rowParts(coll, row)
		if err != nil {
			return nil, err
		}
		return &document.Row{PK: pk, Value: val, IdxVals: idx, RowID: id}, nil
	}
	doc, ok := row[0].(map[string]any)
	if !ok {
		return nil, errs.Errorf(errs.DatatypeMismatch, "a document must be an object, not %s", types.TypeOf(row[0]))
	}
	switch doc["id"].(type) {
	case nil:
		doc["id"] = env.IDs.DocID()
	case map[string]any, []any:
		return nil, errs.New(errs.DatatypeMismatch, "a document id must be a scalar value")
	}
	if fs := coll.Fields.Observe(doc, order, nil); len(fs) > 0 {
		catalog.StageFields(env.Txn, coll, fs)
		env.Fields = append(env.Fields, ObservedFields{Coll: coll, Fields: fs})
	}
	val, err := document.EncodeDoc(doc)
	if err != nil {
		return nil, errs.Errorf(errs.DatatypeMismatch, "cannot store document: %w", err)
	}
	pk, id, idx, err := rowParts(coll, row)
	if err != nil {
		return nil, err
	}
	return &document.Row{PK: pk, Value: val, IdxVals: idx, RowID: id}, nil
}

func isPK(coll *catalog.Collection, name string) bool {
	for _, p := range coll.PK {
		if p == name {
			return true
		}
	}
	return false
}

// docRow turns a schemaless insert source value into a document row.
func docRow(v types.Value) (types.Row, error) {
	switch x := v.(type) {
	case map[string]any:
		return types.Row{x}, nil
	case string:
		d, err := types.ParseJSON(x)
		if err != nil {
			return nil, err
		}
		if m, ok := d.(map[string]any); ok {
			return types.Row{m}, nil
		}
	}
	return nil, errs.Errorf(errs.DatatypeMismatch, "a document must be an object, not %s", types.TypeOf(v))
}

// Insert executes INSERT / UPSERT. As in PostgreSQL, an INSERT that may
// update (UPSERT, ON CONFLICT DO UPDATE) fires the UPDATE statement
// triggers too, and a row it updates fires BEFORE/AFTER UPDATE row
// triggers (after BEFORE INSERT has seen it).
func (env *Env) Insert(x *plan.Insert) (*WriteResult, error) {
	return withWriteQueries(env, x.Writes, func() (*WriteResult, error) { return env.insertStatement(x) })
}

func (env *Env) insertStatement(x *plan.Insert) (*WriteResult, error) {
	updates := x.Upsert || (x.Conflict != nil && !x.Conflict.DoNothing)
	if err := env.fireStatement(x.Coll, "BEFORE", "INSERT"); err != nil {
		return nil, err
	}
	if updates {
		if err := env.fireStatement(x.Coll, "BEFORE", "UPDATE"); err != nil {
			return nil, err
		}
	}
	res, err := env.fkStatement(func() (*WriteResult, error) { return env.insert(x) })
	if err != nil {
		return nil, err
	}
	if updates {
		if err := env.fireStatement(x.Coll, "AFTER", "UPDATE"); err != nil {
			return nil, err
		}
	}
	if err := env.fireStatement(x.Coll, "AFTER", "INSERT"); err != nil {
		return nil, err
	}
	return res, nil
}

// hasRowTriggers reports whether coll has SYNC row triggers for op at
// either timing.
func (env *Env) hasRowTriggers(coll *catalog.Collection, op string) bool {
	return env.Triggers != nil && (env.Triggers.Has(coll, "BEFORE", op) || env.Triggers.Has(coll, "AFTER", op))
}

func (env *Env) insert(x *plan.Insert) (*WriteResult, error) {
	// The rows to insert are read as the statement found the tables,
	// before its data-modifying WITH queries.
	prev := env.Txn.HideStatementWrites(env.writingWith)
	src, err := env.Query(x.Source)
	env.Txn.HideStatementWrites(prev)
	if err != nil {
		return nil, err
	}
	coll := x.Coll
	lay := Layout(coll)
	w := writer{env.Txn}
	res := &WriteResult{}
	// touched holds the rows (encoded primary keys) an ON CONFLICT DO
	// UPDATE statement has inserted or updated: PostgreSQL refuses to
	// update one of them again (21000).
	var touched map[string]bool
	view := false // DO UPDATE's SET reads tables: as the statement found them
	if x.Conflict != nil && !x.Conflict.DoNothing {
		touched = map[string]bool{}
		view = len(x.Conflict.Sources) > 0 || setReadsTables(x.Conflict.Set)
	}
	res.hide = readsTables(x.Returning...)
	// With data-modifying WITH queries the statement's view, open since
	// it began, already is the one to read.
	if (view || res.hide) && !env.writingWith {
		env.Txn.BeginStatementView()
		defer env.Txn.EndStatementView()
	}
	for ri, row := range src {
		if err := checkCtx(env.Ctx); err != nil {
			return nil, err
		}
		order := objectKeys(x.Source, ri)
		if !coll.Tuple() {
			if row, err = docRow(row[0]); err != nil {
				return nil, err
			}
		}
		row, skip, err := env.fire(coll, "BEFORE", "INSERT", nil, row)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		nr, err := env.encodeRow(coll, row, order)
		if err != nil {
			return nil, err
		}
		var oldRaw []byte
		var exists bool
		if x.Conflict != nil && x.Conflict.Arbiter != nil {
			// ON CONFLICT names a unique constraint: the row in the way is
			// the one holding the new row's values there.
			if oldRaw, exists, err = env.arbiterRow(coll, x.Conflict.Arbiter, row); err != nil {
				return nil, err
			}
		} else if x.Conflict != nil && x.Conflict.ArbiterIndex >= 0 {
			if oldRaw, exists, err = env.arbiterIndexRow(lay, x.Conflict.ArbiterIndex, nr); err != nil {
				return nil, err
			}
		} else if oldRaw, exists, err = lay.Probe(env.Txn, document.EncodePK(nr.PK)); err != nil {
			return nil, err
		}
		if coll.Kind == catalog.KeyValue {
			// An expired key is gone: the background reclaimer just has
			// not deleted it yet. Delete it now (a DELETE event) and
			// insert afresh; likewise expired keys holding its unique
			// index values.
			if exists {
				if exists, err = env.kvLive(coll, lay, w, oldRaw); err != nil {
					return nil, err
				}
			}
			if err := env.kvFreeUniques(coll, row); err != nil {
				return nil, err
			}
		}
		written := row
		switch {
		case !exists:
			if err := lay.InsertAbsent(w, nr); err != nil {
				if errs.Is(err, errs.UniqueViolation) && x.Conflict != nil && x.Conflict.DoNothing {
					continue
				}
				return nil, uniqueDetail(coll, row, err)
			}
			if touched != nil {
				touched[string(document.EncodePK(nr.PK))] = true
			}
			if err := env.fkWritten(coll, nil, row); err != nil {
				return nil, err
			}
			if _, _, err := env.fire(coll, "AFTER", "INSERT", nil, row); err != nil {
				return nil, err
			}
		case x.Upsert && x.Conflict == nil:
			var oldDecoded types.Row
			if env.hasRowTriggers(coll, "UPDATE") || env.fkInvolved(coll) {
				if oldDecoded, err = decodeRow(coll, oldRaw); err != nil {
					return nil, err
				}
				newRow, skip, err := env.fire(coll, "BEFORE", "UPDATE", oldDecoded, row)
				if err != nil {
					return nil, err
				}
				if skip {
					continue
				}
				if nr, err = env.encodeRow(coll, newRow, order); err != nil {
					return nil, err
				}
				written = newRow
			}
			old, err := env.oldRow(coll, oldRaw)
			if err != nil {
				return nil, err
			}
			if err := lay.Update(w, old, nr); err != nil {
				return nil, uniqueDetail(coll, written, err)
			}
			if err := env.fkWritten(coll, oldDecoded, written); err != nil {
				return nil, err
			}
			if oldDecoded != nil {
				if _, _, err := env.fire(coll, "AFTER", "UPDATE", oldDecoded, written); err != nil {
					return nil, err
				}
			}
		case x.Conflict != nil && x.Conflict.DoNothing:
			continue
		case x.Conflict != nil:
			oldDecoded, err := decodeRow(coll, oldRaw)
			if err != nil {
				return nil, err
			}
			if opk, _ := rowPK(coll, oldDecoded); touched[string(document.EncodePK(opk))] {
				return nil, errs.New(errs.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
					WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
			}
			both := append(append(types.Row(nil), oldDecoded...), row...)
			pass, err := env.Truthy(x.Conflict.Where, both)
			if err != nil {
				return nil, err
			}
			if !pass {
				continue
			}
			prev := env.Txn.HideStatementWrites(view)
			newRow, err := env.applySet(coll, oldDecoded, both, x.Conflict.Sources, x.Conflict.Set)
			env.Txn.HideStatementWrites(prev)
			if err != nil {
				return nil, err
			}
			newRow, skip, err := env.fire(coll, "BEFORE", "UPDATE", oldDecoded, newRow)
			if err != nil {
				return nil, err
			}
			if skip {
				continue
			}
			old, err := env.oldRow(coll, oldRaw)
			if err != nil {
				return nil, err
			}
			nr2, err := env.encodeRowOver(coll, newRow, oldDecoded, nil)
			if err != nil {
				return nil, err
			}
			if err := lay.Update(w, old, nr2); err != nil {
				return nil, uniqueDetail(coll, newRow, err)
			}
			touched[string(document.EncodePK(nr2.PK))] = true
			if err := env.fkWritten(coll, oldDecoded, newRow); err != nil {
				return nil, err
			}
			if _, _, err := env.fire(coll, "AFTER", "UPDATE", oldDecoded, newRow); err != nil {
				return nil, err
			}
			written = newRow
		default:
			detail := fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(coll.PK, ", "), nr.RowID)
			if coll.Tuple() {
				key, _ := fkKey(coll, coll.PK, row)
				detail = "Key " + keyText(coll, coll.PK, key) + " already exists."
			}
			return nil, errs.Errorf(errs.UniqueViolation, "duplicate key value violates unique constraint %q", coll.Name+"_pkey").
				WithDetail(detail)
		}
		if err := res.add(env, x.Returning, written); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// uniqueDetail gives a unique index's 23505 PostgreSQL's detail naming
// the row's values (Key (email)=(a@x) already exists.); other errors
// pass unchanged.
func uniqueDetail(coll *catalog.Collection, row types.Row, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.UniqueViolation || e.Detail != "" || !coll.Tuple() {
		return err
	}
	for i, ix := range coll.Indexes {
		if !ix.Unique || ix.Sorted || e.Message != fmt.Sprintf("duplicate key value violates unique constraint %q", ix.Name) {
			continue
		}
		return errs.Errorf(errs.UniqueViolation, "%s", e.Message).WithDetail("Key " + indexKeyText(coll, i, row) + " already exists.")
	}
	return err
}

// oldRow rebuilds the engine view of a stored row.
func (env *Env) oldRow(coll *catalog.Collection, raw []byte) (*document.Row, error) {
	row, err := decodeRow(coll, raw)
	if err != nil {
		return nil, err
	}
	pk, id, idx, err := rowParts(coll, row)
	if err != nil {
		return nil, err
	}
	return &document.Row{PK: pk, Value: raw, IdxVals: idx, RowID: id}, nil
}

// applySet returns a copy of base with assignments evaluated over in
// followed by the rows of sources (the sub-SELECTs of SET (a, b) =
// (SELECT ...), each run once with in as its outer row).
func (env *Env) applySet(coll *catalog.Collection, base, in types.Row, sources []*plan.Subquery, set []plan.SetCol) (types.Row, error) {
	if len(sources) > 0 {
		ext := append(types.Row(nil), in...)
		for _, src := range sources {
			r, err := env.subqueryRow(src, in)
			if err != nil {
				return nil, err
			}
			ext = append(ext, r...)
		}
		in = ext
	}
	vals := make([]types.Value, len(set))
	for i, s := range set {
		v, err := env.Eval(s.Value, in)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if coll.Tuple() {
		out := append(types.Row(nil), base...)
		for i, s := range set {
			out[s.Idx] = vals[i]
		}
		return out, nil
	}
	doc := deepCopy(base[0]).(map[string]any)
	for i, s := range set {
		setPath(doc, s.Path, vals[i])
	}
	return types.Row{doc}, nil
}

// deepCopy returns a copy of v that shares no document, array or decimal
// with it.
func deepCopy(v types.Value) types.Value {
	switch x := v.(type) {
	case *apd.Decimal:
		return new(apd.Decimal).Set(x)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

func (env *Env) project(exprs []plan.Expr, row types.Row) (types.Row, error) {
	out := make(types.Row, len(exprs))
	for i, e := range exprs {
		v, err := env.Eval(e, row)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// collect reads every row a scan finds (with stored bytes) before writing.
func (env *Env) collect(s *plan.Scan) ([]scanned, error) { return env.collectN(s, 0) }

// collectN is collect stopping after limit rows (0: all).
func (env *Env) collectN(s *plan.Scan, limit int) ([]scanned, error) {
	si, err := env.openScan(s)
	if err != nil {
		return nil, err
	}
	var out []scanned
	for limit == 0 || len(out) < limit {
		row, raw, ok, err := si.next()
		if err != nil {
			_ = si.Close()
			return nil, err
		}
		if !ok {
			break
		}
		out = append(out, scanned{row: row, raw: raw})
	}
	return out, si.Close()
}

// Update executes UPDATE.
func (env *Env) Update(x *plan.Update) (*WriteResult, error) {
	return withWriteQueries(env, x.Writes, func() (*WriteResult, error) { return env.updateStatement(x) })
}

func (env *Env) updateStatement(x *plan.Update) (*WriteResult, error) {
	if err := env.fireStatement(x.Coll, "BEFORE", "UPDATE"); err != nil {
		return nil, err
	}
	res, err := env.fkStatement(func() (*WriteResult, error) { return env.update(x) })
	if err != nil {
		return nil, err
	}
	if err := env.fireStatement(x.Coll, "AFTER", "UPDATE"); err != nil {
		return nil, err
	}
	return res, nil
}

func (env *Env) update(x *plan.Update) (*WriteResult, error) {
	rows, err := env.collectBefore(x.Coll, x.Scan)
	if err != nil {
		return nil, err
	}
	lay := Layout(x.Coll)
	res := &WriteResult{}
	// SET's subqueries read the table as the statement found it, not the
	// rows it has updated so far (PostgreSQL's command visibility); with
	// data-modifying WITH queries, through the statement's view, open
	// since before them.
	view := len(x.Sources) > 0 || setReadsTables(x.Set)
	res.hide = readsTables(x.Returning...)
	if (view || res.hide) && !env.writingWith {
		env.Txn.BeginStatementView()
		defer env.Txn.EndStatementView()
	}
	reserveRows(env.Txn, x.Coll, len(rows))
	for _, r := range rows {
		if err := checkCtx(env.Ctx); err != nil {
			return nil, err
		}
		prev := env.Txn.HideStatementWrites(view)
		newRow, err := env.applySet(x.Coll, r.row, r.row, x.Sources, x.Set)
		env.Txn.HideStatementWrites(prev)
		if err != nil {
			return nil, err
		}
		newRow, ok, err := env.updateRow(x.Coll, lay, r, newRow)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := res.add(env, x.Returning, newRow); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// reserveRows makes room in tx for a statement writing n rows of coll:
// a row key and an index entry per index each, and a change each.
func reserveRows(tx *txn.Txn, coll *catalog.Collection, n int) {
	if n > 1 {
		tx.ReserveWrites(n * (1 + len(coll.Indexes)))
		tx.ReserveChanges(n)
	}
}

// setReadsTables reports whether a SET value holds a subquery (it reads
// tables while the statement writes).
func setReadsTables(set []plan.SetCol) bool {
	for _, s := range set {
		if readsTables(s.Value) {
			return true
		}
	}
	return false
}

// readsTables reports whether an expression holds a subquery.
func readsTables(es ...plan.Expr) bool {
	found := false
	for _, e := range es {
		if e == nil {
			continue
		}
		plan.WalkExpr(e, func(e plan.Expr) {
			switch e.(type) {
			case *plan.Subquery, *plan.Quantified:
				found = true
			}
		})
	}
	return found
}

// updateRow writes newRow over the row r of coll, firing its row
// triggers and noting its foreign-key work; it returns the row written,
// or false when a BEFORE trigger skipped it.
func (env *Env) updateRow(coll *catalog.Collection, lay *document.Layout, r scanned, newRow types.Row) (types.Row, bool, error) {
	pk, id, idx, err := rowParts(coll, r.row)
	if err != nil {
		return nil, false, err
	}
	old := &document.Row{PK: pk, Value: r.raw, IdxVals: idx, RowID: id}
	newRow, skip, err := env.fire(coll, "BEFORE", "UPDATE", r.row, newRow)
	if err != nil || skip {
		return nil, false, err
	}
	nr, err := env.encodeRowOver(coll, newRow, r.row, nil)
	if err != nil {
		return nil, false, err
	}
	if err := env.kvFreeUniques(coll, newRow); err != nil {
		return nil, false, err
	}
	if err := lay.Update(writer{env.Txn}, old, nr); err != nil {
		return nil, false, uniqueDetail(coll, newRow, err)
	}
	if err := env.fkWritten(coll, r.row, newRow); err != nil {
		return nil, false, err
	}
	if _, _, err := env.fire(coll, "AFTER", "UPDATE", r.row, newRow); err != nil {
		return nil, false, err
	}
	return newRow, true, nil
}

// Delete executes DELETE.
func (env *Env) Delete(x *plan.Delete) (*WriteResult, error) {
	return withWriteQueries(env, x.Writes, func() (*WriteResult, error) { return env.deleteStatement(x) })
}

func (env *Env) deleteStatement(x *plan.Delete) (*WriteResult, error) {
	if err := env.fireStatement(x.Coll, "BEFORE", "DELETE"); err != nil {
		return nil, err
	}
	res, err := env.fkStatement(func() (*WriteResult, error) { return env.delete(x) })
	if err != nil {
		return nil, err
	}
	if err := env.fireStatement(x.Coll, "AFTER", "DELETE"); err != nil {
		return nil, err
	}
	return res, nil
}

func (env *Env) delete(x *plan.Delete) (*WriteResult, error) {
	rows, err := env.collectBefore(x.Coll, x.Scan)
	if err != nil {
		return nil, err
	}
	lay := Layout(x.Coll)
	res := &WriteResult{hide: readsTables(x.Returning...)}
	if res.hide && !env.writingWith {
		env.Txn.BeginStatementView()
		defer env.Txn.EndStatementView()
	}
	reserveRows(env.Txn, x.Coll, len(rows))
	for _, r := range rows {
		if err := checkCtx(env.Ctx); err != nil {
			return nil, err
		}
		ok, err := env.deleteRow(x.Coll, lay, r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := res.add(env, x.Returning, r.row); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// collectBefore collects the rows an UPDATE's or DELETE's scan finds. In
// a statement with data-modifying WITH queries it finds them as the
// statement found the tables, and leaves out the rows the statement has
// already written (its WITH queries, or the statement itself for a WITH
// query run after it): as in PostgreSQL, where one snapshot serves the
// whole statement and a row already changed by it is passed over.
func (env *Env) collectBefore(coll *catalog.Collection, scan *plan.Scan) ([]scanned, error) {
	if !env.writingWith {
		return env.collect(scan)
	}
	wrote := env.Txn.StatementWrote() // a copy: taken only when needed
	if wrote == nil {
		return env.collect(scan)
	}
	prev := env.Txn.HideStatementWrites(true)
	rows, err := env.collect(scan)
	env.Txn.HideStatementWrites(prev)
	if err != nil {
		return nil, err
	}
	lay := Layout(coll)
	out := rows[:0]
	for _, r := range rows {
		pk, _ := rowPK(coll, r.row)
		if !wrote(lay.Key(document.EncodePK(pk))) {
			out = append(out, r)
		}
	}
	return out, nil
}

// deleteRow deletes the row r of coll, firing its row triggers and noting
// its foreign-key work; false when a BEFORE trigger skipped it.
func (env *Env) deleteRow(coll *catalog.Collection, lay *document.Layout, r scanned) (bool, error) {
	if _, skip, err := env.fire(coll, "BEFORE", "DELETE", r.row, nil); err != nil || skip {
		return false, err
	}
	pk, id, idx, err := rowParts(coll, r.row)
	if err != nil {
		return false, err
	}
	if err := lay.Delete(writer{env.Txn}, &document.Row{PK: pk, Value: r.raw, IdxVals: idx, RowID: id}); err != nil {
		return false, err
	}
	if err := env.fkWritten(coll, r.row, nil); err != nil {
		return false, err
	}
	if _, _, err := env.fire(coll, "AFTER", "DELETE", r.row, nil); err != nil {
		return false, err
	}
	return true, nil
}

// Truncate deletes every row of a collection (recording DELETE events).
// Foreign keys are not checked: the caller truncates every table that
// references it (see TruncateSet).
func (env *Env) Truncate(coll *catalog.Collection) (int64, error) {
	saved := env.noFK
	env.noFK = true
	defer func() { env.noFK = saved }()
	res, err := env.Delete(&plan.Delete{Coll: coll, Scan: &plan.Scan{Coll: coll, Access: plan.AccessFull}})
	if err != nil {
		return 0, err
	}
	return res.N, nil
}

// objectKeys returns the key order of the object literal that produced
// source row i, when there is one.
func objectKeys(src plan.Node, i int) []string {
	switch x := src.(type) {
	case *plan.Values:
		if i < len(x.Rows) && len(x.Rows[i]) == 1 {
			if o, ok := x.Rows[i][0].(*plan.Object); ok {
				return o.Keys
			}
		}
	case *plan.Project:
		if len(x.Exprs) == 1 {
			if o, ok := x.Exprs[0].(*plan.Object); ok {
				return o.Keys
			}
		}
	}
	return nil
}

// arbiterIndexRow finds the stored row holding the new row nr's entry
// in the expression or partial unique index at position i of lay (ON
// CONFLICT's inferred arbiter); a row without an entry there, or with a
// NULL in it, conflicts with nothing.
func (env *Env) arbiterIndexRow(lay *document.Layout, i int, nr *document.Row) ([]byte, bool, error) {
	vals := nr.IdxVals[i]
	if vals == nil {
		return nil, false, nil // outside the partial index: nothing conflicts
	}
	key, ok := document.UniqueIndexKey(lay.Indexes[i], vals)
	if !ok {
		return nil, false, nil
	}
	pkb, found, err := env.Txn.Get(key)
	if err != nil || !found {
		return nil, false, err
	}
	return lay.Get(env.Txn, pkb)
}

// arbiterRow finds the stored row holding row's values in cols (an ON
// CONFLICT arbiter's unique constraint); a NULL among them conflicts with
// nothing.
func (env *Env) arbiterRow(coll *catalog.Collection, cols []string, row types.Row) ([]byte, bool, error) {
	key, nulls := fkKey(coll, cols, row)
	if nulls > 0 {
		return nil, false, nil
	}
	found, err := env.fkFind(coll, cols, key, 1)
	if err != nil || len(found) == 0 {
		return nil, false, err
	}
	return found[0].raw, true, nil
}
