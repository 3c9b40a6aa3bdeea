package funcs

import (
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Sequences is what the sequence functions need of the session: the
// database's sequences (nextval, setval) and what this session took from
// them (currval, lastval). Names are as written ('s', 'public.s', '"S"').
type Sequences interface {
	NextVal(name string) (int64, error)
	CurrVal(name string) (int64, error)
	SetVal(name string, v int64, called bool) (int64, error)
	LastVal() (int64, error)
	// SerialSequence is the sequence a table's column owns
	// (pg_get_serial_sequence), as "public.name".
	SerialSequence(table, column string) (string, bool)
	// State is the sequence relation's row: the last value handed out
	// (the first nextval gives when none was: called false), and how
	// many values past it are reserved (log_cnt).
	State(name string) (last, logCnt int64, called bool, err error)
}

func init() {
	seqs := func(ctx *Context) (Sequences, error) {
		if ctx == nil || ctx.Sequences == nil {
			return nil, errs.New(errs.FeatureNotSupported, "sequences are not available here")
		}
		return ctx.Sequences, nil
	}
	def("nextval", 1, 1, "s", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		q, err := seqs(ctx)
		if err != nil {
			return nil, err
		}
		return q.NextVal(str(a[0]))
	}, volatile)
	def("currval", 1, 1, "s", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		q, err := seqs(ctx)
		if err != nil {
			return nil, err
		}
		return q.CurrVal(str(a[0]))
	}, volatile)
	def("setval", 2, 3, "siB", types.Int8, func(ctx *Context, a []types.Value) (types.Value, error) {
		q, err := seqs(ctx)
		if err != nil {
			return nil, err
		}
		v, err := types.Cast(a[1], types.Int8)
		if err != nil {
			return nil, err
		}
		called := true
		if len(a) == 3 {
			called = a[2] == true
		}
		return q.SetVal(str(a[0]), v.(int64), called)
	}, volatile)
	def("lastval", 0, 0, "", types.Int8, func(ctx *Context, _ []types.Value) (types.Value, error) {
		q, err := seqs(ctx)
		if err != nil {
			return nil, err
		}
		return q.LastVal()
	}, volatile)
	def("pg_get_serial_sequence", 2, 2, "ss", types.Text, func(ctx *Context, a []types.Value) (types.Value, error) {
		if ctx == nil || ctx.Sequences == nil {
			return nil, nil
		}
		if name, ok := ctx.Sequences.SerialSequence(str(a[0]), str(a[1])); ok {
			return name, nil
		}
		return nil, nil
	})
}
