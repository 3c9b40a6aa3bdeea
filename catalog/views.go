package catalog

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

const objView byte = 'v'

// View is a named query, stored as its SQL text and expanded where it is
// used.
type View struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns,omitempty"` // explicit column names
	// Attrs are the view's output columns as planned at CREATE VIEW (for
	// the catalogs; empty for views created before they were kept).
	Attrs   []ViewColumn `json:"attrs,omitempty"`
	SQL     string       `json:"sql"` // the query, canonical text
	Created time.Time    `json:"created"`
	Comment string       `json:"comment,omitempty"` // COMMENT ON VIEW
}

func (c *Catalog) loadViews(tx *txn.Txn) (err error) {
	c.mu.views, err = loadNamed(tx, objView, "view", func(v *View) string { return v.Name })
	return err
}

// loadNamed reads every stored descriptor of one kind into a map by
// name (what is one of them, for the error a bad one gives).
func loadNamed[T any](tx *txn.Txn, kind byte, what string, name func(*T) string) (map[string]*T, error) {
	out := map[string]*T{}
	lo := storage.CatalogPrefix(kind)
	it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		x := new(T)
		if err := json.Unmarshal(it.Value(), x); err != nil {
			return nil, errs.Errorf(errs.DataCorrupted, "catalog: bad %s descriptor: %w", what, err)
		}
		out[name(x)] = x
	}
	return out, nil
}

// View returns a view by name.
func (c *Catalog) View(name string) (*View, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.mu.views[name]
	return v, ok
}

// Views lists the views sorted by name.
func (c *Catalog) Views() []*View {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.views, func(x *View) string { return x.Name })
}

// ViewColumn is one output column of a view.
type ViewColumn struct {
	Name    string  `json:"name"`
	Type    types.T `json:"type"`
	TypeMod int     `json:"type_mod,omitempty"`
	Comment string  `json:"comment,omitempty"` // COMMENT ON COLUMN
}

// PutView stages a new or replaced view.
func (d *DDLTxn) PutView(v *View) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("catalog: encode view: %w", err)
	}
	d.Txn.Set(storage.CatalogKey(objView, v.ID), buf)
	d.afterViews = append(d.afterViews, func(m map[string]*View) { m[v.Name] = v })
	return nil
}

// RemoveView stages a view's removal.
func (d *DDLTxn) RemoveView(v *View) {
	d.Txn.Delete(storage.CatalogKey(objView, v.ID))
	d.afterViews = append(d.afterViews, func(m map[string]*View) { delete(m, v.Name) })
}
