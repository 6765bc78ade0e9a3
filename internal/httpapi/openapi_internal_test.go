package httpapi

import (
	"strings"
	"testing"
)

// TestOpenAPITableMatchesRoutes: every typed entry names a route that exists (a
// stale entry is a mistake), and every API route is in the document.
func TestOpenAPITableMatchesRoutes(t *testing.T) {
	s := New(Services{}, Config{})
	doc := s.openAPIDocument()
	paths := doc["paths"].(map[string]map[string]any)
	exists := map[string]bool{}
	for _, rt := range s.routes() {
		key := rt.Method + " " + rt.Pattern
		exists[key] = true
		types, typed := openAPITypes[key]
		inDoc := paths[rt.Pattern][strings.ToLower(rt.Method)] != nil
		switch {
		case types.HTML && inDoc:
			t.Errorf("%s is a page but is in the document", key)
		case strings.HasPrefix(rt.Pattern, "/api/v1/") && !inDoc:
			t.Errorf("%s is missing from the document", key)
		case strings.HasPrefix(rt.Pattern, "/api/v1/") && !typed:
			t.Logf("%s has no entry in openAPITypes: listed untyped", key)
		}
	}
	for key := range openAPITypes {
		if !exists[key] {
			t.Errorf("openAPITypes has %q, which is not a route", key)
		}
	}
}

// TestUntypedRouteIsListed: a route added without an entry in openAPITypes is still
// an operation, with any JSON body and answer.
func TestUntypedRouteIsListed(t *testing.T) {
	g := newSchemaGen()
	op := operation(g, route{"POST", "/api/v1/workspaces/{ws}/gadgets", authUser, "Make a gadget", 201, nil}, apiTypes{})
	if op["operationId"] != "post_workspaces_by_ws_gadgets" || op["requestBody"] == nil {
		t.Fatalf("untyped operation: %v", op)
	}
	ok := op["responses"].(map[string]any)["201"].(map[string]any)
	if ok["content"] == nil {
		t.Fatalf("untyped answer has no content: %v", ok)
	}
}
