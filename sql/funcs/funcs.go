package funcs

import (
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Context is what a statement passes to function evaluation.
type Context struct {
	Now      time.Time // statement timestamp: now(), current_timestamp, current_date
	User     string    // current_user, session_user, user
	Database string    // current_database()

	// Catalog answers the catalog questions of the pg_catalog functions
	// (to_regclass, pg_get_indexdef, pg_get_constraintdef, sizes) and of
	// text → regclass casts (CastTyped). nil: relations are unknown.
	Catalog CatalogInfo
	// Setting reads a session variable for current_setting; nil: none.
	Setting func(name string) (string, bool)
	// SetSetting changes a session variable for set_config; nil: the
	// call only returns the value.
	SetSetting func(name, value string, isLocal bool) error
	// TxnID is txid_current() / pg_current_xact_id(); nil: a process
	// counter.
	TxnID func() int64
	// Notify sends a LISTEN/NOTIFY notification for pg_notify (delivered
	// at commit inside a transaction block); nil: not available.
	Notify func(channel, payload string) error
	// Channels lists the channels the session listens to (LISTEN
	// committed), for pg_listening_channels(); nil: none.
	Channels func() []string
	// NotifyQueueUsage is pg_notification_queue_usage(); nil: 0.
	NotifyQueueUsage func() float64
	// KV runs KV_INCR, KV_INCR_FLOAT, KV_CAS and KV_GETSET in the
	// statement's transaction; nil: not available.
	KV KVFuncs
	// Sorted runs RANK(index, key) and SORTED_COUNT in the statement's
	// transaction; nil: not available.
	Sorted SortedFuncs
	// Advisory takes the session's advisory locks (pg_advisory_lock);
	// nil: not available.
	Advisory AdvisoryLocks
	// Sequences runs nextval, currval, setval and lastval; nil: not
	// available.
	Sequences Sequences
}

// Func is a scalar function.
type Func struct {
	Name             string
	MinArgs, MaxArgs int // MaxArgs -1 = variadic
	// Type returns the result type for the argument types, or a 42883
	// "function foo(integer) does not exist" error.
	Type func(args []types.T) (types.T, error)
	Eval func(ctx *Context, args []types.Value) (types.Value, error)
	// EvalTyped, when set, is Eval with the static argument types; the
	// executor should prefer it. Only pg_typeof needs it: from values
	// alone it cannot tell integer from bigint.
	EvalTyped func(ctx *Context, args []types.Value, argTypes []types.T) (types.Value, error)
	// ArgHint, when set, gives the type an untyped argument ($n, a
	// string literal) takes at position i of n arguments.
	ArgHint func(n, i int) types.T
	// StaticTypes makes the executor call EvalTyped with the arguments'
	// static types (the JSON builders: a date and a timestamptz are the
	// same Go value).
	StaticTypes bool
	// Volatile functions (now(), random(), gen_random_uuid()) must not be
	// constant-folded; their result may change between statements or rows.
	Volatile bool
	// Strict functions return NULL when any argument is NULL; Eval is not
	// called then. Callers must apply this rule; Call does it for them.
	Strict bool
}

// Call applies the strictness rule, then Eval (or EvalTyped when argTypes
// is non-nil and the function has one).
func (f *Func) Call(ctx *Context, args []types.Value, argTypes []types.T) (types.Value, error) {
	if f.Strict {
		for _, a := range args {
			if a == nil {
				return nil, nil
			}
		}
	}
	if f.EvalTyped != nil && argTypes != nil {
		return f.EvalTyped(ctx, args, argTypes)
	}
	return f.Eval(ctx, args)
}

var registry = map[string]*Func{}

// Lookup finds a scalar function by lower-case name; a "pg_catalog."
// prefix is accepted.
func Lookup(name string) (*Func, bool) {
	f, ok := registry[normName(name)]
	return f, ok
}

// Names lists the registered scalar function names (for diagnostics).
func Names() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	return out
}

func normName(name string) string {
	n := strings.ToLower(name)
	n = strings.TrimPrefix(n, "pg_catalog.")
	return n
}

type evalFn = func(ctx *Context, args []types.Value) (types.Value, error)

// retFn computes a result type from argument types; it may fail.
type retFn = func(args []types.T) (types.T, error)

type flag int

const (
	nonStrict flag = 1 << iota
	volatile
)

// def registers fn under each space-separated name. classes gives one
// argument class per position (the last one repeats for variadic
// functions): a any, s text, n number, i integer (any number), t time,
// j json/document, b bytea, B boolean, v interval.
func def(names string, minArgs, maxArgs int, classes string, ret any, eval evalFn, flags ...flag) {
	var fl flag
	for _, f := range flags {
		fl |= f
	}
	for _, name := range strings.Fields(names) {
		name := name
		f := &Func{
			Name:     name,
			MinArgs:  minArgs,
			MaxArgs:  maxArgs,
			Eval:     eval,
			Volatile: fl&volatile != 0,
			Strict:   fl&nonStrict == 0,
		}
		f.Type = func(args []types.T) (types.T, error) {
			if len(args) < minArgs || (maxArgs >= 0 && len(args) > maxArgs) {
				return types.Unknown, undefinedFunc(name, args)
			}
			for i, a := range args {
				c := byte('a')
				if len(classes) > 0 {
					c = classes[min(i, len(classes)-1)]
				}
				if !classOK(c, a) {
					return types.Unknown, undefinedFunc(name, args)
				}
			}
			switch r := ret.(type) {
			case types.T:
				return r, nil
			case retFn:
				t, err := r(args)
				if _, ok := errs.As(err); ok {
					return types.Unknown, err
				}
				if err != nil {
					return types.Unknown, undefinedFunc(name, args)
				}
				return t, nil
			}
			panic("funcs: bad return spec for " + name)
		}
		registry[name] = f
	}
}

func classOK(c byte, t types.T) bool {
	if isDyn(t) {
		return true
	}
	switch c {
	case 'a':
		return true
	case 's':
		return t.IsString() || t == types.UUID || t == types.JSON || t == types.JSONB
	case 'n', 'i':
		return t.IsNumeric()
	case 't':
		return isTimeT(t) || t.IsString()
	case 'j':
		return isJSONT(t) || t.IsString()
	case 'b':
		return t == types.Bytea || t.IsString()
	case 'B':
		return t == types.Bool
	case 'v':
		return t == IntervalType || t.IsString()
	case 'r':
		return t == types.Record
	}
	return false
}

// Return-type helpers.

func argType(i int) retFn {
	return func(args []types.T) (types.T, error) {
		if i < len(args) {
			return args[i], nil
		}
		return types.Unknown, nil
	}
}

// floatOrNumeric: numeric in → numeric out, anything else → double.
func floatOrNumeric(args []types.T) (types.T, error) {
	for _, a := range args {
		if a == types.Numeric {
			return types.Numeric, nil
		}
	}
	return types.Float8, nil
}

// sameNumeric keeps the argument's numeric type (abs, -x).
func sameNumeric(args []types.T) (types.T, error) {
	if len(args) == 0 || isDyn(args[0]) {
		return types.Numeric, nil
	}
	return args[0], nil
}

// commonType resolves the type of a set of values (coalesce, greatest,
// CASE arms): unknowns give way, numbers promote, other mixes are an error.
func commonType(args []types.T) (types.T, error) {
	res := types.Unknown
	for _, a := range args {
		switch {
		case a == types.Unknown:
		case res == types.Unknown:
			res = a
		case res == a:
		case a == types.Doc || res == types.Doc:
			res = types.Doc
		case res.IsNumeric() && a.IsNumeric():
			res = numericResult(res, a)
		case res.IsString() && a.IsString():
			res = types.Text
		case isTimeT(res) && isTimeT(a):
			res = types.Timestamptz
		case (res == types.JSON || res == types.JSONB) && (a == types.JSON || a == types.JSONB):
			res = types.JSONB
		default:
			return types.Unknown, errTypeMismatch
		}
	}
	if res == types.Unknown {
		res = types.Text
		allUnknown := true
		for _, a := range args {
			if a != types.Unknown {
				allUnknown = false
			}
		}
		if allUnknown {
			res = types.Text
		}
	}
	return res, nil
}

// CommonType is the exported form of the type resolution used by
// coalesce, greatest and least, for the executor's CASE and UNION typing.
func CommonType(args []types.T) (types.T, error) { return commonType(args) }

type sentinel string

func (s sentinel) Error() string { return string(s) }

const errTypeMismatch = sentinel("types do not match")
