package httpapi

import sb "github.com/switchboard/switchboard/internal/switchboard"

// apiTypes describes one operation for the OpenAPI document, beside the route
// table (keyed "METHOD pattern"): the Go types of its request and success answer,
// its query parameters, and how its body or answer is not JSON. A route without an
// entry still appears in the document, untyped.
type apiTypes struct {
	Request  any // a value of the request body's type; nil for none
	Response any // a value of the success answer's type; nil for none (204)
	Query    []queryParam
	// Multipart lists the form parts of a multipart/form-data body.
	Multipart []queryParam
	// Produces is the success answer's media type when it is not JSON.
	Produces string
	// AlsoStatus are other success statuses with the same answer (a replay's 200).
	AlsoStatus []int
	// HTML marks a page or script for browsers: left out of the API document.
	HTML bool
}

// queryParam is a query parameter (or a multipart form part).
type queryParam struct {
	Name, Type, Description string
	Enum                    []string
	Required                bool
}

var pageQuery = []queryParam{
	{Name: "limit", Type: "integer", Description: "Items per page, 1 to 200 (default 50)."},
	{Name: "cursor", Type: "string", Description: "The next_cursor of the previous page."},
}

func withPage(qs ...queryParam) []queryParam {
	return append(append([]queryParam{}, pageQuery...), qs...)
}

type status struct {
	Status string `json:"status"`
}

type planInput struct {
	Plan string `json:"plan"`
}

type tagResult struct {
	Updated int `json:"updated"`
}

type smtpTestResult struct {
	Status string `json:"status"`
	To     string `json:"to"`
}

// openAPITypes is the typed half of the OpenAPI document.
var openAPITypes = map[string]apiTypes{
	"GET /healthz":             {Response: status{}},
	"GET /readyz":              {Response: status{}},
	"GET /api/v1/openapi.json": {Response: map[string]any{}},
	"GET /api/docs":            {HTML: true},

	"POST /api/v1/auth/signup": {Request: sb.SignUpInput{}, Response: authAnswer{}},
	"POST /api/v1/auth/login":  {Request: sb.LoginInput{}, Response: authAnswer{}},
	"POST /api/v1/auth/logout": {},
	"GET /api/v1/me":           {Response: sb.Me{}},

	"GET /api/v1/accounts/{account_id}":                   {Response: sb.Account{}},
	"GET /api/v1/operator/accounts":                       {Response: list[sb.Account]{}, Query: pageQuery},
	"PUT /api/v1/operator/accounts/{account_id}/plan":     {Request: planInput{}, Response: sb.Account{}},
	"POST /api/v1/operator/accounts/{account_id}/minutes": {Request: sb.GrantInput{}, Response: sb.MinuteGrant{}},

	"POST /api/v1/workspaces":              {Request: sb.CreateWorkspaceInput{}, Response: sb.Workspace{}},
	"GET /api/v1/workspaces":               {Response: list[sb.Workspace]{}, Query: pageQuery},
	"GET /api/v1/workspaces/{ws}":          {Response: sb.Workspace{}},
	"PATCH /api/v1/workspaces/{ws}":        {Request: sb.UpdateWorkspaceInput{}, Response: sb.Workspace{}},
	"DELETE /api/v1/workspaces/{ws}":       {Query: []queryParam{{Name: "cascade", Type: "boolean", Description: "Also delete an agency's clients."}}},
	"POST /api/v1/workspaces/{ws}/restore": {Response: sb.Workspace{}},
	"GET /api/v1/workspaces/{ws}/clients":  {Response: list[sb.Workspace]{}, Query: pageQuery},
	"PUT /api/v1/workspaces/{ws}/budget":   {Request: sb.BudgetInput{}, Response: sb.Workspace{}},
	"GET /api/v1/workspaces/{ws}/usage":    {Response: sb.Usage{}},

	"GET /api/v1/workspaces/{ws}/members":              {Response: list[sb.Member]{}, Query: pageQuery},
	"PATCH /api/v1/workspaces/{ws}/members/{user_id}":  {Request: sb.RoleInput{}, Response: sb.Member{}},
	"DELETE /api/v1/workspaces/{ws}/members/{user_id}": {},
	"POST /api/v1/workspaces/{ws}/ownership":           {Request: sb.TransferInput{}, Response: sb.Workspace{}},

	"POST /api/v1/workspaces/{ws}/api-keys":        {Request: sb.APIKeyInput{}, Response: sb.NewAPIKey{}},
	"GET /api/v1/workspaces/{ws}/api-keys":         {Response: list[sb.APIKey]{}, Query: pageQuery},
	"DELETE /api/v1/workspaces/{ws}/api-keys/{id}": {},
	"GET /api/v1/workspaces/{ws}/audit-log": {Response: list[sb.AuditEntry]{}, Query: withPage(
		queryParam{Name: "action", Type: "string", Description: "Only entries of this action."},
		queryParam{Name: "actor_id", Type: "string", Description: "Only entries by this actor."})},

	"GET /api/v1/workspaces/{ws}/assistants":         {Response: list[sb.Assistant]{}, Query: pageQuery},
	"POST /api/v1/workspaces/{ws}/assistants":        {Request: sb.AssistantInput{}, Response: sb.Assistant{}},
	"GET /api/v1/workspaces/{ws}/assistants/{id}":    {Response: sb.Assistant{}},
	"PATCH /api/v1/workspaces/{ws}/assistants/{id}":  {Request: sb.AssistantInput{}, Response: sb.Assistant{}},
	"DELETE /api/v1/workspaces/{ws}/assistants/{id}": {},

	"GET /api/v1/workspaces/{ws}/workflows":               {Response: list[sb.Workflow]{}, Query: pageQuery},
	"POST /api/v1/workspaces/{ws}/workflows":              {Request: sb.WorkflowInput{}, Response: sb.Workflow{}},
	"GET /api/v1/workspaces/{ws}/workflows/{id}":          {Response: sb.Workflow{}},
	"PATCH /api/v1/workspaces/{ws}/workflows/{id}":        {Request: sb.WorkflowInput{}, Response: sb.Workflow{}},
	"DELETE /api/v1/workspaces/{ws}/workflows/{id}":       {},
	"POST /api/v1/workspaces/{ws}/workflows/{id}/deploy":  {Response: sb.WorkflowVersion{}},
	"GET /api/v1/workspaces/{ws}/workflows/{id}/versions": {Response: list[sb.WorkflowVersion]{}, Query: pageQuery},
	"GET /api/v1/workspaces/{ws}/campaigns":               {Response: list[sb.Campaign]{}, Query: pageQuery},
	"POST /api/v1/workspaces/{ws}/campaigns":              {Request: sb.CampaignInput{}, Response: sb.Campaign{}},
	"GET /api/v1/workspaces/{ws}/campaigns/{id}":          {Response: sb.Campaign{}},
	"PATCH /api/v1/workspaces/{ws}/campaigns/{id}":        {Request: sb.CampaignInput{}, Response: sb.Campaign{}},
	"DELETE /api/v1/workspaces/{ws}/campaigns/{id}":       {},
	"POST /api/v1/workspaces/{ws}/campaigns/{id}/start":   {Response: sb.Campaign{}},
	"POST /api/v1/workspaces/{ws}/campaigns/{id}/pause":   {Response: sb.Campaign{}},
	"POST /api/v1/workspaces/{ws}/campaigns/{id}/resume":  {Response: sb.Campaign{}},
	"POST /api/v1/workspaces/{ws}/campaigns/{id}/stop":    {Response: sb.Campaign{}},
	"POST /api/v1/workspaces/{ws}/invitations":            {Request: sb.InvitationInput{}, Response: sb.Invitation{}},
	"GET /api/v1/workspaces/{ws}/invitations": {Response: list[sb.Invitation]{}, Query: withPage(
		queryParam{Name: "status", Type: "string", Description: "Only invitations in this state.", Enum: []string{"pending", "accepted", "expired", "revoked"}})},
	"POST /api/v1/workspaces/{ws}/invitations/{id}/resend": {Response: sb.Invitation{}},
	"DELETE /api/v1/workspaces/{ws}/invitations/{id}":      {},
	"GET /api/v1/invitations/{token}":                      {Response: sb.InvitationPreview{}},
	"GET /invite/{token}":                                  {HTML: true},
	"GET /static/invite.js":                                {HTML: true},
	"POST /api/v1/invitations/{token}/accept":              {Response: sb.Acceptance{}},

	"GET /api/v1/workspaces/{ws}/integrations/smtp":       {Response: sb.SMTPSettings{}},
	"PUT /api/v1/workspaces/{ws}/integrations/smtp":       {Request: sb.SMTPInput{}, Response: sb.SMTPSettings{}},
	"DELETE /api/v1/workspaces/{ws}/integrations/smtp":    {},
	"POST /api/v1/workspaces/{ws}/integrations/smtp/test": {Request: sb.SMTPTestInput{}, Response: smtpTestResult{}},
	"GET /api/v1/workspaces/{ws}/white-label":             {Response: sb.WhiteLabel{}},
	"PUT /api/v1/workspaces/{ws}/white-label":             {Request: sb.WhiteLabelInput{}, Response: sb.WhiteLabel{}},

	"POST /api/v1/workspaces/{ws}/calls/authorize": {Request: sb.AuthorizeCallInput{}, Response: sb.CallAuthorization{}},
	"POST /api/v1/workspaces/{ws}/calls":           {Request: sb.ReportCallInput{}, Response: sb.Call{}, AlsoStatus: []int{200}},
	"GET /api/v1/workspaces/{ws}/calls": {Response: list[sb.Call]{}, Query: withPage(
		queryParam{Name: "from", Type: "string", Description: "Calls started at or after this RFC 3339 time (or YYYY-MM-DD)."},
		queryParam{Name: "to", Type: "string", Description: "Calls started before this RFC 3339 time (or YYYY-MM-DD)."},
		queryParam{Name: "outcome", Type: "string", Description: "Only calls with this outcome."},
		queryParam{Name: "assistant_id", Type: "string", Description: "Only calls of this assistant."},
		queryParam{Name: "campaign_id", Type: "string", Description: "Only calls of this campaign."})},
	"GET /api/v1/workspaces/{ws}/calls/{id}":              {Response: sb.Call{}},
	"GET /api/v1/workspaces/{ws}/calls/{id}/conversation": {Response: sb.Conversation{}},
	"GET /api/v1/workspaces/{ws}/analytics": {Response: sb.Analytics{}, Query: []queryParam{
		{Name: "from", Type: "string", Description: "Start, an RFC 3339 time or YYYY-MM-DD."},
		{Name: "to", Type: "string", Description: "End, an RFC 3339 time or YYYY-MM-DD."},
		{Name: "interval", Type: "string", Description: "Bucket size.", Enum: []string{"day"}}}},

	"GET /api/v1/workspaces/{ws}/contacts": {Response: list[sb.Contact]{}, Query: withPage(
		queryParam{Name: "tag", Type: "string", Description: "Only contacts with this tag."},
		queryParam{Name: "q", Type: "string", Description: "Search names, phone, email and company."})},
	"POST /api/v1/workspaces/{ws}/contacts":        {Request: sb.ContactInput{}, Response: sb.Contact{}},
	"GET /api/v1/workspaces/{ws}/contacts/{id}":    {Response: sb.Contact{}},
	"PATCH /api/v1/workspaces/{ws}/contacts/{id}":  {Request: sb.UpdateContactInput{}, Response: sb.Contact{}},
	"DELETE /api/v1/workspaces/{ws}/contacts/{id}": {},
	"POST /api/v1/workspaces/{ws}/contacts/tags":   {Request: sb.TagContactsInput{}, Response: tagResult{}},
	"POST /api/v1/workspaces/{ws}/contacts/imports": {Response: sb.ContactImport{}, Multipart: []queryParam{
		{Name: "file", Type: "binary", Description: "The CSV file, with a header row.", Required: true},
		{Name: "tags", Type: "string", Description: "Comma-separated tags for every row."},
		{Name: "default_region", Type: "string", Description: "Region (such as US) for phones without a country code."},
		{Name: "mapping", Type: "string", Description: "JSON object from CSV column to contact field."}}},
	"GET /api/v1/workspaces/{ws}/contacts/imports/{id}":          {Response: sb.ContactImport{}},
	"GET /api/v1/workspaces/{ws}/contacts/imports/{id}/rejected": {Produces: "text/csv"},
}
