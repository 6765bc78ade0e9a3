package main

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	netmail "net/mail"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/storetest"
)

// TestThreeReplicasSurviveAKill starts three replicas of the real binary on one
// PostgreSQL database, drives a mixed concurrent load through them (call reports and
// replays, invitations, renames, budgets, API keys, reads, CSV imports), SIGKILLs
// one of them mid-way, and then checks the books: no 500 answers, every
// acknowledged call recorded once and debited once, every acknowledged invitation
// delivered exactly once, every import complete with no row lost or doubled, and
// exactly one owner per workspace. See docs/hardening.md.
func TestThreeReplicasSurviveAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three replicas")
	}
	dbURL := storetest.PostgresSchema(t) // skips without PostgreSQL
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "switchboard")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sink, err := mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{Max: 100000})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()

	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	args := []string{"--data-dir", t.TempDir(), "--database-url", dbURL, "--secret-key", hex.EncodeToString(key),
		"--smtp-allow-private", "--default-plan", "enterprise", "--db-max-conns", "10", "--signups-per-hour", "100000"}
	var replicas []*server
	for range 3 {
		replicas = append(replicas, startServer(t, bin, args))
	}
	var killed atomic.Bool
	base := func(i int) string {
		if killed.Load() {
			return replicas[i%2].base
		}
		return replicas[i%3].base
	}

	// Four tenants, each with SMTP at the sink, minutes, and an admin key for the
	// voice engine.
	const tenants, grantMinutes = 4, 100000
	type tenant struct{ token, account, ws, key string }
	var ts []tenant
	sinkHost, sinkPort, _ := strings.Cut(sink.Addr(), ":")
	var port int
	fmt.Sscan(sinkPort, &port)
	for i := range tenants {
		b := base(i)
		r := mustHit(t, "POST", b+"/api/v1/auth/signup", "", map[string]string{"email": fmt.Sprintf("owner%d@example.com", i), "password": "correct horse battery", "name": "Owner"}, 201)
		tk := r["token"].(string)
		me := mustHit(t, "GET", b+"/api/v1/me", tk, nil, 200)
		te := tenant{token: tk, account: me["accounts"].([]any)[0].(map[string]any)["id"].(string), ws: me["workspaces"].([]any)[0].(map[string]any)["id"].(string)}
		mustHit(t, "POST", b+"/api/v1/operator/accounts/"+te.account+"/minutes", e2eOperatorToken, map[string]any{"minutes": grantMinutes}, 201)
		mustHit(t, "PUT", b+"/api/v1/workspaces/"+te.ws+"/integrations/smtp", tk, map[string]any{"host": sinkHost, "port": port, "from_email": "team@example.com", "security": "none"}, 200)
		te.key = mustHit(t, "POST", b+"/api/v1/workspaces/"+te.ws+"/api-keys", tk, map[string]any{"name": "engine", "role": "admin"}, 201)["key"].(string)
		ts = append(ts, te)
	}

	var (
		mu        sync.Mutex
		calls     = map[string]int64{} // acknowledged external_id → seconds
		invited   = map[string]bool{}  // acknowledged invitation emails
		imports   = map[string]int{}   // acknowledged import id → rows
		importWS  = map[string]string{}
		statuses  = map[int]int{}
		failures  []string
		callSeq   atomic.Int64
		inviteSeq atomic.Int64
	)
	record := func(status int, what string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		statuses[status]++
		if status >= 500 {
			failures = append(failures, fmt.Sprintf("%s → %d %s", what, status, body))
		}
	}

	// Imports: one per tenant, at the start, so that some run on the replica that
	// is killed.
	const importRows = 3000
	for i, te := range ts {
		var csv strings.Builder
		csv.WriteString("first_name,phone\n")
		for r := range importRows {
			fmt.Fprintf(&csv, "P%d,+1415%07d\n", r, 2000000+i*100000+r)
		}
		status, body, err := upload(base(2-i%3), te.token, te.ws, csv.String())
		if err != nil {
			t.Fatalf("import upload: %v", err)
		}
		record(status, "import", body)
		if status != 202 {
			t.Fatalf("import upload: %d %s", status, body)
		}
		var out map[string]any
		json.Unmarshal(body, &out)
		imports[out["id"].(string)] = importRows
		importWS[out["id"].(string)] = te.ws
	}

	const workers, duration = 8, 12 * time.Second
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for n := 0; time.Now().Before(deadline); n++ {
				te := ts[rng.IntN(len(ts))]
				b := base(w + n)
				ws := b + "/api/v1/workspaces/" + te.ws
				switch op := rng.IntN(100); {
				case op < 45: // a call, sometimes replayed
					ext := fmt.Sprintf("ext-%d", callSeq.Add(1))
					if op < 5 && callSeq.Load() > 1 {
						ext = fmt.Sprintf("ext-%d", 1+rng.Int64N(callSeq.Load()-1))
					}
					secs := int64(1 + rng.IntN(300))
					start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
					status, body, err := hit("POST", ws+"/calls", te.key, map[string]any{"external_id": ext, "direction": "outbound",
						"from": "+14155550100", "to": "+14155550199", "started_at": start.Format(time.RFC3339),
						"ended_at": start.Add(time.Duration(secs) * time.Second).Format(time.RFC3339), "outcome": "completed"})
					if err != nil {
						continue // the killed replica: not acknowledged
					}
					record(status, "report call", body)
					if status == 201 || status == 200 {
						var c map[string]any
						json.Unmarshal(body, &c)
						mu.Lock()
						calls[ext+"@"+te.ws] = int64(c["duration_seconds"].(float64))
						mu.Unlock()
					}
				case op < 60: // an invitation
					email := fmt.Sprintf("guest%d@example.com", inviteSeq.Add(1))
					status, body, err := hit("POST", ws+"/invitations", te.token, map[string]any{"email": email, "role": "member"})
					if err != nil {
						continue
					}
					record(status, "invite", body)
					if status == 201 {
						mu.Lock()
						invited[email] = true
						mu.Unlock()
					}
				case op < 68: // a rename: locks the workspace
					status, body, err := hit("PATCH", ws, te.token, map[string]any{"name": fmt.Sprintf("Renamed %d", n)})
					if err == nil {
						record(status, "rename", body)
					}
				case op < 76: // a budget: locks the account and the workspace
					status, body, err := hit("PUT", ws+"/budget", te.token, map[string]any{"minute_budget": 50000 + rng.IntN(1000)})
					if err == nil {
						record(status, "budget", body)
					}
				case op < 82: // an API key
					status, body, err := hit("POST", ws+"/api-keys", te.token, map[string]any{"name": "k", "role": "member"})
					if err == nil {
						record(status, "api key", body)
					}
				default: // reads
					for _, p := range []string{"", "/calls?limit=5", "/members", "/invitations"} {
						status, body, err := hit("GET", ws+p, te.token, nil)
						if err == nil {
							record(status, "GET "+p, body)
						}
					}
				}
			}
		}()
	}
	// Mid-way, one replica dies without warning.
	time.Sleep(duration / 2) // the load runs meanwhile; this only times the kill
	if err := replicas[2].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers by status: %v; %d calls, %d invitations, %d imports acknowledged", statuses, len(calls), len(invited), len(imports))
	if len(failures) > 0 {
		t.Errorf("%d answers were 5xx, e.g. %s", len(failures), failures[0])
	}
	if len(calls) == 0 || len(invited) == 0 {
		t.Fatal("the load acknowledged no calls or no invitations")
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Background work converges: imports complete and mail is delivered, also what
	// the killed replica held (its heartbeat stops; its leases are taken over).
	converged := time.Now().Add(90 * time.Second)
	for {
		var pendingImports, pendingMail int
		db.QueryRow(`SELECT COUNT(*) FROM contact_imports WHERE status IN ('queued', 'running')`).Scan(&pendingImports)
		db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'`).Scan(&pendingMail)
		if pendingImports == 0 && pendingMail == 0 {
			break
		}
		if time.Now().After(converged) {
			t.Fatalf("after 90 s: %d imports and %d messages still pending", pendingImports, pendingMail)
		}
		time.Sleep(200 * time.Millisecond) // polling the database
	}

	// Every acknowledged call is recorded once.
	rows, err := db.Query(`SELECT external_id, workspace_id, COUNT(*) FROM calls GROUP BY external_id, workspace_id`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var ext, ws string
		var n int
		rows.Scan(&ext, &ws, &n)
		stored[ext+"@"+ws] = n
	}
	rows.Close()
	for k := range calls {
		if stored[k] != 1 {
			t.Errorf("acknowledged call %s is stored %d times", k, stored[k])
		}
	}
	// Debited once: each workspace's usage is its calls, each account's balance is
	// its grants minus its calls.
	var badWS, badAccounts int
	db.QueryRow(`SELECT COUNT(*) FROM workspaces w WHERE w.seconds_used <> COALESCE((SELECT SUM(duration_seconds) FROM calls c WHERE c.workspace_id = w.id), 0)`).Scan(&badWS)
	db.QueryRow(`SELECT COUNT(*) FROM accounts a WHERE a.balance_seconds <> $1 - COALESCE((SELECT SUM(c.duration_seconds) FROM calls c JOIN workspaces w ON w.id = c.workspace_id WHERE w.account_id = a.id), 0)`,
		grantMinutes*60).Scan(&badAccounts)
	if badWS != 0 || badAccounts != 0 {
		t.Errorf("%d workspaces' usage and %d accounts' balances disagree with their calls", badWS, badAccounts)
	}
	// Every acknowledged invitation is delivered as exactly one message. SMTP
	// cannot be exactly-once: a replica killed between the server's answer and
	// recording it sends again, but with the same Message-ID (one per queued
	// message), so the receiver shows one message.
	got := map[string]map[string]bool{}
	for _, m := range sink.Messages() {
		parsed, err := netmail.ReadMessage(strings.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("caught mail is not a message: %v", err)
		}
		id := parsed.Header.Get("Message-ID")
		for _, to := range m.To {
			if got[to] == nil {
				got[to] = map[string]bool{}
			}
			got[to][id] = true
		}
	}
	for email := range invited {
		if len(got[email]) != 1 {
			t.Errorf("invitation to %s delivered as %d different messages", email, len(got[email]))
		}
	}
	// Every import is complete, with no row lost or doubled.
	for id, want := range imports {
		var status string
		var imported, contacts int
		db.QueryRow(`SELECT status, rows_imported FROM contact_imports WHERE id = $1`, id).Scan(&status, &imported)
		db.QueryRow(`SELECT COUNT(*) FROM contacts WHERE workspace_id = $1`, importWS[id]).Scan(&contacts)
		if status != "completed" || imported != want || contacts != want {
			t.Errorf("import %s: %s, %d rows imported, %d contacts; want completed with %d", id, status, imported, contacts, want)
		}
	}
	// Exactly one owner per workspace.
	var ownerless, crowded int
	db.QueryRow(`SELECT COUNT(*) FROM workspaces w WHERE (SELECT COUNT(*) FROM memberships m WHERE m.workspace_id = w.id AND m.role = 'owner') = 0`).Scan(&ownerless)
	db.QueryRow(`SELECT COUNT(*) FROM (SELECT workspace_id FROM memberships WHERE role = 'owner' GROUP BY workspace_id HAVING COUNT(*) > 1) x`).Scan(&crowded)
	if ownerless != 0 || crowded != 0 {
		t.Errorf("%d workspaces without an owner, %d with several", ownerless, crowded)
	}
}

var loadClient = &http.Client{Timeout: 30 * time.Second}

// hit sends one JSON request; err is set only when no answer came.
func hit(method, url, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := loadClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func mustHit(t *testing.T, method, url, token string, body any, want int) map[string]any {
	t.Helper()
	status, raw, err := hit(method, url, token, body)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v %s", method, url, status, err, raw)
	}
	var out map[string]any
	json.Unmarshal(raw, &out)
	return out
}

func upload(base, token, ws, csv string) (int, []byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "contacts.csv")
	io.WriteString(fw, csv)
	mw.Close()
	req, err := http.NewRequest("POST", base+"/api/v1/workspaces/"+ws+"/contacts/imports", &body)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := loadClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}
