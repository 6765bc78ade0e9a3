package httpapi

import (
	"net/http"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) authorizeCall(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.AuthorizeCallInput
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	out, err := s.Calls.AuthorizeCall(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) reportCall(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.ReportCallInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, created, err := s.Calls.ReportCall(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	encode(w, status, c)
	return nil
}

// queryTime reads an optional RFC 3339 time (or a YYYY-MM-DD date, UTC midnight).
func queryTime(r *http.Request, name string) (*time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	if err != nil {
		return nil, &sb.Error{Code: sb.ECodeValidation, Message: "The " + name + " parameter must be an RFC 3339 time such as 2026-03-01T00:00:00Z.",
			Fields: []sb.FieldError{{Location: "query." + name, Message: "Must be an RFC 3339 time."}}}
	}
	t = t.UTC()
	return &t, nil
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := sb.CallFilter{Outcome: q.Get("outcome"), AssistantID: q.Get("assistant_id"), CampaignID: q.Get("campaign_id")}
	if f.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	calls, next, err := s.Calls.ListCalls(r.Context(), a, r.PathValue("ws"), f, p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Call]{Items: calls, NextCursor: next})
	return nil
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request, a actorT) error {
	c, err := s.Calls.GetCall(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, c)
	return nil
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request, a actorT) error {
	c, err := s.Calls.GetConversation(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, c)
	return nil
}

func (s *Server) analytics(w http.ResponseWriter, r *http.Request, a actorT) error {
	q := sb.AnalyticsQuery{Interval: r.URL.Query().Get("interval")}
	from, err := queryTime(r, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(r, "to")
	if err != nil {
		return err
	}
	if from != nil {
		q.From = *from
	}
	if to != nil {
		q.To = *to
	}
	out, err := s.Calls.Analytics(r.Context(), a, r.PathValue("ws"), q)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, out)
	return nil
}
