package store

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// ImportWorker processes queued CSV imports. Any number of workers, on any number
// of replicas, may run: each import is claimed with a lease, and every batch of rows
// is written in one transaction together with the byte offset it reached, so an
// import whose worker dies resumes exactly where it stopped, once the lease expires.
type ImportWorker struct {
	s  *Store
	id string
	// BatchRows is the number of rows per transaction (default 20000). On SQLite a transaction is written in statements of
	// at most 1000 rows, parsed as it goes, so memory does not grow with it.
	BatchRows int
	// Lease is how long a claim lasts without renewal (default 2 minutes); every
	// batch renews it.
	Lease time.Duration
	// Poll is how often Run looks for work (default 1 second).
	Poll time.Duration
	// MaxBatches, when positive, makes the worker stop after that many batches
	// without releasing its lease, as if its process had died. For tests.
	MaxBatches int
	Logger     *slog.Logger

	batches int
	cleaned time.Time
}

// NewImportWorker returns a worker for the store's imports.
func (s *Store) NewImportWorker() *ImportWorker {
	batch := 20000
	return &ImportWorker{s: s, id: secret.NewID("wrk", time.Now()), BatchRows: batch, Lease: 2 * time.Minute, Poll: time.Second, Logger: s.cfg.Logger}
}

// errStopped ends processing when MaxBatches is reached.
var errStopped = errors.New("import worker stopped")

// errLeaseLost ends processing when another worker took the import over.
var errLeaseLost = errors.New("import lease lost")

// Run processes imports until ctx ends.
// It starts an import as soon as it is queued on this process (or, on PostgreSQL,
// on any replica, through LISTEN/NOTIFY); the poll is the fallback.
func (w *ImportWorker) Run(ctx context.Context) {
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	listenCtx, stopListen := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() { w.s.listenImports(listenCtx); close(listening) }()
	defer func() { stopListen(); <-listening }()
	wake := w.s.importWake.c()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Error("contact imports", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// RunOnce processes every import that is ready (queued, or running with an
// expired lease) and returns how many it finished.
func (w *ImportWorker) RunOnce(ctx context.Context) (int, error) {
	if time.Since(w.cleaned) > time.Hour {
		if err := w.s.removeAbandonedUploads(ctx); err != nil {
			return 0, err
		}
		w.cleaned = time.Now()
	}
	done := 0
	for {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		id, ok, err := w.claim(ctx)
		if err != nil || !ok {
			return done, err
		}
		err = w.process(ctx, id)
		switch {
		case errors.Is(err, errStopped):
			return done, nil
		case errors.Is(err, errLeaseLost):
			w.Logger.Warn("contact import taken over by another worker", "import", id)
		case err != nil:
			return done, err
		default:
			done++
		}
	}
}

// claim takes the lease of one ready import.
func (w *ImportWorker) claim(ctx context.Context) (string, bool, error) {
	for attempt := 0; attempt < 10; attempt++ {
		var id string
		err := w.s.view(ctx, func(t *tx) error {
			free, args := t.leaseFree()
			return t.queryRow(ctx, `SELECT id FROM contact_imports WHERE status IN ('queued', 'running') AND `+free+`
				ORDER BY id LIMIT 1`, args...).Scan(&id)
		})
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		var claimed bool
		err = w.s.update(ctx, func(t *tx) error {
			free, args := t.leaseFree()
			res, err := t.exec(ctx, `UPDATE contact_imports SET status = 'running', lease_owner = ?, lease_instance = ?, locked_until = ?, updated_at = ?
				WHERE id = ? AND status IN ('queued', 'running') AND `+free,
				append([]any{w.id, w.s.leaseInstance(), t.now.Add(w.Lease).UnixMicro(), t.now.UnixMicro(), id}, args...)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			claimed = n == 1
			return err
		})
		if err != nil {
			return "", false, err
		}
		if claimed {
			return id, true, nil
		}
	}
	return "", false, nil
}

// importRecord is one parsed data row.
type importRecord struct {
	line   int64
	cells  []string
	reason string
	c      sb.Contact
}

// process runs one claimed import to its end, batch by batch.
func (w *ImportWorker) process(ctx context.Context, id string) error {
	var imp *importRow
	var accountID string
	err := w.s.view(ctx, func(t *tx) error {
		r, err := scanImport(t.queryRow(ctx, `SELECT `+importColumns+` FROM contact_imports WHERE id = ?`, id))
		if err != nil {
			return err
		}
		imp = r
		return t.queryRow(ctx, `SELECT account_id FROM workspaces WHERE id = ?`, r.WorkspaceID).Scan(&accountID)
	})
	if err != nil {
		return err
	}
	job := &importJob{w: w, imp: imp, accountID: accountID}
	if w.s.dialect == sqlite {
		// The writer is one connection, so the setting holds for the import's
		// transactions; shrinking the cache afterwards gives the memory back. By
		// default the cache stays as it is: an import appends to its B-trees, so
		// their ends are all it touches, and a large cache costs more to fill and
		// to free (page by page) than it saves.
		if mb := w.s.cfg.ImportCacheMB; mb > 0 {
			if _, err := w.s.write.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(mb*1024)); err != nil {
				return err
			}
			defer w.s.write.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -32000")
		}
		if job.stmts, err = w.s.prepareImportStmts(ctx); err != nil {
			return err
		}
		defer job.stmts.close()
	} else {
		// PostgreSQL: the import keeps one connection, where each batch is copied
		// into a temporary table and merged into contacts with one statement.
		if job.conn, err = w.s.write.Conn(ctx); err != nil {
			return err
		}
		defer job.conn.Close()
		if _, err := job.conn.ExecContext(ctx, createImportStage); err != nil {
			return err
		}
	}
	head, err := w.s.uploadReader(ctx, id, imp.ChunkSize, 0)
	if err != nil {
		if errors.Is(err, errUploadGone) {
			return job.fail(ctx, sb.ErrorMessage(err))
		}
		return err
	}
	header, dataStart, comma, err := readImportHeader(head, imp.Mapping)
	head.Close()
	if err != nil {
		if sb.ErrorCode(err) == sb.ECodeInternal {
			return err
		}
		return job.fail(ctx, sb.ErrorMessage(err))
	}
	job.fields, _ = sb.ImportColumns(header, imp.Mapping)
	offset := max(imp.ReadOffset, dataStart)
	body, err := w.s.uploadReader(ctx, id, imp.ChunkSize, offset)
	if err != nil {
		if errors.Is(err, errUploadGone) {
			return job.fail(ctx, sb.ErrorMessage(err))
		}
		return err
	}
	defer body.Close()
	cr := csv.NewReader(body)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	// One goroutine reads and normalises the next batch while this one writes the
	// current: phone validation and the database each keep a CPU busy.
	readCtx, stopReading := context.WithCancel(ctx)
	batches := make(chan parsedBatch, 1)
	go job.read(readCtx, cr, offset, imp.RowsRead, job.chunkRows(), batches)
	defer func() {
		stopReading()
		for range batches {
		}
	}()
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		eof, err := job.write(ctx, b, batches)
		if err != nil {
			return err
		}
		if eof {
			return nil
		}
		w.batches++
		if w.MaxBatches > 0 && w.batches >= w.MaxBatches {
			return errStopped
		}
	}
	return ctx.Err()
}

// parsedBatch is a batch of normalised records and where the file stands after it.
type parsedBatch struct {
	recs     []importRecord
	offset   int64
	rowsRead int64
	eof      bool
	err      error
}

// chunkRows is how many rows are parsed, and written, at a time. On PostgreSQL a
// transaction is one chunk, whose rows are locked in phone order so that concurrent
// imports into one workspace cannot deadlock; SQLite has a single writer.
func (j *importJob) chunkRows() int {
	if j.conn != nil {
		return max(j.w.BatchRows, 1)
	}
	return min(max(j.w.BatchRows, 1), 1000)
}

// read parses the file from offset in chunks until its end, an error or ctx ends.
func (j *importJob) read(ctx context.Context, cr *csv.Reader, offset, rowsRead int64, chunk int, out chan<- parsedBatch) {
	defer close(out)
	line := rowsRead + 1 // the header is row 1
	for {
		b := parsedBatch{recs: make([]importRecord, 0, chunk)}
		for len(b.recs) < chunk {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				b.eof = true
				break
			}
			var pe *csv.ParseError
			if err != nil && !errors.As(err, &pe) {
				b.err = err
				break
			}
			line++
			r := importRecord{line: line, cells: rec}
			if pe != nil {
				r.reason = "The row is not valid CSV: " + pe.Err.Error() + "."
			}
			b.recs = append(b.recs, r)
		}
		j.normalize(b.recs)
		b.offset, b.rowsRead = offset+cr.InputOffset(), line-1
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if b.eof || b.err != nil {
			return
		}
	}
}

type importJob struct {
	stmts *importStmts
	conn  *sql.Conn // PostgreSQL only
	// staged (PostgreSQL) is set once a chunk of the import met phones the
	// workspace had: the next chunks go through the staging table at once.
	staged    bool
	w         *ImportWorker
	imp       *importRow
	accountID string
	fields    []string
}

// normalize fills each record's contact, or its reason for rejection, using every
// CPU: phone validation is the costly part of an import.
func (j *importJob) normalize(batch []importRecord) {
	parts := min(runtime.GOMAXPROCS(0), max(len(batch)/200, 1))
	var wg sync.WaitGroup
	size := (len(batch) + parts - 1) / parts
	for p := 0; p < parts; p++ {
		lo, hi := p*size, min((p+1)*size, len(batch))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func(recs []importRecord) {
			defer wg.Done()
			pn := sb.PhoneNormalizer{Region: j.imp.DefaultRegion}
			for i := range recs {
				j.normalizeOne(&pn, &recs[i])
			}
		}(batch[lo:hi])
	}
	wg.Wait()
}

func (j *importJob) normalizeOne(pn *sb.PhoneNormalizer, r *importRecord) {
	if r.reason != "" {
		return
	}
	var phone, tags string
	for i, cell := range r.cells {
		if i >= len(j.fields) {
			break
		}
		cell = strings.TrimSpace(cell)
		if j.fields[i] != "" && !sb.ValidText(cell) {
			r.reason = sb.NotTextReason
			return
		}
		switch j.fields[i] {
		case sb.FieldPhone:
			phone = cell
		case sb.FieldFirstName:
			r.c.FirstName = cell
		case sb.FieldLastName:
			r.c.LastName = cell
		case sb.FieldEmail:
			r.c.Email = cell
		case sb.FieldCompany:
			r.c.Company = cell
		case sb.FieldTags:
			tags = cell
		}
	}
	if phone == "" {
		r.reason = "The phone number is missing."
		return
	}
	p, err := pn.Normalize(phone)
	if err != nil {
		r.reason = sb.ErrorMessage(err)
		return
	}
	r.c.Phone = p
	r.c.Tags = sb.NormalizeTags(sb.SplitTagCell(tags))
	if err := sb.ValidateContactFields(r.c.FirstName, r.c.LastName, r.c.Email, r.c.Company, r.c.Tags); err != nil {
		var e *sb.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			r.reason = e.Fields[0].Message
		} else {
			r.reason = sb.ErrorMessage(err)
		}
	}
}

// write stores one batch in one transaction together with the offset and row
// reached, renewing the lease; the last batch also completes the import. A batch
// is the chunk first and, until it holds BatchRows rows, the next chunks of more.
// It reports whether the file's end was reached.
func (j *importJob) write(ctx context.Context, first parsedBatch, more <-chan parsedBatch) (bool, error) {
	imp := j.imp
	var db beginner = j.w.s.write
	if j.conn != nil {
		db = j.conn
	}
	var eof bool
	var imported, rejected int64
	// Not retried as a whole: the batch is read from a channel as it goes; a
	// failed batch resumes from the stored offset when the import is claimed again.
	err := j.w.s.runOnce(ctx, db, false, func(t *tx) error {
		imported, rejected = 0, 0
		var n importCounts
		b, rows := first, 0
		for {
			c, err := j.writeChunk(ctx, t, b.recs)
			if err != nil {
				return err
			}
			imported, rejected, rows = imported+c.imported, rejected+c.rejected, rows+len(b.recs)
			n.updated += c.updated
			n.duplicate += c.duplicate
			if b.eof || rows >= j.w.BatchRows {
				break
			}
			var ok bool
			select {
			case b, ok = <-more:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !ok {
				return ctx.Err()
			}
			if b.err != nil {
				return b.err
			}
		}
		eof = b.eof
		now := t.now.UnixMicro()
		set := `read_offset = ?, rows_read = ?, rows_imported = rows_imported + ?, rows_rejected = rows_rejected + ?, updated_at = ?,
			rows_updated = rows_updated + ?, rows_duplicate = rows_duplicate + ?`
		args := []any{b.offset, b.rowsRead, imported, rejected, now, n.updated, n.duplicate}
		if eof {
			set += `, status = 'completed', rows_total = rows_imported + rows_rejected + ?, completed_at = ?, lease_owner = NULL, locked_until = NULL`
			args = append(args, imported+rejected, now)
		} else {
			set += `, locked_until = ?`
			args = append(args, t.now.Add(j.w.Lease).UnixMicro())
		}
		res, err := t.exec(ctx, `UPDATE contact_imports SET `+set+` WHERE workspace_id = ? AND id = ? AND lease_owner = ? AND status = 'running'`,
			append(args, imp.WorkspaceID, imp.ID, j.w.id)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLeaseLost
		}
		if !eof {
			return nil
		}
		if _, err := t.exec(ctx, `DELETE FROM contact_import_chunks WHERE import_id = ?`, imp.ID); err != nil {
			return err
		}
		var total, imp2, rej, upd, dup int64
		if err := t.queryRow(ctx, `SELECT rows_total, rows_imported, rows_rejected, rows_updated, rows_duplicate FROM contact_imports WHERE workspace_id = ? AND id = ?`,
			imp.WorkspaceID, imp.ID).Scan(&total, &imp2, &rej, &upd, &dup); err != nil {
			return err
		}
		if _, err := t.emit(ctx, imp.WorkspaceID, j.accountID, sb.EventImportCompleted,
			map[string]any{"import_id": imp.ID, "status": sb.ImportCompleted, "rows_total": total, "rows_imported": imp2, "rows_rejected": rej, "rows_updated": upd, "rows_duplicate": dup}); err != nil {
			return err
		}
		return t.audit(ctx, imp.actor(), imp.WorkspaceID, j.accountID, "contacts.imported", imp.ID,
			map[string]any{"status": sb.ImportCompleted, "rows_total": total, "rows_imported": imp2, "rows_rejected": rej,
				"rows_updated": upd, "rows_duplicate": dup, "tags": imp.Tags})
	})
	if err == nil {
		j.w.s.observer().ImportRows(imported, rejected)
		if eof {
			j.w.s.removeUploadFile(imp.ID)
		}
	}
	return eof, err
}

// importCounts are what a chunk did with its rows: imported (accepted, of which
// updated and duplicate) and rejected.
type importCounts struct {
	imported, rejected, updated, duplicate int64
}

// writeChunk upserts a chunk's contacts and records its rejected rows, and returns
// what it did with them.
func (j *importJob) writeChunk(ctx context.Context, t *tx, batch []importRecord) (n importCounts, err error) {
	imp := j.imp
	var imported, rejected int64
	// Merge the rows that share a phone: later cells win, tags add up.
	byPhone := make(map[string]int, len(batch))
	merged := make([]sb.Contact, 0, len(batch))
	for i := range batch {
		r := &batch[i]
		if r.reason != "" {
			rejected++
			continue
		}
		imported++
		if k, ok := byPhone[r.c.Phone]; ok {
			m := &merged[k]
			for _, f := range [][2]*string{{&m.FirstName, &r.c.FirstName}, {&m.LastName, &r.c.LastName}, {&m.Email, &r.c.Email}, {&m.Company, &r.c.Company}} {
				if *f[1] != "" {
					*f[0] = *f[1]
				}
			}
			m.Tags = sb.NormalizeTags(append(m.Tags, r.c.Tags...))
			continue
		}
		byPhone[r.c.Phone] = len(merged)
		merged = append(merged, r.c)
	}
	// Concurrent imports into one workspace take their row locks in the same
	// order, phone order, so that they wait for each other instead of deadlocking.
	slices.SortFunc(merged, func(a, b sb.Contact) int { return strings.Compare(a.Phone, b.Phone) })
	var up upsertCounts
	if j.conn != nil {
		up, err = t.upsertContactsCopy(ctx, j.conn, imp.WorkspaceID, imp.ID, merged, imp.Tags, &j.staged)
	} else {
		up, err = t.upsertContacts(ctx, j.stmts, imp.WorkspaceID, imp.ID, merged, imp.Tags)
	}
	if err != nil {
		return n, err
	}
	// Rows merged inside the chunk are duplicates of the file, and so are those
	// whose phone an earlier chunk of this import created.
	n = importCounts{imported: imported, rejected: rejected, updated: up.updated,
		duplicate: imported - int64(len(merged)) + up.ownEarlier}
	return n, t.insertRejects(ctx, imp.ID, batch)
}

// fail ends an import with an error a person can act on.
func (j *importJob) fail(ctx context.Context, msg string) error {
	imp := j.imp
	err := j.w.s.update(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE contact_imports SET status = 'failed', error = ?, updated_at = ?, completed_at = ?, lease_owner = NULL, locked_until = NULL
			WHERE workspace_id = ? AND id = ? AND lease_owner = ? AND status = 'running'`, msg, t.now.UnixMicro(), t.now.UnixMicro(), imp.WorkspaceID, imp.ID, j.w.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLeaseLost
		}
		if _, err := t.exec(ctx, `DELETE FROM contact_import_chunks WHERE import_id = ?`, imp.ID); err != nil {
			return err
		}
		return t.audit(ctx, imp.actor(), imp.WorkspaceID, j.accountID, "contacts.imported", imp.ID, map[string]any{"status": sb.ImportFailed, "error": msg})
	})
	if err == nil {
		j.w.s.removeUploadFile(imp.ID)
	}
	return err
}

// actor is who started the import, for the audit log.
func (r *importRow) actor() sb.Actor {
	a := sb.Actor{Email: r.ByEmail}
	switch r.ByType {
	case "api_key":
		a.APIKeyID = r.ByID
	case "operator":
		a.Operator = true
	default:
		a.UserID = r.ByID
	}
	return a
}

// upsertCounts tell apart the contacts an upsert did not create: those the
// workspace had before the import (updated) and those an earlier chunk of the same
// import created (ownEarlier: a phone repeated in the file).
type upsertCounts struct {
	updated, ownEarlier int64
}

// upsertContacts inserts contacts or, for a phone the workspace has, updates the
// non-empty fields; each gets its own tags and the import's. The contacts are
// inserted with ids made here, ON CONFLICT DO NOTHING: when every row of a
// statement was inserted (a new phone, the common case) nothing is read back. The
// phones a statement did not insert are then read, and those contacts updated
// one by one: SQLite has one writer, so nothing changes in between.
func (t *tx) upsertContacts(ctx context.Context, stmts *importStmts, workspaceID, importID string, cs []sb.Contact, common []string) (upsertCounts, error) {
	var uc upsertCounts
	now := t.now.UnixMicro()
	var tagRows []contactTag
	// The contacts it creates belong to the import's tag runs (tagrun.go): their
	// entries in contact_tags are their own tags only.
	var run tagRunSpan
	var tagRun any
	if len(common) > 0 {
		tagRun = importID
	}
	ownTags := func(c *sb.Contact) {
		run.add(c.ID)
		for _, tag := range c.Tags {
			if !slices.Contains(common, tag) {
				tagRows = append(tagRows, contactTag{tag, c.ID})
			}
		}
	}
	args := make([]any, 0, 5+min(len(cs), upsertRows)*7)
	for lo := 0; lo < len(cs); {
		n := stmtRows(len(cs)-lo, upsertRows)
		part := cs[lo : lo+n]
		lo += n
		args = append(args[:0], workspaceID, now, now, importID, tagRun)
		for i := range part {
			c := &part[i]
			c.ID = secret.NewID("con", t.now)
			c.Tags = unionTags(common, c.Tags)
			args = append(args, c.ID, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, sortedTagsJSON(c.Tags))
		}
		var res sql.Result
		var err error
		if stmts != nil {
			res, err = t.tx.StmtContext(ctx, stmts.insert[n]).ExecContext(ctx, args...)
		} else {
			res, err = t.exec(ctx, insertContactsSQL(n), args...)
		}
		if err != nil {
			return uc, err
		}
		inserted, err := res.RowsAffected()
		if err != nil {
			return uc, err
		}
		if inserted == int64(n) {
			for i := range part {
				ownTags(&part[i])
			}
			continue
		}
		if err := t.mergeExisting(ctx, workspaceID, importID, part, &uc, ownTags, func(tag, id string) {
			tagRows = append(tagRows, contactTag{tag, id})
		}); err != nil {
			return uc, err
		}
	}
	if err := t.extendTagRuns(ctx, workspaceID, importID, common, run.first, run.last, run.n); err != nil {
		return uc, err
	}
	// In (tag, id) order: each tag's entries are appended at its end of the index.
	slices.SortStableFunc(tagRows, func(a, b contactTag) int { return strings.Compare(a.tag, b.tag) })
	targs := make([]any, 0, min(len(tagRows), tagRows0)*3)
	for lo := 0; lo < len(tagRows); {
		n := stmtRows(len(tagRows)-lo, tagRows0)
		targs = targs[:0]
		for _, r := range tagRows[lo : lo+n] {
			targs = append(targs, workspaceID, r.tag, r.id)
		}
		lo += n
		var err error
		if stmts != nil {
			_, err = t.tx.StmtContext(ctx, stmts.tags[n]).ExecContext(ctx, targs...)
		} else {
			_, err = t.exec(ctx, tagsSQL(n), targs...)
		}
		if err != nil {
			return uc, err
		}
	}
	return uc, nil
}

// contactTag is an entry of the tag index.
type contactTag struct{ tag, id string }

// mergeExisting finishes a statement of upsertContacts that did not insert every
// row: the contacts whose phone was there get the rows' non-empty fields and tags.
// A contact the statement inserted goes to inserted; the tag entries of the others
// to addTag.
func (t *tx) mergeExisting(ctx context.Context, workspaceID, importID string, part []sb.Contact, uc *upsertCounts,
	inserted func(*sb.Contact), addTag func(tag, id string)) error {
	byPhone := make(map[string]*sb.Contact, len(part))
	args := make([]any, 0, len(part)+1)
	args = append(args, workspaceID)
	for i := range part {
		byPhone[part[i].Phone] = &part[i]
		args = append(args, part[i].Phone)
	}
	rows, err := t.query(ctx, `SELECT id, phone, import_id, first_name, last_name, email, company, tags FROM contacts
		WHERE workspace_id = ? AND phone IN (`+placeholders(len(part))+`)`, args...)
	if err != nil {
		return err
	}
	type existing struct {
		sb.Contact
		importID sql.NullString
		tags     string
	}
	var found []existing
	for rows.Next() {
		var e existing
		if err := rows.Scan(&e.ID, &e.Phone, &e.importID, &e.FirstName, &e.LastName, &e.Email, &e.Company, &e.tags); err != nil {
			rows.Close()
			return err
		}
		found = append(found, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) != len(part) {
		return fmt.Errorf("store: import found %d of %d contacts after inserting them", len(found), len(part))
	}
	for _, e := range found {
		c := byPhone[e.Phone]
		if e.ID == c.ID { // inserted by this statement
			inserted(c)
			continue
		}
		if e.importID.Valid && e.importID.String == importID {
			uc.ownEarlier++
		} else {
			uc.updated++
		}
		for _, f := range [][2]*string{{&e.FirstName, &c.FirstName}, {&e.LastName, &c.LastName}, {&e.Email, &c.Email}, {&e.Company, &c.Company}} {
			if *f[1] != "" {
				*f[0] = *f[1]
			}
		}
		had, err := parseTags(e.tags)
		if err != nil {
			return err
		}
		tags := unionTags(had, c.Tags)
		for _, tag := range tags {
			if !slices.Contains(had, tag) {
				addTag(tag, e.ID)
			}
		}
		if _, err := t.exec(ctx, `UPDATE contacts SET first_name = ?, last_name = ?, email = ?, company = ?, tags = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
			e.FirstName, e.LastName, e.Email, e.Company, sortedTagsJSON(tags), t.now.UnixMicro(), workspaceID, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// sortedTagsJSON is tagsJSON of tags already sorted and without repeats.
func sortedTagsJSON(tags []string) string {
	if len(tags) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, tag := range tags {
		for k := 0; k < len(tag); k++ {
			if c := tag[k]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
				out, _ := json.Marshal(tags)
				return string(out)
			}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(tag)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// stmtRows is how many of left rows the next multi-row statement takes: full, a
// power of two, or the largest power of two below left, so that a few prepared
// statements (importStmts) serve every batch size.
func stmtRows(left, full int) int {
	if left >= full {
		return full
	}
	n := 1
	for n*2 <= left {
		n *= 2
	}
	return n
}

// insertRejects records the rejected rows of a batch.
func (t *tx) insertRejects(ctx context.Context, importID string, batch []importRecord) error {
	const perStmt = 500
	args := make([]any, 0, perStmt*4)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := t.exec(ctx, `INSERT INTO contact_import_rejects (import_id, line, reason, cells) VALUES `+rowsOf(len(args)/4, 4), args...)
		args = args[:0]
		return err
	}
	for i := range batch {
		r := &batch[i]
		if r.reason == "" {
			continue
		}
		cells := r.cells
		if cells == nil {
			cells = []string{}
		}
		b, err := json.Marshal(cells)
		if err != nil {
			return err
		}
		args = append(args, importID, r.line, r.reason, string(b))
		if len(args) >= perStmt*4 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// chunkReader reads an upload from its chunks, from a byte offset.
func (s *Store) chunkReader(ctx context.Context, importID string, chunkSize, offset int64) io.Reader {
	return &chunkReader{ctx: ctx, s: s, id: importID, seq: offset / chunkSize, skip: offset % chunkSize}
}

type chunkReader struct {
	ctx  context.Context
	s    *Store
	id   string
	seq  int64
	skip int64
	buf  []byte
	eof  bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		var data []byte
		err := c.s.read.QueryRowContext(c.ctx, c.s.rebind(`SELECT data FROM contact_import_chunks WHERE import_id = ? AND seq = ?`), c.id, c.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			c.eof = true
			continue
		}
		if err != nil {
			return 0, err
		}
		c.seq++
		if c.skip > 0 {
			data = data[min(c.skip, int64(len(data))):]
			c.skip = 0
		}
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// upsertSet is what an imported row does to the contact that has its phone: its
// non-empty cells replace the contact's fields.
const upsertSet = `ON CONFLICT (workspace_id, phone) DO UPDATE SET
	first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE contacts.first_name END,
	last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE contacts.last_name END,
	email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE contacts.email END,
	company = CASE WHEN excluded.company <> '' THEN excluded.company ELSE contacts.company END,
	updated_at = excluded.updated_at`

// createImportStage is PostgreSQL's staging table for one batch of an import: a
// temporary table of the connection, emptied by every commit. tags is the JSON
// array the contact row stores.
const createImportStage = `CREATE TEMPORARY TABLE IF NOT EXISTS contact_import_batch (
	id TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, phone TEXT NOT NULL,
	email TEXT NOT NULL, company TEXT NOT NULL, tags TEXT NOT NULL) ON COMMIT DELETE ROWS`

// upsertContactsCopy is upsertContacts for PostgreSQL: the batch goes to the
// staging table with COPY, then one INSERT … SELECT … ON CONFLICT DO NOTHING adds
// the contacts in phone order. When it added them all (new phones, the common
// case) their tag entries are copied straight into contact_tags. Otherwise the
// rows it did not add are upserted, merging fields and tags into the contacts
// that have their phones, and the tag entries are added from the staging table.
func (t *tx) upsertContactsCopy(ctx context.Context, conn *sql.Conn, workspaceID, importID string, cs []sb.Contact, common []string, staged *bool) (upsertCounts, error) {
	var uc upsertCounts
	if len(cs) == 0 {
		return uc, nil
	}
	for i := range cs {
		cs[i].ID = secret.NewID("con", t.now)
		cs[i].Tags = unionTags(common, cs[i].Tags)
	}
	now := t.now.UnixMicro()
	// The contacts it creates belong to the import's tag runs (tagrun.go): their
	// entries in contact_tags are their own tags only.
	var tagRun any
	if len(common) > 0 {
		tagRun = importID
	}
	runTags := slices.Sorted(slices.Values(common))
	copyTags := func() error {
		if err := t.extendTagRuns(ctx, workspaceID, importID, runTags, cs[0].ID, cs[len(cs)-1].ID, int64(len(cs))); err != nil {
			return err
		}
		var tagRows [][]any
		for i := range cs {
			for _, tag := range cs[i].Tags {
				if !slices.Contains(common, tag) {
					tagRows = append(tagRows, []any{workspaceID, tag, cs[i].ID})
				}
			}
		}
		if len(tagRows) == 0 {
			return nil
		}
		slices.SortStableFunc(tagRows, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
		return conn.Raw(func(driverConn any) error {
			pc := driverConn.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{"contact_tags"}, []string{"workspace_id", "tag", "contact_id"}, pgx.CopyFromRows(tagRows))
			return err
		})
	}
	if !*staged {
		// Every phone new (a first import into the workspace, the common case):
		// COPY the contacts straight into contacts, in phone order, under a
		// savepoint. The unique index on (workspace_id, phone) refuses a phone the
		// workspace has, and the chunk goes through the staging table instead.
		if _, err := t.exec(ctx, `SAVEPOINT contact_import_copy`); err != nil {
			return uc, err
		}
		err := conn.Raw(func(driverConn any) error {
			pc := driverConn.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{"contacts"},
				[]string{"id", "workspace_id", "first_name", "last_name", "phone", "email", "company", "created_at", "updated_at", "import_id", "tags", "tag_run"},
				pgx.CopyFromSlice(len(cs), func(i int) ([]any, error) {
					c := &cs[i]
					return []any{c.ID, workspaceID, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, now, now, importID, sortedTagsJSON(c.Tags), tagRun}, nil
				}))
			return err
		})
		if err == nil {
			if _, err := t.exec(ctx, `RELEASE SAVEPOINT contact_import_copy`); err != nil {
				return uc, err
			}
			return uc, copyTags()
		}
		if !isUniqueViolation(err) {
			return uc, err
		}
		if _, err := t.exec(ctx, `ROLLBACK TO SAVEPOINT contact_import_copy`); err != nil {
			return uc, err
		}
		*staged = true
	}
	err := conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		_, err := pc.CopyFrom(ctx, pgx.Identifier{"contact_import_batch"},
			[]string{"id", "first_name", "last_name", "phone", "email", "company", "tags"},
			pgx.CopyFromSlice(len(cs), func(i int) ([]any, error) {
				c := &cs[i]
				return []any{c.ID, c.FirstName, c.LastName, c.Phone, c.Email, c.Company, sortedTagsJSON(c.Tags)}, nil
			}))
		return err
	})
	if err != nil {
		return uc, err
	}
	res, err := t.exec(ctx, `INSERT INTO contacts (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, import_id, tags, tag_run)
		SELECT id, ?, first_name, last_name, phone, email, company, ?, ?, ?, tags, ? FROM contact_import_batch ORDER BY phone
		ON CONFLICT (workspace_id, phone) DO NOTHING`, workspaceID, now, now, importID, tagRun)
	if err != nil {
		return uc, err
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return uc, err
	}
	if inserted == int64(len(cs)) {
		return uc, copyTags()
	}
	err = t.queryRow(ctx, `WITH up AS (
			INSERT INTO contacts (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, import_id, tags)
			SELECT id, ?, first_name, last_name, phone, email, company, ?, ?, ?, tags FROM contact_import_batch st
			WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.workspace_id = ? AND c.id = st.id) ORDER BY phone
			`+upsertSet+`,
			tags = (SELECT COALESCE(json_agg(x.t ORDER BY x.t COLLATE "C"), '[]')::text FROM
				(SELECT jsonb_array_elements_text(contacts.tags::jsonb) UNION SELECT jsonb_array_elements_text(excluded.tags::jsonb)) x(t))
			RETURNING id, phone, import_id)
		SELECT COUNT(*) FILTER (WHERE up.id <> st.id AND up.import_id IS DISTINCT FROM ?),
			COUNT(*) FILTER (WHERE up.id <> st.id AND up.import_id = ?)
		FROM up JOIN contact_import_batch st ON st.phone = up.phone`,
		workspaceID, now, now, importID, workspaceID, importID, importID).Scan(&uc.updated, &uc.ownEarlier)
	if err != nil {
		return uc, err
	}
	// The rows inserted first belong to the runs (their ids lie in the batch's
	// span); those the upsert inserted (a phone deleted in between) do not. The
	// runs are written after the contacts' rows, the store's lock order.
	if err := t.extendTagRuns(ctx, workspaceID, importID, runTags, cs[0].ID, cs[len(cs)-1].ID, inserted); err != nil {
		return uc, err
	}
	// Entries for the rows' tags, but not for a tag the contact carries as a
	// member of one of its runs.
	_, err = t.exec(ctx, `INSERT INTO contact_tags (workspace_id, tag, contact_id)
		SELECT ?, tg.tag, c.id FROM contact_import_batch st JOIN contacts c ON c.workspace_id = ? AND c.phone = st.phone
		CROSS JOIN LATERAL jsonb_array_elements_text(st.tags::jsonb) AS tg(tag)
		WHERE NOT EXISTS (SELECT 1 FROM contact_tag_runs r WHERE r.workspace_id = c.workspace_id AND r.import_id = c.tag_run AND r.tag = tg.tag)
		ORDER BY 2, 3 ON CONFLICT DO NOTHING`, workspaceID, workspaceID)
	return uc, err
}

// abandonedUpload is how old an upload that never finished must be before it is
// removed: its process died while receiving it.
const abandonedUpload = 24 * time.Hour

// removeAbandonedUploads deletes uploads that never finished, and on SQLite the
// files of imports that no longer wait for them (a crash between an import's end
// and the removal of its file).
func (s *Store) removeAbandonedUploads(ctx context.Context) error {
	err := s.update(ctx, func(t *tx) error {
		cutoff := t.now.Add(-abandonedUpload).UnixMicro()
		if _, err := t.exec(ctx, `DELETE FROM contact_import_chunks WHERE import_id IN
			(SELECT id FROM contact_imports WHERE status = 'uploading' AND created_at < ?)`, cutoff); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM contact_imports WHERE status = 'uploading' AND created_at < ?`, cutoff)
		return err
	})
	if err != nil || s.dialect != sqlite {
		return err
	}
	entries, err := os.ReadDir(s.uploadDir())
	if err != nil {
		return nil // no uploads yet
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".csv")
		if !ok {
			continue
		}
		var waiting int
		if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM contact_imports WHERE id = ? AND status IN ('uploading', 'queued', 'running')`, id).Scan(&waiting); err != nil {
			return err
		}
		if waiting == 0 {
			os.Remove(filepath.Join(s.uploadDir(), e.Name()))
		}
	}
	return nil
}

// Rows per multi-row statement of the SQLite import path (powers of two: see
// stmtRows).
const (
	upsertRows = 512
	tagRows0   = 1024
)

// insertContactsSQL inserts n contacts of one import. What they share (workspace,
// times, import, tag run) is bound once, before the rows' seven values each:
// binding is a tenth of an import's time. (Numbered parameters, ?NNN, would say
// the same more plainly, but the driver looks each one up by name, which is
// linear in their number.)
func insertContactsSQL(n int) string {
	return `INSERT INTO contacts (id, workspace_id, first_name, last_name, phone, email, company, created_at, updated_at, import_id, tags, tag_run)
		SELECT v.column1, c.ws, v.column2, v.column3, v.column4, v.column5, v.column6, c.created, c.updated, c.imp, v.column7, c.run
		FROM (SELECT ? AS ws, ? AS created, ? AS updated, ? AS imp, ? AS run) c, (VALUES ` + rowsOf(n, 7) + `) v
		WHERE true ON CONFLICT (workspace_id, phone) DO NOTHING`
}

// tagRunSpan gathers the ids an import created in a transaction, for its tag runs.
type tagRunSpan struct {
	first, last string
	n           int64
}

func (r *tagRunSpan) add(id string) {
	if r.n == 0 || id < r.first {
		r.first = id
	}
	if r.n == 0 || id > r.last {
		r.last = id
	}
	r.n++
}

func tagsSQL(n int) string {
	return `INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES ` + rowsOf(n, 3) + ` ON CONFLICT DO NOTHING`
}

// importStmts are the statements of the SQLite import path, by rows, prepared once
// per import instead of once per batch: the writer is a single connection, so they
// stay prepared on it for every batch's transaction.
type importStmts struct {
	insert, tags map[int]*sql.Stmt
}

func (s *Store) prepareImportStmts(ctx context.Context) (*importStmts, error) {
	st := &importStmts{insert: map[int]*sql.Stmt{}, tags: map[int]*sql.Stmt{}}
	for _, k := range []struct {
		m    map[int]*sql.Stmt
		full int
		sql  func(int) string
	}{{st.insert, upsertRows, insertContactsSQL}, {st.tags, tagRows0, tagsSQL}} {
		for n := 1; n <= k.full; n *= 2 {
			stmt, err := s.write.PrepareContext(ctx, k.sql(n))
			if err != nil {
				st.close()
				return nil, err
			}
			k.m[n] = stmt
		}
	}
	return st, nil
}

func (st *importStmts) close() {
	for _, m := range []map[int]*sql.Stmt{st.insert, st.tags} {
		for _, stmt := range m {
			stmt.Close()
		}
	}
}
