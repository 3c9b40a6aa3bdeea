package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestRegistryExportsQueriesAndStats(t *testing.T) {
	r := New(func() Stats {
		return Stats{LastLSN: 42, Commits: 7, Syncs: 3, DiskBytes: 1024, Collections: 2,
			ColumnCacheBytes: 4096, ColumnCacheHits: 5, ColumnCacheBuilds: 1, LiveCatchUps: 6,
			LiveSubscriptions: 3, LiveFailures: 2, NotifyDropped: 9}
	})
	r.ObserveQuery(ProtocolHTTP, time.Millisecond, nil)
	r.ObserveQuery(ProtocolHTTP, time.Millisecond, errors.New("boom"))
	r.ObserveQuery(ProtocolPgwire, time.Millisecond, nil)
	r.ConnOpened(ProtocolPgwire)
	r.ConnOpened(ProtocolPgwire)
	r.ConnClosed(ProtocolPgwire)

	out := scrape(t, r)
	for _, want := range []string{
		`nodedb_queries_total{protocol="http",status="ok"} 1`,
		`nodedb_queries_total{protocol="http",status="error"} 1`,
		`nodedb_queries_total{protocol="pgwire",status="ok"} 1`,
		`nodedb_query_duration_seconds_count{protocol="http"} 2`,
		`nodedb_connections{protocol="pgwire"} 1`,
		`nodedb_commits_total 7`,
		`nodedb_syncs_total 3`,
		`nodedb_last_lsn 42`,
		`nodedb_storage_bytes 1024`,
		`nodedb_collections 2`,
		`nodedb_column_cache_bytes 4096`,
		`nodedb_column_cache_hits_total 5`,
		`nodedb_column_cache_builds_total 1`,
		`nodedb_live_catchups_total 6`,
		`nodedb_live_subscriptions 3`,
		`nodedb_live_failures_total 2`,
		`nodedb_notify_dropped_total 9`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

func TestTwoRegistriesAreIndependent(t *testing.T) {
	a, b := New(nil), New(nil)
	a.ObserveQuery(ProtocolHTTP, 0, nil)
	if out := scrape(t, b); strings.Contains(out, `nodedb_queries_total{protocol="http"`) {
		t.Errorf("registry b sees a's query:\n%s", out)
	}
}

func TestNilRegistryIsANoop(t *testing.T) {
	var r *Registry
	r.ObserveQuery(ProtocolHTTP, 0, nil)
	r.ConnOpened(ProtocolHTTP)
	r.ConnClosed(ProtocolHTTP)
	_ = scrape(t, r)
}
