package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTab is one person's tab in headless Chromium, with the few steps the
// part-2 journey needs.
type browserTab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

func (b *browserTab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		b.t.Fatalf("browser: %s: %v\npage:\n%s", what, err, body)
	}
}

func (b *browserTab) eval(what, expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return s
}

func (b *browserTab) want(parts ...string) {
	b.t.Helper()
	s := b.eval("read the page", `document.querySelector("main").innerText`)
	for _, p := range parts {
		if !strings.Contains(s, p) {
			b.t.Fatalf("page lacks %q:\n%s", p, s)
		}
	}
}

// submit sends the form holding sel and waits for the page it lands on.
func (b *browserTab) submit(what, sel string) {
	b.t.Helper()
	b.eval("mark the page", `window.__old = "1"`)
	b.run(what, chromedp.Submit(chromedp.CSS(sel)))
	b.waitFor(what, `(window.__old || "") + document.readyState`, "complete", 30*time.Second)
}

// waitFor polls a JavaScript expression until it gives want.
func (b *browserTab) waitFor(what, expr, want string, limit time.Duration) string {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		// While a page replaces another, an evaluation can fail (its context
		// destroyed): that is not an answer, so ask again until the deadline.
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
		if err == nil && got == want {
			return got
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %q, want %q (%v)", what, got, want, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browserTab) location() string {
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(u, b.base)
}

func (b *browserTab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestConsolePart2Journey drives the part-2 pages of the real binary in headless
// Chromium: import a CSV of a few thousand rows with a column mapping and watch
// the bar reach 100 % with the right counts and a reject file; create a campaign
// and start it; open a call's conversation; see the analytics chart change after
// calls are reported. It writes screenshots of these pages.
func TestConsolePart2Journey(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary in a browser")
	}
	chromium := findChromium()
	if chromium == "" {
		t.Skip("browser test skipped: no Chromium found; install it or set SWITCHBOARD_TEST_CHROMIUM")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv := startDevServer(t, bin)
	base := srv.base

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 860), chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	ctx, cancel := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(cancel)
	b := &browserTab{t: t, ctx: ctx, base: base, shots: screenshotDir(t)}

	// Sign up; the operator fills the account's pool.
	b.run("open sign-up", chromedp.Navigate(base+"/signup"), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.run("fill in sign-up",
		chromedp.SendKeys(chromedp.CSS("#name"), "Paula Part"),
		chromedp.SendKeys(chromedp.CSS("#email"), "paula@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	b.submit("sign up", "#password")
	ws := b.location()
	if !strings.HasPrefix(ws, "/w/") {
		t.Fatalf("signed up onto %s", ws)
	}
	m := regexp.MustCompile(`(?m)^(acc_\S+)`).FindStringSubmatch(srv.cli(t, "accounts", "list"))
	if m == nil {
		t.Fatal("no account listed")
	}
	srv.cli(t, "minutes", "grant", m[1], "10000")
	api := &apiClient{t: t, base: base + "/api/v1/workspaces/" + strings.TrimPrefix(ws, "/w/")}
	api.token = api.login("paula@example.com", "correct horse battery")

	// Import 3,000 rows whose columns need a mapping: 2,990 distinct phones, 5
	// repeated further down, 5 rejected; tags cells written "recall,vip".
	var csv strings.Builder
	csv.WriteString("Full Name,Cell No,Labels,Notes\n")
	for i := range 2990 {
		fmt.Fprintf(&csv, "Person %d,+1415555%04d,\"recall,vip\",x\n", i, 1000+i)
	}
	for i := range 5 {
		fmt.Fprintf(&csv, "Again %d,+1415555%04d,late,\n", i, 1000+i)
	}
	for i := range 5 {
		fmt.Fprintf(&csv, "Broken %d,not-a-phone,,\n", i)
	}
	file := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run("open import", chromedp.Navigate(base+ws+"/contacts/import"), chromedp.WaitVisible(chromedp.CSS("#file")))
	b.run("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}), chromedp.SendKeys(chromedp.CSS("#tags"), "spring"))
	b.submit("upload", "#file")
	b.want("Map the columns", "Cell No", "Person 0", "+14155551000")
	b.shot("import-mapping")
	b.run("map the columns",
		chromedp.SetValue(chromedp.CSS("#map-0"), "first_name"),
		chromedp.SetValue(chromedp.CSS("#map-1"), "phone"),
		chromedp.SetValue(chromedp.CSS("#map-2"), "tags"))
	b.submit("start the import", "#map-0")
	b.run("the progress bar", chromedp.WaitVisible(chromedp.CSS("#import-bar")))
	// The page's script polls the progress until the import completes; the
	// page is not reloaded.
	b.eval("mark the page", `window.__same = "yes"`)
	b.waitFor("the bar reaches 100 %", `document.getElementById("import").dataset.status + " " + document.getElementById("import-bar").value`, "completed 100", 90*time.Second)
	if b.eval("same page", `window.__same || ""`) != "yes" {
		t.Fatal("the page was reloaded: the bar did not move by itself")
	}
	counts := b.eval("read the counts", `["rows_total","rows_imported","rows_created","rows_updated","rows_duplicate","rows_rejected"].map(k => document.querySelector('[data-field="'+k+'"]').textContent).join(" ")`)
	if counts != "3000 2995 2990 0 5 5" {
		t.Fatalf("counts (total imported created updated duplicate rejected): %s", counts)
	}
	b.run("the reject file link", chromedp.WaitVisible(chromedp.CSS("#rejected-link a")))
	rejected, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("#rejected-link a").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the reject file: %v", err)
	}
	if lines := strings.Count(strings.TrimSpace(rejected), "\n") + 1; lines != 6 || !strings.Contains(rejected, "reason") || !strings.Contains(rejected, "Broken 3") {
		t.Fatalf("reject file (%d lines):\n%s", lines, rejected)
	}
	b.shot("import-progress")
	b.run("contacts tagged vip", chromedp.Navigate(base+ws+"/contacts?tag=vip&q=Person%2012"), chromedp.WaitVisible(chromedp.CSS("main table")))
	b.want("Person 12", "recall", "vip", "spring")
	b.run("contacts", chromedp.Navigate(base+ws+"/contacts"), chromedp.WaitVisible(chromedp.CSS("main table")))
	b.shot("contacts")

	// An assistant, then a campaign over the imported contacts, started.
	b.run("open assistants", chromedp.Navigate(base+ws+"/assistants"), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.run("name the assistant", chromedp.SendKeys(chromedp.CSS("#name"), "Rita Reception"), chromedp.SendKeys(chromedp.CSS("#first_message"), "Hello from the clinic!"))
	b.submit("create the assistant", "#name")
	b.want("Assistant Rita Reception created.")
	assistant := strings.TrimPrefix(b.location(), ws+"/assistants/")
	b.run("open campaigns", chromedp.Navigate(base+ws+"/campaigns"), chromedp.WaitVisible(chromedp.CSS("#name")))
	b.run("fill in the campaign",
		chromedp.SendKeys(chromedp.CSS("#name"), "Spring recall"),
		chromedp.SetValue(chromedp.CSS("#assistant_id"), assistant),
		chromedp.SendKeys(chromedp.CSS("#contact_tag"), "vip"),
		chromedp.SetValue(chromedp.CSS("#max_concurrent_calls"), "5"),
		chromedp.SetValue(chromedp.CSS("#timezone"), "Europe/Paris"))
	b.submit("create the campaign", "#name")
	b.want("Campaign created as a draft", "2990 contacts tagged vip", "Rita Reception", "(Europe/Paris)")
	b.submit("start the campaign", `form[action$="/start"] button`)
	b.want("Campaign running.")
	if s := b.eval("the status", `document.getElementById("campaign-status").textContent`); s != "running" {
		t.Fatalf("campaign status %q", s)
	}
	campaign := strings.TrimPrefix(b.location(), ws+"/campaigns/")
	b.shot("campaign")

	// The voice engine reports calls; the analytics chart changes.
	b.run("open analytics", chromedp.Navigate(base+ws+"/analytics"), chromedp.WaitVisible(chromedp.CSS("#chart-calls")))
	chartSum := func() string {
		return b.eval("sum the chart", `String([...document.querySelectorAll("#chart-calls rect.bar")].reduce((s, r) => s + Number(r.dataset.value), 0))`)
	}
	if got := chartSum(); got != "0" || b.eval("total", `document.getElementById("total-calls").textContent`) != "0" {
		t.Fatalf("analytics before any call: %s", got)
	}
	now := time.Now().UTC()
	call := api.report("call-1", now.Add(-3*time.Hour), 125, assistant, campaign)
	api.report("call-2", now.Add(-2*time.Hour), 40, assistant, "")
	api.report("call-3", now.Add(-26*time.Hour), 61, "", "")
	b.run("reload analytics", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chart-calls")))
	if got := chartSum(); got != "3" {
		t.Fatalf("the chart after 3 calls sums to %s", got)
	}
	if b.eval("bars drawn", `String([...document.querySelectorAll("#chart-calls rect.bar")].filter(r => Number(r.getAttribute("height")) > 0).length)`) == "0" {
		t.Fatal("no bar drawn")
	}
	b.want("Rita Reception")
	b.shot("analytics")

	// Open a call's conversation from the history.
	b.run("open calls", chromedp.Navigate(base+ws+"/calls"), chromedp.WaitVisible(chromedp.CSS("main table")))
	b.shot("calls")
	b.run("open the call", chromedp.Click(chromedp.CSS(`a[href="`+ws+`/calls/`+call+`"]`)), chromedp.WaitVisible(chromedp.CSS(".transcript")))
	b.want("Conversation", "Hello, this is Rita from the clinic.", "I would like to book a cleaning.", "2:05", "Spring recall")
	if n := b.eval("turns", `String(document.querySelectorAll(".transcript .turn.by-assistant").length) + "/" + String(document.querySelectorAll(".transcript .turn.by-user").length)`); n != "2/1" {
		t.Fatalf("turns by speaker: %s", n)
	}
	if src := b.eval("the player", `(document.querySelector("audio")||{}).src || ""`); src != "https://recordings.example.com/call-1.mp3" {
		t.Fatalf("audio player: %q", src)
	}
	b.shot("call")

	// The dashboard shows the chart, the recent calls and the running campaign.
	b.run("dashboard", chromedp.Navigate(base+ws), chromedp.WaitVisible(chromedp.CSS("#chart-calls")))
	b.want("Recent calls", "Running campaigns", "Spring recall")
	b.shot("dashboard-calls")

	// A running campaign's page follows its state by itself: paused through the
	// API, the page shows it without a reload.
	b.run("campaign page", chromedp.Navigate(base+ws+"/campaigns/"+campaign), chromedp.WaitVisible(chromedp.CSS("#campaign")))
	b.eval("mark the page", `window.__same = "yes"`)
	api.do("POST", api.base+"/campaigns/"+campaign+"/pause", nil)
	b.waitFor("the status follows", `document.getElementById("campaign-status").textContent`, "paused", 30*time.Second)
	if b.eval("same page", `window.__same || ""`) != "yes" {
		t.Fatal("the campaign page was reloaded")
	}
}

// apiClient is the voice engine's side: the JSON API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (a *apiClient) do(method, url string, body any) map[string]any {
	a.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		a.t.Fatalf("%s %s: %d %v", method, url, res.StatusCode, out)
	}
	return out
}

func (a *apiClient) login(email, password string) string {
	base := a.base[:strings.Index(a.base, "/api/v1/")]
	out := a.do("POST", base+"/api/v1/auth/login", map[string]string{"email": email, "password": password})
	return out["token"].(string)
}

func (a *apiClient) report(ext string, start time.Time, seconds int, assistant, campaign string) string {
	body := map[string]any{"external_id": ext, "direction": "outbound", "from": "+14155550100", "to": "+14155551000",
		"started_at": start.Format(time.RFC3339), "ended_at": start.Add(time.Duration(seconds) * time.Second).Format(time.RFC3339),
		"outcome": map[string]string{"call-2": "busy", "call-3": "voicemail"}[ext], "recording_url": "https://recordings.example.com/" + ext + ".mp3",
		"transcript": []map[string]any{
			{"speaker": "assistant", "text": "Hello, this is Rita from the clinic.", "at_ms": 0},
			{"speaker": "user", "text": "I would like to book a cleaning.", "at_ms": 2100},
			{"speaker": "assistant", "text": "Tuesday at " + strconv.Itoa(9+len(ext)%3) + " works.", "at_ms": 5400},
		}}
	if body["outcome"] == "" {
		body["outcome"] = "completed"
	}
	if assistant != "" {
		body["assistant_id"] = assistant
	}
	if campaign != "" {
		body["campaign_id"] = campaign
	}
	return a.do("POST", a.base+"/calls", body)["id"].(string)
}
