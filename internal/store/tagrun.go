package store

import (
	"context"
	"maps"
	"slices"
)

// Tag runs (migration 020, docs/architecture.md "CSV import"). An import's own
// tags, which every contact it creates gets, are not written to contact_tags once
// per contact: the contacts it creates name it in contacts.tag_run, and
// contact_tag_runs has one row per tag of the import with the span of their ids
// and their number. A contact carries a tag when contact_tags has the entry or
// when it belongs to a run of the tag, never both: a member whose tags change (or
// that is deleted) first leaves its run (leaveTagRuns), which turns its run tags
// into contact_tags entries.

// taggedCond is the condition "the contact alias carries the tag"; its arguments
// are the workspace and the tag, twice.
func taggedCond(alias string) string {
	return `(` + alias + `.id IN (SELECT contact_id FROM contact_tags WHERE workspace_id = ? AND tag = ?)
		OR ` + alias + `.tag_run IN (SELECT import_id FROM contact_tag_runs WHERE workspace_id = ? AND tag = ? AND members > 0))`
}

// tagRun is the part of a tag's audience that one import created.
type tagRun struct {
	importID, first, last string
	members               int64
}

// tagRuns returns the runs of a tag that have members, by their first id.
func (t *tx) tagRuns(ctx context.Context, workspaceID, tag string) ([]tagRun, error) {
	return queryAll(ctx, t, func(sc scanner) (*tagRun, error) {
		var r tagRun
		return &r, sc.Scan(&r.importID, &r.first, &r.last, &r.members)
	}, `SELECT import_id, first_id, last_id, members FROM contact_tag_runs
		WHERE workspace_id = ? AND tag = ? AND members > 0 ORDER BY first_id`, workspaceID, tag)
}

// taggedCount counts the workspace's contacts that carry the tag: its entries
// and its runs' members.
func (t *tx) taggedCount(ctx context.Context, workspaceID, tag string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM contact_tags WHERE workspace_id = ? AND tag = ?)
		+ (SELECT COALESCE(SUM(members), 0) FROM contact_tag_runs WHERE workspace_id = ? AND tag = ?)`,
		workspaceID, tag, workspaceID, tag).Scan(&n)
	return n, err
}

// taggedIDs returns the ids of the first n contacts after cursor, in id order,
// that carry the tag: the page of its contact_tags entries merged with the members
// of its runs, each read by keyset from its own index (a run's members from the
// span of contacts' primary key it covers). A run that starts after the n-th id
// found cannot add to the page and is not read.
func (t *tx) taggedIDs(ctx context.Context, workspaceID, tag, cursor string, n int) ([]string, error) {
	ids, err := t.idsOf(ctx, `SELECT contact_id FROM contact_tags WHERE workspace_id = ? AND tag = ? AND contact_id > ?
		ORDER BY contact_id LIMIT `+itoa(int64(n)), workspaceID, tag, cursor)
	if err != nil {
		return nil, err
	}
	runs, err := t.tagRuns(ctx, workspaceID, tag)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		if r.last <= cursor {
			continue
		}
		if len(ids) >= n && r.first > ids[n-1] {
			break
		}
		got, err := t.idsOf(ctx, `SELECT id FROM contacts WHERE workspace_id = ? AND id >= ? AND id <= ? AND id > ? AND tag_run = ?
			ORDER BY id LIMIT `+itoa(int64(n)), workspaceID, r.first, r.last, cursor, r.importID)
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		ids = ids[:min(len(ids), n)]
	}
	return ids, nil
}

// idsOf returns the one text column of q's rows.
func (t *tx) idsOf(ctx context.Context, q string, args ...any) ([]string, error) {
	return queryAll(ctx, t, func(sc scanner) (*string, error) {
		var id string
		return &id, sc.Scan(&id)
	}, q, args...)
}

// leaveTagRuns takes the given contacts out of their tag runs when their tags
// change (after their rows are written: contacts, then runs, is the lock order of
// imports too): each member's run tags become contact_tags entries and its runs
// count one member fewer. A statement per run the members come from, not per
// member: bulk tagging an import's contacts is the common case.
func (t *tx) leaveTagRuns(ctx context.Context, workspaceID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{workspaceID}
	for _, id := range ids {
		args = append(args, id)
	}
	type member struct{ id, run string }
	members, err := queryAll(ctx, t, func(sc scanner) (*member, error) {
		var m member
		return &m, sc.Scan(&m.id, &m.run)
	}, `SELECT id, tag_run FROM contacts WHERE workspace_id = ? AND id IN (`+placeholders(len(ids))+`)
		AND tag_run IS NOT NULL ORDER BY id`, args...)
	if err != nil || len(members) == 0 {
		return err
	}
	byRun := map[string][]string{}
	for _, m := range members {
		byRun[m.run] = append(byRun[m.run], m.id)
	}
	entries := map[string][]string{}
	for _, run := range slices.Sorted(maps.Keys(byRun)) {
		tags, err := t.leftTagRun(ctx, workspaceID, run, len(byRun[run]))
		if err != nil {
			return err
		}
		for _, id := range byRun[run] {
			entries[id] = tags
		}
	}
	if err := t.indexTags(ctx, workspaceID, entries); err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE contacts SET tag_run = NULL WHERE workspace_id = ? AND id IN (`+placeholders(len(ids))+`) AND tag_run IS NOT NULL`, args...)
	return err
}

// leftTagRun counts n members fewer in the runs of an import, and returns their
// tags.
func (t *tx) leftTagRun(ctx context.Context, workspaceID, importID string, n int) ([]string, error) {
	return t.idsOf(ctx, `UPDATE contact_tag_runs SET members = members - ? WHERE workspace_id = ? AND import_id = ? RETURNING tag`,
		n, workspaceID, importID)
}

// extendTagRuns records that an import created count contacts of ids from first
// to last, members of its runs of tags: each run is made or widened.
func (t *tx) extendTagRuns(ctx context.Context, workspaceID, importID string, tags []string, first, last string, count int64) error {
	if count == 0 {
		return nil
	}
	for _, tag := range tags {
		if _, err := t.exec(ctx, `INSERT INTO contact_tag_runs (workspace_id, import_id, tag, first_id, last_id, members) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, import_id, tag) DO UPDATE SET members = contact_tag_runs.members + excluded.members,
				first_id = CASE WHEN excluded.first_id < contact_tag_runs.first_id THEN excluded.first_id ELSE contact_tag_runs.first_id END,
				last_id = CASE WHEN excluded.last_id > contact_tag_runs.last_id THEN excluded.last_id ELSE contact_tag_runs.last_id END`,
			workspaceID, importID, tag, first, last, count); err != nil {
			return err
		}
	}
	return nil
}
