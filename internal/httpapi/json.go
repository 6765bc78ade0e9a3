package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 1 << 20

// decode reads one JSON value into v: at most maxBodyBytes, no unknown fields, no
// trailing data. Its errors are domain errors with a stable code.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return sb.Errorf(sb.ECodeBadRequest, "The request body must hold a single JSON value; remove what follows it.")
	}
	if hasNULEscape(raw) {
		// PostgreSQL text cannot hold NUL; refuse it here rather than fail later.
		return &sb.Error{Code: sb.ECodeValidation, Message: "Text in the request body must not contain NUL (\\u0000) characters.",
			Fields: []sb.FieldError{{Location: "body", Message: "Contains a NUL character."}}}
	}
	return nil
}

// hasNULEscape reports whether a JSON document holds the escape \u0000 (the only
// way JSON can carry a NUL), not counting an escaped backslash followed by "u0000".
func hasNULEscape(raw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(`u0000`))
		if j < 0 {
			return false
		}
		k := i + j
		n := 0
		for k-n-1 >= 0 && raw[k-n-1] == '\\' {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = k + 1
	}
}

// checkURLText refuses paths and query values that are not valid UTF-8 or hold
// NUL, which no id, cursor or filter can contain (and PostgreSQL text cannot hold):
// such a path names nothing (404), such a query value is invalid (422).
func checkURLText(r *http.Request) error {
	clean := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
	if !clean(r.URL.Path) {
		return sb.Errorf(sb.ECodeNotFound, "There is nothing at this path; check the ids in it.")
	}
	for name, values := range r.URL.Query() {
		for _, v := range values {
			if !clean(name) || !clean(v) {
				return &sb.Error{Code: sb.ECodeValidation, Message: "Query parameters must be valid UTF-8 text without NUL characters.",
					Fields: []sb.FieldError{{Location: "query." + strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), ""), Message: "Not valid text."}}}
			}
		}
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return sb.Errorf(sb.ECodeBadRequest, "The request body is empty; send a JSON object.")
	case errors.As(err, &tooBig):
		return sb.Errorf(sb.ECodeTooLarge, "The request body is larger than %d bytes; send less.", tooBig.Limit)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return sb.Errorf(sb.ECodeBadRequest, "The request body is not valid JSON; check its syntax.")
	case errors.As(err, &typ):
		loc := "body"
		if typ.Field != "" {
			loc = "body." + typ.Field
		}
		kind := withArticle(jsonKind(typ.Type.Kind().String()))
		return &sb.Error{Code: sb.ECodeValidation, Message: fmt.Sprintf("The field %s must be %s.", loc, kind),
			Fields: []sb.FieldError{{Location: loc, Message: "Must be " + kind + "."}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this one.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &sb.Error{Code: sb.ECodeValidation, Message: fmt.Sprintf("The field %q is not known here; remove it.", name),
			Fields: []sb.FieldError{{Location: "body." + name, Message: "Unknown field."}}}
	}
	return sb.Errorf(sb.ECodeBadRequest, "The request body could not be read as JSON.")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "JSON object"
	}
	return "JSON " + goKind
}

// withArticle puts "a" or "an" before a kind of JSON value.
func withArticle(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// encode writes v as JSON with the status. A value that cannot be written as JSON
// (such as a time outside the years 0–9999) is answered as a 500 problem document,
// never as a success with an empty body.
func encode(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if v != nil {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			slog.Error("answer not encodable as JSON", "err", err)
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(http.StatusInternalServerError),
				Status: http.StatusInternalServerError, Detail: sb.ErrorMessage(err), Code: sb.ECodeInternal})
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string          `json:"type"`
	Title  string          `json:"title"`
	Status int             `json:"status"`
	Detail string          `json:"detail"`
	Code   string          `json:"code"`
	Errors []sb.FieldError `json:"errors,omitempty"`
	// RequestID names the request in the server's log.
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with the problem document for err; an error that is not a
// domain error is logged and shown as a safe 500.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := sb.ErrorCode(err)
	status := statusOf(code)
	if code == sb.ECodeInternal {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", redactTokens(r.URL.EscapedPath()), "err", redactTokens(err.Error()))
	}
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: sb.ErrorMessage(err), Code: code, RequestID: requestID(r)}
	var e *sb.Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[string]int{
	sb.ECodeBadRequest:         http.StatusBadRequest,
	sb.ECodeUnauthorized:       http.StatusUnauthorized,
	sb.ECodeInvalidCredentials: http.StatusUnauthorized,
	sb.ECodeForbidden:          http.StatusForbidden,
	sb.ECodePlanRequired:       http.StatusForbidden,
	sb.ECodePlanLimitReached:   http.StatusForbidden,
	sb.ECodeOwnerImmutable:     http.StatusForbidden,
	sb.ECodeEmailMismatch:      http.StatusForbidden,
	sb.ECodeNotFound:           http.StatusNotFound,
	sb.ECodeMethodNotAllowed:   http.StatusMethodNotAllowed,
	sb.ECodeInsufficientMins:   http.StatusPaymentRequired,
	sb.ECodeEmailTaken:         http.StatusConflict,
	sb.ECodeAlreadyMember:      http.StatusConflict,
	sb.ECodeInvitationPending:  http.StatusConflict,
	sb.ECodeSMTPNotConfigured:  http.StatusConflict,
	sb.ECodeHasClients:         http.StatusConflict,
	sb.ECodeInvalidState:       http.StatusConflict,
	sb.ECodeConflict:           http.StatusConflict,
	sb.ECodeInvitationExpired:  http.StatusGone,
	sb.ECodeInvitationRevoked:  http.StatusGone,
	sb.ECodeResetExpired:       http.StatusGone,
	sb.ECodeResetUsed:          http.StatusGone,
	sb.ECodeInvitationUsed:     http.StatusGone,
	sb.ECodeTooLarge:           http.StatusRequestEntityTooLarge,
	sb.ECodeValidation:         http.StatusUnprocessableEntity,
	sb.ECodeRateLimited:        http.StatusTooManyRequests,
	sb.ECodeSMTPError:          http.StatusBadGateway,
	sb.ECodeEngineError:        http.StatusBadGateway,
	sb.ECodeInternal:           http.StatusInternalServerError,
}

func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// pageParams reads ?limit= (default 50, at most 200) and ?cursor=.
func pageParams(r *http.Request) (sb.Page, error) {
	p := sb.Page{Limit: 50, Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return p, &sb.Error{Code: sb.ECodeValidation, Message: "The limit must be a whole number from 1 to 200.",
				Fields: []sb.FieldError{{Location: "query.limit", Message: "Must be 1 to 200."}}}
		}
		p.Limit = n
	}
	return p, nil
}

// paginate pages a list already sorted by key: the cursor is the key of the last
// item of the previous page.
func paginate[T any](items []T, key func(T) string, p sb.Page) list[T] {
	start := 0
	if p.Cursor != "" {
		start = len(items)
		for i, it := range items {
			if key(it) > p.Cursor {
				start = i
				break
			}
		}
	}
	end := min(start+p.Limit, len(items))
	out := list[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(items) {
		out.NextCursor = key(items[end-1])
	}
	return out
}
