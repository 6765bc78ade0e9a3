package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const contactColumns = `id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call, tags`

func scanContact(sc interface{ Scan(...any) error }) (*sb.Contact, error) {
	var c sb.Contact
	var created, updated, dnc int64
	var tags string
	if err := sc.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Phone, &c.Email, &c.Company, &created, &updated, &dnc, &tags); err != nil {
		return nil, err
	}
	c.DoNotCall = dnc != 0
	c.CreatedAt, c.UpdatedAt = toTime(created), toTime(updated)
	var err error
	c.Tags, err = parseTags(tags)
	return &c, err
}

// A contact's tags are stored in its row (contacts.tags), as a JSON array in
// byte order, which every read returns; contact_tags, keyed (workspace_id, tag,
// contact_id), is only the index of the tag filter. The store writes both in the
// same transaction.

// tagsJSON is the stored form of a contact's tags: a JSON array, sorted, no repeats.
func tagsJSON(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	sorted := slices.Clone(tags)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	b, _ := json.Marshal(sorted)
	return string(b)
}

// parseTags reads the stored form of a contact's tags.
func parseTags(s string) ([]string, error) {
	out := []string{}
	if s == "" || s == "[]" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("store: contact tags %q: %w", s, err)
	}
	return out, nil
}

// unionTags is the tags of a and those of b that a lacks, sorted.
func unionTags(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// ListContacts lists a workspace's contacts by id, optionally those with a tag or
// matching a search (case-insensitive substring of name, phone, email, company).
func (s *Store) ListContacts(ctx context.Context, actor sb.Actor, workspaceID string, f sb.ContactFilter) ([]sb.Contact, string, error) {
	var out []sb.Contact
	var next string
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		limit := f.Page.Bounded().Limit
		q := `SELECT ` + contactColumns + ` FROM contacts WHERE workspace_id = ? AND id > ?`
		args := []any{w.ID, f.Cursor}
		if tag := strings.TrimSpace(f.Tag); tag != "" {
			// Without a search, the page is keyset-paged on the tag's indexes
			// themselves (taggedIDs), so that it costs the same on a tag of a
			// million contacts as on one of ten.
			if strings.TrimSpace(f.Q) == "" {
				ids, err := t.taggedIDs(ctx, w.ID, tag, f.Cursor, limit+1)
				if err != nil || len(ids) == 0 {
					return err
				}
				q += ` AND id IN (` + placeholders(len(ids)) + `)`
				for _, id := range ids {
					args = append(args, id)
				}
			} else {
				q += ` AND ` + taggedCond("contacts")
				args = append(args, w.ID, tag, w.ID, tag)
			}
		}
		if search := strings.TrimSpace(f.Q); search != "" {
			like := "%" + escapeLike(strings.ToLower(search)) + "%"
			q += ` AND (LOWER(first_name) LIKE ? ESCAPE '\' OR LOWER(last_name) LIKE ? ESCAPE '\'
				OR LOWER(first_name || ' ' || last_name) LIKE ? ESCAPE '\' OR phone LIKE ? ESCAPE '\'
				OR LOWER(email) LIKE ? ESCAPE '\' OR LOWER(company) LIKE ? ESCAPE '\')`
			args = append(args, like, like, like, like, like, like)
		}
		q += ` ORDER BY id LIMIT ` + itoa(int64(limit+1))
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanContact(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(out) > limit {
			out = out[:limit]
			next = out[limit-1].ID
		}
		return nil
	})
	if out == nil {
		out = []sb.Contact{}
	}
	return out, next, err
}

// escapeLike escapes LIKE's wildcards and its escape character.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (t *tx) contact(ctx context.Context, workspaceID, id string) (*sb.Contact, error) {
	c, err := scanContact(t.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE workspace_id = ? AND id = ?`, workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Contact")
	}
	return c, err
}

// phoneTaken answers conflict when another contact of the workspace has the phone.
func (t *tx) phoneTaken(ctx context.Context, workspaceID, phone, exceptID string) error {
	var id string
	err := t.queryRow(ctx, `SELECT id FROM contacts WHERE workspace_id = ? AND phone = ? AND id <> ?`, workspaceID, phone, exceptID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return sb.Errorf(sb.ECodeConflict, "The contact %s already has the phone number %s; edit that contact instead.", id, phone)
}

func phoneConflict(err error, phone string) error {
	if isUniqueViolation(err) {
		return sb.Errorf(sb.ECodeConflict, "Another contact already has the phone number %s; edit that contact instead.", phone)
	}
	return err
}

// CreateContact adds a contact.
func (s *Store) CreateContact(ctx context.Context, actor sb.Actor, workspaceID string, in sb.ContactInput) (*sb.Contact, error) {
	var out *sb.Contact
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			return err
		}
		if err := t.phoneTaken(ctx, w.ID, in.Phone, ""); err != nil {
			return err
		}
		c := &sb.Contact{ID: secret.NewID("con", t.now), FirstName: in.FirstName, LastName: in.LastName, Phone: in.Phone,
			Email: in.Email, Company: in.Company, Tags: in.Tags, CreatedAt: t.now, UpdatedAt: t.now}
		if _, err := t.exec(ctx, `INSERT INTO contacts (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call, tags)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, w.ID, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, t.now.UnixMicro(), t.now.UnixMicro(), boolInt(in.DoNotCall), tagsJSON(c.Tags)); err != nil {
			return phoneConflict(err, c.Phone)
		}
		if err := t.indexTags(ctx, w.ID, map[string][]string{c.ID: c.Tags}); err != nil {
			return err
		}
		if out, err = t.contact(ctx, w.ID, c.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "contact.created", c.ID, map[string]any{"phone": c.Phone, "tags": c.Tags})
	})
	return out, err
}

// GetContact returns one contact.
func (s *Store) GetContact(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.Contact, error) {
	var out *sb.Contact
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		out, err = t.contact(ctx, w.ID, id)
		return err
	})
	return out, err
}

// UpdateContact changes a contact; tags, when given, replace its tags.
func (s *Store) UpdateContact(ctx context.Context, actor sb.Actor, workspaceID, id string, in sb.UpdateContactInput) (*sb.Contact, error) {
	var out *sb.Contact
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		c, err := t.contact(ctx, w.ID, id)
		if err != nil {
			return err
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			return err
		}
		oldTags := c.Tags
		in.Apply(c)
		if in.Phone != nil {
			if err := t.phoneTaken(ctx, w.ID, c.Phone, c.ID); err != nil {
				return err
			}
		}
		tags := oldTags
		if in.Tags != nil {
			tags = unionTags(nil, *in.Tags)
		}
		if _, err := t.exec(ctx, `UPDATE contacts SET first_name = ?, last_name = ?, phone = ?, email = ?, company = ?, updated_at = ?, do_not_call = ?, tags = ?
			WHERE workspace_id = ? AND id = ?`, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, t.now.UnixMicro(), boolInt(c.DoNotCall), tagsJSON(tags), w.ID, c.ID); err != nil {
			return phoneConflict(err, c.Phone)
		}
		if in.Tags != nil {
			if err := t.leaveTagRuns(ctx, w.ID, []string{c.ID}); err != nil {
				return err
			}
			if err := t.unindexTags(ctx, w.ID, map[string][]string{c.ID: oldTags}); err != nil {
				return err
			}
			if err := t.indexTags(ctx, w.ID, map[string][]string{c.ID: tags}); err != nil {
				return err
			}
		}
		if out, err = t.contact(ctx, w.ID, c.ID); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "contact.updated", c.ID, map[string]any{"fields": in.ChangedFields()})
	})
	return out, err
}

// DeleteContact removes a contact and its tags.
func (s *Store) DeleteContact(ctx context.Context, actor sb.Actor, workspaceID, id string) error {
	return s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		var phone, tagList string
		var run sql.NullString
		if err := t.queryRow(ctx, `SELECT phone, tags, tag_run FROM contacts WHERE workspace_id = ? AND id = ?`, w.ID, id).Scan(&phone, &tagList, &run); errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Contact")
		} else if err != nil {
			return err
		}
		tags, err := parseTags(tagList)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM contacts WHERE workspace_id = ? AND id = ?`, w.ID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.NotFound("Contact")
		}
		if run.Valid { // its runs count one member fewer
			if _, err := t.leftTagRun(ctx, w.ID, run.String, 1); err != nil {
				return err
			}
		}
		if err := t.unindexTags(ctx, w.ID, map[string][]string{id: tags}); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "contact.deleted", id, map[string]any{"phone": phone})
	})
}

// TagContacts adds and removes tags on contacts of the workspace; ids of other
// workspaces or of no contact are skipped. It returns how many contacts it found.
func (s *Store) TagContacts(ctx context.Context, actor sb.Actor, workspaceID string, in sb.TagContactsInput) (int, error) {
	var n int
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		in.Normalize()
		if err := in.Validate(); err != nil {
			return err
		}
		ids := sb.NormalizeTags(in.ContactIDs) // trims and drops repeats
		args := []any{w.ID}
		for _, id := range ids {
			args = append(args, id)
		}
		rows, err := t.query(ctx, `SELECT id, tags FROM contacts WHERE workspace_id = ? AND id IN (`+placeholders(len(ids))+`) ORDER BY id`, args...)
		if err != nil {
			return err
		}
		var found []string
		had := map[string][]string{}
		for rows.Next() {
			var id, tags string
			if err := rows.Scan(&id, &tags); err != nil {
				rows.Close()
				return err
			}
			found = append(found, id)
			if had[id], err = parseTags(tags); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(found)
		if n == 0 {
			return nil
		}
		// Added first, then removed: a tag in both ends up removed.
		added, removed := map[string][]string{}, map[string][]string{}
		for _, id := range found {
			tags := unionTags(had[id], in.Add)
			tags = slices.DeleteFunc(tags, func(tag string) bool { return slices.Contains(in.Remove, tag) })
			for _, tag := range tags {
				if !slices.Contains(had[id], tag) {
					added[id] = append(added[id], tag)
				}
			}
			for _, tag := range had[id] {
				if !slices.Contains(tags, tag) {
					removed[id] = append(removed[id], tag)
				}
			}
			if _, err := t.exec(ctx, `UPDATE contacts SET tags = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`, tagsJSON(tags), t.now.UnixMicro(), w.ID, id); err != nil {
				return err
			}
		}
		// The contacts' rows first, then their runs: the lock order of imports.
		if err := t.leaveTagRuns(ctx, w.ID, found); err != nil {
			return err
		}
		if err := t.unindexTags(ctx, w.ID, removed); err != nil {
			return err
		}
		if err := t.indexTags(ctx, w.ID, added); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "contacts.tagged", "", map[string]any{"contacts": n, "added": in.Add, "removed": in.Remove})
	})
	return n, err
}

// indexTags adds contacts' tags (by contact id) to the tag filter's index,
// contact_tags; entries already there are kept.
func (t *tx) indexTags(ctx context.Context, workspaceID string, tags map[string][]string) error {
	const perStmt = 500
	args := make([]any, 0, perStmt*3)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / 3
		_, err := t.exec(ctx, `INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES `+rowsOf(n, 3)+` ON CONFLICT DO NOTHING`, args...)
		args = args[:0]
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(tags)) {
		for _, tag := range tags[id] {
			args = append(args, workspaceID, tag, id)
			if len(args) >= perStmt*3 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// unindexTags removes contacts' tags (by contact id) from contact_tags.
func (t *tx) unindexTags(ctx context.Context, workspaceID string, tags map[string][]string) error {
	for _, id := range slices.Sorted(maps.Keys(tags)) {
		if len(tags[id]) == 0 {
			continue
		}
		args := []any{workspaceID, id}
		for _, tag := range tags[id] {
			args = append(args, tag)
		}
		if _, err := t.exec(ctx, `DELETE FROM contact_tags WHERE workspace_id = ? AND contact_id = ? AND tag IN (`+placeholders(len(tags[id]))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// rowsOf returns "(?, ?), (?, ?)" for n rows of k values.
func rowsOf(n, k int) string {
	one := "(" + placeholders(k) + ")"
	var b strings.Builder
	b.Grow(n * (len(one) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}
