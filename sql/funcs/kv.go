package funcs

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// KVFuncs runs the key-value functions in the statement's transaction;
// the session provides it (Context.KV).
type KVFuncs interface {
	// Incr adds delta to key's integer value (absent: 0) and returns the
	// sum; ttlSeconds > 0 sets the deadline of a key it creates.
	Incr(coll, key string, delta, ttlSeconds int64) (int64, error)
	// IncrFloat is Incr for float values.
	IncrFloat(coll, key string, delta float64) (float64, error)
	// CAS sets key to newVal when its value equals expected (NULL: the key
	// is absent) and reports whether it did.
	CAS(coll, key string, expected, newVal types.Value) (bool, error)
	// GetSet sets key to value and returns the previous value (NULL when
	// absent).
	GetSet(coll, key string, value types.Value) (types.Value, error)
	// RateCheck counts one request of key in a fixed window of
	// windowSeconds and reports whether it is within max (a refused
	// request is not counted).
	RateCheck(gate, key string, max, windowSeconds int64) (bool, error)
	// RateRemaining is how many more requests key may make in its
	// current window.
	RateRemaining(gate, key string, max int64) (int64, error)
	// RateReset forgets key's window; it reports whether one existed.
	RateReset(gate, key string) (bool, error)
}

// SortedFuncs reads sorted indexes in the statement's transaction; the
// session provides it (Context.Sorted).
type SortedFuncs interface {
	// Rank is the 1-based position of key's entry in the index (NULL:
	// the index holds no entry for it).
	Rank(index string, key types.Value) (types.Value, error)
	// Count is the number of the index's entries.
	Count(index string) (int64, error)
}

func init() {
	sorted := func(ctx *Context) (SortedFuncs, error) {
		if ctx == nil || ctx.Sorted == nil {
			return nil, errs.New(errs.FeatureNotSupported, "sorted index functions are not available here")
		}
		return ctx.Sorted, nil
	}
	def("sorted_rank", 2, 2, "sa", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		s, err := sorted(ctx)
		if err != nil {
			return nil, err
		}
		if a[0] == nil || a[1] == nil {
			return nil, nil
		}
		return s.Rank(toText(a[0]), a[1])
	}, volatile, nonStrict)
	def("sorted_count", 1, 1, "s", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		s, err := sorted(ctx)
		if err != nil {
			return nil, err
		}
		if a[0] == nil {
			return nil, nil
		}
		return s.Count(toText(a[0]))
	}, volatile, nonStrict)
}

func kvFuncs(ctx *Context) (KVFuncs, error) {
	if ctx == nil || ctx.KV == nil {
		return nil, errs.New(errs.FeatureNotSupported, "key-value functions are not available here")
	}
	return ctx.KV, nil
}

func kvArgs(a []types.Value) (coll, key string, err error) {
	if a[0] == nil || a[1] == nil {
		return "", "", errs.New(errs.NotNullViolation, "key-value functions need a collection and a key")
	}
	return toText(a[0]), toText(a[1]), nil
}

// defKV defines a key-value function: its first two arguments are the
// collection (or gate) and the key, both non-NULL.
func defKV(name string, minArgs, maxArgs int, sig string, ret types.T, f func(kv KVFuncs, coll, key string, a []types.Value) (types.Value, error)) {
	def(name, minArgs, maxArgs, sig, ret, func(ctx *Context, a []types.Value) (types.Value, error) {
		kv, err := kvFuncs(ctx)
		if err != nil {
			return nil, err
		}
		coll, key, err := kvArgs(a)
		if err != nil {
			return nil, err
		}
		return f(kv, coll, key, a)
	}, volatile, nonStrict)
}

func init() {
	defKV("kv_incr", 3, 4, "ssii", types.Int8, func(kv KVFuncs, coll, key string, a []types.Value) (types.Value, error) {
		delta, ttl := int64(0), int64(0)
		var err error
		if a[2] != nil {
			if delta, err = toInt64Arg(a[2]); err != nil {
				return nil, err
			}
		}
		if len(a) > 3 && a[3] != nil {
			if ttl, err = toInt64Arg(a[3]); err != nil {
				return nil, err
			}
		}
		return kv.Incr(coll, key, delta, ttl)
	})
	defKV("kv_incr_float", 3, 3, "ssn", types.Float8, func(kv KVFuncs, coll, key string, a []types.Value) (types.Value, error) {
		delta := 0.0
		if a[2] != nil {
			v, err := types.Cast(a[2], types.Float8)
			if err != nil {
				return nil, err
			}
			delta = v.(float64)
		}
		return kv.IncrFloat(coll, key, delta)
	})
	defKV("kv_cas", 4, 4, "ssaa", types.Bool, func(kv KVFuncs, coll, key string, a []types.Value) (types.Value, error) {
		return kv.CAS(coll, key, a[2], a[3])
	})
	defKV("kv_getset", 3, 3, "ssa", types.Text, func(kv KVFuncs, coll, key string, a []types.Value) (types.Value, error) {
		return kv.GetSet(coll, key, a[2])
	})
}

func init() {
	ints := func(a []types.Value, from int) ([]int64, error) {
		out := make([]int64, 0, len(a)-from)
		for _, v := range a[from:] {
			if v == nil {
				return nil, errs.New(errs.NotNullViolation, "rate gate limits must not be NULL")
			}
			n, err := toInt64Arg(v)
			if err != nil {
				return nil, err
			}
			out = append(out, n)
		}
		return out, nil
	}
	defKV("rate_check", 4, 4, "ssii", types.Bool, func(kv KVFuncs, gate, key string, a []types.Value) (types.Value, error) {
		n, err := ints(a, 2)
		if err != nil {
			return nil, err
		}
		if n[0] < 0 || n[1] <= 0 {
			return nil, errs.New(errs.InvalidParameterValue, "RATE_CHECK needs max >= 0 and a window of at least 1 second")
		}
		return kv.RateCheck(gate, key, n[0], n[1])
	})
	defKV("rate_remaining", 3, 4, "ssii", types.Int8, func(kv KVFuncs, gate, key string, a []types.Value) (types.Value, error) {
		n, err := ints(a, 2)
		if err != nil {
			return nil, err
		}
		return kv.RateRemaining(gate, key, n[0])
	})
	defKV("rate_reset", 2, 2, "ss", types.Bool, func(kv KVFuncs, gate, key string, a []types.Value) (types.Value, error) {
		return kv.RateReset(gate, key)
	})
}

func toInt64Arg(v types.Value) (int64, error) {
	c, err := types.Cast(v, types.Int8)
	if err != nil {
		return 0, err
	}
	return c.(int64), nil
}
