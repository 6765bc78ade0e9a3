package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/internal/console"
	"github.com/switchboard/switchboard/internal/httpapi"
	"github.com/switchboard/switchboard/internal/mail"
	"github.com/switchboard/switchboard/internal/store"
	sb "github.com/switchboard/switchboard/internal/switchboard"
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
	db             dbFlags

	// SMTPURL is the operator's mail server for system mail (password resets,
	// budget alerts): smtp[s]://user:pass@host:port. MailFrom is its sender.
	SMTPURL  string
	MailFrom string
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	cfg.db.register(fs, getenv)
	fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "SWITCHBOARD_ADDR", "127.0.0.1:8080"), "address to listen on [SWITCHBOARD_ADDR]")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("SWITCHBOARD_BASE_URL"), "public URL of the server, for links in mail (default http://<addr>) [SWITCHBOARD_BASE_URL]")
	fs.StringVar(&cfg.OperatorToken, "operator-token", getenv("SWITCHBOARD_OPERATOR_TOKEN"), "token for the operator API; empty disables it [SWITCHBOARD_OPERATOR_TOKEN]")
	fs.BoolVar(&cfg.SMTPAllowPrivate, "smtp-allow-private", envBool(getenv, "SWITCHBOARD_SMTP_ALLOW_PRIVATE"), "let workspaces use SMTP servers on loopback and private addresses [SWITCHBOARD_SMTP_ALLOW_PRIVATE]")
	fs.BoolVar(&cfg.Dev, "dev", envBool(getenv, "SWITCHBOARD_DEV"), "development mode: also run a local mail catcher; implies --smtp-allow-private [SWITCHBOARD_DEV]")
	fs.StringVar(&cfg.SecretKey, "secret-key", getenv("SWITCHBOARD_SECRET_KEY"), "key that encrypts SMTP passwords at rest, hex or base64 of 32 bytes; default: one generated into the data directory [SWITCHBOARD_SECRET_KEY]")
	fs.StringVar(&cfg.DevSMTPAddr, "dev-smtp-addr", envOr(getenv, "SWITCHBOARD_DEV_SMTP_ADDR", "127.0.0.1:1025"), "address of the --dev mail catcher [SWITCHBOARD_DEV_SMTP_ADDR]")
	fs.Int64Var(&cfg.ImportMaxBytes, "import-max-bytes", envInt64(getenv, "SWITCHBOARD_IMPORT_MAX_BYTES", store.DefaultImportMaxBytes), "largest CSV file a contact import accepts, in bytes [SWITCHBOARD_IMPORT_MAX_BYTES]")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", getenv("SWITCHBOARD_SMTP_URL"), "mail server for system mail (password resets, alerts): smtp[s]://user:pass@host:port; --dev uses the mail catcher [SWITCHBOARD_SMTP_URL]")
	fs.StringVar(&cfg.MailFrom, "mail-from", getenv("SWITCHBOARD_MAIL_FROM"), "sender of system mail, e.g. \"Switchboard <noreply@example.com>\" [SWITCHBOARD_MAIL_FROM]")
	if err := fs.Parse(args); err != nil {
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

	key, err := secretKey(cfg.SecretKey, cfg.db.dataDir, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}
	transport := mail.NewTransport(mail.TransportConfig{AllowPrivate: cfg.SMTPAllowPrivate})
	cfg.db.configure = func(c *store.Config) {
		c.SecretKey, c.BaseURL, c.Mail = key, cfg.BaseURL, transport
		c.SystemMail = systemServer != nil || cfg.Dev
	}
	st, err := cfg.db.open(ctx, logger)
	if err != nil {
		return err
	}
	defer st.Close()

	api := httpapi.New(httpapi.Services{Users: st, Accounts: st, Workspaces: st, Members: st, APIKeys: st, Audit: st, Assistants: st, Workflows: st, Campaigns: st, Invitations: st, SMTP: st, WhiteLabel: st, Calls: st, Contacts: st, People: st}, httpapi.Config{
		ImportMaxBytes: cfg.ImportMaxBytes,
		OperatorToken:  cfg.OperatorToken,
		Ready:          st.Ping,
		Logger:         logger,
	})
	con, err := console.New(console.Services{Users: st, Accounts: st, Workspaces: st, Members: st, APIKeys: st, Audit: st, Invitations: st, SMTP: st, WhiteLabel: st, People: st, Brands: st,
		Calls: st, Contacts: st, Imports: st, Campaigns: st, Assistants: st, Workflows: st}, console.Config{
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
		catcher, err := mail.StartCatcher(cfg.DevSMTPAddr, mail.CatcherOptions{})
		if err != nil {
			return fmt.Errorf("dev mail catcher: %w", err)
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
		Handler:           handler,
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
