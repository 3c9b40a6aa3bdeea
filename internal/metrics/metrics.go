package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Protocol label values.
const (
	ProtocolPgwire = "pgwire"
	ProtocolHTTP   = "http"
	ProtocolRESP   = "resp"
	ProtocolILP    = "ilp"
)

// Status label values of nodedb_queries_total.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Stats is what the database reports at scrape time.
type Stats struct {
	LastLSN     uint64 // highest durable LSN
	Commits     uint64 // commits acknowledged since open
	Syncs       uint64 // commit batches written since open (each fsynced in sync mode)
	DiskBytes   uint64 // storage size on disk
	Collections int
	// Streams are change-stream figures (may be computed less often than
	// every scrape).
	Streams []StreamStat
	// HistoryLost counts stream reads refused because retention removed
	// events the group had not consumed.
	HistoryLost uint64
	// LiveCatchUps counts LIVE SELECT subscriptions handed back to read
	// the change log at their subscriber's pace (a mailbox was full).
	LiveCatchUps uint64
	// LiveSubscriptions is the LIVE SELECT subscriptions running;
	// LiveFailures counts those ended on an error their subscriber was
	// told.
	LiveSubscriptions int64
	LiveFailures      uint64
	// NotifyDropped counts notifications lost to full session mailboxes.
	NotifyDropped uint64
	// ColumnCacheBytes is the memory column copies of collections hold;
	// ColumnCacheHits counts scans that read one, ColumnCacheBuilds the
	// copies made.
	ColumnCacheBytes, ColumnCacheHits, ColumnCacheBuilds uint64
}

// StreamStat describes one change stream.
type StreamStat struct {
	Name     string
	Events   uint64 // retained events
	Groups   []GroupStat
	Delivery *DeliveryStat // nil: the stream has no outbound delivery
}

// DeliveryStat is a stream's outbound delivery (webhook, Kafka).
type DeliveryStat struct {
	Delivered, Retried, DeadLettered uint64
	Lag                              uint64 // retained events not yet delivered
}

// GroupStat is one consumer group's lag, total and per partition (only
// partitions with a lag).
type GroupStat struct {
	Name        string
	Lag         uint64
	PartitionLg map[int]uint64
}

// StatsFunc returns current database counters; it must be safe to call
// concurrently and must not block for long.
type StatsFunc func() Stats

// Registry holds one server's metrics.
//
//	nodedb_queries_total{protocol,status}        counter
//	nodedb_query_duration_seconds{protocol}      histogram
//	nodedb_connections{protocol}                 gauge (open connections)
//	nodedb_commits_total, nodedb_syncs_total     counters (from Stats)
//	nodedb_last_lsn, nodedb_storage_bytes,
//	nodedb_collections                           gauges (from Stats)
//	nodedb_column_cache_bytes                    gauge (from Stats)
//	nodedb_column_cache_hits_total,
//	nodedb_column_cache_builds_total             counters (from Stats)
//	nodedb_live_catchups_total                   counter (from Stats)
//	nodedb_live_subscriptions                    gauge (from Stats)
//	nodedb_live_failures_total,
//	nodedb_notify_dropped_total                  counters (from Stats)
//
// plus the standard go_* and process_* collectors.
type Registry struct {
	reg         *prometheus.Registry
	queries     *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	connections *prometheus.GaugeVec
	// byProto caches each protocol's series (string → *protoSeries):
	// WithLabelValues hashes the labels and locks on every call, which
	// a pipelined GET paid per command.
	byProto sync.Map
}

// protoSeries are one protocol's query metrics.
type protoSeries struct {
	ok, failed prometheus.Counter
	duration   prometheus.Observer
}

func (r *Registry) series(protocol string) *protoSeries {
	if s, ok := r.byProto.Load(protocol); ok {
		return s.(*protoSeries)
	}
	s := &protoSeries{
		ok:       r.queries.WithLabelValues(protocol, StatusOK),
		failed:   r.queries.WithLabelValues(protocol, StatusError),
		duration: r.duration.WithLabelValues(protocol),
	}
	v, _ := r.byProto.LoadOrStore(protocol, s)
	return v.(*protoSeries)
}

// New returns a Registry with the query and connection metrics and the Go
// runtime and process collectors registered. stats may be nil (no database
// metrics).
func New(stats StatsFunc) *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nodedb_queries_total",
			Help: "Queries (statements or requests) answered, by protocol and status (ok or error).",
		}, []string{"protocol", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nodedb_query_duration_seconds",
			Help:    "Time to answer a query, by protocol.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100µs .. ~26s
		}, []string{"protocol"}),
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "nodedb_connections",
			Help: "Open client connections, by protocol.",
		}, []string{"protocol"}),
	}
	r.reg.MustRegister(r.queries, r.duration, r.connections,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats != nil {
		r.reg.MustRegister(&statsCollector{stats: stats})
	}
	return r
}

// ObserveQuery counts one query of the given protocol that took d; err nil
// means status "ok".
func (r *Registry) ObserveQuery(protocol string, d time.Duration, err error) {
	if r == nil {
		return
	}
	s := r.series(protocol)
	if err != nil {
		s.failed.Inc()
	} else {
		s.ok.Inc()
	}
	s.duration.Observe(d.Seconds())
}

// ConnOpened counts a new connection of the protocol.
func (r *Registry) ConnOpened(protocol string) {
	if r == nil {
		return
	}
	r.connections.WithLabelValues(protocol).Inc()
}

// ConnClosed counts a closed connection of the protocol.
func (r *Registry) ConnClosed(protocol string) {
	if r == nil {
		return
	}
	r.connections.WithLabelValues(protocol).Dec()
}

// Gatherer returns the underlying registry for tests and custom exporters.
func (r *Registry) Gatherer() prometheus.Gatherer {
	if r == nil {
		return prometheus.NewRegistry()
	}
	return r.reg
}

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Gatherer(), promhttp.HandlerOpts{})
}

var (
	commitsDesc = prometheus.NewDesc("nodedb_commits_total",
		"Commits acknowledged since the database was opened.", nil, nil)
	syncsDesc = prometheus.NewDesc("nodedb_syncs_total",
		"Commit batches (groups of commits) the commit pipeline wrote since the database was opened; in durability sync mode each was fsynced before its commits were acknowledged, in relaxed mode none is.", nil, nil)
	lastLSNDesc = prometheus.NewDesc("nodedb_last_lsn",
		"Highest durable log sequence number.", nil, nil)
	storageDesc = prometheus.NewDesc("nodedb_storage_bytes",
		"Size of the database on disk in bytes.", nil, nil)
	collectionsDesc = prometheus.NewDesc("nodedb_collections",
		"Number of collections in the catalog.", nil, nil)
	streamEventsDesc = prometheus.NewDesc("nodedb_stream_events",
		"Events retained in a change stream.", []string{"stream"}, nil)
	groupLagDesc = prometheus.NewDesc("nodedb_stream_group_lag",
		"Events a consumer group has not committed yet.", []string{"stream", "group"}, nil)
	partitionLagDesc = prometheus.NewDesc("nodedb_stream_partition_lag",
		"Events a consumer group has not committed yet in one partition (partitions with lag only).",
		[]string{"stream", "group", "partition"}, nil)
	deliveredDesc = prometheus.NewDesc("nodedb_delivery_delivered_total",
		"Events a stream's outbound delivery handed to its receiver since start.", []string{"stream"}, nil)
	retriedDesc = prometheus.NewDesc("nodedb_delivery_retries_total",
		"Delivery attempts retried after a failure since start.", []string{"stream"}, nil)
	deadLetteredDesc = prometheus.NewDesc("nodedb_delivery_dead_lettered_total",
		"Events moved to the dead-letter queue since start.", []string{"stream"}, nil)
	deliveryLagDesc = prometheus.NewDesc("nodedb_delivery_lag",
		"Retained events after the stream's committed delivery positions.", []string{"stream"}, nil)
	colBytesDesc = prometheus.NewDesc("nodedb_column_cache_bytes",
		"Memory held by column copies of collections that full scans read.", nil, nil)
	colHitsDesc = prometheus.NewDesc("nodedb_column_cache_hits_total",
		"Full scans that read a column copy instead of the stored rows.", nil, nil)
	colBuildsDesc = prometheus.NewDesc("nodedb_column_cache_builds_total",
		"Column copies of collections made.", nil, nil)
	historyLostDesc = prometheus.NewDesc("nodedb_stream_history_lost_total",
		"Stream reads refused because retention removed events the group had not consumed.", nil, nil)
	liveCatchUpsDesc = prometheus.NewDesc("nodedb_live_catchups_total",
		"LIVE SELECT subscriptions whose subscriber fell behind (its mailbox full) and that went back to reading the change log at its pace.", nil, nil)
	liveSubsDesc = prometheus.NewDesc("nodedb_live_subscriptions",
		"LIVE SELECT subscriptions running.", nil, nil)
	liveFailuresDesc = prometheus.NewDesc("nodedb_live_failures_total",
		"LIVE SELECT subscriptions ended on an error their subscriber was told (retention, evaluation, a dropped collection, an internal error).", nil, nil)
	notifyDroppedDesc = prometheus.NewDesc("nodedb_notify_dropped_total",
		"Notifications (LISTEN, RESP SUBSCRIBE) lost because a session's mailbox was full; the session is told.", nil, nil)
)

// statsCollector reads the database counters at scrape time.
type statsCollector struct {
	stats StatsFunc
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- commitsDesc
	ch <- syncsDesc
	ch <- lastLSNDesc
	ch <- storageDesc
	ch <- collectionsDesc
	ch <- streamEventsDesc
	ch <- groupLagDesc
	ch <- partitionLagDesc
	ch <- historyLostDesc
	ch <- liveCatchUpsDesc
	ch <- liveSubsDesc
	ch <- liveFailuresDesc
	ch <- notifyDroppedDesc
	ch <- deliveredDesc
	ch <- retriedDesc
	ch <- deadLetteredDesc
	ch <- deliveryLagDesc
	ch <- colBytesDesc
	ch <- colHitsDesc
	ch <- colBuildsDesc
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(commitsDesc, prometheus.CounterValue, float64(s.Commits))
	ch <- prometheus.MustNewConstMetric(syncsDesc, prometheus.CounterValue, float64(s.Syncs))
	ch <- prometheus.MustNewConstMetric(lastLSNDesc, prometheus.GaugeValue, float64(s.LastLSN))
	ch <- prometheus.MustNewConstMetric(storageDesc, prometheus.GaugeValue, float64(s.DiskBytes))
	ch <- prometheus.MustNewConstMetric(collectionsDesc, prometheus.GaugeValue, float64(s.Collections))
	ch <- prometheus.MustNewConstMetric(historyLostDesc, prometheus.CounterValue, float64(s.HistoryLost))
	ch <- prometheus.MustNewConstMetric(liveCatchUpsDesc, prometheus.CounterValue, float64(s.LiveCatchUps))
	ch <- prometheus.MustNewConstMetric(liveSubsDesc, prometheus.GaugeValue, float64(s.LiveSubscriptions))
	ch <- prometheus.MustNewConstMetric(liveFailuresDesc, prometheus.CounterValue, float64(s.LiveFailures))
	ch <- prometheus.MustNewConstMetric(notifyDroppedDesc, prometheus.CounterValue, float64(s.NotifyDropped))
	ch <- prometheus.MustNewConstMetric(colBytesDesc, prometheus.GaugeValue, float64(s.ColumnCacheBytes))
	ch <- prometheus.MustNewConstMetric(colHitsDesc, prometheus.CounterValue, float64(s.ColumnCacheHits))
	ch <- prometheus.MustNewConstMetric(colBuildsDesc, prometheus.CounterValue, float64(s.ColumnCacheBuilds))
	for _, st := range s.Streams {
		ch <- prometheus.MustNewConstMetric(streamEventsDesc, prometheus.GaugeValue, float64(st.Events), st.Name)
		if d := st.Delivery; d != nil {
			ch <- prometheus.MustNewConstMetric(deliveredDesc, prometheus.CounterValue, float64(d.Delivered), st.Name)
			ch <- prometheus.MustNewConstMetric(retriedDesc, prometheus.CounterValue, float64(d.Retried), st.Name)
			ch <- prometheus.MustNewConstMetric(deadLetteredDesc, prometheus.CounterValue, float64(d.DeadLettered), st.Name)
			ch <- prometheus.MustNewConstMetric(deliveryLagDesc, prometheus.GaugeValue, float64(d.Lag), st.Name)
		}
		for _, g := range st.Groups {
			ch <- prometheus.MustNewConstMetric(groupLagDesc, prometheus.GaugeValue, float64(g.Lag), st.Name, g.Name)
			for p, l := range g.PartitionLg {
				ch <- prometheus.MustNewConstMetric(partitionLagDesc, prometheus.GaugeValue, float64(l), st.Name, g.Name, strconv.Itoa(p))
			}
		}
	}
}
