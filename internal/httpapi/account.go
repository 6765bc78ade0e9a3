package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, a actorT) error {
	acc, err := s.Accounts.GetAccount(r.Context(), a, r.PathValue("account_id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, acc)
	return nil
}

func (s *Server) operatorListAccounts(w http.ResponseWriter, r *http.Request, a actorT) error {
	accs, err := s.Accounts.ListAccounts(r.Context(), a)
	if err != nil {
		return err
	}
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, paginate(accs, func(a sb.Account) string { return a.ID }, p))
	return nil
}

func (s *Server) operatorSetPlan(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in struct {
		Plan string `json:"plan"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	acc, err := s.Accounts.SetPlan(r.Context(), a, r.PathValue("account_id"), in.Plan)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, acc)
	return nil
}

func (s *Server) operatorGrantMinutes(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.GrantInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, err := s.Accounts.GrantMinutes(r.Context(), a, r.PathValue("account_id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, g)
	return nil
}
