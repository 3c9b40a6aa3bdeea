package session

import (
	"context"
	"fmt"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/exec"
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
	colls, err := exec.NamedCollections(db.cat, st.Tables)
	if err != nil {
		return nil, err
	}
	store := db.txm.Store()
	// The memtables first: compaction writes them out anyway, and the
	// sizes reported are then those of everything stored.
	if err := store.Flush(); err != nil {
		return nil, errs.Errorf(errs.IOError, "vacuum: %w", err)
	}
	var notices []Notice
	for _, coll := range colls {
		ranges := [][2][]byte{{storage.RowPrefix(coll.ID), storage.PrefixEnd(storage.RowPrefix(coll.ID))}}
		for _, ix := range coll.Indexes {
			ranges = append(ranges, [2][]byte{storage.IndexPrefix(ix.ID), storage.PrefixEnd(storage.IndexPrefix(ix.ID))})
		}
		size := func() uint64 {
			var n uint64
			for _, r := range ranges {
				b, _ := store.EstimateSize(r[0], r[1])
				n += b
			}
			return n
		}
		start, before := time.Now(), uint64(0)
		if st.Verbose {
			before = size()
		}
		for _, r := range ranges {
			if err := store.Compact(ctx, r[0], r[1]); err != nil {
				return nil, errs.Errorf(errs.IOError, "vacuum %s: %w", coll.Name, err)
			}
		}
		if st.Verbose {
			notices = append(notices, Notice{Severity: "INFO", Code: "00000", Message: fmt.Sprintf(
				"vacuuming \"public.%s\": rows and %d index(es) compacted into the bottom level, %s -> %s on disk, in %s",
				coll.Name, len(coll.Indexes), bytesText(before), bytesText(size()), time.Since(start).Round(time.Millisecond))})
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
	return &Result{Tag: "VACUUM", Notices: notices}, nil
}

// bytesText renders a byte count for people (12.3 MB).
func bytesText(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
