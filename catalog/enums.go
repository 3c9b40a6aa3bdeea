package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// objEnum is the catalog kind of enum types.
const objEnum byte = 'y'

// EnumType is a CREATE TYPE ... AS ENUM: a type whose values are its
// labels, ordered as listed (ALTER TYPE ... ADD VALUE inserts one where
// asked). Columns of the type store the label's text and hold the type's
// OID as their type modifier; comparisons and sorts go by the order.
type EnumType struct {
	ID      uint32    `json:"id"`
	Name    string    `json:"name"`
	Labels  []string  `json:"labels"`
	Created time.Time `json:"created"`
	Comment string    `json:"comment,omitempty"` // COMMENT ON TYPE

	order map[string]int // label => position, built on first use
}

// OID is the type's OID (pg_type.oid, and its columns' atttypid).
func (e *EnumType) OID() uint32 { return e.ID + FirstUserOID }

// Position returns a label's place in the type's order.
func (e *EnumType) Position(label string) (int, bool) {
	if e.order == nil {
		m := make(map[string]int, len(e.Labels))
		for i, l := range e.Labels {
			m[l] = i
		}
		e.order = m
	}
	i, ok := e.order[label]
	return i, ok
}

// CheckLabel is PostgreSQL's error for text that is not one of the
// type's labels (22P02).
func (e *EnumType) CheckLabel(label string) error {
	if _, ok := e.Position(label); !ok {
		return errs.Errorf(errs.InvalidTextRep, "invalid input value for enum %s: %q", e.Name, label)
	}
	return nil
}

func (c *Catalog) loadEnums(tx *txn.Txn) (err error) {
	c.mu.enums, err = loadNamed(tx, objEnum, "enum type", func(e *EnumType) string { return e.Name })
	return err
}

// Enum returns an enum type by name.
func (c *Catalog) Enum(name string) (*EnumType, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.mu.enums[name]
	return e, ok
}

// EnumByOID returns an enum type by its OID.
func (c *Catalog) EnumByOID(oid uint32) (*EnumType, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, e := range c.mu.enums {
		if e.OID() == oid {
			return e, true
		}
	}
	return nil, false
}

// Enums lists the enum types sorted by name.
func (c *Catalog) Enums() []*EnumType {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.enums, func(x *EnumType) string { return x.Name })
}

// PutEnum stages a new or changed enum type (a changed one is a new
// value: published descriptors do not change).
func (d *DDLTxn) PutEnum(e *EnumType) error {
	e.Labels = slices.Clip(e.Labels)
	buf, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("catalog: encode enum type: %w", err)
	}
	d.Txn.Set(storage.CatalogKey(objEnum, e.ID), buf)
	d.afterEnums = append(d.afterEnums, func(m map[string]*EnumType) {
		for name, old := range m {
			if old.ID == e.ID {
				delete(m, name) // renamed
			}
		}
		m[e.Name] = e
	})
	return nil
}

// RemoveEnum stages an enum type's removal.
func (d *DDLTxn) RemoveEnum(e *EnumType) {
	d.Txn.Delete(storage.CatalogKey(objEnum, e.ID))
	d.afterEnums = append(d.afterEnums, func(m map[string]*EnumType) { delete(m, e.Name) })
}
