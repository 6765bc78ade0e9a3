// Package httpapi is Switchboard's JSON HTTP API (api.md). Handlers decode, call a
// domain service with the actor, and encode; they never decide who may do what.
package httpapi

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Services are the domain services the API calls.
type Services struct {
	Users      sb.UserService
	Accounts   sb.AccountService
	Workspaces sb.WorkspaceService
	Members    sb.MemberService
	APIKeys    sb.APIKeyService
	Audit      sb.AuditService
	Assistants sb.AssistantService
	Workflows  sb.WorkflowService
	Campaigns  sb.CampaignService
	// Invitations, SMTP and WhiteLabel: invitations and their settings.
	Invitations sb.InvitationService
	SMTP        sb.SMTPService
	WhiteLabel  sb.WhiteLabelService
	Calls       sb.CallService
	Contacts    sb.ContactService
	// People: password reset and change, and sessions (api.md, "Accounts of people").
	People   sb.PeopleService
	Webhooks sb.WebhookService
	// VoiceEngine: the voice-engine integration and campaigns' attempts.
	VoiceEngine sb.VoiceEngineService
}

// Config configures the API.
type Config struct {
	// OperatorToken enables the operator API; empty means it answers 404.
	OperatorToken string
	// Ready reports whether the database answers, for /readyz.
	Ready  func(context.Context) error
	Logger *slog.Logger
	Now    func() time.Time
	// ImportMaxBytes limits a contact import's CSV file (default 100 MB).
	ImportMaxBytes int64
	// Metrics hears of every answered request; nil is none.
	Metrics RequestObserver
	// SignUpsPerHour is how many accounts one client address may create in an
	// hour (default DefaultSignUpsPerHour).
	SignUpsPerHour int
}

// Server is the API's http.Handler.
type Server struct {
	Services
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	limits  *limits
	handler http.Handler
}

// New builds the API with every route of routes.go.
func New(svc Services, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{Services: svc, cfg: cfg, log: slog.New(requestLogHandler{cfg.Logger.Handler()}), mux: http.NewServeMux(), limits: newLimits(cfg.Now, cfg.SignUpsPerHour)}
	allowed := map[string][]string{}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
		allowed[rt.Pattern] = append(allowed[rt.Pattern], rt.Method)
	}
	// A known path asked with another method answers 405 with Allow. Each method is
	// registered on its own: a method-less pattern would clash with a sibling's
	// wildcard (calls/authorize next to calls/{id}).
	for pattern, methods := range allowed {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if !slices.Contains(methods, m) {
				s.mux.Handle(m+" "+pattern, methodNotAllowed(s.log, methods))
			}
		}
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint; see /api/v1/openapi.json."))
	})
	s.handler = s.tagRequests(SecureHeaders(s.recoverer(s.logRequests(s.mux))))
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is an API handler: it gets the authenticated actor and returns an
// error to be written as a problem document.
type handlerFunc func(w http.ResponseWriter, r *http.Request, actor sb.Actor) error

type authKind int

const (
	authNone     authKind = iota // anyone
	authUser                     // a session token or an API key
	authOperator                 // the operator token
)

// wrap authenticates as the route asks and runs its handler.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := sb.Actor{IP: clientIP(r), UserAgent: r.UserAgent()}
		switch rt.Auth {
		case authUser:
			token, ok := bearer(r)
			if !ok {
				writeError(w, r, s.log, sb.Errorf(sb.ECodeUnauthorized, "Sign in first: send Authorization: Bearer <token> with a session token or an API key."))
				return
			}
			a, err := s.Users.Authenticate(r.Context(), token)
			if err != nil {
				writeError(w, r, s.log, err)
				return
			}
			a.IP, a.UserAgent = actor.IP, actor.UserAgent
			actor = a
			if actor.ReportDispatchID != "" && !reportRoute(rt) {
				writeError(w, r, s.log, sb.Errorf(sb.ECodeForbidden, "A report token can only report its own dispatch's call (POST /api/v1/workspaces/{ws}/calls)."))
				return
			}
		case authOperator:
			token, ok := bearer(r)
			if s.cfg.OperatorToken == "" {
				writeError(w, r, s.log, sb.Errorf(sb.ECodeNotFound, "There is no such API endpoint."))
				return
			}
			if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.OperatorToken)) != 1 {
				writeError(w, r, s.log, sb.Errorf(sb.ECodeUnauthorized, "Send the operator token as Authorization: Bearer <token>."))
				return
			}
			actor.Operator = true
			actor.Email = "operator"
		}
		if err := checkURLText(r); err != nil {
			writeError(w, r, s.log, err)
			return
		}
		noteActor(r, rt, actor)
		if err := rt.Handler(w, r, actor); err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// clientIP is the peer's address. Switchboard does not trust forwarding headers.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", redactPath(r.URL.EscapedPath()), "panic", redactTokens(fmt.Sprint(v)), "stack", string(debug.Stack()))
				writeError(w, r, s.log, sb.Errorf(sb.ECodeInternal, "An internal error occurred. Try again; if it persists, contact the operator."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		// The path is logged without the query; invitation tokens in paths are
		// replaced so that they never reach a log.
		s.log.InfoContext(r.Context(), "request", "method", r.Method, "path", redactPath(r.URL.EscapedPath()), "status", sw.status, "duration_ms", durationMS(time.Since(start)))
	})
}

func redactPath(p string) string {
	const inv = "/api/v1/invitations/"
	if strings.HasPrefix(p, inv) {
		rest := strings.TrimPrefix(p, inv)
		_, tail, _ := strings.Cut(rest, "/")
		if tail != "" {
			return inv + "[token]/" + tail
		}
		return inv + "[token]"
	}
	if strings.HasPrefix(p, "/invite/") {
		return "/invite/[token]"
	}
	return redactTokens(p)
}

// methodNotAllowed answers a known path asked with another method.
func methodNotAllowed(log *slog.Logger, methods []string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, log, sb.Errorf(sb.ECodeMethodNotAllowed, "This endpoint does not take %s; use %s.", r.Method, allow))
	})
}
