package store

import "context"

// SetHookForTest makes the store call h at the named points of its transactions
// (see tx.at); nil removes it. Set it before the store is used concurrently.
func (s *Store) SetHookForTest(h func(point string)) { s.hook = h }

// RetriesForTest is how many transactions the store has run again after a
// serialization failure or a deadlock.
func (s *Store) RetriesForTest() int64 { return s.retries.Load() }

// TouchRowsForTest adds one to n in the scratch table's rows first and second, in
// that order, in one store transaction, calling mid (with the attempt number)
// between the two.
func (s *Store) TouchRowsForTest(ctx context.Context, first, second string, mid func(attempt int)) error {
	attempt := 0
	return s.update(ctx, func(t *tx) error {
		attempt++
		if _, err := t.exec(ctx, `UPDATE scratch SET n = n + 1 WHERE id = ?`, first); err != nil {
			return err
		}
		mid(attempt)
		_, err := t.exec(ctx, `UPDATE scratch SET n = n + 1 WHERE id = ?`, second)
		return err
	})
}

// HoldHashSlotsForTest takes every password-hashing slot until release is called.
func (s *Store) HoldHashSlotsForTest() (release func()) {
	n := cap(s.hashSlots)
	for range n {
		s.hashSlots <- struct{}{}
	}
	return func() {
		for range n {
			<-s.hashSlots
		}
	}
}
