package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestDispatchesAndOutbox(t *testing.T) {
	m := New()
	m.Dispatch("ok")
	m.Dispatch("ok")
	m.Dispatch("failed")
	m.WatchOutbox(func(context.Context) ([]QueueStats, error) {
		return []QueueStats{{Queue: "mail", Depth: 3, Oldest: 90 * time.Second}}, nil
	})
	m.ObserveRequest("GET", "", 404, time.Millisecond)
	text := scrape(t, m)
	for _, want := range []string{
		`switchboard_dispatches_total{result="ok"} 2`,
		`switchboard_dispatches_total{result="failed"} 1`,
		`switchboard_outbox_depth{queue="mail"} 3`,
		`switchboard_outbox_oldest_age_seconds{queue="mail"} 90`,
		`switchboard_http_requests_total{method="other",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.Dispatch("ok")
	m.CallReported(60)
	m.ImportRows(1, 2)
	m.ObserveRequest("GET", "/x", 200, time.Second)
}
