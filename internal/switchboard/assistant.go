package switchboard

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Size limits of an assistant's fields, in characters.
const (
	MaxFirstMessage = 2_000
	MaxSystemPrompt = 20_000
	maxShortField   = 100
)

// Assistant is an AI phone agent of a workspace.
type Assistant struct {
	ID           string    `json:"id"`
	WorkspaceID  string    `json:"workspace_id"`
	Name         string    `json:"name"`
	FirstMessage string    `json:"first_message"`
	SystemPrompt string    `json:"system_prompt"`
	Voice        string    `json:"voice"`
	Language     string    `json:"language"`
	Model        string    `json:"model"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// AssistantInput is the body of POST (every field but name optional) and PATCH (only
// the fields present change) of an assistant.
type AssistantInput struct {
	Name         *string `json:"name,omitempty"`
	FirstMessage *string `json:"first_message,omitempty"`
	SystemPrompt *string `json:"system_prompt,omitempty"`
	Voice        *string `json:"voice,omitempty"`
	Language     *string `json:"language,omitempty"`
	Model        *string `json:"model,omitempty"`
}

// Normalize trims the short fields and writes the language in its canonical form
// (en-us → en-US).
func (in *AssistantInput) Normalize() {
	trim(&in.Name)
	trim(&in.Voice)
	trim(&in.Language)
	trim(&in.Model)
	if in.Language != nil && ValidLanguageTag(*in.Language) {
		if tag, err := language.Parse(*in.Language); err == nil {
			s := tag.String()
			in.Language = &s
		}
	}
}

// Validate checks the fields present; creating requires a name.
func (in *AssistantInput) Validate(creating bool) error {
	var v Validation
	if in.Name != nil || creating {
		validateName(&v, deref(in.Name))
	}
	if in.FirstMessage != nil && utf8.RuneCountInString(*in.FirstMessage) > MaxFirstMessage {
		v.Add("body.first_message", "The first message must be at most %d characters long.", MaxFirstMessage)
	}
	if in.SystemPrompt != nil && utf8.RuneCountInString(*in.SystemPrompt) > MaxSystemPrompt {
		v.Add("body.system_prompt", "The system prompt must be at most %d characters long.", MaxSystemPrompt)
	}
	if in.Voice != nil && utf8.RuneCountInString(*in.Voice) > maxShortField {
		v.Add("body.voice", "The voice must be at most %d characters long.", maxShortField)
	}
	if in.Model != nil && utf8.RuneCountInString(*in.Model) > maxShortField {
		v.Add("body.model", "The model must be at most %d characters long.", maxShortField)
	}
	if in.Language != nil && *in.Language != "" && !ValidLanguageTag(*in.Language) {
		v.Add("body.language", "The language must be a BCP 47 tag such as en-US or fr.")
	}
	return v.Err()
}

// ValidLanguageTag reports whether s is a well-formed BCP 47 language tag with a
// known language subtag.
func ValidLanguageTag(s string) bool {
	if len(s) > 35 || strings.ContainsAny(s, " _") || strings.EqualFold(strings.SplitN(s, "-", 2)[0], "und") {
		return false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return false
	}
	base, conf := tag.Base()
	return conf != language.No && base.String() != "und"
}

// AssistantService manages a workspace's assistants.
type AssistantService interface {
	ListAssistants(ctx context.Context, actor Actor, workspaceID string, p Page) ([]Assistant, string, error)
	CreateAssistant(ctx context.Context, actor Actor, workspaceID string, in AssistantInput) (*Assistant, error)
	GetAssistant(ctx context.Context, actor Actor, workspaceID, id string) (*Assistant, error)
	UpdateAssistant(ctx context.Context, actor Actor, workspaceID, id string, in AssistantInput) (*Assistant, error)
	DeleteAssistant(ctx context.Context, actor Actor, workspaceID, id string) error
}

func trim(p **string) {
	if *p != nil {
		s := strings.TrimSpace(**p)
		*p = &s
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
