package store_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
)

// BenchmarkCallHistoryHTTP asks for the first page of the call history (GET
// …/calls: 50 of SWITCHBOARD_BENCH_CALLS calls, default 100,000) over loopback
// HTTP from 8 kept-alive connections, with a session token: handler=api is the
// product's API (internal/httpapi over the store: middleware, the store's read
// transaction, access, the permission table), handler=plain the same token,
// membership and page work written straight (Store.PlainCallHistoryHandler).
// Issue 15 wants api ≥ 0.7 × plain (scripts/bench-compare's last row).
func BenchmarkCallHistoryHTTP(b *testing.B) {
	n := benchCalls(b)
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) { c.Now = time.Now }}, storetest.NewClock())
			ctx := context.Background()
			u := newOwner(b, s)
			token, ws := u.token, u.workspace
			if err := s.SeedCallsForBenchmark(ctx, ws, n, time.Now().Add(-time.Duration(n)*time.Second).UnixMicro()); err != nil {
				b.Fatal(err)
			}
			api := httptest.NewServer(httpapi.New(httpapi.Services{Users: s, Accounts: s, Workspaces: s, Members: s, APIKeys: s, Audit: s,
				Assistants: s, Workflows: s, Campaigns: s, Invitations: s, SMTP: s, WhiteLabel: s, Calls: s, Contacts: s, VoiceEngine: s},
				httpapi.Config{OperatorToken: "sbo_history_bench", Ready: s.Ping}))
			defer api.Close()
			plain := httptest.NewServer(s.PlainCallHistoryHandler())
			defer plain.Close()
			req := "GET /api/v1/workspaces/" + ws + "/calls HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token + "\r\n\r\n"
			for _, h := range []struct {
				name string
				srv  *httptest.Server
			}{{"api", api}, {"plain", plain}} {
				b.Run("handler="+h.name, func(b *testing.B) {
					addr := strings.TrimPrefix(h.srv.URL, "http://")
					b.ResetTimer()
					if err := storetest.LeanRequests(addr, 8, int64(b.N), 200, func(buf []byte, _ int64) []byte { return append(buf, req...) }); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
				})
			}
		})
	}
}
