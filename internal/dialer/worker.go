package dialer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Poster sends one signed request; *Client is one.
type Poster interface {
	Post(ctx context.Context, rawURL, secret, key string, body []byte) (int, string, error)
}

// WorkerConfig configures the dialler worker.
type WorkerConfig struct {
	Logger *slog.Logger
	// Poll is the pause between rounds when nothing was claimed (default 500 ms).
	Poll time.Duration
	// Batch bounds the dispatches claimed per round (default 100).
	Batch int
	// Observe hears each send's result ("taken", "refused" or "retry"), for
	// metrics; nil is none.
	Observe func(result string)
}

// Worker claims dispatches and sends them; every replica runs one.
type Worker struct {
	store  sb.DialerStore
	client Poster
	cfg    WorkerConfig
}

// NewWorker returns a worker.
func NewWorker(store sb.DialerStore, client Poster, cfg WorkerConfig) *Worker {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	return &Worker{store: store, client: client, cfg: cfg}
}

// Run works until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Warn("dialler round", "err", err)
		}
		wait := w.cfg.Poll
		if n > 0 {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// RunOnce claims one batch, sends each dispatch concurrently and records the
// answers; it returns how many it sent.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	ds, err := w.store.ClaimDispatches(ctx, w.cfg.Batch)
	if err != nil {
		return 0, err
	}
	results := make([]sb.DispatchResult, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.send(ctx, d)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return len(ds), nil // shutting down: the leases run out and a replica sends again
	}
	if err := w.store.FinishDispatches(context.WithoutCancel(ctx), ds, results); err != nil {
		return len(ds), err
	}
	return len(ds), nil
}

func (w *Worker) send(ctx context.Context, d sb.Dispatch) sb.DispatchResult {
	status, detail, err := w.client.Post(ctx, d.URL, d.Secret, d.ID, d.Body)
	r := Classify(status, detail, err, d.Sends)
	if w.cfg.Observe != nil {
		switch {
		case r.Taken:
			w.cfg.Observe("taken")
		case r.Refused:
			w.cfg.Observe("refused")
		default:
			w.cfg.Observe("retry")
		}
	}
	if !r.Taken {
		w.cfg.Logger.Info("dispatch not taken", "dispatch", d.ID, "status", status, "detail", r.Detail, "refused", r.Refused)
	}
	return r
}
