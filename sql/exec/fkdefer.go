package exec

import (
	"github.com/nodedb-go/nodedb/catalog"
)

// DeferredFK is a transaction's deferred foreign-key work, as
// PostgreSQL's deferred constraint triggers: the checks of a DEFERRABLE
// foreign key in deferred mode (INITIALLY DEFERRED, or SET CONSTRAINTS
// ... DEFERRED) that a key is present, and its NO ACTION checks that a
// key gone is no longer referenced, wait for the commit (or SET
// CONSTRAINTS ... IMMEDIATE). Referential actions (CASCADE, SET NULL,
// SET DEFAULT) and RESTRICT are never deferred, as in PostgreSQL.
type DeferredFK struct {
	checks []fkCheck
	gone   []fkGone
	all    *bool           // SET CONSTRAINTS ALL: deferred or not
	named  map[string]bool // SET CONSTRAINTS name, ...
}

// deferred reports whether fk's checks wait (a nil d defers nothing).
func (d *DeferredFK) deferred(fk *catalog.ForeignKey) bool {
	if d == nil || !fk.Deferrable {
		return false
	}
	if v, ok := d.named[fk.Name]; ok {
		return v
	}
	if d.all != nil {
		return *d.all
	}
	return fk.InitiallyDeferred
}

// Adopt takes other's waiting checks (a trigger body's, which shares
// the transaction).
func (d *DeferredFK) Adopt(other *DeferredFK) {
	d.checks = append(d.checks, other.checks...)
	d.gone = append(d.gone, other.gone...)
}

// Pending reports whether checks wait.
func (d *DeferredFK) Pending() bool { return d != nil && len(d.checks)+len(d.gone) > 0 }

// FKMark is how much deferred work there was at a savepoint.
type FKMark struct{ checks, gone int }

// Mark notes the work deferred so far.
func (d *DeferredFK) Mark() FKMark {
	if d == nil {
		return FKMark{}
	}
	return FKMark{len(d.checks), len(d.gone)}
}

// Rewind drops the work deferred since m (ROLLBACK TO SAVEPOINT).
func (d *DeferredFK) Rewind(m FKMark) {
	if d == nil {
		return
	}
	d.checks = d.checks[:min(m.checks, len(d.checks))]
	d.gone = d.gone[:min(m.gone, len(d.gone))]
}

// SetMode is SET CONSTRAINTS: names (nil for ALL) deferred or immediate
// for the rest of the transaction.
func (d *DeferredFK) SetMode(names []string, deferred bool) {
	if names == nil {
		d.all, d.named = &deferred, nil
		return
	}
	if d.named == nil {
		d.named = map[string]bool{}
	}
	for _, n := range names {
		d.named[n] = deferred
	}
}

// RunDeferred does the deferred work that is no longer deferred (all of
// it when commit is set), with env's transaction: 23503 for a key not
// present or still referenced. What stays deferred is kept.
func (env *Env) RunDeferred(d *DeferredFK, commit bool) error {
	if d == nil {
		return nil
	}
	due := func(fk *catalog.ForeignKey) bool { return commit || !d.deferred(fk) }
	st := &fkState{}
	var keepChecks []fkCheck
	for _, c := range d.checks {
		if due(c.fk) {
			st.checks = append(st.checks, c)
		} else {
			keepChecks = append(keepChecks, c)
		}
	}
	var keepGone []fkGone
	for _, g := range d.gone {
		if due(g.ref.FK) {
			st.gone = append(st.gone, g)
		} else {
			keepGone = append(keepGone, g)
		}
	}
	d.checks, d.gone = keepChecks, keepGone
	saved, savedDeferred := env.fk, env.Deferred
	env.fk, env.Deferred = st, nil
	defer func() { env.fk, env.Deferred = saved, savedDeferred }()
	return env.fkFinish()
}
