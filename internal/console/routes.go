package console

import sb "github.com/switchboard/switchboard/internal/switchboard"

// pages is the whole surface of the console: every URL, who may open it, and what
// it needs. Workspace pages name the permission-table action they need; the
// handler then calls the same service as the API with the same actor. For a POST,
// the last field re-renders the form's page when the service refuses the input.
func (c *Console) pages() []page {
	const (
		view         = sb.ActionViewWorkspace
		members      = sb.ActionManageMembers
		integrations = sb.ActionManageIntegrations
		administer   = sb.ActionAdminister
		edit         = sb.ActionEditWorkspace
		billing      = sb.ActionBilling
		whiteLabel   = sb.ActionWhiteLabel
		own          = sb.ActionOwn
	)
	return []page{
		{"GET", "/{$}", authNone, 0, c.home, nil},
		{"GET", "/login", authNone, 0, c.loginPage, nil},
		{"POST", "/login", authNone, 0, c.login, c.loginPage},
		{"GET", "/signup", authNone, 0, c.signupPage, nil},
		{"POST", "/signup", authNone, 0, c.signup, c.signupPage},
		{"POST", "/logout", authSignedIn, 0, c.logout, nil},
		{"GET", "/logout", authSignedIn, 0, c.logoutGet, nil},
		{"GET", "/forgot", authNone, 0, c.forgotPage, nil},
		{"POST", "/forgot", authNone, 0, c.forgot, c.forgotPage},
		{"GET", "/reset/{token}", authNone, 0, c.resetPage, nil},
		{"POST", "/reset/{token}", authNone, 0, c.reset, c.resetPage},

		{"GET", "/invite/{token}", authNone, 0, c.invitePage, nil},
		{"POST", "/invite/{token}", authNone, 0, c.inviteAny, c.invitePage},
		{"POST", "/invite/{token}/accept", authSignedIn, 0, c.acceptInvite, c.invitePage},
		{"POST", "/invite/{token}/signup", authNone, 0, c.inviteSignup, c.invitePage},
		{"POST", "/invite/{token}/login", authNone, 0, c.inviteLogin, c.invitePage},

		{"GET", "/account", authSignedIn, 0, c.account, nil},
		{"POST", "/account", authSignedIn, 0, c.rename, c.account},
		{"POST", "/account/password", authSignedIn, 0, c.changePassword, c.account},
		{"POST", "/account/sessions/{id}/end", authSignedIn, 0, c.endSession, c.account},

		{"GET", "/w/new", authSignedIn, 0, c.newWorkspace, nil},
		{"POST", "/w/new", authSignedIn, 0, c.createWorkspace, c.newWorkspace},

		{"GET", "/w/{ws}", authWorkspace, view, c.dashboard, nil},

		{"GET", "/w/{ws}/team", authWorkspace, view, c.team, nil},
		{"POST", "/w/{ws}/team/invitations", authWorkspace, members, c.invite, c.team},
		{"POST", "/w/{ws}/team", authWorkspace, members, c.invite, c.team},
		{"POST", "/w/{ws}/team/invitations/{id}/resend", authWorkspace, members, c.resendInvitation, c.team},
		{"POST", "/w/{ws}/team/invitations/{id}/revoke", authWorkspace, members, c.revokeInvitation, c.team},
		{"POST", "/w/{ws}/team/members/{user_id}/role", authWorkspace, members, c.changeRole, c.team},
		{"POST", "/w/{ws}/team/members/{user_id}/remove", authWorkspace, members, c.removeMember, c.team},
		{"POST", "/w/{ws}/team/ownership", authWorkspace, own, c.transferOwnership, c.team},
		{"POST", "/w/{ws}/team/leave", authWorkspace, view, c.leave, c.team},

		{"GET", "/w/{ws}/clients", authWorkspace, view, c.clients, nil},
		{"POST", "/w/{ws}/clients", authWorkspace, sb.ActionCreateClients, c.createClient, c.clients},

		{"GET", "/w/{ws}/settings", authWorkspace, edit, c.settings, nil},
		{"POST", "/w/{ws}/settings", authWorkspace, edit, c.updateSettings, c.settings},
		{"POST", "/w/{ws}/settings/delete", authWorkspace, own, c.deleteWorkspace, c.settings},
		{"POST", "/w/{ws}/settings/restore", authWorkspace, own, c.restoreWorkspace, c.settings},

		{"GET", "/w/{ws}/settings/integrations", authWorkspace, integrations, c.integrations, nil},
		{"POST", "/w/{ws}/settings/integrations", authWorkspace, integrations, c.putSMTP, c.integrations},
		{"POST", "/w/{ws}/settings/integrations/test", authWorkspace, integrations, c.testSMTP, c.integrations},
		{"POST", "/w/{ws}/settings/integrations/delete", authWorkspace, integrations, c.deleteSMTP, c.integrations},

		{"GET", "/w/{ws}/settings/white-label", authWorkspace, whiteLabel, c.whiteLabel, nil},
		{"POST", "/w/{ws}/settings/white-label", authWorkspace, whiteLabel, c.putWhiteLabel, c.whiteLabel},

		{"GET", "/w/{ws}/settings/api-keys", authWorkspace, administer, c.apiKeys, nil},
		{"POST", "/w/{ws}/settings/api-keys", authWorkspace, administer, c.createAPIKey, c.apiKeys},
		{"POST", "/w/{ws}/settings/api-keys/{id}/revoke", authWorkspace, administer, c.revokeAPIKey, c.apiKeys},

		// Webhooks (issue 14): endpoints and their delivery log, admin+.
		{"GET", "/w/{ws}/settings/webhooks", authWorkspace, integrations, c.webhooks, nil},
		{"POST", "/w/{ws}/settings/webhooks", authWorkspace, integrations, c.createWebhook, c.webhooks},
		{"POST", "/w/{ws}/settings/webhooks/{id}/enabled", authWorkspace, integrations, c.setWebhookEnabled, nil},
		{"POST", "/w/{ws}/settings/webhooks/{id}/delete", authWorkspace, integrations, c.deleteWebhook, nil},
		{"GET", "/w/{ws}/settings/webhooks/{id}", authWorkspace, integrations, c.webhook, nil},
		{"POST", "/w/{ws}/settings/webhooks/{id}/deliveries/{delivery}/redeliver", authWorkspace, integrations, c.redeliver, nil},

		{"GET", "/w/{ws}/billing", authWorkspace, billing, c.billing, nil},
		{"POST", "/w/{ws}/billing", authWorkspace, billing, c.setBudget, c.billing},

		{"GET", "/w/{ws}/audit", authWorkspace, administer, c.audit, nil},

		// Part 2: calls, analytics, contacts and imports, campaigns, assistants, workflows.
		{"GET", "/w/{ws}/calls", authWorkspace, sb.ActionBrowseCalls, c.calls, nil},
		{"GET", "/w/{ws}/calls/{id}", authWorkspace, sb.ActionBrowseCalls, c.call, nil},
		{"GET", "/w/{ws}/analytics", authWorkspace, sb.ActionViewWorkspace, c.analytics, nil},
		{"GET", "/w/{ws}/contacts", authWorkspace, sb.ActionViewResources, c.contacts, nil},
		{"POST", "/w/{ws}/contacts", authWorkspace, sb.ActionEditContacts, c.createContact, c.contacts},
		{"POST", "/w/{ws}/contacts/tags", authWorkspace, sb.ActionEditContacts, c.tagContacts, nil},
		{"GET", "/w/{ws}/contacts/{id}", authWorkspace, sb.ActionViewResources, c.contact, nil},
		{"POST", "/w/{ws}/contacts/{id}", authWorkspace, sb.ActionEditContacts, c.updateContact, c.contact},
		{"POST", "/w/{ws}/contacts/delete", authWorkspace, sb.ActionEditContacts, c.deleteContacts, nil},
		{"GET", "/w/{ws}/contacts/import", authWorkspace, sb.ActionEditContacts, c.importPage, nil},
		{"POST", "/w/{ws}/contacts/import", authWorkspace, sb.ActionEditContacts, c.stageImport, c.importPage},
		{"GET", "/w/{ws}/contacts/import/{id}", authWorkspace, sb.ActionEditContacts, c.importStep, nil},
		{"POST", "/w/{ws}/contacts/import/{id}", authWorkspace, sb.ActionEditContacts, c.startImport, c.importStep},
		{"GET", "/w/{ws}/contacts/import/{id}/progress", authWorkspace, sb.ActionViewResources, c.importProgress, nil},
		{"GET", "/w/{ws}/contacts/import/{id}/rejected", authWorkspace, sb.ActionViewResources, c.importRejected, nil},
		{"GET", "/w/{ws}/campaigns", authWorkspace, sb.ActionViewResources, c.campaigns, nil},
		{"POST", "/w/{ws}/campaigns", authWorkspace, sb.ActionEditCampaigns, c.createCampaign, c.campaigns},
		{"GET", "/w/{ws}/campaigns/{id}", authWorkspace, sb.ActionViewResources, c.campaign, nil},
		{"GET", "/w/{ws}/campaigns/{id}/progress", authWorkspace, sb.ActionViewResources, c.campaignProgress, nil},
		{"POST", "/w/{ws}/campaigns/{id}", authWorkspace, sb.ActionEditCampaigns, c.updateCampaign, c.campaign},
		{"POST", "/w/{ws}/campaigns/{id}/delete", authWorkspace, sb.ActionEditCampaigns, c.deleteCampaign, nil},
		{"POST", "/w/{ws}/campaigns/{id}/{action}", authWorkspace, sb.ActionUseCampaigns, c.campaignAction, nil},
		{"GET", "/w/{ws}/assistants", authWorkspace, sb.ActionViewResources, c.assistants, nil},
		{"POST", "/w/{ws}/assistants", authWorkspace, sb.ActionEditAssistants, c.createAssistant, c.assistants},
		{"GET", "/w/{ws}/assistants/{id}", authWorkspace, sb.ActionViewResources, c.assistant, nil},
		{"POST", "/w/{ws}/assistants/{id}", authWorkspace, sb.ActionEditAssistants, c.updateAssistant, c.assistant},
		{"POST", "/w/{ws}/assistants/{id}/delete", authWorkspace, sb.ActionEditAssistants, c.deleteAssistant, nil},
		{"GET", "/w/{ws}/workflows", authWorkspace, sb.ActionViewResources, c.workflows, nil},
		{"POST", "/w/{ws}/workflows", authWorkspace, sb.ActionEditWorkflows, c.createWorkflow, c.workflows},
		{"GET", "/w/{ws}/workflows/{id}", authWorkspace, sb.ActionViewResources, c.workflow, nil},
		{"POST", "/w/{ws}/workflows/{id}", authWorkspace, sb.ActionEditWorkflows, c.updateWorkflow, c.workflow},
		{"POST", "/w/{ws}/workflows/{id}/deploy", authWorkspace, sb.ActionEditWorkflows, c.deployWorkflow, c.workflow},
		{"POST", "/w/{ws}/workflows/{id}/delete", authWorkspace, sb.ActionEditWorkflows, c.deleteWorkflow, nil},
	}
}
