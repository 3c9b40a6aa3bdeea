package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Procedure is a stored procedure: a procedural block with typed
// parameters, run by CALL.
type Procedure struct {
	ID            uint32      `json:"id"`
	Name          string      `json:"name"`
	Params        []ProcParam `json:"params"`
	Body          string      `json:"body"`
	TimeoutMs     int64       `json:"timeout_ms,omitempty"`
	MaxIterations int         `json:"max_iterations,omitempty"`
	Definer       bool        `json:"security_definer,omitempty"`
	Owner         string      `json:"owner"`
	Created       time.Time   `json:"created"`
}

// ProcParam is a procedure parameter.
type ProcParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Procedure returns a procedure by name.
func (c *Catalog) Procedure(name string) (*Procedure, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.mu.streams.procs[name]
	return p, ok
}

// MustProcedure returns a procedure or the 42883 error users see.
func (c *Catalog) MustProcedure(name string) (*Procedure, error) {
	if p, ok := c.Procedure(name); ok {
		return p, nil
	}
	return nil, errs.Errorf(errs.UndefinedFunction, "procedure %s does not exist", name)
}

// Procedures lists every procedure by name.
func (c *Catalog) Procedures() []*Procedure {
	c.mu.RLock()
	out := make([]*Procedure, 0, len(c.mu.streams.procs))
	for _, p := range c.mu.streams.procs {
		out = append(out, p)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutProcedure stages a new or replaced procedure.
func (d *DDLTxn) PutProcedure(p *Procedure) error {
	buf, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("catalog: encode procedure: %w", err)
	}
	d.Txn.Set(storage.CatalogKey(objProc, p.ID), buf)
	d.after = append(d.after, func(st *streamState) { st.procs[p.Name] = p })
	return nil
}

// RemoveProcedure stages a procedure's removal.
func (d *DDLTxn) RemoveProcedure(p *Procedure) {
	d.Txn.Delete(storage.CatalogKey(objProc, p.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.procs, p.Name) })
}
