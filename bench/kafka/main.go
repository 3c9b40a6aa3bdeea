// Command kafka measures Kafka delivery throughput of NodeDB-Go change
// streams to kfake (franz-go's in-process Kafka), side by side with a
// plain franz-go producer sending the same records (the ceiling). For each
// mode (plain, transactional) it pauses a stream, inserts N rows, resumes
// the stream and times until a read_committed consumer has all N events;
// then it produces the same N records (same keys, headers and values)
// straight from franz-go and times that the same way. See bench/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/nodedb-go/nodedb/session"
)

type config struct {
	events     int
	partitions int
	batch      int
	modes      string
	chunk      int
}

func main() {
	var cfg config
	flag.IntVar(&cfg.events, "n", 100_000, "events per run")
	flag.IntVar(&cfg.partitions, "partitions", 8, "Kafka partitions of the topic")
	flag.IntVar(&cfg.batch, "batch", 100, "the stream's BATCH (events per produce / per transaction); also the peer's transaction size")
	flag.StringVar(&cfg.modes, "modes", "plain,transactional", "which modes to run")
	flag.IntVar(&cfg.chunk, "chunk", 1000, "rows per INSERT statement while loading")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	log.SetFlags(0)

	fmt.Printf("Kafka delivery to kfake: %d events, %d Kafka partitions, BATCH = %d, GOMAXPROCS %d\n\n",
		cfg.events, cfg.partitions, cfg.batch, runtime.GOMAXPROCS(0))
	fmt.Printf("| mode | nodedb events/s | franz-go producer events/s | ratio |\n|---|---:|---:|---:|\n")
	for _, mode := range strings.Split(cfg.modes, ",") {
		txn := mode == "transactional"
		if !txn && mode != "plain" {
			log.Fatalf("unknown mode %q", mode)
		}
		nd, recs, err := runNodeDB(cfg, txn)
		if err != nil {
			log.Printf("%s: nodedb: %v", mode, err)
			return
		}
		peer, err := runPeer(cfg, txn, recs)
		if err != nil {
			log.Printf("%s: franz-go: %v", mode, err)
			return
		}
		fmt.Printf("| %s | %.0f | %.0f | %.2f |\n", mode, nd, peer, nd/peer)
	}
}

func newCluster(cfg config, topic string) (*kfake.Cluster, error) {
	return kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(cfg.partitions), topic))
}

// counter is a read_committed consumer of a topic that counts records and
// keeps copies of the first n.
type counter struct {
	cl   *kgo.Client
	n    atomic.Int64
	keep int
	mu   sync.Mutex
	recs []*kgo.Record
	done chan struct{}
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func newCounter(c *kfake.Cluster, topic string, keep int) (*counter, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &counter{cl: cl, keep: keep, done: make(chan struct{}), stop: cancel}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				if k.keep > 0 {
					k.mu.Lock()
					if len(k.recs) < k.keep {
						k.recs = append(k.recs, r)
					}
					k.mu.Unlock()
				}
				if k.n.Add(1) == int64(keep) {
					close(k.done)
				}
			})
		}
	}()
	return k, nil
}

func (k *counter) wait(timeout time.Duration) error {
	select {
	case <-k.done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("only %d of %d records arrived in %s", k.n.Load(), k.keep, timeout)
	}
}

func (k *counter) close() {
	k.stop()
	k.wg.Wait()
	k.cl.Close()
}

func exec(s *session.Session, sql string) error {
	ps, err := s.PrepareMulti(sql)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if _, err := s.Execute(context.Background(), p, nil); err != nil {
			return fmt.Errorf("%.60s: %w", sql, err)
		}
	}
	return nil
}

// runNodeDB measures one mode: events/s from RESUME until the consumer
// has all events. It returns the records the consumer read.
func runNodeDB(cfg config, txn bool) (float64, []*kgo.Record, error) {
	c, err := newCluster(cfg, "bench")
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	dir, err := os.MkdirTemp("", "nodedb-kafka-bench")
	if err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(dir)
	db, err := session.OpenDB(session.DBConfig{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	m := session.NewManager(db)
	s := m.NewSession("admin", "db")
	defer s.Close()
	if err := exec(s, `CREATE TABLE bench (id INT PRIMARY KEY, v INT, note TEXT)`); err != nil {
		return 0, nil, err
	}
	if err := exec(s, fmt.Sprintf(`CREATE CHANGE STREAM bs ON bench WITH (DELIVERY = 'kafka', BROKERS = '%s', TOPIC = 'bench', TRANSACTIONAL = '%v', BATCH = %d)`,
		strings.Join(c.ListenAddrs(), ","), txn, cfg.batch)); err != nil {
		return 0, nil, err
	}
	if err := exec(s, `ALTER CHANGE STREAM bs PAUSE`); err != nil {
		return 0, nil, err
	}
	load := time.Now()
	for i := 0; i < cfg.events; i += cfg.chunk {
		var b strings.Builder
		b.WriteString("INSERT INTO bench VALUES ")
		for j := i; j < min(i+cfg.chunk, cfg.events); j++ {
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d, %d, 'order note %d')", j, j*7, j)
		}
		if err := exec(s, b.String()); err != nil {
			return 0, nil, err
		}
	}
	log.Printf("loaded %d rows in %s", cfg.events, time.Since(load).Round(time.Millisecond))
	k, err := newCounter(c, "bench", cfg.events)
	if err != nil {
		return 0, nil, err
	}
	defer k.close()
	start := time.Now()
	if err := exec(s, `ALTER CHANGE STREAM bs RESUME`); err != nil {
		return 0, nil, err
	}
	if err := k.wait(5 * time.Minute); err != nil {
		return 0, nil, err
	}
	el := time.Since(start)
	log.Printf("nodedb delivered %d events in %s", cfg.events, el.Round(time.Millisecond))
	if got := k.n.Load(); got != int64(cfg.events) {
		return 0, nil, fmt.Errorf("%d records for %d events", got, cfg.events)
	}
	k.mu.Lock()
	recs := k.recs
	k.mu.Unlock()
	return float64(cfg.events) / el.Seconds(), recs, nil
}

// runPeer produces the same records straight from franz-go: plain, all
// at once (asynchronous, idempotent); transactional, in sequential
// transactions of batch records.
func runPeer(cfg config, txn bool, recs []*kgo.Record) (float64, error) {
	c, err := newCluster(cfg, "bench")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("bench")}
	if txn {
		opts = append(opts, kgo.TransactionalID("peer"))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	k, err := newCounter(c, "bench", len(recs))
	if err != nil {
		return 0, err
	}
	defer k.close()
	out := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		out[i] = &kgo.Record{Key: r.Key, Value: r.Value, Headers: r.Headers}
	}
	ctx := context.Background()
	start := time.Now()
	if !txn {
		var first atomic.Value
		for _, r := range out {
			cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
				if err != nil {
					first.CompareAndSwap(nil, err)
				}
			})
		}
		if err := cl.Flush(ctx); err != nil {
			return 0, err
		}
		if err, _ := first.Load().(error); err != nil {
			return 0, err
		}
	} else {
		for i := 0; i < len(out); i += cfg.batch {
			if err := cl.BeginTransaction(); err != nil {
				return 0, err
			}
			if err := cl.ProduceSync(ctx, out[i:min(i+cfg.batch, len(out))]...).FirstErr(); err != nil {
				return 0, err
			}
			if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
				return 0, err
			}
		}
	}
	if err := k.wait(5 * time.Minute); err != nil {
		return 0, err
	}
	return float64(len(recs)) / time.Since(start).Seconds(), nil
}
