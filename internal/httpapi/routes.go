package httpapi

import "net/http"

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

		{"POST", "/api/v1/auth/signup", authNone, "Sign up (optionally through an invitation)", 201, s.signUp},
		{"POST", "/api/v1/auth/login", authNone, "Log in", 200, s.logIn},
		{"POST", "/api/v1/auth/logout", authUser, "Log out: the token stops working", 204, s.logOut},
		{"GET", "/api/v1/me", authUser, "The caller, their accounts and workspaces", 200, s.me},

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

		{"GET", "/api/v1/workspaces/{ws}/contacts", authUser, "Contacts, by id (?tag=, ?q=)", 200, s.listContacts},
		{"POST", "/api/v1/workspaces/{ws}/contacts", authUser, "Create a contact", 201, s.createContact},
		{"GET", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "A contact", 200, s.getContact},
		{"PATCH", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "Edit a contact", 200, s.updateContact},
		{"DELETE", "/api/v1/workspaces/{ws}/contacts/{id}", authUser, "Delete a contact", 204, s.deleteContact},
		{"POST", "/api/v1/workspaces/{ws}/contacts/tags", authUser, "Add and remove tags on many contacts", 200, s.tagContacts},
		{"POST", "/api/v1/workspaces/{ws}/contacts/imports", authUser, "Import contacts from a CSV file (multipart)", 202, s.startImport},
		{"GET", "/api/v1/workspaces/{ws}/contacts/imports/{id}", authUser, "A contact import and its progress", 200, s.getImport},
		{"GET", "/api/v1/workspaces/{ws}/contacts/imports/{id}/rejected", authUser, "The rejected rows of an import, as CSV", 200, s.importRejected},
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
