package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/storetest"
	"github.com/switchboard/switchboard/internal/webhook"
)

// TestBinaryWebhooksTwoReplicas runs two real binaries on one PostgreSQL schema,
// reports calls through both at once until a workspace's budget is used up, and
// checks with a real receiver on loopback that each budget threshold reached the
// webhook exactly once, signed, and every call.completed arrived.
func TestBinaryWebhooksTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dbURL := storetest.PostgresSchema(t) // skips without PostgreSQL
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	type got struct {
		signature string
		body      []byte
	}
	var mu sync.Mutex
	var received []got
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, got{r.Header.Get(webhook.SignatureHeader), b})
		mu.Unlock()
	}))
	defer rcv.Close()

	args := []string{"--database-url", dbURL, "--smtp-allow-private"}
	a := startServer(t, bin, args)
	b := startServer(t, bin, args)

	owner := call(t, "POST", a.base+"/api/v1/auth/signup", "", map[string]string{"email": "hooks@example.com", "password": "correct horse battery", "name": "Hooks"}).want(t, 201)
	token := owner.str("token")
	me := call(t, "GET", a.base+"/api/v1/me", token, nil).want(t, 200)
	ws := me.body["workspaces"].([]any)[0].(map[string]any)["id"].(string)
	account := me.body["accounts"].([]any)[0].(map[string]any)["id"].(string)
	call(t, "POST", a.base+"/api/v1/operator/accounts/"+account+"/minutes", e2eOperatorToken, map[string]any{"minutes": 1000}).want(t, 201)
	call(t, "PUT", b.base+"/api/v1/workspaces/"+ws+"/budget", token, map[string]any{"minute_budget": 10}).want(t, 200)
	key := call(t, "POST", a.base+"/api/v1/workspaces/"+ws+"/api-keys", token, map[string]any{"name": "engine", "role": "admin"}).want(t, 201).str("key")
	hook := call(t, "POST", b.base+"/api/v1/workspaces/"+ws+"/webhooks", token,
		map[string]any{"url": rcv.URL + "/in", "events": []string{"call.completed", "budget.threshold"}}).want(t, 201)
	secret := hook.str("secret")

	const calls = 44 // 44 × 30 s = 22 minutes: past 100 % of 10
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := a.base
			if i%2 == 1 {
				base = b.base
			}
			start := time.Date(2026, 2, 1, 10, 0, i, 0, time.UTC)
			body, _ := json.Marshal(map[string]any{"external_id": fmt.Sprintf("e2e-%d", i), "direction": "outbound",
				"from": "+14155550100", "to": "+14155550199", "started_at": start.Format(time.RFC3339), "ended_at": start.Add(30 * time.Second).Format(time.RFC3339),
				"outcome": "completed"})
			req, _ := http.NewRequest("POST", base+"/api/v1/workspaces/"+ws+"/calls", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				if res.StatusCode != 201 {
					err = fmt.Errorf("report %d: status %d", i, res.StatusCode)
				}
				res.Body.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Poll the receiver until every event has arrived (each replica runs a worker).
	deadline := time.Now().Add(60 * time.Second)
	var thresholds map[string]float64
	var completed map[string]int
	for {
		mu.Lock()
		list := append([]got(nil), received...)
		mu.Unlock()
		thresholds, completed = map[string]float64{}, map[string]int{}
		dupThreshold := false
		for _, g := range list {
			if err := webhook.Verify(secret, g.signature, g.body, time.Now(), 5*time.Minute); err != nil {
				t.Fatalf("delivery signature: %v", err)
			}
			var e struct {
				ID   string         `json:"id"`
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(g.body, &e); err != nil {
				t.Fatal(err)
			}
			switch e.Type {
			case "budget.threshold":
				if _, dup := thresholds[e.ID]; dup {
					dupThreshold = true
				}
				thresholds[e.ID] = e.Data["threshold"].(float64)
			case "call.completed":
				completed[e.ID]++
			}
		}
		if dupThreshold {
			t.Fatalf("a threshold event was delivered twice: %v", thresholds)
		}
		if len(completed) == calls && len(thresholds) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d call.completed, thresholds %v", len(completed), thresholds)
		}
		time.Sleep(100 * time.Millisecond)
	}
	seen := map[float64]int{}
	for _, th := range thresholds {
		seen[th]++
	}
	if len(thresholds) != 3 || seen[50] != 1 || seen[80] != 1 || seen[100] != 1 {
		t.Fatalf("threshold events %v, want 50, 80 and 100 once each", thresholds)
	}
	alerts := call(t, "GET", b.base+"/api/v1/workspaces/"+ws+"/alerts", token, nil).want(t, 200)
	if items, _ := alerts.body["items"].([]any); len(items) != 3 {
		t.Fatalf("alerts = %s, want 3", alerts.raw)
	}
}
