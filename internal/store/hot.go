package store

import (
	"context"
	"database/sql"
)

// Statements that every call report runs besides its own (the event, the budget
// and pool checks) are prepared once on the writer and reused, because parsing
// SQL is a large part of a statement's cost on SQLite (modernc): a cached
// statement costs only its execution. A statement is prepared in the background
// the first time it is asked for (inside a transaction the writer's one SQLite
// connection is busy), and runs unprepared until then. Only on SQLite: pgx
// already keeps a prepared-statement cache per connection.

func (t *tx) hotStmt(ctx context.Context, q string) *sql.Stmt {
	if t.s.dialect != sqlite || t.tx == nil || !t.write {
		return nil // pgx caches prepared statements per connection itself; reads run on other connections
	}
	if v, ok := t.s.hot.Load(q); ok {
		if st, _ := v.(*sql.Stmt); st != nil {
			return t.txStmt(ctx, st)
		}
		return nil // being prepared
	}
	if _, loaded := t.s.hot.LoadOrStore(q, (*sql.Stmt)(nil)); !loaded {
		go func() {
			st, err := t.s.write.PrepareContext(context.Background(), t.s.rebind(q))
			if err != nil {
				t.s.hot.Delete(q)
				return
			}
			t.s.hot.Store(q, st)
		}()
	}
	return nil
}

// hotQueryRow is queryRow through a prepared statement when there is one.
func (t *tx) hotQueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.hotStmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.queryRow(ctx, q, args...)
}

// hotQuery is query through a prepared statement when there is one.
func (t *tx) hotQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.hotStmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.query(ctx, q, args...)
}

// hotExec is exec through a prepared statement when there is one.
func (t *tx) hotExec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.hotStmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.exec(ctx, q, args...)
}

// txStmt is the writer's prepared statement bound to the transaction, made once
// per transaction (a group commit's bodies share theirs): database/sql makes a new
// one, with its bookkeeping, on every Tx.StmtContext.
func (t *tx) txStmt(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if t.stmts == nil {
		return t.tx.StmtContext(ctx, st)
	}
	if ts, ok := (*t.stmts)[st]; ok {
		return ts
	}
	if *t.stmts == nil {
		*t.stmts = map[*sql.Stmt]*sql.Stmt{}
	}
	ts := t.tx.StmtContext(ctx, st)
	(*t.stmts)[st] = ts
	return ts
}
