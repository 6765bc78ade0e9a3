package store_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Benchmarks of the call path, on each store. Run them with
//
//	SWITCHBOARD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	SWITCHBOARD_BENCH_CALLS=1000000 \
//	go test ./internal/store/ -run '^$' -bench 'Call|RawInsertUpdate' -benchtime 2s
//
// docs/benchmarks.md records the results.

var benchDialects = []string{"sqlite", "postgres"}

// benchStore opens one store of the dialect, with an owner and a workspace whose
// account has plenty of minutes.
func benchStore(b *testing.B, dialect string) (*store.Store, sb.Actor, string) {
	b.Helper()
	s := storetest.Open(b, dialect, storetest.Options{}, storetest.NewClock())
	actor, acct, ws := owner(b, s)
	grant(b, s, acct, 90_000_000)
	return s, actor, ws
}

// parallel runs body from `reporters` goroutines (b.SetParallelism counts per
// GOMAXPROCS) or, for 1, serially.
func parallel(b *testing.B, reporters int, body func(i int64) error) {
	var seq atomic.Int64
	if reporters == 1 {
		for b.Loop() {
			if err := body(seq.Add(1)); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism(max(1, reporters/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := body(seq.Add(1)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

var benchRun atomic.Int64

// BenchmarkReportCall measures call reports per second: distinct calls, replays of
// one call, and distinct calls from 8 and 64 concurrent reporters.
func BenchmarkReportCall(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			s, actor, ws := benchStore(b, dialect)
			for _, reporters := range []int{1, 8, 64} {
				b.Run("distinct/reporters="+strconv.Itoa(reporters), func(b *testing.B) {
					run := benchRun.Add(1)
					parallel(b, reporters, func(i int64) error {
						_, _, err := s.ReportCall(ctx, actor, ws, callIn(fmt.Sprintf("b%d-%d", run, i), callStart.Add(time.Duration(i)*time.Second), 90))
						return err
					})
				})
			}
			for _, reporters := range []int{1, 8} {
				b.Run("replay/reporters="+strconv.Itoa(reporters), func(b *testing.B) {
					in := callIn("replayed", callStart, 90)
					if _, _, err := s.ReportCall(ctx, actor, ws, in); err != nil {
						b.Fatal(err)
					}
					parallel(b, reporters, func(int64) error {
						_, created, err := s.ReportCall(ctx, actor, ws, in)
						if created {
							return fmt.Errorf("a replay created a call")
						}
						return err
					})
				})
			}
		})
	}
}

// BenchmarkRawInsertUpdate is the store's floor: one transaction with one INSERT
// and one UPDATE of a shared row, measured like BenchmarkReportCall.
func BenchmarkRawInsertUpdate(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) {
			s := storetest.Open(b, dialect, storetest.Options{}, storetest.NewClock())
			if err := s.PrepareRawBenchmark(ctx); err != nil {
				b.Fatal(err)
			}
			for _, reporters := range []int{1, 8, 64} {
				b.Run("reporters="+strconv.Itoa(reporters), func(b *testing.B) {
					parallel(b, reporters, func(i int64) error { return s.RawInsertUpdate(ctx, i) })
				})
			}
		})
	}
}

// BenchmarkCallHistoryPage measures one page of 50 calls, newest first, from a
// workspace holding SWITCHBOARD_BENCH_CALLS calls (default 100,000): the first
// page, a page deep in the history (by cursor), and a first page filtered by
// outcome and time range.
func BenchmarkCallHistoryPage(b *testing.B) {
	ctx := context.Background()
	n := benchCalls(b)
	for _, dialect := range benchDialects {
		b.Run(fmt.Sprintf("%s/calls=%d", dialect, n), func(b *testing.B) {
			s, actor, ws := benchStore(b, dialect)
			start := callStart.Add(-time.Duration(n) * time.Second)
			seedStart := time.Now()
			if err := s.SeedCallsForBenchmark(ctx, ws, n, start.UnixMicro()); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d calls in %v", dialect, n, time.Since(seedStart).Round(time.Millisecond))
			page := func(b *testing.B, f sb.CallFilter, cursor string) {
				for b.Loop() {
					calls, _, err := s.ListCalls(ctx, actor, ws, f, sb.Page{Limit: 50, Cursor: cursor})
					if err != nil {
						b.Fatal(err)
					}
					if len(calls) != 50 {
						b.Fatalf("%d calls in the page, want 50", len(calls))
					}
				}
			}
			b.Run("first", func(b *testing.B) { page(b, sb.CallFilter{}, "") })
			b.Run("deep", func(b *testing.B) {
				// The cursor of the middle of the history: walk there once by keyset.
				var cursor string
				_, cursor, _ = s.ListCalls(ctx, actor, ws, sb.CallFilter{To: ptr(start.Add(time.Duration(n/2) * time.Second))}, sb.Page{Limit: 1})
				page(b, sb.CallFilter{}, cursor)
			})
			b.Run("filtered", func(b *testing.B) {
				from, to := start.Add(time.Duration(n/4)*time.Second), start.Add(time.Duration(n/2)*time.Second)
				page(b, sb.CallFilter{Outcome: "completed", From: &from, To: &to}, "")
			})
		})
	}
}

func ptr[T any](v T) *T { return &v }

// benchCalls is how many calls the history benchmarks seed:
// SWITCHBOARD_BENCH_CALLS, default 100,000.
func benchCalls(b *testing.B) int {
	v := os.Getenv("SWITCHBOARD_BENCH_CALLS")
	if v == "" {
		return 100_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 {
		b.Fatalf("SWITCHBOARD_BENCH_CALLS=%q: want a number of calls of at least 100", v)
	}
	return n
}
