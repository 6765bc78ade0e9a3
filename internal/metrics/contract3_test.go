package metrics

import (
	"strings"
	"testing"
)

// Every family api.md names is in the very first scrape, before anything happened.
func TestFamiliesFromTheStart(t *testing.T) {
	text := scrape(t, New())
	for _, want := range []string{
		`switchboard_dispatches_total{result="taken"} 0`,
		`switchboard_dispatches_total{result="refused"} 0`,
		`switchboard_dispatches_total{result="retry"} 0`,
		`switchboard_import_rows_total{result="imported"} 0`,
		`switchboard_calls_reported_total 0`,
		`switchboard_minutes_debited_total 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s", want)
		}
	}
}
