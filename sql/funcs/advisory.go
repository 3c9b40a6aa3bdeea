package funcs

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// AdvisoryKey names an advisory lock: one bigint key, or two int keys (a
// separate key space, as in PostgreSQL).
type AdvisoryKey struct {
	K   int64
	Two bool
}

// AdvisoryLocks takes and releases a session's advisory locks
// (pg_advisory_lock and the rest).
type AdvisoryLocks interface {
	// Lock takes key at session or transaction (xact) level, waiting for
	// another session to release it unless try; it reports whether the
	// session holds it.
	Lock(key AdvisoryKey, xact, try bool) (bool, error)
	// Unlock drops one session-level hold; false when the session holds
	// none.
	Unlock(key AdvisoryKey) bool
	// UnlockAll drops every session-level hold.
	UnlockAll()
}

func advisoryKey(a []types.Value) (AdvisoryKey, error) {
	toInt := func(v types.Value) (int64, error) {
		n, err := types.Cast(v, types.Int8)
		if err != nil {
			return 0, err
		}
		return n.(int64), nil
	}
	k, err := toInt(a[0])
	if err != nil {
		return AdvisoryKey{}, err
	}
	if len(a) == 1 {
		return AdvisoryKey{K: k}, nil
	}
	k2, err := toInt(a[1])
	if err != nil {
		return AdvisoryKey{}, err
	}
	return AdvisoryKey{K: int64(uint64(uint32(k))<<32 | uint64(uint32(k2))), Two: true}, nil
}

func advisory(ctx *Context) (AdvisoryLocks, error) {
	if ctx == nil || ctx.Advisory == nil {
		return nil, errs.New(errs.FeatureNotSupported, "advisory locks are not available here")
	}
	return ctx.Advisory, nil
}

// advisoryArgs returns the session's advisory locks and the key the
// arguments name.
func advisoryArgs(ctx *Context, a []types.Value) (AdvisoryLocks, AdvisoryKey, error) {
	al, err := advisory(ctx)
	if err != nil {
		return nil, AdvisoryKey{}, err
	}
	key, err := advisoryKey(a)
	return al, key, err
}

// advisoryHint types a $n key as PostgreSQL's signatures do: bigint, or
// two integers.
func advisoryHint(n, _ int) types.T {
	if n == 2 {
		return types.Int4
	}
	return types.Int8
}

func init() {
	defer func() {
		for _, name := range []string{"pg_advisory_lock", "pg_advisory_xact_lock", "pg_try_advisory_lock",
			"pg_try_advisory_xact_lock", "pg_advisory_unlock"} {
			registry[name].ArgHint = advisoryHint
		}
	}()
	lockFn := func(xact, try bool) evalFn {
		return func(ctx *Context, a []types.Value) (types.Value, error) {
			al, key, err := advisoryArgs(ctx, a)
			if err != nil {
				return nil, err
			}
			ok, err := al.Lock(key, xact, try)
			if err != nil {
				return nil, err
			}
			if try {
				return ok, nil
			}
			return "", nil // void
		}
	}
	def("pg_advisory_lock", 1, 2, "i", types.Unknown, lockFn(false, false), volatile)
	def("pg_advisory_xact_lock", 1, 2, "i", types.Unknown, lockFn(true, false), volatile)
	def("pg_try_advisory_lock", 1, 2, "i", types.Bool, lockFn(false, true), volatile)
	def("pg_try_advisory_xact_lock", 1, 2, "i", types.Bool, lockFn(true, true), volatile)
	def("pg_advisory_unlock", 1, 2, "i", types.Bool, func(ctx *Context, a []types.Value) (types.Value, error) {
		al, key, err := advisoryArgs(ctx, a)
		if err != nil {
			return nil, err
		}
		return al.Unlock(key), nil
	}, volatile)
	def("pg_advisory_unlock_all", 0, 0, "", types.Unknown, func(ctx *Context, _ []types.Value) (types.Value, error) {
		al, err := advisory(ctx)
		if err != nil {
			return nil, err
		}
		al.UnlockAll()
		return "", nil
	}, volatile)
}
