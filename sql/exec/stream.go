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

// runStreamScan reads a change stream for a consumer group. Reads never
// commit; they record what was delivered for COMMIT OFFSETS.
func (env *Env) runStreamScan(x *plan.StreamScan) ([]types.Row, error) {
	if env.Streams == nil {
		return nil, errs.New(errs.FeatureNotSupported, "change streams are not available here")
	}
	limit, err := env.evalCount(x.Limit, "LIMIT", 100)
	if err != nil {
		return nil, err
	}
	limit = min(limit, plan.MaxStreamRead)
	part := -1
	if x.Partition != nil {
		v, err := env.Eval(x.Partition, nil)
		if err != nil {
			return nil, err
		}
		n, err := types.Cast(v, types.Int8)
		if err != nil || n == nil {
			return nil, errs.New(errs.InvalidParameterValue, "PARTITION must be an integer")
		}
		p := n.(int64)
		if p < 0 || p >= storage.NumVShards {
			return nil, errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", p, storage.NumVShards-1)
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
		return nil, err
	}
	if x.After != nil {
		v, err := env.Eval(x.After, nil)
		if err != nil {
			return nil, err
		}
		if n, err := types.Cast(v, types.Int8); err == nil && n != nil && n.(int64) > 0 {
			offsets.Floor = max(offsets.Floor, uint64(n.(int64)))
		}
	}
	evs, err := event.Read(env.Txn, env.Streams.Cat, env.Streams.Log, x.Stream, offsets, ro)
	if err != nil {
		return nil, err
	}
	var through uint64
	if x.Unfiltered && x.After == nil && part < 0 && ro.Range == nil {
		if int64(len(evs)) < limit {
			through = env.Txn.SnapshotLSN()
		} else if len(evs) > 0 {
			through = evs[len(evs)-1].LSN
		}
	}
	env.Streams.Delivered.Note(x.Group.ID, evs, through)
	rows := make([]types.Row, len(evs))
	for i, e := range evs {
		var nv, ov types.Value
		if e.New != nil {
			nv = e.New
		}
		if e.Old != nil {
			ov = e.Old
		}
		if x.Topic {
			var payload types.Value
			if e.New != nil {
				payload = e.New["payload"]
			}
			rows[i] = types.Row{int64(e.LSN), int64(e.Partition), int64(e.LSN), time.UnixMilli(e.TimeMs).UTC(), payload}
			continue
		}
		rows[i] = types.Row{int64(e.LSN), int64(e.Partition), e.Collection, e.Op, e.RowID, int64(e.LSN),
			time.UnixMilli(e.TimeMs).UTC(), nv, ov}
	}
	return rows, nil
}
