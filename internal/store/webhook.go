package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Webhook endpoints (admin+: "manage integrations"). The signing secret is sealed
// with the server's key and shown once, when the endpoint is created.

const webhookColumns = `id, workspace_id, url, events, description, created_at, updated_at, failing_since, disabled_at`

func scanWebhook(sc scanner) (*sb.Webhook, error) {
	var h sb.Webhook
	var events string
	var created, updated int64
	var failing, disabled sql.NullInt64
	if err := sc.Scan(&h.ID, &h.WorkspaceID, &h.URL, &events, &h.Description, &created, &updated, &failing, &disabled); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &h.Events); err != nil {
		return nil, err
	}
	h.CreatedAt, h.UpdatedAt = toTime(created), toTime(updated)
	h.FailingSince, h.DisabledAt = toTimePtr(failing), toTimePtr(disabled)
	h.Enabled = !disabled.Valid
	return &h, nil
}

func (t *tx) loadWebhook(ctx context.Context, workspaceID, id string, lock bool) (*sb.Webhook, error) {
	h, err := scanWebhook(t.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ? AND workspace_id = ?`+t.lockIf(lock), id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Webhook")
	}
	return h, err
}

// checkWebhookHost refuses a URL whose host resolves to an internal address (the
// SSRF guard of the mail transport; allowed under --smtp-allow-private and --dev).
func (s *Store) checkWebhookHost(ctx context.Context, raw string) error {
	if s.cfg.Mail == nil {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil // Validate has refused it already
	}
	if err := s.cfg.Mail.CheckHost(ctx, u.Hostname()); err != nil {
		msg := "The URL's host " + u.Hostname() + " is an internal address that webhooks may not reach; use a public URL."
		return &sb.Error{Code: sb.ECodeValidation, Message: msg, Fields: []sb.FieldError{{Location: "body.url", Message: msg}}}
	}
	return nil
}

// CreateWebhook adds an endpoint and returns it with its signing secret.
func (s *Store) CreateWebhook(ctx context.Context, actor sb.Actor, workspaceID string, in sb.WebhookInput) (*sb.Webhook, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.Webhook
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		// The host is checked once the caller is known to be allowed here, so that
		// outsiders cannot use the check to probe addresses.
		if err := s.checkWebhookHost(ctx, in.URL); err != nil {
			return err
		}
		plain := secret.Token("whsec_")
		sealed, err := secret.Seal(s.cfg.SecretKey, plain)
		if err != nil {
			return err
		}
		events, _ := json.Marshal(in.Events)
		h := &sb.Webhook{ID: secret.NewID("whk", t.now), WorkspaceID: w.ID, URL: in.URL, Events: in.Events, Description: in.Description,
			Secret: plain, Enabled: true, CreatedAt: t.now, UpdatedAt: t.now}
		if _, err := t.exec(ctx, `INSERT INTO webhooks (id, workspace_id, url, events, description, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			h.ID, w.ID, h.URL, string(events), h.Description, sealed, t.now.UnixMicro(), t.now.UnixMicro()); err != nil {
			return err
		}
		t.forgetWebhooks(w.ID)
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "webhook.created", h.ID, map[string]any{"url": h.URL, "events": h.Events}); err != nil {
			return err
		}
		out = h
		return nil
	})
	return out, err
}

// ListWebhooks lists a workspace's endpoints, without secrets.
func (s *Store) ListWebhooks(ctx context.Context, actor sb.Actor, workspaceID string, p sb.Page) ([]sb.Webhook, string, error) {
	p = p.Bounded()
	var out []sb.Webhook
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		out, next, err = keysetPage(ctx, t, p, false, scanWebhook, func(h sb.Webhook) string { return h.ID },
			`SELECT `+webhookColumns+` FROM webhooks WHERE workspace_id = ?`, w.ID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// GetWebhook returns one endpoint, without its secret.
func (s *Store) GetWebhook(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Webhook, error) {
	var out *sb.Webhook
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		out, err = t.loadWebhook(ctx, w.ID, id, false)
		return err
	})
	return out, err
}

// UpdateWebhook edits an endpoint; enabled true turns a disabled one back on (its
// failure clock starts again), enabled false turns it off.
func (s *Store) UpdateWebhook(ctx context.Context, actor sb.Actor, workspaceID, id string, p sb.WebhookPatch) (*sb.Webhook, error) {
	var out *sb.Webhook
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		h, err := t.loadWebhook(ctx, w.ID, id, true)
		if err != nil {
			return err
		}
		in := sb.WebhookInput{URL: h.URL, Events: h.Events, Description: h.Description}
		if err := p.Apply(&in); err != nil {
			return err
		}
		if in.URL != h.URL {
			if err := s.checkWebhookHost(ctx, in.URL); err != nil {
				return err
			}
		}
		events, _ := json.Marshal(in.Events)
		set := `url = ?, events = ?, description = ?, updated_at = ?`
		args := []any{in.URL, string(events), in.Description, t.now.UnixMicro()}
		if p.Enabled != nil {
			if *p.Enabled {
				set += `, disabled_at = NULL, failing_since = NULL`
			} else if h.Enabled {
				set += `, disabled_at = ?`
				args = append(args, t.now.UnixMicro())
			}
		}
		args = append(args, h.ID, w.ID)
		if _, err := t.exec(ctx, `UPDATE webhooks SET `+set+` WHERE id = ? AND workspace_id = ?`, args...); err != nil {
			return err
		}
		t.forgetWebhooks(w.ID)
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "webhook.updated", h.ID,
			map[string]any{"url": in.URL, "events": in.Events, "enabled": p.Enabled}); err != nil {
			return err
		}
		out, err = t.loadWebhook(ctx, w.ID, h.ID, false)
		return err
	})
	return out, err
}

// DeleteWebhook removes an endpoint and its pending deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		h, err := t.loadWebhook(ctx, w.ID, id, true)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ? AND workspace_id = ?`, h.ID, w.ID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM webhooks WHERE id = ? AND workspace_id = ?`, h.ID, w.ID); err != nil {
			return err
		}
		t.forgetWebhooks(w.ID)
		return t.audit(ctx, actor, w.ID, w.AccountID, "webhook.deleted", h.ID, map[string]any{"url": h.URL})
	})
}

const deliveryColumns = `id, webhook_id, event_type, event_id, status, attempts, response_status, last_error, next_attempt_at, created_at, delivered_at`

func scanDelivery(sc scanner) (*sb.WebhookDelivery, error) {
	var d sb.WebhookDelivery
	var status sql.NullInt64
	var next, created int64
	var delivered sql.NullInt64
	if err := sc.Scan(&d.ID, &d.WebhookID, &d.Event, &d.EventID, &d.Status, &d.Attempts, &status, &d.LastError, &next, &created, &delivered); err != nil {
		return nil, err
	}
	d.ResponseStatus = int64Ptr(status)
	d.CreatedAt, d.DeliveredAt = toTime(created), toTimePtr(delivered)
	if d.Status == sb.WebhookPending {
		n := toTime(next)
		d.NextAttemptAt = &n
	}
	return &d, nil
}

// ListDeliveries lists an endpoint's deliveries, newest first (keyset by id).
func (s *Store) ListDeliveries(ctx context.Context, actor sb.Actor, workspaceID, webhookID string, p sb.Page) ([]sb.WebhookDelivery, string, error) {
	p = p.Bounded()
	var out []sb.WebhookDelivery
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		if _, err := t.loadWebhook(ctx, w.ID, webhookID, false); err != nil {
			return err
		}
		out, next, err = keysetPage(ctx, t, p, true, scanDelivery, func(d sb.WebhookDelivery) string { return d.ID },
			`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = ? AND workspace_id = ?`, webhookID, w.ID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// Redeliver queues the event of a delivery again for the same endpoint, as a new
// delivery carrying the same event id, due at once.
func (s *Store) Redeliver(ctx context.Context, actor sb.Actor, workspaceID, webhookID, deliveryID string) (*sb.WebhookDelivery, error) {
	var out *sb.WebhookDelivery
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionManageIntegrations, false)
		if err != nil {
			return err
		}
		h, err := t.loadWebhook(ctx, w.ID, webhookID, false)
		if err != nil {
			return err
		}
		prior, err := scanDelivery(t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ? AND webhook_id = ? AND workspace_id = ?`,
			deliveryID, h.ID, w.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Delivery")
		}
		if err != nil {
			return err
		}
		id := secret.NewID("dlv", t.now)
		now := t.now.UnixMicro()
		if _, err := t.exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, status, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, id, h.ID, w.ID, prior.EventID, prior.Event, now, now); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "webhook.redelivered", h.ID, map[string]any{"delivery_id": prior.ID, "event_id": prior.EventID}); err != nil {
			return err
		}
		out, err = scanDelivery(t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ? AND workspace_id = ?`, id, w.ID))
		return err
	})
	return out, err
}
