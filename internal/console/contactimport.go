package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// The import in three steps, each a plain form: upload the file (staged, not yet
// imported), map its columns and give tags for every row, then watch the progress
// bar; a reload shows the same state, the script only makes the bar move by itself.

type importView struct {
	Layout
	Tags, DefaultRegion string
}

// importPage is the upload form: file, tags, default_region.
func (c *Console) importPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := importView{}
	v.Layout = c.layout(rq, "Import contacts")
	return c.render(w, rq, "import", v)
}

// stageImport stores the uploaded file aside and opens its mapping step.
func (c *Console) stageImport(w http.ResponseWriter, r *http.Request, rq *request) error {
	limit := c.cfg.ImportMaxBytes
	if limit <= 0 {
		limit = 100 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return sb.Errorf(sb.ECodeBadRequest, "Choose a CSV file to upload.")
	}
	parts := uploadParts{mr: mr, form: url.Values{}}
	p, err := c.Imports.StageImport(r.Context(), rq.Actor, rq.WS.ID, parts, limit)
	if err != nil {
		r.PostForm = parts.form // a refused upload shows its tags again
		return err
	}
	c.flashRedirect(w, r, "File received: map its columns, then start the import.", true, wsURL(rq, "/contacts/import/", p.ID))
	return nil
}

type mappingView struct {
	Layout
	Preview *sb.ImportPreview
	Columns []mappingColumn
	Tags    string
}

type mappingColumn struct {
	Name   string
	Field  string // the chosen field: the refused form's, else the suggestion
	Sample []string
}

type progressView struct {
	Layout
	Import *sb.ContactImport
	Done   int64
	Pct    int64
	Final  bool
}

// importStep is the mapping form of a staged file, or the progress of a started one.
func (c *Console) importStep(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	imp, err := c.Contacts.GetImport(r.Context(), rq.Actor, rq.WS.ID, id)
	if err == nil {
		v := progressView{Import: imp}
		v.Done = imp.RowsImported + imp.RowsRejected
		if imp.RowsTotal > 0 {
			v.Pct = min(v.Done*100/imp.RowsTotal, 100)
		}
		v.Final = imp.Status == sb.ImportCompleted || imp.Status == sb.ImportFailed
		if imp.Status == sb.ImportCompleted {
			v.Pct = 100
		}
		v.Layout = c.layout(rq, "Import progress")
		return c.render(w, rq, "import_progress", v)
	}
	if sb.ErrorCode(err) != sb.ECodeNotFound {
		return err
	}
	p, err := c.Imports.PreviewImport(r.Context(), rq.Actor, rq.WS.ID, id)
	if err != nil {
		return err
	}
	v := mappingView{Preview: p, Tags: strings.Join(p.Tags, ", ")}
	for i, h := range p.Header {
		col := mappingColumn{Name: h, Field: p.Suggested[i]}
		if col.Field == "" {
			col.Field = sb.FieldIgnore
		}
		if rq.form != nil {
			if f := rq.form.Get("mapping[" + h + "]"); f != "" {
				col.Field = f
			}
		}
		for _, row := range p.Rows {
			if i < len(row) {
				col.Sample = append(col.Sample, row[i])
			} else {
				col.Sample = append(col.Sample, "")
			}
		}
		v.Columns = append(v.Columns, col)
	}
	if rq.form != nil {
		v.Tags = rq.form.Get("tags")
	}
	v.Layout = c.layout(rq, "Map the columns")
	return c.render(w, rq, "import_mapping", v)
}

// startImport starts a staged file with the mapping (mapping[<column>] = field),
// tags and default_region of the form: the API's parts.
func (c *Console) startImport(w http.ResponseWriter, r *http.Request, rq *request) error {
	mapping := map[string]string{}
	for k, vs := range r.PostForm {
		if col, ok := strings.CutPrefix(k, "mapping["); ok && strings.HasSuffix(col, "]") && len(vs) > 0 {
			mapping[strings.TrimSuffix(col, "]")] = vs[0]
		}
	}
	var opts sb.ImportOptions
	m, _ := json.Marshal(mapping)
	if err := opts.SetPart("mapping", string(m)); err != nil {
		return err
	}
	if err := opts.SetPart("tags", r.PostFormValue("tags")); err != nil {
		return err
	}
	if err := opts.SetPart("default_region", r.PostFormValue("default_region")); err != nil {
		return err
	}
	imp, err := c.Imports.StartStagedImport(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"), opts)
	if err != nil {
		return err
	}
	c.flashRedirect(w, r, "Import started.", true, wsURL(rq, "/contacts/import/", imp.ID))
	return nil
}

// importProgress is the import's progress as JSON, the same document as the API's
// GET contacts/imports/{id}, for the page's script (the API takes bearer tokens
// only, and the session cookie is out of the script's reach).
func (c *Console) importProgress(w http.ResponseWriter, r *http.Request, rq *request) error {
	imp, err := c.Contacts.GetImport(r.Context(), rq.Actor, rq.WS.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(imp)
}

// importRejected downloads the rejected rows as CSV.
func (c *Console) importRejected(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	if _, err := c.Contacts.GetImport(r.Context(), rq.Actor, rq.WS.ID, id); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="rejected-`+id+`.csv"`)
	return c.Contacts.WriteRejected(r.Context(), rq.Actor, rq.WS.ID, id, w)
}

// uploadParts adapts the upload form to the domain's ImportParts; an empty file
// input (no file chosen) is a clear refusal.
// The small parts (tags, default_region) are kept in form, to fill the form again.
type uploadParts struct {
	mr   *multipart.Reader
	form url.Values
}

func (u uploadParts) NextPart() (string, io.Reader, error) {
	p, err := u.mr.NextPart()
	if err != nil {
		return "", nil, uploadErr(err)
	}
	name := p.FormName()
	if name == "file" {
		if p.FileName() == "" {
			return "", nil, &sb.Error{Code: sb.ECodeValidation, Message: "Choose a CSV file to upload.",
				Fields: []sb.FieldError{{Location: "body.file", Message: "Choose a CSV file."}}}
		}
		return name, errReader{p}, nil
	}
	b, err := io.ReadAll(io.LimitReader(errReader{p}, 64<<10+1))
	if err != nil {
		return "", nil, err
	}
	u.form.Add(name, string(b))
	return name, bytes.NewReader(b), nil
}

type errReader struct{ r io.Reader }

func (e errReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	return n, uploadErr(err)
}

func uploadErr(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return err
	case errors.As(err, &tooBig):
		return sb.Errorf(sb.ECodeTooLarge, "The file is larger than the import limit; split it into smaller files.")
	}
	return sb.Errorf(sb.ECodeBadRequest, "The upload was cut short; send the file again.")
}
