package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// A tags cell written as people write it, "recall,vip", is two tags; updates and
// phones repeated in the file are counted apart from new contacts, also when the
// repeat lands in a later transaction of the import.
func TestContactImportCountsAndCommaTags(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		base := "/api/v1/workspaces/" + ws + "/contacts"
		a.do("POST", base, owner.Token, map[string]any{"first_name": "Old", "phone": "+14155550199"}).want(t, 201)

		var b strings.Builder
		b.WriteString("first_name,phone,tags\n")
		b.WriteString("Ann,+14155550100,\"recall,vip\"\n")
		for i := 1; i <= 14; i++ {
			fmt.Fprintf(&b, "P%d,+1415555%04d,a; b|c\n", i, 200+i)
		}
		b.WriteString("Ann again,+14155550100,late\n") // a later batch: duplicate of row 2
		b.WriteString("Old,+14155550199,\n")           // the workspace had it: updated
		b.WriteString("P1 twice,+14155550201,\n")      // duplicate
		b.WriteString("Bad,nope,\n")                   // rejected
		id := a.upload(ws, owner.Token, b.String(), nil).want(t, 202).Str("id")
		w := a.store.NewImportWorker()
		w.BatchRows = 4 // several transactions
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := importStatus(a.api, ws, owner.Token, id)
		if st.Str("status") != "completed" || num(st, "rows_total") != 19 || num(st, "rows_imported") != 18 || num(st, "rows_rejected") != 1 ||
			num(st, "rows_created") != 15 || num(st, "rows_updated") != 1 || num(st, "rows_duplicate") != 2 {
			t.Fatalf("status: %s", st.Raw)
		}
		cs := byPhone(a.contacts(ws, owner.Token, ""))
		if len(cs) != 16 {
			t.Fatalf("%d contacts, want 16", len(cs))
		}
		if got := tagsOf(cs["+14155550100"]); got != "late,recall,vip" {
			t.Fatalf("Ann's tags: %q", got)
		}
		if got := tagsOf(cs["+14155550203"]); got != "a,b,c" {
			t.Fatalf("P3's tags: %q", got)
		}
		// A second import of the same rows only updates.
		id2 := a.upload(ws, owner.Token, "phone\n+14155550100\n+14155550201\n+14155550201\n", nil).want(t, 202).Str("id")
		a.runImports()
		st = importStatus(a.api, ws, owner.Token, id2)
		if num(st, "rows_imported") != 3 || num(st, "rows_created") != 0 || num(st, "rows_updated") != 2 || num(st, "rows_duplicate") != 1 {
			t.Fatalf("second import: %s", st.Raw)
		}
	})
}

// A tag filter pages by keyset over the tag itself: every tagged contact once, in
// order, also with a search.
func TestContactTagPaging(t *testing.T) {
	eachImportAPI(t, func(t *testing.T, a *importAPI) {
		owner := a.signUp("Olga")
		ws := owner.WorkspaceID
		if err := a.store.SeedManyContactsForTest(context.Background(), ws, 125, a.clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			query string
			want  int
		}{{"&tag=vip", 13}, {"&tag=vip&q=person%201", 4}, {"&tag=nope", 0}, {"&q=person%2012", 6}} {
			var seen []string
			cursor := ""
			for {
				r := a.do("GET", "/api/v1/workspaces/"+ws+"/contacts?limit=5&cursor="+cursor+c.query, owner.Token, nil).want(t, 200)
				for _, it := range r.Items() {
					seen = append(seen, it["id"].(string))
				}
				if cursor = r.Str("next_cursor"); cursor == "" {
					break
				}
			}
			if len(seen) != c.want {
				t.Fatalf("%s: %d contacts, want %d: %v", c.query, len(seen), c.want, seen)
			}
			for i := 1; i < len(seen); i++ {
				if seen[i] <= seen[i-1] {
					t.Fatalf("%s: out of order: %v", c.query, seen)
				}
			}
		}
	})
}
