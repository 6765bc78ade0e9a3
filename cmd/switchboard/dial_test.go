package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/storetest"
)

const e2eEngineSecret = "e2e-engine-secret-0123456789"

// liveEngine is a real voice engine on loopback for the binary: it verifies each
// dispatch's signature, takes it once per Idempotency-Key, "talks" briefly and
// reports the call with the dispatch's report token to a live replica (as a
// load balancer in front of the replicas would route it).
type liveEngine struct {
	srv *httptest.Server

	mu      sync.Mutex
	live    string            // base URL reports go to
	taken   map[string]string // dispatch id → contact id
	open    int
	maxOpen int
	badSig  int
	reqs    int
	errs    []string
	wg      sync.WaitGroup
}

func startLiveEngine(t *testing.T) *liveEngine {
	e := &liveEngine{taken: map[string]string{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(func() { e.srv.Close(); e.wg.Wait() })
	return e
}

func (e *liveEngine) setLive(base string) {
	e.mu.Lock()
	e.live = base
	e.mu.Unlock()
}

func (e *liveEngine) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var d struct {
		Type        string `json:"type"`
		DispatchID  string `json:"dispatch_id"`
		CampaignID  string `json:"campaign_id"`
		ReportURL   string `json:"report_url"`
		ReportToken string `json:"report_token"`
		Contact     struct {
			ID    string `json:"id"`
			Phone string `json:"phone"`
		} `json:"contact"`
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs++
	if err := dialer.Verify(e2eEngineSecret, r.Header.Get(dialer.SignatureHeader), body, time.Now(), time.Minute); err != nil {
		e.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if json.Unmarshal(body, &d) == nil && d.Type == "ping" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := json.Unmarshal(body, &d); err != nil || d.Type != "call.requested" || r.Header.Get("Idempotency-Key") != d.DispatchID {
		e.errs = append(e.errs, fmt.Sprintf("bad dispatch %s", body))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	if _, dup := e.taken[d.DispatchID]; dup {
		return
	}
	e.taken[d.DispatchID] = d.Contact.ID
	e.open++
	e.maxOpen = max(e.maxOpen, e.open)
	talk := time.Duration(20+len(e.taken)%5*10) * time.Millisecond
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		time.Sleep(talk) // the call "talks"
		e.mu.Lock()
		e.open-- // the call has ended before it is reported
		live := e.live
		e.mu.Unlock()
		u, _ := url.Parse(d.ReportURL)
		now := time.Now().UTC()
		report, _ := json.Marshal(map[string]any{"external_id": "e2e-" + d.DispatchID, "direction": "outbound", "from": "+14155550100",
			"to": d.Contact.Phone, "started_at": now.Add(-9 * time.Second).Format(time.RFC3339), "ended_at": now.Format(time.RFC3339),
			"outcome": "completed", "dispatch_id": d.DispatchID})
		for try := 0; try < 50; try++ {
			req, _ := http.NewRequest("POST", live+u.Path, bytes.NewReader(report))
			req.Header.Set("Authorization", "Bearer "+d.ReportToken)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 201 || res.StatusCode == 200 {
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
			e.mu.Lock()
			live = e.live
			e.mu.Unlock()
		}
		e.mu.Lock()
		e.errs = append(e.errs, "could not report "+d.DispatchID)
		e.mu.Unlock()
	}()
}

// TestTwoReplicasDialOneCampaign runs two `serve` processes on one PostgreSQL
// database against a real engine, kills one mid-campaign, and checks that every
// contact was called exactly once and max_concurrent_calls always held.
func TestTwoReplicasDialOneCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := storetest.PostgresSchema(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := func() []string {
		return []string{"--database-url", dbURL, "--data-dir", t.TempDir(), "--smtp-allow-private",
			"--secret-key", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}
	}
	a := startServer(t, bin, args())
	b := startServer(t, bin, args())
	eng := startLiveEngine(t)
	eng.setLive(b.base)

	token := call(t, "POST", a.base+"/api/v1/auth/signup", "", map[string]string{"email": "dial@example.com", "password": "correct horse battery", "name": "Dee"}).want(t, 201).str("token")
	me := call(t, "GET", a.base+"/api/v1/me", token, nil).want(t, 200)
	accountID := me.body["accounts"].([]any)[0].(map[string]any)["id"].(string)
	wsID := me.body["workspaces"].([]any)[0].(map[string]any)["id"].(string)
	call(t, "POST", a.base+"/api/v1/operator/accounts/"+accountID+"/minutes", e2eOperatorToken, map[string]any{"minutes": 1000}).want(t, 201)
	wsA, wsB := a.base+"/api/v1/workspaces/"+wsID, b.base+"/api/v1/workspaces/"+wsID
	call(t, "PUT", wsA+"/integrations/voice-engine", token, map[string]string{"url": eng.srv.URL + "/calls", "secret": e2eEngineSecret}).want(t, 200)
	call(t, "POST", wsB+"/integrations/voice-engine/test", token, nil).want(t, 200)
	assistant := call(t, "POST", wsA+"/assistants", token, map[string]string{"name": "Ava"}).want(t, 201).str("id")
	const contacts, maxc = 40, 5
	for i := range contacts {
		call(t, "POST", wsA+"/contacts", token, map[string]any{"first_name": fmt.Sprint("C", i), "phone": fmt.Sprintf("+1415556%04d", i), "tags": []string{"e2e"}}).want(t, 201)
	}
	campaign := call(t, "POST", wsA+"/campaigns", token, map[string]any{"name": "E2E", "assistant_id": assistant, "contact_tag": "e2e", "max_concurrent_calls": maxc,
		"schedule": map[string]any{"timezone": "UTC", "days": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "start_time": "00:00", "end_time": "23:59"}}).want(t, 201).str("id")
	call(t, "POST", wsB+"/campaigns/"+campaign+"/start", token, nil).want(t, 200)

	// Kill replica A once a quarter of the calls were taken.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		eng.mu.Lock()
		n := len(eng.taken)
		eng.mu.Unlock()
		if n >= contacts/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d calls taken", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.cmd.Process.Kill()
	<-a.done

	var final answer
	for {
		final = call(t, "GET", wsB+"/campaigns/"+campaign, token, nil).want(t, 200)
		if final.str("status") == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign did not complete: %s", final.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	progress := final.body["progress"].(map[string]any)
	if progress["completed"].(float64) != contacts || progress["audience"].(float64) != contacts {
		t.Fatalf("progress %v", progress)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.errs) > 0 || eng.badSig > 0 {
		t.Fatalf("engine errors %v, bad signatures %d", eng.errs, eng.badSig)
	}
	if eng.maxOpen > maxc {
		t.Fatalf("%d calls at once, max_concurrent_calls is %d", eng.maxOpen, maxc)
	}
	perContact := map[string]int{}
	for _, c := range eng.taken {
		perContact[c]++
	}
	if len(perContact) != contacts {
		t.Fatalf("%d contacts called, want %d", len(perContact), contacts)
	}
	for c, n := range perContact {
		if n != 1 {
			t.Fatalf("contact %s called %d times", c, n)
		}
	}
	calls := call(t, "GET", wsB+"/calls?limit=200", token, nil).want(t, 200)
	if got := len(calls.body["items"].([]any)); got != contacts {
		t.Fatalf("%d calls recorded, want %d", got, contacts)
	}
	t.Logf("engine: %d requests, %d dispatches taken, at most %d at once", eng.reqs, len(eng.taken), eng.maxOpen)
}
