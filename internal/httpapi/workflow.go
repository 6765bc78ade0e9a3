package httpapi

import (
	"net/http"
	"strconv"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) listWorkflows(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Workflows.ListWorkflows(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Workflow]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) createWorkflow(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.WorkflowInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Workflows.CreateWorkflow(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.Workflows.GetWorkflow(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) updateWorkflow(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.WorkflowInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Workflows.UpdateWorkflow(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteWorkflow(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Workflows.DeleteWorkflow(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deployWorkflow(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.Workflows.DeployWorkflow(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, out)
	return nil
}

func (s *Server) listWorkflowVersions(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, err := s.Workflows.ListWorkflowVersions(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, pageVersions(items, p))
	return nil
}

// pageVersions pages versions listed newest first: the cursor is the number of
// the last version of the previous page.
func pageVersions(items []sb.WorkflowVersion, p sb.Page) list[sb.WorkflowVersion] {
	start := 0
	if p.Cursor != "" {
		start = len(items)
		if after, err := strconv.ParseInt(p.Cursor, 10, 64); err == nil {
			for i, v := range items {
				if v.Version < after {
					start = i
					break
				}
			}
		}
	}
	end := min(start+p.Limit, len(items))
	out := list[sb.WorkflowVersion]{Items: items[start:end]}
	if end < len(items) {
		out.NextCursor = strconv.FormatInt(items[end-1].Version, 10)
	}
	return out
}
