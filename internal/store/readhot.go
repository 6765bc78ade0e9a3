package store

import (
	"context"
	"database/sql"
)

// readQueryRow is s.read.QueryRowContext through a statement prepared once on the
// read pool (database/sql prepares it again on each connection it runs on), on
// SQLite, where parsing is a large part of a small query's cost: the
// authentication of every API request (the session or key lookup) uses it.
// PostgreSQL's driver keeps its own cache of prepared statements.
// The lookup does not watch ctx (below).
func (s *Store) readQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s.dialect != sqlite {
		return s.read.QueryRowContext(ctx, s.rebind(q), args...)
	}
	// A lookup by key, not worth interrupting: a context that cannot end spares
	// the driver's and database/sql's watching goroutines.
	ctx = context.WithoutCancel(ctx)
	if v, ok := s.readHot.Load(q); ok {
		return v.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := s.read.PrepareContext(ctx, q)
	if err != nil {
		return s.read.QueryRowContext(ctx, q, args...)
	}
	if v, loaded := s.readHot.LoadOrStore(q, st); loaded {
		st.Close()
		st = v.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}
