package catalog

import (
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
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.procs, func(x *Procedure) string { return x.Name })
}

// PutProcedure stages a new or replaced procedure.
func (d *DDLTxn) PutProcedure(p *Procedure) error {
	return d.putObject(objProc, p.ID, "procedure", p, func(st *streamState) { st.procs[p.Name] = p })
}

// RemoveProcedure stages a procedure's removal.
func (d *DDLTxn) RemoveProcedure(p *Procedure) {
	d.Txn.Delete(storage.CatalogKey(objProc, p.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.procs, p.Name) })
}

// Function is a scalar SQL function: queries inline Expr (a SQL
// expression over the parameters) cast to Returns.
type Function struct {
	ID      uint32      `json:"id"`
	Name    string      `json:"name"`
	Params  []ProcParam `json:"params"`
	Returns string      `json:"returns"`
	Body    string      `json:"body"` // as written
	Expr    string      `json:"expr"` // the expression inlined
	Owner   string      `json:"owner"`
	Created time.Time   `json:"created"`
}

// Function returns a user function by name.
func (c *Catalog) Function(name string) (*Function, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.mu.streams.funcs[name]
	return f, ok
}

// Functions lists the user functions by name.
func (c *Catalog) Functions() []*Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.funcs, func(x *Function) string { return x.Name })
}

// PutFunction stages a new or replaced function.
func (d *DDLTxn) PutFunction(f *Function) error {
	return d.putObject(objFunc, f.ID, "function", f, func(st *streamState) { st.funcs[f.Name] = f })
}

// RemoveFunction stages a function's removal.
func (d *DDLTxn) RemoveFunction(f *Function) {
	d.Txn.Delete(storage.CatalogKey(objFunc, f.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.funcs, f.Name) })
}
