package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const testBaseURL = "http://switchboard.test"

// configureMail gives test stores a base URL and a transport allowed to reach the
// loopback SMTP servers tests start.
func configureMail(c *store.Config) {
	c.BaseURL = testBaseURL
	c.Mail = mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second})
}

func newMailWorker(s *store.Store) *mail.Worker {
	return mail.NewWorker(s, mail.NewTransport(mail.TransportConfig{AllowPrivate: true, Timeout: 5 * time.Second}),
		mail.WorkerConfig{BaseDelay: time.Minute, MaxDelay: 10 * time.Minute})
}

// startSMTP starts a real SMTP server on loopback for the test.
func startSMTP(t *testing.T, opts mail.CatcherOptions) *mail.Catcher {
	t.Helper()
	return startSMTPAt(t, "127.0.0.1:0", opts)
}

func startSMTPAt(t *testing.T, addr string, opts mail.CatcherOptions) *mail.Catcher {
	t.Helper()
	c, err := mail.StartCatcher(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// setSMTP points a workspace's SMTP settings at addr (host:port), with no security.
func (a *api) setSMTP(token, wsID, addr string, extra ...map[string]any) *resp {
	a.t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	body := map[string]any{"host": host, "port": p, "from_email": "team@example.com", "from_name": "The Team", "security": "none"}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	return a.do("PUT", "/api/v1/workspaces/"+wsID+"/integrations/smtp", token, body).want(a.t, 200)
}

// deliver runs the outbox worker once.
func (a *api) deliver() int {
	a.t.Helper()
	n, err := a.mail.RunOnce(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

func (a *api) invite(token, wsID, email string, role sb.Role) *resp {
	a.t.Helper()
	return a.do("POST", "/api/v1/workspaces/"+wsID+"/invitations", token, map[string]any{"email": email, "role": role})
}

var linkRe = regexp.MustCompile(regexp.QuoteMeta(testBaseURL) + `/invite/(sbi_[A-Za-z0-9_-]+)`)

// tokenFrom reads the invitation token out of a received message's plain text.
func tokenFrom(t *testing.T, m mail.Caught) string {
	t.Helper()
	match := linkRe.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no invitation link in the message: %q", m.Text)
	}
	return match[1]
}

func TestInvitationByEmailEndToEnd(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		a.do("PATCH", "/api/v1/workspaces/"+owner.WorkspaceID, owner.Token, map[string]any{"name": "Acme Sales"}).want(t, 200)
		a.invite(owner.Token, owner.WorkspaceID, "new@example.com", sb.RoleManager).want(t, 409, "smtp_not_configured")

		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr())
		r := a.invite(owner.Token, owner.WorkspaceID, "New@Example.com", sb.RoleManager).want(t, 201)
		if r.Str("status") != "pending" || r.Str("delivery.status") != "queued" || r.Str("role") != "manager" || r.Str("invited_by") != owner.ID {
			t.Fatalf("created: %s", r.Raw)
		}
		created, _ := time.Parse(time.RFC3339, r.Str("created_at"))
		expires, _ := time.Parse(time.RFC3339, r.Str("expires_at"))
		if expires.Sub(created) != 7*24*time.Hour {
			t.Fatalf("expires_at - created_at = %v", expires.Sub(created))
		}
		acceptURL := r.Str("accept_url")
		if !strings.HasPrefix(acceptURL, testBaseURL+"/invite/sbi_") {
			t.Fatalf("accept_url %q", acceptURL)
		}
		invID := r.Str("id")

		if n := a.deliver(); n != 1 {
			t.Fatalf("worker tried %d messages, want 1", n)
		}
		msgs := catcher.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages received", len(msgs))
		}
		m := msgs[0]
		if m.To[0] != "New@Example.com" || m.From != "team@example.com" {
			t.Fatalf("envelope %s → %v", m.From, m.To)
		}
		if !strings.Contains(m.Subject, "Acme Sales") || !strings.Contains(m.Subject, "Olga") || !strings.Contains(m.Subject, "manager") {
			t.Fatalf("subject %q", m.Subject)
		}
		if m.HTML == "" || !strings.Contains(m.Text, "expires on") {
			t.Fatalf("want text with the expiry and an HTML part: %q", m.Text)
		}
		token := tokenFrom(t, m)
		if testBaseURL+"/invite/"+token != acceptURL {
			t.Fatalf("mailed link differs from accept_url")
		}
		if a.deliver() != 0 || len(catcher.Messages()) != 1 {
			t.Fatal("a sent message was sent again")
		}
		list := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations", owner.Token, nil).want(t, 200).Items()
		if len(list) != 1 || list[0]["id"] != invID || list[0]["delivery"].(map[string]any)["status"] != "sent" {
			t.Fatalf("list: %v", list)
		}
		if _, ok := list[0]["accept_url"]; ok {
			t.Fatal("the list shows a link")
		}

		// Opening the link never uses it up.
		for range 3 {
			p := a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 200)
			if p.Str("email") != "New@Example.com" || p.Str("role") != "manager" || p.Str("workspace.name") != "Acme Sales" || p.Str("inviter.name") != "Olga" || p.Str("expires_at") == "" {
				t.Fatalf("preview: %s", p.Raw)
			}
		}
		a.do("GET", "/api/v1/invitations/sbi_unknown", "", nil).want(t, 404, "not_found")

		// Someone else cannot use it, neither signed in nor signing up.
		other := a.signUp("Mallory")
		a.do("POST", "/api/v1/invitations/"+token+"/accept", other.Token, nil).want(t, 403, "email_mismatch")
		a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "mallory@example.com", "password": "correct horse", "name": "M", "invitation_token": token}).want(t, 403, "email_mismatch")
		a.do("POST", "/api/v1/invitations/"+token+"/accept", "", nil).want(t, 401)

		// The invited person signs up through the link.
		su := a.do("POST", "/api/v1/auth/signup", "", map[string]string{"email": "new@example.com", "password": "correct horse", "name": "Nina", "invitation_token": token}).want(t, 201)
		me := a.do("GET", "/api/v1/me", su.Str("token"), nil).want(t, 200)
		ws := me.Body["workspaces"].([]any)
		if len(ws) != 1 || ws[0].(map[string]any)["id"] != owner.WorkspaceID || ws[0].(map[string]any)["role"] != "manager" {
			t.Fatalf("after sign-up: %s", me.Raw)
		}
		if len(me.Body["accounts"].([]any)) != 0 {
			t.Fatal("joining by invitation created an account")
		}
		a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 410, "invitation_used")
		a.do("POST", "/api/v1/invitations/"+token+"/accept", su.Str("token"), nil).want(t, 410, "invitation_used")
		acc := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations?status=accepted", owner.Token, nil).want(t, 200).Items()
		if len(acc) != 1 || acc[0]["status"] != "accepted" {
			t.Fatalf("accepted list: %v", acc)
		}
		a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations?status=bogus", owner.Token, nil).want(t, 422, "validation_failed")
		// Now a direct member: inviting again is a conflict.
		a.invite(owner.Token, owner.WorkspaceID, "new@example.com", sb.RoleAdmin).want(t, 409, "already_member")
	})
}

func TestInvitationAcceptSignedIn(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr())
		bob := a.signUp("Bob")
		r := a.invite(owner.Token, owner.WorkspaceID, strings.ToUpper(bob.Email), sb.RoleViewer).want(t, 201)
		a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleAdmin).want(t, 409, "invitation_pending")
		for _, body := range []map[string]any{
			{"email": "not-an-email", "role": "member"},
			{"email": "x@example.com", "role": "owner"},
			{"email": "x@example.com", "role": "boss"},
		} {
			a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations", owner.Token, body).want(t, 422, "validation_failed")
		}
		token := strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")
		acc := a.do("POST", "/api/v1/invitations/"+token+"/accept", bob.Token, nil).want(t, 200)
		if acc.Str("workspace_id") != owner.WorkspaceID || acc.Str("role") != "viewer" {
			t.Fatalf("accept: %s", acc.Raw)
		}
		members := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/members", bob.Token, nil).want(t, 200).Items()
		if len(members) != 2 {
			t.Fatalf("members: %v", members)
		}
		// Accepted before delivery: the queued mail is not sent any more.
		if a.deliver() != 0 || len(catcher.Messages()) != 0 {
			t.Fatal("mail for a used invitation was sent")
		}
	})
}

func TestInvitationConcurrentAccepts(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		bob := a.signUp("Bob")
		r := a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleMember).want(t, 201)
		token := strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")
		const n = 16
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/invitations/"+token+"/accept", nil)
				req.Header.Set("Authorization", "Bearer "+bob.Token)
				res, err := a.srv.Client().Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		wg.Wait()
		ok, gone := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 410:
				gone++
			}
		}
		if ok != 1 || gone != n-1 {
			t.Fatalf("statuses %v: want exactly one 200 and %d 410", statuses, n-1)
		}
	})
}

func TestInvitationExpiryAndResend(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr())
		ann := a.signUp("Ann")
		bob := a.signUp("Bob")
		a.invite(owner.Token, owner.WorkspaceID, ann.Email, sb.RoleMember).want(t, 201)
		rb := a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleMember).want(t, 201)
		a.deliver()
		msgs := catcher.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d messages", len(msgs))
		}
		tokens := map[string]string{}
		for _, m := range msgs {
			tokens[m.To[0]] = tokenFrom(t, m)
		}

		a.clock.Advance(6 * 24 * time.Hour) // day 6: still valid
		a.do("POST", "/api/v1/invitations/"+tokens[ann.Email]+"/accept", ann.Token, nil).want(t, 200)

		a.clock.Advance(2 * 24 * time.Hour) // day 8: expired
		old := tokens[bob.Email]
		a.do("GET", "/api/v1/invitations/"+old, "", nil).want(t, 410, "invitation_expired")
		a.do("POST", "/api/v1/invitations/"+old+"/accept", bob.Token, nil).want(t, 410, "invitation_expired")
		exp := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations?status=expired", owner.Token, nil).want(t, 200).Items()
		if len(exp) != 1 || exp[0]["status"] != "expired" {
			t.Fatalf("expired list: %v", exp)
		}
		if def := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations", owner.Token, nil).want(t, 200).Items(); len(def) != 1 {
			t.Fatalf("default list shows pending and expired: %v", def)
		}
		if p := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations?status=pending", owner.Token, nil).want(t, 200).Items(); len(p) != 0 {
			t.Fatalf("pending list: %v", p)
		}

		// Resend on day 8: a fresh link, 7 days from now; the old one stays dead.
		rs := a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations/"+rb.Str("id")+"/resend", owner.Token, nil).want(t, 200)
		expires, _ := time.Parse(time.RFC3339, rs.Str("expires_at"))
		if !expires.Equal(a.clock.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)) {
			t.Fatalf("expires_at %v, want now + 7 days", expires)
		}
		if rs.Str("status") != "pending" || rs.Str("accept_url") == "" || rs.Str("delivery.status") != "queued" {
			t.Fatalf("resend: %s", rs.Raw)
		}
		a.deliver()
		msgs = catcher.Messages()
		fresh := tokenFrom(t, msgs[len(msgs)-1])
		if fresh == old || testBaseURL+"/invite/"+fresh != rs.Str("accept_url") {
			t.Fatal("resend did not mail the new link")
		}
		a.do("GET", "/api/v1/invitations/"+old, "", nil).want(t, 410)
		a.do("POST", "/api/v1/invitations/"+old+"/accept", bob.Token, nil).want(t, 410)
		a.do("POST", "/api/v1/invitations/"+fresh+"/accept", bob.Token, nil).want(t, 200)
		// Accepted: no more resends.
		a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations/"+rb.Str("id")+"/resend", owner.Token, nil).want(t, 409, "invalid_state")
	})
}

func TestInvitationResendKillsOldLink(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		bob := a.signUp("Bob")
		r := a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleMember).want(t, 201)
		old := strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")
		rs := a.do("POST", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations/"+r.Str("id")+"/resend", owner.Token, nil).want(t, 200)
		a.do("GET", "/api/v1/invitations/"+old, "", nil).want(t, 410, "invitation_expired")
		a.do("POST", "/api/v1/invitations/"+old+"/accept", bob.Token, nil).want(t, 410)
		if n := a.deliver(); n != 1 {
			t.Fatalf("the superseded mail should not be sent: tried %d", n)
		}
		fresh := strings.TrimPrefix(rs.Str("accept_url"), testBaseURL+"/invite/")
		a.do("GET", "/api/v1/invitations/"+fresh, "", nil).want(t, 200)
	})
}

func TestInvitationRevoke(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, owner.WorkspaceID, catcher.Addr())
		bob := a.signUp("Bob")
		r := a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleMember).want(t, 201)
		token := strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")
		path := "/api/v1/workspaces/" + owner.WorkspaceID + "/invitations/" + r.Str("id")
		a.do("DELETE", path, owner.Token, nil).want(t, 204)
		a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 410, "invitation_revoked")
		a.do("POST", "/api/v1/invitations/"+token+"/accept", bob.Token, nil).want(t, 410, "invitation_revoked")
		a.do("POST", path+"/resend", owner.Token, nil).want(t, 409, "invalid_state")
		a.do("DELETE", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations/inv_nope", owner.Token, nil).want(t, 404)
		if a.deliver() != 0 || len(catcher.Messages()) != 0 {
			t.Fatal("mail of a revoked invitation was sent")
		}
		rev := a.do("GET", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations?status=revoked", owner.Token, nil).want(t, 200).Items()
		if len(rev) != 1 {
			t.Fatalf("revoked list: %v", rev)
		}
		// A revoked invitation no longer blocks a new one.
		a.invite(owner.Token, owner.WorkspaceID, bob.Email, sb.RoleMember).want(t, 201)
	})
}

func TestInvitationSeats(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		// Free: one seat, the owner's.
		a.invite(owner.Token, owner.WorkspaceID, "one@example.com", sb.RoleMember).want(t, 403, "plan_limit_reached")
		a.setPlan(owner.AccountID, "starter") // 5 seats
		var ids []string
		for i := range 4 {
			ids = append(ids, a.invite(owner.Token, owner.WorkspaceID, "p"+strconv.Itoa(i)+"@example.com", sb.RoleMember).want(t, 201).Str("id"))
		}
		a.invite(owner.Token, owner.WorkspaceID, "p5@example.com", sb.RoleMember).want(t, 403, "plan_limit_reached")
		a.do("DELETE", "/api/v1/workspaces/"+owner.WorkspaceID+"/invitations/"+ids[0], owner.Token, nil).want(t, 204)
		a.invite(owner.Token, owner.WorkspaceID, "p5@example.com", sb.RoleMember).want(t, 201)
		a.invite(owner.Token, owner.WorkspaceID, "p6@example.com", sb.RoleMember).want(t, 403, "plan_limit_reached")
	})
}

func TestInvitationAgencyClient(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "enterprise")
		agency := a.createWorkspace(owner.Token, map[string]any{"name": "Agency", "type": "agency"})
		client := a.createWorkspace(owner.Token, map[string]any{"name": "Client Co", "type": "simple", "parent_id": agency})
		a.invite(owner.Token, client, "x@example.com", sb.RoleMember).want(t, 409, "smtp_not_configured")
		a.do("GET", "/api/v1/workspaces/"+client+"/integrations/smtp", owner.Token, nil).want(t, 404)

		catcher := startSMTP(t, mail.CatcherOptions{})
		a.setSMTP(owner.Token, agency, catcher.Addr())
		g := a.do("GET", "/api/v1/workspaces/"+client+"/integrations/smtp", owner.Token, nil).want(t, 200)
		if g.Get("inherited") != true {
			t.Fatalf("client SMTP should be inherited: %s", g.Raw)
		}
		if a.do("GET", "/api/v1/workspaces/"+agency+"/integrations/smtp", owner.Token, nil).want(t, 200).Get("inherited") != false {
			t.Fatal("agency's own SMTP is not inherited")
		}
		a.do("PUT", "/api/v1/workspaces/"+agency+"/white-label", owner.Token, map[string]any{
			"brand_name": "Agency Brand", "logo_url": "https://cdn.agency.example/logo.png", "primary_color": "#112233",
			"custom_domain": "app.agency.example", "support_email": "help@agency.example"}).want(t, 200)

		// An agency member who only inherits a role may be invited to a direct one.
		mgr := a.signUp("Manny")
		a.join(agency, mgr, sb.RoleManager)
		r := a.invite(owner.Token, client, mgr.Email, sb.RoleAdmin).want(t, 201)
		if !strings.HasPrefix(r.Str("accept_url"), "https://app.agency.example/invite/sbi_") {
			t.Fatalf("client link should use the agency's custom domain: %s", r.Str("accept_url"))
		}
		a.deliver()
		msgs := catcher.Messages()
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Client Co") || !strings.Contains(msgs[0].Text, "Agency Brand") || !strings.Contains(msgs[0].HTML, "#112233") {
			t.Fatalf("branded client mail: %+v", msgs)
		}
		token := strings.TrimPrefix(r.Str("accept_url"), "https://app.agency.example/invite/")
		p := a.do("GET", "/api/v1/invitations/"+token, "", nil).want(t, 200)
		if p.Str("branding.brand_name") != "Agency Brand" {
			t.Fatalf("preview branding: %s", p.Raw)
		}
		a.do("POST", "/api/v1/invitations/"+token+"/accept", mgr.Token, nil).want(t, 200)
		ws := a.do("GET", "/api/v1/workspaces/"+client, mgr.Token, nil).want(t, 200)
		if ws.Str("role") != "admin" {
			t.Fatalf("role after accept: %s", ws.Raw)
		}
		a.invite(owner.Token, client, mgr.Email, sb.RoleAdmin).want(t, 409, "already_member")
	})
}

func TestInvitationRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "pro")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		inv := a.invite(owner.Token, owner.WorkspaceID, "target@example.com", sb.RoleViewer).want(t, 201).Str("id")
		outsider := a.signUp("Out")
		tokens := map[string]string{"owner": owner.Token, "none": outsider.Token}
		for _, role := range []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} {
			u := a.signUp(string(role))
			a.join(owner.WorkspaceID, u, role)
			tokens[string(role)] = u.Token
		}
		want := map[string]int{"viewer": 403, "member": 403, "manager": 403, "admin": 0, "owner": 0, "none": 404}
		base := "/api/v1/workspaces/" + owner.WorkspaceID
		for who, tok := range tokens {
			ok := want[who] == 0
			check := func(r *resp, okStatus int) {
				t.Helper()
				w := want[who]
				if ok {
					w = okStatus
				}
				if r.Status != w {
					t.Errorf("%s: status %d, want %d: %s", who, r.Status, w, r.Raw)
				}
			}
			check(a.invite(tok, owner.WorkspaceID, who+"-x@example.com", sb.RoleViewer), 201)
			check(a.do("GET", base+"/invitations", tok, nil), 200)
			check(a.do("POST", base+"/invitations/"+inv+"/resend", tok, nil), 200)
			check(a.do("GET", base+"/integrations/smtp", tok, nil), 200)
			check(a.do("PUT", base+"/integrations/smtp", tok, map[string]any{"host": "127.0.0.1", "port": 2525, "from_email": "a@example.com", "security": "none"}), 200)
			check(a.do("GET", base+"/white-label", tok, nil), map[bool]int{true: 200, false: 403}[who == "owner"])
		}
		// White-label is the owner's alone.
		a.do("GET", base+"/white-label", tokens["admin"], nil).want(t, 403, "forbidden")
		a.do("PUT", base+"/white-label", tokens["admin"], map[string]any{"brand_name": "X"}).want(t, 403, "forbidden")
		a.do("PUT", base+"/white-label", tokens["none"], map[string]any{"brand_name": "X"}).want(t, 404)
		a.do("PUT", base+"/white-label", tokens["manager"], map[string]any{"brand_name": "X"}).want(t, 403)
		a.do("PUT", base+"/white-label", tokens["owner"], map[string]any{"brand_name": "X"}).want(t, 200)
		for who, tok := range tokens {
			r := a.do("DELETE", base+"/invitations/"+inv, tok, nil)
			if w := map[string]int{"viewer": 403, "member": 403, "manager": 403, "none": 404}[who]; w != 0 && r.Status != w {
				t.Errorf("%s revoke: %d, want %d", who, r.Status, w)
			}
			r = a.do("POST", base+"/integrations/smtp/test", tok, map[string]any{"to": "t@example.com"})
			if w := map[string]int{"viewer": 403, "member": 403, "manager": 403, "none": 404}[who]; w != 0 && r.Status != w {
				t.Errorf("%s test-send: %d, want %d", who, r.Status, w)
			}
			r = a.do("DELETE", base+"/integrations/smtp", tok, nil)
			if w := map[string]int{"viewer": 403, "member": 403, "manager": 403, "none": 404}[who]; w != 0 && r.Status != w {
				t.Errorf("%s delete smtp: %d, want %d", who, r.Status, w)
			}
		}
		a.do("DELETE", base+"/invitations/"+inv, tokens["admin"], nil).want(t, 204)
		a.do("DELETE", base+"/integrations/smtp", tokens["admin"], nil)
		a.do("GET", base+"/integrations/smtp", tokens["admin"], nil).want(t, 404)
	})
}
