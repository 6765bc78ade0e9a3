package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/internal/console"
	"github.com/switchboard/switchboard/internal/dialer"
	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/simengine"
	"github.com/switchboard/switchboard/internal/store"
	sb "github.com/switchboard/switchboard/internal/switchboard"
	"github.com/switchboard/switchboard/internal/webhook"
)

// Config is the server's configuration, from flags and the environment.
type Config struct {
	Addr             string
	BaseURL          string
	OperatorToken    string
	SMTPAllowPrivate bool
	Dev              bool
	// SecretKey seals SMTP passwords (hex or base64 of 32 bytes); empty means a key
	// generated into the data directory.
	SecretKey   string
	DevSMTPAddr string
	// ImportMaxBytes is the largest CSV file a contact import accepts.
	ImportMaxBytes int64
	// MetricsAddr serves /metrics on its own address; empty serves it on Addr.
	MetricsAddr string
	db          dbFlags
	// DBMaxConns caps the PostgreSQL pool; SignUpsPerHour is one address's sign-up
	// allowance (docs/hardening.md).
	DBMaxConns     int64
	SignUpsPerHour int64

	// SMTPURL is the operator's mail server for system mail (password resets,
	// budget alerts): smtp[s]://user:pass@host:port. MailFrom is its sender.
	SMTPURL  string
	MailFrom string

	// DevEngineSeed seeds the --dev simulated voice engine's random calls.
	DevEngineSeed uint64

	// WebhookDelivery runs the webhook worker in this process (on by default).
	// Off, events are still written and queued, and delivered by the replicas
	// that run it: several processes on one database share the outbox.
	WebhookDelivery onOff
}

// onOff is a flag whose value is on or off.
type onOff bool

func (v *onOff) String() string {
	if v != nil && bool(*v) {
		return "on"
	}
	return "off"
}

func (v *onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "1":
		*v = true
	case "off", "false", "0":
		*v = false
	default:
		return fmt.Errorf("want on or off, not %q", s)
	}
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := serveCmd.flagSet()
	var cfg Config
	cfg.db.register(fs, getenv)
	cfg.db.registerDefaultPlan(fs)
	fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "SWITCHBOARD_ADDR", "127.0.0.1:8080"), "address to listen on [SWITCHBOARD_ADDR]")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("SWITCHBOARD_BASE_URL"), "public URL of the server, for links in mail (default http://<addr>) [SWITCHBOARD_BASE_URL]")
	fs.StringVar(&cfg.OperatorToken, "operator-token", getenv("SWITCHBOARD_OPERATOR_TOKEN"), "token for the operator API; empty disables it [SWITCHBOARD_OPERATOR_TOKEN]")
	fs.BoolVar(&cfg.SMTPAllowPrivate, "smtp-allow-private", envBool(getenv, "SWITCHBOARD_SMTP_ALLOW_PRIVATE"), "let workspaces use SMTP servers on loopback and private addresses [SWITCHBOARD_SMTP_ALLOW_PRIVATE]")
	fs.BoolVar(&cfg.Dev, "dev", envBool(getenv, "SWITCHBOARD_DEV"), "development mode: also run a local mail catcher; implies --smtp-allow-private [SWITCHBOARD_DEV]")
	fs.StringVar(&cfg.SecretKey, "secret-key", getenv("SWITCHBOARD_SECRET_KEY"), "key that encrypts SMTP passwords at rest, hex or base64 of 32 bytes; default: one generated into the data directory (SQLite) or kept in the database and shared by the replicas (PostgreSQL) [SWITCHBOARD_SECRET_KEY]")
	fs.StringVar(&cfg.DevSMTPAddr, "dev-smtp-addr", envOr(getenv, "SWITCHBOARD_DEV_SMTP_ADDR", "127.0.0.1:1025"), "address of the --dev mail catcher [SWITCHBOARD_DEV_SMTP_ADDR]")
	fs.Int64Var(&cfg.ImportMaxBytes, "import-max-bytes", envInt64(getenv, "SWITCHBOARD_IMPORT_MAX_BYTES", store.DefaultImportMaxBytes), "largest CSV file a contact import accepts, in bytes [SWITCHBOARD_IMPORT_MAX_BYTES]")
	fs.Int64Var(&cfg.DBMaxConns, "db-max-conns", envInt64(getenv, "SWITCHBOARD_DB_MAX_CONNS", 20), "most PostgreSQL connections this process opens (three replicas at 20 leave room in the default 100) [SWITCHBOARD_DB_MAX_CONNS]")
	fs.Int64Var(&cfg.SignUpsPerHour, "signups-per-hour", envInt64(getenv, "SWITCHBOARD_SIGNUPS_PER_HOUR", httpapi.DefaultSignUpsPerHour), "accounts one client address may create per hour [SWITCHBOARD_SIGNUPS_PER_HOUR]")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", getenv("SWITCHBOARD_METRICS_ADDR"), "serve /metrics on this address instead of --addr [SWITCHBOARD_METRICS_ADDR]")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", getenv("SWITCHBOARD_SMTP_URL"), "mail server for system mail (password resets, alerts): smtp[s]://user:pass@host:port; --dev uses the mail catcher [SWITCHBOARD_SMTP_URL]")
	fs.StringVar(&cfg.MailFrom, "mail-from", getenv("SWITCHBOARD_MAIL_FROM"), "sender of system mail, e.g. \"Switchboard <noreply@example.com>\" [SWITCHBOARD_MAIL_FROM]")
	fs.Uint64Var(&cfg.DevEngineSeed, "dev-engine-seed", uint64(envInt64(getenv, "SWITCHBOARD_DEV_ENGINE_SEED", 1)), "seed of the --dev simulated voice engine's outcomes and durations [SWITCHBOARD_DEV_ENGINE_SEED]")
	cfg.WebhookDelivery = true
	if v := getenv("SWITCHBOARD_WEBHOOK_DELIVERY"); v != "" {
		if err := cfg.WebhookDelivery.Set(v); err != nil {
			return fmt.Errorf("SWITCHBOARD_WEBHOOK_DELIVERY: %w", err)
		}
	}
	fs.Var(&cfg.WebhookDelivery, "webhook-delivery", "on: this process delivers webhook events; off: it only queues them, for the replicas that run with on [SWITCHBOARD_WEBHOOK_DELIVERY]")
	if _, err := serveCmd.parseArgs(fs, args, stdout, stderr); err != nil {
		return err
	}
	var systemServer *sb.SMTPServer // the --dev catcher's is set once it listens
	if cfg.SMTPURL != "" && !cfg.Dev {
		srv, err := mail.ParseSMTPURL(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return err
		}
		systemServer = &srv
	}
	if cfg.Dev {
		cfg.SMTPAllowPrivate = true
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))

	// Without --secret-key, replicas on one PostgreSQL agree on the key through
	// the database (after the migration, below); SQLite keeps it in the data
	// directory.
	sharedKey := cfg.SecretKey == "" && isPostgres(cfg.db.databaseURL)
	var key []byte
	var err error
	if sharedKey {
		key, err = sharedKeyCandidate(cfg.db.dataDir)
	} else {
		key, err = secretKey(cfg.SecretKey, cfg.db.dataDir, logger)
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return listenError("--addr", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	engines := dialer.NewClient(cfg.SMTPAllowPrivate, nil)
	var devEngineURL, devEngineSecret string
	if cfg.Dev {
		// The simulated voice engine: dev workspaces without their own engine use it.
		devEngineSecret = secret.Token("sim_")
		sim, err := simengine.Start("127.0.0.1:0", simengine.Config{Secret: devEngineSecret, Seed: cfg.DevEngineSeed, Logger: logger})
		if err != nil {
			return fmt.Errorf("dev voice engine: %w", err)
		}
		defer sim.Close()
		devEngineURL = sim.URL()
		fmt.Fprintf(stdout, "dev voice engine: simulated calls at %s\n", devEngineURL)
	}
	transport := mail.NewTransport(mail.TransportConfig{AllowPrivate: cfg.SMTPAllowPrivate, Logger: logger})
	cfg.db.configure = func(c *store.Config) {
		c.SecretKey, c.BaseURL, c.Mail = key, cfg.BaseURL, transport
		c.MaxConns = int(cfg.DBMaxConns)
		c.SystemMail = systemServer != nil || cfg.Dev
		c.Engine, c.DefaultEngineURL, c.DefaultEngineSecret = engines, devEngineURL, devEngineSecret
	}
	m := metrics.New()
	cfg.db.configure = withObserver(cfg.db.configure, m)
	st, err := cfg.db.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	if sharedKey {
		if err := st.AdoptSharedSecretKey(ctx, key); err != nil {
			return err
		}
		logger.Warn("no --secret-key: secrets are sealed with a key kept in the database, shared by every replica; give each replica the same --secret-key to keep the key apart from the data")
	}
	watchStore(m, st)

	api := httpapi.New(httpapi.Services{Users: st, Accounts: st, Workspaces: st, Members: st, APIKeys: st, Audit: st, Assistants: st, Workflows: st, Campaigns: st, Invitations: st, SMTP: st, WhiteLabel: st, Calls: st, Contacts: st, People: st, Webhooks: st, VoiceEngine: st}, httpapi.Config{
		ImportMaxBytes: cfg.ImportMaxBytes,
		SignUpsPerHour: int(cfg.SignUpsPerHour),
		OperatorToken:  cfg.OperatorToken,
		Ready:          st.Ping,
		Logger:         logger,
		Metrics:        m,
	})
	con, err := console.New(console.Services{Users: st, Accounts: st, Workspaces: st, Members: st, APIKeys: st, Audit: st, Invitations: st, SMTP: st, WhiteLabel: st, People: st, Brands: st,
		Calls: st, Contacts: st, Imports: st, Campaigns: st, Assistants: st, Workflows: st, Alerts: st, Webhooks: st}, console.Config{
		BaseURL: cfg.BaseURL,
		Logger:  logger,
		API:     api,
		DevMail: cfg.Dev,
		// Console part 2: the CSV import page's upload limit.
		ImportMaxBytes: cfg.ImportMaxBytes,
	})
	if err != nil {
		return err
	}
	var handler http.Handler = con // the console, which hands /api/ and the health checks to the API
	if cfg.Dev {
		// The catcher keeps its mail in the database: /dev/mail on any replica
		// shows what every replica caught.
		catcher, err := mail.StartCatcher(cfg.DevSMTPAddr, mail.CatcherOptions{Keeper: st})
		if err != nil && errors.Is(err, syscall.EADDRINUSE) && !flagOrEnvSet(fs, getenv, "dev-smtp-addr", "SWITCHBOARD_DEV_SMTP_ADDR") {
			// The default port is taken (another --dev server on this machine, such
			// as a second replica): the catcher takes any free loopback port.
			catcher, err = mail.StartCatcher("127.0.0.1:0", mail.CatcherOptions{Keeper: st})
		}
		if err != nil {
			return fmt.Errorf("dev mail catcher: %w", listenError("--dev-smtp-addr", cfg.DevSMTPAddr, err))
		}
		defer catcher.Close()
		devServer, err := mail.DevServer(catcher.Addr(), cfg.MailFrom)
		if err != nil {
			return err
		}
		systemServer = &devServer
		mux := http.NewServeMux()
		mux.Handle("GET /dev/mail", catcher)
		mux.Handle("/", con)
		handler = mux
		logger.Info("dev mail catcher", "smtp", catcher.Addr(), "page", cfg.BaseURL+"/dev/mail")
		fmt.Fprintf(stdout, "dev mail catcher: SMTP on %s, caught mail at %s/dev/mail\n", catcher.Addr(), cfg.BaseURL)
	}

	handler, stopMetrics, err := serveMetrics(m, cfg.MetricsAddr, handler, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()

	// This process's leases: cleared at start on SQLite, a heartbeat on PostgreSQL
	// (docs/hardening.md). Stopped after the workers.
	stopInstance, err := st.RunInstance(ctx)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	defer stopInstance()

	// The outbox worker stops with the server's context, before the store closes.
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		mail.NewWorker(st, transport, mail.WorkerConfig{Logger: logger}).Run(workerCtx)
	}()
	defer func() { stopWorker(); <-workerDone }()
	if systemServer != nil {
		// System mail goes through the operator's server (or the catcher), which is
		// trusted: no SSRF guard against private addresses.
		sysTransport := mail.NewTransport(mail.TransportConfig{AllowPrivate: true})
		sysDone := make(chan struct{})
		go func() {
			defer close(sysDone)
			mail.NewSystemWorker(st, sysTransport, *systemServer, mail.WorkerConfig{Logger: logger}).Run(workerCtx)
		}()
		defer func() { stopWorker(); <-sysDone }()
	} else {
		logger.Info("no system mail is set: password-reset links are not sent (serve --smtp-url)")
	}

	srv := &http.Server{
		Handler:           httpapi.SecureHeaders(handler),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // CSV uploads may be large
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	go optimizeEvery(ctx, st.Optimize, time.Hour, logger)

	// The contact import worker stops with the server and is waited for before the
	// store closes; an import it leaves half-done resumes at the next start.
	workCtx, stopWork := context.WithCancel(ctx)
	imports := st.NewImportWorker()
	importsDone := make(chan struct{})
	go func() { imports.Run(workCtx); close(importsDone) }()
	defer func() { stopWork(); <-importsDone }()

	// The webhook worker delivers events through the SSRF guard (private addresses
	// only under --smtp-allow-private or --dev); it stops before the store closes.
	// --webhook-delivery off leaves delivery to the replicas that run it.
	if cfg.WebhookDelivery {
		hooks := webhook.NewWorker(st, webhook.Config{Logger: logger, Dial: mail.GuardedDialer(cfg.SMTPAllowPrivate, nil)})
		hooksDone := make(chan struct{})
		go func() { hooks.Run(workCtx); close(hooksDone) }()
		defer func() { stopWork(); <-hooksDone }()
	} else {
		logger.Info("webhook delivery is off in this process (--webhook-delivery off): events wait for a replica that delivers")
	}

	// The dialler: every replica runs one; it stops before the store closes, and
	// what it leaves leased is sent again by any replica when the lease runs out.
	dialCtx, stopDial := context.WithCancel(ctx)
	dialDone := make(chan struct{})
	go func() {
		dialer.NewWorker(st, engines, dialer.WorkerConfig{Logger: logger, Observe: m.Dispatch}).Run(dialCtx)
		close(dialDone)
	}()
	defer func() { stopDial(); <-dialDone }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "database", st.Dialect(), "dev", cfg.Dev)
	fmt.Fprintf(stdout, "switchboard listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

func optimizeEvery(ctx context.Context, optimize func(context.Context) error, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := optimize(ctx); err != nil {
				logger.Warn("optimize", "err", err)
			}
		}
	}
}

func envInt64(getenv func(string) string, key string, def int64) int64 {
	if n, err := strconv.ParseInt(getenv(key), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}
