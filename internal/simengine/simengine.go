// Package simengine is a simulated voice engine for serve --dev and for tests: it
// takes signed dispatches, "talks" for a few seconds, and reports each call back
// through the public API with the dispatch's report token, with a random (seedable)
// outcome, duration and short transcript. It speaks exactly the engine contract
// of docs/engine.md, so it doubles as the skeleton of a bridge to a real provider.
package simengine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
)

// Config configures the simulated engine.
type Config struct {
	// Secret verifies the Switchboard-Signature of each request.
	Secret string
	// Seed makes outcomes, durations and talk times reproducible.
	Seed uint64
	// MinTalk and MaxTalk bound how long (real time) a call takes before it is
	// reported (default 2 s to 6 s).
	MinTalk, MaxTalk time.Duration
	// From is the caller id the calls are placed from.
	From   string
	Logger *slog.Logger
	// Now is the clock of started_at and ended_at (default time.Now).
	Now func() time.Time
}

// Engine is a running simulated engine.
type Engine struct {
	cfg    Config
	srv    *http.Server
	ln     net.Listener
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	rng  *rand.Rand
	seen map[string]bool
}

// dispatch is the part of a dispatch body the engine reads.
type dispatch struct {
	Type       string `json:"type"`
	DispatchID string `json:"dispatch_id"`
	CampaignID string `json:"campaign_id"`
	Contact    struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
		Phone     string `json:"phone"`
	} `json:"contact"`
	Assistant struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		FirstMessage string `json:"first_message"`
	} `json:"assistant"`
	ReportURL   string `json:"report_url"`
	ReportToken string `json:"report_token"`
	MaxDuration *int64 `json:"max_duration_seconds"`
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves the engine.
func Start(addr string, cfg Config) (*Engine, error) {
	if cfg.MinTalk <= 0 {
		cfg.MinTalk = 2 * time.Second
	}
	if cfg.MaxTalk < cfg.MinTalk {
		cfg.MaxTalk = cfg.MinTalk + 4*time.Second
	}
	if cfg.From == "" {
		cfg.From = "+14155550100"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{cfg: cfg, ln: ln, ctx: ctx, cancel: cancel, seen: map[string]bool{},
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)), client: &http.Client{Timeout: 10 * time.Second}}
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)
	return e, nil
}

// URL is where dispatches go.
func (e *Engine) URL() string { return "http://" + e.ln.Addr().String() + "/dispatch" }

// Close stops taking dispatches and waits for calls being reported.
func (e *Engine) Close() error {
	err := e.srv.Close()
	e.cancel()
	e.wg.Wait()
	return err
}

// ServeHTTP takes one dispatch or ping.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := dialer.Verify(e.cfg.Secret, r.Header.Get(dialer.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var d dispatch
	if err := json.Unmarshal(body, &d); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	switch d.Type {
	case "ping":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"engine":"switchboard-simulated"}`)
		return
	case "call.requested":
	default:
		http.Error(w, "unknown type", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	e.mu.Lock()
	dup := e.seen[key]
	e.seen[key] = true
	var p plan
	if !dup {
		// Every random choice of a call is drawn here, in dispatch order, so that a
		// seed replays the same calls for the same dispatches.
		p = e.draw()
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"accepted":true}`)
	if dup {
		return // the same dispatch again: the call is already under way
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.call(d, p)
	}()
}

var outcomes = []struct {
	name   string
	weight int
}{{"completed", 55}, {"no_answer", 15}, {"voicemail", 12}, {"busy", 8}, {"failed", 4}, {"transferred", 4}, {"do_not_call", 2}}

// plan is what a call will do.
type plan struct {
	talk    time.Duration
	outcome string
	seconds int64
}

// draw picks a call's talk time, outcome and duration; the caller holds e.mu.
func (e *Engine) draw() plan {
	p := plan{talk: e.cfg.MinTalk + time.Duration(e.rng.Int64N(int64(e.cfg.MaxTalk-e.cfg.MinTalk)+1)), outcome: "completed"}
	n := e.rng.IntN(100)
	for _, o := range outcomes {
		if n < o.weight {
			p.outcome = o.name
			break
		}
		n -= o.weight
	}
	switch p.outcome {
	case "completed", "transferred":
		p.seconds = 30 + e.rng.Int64N(240)
	case "voicemail", "do_not_call":
		p.seconds = 10 + e.rng.Int64N(30)
	}
	return p
}

// call waits while the call "talks", then reports it.
func (e *Engine) call(d dispatch, p plan) {
	select {
	case <-e.ctx.Done():
		return
	case <-time.After(p.talk):
	}
	outcome, seconds := p.outcome, p.seconds
	if d.MaxDuration != nil && seconds > *d.MaxDuration {
		seconds = *d.MaxDuration
	}
	ended := e.cfg.Now().UTC().Truncate(time.Second)
	started := ended.Add(-time.Duration(seconds) * time.Second)
	report := map[string]any{
		"external_id": "sim_" + d.DispatchID, "direction": "outbound", "from": e.cfg.From, "to": d.Contact.Phone,
		"started_at": started.Format(time.RFC3339), "ended_at": ended.Format(time.RFC3339), "outcome": outcome,
		"dispatch_id": d.DispatchID, "campaign_id": d.CampaignID, "contact_id": d.Contact.ID,
	}
	if d.Assistant.ID != "" {
		report["assistant_id"] = d.Assistant.ID
	}
	if seconds > 0 {
		report["transcript"] = transcript(d, outcome, seconds)
	}
	body, _ := json.Marshal(report)
	for try := 0; try < 5; try++ {
		if err := e.post(d, body); err == nil {
			return
		} else {
			e.cfg.Logger.Warn("simulated engine: report", "dispatch", d.DispatchID, "err", err)
		}
		select {
		case <-e.ctx.Done():
			return
		case <-time.After(time.Duration(1<<try) * time.Second):
		}
	}
}

func (e *Engine) post(d dispatch, body []byte) error {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, d.ReportURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+d.ReportToken)
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	if resp.StatusCode >= 500 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	if resp.StatusCode >= 300 {
		e.cfg.Logger.Warn("simulated engine: report refused", "dispatch", d.DispatchID, "status", resp.StatusCode, "body", string(b))
	}
	return nil
}

func transcript(d dispatch, outcome string, seconds int64) []map[string]any {
	greeting := d.Assistant.FirstMessage
	if greeting == "" {
		greeting = "Hello, this is " + d.Assistant.Name + " calling."
	}
	name := d.Contact.FirstName
	if name == "" {
		name = "there"
	}
	ms := seconds * 1000
	turns := []map[string]any{{"speaker": "assistant", "text": "Hi " + name + "! " + greeting, "at_ms": 0}}
	switch outcome {
	case "voicemail":
		turns = append(turns, map[string]any{"speaker": "assistant", "text": "Sorry I missed you; I'll try again later.", "at_ms": ms / 2})
	case "do_not_call":
		turns = append(turns, map[string]any{"speaker": "user", "text": "Please don't call me again.", "at_ms": ms / 3},
			map[string]any{"speaker": "assistant", "text": "Understood, you won't hear from us again.", "at_ms": ms * 2 / 3})
	default:
		turns = append(turns, map[string]any{"speaker": "user", "text": "Sure, I have a minute.", "at_ms": ms / 4},
			map[string]any{"speaker": "assistant", "text": "Great, let me tell you why I'm calling.", "at_ms": ms / 2},
			map[string]any{"speaker": "user", "text": "Sounds good, thanks.", "at_ms": ms * 3 / 4})
	}
	return turns
}
