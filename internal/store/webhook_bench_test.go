package store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
	"github.com/switchboard/switchboard/internal/webhook"
)

// BenchmarkReportCallWebhooks compares call reports per second in a workspace with
// no webhook endpoint and with three active endpoints subscribed to call.completed,
// while a webhook worker delivers the events to a real receiver on loopback (so the
// outbox's claims and results compete with the reports for the database, as in
// production). docs/benchmarks.md, "Webhooks", records the results:
//
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	go test ./internal/store/ -run '^$' -bench ReportCallWebhooks -benchtime 3s -count 4
func BenchmarkReportCallWebhooks(b *testing.B) {
	ctx := context.Background()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer rcv.Close()
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			for _, hooks := range []int{0, 3} {
				for _, reporters := range []int{1, 8} {
					b.Run("hooks="+strconv.Itoa(hooks)+"/reporters="+strconv.Itoa(reporters), func(b *testing.B) {
						s := storetest.Open(b, dialect, storetest.Options{}, storetest.NewClock())
						actor, acct, ws := owner(b, s)
						grant(b, s, acct, 90_000_000)
						for i := range hooks {
							if _, err := s.CreateWebhook(ctx, actor, ws, sb.WebhookInput{URL: fmt.Sprintf("%s/h%d", rcv.URL, i), Events: []string{sb.EventCallCompleted}}); err != nil {
								b.Fatal(err)
							}
						}
						if os.Getenv("SWITCHBOARD_BENCH_NO_WORKER") == "" {
							wctx, stop := context.WithCancel(ctx)
							done := make(chan struct{})
							w := webhook.NewWorker(s, webhook.Config{})
							go func() { w.Run(wctx); close(done) }()
							defer func() { stop(); <-done }()
						}
						run := benchRun.Add(1)
						cpu0 := cpuTime()
						parallel(b, reporters, func(i int64) error {
							_, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("w%d-%d", run, i), callStart.Add(time.Duration(i)*time.Second), 90))
							return err
						})
						// CPU of this process (reports, worker, receiver) per report:
						// steadier than the rate on a shared machine.
						b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
					})
				}
			}
		})
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
