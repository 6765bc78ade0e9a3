package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// importAPI is an API whose import limit is small, with the store's configuration
// so that a test can open a second store on the same database.
type importAPI struct {
	*api
	cfg store.Config
}

const testImportLimit = 96 << 10

func eachImportAPI(t *testing.T, fn func(t *testing.T, a *importAPI)) {
	t.Helper()
	var cfg store.Config
	storetest.Each(t, storetest.Options{Configure: func(c *store.Config) { cfg = *c }}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, Contacts: s},
			httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, Now: clock.Now, ImportMaxBytes: testImportLimit})
		srv := httptest.NewServer(validated(t, h))
		t.Cleanup(srv.Close)
		fn(t, &importAPI{api: &api{t: t, srv: srv, store: s, clock: clock}, cfg: cfg})
	})
}

// upload posts a multipart import: the file and the small parts, in that order.
func (a *api) upload(ws, token, file string, parts map[string]string) *resp {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "contacts.csv")
	io.WriteString(fw, file)
	for k, v := range parts {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/workspaces/"+ws+"/contacts/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return a.send(req)
}

func (a *api) send(req *http.Request) *resp {
	a.t.Helper()
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			a.t.Fatalf("answer is not JSON: %s", raw)
		}
	}
	return out
}

// runImports runs the import worker until nothing is left.
func (a *api) runImports() {
	a.t.Helper()
	if _, err := a.store.NewImportWorker().RunOnce(context.Background()); err != nil {
		a.t.Fatal(err)
	}
}

func num(r *resp, field string) int {
	f, _ := r.Get(field).(float64)
	return int(f)
}

func (a *api) contacts(ws, token, query string) []map[string]any {
	a.t.Helper()
	var all []map[string]any
	cursor := ""
	for {
		r := a.do("GET", "/api/v1/workspaces/"+ws+"/contacts?limit=200&cursor="+cursor+query, token, nil).want(a.t, 200)
		all = append(all, r.Items()...)
		if cursor = r.Str("next_cursor"); cursor == "" {
			return all
		}
	}
}

func byPhone(cs []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, c := range cs {
		out[c["phone"].(string)] = c
	}
	return out
}

func tagsOf(c map[string]any) string {
	var out []string
	for _, t := range c["tags"].([]any) {
		out = append(out, t.(string))
	}
	return strings.Join(out, ",")
}

func TestContactsCRUD(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, ia *importAPI) {
		a := ia.api
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		c := a.do("POST", base, owner.Token, map[string]any{"first_name": " Ada ", "last_name": "Lovelace", "phone": "415-555-0100", "default_region": "us",
			"email": "ada@example.com", "company": "Engines", "tags": []string{" vip ", "vip", "west"}}).want(t, 201)
		if c.Str("phone") != "+14155550100" || c.Str("first_name") != "Ada" || tagsOf(c.Body) != "vip,west" || c.Str("created_at") == "" {
			t.Fatalf("created: %s", c.Raw)
		}
		id := c.Str("id")
		dup := a.do("POST", base, owner.Token, map[string]any{"phone": "+1 (415) 555-0100"}).want(t, 409, "conflict")
		if !strings.Contains(dup.Str("detail"), id) {
			t.Fatalf("conflict does not name the contact: %s", dup.Raw)
		}
		a.do("POST", base, owner.Token, map[string]any{"phone": "555-0100"}).want(t, 422, "validation_failed")
		a.do("POST", base, owner.Token, map[string]any{"phone": "+14155550199", "email": "not-an-email"}).want(t, 422, "validation_failed")
		a.do("POST", base, owner.Token, map[string]any{"phone": "+14155550199", "tags": []string{strings.Repeat("x", 51)}}).want(t, 422, "validation_failed")
		a.do("POST", base, owner.Token, map[string]any{"phone": "+14155550199", "default_region": "XX"}).want(t, 422, "validation_failed")
		b := a.do("POST", base, owner.Token, map[string]any{"first_name": "Bob", "phone": "0044 20 7946 0958", "company": "100%_Real"}).want(t, 201)
		if b.Str("phone") != "+442079460958" {
			t.Fatalf("00 prefix: %s", b.Raw)
		}
		a.do("GET", base+"/"+id, owner.Token, nil).want(t, 200)
		u := a.do("PATCH", base+"/"+id, owner.Token, map[string]any{"company": "Analytical", "tags": []string{"east"}}).want(t, 200)
		if u.Str("company") != "Analytical" || u.Str("first_name") != "Ada" || tagsOf(u.Body) != "east" {
			t.Fatalf("patched: %s", u.Raw)
		}
		a.do("PATCH", base+"/"+id, owner.Token, map[string]any{"phone": "+442079460958"}).want(t, 409, "conflict")

		// Search and tag filter; wildcards are literal.
		if got := a.contacts(ws, owner.Token, "&q=LOVE"); len(got) != 1 || got[0]["id"] != id {
			t.Fatalf("q=LOVE: %v", got)
		}
		if got := a.contacts(ws, owner.Token, "&q=ada+love"); len(got) != 1 {
			t.Fatalf("full name search: %v", got)
		}
		if got := a.contacts(ws, owner.Token, "&q=%25_"); len(got) != 1 || got[0]["first_name"] != "Bob" {
			t.Fatalf("q=%%_: %v", got)
		}
		if got := a.contacts(ws, owner.Token, "&q=%2B4420"); len(got) != 1 {
			t.Fatalf("phone search: %v", got)
		}
		if got := a.contacts(ws, owner.Token, "&tag=east"); len(got) != 1 || got[0]["id"] != id {
			t.Fatalf("tag=east: %v", got)
		}

		// Bulk tags, only ids of this workspace.
		other := a.signUp("Otto")
		foreign := a.do("POST", "/api/v1/workspaces/"+other.WorkspaceID+"/contacts", other.Token, map[string]any{"phone": "+14155550111"}).want(t, 201).Str("id")
		r := a.do("POST", base+"/tags", owner.Token, map[string]any{"contact_ids": []string{id, b.Str("id"), foreign, "con_nope"}, "add": []string{"q3"}, "remove": []string{"east"}}).want(t, 200)
		if num(r, "updated") != 2 {
			t.Fatalf("tagged: %s", r.Raw)
		}
		if got := a.contacts(ws, owner.Token, "&tag=q3"); len(got) != 2 {
			t.Fatalf("tag=q3: %v", got)
		}
		if got := a.contacts(ws, owner.Token, "&tag=east"); len(got) != 0 {
			t.Fatalf("east removed: %v", got)
		}
		if c := a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/contacts/"+foreign, other.Token, nil).want(t, 200); tagsOf(c.Body) != "" {
			t.Fatalf("foreign contact tagged: %s", c.Raw)
		}
		// Tenant isolation: another workspace's contact id is not found here.
		a.do("GET", base+"/"+foreign, owner.Token, nil).want(t, 404, "not_found")
		a.do("PATCH", base+"/"+foreign, owner.Token, map[string]any{"first_name": "X"}).want(t, 404, "not_found")
		a.do("DELETE", base+"/"+foreign, owner.Token, nil).want(t, 404, "not_found")

		// Keyset pagination.
		for i := 0; i < 5; i++ {
			a.do("POST", base, owner.Token, map[string]any{"phone": fmt.Sprintf("+1415555020%d", i)}).want(t, 201)
		}
		p1 := a.do("GET", base+"?limit=3", owner.Token, nil).want(t, 200)
		p2 := a.do("GET", base+"?limit=3&cursor="+p1.Str("next_cursor"), owner.Token, nil).want(t, 200)
		p3 := a.do("GET", base+"?limit=3&cursor="+p2.Str("next_cursor"), owner.Token, nil).want(t, 200)
		if len(p1.Items()) != 3 || len(p2.Items()) != 3 || len(p3.Items()) != 1 || p3.Str("next_cursor") != "" {
			t.Fatalf("pages: %d %d %d", len(p1.Items()), len(p2.Items()), len(p3.Items()))
		}

		a.do("DELETE", base+"/"+id, owner.Token, nil).want(t, 204)
		a.do("GET", base+"/"+id, owner.Token, nil).want(t, 404, "not_found")

		actions := auditActions(t, ia.cfg, ws)
		for _, want := range []string{"contact.created", "contact.updated", "contact.deleted", "contacts.tagged"} {
			if actions[want] == 0 {
				t.Errorf("audit log lacks %s: %v", want, actions)
			}
		}
	})
}

// auditActions counts the audit entries of a workspace by action, read straight
// from the database.
func auditActions(t *testing.T, cfg store.Config, ws string) map[string]int {
	t.Helper()
	driver, dsn, q := "sqlite", filepath.Join(cfg.DataDir, "switchboard.db"), `SELECT action FROM audit_log WHERE workspace_id = ?`
	if cfg.DatabaseURL != "" {
		driver, dsn, q = "pgx", cfg.DatabaseURL, `SELECT action FROM audit_log WHERE workspace_id = $1`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out[a]++
	}
	return out
}

func TestContactsRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		seed := a.do("POST", base, owner.Token, map[string]any{"phone": "+14155550100"}).want(t, 201).Str("id")
		imp := a.upload(ws, owner.Token, "phone\n+14155550101\n", nil).want(t, 202).Str("id")
		a.runImports()
		outsider := a.signUp("Zed")
		tokens := map[string]string{"owner": owner.Token, "nonmember": outsider.Token}
		for _, role := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp(string(role))
			a.join(ws, u, role)
			tokens[string(role)] = u.Token
		}
		seq := 0
		type call struct {
			name string
			do   func(token string) *resp
			min  sb.Role
			ok   int
		}
		calls := []call{
			{"list", func(tk string) *resp { return a.do("GET", base, tk, nil) }, sb.RoleMember, 200},
			{"get", func(tk string) *resp { return a.do("GET", base+"/"+seed, tk, nil) }, sb.RoleMember, 200},
			{"create", func(tk string) *resp {
				seq++
				return a.do("POST", base, tk, map[string]any{"phone": fmt.Sprintf("+1415555%04d", 1000+seq)})
			}, sb.RoleManager, 201},
			{"update", func(tk string) *resp { return a.do("PATCH", base+"/"+seed, tk, map[string]any{"company": "X"}) }, sb.RoleManager, 200},
			{"tags", func(tk string) *resp {
				return a.do("POST", base+"/tags", tk, map[string]any{"contact_ids": []string{seed}, "add": []string{"t"}})
			}, sb.RoleManager, 200},
			{"import", func(tk string) *resp { return a.upload(ws, tk, "phone\n+14155550102\n", nil) }, sb.RoleManager, 202},
			{"import status", func(tk string) *resp { return a.do("GET", base+"/imports/"+imp, tk, nil) }, sb.RoleMember, 200},
			{"rejected", func(tk string) *resp {
				req, _ := http.NewRequest("GET", a.srv.URL+base+"/imports/"+imp+"/rejected", nil)
				req.Header.Set("Authorization", "Bearer "+tk)
				return a.send(req)
			}, sb.RoleMember, 200},
			{"delete", func(tk string) *resp {
				seq++
				id := a.do("POST", base, owner.Token, map[string]any{"phone": fmt.Sprintf("+1415555%04d", 1000+seq)}).want(t, 201).Str("id")
				return a.do("DELETE", base+"/"+id, tk, nil)
			}, sb.RoleManager, 204},
		}
		for _, c := range calls {
			for _, who := range []string{"nonmember", "viewer", "member", "manager", "admin", "owner"} {
				want := c.ok
				switch {
				case who == "nonmember":
					want = 404
				case !sb.Role(who).AtLeast(c.min):
					want = 403
				}
				if r := c.do(tokens[who]); r.Status != want {
					t.Errorf("%s as %s: status %d, want %d: %s", c.name, who, r.Status, want, r.Raw)
				}
			}
		}
	})
}

func importStatus(a *api, ws, token, id string) *resp {
	return a.do("GET", "/api/v1/workspaces/"+ws+"/contacts/imports/"+id, token, nil).want(a.t, 200)
}

func rejectedCSV(t *testing.T, a *api, ws, token, id string) [][]string {
	t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/workspaces/"+ws+"/contacts/imports/"+id+"/rejected", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r := a.send(req)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("rejected: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.Raw)).ReadAll()
	if err != nil {
		t.Fatalf("rejected CSV unreadable: %v\n%s", err, r.Raw)
	}
	return recs
}

func TestContactImport(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		existing := a.do("POST", base, owner.Token, map[string]any{"first_name": "Old", "phone": "+14155550101", "email": "old@example.com", "tags": []string{"existing"}}).want(t, 201).Str("id")

		file := "\uFEFFFirst Name;Surname;Mobile;E-Mail;Organization;Tags\r\n" +
			"Ada;Lovelace;+1 (415) 555-0100;ada@example.com;Engines;vip|west\r\n" +
			"Bob;;415-555-0101;;\"Multi\nline, Inc\";q3\r\n" + // the workspace has this phone: update, keep email, merge tags
			"Cat;Ng;0044 20 7946 0958;cat@example.com;;\r\n" +
			"Dan;;garbage;;;\r\n" +
			"=cmd;;;;;\r\n" + // missing phone; formula cell
			"Eve;;+14155550100;bad-email;;\r\n" + // invalid email: rejected
			"Ada2;;(415) 555 0100;;;east\r\n" + // same phone as row 2: updates, merges tags
			"Fay;\"bad\"quote;+14155550102;;;\r\n" + // malformed row: rejected, not fatal
			"Gus;;@SUM(1);;;\r\n"
		r := a.upload(ws, owner.Token, file, map[string]string{"tags": "campaign-1, spring", "default_region": "US"}).want(t, 202)
		id := r.Str("id")
		if r.Str("status") != "queued" || num(r, "rows_total") != 9 || r.Str("created_at") == "" {
			t.Fatalf("202: %s", r.Raw)
		}
		a.runImports()
		st := importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "completed" || num(st, "rows_imported") != 4 || num(st, "rows_rejected") != 5 || num(st, "rows_total") != 9 {
			t.Fatalf("status: %s", st.Raw)
		}
		// Ada and Cat are new, Bob was there, Ada2 repeats Ada's phone.
		if num(st, "rows_created") != 2 || num(st, "rows_updated") != 1 || num(st, "rows_duplicate") != 1 {
			t.Fatalf("created/updated/duplicate: %s", st.Raw)
		}
		cs := byPhone(a.contacts(ws, owner.Token, ""))
		if len(cs) != 3 {
			t.Fatalf("contacts: %v", cs)
		}
		ada := cs["+14155550100"]
		if ada["first_name"] != "Ada2" || ada["last_name"] != "Lovelace" || ada["company"] != "Engines" || tagsOf(ada) != "campaign-1,east,spring,vip,west" {
			t.Fatalf("ada: %v", ada)
		}
		bob := cs["+14155550101"]
		if bob["id"] != existing || bob["first_name"] != "Bob" || bob["email"] != "old@example.com" || bob["company"] != "Multi\nline, Inc" || tagsOf(bob) != "campaign-1,existing,q3,spring" {
			t.Fatalf("bob: %v", bob)
		}
		if cs["+442079460958"] == nil {
			t.Fatalf("0044 number not imported: %v", cs)
		}
		rej := rejectedCSV(t, a.api, ws, owner.Token, id)
		if len(rej) != 6 || rej[0][0] != "row" || rej[0][len(rej[0])-1] != "reason" || rej[0][3] != "Mobile" {
			t.Fatalf("rejected: %q", rej)
		}
		byName := map[string][]string{}
		for _, rec := range rej[1:] {
			byName[rec[1]] = rec
		}
		if rec := byName["Dan"]; rec == nil || !strings.Contains(rec[7], "not a phone number") || rec[0] != "5" {
			t.Fatalf("garbage row: %q", rec)
		}
		if rec := byName["'=cmd"]; rec == nil || !strings.Contains(rec[7], "missing") {
			t.Fatalf("formula not neutralised: %q", rej)
		}
		if rec := byName["Gus"]; rec == nil || rec[3] != "'@SUM(1)" {
			t.Fatalf("formula in phone not neutralised: %q", rec)
		}
		if rec := byName["Eve"]; rec == nil || !strings.Contains(rec[7], "email") {
			t.Fatalf("bad email: %q", rec)
		}
		if rec := byName["Fay"]; rec == nil || !strings.Contains(rec[7], "not valid CSV") {
			t.Fatalf("malformed row: %q", rej)
		}

		// Audit: one entry for the whole import.
		if n := auditActions(t, a.cfg, ws)["contacts.imported"]; n != 1 {
			t.Fatalf("contacts.imported entries: %d, want 1", n)
		}

		// Another workspace cannot see the import.
		other := a.signUp("Otto")
		a.do("GET", "/api/v1/workspaces/"+other.WorkspaceID+"/contacts/imports/"+id, other.Token, nil).want(t, 404, "not_found")
		a.do("GET", base+"/imports/"+id, other.Token, nil).want(t, 404, "not_found")
	})
}

func TestContactImportMapping(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		file := "Name\tCell Number\tNotes\nAda\t+14155550100\t=x\n"
		id := a.upload(ws, owner.Token, file, map[string]string{"mapping": `{"name": "first_name", "cell number": "phone", "Notes": "ignore"}`}).want(t, 202).Str("id")
		a.runImports()
		if st := importStatus(a.api, ws, owner.Token, id); st.Str("status") != "completed" || num(st, "rows_imported") != 1 {
			t.Fatalf("status: %s", st.Raw)
		}
		if cs := a.contacts(ws, owner.Token, ""); len(cs) != 1 || cs[0]["first_name"] != "Ada" {
			t.Fatalf("contacts: %v", cs)
		}
		a.upload(ws, owner.Token, file, map[string]string{"mapping": `{"name": "nickname"}`}).want(t, 422, "validation_failed")
	})
}

func TestContactImportBadFiles(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		// An empty file, a file with no usable header, a wrong delimiter that hides
		// the phone column: refused at upload.
		for _, f := range []string{"", "\uFEFF", "\r\n\r\n", "name,email\nAda,ada@example.com\n", "phone|name\n+14155550100|Ada\n"} {
			r := a.upload(ws, owner.Token, f, nil).want(t, 422, "validation_failed")
			if r.Str("detail") == "" {
				t.Fatalf("no detail: %s", r.Raw)
			}
		}
		a.upload(ws, owner.Token, "phone\n", map[string]string{"default_region": "Narnia"}).want(t, 422, "validation_failed")
		// Over the limit: 413, and nothing stays behind.
		big := "phone\n" + strings.Repeat("+14155550100\n", testImportLimit/13+10)
		a.upload(ws, owner.Token, big, nil).want(t, 413, "body_too_large")
		// Header only: completes with nothing.
		id := a.upload(ws, owner.Token, "phone,name\n", nil).want(t, 202).Str("id")
		a.runImports()
		if st := importStatus(a.api, ws, owner.Token, id); st.Str("status") != "completed" || num(st, "rows_total") != 0 {
			t.Fatalf("header only: %s", st.Raw)
		}
		// Not multipart.
		a.do("POST", "/api/v1/workspaces/"+ws+"/contacts/imports", owner.Token, map[string]any{"file": "x"}).want(t, 400, "bad_request")
		// No file part.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("tags", "x")
		mw.Close()
		req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/workspaces/"+ws+"/contacts/imports", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+owner.Token)
		if r := a.send(req); r.Status != 422 {
			t.Fatalf("no file part: %d %s", r.Status, r.Raw)
		}
	})
}

// TestContactImportResumes kills a worker after one batch and finishes the import
// with a new store and worker on the same database: no row lost, none doubled.
func TestContactImportResumes(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		var file strings.Builder
		file.WriteString("phone,first_name,tags\n")
		for i := 0; i < 25; i++ {
			fmt.Fprintf(&file, "+1415555%04d,\"Name\n%d\",t%d\n", 1000+i%20, i, i) // 20 distinct phones
			if i%6 == 0 {
				file.WriteString("nope,Bad,\n")
			}
		}
		id := a.upload(ws, owner.Token, file.String(), map[string]string{"tags": "batch"}).want(t, 202).Str("id")

		w1 := a.store.NewImportWorker()
		w1.BatchRows, w1.MaxBatches = 4, 2
		if _, err := w1.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "running" || num(st, "rows_imported")+num(st, "rows_rejected") != 8 {
			t.Fatalf("after the crash: %s", st.Raw)
		}

		s2, err := store.Open(context.Background(), a.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		w2 := s2.NewImportWorker()
		w2.BatchRows = 4
		if n, err := w2.RunOnce(context.Background()); err != nil || n != 0 {
			t.Fatalf("the lease of the dead worker must hold: %d %v", n, err)
		}
		a.clock.Advance(w1.Lease + time.Second)
		if n, err := w2.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("resume: %d %v", n, err)
		}
		st = importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "completed" || num(st, "rows_imported") != 25 || num(st, "rows_rejected") != 5 || num(st, "rows_total") != 30 {
			t.Fatalf("after resuming: %s", st.Raw)
		}
		cs := a.contacts(ws, owner.Token, "")
		if len(cs) != 20 {
			t.Fatalf("contacts: %d, want 20", len(cs))
		}
		c := byPhone(cs)["+14155551000"]
		if c["first_name"] != "Name\n20" || tagsOf(c) != "batch,t0,t20" {
			t.Fatalf("merged contact: %v", c)
		}
		if rej := rejectedCSV(t, a.api, ws, owner.Token, id); len(rej) != 6 {
			t.Fatalf("rejected rows: %q", rej)
		}
	})
}

// TestContactImportResumesAfterLargeBatch kills a worker after one transaction of
// several parsed chunks (SQLite writes a transaction 1000 rows at a time) and
// finishes the import with a new worker: no row lost, none doubled, a phone seen
// again in a later transaction merged.
func TestContactImportResumesAfterLargeBatch(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		var file strings.Builder
		file.WriteString("phone,first_name,tags\n")
		const rows, distinct = 3000, 2000
		for i := 0; i < rows; i++ {
			fmt.Fprintf(&file, "+1415%07d,N%d,r%d\n", 2000000+i%distinct, i, i)
		}
		id := a.upload(ws, owner.Token, file.String(), map[string]string{"tags": "big"}).want(t, 202).Str("id")

		w1 := a.store.NewImportWorker()
		w1.BatchRows, w1.MaxBatches = 1500, 1
		if _, err := w1.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := 1500 // PostgreSQL: a transaction is one chunk of BatchRows
		if a.store.Dialect() == "sqlite" {
			want = 2000 // chunks of 1000 until the transaction holds BatchRows
		}
		st := importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "running" || num(st, "rows_imported") != want {
			t.Fatalf("after the crash: %s, want %d rows", st.Raw, want)
		}
		if n := len(a.contacts(ws, owner.Token, "&tag=big")); n != min(want, distinct) {
			t.Fatalf("contacts after the crash: %d", n)
		}

		w2 := a.store.NewImportWorker()
		w2.BatchRows = 1500
		a.clock.Advance(w1.Lease + time.Second)
		if n, err := w2.RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("resume: %d %v", n, err)
		}
		st = importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "completed" || num(st, "rows_imported") != rows || num(st, "rows_rejected") != 0 || num(st, "rows_total") != rows {
			t.Fatalf("after resuming: %s", st.Raw)
		}
		cs := a.contacts(ws, owner.Token, "&tag=big")
		if len(cs) != distinct {
			t.Fatalf("contacts: %d, want %d", len(cs), distinct)
		}
		if c := byPhone(cs)["+14152000005"]; c["first_name"] != "N2005" || tagsOf(c) != "big,r2005,r5" {
			t.Fatalf("merged contact: %v", c)
		}
		if c := byPhone(cs)["+14152001999"]; c["first_name"] != "N1999" || tagsOf(c) != "big,r1999" {
			t.Fatalf("contact seen once: %v", c)
		}
	})
}

// TestContactImportLarge imports enough rows for full-size statements, with
// repeats across batches, and counts what arrived.
func TestContactImportLarge(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		var file strings.Builder
		file.WriteString("phone,first_name,tags\n")
		const rows, distinct = 2600, 1300
		for i := 0; i < rows; i++ {
			tags := ""
			if i >= distinct {
				tags = "second"
			}
			fmt.Fprintf(&file, "+1415%07d,N%d,%s\n", 2000000+i%distinct, i, tags)
		}
		id := a.upload(ws, owner.Token, file.String(), map[string]string{"tags": "big"}).want(t, 202).Str("id")
		a.runImports()
		if st := importStatus(a.api, ws, owner.Token, id); st.Str("status") != "completed" || num(st, "rows_imported") != rows {
			t.Fatalf("status: %s", st.Raw)
		}
		cs := a.contacts(ws, owner.Token, "&tag=big")
		if len(cs) != distinct {
			t.Fatalf("contacts tagged big: %d, want %d", len(cs), distinct)
		}
		if n := len(a.contacts(ws, owner.Token, "&tag=second")); n != distinct {
			t.Fatalf("contacts tagged second: %d, want %d", n, distinct)
		}
		if c := byPhone(cs)["+14152000007"]; c["first_name"] != "N1307" {
			t.Fatalf("later row must win: %v", c)
		}
	})
}

// TestContactImportConcurrentWorkers runs two workers, as on two replicas, against
// the same queue: each import is done once, by one of them.
func TestContactImportConcurrentWorkers(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		var ids []string
		for f := 0; f < 3; f++ {
			var file strings.Builder
			file.WriteString("phone,first_name\n")
			for i := 0; i < 300; i++ {
				fmt.Fprintf(&file, "+1415%07d,F%d\n", 3000000+i, f)
			}
			ids = append(ids, a.upload(ws, owner.Token, file.String(), map[string]string{"tags": fmt.Sprintf("file%d", f)}).want(t, 202).Str("id"))
		}
		s2, err := store.Open(context.Background(), a.cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		var wg sync.WaitGroup
		done := make([]int, 2)
		errs := make([]error, 2)
		for i, s := range []*store.Store{a.store, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := s.NewImportWorker()
				w.BatchRows = 50
				done[i], errs[i] = w.RunOnce(context.Background())
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || done[0]+done[1] != 3 {
			t.Fatalf("workers: done %v, errors %v", done, errs)
		}
		for _, id := range ids {
			if st := importStatus(a.api, ws, owner.Token, id); st.Str("status") != "completed" || num(st, "rows_imported") != 300 {
				t.Fatalf("import %s: %s", id, st.Raw)
			}
		}
		cs := a.contacts(ws, owner.Token, "")
		if len(cs) != 300 || tagsOf(cs[0]) != "file0,file1,file2" {
			t.Fatalf("contacts: %d, tags of the first %v", len(cs), cs[0]["tags"])
		}
	})
}
