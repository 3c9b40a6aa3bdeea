package catalog

import (
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
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.scheds, func(x *Schedule) string { return x.Name })
}

// PutSchedule stages a new or changed schedule.
func (d *DDLTxn) PutSchedule(s *Schedule) error {
	return d.putObject(objSched, s.ID, "schedule", s, func(st *streamState) { st.scheds[s.Name] = s })
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
