package switchboard

import "context"

// ImportPreview is an uploaded CSV file set aside before its import starts: the
// console shows its columns and first rows, the person maps the columns to fields,
// then starts it. A staged file that is never started is removed after a day.
type ImportPreview struct {
	ID     string     `json:"id"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	// Suggested is, per column, the field its name maps to without a mapping
	// (phone for "Mobile", …), or "" when none.
	Suggested     []string `json:"suggested"`
	RowsTotal     int64    `json:"rows_total"`
	SizeBytes     int64    `json:"size_bytes"`
	Tags          []string `json:"tags"`
	DefaultRegion string   `json:"default_region"`
}

// ImportFields are the fields a column can map to, in the order a form offers them.
var ImportFields = []string{FieldFirstName, FieldLastName, FieldPhone, FieldEmail, FieldCompany, FieldTags, FieldIgnore}

// SuggestField is the field a column of this name maps to without a mapping, or "".
func SuggestField(column string) string {
	return columnAliases[columnKey(column)]
}

// ImportStager imports contacts in two steps: stage the file, then start it with
// its options (the same parts as POST contacts/imports: tags, default_region,
// mapping). Every method needs the right to edit contacts.
type ImportStager interface {
	StageImport(ctx context.Context, actor Actor, workspaceID string, parts ImportParts, maxBytes int64) (*ImportPreview, error)
	PreviewImport(ctx context.Context, actor Actor, workspaceID, id string) (*ImportPreview, error)
	StartStagedImport(ctx context.Context, actor Actor, workspaceID, id string, opts ImportOptions) (*ContactImport, error)
}
