package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// importStaged is the stored status of a staged upload: still "uploading" (so the
// API and the worker do not see it, and removeAbandonedUploads removes it after a
// day) but with its header written.
const importStaged = "uploading"

// previewRows is how many rows of a staged file its preview shows.
const previewRows = 5

// stagedHeader reads the header row of a staged file, whatever its columns: the
// person maps them afterwards.
func stagedHeader(head []byte) ([]string, error) {
	header, _, err := readPreview(head, 0)
	return header, err
}

// readPreview parses the header and up to n rows from the start of a file.
func readPreview(head []byte, n int) ([]string, [][]string, error) {
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	cr := csv.NewReader(bytes.NewReader(head))
	cr.Comma = sb.SniffDelimiter(head)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errNoHeader
	}
	if err != nil {
		return nil, nil, sb.Errorf(sb.ECodeValidation, "The header row is not valid CSV; check the file is CSV.")
	}
	for _, h := range header {
		if !sb.ValidText(h) {
			return nil, nil, sb.Errorf(sb.ECodeValidation, "The header row is not UTF-8 text; save the file as UTF-8 CSV.")
		}
	}
	var rows [][]string
	for len(rows) < n {
		rec, err := cr.Read()
		if err != nil {
			break // the end, or a row cut by the end of the preview
		}
		rows = append(rows, rec)
	}
	return header, rows, nil
}

// StageImport stores an uploaded file without starting its import.
func (s *Store) StageImport(ctx context.Context, actor sb.Actor, workspaceID string, parts sb.ImportParts, maxBytes int64) (*sb.ImportPreview, error) {
	imp, err := s.startImport(ctx, actor, workspaceID, parts, maxBytes, true)
	if err != nil {
		return nil, err
	}
	return s.PreviewImport(ctx, actor, workspaceID, imp.ID)
}

// PreviewImport shows a staged file's columns and first rows.
func (s *Store) PreviewImport(ctx context.Context, actor sb.Actor, workspaceID, id string) (*sb.ImportPreview, error) {
	var out *sb.ImportPreview
	err := s.view(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		p := &sb.ImportPreview{ID: id}
		var tags string
		err = t.queryRow(ctx, `SELECT tags, default_region, size_bytes, rows_total FROM contact_imports
			WHERE workspace_id = ? AND id = ? AND status = ? AND header <> '[]'`, w.ID, id, importStaged).Scan(&tags, &p.DefaultRegion, &p.SizeBytes, &p.RowsTotal)
		if errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Import")
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
			return err
		}
		var data []byte
		if s.dialect == sqlite {
			if data, err = s.uploadHead(ctx, id, importChunkSize, importHeadSize); err != nil {
				return err
			}
		} else if err := t.queryRow(ctx, `SELECT data FROM contact_import_chunks WHERE import_id = ? AND seq = 0`, id).Scan(&data); err != nil {
			return err
		}
		if p.Header, p.Rows, err = readPreview(data[:min(len(data), importHeadSize)], previewRows); err != nil {
			return err
		}
		for _, h := range p.Header {
			p.Suggested = append(p.Suggested, sb.SuggestField(h))
		}
		out = p
		return nil
	})
	return out, err
}

// StartStagedImport queues a staged file with its options; a mapping that leaves
// no phone column is refused (422) and the file stays staged.
func (s *Store) StartStagedImport(ctx context.Context, actor sb.Actor, workspaceID, id string, opts sb.ImportOptions) (*sb.ContactImport, error) {
	var out *sb.ContactImport
	err := s.update(ctx, func(t *tx) error {
		w, _, err := t.access(ctx, actor, workspaceID, sb.ActionEditContacts, false)
		if err != nil {
			return err
		}
		var hdr string
		err = t.queryRow(ctx, `SELECT header FROM contact_imports WHERE workspace_id = ? AND id = ? AND status = ? AND header <> '[]'`,
			w.ID, id, importStaged).Scan(&hdr)
		if errors.Is(err, sql.ErrNoRows) {
			return sb.NotFound("Import")
		}
		if err != nil {
			return err
		}
		var header []string
		if err := json.Unmarshal([]byte(hdr), &header); err != nil {
			return err
		}
		if opts.Mapping == nil {
			opts.Mapping = map[string]string{}
		}
		if _, err := sb.ImportColumns(header, opts.Mapping); err != nil {
			return err
		}
		tags, _ := json.Marshal(sb.NormalizeTags(opts.Tags))
		mapping, _ := json.Marshal(opts.Mapping)
		res, err := t.exec(ctx, `UPDATE contact_imports SET status = 'queued', tags = ?, default_region = ?, mapping = ?, updated_at = ?
			WHERE workspace_id = ? AND id = ? AND status = ?`, string(tags), opts.DefaultRegion, string(mapping), t.now.UnixMicro(), w.ID, id, importStaged)
		if err := mustAffect(res, err); err != nil {
			return err
		}
		if err := t.importQueued(ctx); err != nil {
			return err
		}
		r, err := t.loadImport(ctx, w.ID, id)
		if err != nil {
			return err
		}
		out = &r.ContactImport
		return nil
	})
	if err == nil {
		s.importWake.wake()
	}
	return out, err
}
