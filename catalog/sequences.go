package catalog

import (
	"encoding/binary"
	"sort"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// objSeq is the catalog kind of sequences.
const objSeq byte = 'q'

// Sequence is a named generator of integers (CREATE SEQUENCE, SERIAL and
// identity columns). Its descriptor holds the definition; the values
// handed out live outside the catalog, under storage.SequenceKey, and are
// not transactional (a rolled-back nextval is not given again).
type Sequence struct {
	ID    uint32  `json:"id"`
	Name  string  `json:"name"`
	Type  types.T `json:"type"` // smallint, integer or bigint
	Start int64   `json:"start"`
	Inc   int64   `json:"inc"`
	Min   int64   `json:"min"`
	Max   int64   `json:"max"`
	Cycle bool    `json:"cycle,omitempty"`
	// OwnedBy is the collection (and OwnedCol its column) the sequence
	// belongs to (SERIAL, identity, OWNED BY): it is dropped with it.
	OwnedBy  uint32    `json:"owned_by,omitempty"`
	OwnedCol string    `json:"owned_col,omitempty"`
	Created  time.Time `json:"created"`
	Comment  string    `json:"comment,omitempty"` // COMMENT ON SEQUENCE
}

// Sequence returns a live sequence by name.
func (c *Catalog) Sequence(name string) (*Sequence, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.mu.seqNames[name]
	return s, ok
}

// indexSequencesLocked rebuilds mu.seqNames: every sequence but those
// owned by a dropped collection.
func (c *Catalog) indexSequencesLocked() {
	c.mu.seqNames = make(map[string]*Sequence, len(c.mu.streams.seqs))
	for _, s := range c.mu.streams.seqs {
		if owner, ok := c.mu.byID[s.OwnedBy]; s.OwnedBy != 0 && ok && owner.Dropped {
			continue
		}
		c.mu.seqNames[s.Name] = s
	}
}

// MustSequence returns a sequence or the 42P01 error users see.
func (c *Catalog) MustSequence(name string) (*Sequence, error) {
	if s, ok := c.Sequence(name); ok {
		return s, nil
	}
	return nil, errs.Errorf(errs.UndefinedTable, "relation %q does not exist", name)
}

// Sequences lists the live sequences by name.
func (c *Catalog) Sequences() []*Sequence {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.seqNames, func(x *Sequence) string { return x.Name })
}

// SequencesOwnedBy lists the sequences a collection (live or dropped)
// owns, by name.
func (c *Catalog) SequencesOwnedBy(collID uint32) []*Sequence {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Sequence
	for _, s := range c.mu.streams.seqs {
		if s.OwnedBy == collID {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutSequence stages a new or changed sequence.
func (d *DDLTxn) PutSequence(s *Sequence) error {
	return d.putObject(objSeq, s.ID, "sequence", s, func(st *streamState) { st.seqs[s.ID] = s })
}

// RemoveSequence stages the removal of a sequence and of its state.
func (d *DDLTxn) RemoveSequence(s *Sequence) {
	d.Txn.Delete(storage.CatalogKey(objSeq, s.ID))
	d.Txn.Delete(storage.SequenceKey(s.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.seqs, s.ID) })
}

// EncodeSequenceState is a sequence state key's value: the last value
// that may have been handed out, and whether any was (false: the next
// value is that one itself).
func EncodeSequenceState(last int64, called bool) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(last))
	if called {
		return append(b, 1)
	}
	return append(b, 0)
}
