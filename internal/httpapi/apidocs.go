package httpapi

import (
	"bytes"
	"html/template"
	"net/http"
	"sort"
	"strings"
)

// apiDocs serves a readable reference of the API, rendered on the server from the
// OpenAPI document (no script, no external files).
func (s *Server) apiDocs(w http.ResponseWriter, r *http.Request, _ actorT) error {
	doc := s.openAPIDocument()
	var buf bytes.Buffer
	if err := apiDocsTemplate.Execute(&buf, docsPage(doc)); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

type docsOp struct {
	Method, Path, Summary, Auth, ID string
	Params                          []docsField
	Body                            string
	BodyType                        string
	Responses                       []docsField
}

type docsField struct {
	Name, Where, Type, Description string
	Required                       bool
}

type docsGroup struct {
	Tag string
	Ops []docsOp
}

type docsSchema struct {
	Name   string
	Fields []docsField
}

type docsData struct {
	Title, Description string
	Groups             []docsGroup
	Schemas            []docsSchema
}

func docsPage(doc map[string]any) docsData {
	info := doc["info"].(map[string]any)
	d := docsData{Title: info["title"].(string), Description: info["description"].(string)}
	groups := map[string][]docsOp{}
	for path, item := range doc["paths"].(map[string]map[string]any) {
		for method, o := range item {
			op := o.(map[string]any)
			do := docsOp{Method: strings.ToUpper(method), Path: path, Summary: op["summary"].(string), ID: op["operationId"].(string), Auth: "none"}
			if sec, _ := op["security"].([]map[string][]string); len(sec) > 0 {
				for k := range sec[0] {
					do.Auth = k + " token"
				}
			}
			params, _ := op["parameters"].([]map[string]any)
			for _, p := range params {
				desc, _ := p["description"].(string)
				req, _ := p["required"].(bool)
				do.Params = append(do.Params, docsField{Name: p["name"].(string), Where: p["in"].(string), Type: typeText(p["schema"]), Description: desc, Required: req})
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				for mt, c := range rb["content"].(map[string]any) {
					do.BodyType = mt
					do.Body = typeText(c.(map[string]any)["schema"])
				}
			}
			for code, resp := range op["responses"].(map[string]any) {
				f := docsField{Name: code}
				switch rv := resp.(type) {
				case map[string]string:
					name := strings.TrimPrefix(rv["$ref"], "#/components/responses/")
					f.Type, f.Description = "Problem", problemStatuses[atoi(name)]
					if name == "Problem" {
						f.Description = "Any other error: an RFC 9457 problem document"
					}
				case map[string]any:
					f.Description, _ = rv["description"].(string)
					if c, ok := rv["content"].(map[string]any); ok {
						for mt, v := range c {
							f.Type = typeText(v.(map[string]any)["schema"])
							if mt != "application/json" {
								f.Type = mt
							}
						}
					}
				}
				do.Responses = append(do.Responses, f)
			}
			sort.Slice(do.Responses, func(i, j int) bool { return do.Responses[i].Name < do.Responses[j].Name })
			tag := op["tags"].([]string)[0]
			groups[tag] = append(groups[tag], do)
		}
	}
	methodOrder := map[string]int{"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
	for tag, ops := range groups {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return methodOrder[ops[i].Method] < methodOrder[ops[j].Method]
		})
		d.Groups = append(d.Groups, docsGroup{Tag: tag, Ops: ops})
	}
	sort.Slice(d.Groups, func(i, j int) bool { return d.Groups[i].Tag < d.Groups[j].Tag })
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, sc := range schemas {
		ds := docsSchema{Name: name}
		m := sc.(map[string]any)
		required := map[string]bool{}
		if req, ok := m["required"].([]string); ok {
			for _, r := range req {
				required[r] = true
			}
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for p, ps := range props {
				ds.Fields = append(ds.Fields, docsField{Name: p, Type: typeText(ps), Required: required[p]})
			}
		}
		sort.Slice(ds.Fields, func(i, j int) bool { return ds.Fields[i].Name < ds.Fields[j].Name })
		d.Schemas = append(d.Schemas, ds)
	}
	sort.Slice(d.Schemas, func(i, j int) bool { return d.Schemas[i].Name < d.Schemas[j].Name })
	return d
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// typeText writes a schema as a short type expression: "string | null",
// "Workspace[]", "{ updated: integer }".
func typeText(v any) string {
	switch s := v.(type) {
	case map[string]string:
		if ref, ok := s["$ref"]; ok {
			return ref[strings.LastIndexByte(ref, '/')+1:]
		}
		return s["type"]
	case map[string]any:
		if ref, ok := s["$ref"].(string); ok {
			return ref[strings.LastIndexByte(ref, '/')+1:]
		}
		if any, ok := s["anyOf"].([]any); ok {
			var parts []string
			for _, a := range any {
				parts = append(parts, typeText(a))
			}
			return strings.Join(parts, " | ")
		}
		var types []string
		switch t := s["type"].(type) {
		case string:
			types = []string{t}
		case []string:
			types = t
		}
		if len(types) == 0 {
			return "any JSON"
		}
		var parts []string
		for _, t := range types {
			switch t {
			case "array":
				parts = append(parts, typeText(s["items"])+"[]")
			case "object":
				if props, ok := s["properties"].(map[string]any); ok && len(props) > 0 {
					var fs []string
					for name, p := range props {
						fs = append(fs, name+": "+typeText(p))
					}
					sort.Strings(fs)
					parts = append(parts, "{ "+strings.Join(fs, ", ")+" }")
				} else if ap, ok := s["additionalProperties"]; ok && ap != false {
					parts = append(parts, "map of "+typeText(ap))
				} else {
					parts = append(parts, "object")
				}
			case "string":
				if f, ok := s["format"].(string); ok {
					parts = append(parts, "string ("+f+")")
				} else if e, ok := s["enum"].([]string); ok {
					parts = append(parts, `"`+strings.Join(e, `" | "`)+`"`)
				} else {
					parts = append(parts, "string")
				}
			default:
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, " | ")
	}
	return "any JSON"
}

var apiDocsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:1rem 2rem;color:#1d232a}
code,.path,.type{font-family:ui-monospace,Menlo,monospace;font-size:13px}
nav a{margin-right:.8rem}
section.op{border:1px solid #d8dee4;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:ui-monospace,monospace}
.GET{color:#0969da}.POST{color:#1a7f37}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}
table{border-collapse:collapse;margin:.3rem 0}td,th{text-align:left;padding:.15rem .8rem .15rem 0;vertical-align:top}
th{font-weight:600;color:#57606a}.muted{color:#57606a}
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{.Description}}</p>
<p class="muted">Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>
<nav>{{range .Groups}}<a href="#tag-{{.Tag}}">{{.Tag}}</a>{{end}}<a href="#schemas">schemas</a></nav>
{{range .Groups}}<h2 id="tag-{{.Tag}}">{{.Tag}}</h2>
{{range .Ops}}<section class="op" id="{{.ID}}">
<div><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span></div>
<p>{{.Summary}} <span class="muted">— auth: {{.Auth}}</span></p>
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} *{{end}}</td><td>{{.Where}}</td><td class="type">{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>{{end}}
{{if .BodyType}}<p>Body ({{.BodyType}}): <span class="type">{{.Body}}</span></p>{{end}}
<table><tr><th>status</th><th>answer</th><th></th></tr>
{{range .Responses}}<tr><td>{{.Name}}</td><td class="type">{{.Type}}</td><td>{{.Description}}</td></tr>
{{end}}</table>
</section>{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}<h3 id="schema-{{.Name}}">{{.Name}}</h3>
<table><tr><th>field</th><th>type</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if not .Required}} <span class="muted">(may be absent)</span>{{end}}</td><td class="type">{{.Type}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))
