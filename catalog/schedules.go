package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Schedule is a job that runs SQL on a cron schedule (UTC). Its run state
// (last run, status, history) lives outside the descriptor, under
// storage.ScheduleStateKey.
type Schedule struct {
	ID           uint32    `json:"id"`
	Name         string    `json:"name"`
	Cron         string    `json:"cron"`
	Body         string    `json:"body"`
	AllowOverlap bool      `json:"allow_overlap"`
	Missed       string    `json:"missed"` // SKIP or CATCH_UP
	Enabled      bool      `json:"enabled"`
	Owner        string    `json:"owner"`
	Created      time.Time `json:"created"`
}

// Schedule returns a schedule by name.
func (c *Catalog) Schedule(name string) (*Schedule, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.mu.streams.scheds[name]
	return s, ok
}

// MustSchedule returns a schedule or the 42704 error users see.
func (c *Catalog) MustSchedule(name string) (*Schedule, error) {
	if s, ok := c.Schedule(name); ok {
		return s, nil
	}
	return nil, errs.Errorf(errs.UndefinedObject, "schedule '%s' does not exist", name)
}

// Schedules lists every schedule by name.
func (c *Catalog) Schedules() []*Schedule {
	c.mu.RLock()
	out := make([]*Schedule, 0, len(c.mu.streams.scheds))
	for _, s := range c.mu.streams.scheds {
		out = append(out, s)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutSchedule stages a new or changed schedule.
func (d *DDLTxn) PutSchedule(s *Schedule) error {
	buf, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("catalog: encode schedule: %w", err)
	}
	d.Txn.Set(storage.CatalogKey(objSched, s.ID), buf)
	d.after = append(d.after, func(st *streamState) { st.scheds[s.Name] = s })
	return nil
}

// RemoveSchedule stages the removal of a schedule with its run state and
// history.
func (d *DDLTxn) RemoveSchedule(s *Schedule) error {
	d.Txn.Delete(storage.CatalogKey(objSched, s.ID))
	lo := storage.ScheduleStatePrefix(s.ID)
	if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
		return err
	}
	d.after = append(d.after, func(st *streamState) { delete(st.scheds, s.Name) })
	return nil
}
