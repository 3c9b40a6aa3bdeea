package session

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nodedb-go/nodedb/catalog"
	"github.com/nodedb-go/nodedb/engine/columnar"
	"github.com/nodedb-go/nodedb/event"
	"github.com/nodedb-go/nodedb/sql/exec"
	"github.com/nodedb-go/nodedb/sql/pgcatalog"
	"github.com/nodedb-go/nodedb/storage"
	"github.com/nodedb-go/nodedb/txn"
)

// DB is the database a Manager serves: the store, the commit pipeline and
// the catalog.
type DB struct {
	store *storage.Store
	txm   *txn.Manager
	cat   *catalog.Catalog
	ids   *exec.IDGen
	log   *slog.Logger
	sys   *pgcatalog.Tables // pg_catalog and information_schema

	delivered *event.Delivered  // what stream reads returned, per group
	notify    *event.Notifier   // wakes long polls after commits
	events    *event.Log        // change-log retention and trim state
	members   *event.Members    // named consumers per group
	hub       *event.Hub        // LISTEN/NOTIFY
	tail      liveTail          // shared change-log reader of LIVE SELECT
	outbound  *event.Outbound   // webhook (and later Kafka) delivery of streams
	compact   *event.Compactors // key indexes of compacted streams
	triggers  *triggerRunners   // ASYNC triggers
	sched     *scheduler        // CREATE SCHEDULE jobs
	mviews    *mviewRunners     // streaming materialized views

	columns *columnar.Cache // column copies of collections; nil: off

	kvLocks  kvLocks       // per-key stripes for key-value updates
	advisory advisoryLocks // pg_advisory_lock's locks
	seqs     sequences     // sequences' values (sequences.go)
	reclaim  *reclaimer    // deletes expired keys in the background

	statsMu    sync.Mutex
	statsAt    time.Time
	statsCache []StreamStat

	knobs testingKnobs
}

// testingKnobs are hooks this package's tests set on a DB before using it
// to reach failures no statement can cause. Zero in every other DB.
type testingKnobs struct {
	// liveEvent is called as a LIVE SELECT subscription takes an event
	// it has not seen; a panic in it stands for a bug evaluating it.
	liveEvent func(sub *liveSub, e event.Event)
}

// DBConfig configures OpenDB.
type DBConfig struct {
	Dir string
	// Durability is "sync" (default: every commit is fsynced before it is
	// acknowledged, with group commit) or "relaxed" (no per-commit sync).
	Durability string
	Logger     *slog.Logger
	// Storage overrides storage options (tests inject a filesystem).
	Storage storage.Options
	// RetentionInterval is how often change-log retention runs (default
	// 30s; negative: never, tests call TrimChangeLog).
	RetentionInterval time.Duration
	// DeliverySleep, when set, replaces the wait between delivery retries
	// (tests shorten back-off).
	DeliverySleep func(ctx context.Context, d time.Duration) error
	// Now, when set, is the clock schedules run by (tests).
	Now func() time.Time
	// ManualSchedules stops the scheduler's own ticking; tests call
	// RunSchedules.
	ManualSchedules bool
	// ReclaimInterval is how often expired keys of key-value collections
	// are deleted (default 1s; negative: never, tests call
	// ReclaimExpired). Expired keys are invisible either way.
	ReclaimInterval time.Duration
	// ColumnCacheSize bounds the column copies full scans read (see
	// sql/exec's colscan.go); 0 turns them off.
	ColumnCacheSize int64
	// ColumnStableAge is how long rows must have stayed the same for
	// their first full scan to copy them (0: a second; tests set it).
	ColumnStableAge time.Duration
}

// RunSchedules starts the schedule runs due now and waits for every run
// to finish (tests; the scheduler also does this every second).
func (db *DB) RunSchedules() {
	db.sched.tick()
	db.sched.wg.Wait()
}

// TrimChangeLog applies change-log retention now; it returns the number
// of records removed.
func (db *DB) TrimChangeLog(ctx context.Context) (int, error) { return db.events.TrimAll(ctx) }

// OpenDB opens (creating if needed) the database in cfg.Dir.
func OpenDB(cfg DBConfig) (*DB, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var dur txn.Durability
	switch cfg.Durability {
	case "", "sync":
		dur = txn.Sync
	case "relaxed":
		dur = txn.Relaxed
	default:
		return nil, fmt.Errorf("session: unknown durability %q (want sync or relaxed)", cfg.Durability)
	}
	st, err := storage.Open(cfg.Dir, cfg.Storage)
	if err != nil {
		return nil, err
	}
	txm, err := txn.NewManager(st, txn.Options{Durability: dur, Logger: log})
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	cat, err := catalog.Open(txm)
	if err != nil {
		_ = txm.Close()
		_ = st.Close()
		return nil, err
	}
	log.Info("database opened", "dir", cfg.Dir, "last_lsn", txm.LastLSN(), "collections", len(cat.List()), "durability", cfg.Durability)
	events, err := event.OpenLog(txm, cat, log)
	if err != nil {
		_ = txm.Close()
		_ = st.Close()
		return nil, err
	}
	db := &DB{store: st, txm: txm, cat: cat, ids: &exec.IDGen{}, log: log, sys: pgcatalog.New(cat),
		delivered: &event.Delivered{}, notify: event.NewNotifier(txm.LastLSN()), events: events,
		members: &event.Members{}, hub: &event.Hub{}}
	db.tail.db = db
	if cfg.ColumnCacheSize > 0 {
		db.columns = columnar.NewCache(cfg.ColumnCacheSize)
		db.columns.SetStableAge(cfg.ColumnStableAge)
	}
	db.outbound = event.NewOutbound(event.OutboundConfig{Txns: txm, Catalog: cat, Log: events, Notifier: db.notify,
		Logger: log, Encode: encodeEvent, NewSink: newSink, Sleep: cfg.DeliverySleep})
	db.compact = event.NewCompactors(txm, cat, events, db.notify, log)
	txm.SetOnCommit(db.notify.Committed)
	event.NewOffsetCache(txm)
	interval := cfg.RetentionInterval
	if interval == 0 {
		interval = 30 * time.Second
	}
	if interval > 0 {
		events.Start(interval)
	}
	db.triggers = newTriggerRunners(db)
	db.mviews = newMViewRunners(db)
	db.sched = newScheduler(db, cfg.Now)
	if !cfg.ManualSchedules {
		db.sched.start()
	}
	db.reconcileStreams()
	db.triggers.Reconcile()
	db.mviews.Reconcile()
	reclaim := cfg.ReclaimInterval
	if reclaim == 0 {
		reclaim = time.Second
	}
	if reclaim > 0 {
		db.startReclaimer(reclaim)
	}
	return db, nil
}

// Close stops the expired-key reclaimer, the retention trimmer and the
// commit pipeline and closes the store.
func (db *DB) Close() error {
	db.stopReclaimer()
	db.sched.close()
	db.mviews.Close()
	db.triggers.Close()
	db.outbound.Close()
	db.compact.Close()
	db.tail.close()
	db.events.Close()
	err := db.txm.Close()
	if cerr := db.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// reconcileStreams starts and stops the background work of change
// streams (delivery, compaction) to match the catalog.
func (db *DB) reconcileStreams() {
	db.compact.Reconcile()
	db.outbound.Reconcile()
}

// CompactedThrough reports how far a compacted stream's key index is
// complete (0 when the stream is not compacted).
func (db *DB) CompactedThrough(stream string) uint64 {
	st, ok := db.cat.Stream(stream)
	if !ok {
		return 0
	}
	return db.compact.Position(st.ID)
}

// Catalog returns the catalog.
func (db *DB) Catalog() *catalog.Catalog { return db.cat }

// Txns returns the commit pipeline.
func (db *DB) Txns() *txn.Manager { return db.txm }

// Stats is a point-in-time view for /health and /metrics.
type Stats struct {
	LastLSN     uint64 // highest durable LSN
	Commits     uint64 // commits acknowledged
	Syncs       uint64 // batches written (synced in sync mode) by the commit pipeline
	DiskBytes   uint64 // storage size on disk
	Collections int
	HistoryLost uint64 // stream reads refused with 55000
	// LiveCatchUps counts LIVE SELECT subscriptions the tailer handed back
	// to catch up from the log because their session's mailbox was full.
	LiveCatchUps uint64
	// LiveSubscriptions is the LIVE SELECT subscriptions running;
	// LiveFailures counts those that ended on an error their subscriber
	// was told (retention, evaluation, a dropped collection, a bug).
	LiveSubscriptions int64
	LiveFailures      uint64
	// NotifyDropped counts LISTEN notifications lost to full mailboxes.
	NotifyDropped uint64
	// Column copies (0 when the column cache is off): the memory they
	// hold, scans that read one, copies made.
	ColumnCacheBytes, ColumnCacheHits, ColumnCacheBuilds uint64
}

// Stats returns current counters.
func (db *DB) Stats() Stats {
	var cb, ch, cn uint64
	if db.columns != nil {
		cb = uint64(db.columns.Bytes())
		ch, cn = db.columns.Stats()
	}
	return Stats{ColumnCacheBytes: cb, ColumnCacheHits: ch, ColumnCacheBuilds: cn,
		LastLSN:      db.txm.LastLSN(),
		Commits:      db.txm.Commits(),
		Syncs:        db.txm.Syncs(),
		DiskBytes:    db.store.DiskUsage(),
		Collections:  len(db.cat.List()),
		HistoryLost:  db.events.HistoryLost(),
		LiveCatchUps: db.tail.catchUps.Load(),

		LiveSubscriptions: db.tail.active.Load(),
		LiveFailures:      db.tail.failures.Load(),
		NotifyDropped:     db.hub.Dropped(),
	}
}

// StreamStat is one change stream's figures for /metrics.
type StreamStat struct {
	Name     string
	Events   uint64
	Groups   []GroupStat
	Delivery *DeliveryStat // nil without a delivery
}

// DeliveryStat is a stream's outbound delivery figures.
type DeliveryStat struct {
	Delivered, Retried, DeadLettered uint64
	Lag                              uint64 // retained events after the committed delivery positions
}

// GroupStat is one consumer group's lag.
type GroupStat struct {
	Name         string
	Lag          uint64
	PartitionLag map[int]uint64
}

// streamStatsEvery bounds how often StreamStats rescans the change log.
const streamStatsEvery = 10 * time.Second

// StreamStats returns per-stream event counts and per-group lag. It scans
// the retained change log, so results are cached for a few seconds.
func (db *DB) StreamStats() []StreamStat {
	stats := db.streamStats()
	out := make([]StreamStat, len(stats))
	for i, ss := range stats {
		out[i] = ss
		if ss.Delivery == nil {
			continue
		}
		// Counters are live; the lag comes from the cached scan.
		d := *ss.Delivery
		if st, ok := db.cat.Stream(ss.Name); ok && st.Delivery != nil {
			ds := db.outbound.Status(st)
			d.Delivered, d.Retried, d.DeadLettered = ds.Delivered, ds.Retried, ds.DeadLettered
		}
		out[i].Delivery = &d
	}
	return out
}

func (db *DB) streamStats() []StreamStat {
	db.statsMu.Lock()
	defer db.statsMu.Unlock()
	if time.Since(db.statsAt) < streamStatsEvery && db.statsCache != nil {
		return db.statsCache
	}
	tx := db.txm.Begin()
	defer tx.Rollback()
	var out []StreamStat
	for _, st := range db.cat.Streams() {
		parts, err := partitionStats(tx, db.cat, st)
		if err != nil {
			db.log.Warn("stream stats", "stream", st.Name, "err", err)
			continue
		}
		ss := StreamStat{Name: st.Name}
		for _, ps := range parts {
			ss.Events += uint64(len(ps.lsns))
		}
		for _, g := range db.cat.Groups(st.ID) {
			off, err := event.LoadOffsets(tx, g.ID)
			if err != nil {
				continue
			}
			gs := GroupStat{Name: g.Name, PartitionLag: map[int]uint64{}}
			for p, ps := range parts {
				if lag := ps.countAfter(off.Of(p)); lag > 0 {
					gs.Lag += uint64(lag)
					gs.PartitionLag[int(p)] = uint64(lag)
				}
			}
			ss.Groups = append(ss.Groups, gs)
		}
		if st.Delivery != nil {
			off, err := event.LoadOffsets(tx, st.Delivery.GroupID)
			if err == nil {
				ds := &DeliveryStat{}
				for p, ps := range parts {
					ds.Lag += uint64(ps.countAfter(off.Of(p)))
				}
				ss.Delivery = ds
			}
		}
		out = append(out, ss)
	}
	db.statsCache, db.statsAt = out, time.Now()
	return out
}
