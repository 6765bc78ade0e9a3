package httpapi

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, a actorT) error {
	p, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, next, err := s.Contacts.ListContacts(r.Context(), a, r.PathValue("ws"), sb.ContactFilter{Tag: q.Get("tag"), Q: q.Get("q"), Page: p})
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, list[sb.Contact]{Items: items, NextCursor: next})
	return nil
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.ContactInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.CreateContact(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, a actorT) error {
	c, err := s.Contacts.GetContact(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.UpdateContactInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.Contacts.UpdateContact(r.Context(), a, r.PathValue("ws"), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request, a actorT) error {
	if err := s.Contacts.DeleteContact(r.Context(), a, r.PathValue("ws"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) tagContacts(w http.ResponseWriter, r *http.Request, a actorT) error {
	var in sb.TagContactsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n, err := s.Contacts.TagContacts(r.Context(), a, r.PathValue("ws"), in)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]int{"updated": n})
	return nil
}

// startImport streams a multipart upload to the store part by part; the CSV is
// never held whole in memory.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request, a actorT) error {
	limit := s.cfg.ImportMaxBytes
	if limit <= 0 {
		limit = 100 << 20
	}
	// The other parts are small; the file part is limited by the store.
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return sb.Errorf(sb.ECodeBadRequest, "Send the CSV as multipart/form-data, in a part named file.")
	}
	imp, err := s.Contacts.StartImport(r.Context(), a, r.PathValue("ws"), multipartParts{mr}, limit)
	if err != nil {
		return err
	}
	encode(w, http.StatusAccepted, imp)
	return nil
}

// multipartParts adapts a multipart reader to the domain's ImportParts, turning
// transport errors into domain errors.
type multipartParts struct{ mr *multipart.Reader }

func (m multipartParts) NextPart() (string, io.Reader, error) {
	p, err := m.mr.NextPart()
	if err != nil {
		return "", nil, uploadError(err)
	}
	return p.FormName(), uploadReader{p}, nil
}

type uploadReader struct{ r io.Reader }

func (u uploadReader) Read(b []byte) (int, error) {
	n, err := u.r.Read(b)
	return n, uploadError(err)
}

func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return err
	case errors.As(err, &tooBig):
		return sb.Errorf(sb.ECodeTooLarge, "The upload is larger than the import limit of %d bytes; split the file.", tooBig.Limit)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sb.Errorf(sb.ECodeBadRequest, "The upload ended early; send it again.")
	}
	return sb.Errorf(sb.ECodeBadRequest, "The upload is not valid multipart/form-data: %s.", err)
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request, a actorT) error {
	imp, err := s.Contacts.GetImport(r.Context(), a, r.PathValue("ws"), r.PathValue("id"))
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, imp)
	return nil
}

func (s *Server) importRejected(w http.ResponseWriter, r *http.Request, a actorT) error {
	id := r.PathValue("id")
	lw := &lazyWriter{w: w, header: func(h http.Header) {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", "attachment; filename="+strconv.Quote(id+"-rejected.csv"))
	}}
	if err := s.Contacts.WriteRejected(r.Context(), a, r.PathValue("ws"), id, lw); err != nil {
		if lw.started {
			return nil // the answer is under way; the client sees it cut short
		}
		return err
	}
	if !lw.started {
		lw.Write(nil)
	}
	return nil
}

// lazyWriter sets the headers and the 200 status at the first write, so that an
// error before it can still be answered as a problem document.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}
