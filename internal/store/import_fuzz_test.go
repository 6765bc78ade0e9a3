package store_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// parts is an upload: named parts in order.
type parts struct {
	list [][2]string
	n    int
}

func (p *parts) NextPart() (string, io.Reader, error) {
	if p.n >= len(p.list) {
		return "", nil, io.EOF
	}
	p.n++
	return p.list[p.n-1][0], strings.NewReader(p.list[p.n-1][1]), nil
}

// FuzzContactImport runs whatever CSV (with whatever mapping and default region) an
// upload holds through the real import, on SQLite: nothing panics; the upload is
// refused with a domain error, or the import ends completed (every row imported or
// rejected) or failed with a sentence.
func FuzzContactImport(f *testing.F) {
	for _, seed := range []struct{ csv, mapping, region string }{
		{"first_name,phone\nAda,+14155550100\n", "", ""},
		{"Name;Phone;Tags\nAda;(415) 555-0100;vip,west\n", `{"Name":"first_name","Phone":"phone"}`, "US"},
		{"phone\n+14155550100\n+14155550100\n", "", ""},
		{"phone,email\nnot a phone,bad\n", "", "US"},
		{"first_name\nAda\n", "", ""},
		{"", "", ""},
		{"phone\n\"unterminated\n", "", ""},
		{"\xef\xbb\xbfphone\r\n+442079460958\r\n", "", "GB"},
		{"phone,phone\n1,2\n", "", ""},
		{"phone\n=cmd|' /C calc'!A0\n", "", ""},
		{"phone\tfirst_name\n+14155550100\tA\x00da\n", "{", "XX"},
		{"a,b,c\n1,2\n3,4,5,6\n", `{"a":"phone"}`, ""},
	} {
		f.Add(seed.csv, seed.mapping, seed.region)
	}
	s := storetest.Open(f, "sqlite", storetest.Options{DefaultPlan: sb.PlanEnterprise}, storetest.NewClock())
	actor, _, ws := owner(f, s)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, csv, mapping, region string) {
		up := &parts{}
		if region != "" {
			up.list = append(up.list, [2]string{"default_region", region})
		}
		if mapping != "" {
			up.list = append(up.list, [2]string{"mapping", mapping})
		}
		up.list = append(up.list, [2]string{"file", csv})
		imp, err := s.StartImport(ctx, actor, ws, up, 1<<20)
		if err != nil {
			var e *sb.Error
			if !errors.As(err, &e) || e.Code == sb.ECodeInternal || e.Message == "" {
				t.Fatalf("upload refused with %v, want a domain error", err)
			}
			return
		}
		if _, err := s.NewImportWorker().RunOnce(ctx); err != nil {
			t.Fatalf("import worker: %v", err)
		}
		got, err := s.GetImport(ctx, actor, ws, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch got.Status {
		case "completed":
			if got.RowsImported+got.RowsRejected != got.RowsTotal {
				t.Fatalf("completed with %d imported + %d rejected of %d", got.RowsImported, got.RowsRejected, got.RowsTotal)
			}
		case "failed":
			if got.Error == "" {
				t.Fatal("failed without a sentence")
			}
		default:
			t.Fatalf("import left %s", got.Status)
		}
	})
}
