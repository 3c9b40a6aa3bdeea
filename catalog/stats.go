package catalog

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// objStats holds the statistics ANALYZE collected for a collection.
const objStats byte = 'a'

// TableStats are a collection's statistics as of its last ANALYZE: the
// row count and, per column (or top-level field of a schemaless
// collection), the null fraction, an estimate of the number of distinct
// values and the smallest and largest value as text. The planner uses
// them to estimate row counts and to order joins.
type TableStats struct {
	CollectionID uint32        `json:"collection_id"`
	Rows         int64         `json:"rows"`
	Sampled      int64         `json:"sampled"` // rows the column figures were computed from
	Columns      []ColumnStats `json:"columns,omitempty"`
	Analyzed     time.Time     `json:"analyzed"`
}

// ColumnStats describe one column's values.
type ColumnStats struct {
	Name     string  `json:"name"`
	NullFrac float64 `json:"null_frac"`
	Distinct float64 `json:"distinct"` // estimated distinct non-null values
	AvgWidth int     `json:"avg_width,omitempty"`
	Min      *string `json:"min,omitempty"`
	Max      *string `json:"max,omitempty"`
	// MCV are the most common values (as text) with the fraction of all
	// rows holding each, most common first; only values clearly more
	// common than average are listed.
	MCV []ValueFreq `json:"mcv,omitempty"`
}

// ValueFreq is one most-common value.
type ValueFreq struct {
	Value string  `json:"v"`
	Freq  float64 `json:"f"`
}

// Column returns the statistics of a column by name.
func (s *TableStats) Column(name string) (*ColumnStats, bool) {
	if s == nil {
		return nil, false
	}
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return &s.Columns[i], true
		}
	}
	return nil, false
}

// Stats returns the statistics of a collection, if it was analyzed.
func (c *Catalog) Stats(collID uint32) (*TableStats, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.mu.streams.stats[collID]
	return s, ok
}

// PutStats stages a collection's statistics (replacing older ones).
func (d *DDLTxn) PutStats(s *TableStats) error {
	return d.putObject(objStats, s.CollectionID, "statistics", s, func(st *streamState) { st.stats[s.CollectionID] = s })
}

// removeStats stages the removal of a purged collection's statistics.
func (d *DDLTxn) removeStats(id uint32) {
	d.Txn.Delete(storage.CatalogKey(objStats, id))
	d.after = append(d.after, func(st *streamState) { delete(st.stats, id) })
}

func (c *Catalog) loadStats(tx *txn.Txn) error {
	c.mu.streams.stats = map[uint32]*TableStats{}
	lo := storage.CatalogPrefix(objStats)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		var s TableStats
		if err := json.Unmarshal(it.Value(), &s); err != nil {
			return errs.Errorf(errs.DataCorrupted, "catalog: bad statistics record: %w", err)
		}
		if k := it.Key(); len(k) == 6 {
			s.CollectionID = binary.BigEndian.Uint32(k[2:6])
		}
		c.mu.streams.stats[s.CollectionID] = &s
	}
	return nil
}
