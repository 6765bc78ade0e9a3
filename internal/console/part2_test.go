package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// people is a workspace with one person per role and an outsider.
type people struct {
	ws      string
	byRole  map[string]*browser
	owner   *browser
	outside *browser
}

func (s *site) people(t *testing.T) people {
	t.Helper()
	p := people{byRole: map[string]*browser{}}
	p.owner = s.signUp("Olga Owner", "owner@example.com")
	p.ws = p.owner.firstWorkspace()
	p.byRole["owner"] = p.owner
	for _, r := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
		b := s.signUp(string(r), string(r)+"@example.com")
		u := b.actor()
		if err := s.store.GrantMembership(context.Background(), p.ws, u.UserID, r); err != nil {
			t.Fatal(err)
		}
		p.byRole[string(r)] = b
	}
	p.outside = s.signUp("Otto Outsider", "otto@example.com")
	p.byRole["outsider"] = p.outside
	return p
}

// seed gives the workspace an assistant, a campaign, a contact, a workflow and a
// call, through the store as its owner.
type seeded struct{ assistant, campaign, contact, workflow, call string }

func (s *site) seed(t *testing.T, owner *browser, ws string) seeded {
	t.Helper()
	ctx, a := context.Background(), owner.actor()
	if _, err := s.store.GrantMinutes(ctx, sb.Actor{Operator: true}, mustAccount(t, s, owner), sb.GrantInput{Minutes: 1000}); err != nil {
		t.Fatal(err)
	}
	name := func(s string) *string { return &s }
	as, err := s.store.CreateAssistant(ctx, a, ws, sb.AssistantInput{Name: name("Receptionist Rita")})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := s.store.CreateCampaign(ctx, a, ws, sb.CampaignInput{Name: name("Spring recall"), ContactTag: name("recall"), AssistantID: &as.ID})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := s.store.CreateContact(ctx, a, ws, sb.ContactInput{FirstName: "Ada", Phone: "+14155550100", Tags: []string{"recall"}})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := s.store.CreateWorkflow(ctx, a, ws, sb.WorkflowInput{Name: name("Intake"), Definition: []byte(`{"steps":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	cl := s.report(t, owner, ws, "ext-1", s.clock.Now().Add(-2*time.Hour), 95, &as.ID)
	return seeded{assistant: as.ID, campaign: cp.ID, contact: ct.ID, workflow: wf.ID, call: cl}
}

func mustAccount(t *testing.T, s *site, b *browser) string {
	t.Helper()
	me, err := s.store.Me(context.Background(), b.actor())
	if err != nil || len(me.Accounts) == 0 {
		t.Fatalf("me: %v", err)
	}
	return me.Accounts[0].ID
}

// report reports a finished call as the voice engine does.
func (s *site) report(t *testing.T, owner *browser, ws, ext string, start time.Time, seconds int, assistant *string) string {
	t.Helper()
	rec := "https://recordings.example.com/" + ext + ".mp3"
	in := sb.ReportCallInput{ExternalID: ext, Direction: "outbound", From: "+14155550100", To: "+442071838750",
		StartedAt: start.UTC().Format(time.RFC3339), EndedAt: start.Add(time.Duration(seconds) * time.Second).UTC().Format(time.RFC3339),
		Outcome: "completed", AssistantID: assistant, RecordingURL: &rec,
		Transcript: []sb.Turn{{Speaker: "assistant", Text: "Hello, this is Rita from the clinic.", AtMS: 0}, {Speaker: "user", Text: "Hi Rita, I <b>need</b> an appointment.", AtMS: 2500}}}
	c, _, err := s.store.ReportCall(context.Background(), owner.actor(), ws, in)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// Every part-2 page answers each role as the permission table says: 200, 403
// (role too low) or 404 (not a member).
func TestPart2PagesByRole(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		d := s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		pages := []struct {
			path string
			min  string // the lowest role that gets 200
		}{
			{w, "viewer"},
			{w + "/calls", "viewer"},
			{w + "/calls?outcome=completed&from=2026-01-01&to=2026-12-31", "viewer"},
			{w + "/calls/" + d.call, "viewer"},
			{w + "/analytics", "viewer"},
			{w + "/analytics?from=2026-02-01&to=2026-03-01", "viewer"},
			{w + "/contacts", "member"},
			{w + "/contacts?q=Ada&tag=recall", "member"},
			{w + "/contacts/" + d.contact, "member"},
			{w + "/contacts/import", "manager"},
			{w + "/campaigns", "member"},
			{w + "/campaigns/" + d.campaign, "member"},
			{w + "/campaigns/" + d.campaign + "/progress", "member"},
			{w + "/assistants", "member"},
			{w + "/assistants/" + d.assistant, "member"},
			{w + "/workflows", "member"},
			{w + "/workflows/" + d.workflow, "member"},
		}
		rank := map[string]int{"outsider": -1, "viewer": 0, "member": 1, "manager": 2, "admin": 3, "owner": 4}
		for _, pg := range pages {
			for role, b := range p.byRole {
				want := http.StatusOK
				switch {
				case role == "outsider":
					want = http.StatusNotFound
				case rank[role] < rank[pg.min]:
					want = http.StatusForbidden
				}
				if got := b.get(pg.path); got.Status != want {
					t.Errorf("GET %s as %s: %d, want %d: %s", pg.path, role, got.Status, want, snippet(got.Body))
				}
			}
		}
		// The navigation shows the sections a role reaches.
		wantNoBody(t, p.byRole["viewer"].get(w), `href="`+w+`/contacts"`)
		wantBody(t, p.byRole["member"].get(w), `href="`+w+`/contacts"`, `href="`+w+`/campaigns"`)
	})
}

// Forms a role cannot use are hidden, and posted anyway they are refused by the
// service: 403 for a role too low, 404 for an outsider.
func TestPart2FormsByRole(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		d := s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		member, manager, admin := p.byRole["member"], p.byRole["manager"], p.byRole["admin"]

		wantNoBody(t, member.get(w+"/contacts"), `name="first_name"`, `name="contact_ids"`, `/contacts/import"`)
		wantBody(t, manager.get(w+"/contacts"), `method="post" action="`+w+`/contacts"`, `name="first_name"`, `name="contact_ids"`, `action="`+w+`/contacts/tags"`)
		wantNoBody(t, manager.get(w+"/assistants"), `action="`+w+`/assistants"`)
		wantBody(t, admin.get(w+"/assistants"), `action="`+w+`/assistants"`)
		wantBody(t, member.get(w+"/campaigns/"+d.campaign), `action="`+w+`/campaigns/`+d.campaign+`/start"`)
		wantNoBody(t, member.get(w+"/campaigns/"+d.campaign), `action="`+w+`/campaigns/`+d.campaign+`/delete"`)
		wantNoBody(t, manager.get(w+"/workflows/"+d.workflow), `/deploy"`)

		refused := []struct {
			who  *browser
			path string
			form url.Values
			want int
		}{
			{member, w + "/contacts", url.Values{"phone": {"+14155550111"}}, 403},
			{p.outside, w + "/contacts", url.Values{"phone": {"+14155550111"}}, 404},
			{member, w + "/contacts/tags", url.Values{"contact_ids": {d.contact}, "add": {"x"}}, 403},
			{member, w + "/contacts/delete", url.Values{"contact_ids": {d.contact}}, 403},
			{p.byRole["viewer"], w + "/campaigns/" + d.campaign + "/start", nil, 403},
			{member, w + "/campaigns", url.Values{"name": {"X"}}, 403},
			{member, w + "/campaigns/" + d.campaign + "/delete", nil, 403},
			{manager, w + "/assistants", url.Values{"name": {"X"}}, 403},
			{manager, w + "/workflows/" + d.workflow + "/deploy", nil, 403},
			{p.outside, w + "/workflows/" + d.workflow + "/deploy", nil, 404},
		}
		for _, r := range refused {
			if got := r.who.post(r.path, r.form); got.Status != r.want {
				t.Errorf("POST %s: %d, want %d: %s", r.path, got.Status, r.want, snippet(got.Body))
			}
		}
		if list, _, _ := s.store.ListContacts(context.Background(), p.owner.actor(), p.ws, sb.ContactFilter{}); len(list) != 1 {
			t.Fatalf("a refused form changed the contacts: %d", len(list))
		}
	})
}

// The pages show what the store holds: the dashboard's chart and recent calls, a
// call's conversation (escaped), contacts with a search, a campaign's audience.
func TestPart2PagesShowData(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		d := s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		dash := p.owner.get(w)
		wantStatus(t, dash, 200)
		wantBody(t, dash, `<svg`, `role="img"`, `Calls per day`, `<title>`, `href="`+w+`/calls/`+d.call+`"`, `Receptionist Rita`, "Minutes")
		// A viewer sees the call, not its conversation.
		wantNoBody(t, p.byRole["viewer"].get(w+"/calls/"+d.call), "Hello, this is Rita")
		call := p.byRole["member"].get(w + "/calls/" + d.call)
		wantBody(t, call, "Hello, this is Rita", `class="turn by-user"`, "I &lt;b&gt;need&lt;/b&gt;", `<audio controls`, `https://recordings.example.com/ext-1.mp3`, "1:35")
		if csp := call.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' https:") {
			t.Fatalf("CSP does not let the recording play: %s", csp)
		}
		calls := p.byRole["viewer"].get(w + "/calls?outcome=busy")
		wantNoBody(t, calls, "/calls/"+d.call)
		wantBody(t, p.byRole["viewer"].get(w+"/calls?outcome=completed"), "/calls/"+d.call)
		bad := p.byRole["viewer"].get(w + "/calls?from=yesterday")
		wantStatus(t, bad, 422)
		wantBody(t, bad, "YYYY-MM-DD")

		an := p.owner.get(w + "/analytics")
		wantBody(t, an, `id="total-calls">1<`, "Receptionist Rita", "By assistant", "Outcomes per day", `class="seg o-completed" data-value="1"`)

		c := p.byRole["member"].get(w + "/contacts?q=Ada")
		wantBody(t, c, "Ada", "&#43;14155550100")
		wantNoBody(t, p.byRole["member"].get(w+"/contacts?tag=nope"), "&#43;14155550100")

		cp := p.byRole["member"].get(w + "/campaigns/" + d.campaign)
		wantBody(t, cp, "Spring recall", `id="audience">1 contacts`, "Receptionist Rita", `data-progress-url="`+w+`/campaigns/`+d.campaign+`/progress"`, "/assets/progress.")
		js := p.byRole["member"].get(w + "/campaigns/" + d.campaign + "/progress")
		if !strings.HasPrefix(js.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("campaign progress: %s", js.Header.Get("Content-Type"))
		}
		wantBody(t, js, `"status":"draft"`, `"audience_size":1`)
	})
}

// Forms work without JavaScript: POST, 303, the page with a flash; a refused form
// shows the problem next to its field and keeps what was typed.
func TestPart2Forms(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		d := s.seed(t, p.owner, p.ws)
		w := "/w/" + p.ws
		mgr, member, admin := p.byRole["manager"], p.byRole["member"], p.byRole["admin"]

		// Contacts: add, a refused phone, bulk tag, edit, delete.
		res := mgr.post(w+"/contacts", url.Values{"first_name": {"Bea"}, "phone": {"(415) 555-0142"}, "default_region": {"US"}, "tags": {"vip, west"}})
		wantBody(t, mgr.follow(res), "&#43;14155550142", "added")
		res = mgr.post(w+"/contacts", url.Values{"first_name": {"Cy"}, "phone": {"12"}})
		wantStatus(t, res, 422)
		wantBody(t, res, `class="field-error"`, `value="Cy"`)
		list, _, _ := s.store.ListContacts(context.Background(), p.owner.actor(), p.ws, sb.ContactFilter{Q: "Bea"})
		if len(list) != 1 || strings.Join(list[0].Tags, ",") != "vip,west" {
			t.Fatalf("added contact: %+v", list)
		}
		bea := list[0].ID
		res = mgr.post(w+"/contacts/tags", url.Values{"contact_ids": {bea, d.contact}, "add": {"q3"}, "remove": {"vip"}})
		wantBody(t, mgr.follow(res), "Tags changed on 2 contacts")
		got, _ := s.store.GetContact(context.Background(), p.owner.actor(), p.ws, bea)
		if strings.Join(got.Tags, ",") != "q3,west" {
			t.Fatalf("bulk tag: %v", got.Tags)
		}
		res = mgr.post(w+"/contacts/"+bea, url.Values{"first_name": {"Beatrice"}, "last_name": {""}, "phone": {"+14155550142"}, "email": {"bea@example.com"}, "company": {""}, "tags": {"q3"}})
		wantBody(t, mgr.follow(res), "Beatrice", "Contact saved")
		res = mgr.post(w+"/contacts/delete", url.Values{"contact_ids": {bea}})
		wantStatus(t, res, 303)
		if _, err := s.store.GetContact(context.Background(), p.owner.actor(), p.ws, bea); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("deleted contact: %v", err)
		}

		// Campaigns: create with a schedule, a refused time zone, start, pause, stop, delete.
		res = mgr.post(w+"/campaigns", url.Values{"name": {"Autumn"}, "assistant_id": {d.assistant}, "contact_tag": {"recall"}, "max_concurrent_calls": {"3"},
			"timezone": {"Mars/Olympus"}, "days": {"mon", "wed"}, "start_time": {"10:00"}, "end_time": {"16:00"}})
		wantStatus(t, res, 422)
		wantBody(t, res, "Unknown time zone", `value="Autumn"`)
		res = mgr.post(w+"/campaigns", url.Values{"name": {"Autumn"}, "assistant_id": {d.assistant}, "contact_tag": {"recall"}, "max_concurrent_calls": {"3"},
			"timezone": {"Europe/Paris"}, "days": {"mon", "wed"}, "start_time": {"10:00"}, "end_time": {"16:00"}})
		page := mgr.follow(res)
		wantBody(t, page, "Autumn", "mon, wed 10:00–16:00 (Europe/Paris)", `id="audience">1 contacts`)
		id := strings.TrimPrefix(res.Location(), w+"/campaigns/")
		for _, step := range []struct{ action, status string }{{"start", "running"}, {"pause", "paused"}, {"resume", "running"}, {"stop", "stopped"}} {
			res = member.post(w+"/campaigns/"+id+"/"+step.action, nil)
			wantBody(t, member.follow(res), `id="campaign-status">`+step.status+`<`)
		}
		res = member.post(w+"/campaigns/"+id+"/start", nil) // stopped is final: the service's 409
		wantStatus(t, res, 303)
		wantBody(t, member.get(res.Location()), "flash bad")
		res = mgr.post(w+"/campaigns/"+d.campaign, url.Values{"name": {"Spring recall 2"}, "max_concurrent_calls": {"2"}})
		wantBody(t, mgr.follow(res), "Spring recall 2", "Campaign saved")
		wantStatus(t, mgr.post(w+"/campaigns/"+id+"/delete", nil), 303)
		if _, err := s.store.GetCampaign(context.Background(), p.owner.actor(), p.ws, id); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("deleted campaign: %v", err)
		}

		// Assistants and workflows (admin+): create, edit, a refused draft, deploy, versions.
		res = admin.post(w+"/assistants", url.Values{"name": {"Nora"}, "first_message": {"Hi!"}, "voice": {"alloy"}})
		wantBody(t, admin.follow(res), "Nora", `value="Hi!"`)
		aid := strings.TrimPrefix(res.Location(), w+"/assistants/")
		wantBody(t, admin.follow(admin.post(w+"/assistants/"+aid, url.Values{"name": {"Nora 2"}})), "Nora 2")
		wantStatus(t, admin.post(w+"/assistants/"+aid+"/delete", nil), 303)

		res = admin.post(w+"/workflows/"+d.workflow, url.Values{"definition": {"[1,2]"}})
		wantStatus(t, res, 422)
		wantBody(t, res, "JSON object", "[1,2]")
		res = admin.post(w+"/workflows/"+d.workflow, url.Values{"definition": {`{"steps":[{"say":"hello"}]}`}})
		wantBody(t, admin.follow(res), "Draft saved", "&#34;say&#34;: &#34;hello&#34;")
		res = admin.post(w+"/workflows/"+d.workflow+"/deploy", nil)
		wantBody(t, admin.follow(res), "Version 1 deployed", "v1")
		res = admin.post(w+"/workflows", url.Values{"name": {"Second"}, "definition": {`{}`}})
		wantBody(t, admin.follow(res), "Second", "Never deployed")
	})
}

// The import: upload, see the columns and first rows, map them, start; the
// progress page and its JSON tell the counts; the rejected rows download.
func TestPart2Import(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		p := s.people(t)
		w := "/w/" + p.ws
		mgr := p.byRole["manager"]
		file := "Name,Cell Number,Labels\nAda,+14155550100,\"recall,vip\"\nBob,+14155550101,recall\nAda again,+14155550100,late\nBad,nope,\n"
		// An empty file: the upload form again, with the problem (422).
		res := mgr.upload(w+"/contacts/import", "", map[string]string{"tags": "spring"})
		wantStatus(t, res, 422)
		wantBody(t, res, "The file is empty", `name="file"`, `value="spring"`)
		res = mgr.upload(w+"/contacts/import", file, map[string]string{"tags": "spring"})
		wantStatus(t, res, 303)
		id := lastSegment(res.Location())
		step := mgr.follow(res)
		wantStatus(t, step, 200)
		wantBody(t, step, "Cell Number", `name="mapping[Cell Number]"`, "Bob", "&#43;14155550101", `value="spring"`)
		// No phone column mapped: refused, the file stays staged.
		res = mgr.post(res.Location(), url.Values{"mapping[Name]": {"first_name"}, "mapping[Cell Number]": {"ignore"}, "mapping[Labels]": {"tags"}, "tags": {"spring"}})
		wantStatus(t, res, 422)
		wantBody(t, res, "phone")
		// A staged file is neither an import of the API nor work for the worker.
		if _, err := s.store.GetImport(context.Background(), p.owner.actor(), p.ws, id); sb.ErrorCode(err) != sb.ECodeNotFound {
			t.Fatalf("a staged file is visible as an import: %v", err)
		}
		if n, err := s.store.NewImportWorker().RunOnce(context.Background()); err != nil || n != 0 {
			t.Fatalf("the worker took a staged file: %d %v", n, err)
		}
		res = mgr.post(w+"/contacts/import/"+id, url.Values{"mapping[Name]": {"first_name"}, "mapping[Cell Number]": {"phone"}, "mapping[Labels]": {"tags"}, "tags": {"spring"}})
		wantStatus(t, res, 303)
		prog := mgr.follow(res)
		wantBody(t, prog, `id="import-bar"`, `data-progress-url="`+w+`/contacts/import/`+id+`/progress"`, "progress.")
		if _, err := s.store.NewImportWorker().RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		prog = mgr.get(w + "/contacts/import/" + id)
		wantBody(t, prog, `data-status="completed"`, `value="100"`, `data-field="rows_duplicate">1<`, `data-field="rows_rejected">1<`, `data-field="rows_created">2<`, "/rejected")
		js := mgr.get(w + "/contacts/import/" + id + "/progress")
		wantStatus(t, js, 200)
		wantBody(t, js, `"rows_imported":3`, `"rows_duplicate":1`, `"status":"completed"`)
		rej := mgr.get(w + "/contacts/import/" + id + "/rejected")
		wantStatus(t, rej, 200)
		wantBody(t, rej, "Bad", "reason")
		list, _, _ := s.store.ListContacts(context.Background(), p.owner.actor(), p.ws, sb.ContactFilter{Tag: "vip"})
		if len(list) != 1 || strings.Join(list[0].Tags, ",") != "late,recall,spring,vip" {
			t.Fatalf("imported: %+v", list)
		}
		// Another workspace's person sees none of it.
		wantStatus(t, p.outside.get(w+"/contacts/import/"+id), 404)
		wantStatus(t, p.byRole["member"].get(w+"/contacts/import/"+id), 403)
	})
}

func lastSegment(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// upload posts a multipart form with a file part named file, as a browser does.
func (b *browser) upload(path, file string, fields map[string]string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "contacts.csv")
	fw.Write([]byte(file))
	mw.Close()
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.s.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// An agency's analytics page rolls up its clients' calls, with a breakdown by client.
func TestPart2AgencyAnalytics(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		owner := s.signUp("Olga Owner", "owner@example.com")
		acct := mustAccount(t, s, owner)
		if _, err := s.store.SetPlan(ctx, sb.Actor{Operator: true}, acct, sb.PlanEnterprise); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.GrantMinutes(ctx, sb.Actor{Operator: true}, acct, sb.GrantInput{Minutes: 100}); err != nil {
			t.Fatal(err)
		}
		agency, err := s.store.CreateWorkspace(ctx, owner.actor(), sb.CreateWorkspaceInput{Name: "Agency One", Type: sb.WorkspaceAgency})
		if err != nil {
			t.Fatal(err)
		}
		client, err := s.store.CreateWorkspace(ctx, owner.actor(), sb.CreateWorkspaceInput{Name: "Bella Bakery", Type: sb.WorkspaceSimple, ParentID: &agency.ID})
		if err != nil {
			t.Fatal(err)
		}
		s.report(t, owner, client.ID, "c-1", s.clock.Now().Add(-time.Hour), 60, nil)
		s.report(t, owner, client.ID, "c-2", s.clock.Now().Add(-time.Hour), 60, nil)
		s.report(t, owner, agency.ID, "a-1", s.clock.Now().Add(-time.Hour), 60, nil)
		page := owner.get("/w/" + agency.ID + "/analytics")
		wantStatus(t, page, 200)
		wantBody(t, page, `id="total-calls">3<`, "By client", "Bella Bakery", `href="/w/`+client.ID+`/analytics"`, "Agency One (own calls)")
		page = owner.get("/w/" + client.ID + "/analytics")
		wantBody(t, page, `id="total-calls">2<`)
		wantNoBody(t, page, "By client")
	})
}

// The lists page by keyset: following "next" links visits every row once, and
// the links keep the filters.
func TestPart2Paging(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		ctx := context.Background()
		owner := s.signUp("Olga Owner", "owner@example.com")
		ws := owner.firstWorkspace()
		start := s.clock.Now().Add(-200 * time.Second)
		if err := s.store.SeedCallsForTest(ctx, ws, 120, start.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		if err := s.store.SeedManyContactsForTest(ctx, ws, 130, s.clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`)
		walk := func(path string, row *regexp.Regexp) map[string]int {
			seen := map[string]int{}
			for pages := 0; path != ""; pages++ {
				if pages > 10 {
					t.Fatalf("too many pages")
				}
				p := owner.get(path)
				wantStatus(t, p, 200)
				for _, m := range row.FindAllStringSubmatch(p.Body, -1) {
					seen[m[1]]++
				}
				path = ""
				if m := next.FindStringSubmatch(p.Body); m != nil {
					path = strings.ReplaceAll(m[1], "&amp;", "&")
				}
			}
			return seen
		}
		callRe := regexp.MustCompile(`href="/w/` + ws + `/calls/(cal_[^"]+)"`)
		contactRe := regexp.MustCompile(`name="contact_ids" value="(con_[^"]+)"`)
		for _, c := range []struct {
			path string
			re   *regexp.Regexp
			want int
		}{
			{"/w/" + ws + "/calls", callRe, 120},
			{"/w/" + ws + "/calls?outcome=busy", callRe, 18}, // every seventh of 120
			{"/w/" + ws + "/contacts", contactRe, 130},
			{"/w/" + ws + "/contacts?tag=vip", contactRe, 13},
		} {
			seen := walk(c.path, c.re)
			if len(seen) != c.want {
				t.Errorf("%s: %d rows, want %d", c.path, len(seen), c.want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s: %s shown %d times", c.path, id, n)
				}
			}
		}
	})
}

// Part 2's forms are refused from another site like every form of the console.
func TestPart2CrossOrigin(t *testing.T) {
	eachSite(t, func(t *testing.T, s *site) {
		owner := s.signUp("Olga Owner", "owner@example.com")
		ws := owner.firstWorkspace()
		for _, path := range []string{"/w/" + ws + "/contacts", "/w/" + ws + "/campaigns", "/w/" + ws + "/contacts/import"} {
			req, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(url.Values{"name": {"X"}, "phone": {"+14155550100"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if p := owner.do(req); p.Status != http.StatusForbidden {
				t.Errorf("cross-site POST %s: %d", path, p.Status)
			}
		}
		if list, _, _ := s.store.ListContacts(context.Background(), owner.actor(), ws, sb.ContactFilter{}); len(list) != 0 {
			t.Fatalf("a cross-site form added contacts: %d", len(list))
		}
	})
}
