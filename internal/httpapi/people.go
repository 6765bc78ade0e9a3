package httpapi

import (
	"encoding/json"
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// requestPasswordReset answers 202 whether or not the email is known; a known one
// gets a link by system mail.
func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request, a actorT) error {
	if s.People == nil {
		return sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint.")
	}
	var in sb.PasswordResetInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.People.RequestPasswordReset(r.Context(), sb.Client{IP: a.IP, UserAgent: a.UserAgent}, in); err != nil {
		return err
	}
	encode(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	return nil
}

func (s *Server) confirmPasswordReset(w http.ResponseWriter, r *http.Request, a actorT) error {
	if s.People == nil {
		return sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint.")
	}
	var in sb.ResetConfirmInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.People.ConfirmPasswordReset(r.Context(), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// changePassword: a wrong current password is 403 invalid_credentials here (the
// caller is signed in), unlike log-in's 401.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, a actorT) error {
	if s.People == nil {
		return sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint.")
	}
	var in sb.PasswordChangeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	err := s.People.ChangePassword(r.Context(), a, in)
	if sb.ErrorCode(err) == sb.ECodeInvalidCredentials {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(http.StatusForbidden), Status: http.StatusForbidden,
			Detail: sb.ErrorMessage(err), Code: sb.ECodeInvalidCredentials})
		return nil
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, a actorT) error {
	if s.People == nil {
		return sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint.")
	}
	items, err := s.People.ListSessions(r.Context(), a)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, a actorT) error {
	if s.People == nil {
		return sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint.")
	}
	if err := s.People.EndSession(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
