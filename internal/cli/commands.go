package cli

import (
	"fmt"
	"io"
	"strings"
)

var (
	migrateCmd = command{name: "migrate", summary: "Apply the database migrations that are not yet applied, and exit.",
		examples: []string{"switchboard migrate --data-dir /var/lib/switchboard"}}
	accountsListCmd = command{name: "accounts list", summary: "List accounts with their plan and minutes.",
		examples: []string{"switchboard accounts list --data-dir ./data"}}
	setPlanCmd = command{name: "accounts set-plan", args: "ACCOUNT PLAN", summary: "Change an account's plan.",
		argHelp:  [][2]string{{"ACCOUNT", "the account's id (acc_…), as accounts list shows it"}, {"PLAN", "free, starter, pro or enterprise"}},
		examples: []string{"switchboard accounts set-plan acc_0123456789abcdefghjkmnpqrs enterprise"}}
	grantCmd = command{name: "minutes grant", args: "ACCOUNT MINUTES", summary: "Add minutes to an account's pool.",
		argHelp:  [][2]string{{"ACCOUNT", "the account's id (acc_…), as accounts list shows it"}, {"MINUTES", "how many minutes to add, a whole number of at least 1"}},
		examples: []string{"switchboard minutes grant acc_0123456789abcdefghjkmnpqrs 500 --note \"March top-up\""}}
)

var serveCmd = command{name: "serve", summary: "Run the HTTP server: the API, the console, the mail and import workers.",
	examples: []string{
		"switchboard serve --dev --operator-token change-me --default-plan enterprise",
		"switchboard serve --addr 0.0.0.0:8080 --base-url https://switchboard.example.com --database-url postgres://… --secret-key $KEY",
	}}

// helpGroup answers "switchboard accounts", "accounts -h" and unknown
// subcommands of a group.
func helpGroup(group string, args []string, cmds []command, stdout, stderr io.Writer) error {
	if len(args) > 1 && (args[1] == "-h" || args[1] == "--help" || args[1] == "-help" || args[1] == "help") {
		groupUsage(stdout, group, cmds)
		return nil
	}
	groupUsage(stderr, group, cmds)
	if len(args) == 1 {
		return fmt.Errorf("%s needs a command", group)
	}
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}
