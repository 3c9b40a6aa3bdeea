package exec

import (
	"reflect"
	"sort"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// SQLSTATEs of window argument errors (not in errs).
const (
	codeInvalidPrecedingFollowing = "22013" // invalid_preceding_or_following_size
	codeInvalidArgNtile           = "22014" // invalid_argument_for_ntile_function
	codeInvalidArgNthValue        = "22016" // invalid_argument_for_nth_value_function
	codeNullValueNotAllowed       = "22004" // null_value_not_allowed
)

// runWindow materializes the input and appends one column per window
// call. Calls with the same PARTITION BY and ORDER BY share one sort;
// the rows come out in the order of the last sort (as in PostgreSQL,
// where each window clause sorts the previous one's output).
func (env *Env) runWindow(x *plan.Window) ([]types.Row, error) {
	in, err := env.Query(x.Input)
	if err != nil {
		return nil, err
	}
	width := len(x.Input.Columns())
	rows := make([]types.Row, len(in))
	for i, r := range in {
		nr := make(types.Row, width+len(x.Funcs))
		copy(nr, r)
		rows[i] = nr
	}
	for _, group := range windowGroups(x.Funcs) {
		if err := env.windowPass(rows, width, x.Funcs, group); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// windowGroups groups calls by window (same PARTITION BY and ORDER BY)
// and orders the groups as PostgreSQL does where it matters: a window
// whose sort keys extend another's is computed first, so the shorter one
// sees rows in the longer one's order (the stable sort keeps it).
func windowGroups(calls []plan.WindowCall) [][]int {
	var groups [][]int
	var keys [][]plan.SortKey
	for i := range calls {
		found := false
		for g, grp := range groups {
			c := &calls[grp[0]]
			if reflect.DeepEqual(c.PartitionBy, calls[i].PartitionBy) && reflect.DeepEqual(c.OrderBy, calls[i].OrderBy) {
				groups[g] = append(grp, i)
				found = true
				break
			}
		}
		if found {
			continue
		}
		k := make([]plan.SortKey, 0, len(calls[i].PartitionBy)+len(calls[i].OrderBy))
		for _, p := range calls[i].PartitionBy {
			k = append(k, plan.SortKey{X: p})
		}
		k = append(k, calls[i].OrderBy...)
		at := len(groups)
		for g := range groups {
			if len(keys[g]) < len(k) && reflect.DeepEqual(keys[g], k[:len(keys[g])]) {
				at = g
				break
			}
		}
		groups = append(groups[:at], append([][]int{{i}}, groups[at:]...)...)
		keys = append(keys[:at], append([][]plan.SortKey{k}, keys[at:]...)...)
	}
	return groups
}

// wrow is a row with its partition and order key values.
type wrow struct {
	row  types.Row
	keys []types.Value
}

// wpart is one sorted partition with its peer groups (rows with equal
// ORDER BY values): grp[i] is row i's group, gstart[g] the first row of
// group g (gstart[len] = n).
type wpart struct {
	rows   []*wrow
	grp    []int
	gstart []int
	okey   int // index of the first order key in wrow.keys
}

func (p *wpart) peerStart(i int) int { return p.gstart[p.grp[i]] }
func (p *wpart) peerEnd(i int) int   { return p.gstart[p.grp[i]+1] }

// windowPass sorts rows by the shared window of calls and computes them.
func (env *Env) windowPass(rows []types.Row, width int, calls []plan.WindowCall, group []int) error {
	spec := &calls[group[0]]
	np := len(spec.PartitionBy)
	ws := make([]*wrow, len(rows))
	for i, r := range rows {
		if i%1024 == 1023 {
			if err := checkCtx(env.Ctx); err != nil {
				return err
			}
		}
		w := &wrow{row: r, keys: make([]types.Value, np+len(spec.OrderBy))}
		for k, e := range spec.PartitionBy {
			v, err := env.Eval(e, r)
			if err != nil {
				return err
			}
			w.keys[k] = v
		}
		for k, o := range spec.OrderBy {
			v, err := env.Eval(o.X, r)
			if err != nil {
				return err
			}
			w.keys[np+k] = v
		}
		ws[i] = w
	}
	cmpPart := func(a, b *wrow) int {
		for k := 0; k < np; k++ {
			if c := compareKey(a.keys[k], b.keys[k], false, false); c != 0 {
				return c
			}
		}
		return 0
	}
	cmpOrder := func(a, b *wrow) int {
		for k, o := range spec.OrderBy {
			if c := compareKey(a.keys[np+k], b.keys[np+k], o.Desc, o.NullsFirst); c != 0 {
				return c
			}
		}
		return 0
	}
	if len(spec.PartitionBy)+len(spec.OrderBy) > 0 {
		sort.SliceStable(ws, func(i, j int) bool {
			if c := cmpPart(ws[i], ws[j]); c != 0 {
				return c < 0
			}
			return cmpOrder(ws[i], ws[j]) < 0
		})
	}
	for i, w := range ws {
		rows[i] = w.row
	}
	for ps := 0; ps < len(ws); {
		pe := ps + 1
		for pe < len(ws) && cmpPart(ws[ps], ws[pe]) == 0 {
			pe++
		}
		p := &wpart{rows: ws[ps:pe], grp: make([]int, pe-ps), okey: np}
		for i := range p.rows {
			if i == 0 || cmpOrder(p.rows[i-1], p.rows[i]) != 0 {
				p.gstart = append(p.gstart, i)
			}
			p.grp[i] = len(p.gstart) - 1
		}
		p.gstart = append(p.gstart, len(p.rows))
		for _, ci := range group {
			if err := env.windowCall(p, &calls[ci], width+ci); err != nil {
				return err
			}
		}
		if err := checkCtx(env.Ctx); err != nil {
			return err
		}
		ps = pe
	}
	return nil
}

// windowCall computes one call over one partition into column col.
func (env *Env) windowCall(p *wpart, c *plan.WindowCall, col int) error {
	n := len(p.rows)
	set := func(i int, v types.Value) { p.rows[i].row[col] = v }
	switch c.Name {
	case "row_number":
		for i := 0; i < n; i++ {
			set(i, int64(i+1))
		}
		return nil
	case "rank":
		for i := 0; i < n; i++ {
			set(i, int64(p.peerStart(i)+1))
		}
		return nil
	case "dense_rank":
		for i := 0; i < n; i++ {
			set(i, int64(p.grp[i]+1))
		}
		return nil
	case "percent_rank":
		for i := 0; i < n; i++ {
			v := 0.0
			if n > 1 {
				v = float64(p.peerStart(i)) / float64(n-1)
			}
			set(i, v)
		}
		return nil
	case "cume_dist":
		for i := 0; i < n; i++ {
			set(i, float64(p.peerEnd(i))/float64(n))
		}
		return nil
	case "ntile":
		// The bucket count is read on the partition's first row.
		v, err := env.Eval(c.Args[0], p.rows[0].row)
		if err != nil {
			return err
		}
		if v == nil {
			for i := 0; i < n; i++ {
				set(i, nil)
			}
			return nil
		}
		k, err := toInt(v)
		if err != nil {
			return err
		}
		if k <= 0 {
			return errs.New(codeInvalidArgNtile, "argument of ntile must be greater than zero")
		}
		per, rem := int64(n)/k, int64(n)%k
		big := rem * (per + 1) // rows in the buckets that get one extra
		for i := 0; i < n; i++ {
			r := int64(i)
			if r < big {
				set(i, r/(per+1)+1)
			} else {
				set(i, (r-big)/per+rem+1)
			}
		}
		return nil
	case "lag", "lead":
		for i := 0; i < n; i++ {
			row := p.rows[i].row
			off := int64(1)
			if len(c.Args) >= 2 {
				v, err := env.Eval(c.Args[1], row)
				if err != nil {
					return err
				}
				if v == nil {
					set(i, nil)
					continue
				}
				if off, err = toInt(v); err != nil {
					return err
				}
			}
			if c.Name == "lag" {
				off = -off
			}
			var out types.Value
			var err error
			if t := int64(i) + off; t >= 0 && t < int64(n) {
				out, err = env.Eval(c.Args[0], p.rows[t].row)
			} else if len(c.Args) == 3 {
				out, err = env.Eval(c.Args[2], row)
			}
			if err != nil {
				return err
			}
			set(i, out)
		}
		return nil
	}
	fr, err := env.newFrame(p, c)
	if err != nil {
		return err
	}
	switch c.Name {
	case "first_value", "last_value", "nth_value":
		for i := 0; i < n; i++ {
			lo, hi, err := fr.bounds(i)
			if err != nil {
				return err
			}
			t := lo
			switch c.Name {
			case "last_value":
				t = hi - 1
			case "nth_value":
				v, err := env.Eval(c.Args[1], p.rows[i].row)
				if err != nil {
					return err
				}
				if v == nil {
					set(i, nil)
					continue
				}
				k, err := toInt(v)
				if err != nil {
					return err
				}
				if k <= 0 {
					return errs.New(codeInvalidArgNthValue, "argument of nth_value must be greater than zero")
				}
				if k > int64(hi-lo) {
					t = hi
				} else {
					t = lo + int(k) - 1
				}
			}
			var out types.Value
			if t >= lo && t < hi {
				if out, err = env.Eval(c.Args[0], p.rows[t].row); err != nil {
					return err
				}
			}
			set(i, out)
		}
		return nil
	}
	if c.Agg == nil {
		return errs.Errorf(errs.InternalError, "unknown window function %s", c.Name)
	}
	return env.windowAgg(p, c, fr, set)
}

// windowAgg computes an aggregate over each row's frame: incrementally
// when frames start at the partition start (frame ends never move back
// then), else by folding each frame, reusing the result of equal frames.
func (env *Env) windowAgg(p *wpart, c *plan.WindowCall, fr *frame, set func(int, types.Value)) error {
	n := len(p.rows)
	args := make([][]types.Value, n)
	skip := make([]bool, n)
	for i, w := range p.rows {
		if c.Filter != nil {
			pass, err := env.Truthy(c.Filter, w.row)
			if err != nil {
				return err
			}
			if !pass {
				skip[i] = true
				continue
			}
		}
		a := make([]types.Value, len(c.Args))
		for j, e := range c.Args {
			v, err := env.Eval(e, w.row)
			if err != nil {
				return err
			}
			a[j] = v
		}
		args[i] = a
	}
	add := func(acc funcs.Accumulator, j int) error {
		if skip[j] {
			return nil
		}
		return acc.Add(args[j])
	}
	lastLo, lastHi := -1, -1
	var last types.Value
	if c.Frame.Start.Kind == "UNBOUNDED PRECEDING" {
		acc := c.Agg.New()
		added := 0
		for i := 0; i < n; i++ {
			_, hi, err := fr.bounds(i)
			if err != nil {
				return err
			}
			if hi < added { // frame ends only move forward; be safe anyway
				acc, added = c.Agg.New(), 0
			}
			for ; added < hi; added++ {
				if err := add(acc, added); err != nil {
					return err
				}
			}
			if hi != lastHi {
				v, err := acc.Result()
				if err != nil {
					return err
				}
				last, lastHi = snapshot(v), hi
			}
			set(i, last)
		}
		return nil
	}
	for i := 0; i < n; i++ {
		lo, hi, err := fr.bounds(i)
		if err != nil {
			return err
		}
		if lo != lastLo || hi != lastHi {
			acc := c.Agg.New()
			for j := lo; j < hi; j++ {
				if err := add(acc, j); err != nil {
					return err
				}
			}
			if last, err = acc.Result(); err != nil {
				return err
			}
			lastLo, lastHi = lo, hi
		}
		set(i, last)
	}
	return nil
}

// snapshot copies a result an accumulator may keep changing (a map).
func snapshot(v types.Value) types.Value {
	if m, ok := v.(map[string]any); ok {
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = x
		}
		return out
	}
	if a, ok := v.([]any); ok {
		return a[:len(a):len(a)]
	}
	return v
}

// frame finds each row's frame [lo, hi) in a partition.
type frame struct {
	p      *wpart
	f      *plan.Frame
	so, eo int64       // ROWS/GROUPS offsets
	sv, ev types.Value // RANGE offsets
	desc   bool        // RANGE: order key direction
	nulls  bool        // RANGE: nulls first
	kt     types.T     // RANGE: order key type
}

func (env *Env) newFrame(p *wpart, c *plan.WindowCall) (*frame, error) {
	f := &c.Frame
	fr := &frame{p: p, f: f}
	if len(c.OrderBy) > 0 {
		o := c.OrderBy[0]
		fr.desc, fr.nulls, fr.kt = o.Desc, o.NullsFirst, o.X.Type()
	}
	var err error
	if fr.so, fr.sv, err = env.frameOffset(f, f.Start, "starting"); err != nil {
		return nil, err
	}
	if fr.eo, fr.ev, err = env.frameOffset(f, f.End, "ending"); err != nil {
		return nil, err
	}
	return fr, nil
}

// frameOffset evaluates a PRECEDING/FOLLOWING offset.
func (env *Env) frameOffset(f *plan.Frame, b plan.FrameBound, which string) (int64, types.Value, error) {
	if b.Offset == nil {
		return 0, nil, nil
	}
	v, err := env.Eval(b.Offset, nil)
	if err != nil {
		return 0, nil, err
	}
	if v == nil {
		return 0, nil, errs.Errorf(codeNullValueNotAllowed, "frame %s offset must not be null", which)
	}
	if f.Mode == "RANGE" {
		neg, err := funcs.Binary("<", v, int64(0), types.Bool)
		if err != nil {
			return 0, nil, err
		}
		if neg == true {
			return 0, nil, errs.New(codeInvalidPrecedingFollowing, "invalid preceding or following size in window function")
		}
		return 0, v, nil
	}
	n, err := toInt(v)
	if err != nil {
		return 0, nil, err
	}
	if n < 0 {
		return 0, nil, errs.Errorf(codeInvalidPrecedingFollowing, "frame %s offset must not be negative", which)
	}
	return n, nil, nil
}

// bounds returns the frame of row i.
func (fr *frame) bounds(i int) (int, int, error) {
	p := fr.p
	n := len(p.rows)
	clip := func(off int64) int { // offsets beyond the partition act alike
		if off > int64(n) {
			return n + 1
		}
		return int(off)
	}
	so, eo := clip(fr.so), clip(fr.eo)
	var lo, hi int
	switch fr.f.Start.Kind {
	case "UNBOUNDED PRECEDING":
		lo = 0
	case "CURRENT ROW":
		lo = i
		if fr.f.Mode != "ROWS" {
			lo = p.peerStart(i)
		}
	case "PRECEDING", "FOLLOWING":
		d := so
		if fr.f.Start.Kind == "PRECEDING" {
			d = -so
		}
		switch fr.f.Mode {
		case "ROWS":
			lo = i + d
		case "GROUPS":
			lo = p.groupStart(p.grp[i] + d)
		default:
			var err error
			if lo, err = fr.rangeBound(i, fr.sv, fr.f.Start.Kind == "PRECEDING", true); err != nil {
				return 0, 0, err
			}
		}
	}
	switch fr.f.End.Kind {
	case "UNBOUNDED FOLLOWING":
		hi = n
	case "CURRENT ROW":
		hi = i + 1
		if fr.f.Mode != "ROWS" {
			hi = p.peerEnd(i)
		}
	case "PRECEDING", "FOLLOWING":
		d := eo
		if fr.f.End.Kind == "PRECEDING" {
			d = -eo
		}
		switch fr.f.Mode {
		case "ROWS":
			hi = i + d + 1
		case "GROUPS":
			hi = p.groupStart(p.grp[i] + d + 1)
		default:
			var err error
			if hi, err = fr.rangeBound(i, fr.ev, fr.f.End.Kind == "PRECEDING", false); err != nil {
				return 0, 0, err
			}
		}
	}
	lo = max(0, min(lo, n))
	hi = max(lo, min(hi, n))
	return lo, hi, nil
}

// groupStart is the first row of peer group g, clamped to the partition.
func (p *wpart) groupStart(g int) int {
	if g <= 0 {
		return 0
	}
	if g >= len(p.gstart) {
		return len(p.rows)
	}
	return p.gstart[g]
}

// rangeBound finds a RANGE offset bound of row i: the first row at or
// after (start) / after (end) the value key ± offset in sort order. A
// NULL key's offset frame is its peers.
func (fr *frame) rangeBound(i int, off types.Value, preceding, start bool) (int, error) {
	p := fr.p
	key := p.rows[i].keys[p.okey]
	if key == nil {
		if start {
			return p.peerStart(i), nil
		}
		return p.peerEnd(i), nil
	}
	desc, nullsFirst := fr.desc, fr.nulls
	// Moving back in sort order subtracts on ascending keys.
	op := "+"
	if preceding != desc {
		op = "-"
	}
	bound, err := funcs.Binary(op, key, off, fr.keyType(key))
	outOfRange := false
	if err != nil {
		if !errs.Is(err, errs.NumericOutOfRange) && !errs.Is(err, errs.DatetimeOverflow) {
			return 0, err
		}
		outOfRange = true
	}
	n := len(p.rows)
	return sort.Search(n, func(j int) bool {
		k := p.rows[j].keys[p.okey]
		if k == nil {
			// NULLs sort before or after every value.
			return !nullsFirst
		}
		if outOfRange {
			// key ± offset is beyond every value: before all of them
			// when moving back, after all of them when moving forward.
			return preceding
		}
		c := compareKey(k, bound, desc, nullsFirst)
		if start {
			return c >= 0
		}
		return c > 0
	}), nil
}

func (fr *frame) keyType(v types.Value) types.T {
	if fr.kt != types.Unknown {
		return fr.kt
	}
	return types.TypeOf(v)
}

// toInt reads an integer argument.
func toInt(v types.Value) (int64, error) {
	if n, ok := v.(int64); ok {
		return n, nil
	}
	n, err := types.Cast(v, types.Int8)
	if err != nil {
		return 0, err
	}
	return n.(int64), nil
}
