package store_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// BenchmarkContactImport imports a generated CSV file of
// SWITCHBOARD_BENCH_IMPORT_ROWS rows (default 1,000,000) on each store, from the
// upload to the last batch, and reports rows per second and peak memory.
//
//	go test ./internal/store -run XXX -bench ContactImport -benchtime 1x
func BenchmarkContactImport(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("SWITCHBOARD_BENCH_IMPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	path := filepath.Join(b.TempDir(), "contacts.csv")
	if err := writeBenchCSV(path, rows); err != nil {
		b.Fatal(err)
	}
	if out := os.Getenv("SWITCHBOARD_BENCH_IMPORT_KEEP"); out != "" {
		copyFile(b, path, out)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) { c.Now = time.Now }}, storetest.NewClock())
				ctx := context.Background()
				actor, _, ws := owner(b, s)
				runtime.GC()
				peak := watchMemory()
				b.StartTimer()
				start := time.Now()
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				imp, err := s.StartImport(ctx, actor, ws, &fileParts{f: f, tags: benchImportTags(), region: "US"}, 1<<30)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				uploaded := time.Since(start)
				worker := s.NewImportWorker()
				if n, err := strconv.Atoi(os.Getenv("SWITCHBOARD_BENCH_IMPORT_BATCH")); err == nil {
					worker.BatchRows = n
				}
				if _, err := worker.RunOnce(ctx); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				heap, sys := peak()
				got, err := s.GetImport(ctx, actor, ws, imp.ID)
				if err != nil {
					b.Fatal(err)
				}
				if got.Status != sb.ImportCompleted || got.RowsImported+got.RowsRejected != int64(rows) {
					b.Fatalf("import: %+v", got)
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(uploaded.Seconds(), "upload-s")
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(sys)/(1<<20), "peak-sys-MB")
				rss := peakRSS()
				b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
				b.Logf("%s: %d rows (%d imported, %d rejected) in %s (upload %s): %.0f rows/s, peak heap %.1f MB, sys %.1f MB, process peak RSS %.1f MB",
					dialect, rows, got.RowsImported, got.RowsRejected, elapsed.Round(time.Millisecond), uploaded.Round(time.Millisecond),
					float64(rows)/elapsed.Seconds(), float64(heap)/(1<<20), float64(sys)/(1<<20), float64(rss)/(1<<20))
				b.StartTimer()
			}
		})
	}
}

// benchImportTags are the import's own tags, "bench" unless
// SWITCHBOARD_BENCH_IMPORT_TAGS says otherwise ("-" for none).
func benchImportTags() string {
	switch t := os.Getenv("SWITCHBOARD_BENCH_IMPORT_TAGS"); t {
	case "":
		return "bench"
	case "-":
		return ""
	default:
		return t
	}
}

// writeBenchCSV writes rows contacts with distinct US phones in mixed formats, a
// tags column filled in one row in ten, and a few bad rows (one in a thousand).
func writeBenchCSV(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "first_name,last_name,phone,email,company,tags")
	for i := 0; i < rows; i++ {
		n := 2_000_000 + i
		phone := fmt.Sprintf("+1415%07d", n)
		switch {
		case i%1000 == 999:
			phone = fmt.Sprintf("not a number %d", i)
		case i%3 == 1:
			phone = fmt.Sprintf("(415) %03d-%04d", n/10000, n%10000)
		}
		tags := ""
		if i%10 == 0 {
			tags = fmt.Sprintf("t%d|vip", i%7)
		}
		fmt.Fprintf(w, "First%d,Last%d,%s,person%d@example.com,Company %d,%s\n", i, i, phone, i, i%5000, tags)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func copyFile(b *testing.B, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
}

// fileParts is an upload of one file and its options.
type fileParts struct {
	f            *os.File
	tags, region string
	n            int
}

func (p *fileParts) NextPart() (string, io.Reader, error) {
	p.n++
	switch p.n {
	case 1:
		return "tags", stringReader(p.tags), nil
	case 2:
		return "default_region", stringReader(p.region), nil
	case 3:
		return "file", p.f, nil
	}
	return "", nil, io.EOF
}

func stringReader(s string) io.Reader { return &stringsReader{s: s} }

type stringsReader struct{ s string }

func (r *stringsReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// watchMemory samples the heap until the returned function is called, which
// reports the peak heap in use and the peak memory obtained from the OS.
func watchMemory() func() (heap, sys uint64) {
	var peakHeap, peakSys atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peakHeap.Load() {
			peakHeap.Store(m.HeapInuse)
		}
		if m.Sys > peakSys.Load() {
			peakSys.Store(m.Sys)
		}
	}
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		wg.Wait()
		return peakHeap.Load(), peakSys.Load()
	}
}

// peakRSS is the process's peak resident set (VmHWM), which also counts memory
// that SQLite allocates outside the Go heap; 0 where /proc is missing.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkRawContactLoad is the anchor of BenchmarkContactImport (issue 15): the
// same generated file loaded raw (Store.RawContactLoad) into a fresh store.
func BenchmarkRawContactLoad(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("SWITCHBOARD_BENCH_IMPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	path := filepath.Join(b.TempDir(), "contacts.csv")
	if err := writeBenchCSV(path, rows); err != nil {
		b.Fatal(err)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) { c.Now = time.Now }}, storetest.NewClock())
				runtime.GC()
				b.StartTimer()
				start := time.Now()
				n, err := s.RawContactLoad(context.Background(), path)
				elapsed := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if n != rows {
					b.Fatalf("loaded %d rows of %d", n, rows)
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
			}
		})
	}
}
