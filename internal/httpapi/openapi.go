package httpapi

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDocument builds the OpenAPI 3.1 description from the route table, so that
// it covers every route that exists and nothing else.
func (s *Server) openAPIDocument() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		ops, ok := paths[rt.Pattern]
		if !ok {
			ops = map[string]any{}
			paths[rt.Pattern] = ops
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		responses := map[string]any{
			strconv.Itoa(rt.Status): map[string]any{"description": http.StatusText(rt.Status)},
			"default":               map[string]any{"description": "An RFC 9457 problem document", "content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Problem"}}}},
		}
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.Summary,
			"responses":   responses,
		}
		if params != nil {
			op["parameters"] = params
		}
		switch rt.Auth {
		case authUser:
			op["security"] = []map[string][]string{{"bearer": {}}}
		case authOperator:
			op["security"] = []map[string][]string{{"operator": {}}}
		default:
			op["security"] = []map[string][]string{}
		}
		if rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH" {
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}}
		}
		ops[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Switchboard API", "version": "1.0.0", "description": "Workspaces, teams and minute budgets for voice-AI calling platforms."},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":   map[string]string{"type": "http", "scheme": "bearer", "description": "A session token (sbs_…) or an API key (sbk_…)."},
				"operator": map[string]string{"type": "http", "scheme": "bearer", "description": "The operator token given to serve."},
			},
			"schemas": map[string]any{
				"Problem": map[string]any{
					"type":     "object",
					"required": []string{"status", "title", "detail", "code"},
					"properties": map[string]any{
						"type": map[string]string{"type": "string"}, "title": map[string]string{"type": "string"},
						"status": map[string]string{"type": "integer"}, "detail": map[string]string{"type": "string"},
						"code": map[string]string{"type": "string"},
						"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
							"location": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"}}}},
					},
				},
			},
		},
	}
}

func operationID(rt route) string {
	p := strings.TrimPrefix(rt.Pattern, "/api/v1")
	p = pathParam.ReplaceAllString(p, "by_$1")
	p = strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(strings.Trim(p, "/"))
	return strings.ToLower(rt.Method) + "_" + p
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ actorT) error {
	encode(w, http.StatusOK, s.openAPIDocument())
	return nil
}
