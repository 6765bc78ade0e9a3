package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// End-to-end benchmarks of issue 15, over real HTTP on loopback: call reports
// (POST calls from 64 connections) and CSV imports (POST of the file to the import
// `completed`, the import worker running as `serve` runs it). scripts/bench-compare
// runs them beside the raw anchors of internal/store.

type benchAPI struct {
	srv   *httptest.Server
	s     *store.Store
	token string
	ws    string
}

func newBenchAPI(b *testing.B, dialect string) *benchAPI {
	b.Helper()
	s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) { c.Now = time.Now }}, storetest.NewClock())
	h := httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s, Assistants: s, Workflows: s, Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s, VoiceEngine: s},
		httpapi.Config{OperatorToken: operatorToken, Ready: s.Ping, ImportMaxBytes: 1 << 30})
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	ctx := context.Background()
	_, token, err := s.SignUp(ctx, sb.SignUpInput{Email: "bench@example.com", Password: "correct horse battery", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	actor, err := s.Authenticate(ctx, token)
	if err != nil {
		b.Fatal(err)
	}
	me, err := s.Me(ctx, actor)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.GrantMinutes(ctx, sb.Actor{Operator: true, Email: "operator"}, me.Accounts[0].ID, sb.GrantInput{Minutes: 90_000_000}); err != nil {
		b.Fatal(err)
	}
	return &benchAPI{srv: srv, s: s, token: token, ws: me.Workspaces[0].ID}
}

// BenchmarkReportCallHTTP reports distinct calls (no transcript) from 64
// concurrent connections, with two clients on the same two cores as the server:
// client=nethttp is Go's net/http client (a JSON body marshalled from a map per
// request); client=lean writes each request's bytes straight to a kept-alive
// connection and reads the response only as far as its status and length, as a
// load generator (wrk, hey) does, so that what is measured is the server.
func BenchmarkReportCallHTTP(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			a := newBenchAPI(b, dialect)
			path := "/api/v1/workspaces/" + a.ws + "/calls"
			var seq atomic.Int64 // external ids stay distinct across the sub-benchmarks
			b.Run("client=nethttp", func(b *testing.B) {
				tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := seq.Add(1)
						at := reportStart.Add(time.Duration(i) * time.Second)
						body, _ := json.Marshal(map[string]any{
							"external_id": fmt.Sprintf("h%d", i), "direction": "outbound", "from": "+14155550100", "to": "+14155550199",
							"started_at": at.Format(time.RFC3339), "ended_at": at.Add(90 * time.Second).Format(time.RFC3339), "outcome": "completed",
						})
						req, _ := http.NewRequest("POST", a.srv.URL+path, bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+a.token)
						req.Header.Set("Content-Type", "application/json")
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != 201 {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
			})
			b.Run("client=lean", func(b *testing.B) {
				addr := strings.TrimPrefix(a.srv.URL, "http://")
				base := seq.Add(int64(b.N)) - int64(b.N)
				b.ResetTimer()
				err := storetest.LeanRequests(addr, 64, int64(b.N), 201, func(req []byte, i int64) []byte {
					var scratch [256]byte
					body := appendReport(scratch[:0], base+i)
					req = append(req, "POST "+path+" HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "+a.token+
						"\r\nContent-Type: application/json\r\nContent-Length: "...)
					req = strconv.AppendInt(req, int64(len(body)), 10)
					req = append(req, "\r\n\r\n"...)
					return append(req, body...)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
			})
		})
	}
}

var reportStart = time.Date(2026, 2, 27, 10, 0, 0, 0, time.UTC)

// appendReport appends the JSON of distinct call i.
func appendReport(body []byte, i int64) []byte {
	at := reportStart.Add(time.Duration(i) * time.Second)
	body = append(body, `{"external_id":"h`...)
	body = strconv.AppendInt(body, i, 10)
	body = append(body, `","direction":"outbound","from":"+14155550100","to":"+14155550199","started_at":"`...)
	body = at.AppendFormat(body, time.RFC3339)
	body = append(body, `","ended_at":"`...)
	body = at.Add(90*time.Second).AppendFormat(body, time.RFC3339)
	return append(body, `","outcome":"completed"}`...)
}

// BenchmarkImportAPI uploads a generated file of SWITCHBOARD_BENCH_IMPORT_ROWS
// rows (default 1,000,000) and polls the import until it is completed, with an
// import worker running in the background as in `serve`.
func BenchmarkImportAPI(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("SWITCHBOARD_BENCH_IMPORT_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	path := filepath.Join(b.TempDir(), "contacts.csv")
	if err := writeImportCSV(path, rows); err != nil {
		b.Fatal(err)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				a := newBenchAPI(b, dialect)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { a.s.NewImportWorker().Run(ctx); close(done) }()
				b.StartTimer()
				start := time.Now()
				id := a.postImport(b, path)
				url := a.srv.URL + "/api/v1/workspaces/" + a.ws + "/contacts/imports/" + id
				for {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer "+a.token)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					var got struct {
						Status       string `json:"status"`
						RowsImported int64  `json:"rows_imported"`
						RowsRejected int64  `json:"rows_rejected"`
					}
					json.NewDecoder(res.Body).Decode(&got)
					res.Body.Close()
					if got.Status == "completed" {
						if got.RowsImported+got.RowsRejected != int64(rows) {
							b.Fatalf("import %+v", got)
						}
						break
					}
					if got.Status == "failed" || time.Since(start) > 30*time.Minute {
						b.Fatalf("import %+v", got)
					}
					time.Sleep(20 * time.Millisecond) // a coarse poll: each GET costs the database work
				}
				elapsed := time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.StartTimer()
			}
		})
	}
}

// postImport streams the file as a multipart upload and returns the import's id.
func (a *benchAPI) postImport(b *testing.B, path string) string {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		mw.WriteField("tags", "bench")
		mw.WriteField("default_region", "US")
		fw, _ := mw.CreateFormFile("file", "contacts.csv")
		if _, err := io.Copy(fw, f); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/workspaces/"+a.ws+"/contacts/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 202 || json.Unmarshal(raw, &out) != nil {
		b.Fatalf("upload: %d %s", res.StatusCode, raw)
	}
	return out.ID
}

// writeImportCSV writes the same file as internal/store's BenchmarkContactImport.
func writeImportCSV(path string, rows int) error {
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
