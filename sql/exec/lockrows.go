package exec

import (
	"errors"

	"github.com/nodedb-go/nodedb/engine/document"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/txn"
)

// lockIter runs plan.LockRows: it locks, in the statement's transaction,
// the rows each input row was read from, and passes the row on, or over
// when SKIP LOCKED finds one held (see txn.Txn.LockRowHeld).
type lockIter struct {
	env  *Env
	in   iter
	node *plan.LockRows
	pk   []any
}

func (l *lockIter) Next() (types.Row, bool, error) {
next:
	for {
		row, ok, err := l.in.Next()
		if err != nil || !ok {
			return nil, false, err
		}
		for _, t := range l.node.Targets {
			l.pk = l.pk[:0]
			for _, i := range t.Key {
				l.pk = append(l.pk, row[i])
			}
			if l.pk[0] == nil {
				continue // no row of t (cannot happen: not an outer join's nullable side)
			}
			wait := txn.LockBlock
			switch t.Wait {
			case "NOWAIT":
				wait = txn.LockNoWait
			case "SKIP LOCKED":
				wait = txn.LockSkipLocked
			}
			key := Layout(t.Coll).Key(document.EncodePK(l.pk))
			locked, err := l.env.Txn.LockRowHeld(l.env.Ctx, key, t.Exclusive, wait)
			switch {
			case errors.Is(err, txn.ErrLockNotAvailable):
				return nil, false, errs.Errorf(errs.LockNotAvailable, "could not obtain lock on row in relation %q", t.Coll.Name)
			case err != nil:
				if e := checkCtx(l.env.Ctx); e != nil {
					return nil, false, e
				}
				return nil, false, err
			case !locked:
				continue next
			}
		}
		return row, true, nil
	}
}

func (l *lockIter) Close() error { return l.in.Close() }
