package mail

import (
	"bytes"
	"html/template"
	"strings"
	texttemplate "text/template"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`Hello,

{{.InviterName}} invited you to join {{.WorkspaceName}} on {{.Brand}} as {{.Role}}.

Accept the invitation here:
{{.AcceptURL}}

The link works once and expires on {{.Expires}}.
{{- if .Branding.SupportEmail}}

Questions? Write to {{.Branding.SupportEmail}}.
{{- end}}

If you did not expect this invitation, you can ignore this email.
`))

var htmlTmpl = template.Must(template.New("html").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #222;">
{{- if .Branding.LogoURL}}<p><img src="{{.Branding.LogoURL}}" alt="{{.Brand}}" style="max-height: 48px;"></p>{{end}}
<p>Hello,</p>
<p>{{.InviterName}} invited you to join <strong>{{.WorkspaceName}}</strong> on {{.Brand}} as <strong>{{.Role}}</strong>.</p>
<p><a href="{{.AcceptURL}}" style="display: inline-block; padding: 10px 18px; background: {{.Color}}; color: #fff; text-decoration: none; border-radius: 4px;">Accept the invitation</a></p>
<p>Or open this link: <a href="{{.AcceptURL}}">{{.AcceptURL}}</a></p>
<p>The link works once and expires on {{.Expires}}.</p>
{{- if .Branding.SupportEmail}}<p>Questions? Write to <a href="mailto:{{.Branding.SupportEmail}}">{{.Branding.SupportEmail}}</a>.</p>{{end}}
<p style="color: #777;">If you did not expect this invitation, you can ignore this email.</p>
</body></html>
`))

type invitationView struct {
	sb.InvitationEmail
	Brand   string
	Color   template.CSS
	Expires string
}

// InvitationMessage renders an invitation's email: plain text and HTML, branded
// with the workspace's white-label settings.
func InvitationMessage(in sb.InvitationEmail) (sb.Email, error) {
	v := invitationView{InvitationEmail: in, Brand: "Switchboard", Color: "#2463eb",
		Expires: in.ExpiresAt.UTC().Format("Monday 2 January 2006 at 15:04 UTC")}
	if in.Branding.BrandName != "" {
		v.Brand = in.Branding.BrandName
	}
	if c := in.Branding.PrimaryColor; len(c) == 7 && c[0] == '#' && strings.Trim(c[1:], "0123456789abcdefABCDEF") == "" {
		v.Color = template.CSS(c)
	}
	v.WorkspaceName, v.InviterName, v.Brand = headerSafe(v.WorkspaceName), headerSafe(v.InviterName), headerSafe(v.Brand)
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return sb.Email{}, err
	}
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return sb.Email{}, err
	}
	subject := v.InviterName + " invited you to " + v.WorkspaceName + " as " + string(in.Role)
	if v.Brand != "Switchboard" {
		subject += " (" + v.Brand + ")"
	}
	return sb.Email{To: in.To, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
