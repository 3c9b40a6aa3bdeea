package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/ast"
	"github.com/nodedb-go/nodedb/sql/funcs"
	"github.com/nodedb-go/nodedb/sql/types"
)

// Delivery defaults.
const (
	defaultDeliveryRetry   = 5
	defaultDeliveryTimeout = 5 * time.Second
	defaultKafkaBatch      = 100
	maxDeliveryBatch       = 1000
)

// deliveryOptions are the WITH keys that configure outbound delivery.
var deliveryOptions = map[string]bool{"url": true, "webhook_url": true, "secret": true, "webhook_secret": true,
	"retry": true, "timeout": true, "batch": true, "delivery": true,
	"brokers": true, "topic": true, "transactional": true}

// kafkaOnly are the delivery options that only Kafka delivery takes. KEY,
// a stream option (the compaction key), is also the record key of Kafka
// delivery.
var kafkaOnly = map[string]bool{"brokers": true, "topic": true, "transactional": true}

// webhookOnly are the delivery options that only webhook delivery takes.
var webhookOnly = map[string]bool{"url": true, "webhook_url": true, "secret": true, "webhook_secret": true}

// applyDeliveryOptions merges delivery options into d (nil: none yet) and
// returns the result (nil when no option asks for delivery).
func applyDeliveryOptions(d *catalog.Delivery, opts []ast.Option) (*catalog.Delivery, error) {
	var out catalog.Delivery
	if d != nil {
		out = *d
		out.Brokers = append([]string(nil), d.Brokers...)
	} else {
		out = catalog.Delivery{Retry: defaultDeliveryRetry, TimeoutMs: defaultDeliveryTimeout.Milliseconds(), Batch: 1}
	}
	given := map[string]ast.Option{}
	kind := ""
	var keyOpt *ast.Option
	for _, o := range opts {
		if o.Key == "key" {
			keyOpt = &o
		}
		if !deliveryOptions[o.Key] {
			continue
		}
		given[o.Key] = o
		v, err := optionText(o)
		if err != nil {
			return nil, err
		}
		switch o.Key {
		case "url", "webhook_url":
			if err := event.ValidateWebhookURL(v); err != nil {
				return nil, err
			}
			out.URL = v
		case "secret", "webhook_secret":
			out.Secret = v
		case "retry":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || n > 100 {
				return nil, errs.Errorf(errs.InvalidParameterValue, "RETRY must be an integer from 0 to 100, not %q", v)
			}
			out.Retry = n
		case "timeout":
			dur, err := parseDuration(v)
			if err != nil || dur <= 0 || dur > time.Hour {
				return nil, errs.Errorf(errs.InvalidParameterValue, "TIMEOUT must be a duration such as '5s' (at most 1 hour), not %q", v)
			}
			out.TimeoutMs = dur.Milliseconds()
		case "batch":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > maxDeliveryBatch {
				return nil, errs.Errorf(errs.InvalidParameterValue, "BATCH must be an integer from 1 to %d, not %q", maxDeliveryBatch, v)
			}
			out.Batch = n
		case "delivery":
			switch k := strings.ToLower(strings.TrimSpace(v)); k {
			case "webhook", "kafka":
				kind = k
			default:
				return nil, errs.Errorf(errs.InvalidParameterValue, "DELIVERY must be 'webhook' or 'kafka', not %q", v)
			}
		case "brokers":
			var brokers []string
			for _, b := range strings.Split(v, ",") {
				if b = strings.TrimSpace(b); b != "" {
					brokers = append(brokers, b)
				}
			}
			if err := event.ValidateKafkaBrokers(brokers); err != nil {
				return nil, err
			}
			out.Brokers = brokers
		case "topic":
			if err := event.ValidateKafkaTopic(v); err != nil {
				return nil, err
			}
			out.Topic = v
		case "transactional":
			b, ok := parseBoolOption(v)
			if !ok {
				return nil, errs.Errorf(errs.InvalidParameterValue, "TRANSACTIONAL must be 'true' or 'false', not %q", v)
			}
			out.Transactional = b
		}
	}
	if len(given) == 0 && (keyOpt == nil || d == nil || d.Kind != "kafka") {
		return d, nil
	}
	// The kind: as given, else as before, else what the options imply.
	switch {
	case kind != "":
	case d != nil && d.Kind != "":
		kind = d.Kind
	case given["brokers"].Key != "" || given["topic"].Key != "":
		kind = "kafka"
	default:
		kind = "webhook"
	}
	if kind == "kafka" && d == nil && given["batch"].Key == "" {
		out.Batch = defaultKafkaBatch
	}
	// Options of the other kind are a mistake.
	for key, o := range given {
		switch {
		case kind == "webhook" && kafkaOnly[key]:
			return nil, errs.Errorf(errs.InvalidParameterValue, "%s applies only to DELIVERY = 'kafka'", strings.ToUpper(key)).WithPosition(o.Pos)
		case kind == "kafka" && webhookOnly[key]:
			return nil, errs.Errorf(errs.InvalidParameterValue, "%s applies only to webhook delivery", strings.ToUpper(key)).WithPosition(o.Pos)
		}
	}
	if d != nil && d.Kind != kind {
		// Switching kinds drops the other kind's settings.
		if kind == "kafka" {
			out.URL, out.Secret = "", ""
		} else {
			out.Brokers, out.Topic, out.Transactional, out.Key = nil, "", false, ""
		}
	}
	out.Kind = kind
	if kind == "kafka" && keyOpt != nil {
		k, err := optionText(*keyOpt)
		if err != nil {
			return nil, err
		}
		if k = strings.TrimSpace(k); k == "" {
			return nil, errs.New(errs.InvalidParameterValue, "KEY must name a field (or 'row_id')").WithPosition(keyOpt.Pos)
		}
		out.Key = k
	}
	switch kind {
	case "webhook":
		if out.URL == "" {
			return nil, errs.New(errs.InvalidParameterValue, "webhook delivery needs URL = 'http(s)://...'")
		}
	case "kafka":
		if len(out.Brokers) == 0 || out.Topic == "" {
			return nil, errs.New(errs.InvalidParameterValue, "Kafka delivery needs BROKERS = 'host:port,...' and TOPIC = '...'")
		}
	}
	return &out, nil
}

// checkDeliveryFormat refuses Kafka delivery of a msgpack stream: records
// carry the event's JSON.
func checkDeliveryFormat(format string, d *catalog.Delivery) error {
	if d != nil && d.Kind == "kafka" && format != "json" {
		return errs.Errorf(errs.FeatureNotSupported, "Kafka delivery of FORMAT = '%s' is not supported yet; records carry JSON", format)
	}
	return nil
}

// parseBoolOption reads true/false, on/off, yes/no, 1/0.
func parseBoolOption(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "1", "t":
		return true, true
	case "false", "off", "no", "0", "f":
		return false, true
	}
	return false, false
}

// parseDuration reads '5s', '500ms' or an interval such as '5 seconds'.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	iv, err := funcs.ParseInterval(v)
	if err != nil {
		return 0, err
	}
	return time.Duration(int64(iv.Months)*30*86400+int64(iv.Days)*86400)*time.Second + time.Duration(iv.Micros)*time.Microsecond, nil
}

// newSink builds the sink of a stream's delivery.
func newSink(st *catalog.Stream) (event.Sink, error) {
	d := st.Delivery
	switch d.Kind {
	case "webhook":
		return &event.Webhook{URL: d.URL, Secret: d.Secret, Timeout: time.Duration(d.TimeoutMs) * time.Millisecond,
			Client: event.NewWebhookClient()}, nil
	case "kafka":
		return event.NewKafka(event.KafkaConfig{Brokers: d.Brokers, Topic: d.Topic, Transactional: d.Transactional,
			TransactionalID: kafkaTransactionalID(st), StreamID: st.ID, Key: kafkaKey(d.Key),
			Timeout: time.Duration(d.TimeoutMs) * time.Millisecond})
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "delivery %q is not supported", d.Kind)
}

// kafkaTransactionalID is a stream's transactional id: stable across
// restarts (so a new producer fences the old one) and distinct per stream.
func kafkaTransactionalID(st *catalog.Stream) string {
	return fmt.Sprintf("nodedb-%s-%d", st.Name, st.ID)
}

// kafkaKey returns the record key function of KEY: nil (the row id) for
// 'row_id', else the text of that field of the row (the new value, or the
// old one for a DELETE); a row without the field is keyed by its row id.
func kafkaKey(field string) func(event.Event) []byte {
	if field == "" || strings.EqualFold(field, "row_id") {
		return nil
	}
	return func(e event.Event) []byte {
		row := e.New
		if row == nil {
			row = e.Old
		}
		if v, ok := row[field]; ok && v != nil {
			return []byte(types.FormatText(v))
		}
		return []byte(e.RowID)
	}
}

// kafkaTarget is what SHOW CHANGE STREAMS shows as a Kafka delivery's
// target.
func kafkaTarget(d *catalog.Delivery) string {
	t := "kafka://" + strings.Join(d.Brokers, ",") + "/" + d.Topic
	if d.Transactional {
		t += " (transactional)"
	}
	return t
}

// encodeEvent renders an event as webhook receivers get it: the JSON of
// HTTP polls.
func encodeEvent(e event.Event) ([]byte, error) { return json.Marshal(toStreamEvent(e)) }

func (s *Session) alterStream(st *ast.AlterChangeStream) (*Result, error) {
	db := s.mgr.db
	cat := db.cat
	if err := reservedName(st.Name); err != nil {
		return nil, err
	}
	for _, o := range st.Set {
		if !deliveryOptions[o.Key] && o.Key != "key" {
			return nil, errs.Errorf(errs.FeatureNotSupported, "ALTER CHANGE STREAM cannot change %s", strings.ToUpper(o.Key)).
				WithPosition(o.Pos).WithHint("Delivery options (URL, SECRET, RETRY, TIMEOUT, BATCH, DELIVERY, BROKERS, TOPIC, TRANSACTIONAL, KEY) can be changed.")
		}
	}
	err := cat.DDL(func(tx *catalog.DDLTxn) error {
		cur, err := cat.MustStream(st.Name)
		if err != nil {
			return err
		}
		next := *cur
		switch st.Action {
		case "set":
			d, err := applyDeliveryOptions(cur.Delivery, st.Set)
			if err != nil {
				return err
			}
			if err := checkDeliveryFormat(cur.Format, d); err != nil {
				return err
			}
			for _, o := range st.Set {
				if o.Key != "key" {
					continue
				}
				if cur.Compaction != nil {
					return errs.New(errs.FeatureNotSupported, "ALTER CHANGE STREAM cannot change the KEY of a compacted stream").WithPosition(o.Pos)
				}
				if d == nil || d.Kind != "kafka" {
					return errs.New(errs.InvalidParameterValue, "KEY needs DELIVERY = 'kafka' here (a compaction key is set by CREATE)").WithPosition(o.Pos)
				}
			}
			if cur.Delivery == nil && d != nil {
				// Delivery added later starts at the head, like a new stream.
				d.GroupID = tx.NewID()
				event.SetFloor(tx.Txn, d.GroupID, tx.SnapshotLSN())
			}
			next.Delivery = d
		case "pause", "resume":
			if cur.Delivery == nil {
				return errs.Errorf(errs.ObjectNotInState, "change stream '%s' has no delivery to %s", st.Name, st.Action)
			}
			d := *cur.Delivery
			d.Paused = st.Action == "pause"
			next.Delivery = &d
		}
		return tx.UpdateStream(&next)
	})
	if err != nil {
		return nil, err
	}
	db.reconcileStreams()
	return &Result{Tag: "ALTER CHANGE STREAM"}, nil
}

// deadLetterColumns are the columns of SHOW DEAD LETTERS.
func deadLetterColumns() []Column {
	col := func(name string, t types.T) Column { return Column{Name: name, Type: t, TypeMod: -1} }
	return []Column{col("lsn", types.Int8), col("partition", types.Int4), col("event", types.JSONB),
		col("error", types.Text), col("attempts", types.Int4), col("first_attempt", types.Timestamptz),
		col("last_attempt", types.Timestamptz)}
}

func (s *Session) deadLetters(ctx context.Context, st *ast.DeadLetters) (*Result, error) {
	db := s.mgr.db
	stream, err := db.cat.MustStream(st.Stream)
	if err != nil || reservedName(st.Stream) != nil {
		return nil, errs.Errorf(errs.UndefinedObject, "change stream '%s' does not exist", st.Stream)
	}
	switch st.Action {
	case "show":
		tx := db.txm.Begin()
		defer tx.Rollback()
		letters, err := event.DeadLetters(tx, stream.ID, 0)
		if err != nil {
			return nil, err
		}
		res := &Result{Columns: deadLetterColumns()}
		for _, d := range letters {
			ev, err := types.ParseJSON(string(d.Event))
			if err != nil {
				ev = string(d.Event)
			}
			res.Rows = append(res.Rows, types.Row{int64(d.LSN), int64(d.Partition), ev, d.Error, int64(d.Attempts),
				time.UnixMilli(d.FirstMs).UTC(), time.UnixMilli(d.LastMs).UTC()})
		}
		res.Tag = fmt.Sprintf("SELECT %d", len(res.Rows))
		return res, nil
	case "replay":
		delivered, failed, err := db.outbound.Replay(ctx, stream)
		if err != nil {
			return nil, err
		}
		res := &Result{Tag: fmt.Sprintf("REPLAY %d", delivered)}
		if failed > 0 {
			res.Notices = append(res.Notices, Notice{Severity: "WARNING", Code: "01000",
				Message: fmt.Sprintf("%d dead letters failed again and were kept", failed)})
		}
		return res, nil
	default: // purge
		// A letter written just before can still be in flight to disk; a
		// write-write conflict with it is retried (the purge is idempotent).
		var n int
		for attempt := 1; ; attempt++ {
			n, err = purgeDeadLetters(db, stream.ID)
			if e, ok := errs.As(err); ok && e.Code == errs.SerializationFailure && attempt < 5 {
				time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
				continue
			}
			break
		}
		if err != nil {
			return nil, err
		}
		return &Result{Tag: fmt.Sprintf("PURGE %d", n)}, nil
	}
}

func purgeDeadLetters(db *DB, streamID uint32) (int, error) {
	tx := db.txm.Begin()
	defer tx.Rollback()
	n, err := event.PurgeDeadLetters(tx, streamID)
	if err != nil {
		return 0, err
	}
	_, err = tx.Commit()
	return n, err
}
