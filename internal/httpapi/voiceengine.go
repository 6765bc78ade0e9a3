package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) getVoiceEngine(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.VoiceEngine.GetVoiceEngine(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) putVoiceEngine(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.VoiceEngineInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.VoiceEngine.PutVoiceEngine(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteVoiceEngine(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.VoiceEngine.DeleteVoiceEngine(r.Context(), a, r.PathValue("ws")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testVoiceEngine(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.VoiceEngine.TestVoiceEngine(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.VoiceEngine.ListAttempts(r.Context(), a, r.PathValue("ws"), r.PathValue("id"),
		sb.AttemptFilter{Status: r.URL.Query().Get("status"), Page: p})
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Attempt]{Items: items, NextCursor: next})
	return nil
}

// reportRoute is the one route a dispatch's report token may use: reporting its call.
func reportRoute(rt route) bool {
	return rt.Method == "POST" && rt.Pattern == "/api/v1/workspaces/{ws}/calls"
}
