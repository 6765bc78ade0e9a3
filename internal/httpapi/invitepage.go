package httpapi

import (
	"embed"
	"html/template"
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

//go:embed web
var webFS embed.FS

// invitePageTmpl is parsed once, at start-up.
var invitePageTmpl = template.Must(template.ParseFS(webFS, "web/invite.html"))

type invitePage struct {
	Preview                        *sb.InvitationPreview
	Token, Expires, Problem        string
	Brand, Color, LogoURL, Support string
}

// invitePage is what the link in an invitation email opens: the invitation's
// details and forms to sign up or log in and accept. Opening it never uses the link
// up; only the signed-in POST does.
func (s *Server) invitePage(w http.ResponseWriter, r *http.Request, a actorT) error {
	page := invitePage{Token: r.PathValue("token"), Brand: "Switchboard", Color: "#2f5bd3"}
	status := http.StatusOK
	done, err := s.tokenLookup(a)
	if err == nil {
		page.Preview, err = s.Invitations.PreviewInvitation(r.Context(), page.Token)
		done(err)
	}
	if err != nil {
		status = statusOf(sb.ErrorCode(err))
		page.Problem = sb.ErrorMessage(err)
		if status >= 500 {
			s.log.Error("invitation page", "err", err)
		}
	} else {
		b := page.Preview.Branding
		page.Expires = page.Preview.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC")
		if b.BrandName != "" {
			page.Brand = b.BrandName
		}
		if b.PrimaryColor != "" {
			page.Color = b.PrimaryColor // validated as #rrggbb
		}
		page.LogoURL, page.Support = b.LogoURL, b.SupportEmail
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src https:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	return invitePageTmpl.Execute(w, page)
}

func (s *Server) inviteScript(w http.ResponseWriter, r *http.Request, _ actorT) error {
	js, err := webFS.ReadFile("web/invite.js")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(js)
	return nil
}
