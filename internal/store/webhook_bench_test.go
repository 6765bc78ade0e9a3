package store_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
	"github.com/switchboard/switchboard/internal/webhook"
)

// benchKey seals the benchmark's webhook secrets, so that a worker process can
// read them.
var benchKey = bytes.Repeat([]byte{7}, 32)

// BenchmarkReportCallWebhooks compares call reports per second in a workspace with
// no webhook endpoint and with three active endpoints subscribed to call.completed,
// while a webhook worker delivers the events to a real receiver on loopback (so the
// outbox's claims and results compete with the reports for the database, as in
// production). With SWITCHBOARD_BENCH_RECEIVER=process the receiver runs in a
// child process, as a receiver runs elsewhere in production: then its CPU does
// not count as the process's and its goroutines do not compete with the reports
// for the Go scheduler (they still share the machine's cores). With
// SWITCHBOARD_BENCH_WORKER=process (PostgreSQL only) the webhook worker runs in
// a child process on the same database, as on a replica started with
// --webhook-delivery on while the reports go to one with off (cpu-µs/op then
// counts the reporting process only). docs/benchmarks.md,
// "Issue 14 — call reports with three webhook endpoints", records the results:
//
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	go test ./internal/store/ -run '^$' -bench ReportCallWebhooks -benchtime 3s -count 4
func BenchmarkReportCallWebhooks(b *testing.B) {
	ctx := context.Background()
	receiverURL, received := benchReceiver(b)
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			for _, hooks := range []int{0, 3} {
				for _, reporters := range []int{1, 8} {
					b.Run("hooks="+strconv.Itoa(hooks)+"/reporters="+strconv.Itoa(reporters), func(b *testing.B) {
						var cfg store.Config
						s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) {
							c.SecretKey = benchKey
							cfg = *c
						}}, storetest.NewClock())
						actor, acct, ws := owner(b, s)
						grant(b, s, acct, 90_000_000)
						for i := range hooks {
							if _, err := s.CreateWebhook(ctx, actor, ws, sb.WebhookInput{URL: fmt.Sprintf("%s/h%d", receiverURL, i), Events: []string{sb.EventCallCompleted}}); err != nil {
								b.Fatal(err)
							}
						}
						switch {
						case os.Getenv("SWITCHBOARD_BENCH_NO_WORKER") != "":
						case os.Getenv("SWITCHBOARD_BENCH_WORKER") == "process":
							if dialect != "postgres" {
								b.Skip("a worker in another process is for PostgreSQL (replicas); SQLite has one process")
							}
							benchWorkerProcess(b, cfg.DatabaseURL)
						default:
							wctx, stop := context.WithCancel(ctx)
							done := make(chan struct{})
							w := webhook.NewWorker(s, webhook.Config{})
							go func() { w.Run(wctx); close(done) }()
							defer func() { stop(); <-done }()
						}
						run := benchRun.Add(1)
						cpu0 := cpuTime()
						received0 := received()
						parallel(b, reporters, func(i int64) error {
							_, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("w%d-%d", run, i), callStart.Add(time.Duration(i)*time.Second), 90))
							return err
						})
						// The reports are done (tx/s is their rate); now wait, off the
						// clock, until the worker has delivered every report's events, so
						// that the CPU per report below includes all of their deliveries
						// and no work is left over for the next run.
						b.StopTimer()
						delivered := received() - received0
						drain := time.Now()
						deadline := drain.Add(2 * time.Minute)
						want := int64(hooks * b.N)
						if os.Getenv("SWITCHBOARD_BENCH_NO_WORKER") != "" {
							want = 0
						}
						for received()-received0 < want {
							if time.Now().After(deadline) {
								b.Fatalf("%d of %d deliveries arrived", received()-received0, want)
							}
							time.Sleep(5 * time.Millisecond)
						}
						// CPU of this process (reports, worker, receiver) per report:
						// steadier than the rate on a shared machine.
						b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
						// Deliveries that arrived while the reports ran, per report (3
						// when the worker keeps up, less the events of the last moment),
						// and how long the rest took to arrive after the last report.
						b.ReportMetric(float64(delivered)/float64(b.N), "delivered/op")
						b.ReportMetric(float64(time.Since(drain).Milliseconds()), "drain-ms")
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

// benchReceiver starts the receiver the benchmark delivers to, in this process or
// (SWITCHBOARD_BENCH_RECEIVER=process) in a child process, and returns its URL and
// how many deliveries it has received so far.
func benchReceiver(b *testing.B) (string, func() int64) {
	if os.Getenv("SWITCHBOARD_BENCH_RECEIVER") != "process" {
		var n atomic.Int64
		rcv := httptest.NewServer(receiverHandler(&n))
		b.Cleanup(rcv.Close)
		return rcv.URL, n.Load
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWebhookBenchReceiver$")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_BENCH_RECEIVER_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("receiver process: %v", err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(line, "receiver "))
	client := &http.Client{}
	return url, func() int64 {
		resp, err := client.Get(url + "/count")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil {
			b.Fatalf("receiver count %q: %v", body, err)
		}
		return n
	}
}

// receiverHandler answers every delivery 204 and counts it; GET /count says how
// many arrived.
func receiverHandler(n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/count" {
			fmt.Fprintln(w, n.Load())
			return
		}
		n.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
}

// TestWebhookBenchReceiver is the child process of
// SWITCHBOARD_BENCH_RECEIVER=process: it serves receiverHandler until killed.
func TestWebhookBenchReceiver(t *testing.T) {
	if os.Getenv("SWITCHBOARD_BENCH_RECEIVER_CHILD") == "" {
		t.Skip("the receiver process of BenchmarkReportCallWebhooks")
	}
	var n atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("receiver http://%s\n", ln.Addr())
	t.Fatal(http.Serve(ln, receiverHandler(&n)))
}

// benchWorkerProcess runs a webhook worker in a child process on the database at
// url until the benchmark ends.
func benchWorkerProcess(b *testing.B, url string) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWebhookBenchWorker$")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_BENCH_WORKER_CHILD="+url)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// TestWebhookBenchWorker is the child process of SWITCHBOARD_BENCH_WORKER=process:
// a webhook worker on the benchmark's database until killed.
func TestWebhookBenchWorker(t *testing.T) {
	url := os.Getenv("SWITCHBOARD_BENCH_WORKER_CHILD")
	if url == "" {
		t.Skip("the worker process of BenchmarkReportCallWebhooks")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DatabaseURL: url, SecretKey: benchKey, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	webhook.NewWorker(s, webhook.Config{}).Run(ctx)
}
