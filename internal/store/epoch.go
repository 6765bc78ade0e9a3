package store

import (
	"sync"
	"sync/atomic"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Caches for the call report path on SQLite (issue 15), kept correct by the
// writer's epoch.
//
// On SQLite one process serves a database, and every transaction that changes
// what these caches hold runs on that process's one writer connection through
// runOnce, which bumps s.epoch twice: right after its BEGIN IMMEDIATE (the write
// lock held) and after it ends. A cached entry carries the epoch read before the
// rows it was made from, and is used only while the epoch is still that value. So
// an entry outlives no write transaction: one filled before a change's BEGIN
// carries an older epoch; one filled while the change runs was read on the reader
// pool, carries the first bump's value, and is stale once the second lands, which
// is before the change's caller hears of it; the writer itself cannot read
// between the change's BEGIN and its COMMIT. The call reports' own batches
// (groupcommit.go) do not bump: what a report writes (the call, its stats, the
// debit, alerts, events, mail) is none of what is cached here, except the
// account's balance, which the pool bound below follows.
//
// Writes that bypass runOnce (sessions' and keys' last use, the expiry of old
// sessions) change nothing cached: an entry keeps its session's expiry and is
// checked against it. Other processes on the same file run only the operator
// commands, of which only `minutes grant` touches what is cached (it adds to a
// balance, which leaves the pool bound a lower bound; see poolBound).
//
// What is cached:
//   - authentications by token (sessions and API keys): an HTTP request's lookup;
//   - a caller's access to a workspace for call reports (callAccess): the
//     workspace, once let in;
//   - a lower bound on an account's unallocated seconds (poolBound), so that a
//     report far from the low-pool alert skips its aggregate query.
//
// PostgreSQL (several replicas) caches nothing of this.
type epochCaches struct {
	epoch  atomic.Uint64
	auth   sync.Map // token hash → authEntry
	access sync.Map // groupAccessKey → accessEntry
	pool   sync.Map // account id → poolEntry
}

// bumpEpoch invalidates every cached entry (runOnce, on SQLite's writes) and
// drops them, so that the caches hold no more than what was used since the last
// write (the epoch check still refuses an entry stored late by a reader that
// loaded the epoch before this bump).
func (s *Store) bumpEpoch() {
	s.caches.epoch.Add(1)
	s.caches.auth.Clear()
	s.caches.access.Clear()
	s.caches.pool.Clear()
}

// cachesByEpoch reports whether this store keeps the caches: SQLite only.
func (s *Store) cachesByEpoch() bool { return s.dialect == sqlite }

// authEntry is an authenticated token: the actor, the session's expiry (0 for an
// API key) and its last recorded use.
type authEntry struct {
	epoch    uint64
	actor    sb.Actor
	expires  int64
	lastUsed int64
}

func (s *Store) cachedAuth(hash string, nowUS int64) (authEntry, bool) {
	if !s.cachesByEpoch() {
		return authEntry{}, false
	}
	v, ok := s.caches.auth.Load(hash)
	if !ok {
		return authEntry{}, false
	}
	e := v.(authEntry)
	if e.epoch != s.caches.epoch.Load() || (e.expires != 0 && e.expires <= nowUS) {
		return authEntry{}, false
	}
	return e, true
}

func (s *Store) rememberAuth(hash string, e authEntry) {
	if s.cachesByEpoch() {
		s.caches.auth.Store(hash, e)
	}
}

// accessEntry is a workspace a caller was let into for call reports.
type accessEntry struct {
	epoch uint64
	w     *wsRow
}

// accessed returns the workspace the actor was let into for a call report while
// nothing else was written, or nil.
func (t *tx) accessed(actor sb.Actor, workspaceID string) *wsRow {
	if !t.s.cachesByEpoch() || !t.write || actor.ReportDispatchID != "" || actor.System != "" {
		return nil
	}
	v, ok := t.s.caches.access.Load(accessKey(actor, workspaceID))
	if !ok {
		return nil
	}
	if e := v.(accessEntry); e.epoch == t.epoch {
		return e.w
	}
	return nil
}

// rememberAccess records that the actor was let in, as of the transaction's epoch.
func (t *tx) rememberAccess(actor sb.Actor, workspaceID string, w *wsRow) {
	if !t.s.cachesByEpoch() || !t.write || actor.ReportDispatchID != "" || actor.System != "" {
		return
	}
	t.s.caches.access.Store(accessKey(actor, workspaceID), accessEntry{epoch: t.epoch, w: w})
}

// groupAccessKey is an actor, as far as its rights go, and a workspace.
type groupAccessKey struct {
	user, key, keyWorkspace string
	keyRole                 sb.Role
	operator                bool
	workspace               string
}

func accessKey(actor sb.Actor, workspaceID string) groupAccessKey {
	return groupAccessKey{user: actor.UserID, key: actor.APIKeyID, keyWorkspace: actor.APIKeyWorkspaceID,
		keyRole: actor.APIKeyRole, operator: actor.Operator, workspace: workspaceID}
}

// poolEntry bounds an account's unallocated seconds from below: low was exact
// when checkPoolLow last computed it (with grant, the seconds of the account's
// last grant then), and every debit since has taken its seconds off.
//
// A call report can lower the unallocated seconds by at most its own seconds: it
// takes them off the balance, and can only shrink what a budget still sets aside
// (one workspace's or its agency's, never both counted). So low minus the debits
// stays a lower bound while nothing else is written. A grant made by another
// process (`switchboard minutes grant`, which only adds) raises the balance by
// its own seconds g: the unallocated seconds are then at least g, a tenth of which
// is the new threshold, so skipping on the old grant's threshold stays right.
type poolEntry struct {
	epoch uint64
	low   int64
	grant int64
}

// poolFar takes a debit of seconds off the account's bound and reports whether
// the low-pool alert cannot be due (unallocated ≥ a tenth of the last grant).
func (t *tx) poolFar(accountID string, seconds int64) bool {
	if !t.s.cachesByEpoch() || !t.write {
		return false
	}
	v, ok := t.s.caches.pool.Load(accountID)
	if !ok {
		return false
	}
	e := v.(poolEntry)
	if e.epoch != t.epoch {
		return false
	}
	e.low -= seconds
	t.s.caches.pool.Store(accountID, e)
	return e.low*10 >= e.grant
}

// rememberPool records the account's exact unallocated seconds (checkPoolLow).
func (t *tx) rememberPool(accountID string, unallocated, grantSeconds int64) {
	if t.s.cachesByEpoch() && t.write {
		t.s.caches.pool.Store(accountID, poolEntry{epoch: t.epoch, low: unallocated, grant: grantSeconds})
	}
}
