package exec

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
)

// seqBounds are the limits of a sequence's type.
func seqBounds(t types.T) (lo, hi int64) {
	switch t {
	case types.Int2:
		return math.MinInt16, math.MaxInt16
	case types.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// ApplySeqOptions sets a sequence's definition from options as PostgreSQL
// does: defaults by the increment's sign, bounds by the type, and checks
// (22023 for an impossible definition).
func ApplySeqOptions(s *catalog.Sequence, o ast.SeqOptions, create bool) error {
	if o.Type != "" {
		t, ok := types.ParseTypeName(o.Type)
		if !ok || (t != types.Int2 && t != types.Int4 && t != types.Int8) {
			return errs.New(errs.InvalidParameterValue, "sequence type must be smallint, integer, or bigint")
		}
		s.Type = t
	}
	if s.Type == types.Unknown {
		s.Type = types.Int8
	}
	if o.Inc != nil {
		if *o.Inc == 0 {
			return errs.New(errs.InvalidParameterValue, "INCREMENT must not be zero")
		}
		s.Inc = *o.Inc
	}
	if s.Inc == 0 {
		s.Inc = 1
	}
	lo, hi := seqBounds(s.Type)
	switch {
	case o.Min != nil:
		s.Min = *o.Min
	case create || o.NoMin || o.Type != "":
		s.Min = 1
		if s.Inc < 0 {
			s.Min = lo
		}
	}
	switch {
	case o.Max != nil:
		s.Max = *o.Max
	case create || o.NoMax || o.Type != "":
		s.Max = hi
		if s.Inc < 0 {
			s.Max = -1
		}
	}
	if s.Min < lo || s.Max > hi {
		return errs.Errorf(errs.InvalidParameterValue, "MINVALUE (%d) and MAXVALUE (%d) are out of range for sequence data type %s", s.Min, s.Max, s.Type)
	}
	if s.Min >= s.Max {
		return errs.Errorf(errs.InvalidParameterValue, "MINVALUE (%d) must be less than MAXVALUE (%d)", s.Min, s.Max)
	}
	switch {
	case o.Start != nil:
		s.Start = *o.Start
	case create:
		s.Start = s.Min
		if s.Inc < 0 {
			s.Start = s.Max
		}
	}
	if s.Start < s.Min {
		return errs.Errorf(errs.InvalidParameterValue, "START value (%d) cannot be less than MINVALUE (%d)", s.Start, s.Min)
	}
	if s.Start > s.Max {
		return errs.Errorf(errs.InvalidParameterValue, "START value (%d) cannot be greater than MAXVALUE (%d)", s.Start, s.Max)
	}
	if o.Cycle != nil {
		s.Cycle = *o.Cycle
	}
	if o.Cache != nil && *o.Cache < 1 {
		return errs.Errorf(errs.InvalidParameterValue, "CACHE (%d) must be greater than zero", *o.Cache)
	}
	if create {
		s.Created = time.Now().UTC()
	}
	return nil
}

// serialType is the integer type of a serial column's type name, or
// false when the name is not a serial type.
func serialType(name string) (types.T, bool) {
	switch strings.ToLower(name) {
	case "serial", "serial4":
		return types.Int4, true
	case "bigserial", "serial8":
		return types.Int8, true
	case "smallserial", "serial2":
		return types.Int2, true
	}
	return types.Unknown, false
}

// relationTaken reports whether a name is a collection's, a view's or a
// sequence's (they share PostgreSQL's relation namespace).
func (d *DDL) relationTaken(name string, extra map[string]bool) bool {
	_, isColl := d.Cat.Get(name)
	_, isView := d.Cat.View(name)
	_, isSeq := d.Cat.Sequence(name)
	return isColl || isView || isSeq || extra[name]
}

// ownedSequence creates the sequence of a serial or identity column:
// named <table>_<column>_seq (a number appended while that is taken), its
// type the column's, owned by the column. The column takes its nextval as
// its default and becomes NOT NULL.
func (d *DDL) ownedSequence(tx *catalog.DDLTxn, col *catalog.Collection, c *catalog.Column, opts ast.SeqOptions, taken map[string]bool) (*catalog.Sequence, error) {
	base := col.Name + "_" + c.Name + "_seq"
	name := base
	for i := 1; d.relationTaken(name, taken); i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	if opts.Name != "" {
		// SEQUENCE NAME s (pg_dump names an identity column's sequence).
		if name = opts.Name; d.relationTaken(name, taken) {
			return nil, errs.Errorf(errs.DuplicateTable, "relation %q already exists", name)
		}
		if err := catalog.ValidateName(name); err != nil {
			return nil, err
		}
	}
	taken[name] = true
	sq := &catalog.Sequence{ID: tx.NewID(), Name: name, Type: c.Type, OwnedBy: col.ID, OwnedCol: c.Name}
	if opts.Type != "" {
		return nil, errs.New(errs.SyntaxError, "an identity column's sequence takes the column's type (no AS)")
	}
	if err := ApplySeqOptions(sq, opts, true); err != nil {
		return nil, err
	}
	c.Default = "nextval(" + ast.QuoteString(name) + "::regclass)"
	c.NotNull = true
	return sq, tx.PutSequence(sq)
}

// CreateSequence runs CREATE SEQUENCE; false when IF NOT EXISTS found it.
func (d *DDL) CreateSequence(st *ast.CreateSequence) (bool, error) {
	if err := catalog.ValidateName(st.Name); err != nil {
		return false, err
	}
	created := true
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		if d.relationTaken(st.Name, nil) {
			if _, isSeq := d.Cat.Sequence(st.Name); isSeq && st.IfNotExists {
				created = false
				return nil
			}
			return errs.Errorf(errs.DuplicateTable, "relation %q already exists", st.Name).WithPosition(st.Pos)
		}
		sq := &catalog.Sequence{ID: tx.NewID(), Name: st.Name}
		if err := ApplySeqOptions(sq, st.Options, true); err != nil {
			return err
		}
		if err := d.ownedBy(sq, st.Options.OwnedBy); err != nil {
			return err
		}
		return tx.PutSequence(sq)
	})
	return created, err
}

// ownedBy applies OWNED BY t.c | NONE.
func (d *DDL) ownedBy(sq *catalog.Sequence, owned []string) error {
	switch {
	case len(owned) == 0:
	case len(owned) == 1 && owned[0] == "none":
		sq.OwnedBy, sq.OwnedCol = 0, ""
	case len(owned) == 2:
		c, ok := d.Cat.Get(owned[0])
		if !ok {
			return errs.Errorf(errs.UndefinedTable, "relation %q does not exist", owned[0])
		}
		if c.Tuple() && c.ColumnIndex(owned[1]) < 0 {
			return errs.Errorf(errs.UndefinedColumn, "column %q of relation %q does not exist", owned[1], c.Name)
		}
		sq.OwnedBy, sq.OwnedCol = c.ID, owned[1]
	default:
		return errs.New(errs.SyntaxError, "invalid OWNED BY option").WithHint("Specify OWNED BY table.column or OWNED BY NONE.")
	}
	return nil
}

// AlterSequence runs ALTER SEQUENCE: the changed definition, and whether
// (and where) to restart it. nil when IF EXISTS found no sequence.
func (d *DDL) AlterSequence(st *ast.AlterSequence) (sq *catalog.Sequence, restart *int64, err error) {
	err = d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		old, ok := d.Cat.Sequence(st.Name)
		if !ok {
			if st.IfExists {
				return nil
			}
			return errs.Errorf(errs.UndefinedTable, "relation %q does not exist", st.Name).WithPosition(st.Pos)
		}
		n := *old
		if err := ApplySeqOptions(&n, st.Options, false); err != nil {
			return err
		}
		if err := d.ownedBy(&n, st.Options.OwnedBy); err != nil {
			return err
		}
		if st.Options.Restart {
			v := n.Start
			if st.Options.RestartWith != nil {
				v = *st.Options.RestartWith
			}
			if v < n.Min || v > n.Max {
				return errs.Errorf(errs.InvalidParameterValue, "RESTART value (%d) is out of range (%d..%d)", v, n.Min, n.Max)
			}
			restart = &v
		}
		sq = &n
		return tx.PutSequence(&n)
	})
	return sq, restart, err
}

// DropSequences runs DROP SEQUENCE and returns the sequences dropped.
func (d *DDL) DropSequences(st *ast.DropSequence) ([]*catalog.Sequence, error) {
	var out []*catalog.Sequence
	err := d.Cat.DDL(func(tx *catalog.DDLTxn) error {
		for _, name := range st.Names {
			sq, ok := d.Cat.Sequence(name)
			if !ok {
				if st.IfExists {
					continue
				}
				return errs.Errorf(errs.UndefinedTable, "sequence %q does not exist", name).WithPosition(st.Pos)
			}
			tx.RemoveSequence(sq)
			out = append(out, sq)
		}
		return nil
	})
	return out, err
}

// removeOwned drops the sequences a collection owns, as it goes for good
// (a plain DROP keeps them for UNDROP; PURGE removes them).
func (d *DDL) removeOwned(tx *catalog.DDLTxn, collID uint32) {
	for _, sq := range d.Cat.SequencesOwnedBy(collID) {
		tx.RemoveSequence(sq)
	}
}

// seqValue is the i-th value (0-based) a new sequence hands out, or
// 2200H past its bound (no cycling while numbering existing rows).
func seqValue(s *catalog.Sequence, i int) (int64, error) {
	if i == 0 {
		return s.Start, nil
	}
	span := int64(i)
	if s.Inc > 0 && (s.Max-s.Start)/s.Inc < span || s.Inc < 0 && (s.Start-s.Min)/(-s.Inc) < span {
		return 0, errs.Errorf(errs.SequenceLimitExceeded, "nextval: reached maximum value of sequence %q (%d)", s.Name, s.Max)
	}
	return s.Start + span*s.Inc, nil
}

// VolatileDefault reports whether a column's default calls a volatile
// function (its value differs from row to row).
func (env *Env) VolatileDefault(c catalog.Column) (bool, error) {
	be, err := bindDefault(c)
	if err != nil {
		return false, err
	}
	volatile := false
	plan.WalkExpr(be, func(x plan.Expr) {
		if call, ok := x.(*plan.Call); ok && call.F.Volatile {
			volatile = true
		}
	})
	return volatile, nil
}

// sequenceRow is a sequence's relation: its one row (last_value,
// log_cnt, is_called).
func (env *Env) sequenceRow(sq *catalog.Sequence) ([]types.Row, error) {
	if env.Fn == nil || env.Fn.Sequences == nil {
		return nil, errs.New(errs.FeatureNotSupported, "sequences are not available here")
	}
	last, logCnt, called, err := env.Fn.Sequences.State(`"` + strings.ReplaceAll(sq.Name, `"`, `""`) + `"`)
	if err != nil {
		return nil, err
	}
	return []types.Row{{last, logCnt, called}}, nil
}
