package mail

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Outbox is the durable queue the worker drains; the store implements it.
type Outbox interface {
	// ClaimMail leases up to limit due messages.
	ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]sb.MailJob, error)
	// FinishMail records a claimed message's outcome.
	FinishMail(ctx context.Context, job sb.MailJob, res sb.MailResult) error
}

// Sender sends one message; Transport is one.
type Sender interface {
	Send(ctx context.Context, server sb.SMTPServer, m sb.Email) error
}

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// Poll is how often Run looks for due mail; default 2s.
	Poll time.Duration
	// Lease is how long a claimed message is this worker's; default 2 minutes.
	Lease time.Duration
	// Batch is how many messages one round claims; default 10.
	Batch int
	// BaseDelay is the first retry's delay, doubled each attempt up to MaxDelay
	// (defaults 30s and 1h), with ±20% jitter.
	BaseDelay, MaxDelay time.Duration
	// MaxAttempts after which a temporary failure counts as permanent; default 12.
	MaxAttempts int
	Logger      *slog.Logger
}

// Worker sends the outbox's mail. Any number of workers, on any replica, may run.
type Worker struct {
	outbox Outbox
	sender Sender
	cfg    WorkerConfig
	log    *slog.Logger
}

// NewWorker returns a worker.
func NewWorker(outbox Outbox, sender Sender, cfg WorkerConfig) *Worker {
	if cfg.Poll == 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Lease == 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch == 0 {
		cfg.Batch = 10
	}
	if cfg.BaseDelay == 0 {
		cfg.BaseDelay = 30 * time.Second
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = time.Hour
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{outbox: outbox, sender: sender, cfg: cfg, log: cfg.Logger}
}

// Run drains the outbox every poll interval until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("mail outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the due messages and tries each once; it returns how many it tried.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.outbox.ClaimMail(ctx, w.cfg.Batch, w.cfg.Lease)
	if err != nil {
		return 0, err
	}
	// Each message succeeds or fails on its own: one that cannot be recorded (its
	// lease runs out and it is tried again) does not hold back the others.
	var errs []error
	for _, job := range jobs {
		if ctx.Err() != nil {
			return len(jobs), ctx.Err()
		}
		res := w.try(ctx, job)
		if err := w.outbox.FinishMail(ctx, job, res); err != nil {
			w.log.Warn("mail outcome not recorded", "job", job.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return len(jobs), errors.Join(errs...)
}

func (w *Worker) try(ctx context.Context, job sb.MailJob) sb.MailResult {
	if job.Server == nil {
		return sb.MailResult{Error: "The workspace no longer has SMTP settings; set them up in Settings → Integrations and resend the invitation."}
	}
	msg, err := InvitationMessage(job.Invitation)
	if err != nil {
		return sb.MailResult{Error: "could not write the message: " + err.Error()}
	}
	msg.MessageID = job.ID + "@switchboard"
	err = w.sender.Send(ctx, *job.Server, msg)
	if err == nil {
		w.log.Info("mail sent", "job", job.ID, "attempts", job.Attempts)
		return sb.MailResult{Sent: true}
	}
	reply := err.Error()
	temporary := false
	if de, ok := err.(*sb.DeliveryError); ok {
		temporary = de.Temporary
	}
	if temporary && job.Attempts < w.cfg.MaxAttempts {
		delay := w.backoff(job.Attempts)
		w.log.Warn("mail deferred", "job", job.ID, "attempts", job.Attempts, "retry_in", delay, "reply", reply)
		return sb.MailResult{RetryIn: delay, Error: reply}
	}
	w.log.Warn("mail failed", "job", job.ID, "attempts", job.Attempts, "reply", reply)
	return sb.MailResult{Error: reply}
}

// backoff is BaseDelay·2^(attempts-1), at most MaxDelay, with ±20% jitter.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.BaseDelay
	for i := 1; i < attempts && d < w.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxDelay)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return max(d+jitter, time.Second)
}
