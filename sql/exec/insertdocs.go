package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
)

// InsertDocs inserts documents into a schemaless collection without a
// plan (the fast path of PUBLISH): each gets a generated id unless it has
// one, and an existing id is a unique violation.
func (env *Env) InsertDocs(coll *catalog.Collection, docs []map[string]any) error {
	if coll.Tuple() {
		return errs.Errorf(errs.WrongObjectType, "%s is not a schemaless collection", coll.Name)
	}
	lay := Layout(coll)
	w := writer{env.Txn}
	for _, d := range docs {
		if err := checkCtx(env.Ctx); err != nil {
			return err
		}
		nr, err := env.encodeRow(coll, []any{d}, nil)
		if err != nil {
			return err
		}
		if err := lay.InsertAbsent(w, nr); err != nil {
			return err
		}
	}
	return nil
}

// GetDoc reads a document of a schemaless collection by id.
func (env *Env) GetDoc(coll *catalog.Collection, id any) (map[string]any, bool, error) {
	lay := Layout(coll)
	raw, ok, err := lay.Get(env.Txn, document.EncodePK([]any{id}))
	if err != nil || !ok {
		return nil, false, err
	}
	row, err := decodeRow(coll, raw)
	if err != nil {
		return nil, false, err
	}
	m, _ := row[0].(map[string]any)
	return m, true, nil
}

// UpsertDocs writes documents of a schemaless collection, replacing those
// with the same id.
func (env *Env) UpsertDocs(coll *catalog.Collection, docs []map[string]any) error {
	lay := Layout(coll)
	w := writer{env.Txn}
	for _, d := range docs {
		nr, err := env.encodeRow(coll, []any{d}, nil)
		if err != nil {
			return err
		}
		raw, exists, err := lay.Get(env.Txn, document.EncodePK(nr.PK))
		if err != nil {
			return err
		}
		if !exists {
			if err := lay.InsertAbsent(w, nr); err != nil {
				return err
			}
			continue
		}
		old, err := env.oldRow(coll, raw)
		if err != nil {
			return err
		}
		if err := lay.Update(w, old, nr); err != nil {
			return err
		}
	}
	return nil
}
