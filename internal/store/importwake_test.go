package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// waitImported polls (with a deadline, not a sleep) until the import is completed.
func waitImported(t *testing.T, s *store.Store, actor sb.Actor, ws, id string, rows int64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := s.GetImport(context.Background(), actor, ws, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == "completed" {
			if got.RowsImported != rows {
				t.Fatalf("import %+v", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %q after 60 s; the worker polls only hourly, so it was not woken", got.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wakeCSV(from int) string {
	var csv strings.Builder
	csv.WriteString("phone\n")
	for i := range 20 {
		fmt.Fprintf(&csv, "+1415%07d\n", from+i)
	}
	return csv.String()
}

// A worker whose poll is an hour starts an import queued on the same process at
// once: the second import can only be found through the wake-up (the first may be
// found by the worker's first pass).
func TestImportWorkerWokenOnQueue(t *testing.T) {
	storetest.Each(t, storetest.Options{}, func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx, cancel := context.WithCancel(context.Background())
		actor, _, ws := owner(t, s)
		w := s.NewImportWorker()
		w.Poll = time.Hour
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		for k := range 2 {
			imp, err := s.StartImport(ctx, actor, ws, &parts{list: [][2]string{{"file", wakeCSV(4000000 + 100*k)}}}, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			waitImported(t, s, actor, ws, imp.ID, 20)
		}
	})
}

// On PostgreSQL an import queued on one replica wakes the worker of another
// through LISTEN/NOTIFY.
func TestImportWorkerWokenAcrossReplicas(t *testing.T) {
	clock := storetest.NewClock()
	url := storetest.PostgresSchema(t)
	ctx, cancel := context.WithCancel(context.Background())
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DatabaseURL: url, Now: clock.Now, Password: storetest.FastPasswords, DefaultPlan: sb.PlanEnterprise})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	actor, _, ws := owner(t, a)
	w := b.NewImportWorker()
	w.Poll = time.Hour
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for k := range 2 {
		imp, err := a.StartImport(ctx, actor, ws, &parts{list: [][2]string{{"file", wakeCSV(5000000 + 100*k)}}}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		waitImported(t, a, actor, ws, imp.ID, 20)
	}
}
