package mail

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// securityOpportunistic is STARTTLS when the server offers it: the default of an
// operator's smtp:// URL. Tenants' settings never take it.
const securityOpportunistic = "opportunistic"

// ParseSMTPURL reads serve --smtp-url: smtp://user:pass@host:port (STARTTLS when
// offered; ?security=starttls requires it, ?security=none never uses it) or
// smtps://user:pass@host:port (TLS from the start). from is --mail-from, an address
// with an optional display name ("Switchboard <noreply@example.com>").
func ParseSMTPURL(raw, from string) (sb.SMTPServer, error) {
	var s sb.SMTPServer
	u, err := url.Parse(raw)
	if err != nil {
		return s, fmt.Errorf("--smtp-url: %w", err)
	}
	switch u.Scheme {
	case "smtp":
		s.Security, s.Port = securityOpportunistic, 587
		switch q := u.Query().Get("security"); q {
		case "":
		case sb.SecurityStartTLS, sb.SecurityNone:
			s.Security = q
		default:
			return s, fmt.Errorf("--smtp-url: security must be starttls or none, not %q", q)
		}
	case "smtps":
		s.Security, s.Port = sb.SecurityTLS, 465
	default:
		return s, fmt.Errorf("--smtp-url must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return s, fmt.Errorf("--smtp-url names no host")
	}
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil || s.Port < 1 || s.Port > 65535 {
			return s, fmt.Errorf("--smtp-url: bad port %q", p)
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if from == "" {
		from = "Switchboard <noreply@" + s.Host + ">"
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return s, fmt.Errorf("--mail-from: %w", err)
	}
	s.FromEmail, s.FromName = a.Address, a.Name
	return s, nil
}

// DevServer is the --dev mail catcher as a system mail server.
func DevServer(catcherAddr, from string) (sb.SMTPServer, error) {
	host, port, err := net.SplitHostPort(catcherAddr)
	if err != nil {
		return sb.SMTPServer{}, err
	}
	s, err := ParseSMTPURL("smtp://"+net.JoinHostPort(host, port)+"?security=none", from)
	if err == nil && from == "" {
		s.FromEmail, s.FromName = "noreply@switchboard.localhost", "Switchboard"
	}
	return s, err
}

// SystemOutbox is the durable queue of system mail; the store implements it.
type SystemOutbox interface {
	ClaimSystemMail(ctx context.Context, limit int, lease time.Duration) ([]sb.SystemMailJob, error)
	FinishSystemMail(ctx context.Context, job sb.SystemMailJob, res sb.MailResult) error
}

// SystemWorker sends system mail (password resets, budget alerts) through the
// operator's server, with the same retries as the invitation outbox. Any number of
// workers, on any replica, may run.
type SystemWorker struct {
	w      *Worker // configuration, backoff and log
	outbox SystemOutbox
	server sb.SMTPServer
}

// NewSystemWorker returns a worker sending through server.
func NewSystemWorker(outbox SystemOutbox, sender Sender, server sb.SMTPServer, cfg WorkerConfig) *SystemWorker {
	return &SystemWorker{w: NewWorker(nil, sender, cfg), outbox: outbox, server: server}
}

// Run sends due system mail every poll interval until ctx ends.
func (s *SystemWorker) Run(ctx context.Context) {
	t := time.NewTicker(s.w.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.w.log.Warn("system mail", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the due messages and tries each once; it returns how many it tried.
func (s *SystemWorker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := s.outbox.ClaimSystemMail(ctx, s.w.cfg.Batch, s.w.cfg.Lease)
	if err != nil {
		return 0, err
	}
	for _, job := range jobs {
		res := s.try(ctx, job)
		if err := s.outbox.FinishSystemMail(ctx, job, res); err != nil {
			return len(jobs), err
		}
	}
	return len(jobs), nil
}

func (s *SystemWorker) try(ctx context.Context, job sb.SystemMailJob) sb.MailResult {
	email := job.Email
	email.MessageID = job.ID + "@switchboard"
	err := s.w.sender.Send(ctx, s.server, email)
	if err == nil {
		s.w.log.Info("system mail sent", "job", job.ID, "kind", job.Kind, "attempts", job.Attempts)
		return sb.MailResult{Sent: true}
	}
	reply := err.Error()
	de, ok := err.(*sb.DeliveryError)
	if ok && de.Temporary && job.Attempts < s.w.cfg.MaxAttempts {
		delay := s.w.backoff(job.Attempts)
		s.w.log.Warn("system mail deferred", "job", job.ID, "kind", job.Kind, "retry_in", delay, "reply", reply)
		return sb.MailResult{RetryIn: delay, Error: reply}
	}
	s.w.log.Error("system mail failed", "job", job.ID, "kind", job.Kind, "reply", strings.TrimSpace(reply))
	return sb.MailResult{Error: reply}
}
