package exec

import (
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// seriesLimit bounds the rows one generate_series call may produce.
const seriesLimit = 50_000_000

// seriesGuard is checked before a series' row n: the statement's
// cancellation every 4,096 rows, and seriesLimit.
func (env *Env) seriesGuard(n int) error {
	if n%4096 == 0 {
		if err := checkCtx(env.Ctx); err != nil {
			return err
		}
	}
	if n >= seriesLimit {
		return errs.New(errs.ProgramLimitExceeded, "generate_series: too many rows")
	}
	return nil
}

// timeSeries is generate_series(start, stop, interval) over timestamps.
func (env *Env) timeSeries(args []types.Value, t types.T) ([]types.Row, error) {
	var ends [2]time.Time
	for i := range ends {
		v, err := types.Cast(args[i], t)
		if err != nil {
			return nil, err
		}
		ends[i] = v.(time.Time)
	}
	var step funcs.Interval
	switch s := args[2].(type) {
	case funcs.Interval:
		step = s
	case string:
		iv, err := funcs.ParseInterval(s)
		if err != nil {
			return nil, err
		}
		step = iv
	default:
		return nil, errs.Errorf(errs.DatatypeMismatch, "generate_series needs an interval step, not %s", types.TypeOf(args[2]))
	}
	if step == (funcs.Interval{}) {
		return nil, errs.New(errs.InvalidParameterValue, "step size cannot equal zero")
	}
	up := funcs.AddInterval(ends[0], step).After(ends[0])
	var rows []types.Row
	for v := ends[0]; (up && !v.After(ends[1])) || (!up && !v.Before(ends[1])); v = funcs.AddInterval(v, step) {
		if err := env.seriesGuard(len(rows)); err != nil {
			return nil, err
		}
		rows = append(rows, types.Row{v})
	}
	return rows, nil
}

// numericSeries is generate_series over numeric (and float) bounds.
func (env *Env) numericSeries(args []types.Value) ([]types.Row, error) {
	ds := make([]*apd.Decimal, 3)
	ds[2] = apd.New(1, 0)
	for i, a := range args {
		v, err := types.Cast(a, types.Numeric)
		if err != nil {
			return nil, err
		}
		d := v.(*apd.Decimal)
		if d.Form != apd.Finite {
			return nil, errs.New(errs.InvalidParameterValue, "start, stop and step values cannot be NaN or infinity")
		}
		ds[i] = d
	}
	if ds[2].IsZero() {
		return nil, errs.New(errs.InvalidParameterValue, "step size cannot equal zero")
	}
	up := !ds[2].Negative
	ctx := apd.BaseContext.WithPrecision(1000)
	var rows []types.Row
	for v := new(apd.Decimal).Set(ds[0]); (up && v.Cmp(ds[1]) <= 0) || (!up && v.Cmp(ds[1]) >= 0); {
		if err := env.seriesGuard(len(rows)); err != nil {
			return nil, err
		}
		rows = append(rows, types.Row{v})
		next := new(apd.Decimal)
		if _, err := ctx.Add(next, v, ds[2]); err != nil {
			return nil, err
		}
		v = next
	}
	return rows, nil
}
