package catalog

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Temporary tables (CREATE TEMP TABLE) are collections like any other,
// persisted so that every layer below the name lookup (rows, indexes,
// foreign keys, the commit pipeline) treats them alike. Their names live
// apart: a temporary table is in the namespace its session holds
// (pg_temp_N), not in the shared name map, and only a Scope for that
// namespace finds it, before a permanent table of the same name, as
// PostgreSQL's search path puts pg_temp first. The session drops its
// tables when it ends; those a crash left behind are dropped by Open.

// TempSchemaPrefix names a session's temporary schema: pg_temp_<ns>.
const TempSchemaPrefix = "pg_temp_"

// Temp reports whether the collection is a temporary table.
func (c *Collection) Temp() bool { return c.TempNS != 0 }

// nameLocked files a live collection under its name.
func (c *Catalog) nameLocked(col *Collection) {
	if col.TempNS == 0 {
		c.mu.byName[col.Name] = col
		return
	}
	if c.mu.temps == nil {
		c.mu.temps = make(map[uint32]map[string]*Collection)
	}
	m := c.mu.temps[col.TempNS]
	if m == nil {
		m = make(map[string]*Collection)
		c.mu.temps[col.TempNS] = m
	}
	m[col.Name] = col
}

// unnameLocked removes a published descriptor from the name maps.
func (c *Catalog) unnameLocked(old *Collection) {
	if old.TempNS == 0 {
		if c.mu.byName[old.Name] == old {
			delete(c.mu.byName, old.Name)
		}
		return
	}
	if m := c.mu.temps[old.TempNS]; m[old.Name] == old {
		delete(m, old.Name)
		if len(m) == 0 {
			delete(c.mu.temps, old.TempNS)
		}
	}
}

// liveLocked lists every live collection, temporary ones included.
func (c *Catalog) liveLocked() []*Collection {
	out := slices.Collect(maps.Values(c.mu.byName))
	for _, m := range c.mu.temps {
		for _, col := range m {
			out = append(out, col)
		}
	}
	return out
}

// AcquireTempNS reserves a temporary namespace for a session: the
// smallest number no other session holds, as PostgreSQL numbers
// pg_temp_N by backend slot.
func (c *Catalog) AcquireTempNS() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.tempNS == nil {
		c.mu.tempNS = make(map[uint32]bool)
	}
	ns := uint32(1)
	for c.mu.tempNS[ns] {
		ns++
	}
	c.mu.tempNS[ns] = true
	return ns
}

// ReleaseTempNS frees a namespace AcquireTempNS gave, once its session
// dropped its tables.
func (c *Catalog) ReleaseTempNS(ns uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.mu.tempNS, ns)
}

// Temps lists the temporary tables of namespace ns by name (every
// namespace's when ns is 0).
func (c *Catalog) Temps(ns uint32) []*Collection {
	c.mu.RLock()
	var out []*Collection
	for n, m := range c.mu.temps {
		if ns == 0 || n == ns {
			for _, col := range m {
				out = append(out, col)
			}
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].TempNS != out[j].TempNS {
			return out[i].TempNS < out[j].TempNS
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// TempNamespaces lists the namespaces that hold temporary tables.
func (c *Catalog) TempNamespaces() []uint32 {
	c.mu.RLock()
	out := slices.Collect(maps.Keys(c.mu.temps))
	c.mu.RUnlock()
	slices.Sort(out)
	return out
}

// HasTemps reports whether any session has a temporary table.
func (c *Catalog) HasTemps() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.mu.temps) > 0
}

// tempGet returns namespace ns's temporary table name.
func (c *Catalog) tempGet(ns uint32, name string) (*Collection, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	col, ok := c.mu.temps[ns][name]
	return col, ok
}

// Scope is the catalog as one session names things: its temporary
// tables (namespace NS; 0: it has none) come before the permanent ones,
// and "pg_temp.name" names a temporary table only. Everything else is
// the Catalog's.
type Scope struct {
	*Catalog
	NS uint32
}

// Scope returns the catalog as the session holding namespace ns sees it.
func (c *Catalog) Scope(ns uint32) *Scope { return &Scope{Catalog: c, NS: ns} }

// tempName reports whether name is qualified with the temporary schema
// (pg_temp, or this session's pg_temp_N), and the bare name.
func (s *Scope) tempName(name string) (string, bool) {
	if !strings.HasPrefix(name, "pg_temp") {
		return name, false
	}
	if rest, ok := strings.CutPrefix(name, "pg_temp."); ok {
		return rest, true
	}
	if s.NS != 0 {
		if rest, ok := strings.CutPrefix(name, s.Schema()+"."); ok {
			return rest, true
		}
	}
	return name, false
}

// Schema is the session's temporary schema name (pg_temp_N).
func (s *Scope) Schema() string { return TempSchemaName(s.NS) }

// TempSchemaName names temporary namespace ns's schema.
func TempSchemaName(ns uint32) string {
	return TempSchemaPrefix + uitoa(ns)
}

func uitoa(n uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Get returns a live collection by name, the session's temporary table
// first.
func (s *Scope) Get(name string) (*Collection, bool) {
	if s.NS == 0 && !strings.HasPrefix(name, "pg_temp") {
		return s.Catalog.Get(name)
	}
	bare, temp := s.tempName(name)
	if s.NS != 0 {
		if col, ok := s.tempGet(s.NS, bare); ok {
			return col, true
		}
	}
	if temp {
		return nil, false
	}
	return s.Catalog.Get(name)
}

// GetTemp returns the session's temporary table name (bare or
// pg_temp-qualified).
func (s *Scope) GetTemp(name string) (*Collection, bool) {
	if s.NS == 0 {
		return nil, false
	}
	bare, _ := s.tempName(name)
	return s.tempGet(s.NS, bare)
}

// Permanent returns the catalog without the session's temporary tables
// (what a view's query is bound against).
func (s *Scope) Permanent() *Catalog { return s.Catalog }

// MustGet returns a live collection as Get finds it, or a 42P01 error.
func (s *Scope) MustGet(name string) (*Collection, error) {
	if col, ok := s.Get(name); ok {
		return col, nil
	}
	return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
}

// FindIndex returns the live collection owning the named index, looking
// among the session's temporary tables first.
func (s *Scope) FindIndex(name string) (*Collection, *Index, bool) {
	bare, temp := s.tempName(name)
	if s.NS != 0 {
		for _, col := range s.Temps(s.NS) {
			if ix, ok := col.IndexByName(bare); ok {
				return col, ix, true
			}
		}
	}
	if temp {
		return nil, nil, false
	}
	return s.Catalog.FindIndex(name)
}

// dropLeftoverTemps drops the temporary tables a session that is gone
// (the process ended without its cleanup) left: their rows, index
// entries, observed fields, statistics, owned sequences and descriptors.
func (c *Catalog) dropLeftoverTemps(cols []*Collection) error {
	if len(cols) == 0 {
		return nil
	}
	return c.DropTemps(cols)
}

// PurgeData stages the removal of a collection's rows, index entries and
// observed-field records.
func PurgeData(d *DDLTxn, col *Collection) error {
	prefixes := [][]byte{storage.RowPrefix(col.ID)}
	for _, ix := range col.Indexes {
		prefixes = append(prefixes, storage.IndexPrefix(ix.ID))
	}
	for _, p := range prefixes {
		if err := d.DeleteRange(p, storage.PrefixEnd(p)); err != nil {
			return err
		}
	}
	return DropFields(d.Txn, col.ID)
}

// DropTemps drops temporary tables now: their rows, index entries,
// observed fields, statistics, owned sequences and descriptors, in one
// DDL transaction (foreign keys between them need no care: they all go).
func (c *Catalog) DropTemps(cols []*Collection) error {
	if len(cols) == 0 {
		return nil
	}
	return c.DDL(func(d *DDLTxn) error {
		for _, col := range cols {
			cur, ok := c.ByID(col.ID)
			if !ok {
				continue
			}
			if !cur.Temp() {
				return errs.Errorf(errs.InternalError, "catalog: %q is not a temporary table", cur.Name)
			}
			// No lock: only the session that owns a temporary table
			// writes it, and it is not writing while it drops it.
			if err := PurgeData(d, cur); err != nil {
				return err
			}
			for _, sq := range c.SequencesOwnedBy(cur.ID) {
				d.RemoveSequence(sq)
			}
			d.Remove(cur.ID)
		}
		return nil
	})
}
