package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findChromium returns the Chromium binary: SWITCHBOARD_TEST_CHROMIUM, else
// /usr/bin/chromium, else one on PATH; "" when there is none.
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

// screenshotDir is where the journey writes its screenshots: the test's own
// temporary directory, so that a test run leaves the checkout as it was, or
// SWITCHBOARD_SCREENSHOT_DIR (docs/screenshots refreshes the README's pictures).
func screenshotDir(t *testing.T) string {
	d := os.Getenv("SWITCHBOARD_SCREENSHOT_DIR")
	if d == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(d) {
		// go test runs in the package's folder; a relative path means the
		// repository's root, where the command was typed from the README.
		d = filepath.Join("..", "..", d)
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// devServer is the real binary with --dev: the console, the API and the mail catcher.
type devServer struct {
	*server
	smtpHost, smtpPort string
	dbArgs             []string
	bin                string
}

func startDevServer(t *testing.T, bin string) *devServer {
	t.Helper()
	return startServerWith(t, bin, nil, "--dev", "--dev-smtp-addr", "127.0.0.1:0")
}

// startServerWith starts the binary with extra flags and environment variables;
// with --dev it also waits for the mail catcher's address.
func startServerWith(t *testing.T, bin string, env []string, flags ...string) *devServer {
	t.Helper()
	dbArgs := []string{"--data-dir", t.TempDir()}
	args := append(append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...), dbArgs...)
	dev := false
	for _, f := range flags {
		dev = dev || f == "--dev"
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.stderr.String())
		}
	})
	addr, catcher := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "switchboard listening on "); ok {
				addr <- a
			}
			if rest, ok := strings.CutPrefix(line, "dev mail catcher: SMTP on "); ok {
				catcher <- strings.SplitN(rest, ",", 2)[0]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	d := &devServer{server: s, dbArgs: dbArgs, bin: bin}
	for d.base == "" || (dev && d.smtpHost == "") {
		select {
		case d.base = <-addr:
		case c := <-catcher:
			d.smtpHost, d.smtpPort, _ = net.SplitHostPort(c)
		case <-s.done:
			t.Fatalf("server exited: %v\n%s", s.err, s.stderr.String())
		case <-time.After(30 * time.Second):
			t.Fatalf("server did not start\n%s", s.stderr.String())
		}
	}
	return d
}

// cli runs an operator command against the server's database while it runs.
func (d *devServer) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(d.bin, append(args, d.dbArgs...)...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("switchboard %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestConsoleJourney drives the console of the real binary in headless Chromium:
// sign up, make the account enterprise with the operator CLI, create an agency and
// a client, set budgets on the billing page, configure SMTP and send a test, invite
// two people, accept through the caught mail in other browser contexts, and see
// each role's navigation. It writes screenshots of the main pages.
func TestConsoleJourney(t *testing.T) {
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
	shots := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 860), chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	tab := func() context.Context {
		c, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		ctx, cancelT := context.WithTimeout(c, 3*time.Minute)
		t.Cleanup(func() { cancelT(); cancel() })
		return ctx
	}
	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("browser: %s: %v\npage:\n%s", what, err, body)
		}
	}
	eval := func(ctx context.Context, what, expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
		return s
	}
	text := func(ctx context.Context) string {
		return eval(ctx, "read the page", `document.querySelector("main").innerText`)
	}
	want := func(ctx context.Context, parts ...string) {
		t.Helper()
		s := text(ctx)
		for _, p := range parts {
			if !strings.Contains(s, p) {
				t.Fatalf("page lacks %q:\n%s", p, s)
			}
		}
	}
	shot := func(ctx context.Context, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if len(png) < 5_000 {
			t.Fatalf("screenshot %s is %d bytes", name, len(png))
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	location := func(ctx context.Context) string {
		u, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, base)
	}
	// submit sends the form holding sel and waits for the page it lands on.
	// The old page is marked, so that the wait ends only on the new one.
	submit := func(ctx context.Context, what, sel string) {
		t.Helper()
		eval(ctx, "mark the page", `window.__old = "1"`)
		run(ctx, what, chromedp.Submit(chromedp.CSS(sel)))
		deadline := time.Now().Add(30 * time.Second)
		for {
			// While the new page replaces the old one, an evaluation can fail
			// (its context destroyed): that is not an answer, so ask again.
			state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(window.__old || "") + document.readyState`))
			if err == nil && state == "complete" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no new page (last state %q, %v)", what, state, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	navOf := func(ctx context.Context) string {
		return eval(ctx, "read the navigation", `(document.querySelector("nav.side")||{innerText:""}).innerText`)
	}

	// The owner signs up.
	owner := tab()
	run(owner, "open the console", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#email")))
	shot(owner, "login")
	run(owner, "go to sign up", chromedp.Click(chromedp.CSS(`a[href="/signup"]`)), chromedp.WaitVisible(chromedp.CSS("#name")))
	run(owner, "fill in sign-up",
		chromedp.SendKeys(chromedp.CSS("#name"), "Olivia Owner"),
		chromedp.SendKeys(chromedp.CSS("#email"), "olivia@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
	submit(owner, "sign up", "#password")
	want(owner, "Welcome!", "Olivia Owner's workspace")

	// The operator makes the account enterprise and fills its pool.
	m := regexp.MustCompile(`(?m)^(acc_\S+)`).FindStringSubmatch(srv.cli(t, "accounts", "list"))
	if m == nil {
		t.Fatal("no account listed")
	}
	srv.cli(t, "accounts", "set-plan", m[1], "enterprise")
	srv.cli(t, "minutes", "grant", m[1], "1000")

	// Create an agency and a client.
	run(owner, "open Create Workspace", chromedp.Navigate(base+"/w/new"), chromedp.WaitVisible(chromedp.CSS("#name")))
	run(owner, "fill in the agency",
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme Agency"),
		chromedp.SetValue(chromedp.CSS("#type"), "agency"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Voice agents for clients"))
	submit(owner, "create the agency", "#name")
	want(owner, "Acme Agency is ready")
	agency := location(owner)
	run(owner, "open clients", chromedp.Navigate(base+agency+"/clients"), chromedp.WaitVisible(chromedp.CSS("#name")))
	run(owner, "name the client", chromedp.SendKeys(chromedp.CSS("#name"), "Bella Bakery"))
	submit(owner, "create the client", "#name")
	want(owner, "Bella Bakery is ready")
	client := location(owner)

	// Budgets on the billing page: the agency's, then its client's.
	run(owner, "open billing", chromedp.Navigate(base+agency+"/billing"), chromedp.WaitVisible(chromedp.CSS("#minute_budget")))
	run(owner, "set the agency budget", chromedp.SetValue(chromedp.CSS("#minute_budget"), "600"))
	submit(owner, "save the agency budget", "#minute_budget")
	want(owner, "The budget of Acme Agency is saved.", "Bella Bakery", "Every workspace of the account", "1000 min")
	clientID := strings.TrimPrefix(client, "/w/")
	run(owner, "set the client budget", chromedp.SetValue(chromedp.CSS("#budget-"+clientID), "120"))
	submit(owner, "save the client budget", "#budget-"+clientID)
	want(owner, "The budget of Bella Bakery is saved.")
	if loc := location(owner); loc != agency+"/billing" {
		t.Fatalf("after a client's budget: %s", loc)
	}
	shot(owner, "billing")

	// SMTP pointed at the --dev mail catcher, and a test message.
	run(owner, "open integrations", chromedp.Navigate(base+agency+"/settings/integrations"), chromedp.WaitVisible(chromedp.CSS("#host")))
	run(owner, "fill in SMTP",
		chromedp.SetValue(chromedp.CSS("#host"), srv.smtpHost),
		chromedp.SetValue(chromedp.CSS("#port"), srv.smtpPort),
		chromedp.SetValue(chromedp.CSS("#security"), "none"),
		chromedp.SendKeys(chromedp.CSS("#from_email"), "team@acme.example"),
		chromedp.SendKeys(chromedp.CSS("#from_name"), "Acme Agency"))
	submit(owner, "save SMTP", "#host")
	want(owner, "The mail server is saved.")
	submit(owner, "send a test", "#to")
	want(owner, "The mail server took the test message for olivia@example.com.")
	shot(owner, "integrations")

	// Invite two people.
	invite := func(email, role string) {
		run(owner, "open team", chromedp.Navigate(base+agency+"/team"), chromedp.WaitVisible(chromedp.CSS("#email")))
		run(owner, "fill in the invitation", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SetValue(chromedp.CSS("#role"), role))
		submit(owner, "invite "+email, "#email")
		want(owner, "Invitation sent to "+email)
		run(owner, "the link to copy", chromedp.WaitVisible(chromedp.CSS("#accept-url")))
	}
	invite("mia@example.com", "manager")
	invite("vic@example.com", "viewer")
	shot(owner, "team")
	run(owner, "dashboard", chromedp.Navigate(base+agency), chromedp.WaitVisible(chromedp.CSS("nav.side")))
	shot(owner, "dashboard")
	run(owner, "account", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#current_password")))
	want(owner, "enterprise", "this session")
	shot(owner, "account")
	run(owner, "clients", chromedp.Navigate(base+agency+"/clients"), chromedp.WaitVisible(chromedp.CSS("main table")))
	shot(owner, "clients")
	ownerNav := navOf(owner)

	// Each invitee accepts through the caught mail, in a browser of their own.
	accept := func(email, name string) context.Context {
		ctx := tab()
		var link string
		deadline := time.Now().Add(30 * time.Second)
		for link == "" {
			run(ctx, "open the caught mail", chromedp.Navigate(base+"/dev/mail"))
			link = eval(ctx, "find the link", `(() => {
				const a = [...document.querySelectorAll("article")].find(m => m.textContent.includes("to `+email+`"));
				const l = a && a.querySelector('a[href*="/invite/"]');
				return l ? l.getAttribute("href") : "";
			})()`)
			if link == "" {
				if time.Now().After(deadline) {
					t.Fatalf("no invitation mail to %s", email)
				}
				time.Sleep(200 * time.Millisecond) // the outbox worker polls every 2s
			}
		}
		// Navigate (which waits for the page's load) rather than click: a click's
		// navigation could finish loading after #name was found, and the node ids the
		// next steps use were then gone ("Could not find node with given id").
		if !strings.HasPrefix(link, "http") {
			link = base + link
		}
		run(ctx, "follow the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#name")))
		want(ctx, "Join Acme Agency")
		if email == "mia@example.com" {
			shot(ctx, "invite")
		}
		run(ctx, "sign up through the invitation",
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"))
		submit(ctx, "join", "#password")
		want(ctx, "Welcome to Acme Agency!")
		if loc := location(ctx); loc != agency {
			t.Fatalf("%s landed on %s, want %s", email, loc, agency)
		}
		return ctx
	}
	mia := accept("mia@example.com", "Mia Manager")
	vic := accept("vic@example.com", "Vic Viewer")

	// Each role's navigation.
	for _, c := range []struct {
		who       string
		nav       string
		has, hasn []string
	}{
		{"owner", ownerNav, []string{"Team", "Billing", "Settings", "API keys", "White label", "Clients"}, nil},
		{"manager", navOf(mia), []string{"Team", "Contacts", "Campaigns", "Clients"}, []string{"Billing", "Settings", "API keys", "Audit log"}},
		{"viewer", navOf(vic), []string{"Dashboard", "Calls", "Team"}, []string{"Contacts", "Billing", "Settings"}},
	} {
		for _, h := range c.has {
			if !strings.Contains(c.nav, h) {
				t.Errorf("%s's navigation lacks %s: %q", c.who, h, c.nav)
			}
		}
		for _, h := range c.hasn {
			if strings.Contains(c.nav, h) {
				t.Errorf("%s's navigation shows %s: %q", c.who, h, c.nav)
			}
		}
	}
	// A page the viewer's role does not reach is the 403 page.
	run(vic, "billing as viewer", chromedp.Navigate(base+agency+"/billing"), chromedp.WaitVisible(chromedp.CSS(".error-page")))
	want(vic, "403", "Not allowed")
	// The owner's team page lists both.
	run(owner, "team again", chromedp.Navigate(base+agency+"/team"), chromedp.WaitVisible(chromedp.CSS("main table")))
	want(owner, "Mia Manager", "Vic Viewer")
}
