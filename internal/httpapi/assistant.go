package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) listAssistants(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Assistants.ListAssistants(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Assistant]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) createAssistant(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.AssistantInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Assistants.CreateAssistant(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getAssistant(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.Assistants.GetAssistant(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) updateAssistant(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.AssistantInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Assistants.UpdateAssistant(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteAssistant(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Assistants.DeleteAssistant(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
