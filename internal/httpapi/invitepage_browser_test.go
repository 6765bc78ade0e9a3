package httpapi_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard/switchboard/internal/mail"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// findChromium returns the Chromium (or Chrome) binary the browser tests drive:
// SWITCHBOARD_TEST_CHROMIUM when set, else /usr/bin/chromium, else the first of
// chromium, chromium-browser and google-chrome on PATH; "" when there is none.
func findChromium() string {
	if p := os.Getenv("SWITCHBOARD_TEST_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts one headless Chromium for the test, with a fresh profile and
// no background traffic, and returns its context; each case opens its own tab with
// newTab. The test is skipped when no Chromium is installed.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; install it (apt-get install chromium) or set SWITCHBOARD_TEST_CHROMIUM to a Chromium or Chrome binary")
	}
	profile := t.TempDir() // registered before the browser's cleanup, so removed after it exits
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1000, 800),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() }) // cancelAlloc waits for the browser to exit
	if err := chromedp.Do(browserCtx); err != nil {      // starts the browser
		t.Fatalf("starting %s: %v", bin, err)
	}
	return browserCtx
}

// newTab opens a tab in a browser context of its own (no shared storage) that
// closes when the test ends; everything in it gives up after two minutes.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	t.Cleanup(func() { cancel(); cancelTab() })
	return ctx
}

// run is chromedp.Run that fails the test on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// do is chromedp.Do that fails the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// openInvite opens the invitation page in the tab and returns its visible text.
func openInvite(t *testing.T, ctx context.Context, a *api, token string, status int64) string {
	t.Helper()
	res := run(t, ctx, "open the page", chromedp.NavigateResponse(a.srv.URL+"/invite/"+token))
	if res.Status != status {
		t.Fatalf("page status %d, want %d", res.Status, status)
	}
	return run(t, ctx, "read the page", chromedp.Evaluate[string]("document.body.innerText"))
}

// outcome waits until the page's script reports how a form went (the script sets
// the result's class to "ok" or "error" once the API has answered, and clears it on
// each submit) and returns that class and the text shown.
func outcome(t *testing.T, ctx context.Context) (class, text string) {
	t.Helper()
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS("#result.ok, #result.error"))); err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("result").outerHTML`))
		t.Fatalf("browser: waiting for the result: %v; the page shows %s", err, shown)
	}
	class = run(t, ctx, "result class", chromedp.Evaluate[string](`document.getElementById("result").className`))
	text = run(t, ctx, "result text", chromedp.Text(chromedp.ID("result")))
	return class, text
}

// memberRole returns the role of the member with the email, or "" for none.
func memberRole(t *testing.T, a *api, token, wsID, email string) string {
	t.Helper()
	for _, m := range a.do("GET", "/api/v1/workspaces/"+wsID+"/members", token, nil).want(t, 200).Items() {
		if m["email"] == email {
			r, _ := m["role"].(string)
			return r
		}
	}
	return ""
}

// TestInvitePageInBrowser drives the invitation page in a real headless Chromium:
// the page's script must create the account or log in and accept, through the API.
func TestInvitePageInBrowser(t *testing.T) {
	browser := startBrowser(t)
	eachAPI(t, func(t *testing.T, a *api) {
		owner := a.signUp("Olga")
		a.setPlan(owner.AccountID, "starter")
		a.setSMTP(owner.Token, owner.WorkspaceID, startSMTP(t, mail.CatcherOptions{}).Addr())
		a.do("PATCH", "/api/v1/workspaces/"+owner.WorkspaceID, owner.Token, map[string]any{"name": "Acme <Calls>"}).want(t, 200)
		inviteToken := func(email string, role sb.Role) string {
			r := a.invite(owner.Token, owner.WorkspaceID, email, role).want(t, 201)
			return strings.TrimPrefix(r.Str("accept_url"), testBaseURL+"/invite/")
		}

		t.Run("sign up", func(t *testing.T) {
			token := inviteToken("guest@example.com", sb.RoleManager)
			ctx := newTab(t, browser)
			text := openInvite(t, ctx, a, token, 200)
			for _, want := range []string{"Olga invited you to Acme <Calls>", "You are invited as manager, as guest@example.com", "Create account and join", "Log in and join"} {
				if !strings.Contains(text, want) {
					t.Fatalf("page lacks %q:\n%s", want, text)
				}
			}
			shot := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
			if !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) || len(shot) < 10_000 {
				t.Fatalf("screenshot is not a plausible PNG (%d bytes)", len(shot))
			}
			dir := t.TempDir()
			if d := os.Getenv("SWITCHBOARD_TEST_SCREENSHOT_DIR"); d != "" {
				dir = d // to look at the page: keep the file
			}
			if err := os.WriteFile(filepath.Join(dir, "invite.png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}

			do(t, ctx, "fill and send the sign-up form",
				chromedp.SendKeys(chromedp.ID("name"), "Gina Guest"),
				chromedp.SendKeys(chromedp.ID("new-password"), "correct horse battery"),
				chromedp.Click(chromedp.CSS("#signup button")),
			)
			if class, text := outcome(t, ctx); class != "ok" || !strings.Contains(text, "Your account is ready and you have joined the workspace") {
				t.Fatalf("result %q: %q", class, text)
			}
			do(t, ctx, "forms hidden", chromedp.WaitNotVisible(chromedp.ID("signup")), chromedp.WaitNotVisible(chromedp.ID("login")))

			// The guest has an account, with the invited role in the workspace.
			guest := a.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "guest@example.com", "password": "correct horse battery"}).want(t, 200)
			if name := a.do("GET", "/api/v1/me", guest.Str("token"), nil).want(t, 200).Str("user.name"); name != "Gina Guest" {
				t.Fatalf("guest's name %q", name)
			}
			if role := memberRole(t, a, owner.Token, owner.WorkspaceID, "guest@example.com"); role != string(sb.RoleManager) {
				t.Fatalf("guest's role %q, want manager", role)
			}
		})

		t.Run("log in and join", func(t *testing.T) {
			erin := a.signUp("Erin")
			token := inviteToken(erin.Email, sb.RoleMember)
			ctx := newTab(t, browser)
			if text := openInvite(t, ctx, a, token, 200); !strings.Contains(text, "Already have an account as "+erin.Email+"?") {
				t.Fatalf("page lacks the log-in form:\n%s", text)
			}
			// A wrong password is reported on the page, and joins nothing.
			do(t, ctx, "log in with a wrong password",
				chromedp.SendKeys(chromedp.ID("password"), "not my password"),
				chromedp.Click(chromedp.CSS("#login button")),
			)
			if class, text := outcome(t, ctx); class != "error" || text == "" {
				t.Fatalf("wrong password: result %q: %q", class, text)
			}
			if role := memberRole(t, a, owner.Token, owner.WorkspaceID, erin.Email); role != "" {
				t.Fatalf("joined with a wrong password as %q", role)
			}
			do(t, ctx, "log in with the right password",
				chromedp.SetValue(chromedp.ID("password"), "correct horse battery"), // replaces what was typed
				chromedp.Click(chromedp.CSS("#login button")),
			)
			if _, text := outcome(t, ctx); text != "You have joined the workspace as member." {
				t.Fatalf("result %q", text)
			}
			if role := memberRole(t, a, owner.Token, owner.WorkspaceID, erin.Email); role != string(sb.RoleMember) {
				t.Fatalf("Erin's role %q, want member", role)
			}
		})

		t.Run("used link", func(t *testing.T) {
			token := inviteToken("once@example.com", sb.RoleViewer)
			a.do("POST", "/api/v1/auth/signup", "", map[string]any{"email": "once@example.com", "password": "correct horse", "name": "Once", "invitation_token": token}).want(t, 201)
			ctx := newTab(t, browser)
			text := openInvite(t, ctx, a, token, 410)
			if !strings.Contains(text, "This invitation cannot be used") || strings.Contains(text, "Create account") {
				t.Fatalf("used link page:\n%s", text)
			}
			if forms := run(t, ctx, "count forms", chromedp.Evaluate[int]("document.forms.length")); forms != 0 {
				t.Fatalf("used link page has %d forms", forms)
			}
		})
	})
}
