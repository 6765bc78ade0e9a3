package console

import (
	"net/http"
	"strconv"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type integrationsView struct {
	Layout
	SMTP *sb.SMTPSettings
	// Last is the newest invitation's delivery: the state of the last delivery.
	Last *sb.Invitation
}

// integrations: the SMTP form (password write-only), a test send, the last
// delivery; a client without its own shows the agency's as inherited.
func (c *Console) integrations(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := integrationsView{Layout: c.layout(rq, "Integrations")}
	s, err := c.SMTP.GetSMTP(r.Context(), rq.Actor, rq.WS.ID)
	switch {
	case err == nil:
		v.SMTP = s
	case sb.ErrorCode(err) != sb.ECodeNotFound:
		return err
	}
	invs, err := c.Invitations.ListInvitations(r.Context(), rq.Actor, rq.WS.ID, "")
	if err != nil {
		return err
	}
	for i := range invs {
		if v.Last == nil || invs[i].CreatedAt.After(v.Last.CreatedAt) {
			v.Last = &invs[i]
		}
	}
	return c.render(w, rq, "integrations", v)
}

func (c *Console) putSMTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	port, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("port")))
	if err != nil {
		var v sb.Validation
		v.Add("body.port", "The port must be a number from 1 to 65535 (usually 587, 465 or 25).")
		return v.Err()
	}
	in := sb.SMTPInput{Host: r.PostFormValue("host"), Port: port, Username: r.PostFormValue("username"),
		FromEmail: r.PostFormValue("from_email"), FromName: r.PostFormValue("from_name"), Security: r.PostFormValue("security")}
	if p := r.PostFormValue("password"); p != "" { // empty keeps the stored password
		in.Password = &p
	}
	if _, err := c.SMTP.PutSMTP(r.Context(), rq.Actor, rq.WS.ID, in); err != nil {
		return err
	}
	return c.ok(w, r, "The mail server is saved. Send a test message to check it.", rq.wsURL("/settings/integrations"))
}

func (c *Console) testSMTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	to := strings.TrimSpace(r.PostFormValue("to"))
	if err := c.SMTP.TestSMTP(r.Context(), rq.Actor, rq.WS.ID, sb.SMTPTestInput{To: to}); err != nil {
		return err
	}
	return c.ok(w, r, "The mail server took the test message for "+to+".", rq.wsURL("/settings/integrations"))
}

func (c *Console) deleteSMTP(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.SMTP.DeleteSMTP(r.Context(), rq.Actor, rq.WS.ID); err != nil {
		return err
	}
	return c.ok(w, r, "The mail server settings are removed.", rq.wsURL("/settings/integrations"))
}

type whiteLabelView struct {
	Layout
	WL      sb.WhiteLabel
	Preview Brand
}

// whiteLabel: the brand (owner), with a preview of how it looks.
func (c *Console) whiteLabel(w http.ResponseWriter, r *http.Request, rq *request) error {
	wl, err := c.WhiteLabel.GetWhiteLabel(r.Context(), rq.Actor, rq.WS.ID)
	if err != nil {
		return err
	}
	v := whiteLabelView{Layout: c.layout(rq, "White label"), WL: *wl, Preview: brandOf(wl)}
	return c.render(w, rq, "whitelabel", v)
}

func (c *Console) putWhiteLabel(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := sb.WhiteLabelInput{BrandName: r.PostFormValue("brand_name"), LogoURL: r.PostFormValue("logo_url"),
		PrimaryColor: r.PostFormValue("primary_color"), CustomDomain: r.PostFormValue("custom_domain"), SupportEmail: r.PostFormValue("support_email")}
	if _, err := c.WhiteLabel.PutWhiteLabel(r.Context(), rq.Actor, rq.WS.ID, in); err != nil {
		return err
	}
	return c.ok(w, r, "The brand is saved.", rq.wsURL("/settings/white-label"))
}

type apiKeysView struct {
	Layout
	Keys []sb.APIKey
	// Secret is the key just created, shown once.
	Secret string
}

func (c *Console) apiKeys(w http.ResponseWriter, r *http.Request, rq *request) error {
	keys, _, err := c.APIKeys.ListAPIKeys(r.Context(), rq.Actor, rq.WS.ID, sb.Page{Limit: sb.MaxPageLimit})
	if err != nil {
		return err
	}
	return c.render(w, rq, "apikeys", apiKeysView{Layout: c.layout(rq, "API keys"), Keys: keys, Secret: c.takeOnce(w, r)})
}

func (c *Console) createAPIKey(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := c.APIKeys.CreateAPIKey(r.Context(), rq.Actor, rq.WS.ID, sb.APIKeyInput{Name: r.PostFormValue("name"), Role: sb.Role(r.PostFormValue("role"))})
	if err != nil {
		return err
	}
	c.showOnce(w, rq.wsURL("/settings/api-keys"), k.Key)
	return c.ok(w, r, "The key "+k.Name+" is ready. Copy its secret now: it is not shown again.", rq.wsURL("/settings/api-keys"))
}

func (c *Console) revokeAPIKey(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := c.APIKeys.RevokeAPIKey(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id")); err != nil {
		return err
	}
	return c.ok(w, r, "The key is revoked.", rq.wsURL("/settings/api-keys"))
}
