package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// RequestObserver hears of every answered request, for metrics. route is the
// matched route's pattern, empty when none matched.
type RequestObserver interface {
	ObserveRequest(method, route string, status int, elapsed time.Duration)
}

// requestInfo is what the log line and the problem documents of one request know
// about it: filled in as the request goes through authentication.
type requestInfo struct {
	id          string
	route       string
	actorID     string
	workspaceID string
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// requestID returns the id of the request being answered, or "".
func requestID(r *http.Request) string {
	if ri := infoOf(r.Context()); ri != nil {
		return ri.id
	}
	return ""
}

// validRequestID accepts a caller's X-Request-Id when it is short and made of
// characters that cannot break a log line or a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tagRequests gives each request an id (the caller's X-Request-Id when usable,
// else a new one), returns it in the X-Request-Id header, and reports the answer
// to the metrics once it is written.
func (s *Server) tagRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: r.Header.Get("X-Request-Id")}
		if !validRequestID(ri.id) {
			ri.id = newRequestID()
		}
		w.Header().Set("X-Request-Id", ri.id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri)))
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.ObserveRequest(r.Method, ri.route, sw.status, time.Since(start))
		}
	})
}

// noteActor records the matched route, the actor and the workspace of a request
// for its log line and metrics.
func noteActor(r *http.Request, rt route, actor sb.Actor) {
	ri := infoOf(r.Context())
	if ri == nil {
		return
	}
	ri.route = rt.Pattern
	switch {
	case actor.Operator:
		ri.actorID = "operator"
	case actor.APIKeyID != "":
		ri.actorID = actor.APIKeyID
	default:
		ri.actorID = actor.UserID
	}
	ri.workspaceID = r.PathValue("ws")
}

// requestLogHandler adds the request id, actor and workspace to every record
// logged with a request's context.
type requestLogHandler struct{ slog.Handler }

func (h requestLogHandler) Handle(ctx context.Context, rec slog.Record) error {
	if ri := infoOf(ctx); ri != nil {
		rec.AddAttrs(slog.String("request_id", ri.id))
		if ri.actorID != "" {
			rec.AddAttrs(slog.String("actor_id", ri.actorID))
		}
		if ri.workspaceID != "" {
			rec.AddAttrs(slog.String("workspace_id", ri.workspaceID))
		}
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestLogHandler{h.Handler.WithAttrs(as)}
}

func (h requestLogHandler) WithGroup(name string) slog.Handler {
	return requestLogHandler{h.Handler.WithGroup(name)}
}

// durationMS is a duration in milliseconds with microsecond precision, for logs.
func durationMS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
