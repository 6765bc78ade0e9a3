// Package webhook delivers workspaces' events to their webhook endpoints: it signs
// each delivery like a voice-engine dispatch and drains the store's durable outbox
// with leases, retrying with backoff and jitter. It depends on the domain only; the
// command line wires in the store (Outbox) and the SSRF-guarded dialer.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// SignatureHeader carries a delivery's signature.
const SignatureHeader = "Switchboard-Signature"

// Sign returns the signature header value of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body, refusing one older or newer than
// tolerance (0: no limit) at now. Receivers do this; the tests use it.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("webhook: malformed signature header")
	}
	t := time.Unix(sec, 0)
	if tolerance > 0 && (now.Sub(t) > tolerance || t.Sub(now) > tolerance) {
		return fmt.Errorf("webhook: signature timestamp outside tolerance")
	}
	want := Sign(secret, t, body)
	_, wantSig, _ := strings.Cut(want, ",v1=")
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(wantSig)) {
			return nil
		}
	}
	return fmt.Errorf("webhook: signature mismatch")
}

// Outbox is the durable queue of deliveries; the store implements it.
type Outbox interface {
	// DispatchWebhookEvents fans up to limit new events out into deliveries and
	// leases them to the caller, taking events only while their deliveries fit in
	// claim (at least one); more says whether events may be left.
	DispatchWebhookEvents(ctx context.Context, limit, claim int, lease time.Duration) (jobs []sb.WebhookJob, more bool, err error)
	// ClaimWebhookDeliveries leases up to limit due deliveries.
	ClaimWebhookDeliveries(ctx context.Context, limit int, lease time.Duration) ([]sb.WebhookJob, error)
	// FinishWebhookDeliveries records the outcomes (res[i] of jobs[i]) in one go.
	FinishWebhookDeliveries(ctx context.Context, jobs []sb.WebhookJob, res []sb.WebhookResult) error
	// PruneWebhooks deletes old finished deliveries and the events only they used.
	PruneWebhooks(ctx context.Context) (int64, error)
}

// Config configures a Worker.
type Config struct {
	// Poll is how often Run looks for due deliveries; default 1s.
	Poll time.Duration
	// Timeout bounds one attempt, connection to last byte; default 10s.
	Timeout time.Duration
	// Batch is how many due retries one claim takes; default 64. At most 4×Batch
	// deliveries are in flight at once, and the worker holds at most 16×Batch
	// leased ones (in flight or waiting for their endpoint).
	Batch int
	// PerEndpoint bounds the deliveries in flight to one endpoint; default 8.
	// A receiver that hangs holds that many, each for at most Timeout.
	PerEndpoint int
	// BaseDelay is the first retry's delay, doubled each attempt up to MaxDelay
	// (defaults 3s and 1h), with ±20% jitter. Deliveries are retried for 24 hours.
	BaseDelay, MaxDelay time.Duration
	// Dial connects to a receiver; the command line passes the SSRF-guarded dialer.
	// Default: net.Dialer (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now is the clock for signatures; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker sends the outbox's deliveries. Any number of workers, on any replica, may run.
type Worker struct {
	outbox Outbox
	cfg    Config
	client *http.Client
	log    *slog.Logger

	mu        sync.Mutex
	endpoints map[string]*endpoint // the endpoints with deliveries held, by webhook id
}

// endpoint bounds the deliveries in flight to one webhook endpoint.
type endpoint struct {
	slots chan struct{}
	users int
}

// NewWorker returns a worker.
func NewWorker(outbox Outbox, cfg Config) *Worker {
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	if cfg.PerEndpoint == 0 {
		cfg.PerEndpoint = 8
	}
	if cfg.BaseDelay == 0 {
		cfg.BaseDelay = 3 * time.Second
	}
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = time.Hour
	}
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// One transport for the worker's life: connections to a receiver are kept
	// alive and reused (at most PerEndpoint per endpoint are busy at once).
	transport := &http.Transport{
		DialContext:           cfg.Dial,
		Proxy:                 nil, // never through a proxy: the guard checks the receiver itself
		MaxIdleConnsPerHost:   4 * cfg.Batch,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	client := &http.Client{
		Transport: transport, // (Deliver's context bounds each attempt by Timeout)
		// A redirect could lead anywhere; a receiver must answer at its own URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Worker{outbox: outbox, cfg: cfg, client: client, log: cfg.Logger, endpoints: map[string]*endpoint{}}
}

// Run delivers until ctx ends. Each round (every Poll, or as soon as half of what
// it holds is done when it had taken all it could) dispatches new events into
// deliveries leased to this worker in one transaction, then claims due retries.
// Deliveries run concurrently: at most 4×Batch at a time, and PerEndpoint to one
// endpoint, so a receiver that hangs holds only its own deliveries (each for at
// most the timeout), never the others'. One collector records the outcomes in
// batches, one transaction for all that arrived within collectWindow. So the
// worker's writes are a few large transactions a second, whatever the rate of
// events, which keeps its share of the database (on SQLite: of its one writer)
// small next to the call reports'.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	sending := make(chan struct{}, 4*w.cfg.Batch)
	limit := w.holdLimit()
	var held atomic.Int64
	var backlog atomic.Bool
	wake := make(chan struct{}, 1)
	results := make(chan outcome, 4*w.cfg.Batch)
	collected := make(chan struct{})
	go func() { w.collect(ctx, results); close(collected) }()
	var inFlight sync.WaitGroup
	defer func() { inFlight.Wait(); close(results); <-collected }()
	var pruned time.Time
	for {
		if time.Since(pruned) >= time.Hour {
			pruned = time.Now()
			if n, err := w.outbox.PruneWebhooks(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("webhook outbox: pruning", "err", err)
			} else if n > 0 {
				w.log.Info("webhook outbox: pruned old deliveries and events", "rows", n)
			}
		}
		if room := limit - int(held.Load()); room > 0 {
			jobs, full, err := w.take(ctx, room)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("webhook outbox", "err", err)
			}
			taken := time.Now()
			backlog.Store(full)
			held.Add(int64(len(jobs)))
			for _, job := range jobs {
				inFlight.Add(1)
				go func() {
					defer inFlight.Done()
					if res, ok := w.send(ctx, job, taken, sending); ok {
						results <- outcome{job, res}
					}
					if held.Add(-1) <= int64(limit/2) && backlog.CompareAndSwap(true, false) {
						select { // more is waiting: take it now, not at the next tick
						case wake <- struct{}{}:
						default:
						}
					}
				}()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// holdLimit is how many leased deliveries a worker holds at most.
func (w *Worker) holdLimit() int { return 16 * w.cfg.Batch }

// take leases up to room deliveries: new events first (dispatched and leased in
// one transaction each), then due retries and redeliveries. full says it took
// all it could, so more may be waiting.
func (w *Worker) take(ctx context.Context, room int) (jobs []sb.WebhookJob, full bool, err error) {
	for len(jobs) < room && ctx.Err() == nil {
		got, more, err := w.outbox.DispatchWebhookEvents(ctx, dispatchBatch, room-len(jobs), w.lease())
		if err != nil {
			return jobs, false, fmt.Errorf("dispatching events: %w", err)
		}
		jobs = append(jobs, got...)
		if !more {
			break
		}
	}
	for len(jobs) < room && ctx.Err() == nil {
		n := min(room-len(jobs), w.cfg.Batch)
		got, err := w.outbox.ClaimWebhookDeliveries(ctx, n, w.lease())
		if err != nil {
			return jobs, false, fmt.Errorf("claiming deliveries: %w", err)
		}
		jobs = append(jobs, got...)
		if len(got) < n {
			return jobs, false, nil
		}
	}
	return jobs, len(jobs) >= room, nil
}

// send waits for a slot of the job's endpoint and a sending slot, then makes the
// attempt. A job that waited so long that its lease could run out during the
// attempt is not sent (ok false): it is sent again once the lease has run out,
// by this worker or another. So is one cut short by ctx.
func (w *Worker) send(ctx context.Context, job sb.WebhookJob, taken time.Time, sending chan struct{}) (res sb.WebhookResult, ok bool) {
	e := w.endpoint(job.WebhookID)
	defer w.release(job.WebhookID)
	select {
	case e.slots <- struct{}{}:
		defer func() { <-e.slots }()
	case <-ctx.Done():
		return res, false
	}
	select {
	case sending <- struct{}{}:
		defer func() { <-sending }()
	case <-ctx.Done():
		return res, false
	}
	if time.Since(taken) > w.lease()-w.cfg.Timeout-5*time.Second {
		return res, false
	}
	return w.Deliver(ctx, job), true
}

func (w *Worker) endpoint(id string) *endpoint {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.endpoints[id]
	if e == nil {
		e = &endpoint{slots: make(chan struct{}, w.cfg.PerEndpoint)}
		w.endpoints[id] = e
	}
	e.users++
	return e
}

func (w *Worker) release(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.endpoints[id]; e != nil {
		if e.users--; e.users == 0 {
			delete(w.endpoints, id)
		}
	}
}

type outcome struct {
	job sb.WebhookJob
	res sb.WebhookResult
}

// collect records outcomes as they arrive, all those waiting in one transaction.
// An attempt cut short by shutdown is not recorded: its lease runs out and another
// worker (or the next start) sends it again.
func (w *Worker) collect(ctx context.Context, results <-chan outcome) {
	for o := range results {
		// Gather for a moment: one transaction for many outcomes keeps the
		// outbox's share of the database small next to the call reports'.
		batch := []outcome{o}
		window := time.NewTimer(collectWindow)
	more:
		for len(batch) < w.holdLimit() {
			select {
			case o, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, o)
			case <-window.C:
				break more
			}
		}
		window.Stop()
		jobs := make([]sb.WebhookJob, 0, len(batch))
		res := make([]sb.WebhookResult, 0, len(batch))
		for _, o := range batch {
			if ctx.Err() != nil && !o.res.Delivered {
				continue
			}
			jobs, res = append(jobs, o.job), append(res, o.res)
		}
		if len(jobs) == 0 {
			continue
		}
		if err := w.outbox.FinishWebhookDeliveries(context.WithoutCancel(ctx), jobs, res); err != nil {
			w.log.Warn("webhook outbox: recording outcomes", "err", err, "deliveries", len(jobs))
		}
	}
}

const dispatchBatch = 500

// collectWindow is how long outcomes gather before they are recorded together.
const collectWindow = 250 * time.Millisecond

// lease outlasts an attempt, so that no other worker sends it meanwhile.
func (w *Worker) lease() time.Duration { return 2*w.cfg.Timeout + 30*time.Second }

// RunOnce dispatches new events and claims due deliveries, Batch at most, sends
// them at once, waits for all, and records the outcomes; it returns how many it
// took. Tests and tools use it; Run does not wait for a whole batch.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, _, err := w.take(ctx, w.cfg.Batch)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil || len(jobs) == 0 {
		// What was leased before an error is sent again when its lease runs out.
		return 0, err
	}
	res := make([]sb.WebhookResult, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = w.Deliver(ctx, job)
		}()
	}
	wg.Wait()
	return len(jobs), w.outbox.FinishWebhookDeliveries(context.WithoutCancel(ctx), jobs, res)
}

// Deliver makes one attempt: a signed POST whose 2xx answer counts as delivered.
func (w *Worker) Deliver(ctx context.Context, job sb.WebhookJob) sb.WebhookResult {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.URL, bytes.NewReader(job.Body))
	if err != nil {
		return w.failed(job, 0, "bad URL: "+err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-Webhooks/1")
	req.Header.Set(SignatureHeader, Sign(job.Secret, w.cfg.Now(), job.Body))
	req.Header.Set("Switchboard-Event-Id", job.EventID)
	req.Header.Set("Switchboard-Delivery-Id", job.DeliveryID)
	resp, err := w.client.Do(req)
	if err != nil {
		return w.failed(job, 0, err.Error())
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		w.log.Debug("webhook delivered", "delivery", job.DeliveryID, "event", job.EventID, "status", resp.StatusCode, "attempts", job.Attempts)
		return sb.WebhookResult{Delivered: true, Status: resp.StatusCode}
	}
	return w.failed(job, resp.StatusCode, "the receiver answered "+resp.Status)
}

func (w *Worker) failed(job sb.WebhookJob, status int, reason string) sb.WebhookResult {
	delay := w.backoff(job.Attempts)
	w.log.Warn("webhook delivery failed", "delivery", job.DeliveryID, "event", job.EventID, "attempts", job.Attempts, "retry_in", delay, "reason", reason)
	return sb.WebhookResult{Status: status, Error: reason, RetryIn: delay}
}

// backoff is BaseDelay·2^(attempts-1), at most MaxDelay, with ±20% jitter.
func (w *Worker) backoff(attempts int64) time.Duration {
	d := w.cfg.BaseDelay
	for i := int64(1); i < attempts && d < w.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxDelay)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return max(d+jitter, time.Second)
}
