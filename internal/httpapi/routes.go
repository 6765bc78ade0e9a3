package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// route is one endpoint of the API; the OpenAPI document is made from this table.
type route struct {
	Method  string
	Pattern string
	Auth    authKind
	Summary string
	// Status is the success status, for the OpenAPI document.
	Status  int
	Handler handlerFunc
}

// routes is the whole HTTP surface of the API.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", authNone, "Liveness: 200 while the process runs", 200, s.healthz},
		{"GET", "/readyz", authNone, "Readiness: 200 when the database answers", 200, s.readyz},
		{"GET", "/api/v1/openapi.json", authNone, "This OpenAPI 3.1 document", 200, s.openAPI},
		{"GET", "/api/docs", authNone, "A readable reference of the API (HTML)", 200, s.apiDocs},

		{"POST", "/api/v1/auth/signup", authNone, "Sign up (optionally through an invitation)", 201, s.signUp},
		{"POST", "/api/v1/auth/login", authNone, "Log in", 200, s.logIn},
		{"POST", "/api/v1/auth/logout", authUser, "Log out: the token stops working", 204, s.logOut},
		{"GET", "/api/v1/me", authUser, "The caller, their accounts and workspaces", 200, s.me},
		{"POST", "/api/v1/auth/password-reset", authNone, "Mail a password-reset link (202 whether the email is known or not)", 202, s.requestPasswordReset},
		{"POST", "/api/v1/auth/password-reset/confirm", authNone, "Set a new password with a reset token; every session ends", 204, s.confirmPasswordReset},
		{"POST", "/api/v1/me/password", authUser, "Change one's password (not with an API key); other sessions end", 204, s.changePassword},
		{"GET", "/api/v1/me/sessions", authUser, "One's active sessions", 200, s.listSessions},
		{"DELETE", "/api/v1/me/sessions/{id}", authUser, "End one of one's sessions", 204, s.endSession},

		{"GET", "/api/v1/accounts/{account_id}", authUser, "An account, to its owner", 200, s.getAccount},
		{"GET", "/api/v1/operator/accounts", authOperator, "Every account (operator)", 200, s.operatorListAccounts},
		{"PUT", "/api/v1/operator/accounts/{account_id}/plan", authOperator, "Set an account's plan (operator)", 200, s.operatorSetPlan},
		{"POST", "/api/v1/operator/accounts/{account_id}/minutes", authOperator, "Grant minutes to an account's pool (operator)", 201, s.operatorGrantMinutes},

		{"POST", "/api/v1/workspaces", authUser, "Create a workspace or a client sub-workspace", 201, s.createWorkspace},
		{"GET", "/api/v1/workspaces", authUser, "Workspaces the caller has a role in", 200, s.listWorkspaces},
		{"GET", "/api/v1/workspaces/{ws}", authUser, "A workspace", 200, s.getWorkspace},
		{"PATCH", "/api/v1/workspaces/{ws}", authUser, "Rename a workspace or edit its description", 200, s.updateWorkspace},
		{"DELETE", "/api/v1/workspaces/{ws}", authUser, "Delete a workspace (restorable for 30 days)", 204, s.deleteWorkspace},
		{"POST", "/api/v1/workspaces/{ws}/restore", authUser, "Restore a deleted workspace", 200, s.restoreWorkspace},
		{"GET", "/api/v1/workspaces/{ws}/clients", authUser, "An agency's client sub-workspaces", 200, s.listClients},
		{"PUT", "/api/v1/workspaces/{ws}/budget", authUser, "Set or remove a workspace's minute budget", 200, s.setBudget},
		{"GET", "/api/v1/workspaces/{ws}/usage", authUser, "A workspace's minute usage", 200, s.usage},

		{"GET", "/api/v1/workspaces/{ws}/members", authUser, "A workspace's members", 200, s.listMembers},
		{"PATCH", "/api/v1/workspaces/{ws}/members/{user_id}", authUser, "Change a member's role", 200, s.changeRole},
		{"DELETE", "/api/v1/workspaces/{ws}/members/{user_id}", authUser, "Remove a member, or leave", 204, s.removeMember},
		{"POST", "/api/v1/workspaces/{ws}/ownership", authUser, "Transfer ownership to a direct member", 200, s.transferOwnership},

		{"POST", "/api/v1/workspaces/{ws}/api-keys", authUser, "Create an API key (its secret is shown only here)", 201, s.createAPIKey},
		{"GET", "/api/v1/workspaces/{ws}/api-keys", authUser, "A workspace's API keys, without secrets", 200, s.listAPIKeys},
		{"DELETE", "/api/v1/workspaces/{ws}/api-keys/{id}", authUser, "Revoke an API key at once", 204, s.revokeAPIKey},
		{"GET", "/api/v1/workspaces/{ws}/audit-log", authUser, "A workspace's audit log, newest first (?action=&actor_id=)", 200, s.listAudit},
		{"GET", "/api/v1/workspaces/{ws}/assistants", authUser, "A workspace's assistants", 200, s.listAssistants},
		{"POST", "/api/v1/workspaces/{ws}/assistants", authUser, "Create an assistant", 201, s.createAssistant},
		{"GET", "/api/v1/workspaces/{ws}/assistants/{id}", authUser, "An assistant", 200, s.getAssistant},
		{"PATCH", "/api/v1/workspaces/{ws}/assistants/{id}", authUser, "Edit an assistant", 200, s.updateAssistant},
		{"DELETE", "/api/v1/workspaces/{ws}/assistants/{id}", authUser, "Delete an assistant no campaign uses", 204, s.deleteAssistant},

		{"GET", "/api/v1/workspaces/{ws}/workflows", authUser, "A workspace's workflows", 200, s.listWorkflows},
		{"POST", "/api/v1/workspaces/{ws}/workflows", authUser, "Create a workflow with a draft definition", 201, s.createWorkflow},
		{"GET", "/api/v1/workspaces/{ws}/workflows/{id}", authUser, "A workflow: its draft and latest deployed version", 200, s.getWorkflow},
		{"PATCH", "/api/v1/workspaces/{ws}/workflows/{id}", authUser, "Edit a workflow's draft", 200, s.updateWorkflow},
		{"DELETE", "/api/v1/workspaces/{ws}/workflows/{id}", authUser, "Delete a workflow and its versions", 204, s.deleteWorkflow},
		{"POST", "/api/v1/workspaces/{ws}/workflows/{id}/deploy", authUser, "Deploy the draft as the next immutable version", 201, s.deployWorkflow},
		{"GET", "/api/v1/workspaces/{ws}/workflows/{id}/versions", authUser, "A workflow's deployed versions, newest first", 200, s.listWorkflowVersions},

		{"GET", "/api/v1/workspaces/{ws}/campaigns", authUser, "A workspace's campaigns", 200, s.listCampaigns},
		{"POST", "/api/v1/workspaces/{ws}/campaigns", authUser, "Create a draft campaign", 201, s.createCampaign},
		{"GET", "/api/v1/workspaces/{ws}/campaigns/{id}", authUser, "A campaign with its audience size", 200, s.getCampaign},
		{"PATCH", "/api/v1/workspaces/{ws}/campaigns/{id}", authUser, "Edit a campaign", 200, s.updateCampaign},
		{"DELETE", "/api/v1/workspaces/{ws}/campaigns/{id}", authUser, "Delete a campaign", 204, s.deleteCampaign},
		{"POST", "/api/v1/workspaces/{ws}/campaigns/{id}/start", authUser, "Start a draft campaign", 200, s.campaignAction(sb.CampaignStart)},
		{"POST", "/api/v1/workspaces/{ws}/campaigns/{id}/pause", authUser, "Pause a running campaign", 200, s.campaignAction(sb.CampaignPause)},
		{"POST", "/api/v1/workspaces/{ws}/campaigns/{id}/resume", authUser, "Resume a paused campaign", 200, s.campaignAction(sb.CampaignResume)},
		{"POST", "/api/v1/workspaces/{ws}/campaigns/{id}/stop", authUser, "Stop a running or paused campaign", 200, s.campaignAction(sb.CampaignStop)},
		{"POST", "/api/v1/workspaces/{ws}/invitations", authUser, "Invite an email address with a role", 201, s.createInvitation},
		{"GET", "/api/v1/workspaces/{ws}/invitations", authUser, "A workspace's invitations (?status=)", 200, s.listInvitations},
		{"POST", "/api/v1/workspaces/{ws}/invitations/{id}/resend", authUser, "Resend an invitation with a new link", 200, s.resendInvitation},
		{"DELETE", "/api/v1/workspaces/{ws}/invitations/{id}", authUser, "Revoke an invitation", 204, s.revokeInvitation},
		{"GET", "/api/v1/invitations/{token}", authNone, "What an invitation link invites to (does not use it up)", 200, s.previewInvitation},
		{"GET", "/invite/{token}", authNone, "The page an invitation link opens (HTML; does not use it up)", 200, s.invitePage},
		{"GET", "/static/invite.js", authNone, "Script of the invitation page", 200, s.inviteScript},
		{"POST", "/api/v1/invitations/{token}/accept", authUser, "Accept an invitation", 200, s.acceptInvitation},
		{"GET", "/api/v1/workspaces/{ws}/integrations/smtp", authUser, "The workspace's SMTP settings (no password)", 200, s.getSMTP},
		{"PUT", "/api/v1/workspaces/{ws}/integrations/smtp", authUser, "Set the workspace's SMTP settings", 200, s.putSMTP},
		{"DELETE", "/api/v1/workspaces/{ws}/integrations/smtp", authUser, "Remove the workspace's SMTP settings", 204, s.deleteSMTP},
		{"POST", "/api/v1/workspaces/{ws}/integrations/smtp/test", authUser, "Send a test message through the SMTP settings", 200, s.testSMTP},
		{"GET", "/api/v1/workspaces/{ws}/integrations/voice-engine", authUser, "The workspace's voice engine (no secret)", 200, s.getVoiceEngine},
		{"PUT", "/api/v1/workspaces/{ws}/integrations/voice-engine", authUser, "Set the workspace's voice engine", 200, s.putVoiceEngine},
		{"DELETE", "/api/v1/workspaces/{ws}/integrations/voice-engine", authUser, "Remove the workspace's voice engine", 204, s.deleteVoiceEngine},
		{"POST", "/api/v1/workspaces/{ws}/integrations/voice-engine/test", authUser, "Send a signed ping to the voice engine", 200, s.testVoiceEngine},
		{"GET", "/api/v1/workspaces/{ws}/campaigns/{id}/attempts", authUser, "A campaign's dispatch attempts (?status=)", 200, s.listAttempts},
		{"GET", "/api/v1/workspaces/{ws}/white-label", authUser, "The workspace's white-label branding", 200, s.getWhiteLabel},
		{"PUT", "/api/v1/workspaces/{ws}/white-label", authUser, "Set the workspace's white-label branding", 200, s.putWhiteLabel},
		{"POST", "/api/v1/workspaces/{ws}/calls/authorize", authUser, "May this workspace start a call now? (voice engine)", 200, s.authorizeCall},
		{"POST", "/api/v1/workspaces/{ws}/calls", authUser, "Report a finished call (voice engine); 200 for a replay", 201, s.reportCall},
		{"GET", "/api/v1/workspaces/{ws}/calls", authUser, "Call history, newest first", 200, s.listCalls},
		{"GET", "/api/v1/workspaces/{ws}/calls/{id}", authUser, "A call's metadata", 200, s.getCall},
		{"GET", "/api/v1/workspaces/{ws}/calls/{id}/conversation", authUser, "A call's transcript and recording", 200, s.getConversation},
		{"GET", "/api/v1/workspaces/{ws}/analytics", authUser, "Calls, seconds and outcomes over time, per assistant", 200, s.analytics},
		{"GET", "/api/v1/workspaces/{ws}/contacts", authUser, "Contacts, by id (?tag=, ?q=)", 200, s.listContacts},
		{"POST", "/api/v1/workspaces/{ws}/contacts", authUser, "Create a contact", 201, s.createContact},
		{"GET", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "A contact", 200, s.getContact},
		{"PATCH", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "Edit a contact", 200, s.updateContact},
		{"DELETE", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "Delete a contact", 204, s.deleteContact},
		{"POST", "/api/v1/workspaces/{ws}/contacts/tags", authUser, "Add and remove tags on many contacts", 200, s.tagContacts},
		{"POST", "/api/v1/workspaces/{ws}/contacts/imports", authUser, "Import contacts from a CSV file (multipart)", 202, s.startImport},
		{"GET", "/api/v1/workspaces/{ws}/contacts/imports/{id}", authUser, "A contact import and its progress", 200, s.getImport},
		{"GET", "/api/v1/workspaces/{ws}/contacts/imports/{id}/rejected", authUser, "The rejected rows of an import, as CSV", 200, s.importRejected},
		{"GET", "/api/v1/workspaces/{ws}/webhooks", authUser, "A workspace's webhook endpoints, without secrets", 200, s.listWebhooks},
		{"POST", "/api/v1/workspaces/{ws}/webhooks", authUser, "Add a webhook endpoint (its signing secret is shown only here)", 201, s.createWebhook},
		{"GET", "/api/v1/workspaces/{ws}/webhooks/{id}", authUser, "A webhook endpoint", 200, s.getWebhook},
		{"PATCH", "/api/v1/workspaces/{ws}/webhooks/{id}", authUser, "Edit a webhook endpoint; enabled turns it on or off", 200, s.updateWebhook},
		{"DELETE", "/api/v1/workspaces/{ws}/webhooks/{id}", authUser, "Remove a webhook endpoint", 204, s.deleteWebhook},
		{"GET", "/api/v1/workspaces/{ws}/webhooks/{id}/deliveries", authUser, "A webhook endpoint's deliveries, newest first", 200, s.listDeliveries},
		{"POST", "/api/v1/workspaces/{ws}/webhooks/{id}/deliveries/{delivery_id}/redeliver", authUser, "Send a delivery's event again (same event id)", 202, s.redeliver},
		{"GET", "/api/v1/workspaces/{ws}/alerts", authUser, "A workspace's budget and pool alerts, newest first", 200, s.listAlerts},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ actorT) error {
	encode(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ actorT) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			encode(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return nil
		}
	}
	encode(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}
