package catalog

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Kind is a collection's storage model.
type Kind string

// Collection kinds.
const (
	Schemaless Kind = "document" // MessagePack documents, any fields
	Strict     Kind = "strict"   // typed columns, fixed schema
	KeyValue   Kind = "kv"       // typed columns keyed by one text key, with per-key expiry
)

// Catalog object kinds (second key byte).
const (
	objCollection byte = 'c'
	objField      byte = 'f'
)

// Column is a strict collection's column.
type Column struct {
	Name    string  `json:"name"`
	Type    types.T `json:"type"`
	TypeMod int     `json:"type_mod,omitempty"`
	NotNull bool    `json:"not_null,omitempty"`
	Default string  `json:"default,omitempty"` // SQL expression text
	Hidden  bool    `json:"hidden,omitempty"`  // the generated row id of a keyless table
	// Identity is "a" (GENERATED ALWAYS AS IDENTITY) or "d" (BY
	// DEFAULT); its sequence's nextval is the Default.
	Identity string `json:"identity,omitempty"`
	// Dropped marks a column ALTER TABLE ... DROP COLUMN removed: stored
	// rows keep their column positions, so it stays as a hidden column
	// named as PostgreSQL names one (........pg.dropped.N........), NULL
	// in every row written since.
	Dropped bool `json:"dropped,omitempty"`
	// Comment is COMMENT ON COLUMN's text (pg_description).
	Comment string `json:"comment,omitempty"`
}

// Check is a CHECK constraint: every row stored must not make Expr (SQL
// text over the row's columns) false.
type Check struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
	// NotValid: added NOT VALID, so rows stored before it may break it
	// (rows written since are checked); VALIDATE CONSTRAINT clears it.
	NotValid bool `json:"not_valid,omitempty"`
}

// ForeignKey is a FOREIGN KEY constraint of a strict collection: the
// values of Columns in every row (unless one is NULL, or all are with
// MatchFull) are those of RefColumns in a row of the collection RefID;
// RefColumns are its primary key or a unique index's columns. OnDelete
// and OnUpdate are PostgreSQL's action letters (pg_constraint's
// confdeltype): "a" no action, "r" restrict, "c" cascade, "n" set null,
// "d" set default.
type ForeignKey struct {
	Name       string   `json:"name"`
	Columns    []string `json:"columns"`
	RefID      uint32   `json:"ref_id"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   string   `json:"on_delete"`
	OnUpdate   string   `json:"on_update"`
	MatchFull  bool     `json:"match_full,omitempty"`
	NotValid   bool     `json:"not_valid,omitempty"` // as Check's
	// Deferrable constraints may have their checks wait for the commit:
	// InitiallyDeferred ones do unless SET CONSTRAINTS says otherwise.
	Deferrable        bool `json:"deferrable,omitempty"`
	InitiallyDeferred bool `json:"initially_deferred,omitempty"`
}

// FKRef is a foreign key as its referenced collection sees it.
type FKRef struct {
	Child *Collection
	FK    *ForeignKey
}

// Index is a secondary index over one or more columns (dotted field paths
// in schemaless collections).
type Index struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Unique  bool     `json:"unique,omitempty"`
	// Exprs, when set, is parallel to Columns: an element that is an
	// expression over the row (lower(email)) has its SQL text here and
	// "" in Columns.
	Exprs []string `json:"exprs,omitempty"`
	// Where is a partial index's predicate (SQL text): rows it does not
	// hold true for have no entry.
	Where string `json:"where,omitempty"`
	// Include lists INCLUDE's columns, kept for the definition only.
	Include []string `json:"include,omitempty"`
	// Opts, when set, is parallel to Columns: each key element's COLLATE,
	// operator class, direction and NULLS order as written. Kept for the
	// definition (pg_get_indexdef, pg_index.indoption) only: keys sort
	// one way here.
	Opts []IndexOpt `json:"opts,omitempty"`
	// Sorted marks a sorted index (CREATE SORTED INDEX): Columns are its
	// sort columns, Desc says which of them sort descending, and Key is
	// the column identifying an entry (ties in the sort columns order by
	// it). Its entries are kept in index order (docs/format.md).
	Sorted bool   `json:"sorted,omitempty"`
	Desc   []bool `json:"desc,omitempty"`
	Key    string `json:"key,omitempty"`
	// Comment is COMMENT ON INDEX's text.
	Comment string `json:"comment,omitempty"`
	// CreatedLSN is the commit LSN of the DDL that built the index, known
	// in memory only (0 after a restart, when every snapshot is newer). A
	// transaction whose snapshot predates it must not read the index.
	CreatedLSN uint64 `json:"-"`
}

// IndexOpt holds the options of an index's key element (ast's
// IndexElemOpts).
type IndexOpt struct {
	Collate string `json:"collate,omitempty"`
	OpClass string `json:"opclass,omitempty"`
	Desc    bool   `json:"desc,omitempty"`
	Nulls   string `json:"nulls,omitempty"` // "first", "last" or ""
}

// Plain reports whether the index is over columns alone and covers every
// row: no key element is an expression and it has no predicate. Only a
// plain unique index can back a foreign key or a unique constraint.
func (ix *Index) Plain() bool {
	return ix.Where == "" && !ix.HasExprs()
}

// HasExprs reports whether a key element of the index is an expression.
func (ix *Index) HasExprs() bool {
	for _, e := range ix.Exprs {
		if e != "" {
			return true
		}
	}
	return false
}

// Collection describes one collection. Published descriptors are
// immutable: changes copy, modify and publish anew.
type Collection struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Columns []Column `json:"columns,omitempty"`
	PK      []string `json:"pk"` // primary key column (or field) names
	Indexes []Index  `json:"indexes,omitempty"`
	Checks  []Check  `json:"checks,omitempty"` // CHECK constraints (strict collections)
	// FKs are the collection's FOREIGN KEY constraints (strict collections).
	FKs       []ForeignKey `json:"fks,omitempty"`
	Dropped   bool         `json:"dropped,omitempty"`
	DroppedAt time.Time    `json:"dropped_at,omitempty"`
	Created   time.Time    `json:"created"`
	Version   uint32       `json:"version"`
	// Internal collections hold a topic's messages: they are not listed
	// (SHOW COLLECTIONS, pg_catalog) but can be queried by name.
	Internal bool `json:"internal,omitempty"`
	// DefaultTTLMs is a key-value collection's default time to live in
	// milliseconds (WITH (DEFAULT_TTL = ...)); 0 means keys never expire
	// unless written with a ttl.
	DefaultTTLMs int64 `json:"default_ttl_ms,omitempty"`
	// ShardCols is how many leading primary-key columns a row's vShard is
	// hashed from (storage.VShardPrefix); 0 means all of them. A strict
	// collection with a composite key hashes its first column only, so
	// the rows sharing it sit in one vShard, in key order: a lookup by
	// that column (a join on it) reads one key range. Fixed at creation.
	ShardCols int `json:"shard_cols,omitempty"`
	// Placement is the name a row's vShard is hashed with when it is not
	// Name: the collection's name before its first rename (RENAME TO
	// keeps every row where it is).
	Placement string `json:"placement,omitempty"`
	// Comment is COMMENT ON TABLE's text (pg_description).
	Comment string `json:"comment,omitempty"`
	// TempNS, when not 0, makes the collection a temporary table of the
	// session holding temporary namespace TempNS (pg_temp_<TempNS>): it
	// is found by name only through that session's Scope, writes to it
	// record no change events, and it is dropped when the session ends
	// (or, left over by a crash, when the catalog is next opened).
	TempNS uint32 `json:"temp_ns,omitempty"`

	// Fields holds the observed top-level fields of a schemaless
	// collection; shared by every version of the descriptor.
	Fields *FieldSet `json:"-"`
}

// PlacementName is the name rows' vShards are hashed with.
func (c *Collection) PlacementName() string {
	if c.Placement != "" {
		return c.Placement
	}
	return c.Name
}

// Tuple reports whether rows are typed tuples in column order (strict and
// key-value collections) rather than schemaless documents.
func (c *Collection) Tuple() bool { return c.Kind == Strict || c.Kind == KeyValue }

// ColumnIndex returns the position of a column, or -1.
func (c *Collection) ColumnIndex(name string) int {
	for i := range c.Columns {
		if c.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// IndexByName returns an index of the collection by name.
func (c *Collection) IndexByName(name string) (*Index, bool) {
	for i := range c.Indexes {
		if c.Indexes[i].Name == name {
			return &c.Indexes[i], true
		}
	}
	return nil, false
}

func (c *Collection) clone() *Collection {
	n := *c
	n.Columns = append([]Column(nil), c.Columns...)
	n.PK = append([]string(nil), c.PK...)
	n.Indexes = append([]Index(nil), c.Indexes...)
	n.Checks = append([]Check(nil), c.Checks...)
	n.FKs = append([]ForeignKey(nil), c.FKs...)
	return &n
}

// Catalog is the in-memory, persisted registry of collections. Reads are
// lock-free snapshots of immutable descriptors; DDL is serialized by the
// DDL lock and written through txn like any other commit.
type Catalog struct {
	txm *txn.Manager

	ddl sync.Mutex // serializes DDL statements

	mu struct {
		sync.RWMutex
		byName map[string]*Collection // live collections (not temporary)
		// temps: the temporary tables by namespace, then name.
		temps map[uint32]map[string]*Collection
		// tempNS: the temporary namespaces sessions hold.
		tempNS  map[uint32]bool
		byID    map[uint32]*Collection // live and dropped
		nextID  uint32
		version uint64 // bumped on every publish; plans cache against it
		locks   map[uint32]*sync.RWMutex
		streams *streamState
		views   map[string]*View
		enums   map[string]*EnumType
		// extensions: those CREATE EXTENSION installed.
		extensions map[string]*Extension
		// refs: per collection id, the live foreign keys referencing it
		// (rebuilt whenever descriptors are published).
		refs map[uint32][]FKRef
		// seqNames: the live sequences by name (rebuilt on publish). A
		// sequence owned by a dropped collection is not live: it waits,
		// nameless, for UNDROP, and its name is free meanwhile.
		seqNames map[string]*Sequence
	}
}

// ReferencedBy returns the live foreign keys referencing collection id.
func (c *Catalog) ReferencedBy(id uint32) []FKRef {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.mu.refs[id]
}

// indexRefsLocked rebuilds mu.refs.
func (c *Catalog) indexRefsLocked() {
	c.mu.refs = nil
	for _, col := range c.liveLocked() {
		for i := range col.FKs {
			if c.mu.refs == nil {
				c.mu.refs = make(map[uint32][]FKRef)
			}
			fk := &col.FKs[i]
			c.mu.refs[fk.RefID] = append(c.mu.refs[fk.RefID], FKRef{Child: col, FK: fk})
		}
	}
	// In creation order, as PostgreSQL lists them: by the referencing
	// table's id, then the key's place in it (each table's keys were
	// added in order).
	for _, rs := range c.mu.refs {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Child.ID < rs[j].Child.ID })
	}
}

// CollectionLock returns the lock that orders writes to a collection
// against DDL on it: writing transactions hold it shared until they end,
// DDL that rewrites or indexes existing rows holds it exclusively (as
// PostgreSQL's table locks do), so a backfill never misses a concurrent
// write.
func (c *Catalog) CollectionLock(id uint32) *sync.RWMutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.locks == nil {
		c.mu.locks = make(map[uint32]*sync.RWMutex)
	}
	l, ok := c.mu.locks[id]
	if !ok {
		l = &sync.RWMutex{}
		c.mu.locks[id] = l
	}
	return l
}

// Open loads the catalog from the store.
func Open(txm *txn.Manager) (*Catalog, error) {
	c := &Catalog{txm: txm}
	c.mu.byName = make(map[string]*Collection)
	c.mu.byID = make(map[uint32]*Collection)
	c.mu.nextID = 1
	tx := txm.Begin()
	defer tx.Rollback()
	if v, ok, err := tx.Get(storage.KeyNextID); err != nil {
		return nil, err
	} else if ok && len(v) == 4 {
		c.mu.nextID = binary.BigEndian.Uint32(v)
	}
	lo := storage.CatalogPrefix(objCollection)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	var leftover []*Collection // temporary tables no session holds now
	for ; it.Valid(); it.Next() {
		var col Collection
		if err := json.Unmarshal(it.Value(), &col); err != nil {
			_ = it.Close()
			return nil, errs.Errorf(errs.DataCorrupted, "catalog: bad collection descriptor: %w", err)
		}
		col.Fields = newFieldSet()
		c.mu.byID[col.ID] = &col
		if col.TempNS != 0 {
			leftover = append(leftover, &col)
		} else if !col.Dropped {
			c.mu.byName[col.Name] = &col
		}
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	if err := c.loadFields(tx); err != nil {
		return nil, err
	}
	if err := c.loadStreams(tx); err != nil {
		return nil, err
	}
	if err := c.loadViews(tx); err != nil {
		return nil, err
	}
	if err := c.loadEnums(tx); err != nil {
		return nil, err
	}
	if err := c.loadExtensions(tx); err != nil {
		return nil, err
	}
	if err := c.loadStats(tx); err != nil {
		return nil, err
	}
	c.indexRefsLocked() // no one else has c yet
	c.indexSequencesLocked()
	tx.Rollback()
	if err := c.dropLeftoverTemps(leftover); err != nil {
		return nil, err
	}
	return c, nil
}

// Version changes whenever any descriptor changes.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.mu.version
}

// Get returns a live collection by name.
func (c *Catalog) Get(name string) (*Collection, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	col, ok := c.mu.byName[name]
	return col, ok
}

// ByID returns a collection (live or dropped) by id.
func (c *Catalog) ByID(id uint32) (*Collection, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	col, ok := c.mu.byID[id]
	return col, ok
}

// MustGet returns a live collection or a 42P01 error.
func (c *Catalog) MustGet(name string) (*Collection, error) {
	if col, ok := c.Get(name); ok {
		return col, nil
	}
	return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
}

// List returns live collections sorted by name.
func (c *Catalog) List() []*Collection {
	c.mu.RLock()
	out := make([]*Collection, 0, len(c.mu.byName))
	for _, col := range c.mu.byName {
		if !col.Internal {
			out = append(out, col)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FindIndex returns the live collection owning the named index.
func (c *Catalog) FindIndex(name string) (*Collection, *Index, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, col := range c.mu.byName {
		if ix, ok := col.IndexByName(name); ok {
			return col, ix, true
		}
	}
	return nil, nil, false
}

// DDL runs fn holding the DDL lock with a fresh transaction; on success the
// transaction is committed and the descriptors fn staged are published.
func (c *Catalog) DDL(fn func(d *DDLTxn) error) error {
	c.ddl.Lock()
	defer c.ddl.Unlock()
	d := &DDLTxn{c: c}
	defer func() {
		if d.Txn != nil {
			d.Txn.Rollback()
		}
		for _, l := range d.held {
			l.Unlock()
		}
	}()
	d.Txn = c.txm.Begin()
	c.mu.RLock()
	d.nextID = c.mu.nextID
	c.mu.RUnlock()
	if err := fn(d); err != nil {
		return err
	}
	if d.nextID != c.mu.nextID {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], d.nextID)
		d.Txn.Set(storage.KeyNextID, b[:])
	}
	for _, col := range d.staged {
		buf, err := json.Marshal(col)
		if err != nil {
			return fmt.Errorf("catalog: encode: %w", err)
		}
		d.Txn.Set(storage.CatalogKey(objCollection, col.ID), buf)
	}
	for _, id := range d.deleted {
		d.Txn.Delete(storage.CatalogKey(objCollection, id))
		d.removeStats(id)
	}
	lsn, err := d.Txn.Commit()
	if err != nil {
		return err
	}
	for _, col := range d.staged {
		for i := range col.Indexes {
			if col.Indexes[i].CreatedLSN == 0 && d.newIndex[col.Indexes[i].ID] {
				col.Indexes[i].CreatedLSN = lsn
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.nextID = d.nextID
	for _, col := range d.staged {
		if old, ok := c.mu.byID[col.ID]; ok {
			c.unnameLocked(old)
		}
		c.mu.byID[col.ID] = col
		if !col.Dropped {
			c.nameLocked(col)
		}
	}
	for _, id := range d.deleted {
		if old, ok := c.mu.byID[id]; ok {
			c.unnameLocked(old)
			delete(c.mu.byID, id)
		}
	}
	for _, f := range d.after {
		f(c.mu.streams)
	}
	for _, f := range d.afterViews {
		f(c.mu.views)
	}
	for _, f := range d.afterEnums {
		f(c.mu.enums)
	}
	for _, f := range d.afterExtensions {
		f(c.mu.extensions)
	}
	c.indexRefsLocked()
	c.indexSequencesLocked()
	c.mu.version++
	return nil
}

// DDLTxn is the transaction a DDL function stages its changes in.
type DDLTxn struct {
	*txn.Txn
	c        *Catalog
	nextID   uint32
	staged   []*Collection
	deleted  []uint32
	held     []*sync.RWMutex
	newIndex map[uint32]bool
	after    []func(*streamState) // stream/group changes to publish

	afterViews []func(map[string]*View)     // view changes to publish
	afterEnums []func(map[string]*EnumType) // enum type changes to publish

	afterExtensions []func(map[string]*Extension) // extension changes to publish
}

// SnapshotLSN is the LSN the DDL's snapshot sees (the head of the log
// for a new stream).
func (d *DDLTxn) SnapshotLSN() uint64 { return d.Txn.SnapshotLSN() }

// NewID allocates a collection or index id.
func (d *DDLTxn) NewID() uint32 {
	id := d.nextID
	d.nextID++
	return id
}

// NewIndexID allocates the id of an index built by this DDL.
func (d *DDLTxn) NewIndexID() uint32 {
	id := d.NewID()
	if d.newIndex == nil {
		d.newIndex = map[uint32]bool{}
	}
	d.newIndex[id] = true
	return id
}

// LockCollection waits until no transaction is writing the collection and
// keeps writers out until the DDL ends. The DDL's snapshot is then
// retaken, so a backfill reads every row committed before the lock.
func (d *DDLTxn) LockCollection(id uint32) {
	l := d.c.CollectionLock(id)
	if slices.Contains(d.held, l) {
		return
	}
	l.Lock()
	d.held = append(d.held, l)
	if !d.Txn.HasWrites() {
		d.Txn.Rollback()
		d.Txn = d.c.txm.Begin()
	}
}

// Put stages a new or changed descriptor (bumping its version).
func (d *DDLTxn) Put(col *Collection) {
	col.Version++
	if col.Fields == nil {
		col.Fields = newFieldSet()
	}
	d.staged = append(d.staged, col)
}

// Remove stages the permanent removal of a descriptor.
func (d *DDLTxn) Remove(id uint32) { d.deleted = append(d.deleted, id) }

// Clone returns a modifiable copy of a published descriptor.
func Clone(col *Collection) *Collection { return col.clone() }

// LatestDropped returns the most recently dropped collection with a name.
func (c *Catalog) LatestDropped(name string) (*Collection, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best *Collection
	for _, col := range c.mu.byID {
		if col.Dropped && col.Name == name && (best == nil || col.DroppedAt.After(best.DroppedAt)) {
			best = col
		}
	}
	return best, best != nil
}

// ValidateName checks an identifier used as a collection or index name.
func ValidateName(name string) error {
	if name == "" || len(name) > 63 {
		return errs.Errorf(errs.SyntaxError, "invalid name %q", name)
	}
	if strings.ContainsRune(name, 0) {
		return errs.New(errs.SyntaxError, "names may not contain NUL")
	}
	return nil
}

// ---------------------------------------------------------------- fields

// Field is an observed top-level field of a schemaless collection.
type Field struct {
	Name string
	Type types.T // Text once values of different kinds were seen
	Seq  uint64  // first-seen order
}

// FieldSet is the set of observed fields; safe for concurrent use.
type FieldSet struct {
	mu     sync.RWMutex
	fields []Field
	index  map[string]int
	seq    uint64
}

func newFieldSet() *FieldSet { return &FieldSet{index: make(map[string]int)} }

// List returns the fields in first-seen order.
func (f *FieldSet) List() []Field {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return append([]Field(nil), f.fields...)
}

// Lookup returns one field.
func (f *FieldSet) Lookup(name string) (Field, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	i, ok := f.index[name]
	if !ok {
		return Field{}, false
	}
	return f.fields[i], true
}

// Observe computes which fields of a document are new or widen a known
// field's type. It does not change the set; Stage records the result in
// the writing transaction and Apply publishes it after commit.
//
// New fields are reported in the order given by order (the object
// literal's key order), then the remaining ones sorted by name, so the
// columns SELECT * shows are deterministic.
func (f *FieldSet) Observe(doc map[string]any, order []string, out []Field) []Field {
	f.mu.RLock()
	defer f.mu.RUnlock()
	keys := make([]string, 0, len(doc))
	seen := make(map[string]bool, len(order))
	for _, k := range order {
		if _, ok := doc[k]; ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	rest := len(keys)
	for k := range doc {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys[rest:])
	for _, k := range keys {
		v := doc[k]
		t := types.TypeOf(v)
		i, ok := f.index[k]
		if !ok {
			out = append(out, Field{Name: k, Type: t})
			continue
		}
		if w := widen(f.fields[i].Type, t); w != f.fields[i].Type {
			out = append(out, Field{Name: k, Type: w, Seq: f.fields[i].Seq})
		}
	}
	return out
}

// widen merges the type seen so far with a newly seen one.
func widen(have, got types.T) types.T {
	switch {
	case got == types.Unknown || have == got:
		return have
	case have == types.Unknown:
		return got
	case have.IsNumeric() && got.IsNumeric():
		if have == types.Float8 || got == types.Float8 {
			return types.Float8
		}
		return types.Numeric
	}
	return types.Text
}

// StageFields writes observed-field records for col into tx. They are
// idempotent merges, so they never cause write-write conflicts.
func StageFields(tx *txn.Txn, col *Collection, fields []Field) {
	f := col.Fields
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range fields {
		if fields[i].Seq == 0 {
			// Time-based so order holds across restarts; the counter keeps
			// fields of one document in their reported order.
			f.seq++
			fields[i].Seq = uint64(time.Now().UnixNano())&^0xffff | f.seq&0xffff
		}
		key := append(storage.CatalogKey(objField, col.ID), fields[i].Name...)
		var v [9]byte
		v[0] = byte(fields[i].Type)
		binary.BigEndian.PutUint64(v[1:], fields[i].Seq)
		tx.SetNoConflict(key, v[:])
	}
}

// ApplyFields publishes fields after the transaction that staged them
// committed.
func ApplyFields(col *Collection, fields []Field) {
	f := col.Fields
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, nf := range fields {
		f.applyLocked(nf)
	}
}

func (f *FieldSet) applyLocked(nf Field) {
	if i, ok := f.index[nf.Name]; ok {
		f.fields[i].Type = widen(f.fields[i].Type, nf.Type)
		return
	}
	f.index[nf.Name] = len(f.fields)
	f.fields = append(f.fields, nf)
	sort.SliceStable(f.fields, func(i, j int) bool { return f.fields[i].Seq < f.fields[j].Seq })
	for i := range f.fields {
		f.index[f.fields[i].Name] = i
	}
}

func (c *Catalog) loadFields(tx *txn.Txn) error {
	lo := storage.CatalogPrefix(objField)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) < 6 || len(v) != 9 {
			return errs.New(errs.DataCorrupted, "catalog: bad field record")
		}
		id := binary.BigEndian.Uint32(k[2:6])
		col, ok := c.mu.byID[id]
		if !ok {
			continue
		}
		col.Fields.applyLocked(Field{Name: string(k[6:]), Type: types.T(v[0]), Seq: binary.BigEndian.Uint64(v[1:])})
	}
	return nil
}

// DropFields stages the removal of every observed-field record of a
// collection (used when purging).
func DropFields(tx *txn.Txn, id uint32) error {
	lo := storage.CatalogKey(objField, id)
	return tx.DeleteRange(lo, storage.PrefixEnd(lo))
}

// ErrExists is wrapped by duplicate-name errors.
var ErrExists = errors.New("already exists")

// FirstUserOID is where the PostgreSQL OIDs of collections and indexes
// start: an object's OID is its catalog id plus FirstUserOID, so it never
// collides with a built-in OID.
const FirstUserOID = 16384
