package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static templates
var files embed.FS

// staticFiles are the embedded static files under fingerprinted names
// (app.css → app.3f2a9c1b.css), served with a year-long immutable cache.
type staticFiles struct {
	byName map[string]string // logical name → fingerprinted URL
	body   map[string][]byte // fingerprinted file name → content
	ctype  map[string]string
}

func loadStatic() (*staticFiles, error) {
	s := &staticFiles{byName: map[string]string{}, body: map[string][]byte{}, ctype: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		s.byName[e.Name()] = "/assets/" + name
		s.body[name] = b
		s.ctype[name] = mime.TypeByExtension(ext)
	}
	return s, nil
}

// url returns the fingerprinted URL of a static file; templates call it as asset.
func (s *staticFiles) url(name string) (string, error) {
	u, ok := s.byName[name]
	if !ok {
		return "", fmt.Errorf("console: no static file %q", name)
	}
	return u, nil
}

// TotalBytes is the size of all static files together.
func (s *staticFiles) TotalBytes() int {
	n := 0
	for _, b := range s.body {
		n += len(b)
	}
	return n
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	b, ok := s.body[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", s.ctype[name])
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
