// Package metrics holds Switchboard's Prometheus metrics. A Metrics is made once by
// the command line and handed to the pieces that count things; there are no
// package-level registries. Every method is safe on a nil *Metrics (it does nothing),
// so tests and tools that do not care about metrics pass nil.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry and the instruments the server updates.
type Metrics struct {
	Registry *prometheus.Registry

	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	importRows     *prometheus.CounterVec
	callsReported  prometheus.Counter
	minutesDebited prometheus.Counter
	// Dispatches counts voice-engine dispatches by result ("ok", "failed",
	// "retry", …); the dialler calls Dispatch.
	dispatches *prometheus.CounterVec
}

// New makes a registry with the Go and process collectors and Switchboard's metrics.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		importRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_import_rows_total",
			Help: "Contact import rows written, by result (imported or rejected).",
		}, []string{"result"}),
		callsReported: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "switchboard_calls_reported_total",
			Help: "Finished calls recorded (replays of a reported call are not counted).",
		}),
		minutesDebited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "switchboard_minutes_debited_total",
			Help: "Minutes debited from workspaces and account pools by reported calls.",
		}),
		dispatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_dispatches_total",
			Help: "Call dispatches to the voice engine, by result.",
		}, []string{"result"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.importRows, m.callsReported, m.minutesDebited, m.dispatches,
	)
	// Results known up front are shown at zero before they first happen.
	for _, r := range []string{"imported", "rejected"} {
		m.importRows.WithLabelValues(r)
	}
	// The dialler's results (dialer.Worker: taken, refused, retry), so that
	// switchboard_dispatches_total is there from the start, as api.md lists it.
	for _, r := range []string{"taken", "refused", "retry"} {
		m.dispatches.WithLabelValues(r)
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveRequest counts one answered HTTP request. route is the route's pattern
// ("/api/v1/workspaces/{ws}"), never the raw path, so that the label set stays small.
func (m *Metrics) ObserveRequest(method, route string, status int, elapsed time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route, method = "unmatched", "other"
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

// CallReported counts a newly recorded call and the minutes it debited.
func (m *Metrics) CallReported(seconds int64) {
	if m == nil {
		return
	}
	m.callsReported.Inc()
	m.minutesDebited.Add(float64(seconds) / 60)
}

// ImportRows counts rows a contact import wrote.
func (m *Metrics) ImportRows(imported, rejected int64) {
	if m == nil {
		return
	}
	m.importRows.WithLabelValues("imported").Add(float64(imported))
	m.importRows.WithLabelValues("rejected").Add(float64(rejected))
}

// Dispatch counts one dispatch to the voice engine with its result.
func (m *Metrics) Dispatch(result string) {
	if m == nil {
		return
	}
	m.dispatches.WithLabelValues(result).Inc()
}

// WatchDB reports a connection pool's use (open, in use, idle, waits) under the
// db_name label name.
func (m *Metrics) WatchDB(name string, db *sql.DB) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// QueueStats is one durable queue's backlog: how many items wait and for how long
// the oldest has waited.
type QueueStats struct {
	Queue  string
	Depth  int64
	Oldest time.Duration
}

// WatchOutbox reports the depth and oldest age of the outboxes that stats reads
// at each scrape.
func (m *Metrics) WatchOutbox(stats func(context.Context) ([]QueueStats, error)) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(&outboxCollector{stats: stats})
}

var (
	outboxDepth = prometheus.NewDesc("switchboard_outbox_depth", "Items waiting in a durable outbox, by queue.", []string{"queue"}, nil)
	outboxAge   = prometheus.NewDesc("switchboard_outbox_oldest_age_seconds", "Age of the oldest item waiting in a durable outbox, by queue (0 when empty).", []string{"queue"}, nil)
	outboxUp    = prometheus.NewDesc("switchboard_outbox_scrape_error", "1 when the outbox could not be read at this scrape.", nil, nil)
)

type outboxCollector struct {
	stats func(context.Context) ([]QueueStats, error)
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepth
	ch <- outboxAge
	ch <- outboxUp
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qs, err := c.stats(ctx)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, failed)
	for _, q := range qs {
		ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(q.Depth), q.Queue)
		ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, q.Oldest.Seconds(), q.Queue)
	}
}
