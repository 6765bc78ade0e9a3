package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/switchboard/switchboard/internal/secret"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// rawWorkspaceID is the workspace of RawContactLoad's rows, an id of the shape the
// store makes (wsp_ and 26 characters), so that the anchor's index keys are as long
// as the product's.
const rawWorkspaceID = "wsp_01KB0000000000000000000000"

// RawContactLoad is the floor a CSV import is compared with (issue 15): the file's
// rows loaded as they are into a table with unique (workspace_id, email) and
// (workspace_id, phone) indexes — on SQLite by multi-row INSERTs of 500 rows,
// 20,000 rows per transaction, on the store's writer; on PostgreSQL by one COPY
// (what `\copy` does). It returns the rows loaded.
func (s *Store) RawContactLoad(ctx context.Context, path string) (int, error) {
	for _, q := range []string{
		`CREATE TABLE bench_raw_contacts (workspace_id TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
			phone TEXT NOT NULL, email TEXT NOT NULL, company TEXT NOT NULL, tags TEXT NOT NULL)`,
		`CREATE UNIQUE INDEX bench_raw_contacts_email ON bench_raw_contacts (workspace_id, email)`,
		`CREATE UNIQUE INDEX bench_raw_contacts_phone ON bench_raw_contacts (workspace_id, phone)`,
	} {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // header
		return 0, err
	}
	cols := []string{"workspace_id", "first_name", "last_name", "phone", "email", "company", "tags"}
	if s.dialect == postgres {
		conn, err := s.write.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		var n int64
		err = conn.Raw(func(dc any) error {
			src := &csvSource{cr: cr}
			n, err = dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"bench_raw_contacts"}, cols, src)
			return err
		})
		return int(n), err
	}
	const per, perTx = 500, 20000
	insert := func(n int) string {
		return `INSERT INTO bench_raw_contacts (` + strings.Join(cols, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", n), ",")
	}
	stmt, err := s.write.PrepareContext(ctx, insert(per))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	total, inTx := 0, 0
	args := make([]any, 0, per*7)
	var tx *sql.Tx
	flush := func(last bool) error {
		if len(args) > 0 {
			if tx == nil {
				var err error
				if tx, err = s.write.BeginTx(ctx, nil); err != nil {
					return err
				}
			}
			var err error
			if len(args) == per*7 {
				_, err = tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, insert(len(args)/7), args...)
			}
			if err != nil {
				tx.Rollback()
				return err
			}
			total += len(args) / 7
			inTx += len(args) / 7
			args = args[:0]
		}
		if tx != nil && (last || inTx >= perTx) {
			if err := tx.Commit(); err != nil {
				return err
			}
			tx, inTx = nil, 0
		}
		return nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return total, flush(true)
		}
		if err != nil {
			return total, err
		}
		args = append(args, rawWorkspaceID, rec[0], rec[1], rec[2], rec[3], rec[4], rec[5])
		if len(args) == per*7 {
			if err := flush(false); err != nil {
				return total, err
			}
		}
	}
}

// csvSource feeds the CSV file's records to COPY.
type csvSource struct {
	cr  *csv.Reader
	rec []any
	err error
}

func (c *csvSource) Next() bool {
	rec, err := c.cr.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = err
		}
		return false
	}
	c.rec = []any{rawWorkspaceID, rec[0], rec[1], rec[2], rec[3], rec[4], rec[5]}
	return true
}

func (c *csvSource) Values() ([]any, error) { return c.rec, nil }
func (c *csvSource) Err() error             { return c.err }

// PlainCallHistoryHandler is the anchor of the call-history page over HTTP (issue
// 15): GET /api/v1/workspaces/{ws}/calls answered by the same token, membership
// and page work written straight — the session by its token's hash, the caller's
// membership role, the page of 50 calls newest first, JSON in one write — without
// the product's middleware, store transaction, permission table or problem
// documents.
func (s *Store) PlainCallHistoryHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/workspaces/{ws}/calls", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var userID, role string
		err := s.read.QueryRowContext(ctx, s.rebind(`SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?`),
			secret.HashToken(token), time.Now().UnixMicro()).Scan(&userID)
		if err == nil {
			err = s.read.QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?`),
				r.PathValue("ws"), userID).Scan(&role)
		}
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+callColumns+` FROM calls WHERE workspace_id = ?
			ORDER BY started_at DESC, id DESC LIMIT 51`), r.PathValue("ws"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		page := struct {
			Items      []sb.Call `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}{Items: make([]sb.Call, 0, 51)}
		for rows.Next() {
			c, err := scanCall(rows)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			page.Items = append(page.Items, *c)
		}
		if len(page.Items) > 50 {
			page.Items = page.Items[:50]
			page.NextCursor = callCursor(page.Items[49])
		}
		var buf bytes.Buffer
		json.NewEncoder(&buf).Encode(page)
		w.Header().Set("Content-Type", "application/json")
		w.Write(buf.Bytes())
	})
	return mux
}
