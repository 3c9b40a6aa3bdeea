package session

import (
	"context"
	"sync"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
)

// Advisory locks, as PostgreSQL's pg_advisory_lock family: exclusive
// locks on application-chosen keys, which migration tools (golang-migrate,
// Flyway, Rails, Prisma) take so that one process migrates at a time. A
// session-level lock is re-entrant (each lock needs its unlock) and held
// until unlocked or the session ends; a transaction-level one until the
// transaction ends. The one-key (bigint) and two-key (int, int) forms are
// separate key spaces, as in PostgreSQL. Shared locks and deadlock
// detection are not provided: a wait ends when the lock is free or the
// statement is canceled.

type advisoryLocks struct {
	mu   sync.Mutex
	held map[funcs.AdvisoryKey]*advisoryLock
}

type advisoryLock struct {
	owner      *Session
	session, x int           // holds at session and transaction level
	free       chan struct{} // closed when the lock is released
}

// lock takes key for s, waiting while another session holds it unless
// try; it reports whether s holds it now.
func (a *advisoryLocks) lock(ctx context.Context, s *Session, key funcs.AdvisoryKey, xact, try bool) (bool, error) {
	for {
		a.mu.Lock()
		l := a.held[key]
		if l == nil {
			l = &advisoryLock{owner: s, free: make(chan struct{})}
			if a.held == nil {
				a.held = map[funcs.AdvisoryKey]*advisoryLock{}
			}
			a.held[key] = l
		}
		if l.owner == s {
			if xact {
				l.x++
			} else {
				l.session++
			}
			a.mu.Unlock()
			return true, nil
		}
		free := l.free
		a.mu.Unlock()
		if try {
			return false, nil
		}
		select {
		case <-free:
		case <-ctx.Done():
			return false, errs.New(errs.QueryCanceled, "canceling statement due to user request")
		}
	}
}

// unlock drops one session-level hold of key by s; false when s holds
// none.
func (a *advisoryLocks) unlock(s *Session, key funcs.AdvisoryKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.held[key]
	if l == nil || l.owner != s || l.session == 0 {
		return false
	}
	l.session--
	a.releaseIfFreeLocked(key, l)
	return true
}

// release drops s's session-level holds (session) and its
// transaction-level ones (xact).
func (a *advisoryLocks) release(s *Session, session, xact bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, l := range a.held {
		if l.owner != s {
			continue
		}
		if session {
			l.session = 0
		}
		if xact {
			l.x = 0
		}
		a.releaseIfFreeLocked(key, l)
	}
}

func (a *advisoryLocks) releaseIfFreeLocked(key funcs.AdvisoryKey, l *advisoryLock) {
	if l.session == 0 && l.x == 0 {
		delete(a.held, key)
		close(l.free)
	}
}

// sessionAdvisory adapts the database's advisory locks to the functions'
// context for one session.
type sessionAdvisory struct{ s *Session }

func (sa sessionAdvisory) Lock(key funcs.AdvisoryKey, xact, try bool) (bool, error) {
	ctx := sa.s.stmtCtx
	if ctx == nil {
		ctx = context.Background()
	}
	ok, err := sa.s.mgr.db.advisory.lock(ctx, sa.s, key, xact, try)
	if ok && xact {
		sa.s.xactAdvisory = true
	}
	return ok, err
}

// releaseXactAdvisory drops the transaction-level advisory locks s took,
// if it took any (the shared table is not touched otherwise: this runs at
// the end of every statement outside a transaction).
func (s *Session) releaseXactAdvisory() {
	if s.xactAdvisory {
		s.xactAdvisory = false
		s.mgr.db.advisory.release(s, false, true)
	}
}

func (sa sessionAdvisory) Unlock(key funcs.AdvisoryKey) bool {
	return sa.s.mgr.db.advisory.unlock(sa.s, key)
}

func (sa sessionAdvisory) UnlockAll() { sa.s.mgr.db.advisory.release(sa.s, true, false) }
