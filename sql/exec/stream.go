package exec

import (
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// Streams is what stream reads need beyond the transaction.
type Streams struct {
	Cat       *catalog.Catalog
	Log       *event.Log
	Delivered *event.Delivered
	Members   *event.Members
}

// openStreamScan reads a change stream for a consumer group. Reads never
// commit; they record what was delivered for COMMIT OFFSETS: the events
// the query pulled, as it pulls them, so a LIMIT that stops the query
// before an event leaves it undelivered (the planner refuses a LIMIT over
// operators that read everything first: plan.limitCutsGroupRead).
func (env *Env) openStreamScan(x *plan.StreamScan) (iter, error) {
	evs, through, err := env.readStream(x)
	if err != nil {
		return nil, err
	}
	return &streamIter{env: env, x: x, evs: evs, through: through}, nil
}

// streamIter returns a stream read's events as rows and notes the ones
// pulled as delivered, in batches (noteEvery) and when the query closes
// it, so an event counts only once the query took it (a pulled event
// noted late is at worst read again, never lost); through (the read's
// floor over every partition) counts once the query pulled them all.
type streamIter struct {
	env     *Env
	x       *plan.StreamScan
	evs     []event.Event
	through uint64
	next    int // the next event to return
	noted   int // events before it are noted
}

// noteEvery is how many pulled events a stream read notes at a time.
const noteEvery = 256

func (s *streamIter) Next() (types.Row, bool, error) {
	if s.next == len(s.evs) {
		s.note()
		if s.through > 0 {
			s.env.Streams.Delivered.Note(s.x.Group.ID, nil, s.through)
			s.through = 0
		}
		return nil, false, nil
	}
	if s.next-s.noted >= noteEvery {
		s.note()
	}
	s.next++
	return eventRow(s.evs[s.next-1], s.x.Topic), true, nil
}

func (s *streamIter) note() {
	if s.next > s.noted {
		s.env.Streams.Delivered.Note(s.x.Group.ID, s.evs[s.noted:s.next], 0)
		s.noted = s.next
	}
}

func (s *streamIter) Close() error {
	s.note()
	return nil
}

// eventRow is an event as a stream read's row (plan.StreamColumns or
// plan.TopicColumns).
func eventRow(e event.Event, topic bool) types.Row {
	var nv, ov types.Value
	if e.New != nil {
		nv = e.New
	}
	if e.Old != nil {
		ov = e.Old
	}
	if topic {
		var payload types.Value
		if e.New != nil {
			payload = e.New["payload"]
		}
		return types.Row{int64(e.LSN), int64(e.Partition), int64(e.LSN), time.UnixMilli(e.TimeMs).UTC(), payload}
	}
	return types.Row{int64(e.LSN), int64(e.Partition), e.Collection, e.Op, e.RowID, int64(e.LSN),
		time.UnixMilli(e.TimeMs).UTC(), nv, ov}
}

// readStream reads the events of a consumer group read, and the LSN the
// read covers every partition through when it returns them all (0: none).
func (env *Env) readStream(x *plan.StreamScan) ([]event.Event, uint64, error) {
	if env.Streams == nil {
		return nil, 0, errs.New(errs.FeatureNotSupported, "change streams are not available here")
	}
	limit, err := env.evalCount(x.Limit, "LIMIT", 100)
	if err != nil {
		return nil, 0, err
	}
	limit = min(limit, plan.MaxStreamRead)
	part := -1
	if x.Partition != nil {
		v, err := env.Eval(x.Partition, nil)
		if err != nil {
			return nil, 0, err
		}
		n, err := types.Cast(v, types.Int8)
		if err != nil || n == nil {
			return nil, 0, errs.New(errs.InvalidParameterValue, "PARTITION must be an integer")
		}
		p := n.(int64)
		if p < 0 || p >= storage.NumVShards {
			return nil, 0, errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", p, storage.NumVShards-1)
		}
		part = int(p)
	}
	ro := event.ReadOptions{Partition: part, Limit: int(limit)}
	if x.Consumer != "" {
		r := env.Streams.Members.Touch(x.Group.ID, x.Consumer)
		ro.Range = &r
	}
	offsets, err := event.LoadOffsetsFor(env.Txn, x.Group.ID, part, ro.Range)
	if err != nil {
		return nil, 0, err
	}
	if x.After != nil {
		v, err := env.Eval(x.After, nil)
		if err != nil {
			return nil, 0, err
		}
		if n, err := types.Cast(v, types.Int8); err == nil && n != nil && n.(int64) > 0 {
			offsets.Floor = max(offsets.Floor, uint64(n.(int64)))
		}
	}
	evs, err := event.Read(env.Txn, env.Streams.Cat, env.Streams.Log, x.Stream, offsets, ro)
	if err != nil {
		return nil, 0, err
	}
	var through uint64
	if x.Unfiltered && x.After == nil && part < 0 && ro.Range == nil {
		if int64(len(evs)) < limit {
			through = env.Txn.SnapshotLSN()
		} else if len(evs) > 0 {
			through = evs[len(evs)-1].LSN
		}
	}
	return evs, through, nil
}
