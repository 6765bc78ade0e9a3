package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The webhook pages × every role: admin+ 200, lower roles the 403 page, outsiders 404;
// the settings navigation links the list for admin+ only.
func TestWebhookPagesEveryRole(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		tm := newTeam(t, s)
		h, err := s.store.CreateWebhook(ctx, tm.owner.actor(), tm.agency, sb.WebhookInput{URL: "http://127.0.0.1:9/hook", Events: []string{sb.EventMemberRemoved}})
		if err != nil {
			t.Fatal(err)
		}
		base := "/w/" + tm.agency
		for _, path := range []string{"/settings/webhooks", "/settings/webhooks/" + h.ID} {
			for role, b := range tm.byRole {
				want := http.StatusOK
				if !role.AtLeast(sb.RoleAdmin) {
					want = http.StatusForbidden
				}
				p := b.get(base + path)
				if p.Status != want {
					t.Errorf("%s as %s: %d, want %d", path, role, p.Status, want)
				}
				if want == http.StatusForbidden && !strings.Contains(p.Body, "Not allowed") {
					t.Errorf("%s as %s: the 403 is not the branded page", path, role)
				}
				if want == http.StatusOK && !strings.Contains(p.Body, "http://127.0.0.1:9/hook") {
					t.Errorf("%s as %s: the endpoint is not shown", path, role)
				}
			}
			if p := tm.outsider.get(base + path); p.Status != http.StatusNotFound {
				t.Errorf("%s as an outsider: %d, want 404", path, p.Status)
			}
		}
		// Another workspace's endpoint, or none at all, is not found.
		if p := tm.owner.get("/w/" + tm.simple + "/settings/webhooks/" + h.ID); p.Status != http.StatusNotFound {
			t.Errorf("an endpoint through another workspace: %d", p.Status)
		}
		if p := tm.owner.get(base + "/settings/webhooks/whk_nope"); p.Status != http.StatusNotFound {
			t.Errorf("a missing endpoint: %d", p.Status)
		}
		// A lower role's POST is refused by the service and changes nothing.
		if p := tm.byRole[sb.RoleManager].post(base+"/settings/webhooks/"+h.ID+"/delete", nil); p.Status != http.StatusForbidden {
			t.Errorf("delete as manager: %d", p.Status)
		}
		if _, err := s.store.GetWebhook(ctx, tm.owner.actor(), tm.agency, h.ID); err != nil {
			t.Fatalf("a manager's refused delete removed the endpoint: %v", err)
		}
		for role, b := range tm.byRole {
			nav := between(b.get(base).Body, `<nav class="side"`, `</nav>`)
			if has := strings.Contains(nav, `href="`+base+`/settings/webhooks"`); has != role.AtLeast(sb.RoleAdmin) {
				t.Errorf("%s: webhooks nav link shown=%v", role, has)
			}
		}
	})
}

var secretRe = regexp.MustCompile(`<code id="webhook-secret">(whsec_[^<]+)</code>`)

// Create (secret shown once), a refused form, disable, enable, the delivery log with
// redeliver, delete: every form works without JavaScript (POST, 303, flash).
func TestWebhookFormsWithoutJavaScript(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		tm := newTeam(t, s)
		a := tm.byRole[sb.RoleAdmin]
		base := "/w/" + tm.agency + "/settings/webhooks"

		// A refused form: 422, the problem shown, the ticks and the URL kept, nothing made.
		p := a.post(base, url.Values{"url": {"http://127.0.0.1:9/kept"}, "description": {"CRM"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, "Choose at least one event", `value="http://127.0.0.1:9/kept"`)
		p = a.post(base, url.Values{"url": {"ftp://x"}, "events": {sb.EventMemberRemoved}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantBody(t, p, `value="member.removed" checked`)
		if list, _, _ := s.store.ListWebhooks(ctx, a.actor(), tm.agency, sb.Page{}); len(list) != 0 {
			t.Fatalf("a refused form made %d endpoints", len(list))
		}

		// Create: 303, the secret once on the next page, never again.
		p = a.post(base, url.Values{"url": {"http://127.0.0.1:9/hook"}, "events": {sb.EventMemberRemoved, sb.EventCallCompleted}, "description": {"CRM sync"}})
		p = a.follow(p)
		wantBody(t, p, "Copy its signing secret now", "CRM sync", "<code>member.removed</code>, <code>call.completed</code>")
		m := secretRe.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("the secret is not shown after create: %s", snippet(p.Body))
		}
		wantNoBody(t, a.get(base), `id="webhook-secret"`, m[1])
		list, _, err := s.store.ListWebhooks(ctx, a.actor(), tm.agency, sb.Page{})
		if err != nil || len(list) != 1 || !list[0].Enabled {
			t.Fatalf("after create: %v %+v", err, list)
		}
		h := list[0]

		// Disable from the list, enable from the detail page.
		p = a.post(base+"/"+h.ID+"/enabled", url.Values{"enabled": {"false"}})
		wantBody(t, a.follow(p), "The endpoint is disabled", ">disabled<", ">Enable<")
		if got, _ := s.store.GetWebhook(ctx, a.actor(), tm.agency, h.ID); got.Enabled {
			t.Fatal("the endpoint is still enabled")
		}
		p = a.post(base+"/"+h.ID+"/enabled", url.Values{"enabled": {"true"}, "back": {"detail"}})
		if p.Location() != base+"/"+h.ID {
			t.Fatalf("enable from the detail page returns to %q", p.Location())
		}
		wantBody(t, a.follow(p), "The endpoint is enabled", ">enabled<")
		if got, _ := s.store.GetWebhook(ctx, a.actor(), tm.agency, h.ID); !got.Enabled {
			t.Fatal("the endpoint is still disabled")
		}

		// An event makes a delivery; the log shows it; redeliver queues the same event id.
		if err := s.store.RemoveMember(ctx, tm.owner.actor(), tm.agency, tm.byRole[sb.RoleViewer].actor().UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.DispatchEvents(ctx, 100); err != nil {
			t.Fatal(err)
		}
		ds, _, err := s.store.ListDeliveries(ctx, a.actor(), tm.agency, h.ID, sb.Page{})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %v %d", err, len(ds))
		}
		p = a.get(base + "/" + h.ID)
		wantBody(t, p, "<code>member.removed</code>", ds[0].EventID, "/deliveries/"+ds[0].ID+"/redeliver")
		p = a.post(base+"/"+h.ID+"/deliveries/"+ds[0].ID+"/redeliver", nil)
		wantBody(t, a.follow(p), "queued to be sent again")
		ds2, _, _ := s.store.ListDeliveries(ctx, a.actor(), tm.agency, h.ID, sb.Page{})
		if len(ds2) != 2 || ds2[0].EventID != ds2[1].EventID {
			t.Fatalf("after redeliver: %+v", ds2)
		}
		// Keyset paging of the log: more than a page shows a link to the older ones.
		for range sb.DefaultPageLimit {
			if _, err := s.store.Redeliver(ctx, a.actor(), tm.agency, h.ID, ds[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		p = a.get(base + "/" + h.ID)
		next := regexp.MustCompile(`href="([^"]*\?cursor=[^"]+)">Older deliveries`).FindStringSubmatch(p.Body)
		if next == nil {
			t.Fatalf("no link to older deliveries: %s", snippet(p.Body))
		}
		older := a.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		wantStatus(t, older, http.StatusOK)
		if n := strings.Count(older.Body, "/redeliver\""); n != sb.DefaultPageLimit+2-sb.DefaultPageLimit {
			t.Fatalf("the older page lists %d deliveries, want 2", n)
		}

		// Delete.
		p = a.post(base+"/"+h.ID+"/delete", nil)
		wantBody(t, a.follow(p), "The endpoint is deleted.", "No webhook endpoints yet.")
		if _, err := s.store.GetWebhook(ctx, a.actor(), tm.agency, h.ID); err == nil {
			t.Fatal("the endpoint is still there")
		}
	})
}

// The webhook forms are refused from another site and change nothing.
func TestWebhookCrossOrigin(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		owner := s.signUp("Olga Owner", "owner@example.com")
		ws := owner.firstWorkspace()
		h, err := s.store.CreateWebhook(ctx, owner.actor(), ws, sb.WebhookInput{URL: "http://127.0.0.1:9/hook", Events: []string{sb.EventMemberRemoved}})
		if err != nil {
			t.Fatal(err)
		}
		base := "/w/" + ws + "/settings/webhooks"
		for _, path := range []string{base, base + "/" + h.ID + "/enabled", base + "/" + h.ID + "/delete"} {
			form := url.Values{"url": {"http://127.0.0.1:9/evil"}, "events": {sb.EventCallCompleted}, "enabled": {"false"}}
			req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if p := owner.do(req); p.Status != http.StatusForbidden {
				t.Errorf("cross-site POST %s: %d", path, p.Status)
			}
		}
		list, _, _ := s.store.ListWebhooks(ctx, owner.actor(), ws, sb.Page{})
		if len(list) != 1 || !list[0].Enabled {
			t.Fatalf("a cross-site form changed the endpoints: %+v", list)
		}
	})
}

// A tenant-typed URL and description are escaped on both pages.
func TestWebhookTextEscaped(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		evil := `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`
		b := s.signUp("Eve Owner", "eve@example.com")
		ws := b.firstWorkspace()
		p := b.post("/w/"+ws+"/settings/webhooks", url.Values{"url": {"http://127.0.0.1:9/hook?q=" + evil}, "events": {sb.EventCallCompleted}, "description": {evil}})
		wantStatus(t, p, http.StatusSeeOther)
		list, _, _ := s.store.ListWebhooks(context.Background(), b.actor(), ws, sb.Page{})
		if len(list) != 1 {
			t.Fatalf("endpoints: %d", len(list))
		}
		for _, path := range []string{"/w/" + ws + "/settings/webhooks", "/w/" + ws + "/settings/webhooks/" + list[0].ID} {
			p := b.get(path)
			wantStatus(t, p, http.StatusOK)
			if strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "<img src=x") {
				t.Fatalf("%s renders tenant text as HTML", path)
			}
			if !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("%s does not show the escaped text", path)
			}
		}
	})
}
