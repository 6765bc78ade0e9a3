package httpapi

import (
	"net/http"
	"strconv"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// memberKey orders members as the store lists them: by role, highest first, then id.
func memberKey(m sb.Member) string { return strconv.Itoa(9-m.Role.Rank()) + ":" + m.UserID }

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	list, err := s.Members.ListMembers(r.Context(), a, r.PathValue("ws"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, paginate(list, memberKey, p))
	return nil
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.RoleInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.Members.ChangeRole(r.Context(), a, r.PathValue("ws"), r.PathValue("user_id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, m)
	return nil
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Members.RemoveMember(r.Context(), a, r.PathValue("ws"), r.PathValue("user_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) transferOwnership(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.TransferInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.Members.TransferOwnership(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, ws)
	return nil
}
