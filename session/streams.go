package session

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// streamOptions are the WITH keys CREATE CHANGE STREAM accepts besides
// the delivery ones. KEY is the compaction key and, with Kafka delivery,
// the record key.
var streamOptions = map[string]bool{"include": true, "format": true, "retention": true, "retention_events": true,
	"compaction": true, "key": true, "tombstone_retention": true}

func (s *Session) createStream(st *ast.CreateChangeStream) (*Result, error) {
	cat := s.mgr.db.cat
	if err := reservedName(st.Name); err != nil {
		return nil, err
	}
	if tt, ok := s.names().GetTemp(st.Collection); ok {
		return nil, refuseTemp(tt, "CREATE CHANGE STREAM")
	}
	include := []string{"INSERT", "UPDATE", "DELETE"}
	format := "json"
	var retMs, retN int64
	var compaction *catalog.Compaction
	var compactKey *ast.Option
	tombstoneMs := event.DefaultTombstoneRetention.Milliseconds()
	for _, o := range st.With {
		if deliveryOptions[o.Key] {
			continue // applyDeliveryOptions
		}
		if !streamOptions[o.Key] {
			return nil, errs.Errorf(errs.SyntaxError, "unknown change stream option %q", o.Key).WithPosition(o.Pos).
				WithHint("Supported options: INCLUDE, FORMAT, RETENTION, RETENTION_EVENTS, COMPACTION, KEY, TOMBSTONE_RETENTION, URL, SECRET, RETRY, TIMEOUT, BATCH, DELIVERY, BROKERS, TOPIC, TRANSACTIONAL.")
		}
		v, err := optionText(o)
		if err != nil {
			return nil, err
		}
		switch o.Key {
		case "include":
			include = nil
			for _, op := range strings.Split(v, ",") {
				op = strings.ToUpper(strings.TrimSpace(op))
				if op != "INSERT" && op != "UPDATE" && op != "DELETE" {
					return nil, errs.Errorf(errs.InvalidParameterValue, "INCLUDE: unknown operation %q (want INSERT, UPDATE, DELETE)", op)
				}
				include = append(include, op)
			}
		case "format":
			format = strings.ToLower(v)
			if format != "json" && format != "msgpack" {
				return nil, errs.Errorf(errs.InvalidParameterValue, "FORMAT must be 'json' or 'msgpack', not %q", v)
			}
		case "retention", "retention_events":
			ms, n, err := parseRetention(o.Key, v)
			if err != nil {
				return nil, err
			}
			if ms > 0 {
				retMs = ms
			}
			if n > 0 {
				retN = n
			}
		case "compaction":
			if !strings.EqualFold(v, "key") {
				return nil, errs.Errorf(errs.InvalidParameterValue, "COMPACTION must be 'key', not %q", v).WithPosition(o.Pos)
			}
			compaction = &catalog.Compaction{}
		case "key":
			compactKey = &o
		case "tombstone_retention":
			d, err := parseDuration(v)
			if err != nil || d < 0 {
				return nil, errs.Errorf(errs.InvalidParameterValue, "TOMBSTONE_RETENTION must be a duration such as '1 hour', not %q", v)
			}
			tombstoneMs = d.Milliseconds()
		}
	}
	if compaction != nil {
		compaction.TombstoneRetentionMs = tombstoneMs
		if compactKey != nil {
			k, err := optionText(*compactKey)
			if err != nil {
				return nil, err
			}
			switch k = strings.TrimSpace(k); k {
			case "":
				return nil, errs.New(errs.InvalidParameterValue, "KEY must name a field (or 'row_id')").WithPosition(compactKey.Pos)
			case "row_id":
			default:
				compaction.Key = k
			}
		}
	}
	delivery, err := applyDeliveryOptions(nil, st.With)
	if err != nil {
		return nil, err
	}
	if compaction == nil && compactKey != nil && (delivery == nil || delivery.Kind != "kafka") {
		return nil, errs.New(errs.InvalidParameterValue, "KEY needs COMPACTION = 'key' or DELIVERY = 'kafka'").WithPosition(compactKey.Pos)
	}
	if err := checkDeliveryFormat(format, delivery); err != nil {
		return nil, err
	}
	notices := []Notice(nil)
	err = cat.DDL(func(tx *catalog.DDLTxn) error {
		if _, ok := cat.Stream(st.Name); ok {
			if st.IfNotExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateObject, Message: fmt.Sprintf("change stream '%s' already exists, skipping", st.Name)})
				return nil
			}
			return errs.Errorf(errs.DuplicateObject, "change stream '%s' already exists", st.Name)
		}
		stream := &catalog.Stream{ID: tx.NewID(), Name: st.Name, Collection: st.Collection, Include: include,
			Format: format, StartLSN: tx.SnapshotLSN(), Owner: s.user, Created: time.Now().UTC(),
			RetentionMs: retMs, RetentionEvents: retN}
		if delivery != nil {
			delivery.GroupID = tx.NewID()
			stream.Delivery = delivery
		}
		if compaction != nil {
			compaction.GroupID = tx.NewID()
			stream.Compaction = compaction
		}
		if st.Collection != "*" {
			coll, err := cat.MustGet(st.Collection)
			if err != nil {
				return err
			}
			stream.CollectionID = coll.ID
		}
		return tx.PutStream(stream)
	})
	if err != nil {
		return nil, err
	}
	s.mgr.db.reconcileStreams()
	return &Result{Tag: "CREATE CHANGE STREAM", Notices: notices}, nil
}

// optionText reads a WITH option's value as text.
func optionText(o ast.Option) (string, error) {
	switch v := o.Value.(type) {
	case *ast.Literal:
		if v.Kind == "string" {
			return v.Value.(string), nil
		}
		if v.Text != "" {
			return v.Text, nil
		}
		return types.FormatText(v.Value), nil
	case *ast.ColumnRef:
		return strings.Join(v.Parts, "."), nil
	}
	return "", errs.Errorf(errs.SyntaxError, "option %s needs a literal value", o.Key).WithPosition(o.Pos)
}

func (s *Session) dropStream(st *ast.DropChangeStream) (*Result, error) {
	cat := s.mgr.db.cat
	// Stop the stream's background writers first, so their commits do not
	// conflict with the drop; Reconcile restarts them if the drop fails.
	if cur, ok := cat.Stream(st.Name); ok {
		s.mgr.db.outbound.Stop(cur.ID)
		s.mgr.db.compact.Stop(cur.ID)
	}
	defer s.mgr.db.reconcileStreams()
	var groups []*catalog.Group
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		stream, ok := cat.Stream(st.Name)
		if !ok || reservedName(st.Name) != nil {
			if st.IfExists {
				return nil
			}
			return errs.Errorf(errs.UndefinedObject, "change stream '%s' does not exist", st.Name)
		}
		groups = cat.Groups(stream.ID)
		return tx.RemoveStream(stream)
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		s.mgr.db.delivered.Forget(g.ID)
		s.mgr.db.members.Forget(g.ID)
	}
	return &Result{Tag: "DROP CHANGE STREAM"}, nil
}

func (s *Session) createGroup(st *ast.CreateConsumerGroup) (*Result, error) {
	cat := s.mgr.db.cat
	var notices []Notice
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		stream, err := cat.StreamOrTopic(st.Stream)
		if err != nil {
			return err
		}
		if _, ok := cat.Group(stream.ID, st.Name); ok {
			if st.IfNotExists {
				notices = append(notices, Notice{Severity: "NOTICE", Code: errs.DuplicateObject,
					Message: fmt.Sprintf("consumer group '%s' already exists on stream '%s', skipping", st.Name, st.Stream)})
				return nil
			}
			return errs.Errorf(errs.DuplicateObject, "consumer group '%s' already exists on stream '%s'", st.Name, st.Stream)
		}
		return tx.PutGroup(&catalog.Group{ID: tx.NewID(), StreamID: stream.ID, Name: st.Name, Owner: s.user, Created: time.Now().UTC()})
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE CONSUMER GROUP", Notices: notices}, nil
}

func (s *Session) dropGroup(st *ast.DropConsumerGroup) (*Result, error) {
	cat := s.mgr.db.cat
	var dropped *catalog.Group
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		stream, err := cat.StreamOrTopic(st.Stream)
		if err != nil {
			return err
		}
		g, ok := cat.Group(stream.ID, st.Name)
		if !ok {
			if st.IfExists {
				return nil
			}
			return errs.Errorf(errs.UndefinedObject, "consumer group '%s' does not exist on stream '%s'", st.Name, st.Stream)
		}
		dropped = g
		return tx.RemoveGroup(g)
	})
	if err != nil {
		return nil, err
	}
	if dropped != nil {
		s.mgr.db.delivered.Forget(dropped.ID)
		s.mgr.db.members.Forget(dropped.ID)
	}
	return &Result{Tag: "DROP CONSUMER GROUP"}, nil
}

// streamGroup resolves a stream and one of its groups.
func (s *Session) streamGroup(stream, group string) (*catalog.Stream, *catalog.Group, error) {
	cat := s.mgr.db.cat
	st, err := cat.StreamOrTopic(stream)
	if err != nil {
		return nil, nil, err
	}
	g, err := cat.MustGroup(st, group)
	if err != nil {
		return nil, nil, err
	}
	return st, g, nil
}

func (s *Session) commitOffset(st *ast.CommitOffset) (*Result, error) {
	_, g, err := s.streamGroup(st.Stream, st.Group)
	if err != nil {
		return nil, err
	}
	db := s.mgr.db
	tx := s.tx
	auto := tx == nil
	if auto {
		tx = db.txm.Begin()
		defer tx.Rollback()
	}
	tag := "COMMIT OFFSET"
	if st.All {
		tag = "COMMIT OFFSETS"
		d := s.delivered.Get(g.ID)
		// Positions at or below the floor need no entry of their own: the
		// floor covers every partition. So only the partitions delivered
		// beyond it are read (a consumer of every partition mostly moves
		// the floor).
		committed, err := event.LoadOffsetsOf(tx, g.ID, event.PartitionRange(0, 0))
		if err != nil {
			return nil, err
		}
		floor := max(d.Floor, committed.Floor)
		err = committed.LoadPartitions(tx, g.ID, func(yield func(uint16) bool) {
			for p, lsn := range d.Part {
				if lsn > floor && !yield(p) {
					return
				}
			}
		})
		if err != nil {
			return nil, err
		}
		for p, lsn := range d.Part {
			if lsn > committed.Part[p] && lsn > floor {
				if err := event.CommitOffset(tx, g.ID, p, lsn); err != nil {
					return nil, err
				}
			}
		}
		if d.Floor > committed.Floor {
			if err := event.CommitFloor(tx, g.ID, d.Floor); err != nil {
				return nil, err
			}
		}
	} else {
		p, err := evalInt(st.Partition, "PARTITION")
		if err != nil {
			return nil, err
		}
		lsn, err := evalInt(st.LSN, "AT")
		if err != nil {
			return nil, err
		}
		if p < 0 || p >= storage.NumVShards {
			return nil, errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", p, storage.NumVShards-1)
		}
		if lsn < 0 {
			return nil, errs.New(errs.InvalidParameterValue, "an offset must not be negative")
		}
		committed, err := event.LoadOffsetsOf(tx, g.ID, event.PartitionRange(int(p), int(p)+1))
		if err != nil {
			return nil, err
		}
		if cur := committed.Of(uint16(p)); uint64(lsn) < cur {
			return nil, errs.Errorf(errs.InvalidParameterValue,
				"cannot move the offset of partition %d backwards from %d to %d", p, cur, lsn).
				WithHint("Use ALTER CONSUMER GROUP ... SET OFFSET to rewind a group.")
		}
		if head := tx.SnapshotLSN(); uint64(lsn) > head {
			return nil, errs.Errorf(errs.InvalidParameterValue, "offset %d is beyond the end of the change log (LSN %d)", lsn, head)
		}
		if err := event.CommitOffset(tx, g.ID, uint16(p), uint64(lsn)); err != nil {
			return nil, err
		}
	}
	if auto {
		if _, err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: tag}, nil
}

func (s *Session) alterGroup(st *ast.AlterConsumerGroup) (*Result, error) {
	stream, g, err := s.streamGroup(st.Stream, st.Name)
	if err != nil {
		return nil, err
	}
	db := s.mgr.db
	var target uint64
	switch st.To {
	case "EARLIEST":
		target = stream.StartLSN
	case "LATEST":
		target = db.txm.LastLSN()
	case "LSN":
		n, err := evalInt(st.Value, "LSN")
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, errs.New(errs.InvalidParameterValue, "an LSN must not be negative")
		}
		// Positions are "last consumed": SET OFFSET TO LSN n replays from n.
		target = uint64(max(n-1, 0))
	case "TIMESTAMP":
		lit, ok := st.Value.(*ast.Literal)
		text, isStr := "", false
		if ok {
			text, isStr = lit.Value.(string)
		}
		if !isStr {
			return nil, errs.New(errs.SyntaxError, "SET OFFSET TO TIMESTAMP needs a timestamp literal")
		}
		ts, err := types.ParseTime(text, types.Timestamptz)
		if err != nil {
			return nil, err
		}
		rtx := db.txm.Begin()
		target, err = event.LastBefore(rtx, stream, ts.(time.Time).UnixMilli())
		rtx.Rollback()
		if err != nil {
			return nil, err
		}
	default:
		return nil, errs.Errorf(errs.FeatureNotSupported, "SET OFFSET TO %s is not supported yet", st.To)
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	if st.Partition != nil {
		p, err := evalInt(st.Partition, "PARTITION")
		if err != nil {
			return nil, err
		}
		if p < 0 || p >= storage.NumVShards {
			return nil, errs.Errorf(errs.InvalidParameterValue, "partition %d out of range (0..%d)", p, storage.NumVShards-1)
		}
		committed, err := event.LoadOffsets(tx, g.ID)
		if err != nil {
			return nil, err
		}
		if committed.Floor > target {
			// Lowering one partition below the floor: spell out every
			// partition's position so the others keep theirs.
			for q := 0; q < storage.NumVShards; q++ {
				if uint16(q) != uint16(p) {
					event.SetOffset(tx, g.ID, uint16(q), committed.Of(uint16(q)))
				}
			}
			event.SetFloor(tx, g.ID, 0)
		}
		if st.To == "EARLIEST" {
			target = max(target, db.events.Earliest(stream)[uint16(p)])
		}
		event.SetOffset(tx, g.ID, uint16(p), target)
	} else {
		earliest := map[uint16]uint64{}
		if st.To == "EARLIEST" {
			earliest = db.events.Earliest(stream)
		}
		for q := 0; q < storage.NumVShards; q++ {
			event.SetOffset(tx, g.ID, uint16(q), max(target, earliest[uint16(q)]))
		}
		event.SetFloor(tx, g.ID, target)
	}
	if _, err := tx.Commit(); err != nil {
		return nil, err
	}
	db.delivered.Forget(g.ID)
	s.delivered.Forget(g.ID)
	return &Result{Tag: "ALTER CONSUMER GROUP"}, nil
}

func evalInt(e ast.Expr, what string) (int64, error) {
	if lit, ok := e.(*ast.Literal); ok {
		if v, ok := lit.Value.(int64); ok {
			return v, nil
		}
	}
	return 0, errs.Errorf(errs.SyntaxError, "%s needs an integer literal", what)
}

func (s *Session) showStreams(st *ast.ShowStreamInfo) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	res := &Result{Columns: streamInfoColumns(st)}
	switch st.What {
	case "streams":
		for _, x := range cat.Streams() {
			if reservedName(x.Name) != nil {
				continue // a topic's stream
			}
			row := types.Row{x.Name, x.Collection, strings.Join(x.Include, ","), x.Format, x.Owner, x.Created,
				nil, nil, nil, nil, nil, nil, nil}
			if d := x.Delivery; d != nil {
				ds := db.outbound.Status(x)
				target := d.URL
				if d.Kind == "kafka" {
					target = kafkaTarget(d)
				}
				row[6], row[7], row[8] = d.Kind, target, ds.State
				row[9], row[10], row[11] = int64(ds.Delivered), int64(ds.Retried), int64(ds.DeadLettered)
				if ds.LastError != "" {
					row[12] = ds.LastError
				}
			}
			res.Rows = append(res.Rows, row)
		}
	case "groups":
		stream, err := cat.StreamOrTopic(st.Stream)
		if err != nil {
			return nil, err
		}
		tx := db.txm.Begin()
		defer tx.Rollback()
		parts, err := partitionStats(tx, cat, stream)
		if err != nil {
			return nil, err
		}
		for _, g := range cat.Groups(stream.ID) {
			off, err := event.LoadOffsets(tx, g.ID)
			if err != nil {
				return nil, err
			}
			// committed_partitions: partitions holding events of which the
			// group has committed at least one.
			var lag, committedParts int64
			for p, ps := range parts {
				lag += ps.countAfter(off.Of(p))
				if ps.lsns[0] <= off.Of(p) {
					committedParts++
				}
			}
			res.Rows = append(res.Rows, types.Row{g.Name, stream.Name, committedParts, g.Owner, lag,
				strings.Join(db.members.List(g.ID), ",")})
		}
	case "partitions":
		stream, err := cat.StreamOrTopic(st.Stream)
		if err != nil {
			return nil, err
		}
		tx := db.txm.Begin()
		defer tx.Rollback()
		var off *event.Offsets
		if st.Group != "" {
			g, err := cat.MustGroup(stream, st.Group)
			if err != nil {
				return nil, err
			}
			o, err := event.LoadOffsets(tx, g.ID)
			if err != nil {
				return nil, err
			}
			off = &o
		}
		parts, err := partitionStats(tx, cat, stream)
		if err != nil {
			return nil, err
		}
		ids := make([]int, 0, len(parts))
		for p := range parts {
			ids = append(ids, int(p))
		}
		sort.Ints(ids)
		for _, p := range ids {
			ps := parts[uint16(p)]
			row := types.Row{int64(p), int64(ps.lsns[0]), int64(ps.lsns[len(ps.lsns)-1]), int64(len(ps.lsns))}
			if off != nil {
				c := off.Of(uint16(p))
				row = append(row, int64(c), ps.countAfter(c))
			}
			res.Rows = append(res.Rows, row)
		}
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	return res, nil
}

// partStat holds one partition's event LSNs (ascending) of a stream.
type partStat struct{ lsns []uint64 }

func (p *partStat) countAfter(lsn uint64) int64 {
	i := sort.Search(len(p.lsns), func(i int) bool { return p.lsns[i] > lsn })
	return int64(len(p.lsns) - i)
}

// partitionStats scans a stream's events (after its start) per partition.
func partitionStats(tx *txn.Txn, cat *catalog.Catalog, st *catalog.Stream) (map[uint16]*partStat, error) {
	it, err := tx.NewIter(storage.LSNIndexKey(st.StartLSN+1), []byte{storage.TagLSNIndex + 1})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	allOps := len(st.Include) == 3
	out := map[uint16]*partStat{}
	var recs []storage.LogRecord
	for ; it.Valid(); it.Next() {
		var ok bool
		if recs, ok = storage.AppendLogRecords(recs[:0], it.Key(), it.Value()); !ok {
			continue
		}
		for _, r := range recs {
			if r.LSN <= st.StartLSN || !st.Covers(r.Coll) {
				continue
			}
			if !allOps {
				rec, err := txn.DecodeRecord(r.Coll, r.VShard, r.Raw)
				if err != nil {
					return nil, err
				}
				if !st.Includes(rec.Op.String()) {
					continue
				}
			}
			ps := out[r.VShard]
			if ps == nil {
				ps = &partStat{}
				out[r.VShard] = ps
			}
			ps.lsns = append(ps.lsns, r.LSN)
		}
	}
	return out, nil
}

// streamInfoColumns are the result columns of the SHOW statements of the
// real-time layer.
func streamInfoColumns(st *ast.ShowStreamInfo) []Column {
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	switch st.What {
	case "streams":
		return []Column{col("name", types.Text), col("collection", types.Text), col("include", types.Text),
			col("format", types.Text), col("owner", types.Text), col("created_at", types.Timestamptz),
			col("delivery", types.Text), col("target", types.Text), col("delivery_state", types.Text),
			col("delivered", types.Int8), col("retried", types.Int8), col("dead_lettered", types.Int8),
			col("last_error", types.Text)}
	case "groups":
		return []Column{col("group_name", types.Text), col("stream", types.Text), col("committed_partitions", types.Int8),
			col("owner", types.Text), col("lag", types.Int8), col("members", types.Text)}
	}
	cols := []Column{col("partition_id", types.Int4), col("earliest_lsn", types.Int8), col("latest_lsn", types.Int8),
		col("event_count", types.Int8)}
	if st.Group != "" {
		cols = append(cols, col("committed_lsn", types.Int8), col("lag", types.Int8))
	}
	return cols
}

// showChanges lists a collection's committed changes from the durable
// change log (SHOW CHANGES FOR c [SINCE 'ts' | SINCE LSN n] [LIMIT n]).
func (s *Session) showChanges(st *ast.ShowChanges) (*Result, error) {
	db := s.mgr.db
	coll, err := s.names().MustGet(st.Collection)
	if err != nil {
		return nil, err
	}
	if err := refuseTemp(coll, "SHOW CHANGES"); err != nil {
		return nil, err
	}
	limit := int64(1000)
	if st.Limit != nil {
		if limit, err = evalInt(st.Limit, "LIMIT"); err != nil {
			return nil, err
		}
		if limit < 0 {
			return nil, errs.New(errs.InvalidParameterValue, "LIMIT must not be negative")
		}
	}
	var notices []Notice
	if limit > maxShowChanges {
		notices = append(notices, Notice{Severity: "WARNING", Code: "01000",
			Message: fmt.Sprintf("SHOW CHANGES returns at most %d changes per call, not %d; continue with SINCE LSN <the last lsn + 1>", maxShowChanges, limit)})
		limit = maxShowChanges
	}
	view := &catalog.Stream{Name: "changes of " + coll.Name, CollectionID: coll.ID, Include: []string{"INSERT", "UPDATE", "DELETE"}}
	tx := db.txm.Begin()
	defer tx.Rollback()
	switch {
	case st.SinceLSN != nil:
		n, err := evalInt(st.SinceLSN, "SINCE LSN")
		if err != nil {
			return nil, err
		}
		view.StartLSN = uint64(max(n-1, 0))
	case st.Since != nil:
		lit, ok := st.Since.(*ast.Literal)
		text, isStr := "", false
		if ok {
			text, isStr = lit.Value.(string)
		}
		if !isStr {
			return nil, errs.New(errs.SyntaxError, "SINCE needs a timestamp literal or LSN n")
		}
		ts, err := types.ParseTime(text, types.Timestamptz)
		if err != nil {
			return nil, err
		}
		if view.StartLSN, err = event.LastBefore(tx, view, ts.(time.Time).UnixMilli()); err != nil {
			return nil, err
		}
	}
	evs, err := event.Read(tx, db.cat, nil, view, event.Offsets{}, event.ReadOptions{Partition: -1, Limit: int(limit)})
	if err != nil {
		return nil, err
	}
	if err := tx.WaitVisibleDurable(context.Background()); err != nil {
		return nil, err
	}
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	res := &Result{Columns: []Column{col("collection", types.Text), col("operation", types.Text),
		col("document_id", types.Text), col("timestamp_ms", types.Int8), col("lsn", types.Int8)}}
	for _, e := range evs {
		res.Rows = append(res.Rows, types.Row{e.Collection, e.Op, e.RowID, e.TimeMs, int64(e.LSN)})
	}
	res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
	res.Notices = notices
	return res, nil
}

// maxShowChanges bounds the changes one SHOW CHANGES returns (they are
// held in memory); a larger LIMIT gets this many and a warning.
const maxShowChanges = 10_000

// parseRetention reads RETENTION ('7 days', or a bare event count) and
// RETENTION_EVENTS (a count).
func parseRetention(key, v string) (ms, n int64, err error) {
	if c, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64); perr == nil {
		if c <= 0 {
			return 0, 0, errs.Errorf(errs.InvalidParameterValue, "%s must be positive, not %q", strings.ToUpper(key), v)
		}
		return 0, c, nil
	}
	if key == "retention_events" {
		return 0, 0, errs.Errorf(errs.InvalidParameterValue, "RETENTION_EVENTS must be a positive integer, not %q", v)
	}
	iv, perr := funcs.ParseInterval(v)
	if perr != nil {
		return 0, 0, errs.Errorf(errs.InvalidParameterValue, "RETENTION must be a duration such as '7 days' or an event count, not %q", v)
	}
	return (int64(iv.Months)*30*86400+int64(iv.Days)*86400)*1000 + iv.Micros/1000, 0, nil
}
