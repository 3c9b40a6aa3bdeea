package catalog

import (
	"sort"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Trigger is a row trigger on a collection. Its body is kept as source
// text and parsed when it runs. An ASYNC trigger runs after commit from
// the durable change log; its position there is the floor offset under
// GroupID, committed in the same transaction as the body's writes.
type Trigger struct {
	ID           uint32    `json:"id"`
	Name         string    `json:"name"`
	Collection   string    `json:"collection"`
	CollectionID uint32    `json:"collection_id"`
	Timing       string    `json:"timing"`    // BEFORE, AFTER, INSTEAD OF
	Events       []string  `json:"events"`    // INSERT, UPDATE, DELETE
	ForEach      string    `json:"for_each"`  // ROW, STATEMENT
	Execution    string    `json:"execution"` // ASYNC, SYNC, DEFERRED
	When         string    `json:"when,omitempty"`
	Body         string    `json:"body"`
	Priority     int       `json:"priority"`
	Definer      bool      `json:"security_definer,omitempty"`
	Enabled      bool      `json:"enabled"`
	GroupID      uint32    `json:"group_id"`
	StartLSN     uint64    `json:"start_lsn"` // fires for changes after it
	Owner        string    `json:"owner"`
	Created      time.Time `json:"created"`
}

// Fires reports whether the trigger fires for an operation.
func (t *Trigger) Fires(op string) bool {
	for _, e := range t.Events {
		if e == op {
			return true
		}
	}
	return false
}

// Triggers lists every trigger, by collection, then priority, then name
// (the order they fire in).
func (c *Catalog) Triggers() []*Trigger {
	c.mu.RLock()
	out := make([]*Trigger, 0, len(c.mu.streams.trigs))
	for _, t := range c.mu.streams.trigs {
		out = append(out, t)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Collection != b.Collection {
			return a.Collection < b.Collection
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.Name < b.Name
	})
	return out
}

// TriggersOn lists the triggers of one collection in firing order.
func (c *Catalog) TriggersOn(collID uint32) []*Trigger {
	var out []*Trigger
	for _, t := range c.Triggers() {
		if t.CollectionID == collID {
			out = append(out, t)
		}
	}
	return out
}

// TriggerOn returns a collection's trigger by name.
func (c *Catalog) TriggerOn(collID uint32, name string) (*Trigger, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, t := range c.mu.streams.trigs {
		if t.CollectionID == collID && t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// MustTriggerOn returns a trigger or the 42704 error users see.
func (c *Catalog) MustTriggerOn(coll *Collection, name string) (*Trigger, error) {
	if t, ok := c.TriggerOn(coll.ID, name); ok {
		return t, nil
	}
	return nil, errs.Errorf(errs.UndefinedObject, "trigger \"%s\" for table \"%s\" does not exist", name, coll.Name)
}

// PutTrigger stages a new or changed trigger.
func (d *DDLTxn) PutTrigger(t *Trigger) error {
	return d.putObject(objTrig, t.ID, "trigger", t, func(st *streamState) { st.trigs[t.ID] = t })
}

// RemoveTrigger stages the removal of a trigger with its position and
// dead letters.
func (d *DDLTxn) RemoveTrigger(t *Trigger) error {
	d.Txn.Delete(storage.CatalogKey(objTrig, t.ID))
	for _, lo := range [][]byte{storage.OffsetPrefix(t.GroupID), storage.DeadLetterPrefix(t.ID)} {
		if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
			return err
		}
	}
	d.after = append(d.after, func(st *streamState) { delete(st.trigs, t.ID) })
	return nil
}

// HasSyncTriggers reports whether any enabled trigger runs inside the
// writing transaction (BEFORE, or AFTER with SYNC execution).
func (c *Catalog) HasSyncTriggers() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, t := range c.mu.streams.trigs {
		if t.Enabled && (t.Execution == "SYNC" || t.Execution == "DEFERRED") {
			return true
		}
	}
	return false
}
