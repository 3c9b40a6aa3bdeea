package event

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/nodedb-go/nodedb/errs"
)

// The Kafka sink produces each event as one record: the key is the row id
// (or another field, see KafkaConfig.Key), so Kafka keeps each key's
// events in order in one partition; the value is the event's JSON; the
// headers say where it comes from. The producer is always idempotent.
// Without transactions a Send is one synchronous produce. With them, a
// Send is one Kafka transaction, and the sink can tell after a restart how
// far Kafka already holds the stream (Resume), so a crash between the
// Kafka commit and nodedb's position commit does not produce the events
// twice for read_committed consumers. Sends that arrive while a
// transaction runs share the next one (group commit).

// Record headers of the Kafka sink.
const (
	KafkaHeaderStream     = "nodedb-stream"
	KafkaHeaderStreamID   = "nodedb-stream-id"
	KafkaHeaderPartition  = "nodedb-partition"
	KafkaHeaderLSN        = "nodedb-lsn"
	KafkaHeaderCollection = "nodedb-collection"
	KafkaHeaderOp         = "nodedb-op"
	KafkaHeaderReplay     = "nodedb-replay"
)

// DefaultKafkaResumeWindow is how many records at the end of each Kafka
// partition a transactional sink reads to find what Kafka already holds.
const DefaultKafkaResumeWindow = 10_000

// resumeTimeout is the least time given to fencing the previous producer
// and reading back what Kafka holds.
const resumeTimeout = 30 * time.Second

// minKafkaTimeout is the shortest Send timeout (franz-go refuses record
// timeouts under a second).
const minKafkaTimeout = time.Second

// KafkaConfig configures a Kafka sink.
type KafkaConfig struct {
	Brokers []string
	Topic   string
	// Transactional produces each Send in one Kafka transaction under
	// TransactionalID (stable per stream, so a restarted producer fences
	// the old one).
	Transactional   bool
	TransactionalID string
	StreamID        uint32 // written in a header; Resume reads back only this stream's records
	// Key returns an event's record key; nil: the row id.
	Key func(Event) []byte
	// Timeout bounds a Send (the produce and, with transactions, the
	// commit); at least 1 s. Resume gets at least 30 s.
	Timeout time.Duration
	// ResumeWindow is how many records at the end of each Kafka partition
	// Resume reads; 0: DefaultKafkaResumeWindow.
	ResumeWindow int64
}

// ValidateKafkaBrokers checks a BROKERS list: host:port entries.
func ValidateKafkaBrokers(brokers []string) error {
	if len(brokers) == 0 {
		return errs.New(errs.InvalidParameterValue, "BROKERS must list at least one host:port")
	}
	for _, b := range brokers {
		host, port, err := net.SplitHostPort(b)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return errs.Errorf(errs.InvalidParameterValue, "BROKERS: %q is not host:port", b)
		}
	}
	return nil
}

// ValidateKafkaTopic checks a topic name the way Kafka does: 1 to 249 of
// [a-zA-Z0-9._-], not "." or "..".
func ValidateKafkaTopic(t string) error {
	ok := t != "" && len(t) <= 249 && t != "." && t != ".."
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			ok = false
		}
	}
	if !ok {
		return errs.Errorf(errs.InvalidParameterValue, "TOPIC %q is not a valid Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -)", t)
	}
	return nil
}

// NewKafka returns a Kafka sink. A transactional one is also a Resumer.
func NewKafka(cfg KafkaConfig) (Sink, error) {
	if err := ValidateKafkaBrokers(cfg.Brokers); err != nil {
		return nil, err
	}
	if err := ValidateKafkaTopic(cfg.Topic); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.Timeout = max(cfg.Timeout, minKafkaTimeout)
	if cfg.ResumeWindow <= 0 {
		cfg.ResumeWindow = DefaultKafkaResumeWindow
	}
	k := &kafkaSink{cfg: cfg}
	if !cfg.Transactional {
		cl, err := kgo.NewClient(k.opts()...)
		if err != nil {
			return nil, fmt.Errorf("kafka: %w", err)
		}
		k.cl = cl
		return k, nil
	}
	if cfg.TransactionalID == "" {
		return nil, errors.New("kafka: a transactional sink needs a transactional id")
	}
	// Until Kafka has been read back, the sink does not know what the
	// previous producer under this transactional id committed.
	return &kafkaTxnSink{kafkaSink: k, suspect: true, held: map[uint16]uint64{}}, nil
}

type kafkaSink struct {
	cfg KafkaConfig
	cl  *kgo.Client // nil in a transactional sink between failures
}

func (k *kafkaSink) opts() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(k.cfg.Brokers...),
		kgo.DefaultProduceTopic(k.cfg.Topic),
		kgo.ClientID("nodedb"),
		kgo.RecordDeliveryTimeout(k.cfg.Timeout),
		kgo.ProduceRequestTimeout(k.cfg.Timeout),
		kgo.RequiredAcks(kgo.AllISRAcks()), // what idempotence needs
		// After a broker failure, learn the new leaders soon.
		kgo.MetadataMinAge(500 * time.Millisecond),
	}
	if k.cfg.Transactional {
		// A transaction's records are produced together and waited for:
		// lingering would only add latency.
		opts = append(opts, kgo.TransactionalID(k.cfg.TransactionalID), kgo.ProducerLinger(0))
	} else {
		// Concurrent Sends (one per nodedb partition, each waiting for
		// its records) share produce requests if the producer lingers a
		// little.
		opts = append(opts, kgo.ProducerLinger(2*time.Millisecond))
		// A Send that times out must return even if the broker went away
		// with its records in flight (franz-go would otherwise wait for
		// their outcome, and a stopping pipe with it). The retry may then
		// write them twice: plain delivery is at least once anyway.
		opts = append(opts, kgo.AllowIdempotentProduceCancellation())
	}
	return opts
}

// records turns a batch into Kafka records.
func (k *kafkaSink) records(stream string, batch []Outgoing) []*kgo.Record {
	id := strconv.FormatUint(uint64(k.cfg.StreamID), 10)
	recs := make([]*kgo.Record, len(batch))
	for i, o := range batch {
		e := o.Event
		var key []byte
		if k.cfg.Key != nil {
			key = k.cfg.Key(e)
		} else {
			key = []byte(e.RowID)
		}
		h := []kgo.RecordHeader{
			{Key: KafkaHeaderStream, Value: []byte(stream)},
			{Key: KafkaHeaderStreamID, Value: []byte(id)},
			{Key: KafkaHeaderPartition, Value: []byte(strconv.Itoa(int(e.Partition)))},
			{Key: KafkaHeaderLSN, Value: []byte(strconv.FormatUint(e.LSN, 10))},
		}
		if e.Collection != "" {
			h = append(h, kgo.RecordHeader{Key: KafkaHeaderCollection, Value: []byte(e.Collection)})
		}
		if e.Op != "" {
			h = append(h, kgo.RecordHeader{Key: KafkaHeaderOp, Value: []byte(e.Op)})
		}
		if o.Replay {
			h = append(h, kgo.RecordHeader{Key: KafkaHeaderReplay, Value: []byte("true")})
		}
		// The record's timestamp is left to the client (the produce time):
		// franz-go measures the delivery timeout from it. The event time is
		// in the value.
		recs[i] = &kgo.Record{Topic: k.cfg.Topic, Key: key, Value: o.Body, Headers: h}
	}
	return recs
}

// Send implements Sink: one synchronous, idempotent produce.
func (k *kafkaSink) Send(ctx context.Context, stream string, batch []Outgoing) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, k.cfg.Timeout)
	defer cancel()
	res, ok := k.produce(ctx, k.records(stream, batch))
	if !ok {
		return k.classify(ctx, ctx.Err())
	}
	return k.classify(ctx, res.FirstErr())
}

// Close implements Sink.
func (k *kafkaSink) Close() error {
	if k.cl != nil {
		k.cl.Close()
		k.cl = nil
	}
	return nil
}

// classify sorts a produce failure: a record Kafka refuses is
// permanent (retrying the same bytes cannot help); everything else (no
// broker, timeouts, a missing topic, authorization) is the cluster's, not
// the event's, and is retried without limit.
func (k *kafkaSink) classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kgo.ErrRecordTimeout) {
		err = fmt.Errorf("kafka: produce to %s (brokers %s) not acknowledged within %s: %w", k.cfg.Topic,
			strings.Join(k.cfg.Brokers, ","), k.cfg.Timeout, err)
	} else {
		err = fmt.Errorf("kafka: produce to %s: %w", k.cfg.Topic, err)
	}
	switch {
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge),
		errors.Is(err, kerr.InvalidRecord), errors.Is(err, kerr.CorruptMessage):
		return &PermanentError{Err: err}
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return &UnavailableError{Err: err}
}

// kafkaTxnSink produces Sends in Kafka transactions, one transaction at
// a time (mu), each holding every Send that waited for it.
type kafkaTxnSink struct {
	*kafkaSink
	qmu     sync.Mutex
	pending []*txnSend // Sends waiting for the next transaction
	mu      sync.Mutex // held by the committer
	// suspect: whether a transaction may have committed is unknown (a
	// commit that failed without an answer, or a fresh start): before the
	// next transaction the sink fences the old producer and reads back
	// what Kafka holds.
	suspect bool
	held    map[uint16]uint64 // per nodedb partition, the highest LSN Kafka holds (as last read back)
	closed  bool
}

// ready makes sure there is a client and that held is known.
func (k *kafkaTxnSink) ready(ctx context.Context) error {
	if k.closed {
		return errors.New("kafka: sink closed")
	}
	if k.cl == nil {
		cl, err := kgo.NewClient(k.opts()...)
		if err != nil {
			return fmt.Errorf("kafka: %w", err)
		}
		k.cl = cl
	}
	if !k.suspect {
		return nil
	}
	// Initialising the producer id fences an older producer with the same
	// transactional id and finishes (commits or aborts) its open
	// transaction, so what is read back afterwards is final.
	if _, _, err := k.cl.ProducerID(ctx); err != nil {
		k.reset()
		return fmt.Errorf("kafka: init transactional producer: %w", err)
	}
	held, err := k.readBack(ctx)
	if err != nil {
		return err
	}
	for p, lsn := range held {
		k.held[p] = max(k.held[p], lsn)
	}
	k.suspect = false
	return nil
}

// reset drops the client; the next Send builds a new one.
func (k *kafkaTxnSink) reset() {
	if k.cl != nil {
		k.cl.Close()
		k.cl = nil
	}
}

// txnSend is one Send waiting for its transaction.
type txnSend struct {
	stream string
	batch  []Outgoing
	done   chan error // buffered: the committer never blocks
}

// Send implements Sink. The batch is committed in one Kafka transaction
// together with the batches of the Sends that arrived while the previous
// transaction ran (group commit: the pipe sends partitions concurrently,
// a transactional producer has one transaction open at a time). A Send
// returns once its transaction committed (nil) or failed (the error).
func (k *kafkaTxnSink) Send(ctx context.Context, stream string, batch []Outgoing) error {
	req := &txnSend{stream: stream, batch: batch, done: make(chan error, 1)}
	k.qmu.Lock()
	k.pending = append(k.pending, req)
	k.qmu.Unlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	select {
	case err := <-req.done: // a previous committer took it
		return err
	default:
	}
	k.qmu.Lock()
	group := k.pending
	k.pending = nil
	k.qmu.Unlock()
	k.commitGroup(ctx, group)
	return <-req.done
}

// commitGroup produces a group of Sends in one transaction and answers
// each. The caller holds k.mu.
func (k *kafkaTxnSink) commitGroup(ctx context.Context, group []*txnSend) {
	answer := func(err func(*txnSend) error) {
		for _, r := range group {
			r.done <- err(r)
		}
	}
	if k.suspect || k.cl == nil {
		rctx, rcancel := context.WithTimeout(ctx, max(k.cfg.Timeout, resumeTimeout))
		err := k.ready(rctx)
		rcancel()
		if err != nil {
			err = k.classify(rctx, err)
			answer(func(*txnSend) error { return err })
			return
		}
	}
	ctx, cancel := context.WithTimeout(ctx, k.cfg.Timeout)
	defer cancel()
	// Events Kafka already holds (a commit whose answer was lost) are not
	// produced again; replayed dead letters are always sent.
	var recs []*kgo.Record
	owner := []*txnSend{} // owner[i] sent recs[i]
	var sent []Outgoing
	for _, r := range group {
		for _, o := range r.batch {
			if o.Replay || o.Event.LSN > k.held[o.Event.Partition] {
				recs = append(recs, k.records(r.stream, []Outgoing{o})...)
				owner = append(owner, r)
				sent = append(sent, o)
			}
		}
	}
	if len(recs) == 0 {
		answer(func(*txnSend) error { return nil })
		return
	}
	if err := k.cl.BeginTransaction(); err != nil {
		k.reset()
		err = k.classify(ctx, err)
		answer(func(*txnSend) error { return err })
		return
	}
	res, ok := k.produce(ctx, recs)
	if !ok {
		// A transactional producer cannot give up records it has sent
		// and waits for a broker that may be gone: drop the client. Its
		// open transaction is aborted when the next producer with this
		// transactional id initialises, so nothing of it becomes visible.
		k.reset()
		err := k.classify(ctx, ctx.Err())
		answer(func(*txnSend) error { return err })
		return
	}
	if first := res.FirstErr(); first != nil {
		// Nothing of an aborted (or fenced) transaction becomes visible.
		actx, acancel := context.WithTimeout(context.Background(), k.cfg.Timeout)
		defer acancel()
		if aerr := k.cl.AbortBufferedRecords(actx); aerr != nil {
			k.reset()
		} else if aerr := k.cl.EndTransaction(actx, kgo.TryAbort); aerr != nil {
			k.reset()
		}
		// A Send whose own record was refused gets that (maybe
		// permanent) error; the others were only caught in the abort.
		own := map[*txnSend]error{}
		for i, pr := range res {
			if pr.Err != nil && own[owner[i]] == nil {
				own[owner[i]] = k.classify(ctx, pr.Err)
			}
		}
		// Not %w: another Send's refused record must not make this
		// one's error permanent.
		aborted := &UnavailableError{Err: fmt.Errorf("kafka: produce to %s: transaction aborted (a record failed: %v)", k.cfg.Topic, first)}
		var perm *PermanentError
		answer(func(r *txnSend) error {
			if err := own[r]; err != nil && errors.As(err, &perm) {
				return err
			}
			return aborted
		})
		return
	}
	if err := k.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		// The commit may or may not have happened: find out by reading
		// back before the next transaction.
		k.suspect = true
		k.reset()
		err = k.classify(ctx, fmt.Errorf("commit transaction: %w", err))
		answer(func(*txnSend) error { return err })
		return
	}
	for _, o := range sent {
		if !o.Replay {
			k.held[o.Event.Partition] = max(k.held[o.Event.Partition], o.Event.LSN)
		}
	}
	answer(func(*txnSend) error { return nil })
}

// produce produces recs and waits for their results until ctx ends. It
// reports false if ctx ended first; the client must then be dropped (its
// close fails the records still waiting).
func (k *kafkaSink) produce(ctx context.Context, recs []*kgo.Record) (kgo.ProduceResults, bool) {
	res := make(kgo.ProduceResults, len(recs))
	done := make(chan struct{})
	var left atomic.Int64
	left.Store(int64(len(recs)))
	for i, r := range recs {
		k.cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			res[i] = kgo.ProduceResult{Record: r, Err: err}
			if left.Add(-1) == 0 {
				close(done)
			}
		})
	}
	select {
	case <-done:
		return res, true
	case <-ctx.Done():
		return nil, false
	}
}

// Resume implements Resumer: per nodedb partition, the highest LSN of
// this stream that Kafka holds committed.
func (k *kafkaTxnSink) Resume(ctx context.Context, stream string) (map[uint16]uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, max(k.cfg.Timeout, resumeTimeout))
	defer cancel()
	if err := k.ready(ctx); err != nil {
		return nil, err
	}
	out := make(map[uint16]uint64, len(k.held))
	for p, lsn := range k.held {
		out[p] = lsn
	}
	return out, nil
}

// Close implements Sink.
func (k *kafkaTxnSink) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	k.reset()
	return nil
}

// readBack reads the last ResumeWindow records of each partition of the
// topic with a read_committed consumer and returns, per nodedb partition,
// the highest LSN among this stream's records (replays aside).
func (k *kafkaTxnSink) readBack(ctx context.Context) (map[uint16]uint64, error) {
	adm := kadm.NewClient(k.cl) // shares the producer's client; not closed on its own
	ends, err := adm.ListEndOffsets(ctx, k.cfg.Topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: list end offsets of %s: %w", k.cfg.Topic, err)
	}
	starts, err := adm.ListStartOffsets(ctx, k.cfg.Topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("kafka: list start offsets of %s: %w", k.cfg.Topic, err)
	}
	from := map[int32]kgo.Offset{}
	until := map[int32]int64{} // done once a record at or past until-1 was seen
	ends.Each(func(o kadm.ListedOffset) {
		start := int64(0)
		if s, ok := starts.Lookup(o.Topic, o.Partition); ok {
			start = s.Offset
		}
		if o.Offset <= start {
			return
		}
		from[o.Partition] = kgo.NewOffset().At(max(start, o.Offset-k.cfg.ResumeWindow))
		until[o.Partition] = o.Offset
	})
	held := map[uint16]uint64{}
	if len(from) == 0 {
		return held, nil
	}
	cons, err := kgo.NewClient(
		kgo.SeedBrokers(k.cfg.Brokers...),
		kgo.ClientID("nodedb-resume"),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{k.cfg.Topic: from}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Commit and abort markers end transactions; keeping them tells
		// when a partition was read to its end.
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	defer cons.Close()
	id := strconv.FormatUint(uint64(k.cfg.StreamID), 10)
	for len(until) > 0 {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("kafka: read back %s: %w", k.cfg.Topic, ctx.Err())
		}
		if errs := fs.Errors(); len(errs) > 0 {
			e := errs[0]
			return nil, fmt.Errorf("kafka: read back %s partition %d: %w", e.Topic, e.Partition, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := until[r.Partition]; ok && r.Offset >= end-1 {
				delete(until, r.Partition)
			}
			if r.Attrs.IsControl() {
				return
			}
			part, lsn, ok := kafkaPosition(r, id)
			if ok {
				held[part] = max(held[part], lsn)
			}
		})
	}
	return held, nil
}

// kafkaPosition reads the nodedb partition and LSN of a record of stream
// id (ok false for another stream's records and for replays).
func kafkaPosition(r *kgo.Record, id string) (part uint16, lsn uint64, ok bool) {
	var sid, sp, sl string
	for _, h := range r.Headers {
		switch h.Key {
		case KafkaHeaderStreamID:
			sid = string(h.Value)
		case KafkaHeaderPartition:
			sp = string(h.Value)
		case KafkaHeaderLSN:
			sl = string(h.Value)
		case KafkaHeaderReplay:
			return 0, 0, false
		}
	}
	if sid != id {
		return 0, 0, false
	}
	p, err1 := strconv.ParseUint(strings.TrimSpace(sp), 10, 16)
	l, err2 := strconv.ParseUint(strings.TrimSpace(sl), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint16(p), l, true
}
