package catalog

import (
	"time"

	"github.com/nodedb-go/nodedb/storage"
)

// MView is a materialized view. Its rows live in a schemaless collection
// of the same name. A streaming view is kept up to date from a change
// stream through the consumer group GroupName, its state and the group's
// offsets written in the same commit.
type MView struct {
	ID        uint32        `json:"id"`
	Name      string        `json:"name"`
	Streaming bool          `json:"streaming"`
	Query     string        `json:"query"`
	Stream    string        `json:"stream,omitempty"`
	GroupName string        `json:"group,omitempty"`
	Where     string        `json:"where,omitempty"`
	Columns   []MViewColumn `json:"columns,omitempty"`
	Owner     string        `json:"owner"`
	Created   time.Time     `json:"created"`
}

// MViewColumn is one output column of a streaming view: a group key
// (Agg "") or an aggregate (count, sum, min, max, avg) of Expr.
type MViewColumn struct {
	Name string `json:"name"`
	Agg  string `json:"agg,omitempty"`
	Expr string `json:"expr,omitempty"` // "" for count(*)
}

// MView returns a materialized view by name.
func (c *Catalog) MView(name string) (*MView, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.mu.streams.mviews[name]
	return v, ok
}

// MViews lists the materialized views by name.
func (c *Catalog) MViews() []*MView {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.mviews, func(x *MView) string { return x.Name })
}

// PutMView stages a materialized view.
func (d *DDLTxn) PutMView(v *MView) error {
	return d.putObject(objMView, v.ID, "materialized view", v, func(st *streamState) { st.mviews[v.Name] = v })
}

// RemoveMView stages a materialized view's removal (its collection and
// group are removed by the caller).
func (d *DDLTxn) RemoveMView(v *MView) {
	d.Txn.Delete(storage.CatalogKey(objMView, v.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.mviews, v.Name) })
}
