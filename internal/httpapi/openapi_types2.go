package httpapi

import sb "github.com/switchboard/switchboard/internal/switchboard"

// sessionList is the answer of GET /me/sessions: every active session, unpaged.
type sessionList struct {
	Items []sb.Session `json:"items"`
}

// The typed entries of the routes added in the second round (people, voice engine
// and dialling, webhooks and alerts), so that the OpenAPI document describes their
// bodies and answers as it does the first round's.
func init() {
	for k, v := range map[string]apiTypes{
		"POST /api/v1/auth/password-reset":         {Request: sb.PasswordResetInput{}, Response: status{}},
		"POST /api/v1/auth/password-reset/confirm": {Request: sb.ResetConfirmInput{}},
		"POST /api/v1/me/password":                 {Request: sb.PasswordChangeInput{}},
		"GET /api/v1/me/sessions":                  {Response: sessionList{}},
		"DELETE /api/v1/me/sessions/{id}":          {},

		"GET /api/v1/workspaces/{ws}/integrations/voice-engine":       {Response: sb.VoiceEngine{}},
		"PUT /api/v1/workspaces/{ws}/integrations/voice-engine":       {Request: sb.VoiceEngineInput{}, Response: sb.VoiceEngine{}},
		"DELETE /api/v1/workspaces/{ws}/integrations/voice-engine":    {},
		"POST /api/v1/workspaces/{ws}/integrations/voice-engine/test": {Response: sb.EngineTest{}},
		"GET /api/v1/workspaces/{ws}/campaigns/{id}/attempts": {Response: list[sb.Attempt]{}, Query: withPage(
			queryParam{Name: "status", Type: "string", Description: "Only attempts in this state.",
				Enum: []string{"pending", "in_flight", "completed", "failed", "retry_scheduled", "cancelled"}})},

		"GET /api/v1/workspaces/{ws}/webhooks":                                          {Response: list[sb.Webhook]{}, Query: pageQuery},
		"POST /api/v1/workspaces/{ws}/webhooks":                                         {Request: sb.WebhookInput{}, Response: sb.Webhook{}},
		"GET /api/v1/workspaces/{ws}/webhooks/{id}":                                     {Response: sb.Webhook{}},
		"PATCH /api/v1/workspaces/{ws}/webhooks/{id}":                                   {Request: sb.WebhookPatch{}, Response: sb.Webhook{}},
		"DELETE /api/v1/workspaces/{ws}/webhooks/{id}":                                  {},
		"GET /api/v1/workspaces/{ws}/webhooks/{id}/deliveries":                          {Response: list[sb.WebhookDelivery]{}, Query: pageQuery},
		"POST /api/v1/workspaces/{ws}/webhooks/{id}/deliveries/{delivery_id}/redeliver": {Response: sb.WebhookDelivery{}},
		"GET /api/v1/workspaces/{ws}/alerts":                                            {Response: list[sb.Event]{}, Query: pageQuery},
	} {
		if _, ok := openAPITypes[k]; !ok {
			openAPITypes[k] = v
		}
	}
}
