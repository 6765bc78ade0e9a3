package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ResetPrefix marks password-reset tokens.
const ResetPrefix = "sbp_"

// Rate limits of password-reset requests, shared by every replica (rate_events).
const (
	resetWindow      = time.Hour
	resetPerEmail    = 5
	resetPerAddress  = 100
	sessionTouchSkip = time.Minute // how often a session's last use is written
)

// touchSession records a session's last use, at most once a minute, and reports
// whether it was due.
func (s *Store) touchSession(ctx context.Context, hash string, lastUsed int64, now time.Time) bool {
	if now.Sub(toTime(lastUsed)) < sessionTouchSkip {
		return false
	}
	if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE sessions SET last_used_at = ? WHERE token_hash = ? AND last_used_at < ?`),
		now.UnixMicro(), hash, now.Add(-sessionTouchSkip).UnixMicro()); err != nil {
		s.cfg.Logger.Warn("record session use", "err", err)
	}
	return true
}

// rateLimit counts one event in bucket and refuses when limit events already fell
// in the window. It runs in the caller's transaction, so replicas share the count.
func (t *tx) rateLimit(ctx context.Context, bucket string, limit int, window time.Duration, what string) error {
	since := t.now.Add(-window).UnixMicro()
	if _, err := t.exec(ctx, `DELETE FROM rate_events WHERE bucket = ? AND at <= ?`, bucket, since); err != nil {
		return err
	}
	var n int
	var oldest sql.NullInt64
	if err := t.queryRow(ctx, `SELECT COUNT(*), MIN(at) FROM rate_events WHERE bucket = ? AND at > ?`, bucket, since).Scan(&n, &oldest); err != nil {
		return err
	}
	if n >= limit {
		wait := toTime(oldest.Int64).Add(window).Sub(t.now)
		secs := max(int(wait/time.Second)+1, 1)
		return &sb.Error{Code: sb.ECodeRateLimited, RetryAfter: secs,
			Message: fmt.Sprintf("Too many %s; wait %d seconds and try again.", what, secs)}
	}
	_, err := t.exec(ctx, `INSERT INTO rate_events (bucket, at) VALUES (?, ?)`, bucket, t.now.UnixMicro())
	return err
}

// RequestPasswordReset mails a reset link to a known email; an unknown one gets the
// same answer and no mail. Requests are limited per email and per client address.
func (s *Store) RequestPasswordReset(ctx context.Context, client sb.Client, in sb.PasswordResetInput) error {
	in.Email = strings.TrimSpace(in.Email)
	if err := sb.ValidateEmail(in.Email); err != nil {
		var v sb.Validation
		v.Add("body.email", "%s", sb.ErrorMessage(err))
		return v.Err()
	}
	key := sb.EmailKey(in.Email)
	var limited error
	err := s.update(ctx, func(t *tx) error {
		limited = nil
		if client.IP != "" {
			if err := t.rateLimit(ctx, "reset:ip:"+client.IP, resetPerAddress, resetWindow, "password-reset requests from this address"); err != nil {
				limited = err
				return nil // the refusal is recorded: commit the cleanup, change nothing else
			}
		}
		if err := t.rateLimit(ctx, "reset:email:"+key, resetPerEmail, resetWindow, "password-reset requests for this email address"); err != nil {
			limited = err
			return nil
		}
		var userID, email, name string
		err := t.queryRow(ctx, `SELECT id, email, name FROM users WHERE email_key = ?`, key).Scan(&userID, &email, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		token := secret.Token(ResetPrefix)
		expires := t.now.Add(sb.PasswordResetTTL)
		if _, err := t.exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			secret.HashToken(token), userID, t.now.UnixMicro(), expires.UnixMicro()); err != nil {
			return err
		}
		return t.queueSystemMail(ctx, "password_reset", resetEmail(email, name, t.s.cfg.BaseURL+"/reset/"+token, expires))
	})
	if err != nil {
		return err
	}
	return limited
}

func resetEmail(to, name, link string, expires time.Time) sb.Email {
	return sb.Email{
		To:      to,
		Subject: "Reset your Switchboard password",
		Text: fmt.Sprintf(`Hello %s,

Someone asked to reset the password of your Switchboard account. To choose a new
password, open this link:

%s

The link works once and expires on %s. Every session of your account ends when
the new password is set.

If you did not ask for this, you can ignore this email: your password stays as it is.
`, name, link, expires.UTC().Format("Monday 2 January 2006 at 15:04 UTC")),
	}
}

// resetState finds a reset token: not_found when unknown, reset_used or
// reset_expired when it no longer works.
func (t *tx) resetState(ctx context.Context, token string, lock bool) (userID string, err error) {
	q := `SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?`
	if lock {
		q += t.forUpdate()
	}
	var expires int64
	var used sql.NullInt64
	err = t.queryRow(ctx, q, secret.HashToken(token)).Scan(&userID, &expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", sb.Errorf(sb.ECodeNotFound, "This password-reset link is not known. Ask for a new one.")
	case err != nil:
		return "", err
	case used.Valid:
		return "", sb.Errorf(sb.ECodeResetUsed, "This password-reset link was already used. Ask for a new one if you need to.")
	case !t.now.Before(toTime(expires)):
		return "", sb.Errorf(sb.ECodeResetExpired, "This password-reset link has expired (links work for an hour). Ask for a new one.")
	}
	return userID, nil
}

// CheckPasswordReset tells whether a reset token still works, without using it.
func (s *Store) CheckPasswordReset(ctx context.Context, token string) error {
	return s.view(ctx, func(t *tx) error {
		_, err := t.resetState(ctx, token, false)
		return err
	})
}

// ConfirmPasswordReset uses a reset token once: the new password is set, every
// session of the user ends and no other reset link of theirs works any more.
func (s *Store) ConfirmPasswordReset(ctx context.Context, in sb.ResetConfirmInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	hash, err := secret.HashPassword(s.cfg.Password, in.Password)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *tx) error {
		userID, err := t.resetState(ctx, in.Token, true)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, t.now.UnixMicro(), secret.HashToken(in.Token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.Errorf(sb.ECodeResetUsed, "This password-reset link was already used. Ask for a new one if you need to.")
		}
		if _, err := t.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, t.now.UnixMicro(), userID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		_, err = t.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

// personOnly refuses API keys and the operator: a person's own account is theirs,
// through a session.
func personOnly(actor sb.Actor) error {
	if actor.IsAPIKey() || actor.UserID == "" || actor.SessionID == "" {
		return sb.Errorf(sb.ECodeForbidden, "Only a person signed in with a session can do this, not an API key.")
	}
	return nil
}

// ChangePassword checks the current password, sets the new one and ends every
// other session of the person.
func (s *Store) ChangePassword(ctx context.Context, actor sb.Actor, in sb.PasswordChangeInput) error {
	if err := personOnly(actor); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	var current string
	if err := s.view(ctx, func(t *tx) error {
		return t.queryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, actor.UserID).Scan(&current)
	}); err != nil {
		return err
	}
	ok, err := secret.CheckPassword(current, in.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return sb.Errorf(sb.ECodeInvalidCredentials, "The current password is not right.")
	}
	hash, err := secret.HashPassword(s.cfg.Password, in.NewPassword)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *tx) error {
		// Only if the password did not change meanwhile (checked against what was read).
		res, err := t.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, hash, actor.UserID, current)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.Errorf(sb.ECodeConflict, "The password was changed meanwhile; log in again and retry.")
		}
		_, err = t.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, actor.UserID, actor.SessionID)
		return err
	})
}

// Rename changes the person's display name.
func (s *Store) Rename(ctx context.Context, actor sb.Actor, in sb.NameInput) (*sb.User, error) {
	if err := personOnly(actor); err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var u sb.User
	err := s.update(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `UPDATE users SET name = ? WHERE id = ?`, in.Name, actor.UserID); err != nil {
			return err
		}
		var created int64
		if err := t.queryRow(ctx, `SELECT id, email, name, created_at FROM users WHERE id = ?`, actor.UserID).Scan(&u.ID, &u.Email, &u.Name, &created); err != nil {
			return err
		}
		u.CreatedAt = toTime(created)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ListSessions lists the person's live sessions, newest first.
func (s *Store) ListSessions(ctx context.Context, actor sb.Actor) ([]sb.Session, error) {
	if err := personOnly(actor); err != nil {
		return nil, err
	}
	out := []sb.Session{}
	err := s.view(ctx, func(t *tx) error {
		out = out[:0]
		rows, err := t.query(ctx, `SELECT id, token_hash, created_at, last_used_at, user_agent, ip FROM sessions
			WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 200`, actor.UserID, t.now.UnixMicro())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ss sb.Session
			var hash string
			var created, used int64
			if err := rows.Scan(&ss.ID, &hash, &created, &used, &ss.UserAgent, &ss.IP); err != nil {
				return err
			}
			ss.CreatedAt, ss.LastUsedAt, ss.Current = toTime(created), toTime(used), hash == actor.SessionID
			out = append(out, ss)
		}
		return rows.Err()
	})
	return out, err
}

// EndSession ends one of the person's own sessions; another's is not found.
func (s *Store) EndSession(ctx context.Context, actor sb.Actor, id string) error {
	if err := personOnly(actor); err != nil {
		return err
	}
	return s.update(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, actor.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.NotFound("Session")
		}
		return nil
	})
}

var _ sb.PeopleService = (*Store)(nil)
var _ sb.BrandService = (*Store)(nil)
