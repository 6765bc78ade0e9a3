// Package console is Switchboard's web console (design/console.md): server-rendered
// pages over the same domain services as the JSON API, with the same actor. It never
// decides who may do what: the services answer, and controls a role cannot use are
// hidden with the same permission table (switchboard.Authorize).
package console

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Services are the domain services the console calls; the store implements them all.
type Services struct {
	Users       sb.UserService
	Accounts    sb.AccountService
	Workspaces  sb.WorkspaceService
	Members     sb.MemberService
	APIKeys     sb.APIKeyService
	Audit       sb.AuditService
	Invitations sb.InvitationService
	SMTP        sb.SMTPService
	WhiteLabel  sb.WhiteLabelService
	// People is optional: password reset and change, and sessions.
	People sb.PeopleService
	// Brands is optional: the brand a workspace's pages show to every member, and the
	// brand of a custom domain's log-in page.
	Brands sb.BrandService

	// Part 2 (calls, analytics, contacts, imports, campaigns, assistants, workflows).
	Calls      sb.CallService
	Contacts   sb.ContactService
	Imports    sb.ImportStager
	Campaigns  sb.CampaignService
	Assistants sb.AssistantService
	Workflows  sb.WorkflowService

	// Alerts is optional: budget alerts on the dashboard and the billing page.
	Alerts AlertLister
	// Webhooks is the webhook endpoints and their delivery log (issue 14).
	Webhooks sb.WebhookService
}

// Config configures the console.
type Config struct {
	// BaseURL is the server's public URL; https makes the session cookie Secure.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// API serves everything the console does not: /api/…, /healthz, /readyz.
	API http.Handler
	// DevMail, when set, is the --dev mail catcher's page, linked from the console.
	DevMail bool
	// ImportMaxBytes limits a CSV upload (0: the store's default, 100 MB).
	ImportMaxBytes int64
}

// Console is the console's http.Handler.
type Console struct {
	Services
	cfg     Config
	log     *slog.Logger
	tmpl    *templates
	static  *staticFiles
	secure  bool
	limits  *limits
	handler http.Handler
}

// New builds the console with every page of routes.go. Templates and static files
// are parsed once, here.
func New(svc Services, cfg Config) (*Console, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{Services: svc, cfg: cfg, log: cfg.Logger, limits: newLimits(cfg.Now)}
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Scheme == "https" {
		c.secure = true
	}
	var err error
	if c.static, err = loadStatic(); err != nil {
		return nil, err
	}
	if c.tmpl, err = parseTemplates(c.static); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, p := range c.pages() {
		mux.Handle(p.Method+" "+p.Pattern, c.wrap(p))
	}
	mux.Handle("GET /assets/{name}", c.static)
	mux.Handle("/", c.wrap(page{Pattern: "/", Auth: authSignedIn, Handler: func(w http.ResponseWriter, r *http.Request, rq *request) error {
		return sb.NotFound("Page")
	}}))

	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			c.log.Warn("console: trusted origin", "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, nil, sb.Errorf(sb.ECodeForbidden, "This form was sent from another site, so it was refused. Open the page again and send it from there."))
	}))
	pages := c.recoverer(c.headers(cop.Handler(mux)))
	// The JSON API (bearer tokens only, so no cross-site request can act with a
	// person's cookie) and the health checks pass straight through.
	c.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.API != nil && isAPIPath(r.URL.Path) {
			cfg.API.ServeHTTP(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
	return c, nil
}

// ServeHTTP serves the console, and hands /api/ and the health checks to the API.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// headers sets the security headers of every console answer (the API's are its
// own), and logs the request with tokens kept out of the path.
func (c *Console) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w = sw
		defer func() {
			c.log.Info("console request", "method", r.Method, "path", redactPath(r.URL.EscapedPath()), "status", sw.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		}()
		h := w.Header()
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// isAPIPath reports whether the API serves p: /api/…, the health checks, and the
// API's own static files.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || strings.HasPrefix(p, "/static/")
}

func (c *Console) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.log.Error("console panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				c.renderError(w, r, nil, sb.Errorf(sb.ECodeInternal, "An internal error occurred."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusOf maps a domain error code to the status of an error page.
func statusOf(code string) int {
	switch code {
	case sb.ECodeNotFound:
		return http.StatusNotFound
	case sb.ECodeForbidden, sb.ECodePlanRequired, sb.ECodePlanLimitReached, sb.ECodeOwnerImmutable, sb.ECodeEmailMismatch:
		return http.StatusForbidden
	case sb.ECodeInvitationExpired, sb.ECodeInvitationRevoked, sb.ECodeInvitationUsed, sb.ECodeResetExpired, sb.ECodeResetUsed:
		return http.StatusGone
	case sb.ECodeUnauthorized, sb.ECodeInvalidCredentials:
		return http.StatusUnauthorized
	case sb.ECodeRateLimited:
		return http.StatusTooManyRequests
	case sb.ECodeValidation:
		return http.StatusUnprocessableEntity
	case sb.ECodeInsufficientMins:
		return http.StatusPaymentRequired
	case sb.ECodeEmailTaken, sb.ECodeAlreadyMember, sb.ECodeInvitationPending, sb.ECodeSMTPNotConfigured, sb.ECodeHasClients, sb.ECodeInvalidState, sb.ECodeConflict:
		return http.StatusConflict
	case sb.ECodeBadRequest:
		return http.StatusBadRequest
	case sb.ECodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case sb.ECodeSMTPError, sb.ECodeEngineError:
		return http.StatusBadGateway
	case sb.ECodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

var _ = context.Background

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
