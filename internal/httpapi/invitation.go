package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func invitationKey(i sb.Invitation) string { return i.ID }

func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.InvitationInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws := r.PathValue("ws")
	refund, err := s.limits.invitesByWorkspace.Reserve(ws, "invitations from this workspace")
	if err != nil {
		return err
	}
	inv, err := s.Invitations.CreateInvitation(r.Context(), a, ws, in)
	if err != nil {
		refund()
		return err
	}
	encode(w, http.StatusCreated, inv)
	return nil
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, err := s.Invitations.ListInvitations(r.Context(), a, r.PathValue("ws"), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, paginate(items, invitationKey, p))
	return nil
}

func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request, a actorT) error {
	ws := r.PathValue("ws")
	refund, err := s.limits.invitesByWorkspace.Reserve(ws, "invitations from this workspace")
	if err != nil {
		return err
	}
	inv, err := s.Invitations.ResendInvitation(r.Context(), a, ws, r.PathValue("id"))
	if err != nil {
		refund()
		return err
	}
	encode(w, http.StatusOK, inv)
	return nil
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Invitations.RevokeInvitation(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokenLookup rate-limits everything that takes an invitation token, per client
// address, so that tokens cannot be guessed at speed. The allowance is taken
// before the lookup (parallel guesses cannot all pass one check); done gives it
// back unless the token was unknown: opening a real link reveals nothing to a
// guesser.
func (s *Server) tokenLookup(a actorT) (done func(error), err error) {
	refund, err := s.limits.tokenLookupsByIP.Reserve(a.IP, "invitation link lookups from this address")
	return func(err error) {
		if sb.ErrorCode(err) != sb.ECodeNotFound {
			refund()
		}
	}, err
}

func (s *Server) previewInvitation(w http.ResponseWriter, r *http.Request, a actorT) error {
	done, err := s.tokenLookup(a)
	if err != nil {
		return err
	}
	p, err := s.Invitations.PreviewInvitation(r.Context(), r.PathValue("token"))
	done(err)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusOK, p)
	return nil
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request, a actorT) error {
	done, err := s.tokenLookup(a)
	if err != nil {
		return err
	}
	out, err := s.Invitations.AcceptInvitation(r.Context(), a, r.PathValue("token"))
	done(err)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) getSMTP(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.SMTP.GetSMTP(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) putSMTP(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.SMTPInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.SMTP.PutSMTP(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteSMTP(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.SMTP.DeleteSMTP(r.Context(), a, r.PathValue("ws")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) testSMTP(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.SMTPTestInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws := r.PathValue("ws")
	refund, err := s.limits.testSendsByWorkspace.Reserve(ws, "test messages from this workspace")
	if err != nil {
		return err
	}
	err = s.SMTP.TestSMTP(r.Context(), a, ws, in)
	switch sb.ErrorCode(err) {
	case sb.ECodeNotFound, sb.ECodeForbidden, sb.ECodeValidation:
		refund() // only attempts that reached a server count
	}
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]string{"status": "sent", "to": in.To})
	return nil
}

func (s *Server) getWhiteLabel(w http.ResponseWriter, r *http.Request, a actorT) error {
	out, err := s.WhiteLabel.GetWhiteLabel(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) putWhiteLabel(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.WhiteLabelInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.WhiteLabel.PutWhiteLabel(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}
