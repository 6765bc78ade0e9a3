package httpapi

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// openAPIDocument builds the OpenAPI 3.1 description from the route table, so that
// it covers every API route that exists and nothing else, with the request and
// answer schemas made from the Go types in openAPITypes.
func (s *Server) openAPIDocument() map[string]any {
	g := newSchemaGen()
	problemSchema(g)
	paths := map[string]map[string]any{}
	for _, rt := range s.routes() {
		types := openAPITypes[rt.Method+" "+rt.Pattern]
		if !inAPIDocument(rt, types) {
			continue
		}
		ops, ok := paths[rt.Pattern]
		if !ok {
			ops = map[string]any{}
			paths[rt.Pattern] = ops
		}
		ops[strings.ToLower(rt.Method)] = operation(g, rt, types)
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Switchboard API", "version": "1.0.0",
			"description": "Workspaces, teams and minute budgets for voice-AI calling platforms. Errors are RFC 9457 problem documents " +
				"(application/problem+json) with a stable `code`; every answer carries an `X-Request-Id` header, also given in problems as `request_id`."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":   map[string]string{"type": "http", "scheme": "bearer", "description": "A session token (sbs_…) or an API key (sbk_…)."},
				"operator": map[string]string{"type": "http", "scheme": "bearer", "description": "The operator token given to serve."},
			},
			"schemas":   g.components,
			"responses": problemResponses(),
		},
	}
}

// inAPIDocument leaves out pages and scripts for browsers: the document lists the
// JSON API and the health checks.
func inAPIDocument(rt route, types apiTypes) bool {
	if types.HTML {
		return false
	}
	return strings.HasPrefix(rt.Pattern, "/api/") || rt.Pattern == "/healthz" || rt.Pattern == "/readyz"
}

// problemSchema makes the Problem component, the schema of every error answer.
func problemSchema(g *schemaGen) {
	g.response(problem{})
	// A problem document may grow members (RFC 9457 §3.2).
	g.components["Problem"].(map[string]any)["additionalProperties"] = true
}

// problemStatuses are the error answers each kind of operation may give, beside
// the default.
var problemStatuses = map[int]string{
	400: "The request is malformed (bad_request)",
	401: "No valid token (unauthorized, invalid_credentials)",
	403: "The caller's role or plan does not allow this (forbidden, plan_required, …)",
	404: "Nothing there, or not visible to the caller (not_found)",
	409: "Conflicts with the current state (conflict, invalid_state, …)",
	422: "Invalid input (validation_failed); errors lists the fields",
	429: "Too many attempts (rate_limited); see Retry-After",
}

func problemResponses() map[string]any {
	out := map[string]any{"Problem": problemResponse("An RFC 9457 problem document")}
	for code, desc := range problemStatuses {
		out[strconv.Itoa(code)] = problemResponse(desc)
	}
	return out
}

func problemResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{
		"application/problem+json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Problem"}}}}
}

func operation(g *schemaGen, rt route, types apiTypes) map[string]any {
	var params []map[string]any
	for _, m := range pathParam.FindAllStringSubmatch(rt.Pattern, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
	}
	for _, q := range types.Query {
		params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": paramSchema(q)})
	}
	success := map[string]any{"description": http.StatusText(rt.Status)}
	switch {
	case types.Produces != "":
		success["content"] = map[string]any{types.Produces: map[string]any{"schema": map[string]string{"type": "string"}}}
	case types.Response != nil:
		success["content"] = map[string]any{"application/json": map[string]any{"schema": g.response(types.Response)}}
	}
	responses := map[string]any{
		strconv.Itoa(rt.Status): success,
		"default":               map[string]string{"$ref": "#/components/responses/Problem"},
	}
	for _, st := range types.AlsoStatus {
		responses[strconv.Itoa(st)] = map[string]any{"description": http.StatusText(st), "content": success["content"]}
	}
	errs := []int{}
	if rt.Auth != authNone {
		errs = append(errs, 401)
	}
	if strings.Contains(rt.Pattern, "{") {
		errs = append(errs, 404)
	}
	if strings.Contains(rt.Pattern, "{ws}") {
		errs = append(errs, 403)
	}
	if types.Request != nil || types.Query != nil || types.Multipart != nil {
		errs = append(errs, 422)
	}
	if types.Request != nil || types.Multipart != nil {
		errs = append(errs, 400)
	}
	for _, code := range errs {
		responses[strconv.Itoa(code)] = map[string]string{"$ref": "#/components/responses/" + strconv.Itoa(code)}
	}
	op := map[string]any{
		"operationId": operationID(rt),
		"summary":     rt.Summary,
		"tags":        []string{tagOf(rt.Pattern)},
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
	switch {
	case types.Multipart != nil:
		props := map[string]any{}
		var required []string
		for _, p := range types.Multipart {
			props[p.Name] = paramSchema(p)
			if p.Required {
				required = append(required, p.Name)
			}
		}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
			"schema": map[string]any{"type": "object", "properties": props, "required": required}}}}
	case types.Request != nil:
		op["requestBody"] = map[string]any{"required": rt.Pattern != "/api/v1/workspaces/{ws}/calls/authorize",
			"content": map[string]any{"application/json": map[string]any{"schema": g.request(types.Request)}}}
	case !typed(rt) && (rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH"):
		// A route added without an entry in openAPITypes: listed, untyped.
		op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{}}}}
	}
	if !typed(rt) && rt.Status != http.StatusNoContent {
		success["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{}}}
	}
	return op
}

func typed(rt route) bool {
	_, ok := openAPITypes[rt.Method+" "+rt.Pattern]
	return ok
}

func paramSchema(q queryParam) map[string]any {
	if q.Type == "binary" {
		return map[string]any{"type": "string", "contentMediaType": "text/csv"}
	}
	s := map[string]any{"type": q.Type}
	if q.Enum != nil {
		s["enum"] = q.Enum
	}
	return s
}

// tagOf groups operations by the resource their path names.
func tagOf(pattern string) string {
	p := strings.TrimPrefix(pattern, "/api/v1/")
	if p == pattern {
		return "health"
	}
	parts := strings.Split(p, "/")
	if parts[0] == "workspaces" && len(parts) > 2 {
		return parts[2]
	}
	return parts[0]
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
