package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func eachBenchDialect(b *testing.B, fn func(b *testing.B, dialect string)) {
	for _, dialect := range benchDialects {
		b.Run(dialect, func(b *testing.B) { fn(b, dialect) })
	}
}

// BenchmarkCampaignStart measures start over a large audience: the snapshot of
// every tagged contact as a pending attempt, one INSERT … SELECT.
// SWITCHBOARD_BENCH_AUDIENCE sets the audience (default 1,000,000).
func BenchmarkCampaignStart(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SWITCHBOARD_BENCH_AUDIENCE")); err == nil && v > 0 {
		n = v
	}
	eachBenchDialect(b, func(b *testing.B, dialect string) {
		ctx := context.Background()
		clock := storetest.NewClock()
		s := storetest.Open(b, dialect, storetest.Options{}, clock)
		actor, account, ws := owner(b, s)
		grant(b, s, account, 1000)
		asst, err := s.InsertAssistantForTest(ctx, ws, "Ava")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.SeedTaggedContactsForBenchmark(ctx, ws, "all", n, clock.Now().UnixMicro()); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			name, tag := fmt.Sprint("Big ", i), "all"
			c, err := s.CreateCampaign(ctx, actor, ws, sb.CampaignInput{Name: &name, AssistantID: &asst, ContactTag: &tag})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			c, err = s.ChangeCampaignState(ctx, actor, ws, c.ID, sb.CampaignStart)
			if err != nil {
				b.Fatal(err)
			}
			if c.Progress.Pending != int64(n) {
				b.Fatalf("pending %d", c.Progress.Pending)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
		start := time.Now()
		if _, err := s.ClaimDispatches(ctx, 100); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds()), "first-claim-µs")
	})
}

// BenchmarkDialDispatch measures the dialler's database time per dispatch (claim
// and record the answer) against an engine on loopback that holds up to 100 calls,
// reporting each call (through the store, timed apart) to free its slot.
func BenchmarkDialDispatch(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, dialect string) {
		ctx := context.Background()
		clock := storetest.NewClock()
		s := storetest.Open(b, dialect, storetest.Options{Configure: func(c *store.Config) { c.Engine = dialer.NewClient(true, c.Now) }}, clock)
		d := &dialling{s: s, clock: clock}
		d.actor, d.account, d.ws = owner(b, s)
		grant(b, s, d.account, 1_000_000)
		d.eng = startEngine(b, clock.Now)
		sec := engineSecret
		if _, err := s.PutVoiceEngine(ctx, d.actor, d.ws, sb.VoiceEngineInput{URL: d.eng.srv.URL, Secret: &sec}); err != nil {
			b.Fatal(err)
		}
		asst, err := s.InsertAssistantForTest(ctx, d.ws, "Ava")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.SeedTaggedContactsForBenchmark(ctx, d.ws, "all", b.N+100, clock.Now().UnixMicro()); err != nil {
			b.Fatal(err)
		}
		name, tag, maxc := "Bench", "all", int64(100)
		c, err := s.CreateCampaign(ctx, d.actor, d.ws, sb.CampaignInput{Name: &name, AssistantID: &asst, ContactTag: &tag, MaxConcurrentCalls: &maxc, Schedule: allDays()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ChangeCampaignState(ctx, d.actor, d.ws, c.ID, sb.CampaignStart); err != nil {
			b.Fatal(err)
		}
		client := dialer.NewClient(true, clock.Now)
		var claimT, finishT, reportT time.Duration
		sent := 0
		b.ResetTimer()
		for sent < b.N {
			t0 := time.Now()
			ds, err := s.ClaimDispatches(ctx, 100)
			if err != nil {
				b.Fatal(err)
			}
			claimT += time.Since(t0)
			if len(ds) == 0 {
				b.Fatalf("nothing claimed after %d", sent)
			}
			results := make([]sb.DispatchResult, len(ds))
			var wg sync.WaitGroup
			for i, dsp := range ds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st, detail, err := client.Post(ctx, dsp.URL, dsp.Secret, dsp.ID, dsp.Body)
					results[i] = dialer.Classify(st, detail, err, dsp.Sends)
				}()
			}
			wg.Wait()
			t0 = time.Now()
			if err := s.FinishDispatches(ctx, ds, results); err != nil {
				b.Fatal(err)
			}
			finishT += time.Since(t0)
			t0 = time.Now()
			for _, call := range d.eng.openCalls() {
				d.eng.report(b, s, call, "completed", 30)
			}
			reportT += time.Since(t0)
			sent += len(ds)
		}
		b.StopTimer()
		b.ReportMetric(float64(claimT.Microseconds())/float64(sent), "claim-µs/dispatch")
		b.ReportMetric(float64(finishT.Microseconds())/float64(sent), "finish-µs/dispatch")
		b.ReportMetric(float64(reportT.Microseconds())/float64(sent), "report-µs/call")
		if d.eng.maxOpen > 100 {
			b.Fatalf("engine saw %d at once", d.eng.maxOpen)
		}
	})
}
