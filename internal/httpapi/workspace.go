package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func workspaceKey(w sb.Workspace) string { return w.ID }

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.CreateWorkspaceInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.Workspaces.CreateWorkspace(r.Context(), a, in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, ws)
	return nil
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := s.Workspaces.ListWorkspaces(r.Context(), a)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, paginate(list, workspaceKey, p))
	return nil
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request, a actorT) error {
	ws, err := s.Workspaces.GetWorkspace(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, ws)
	return nil
}

func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.UpdateWorkspaceInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.Workspaces.UpdateWorkspace(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, ws)
	return nil
}

func (s *Server) deleteWorkspace(w http.ResponseWriter, r *http.Request, a actorT) error {
	cascade := false
	switch r.URL.Query().Get("cascade") {
	case "", "false", "0":
	case "true", "1":
		cascade = true
	default:
		return &sb.Error{Code: sb.ECodeValidation, Message: "cascade must be true or false.",
			Fields: []sb.FieldError{{Location: "query.cascade", Message: "Must be true or false."}}}
	}
	if err := s.Workspaces.DeleteWorkspace(r.Context(), a, r.PathValue("ws"), cascade); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) restoreWorkspace(w http.ResponseWriter, r *http.Request, a actorT) error {
	ws, err := s.Workspaces.RestoreWorkspace(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, ws)
	return nil
}

func (s *Server) listClients(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := s.Workspaces.ListClients(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, paginate(list, workspaceKey, p))
	return nil
}

func (s *Server) setBudget(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.BudgetInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.Workspaces.SetBudget(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, ws)
	return nil
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request, a actorT) error {
	u, err := s.Workspaces.Usage(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, u)
	return nil
}
