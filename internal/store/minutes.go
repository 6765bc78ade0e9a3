package store

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// budgetState is what the minute rules of product.md need of each live workspace.
type budgetState struct {
	id       string
	parentID string
	budget   *int64 // minutes
	used     int64  // seconds, for an agency its own and its clients' calls
}

func (b budgetState) remaining() (int64, bool) { return sb.Remaining(b.budget, b.used) }

// minuteBook is an account's pool and its workspaces' budgets.
type minuteBook struct {
	balance    int64
	workspaces map[string]budgetState
}

func (t *tx) loadMinuteBook(ctx context.Context, a *accountRow) (*minuteBook, error) {
	rows, err := t.query(ctx, `SELECT id, parent_id, minute_budget, seconds_used FROM workspaces WHERE account_id = ? AND deleted_at IS NULL`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	book := &minuteBook{balance: a.BalanceSeconds, workspaces: map[string]budgetState{}}
	for rows.Next() {
		var b budgetState
		var parent sql.NullString
		var budget sql.NullInt64
		if err := rows.Scan(&b.id, &parent, &budget, &b.used); err != nil {
			return nil, err
		}
		b.parentID, b.budget = parent.String, int64Ptr(budget)
		book.workspaces[b.id] = b
	}
	return book, rows.Err()
}

// sourceIsAccount reports whether a workspace's budget is carved from the account's
// pool (rather than from its agency's budget).
func (m *minuteBook) sourceIsAccount(b budgetState) bool {
	if b.parentID == "" {
		return true
	}
	parent, ok := m.workspaces[b.parentID]
	return !ok || parent.budget == nil
}

// unallocated is the pool balance less the remaining minutes of the budgets carved
// from the account.
func (m *minuteBook) unallocated() int64 {
	u := m.balance
	for _, b := range m.workspaces {
		if r, ok := b.remaining(); ok && m.sourceIsAccount(b) {
			u -= r
		}
	}
	return u
}

// allocatedMinutes sums the budgets carved from the account.
func (m *minuteBook) allocatedMinutes() int64 {
	var n int64
	for _, b := range m.workspaces {
		if b.budget != nil && m.sourceIsAccount(b) {
			n += *b.budget
		}
	}
	return n
}

// agencyShortfall returns, per budgeted agency, how many seconds its clients hold
// beyond what the agency has left (0 when they fit).
func (m *minuteBook) agencyShortfall() map[string]int64 {
	out := map[string]int64{}
	for _, b := range m.workspaces {
		if b.parentID == "" {
			continue
		}
		parent, ok := m.workspaces[b.parentID]
		if !ok || parent.budget == nil {
			continue
		}
		if r, ok := b.remaining(); ok {
			out[parent.id] += r
		}
	}
	for id, held := range out {
		pr, _ := m.workspaces[id].remaining()
		if held > pr {
			out[id] = held - pr
		} else {
			out[id] = 0
		}
	}
	return out
}

// checkMinutes refuses a budget change that its source cannot cover: after the
// change the account's unallocated minutes must not go below zero, nor may an
// agency's clients hold more than the agency has left, unless the change makes
// neither worse.
func (t *tx) checkMinutes(ctx context.Context, a *accountRow, changed *wsRow) error {
	book, err := t.loadMinuteBook(ctx, a)
	if err != nil {
		return err
	}
	beforeUnalloc, beforeShort := book.unallocated(), book.agencyShortfall()
	after := budgetState{id: changed.ID, parentID: changed.ParentID.String, budget: int64Ptr(changed.MinuteBudget), used: changed.SecondsUsed}
	book.workspaces[changed.ID] = after
	afterUnalloc, afterShort := book.unallocated(), book.agencyShortfall()
	if afterUnalloc < 0 && afterUnalloc < beforeUnalloc {
		r, _ := after.remaining()
		return sb.Errorf(sb.ECodeInsufficientMins, "The account has %s available for this budget, %s too few; add minutes to the account or lower other budgets first.",
			minutesText(max(r+afterUnalloc, 0)), minutesText(-afterUnalloc))
	}
	for id, short := range afterShort {
		if short > 0 && short > beforeShort[id] {
			if id == changed.ID {
				return sb.Errorf(sb.ECodeInsufficientMins, "This agency's clients hold %s more than this budget leaves; lower their budgets first.", minutesText(short))
			}
			return sb.Errorf(sb.ECodeInsufficientMins, "The agency does not have enough minutes left for this budget: it is %s short; raise the agency's budget or lower other clients' budgets first.", minutesText(short))
		}
	}
	return nil
}

// minuteState is an account's unallocated seconds and its agencies' shortfalls.
func (t *tx) minuteState(ctx context.Context, a *accountRow) (int64, map[string]int64, error) {
	book, err := t.loadMinuteBook(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	return book.unallocated(), book.agencyShortfall(), nil
}

// checkRestoredMinutes refuses a restore that brings back budgets their sources no
// longer cover (the minutes were freed at deletion and may have gone elsewhere).
func (t *tx) checkRestoredMinutes(ctx context.Context, a *accountRow, beforeUnalloc int64, beforeShort map[string]int64) error {
	afterUnalloc, afterShort, err := t.minuteState(ctx, a)
	if err != nil {
		return err
	}
	if afterUnalloc < 0 && afterUnalloc < beforeUnalloc {
		return sb.Errorf(sb.ECodeInsufficientMins, "Restoring brings back this workspace's minute budget, which the account's unallocated minutes no longer cover (%s short); add minutes to the account or lower other budgets first.", minutesText(-afterUnalloc))
	}
	for id, short := range afterShort {
		if short > 0 && short > beforeShort[id] {
			return sb.Errorf(sb.ECodeInsufficientMins, "Restoring brings back this client's minute budget, which its agency no longer has (%s short); raise the agency's budget or lower other clients' budgets first.", minutesText(short))
		}
	}
	return nil
}

// minutesText writes seconds as whole minutes (rounded down; up for a shortfall
// under a minute), for error sentences: "1 minute", "250 minutes".
func minutesText(seconds int64) string {
	m := seconds / 60
	if m == 0 && seconds > 0 {
		m = 1
	}
	if m == 1 {
		return "1 minute"
	}
	return strconv.FormatInt(m, 10) + " minutes"
}

// SetBudget sets or removes a workspace's minute budget (owner only).
func (s *Store) SetBudget(ctx context.Context, actor sb.Actor, id string, in sb.BudgetInput) (*sb.Workspace, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.Workspace
	err := s.update(ctx, func(t *tx) error {
		w, role, err := t.access(ctx, actor, id, sb.ActionBilling, true)
		if err != nil {
			return err
		}
		account, err := t.loadAccount(ctx, w.AccountID, true)
		if err != nil {
			return err
		}
		if in.MinuteBudget != nil && *in.MinuteBudget*60 < w.SecondsUsed {
			return &sb.Error{Code: sb.ECodeValidation,
				Message: "A budget cannot be lower than what the workspace has already used; choose at least " + minutesCeil(w.SecondsUsed) + " minutes.",
				Fields:  []sb.FieldError{{Location: "body.minute_budget", Message: "Below the minutes already used."}}}
		}
		before := int64Ptr(w.MinuteBudget)
		w.MinuteBudget = sql.NullInt64{}
		if in.MinuteBudget != nil {
			w.MinuteBudget = sql.NullInt64{Int64: *in.MinuteBudget, Valid: true}
		}
		if err := t.checkMinutes(ctx, account, w); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE workspaces SET minute_budget = ? WHERE id = ? AND account_id = ?`, w.MinuteBudget, w.ID, w.AccountID); err != nil {
			return err
		}
		if err := t.rearmThresholds(ctx, w); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, w.ID, w.AccountID, "workspace.budget_changed", w.ID,
			map[string]any{"before": before, "after": in.MinuteBudget}); err != nil {
			return err
		}
		out, err = t.workspaceView(ctx, w, role)
		return err
	})
	return out, err
}

func minutesCeil(seconds int64) string {
	m := (seconds + 59) / 60
	return itoa(m)
}

// Usage reports a workspace's minutes and, for an agency, each client's.
func (s *Store) Usage(ctx context.Context, actor sb.Actor, id string) (*sb.Usage, error) {
	var out *sb.Usage
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, id, sb.ActionBilling, false)
		if err != nil {
			return err
		}
		budget := int64Ptr(w.MinuteBudget)
		out = &sb.Usage{MinuteBudget: budget, SecondsUsed: w.SecondsUsed, OverBudget: sb.OverBudget(budget, w.SecondsUsed), Clients: []sb.ClientUsage{}}
		if r, ok := sb.Remaining(budget, w.SecondsUsed); ok {
			out.RemainingSeconds = &r
		}
		if w.Type != sb.WorkspaceAgency {
			return nil
		}
		rows, err := t.query(ctx, `SELECT id, name, minute_budget, seconds_used FROM workspaces WHERE parent_id = ? AND account_id = ? AND deleted_at IS NULL ORDER BY id`, w.ID, w.AccountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c sb.ClientUsage
			var b sql.NullInt64
			if err := rows.Scan(&c.WorkspaceID, &c.Name, &b, &c.SecondsUsed); err != nil {
				return err
			}
			c.MinuteBudget = int64Ptr(b)
			c.OverBudget = sb.OverBudget(c.MinuteBudget, c.SecondsUsed)
			out.Clients = append(out.Clients, c)
		}
		return rows.Err()
	})
	return out, err
}

// accountView builds the API's account with its limits and minutes.
func (t *tx) accountView(ctx context.Context, a *accountRow) (*sb.Account, error) {
	book, err := t.loadMinuteBook(ctx, a)
	if err != nil {
		return nil, err
	}
	return &sb.Account{
		ID: a.ID, Name: a.Name, OwnerID: a.OwnerID, Plan: a.Plan, Limits: t.s.cfg.Plans[a.Plan],
		Minutes:   sb.AccountMinutes{BalanceSeconds: a.BalanceSeconds, AllocatedMinutes: book.allocatedMinutes(), UnallocatedSeconds: book.unallocated()},
		CreatedAt: toTime(a.CreatedAt),
	}, nil
}

// GetAccount returns an account to its owner or the operator.
func (s *Store) GetAccount(ctx context.Context, actor sb.Actor, id string) (*sb.Account, error) {
	var out *sb.Account
	err := s.view(ctx, func(t *tx) error {
		a, err := t.loadAccount(ctx, id, false)
		if err != nil {
			return err
		}
		if !actor.Operator && (actor.IsAPIKey() || a.OwnerID != actor.UserID) {
			return sb.NotFound("Account")
		}
		out, err = t.accountView(ctx, a)
		return err
	})
	return out, err
}

// ListAccounts lists every account (operator only).
func (s *Store) ListAccounts(ctx context.Context, actor sb.Actor) ([]sb.Account, error) {
	if !actor.Operator {
		return nil, sb.NotFound("Account")
	}
	out := []sb.Account{}
	err := s.view(ctx, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, name, owner_id, plan, balance_seconds, created_at FROM accounts ORDER BY id`)
		if err != nil {
			return err
		}
		var list []*accountRow
		for rows.Next() {
			var a accountRow
			if err := rows.Scan(&a.ID, &a.Name, &a.OwnerID, &a.Plan, &a.BalanceSeconds, &a.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			list = append(list, &a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range list {
			v, err := t.accountView(ctx, a)
			if err != nil {
				return err
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, err
}

// SetPlan changes an account's plan (operator only).
func (s *Store) SetPlan(ctx context.Context, actor sb.Actor, id, plan string) (*sb.Account, error) {
	if !actor.Operator {
		return nil, sb.NotFound("Account")
	}
	if _, ok := s.cfg.Plans[plan]; !ok {
		return nil, &sb.Error{Code: sb.ECodeValidation, Message: "Unknown plan " + quote(plan) + "; use free, starter, pro or enterprise.",
			Fields: []sb.FieldError{{Location: "body.plan", Message: "Unknown plan."}}}
	}
	var out *sb.Account
	err := s.update(ctx, func(t *tx) error {
		a, err := t.loadAccount(ctx, id, true)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE accounts SET plan = ? WHERE id = ?`, plan, a.ID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "", a.ID, "account.plan_changed", a.ID, map[string]any{"before": a.Plan, "after": plan}); err != nil {
			return err
		}
		a.Plan = plan
		out, err = t.accountView(ctx, a)
		return err
	})
	return out, err
}

// GrantMinutes adds minutes to an account's pool (operator only).
func (s *Store) GrantMinutes(ctx context.Context, actor sb.Actor, id string, in sb.GrantInput) (*sb.MinuteGrant, error) {
	if !actor.Operator {
		return nil, sb.NotFound("Account")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *sb.MinuteGrant
	err := s.update(ctx, func(t *tx) error {
		a, err := t.loadAccount(ctx, id, true)
		if err != nil {
			return err
		}
		g := &sb.MinuteGrant{ID: secret.NewID("grt", t.now), AccountID: a.ID, Minutes: in.Minutes, Note: in.Note, CreatedAt: t.now}
		if _, err := t.exec(ctx, `INSERT INTO minute_grants (id, account_id, seconds, note, created_at) VALUES (?, ?, ?, ?, ?)`,
			g.ID, a.ID, in.Minutes*60, in.Note, t.now.UnixMicro()); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE accounts SET balance_seconds = balance_seconds + ? WHERE id = ?`, in.Minutes*60, a.ID); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "", a.ID, "account.minutes_granted", a.ID, map[string]any{"minutes": in.Minutes, "note": in.Note}); err != nil {
			return err
		}
		out = g
		return nil
	})
	return out, err
}
