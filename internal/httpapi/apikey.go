package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.APIKeyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	k, err := s.APIKeys.CreateAPIKey(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusCreated, k)
	return nil
}

func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.APIKeys.ListAPIKeys(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.APIKey]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.APIKeys.RevokeAPIKey(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
