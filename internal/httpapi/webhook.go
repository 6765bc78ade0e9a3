package httpapi

import (
	"net/http"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.WebhookInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.Webhooks.CreateWebhook(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusCreated, h)
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Webhooks.ListWebhooks(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Webhook]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, a actorT) error {
	h, err := s.Webhooks.GetWebhook(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, h)
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request, a actorT) error {
	var p sb.WebhookPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	h, err := s.Webhooks.UpdateWebhook(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, h)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Webhooks.DeleteWebhook(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Webhooks.ListDeliveries(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.WebhookDelivery]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) redeliver(w http.ResponseWriter, r *http.Request, a actorT) error {
	d, err := s.Webhooks.Redeliver(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), r.PathValue("delivery_id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusAccepted, d)
	return nil
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Webhooks.ListAlerts(r.Context(), a, r.PathValue("ws"), p)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Event]{Items: items, NextCursor: next})
	return nil
}
