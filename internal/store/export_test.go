package store

import "database/sql"

// DB exposes the database to the store's tests.
func (s *Store) DB() *sql.DB { return s.write }
