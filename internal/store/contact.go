package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const contactColumns = `id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call`

func scanContact(sc interface{ Scan(...any) error }) (*sb.Contact, error) {
	var c sb.Contact
	var created, updated, dnc int64
	if err := sc.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Phone, &c.Email, &c.Company, &created, &updated, &dnc); err != nil {
		return nil, err
	}
	c.DoNotCall = dnc != 0
	c.CreatedAt, c.UpdatedAt = toTime(created), toTime(updated)
	c.Tags = []string{}
	return &c, nil
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
			// Without a search, the page is keyset-paged on the tag index itself, so
			// that it costs the same on a tag of a million contacts as on one of ten.
			if strings.TrimSpace(f.Q) == "" {
				q += ` AND id IN (SELECT contact_id FROM contact_tags WHERE workspace_id = ? AND tag = ? AND contact_id > ? ORDER BY contact_id LIMIT ` + itoa(int64(limit+1)) + `)`
				args = append(args, w.ID, tag, f.Cursor)
			} else {
				q += ` AND id IN (SELECT contact_id FROM contact_tags WHERE workspace_id = ? AND tag = ?)`
				args = append(args, w.ID, tag)
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
		return t.loadTags(ctx, w.ID, out)
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

// loadTags fills the tags of contacts.
func (t *tx) loadTags(ctx context.Context, workspaceID string, cs []sb.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*sb.Contact, len(cs))
	args := []any{workspaceID}
	for i := range cs {
		byID[cs[i].ID] = &cs[i]
		args = append(args, cs[i].ID)
	}
	rows, err := t.query(ctx, `SELECT contact_id, tag FROM contact_tags WHERE workspace_id = ? AND contact_id IN (`+placeholders(len(cs))+`) ORDER BY tag`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		if c := byID[id]; c != nil {
			c.Tags = append(c.Tags, tag)
		}
	}
	return rows.Err()
}

func (t *tx) contact(ctx context.Context, workspaceID, id string) (*sb.Contact, error) {
	c, err := scanContact(t.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE workspace_id = ? AND id = ?`, workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Contact")
	}
	if err != nil {
		return nil, err
	}
	cs := []sb.Contact{*c}
	if err := t.loadTags(ctx, workspaceID, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
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
		if _, err := t.exec(ctx, `INSERT INTO contacts (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, do_not_call)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, w.ID, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, t.now.UnixMicro(), t.now.UnixMicro(), boolInt(in.DoNotCall)); err != nil {
			return phoneConflict(err, c.Phone)
		}
		if err := t.addTags(ctx, w.ID, []string{c.ID}, c.Tags); err != nil {
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
		in.Apply(c)
		if in.Phone != nil {
			if err := t.phoneTaken(ctx, w.ID, c.Phone, c.ID); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE contacts SET first_name = ?, last_name = ?, phone = ?, email = ?, company = ?, updated_at = ?, do_not_call = ?
			WHERE workspace_id = ? AND id = ?`, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, t.now.UnixMicro(), boolInt(c.DoNotCall), w.ID, c.ID); err != nil {
			return phoneConflict(err, c.Phone)
		}
		if in.Tags != nil {
			if _, err := t.exec(ctx, `DELETE FROM contact_tags WHERE workspace_id = ? AND contact_id = ?`, w.ID, c.ID); err != nil {
				return err
			}
			if err := t.addTags(ctx, w.ID, []string{c.ID}, *in.Tags); err != nil {
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
		var phone string
		if err := t.queryRow(ctx, `SELECT phone FROM contacts WHERE workspace_id = ? AND id = ?`, w.ID, id).Scan(&phone); errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Contact")
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM contact_tags WHERE workspace_id = ? AND contact_id = ?`, w.ID, id); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM contacts WHERE workspace_id = ? AND id = ?`, w.ID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.NotFound("Contact")
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
		rows, err := t.query(ctx, `SELECT id FROM contacts WHERE workspace_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return err
		}
		var found []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found = append(found, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(found)
		if n == 0 {
			return nil
		}
		if err := t.addTags(ctx, w.ID, found, in.Add); err != nil {
			return err
		}
		if len(in.Remove) > 0 {
			rargs := []any{w.ID}
			for _, id := range found {
				rargs = append(rargs, id)
			}
			for _, tag := range in.Remove {
				rargs = append(rargs, tag)
			}
			if _, err := t.exec(ctx, `DELETE FROM contact_tags WHERE workspace_id = ? AND contact_id IN (`+placeholders(len(found))+`) AND tag IN (`+placeholders(len(in.Remove))+`)`, rargs...); err != nil {
				return err
			}
		}
		uargs := []any{t.now.UnixMicro(), w.ID}
		for _, id := range found {
			uargs = append(uargs, id)
		}
		if _, err := t.exec(ctx, `UPDATE contacts SET updated_at = ? WHERE workspace_id = ? AND id IN (`+placeholders(len(found))+`)`, uargs...); err != nil {
			return err
		}
		return t.audit(ctx, actor, w.ID, w.AccountID, "contacts.tagged", "", map[string]any{"contacts": n, "added": in.Add, "removed": in.Remove})
	})
	return n, err
}

// addTags gives every contact every tag (already present ones are kept).
func (t *tx) addTags(ctx context.Context, workspaceID string, contactIDs, tags []string) error {
	if len(contactIDs) == 0 || len(tags) == 0 {
		return nil
	}
	const perStmt = 500
	args := make([]any, 0, perStmt*3)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / 3
		_, err := t.exec(ctx, `INSERT INTO contact_tags (workspace_id, contact_id, tag) VALUES `+rowsOf(n, 3)+` ON CONFLICT DO NOTHING`, args...)
		args = args[:0]
		return err
	}
	for _, id := range contactIDs {
		for _, tag := range tags {
			args = append(args, workspaceID, id, tag)
			if len(args) >= perStmt*3 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
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
