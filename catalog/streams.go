package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// Catalog object kinds of the real-time layer.
const (
	objStream byte = 's'
	objGroup  byte = 'g'
	objTopic  byte = 't'
	objTrig   byte = 'r'
	objSched  byte = 'h'
	objProc   byte = 'p'
	objMView  byte = 'm'
	objFunc   byte = 'u'
)

// Topic is a durable message topic: its messages are the rows of an
// internal collection and are consumed through a change stream on it, so
// topics share streams' offsets, groups, retention and history-lost
// guarantees.
type Topic struct {
	ID       uint32    `json:"id"`
	Name     string    `json:"name"`
	CollID   uint32    `json:"collection_id"`
	StreamID uint32    `json:"stream_id"`
	Owner    string    `json:"owner"`
	Created  time.Time `json:"created"`
}

// TopicPrefix starts the names of topics' internal collections and
// streams; user objects may not use it.
const TopicPrefix = "__topic__"

// Stream is a change stream: a named, filtered view of the change log of
// one collection (or of every collection, Collection "*").
type Stream struct {
	ID           uint32   `json:"id"`
	Name         string   `json:"name"`
	Collection   string   `json:"collection"`    // "*" for all
	CollectionID uint32   `json:"collection_id"` // 0 for all
	Include      []string `json:"include"`       // ops: INSERT, UPDATE, DELETE
	Format       string   `json:"format"`        // "json" or "msgpack"
	StartLSN     uint64   `json:"start_lsn"`     // the stream sees events with LSN > StartLSN
	// Retention: events older than RetentionMs, and all but the newest
	// RetentionEvents, may be removed (0: the defaults, 24 hours and
	// 1,000,000 events).
	RetentionMs     int64     `json:"retention_ms,omitempty"`
	RetentionEvents int64     `json:"retention_events,omitempty"`
	Owner           string    `json:"owner"`
	Created         time.Time `json:"created"`
	// Compaction, when set, makes reads return only the latest event of
	// each key (and drop delete tombstones after a grace period).
	Compaction *Compaction `json:"compaction,omitempty"`
	// Delivery, when set, pushes the stream's events to an external
	// system (a webhook or Kafka).
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Compaction configures a compacted stream. Its key index records, per
// key, the LSN of the key's latest event; a compactor keeps it up to date
// (its position is the floor offset under GroupID).
type Compaction struct {
	Key                  string `json:"key"` // "" (the row id) or a document field
	TombstoneRetentionMs int64  `json:"tombstone_retention_ms"`
	GroupID              uint32 `json:"group_id"`
}

// Delivery configures outbound delivery of a stream. Its positions are
// committed offsets under GroupID (an id of its own, not a consumer group
// users see), advanced only after the receiver accepted the events.
type Delivery struct {
	Kind      string `json:"kind"` // "webhook" or "kafka"
	URL       string `json:"url,omitempty"`
	Secret    string `json:"secret,omitempty"`
	Retry     int    `json:"retry"`      // retries after the first attempt
	TimeoutMs int64  `json:"timeout_ms"` // per request
	Batch     int    `json:"batch"`      // events per request (1: one event per POST)
	Paused    bool   `json:"paused,omitempty"`
	GroupID   uint32 `json:"group_id"`
	// Kafka.
	Brokers       []string `json:"brokers,omitempty"`
	Topic         string   `json:"topic,omitempty"`
	Transactional bool     `json:"transactional,omitempty"`
	Key           string   `json:"key,omitempty"` // record key field; "row_id" by default
}

// Includes reports whether the stream carries an op ("INSERT", ...).
func (s *Stream) Includes(op string) bool {
	for _, o := range s.Include {
		if o == op {
			return true
		}
	}
	return false
}

// Covers reports whether the stream sees changes of a collection.
func (s *Stream) Covers(collID uint32) bool {
	return s.CollectionID == 0 || s.CollectionID == collID
}

// Group is a consumer group on a stream. Its committed offsets live in the
// offset keyspace (storage.OffsetKey), one per partition.
type Group struct {
	ID       uint32    `json:"id"`
	StreamID uint32    `json:"stream_id"`
	Name     string    `json:"name"`
	Owner    string    `json:"owner"`
	Created  time.Time `json:"created"`
}

type streamState struct {
	streams map[string]*Stream  // by name
	groups  map[uint32]*Group   // by id
	topics  map[string]*Topic   // by name
	trigs   map[uint32]*Trigger // by id
	scheds  map[string]*Schedule
	procs   map[string]*Procedure
	mviews  map[string]*MView
	funcs   map[string]*Function
	seqs    map[uint32]*Sequence   // by id, live or owned by a dropped collection
	stats   map[uint32]*TableStats // by collection id
}

func (c *Catalog) loadStreams(tx *txn.Txn) error {
	c.mu.streams = &streamState{streams: map[string]*Stream{}, groups: map[uint32]*Group{}, topics: map[string]*Topic{},
		trigs: map[uint32]*Trigger{}, scheds: map[string]*Schedule{}, procs: map[string]*Procedure{},
		mviews: map[string]*MView{}, funcs: map[string]*Function{}, seqs: map[uint32]*Sequence{}}
	for _, kind := range []byte{objStream, objGroup, objTopic, objTrig, objSched, objProc, objMView, objFunc, objSeq} {
		lo := storage.CatalogPrefix(kind)
		it, err := tx.NewIter(lo, storage.PrefixEnd(lo))
		if err != nil {
			return err
		}
		for ; it.Valid(); it.Next() {
			var err error
			if kind == objStream {
				var s Stream
				if err = json.Unmarshal(it.Value(), &s); err == nil {
					c.mu.streams.streams[s.Name] = &s
				}
			} else if kind == objTopic {
				var t Topic
				if err = json.Unmarshal(it.Value(), &t); err == nil {
					c.mu.streams.topics[t.Name] = &t
				}
			} else if kind == objSeq {
				var sq Sequence
				if err = json.Unmarshal(it.Value(), &sq); err == nil {
					c.mu.streams.seqs[sq.ID] = &sq
				}
			} else if kind == objFunc {
				var fn Function
				if err = json.Unmarshal(it.Value(), &fn); err == nil {
					c.mu.streams.funcs[fn.Name] = &fn
				}
			} else if kind == objMView {
				var mv MView
				if err = json.Unmarshal(it.Value(), &mv); err == nil {
					c.mu.streams.mviews[mv.Name] = &mv
				}
			} else if kind == objProc {
				var pr Procedure
				if err = json.Unmarshal(it.Value(), &pr); err == nil {
					c.mu.streams.procs[pr.Name] = &pr
				}
			} else if kind == objSched {
				var sc Schedule
				if err = json.Unmarshal(it.Value(), &sc); err == nil {
					c.mu.streams.scheds[sc.Name] = &sc
				}
			} else if kind == objTrig {
				var t Trigger
				if err = json.Unmarshal(it.Value(), &t); err == nil {
					c.mu.streams.trigs[t.ID] = &t
				}
			} else {
				var g Group
				if err = json.Unmarshal(it.Value(), &g); err == nil {
					c.mu.streams.groups[g.ID] = &g
				}
			}
			if err != nil {
				_ = it.Close()
				return errs.Errorf(errs.DataCorrupted, "catalog: bad stream or group descriptor: %w", err)
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	return nil
}

// Stream returns a change stream by name.
func (c *Catalog) Stream(name string) (*Stream, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.mu.streams.streams[name]
	return s, ok
}

// MustStream returns a stream or the 42704 error users see.
func (c *Catalog) MustStream(name string) (*Stream, error) {
	if s, ok := c.Stream(name); ok {
		return s, nil
	}
	return nil, errs.Errorf(errs.UndefinedObject, "change stream '%s' does not exist", name)
}

// Streams lists every stream sorted by name.
func (c *Catalog) Streams() []*Stream {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.streams, func(x *Stream) string { return x.Name })
}

// StreamsOn lists the streams that read one collection by name (not "*").
func (c *Catalog) StreamsOn(collID uint32) []*Stream {
	var out []*Stream
	for _, s := range c.Streams() {
		if s.CollectionID == collID && collID != 0 {
			out = append(out, s)
		}
	}
	return out
}

// Group returns a consumer group of a stream by name.
func (c *Catalog) Group(streamID uint32, name string) (*Group, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, g := range c.mu.streams.groups {
		if g.StreamID == streamID && g.Name == name {
			return g, true
		}
	}
	return nil, false
}

// MustGroup returns a group or the 42704 error users see.
func (c *Catalog) MustGroup(st *Stream, name string) (*Group, error) {
	if g, ok := c.Group(st.ID, name); ok {
		return g, nil
	}
	return nil, errs.Errorf(errs.UndefinedObject, "consumer group '%s' does not exist on stream '%s'", name, st.Name)
}

// Groups lists the groups of a stream sorted by name.
func (c *Catalog) Groups(streamID uint32) []*Group {
	c.mu.RLock()
	var out []*Group
	for _, g := range c.mu.streams.groups {
		if g.StreamID == streamID {
			out = append(out, g)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutStream stages a new stream.
func (d *DDLTxn) PutStream(s *Stream) error {
	return d.putObject(objStream, s.ID, "stream", s, func(st *streamState) { st.streams[s.Name] = s })
}

// UpdateStream stages a changed stream descriptor (same id and name).
func (d *DDLTxn) UpdateStream(s *Stream) error { return d.PutStream(s) }

// RemoveStream stages the removal of a stream with its groups and their
// offsets, its delivery positions and its dead letters, all in this DDL's
// one commit.
func (d *DDLTxn) RemoveStream(s *Stream) error {
	d.Txn.Delete(storage.CatalogKey(objStream, s.ID))
	for _, g := range d.c.Groups(s.ID) {
		if err := d.RemoveGroup(g); err != nil {
			return err
		}
	}
	if s.Delivery != nil && s.Delivery.GroupID != 0 {
		lo := storage.OffsetPrefix(s.Delivery.GroupID)
		if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
			return err
		}
	}
	lo := storage.DeadLetterPrefix(s.ID)
	if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
		return err
	}
	if c := s.Compaction; c != nil {
		lo := storage.CompactPrefix(s.ID)
		if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
			return err
		}
		lo = storage.OffsetPrefix(c.GroupID)
		if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
			return err
		}
	}
	d.after = append(d.after, func(st *streamState) { delete(st.streams, s.Name) })
	return nil
}

// PutGroup stages a new consumer group.
func (d *DDLTxn) PutGroup(g *Group) error {
	return d.putObject(objGroup, g.ID, "group", g, func(st *streamState) { st.groups[g.ID] = g })
}

// RemoveGroup stages the removal of a group and its offsets.
func (d *DDLTxn) RemoveGroup(g *Group) error {
	d.Txn.Delete(storage.CatalogKey(objGroup, g.ID))
	lo := storage.OffsetPrefix(g.ID)
	if err := d.Txn.DeleteRange(lo, storage.PrefixEnd(lo)); err != nil {
		return err
	}
	d.after = append(d.after, func(st *streamState) { delete(st.groups, g.ID) })
	return nil
}

// Topic returns a topic by name.
func (c *Catalog) Topic(name string) (*Topic, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.mu.streams.topics[name]
	return t, ok
}

// Topics lists the topics sorted by name.
func (c *Catalog) Topics() []*Topic {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return sortedByName(c.mu.streams.topics, func(x *Topic) string { return x.Name })
}

// TopicStream returns the change stream that carries a topic's messages.
func (c *Catalog) TopicStream(t *Topic) (*Stream, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, s := range c.mu.streams.streams {
		if s.ID == t.StreamID {
			return s, true
		}
	}
	return nil, false
}

// PutTopic stages a new topic.
func (d *DDLTxn) PutTopic(t *Topic) error {
	return d.putObject(objTopic, t.ID, "topic", t, func(st *streamState) { st.topics[t.Name] = t })
}

// RemoveTopic stages a topic's removal (its stream and collection are
// removed by the caller in the same DDL).
func (d *DDLTxn) RemoveTopic(t *Topic) {
	d.Txn.Delete(storage.CatalogKey(objTopic, t.ID))
	d.after = append(d.after, func(st *streamState) { delete(st.topics, t.Name) })
}

// MustTopicStream returns the change stream of a topic or the 42704 error
// users see.
func (c *Catalog) MustTopicStream(name string) (*Stream, error) {
	t, ok := c.Topic(name)
	if ok {
		if s, ok := c.TopicStream(t); ok {
			return s, nil
		}
	}
	return nil, errs.Errorf(errs.UndefinedObject, "topic '%s' does not exist", name)
}

// StreamOrTopic resolves a name used after ON in consumer-group statements:
// a change stream, else a topic's stream.
func (c *Catalog) StreamOrTopic(name string) (*Stream, error) {
	if s, ok := c.Stream(name); ok {
		return s, nil
	}
	if _, ok := c.Topic(name); ok {
		return c.MustTopicStream(name)
	}
	return nil, errs.Errorf(errs.UndefinedObject, "change stream '%s' does not exist", name)
}

// putObject stages a descriptor (JSON) under its catalog key and the
// in-memory change to publish when the DDL commits.
func (d *DDLTxn) putObject(kind byte, id uint32, what string, v any, apply func(*streamState)) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("catalog: encode %s: %w", what, err)
	}
	d.Txn.Set(storage.CatalogKey(kind, id), buf)
	d.after = append(d.after, apply)
	return nil
}

// sortedByName returns a map's values sorted by their name.
func sortedByName[T any](m map[string]*T, name func(*T) string) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return name(out[i]) < name(out[j]) })
	return out
}
