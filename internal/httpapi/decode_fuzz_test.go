package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// FuzzDecode: no request body panics the JSON decoder or the validation after it;
// every body is either accepted or refused with a domain error that maps to a 4xx
// problem document.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@example.com","password":"correct horse","name":"A"}`,
		`{"host":"smtp.example.com","port":587,"from_email":"a@example.com","security":"tls"}`,
		`{"external_id":"x","direction":"outbound","from":"+14155550100","to":"+14155550199","started_at":"2026-03-01T09:00:00Z","ended_at":"2026-03-01T09:01:00Z","outcome":"completed","transcript":[{"speaker":"user","text":"hi","at_ms":0}]}`,
		`{"phone":"+14155550100","tags":["a","b"]}`, `{"name":"W","type":"agency","minute_budget":10}`,
		`{"minute_budget":null}`, `{"role":"owner"}`, `{"email":"x","role":"member"}`,
		``, `null`, `[]`, `{}`, `{"a":1}`, `{"port":"587"}`, `{"port":1e400}`, `{"port":-1}`, `{} {}`, `{"name":"\u0000"}`,
		`{"name":"\\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"name":` + string(bytes.Repeat([]byte("["), 10000)),
		`{"minutes":9223372036854775807}`, `{"started_at":"not a time"}`, `{"transcript":[{"at_ms":-5}]}`,
	} {
		f.Add([]byte(seed))
	}
	targets := []func() any{
		func() any { return &sb.SignUpInput{} }, func() any { return &sb.SMTPInput{} }, func() any { return &sb.ReportCallInput{} },
		func() any { return &sb.ContactInput{} }, func() any { return &sb.UpdateContactInput{} }, func() any { return &sb.CreateWorkspaceInput{} },
		func() any { return &sb.UpdateWorkspaceInput{} }, func() any { return &sb.InvitationInput{} }, func() any { return &sb.APIKeyInput{} },
		func() any { return &sb.RoleInput{} }, func() any { return &sb.BudgetInput{} }, func() any { return &sb.GrantInput{} },
		func() any { return &sb.WhiteLabelInput{} }, func() any { return &sb.TagContactsInput{} }, func() any { return &sb.AuthorizeCallInput{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			v := target()
			req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
			err := decode(httptest.NewRecorder(), req, v)
			if err == nil {
				if n, ok := v.(interface{ Normalize() }); ok {
					n.Normalize()
				}
				if val, ok := v.(interface{ Validate() error }); ok {
					err = val.Validate()
				}
			}
			if err == nil {
				continue
			}
			code := sb.ErrorCode(err)
			if status := statusOf(code); status < 400 || status >= 500 || sb.ErrorMessage(err) == "" {
				t.Fatalf("%T from %q: %v (code %q, status %d), want a 4xx problem", v, body, err, code, status)
			}
		}
	})
}
