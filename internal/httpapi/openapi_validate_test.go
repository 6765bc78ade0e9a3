package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// loadDocument fetches the API's own OpenAPI document from h and checks that it
// is a valid OpenAPI 3.1 document.
func loadDocument(t *testing.T, h http.Handler) (*openapi3.T, routers.Router) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != 200 {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Body)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the OpenAPI document does not load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("the document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return doc, router
}

// validated wraps the API so that every answer a test receives is checked against
// the OpenAPI document: an answer whose status or body the document does not
// describe fails the test. Pages for browsers (not in the document) pass through.
func validated(t *testing.T, h http.Handler) http.Handler {
	return validatedWith(t, h, t.Errorf)
}

func validatedWith(t *testing.T, h http.Handler, errorf func(string, ...any)) http.Handler {
	_, router := loadDocument(t, h)
	var mu sync.Mutex
	reported := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, r)
		route, params, err := router.FindRoute(r)
		if err != nil {
			// A path or method the API does not have: it must still answer with a problem.
			if rec.status >= 400 && !isProblem(rec) && strings.HasPrefix(r.URL.Path, "/api/") {
				errorf("%s %s: %d without a problem document", r.Method, r.URL.Path, rec.status)
			}
			return
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
			Status:  rec.status,
			Header:  rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(rec.body.Bytes())
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			key := r.Method + " " + route.Path + " " + http.StatusText(rec.status)
			mu.Lock()
			first := !reported[key]
			reported[key] = true
			mu.Unlock()
			if first {
				errorf("answer differs from the OpenAPI document: %s %s → %d: %v\nbody: %.600s", r.Method, r.URL.Path, rec.status, err, rec.body.String())
			}
		}
	})
}

func isProblem(rec *recorder) bool {
	return rec.Header().Get("Content-Type") == "application/problem+json"
}

// recorder passes an answer through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// TestOpenAPIDocument checks the document itself: valid 3.1, typed operations,
// multipart for imports, query parameters, and no pages for browsers.
func TestOpenAPIDocument(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		doc, _ := loadDocument(t, a.srv.Config.Handler)
		if doc.Paths.Value("/invite/{token}") != nil || doc.Paths.Value("/static/invite.js") != nil || doc.Paths.Value("/api/docs") != nil {
			t.Error("pages for browsers are listed as API operations")
		}
		imp := doc.Paths.Value("/api/v1/workspaces/{ws}/contacts/imports").Post
		if imp.RequestBody.Value.Content.Get("multipart/form-data") == nil {
			t.Error("the import is not declared as multipart/form-data")
		}
		list := doc.Paths.Value("/api/v1/workspaces/{ws}/contacts").Get
		if list.Parameters.GetByInAndName("query", "tag") == nil || list.Parameters.GetByInAndName("query", "cursor") == nil {
			t.Error("the contact list lacks its query parameters")
		}
		create := doc.Paths.Value("/api/v1/workspaces").Post
		body := create.RequestBody.Value.Content.Get("application/json").Schema.Value
		if body.Properties["minute_budget"] == nil || body.Properties["parent_id"] == nil {
			t.Errorf("workspace creation body is not typed: %v", body.Properties)
		}
		ok := create.Responses.Status(201).Value.Content.Get("application/json").Schema.Value
		if ok.Properties["owner_id"] == nil || !contains(ok.Required, "id") {
			t.Errorf("workspace answer is not typed: %v", ok)
		}
		if create.Responses.Status(422) == nil || create.Responses.Default() == nil {
			t.Error("error answers are not declared")
		}
		if doc.Components.Schemas["Problem"].Value.Properties["request_id"] == nil {
			t.Error("Problem lacks request_id")
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestOpenAPIValidationCatchesDrift: an answer unlike the document is reported.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		real := a.srv.Config.Handler
		drifting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/openapi.json" {
				real.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id": 5, "surprise": true}`))
		})
		var got []string
		h := validatedWith(t, drifting, func(f string, args ...any) { got = append(got, f) })
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/workspaces/ws_x", nil))
		if len(got) != 1 {
			t.Fatalf("a drifting answer was not reported: %v", got)
		}
	})
}

// TestAPIDocsPage: /api/docs is a page rendered from the document, naming every
// operation and schema.
func TestAPIDocsPage(t *testing.T) {
	eachAPI(t, func(t *testing.T, a *api) {
		res, err := a.srv.Client().Get(a.srv.URL + "/api/docs")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		page := body.String()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("/api/docs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		doc, _ := loadDocument(t, a.srv.Config.Handler)
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !strings.Contains(page, `id="`+op.OperationID+`"`) || !strings.Contains(page, path) {
					t.Errorf("%s %s is not on the page", method, path)
				}
			}
		}
		for _, want := range []string{`id="schema-Workspace"`, "minute_budget", "multipart/form-data", "Problem"} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
	})
}
