package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// importChunkSize is the size of the pieces an upload is stored in.
const importChunkSize = 1 << 20

// importHeadSize is how much of the start of an upload is kept to read its header.
const importHeadSize = 64 << 10

// DefaultImportMaxBytes is the default limit of an import's CSV file.
const DefaultImportMaxBytes = 100 << 20

const importColumns = `id, workspace_id, status, error, tags, default_region, mapping, header, size_bytes, chunk_size,
	read_offset, rows_read, rows_total, rows_imported, rows_rejected, created_by_type, created_by_id, created_by_email,
	created_at, updated_at, completed_at, rows_updated, rows_duplicate`

// importRow is an import as stored.
type importRow struct {
	sb.ContactImport
	WorkspaceID           string
	Mapping               map[string]string
	Header                []string
	ChunkSize             int64
	ReadOffset, RowsRead  int64
	ByType, ByID, ByEmail string
}

func scanImport(sc interface{ Scan(...any) error }) (*importRow, error) {
	var r importRow
	var tags, mapping, header string
	var created, updated int64
	var completed sql.NullInt64
	err := sc.Scan(&r.ID, &r.WorkspaceID, &r.Status, &r.Error, &tags, &r.DefaultRegion, &mapping, &header, &r.SizeBytes, &r.ChunkSize,
		&r.ReadOffset, &r.RowsRead, &r.RowsTotal, &r.RowsImported, &r.RowsRejected, &r.ByType, &r.ByID, &r.ByEmail,
		&created, &updated, &completed, &r.RowsUpdated, &r.RowsDuplicate)
	if err != nil {
		return nil, err
	}
	r.RowsCreated = max(r.RowsImported-r.RowsUpdated-r.RowsDuplicate, 0)
	r.CreatedAt, r.UpdatedAt, r.CompletedAt = toTime(created), toTime(updated), toTimePtr(completed)
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(mapping), &r.Mapping); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(header), &r.Header); err != nil {
		return nil, err
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return &r, nil
}

func (t *tx) loadImport(ctx context.Context, workspaceID, id string) (*importRow, error) {
	r, err := scanImport(t.queryRow(ctx, `SELECT `+importColumns+` FROM contact_imports WHERE workspace_id = ? AND id = ? AND status <> 'uploading'`, workspaceID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sb.NotFound("Import")
	}
	return r, err
}

// GetImport returns an import and its progress.
func (s *Store) GetImport(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.ContactImport, error) {
	var out *sb.ContactImport
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		r, err := t.loadImport(ctx, w.ID, id)
		if err != nil {
			return err
		}
		out = &r.ContactImport
		return nil
	})
	return out, err
}

// WriteRejected writes the rejected rows of an import as CSV: the row number, the
// file's own columns and the reason, every cell safe to open in a spreadsheet.
func (s *Store) WriteRejected(ctx context.Context, actor sb.Actor, workspaceID, id string, out io.Writer) error {
	return s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionViewResources, false)
		if err != nil {
			return err
		}
		imp, err := t.loadImport(ctx, w.ID, id)
		if err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT r.line, r.reason, r.cells FROM contact_import_rejects r
			JOIN contact_imports i ON i.id = r.import_id WHERE i.workspace_id = ? AND r.import_id = ? ORDER BY r.line`, w.ID, imp.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		cw := csv.NewWriter(out)
		record := []string{"row"}
		for _, h := range imp.Header {
			record = append(record, sb.NeutralizeCell(h))
		}
		if err := cw.Write(append(record, "reason")); err != nil {
			return err
		}
		for rows.Next() {
			var line int64
			var reason, cells string
			if err := rows.Scan(&line, &reason, &cells); err != nil {
				return err
			}
			var cs []string
			if err := json.Unmarshal([]byte(cells), &cs); err != nil {
				return err
			}
			record = append(record[:0], strconv.FormatInt(line, 10))
			for i := range max(len(cs), len(imp.Header)) {
				c := ""
				if i < len(cs) {
					c = cs[i]
				}
				record = append(record, sb.NeutralizeCell(c))
			}
			if err := cw.Write(append(record, sb.NeutralizeCell(reason))); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
}

// StartImport stores an upload in chunks, each in its own short transaction so
// that a slow client never holds the write lock, checks its header, and queues it.
// An upload that fails half-way is removed.
func (s *Store) StartImport(ctx context.Context, actor sb.Actor, workspaceID string, parts sb.ImportParts, maxBytes int64) (*sb.ContactImport, error) {
	return s.startImport(ctx, actor, workspaceID, parts, maxBytes, false)
}

// startImport is StartImport; stage keeps the upload aside (importstage.go).
func (s *Store) startImport(ctx context.Context, actor sb.Actor, workspaceID string, parts sb.ImportParts, maxBytes int64, stage bool) (*sb.ContactImport, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultImportMaxBytes
	}
	var id string
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		workspaceID = w.ID
		id = secret.NewID("imp", t.now)
		byID := actor.UserID
		if actor.IsAPIKey() {
			byID = actor.APIKeyID
		}
		_, err = t.exec(ctx, `INSERT INTO contact_imports (id, workspace_id, status, chunk_size, created_by_type, created_by_id, created_by_email, created_at, updated_at)
			VALUES (?, ?, 'uploading', ?, ?, ?, ?, ?, ?)`, id, w.ID, importChunkSize, actor.ActorType(), byID, actor.Email, t.now.UnixMicro(), t.now.UnixMicro())
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := s.receiveImport(ctx, workspaceID, id, parts, maxBytes, stage)
	if err != nil {
		s.removeUploadFile(id)
		cleanup := context.WithoutCancel(ctx)
		s.update(cleanup, func(t *tx) error {
			if _, err := t.exec(cleanup, `DELETE FROM contact_import_chunks WHERE import_id IN (SELECT id FROM contact_imports WHERE workspace_id = ? AND id = ?)`, workspaceID, id); err != nil {
				return err
			}
			_, err := t.exec(cleanup, `DELETE FROM contact_imports WHERE workspace_id = ? AND id = ?`, workspaceID, id)
			return err
		})
		return nil, err
	}
	return out, nil
}

func (s *Store) receiveImport(ctx context.Context, workspaceID, id string, parts sb.ImportParts, maxBytes int64, stage bool) (*sb.ContactImport, error) {
	var opts sb.ImportOptions
	var head []byte
	var size int64
	var counter recordCounter
	gotFile := false
	for {
		name, r, err := parts.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if name != "file" {
			b, err := io.ReadAll(io.LimitReader(r, importHeadSize+1))
			if err != nil {
				return nil, err
			}
			if len(b) > importHeadSize {
				return nil, sb.Errorf(sb.ECodeValidation, "The part %q is too large; it must be under 64 KB.", name)
			}
			if err := opts.SetPart(name, string(b)); err != nil {
				return nil, err
			}
			continue
		}
		if gotFile {
			return nil, sb.Errorf(sb.ECodeValidation, "Send one CSV file per import.")
		}
		gotFile = true
		buf := make([]byte, importChunkSize)
		var spool *os.File
		if s.dialect == sqlite {
			if spool, err = s.createUploadFile(id); err != nil {
				return nil, err
			}
			defer spool.Close()
		}
		for seq := int64(0); ; seq++ {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				size += int64(n)
				if size > maxBytes {
					return nil, sb.Errorf(sb.ECodeTooLarge, "The file is larger than the import limit of %s; split it into smaller files.", humanBytes(maxBytes))
				}
				if len(head) < importHeadSize {
					head = append(head, buf[:min(n, importHeadSize-len(head))]...)
				}
				counter.count(buf[:n])
				chunk := buf[:n]
				if spool != nil {
					if _, err := spool.Write(chunk); err != nil {
						return nil, err
					}
				} else if err := s.update(ctx, func(t *tx) error {
					// Not flushed on its own: the commit that queues the import
					// flushes the log up to it, chunks included, before the upload
					// is answered; a crash before that loses only an unanswered upload.
					if _, err := t.exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
						return err
					}
					_, err := t.exec(ctx, `INSERT INTO contact_import_chunks (import_id, seq, data) VALUES (?, ?, ?)`, id, seq, chunk)
					return err
				}); err != nil {
					return nil, err
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return nil, err
			}
		}
		if spool != nil {
			// On disk before the import is queued: a crash after that resumes it.
			if err := spool.Sync(); err != nil {
				return nil, err
			}
			if err := spool.Close(); err != nil {
				return nil, err
			}
		}
	}
	if !gotFile {
		return nil, sb.Errorf(sb.ECodeValidation, "Send the CSV file in a multipart part named \"file\".")
	}
	var header []string
	var err error
	if stage {
		header, err = stagedHeader(head)
	} else {
		header, _, _, err = readImportHeader(bytes.NewReader(head), opts.Mapping)
	}
	if err != nil {
		if len(head) == importHeadSize && size > importHeadSize && errors.Is(err, errNoHeader) {
			return nil, sb.Errorf(sb.ECodeValidation, "The header row is longer than 64 KB; check the file is CSV.")
		}
		return nil, err
	}
	total := max(counter.records()-1, 0)
	var out *sb.ContactImport
	err = s.update(ctx, func(t *tx) error {
		tags, _ := json.Marshal(sb.NormalizeTags(opts.Tags))
		mapping, _ := json.Marshal(opts.Mapping)
		hdr, _ := json.Marshal(header)
		status := sb.ImportQueued
		if stage {
			status = importStaged
		}
		res, err := t.exec(ctx, `UPDATE contact_imports SET status = ?, tags = ?, default_region = ?, mapping = ?, header = ?, size_bytes = ?, rows_total = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND status = 'uploading'`, status, string(tags), opts.DefaultRegion, string(mapping), string(hdr), size, total, t.now.UnixMicro(), workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sb.NotFound("Import")
		}
		if stage {
			out = &sb.ContactImport{ID: id, Status: importStaged, RowsTotal: total, SizeBytes: size, Tags: sb.NormalizeTags(opts.Tags), DefaultRegion: opts.DefaultRegion}
			return nil
		}
		if err := t.importQueued(ctx); err != nil {
			return err
		}
		r, err := t.loadImport(ctx, workspaceID, id)
		if err != nil {
			return err
		}
		out = &r.ContactImport
		return nil
	})
	if err == nil && !stage {
		s.importWake.wake()
	}
	return out, err
}

var errNoHeader = sb.Errorf(sb.ECodeValidation, "The file is empty: it needs a header row naming the columns (at least phone) and one contact per line.")

// readImportHeader reads the header row at the start of a file and resolves its
// columns. It returns the header and the byte offset where the data begins.
func readImportHeader(r io.Reader, mapping map[string]string) ([]string, int64, rune, error) {
	br := newPeekReader(r)
	bom := int64(0)
	if p, _ := br.peek(3); bytes.Equal(p, []byte("\xEF\xBB\xBF")) {
		br.skip(3)
		bom = 3
	}
	first, _ := br.peek(importHeadSize)
	cr := csv.NewReader(br)
	cr.Comma = sb.SniffDelimiter(first)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, 0, 0, errNoHeader
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, 0, 0, sb.Errorf(sb.ECodeValidation, "The header row is not valid CSV: %s.", pe.Err)
		}
		return nil, 0, 0, err
	}
	if _, err := sb.ImportColumns(header, mapping); err != nil {
		return nil, 0, 0, err
	}
	return header, bom + cr.InputOffset(), cr.Comma, nil
}

// recordCounter counts the non-empty lines of CSV outside quoted fields: the
// number of records, as a first estimate of an import's size.
type recordCounter struct {
	n       int64
	inQuote bool
	content bool
}

func (c *recordCounter) count(p []byte) {
	for _, b := range p {
		switch {
		case b == '"':
			c.inQuote = !c.inQuote
			c.content = true
		case b == '\n' && !c.inQuote:
			if c.content {
				c.n++
			}
			c.content = false
		case b != '\r' && b != '\n':
			c.content = true
		}
	}
}

func (c *recordCounter) records() int64 {
	if c.content {
		return c.n + 1
	}
	return c.n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// peekReader is a reader that can look ahead at its start.
type peekReader struct {
	r   io.Reader
	buf []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		tmp := make([]byte, n-len(p.buf))
		m, err := p.r.Read(tmp)
		p.buf = append(p.buf, tmp[:m]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) skip(n int) { p.buf = p.buf[min(n, len(p.buf)):] }

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// Where an upload waits for its import. On PostgreSQL, in contact_import_chunks:
// the replicas share nothing but the database, and any of them may resume the
// import. On SQLite, whose database is one process's, in a file next to the
// database (imports/<id>.csv under the data directory): written once as it
// arrives, read once by the worker, removed with the import's end, and never
// through the database's write-ahead log.

// uploadDir is the directory of SQLite's upload files.
func (s *Store) uploadDir() string {
	dir := s.cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	return filepath.Join(dir, "imports")
}

func (s *Store) uploadPath(id string) string { return filepath.Join(s.uploadDir(), id+".csv") }

func (s *Store) createUploadFile(id string) (*os.File, error) {
	if err := os.MkdirAll(s.uploadDir(), 0o700); err != nil {
		return nil, fmt.Errorf("store: import uploads: %w", err)
	}
	return os.OpenFile(s.uploadPath(id), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
}

// removeUploadFile removes an upload's file (SQLite) once its import ended.
func (s *Store) removeUploadFile(id string) {
	if s.dialect == sqlite {
		os.Remove(s.uploadPath(id))
	}
}

// errUploadGone is an upload whose file is missing, as after restoring a backup
// (which holds the database only) taken while the import waited.
var errUploadGone = sb.Errorf(sb.ECodeValidation, "The uploaded file is no longer on the server (was the database restored from a backup?); upload it again.")

// uploadReader reads an upload from a byte offset.
func (s *Store) uploadReader(ctx context.Context, importID string, chunkSize, offset int64) (io.ReadCloser, error) {
	if s.dialect == postgres {
		return io.NopCloser(s.chunkReader(ctx, importID, chunkSize, offset)), nil
	}
	f, err := os.Open(s.uploadPath(importID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errUploadGone
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// uploadHead is the start of an upload, up to n bytes.
func (s *Store) uploadHead(ctx context.Context, importID string, chunkSize int64, n int) ([]byte, error) {
	r, err := s.uploadReader(ctx, importID, chunkSize, 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	return b, err
}
