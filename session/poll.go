package session

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/plan"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
)

// StreamEvent is one change event as JSON consumers (HTTP poll, SSE) see it.
type StreamEvent struct {
	Sequence      uint64            `json:"sequence"`
	Partition     int               `json:"partition"`
	Collection    string            `json:"collection"`
	Op            string            `json:"op"`
	RowID         string            `json:"row_id"`
	EventTime     int64             `json:"event_time"`
	LSN           uint64            `json:"lsn"`
	TenantID      int               `json:"tenant_id"`
	NewValue      any               `json:"new_value"`
	OldValue      any               `json:"old_value"`
	SchemaVersion uint32            `json:"schema_version"`
	FieldDiffs    []event.FieldDiff `json:"field_diffs,omitempty"`
}

// MarshalJSON renders the event with types.AppendJSON: a poll of a
// thousand events spends most of its time here, and encoding/json's
// reflection over nested maps was most of that.
func (e StreamEvent) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 256)), nil
}

// AppendJSON appends the event's JSON to b.
func (e StreamEvent) AppendJSON(b []byte) []byte {
	b = append(b, `{"sequence":`...)
	b = strconv.AppendUint(b, e.Sequence, 10)
	b = append(b, `,"partition":`...)
	b = strconv.AppendInt(b, int64(e.Partition), 10)
	b = append(b, `,"collection":`...)
	b = types.AppendJSONString(b, e.Collection)
	b = append(b, `,"op":`...)
	b = types.AppendJSONString(b, e.Op)
	b = append(b, `,"row_id":`...)
	b = types.AppendJSONString(b, e.RowID)
	b = append(b, `,"event_time":`...)
	b = strconv.AppendInt(b, e.EventTime, 10)
	b = append(b, `,"lsn":`...)
	b = strconv.AppendUint(b, e.LSN, 10)
	b = append(b, `,"tenant_id":`...)
	b = strconv.AppendInt(b, int64(e.TenantID), 10)
	b = append(b, `,"new_value":`...)
	b = types.AppendJSON(b, e.NewValue)
	b = append(b, `,"old_value":`...)
	b = types.AppendJSON(b, e.OldValue)
	b = append(b, `,"schema_version":`...)
	b = strconv.AppendUint(b, uint64(e.SchemaVersion), 10)
	if len(e.FieldDiffs) > 0 {
		b = append(b, `,"field_diffs":[`...)
		for i, d := range e.FieldDiffs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"field":`...)
			b = types.AppendJSONString(b, d.Field)
			b = append(b, `,"op":`...)
			b = types.AppendJSONString(b, d.Op)
			if d.OldValue != nil {
				b = append(b, `,"old_value":`...)
				b = types.AppendJSON(b, d.OldValue)
			}
			if d.NewValue != nil {
				b = append(b, `,"new_value":`...)
				b = types.AppendJSON(b, d.NewValue)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// AppendJSON appends the poll result's JSON to b (what encoding/json
// renders, without its reflection and without re-scanning each event).
func (r *PollResult) AppendJSON(b []byte) []byte {
	b = append(b, `{"events":[`...)
	for i := range r.Events {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.Events[i].AppendJSON(b)
	}
	b = append(b, `],"partition_offsets":`...)
	b = AppendPartitionOffsets(b, r.PartitionOffsets)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(r.Count), 10)
	b = append(b, `,"evicted_since_last_poll":`...)
	b = strconv.AppendInt(b, int64(r.EvictedSinceLastPoll), 10)
	b = append(b, `,"oldest_available_lsn":`...)
	b = strconv.AppendUint(b, r.OldestAvailableLSN, 10)
	return append(b, '}')
}

// AppendPartitionOffsets appends offsets as a JSON object keyed by
// partition, in partition order (poll answers and commit
// acknowledgements).
func AppendPartitionOffsets(b []byte, offsets map[int]uint64) []byte {
	b = append(b, '{')
	for i, p := range slices.Sorted(maps.Keys(offsets)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(p), 10)
		b = append(b, `":`...)
		b = strconv.AppendUint(b, offsets[p], 10)
	}
	return append(b, '}')
}

// PollOptions selects what PollStream returns.
type PollOptions struct {
	Partition int           // -1 for every partition
	Limit     int           // default 100, at most 10,000
	Wait      time.Duration // long poll: wait up to this long for a first event
	// AfterLSN skips events at or below it (a per-connection cursor for
	// SSE, which delivers in LSN order).
	AfterLSN uint64
	// Consumer names a group member: it reads only its share of the
	// partitions (members split them by range).
	Consumer string
}

// PollResult is the answer of a poll.
type PollResult struct {
	Events []StreamEvent `json:"events"`
	// PartitionOffsets maps a partition to the LSN of its last event in
	// the answer (JSON keys are the partitions in decimal, in order).
	PartitionOffsets     map[int]uint64 `json:"partition_offsets"`
	Count                int            `json:"count"`
	EvictedSinceLastPoll int            `json:"evicted_since_last_poll"`
	OldestAvailableLSN   uint64         `json:"oldest_available_lsn"`
}

// PollStream reads a stream for a consumer group after its committed
// offsets, waiting up to opts.Wait for an event to commit when there is
// none. Like SQL reads it never commits; partition_offsets says what to
// commit to acknowledge the events returned.
func (m *Manager) PollStream(ctx context.Context, stream, group string, opts PollOptions) (*PollResult, error) {
	db := m.db
	st, err := db.cat.StreamOrTopic(stream)
	if err != nil {
		return nil, err
	}
	g, err := db.cat.MustGroup(st, group)
	if err != nil {
		return nil, err
	}
	if opts.Limit <= 0 {
		opts.Limit = 100
	}
	opts.Limit = min(opts.Limit, plan.MaxStreamRead)
	if opts.Partition >= storage.NumVShards {
		return nil, errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", opts.Partition, storage.NumVShards-1)
	}
	var deadline <-chan time.Time
	if opts.Wait > 0 {
		t := time.NewTimer(opts.Wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		tx := db.txm.Begin()
		ro := event.ReadOptions{Partition: opts.Partition, Limit: opts.Limit}
		if opts.Consumer != "" {
			r := db.members.Touch(g.ID, opts.Consumer)
			ro.Range = &r
		}
		offsets, err := event.LoadOffsetsFor(tx, g.ID, opts.Partition, ro.Range)
		if err != nil {
			tx.Rollback()
			return nil, err
		}
		offsets.Floor = max(offsets.Floor, opts.AfterLSN)
		evs, err := event.Read(tx, db.cat, db.events, st, offsets, ro)
		snap := tx.SnapshotLSN()
		if werr := tx.WaitVisibleDurable(ctx); werr != nil && err == nil {
			err = errs.New(errs.QueryCanceled, "canceling statement due to user request")
		}
		tx.Rollback()
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 || deadline == nil {
			var through uint64
			if opts.Partition < 0 && opts.AfterLSN == 0 && ro.Range == nil {
				if len(evs) < opts.Limit {
					through = snap
				} else {
					through = evs[len(evs)-1].LSN
				}
			}
			db.delivered.Note(g.ID, evs, through)
			res := &PollResult{Events: make([]StreamEvent, 0, len(evs)), PartitionOffsets: make(map[int]uint64, len(evs)),
				Count: len(evs), OldestAvailableLSN: db.events.OldestAvailable(st)}
			for _, e := range evs {
				res.Events = append(res.Events, toStreamEvent(e))
				res.PartitionOffsets[int(e.Partition)] = e.LSN
			}
			return res, nil
		}
		wctx, cancel := context.WithCancel(ctx)
		woke := make(chan bool, 1)
		go func() { woke <- db.notify.Wait(wctx, snap) }()
		// A named member re-reads (and so stays in its group) well within
		// its session timeout, however long the poll waits.
		refresh := time.NewTimer(event.DefaultSessionTimeout / 3)
		select {
		case <-refresh.C:
			cancel()
			<-woke
		case <-woke:
			cancel()
		case <-deadline:
			cancel()
			<-woke
			deadline = nil // one last read, then return whatever there is
		case <-ctx.Done():
			cancel()
			<-woke
			refresh.Stop()
			return nil, errs.New(errs.QueryCanceled, "canceling statement due to user request")
		}
		refresh.Stop()
	}
}

// toStreamEvent keeps the event's documents as stored values:
// MarshalJSON renders them (types.AppendJSON) without converting first.
func toStreamEvent(e event.Event) StreamEvent {
	se := StreamEvent{Sequence: e.LSN, Partition: int(e.Partition), Collection: e.Collection, Op: e.Op, RowID: e.RowID,
		EventTime: e.TimeMs, LSN: e.LSN}
	if e.New != nil {
		se.NewValue = e.New
	}
	if e.Old != nil {
		se.OldValue = e.Old
	}
	if e.Op == "UPDATE" && e.New != nil && e.Old != nil {
		se.FieldDiffs = event.Diff(e.Old, e.New)
	}
	return se
}

// CommitStreamOffsets commits per-partition positions for a group (HTTP
// POST /v1/streams/{s}/offsets): forward only (22023 otherwise).
func (m *Manager) CommitStreamOffsets(stream, group string, offsets map[int]uint64) error {
	db := m.db
	st, err := db.cat.StreamOrTopic(stream)
	if err != nil {
		return err
	}
	g, err := db.cat.MustGroup(st, group)
	if err != nil {
		return err
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	committed, err := event.LoadOffsets(tx, g.ID)
	if err != nil {
		return err
	}
	// When the commit covers everything the group was last delivered, it
	// also acknowledges the read's floor (every partition consumed through
	// it), so the next read starts there instead of rescanning; positions
	// at or below the floor then need no entry of their own.
	d := db.delivered.Get(g.ID)
	covers := d.Floor > committed.Floor
	for p, lsn := range d.Part {
		if max(offsets[int(p)], committed.Of(p)) < lsn {
			covers = false
			break
		}
	}
	floor := committed.Floor
	if covers {
		floor = d.Floor
	}
	for p, lsn := range offsets {
		if p < 0 || p >= storage.NumVShards {
			return errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", p, storage.NumVShards-1)
		}
		// Only a partition's own committed position can be moved
		// backwards: one at or below the group's floor is already
		// acknowledged, so committing a poll's offsets again (a retried
		// request) succeeds and changes nothing.
		if cur, ok := committed.Part[uint16(p)]; ok && lsn < cur {
			return errs.Errorf(errs.InvalidParameterValue, "cannot move the offset of partition %d backwards from %d to %d", p, cur, lsn).
				WithHint("Use ALTER CONSUMER GROUP ... SET OFFSET to rewind a group.")
		}
		if head := tx.SnapshotLSN(); lsn > head {
			return errs.Errorf(errs.InvalidParameterValue, "offset %d is beyond the end of the change log (LSN %d)", lsn, head)
		}
		if lsn > floor {
			if err := event.CommitOffset(tx, g.ID, uint16(p), lsn); err != nil {
				return err
			}
		}
	}
	if covers {
		if err := event.CommitFloor(tx, g.ID, d.Floor); err != nil {
			return err
		}
	}
	_, err = tx.Commit()
	return err
}
