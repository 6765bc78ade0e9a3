package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/storetest"
)

// BenchmarkListPages measures the part-2 list pages of a workspace holding many
// calls and contacts (SWITCHBOARD_BENCH_ROWS of each, default 100,000), on each
// store: the first page, a page deep in the list by its cursor, and filters. Run:
//
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	SWITCHBOARD_BENCH_ROWS=1000000 go test ./internal/console -run '^$' -bench BenchmarkListPages -benchtime 200x
//
// docs/benchmarks.md records the results.
func BenchmarkListPages(b *testing.B) {
	n := 100_000
	if v := os.Getenv("SWITCHBOARD_BENCH_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("SWITCHBOARD_BENCH_ROWS=%q: want a number of at least 1000", v)
		}
	}
	dialects := []string{"sqlite"}
	if os.Getenv("SWITCHBOARD_TEST_POSTGRES_URL") != "" {
		dialects = append(dialects, "postgres")
	}
	ctx := context.Background()
	for _, dialect := range dialects {
		b.Run(fmt.Sprintf("%s/rows=%d", dialect, n), func(b *testing.B) {
			clock := storetest.NewClock()
			st := storetest.Open(b, dialect, storetest.Options{Configure: configure}, clock)
			s := newSite(b, st, clock)
			owner := s.signUp("Olga Owner", "owner@example.com")
			ws := owner.firstWorkspace()
			seed := time.Now()
			start := clock.Now().Add(-time.Duration(n) * time.Second)
			if err := st.SeedCallsForTest(ctx, ws, n, start.UnixMicro()); err != nil {
				b.Fatal(err)
			}
			if err := st.SeedManyContactsForTest(ctx, ws, n, clock.Now().UnixMicro()); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d calls and %d contacts in %v", dialect, n, n, time.Since(seed).Round(time.Millisecond))
			h := s.srv.Config.Handler
			cookie := &http.Cookie{Name: "sb_session", Value: owner.token()}
			get := func(b *testing.B, path string) string {
				req := httptest.NewRequest("GET", path, nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
				return rec.Body.String()
			}
			// The cursor of a page deep in each list, walked to once.
			next := regexp.MustCompile(`href="([^"]+cursor=[^"]+)" rel="next"`)
			deep := func(path string) string {
				p := path
				for range 200 {
					m := next.FindStringSubmatch(get(b, p))
					if m == nil {
						b.Fatalf("%s: no next page", p)
					}
					p = htmlUnescape(m[1])
				}
				return p
			}
			w := "/w/" + ws
			mid := start.Add(time.Duration(n/2) * time.Second).UTC().Format(time.DateOnly)
			for _, pg := range []struct{ name, path string }{
				{"calls/first", w + "/calls"},
				{"calls/deep", deep(w + "/calls")},
				{"calls/filtered", w + "/calls?outcome=busy&to=" + mid},
				{"contacts/first", w + "/contacts"},
				{"contacts/deep", deep(w + "/contacts")},
				{"contacts/tag", w + "/contacts?tag=vip"},
				{"contacts/search", w + "/contacts?q=Person%20123"},
				{"contacts/search-none", w + "/contacts?q=nobody"},
				{"dashboard", w},
				{"analytics", w + "/analytics"},
			} {
				b.Run(pg.name, func(b *testing.B) {
					for b.Loop() {
						get(b, pg.path)
					}
				})
			}
		})
	}
}

func htmlUnescape(s string) string {
	return regexp.MustCompile(`&amp;`).ReplaceAllString(s, "&")
}
