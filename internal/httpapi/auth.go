package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

type actorT = sb.Actor

type authAnswer struct {
	User  *sb.User `json:"user"`
	Token string   `json:"token"`
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.SignUpInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Client = sb.Client{IP: clientIP(r), UserAgent: r.UserAgent()}
	refund, err := s.limits.signUpsByIP.Reserve(a.IP, "sign-ups from this address")
	if err != nil {
		return err
	}
	user, token, err := s.Users.SignUp(r.Context(), in)
	if err != nil {
		refund() // only accounts made count
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a session token
	encode(w, http.StatusCreated, authAnswer{User: user, Token: token})
	return nil
}

// logIn is rate-limited on failures, per client address and per email address, so
// that guessing is slow while people who type their password right are never held up.
func (s *Server) logIn(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.LoginInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Client = sb.Client{IP: a.IP, UserAgent: a.UserAgent}
	email := sb.EmailKey(in.Email)
	// The tokens are taken before the password is checked (parallel guesses
	// cannot all pass one check) and given back unless it was wrong.
	refundIP, err := s.limits.loginFailuresByIP.Reserve(a.IP, "failed log-ins from this address")
	if err != nil {
		return err
	}
	refundEmail, err := s.limits.loginFailuresByEmail.Reserve(email, "failed log-ins for this email address")
	if err != nil {
		refundIP()
		return err
	}
	user, token, err := s.Users.LogIn(r.Context(), in)
	if sb.ErrorCode(err) != sb.ECodeInvalidCredentials {
		refundIP()
		refundEmail()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a session token
	encode(w, http.StatusOK, authAnswer{User: user, Token: token})
	return nil
}

func (s *Server) logOut(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Users.LogOut(r.Context(), a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, a actorT) error {
	me, err := s.Users.Me(r.Context(), a)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, me)
	return nil
}
