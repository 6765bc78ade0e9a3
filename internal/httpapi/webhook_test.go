package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
	"github.com/switchboard/switchboard/internal/webhook"
)

// eachHookAPI is eachAPI with the webhook service, on a store whose SSRF guard
// allows private addresses or not.
func eachHookAPI(t *testing.T, allowPrivate bool, fn func(t *testing.T, a *api)) {
	t.Helper()
	configure := func(c *store.Config) {
		c.BaseURL = testBaseURL
		c.Mail = mail.NewTransport(mail.TransportConfig{AllowPrivate: allowPrivate, Timeout: 5 * time.Second})
	}
	storetest.Each(t, storetest.Options{Configure: configure}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s,
			Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s, Webhooks: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		fn(t, &api{t: t, srv: srv, store: s, clock: clock, mail: newMailWorker(s)})
	})
}

func TestWebhookAPI(t *testing.T) {
	eachHookAPI(t, true, func(t *testing.T, a *api) {
		owner := a.signUp("Owner")
		a.grant(owner.AccountID, 100)
		admin, member, outsider := a.signUp("Admin"), a.signUp("Member"), a.signUp("Outsider")
		a.join(owner.WorkspaceID, admin, sb.RoleAdmin)
		a.join(owner.WorkspaceID, member, sb.RoleManager)
		got := make(chan []byte, 10)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, r.ContentLength)
			r.Body.Read(b)
			got <- b
		}))
		defer rcv.Close()
		base := "/api/v1/workspaces/" + owner.WorkspaceID + "/webhooks"
		body := map[string]any{"url": rcv.URL + "/in", "events": []string{"call.completed", "budget.threshold"}, "description": "CRM"}

		a.do("POST", base, member.Token, body).want(t, 403, "forbidden")
		a.do("POST", base, outsider.Token, body).want(t, 404, "not_found")
		a.do("GET", base, member.Token, nil).want(t, 403, "forbidden")
		a.do("POST", base, admin.Token, map[string]any{"url": "ftp://x", "events": []string{"call.completed"}}).want(t, 422, "validation_failed")
		a.do("POST", base, admin.Token, map[string]any{"url": rcv.URL, "events": []string{"call.nope"}}).want(t, 422, "validation_failed")
		a.do("POST", base, admin.Token, map[string]any{"url": rcv.URL, "events": []string{}}).want(t, 422, "validation_failed")

		created := a.do("POST", base, admin.Token, body).want(t, 201)
		id, secret := created.Str("id"), created.Str("secret")
		if id == "" || secret == "" || created.Str("url") != rcv.URL+"/in" || created.Str("created_at") == "" {
			t.Fatalf("created = %s", created.Raw)
		}
		if ev, _ := created.Get("events").([]any); len(ev) != 2 {
			t.Fatalf("events = %v", created.Get("events"))
		}
		listed := a.do("GET", base, admin.Token, nil).want(t, 200)
		if items := listed.Items(); len(items) != 1 || items[0]["secret"] != nil {
			t.Fatalf("list = %s, want one endpoint without its secret", listed.Raw)
		}
		one := a.do("GET", base+"/"+id, admin.Token, nil).want(t, 200)
		if one.Get("secret") != nil {
			t.Fatal("GET shows the secret")
		}
		a.do("PATCH", base+"/"+id, admin.Token, map[string]any{"description": "CRM sync"}).want(t, 200)
		a.do("PATCH", base+"/"+id, admin.Token, map[string]any{"events": []string{"bogus"}}).want(t, 422, "validation_failed")
		a.do("GET", base+"/whk_nope", admin.Token, nil).want(t, 404, "not_found")

		// A reported call reaches the receiver, signed.
		key := a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/api-keys", owner.Token, map[string]any{"name": "engine", "role": "admin"}).want(t, 201).Str("key")
		start := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
		a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/calls", key, map[string]any{"external_id": "c1", "direction": "inbound",
			"from": "+14155550100", "to": "+14155550199", "started_at": start.Format(time.RFC3339), "ended_at": start.Add(time.Minute).Format(time.RFC3339),
			"outcome": "completed"}).want(t, 201)
		w := webhook.NewWorker(a.store, webhook.Config{Now: a.clock.Now})
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		deliveries := a.do("GET", base+"/"+id+"/deliveries", admin.Token, nil).want(t, 200)
		items := deliveries.Items()
		if len(items) != 1 || items[0]["event"] != "call.completed" || items[0]["status"] != "delivered" || items[0]["attempts"] != float64(1) ||
			items[0]["response_status"] != float64(200) || items[0]["delivered_at"] == nil || items[0]["created_at"] == nil {
			t.Fatalf("deliveries = %s", deliveries.Raw)
		}
		a.do("GET", base+"/"+id+"/deliveries", member.Token, nil).want(t, 403, "forbidden")
		a.do("POST", base+"/"+id+"/deliveries/dlv_nope/redeliver", admin.Token, nil).want(t, 404, "not_found")
		a.do("POST", base+"/"+id+"/deliveries/"+items[0]["id"].(string)+"/redeliver", admin.Token, nil).want(t, 202)
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("receiver got %d deliveries, want 2", len(got))
		}
		first, second := <-got, <-got
		if string(first) != string(second) {
			t.Fatalf("redelivery body differs:\n%s\n%s", first, second)
		}

		// Alerts: a budget of 2 minutes with 1 used (50 %, passed before the budget was
		// set, so not announced), then 40 s more: 80 %.
		a.do("PUT", "/api/v1/workspaces/"+owner.WorkspaceID+"/budget", owner.Token, map[string]any{"minute_budget": 2}).want(t, 200)
		a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/calls", key, map[string]any{"external_id": "c2", "direction": "inbound",
			"from": "+14155550100", "to": "+14155550199", "started_at": start.Format(time.RFC3339), "ended_at": start.Add(40 * time.Second).Format(time.RFC3339),
			"outcome": "completed"}).want(t, 201)
		viewer := a.signUp("Viewer")
		a.join(owner.WorkspaceID, viewer, sb.RoleViewer)
		alerts := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/alerts", viewer.Token, nil).want(t, 200)
		if items := alerts.Items(); len(items) != 1 || items[0]["type"] != "budget.threshold" || items[0]["data"].(map[string]any)["threshold"] != float64(80) {
			t.Fatalf("alerts = %s", alerts.Raw)
		}
		a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/alerts", outsider.Token, nil).want(t, 404, "not_found")

		a.do("DELETE", base+"/"+id, member.Token, nil).want(t, 403, "forbidden")
		a.do("DELETE", base+"/"+id, admin.Token, nil).want(t, 204)
		a.do("GET", base+"/"+id, admin.Token, nil).want(t, 404, "not_found")
	})
}

func TestWebhookURLThroughSSRFGuard(t *testing.T) {
	eachHookAPI(t, false, func(t *testing.T, a *api) {
		owner := a.signUp("Owner")
		base := "/api/v1/workspaces/" + owner.WorkspaceID + "/webhooks"
		for _, u := range []string{"http://127.0.0.1:9/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://10.1.2.3/"} {
			a.do("POST", base, owner.Token, map[string]any{"url": u, "events": []string{"call.completed"}}).want(t, 422, "validation_failed")
		}
		a.do("POST", base, owner.Token, map[string]any{"url": "https://93.184.215.14/hooks", "events": []string{"call.completed"}}).want(t, 201)
	})
}
