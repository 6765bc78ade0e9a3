// Package cli is the switchboard command line: serve, migrate and the operator
// commands. It is the one place that wires concrete pieces together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/switchboard/switchboard/internal/store"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

const usage = `Usage: switchboard <command> [flags]

Commands:
  serve                            run the HTTP server (see serve -h)
  migrate                          apply database migrations and exit
  accounts list                    list accounts with plan and minutes
  accounts set-plan ACCOUNT PLAN   change an account's plan (free, starter, pro, enterprise)
  minutes grant ACCOUNT MINUTES    add minutes to an account's pool
  backup --to FILE                 copy the SQLite database while the server runs

Every command takes --data-dir and --database-url (or SWITCHBOARD_DATA_DIR and
SWITCHBOARD_DATABASE_URL) to find the database. Run switchboard <command> -h for
its arguments, flags and an example.
`

// Run runs the command line with args (without the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := run(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "accounts":
		if len(args) > 1 && args[1] == "list" {
			return accountsList(ctx, args[2:], getenv, stdout, stderr)
		}
		if len(args) > 1 && args[1] == "set-plan" {
			return accountsSetPlan(ctx, args[2:], getenv, stdout, stderr)
		}
		return helpGroup("accounts", args, []command{accountsListCmd, setPlanCmd}, stdout, stderr)
	case "minutes":
		if len(args) > 1 && args[1] == "grant" {
			return minutesGrant(ctx, args[2:], getenv, stdout, stderr)
		}
		return helpGroup("minutes", args, []command{grantCmd}, stdout, stderr)
	case "backup":
		return backup(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// dbFlags are the flags every command uses to find the database.
type dbFlags struct {
	dataDir     string
	databaseURL string
	defaultPlan string
	// configure, when set, completes the store's configuration (serve's secret
	// key, base URL and mail transport).
	configure func(*store.Config)
}

func (d *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.dataDir, "data-dir", envOr(getenv, "SWITCHBOARD_DATA_DIR", "./data"), "directory for the SQLite database and generated keys [SWITCHBOARD_DATA_DIR]")
	fs.StringVar(&d.databaseURL, "database-url", getenv("SWITCHBOARD_DATABASE_URL"), "a postgres:// URL selects PostgreSQL [SWITCHBOARD_DATABASE_URL]")
	d.defaultPlan = envOr(getenv, "SWITCHBOARD_DEFAULT_PLAN", sb.PlanFree)
}

// registerDefaultPlan adds --default-plan, for the commands that make accounts.
func (d *dbFlags) registerDefaultPlan(fs *flag.FlagSet) {
	fs.StringVar(&d.defaultPlan, "default-plan", d.defaultPlan, "plan of new accounts: free, starter, pro or enterprise (only enterprise can invite and make agencies) [SWITCHBOARD_DEFAULT_PLAN]")
}

func (d *dbFlags) open(ctx context.Context, logger *slog.Logger) (*store.Store, error) {
	cfg := store.Config{DatabaseURL: d.databaseURL, DataDir: d.dataDir, DefaultPlan: d.defaultPlan, Logger: logger}
	if d.configure != nil {
		d.configure(&cfg)
	}
	st, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// openOperator opens the migrated store an operator command works on; the
// database must be named (a command line never guesses which one).
func (d *dbFlags) openOperator(ctx context.Context) (*store.Store, error) {
	if err := d.requireDatabase(); err != nil {
		return nil, err
	}
	return d.open(ctx, slog.New(slog.DiscardHandler))
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func envBool(getenv func(string) string, key string) bool {
	b, _ := strconv.ParseBool(getenv(key))
	return b
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := migrateCmd.flagSet()
	var db dbFlags
	db.register(fs, getenv)
	if _, err := migrateCmd.parseArgs(fs, args, stdout, stderr); err != nil {
		return err
	}
	st, err := db.open(ctx, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "migrations applied (%s)\n", st.Dialect())
	return nil
}

var operator = sb.Actor{Operator: true, Email: "operator (command line)"}

func accountsList(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := accountsListCmd.flagSet()
	var db dbFlags
	db.register(fs, getenv)
	if _, err := accountsListCmd.parseArgs(fs, args, stdout, stderr); err != nil {
		return err
	}
	st, err := db.openOperator(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, err := st.ListAccounts(ctx, operator)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPLAN\tBALANCE_MINUTES\tUNALLOCATED_MINUTES")
	for _, a := range accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", a.ID, a.Name, a.Plan, a.Minutes.BalanceSeconds/60, a.Minutes.UnallocatedSeconds/60)
	}
	return tw.Flush()
}

func accountsSetPlan(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := setPlanCmd.flagSet()
	var db dbFlags
	db.register(fs, getenv)
	pos, err := setPlanCmd.parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	st, err := db.openOperator(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.SetPlan(ctx, operator, pos[0], pos[1])
	if err != nil {
		return cliError(err)
	}
	fmt.Fprintf(stdout, "account %s is now on the %s plan\n", a.ID, a.Plan)
	return nil
}

func minutesGrant(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := grantCmd.flagSet()
	var db dbFlags
	db.register(fs, getenv)
	note := fs.String("note", "", "why the minutes are granted (shown in the audit log)")
	pos, err := grantCmd.parseArgs(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	minutes, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return fmt.Errorf("MINUTES must be a whole number such as 500, not %q", pos[1])
	}
	if minutes <= 0 {
		return fmt.Errorf("MINUTES must be at least 1, not %d: a grant only adds minutes; to limit what a workspace spends, set its budget instead", minutes)
	}
	st, err := db.openOperator(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	g, err := st.GrantMinutes(ctx, operator, pos[0], sb.GrantInput{Minutes: minutes, Note: *note})
	if err != nil {
		return cliError(err)
	}
	a, err := st.GetAccount(ctx, operator, g.AccountID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "granted %d minutes to account %s; balance now %d minutes\n", g.Minutes, g.AccountID, a.Minutes.BalanceSeconds/60)
	return nil
}

// cliError shows a domain error as its sentence.
func cliError(err error) error {
	var e *sb.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
		// A negative number ("-5") is an argument, not a flag.
		for len(args) > 0 && isNegativeNumber(args[0]) {
			pos = append(pos, args[0])
			args = args[1:]
		}
	}
}
