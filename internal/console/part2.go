package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// part2Funcs are the template functions of the part-2 pages.
var part2Funcs = template.FuncMap{
	"day":      func(t time.Time) string { return t.UTC().Format("2 Jan") },
	"isoDate":  func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"duration": duration,
	"pct": func(part, whole int64) int64 {
		if whole <= 0 {
			return 0
		}
		return min(part*100/whole, 100)
	},
	"join": strings.Join,
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"outcomes": func() []string { return sb.Outcomes },
	"weekdays": func() []string { return []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} },
	"fields":   func() []string { return sb.ImportFields },
	"formval": func(f url.Values, name, def string) string {
		if f != nil {
			if v, ok := f[name]; ok && len(v) > 0 {
				return v[0]
			}
		}
		return def
	},
	"add":        func(a, b int) int { return a + b },
	"msToS":      func(ms int64) int64 { return ms / 1000 },
	"shareTable": func(rows []share, minutes bool) shareTable { return shareTable{Rows: rows, Minutes: minutes} },
}

// shareTable is the argument of the "shares" template.
type shareTable struct {
	Rows    []share
	Minutes bool
}

// duration writes seconds as 1:05 or 1:02:05.
func duration(seconds int64) string {
	if seconds >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", seconds/3600, seconds/60%60, seconds%60)
	}
	return fmt.Sprintf("%d:%02d", seconds/60, seconds%60)
}

// chart is a bar chart drawn on the server as inline SVG: no script, no library.
// The template gives it a title and a description, each bar a <title>, and the
// same numbers as a table, so a screen reader has them all.
type chart struct {
	ID     string
	Title  string
	Unit   string
	Width  int
	Height int
	Max    string
	Bars   []bar
	Ticks  []tick
	Empty  bool
	Total  string
	Base   int // y of the axis
}

type bar struct {
	X, Y, W, H int
	Label      string // the x label (a day)
	Value      string
	ShowLabel  bool
}

type tick struct {
	X     int
	Label string
}

// barChart draws values (one per label) in a width × height box.
func barChart(id, title, unit string, labels []string, values []float64, format func(float64) string) chart {
	const width, height, top, bottom = 720, 200, 10, 24
	c := chart{ID: id, Title: title, Unit: unit, Width: width, Height: height, Base: height - bottom}
	var peak, sum float64
	for _, v := range values {
		peak = max(peak, v)
		sum += v
	}
	c.Empty = sum == 0
	c.Total = format(sum)
	c.Max = format(peak)
	if peak == 0 {
		peak = 1
	}
	n := len(values)
	if n == 0 {
		return c
	}
	const pad = 28 // room for the first and last day's label
	slot := float64(width-2*pad) / float64(n)
	w := max(int(slot*0.7), 1)
	every := max(n/8, 1)
	for i, v := range values {
		h := int(v / peak * float64(height-top-bottom))
		if v > 0 && h == 0 {
			h = 1
		}
		x := pad + int(float64(i)*slot+(slot-float64(w))/2)
		b := bar{X: x, Y: c.Base - h, W: w, H: h, Label: labels[i], Value: format(v), ShowLabel: i%every == 0}
		c.Bars = append(c.Bars, b)
		if b.ShowLabel {
			c.Ticks = append(c.Ticks, tick{X: x + w/2, Label: labels[i]})
		}
	}
	return c
}

func formatCount(v float64) string { return strconv.FormatInt(int64(v), 10) }

func formatMinutes(v float64) string { return strconv.FormatFloat(v/60, 'f', 1, 64) }

// share is one row of a breakdown with a bar (<meter>, no inline style needed).
type share struct {
	Label   string
	URL     string
	Calls   int64
	Seconds int64
	Of      int64 // the largest Calls of the breakdown, the meter's max
}

// dateRange reads the from and to of a range form: a date (YYYY-MM-DD, to meaning
// the whole day) or an RFC 3339 time. Empty means unset.
func dateRange(r *http.Request) (from, to *time.Time, err error) {
	q := r.URL.Query()
	parse := func(name string, end bool) (*time.Time, error) {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return nil, nil
		}
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			if end {
				d = d.Add(sb.Day - time.Microsecond)
			}
			return &d, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, &sb.Error{Code: sb.ECodeValidation, Message: fmt.Sprintf("The %s date must be written YYYY-MM-DD.", name),
				Fields: []sb.FieldError{{Location: "query." + name, Message: "Write the date as YYYY-MM-DD."}}}
		}
		t = t.UTC()
		return &t, nil
	}
	if from, err = parse("from", false); err != nil {
		return nil, nil, err
	}
	if to, err = parse("to", true); err != nil {
		return nil, nil, err
	}
	return from, to, nil
}

// splitList splits a form value written "a, b; c" into its items.
func splitList(s string) []string {
	return sb.NormalizeTags(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }))
}

// formPtr is a form field as an optional input: nil when the form lacks it.
func formPtr(r *http.Request, name string) *string {
	if _, ok := r.PostForm[name]; !ok {
		return nil
	}
	v := r.PostFormValue(name)
	return &v
}

// getProblem shows a refused filter of a GET page on the page itself.
func getProblem(rq *request, err error) error {
	if sb.ErrorCode(err) == sb.ECodeValidation {
		rq.problem = err
		return nil
	}
	return err
}

// wsURL is a path inside the request's workspace.
func wsURL(rq *request, parts ...string) string {
	return "/w/" + rq.WS.ID + strings.Join(parts, "")
}

// withQuery is a path with a query of the non-empty values.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// campaignFormView fills the campaign form: the refused form's values first, then
// the campaign's (edit) or the defaults (create).
type campaignFormView struct {
	Form                                         url.Values
	Fields                                       map[string]string
	Name, AssistantID, ContactTag, MaxConcurrent string
	Schedule                                     sb.Schedule
	// StartDate and EndDate are the schedule's optional dates, "" for none.
	StartDate, EndDate string
	Days               []string
	Assistants         []sb.Assistant
}

func campaignForm(l Layout, x any, assistants []sb.Assistant) campaignFormView {
	v := campaignFormView{Form: l.Form, Fields: l.Fields, Assistants: assistants, Schedule: sb.DefaultSchedule(), MaxConcurrent: "1"}
	if c, ok := x.(sb.Campaign); ok {
		v.Name, v.ContactTag, v.Schedule = c.Name, c.ContactTag, c.Schedule
		v.MaxConcurrent = strconv.FormatInt(c.MaxConcurrentCalls, 10)
		if c.AssistantID != nil {
			v.AssistantID = *c.AssistantID
		}
	}
	if v.Schedule.StartDate != nil {
		v.StartDate = *v.Schedule.StartDate
	}
	if v.Schedule.EndDate != nil {
		v.EndDate = *v.Schedule.EndDate
	}
	v.Days = v.Schedule.Days
	if l.Form != nil {
		v.Days = l.Form["days"]
	}
	return v
}

// assistantFormView fills the assistant form.
type assistantFormView struct {
	Form   url.Values
	Fields map[string]string
	A      sb.Assistant
}

func assistantForm(l Layout, a *sb.Assistant) assistantFormView {
	v := assistantFormView{Form: l.Form, Fields: l.Fields}
	if a != nil {
		v.A = *a
	}
	return v
}

func init() {
	part2Funcs["campaignForm"] = campaignForm
	part2Funcs["assistantForm"] = assistantForm
}

// stacked is a bar chart whose bars are stacked by series (calls by outcome).
type stacked struct {
	chart
	Series []string
	Days   []stackedDay
}

type stackedDay struct {
	Label    string
	Segments []segment
	Values   []int64 // per series, for the data table
}

type segment struct {
	X, Y, W, H int
	Series     string
	Value      int64
}

// stackedChart draws per label the values of each series stacked in one bar.
func stackedChart(id, title, unit string, labels, series []string, values [][]int64) stacked {
	totals := make([]float64, len(labels))
	for i := range labels {
		for _, v := range values[i] {
			totals[i] += float64(v)
		}
	}
	c := stacked{chart: barChart(id, title, unit, labels, totals, formatCount), Series: series}
	var peak float64
	for _, v := range totals {
		peak = max(peak, v)
	}
	if peak == 0 {
		peak = 1
	}
	const top, bottom = 10, 24
	scale := float64(c.Height-top-bottom) / peak
	for i, b := range c.Bars {
		d := stackedDay{Label: labels[i], Values: values[i]}
		y := c.Base
		for k, v := range values[i] {
			if v == 0 {
				continue
			}
			h := max(int(float64(v)*scale), 1)
			y -= h
			d.Segments = append(d.Segments, segment{X: b.X, Y: y, W: b.W, H: h, Series: series[k], Value: v})
		}
		c.Days = append(c.Days, d)
	}
	return c
}
