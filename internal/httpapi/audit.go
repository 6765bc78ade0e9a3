package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// listAudit is the only interface to the audit log: it reads, nothing edits.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sb.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor_id"), Page: p}
	items, next, err := s.Audit.ListAudit(r.Context(), a, r.PathValue("ws"), f)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.AuditEntry]{Items: items, NextCursor: next})
	return nil
}
