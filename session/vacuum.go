package session

import (
	"context"
	"strings"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/storage"
)

// vacuum runs VACUUM: each named collection (every one when none is
// named), its rows and its indexes' entries, is compacted into the bottom
// level of the store (overwritten and deleted versions dropped), which is
// what a bulk load leaves spread over several levels: a scan then merges,
// and a seek searches, one table per level less. With ANALYZE the
// collections are analyzed afterwards. As in PostgreSQL it cannot run
// inside a transaction block (25001).
func (s *Session) vacuum(ctx context.Context, st *ast.Vacuum) (*Result, error) {
	if s.explicit {
		return nil, errs.New(errs.ActiveSQLTransaction, "VACUUM cannot run inside a transaction block")
	}
	db := s.mgr.db
	var colls []*catalog.Collection
	if len(st.Tables) == 0 {
		colls = db.cat.List()
	}
	for _, name := range st.Tables {
		coll, err := db.cat.MustGet(strings.TrimPrefix(name, "public."))
		if err != nil {
			return nil, err
		}
		colls = append(colls, coll)
	}
	store := db.txm.Store()
	for _, coll := range colls {
		lo := storage.RowPrefix(coll.ID)
		if err := store.Compact(ctx, lo, storage.PrefixEnd(lo)); err != nil {
			return nil, errs.Errorf(errs.IOError, "vacuum %s: %w", coll.Name, err)
		}
		for _, ix := range coll.Indexes {
			lo := storage.IndexPrefix(ix.ID)
			if err := store.Compact(ctx, lo, storage.PrefixEnd(lo)); err != nil {
				return nil, errs.Errorf(errs.IOError, "vacuum %s: %w", coll.Name, err)
			}
		}
	}
	if st.Analyze {
		names := make([]string, len(colls))
		for i, c := range colls {
			names[i] = c.Name
		}
		if _, err := s.ddl(ctx, &ast.Analyze{Pos: st.Pos, Tables: names}); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "VACUUM"}, nil
}
