package store

import (
	"context"
	"encoding/json"

	"github.com/switchboard/switchboard/internal/mail"
)

// The --dev mail catcher's keeper (mail.Keeper): caught mail lives in the
// database, so that /dev/mail on any replica shows what every replica's catcher
// caught, and a restart loses none of it.

// devMailKept is how many caught messages are kept.
const devMailKept = 500

// KeepCaughtMail stores a caught message and drops the oldest beyond devMailKept.
func (s *Store) KeepCaughtMail(ctx context.Context, m mail.Caught) error {
	to, err := json.Marshal(m.To)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *tx) error {
		var id int64
		if err := t.queryRow(ctx, `INSERT INTO dev_mail (caught_at, mail_from, mail_to, subject, text_body, html_body, raw)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			m.At.UnixMicro(), m.From, string(to), m.Subject, m.Text, m.HTML, m.Raw).Scan(&id); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM dev_mail WHERE id <= ?`, id-devMailKept)
		return err
	})
}

// RecentCaughtMail returns up to n caught messages, newest first.
func (s *Store) RecentCaughtMail(ctx context.Context, n int) ([]mail.Caught, error) {
	var out []mail.Caught
	err := s.view(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, caught_at, mail_from, mail_to, subject, text_body, html_body, raw
			FROM dev_mail ORDER BY id DESC LIMIT ?`, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m mail.Caught
			var at int64
			var to string
			if err := rows.Scan(&m.ID, &at, &m.From, &to, &m.Subject, &m.Text, &m.HTML, &m.Raw); err != nil {
				return err
			}
			m.At = toTime(at)
			if err := json.Unmarshal([]byte(to), &m.To); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}
