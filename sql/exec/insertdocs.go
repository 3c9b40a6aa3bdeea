package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
)

// InsertDocs inserts documents into a schemaless collection without a
// plan (the fast path of PUBLISH): each gets a generated id unless it has
// one, and an existing id is a unique violation.
func (env *Env) InsertDocs(coll *catalog.Collection, docs []map[string]any) error {
	if coll.Kind == catalog.Strict {
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
