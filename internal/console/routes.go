package console

import sb "github.com/switchboard/switchboard/internal/switchboard"

// pages is the whole surface of the console: every URL, who may open it, and what
// it needs. Workspace pages name the permission-table action they need; the
// handler then calls the same service as the API with the same actor.
func (c *Console) pages() []page {
	return []page{
		{"GET", "/{$}", authNone, 0, c.home, nil},
		{"GET", "/login", authNone, 0, c.loginPage, nil},
		{"POST", "/login", authNone, 0, c.login, c.loginPage},
		{"GET", "/signup", authNone, 0, c.signupPage, nil},
		{"POST", "/signup", authNone, 0, c.signup, c.signupPage},
		{"POST", "/logout", authSignedIn, 0, c.logout, nil},

		{"GET", "/w/{ws}", authWorkspace, sb.ActionViewWorkspace, c.dashboard, nil},

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
