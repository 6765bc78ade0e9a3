package console

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/redact"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// templates holds one parsed template per page, each with the layout.
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates(static *staticFiles) (*templates, error) {
	funcs := template.FuncMap{
		"asset": static.url,
		"can": func(role sb.Role, action string) bool {
			a, ok := actionNames[action]
			if !ok {
				panic("console: unknown action " + action)
			}
			return sb.Authorize(role, a) == nil
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"minutes": func(seconds int64) string { return fmt.Sprintf("%d:%02d", seconds/60, seconds%60) },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"over":  sb.OverBudget,
		"bar":   newUsageBar,
		"roles": func() []sb.Role { return []sb.Role{sb.RoleViewer, sb.RoleMember, sb.RoleManager, sb.RoleAdmin} },
		"str": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
	}
	for k, f := range part2Funcs {
		funcs[k] = f
	}
	t := &templates{pages: map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		p, err := template.New(base).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts/*.html", n)
		if err != nil {
			return nil, err
		}
		t.pages[base] = p
	}
	return t, nil
}

// usageBar is a usage bar: the share of the budget used, red when over it.
type usageBar struct {
	Pct   int
	Over  bool
	Label string
}

func newUsageBar(secondsUsed int64, budgetMinutes *int64) usageBar {
	b := usageBar{Over: sb.OverBudget(budgetMinutes, secondsUsed)}
	if budgetMinutes == nil {
		return b
	}
	switch {
	case *budgetMinutes == 0 && secondsUsed > 0, b.Over:
		b.Pct = 100
	case *budgetMinutes > 0:
		b.Pct = int(min(100, secondsUsed*100/(*budgetMinutes*60)))
	}
	b.Label = fmt.Sprintf("%d%% of the budget used", b.Pct)
	if b.Over {
		b.Label = "over budget"
	}
	return b
}

// actionNames are the rows of the permission table as templates name them.
var actionNames = map[string]sb.Action{
	"view":           sb.ActionViewWorkspace,
	"calls":          sb.ActionBrowseCalls,
	"conversations":  sb.ActionReadConversations,
	"resources":      sb.ActionViewResources,
	"campaigns":      sb.ActionUseCampaigns,
	"editCampaigns":  sb.ActionEditCampaigns,
	"editContacts":   sb.ActionEditContacts,
	"editAssistants": sb.ActionEditAssistants,
	"editWorkflows":  sb.ActionEditWorkflows,
	"members":        sb.ActionManageMembers,
	"integrations":   sb.ActionManageIntegrations,
	"administer":     sb.ActionAdminister,
	"editWorkspace":  sb.ActionEditWorkspace,
	"clients":        sb.ActionCreateClients,
	"billing":        sb.ActionBilling,
	"whiteLabel":     sb.ActionWhiteLabel,
	"own":            sb.ActionOwn,
}

// Layout is what every page's frame shows; each page's view embeds it.
type Layout struct {
	Title   string
	Me      *sb.Me
	WS      *sb.Workspace
	Brand   Brand
	Flash   string
	FlashOK bool
	// Problem is the sentence of a refused form, shown above it.
	Problem string
	// Fields are the refused form's field errors by field name (email, role, …).
	Fields map[string]string
	// Form is the refused form as sent, to fill it again (never passwords).
	Form     url.Values
	Nonce    string
	Switcher []switchItem
	Nav      []navItem
	DevMail  bool
}

// Brand is the white-label brand a page shows.
type Brand struct {
	Name, LogoURL, Color, Support string
	// Ink is the text colour on the brand colour: black or white, whichever reads.
	Ink string
}

var defaultBrand = Brand{Name: "Switchboard", Color: "#2f5bd3", Ink: "#ffffff"}

// inkOn picks black or white text for a #rrggbb background by its luminance.
func inkOn(color string) string {
	var r, g, b int
	if _, err := fmt.Sscanf(color, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return "#ffffff"
	}
	if 299*r+587*g+114*b > 150_000 { // YIQ brightness above ~150 of 255
		return "#000000"
	}
	return "#ffffff"
}

func brandOf(wl *sb.WhiteLabel) Brand {
	b := defaultBrand
	if wl == nil {
		return b
	}
	if wl.BrandName != "" {
		b.Name = wl.BrandName
	}
	if wl.PrimaryColor != "" {
		b.Color = wl.PrimaryColor // validated as #rrggbb by the domain
		b.Ink = inkOn(b.Color)
	}
	b.LogoURL, b.Support = wl.LogoURL, wl.SupportEmail
	return b
}

type switchItem struct {
	ID, Name, Type string
	Role           sb.Role
	Client         bool
	Current        bool
}

type navItem struct {
	Label, URL string
	Current    bool
}

// layout fills the frame of a page from the request.
func (c *Console) layout(rq *request, title string) Layout {
	l := Layout{Title: title, Me: rq.Me, WS: rq.WS, Brand: rq.Brand, Nonce: rq.Nonce, Flash: rq.flash, FlashOK: rq.flashOK, DevMail: c.cfg.DevMail}
	if rq.problem != nil {
		l.Problem = sb.ErrorMessage(rq.problem)
		var e *sb.Error
		if ok := asError(rq.problem, &e); ok && len(e.Fields) > 0 {
			l.Fields = map[string]string{}
			for _, f := range e.Fields {
				l.Fields[strings.TrimPrefix(f.Location, "body.")] = f.Message
			}
		}
		l.Form = rq.form
	}
	if rq.Me != nil {
		l.Switcher = switcher(rq.Me.Workspaces, rq.WS)
	}
	if rq.WS != nil {
		l.Nav = navigation(rq.WS, rq.path)
	}
	return l
}

// switcher lists the person's workspaces, each agency's clients right under it.
func switcher(list []sb.WorkspaceRole, cur *sb.Workspace) []switchItem {
	children := map[string][]sb.WorkspaceRole{}
	ids := map[string]bool{}
	for _, w := range list {
		ids[w.ID] = true
	}
	var top []sb.WorkspaceRole
	for _, w := range list {
		if w.ParentID != nil && ids[*w.ParentID] {
			children[*w.ParentID] = append(children[*w.ParentID], w)
		} else {
			top = append(top, w)
		}
	}
	var out []switchItem
	item := func(w sb.WorkspaceRole, client bool) switchItem {
		return switchItem{ID: w.ID, Name: w.Name, Type: w.Type, Role: w.Role, Client: client, Current: cur != nil && cur.ID == w.ID}
	}
	for _, w := range top {
		out = append(out, item(w, w.ParentID != nil))
		for _, ch := range children[w.ID] {
			out = append(out, item(ch, true))
		}
	}
	return out
}

// navSections are the sections of a workspace, each with the action it needs.
// Part 2 of the console fills the pages marked so.
var navSections = []struct {
	Label, Path string
	Action      sb.Action
	AgencyOnly  bool
}{
	{"Dashboard", "", sb.ActionViewWorkspace, false},
	{"Calls", "/calls", sb.ActionBrowseCalls, false},
	{"Analytics", "/analytics", sb.ActionViewWorkspace, false},
	{"Contacts", "/contacts", sb.ActionViewResources, false},
	{"Campaigns", "/campaigns", sb.ActionViewResources, false},
	{"Assistants", "/assistants", sb.ActionViewResources, false},
	{"Workflows", "/workflows", sb.ActionViewResources, false},
	{"Team", "/team", sb.ActionViewWorkspace, false},
	{"Clients", "/clients", sb.ActionViewWorkspace, true},
	{"Billing", "/billing", sb.ActionBilling, false},
	{"Settings", "/settings", sb.ActionEditWorkspace, false},
	{"Integrations", "/settings/integrations", sb.ActionManageIntegrations, false},
	{"White label", "/settings/white-label", sb.ActionWhiteLabel, false},
	{"API keys", "/settings/api-keys", sb.ActionAdminister, false},
	{"Webhooks", "/settings/webhooks", sb.ActionManageIntegrations, false},
	{"Audit log", "/audit", sb.ActionAdminister, false},
}

// navigation shows only the sections the role reaches (the permission table decides).
func navigation(ws *sb.Workspace, cur string) []navItem {
	var out []navItem
	base := "/w/" + ws.ID
	for _, s := range navSections {
		if s.AgencyOnly && ws.Type != sb.WorkspaceAgency {
			continue
		}
		if sb.Authorize(ws.Role, s.Action) != nil {
			continue
		}
		u := base + s.Path
		out = append(out, navItem{Label: s.Label, URL: u, Current: cur == u})
	}
	return out
}

// render writes a page with the status of the request (200, or the refused form's).
func (c *Console) render(w http.ResponseWriter, rq *request, name string, view any) error {
	t, ok := c.tmpl.pages[name]
	if !ok {
		return fmt.Errorf("console: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		return err
	}
	status := http.StatusOK
	if rq.problem != nil {
		status = statusOf(sb.ErrorCode(rq.problem))
	}
	c.pageHeaders(w, rq)
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (c *Console) pageHeaders(w http.ResponseWriter, rq *request) {
	if rq.hadFlash {
		c.setCookie(w, flashCookie, "", -1)
	}
	nonce := rq.Nonce
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-"+nonce+"'; img-src 'self' https: data:; media-src 'self' https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
}

type errorView struct {
	Layout
	Status  int
	Heading string
	Message string
}

// renderError writes an error page in the brand: 403, 404, 410 and the rest.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	code := sb.ErrorCode(err)
	status := statusOf(code)
	if status >= 500 {
		c.log.Error("console request failed", "method", r.Method, "path", redactPath(r.URL.EscapedPath()), "err", redact.Tokens(err.Error()))
	}
	if rq == nil {
		rq = &request{Brand: defaultBrand, Nonce: newNonce()}
	}
	if e := (*sb.Error)(nil); asError(err, &e) && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	v := errorView{Status: status, Message: sb.ErrorMessage(err)}
	switch status {
	case http.StatusNotFound:
		v.Heading = "Page not found"
		if code == sb.ECodeNotFound {
			v.Message = "There is nothing here, or you are not a member of this workspace. Check the link, or pick one of your workspaces."
		}
	case http.StatusForbidden:
		v.Heading = "Not allowed"
	case http.StatusGone:
		v.Heading = "This link no longer works"
	case http.StatusTooManyRequests:
		v.Heading = "Too many attempts"
	default:
		v.Heading = http.StatusText(status)
		if status >= 500 {
			v.Message = "Something went wrong on our side. Try again; if it keeps happening, contact the operator."
		}
	}
	rq.problem = nil
	v.Layout = c.layout(rq, v.Heading)
	t := c.tmpl.pages["error"]
	var buf bytes.Buffer
	if xerr := t.ExecuteTemplate(&buf, "layout", v); xerr != nil {
		c.log.Error("console error page", "err", xerr)
		http.Error(w, http.StatusText(status), status)
		return
	}
	c.pageHeaders(w, rq)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func newNonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// redactPath keeps tokens out of logs, whatever the path's spelling.
func redactPath(p string) string {
	for _, pre := range []string{"/invite/", "/reset/"} {
		if strings.HasPrefix(p, pre) {
			return pre + "[token]"
		}
	}
	return redact.Tokens(p)
}
