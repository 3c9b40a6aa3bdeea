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
	maxDeliveryBatch       = 1000
)

// deliveryOptions are the WITH keys that configure outbound delivery.
var deliveryOptions = map[string]bool{"url": true, "webhook_url": true, "secret": true, "webhook_secret": true,
	"retry": true, "timeout": true, "batch": true, "delivery": true}

// kafkaOptions configure the Kafka bridge, which is not built yet.
var kafkaOptions = map[string]bool{"brokers": true, "topic": true, "transactional": true}

// applyDeliveryOptions merges delivery options into d (nil: none yet) and
// returns the result (nil when no option asks for delivery).
func applyDeliveryOptions(d *catalog.Delivery, opts []ast.Option) (*catalog.Delivery, error) {
	var out catalog.Delivery
	if d != nil {
		out = *d
	} else {
		out = catalog.Delivery{Retry: defaultDeliveryRetry, TimeoutMs: defaultDeliveryTimeout.Milliseconds(), Batch: 1}
	}
	touched := false
	for _, o := range opts {
		if kafkaOptions[o.Key] {
			return nil, errs.Errorf(errs.FeatureNotSupported, "Kafka delivery (option %s) is not supported yet", strings.ToUpper(o.Key)).
				WithPosition(o.Pos)
		}
		if !deliveryOptions[o.Key] {
			continue
		}
		touched = true
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
			switch strings.ToLower(v) {
			case "webhook":
				out.Kind = "webhook"
			case "kafka":
				return nil, errs.New(errs.FeatureNotSupported, "DELIVERY = 'kafka' is not supported yet").WithPosition(o.Pos)
			default:
				return nil, errs.Errorf(errs.InvalidParameterValue, "DELIVERY must be 'webhook' or 'kafka', not %q", v)
			}
		}
	}
	if !touched {
		return d, nil
	}
	if out.Kind == "" {
		out.Kind = "webhook"
	}
	if out.Kind == "webhook" && out.URL == "" {
		return nil, errs.New(errs.InvalidParameterValue, "webhook delivery needs URL = 'http(s)://...'")
	}
	return &out, nil
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
	}
	return nil, errs.Errorf(errs.FeatureNotSupported, "delivery %q is not supported", d.Kind)
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
		if !deliveryOptions[o.Key] && !kafkaOptions[o.Key] {
			return nil, errs.Errorf(errs.FeatureNotSupported, "ALTER CHANGE STREAM cannot change %s", strings.ToUpper(o.Key)).
				WithPosition(o.Pos).WithHint("Delivery options (URL, SECRET, RETRY, TIMEOUT, BATCH, DELIVERY) can be changed.")
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
