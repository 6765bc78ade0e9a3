package store

import (
	"context"
	"database/sql"
	"time"
)

// Observer hears what the store did, for metrics. The command line passes its
// metrics; nil hears nothing.
type Observer interface {
	// CallReported is told of each newly recorded call (not of replays) with the
	// seconds it debited.
	CallReported(seconds int64)
	// ImportRows is told of the rows a contact import batch committed.
	ImportRows(imported, rejected int64)
}

type noObserver struct{}

func (noObserver) CallReported(int64)      {}
func (noObserver) ImportRows(int64, int64) {}

func (s *Store) observer() Observer {
	if s.cfg.Observer == nil {
		return noObserver{}
	}
	return s.cfg.Observer
}

// Pools returns the store's connection pools by name ("write" and, on SQLite,
// "read"), for metrics of their use.
func (s *Store) Pools() map[string]*sql.DB {
	if s.read == s.write {
		return map[string]*sql.DB{"main": s.write}
	}
	return map[string]*sql.DB{"write": s.write, "read": s.read}
}

// QueueBacklog is one durable queue's waiting items and the age of the oldest.
type QueueBacklog struct {
	Queue  string
	Depth  int64
	Oldest time.Duration
}

// OutboxBacklog reads how much waits in the durable queues: mail not yet sent and
// contact imports not yet finished.
func (s *Store) OutboxBacklog(ctx context.Context) ([]QueueBacklog, error) {
	now := s.cfg.Now()
	var out []QueueBacklog
	for _, q := range []struct{ name, query string }{
		{"mail", `SELECT COUNT(*), MIN(created_at) FROM mail_outbox WHERE status = 'pending'`},
		{"contact_imports", `SELECT COUNT(*), MIN(created_at) FROM contact_imports WHERE status IN ('queued', 'running')`},
	} {
		var n int64
		var oldest sql.NullInt64
		if err := s.read.QueryRowContext(ctx, q.query).Scan(&n, &oldest); err != nil {
			return out, err
		}
		b := QueueBacklog{Queue: q.name, Depth: n}
		if oldest.Valid {
			b.Oldest = max(now.Sub(time.UnixMicro(oldest.Int64)), 0)
		}
		out = append(out, b)
	}
	return out, nil
}
