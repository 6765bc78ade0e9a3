package simengine_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/simengine"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const secret = "sim-test-secret-0123456789"

type report struct {
	Auth string
	Body map[string]any
}

// run sends n dispatches one at a time to an engine with the seed and returns the
// reports it made, in order.
func run(t *testing.T, seed uint64, n int) []report {
	t.Helper()
	reports := make(chan report, 10)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		json.Unmarshal(raw, &body)
		reports <- report{Auth: r.Header.Get("Authorization"), Body: body}
		w.WriteHeader(http.StatusCreated)
	}))
	defer api.Close()
	e, err := simengine.Start("127.0.0.1:0", simengine.Config{Secret: secret, Seed: seed, MinTalk: time.Millisecond, MaxTalk: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var out []report
	for i := range n {
		id := fmt.Sprintf("dsp_%d", i)
		maxDur := int64(45)
		body, _ := json.Marshal(map[string]any{"type": "call.requested", "dispatch_id": id, "campaign_id": "cmp_1", "attempt": 1,
			"contact":   map[string]any{"id": "con_1", "first_name": "Ann", "phone": "+14155550123"},
			"assistant": map[string]any{"id": "ast_1", "name": "Ava"}, "report_url": api.URL + "/api/v1/workspaces/ws_1/calls",
			"report_token": "sbr_tok" + id, "max_duration_seconds": maxDur})
		for try := 0; try < 2; try++ { // the second send is a duplicate: one call only
			req, _ := http.NewRequest("POST", e.URL(), bytes.NewReader(body))
			req.Header.Set("Idempotency-Key", id)
			req.Header.Set(dialer.SignatureHeader, dialer.Sign(secret, time.Now(), body))
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusAccepted {
				t.Fatalf("dispatch: %v %v", res, err)
			}
			res.Body.Close()
		}
		select {
		case r := <-reports:
			out = append(out, r)
		case <-time.After(10 * time.Second):
			t.Fatal("no report")
		}
	}
	select {
	case r := <-reports:
		t.Fatalf("a duplicate dispatch was reported again: %v", r)
	case <-time.After(50 * time.Millisecond):
	}
	// A bad signature is refused.
	req, _ := http.NewRequest("POST", e.URL(), bytes.NewReader([]byte(`{"type":"ping"}`)))
	req.Header.Set(dialer.SignatureHeader, dialer.Sign("wrong-secret-0123456789", time.Now(), []byte(`{"type":"ping"}`)))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad signature: %v %v", res, err)
	}
	return out
}

func TestSimulatedEngineReportsPlausibleSeededCalls(t *testing.T) {
	a := run(t, 42, 12)
	for i, r := range a {
		in := sb.ReportCallInput{}
		raw, _ := json.Marshal(r.Body)
		if err := json.Unmarshal(raw, &in); err != nil {
			t.Fatal(err)
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			t.Fatalf("report %d is not a valid call: %v (%s)", i, err, raw)
		}
		if r.Auth != fmt.Sprintf("Bearer sbr_tokdsp_%d", i) || in.DispatchID == nil || *in.DispatchID != fmt.Sprintf("dsp_%d", i) || in.Duration > 45 {
			t.Fatalf("report %d: %s %s", i, r.Auth, raw)
		}
	}
	b := run(t, 42, 12)
	outcomes := func(rs []report) (s []any) {
		for _, r := range rs {
			s = append(s, r.Body["outcome"])
		}
		return s
	}
	if fmt.Sprint(outcomes(a)) != fmt.Sprint(outcomes(b)) {
		t.Fatalf("same seed, different outcomes: %v vs %v", outcomes(a), outcomes(b))
	}
	t.Logf("outcomes: %v", outcomes(a))
}
