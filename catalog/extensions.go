package catalog

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// objExtension is the catalog kind of installed extensions.
const objExtension byte = 'e'

// Extension is an extension CREATE EXTENSION installed (its functions
// are built in; the record is what pg_extension shows).
type Extension struct {
	ID      uint32    `json:"id"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	Comment string    `json:"comment,omitempty"` // COMMENT ON EXTENSION
}

func (c *Catalog) loadExtensions(tx *txn.Txn) (err error) {
	c.mu.extensions, err = loadNamed(tx, objExtension, "extension", func(e *Extension) string { return e.Name })
	return err
}

// Extension returns an installed extension by name.
func (c *Catalog) Extension(name string) (*Extension, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.mu.extensions[name]
	return e, ok
}

// Extensions lists the installed extensions sorted by name.
func (c *Catalog) Extensions() []*Extension {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.extensions, func(x *Extension) string { return x.Name })
}

// PutExtension stages an installed extension.
func (d *DDLTxn) PutExtension(e *Extension) error {
	buf, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("catalog: encode extension: %w", err)
	}
	d.Txn.Set(storage.CatalogKey(objExtension, e.ID), buf)
	d.afterExtensions = append(d.afterExtensions, func(m map[string]*Extension) { m[e.Name] = e })
	return nil
}

// RemoveExtension stages an extension's removal.
func (d *DDLTxn) RemoveExtension(e *Extension) {
	d.Txn.Delete(storage.CatalogKey(objExtension, e.ID))
	d.afterExtensions = append(d.afterExtensions, func(m map[string]*Extension) { delete(m, e.Name) })
}
