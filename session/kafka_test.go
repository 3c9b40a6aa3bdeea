package session

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/nodedb-go/nodedb/errs"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/storage"
)

// newKafka starts an in-process Kafka cluster with the topics (4
// partitions each).
func newKafka(t *testing.T, topics ...string) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, topics...))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// kafkaRec is one record a test consumer read.
type kafkaRec struct {
	kpart     int32
	offset    int64
	key       string
	stream    string
	streamID  string
	partition int
	lsn       uint64
	replay    bool
	ev        map[string]any
}

// kreader reads a topic from the start (read_committed or not) and
// accumulates what it reads.
type kreader struct {
	t    *testing.T
	cl   *kgo.Client
	recs []kafkaRec
}

func newKReader(t *testing.T, c *kfake.Cluster, topic string, committed bool) *kreader {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100 * time.Millisecond)}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return &kreader{t: t, cl: cl}
}

// poll reads what is there within d.
func (r *kreader) poll(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	fs := r.cl.PollFetches(ctx)
	fs.EachRecord(func(rec *kgo.Record) {
		kr := kafkaRec{kpart: rec.Partition, offset: rec.Offset, key: string(rec.Key)}
		for _, h := range rec.Headers {
			v := string(h.Value)
			switch h.Key {
			case event.KafkaHeaderStream:
				kr.stream = v
			case event.KafkaHeaderStreamID:
				kr.streamID = v
			case event.KafkaHeaderPartition:
				kr.partition, _ = strconv.Atoi(v)
			case event.KafkaHeaderLSN:
				kr.lsn, _ = strconv.ParseUint(v, 10, 64)
			case event.KafkaHeaderReplay:
				kr.replay = v == "true"
			}
		}
		if err := json.Unmarshal(rec.Value, &kr.ev); err != nil {
			r.t.Errorf("record value is not a JSON object: %s", rec.Value)
			return
		}
		if uint64(kr.ev["lsn"].(float64)) != kr.lsn || int(kr.ev["partition"].(float64)) != kr.partition {
			r.t.Errorf("headers partition %d lsn %d disagree with the value %v", kr.partition, kr.lsn, kr.ev)
		}
		r.recs = append(r.recs, kr)
	})
}

// events returns, per stream name, how often each (partition, lsn) was
// read, and checks per-row order: a row's LSNs never go backwards in its
// Kafka partition (a row has one key, so one Kafka partition), except for repeats of an event already read
// (at-least-once) and replays.
func (r *kreader) events() map[string]map[string]int {
	out := map[string]map[string]int{}
	last := map[string]uint64{}
	for _, kr := range r.recs {
		id := fmt.Sprintf("%d:%d", kr.partition, kr.lsn)
		if out[kr.stream] == nil {
			out[kr.stream] = map[string]int{}
		}
		seen := out[kr.stream][id] > 0
		out[kr.stream][id]++
		k := kr.stream + "|" + kr.ev["row_id"].(string)
		if !kr.replay && !seen && kr.lsn <= last[k] {
			r.t.Errorf("stream %s row %q: LSN %d after %d", kr.stream, kr.ev["row_id"], kr.lsn, last[k])
		}
		if !kr.replay {
			last[k] = max(last[k], kr.lsn)
		}
	}
	return out
}

// rowIDs returns the distinct row ids of a stream's records, by op.
func (r *kreader) rows(stream, op string) map[string]bool {
	out := map[string]bool{}
	for _, kr := range r.recs {
		if kr.stream == stream && kr.ev["op"] == op {
			out[kr.ev["row_id"].(string)] = true
		}
	}
	return out
}

// waitRows polls until every row id has an event of op on the stream.
func (r *kreader) waitRows(stream, op string, ids ...string) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		have := r.rows(stream, op)
		var missing []string
		for _, id := range ids {
			if !have[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			n := len(missing)
			if n > 10 {
				missing = append(missing[:10], "...")
			}
			r.t.Fatalf("stream %s: %d of %d %s events never arrived (%d records read; missing row ids %v)",
				stream, n, len(ids), op, len(r.recs), missing)
		}
		r.poll(200 * time.Millisecond)
	}
}

// exactlyOnce checks that every event of a stream was read once.
func (r *kreader) exactlyOnce(stream string, want int) {
	r.t.Helper()
	evs := r.events()[stream]
	for id, n := range evs {
		if n != 1 {
			r.t.Errorf("stream %s: event %s read %d times", stream, id, n)
		}
	}
	require.Len(r.t, evs, want, "stream %s: distinct events", stream)
}

func TestKafkaDelivery(t *testing.T) {
	c := newKafka(t, "orders")
	brokers := strings.Join(c.ListenAddrs(), ",")
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY, total INT, customer TEXT)`)
	d.q(s, `INSERT INTO orders VALUES (0, 0, 'c0')`) // before the streams: not delivered
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM plain ON orders WITH (DELIVERY = 'kafka', BROKERS = '%s', TOPIC = 'orders', FORMAT = 'json')`, brokers))
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM txn ON orders WITH (DELIVERY = 'kafka', BROKERS = '%s', TOPIC = 'orders', TRANSACTIONAL = 'true', KEY = 'customer', BATCH = 7)`, brokers))
	for i := 1; i <= 100; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d, %d, 'c%d')`, i, i, i%5))
	}
	for round := 1; round <= 3; round++ {
		d.q(s, fmt.Sprintf(`UPDATE orders SET total = total + %d WHERE id >= 1 AND id <= 20`, round))
	}
	d.q(s, `DELETE FROM orders WHERE id > 90`)

	r := newKReader(t, c, "orders", true)
	for _, st := range []string{"plain", "txn"} {
		r.waitRows(st, "INSERT", ids(1, 100)...)
		r.waitRows(st, "DELETE", ids(91, 100)...)
	}
	require.Eventually(t, func() bool {
		r.poll(100 * time.Millisecond)
		e := r.events()
		return len(e["plain"]) == 100+60+10 && len(e["txn"]) == 100+60+10
	}, 20*time.Second, 10*time.Millisecond)
	r.exactlyOnce("plain", 170) // no failures: the idempotent producer sends each once
	r.exactlyOnce("txn", 170)
	require.False(t, r.rows("plain", "INSERT")["0"], "a row written before the stream was delivered")

	// Keys: the row id by default, the customer with KEY = 'customer'.
	for _, kr := range r.recs {
		switch kr.stream {
		case "plain":
			require.Equal(t, kr.ev["row_id"], kr.key)
		case "txn":
			row, _ := kr.ev["new_value"].(map[string]any)
			if row == nil {
				row = kr.ev["old_value"].(map[string]any)
			}
			require.Equal(t, row["customer"], kr.key)
		}
	}
	// Per-key order across updates: row 1's events are INSERT then three
	// UPDATEs with growing totals.
	var totals []float64
	for _, kr := range r.recs {
		if kr.stream == "plain" && kr.key == "1" {
			totals = append(totals, kr.ev["new_value"].(map[string]any)["total"].(float64))
		}
	}
	require.Equal(t, []float64{1, 2, 4, 7}, totals)

	st := showRow(t, s, `SHOW CHANGE STREAMS`, "plain")
	require.Equal(t, "kafka", st["delivery"])
	require.Equal(t, "kafka://"+brokers+"/orders", st["target"])
	require.Equal(t, "active", st["delivery_state"])
	st = showRow(t, s, `SHOW CHANGE STREAMS`, "txn")
	require.Equal(t, "kafka://"+brokers+"/orders (transactional)", st["target"])
	// The counters move when the producer's acknowledgement is handled,
	// which can come after a reader already sees the records.
	for _, name := range []string{"plain", "txn"} {
		require.Eventually(t, func() bool {
			return showRow(t, s, `SHOW CHANGE STREAMS`, name)["delivered"] == int64(170)
		}, 10*time.Second, 10*time.Millisecond, "%s: delivered = %v", name, showRow(t, s, `SHOW CHANGE STREAMS`, name)["delivered"])
	}
}

func TestKafkaOptions(t *testing.T) {
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE t (id INT PRIMARY KEY)`)
	for _, bad := range []string{
		`CREATE CHANGE STREAM bad ON t WITH (DELIVERY = 'kafka', TOPIC = 'x')`,
		`CREATE CHANGE STREAM bad ON t WITH (DELIVERY = 'kafka', BROKERS = 'h:9092')`,
		`CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'nohost', TOPIC = 'x')`,
		`CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:99999', TOPIC = 'x')`,
		`CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:9092', TOPIC = 'bad topic')`,
		`CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:9092', TOPIC = 'x', TRANSACTIONAL = 'maybe')`,
		`CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:9092', TOPIC = 'x', URL = 'http://h')`,
		`CREATE CHANGE STREAM bad ON t WITH (URL = 'http://h', TOPIC = 'x')`,
		`CREATE CHANGE STREAM bad ON t WITH (DELIVERY = 'smoke')`,
	} {
		d.fail(s, errs.InvalidParameterValue, bad)
	}
	// KEY is the compaction key, or the record key of Kafka delivery.
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (KEY = 'id')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (URL = 'http://h', KEY = 'id')`)
	d.fail(s, errs.InvalidParameterValue, `CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:9092', TOPIC = 'x', KEY = '')`)
	d.q(s, `CREATE CHANGE STREAM ck ON t WITH (COMPACTION = 'key', KEY = 'id', BROKERS = 'h:9092', TOPIC = 'x')`)
	st, _ := d.db.cat.Stream("ck")
	require.Equal(t, "id", st.Compaction.Key)
	require.Equal(t, "id", st.Delivery.Key)
	d.fail(s, errs.FeatureNotSupported, `ALTER CHANGE STREAM ck SET (KEY = 'other')`)
	d.q(s, `DROP CHANGE STREAM ck`)
	d.fail(s, errs.FeatureNotSupported, `CREATE CHANGE STREAM bad ON t WITH (BROKERS = 'h:9092', TOPIC = 'x', FORMAT = 'msgpack')`)

	// BROKERS and TOPIC imply DELIVERY = 'kafka'; BATCH defaults to 100.
	d.q(s, `CREATE CHANGE STREAM k ON t WITH (BROKERS = 'a:9092, b:9093', TOPIC = 'x', KEY = 'row_id')`)
	st, _ = d.db.cat.Stream("k")
	require.Equal(t, "kafka", st.Delivery.Kind)
	require.Equal(t, []string{"a:9092", "b:9093"}, st.Delivery.Brokers)
	require.Equal(t, 100, st.Delivery.Batch)
	require.False(t, st.Delivery.Transactional)
	d.q(s, `ALTER CHANGE STREAM k SET (TRANSACTIONAL = 'on', TOPIC = 'y')`)
	d.q(s, `ALTER CHANGE STREAM k SET (KEY = 'v')`)
	st, _ = d.db.cat.Stream("k")
	require.True(t, st.Delivery.Transactional)
	require.Equal(t, "v", st.Delivery.Key)
	require.Equal(t, "y", st.Delivery.Topic)
	d.fail(s, errs.InvalidParameterValue, `ALTER CHANGE STREAM k SET (SECRET = 's')`)
	// Switching to a webhook drops the Kafka settings.
	d.q(s, `ALTER CHANGE STREAM k SET (DELIVERY = 'webhook', URL = 'http://127.0.0.1:1/x')`)
	st, _ = d.db.cat.Stream("k")
	require.Equal(t, "webhook", st.Delivery.Kind)
	require.Empty(t, st.Delivery.Brokers)
	require.Empty(t, st.Delivery.Topic)
	d.fail(s, errs.InvalidParameterValue, `ALTER CHANGE STREAM k SET (KEY = 'v')`)
	d.q(s, `DROP CHANGE STREAM k`)
}

// refuseProduce makes the cluster answer every produce with
// NOT_LEADER_FOR_PARTITION while down is set: the broker is there but
// takes nothing.
func refuseProduce(c *kfake.Cluster, down *atomic.Bool) {
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !down.Load() {
			return nil, nil, false
		}
		req := kreq.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.NotLeaderForPartition.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
}

func TestKafkaBrokerOutage(t *testing.T) {
	for _, txn := range []bool{false, true} {
		t.Run(fmt.Sprintf("transactional=%v", txn), func(t *testing.T) {
			c := newKafka(t, "orders")
			var down atomic.Bool
			refuseProduce(c, &down)
			d := openDelivery(t, t.TempDir())
			defer d.close()
			s := d.m.NewSession("admin", "db")
			defer s.Close()
			d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY)`)
			d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM oc ON orders WITH (DELIVERY = 'kafka', BROKERS = '%s', TOPIC = 'orders', TRANSACTIONAL = '%v', TIMEOUT = '1s', RETRY = 1)`,
				strings.Join(c.ListenAddrs(), ","), txn))
			for i := 1; i <= 50; i++ {
				d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
			}
			r := newKReader(t, c, "orders", true)
			r.waitRows("oc", "INSERT", ids(1, 50)...)

			down.Store(true)
			for i := 51; i <= 150; i++ {
				d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
			}
			// The outage shows, and nothing is dead-lettered although it
			// lasts far beyond RETRY = 1.
			require.Eventually(t, func() bool {
				st := showRow(t, s, `SHOW CHANGE STREAMS`, "oc")
				le, _ := st["last_error"].(string)
				return st["delivery_state"] == "retrying" && strings.Contains(le, "kafka: produce to orders")
			}, 20*time.Second, 20*time.Millisecond)
			time.Sleep(time.Second)
			require.Equal(t, 0, deadLetterCount(t, s, "oc"))
			down.Store(false)
			recovery := time.Now()

			r.waitRows("oc", "INSERT", ids(1, 150)...)
			t.Logf("all events arrived %v after the outage ended", time.Since(recovery))
			require.Equal(t, 0, deadLetterCount(t, s, "oc"))
			if txn {
				r.poll(200 * time.Millisecond)
				r.exactlyOnce("oc", 150)
			}
			require.Eventually(t, func() bool {
				return showRow(t, s, `SHOW CHANGE STREAMS`, "oc")["delivery_state"] == "active"
			}, 10*time.Second, 20*time.Millisecond)
		})
	}
}

// TestKafkaRestart stops nodedb in the middle of delivery: after reopening
// every event arrives; with transactions a read_committed consumer sees
// each exactly once.
func TestKafkaRestart(t *testing.T) {
	for _, txn := range []bool{false, true} {
		t.Run(fmt.Sprintf("transactional=%v", txn), func(t *testing.T) {
			c := newKafka(t, "orders")
			dir := t.TempDir()
			d := openDelivery(t, dir)
			s := d.m.NewSession("admin", "db")
			d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY)`)
			d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM oc ON orders WITH (BROKERS = '%s', TOPIC = 'orders', TRANSACTIONAL = '%v', BATCH = 5)`,
				strings.Join(c.ListenAddrs(), ","), txn))
			for i := 1; i <= 300; i++ {
				d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
			}
			s.Close()
			d.close()
			r := newKReader(t, c, "orders", true)
			r.poll(300 * time.Millisecond)
			t.Logf("records before the restart: %d", len(r.recs))

			d = openDelivery(t, dir)
			defer d.close()
			s = d.m.NewSession("admin", "db")
			defer s.Close()
			for i := 301; i <= 320; i++ {
				d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
			}
			r.waitRows("oc", "INSERT", ids(1, 320)...)
			if txn {
				r.poll(300 * time.Millisecond)
				r.exactlyOnce("oc", 320)
			} else {
				require.Len(t, r.events()["oc"], 320, "no event invented")
			}
		})
	}
}

// TestKafkaTransactionalResume loses nodedb's delivery positions after
// Kafka committed the events (what a crash between the Kafka commit and
// the position commit leaves): the transactional sink reads back what
// Kafka holds and nothing is produced twice.
func TestKafkaTransactionalResume(t *testing.T) {
	c := newKafka(t, "orders")
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY)`)
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM oc ON orders WITH (BROKERS = '%s', TOPIC = 'orders', TRANSACTIONAL = 'true')`,
		strings.Join(c.ListenAddrs(), ",")))
	for i := 1; i <= 200; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
	}
	r := newKReader(t, c, "orders", true)
	r.waitRows("oc", "INSERT", ids(1, 200)...)

	// Stop delivery, then forget its committed positions.
	d.q(s, `ALTER CHANGE STREAM oc PAUSE`)
	st, _ := d.db.cat.Stream("oc")
	tx := d.db.txm.Begin()
	lo := storage.OffsetPrefix(st.Delivery.GroupID)
	require.NoError(t, tx.DeleteRange(lo, storage.PrefixEnd(lo)))
	_, err := tx.Commit()
	require.NoError(t, err)

	for i := 201; i <= 220; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
	}
	d.q(s, `ALTER CHANGE STREAM oc RESUME`)
	r.waitRows("oc", "INSERT", ids(1, 220)...)
	time.Sleep(300 * time.Millisecond) // anything sent twice would arrive now
	r.poll(300 * time.Millisecond)
	r.exactlyOnce("oc", 220)
}

// TestKafkaBrokerDown stops the Kafka cluster (connections refused) in the
// middle of delivery and starts it again on the same port and data: every
// event arrives, nothing is dead-lettered, the error shows meanwhile.
func TestKafkaBrokerDown(t *testing.T) {
	for _, txn := range []bool{false, true} {
		t.Run(fmt.Sprintf("transactional=%v", txn), func(t *testing.T) { testKafkaBrokerDown(t, txn) })
	}
}

func testKafkaBrokerDown(t *testing.T, txn bool) {
	kdir := t.TempDir()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders"), kfake.DataDir(kdir), kfake.Ports(0))
	require.NoError(t, err)
	addr := c.ListenAddrs()[0]
	_, portText, _ := strings.Cut(addr, ":")
	port, err := strconv.Atoi(portText)
	require.NoError(t, err)
	d := openDelivery(t, t.TempDir())
	defer d.close()
	s := d.m.NewSession("admin", "db")
	defer s.Close()
	d.q(s, `CREATE TABLE orders (id INT PRIMARY KEY)`)
	d.q(s, fmt.Sprintf(`CREATE CHANGE STREAM oc ON orders WITH (BROKERS = '%s', TOPIC = 'orders', TRANSACTIONAL = '%v', TIMEOUT = '1s', RETRY = 0)`, addr, txn))
	for i := 1; i <= 30; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
	}
	require.Eventually(t, func() bool {
		return showRow(t, s, `SHOW CHANGE STREAMS`, "oc")["delivered"] == int64(30)
	}, 20*time.Second, 10*time.Millisecond)
	c.Close()
	for i := 31; i <= 60; i++ {
		d.q(s, fmt.Sprintf(`INSERT INTO orders VALUES (%d)`, i))
	}
	require.Eventually(t, func() bool {
		le, _ := showRow(t, s, `SHOW CHANGE STREAMS`, "oc")["last_error"].(string)
		return strings.Contains(le, "kafka:")
	}, 20*time.Second, 20*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, 0, deadLetterCount(t, s, "oc"))

	c2, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "orders"), kfake.DataDir(kdir), kfake.Ports(port))
	require.NoError(t, err)
	defer c2.Close()
	r := newKReader(t, c2, "orders", true)
	r.waitRows("oc", "INSERT", ids(1, 60)...)
	r.poll(300 * time.Millisecond)
	if txn {
		r.exactlyOnce("oc", 60)
	} else {
		require.Len(t, r.events()["oc"], 60, "no event invented")
	}
	require.Equal(t, 0, deadLetterCount(t, s, "oc"))
}
