package session

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/kv"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/types"
)

// sessionKV runs the SQL key-value functions (KV_INCR, KV_INCR_FLOAT,
// KV_CAS, KV_GETSET) in the statement's transaction: their writes commit
// or roll back with it, and a concurrent write of the same key makes the
// commit fail with 40001 like any write-write conflict.
type sessionKV struct{ s *Session }

// entry reads key in the statement's transaction, holding the
// collection's write lock until the transaction ends (as SQL writers do).
func (k sessionKV) entry(coll, key string) (*exec.Env, *exec.KVShape, exec.KVEntry, error) {
	tx := k.s.fnTx
	if tx == nil {
		return nil, nil, exec.KVEntry{}, errs.New(errs.FeatureNotSupported, "key-value functions need a transaction")
	}
	c, err := k.s.mgr.db.cat.MustGet(coll)
	if err != nil {
		return nil, nil, exec.KVEntry{}, err
	}
	sh, err := exec.NewKVShape(c)
	if err != nil {
		return nil, nil, exec.KVEntry{}, err
	}
	k.s.lockForWrite(c.ID)
	env := &exec.Env{Ctx: context.Background(), Txn: tx, IDs: k.s.mgr.db.ids}
	e, err := env.KVGet(sh, key)
	if err == nil && e.Live && e.Kind != "" {
		err = errs.Errorf(errs.WrongObjectType, "key %q of %q holds a %s, not a single value", key, coll, e.Kind)
	}
	return env, sh, e, err
}

func (k sessionKV) Incr(coll, key string, delta, ttlSeconds int64) (int64, error) {
	env, sh, e, err := k.entry(coll, key)
	if err != nil {
		return 0, err
	}
	var n int64
	if e.Live && !e.Null {
		if n, err = strconv.ParseInt(string(e.Value), 10, 64); err != nil {
			return 0, errs.Errorf(errs.InvalidTextRep, "value of key %q is not an integer: %q", key, e.Value)
		}
	}
	sum := n + delta
	if (delta > 0 && sum < n) || (delta < 0 && sum > n) {
		return 0, errs.New(errs.NumericOutOfRange, "bigint out of range")
	}
	exp := e.Expires
	if !e.Live && ttlSeconds > 0 {
		exp = kv.Deadline(time.Now(), time.Duration(ttlSeconds)*time.Second)
	}
	return sum, env.KVPut(sh, e, strconv.AppendInt(nil, sum, 10), "", exp)
}

func (k sessionKV) IncrFloat(coll, key string, delta float64) (float64, error) {
	env, sh, e, err := k.entry(coll, key)
	if err != nil {
		return 0, err
	}
	var f float64
	if e.Live && !e.Null {
		if f, err = strconv.ParseFloat(string(e.Value), 64); err != nil {
			return 0, errs.Errorf(errs.InvalidTextRep, "value of key %q is not a number: %q", key, e.Value)
		}
	}
	sum := f + delta
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, errs.New(errs.NumericOutOfRange, "value out of range: the sum is not finite")
	}
	return sum, env.KVPut(sh, e, []byte(strconv.FormatFloat(sum, 'f', -1, 64)), "", e.Expires)
}

func (k sessionKV) CAS(coll, key string, expected, newVal types.Value) (bool, error) {
	env, sh, e, err := k.entry(coll, key)
	if err != nil {
		return false, err
	}
	match := !e.Live
	if expected != nil {
		match = e.Live && !e.Null && string(e.Value) == types.FormatText(expected)
	}
	if !match {
		return false, nil
	}
	return true, k.put(env, sh, e, newVal)
}

func (k sessionKV) GetSet(coll, key string, value types.Value) (types.Value, error) {
	env, sh, e, err := k.entry(coll, key)
	if err != nil {
		return nil, err
	}
	var old types.Value
	if e.Live && !e.Null {
		old = string(e.Value)
	}
	return old, k.put(env, sh, e, value)
}

// put writes value (NULL deletes the key), keeping the key's deadline.
func (k sessionKV) put(env *exec.Env, sh *exec.KVShape, e exec.KVEntry, value types.Value) error {
	if value == nil {
		return env.KVDelete(sh, e)
	}
	return env.KVPut(sh, e, []byte(types.FormatText(value)), "", e.Expires)
}

// Rate gates are fixed windows over a key-value collection (the gate): a
// key's value counts its requests and its deadline ends the window.

func (k sessionKV) count(e exec.KVEntry, key string) (int64, error) {
	if !e.Live || e.Null {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(e.Value), 10, 64)
	if err != nil {
		return 0, errs.Errorf(errs.InvalidTextRep, "rate gate key %q does not hold a count: %q", key, e.Value)
	}
	return n, nil
}

func (k sessionKV) RateCheck(gate, key string, limit, windowSeconds int64) (bool, error) {
	env, sh, e, err := k.entry(gate, key)
	if err != nil {
		return false, err
	}
	n, err := k.count(e, key)
	if err != nil {
		return false, err
	}
	if n >= limit {
		return false, nil
	}
	exp := e.Expires
	if !e.Live || exp.IsZero() {
		exp = kv.Deadline(time.Now(), time.Duration(windowSeconds)*time.Second)
	}
	return true, env.KVPut(sh, e, strconv.AppendInt(nil, n+1, 10), "", exp)
}

func (k sessionKV) RateRemaining(gate, key string, limit int64) (int64, error) {
	_, _, e, err := k.entry(gate, key)
	if err != nil {
		return 0, err
	}
	n, err := k.count(e, key)
	if err != nil {
		return 0, err
	}
	return max(limit-n, 0), nil
}

func (k sessionKV) RateReset(gate, key string) (bool, error) {
	env, sh, e, err := k.entry(gate, key)
	if err != nil || !e.Live {
		return false, err
	}
	return true, env.KVDelete(sh, e)
}

// sessionSorted runs RANK(index, key) and SORTED_COUNT(index) in the
// statement's transaction: they read its snapshot and its own writes.
type sessionSorted struct{ s *Session }

func (k sessionSorted) env(index string) (*exec.Env, *catalog.Collection, *catalog.Index, error) {
	tx := k.s.fnTx
	if tx == nil {
		return nil, nil, nil, errs.New(errs.FeatureNotSupported, "sorted index functions need a transaction")
	}
	coll, ix, err := exec.ResolveSorted(k.s.mgr.db.cat, index)
	if err != nil {
		return nil, nil, nil, err
	}
	return &exec.Env{Ctx: context.Background(), Txn: tx, IDs: k.s.mgr.db.ids}, coll, ix, nil
}

func (k sessionSorted) Rank(index string, key types.Value) (types.Value, error) {
	env, coll, ix, err := k.env(index)
	if err != nil {
		return nil, err
	}
	return env.SortedRank(coll, ix, key)
}

func (k sessionSorted) Count(index string) (int64, error) {
	env, coll, ix, err := k.env(index)
	if err != nil {
		return 0, err
	}
	return env.SortedCount(coll, ix)
}
