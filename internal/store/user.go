package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Token prefixes make leaked credentials recognisable to secret scanners.
const (
	SessionPrefix = "sbs_"
	APIKeyPrefix  = "sbk_"
)

// dummyHash returns a hash, made once with the store's own parameters, to check
// against when a log-in names an unknown email, so that both
// failures take the same time.
func (s *Store) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = secret.HashPassword(s.cfg.Password, "switchboard-dummy-password")
	})
	return s.dummy
}

// SignUp creates a user and a session. Without an invitation token it also creates
// an account on the default plan and its first simple workspace, owned by the user;
// with one it accepts the invitation instead.
func (s *Store) SignUp(ctx context.Context, in sb.SignUpInput) (*sb.User, string, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, "", err
	}
	var hash string
	var err error
	if herr := s.hashing(ctx, func() { hash, err = secret.HashPassword(s.cfg.Password, in.Password) }); herr != nil {
		return nil, "", herr
	}
	if err != nil {
		return nil, "", err
	}
	var user *sb.User
	var token string
	err = s.update(ctx, func(t *tx) error {
		if in.InvitationToken != "" {
			// The invitation decides the email: check it before creating anything.
			if err := t.checkInvitationForSignUp(ctx, in.InvitationToken, in.Email); err != nil {
				return err
			}
		}
		user = &sb.User{ID: secret.NewID("usr", t.now), Email: in.Email, Name: in.Name, CreatedAt: t.now}
		_, err := t.exec(ctx, `INSERT INTO users (id, email, email_key, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			user.ID, user.Email, sb.EmailKey(user.Email), user.Name, hash, t.now.UnixMicro())
		if isUniqueViolation(err) {
			return sb.Errorf(sb.ECodeEmailTaken, "An account with this email address already exists; log in instead.")
		}
		if err != nil {
			return err
		}
		actor := sb.Actor{UserID: user.ID, Email: user.Email}
		if in.InvitationToken != "" {
			if _, err := t.acceptInvitation(ctx, actor, in.InvitationToken); err != nil {
				return err
			}
		} else if err := t.createAccount(ctx, user); err != nil {
			return err
		}
		token, err = t.createSession(ctx, user.ID, in.Client)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return user, token, nil
}

// createAccount makes a new user's account and first simple workspace.
func (t *tx) createAccount(ctx context.Context, user *sb.User) error {
	accountID := secret.NewID("acc", t.now)
	if _, err := t.exec(ctx, `INSERT INTO accounts (id, name, owner_id, plan, balance_seconds, created_at) VALUES (?, ?, ?, ?, 0, ?)`,
		accountID, user.Name, user.ID, t.s.cfg.DefaultPlan, t.now.UnixMicro()); err != nil {
		return err
	}
	name := user.Name
	if utf8.RuneCountInString(name) > 88 {
		name = string([]rune(name)[:88])
	}
	ws := &wsRow{ID: secret.NewID("ws", t.now), AccountID: accountID, Type: sb.WorkspaceSimple, Name: name + "'s workspace"}
	if err := t.insertWorkspace(ctx, ws, user.ID); err != nil {
		return err
	}
	actor := sb.Actor{UserID: user.ID, Email: user.Email}
	return t.audit(ctx, actor, ws.ID, accountID, "workspace.created", ws.ID, map[string]any{"name": ws.Name, "type": ws.Type})
}

func (t *tx) createSession(ctx context.Context, userID string, client sb.Client) (string, error) {
	token := secret.Token(SessionPrefix)
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, id, user_id, created_at, last_used_at, expires_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		secret.HashToken(token), secret.NewID("ses", t.now), userID, t.now.UnixMicro(), t.now.UnixMicro(), t.now.Add(t.s.cfg.SessionTTL).UnixMicro(),
		truncate(client.UserAgent, 500), truncate(client.IP, 100))
	return token, err
}

// LogIn checks an email and password and opens a session. A wrong email and a
// wrong password get the same answer, in about the same time.
func (s *Store) LogIn(ctx context.Context, in sb.LoginInput) (*sb.User, string, error) {
	bad := sb.Errorf(sb.ECodeInvalidCredentials, "The email or password is not right. Check both and try again.")
	var user sb.User
	var hash string
	var created int64
	err := s.view(ctx, func(t *tx) error {
		return t.queryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE email_key = ?`, sb.EmailKey(in.Email)).
			Scan(&user.ID, &user.Email, &user.Name, &hash, &created)
	})
	if errors.Is(err, sql.ErrNoRows) {
		if herr := s.hashing(ctx, func() { secret.CheckPassword(s.dummyHash(), in.Password) }); herr != nil {
			return nil, "", herr
		}
		return nil, "", bad
	}
	if err != nil {
		return nil, "", err
	}
	var ok bool
	if herr := s.hashing(ctx, func() { ok, err = secret.CheckPassword(hash, in.Password) }); herr != nil {
		return nil, "", herr
	}
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", bad
	}
	user.CreatedAt = toTime(created)
	var token string
	err = s.update(ctx, func(t *tx) error {
		var err error
		token, err = t.createSession(ctx, user.ID, in.Client)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return &user, token, nil
}

// LogOut ends the actor's session.
func (s *Store) LogOut(ctx context.Context, actor sb.Actor) error {
	if actor.SessionID == "" {
		return sb.Errorf(sb.ECodeBadRequest, "Only a session can log out; API keys are revoked from the workspace's settings.")
	}
	return s.update(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, actor.SessionID)
		return err
	})
}

// apiKeyTouchInterval limits how often a key's last use is written.
const apiKeyTouchInterval = time.Minute

// Authenticate resolves a session token or API key to an actor; anything else is
// unauthorized.
func (s *Store) Authenticate(ctx context.Context, token string) (sb.Actor, error) {
	unauth := sb.Errorf(sb.ECodeUnauthorized, "The token is not valid or has expired; log in again.")
	hash := secret.HashToken(token)
	now := s.cfg.Now()
	isSession, isKey := strings.HasPrefix(token, SessionPrefix), strings.HasPrefix(token, APIKeyPrefix)
	if isSession || isKey {
		// On SQLite, a token looked up since the last write (epoch.go).
		if e, ok := s.cachedAuth(hash, now.UnixMicro()); ok {
			s.touchAuth(ctx, hash, e, now, true)
			return e.actor, nil
		}
	}
	epoch := s.caches.epoch.Load() // before the read: see epoch.go
	switch {
	case isSession:
		var a sb.Actor
		var lastUsed, expires int64
		err := s.readQueryRow(ctx, `SELECT u.id, u.email, s.last_used_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.token_hash = ? AND s.expires_at > ?`, hash, now.UnixMicro()).Scan(&a.UserID, &a.Email, &lastUsed, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return sb.Actor{}, unauth
		}
		if err != nil {
			return sb.Actor{}, err
		}
		a.SessionID = hash
		s.touchAuth(ctx, hash, authEntry{epoch: epoch, actor: a, expires: expires, lastUsed: lastUsed}, now, false)
		return a, nil
	case isKey:
		var a sb.Actor
		var role string
		var lastUsed sql.NullInt64
		err := s.readQueryRow(ctx, `SELECT k.id, k.workspace_id, k.role, k.last_used_at, u.id, u.email
			FROM api_keys k JOIN users u ON u.id = k.created_by
			WHERE k.key_hash = ? AND k.revoked_at IS NULL`, hash).
			Scan(&a.APIKeyID, &a.APIKeyWorkspaceID, &role, &lastUsed, &a.UserID, &a.Email)
		if errors.Is(err, sql.ErrNoRows) {
			return sb.Actor{}, sb.Errorf(sb.ECodeUnauthorized, "The API key is not valid or has been revoked.")
		}
		if err != nil {
			return sb.Actor{}, err
		}
		a.APIKeyRole = sb.Role(role)
		s.touchAuth(ctx, hash, authEntry{epoch: epoch, actor: a, lastUsed: lastUsed.Int64}, now, false)
		return a, nil
	case strings.HasPrefix(token, ReportTokenPrefix):
		return s.authenticateReport(ctx, hash, unauth)
	}
	return sb.Actor{}, unauth
}

// touchAuth records a session's or an API key's use when it is due (at most
// every sessionTouchSkip or apiKeyTouchInterval), and caches the authentication
// with the use it now has (epoch.go).
func (s *Store) touchAuth(ctx context.Context, hash string, e authEntry, now time.Time, cached bool) {
	used := e.lastUsed
	if e.actor.IsAPIKey() {
		if e.lastUsed == 0 || now.Sub(toTime(e.lastUsed)) > apiKeyTouchInterval {
			if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`), now.UnixMicro(), e.actor.APIKeyID); err != nil {
				s.cfg.Logger.Warn("record api key use", "err", err)
			}
			e.lastUsed = now.UnixMicro()
		}
	} else if s.touchSession(ctx, hash, e.lastUsed, now) {
		e.lastUsed = now.UnixMicro()
	}
	if !cached || e.lastUsed != used {
		s.rememberAuth(hash, e)
	}
}

// Me returns the caller, the accounts they own and the workspaces they have a role in.
func (s *Store) Me(ctx context.Context, actor sb.Actor) (*sb.Me, error) {
	me := &sb.Me{Accounts: []sb.AccountBrief{}, Workspaces: []sb.WorkspaceRole{}}
	err := s.view(ctx, func(t *tx) error {
		var created int64
		if err := t.queryRow(ctx, `SELECT id, email, name, created_at FROM users WHERE id = ?`, actor.UserID).
			Scan(&me.User.ID, &me.User.Email, &me.User.Name, &created); err != nil {
			return err
		}
		me.User.CreatedAt = toTime(created)
		if !actor.IsAPIKey() { // a key acts in its workspace only: it sees no account
			if err := t.ownedAccounts(ctx, actor.UserID, me); err != nil {
				return err
			}
		}
		list, err := t.listWorkspaces(ctx, actor)
		if err != nil {
			return err
		}
		for _, w := range list {
			me.Workspaces = append(me.Workspaces, sb.WorkspaceRole{ID: w.ID, Name: w.Name, Type: w.Type, ParentID: w.ParentID, Role: w.Role})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return me, nil
}

func (t *tx) ownedAccounts(ctx context.Context, userID string, me *sb.Me) error {
	rows, err := t.query(ctx, `SELECT id, name, plan FROM accounts WHERE owner_id = ? ORDER BY id`, userID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a sb.AccountBrief
		if err := rows.Scan(&a.ID, &a.Name, &a.Plan); err != nil {
			return err
		}
		me.Accounts = append(me.Accounts, a)
	}
	return rows.Err()
}
