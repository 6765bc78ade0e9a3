package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/storetest"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The tag filter, the audience size and the campaign's snapshot see exactly the
// contacts whose tags hold the tag, whether the tag came with an import (a tag
// run, tagrun.go) or was set on the contact, through every change of tags: edits,
// bulk tagging, deletion, and later imports merging into the same contacts. The
// oracle is the contacts' own tags, read without the filter.
func TestTagRunsAreExact(t *testing.T) {
	storetest.Each(t, engineOpts(), func(t *testing.T, s *store.Store, clock *storetest.Clock) {
		ctx := context.Background()
		d := setupDialling(t, s, clock, 2, nil) // two contacts tagged "lead" by hand
		importCSV := func(tags string, rows []string) {
			t.Helper()
			csv := "phone,tags\n" + strings.Join(rows, "\n") + "\n"
			imp, err := s.StartImport(ctx, d.actor, d.ws, &parts{list: [][2]string{{"tags", tags}, {"file", csv}}}, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			w := s.NewImportWorker()
			w.BatchRows = 7 // several chunks and transactions
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetImport(ctx, d.actor, d.ws, imp.ID)
			if err != nil || got.Status != sb.ImportCompleted {
				t.Fatalf("import: %+v, %v", got, err)
			}
		}
		all := func() []sb.Contact {
			t.Helper()
			var out []sb.Contact
			cursor := ""
			for {
				page, next, err := s.ListContacts(ctx, d.actor, d.ws, sb.ContactFilter{Page: sb.Page{Limit: 100, Cursor: cursor}})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, page...)
				if next == "" {
					return out
				}
				cursor = next
			}
		}
		check := func(step string) {
			t.Helper()
			contacts := all()
			for _, tag := range []string{"lead", "vip", "second", "other"} {
				for _, q := range []string{"", "41566"} {
					var want []string
					for _, c := range contacts {
						if slices.Contains(c.Tags, tag) && strings.Contains(c.Phone, q) {
							want = append(want, c.ID)
						}
					}
					var got []string
					cursor := ""
					for {
						page, next, err := s.ListContacts(ctx, d.actor, d.ws, sb.ContactFilter{Tag: tag, Q: q, Page: sb.Page{Limit: 3, Cursor: cursor}})
						if err != nil {
							t.Fatal(err)
						}
						for _, c := range page {
							got = append(got, c.ID)
						}
						if next == "" {
							break
						}
						cursor = next
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%s: contacts tagged %q (q %q) = %v,\nwant %v", step, tag, q, got, want)
					}
					if q != "" {
						continue
					}
					c, err := s.UpdateCampaign(ctx, d.actor, d.ws, d.campaign, sb.CampaignInput{ContactTag: &tag})
					if err != nil {
						t.Fatal(err)
					}
					if c.AudienceSize != int64(len(want)) {
						t.Fatalf("%s: audience of %q = %d, want %d", step, tag, c.AudienceSize, len(want))
					}
				}
			}
		}
		check("before any import")

		// First a contact tagged by hand: the chunk that meets it (SQLite merges
		// it, PostgreSQL stages the chunk) also inserts rows with tags of their own.
		rows := []string{"+14155550000,vip"}
		for i := range 30 {
			cell := ""
			if i%3 == 0 {
				cell = "vip"
			}
			rows = append(rows, fmt.Sprintf("+1415666%04d,%s", i, cell))
		}
		importCSV("lead", rows)
		check("after the first import")

		imported := all()
		var ids []string
		for _, c := range imported {
			if strings.HasPrefix(c.Phone, "+1415666") {
				ids = append(ids, c.ID)
			}
		}
		other := []string{"other"}
		if _, err := s.UpdateContact(ctx, d.actor, d.ws, ids[0], sb.UpdateContactInput{Tags: &other}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TagContacts(ctx, d.actor, d.ws, sb.TagContactsInput{ContactIDs: ids[1:4], Remove: []string{"lead"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TagContacts(ctx, d.actor, d.ws, sb.TagContactsInput{ContactIDs: ids[4:5], Add: []string{"lead", "other"}}); err != nil {
			t.Fatal(err)
		}
		keep := []string{"lead", "other"}
		if _, err := s.UpdateContact(ctx, d.actor, d.ws, ids[5], sb.UpdateContactInput{Tags: &keep}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteContact(ctx, d.actor, d.ws, ids[6]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateContact(ctx, d.actor, d.ws, sb.ContactInput{Phone: "+14156669999", Tags: []string{"lead"}}); err != nil {
			t.Fatal(err)
		}
		check("after edits")

		// A second import meets the first one's contacts (and the edited ones).
		rows = rows[:0]
		for i := 0; i < 40; i += 3 {
			rows = append(rows, fmt.Sprintf("+1415666%04d,%s", i, []string{"", "vip", "other"}[i%5%3]))
		}
		rows = append(rows, "+14156669999,vip")
		importCSV("lead,second", rows)
		check("after the second import")

		if _, err := s.TagContacts(ctx, d.actor, d.ws, sb.TagContactsInput{ContactIDs: ids[9:12], Remove: []string{"second", "lead"}}); err != nil {
			t.Fatal(err)
		}
		check("after removing both import tags")

		// The campaign snapshots the contacts tagged "lead".
		lead := "lead"
		if _, err := s.UpdateCampaign(ctx, d.actor, d.ws, d.campaign, sb.CampaignInput{ContactTag: &lead}); err != nil {
			t.Fatal(err)
		}
		c := d.act(t, sb.CampaignStart)
		var want []string
		for _, c := range all() {
			if slices.Contains(c.Tags, "lead") {
				want = append(want, c.ID)
			}
		}
		var got []string
		for _, a := range d.attempts(t, "") {
			got = append(got, a.ContactID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || c.Progress.Audience != int64(len(want)) {
			t.Fatalf("attempts for %v (audience %d), want %v", got, c.Progress.Audience, want)
		}
	})
}
