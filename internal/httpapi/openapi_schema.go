package httpapi

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// schemaGen makes JSON Schemas (OpenAPI 3.1) from Go types by reflection, the way
// encoding/json writes and reads them. Named struct types become components,
// referenced with $ref; the rest is inlined.
type schemaGen struct {
	components map[string]any
	// names maps a type to its component name, so that each is made once.
	names map[reflect.Type]string
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
	genericArg  = regexp.MustCompile(`^([A-Za-z0-9_]+)\[(?:.*\.)?([A-Za-z0-9_]+)\]$`)
)

// response is the schema of a value as encode writes it: every field without
// omitempty is required, and nothing else may appear.
func (g *schemaGen) response(v any) map[string]any { return g.schema(reflect.TypeOf(v), false) }

// request is the schema of a body decode accepts: fields are optional (the
// domain's Validate says what is missing, in its own words), unknown ones refused.
func (g *schemaGen) request(v any) map[string]any { return g.schema(reflect.TypeOf(v), true) }

func (g *schemaGen) schema(t reflect.Type, input bool) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	s := g.bare(t, input)
	if nullable {
		return orNull(s)
	}
	return s
}

// orNull lets a schema also be null.
func orNull(s map[string]any) map[string]any {
	if typ, ok := s["type"].(string); ok && len(s) <= 2 {
		out := map[string]any{"type": []string{typ, "null"}}
		if f, ok := s["format"]; ok {
			out["format"] = f
		}
		return out
	}
	if len(s) == 0 {
		return s // anything already includes null
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func (g *schemaGen) bare(t reflect.Type, input bool) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawJSONType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		// A nil slice is written as null.
		return map[string]any{"type": []string{"array", "null"}, "items": g.schema(t.Elem(), input)}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.schema(t.Elem(), input)}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, input)
		}
		return g.ref(t, input)
	}
	return map[string]any{} // interfaces: any JSON value
}

// ref makes (once) the component for a named struct type and refers to it.
func (g *schemaGen) ref(t reflect.Type, input bool) map[string]any {
	if name, ok := g.names[t]; ok {
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	name := componentName(t)
	if _, taken := g.components[name]; taken {
		name += "Body"
	}
	g.names[t] = name
	g.components[name] = map[string]any{} // placeholder for recursive types
	g.components[name] = g.object(t, input)
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// componentName names a type: its Go name, and list[Contact] as ContactList.
func componentName(t reflect.Type) string {
	name := t.Name()
	if m := genericArg.FindStringSubmatch(name); m != nil {
		return m[2] + strings.ToUpper(m[1][:1]) + m[1][1:]
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// object is the schema of a struct's JSON fields, embedded structs flattened.
func (g *schemaGen) object(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, input, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 && !input {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, input, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type, input)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
