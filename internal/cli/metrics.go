package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/store"
)

// watchStore points the metrics at the store's connection pools and queues.
func watchStore(m *metrics.Metrics, st *store.Store) {
	for name, db := range st.Pools() {
		m.WatchDB(name, db)
	}
	m.WatchOutbox(func(ctx context.Context) ([]metrics.QueueStats, error) {
		bs, err := st.OutboxBacklog(ctx)
		out := make([]metrics.QueueStats, len(bs))
		for i, b := range bs {
			out[i] = metrics.QueueStats{Queue: b.Queue, Depth: b.Depth, Oldest: b.Oldest}
		}
		return out, err
	})
}

// serveMetrics serves GET /metrics: on its own address when addr is set (the
// returned stop function closes it), else beside the main handler.
func serveMetrics(m *metrics.Metrics, addr string, main http.Handler, logger *slog.Logger) (http.Handler, func(), error) {
	if addr == "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		mux.Handle("/", main)
		return mux, func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, listenError("--metrics-addr", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server", "err", err)
		}
	}()
	logger.Info("metrics", "addr", ln.Addr().String())
	return main, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// listenError explains a failed listen and, for an address in use, which flag
// picks another.
func listenError(flagName, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s: the address is already in use (another switchboard?); pick another with %s", addr, flagName)
	}
	return fmt.Errorf("cannot listen on %s (%s): %w", addr, flagName, err)
}

// withObserver makes the store tell the metrics of calls and imported rows.
func withObserver(configure func(*store.Config), m *metrics.Metrics) func(*store.Config) {
	return func(c *store.Config) {
		configure(c)
		c.Observer = m
	}
}
