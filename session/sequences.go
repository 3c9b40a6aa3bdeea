package session

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
)

// Sequences hand out values outside transactions, as PostgreSQL's do: a
// value once given is never given again, even if the transaction that
// took it rolls back or the server crashes. Each sequence's state key
// (storage.SequenceKey) holds the last value that may have been handed out
// and whether any was; values are reserved seqBlock at a time with one
// durable write, so most nextval calls touch no disk. After a crash the
// unused rest of a block is skipped (gaps, as in PostgreSQL).

// seqBlock is how many values one durable write reserves.
const seqBlock = 32

// sequences is the database's sequence state.
type sequences struct {
	mu    sync.Mutex
	state map[uint32]*seqState // by sequence id
}

type seqState struct {
	next     int64 // the value nextval gives next
	reserved int64 // values up to it (in the increment's direction) are on disk
	done     bool  // the sequence is exhausted (no cycle)
	last     int64 // the last value given, when called
	called   bool
}

// loadLocked returns a sequence's state, reading it from the store the
// first time. q.mu is held.
func (q *sequences) loadLocked(db *DB, s *catalog.Sequence) (*seqState, error) {
	if st, ok := q.state[s.ID]; ok {
		return st, nil
	}
	tx := db.txm.Begin()
	tx.ReadLatest()
	v, ok, err := tx.Get(storage.SequenceKey(s.ID))
	tx.Rollback()
	if err != nil {
		return nil, err
	}
	st := &seqState{next: s.Start, reserved: s.Start - s.Inc}
	if ok && len(v) == 9 {
		last := int64(binary.BigEndian.Uint64(v))
		st.next, st.reserved = last, last
		if v[8] == 1 {
			st.last, st.called = last, true
			st.next = last + s.Inc
			if (s.Inc > 0 && (last > s.Max-s.Inc)) || (s.Inc < 0 && last < s.Min-s.Inc) {
				// The last value was the bound's.
				st.next, st.done = last, !s.Cycle
				if s.Cycle {
					st.next, st.reserved = cycleStart(s), cycleStart(s)-s.Inc
				}
			}
		} else {
			st.reserved = last - s.Inc
		}
	}
	if q.state == nil {
		q.state = map[uint32]*seqState{}
	}
	q.state[s.ID] = st
	return st, nil
}

func cycleStart(s *catalog.Sequence) int64 {
	if s.Inc > 0 {
		return s.Min
	}
	return s.Max
}

// persist writes a sequence's state durably, in a transaction of its own.
func persistSeq(db *DB, id uint32, last int64, called bool) error {
	tx := db.txm.Begin()
	tx.SetNoConflict(storage.SequenceKey(id), catalog.EncodeSequenceState(last, called))
	if _, err := tx.Commit(); err != nil {
		return fmt.Errorf("sequence state: %w", err)
	}
	return nil
}

// next is nextval.
func (q *sequences) next(db *DB, s *catalog.Sequence) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st, err := q.loadLocked(db, s)
	if err != nil {
		return 0, err
	}
	if st.done {
		return 0, seqLimit(s)
	}
	v := st.next
	if (s.Inc > 0 && v > st.reserved) || (s.Inc < 0 && v < st.reserved) {
		// Reserve the next block, as far as the bound allows.
		end := v
		for i := 1; i < seqBlock; i++ {
			if (s.Inc > 0 && end > s.Max-s.Inc) || (s.Inc < 0 && end < s.Min-s.Inc) {
				break
			}
			end += s.Inc
		}
		if err := persistSeq(db, s.ID, end, true); err != nil {
			return 0, err
		}
		st.reserved = end
	}
	switch {
	case s.Inc > 0 && v > s.Max-s.Inc, s.Inc < 0 && v < s.Min-s.Inc:
		// v is the last value before the bound.
		if s.Cycle {
			st.next, st.reserved = cycleStart(s), cycleStart(s)-s.Inc
		} else {
			st.done = true
		}
	default:
		st.next = v + s.Inc
	}
	st.last, st.called = v, true
	return v, nil
}

// peek is the sequence relation's row: the last value handed out and
// true, or the value nextval gives first and false when none was; and
// how many values past it are reserved on disk (PostgreSQL's log_cnt:
// the nextval calls left before the next durable write).
func (q *sequences) peek(db *DB, s *catalog.Sequence) (last, logCnt int64, called bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st, err := q.loadLocked(db, s)
	if err != nil {
		return 0, 0, false, err
	}
	if !st.called {
		return st.next, 0, false, nil
	}
	if n := (st.reserved - st.last) / s.Inc; n > 0 && !st.done {
		logCnt = n
	}
	return st.last, logCnt, true, nil
}

// altered settles a sequence whose definition changed (ALTER SEQUENCE
// without RESTART): the state key is made to hold exactly the last value
// given, so the next one follows it by the new increment, as in
// PostgreSQL, rather than the end of a reserved block.
func (q *sequences) altered(db *DB, s *catalog.Sequence) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	st, ok := q.state[s.ID]
	if !ok {
		return nil // the key holds a bound past every value given
	}
	delete(q.state, s.ID)
	if st.called {
		return persistSeq(db, s.ID, st.last, true)
	}
	return persistSeq(db, s.ID, st.next, false)
}

func seqLimit(s *catalog.Sequence) error {
	if s.Inc > 0 {
		return errs.Errorf(errs.SequenceLimitExceeded, "nextval: reached maximum value of sequence %q (%d)", s.Name, s.Max)
	}
	return errs.Errorf(errs.SequenceLimitExceeded, "nextval: reached minimum value of sequence %q (%d)", s.Name, s.Min)
}

// set is setval (and a restart): the next nextval gives v + inc when
// called, v itself when not.
func (q *sequences) set(db *DB, s *catalog.Sequence, v int64, called bool) error {
	if v < s.Min || v > s.Max {
		return errs.Errorf(errs.NumericOutOfRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", v, s.Name, s.Min, s.Max)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := persistSeq(db, s.ID, v, called); err != nil {
		return err
	}
	delete(q.state, s.ID) // read back from the key: one rule for both
	return nil
}

// forget drops a dropped sequence's state.
func (q *sequences) forget(id uint32) {
	q.mu.Lock()
	delete(q.state, id)
	q.mu.Unlock()
}

// seqName resolves a sequence argument: 'name', 'public.name', '"Name"'.
func seqName(arg string) string {
	n := strings.TrimSpace(arg)
	n = strings.TrimPrefix(n, "public.")
	if len(n) >= 2 && n[0] == '"' && n[len(n)-1] == '"' {
		return strings.ReplaceAll(n[1:len(n)-1], `""`, `"`)
	}
	return strings.ToLower(n)
}

// sessionSequences gives SQL functions the session's view of sequences:
// nextval and setval on the database's state, currval and lastval from
// what this session took.
type sessionSequences struct{ s *Session }

func (q sessionSequences) seq(name string) (*catalog.Sequence, error) {
	return q.s.mgr.db.cat.MustSequence(seqName(name))
}

func (q sessionSequences) NextVal(name string) (int64, error) {
	sq, err := q.seq(name)
	if err != nil {
		return 0, err
	}
	v, err := q.s.mgr.db.seqs.next(q.s.mgr.db, sq)
	if err != nil {
		return 0, err
	}
	if q.s.seqVals == nil {
		q.s.seqVals = map[uint32]int64{}
	}
	q.s.seqVals[sq.ID], q.s.lastSeq, q.s.hasLastSeq = v, v, true
	return v, nil
}

func (q sessionSequences) CurrVal(name string) (int64, error) {
	sq, err := q.seq(name)
	if err != nil {
		return 0, err
	}
	v, ok := q.s.seqVals[sq.ID]
	if !ok {
		return 0, errs.Errorf(errs.ObjectNotInState, "currval of sequence %q is not yet defined in this session", sq.Name)
	}
	return v, nil
}

func (q sessionSequences) SetVal(name string, v int64, called bool) (int64, error) {
	sq, err := q.seq(name)
	if err != nil {
		return 0, err
	}
	if err := q.s.mgr.db.seqs.set(q.s.mgr.db, sq, v, called); err != nil {
		return 0, err
	}
	if called {
		if q.s.seqVals == nil {
			q.s.seqVals = map[uint32]int64{}
		}
		q.s.seqVals[sq.ID], q.s.lastSeq, q.s.hasLastSeq = v, v, true
	}
	return v, nil
}

func (q sessionSequences) LastVal() (int64, error) {
	if !q.s.hasLastSeq {
		return 0, errs.New(errs.ObjectNotInState, "lastval is not yet defined in this session")
	}
	return q.s.lastSeq, nil
}

// State is the sequence relation's row (see sequences.peek).
func (q sessionSequences) State(name string) (last, logCnt int64, called bool, err error) {
	sq, err := q.seq(name)
	if err != nil {
		return 0, 0, false, err
	}
	return q.s.mgr.db.seqs.peek(q.s.mgr.db, sq)
}

// SerialSequence is pg_get_serial_sequence: the sequence a column owns.
func (q sessionSequences) SerialSequence(table, column string) (string, bool) {
	c, ok := q.s.mgr.db.cat.Get(seqName(table))
	if !ok {
		return "", false
	}
	col := seqName(column)
	for _, sq := range q.s.mgr.db.cat.SequencesOwnedBy(c.ID) {
		if sq.OwnedCol == col {
			return "public." + sq.Name, true
		}
	}
	return "", false
}
